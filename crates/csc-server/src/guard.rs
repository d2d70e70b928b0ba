//! What a request must pass before dav-server sees it: a safe path, and a write lock.
//!
//! **Paths.** dav-server normalizes paths itself, but it resolves `..` and decodes `%2e%2e`
//! quietly; a share server should refuse such requests outright, and say why. Every request
//! path (and a MOVE / COPY `Destination`) is checked segment by segment here: no `.` or `..`
//! (plain or percent-encoded), no encoded separators (`%2F`, `%5C`), no backslash, NUL or other
//! control characters, no empty segments, valid UTF-8, no other host, nothing in the server's
//! state folder. The file system layer checks again where a path leads on disk (symbolic
//! links).
//!
//! **Locks.** Conditional requests must be atomic: of two PUTs with the same `If-Match`,
//! exactly one may succeed. dav-server checks the precondition and then writes, so every
//! request that changes the share holds a lock on the paths it touches (a MOVE both ends) for
//! its whole run; two requests conflict when one's path is the other's or lies below it. The
//! rescan takes the root, which conflicts with everything.

use std::sync::Mutex;

use percent_encoding::percent_decode_str;
use tokio::sync::Notify;

use crate::fs::STATE_DIR;

/// Why a request path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// Not under the share's prefix.
    #[error("the path is not inside the share (it must start with {0})")]
    OutsideShare(&'static str),
    /// A `.` or `..` segment.
    #[error("the path contains a '.' or '..' segment; send the path as it is meant")]
    DotSegment,
    /// An encoded `/` or `\`.
    #[error("the path contains an encoded separator (%2F or %5C); names cannot contain / or \\")]
    EncodedSeparator,
    /// A byte that cannot be in a name.
    #[error("the path contains a backslash, NUL or control character")]
    BadCharacter,
    /// Not UTF-8 once decoded.
    #[error("the path is not valid UTF-8 once percent-decoded")]
    NotUtf8,
    /// `a//b`.
    #[error("the path contains an empty segment (//)")]
    EmptySegment,
    /// The state folder.
    #[error("the server's state folder is not part of the share")]
    StateFolder,
    /// A Destination on another host or scheme.
    #[error("the Destination names another server; MOVE and COPY stay within this share")]
    OtherHost,
    /// A Destination that is not a URL or path.
    #[error("the Destination header is not a valid URL")]
    BadDestination,
}

/// The share's URL prefix.
pub const PREFIX: &str = "/dav";

/// Checks a raw request path (still percent-encoded, without the query) under [`PREFIX`];
/// returns the decoded share-relative segments.
pub fn check_path(raw: &str) -> Result<Vec<String>, PathError> {
    let rest = match raw.strip_prefix(PREFIX) {
        Some("") => return Ok(Vec::new()),
        Some(rest) if rest.starts_with('/') => &rest[1..],
        _ => return Err(PathError::OutsideShare("/dav/")),
    };
    if raw.contains('#') {
        return Err(PathError::BadCharacter);
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for seg in rest.split('/') {
        if seg.is_empty() {
            return Err(PathError::EmptySegment);
        }
        let lower = seg.to_ascii_lowercase();
        if lower.contains("%2f") || lower.contains("%5c") {
            return Err(PathError::EncodedSeparator);
        }
        if seg.bytes().any(|b| !(0x21..0x7f).contains(&b) && b != b' ') {
            return Err(PathError::BadCharacter);
        }
        let decoded = percent_decode_str(seg)
            .decode_utf8()
            .map_err(|_| PathError::NotUtf8)?;
        if decoded == "." || decoded == ".." {
            return Err(PathError::DotSegment);
        }
        if decoded
            .chars()
            .any(|c| c == '\\' || c == '/' || c.is_control())
        {
            return Err(PathError::BadCharacter);
        }
        out.push(decoded.into_owned());
    }
    if out.first().map(String::as_str) == Some(STATE_DIR) {
        return Err(PathError::StateFolder);
    }
    Ok(out)
}

/// Checks a `Destination` header: an absolute URL on `host` or an absolute path, under the
/// share. Returns the decoded segments.
pub fn check_destination(value: &str, host: Option<&str>) -> Result<Vec<String>, PathError> {
    let path = if value.starts_with('/') {
        value
    } else {
        let uri: http::Uri = value.parse().map_err(|_| PathError::BadDestination)?;
        match (uri.scheme_str(), uri.authority(), host) {
            (Some("http" | "https"), Some(authority), Some(host))
                if authority.as_str().eq_ignore_ascii_case(host) => {}
            _ => return Err(PathError::OtherHost),
        }
        let start = value
            .find("://")
            .map(|i| i + 3)
            .ok_or(PathError::BadDestination)?;
        match value[start..].find('/') {
            Some(i) => &value[start + i..],
            None => return Err(PathError::OutsideShare("/dav/")),
        }
    };
    let path = path.split('?').next().unwrap_or(path);
    check_path(path)
}

/// The set of paths (joined with `/`, `""` for the root) held by running writes.
#[derive(Debug, Default)]
pub struct LockSet {
    held: Mutex<Vec<(u64, Vec<String>)>>,
    next: Mutex<u64>,
    released: Notify,
}

/// A held lock; dropping it releases the paths.
#[derive(Debug)]
pub struct Held<'a> {
    set: &'a LockSet,
    id: u64,
}

fn overlaps(a: &str, b: &str) -> bool {
    fn under(x: &str, y: &str) -> bool {
        y.is_empty() || x == y || (x.starts_with(y) && x.as_bytes()[y.len()] == b'/')
    }
    under(a, b) || under(b, a)
}

impl LockSet {
    /// Waits until none of `paths` overlaps a held one, then holds them.
    pub async fn lock(&self, paths: Vec<String>) -> Held<'_> {
        let id = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            *next += 1;
            *next
        };
        loop {
            let notified = self.released.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
                let busy = held
                    .iter()
                    .any(|(_, hs)| hs.iter().any(|h| paths.iter().any(|p| overlaps(h, p))));
                if !busy {
                    held.push((id, paths));
                    return Held { set: self, id };
                }
            }
            notified.await;
        }
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let mut held = self.set.held.lock().unwrap_or_else(|e| e.into_inner());
        held.retain(|(id, _)| *id != self.id);
        drop(held);
        self.set.released.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_encoded_names_are_decoded() {
        assert_eq!(check_path("/dav/a%20b/c.txt").unwrap(), ["a b", "c.txt"]);
        assert_eq!(check_path("/dav/").unwrap(), Vec::<String>::new());
        assert_eq!(check_path("/dav/d%C3%A9j%C3%A0/").unwrap(), ["déjà"]);
    }

    #[test]
    fn overlapping_paths_are_those_on_one_line_of_descent() {
        assert!(overlaps("a", "a/b"));
        assert!(overlaps("", "x"));
        assert!(!overlaps("a", "ab"));
        assert!(!overlaps("a/b", "a/c"));
    }
}
