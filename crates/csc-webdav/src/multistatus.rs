//! Parsing `207 Multi-Status` bodies: PROPFIND listings and sync-collection REPORTs.
//!
//! The parser resolves XML namespaces (servers use any prefix for `DAV:`), keeps only the
//! properties the engine needs, and refuses anything hostile or broken with a clear error:
//! bodies or texts over the limits, nesting deeper than the limit, hrefs outside the share
//! (see [`crate::href`]), the same item twice, a file without an entity tag.

use std::collections::HashSet;

use csc_core::{ContentHash, ItemKind, ItemPath, Meta, Millis, Version};
use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::{Namespace, ResolveResult};

use crate::href::{HrefError, ShareUrl};

const DAV: &[u8] = b"DAV:";
const OWNCLOUD: &[u8] = b"http://owncloud.org/ns";
/// The version given to a collection whose server sends no ETag for it: it only says "a
/// folder", and requests on it carry no If-Match.
pub const NO_ETAG: &str = "collection";

/// Our own namespace for properties csc-server adds (the content hash).
pub const CSC_NS: &str = "urn:offline-files:csc";

/// Bounds on what a response may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest body accepted, in bytes.
    pub max_body: usize,
    /// The deepest element nesting accepted.
    pub max_depth: usize,
    /// The most responses accepted in one body.
    pub max_entries: usize,
    /// The longest text accepted in one element, in bytes.
    pub max_text: usize,
}

impl Default for Limits {
    /// 512 MiB, depth 32, 2,000,000 entries, 64 KiB of text: room for a share of millions of
    /// files, not for a body built to exhaust memory.
    fn default() -> Self {
        Limits {
            max_body: 512 << 20,
            max_depth: 32,
            max_entries: 2_000_000,
            max_text: 64 << 10,
        }
    }
}

/// Why a multistatus body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Not well-formed XML.
    #[error("the server's answer is not well-formed XML: {0}")]
    Xml(String),
    /// Over a limit.
    #[error("the server's answer is too large or too deep: {0}")]
    TooLarge(&'static str),
    /// Not a multistatus.
    #[error("the server's answer is not a DAV:multistatus")]
    NotMultistatus,
    /// A response without an href.
    #[error("a response in the server's answer has no href")]
    MissingHref,
    /// A bad href.
    #[error(transparent)]
    Href(#[from] HrefError),
    /// The same item twice.
    #[error("the server's answer lists {0} twice")]
    Duplicate(ItemPath),
    /// A file without an entity tag: it could never be written safely.
    #[error(
        "the server gave no entity tag (getetag) for {0}: without one no change to it can be made safely; use a server that sends ETags"
    )]
    MissingEtag(ItemPath),
    /// A property with an unreadable value.
    #[error("the server gave an unreadable {prop} for {path}: {value:?}")]
    BadValue {
        /// The item.
        path: ItemPath,
        /// The property.
        prop: &'static str,
        /// Its value.
        value: String,
    },
}

/// One `response` of a multistatus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The item.
    pub path: ItemPath,
    /// Its metadata, or `None` for a member reported gone (status 404 in a sync-collection
    /// report).
    pub meta: Option<Meta>,
}

/// A parsed multistatus body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Multistatus {
    /// The responses, in the server's order.
    pub entries: Vec<Entry>,
    /// The sync token (sync-collection reports).
    pub sync_token: Option<String>,
    /// The server cut the report short (RFC 6578 §3.6: a 507 for the collection asked
    /// about): more changes follow from a report with `sync_token`.
    pub truncated: bool,
}

/// The properties of one response, as read.
#[derive(Debug, Default)]
struct Props {
    etag: Option<String>,
    length: Option<String>,
    modified: Option<String>,
    collection: bool,
    md5: Option<String>,
}

/// Which property's text is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Href,
    Status,
    Etag,
    Length,
    Modified,
    Checksum,
    Md5,
    SyncToken,
}

/// Parses a multistatus body answering a request on the share's collection.
pub fn parse(body: &[u8], share: &ShareUrl, limits: &Limits) -> Result<Multistatus, ParseError> {
    parse_in(body, share, &ItemPath::root(), limits)
}

