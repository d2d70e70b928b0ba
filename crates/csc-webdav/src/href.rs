//! The share's URL, and the only way from a server's `href` to a path in the share.
//!
//! Every href a server sends is untrusted: it may name another host, climb out of the share
//! with `..`, hide a separator as `%2F`, or carry bytes that are not UTF-8. [`ShareUrl::path_of`]
//! turns an href into an [`ItemPath`] inside the share or returns an error; nothing else in
//! the crate interprets hrefs. Segments are compared decoded, so `%7E` and `~` are the same
//! name, as RFC 3986 says.

use csc_core::{ItemPath, PathError};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Characters left as they are in a path segment we send: RFC 3986 unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Why an href or a share URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HrefError {
    /// The share URL is not an absolute http(s) URL.
    #[error(
        "{0:?} is not a share URL: give an absolute http:// or https:// URL of a WebDAV collection"
    )]
    BadShareUrl(String),
    /// The href names another server.
    #[error(
        "the server named an item on another host ({0:?}); only items of the share are accepted"
    )]
    OtherHost(String),
    /// The href is outside the share's collection.
    #[error("the server named an item outside the share ({0:?})")]
    OutsideShare(String),
    /// A `.` or `..` segment.
    #[error("the server named an item with a \".\" or \"..\" segment ({0:?})")]
    DotSegment(String),
    /// An encoded separator, backslash or NUL in a segment.
    #[error("the server named an item whose name hides a separator or NUL ({0:?})")]
    HiddenSeparator(String),
    /// Percent-encoding that does not decode to UTF-8.
    #[error("the server named an item whose name is not valid UTF-8 once decoded ({0:?})")]
    BadEncoding(String),
    /// A query or fragment.
    #[error("the server named an item with a query or fragment ({0:?})")]
    QueryOrFragment(String),
    /// An empty segment (`a//b`).
    #[error("the server named an item with an empty segment ({0:?})")]
    EmptySegment(String),
    /// A name the share's paths do not allow.
    #[error("the server named an item with an invalid name ({href:?}): {error}")]
    BadName {
        /// The href.
        href: String,
        /// What is wrong.
        error: PathError,
    },
}

/// A share's collection URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareUrl {
    /// `scheme://host[:port]`, lowercased, default port dropped.
    origin: String,
    /// The collection's path as sent (percent-encoded), ending with `/`.
    base: String,
    /// The collection's path segments, decoded.
    base_segments: Vec<String>,
}

fn split_origin(url: &str) -> Option<(String, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let authority = authority.to_ascii_lowercase();
    let default_port = if scheme == "http" { ":80" } else { ":443" };
    let authority = authority
        .strip_suffix(default_port)
        .unwrap_or(&authority)
        .to_owned();
    Some((format!("{scheme}://{authority}"), path))
}

impl ShareUrl {
    /// Parses the share's URL (an absolute http(s) URL of a collection).
    pub fn new(url: &str) -> Result<Self, HrefError> {
        let bad = || HrefError::BadShareUrl(url.to_owned());
        let (origin, path) = split_origin(url).ok_or_else(bad)?;
        if path.contains(['?', '#']) {
            return Err(bad());
        }
        let base = if path.ends_with('/') {
            path.to_owned()
        } else {
            format!("{path}/")
        };
        let base_segments = decode_segments(&base, url).map_err(|_| bad())?;
        Ok(ShareUrl {
            origin,
            base,
            base_segments,
        })
    }

    /// The URL of an item (with a trailing `/` for a collection).
    pub fn url(&self, path: &ItemPath, collection: bool) -> String {
        let mut out = format!("{}{}", self.origin, self.base);
        if !path.is_root() {
            let encoded: Vec<String> = path
                .as_str()
                .split('/')
                .map(|s| utf8_percent_encode(s, SEGMENT).to_string())
                .collect();
            out.push_str(&encoded.join("/"));
            if collection {
                out.push('/');
            }
        }
        out
    }

    /// The path inside the share that `href` names (the root for the collection itself).
    pub fn path_of(&self, href: &str) -> Result<ItemPath, HrefError> {
        self.path_of_in(href, &ItemPath::root())
    }

    /// [`ShareUrl::path_of`] for an answer to a request on the collection `dir` (RFC 4918
    /// §8.3): a relative reference is resolved against that collection, not the share's.
    pub fn path_of_in(&self, href: &str, dir: &ItemPath) -> Result<ItemPath, HrefError> {
        let href = href.trim();
        if href.contains(['?', '#']) {
            return Err(HrefError::QueryOrFragment(href.to_owned()));
        }
        // A scheme (`name:` before any `/`) makes it an absolute URL: only http(s) on the
        // share's origin is accepted (`javascript:`, `file:`, `mailto:` are not hrefs of items).
        let has_scheme = href
            .split('/')
            .next()
            .is_some_and(|first| first.contains(':'));
        let path = if has_scheme {
            let (origin, path) =
                split_origin(href).ok_or_else(|| HrefError::OtherHost(href.to_owned()))?;
            if origin != self.origin {
                return Err(HrefError::OtherHost(href.to_owned()));
            }
            path.to_owned()
        } else if href.starts_with("//") {
            return Err(HrefError::OtherHost(href.to_owned()));
        } else if href.starts_with('/') {
            href.to_owned()
        } else {
            // A relative reference, resolved against the collection asked about.
            let collection = self.url(dir, true);
            format!("{}{href}", &collection[self.origin.len()..])
        };
        let segments = decode_segments(&path, href)?;
        if segments.len() < self.base_segments.len()
            || segments[..self.base_segments.len()] != self.base_segments[..]
        {
            return Err(HrefError::OutsideShare(href.to_owned()));
        }
        let inside = &segments[self.base_segments.len()..];
        ItemPath::new(&inside.join("/")).map_err(|error| HrefError::BadName {
            href: href.to_owned(),
            error,
        })
    }
}

/// The decoded segments of an absolute path (a trailing `/` ignored), refusing dot segments,
/// hidden separators, bad encoding and empty segments.
fn decode_segments(path: &str, href: &str) -> Result<Vec<String>, HrefError> {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for raw in trimmed.split('/') {
        if raw.is_empty() {
            return Err(HrefError::EmptySegment(href.to_owned()));
        }
        let decoded = percent_decode_str(raw)
            .decode_utf8()
            .map_err(|_| HrefError::BadEncoding(href.to_owned()))?;
        if decoded == "." || decoded == ".." {
            return Err(HrefError::DotSegment(href.to_owned()));
        }
        if decoded.contains(['/', '\\', '\0']) {
            return Err(HrefError::HiddenSeparator(href.to_owned()));
        }
        out.push(decoded.into_owned());
    }
    Ok(out)
}
