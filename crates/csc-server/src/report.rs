//! RFC 6578 sync-collection: the REPORT that dav-server lacks, answered from the journal.
//!
//! A request with an empty `DAV:sync-token` lists every member of the collection (all levels
//! with `sync-level` infinite, the children with 1) and returns the current token; a request
//! with a token lists only what changed since: changed members with their properties, removed
//! ones with a 404 status. A token of another journal, from the future or older than the
//! pruned tombstones is refused with 403 and `DAV:valid-sync-token` (RFC 6578 3.2), which tells
//! the client to list in full. Because the journal is written in the same step as each change,
//! an unchanged share costs one small answer, whatever its size.

use std::fmt::Write;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use crate::fs::CSC_NS;
use crate::journal::{Journal, JournalError, Record, hex};

/// What the client asked.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SyncRequest {
    /// The token (empty: the initial listing).
    pub token: String,
    /// Only the collection's children (`sync-level` 1) rather than all levels.
    pub one_level: bool,
}

/// Why a REPORT was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Not well-formed, too deep, or not a sync-collection.
    #[error("{0}")]
    BadRequest(String),
    /// A REPORT other than sync-collection.
    #[error("only the DAV:sync-collection REPORT is supported")]
    Unsupported,
    /// The token is not one of this journal's live tokens.
    #[error("the sync token is not valid here (list in full with an empty token)")]
    InvalidToken,
    /// The journal failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// Parses a REPORT body.