/// Parses a multistatus body answering a request on the collection `dir`: relative hrefs
/// are resolved against it (RFC 4918 §8.3).
pub fn parse_in(
    body: &[u8],
    share: &ShareUrl,
    dir: &ItemPath,
    limits: &Limits,
) -> Result<Multistatus, ParseError> {
    if body.len() > limits.max_body {
        return Err(ParseError::TooLarge("body"));
    }
    let mut reader = NsReader::from_reader(body);
    reader.config_mut().trim_text(true);
    let mut out = Multistatus::default();
    let mut seen: HashSet<ItemPath> = HashSet::new();
    let mut depth = 0usize;
    let mut saw_root = false;
    // State of the response being read.
    let mut in_response = false;
    // The response's own hrefs (RFC 4918: several only with one status for all of them).
    let mut hrefs: Vec<String> = Vec::new();
    let mut response_status: Option<u16> = None;
    let mut props = Props::default();
    let mut propstat: Option<(Props, Option<u16>)> = None;
    let mut field: Option<Field> = None;
    let mut text = String::new();
    loop {
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| ParseError::Xml(e.to_string()))?;
        let dav = matches!(ns, ResolveResult::Bound(Namespace(n)) if n == DAV);
        let owncloud = matches!(ns, ResolveResult::Bound(Namespace(n)) if n == OWNCLOUD);
        let csc = matches!(ns, ResolveResult::Bound(Namespace(n)) if n == CSC_NS.as_bytes());
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                if !empty {
                    depth += 1;
                    if depth > limits.max_depth {
                        return Err(ParseError::TooLarge("nesting"));
                    }
                }
                let local = e.local_name();
                let local = local.as_ref();
                if depth == 1 && !empty {
                    if !(dav && local == b"multistatus") {
                        return Err(ParseError::NotMultistatus);
                    }
                    saw_root = true;
                    continue;
                }
                if !saw_root {
                    return Err(ParseError::NotMultistatus);
                }
                let start_field = |f: Field, field: &mut Option<Field>, text: &mut String| {
                    *field = Some(f);
                    text.clear();
                };
                match (dav, owncloud, csc, local) {
                    (true, _, _, b"response") if !empty => {
                        if in_response {
                            return Err(ParseError::Xml("a response inside a response".into()));
                        }
                        in_response = true;
                        hrefs.clear();
                        response_status = None;
                        props = Props::default();
                    }
                    (true, _, _, b"propstat") if in_response && !empty => {
                        propstat = Some((Props::default(), None));
                    }
                    (true, _, _, b"collection") if propstat.is_some() => {
                        if let Some((p, _)) = propstat.as_mut() {
                            p.collection = true;
                        }
                    }
                    // Only an href right inside the response names it: one inside, say, a
                    // `location` (a redirect's target) is another item.
                    (true, _, _, b"href")
                        if in_response && !empty && propstat.is_none() && depth == 3 =>
                    {
                        start_field(Field::Href, &mut field, &mut text);
                    }
                    (true, _, _, b"status") if in_response && !empty => {
                        start_field(Field::Status, &mut field, &mut text);
                    }
                    (true, _, _, b"getetag") if propstat.is_some() && !empty => {
                        start_field(Field::Etag, &mut field, &mut text);
                    }
                    (true, _, _, b"getcontentlength") if propstat.is_some() && !empty => {
                        start_field(Field::Length, &mut field, &mut text);
                    }
                    (true, _, _, b"getlastmodified") if propstat.is_some() && !empty => {
                        start_field(Field::Modified, &mut field, &mut text);
                    }
                    (_, true, _, b"checksum") if propstat.is_some() && !empty => {
                        start_field(Field::Checksum, &mut field, &mut text);
                    }
                    (_, _, true, b"md5") if propstat.is_some() && !empty => {
                        start_field(Field::Md5, &mut field, &mut text);
                    }
                    (true, _, _, b"sync-token") if !in_response && !empty => {
                        start_field(Field::SyncToken, &mut field, &mut text);
                    }
                    _ => {}
                }
            }
            Event::Text(t) if field.is_some() => {
                let s = t.unescape().map_err(|e| ParseError::Xml(e.to_string()))?;
                if text.len() + s.len() > limits.max_text {
                    return Err(ParseError::TooLarge("text"));
                }
                text.push_str(&s);
            }
            Event::CData(c) if field.is_some() => {
                let inner = c.into_inner();
                let s = std::str::from_utf8(&inner).map_err(|e| ParseError::Xml(e.to_string()))?;
                if text.len() + s.len() > limits.max_text {
                    return Err(ParseError::TooLarge("text"));
                }
                text.push_str(s);
            }
            Event::End(ref e) => {
                depth = depth.saturating_sub(1);
                let local = e.local_name();
                let local = local.as_ref();
                if let Some(f) = field.take() {
                    let value = std::mem::take(&mut text);
                    match f {
                        Field::Href => hrefs.push(value),
                        Field::Status => {
                            let code = status_code(&value);
                            match propstat.as_mut() {
                                Some((_, status)) => *status = code,
                                None => response_status = code,
                            }
                        }
                        Field::SyncToken => out.sync_token = Some(value),
                        Field::Etag
                        | Field::Length
                        | Field::Modified
                        | Field::Checksum
                        | Field::Md5 => {
                            if let Some((p, _)) = propstat.as_mut() {
                                match f {
                                    Field::Etag => p.etag = Some(value),
                                    Field::Length => p.length = Some(value),
                                    Field::Modified => p.modified = Some(value),
                                    Field::Checksum => {
                                        if let Some(md5) = md5_of_checksums(&value) {
                                            p.md5 = Some(md5);
                                        }
                                    }
                                    _ => p.md5 = Some(value),
                                }
                            }
                        }
                    }
                }
                if dav && local == b"propstat" && in_response {
                    if let Some((p, status)) = propstat.take() {
                        // Only properties the server found (200) count.
                        if status.is_none_or(|s| s == 200) {
                            merge(&mut props, p);
                        }
                    }
                } else if dav && local == b"response" && in_response {
                    in_response = false;
                    if hrefs.is_empty() {
                        return Err(ParseError::MissingHref);
                    }
                    let gone = response_status == Some(404);
                    // RFC 6578 §3.6: the collection asked about, answered 507, marks a report
                    // cut short; it describes no item.
                    if response_status == Some(507) && hrefs.len() == 1 {
                        let path = share.path_of_in(&hrefs[0], dir)?;
                        if path == *dir {
                            out.truncated = true;
                            hrefs.clear();
                            continue;
                        }
                    }
                    if hrefs.len() > 1 && !gone {
                        return Err(ParseError::Xml(
                            "a response names several items but describes only one".into(),
                        ));
                    }
                    // Several items gone at once (`href*` with one 404): each is removed.
                    for raw in std::mem::take(&mut hrefs) {
                        let path = share.path_of_in(&raw, dir)?;
                        if !seen.insert(path.clone()) {
                            return Err(ParseError::Duplicate(path));
                        }
                        if out.entries.len() >= limits.max_entries {
                            return Err(ParseError::TooLarge("entries"));
                        }
                        let meta = if gone {
                            None
                        } else {
                            Some(meta_of(&path, std::mem::take(&mut props))?)
                        };
                        out.entries.push(Entry { path, meta });
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err(ParseError::NotMultistatus);
    }
    if depth != 0 || in_response {
        return Err(ParseError::Xml(
            "the document ends inside an element".into(),
        ));
    }
    Ok(out)
}

fn merge(into: &mut Props, p: Props) {
    into.etag = p.etag.or(into.etag.take());
    into.length = p.length.or(into.length.take());
    into.modified = p.modified.or(into.modified.take());
    into.collection |= p.collection;
    into.md5 = p.md5.or(into.md5.take());
}

/// The code of an HTTP status line (`HTTP/1.1 200 OK`).
fn status_code(line: &str) -> Option<u16> {
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The MD5 in an ownCloud/Nextcloud `oc:checksum` value (`SHA1:… MD5:… ADLER32:…`).
/// A server's ETag as the version the engine keeps.
///
/// RFC 4918 puts the quoted entity tag in `getetag`, but some servers (dav-server among them)
/// leave the quotes out; the version must be the string the server expects in `If-Match`, so
/// bare tags are quoted. Apache marks a file's ETag weak (`W/"…"`) during the second after it
/// changed and strong afterwards; the weak mark is dropped so the version stays the same when it
/// becomes strong (otherwise the next listing would look like a change on the server). An
/// `If-Match` sent during that second gets 412 — a harmless retry, never an overwrite.
pub fn entity_tag(raw: &str) -> String {
    let raw = raw.trim();
    let raw = raw.strip_prefix("W/").unwrap_or(raw);
    if raw.starts_with('"') {
        raw.to_owned()
    } else {
        format!("\"{raw}\"")
    }
}

fn md5_of_checksums(value: &str) -> Option<String> {
    value.split_whitespace().find_map(|part| {
        let (algo, hex) = part.split_once(':')?;
        algo.eq_ignore_ascii_case("md5").then(|| hex.to_owned())
    })
}

fn parse_md5(hex: &str) -> Option<ContentHash> {
    let hex = hex.trim();
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(ContentHash(out))
}

/// A modification time from an HTTP date. Two well-formed dates httpdate refuses are read
/// anyway, so that one file's odd time does not fail the listing of the whole share: a date
/// before 1970 (Nextcloud keeps negative times) counts as the epoch, and a date whose weekday
/// is wrong is read by its day, month and year. Anything else is refused.
fn modified_of(text: &str) -> Option<Millis> {
    let since_epoch = |t: std::time::SystemTime| {
        let ms = t.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis();
        i64::try_from(ms).ok().map(Millis)
    };
    if let Ok(t) = httpdate::parse_http_date(text) {
        return since_epoch(t);
    }
    // IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
    let fields: Vec<&str> = text.split(' ').collect();
    let [weekday, day, month, year, time, "GMT"] = fields[..] else {
        return None;
    };
    const WEEKDAYS: [&str; 7] = ["Mon,", "Tue,", "Wed,", "Thu,", "Fri,", "Sat,", "Sun,"];
    if !WEEKDAYS.contains(&weekday) {
        return None;
    }
    let year: u32 = year.parse().ok().filter(|_| year.len() == 4)?;
    if year < 1970 {
        // Checked as a date of 1970 of the same day and time, so garbage stays refused.
        let same_day_1970 = format!("{day} {month} 1970 {time} GMT");
        return WEEKDAYS
            .iter()
            .any(|w| httpdate::parse_http_date(&format!("{w} {same_day_1970}")).is_ok())
            .then_some(Millis(0));
    }
    WEEKDAYS.iter().find_map(|w| {
        let t = httpdate::parse_http_date(&format!("{w} {day} {month} {year} {time} GMT")).ok()?;
        since_epoch(t)
    })
}

fn meta_of(path: &ItemPath, p: Props) -> Result<Meta, ParseError> {
    let bad = |prop: &'static str, value: &str| ParseError::BadValue {
        path: path.clone(),
        prop,
        value: value.to_owned(),
    };
    let modified = match &p.modified {
        Some(m) => modified_of(m.trim()).ok_or_else(|| bad("getlastmodified", m))?,
        None => Millis(0),
    };
    if p.collection {
        // Collections often have no ETag; their version then only says "a folder".
        let version = match p.etag.as_deref().map(str::trim) {
            Some(e) if !e.is_empty() => entity_tag(e),
            _ => NO_ETAG.to_owned(),
        };
        return Ok(Meta::dir(&version, modified));
    }
    let etag = p
        .etag
        .filter(|e| !e.trim().is_empty())
        .ok_or_else(|| ParseError::MissingEtag(path.clone()))?;
    let size = match &p.length {
        Some(l) => l.trim().parse().map_err(|_| bad("getcontentlength", l))?,
        None => 0,
    };
    let hash = match &p.md5 {
        Some(h) => Some(parse_md5(h).ok_or_else(|| bad("content MD5", h))?),
        None => None,
    };
    Ok(Meta {
        kind: ItemKind::File,
        version: Version::new(entity_tag(etag.trim())),
        size,
        modified,
        attributes: 0,
        hash,
        link_target: None,
    })
}
