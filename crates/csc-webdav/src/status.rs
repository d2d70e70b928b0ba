//! What an HTTP status means for the engine.

use csc_core::ItemPath;
use csc_core::store::RemoteError;

/// The engine's reading of a failed request's status. `retry_after` is the Retry-After header
/// (seconds, or an HTTP date, read against `now_ms`).
pub fn error_for(
    status: u16,
    path: &ItemPath,
    retry_after: Option<&str>,
    now_ms: i64,
) -> RemoteError {
    match status {
        404 | 410 => RemoteError::NotFound(path.clone()),
        412 => RemoteError::PreconditionFailed(path.clone()),
        401 | 403 => RemoteError::Auth(format!("HTTP {status}")),
        405 | 409 | 423 | 424 => RemoteError::Conflict {
            path: path.clone(),
            detail: format!("HTTP {status}"),
        },
        408 | 425 | 429 | 500..=599 => RemoteError::Transient {
            detail: format!("HTTP {status}"),
            retry_after_ms: retry_after.and_then(|h| retry_after_ms(h, now_ms)),
        },
        _ => RemoteError::Protocol(format!("unexpected HTTP {status} for {path}")),
    }
}

/// Milliseconds to wait from a Retry-After header: delta-seconds or an HTTP date.
pub fn retry_after_ms(header: &str, now_ms: i64) -> Option<u64> {
    let header = header.trim();
    if let Ok(seconds) = header.parse::<u64>() {
        return Some(seconds.saturating_mul(1000));
    }
    let at = httpdate::parse_http_date(header).ok()?;
    let at_ms = at.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis();
    let at_ms = i64::try_from(at_ms).ok()?;
    Some(u64::try_from(at_ms.saturating_sub(now_ms)).unwrap_or(0))
}