pub fn parse_request(body: &[u8], max_depth: usize) -> Result<SyncRequest, ReportError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ReportError::BadRequest("the body is not UTF-8".into()))?;
    let mut reader = NsReader::from_str(text);
    let mut depth = 0usize;
    let mut path: Vec<(bool, Vec<u8>)> = Vec::new();
    let mut request = SyncRequest::default();
    let mut root_seen = false;
    loop {
        let (ns, event) = reader.read_resolved_event().map_err(|e| {
            ReportError::BadRequest(format!("the body is not well-formed XML: {e}"))
        })?;
        let is_dav = matches!(ns, ResolveResult::Bound(n) if n.as_ref() == b"DAV:");
        match event {
            Event::Start(e) => {
                depth += 1;
                if depth > max_depth {
                    return Err(ReportError::BadRequest(format!(
                        "the body nests deeper than {max_depth} elements"
                    )));
                }
                let name = e.local_name().as_ref().to_vec();
                if !root_seen {
                    root_seen = true;
                    if !(is_dav && name == b"sync-collection") {
                        return Err(ReportError::Unsupported);
                    }
                }
                path.push((is_dav, name));
            }
            Event::Empty(e) => {
                if !root_seen {
                    return Err(ReportError::Unsupported);
                }
                let _ = e;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                path.pop();
            }
            Event::Text(t) => {
                let value = t
                    .unescape()
                    .map_err(|e| ReportError::BadRequest(format!("bad text in the body: {e}")))?;
                let value = value.trim();
                if path.len() == 2 && path[1].0 {
                    match path[1].1.as_slice() {
                        b"sync-token" => request.token = value.to_owned(),
                        b"sync-level" => match value {
                            "1" => request.one_level = true,
                            "infinite" | "infinity" => request.one_level = false,
                            other => {
                                return Err(ReportError::BadRequest(format!(
                                    "sync-level must be 1 or infinite, not {other:?}"
                                )));
                            }
                        },
                        _ => {}
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if depth != 0 {
        return Err(ReportError::BadRequest(
            "the body ends inside an element".into(),
        ));
    }
    if !root_seen {
        return Err(ReportError::BadRequest("the body is empty".into()));
    }
    Ok(request)
}

/// Characters escaped in an href segment: everything but unreserved ones.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn href(key: &str, dir: bool) -> String {
    let mut out = String::from("/dav/");
    for (i, seg) in key.split('/').filter(|s| !s.is_empty()).enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.extend(utf8_percent_encode(seg, SEGMENT));
    }
    if dir && !key.is_empty() {
        out.push('/');
    }
    out
}

fn xml_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn write_record(out: &mut String, r: &Record, journal_id: &str) {
    let _ = write!(
        out,
        "<D:response><D:href>{}</D:href><D:propstat><D:prop><D:getetag>&quot;{}&quot;</D:getetag>",
        xml_text(&href(&r.path, r.stat.dir)),
        r.etag(journal_id)
    );
    let modified =
        std::time::UNIX_EPOCH + std::time::Duration::from_nanos(r.stat.mtime_ns.max(0) as u64);
    let _ = write!(
        out,
        "<D:getlastmodified>{}</D:getlastmodified>",
        httpdate::fmt_http_date(modified)
    );
    if r.stat.dir {
        out.push_str("<D:resourcetype><D:collection/></D:resourcetype>");
    } else {
        let _ = write!(
            out,
            "<D:resourcetype/><D:getcontentlength>{}</D:getcontentlength>",
            r.stat.size
        );
    }
    if let Some(h) = &r.hashes {
        let _ = write!(
            out,
            "<C:md5>{}</C:md5><C:sha256>{}</C:sha256>",
            hex(&h.md5),
            hex(&h.sha256)
        );
    }
    out.push_str("</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>");
}

/// Answers a sync-collection REPORT on the collection `key`.
pub fn answer(journal: &Journal, key: &str, request: &SyncRequest) -> Result<String, ReportError> {
    let since = if request.token.is_empty() {
        0
    } else {
        journal
            .parse_token(&request.token)
            .ok_or(ReportError::InvalidToken)?
    };
    let changes = journal.changes_since(since, key)?;
    let in_scope = |path: &str| {
        if path == key {
            return false;
        }
        if !request.one_level {
            return true;
        }
        let rest = if key.is_empty() {
            path
        } else {
            &path[key.len() + 1..]
        };
        !rest.contains('/')
    };
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus xmlns:D=\"DAV:\" xmlns:C=\"{CSC_NS}\">"
    );
    for r in changes.changed.iter().filter(|r| in_scope(&r.path)) {
        write_record(&mut out, r, journal.id());
    }
    for path in changes.removed.iter().filter(|p| in_scope(p)) {
        let _ = write!(
            out,
            "<D:response><D:href>{}</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>",
            xml_text(&href(path, false))
        );
    }
    let _ = write!(
        out,
        "<D:sync-token>{}</D:sync-token></D:multistatus>",
        xml_text(&journal.token_at(changes.seq))
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sync_collection_body_gives_its_token_and_level() {
        let body = br#"<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>urn:x:1</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"#;
        assert_eq!(
            parse_request(body, 32).unwrap(),
            SyncRequest {
                token: "urn:x:1".into(),
                one_level: true
            }
        );
    }

    #[test]
    fn other_reports_and_deep_or_broken_bodies_are_refused() {
        assert!(matches!(
            parse_request(br#"<x:expand-property xmlns:x="DAV:"/>"#, 32),
            Err(ReportError::Unsupported)
        ));
        let deep = format!(
            "<d:sync-collection xmlns:d=\"DAV:\">{}{}</d:sync-collection>",
            "<a>".repeat(100),
            "</a>".repeat(100)
        );
        assert!(matches!(
            parse_request(deep.as_bytes(), 32),
            Err(ReportError::BadRequest(_))
        ));
        assert!(matches!(
            parse_request(b"<d:sync-collection xmlns:d=\"DAV:\"><d:sync-token>", 32),
            Err(ReportError::BadRequest(_))
        ));
    }

    #[test]
    fn hrefs_escape_every_reserved_character() {
        assert_eq!(href("a b/c#?.txt", false), "/dav/a%20b/c%23%3F.txt");
        assert_eq!(href("dir", true), "/dav/dir/");
        assert_eq!(href("", true), "/dav/");
    }
}
