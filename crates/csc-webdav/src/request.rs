//! The requests the client sends, as plain data: a transport (fetch in the browser, a native
//! HTTP client in tests and tools) only has to send them.

use std::ops::Range;

use csc_core::{ItemPath, Precondition, Version};

use crate::href::ShareUrl;
use crate::multistatus::{CSC_NS, NO_ETAG};

/// An HTTP request without IO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: &'static str,
    /// The absolute URL.
    pub url: String,
    /// Headers besides authentication, which the transport adds.
    pub headers: Vec<(&'static str, String)>,
    /// The body, if the request has one of its own (a PUT's body is the content, streamed by
    /// the transport).
    pub body: Option<String>,
}

/// The properties every listing asks for.
const PROPS: &str =
    "<d:getetag/><d:getcontentlength/><d:getlastmodified/><d:resourcetype/><oc:checksums/><c:md5/>";

fn propfind_body() -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><d:propfind xmlns:d=\"DAV:\" xmlns:oc=\"http://owncloud.org/ns\" xmlns:c=\"{CSC_NS}\"><d:prop>{PROPS}</d:prop></d:propfind>"
    )
}

/// PROPFIND depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// The item only.
    Zero,
    /// The item and its children.
    One,
    /// The whole subtree (where the server allows it).
    Infinity,
}

/// PROPFIND of an item: a collection (its URL ends in `/`) or a file.
pub fn propfind(share: &ShareUrl, path: &ItemPath, depth: Depth, collection: bool) -> Request {
    let depth = match depth {
        Depth::Zero => "0",
        Depth::One => "1",
        Depth::Infinity => "infinity",
    };
    Request {
        method: "PROPFIND",
        url: share.url(path, collection),
        headers: vec![
            ("Depth", depth.into()),
            ("Content-Type", "application/xml; charset=utf-8".into()),
        ],
        body: Some(propfind_body()),
    }
}

/// RFC 6578 sync-collection REPORT of the whole share: the changes since `token`, or every
/// member with a first token.
pub fn sync_collection(share: &ShareUrl, token: Option<&str>) -> Request {
    let token = token.map(xml_escape).unwrap_or_default();
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><d:sync-collection xmlns:d=\"DAV:\" xmlns:oc=\"http://owncloud.org/ns\" xmlns:c=\"{CSC_NS}\"><d:sync-token>{token}</d:sync-token><d:sync-level>infinite</d:sync-level><d:prop>{PROPS}</d:prop></d:sync-collection>"
    );
    Request {
        method: "REPORT",
        url: share.url(&ItemPath::root(), true),
        headers: vec![
            ("Depth", "0".into()),
            ("Content-Type", "application/xml; charset=utf-8".into()),
        ],
        body: Some(body),
    }
}

/// GET of a file, whole or a byte range, only if it still has `expected`.
pub fn get(
    share: &ShareUrl,
    path: &ItemPath,
    expected: Option<&Version>,
    range: Option<Range<u64>>,
) -> Request {
    let mut headers = Vec::new();
    if let Some(v) = expected {
        headers.push(("If-Match", v.as_str().to_owned()));
    }
    if let Some(r) = range {
        let value = if r.end == u64::MAX {
            format!("bytes={}-", r.start)
        } else {
            format!("bytes={}-{}", r.start, r.end.saturating_sub(1))
        };
        headers.push(("Range", value));
    }
    Request {
        method: "GET",
        url: share.url(path, false),
        headers,
        body: None,
    }
}

/// PUT of a file's content (streamed by the transport) under a precondition.
pub fn put(share: &ShareUrl, path: &ItemPath, precondition: &Precondition, size: u64) -> Request {
    let condition = match precondition {
        Precondition::MustNotExist => ("If-None-Match", "*".to_owned()),
        Precondition::Version(v) => ("If-Match", v.as_str().to_owned()),
    };
    Request {
        method: "PUT",
        url: share.url(path, false),
        headers: vec![
            condition,
            ("Content-Length", size.to_string()),
            ("Content-Type", "application/octet-stream".into()),
        ],
        body: None,
    }
}

/// DELETE if the item still has `expected`.
pub fn delete(share: &ShareUrl, path: &ItemPath, expected: &Version, collection: bool) -> Request {
    Request {
        method: "DELETE",
        url: share.url(path, collection),
        headers: if_match(expected).into_iter().collect(),
        body: None,
    }
}

/// `If-Match` for a version, unless it is the placeholder of a collection without an ETag.
fn if_match(expected: &Version) -> Option<(&'static str, String)> {
    (expected.as_str() != NO_ETAG).then(|| ("If-Match", expected.as_str().to_owned()))
}

/// MKCOL.
pub fn mkcol(share: &ShareUrl, path: &ItemPath) -> Request {
    Request {
        method: "MKCOL",
        url: share.url(path, true),
        headers: Vec::new(),
        body: None,
    }
}

/// MOVE without overwriting, if the item still has `expected`.
pub fn move_item(
    share: &ShareUrl,
    from: &ItemPath,
    to: &ItemPath,
    expected: &Version,
    collection: bool,
) -> Request {
    Request {
        method: "MOVE",
        url: share.url(from, collection),
        headers: [
            ("Destination", share.url(to, collection)),
            ("Overwrite", "F".into()),
        ]
        .into_iter()
        .chain(if_match(expected))
        .collect(),
        body: None,
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
