//! `DavStore` end to end without a network: a transport that answers WebDAV requests the way a
//! server does (multistatus XML, ETags, 412, 207, Range), backed by the test kit's in-memory
//! share. The store contract and a whole engine sync run through it, with and without
//! sync-collection support.

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::cell::RefCell;

use csc_core::engine::{Engine, SyncOptions};
use csc_core::store::{ChunkStream, RemoteError, RemoteStore, WriteInfo};
use csc_core::{ItemPath, Millis, Precondition, Version};
use csc_testkit::contract::remote_store_contract;
use csc_testkit::mem::{Faults, MemLocal, MemRemote, SimRuntime, run};
use csc_testkit::p;
use csc_testkit::rig::{deep_fill, list_share, open_engine, two_way};
use csc_webdav::multistatus::CSC_NS;
use csc_webdav::{DavStore, Request, Response, ShareUrl, Transport};

const URL: &str = "https://dav.example/dav/";

/// A response body held in memory, sent in small chunks.
#[derive(Debug)]
struct VecBody(Vec<Vec<u8>>);

impl ChunkStream for VecBody {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, RemoteError> {
        Ok(if self.0.is_empty() {
            None
        } else {
            Some(self.0.remove(0))
        })
    }
}

fn body(bytes: &[u8]) -> VecBody {
    VecBody(bytes.chunks(7).map(<[u8]>::to_vec).collect())
}

/// A WebDAV server in a function: answers each request from the in-memory share.
#[derive(Debug)]
struct FakeDav {
    remote: MemRemote,
    share: ShareUrl,
    sync_collection: bool,
    depth_infinity: bool,
    /// Folder ETags that change whenever anything below changes (as Nextcloud's do).
    tree_etags: bool,
    log: RefCell<Vec<String>>,
}

impl FakeDav {
    fn new(sync_collection: bool, depth_infinity: bool) -> Self {
        FakeDav {
            remote: MemRemote::new(Faults::new()),
            share: ShareUrl::new(URL).unwrap(),
            sync_collection,
            depth_infinity,
            tree_etags: false,
            log: RefCell::new(Vec::new()),
        }
    }

    /// What PROPFIND says of `path`: with tree ETags, a folder's version sums up its subtree.
    fn listed_meta(
        &self,
        snap: &std::collections::BTreeMap<ItemPath, (csc_core::Meta, Vec<u8>)>,
        path: &ItemPath,
        meta: &csc_core::Meta,
    ) -> csc_core::Meta {
        if !self.tree_etags || !meta.kind.is_dir() {
            return meta.clone();
        }
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for (k, (m, _)) in snap {
            if k.is_descendant_of(path) {
                k.hash(&mut h);
                m.version.as_str().hash(&mut h);
            }
        }
        let mut m = meta.clone();
        m.version = Version::new(format!("\"t{:x}\"", h.finish()).as_str());
        m
    }

    fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
        req.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn respond(status: u16, headers: Vec<(&str, String)>, bytes: &[u8]) -> Response<VecBody> {
        Response {
            status,
            headers: headers
                .into_iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), v))
                .collect(),
            body: body(bytes),
        }
    }

    fn status_of(e: &RemoteError) -> u16 {
        match e {
            RemoteError::NotFound(_) => 404,
            RemoteError::PreconditionFailed(_) => 412,
            RemoteError::Conflict { .. } => 409,
            RemoteError::TokenExpired => 403,
            _ => 503,
        }
    }

    fn xml_response(&self, path: &ItemPath, meta: Option<&csc_core::Meta>) -> String {
        let collection = meta.is_none_or(|m| m.kind.is_dir());
        let href = self.share.url(path, collection && !path.is_root());
        let Some(m) = meta else {
            return format!(
                "<d:response><d:href>{href}</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>"
            );
        };
        let modified = httpdate::fmt_http_date(
            std::time::UNIX_EPOCH + std::time::Duration::from_millis(m.modified.0.max(0) as u64),
        );
        let kind = if m.kind.is_dir() {
            "<d:resourcetype><d:collection/></d:resourcetype>".to_owned()
        } else {
            format!(
                "<d:resourcetype/><d:getcontentlength>{}</d:getcontentlength>",
                m.size
            )
        };
        let md5 = m
            .hash
            .map(|h| {
                let hex: String = h.0.iter().map(|b| format!("{b:02x}")).collect();
                format!("<c:md5>{hex}</c:md5>")
            })
            .unwrap_or_default();
        format!(
            "<d:response><d:href>{href}</d:href><d:propstat><d:prop><d:getetag>{}</d:getetag><d:getlastmodified>{modified}</d:getlastmodified>{kind}{md5}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>",
            m.version
                .as_str()
                .replace('&', "&amp;")
                .replace('<', "&lt;")
        )
    }

    fn multistatus(inner: &str) -> Vec<u8> {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:" xmlns:c="{CSC_NS}">{inner}</d:multistatus>"#
        )
        .into_bytes()
    }
}

impl Transport for FakeDav {
    type Body = VecBody;

    async fn send<U: ChunkStream>(
        &self,
        req: &Request,
        upload: Option<U>,
    ) -> Result<Response<VecBody>, RemoteError> {
        self.log.borrow_mut().push(format!(
            "{} {}",
            req.method,
            req.url.trim_start_matches(URL)
        ));
        let path = self
            .share
            .path_of(&req.url)
            .map_err(|e| RemoteError::Protocol(e.to_string()))?;
        let if_match = Self::header(req, "If-Match").map(Version::new);
        let result = match req.method {
            "PROPFIND" => {
                let depth = Self::header(req, "Depth").unwrap_or("infinity");
                if depth == "infinity" && !self.depth_infinity {
                    return Ok(Self::respond(403, Vec::new(), &[]));
                }
                let snap = self.remote.snapshot();
                let me = if path.is_root() {
                    None
                } else {
                    match snap.get(&path) {
                        Some((m, _)) => Some(m.clone()),
                        None => return Ok(Self::respond(404, Vec::new(), &[])),
                    }
                };
                let mut xml = String::new();
                match &me {
                    None => xml.push_str(&self.xml_response(&path, None).replace(
                        "<d:status>HTTP/1.1 404 Not Found</d:status>",
                        "<d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>",
                    )),
                    Some(m) => {
                        let m = self.listed_meta(&snap, &path, m);
                        xml.push_str(&self.xml_response(&path, Some(&m)))
                    }
                }
                if depth != "0" {
                    for (k, (m, _)) in &snap {
                        let child = k.parent().as_ref() == Some(&path);
                        let below = k.is_descendant_of(&path) || path.is_root();
                        if (depth == "1" && child) || (depth == "infinity" && below) {
                            let m = self.listed_meta(&snap, k, m);
                            xml.push_str(&self.xml_response(k, Some(&m)));
                        }
                    }
                }
                Ok(Self::respond(207, Vec::new(), &Self::multistatus(&xml)))
            }
            "REPORT" => {
                if !self.sync_collection {
                    return Ok(Self::respond(501, Vec::new(), &[]));
                }
                let body = req.body.clone().unwrap_or_default();
                let token = body
                    .split("<d:sync-token>")
                    .nth(1)
                    .and_then(|t| t.split("</d:sync-token>").next())
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned);
                match self.remote.list(token.as_deref()).await {
                    Ok(listing) => {
                        let mut xml = String::new();
                        for e in &listing.entries {
                            xml.push_str(&self.xml_response(&e.path, Some(&e.meta)));
                        }
                        for r in &listing.removed {
                            xml.push_str(&self.xml_response(r, None));
                        }
                        xml.push_str(&format!(
                            "<d:sync-token>{}</d:sync-token>",
                            listing.token.unwrap_or_default()
                        ));
                        Ok(Self::respond(207, Vec::new(), &Self::multistatus(&xml)))
                    }
                    Err(e) => Err(e),
                }
            }
            "GET" => {
                let range = Self::header(req, "Range").and_then(|r| {
                    let r = r.strip_prefix("bytes=")?;
                    let (a, b) = r.split_once('-')?;
                    let start: u64 = a.parse().ok()?;
                    let end = if b.is_empty() {
                        u64::MAX
                    } else {
                        b.parse::<u64>().ok()? + 1
                    };
                    Some(start..end)
                });
                match self
                    .remote
                    .read(&path, if_match.as_ref(), range.clone())
                    .await
                {
                    Ok((meta, mut b)) => {
                        let mut bytes = Vec::new();
                        while let Some(c) = b.next_chunk().await? {
                            bytes.extend(c);
                        }
                        let mut headers = vec![("ETag", meta.version.as_str().to_owned())];
                        let status = match &range {
                            Some(r) => {
                                let end = r.start + bytes.len() as u64;
                                headers.push((
                                    "Content-Range",
                                    format!(
                                        "bytes {}-{}/{}",
                                        r.start,
                                        end.saturating_sub(1),
                                        meta.size
                                    ),
                                ));
                                206
                            }
                            None => {
                                headers.push(("Content-Length", meta.size.to_string()));
                                200
                            }
                        };
                        Ok(Self::respond(status, headers, &bytes))
                    }
                    Err(e) => Err(e),
                }
            }
            "PUT" => {
                let precondition = match (Self::header(req, "If-None-Match"), if_match) {
                    (Some("*"), _) => Precondition::MustNotExist,
                    (_, Some(v)) => Precondition::Version(v),
                    _ => return Ok(Self::respond(428, Vec::new(), &[])),
                };
                let mut bytes = Vec::new();
                if let Some(mut u) = upload {
                    while let Some(c) = u.next_chunk().await? {
                        bytes.extend(c);
                    }
                }
                let info = WriteInfo {
                    size: bytes.len() as u64,
                    modified: Millis(0),
                    attributes: 0,
                };
                let content = VecBody(vec![bytes]);
                self.remote
                    .write(&path, &precondition, &info, content)
                    .await
                    .map(|m| Self::respond(201, vec![("ETag", m.version.as_str().to_owned())], &[]))
            }
            "DELETE" => {
                let current = self.remote.meta(&path);
                let expected = if_match
                    .or_else(|| current.map(|m| m.version))
                    .unwrap_or_else(|| Version::new("none"));
                self.remote
                    .delete(&path, &expected)
                    .await
                    .map(|()| Self::respond(204, Vec::new(), &[]))
            }
            "MKCOL" => self
                .remote
                .make_dir(&path)
                .await
                .map(|_| Self::respond(201, Vec::new(), &[])),
            "MOVE" => {
                let to = Self::header(req, "Destination")
                    .and_then(|d| self.share.path_of(d).ok())
                    .ok_or_else(|| RemoteError::Protocol("no destination".into()))?;
                let expected = if_match
                    .or_else(|| self.remote.meta(&path).map(|m| m.version))
                    .unwrap_or_else(|| Version::new("none"));
                self.remote
                    .move_item(&path, &to, &expected)
                    .await
                    .map(|_| Self::respond(201, Vec::new(), &[]))
            }
            other => return Err(RemoteError::Protocol(format!("unexpected {other}"))),
        };
        Ok(result.unwrap_or_else(|e| Self::respond(Self::status_of(&e), Vec::new(), &[])))
    }

    fn now_ms(&self) -> i64 {
        0
    }
}

#[test]
fn the_webdav_store_keeps_the_remote_store_contract_with_sync_collection() {
    let store = DavStore::new(ShareUrl::new(URL).unwrap(), FakeDav::new(true, true));
    run(remote_store_contract(&store));
}

#[test]
fn the_webdav_store_keeps_the_remote_store_contract_with_depth_one_walks_only() {
    let store = DavStore::new(ShareUrl::new(URL).unwrap(), FakeDav::new(false, false));
    run(remote_store_contract(&store));
}

fn engine(dav: FakeDav) -> Engine<MemLocal, DavStore<FakeDav>, SimRuntime> {
    let store = DavStore::new(ShareUrl::new(URL).unwrap(), dav);
    run(open_engine(MemLocal::new(Faults::new()), store, URL))
}

#[test]
fn the_engine_syncs_through_webdav_and_an_unchanged_share_costs_one_request() {
    let dav = FakeDav::new(true, true);
    dav.remote.put_file(&p("docs/a.txt"), b"alpha");
    dav.remote.put_file(&p("docs/sub/b.txt"), b"bravo");
    let e = engine(dav);
    let all = || SyncOptions::new(vec![ItemPath::root()], two_way());
    run(list_share(&e));
    let pin = deep_fill();
    run(e.pin(&[p("docs")], pin, &mut ())).unwrap();
    assert_eq!(run(e.read_file(&p("docs/sub/b.txt"))).unwrap(), b"bravo");
    run(e.write_file(&p("docs/a.txt"), b"alpha, edited")).unwrap();
    run(e.rename(&p("docs/sub/b.txt"), &p("docs/b.txt"))).unwrap();
    run(e.synchronize(&all(), &mut (), &mut ())).unwrap();
    let server = e.remote().transport().remote.contents();
    assert_eq!(server[&p("docs/a.txt")], b"alpha, edited");
    assert_eq!(server[&p("docs/b.txt")], b"bravo");
    assert!(!server.contains_key(&p("docs/sub/b.txt")));
    let log = || std::mem::take(&mut *e.remote().transport().log.borrow_mut());
    let during = log();
    assert!(
        during.iter().any(|r| r.starts_with("MOVE docs/sub/b.txt")),
        "{during:?}"
    );
    run(e.synchronize(&all(), &mut (), &mut ())).unwrap();
    assert_eq!(
        log(),
        ["REPORT "],
        "a sync with nothing to do is one request"
    );
}

#[test]
fn without_sync_collection_the_engine_lists_by_propfind_and_still_syncs() {
    let dav = FakeDav::new(false, false);
    dav.remote.put_file(&p("docs/a.txt"), b"alpha");
    let e = engine(dav);
    run(list_share(&e));
    let pin = deep_fill();
    run(e.pin(&[p("docs")], pin, &mut ())).unwrap();
    e.remote()
        .transport()
        .remote
        .put_file(&p("docs/a.txt"), b"alpha, from elsewhere");
    run(e.synchronize(
        &SyncOptions::new(vec![ItemPath::root()], two_way()),
        &mut (),
        &mut (),
    ))
    .unwrap();
    assert_eq!(
        run(e.read_file(&p("docs/a.txt"))).unwrap(),
        b"alpha, from elsewhere"
    );
    let log = e.remote().transport().log.borrow().clone();
    assert!(log.iter().any(|r| r.starts_with("PROPFIND")), "{log:?}");
}

/// A share of `folders` folders with a file each, two levels deep.
fn wide_share(dav: &FakeDav, folders: usize) {
    for i in 0..folders {
        dav.remote.put_file(&p(&format!("f{i}/sub/file.txt")), b"x");
    }
}

fn propfinds(store: &DavStore<FakeDav>) -> Vec<String> {
    std::mem::take(&mut *store.transport().log.borrow_mut())
        .into_iter()
        .filter(|r| r.starts_with("PROPFIND"))
        .collect()
}

#[test]
fn where_folder_etags_follow_their_content_an_unchanged_folder_is_not_walked_again() {
    let mut dav = FakeDav::new(false, false);
    dav.tree_etags = true;
    wide_share(&dav, 5);
    let store = DavStore::new(ShareUrl::new(URL).unwrap(), dav);
    // Two full walks, between them a changed file: the evidence that folder ETags follow.
    let first = run(store.list(None)).unwrap();
    assert_eq!(first.entries.len(), 15);
    store
        .transport()
        .remote
        .put_file(&p("f1/sub/file.txt"), b"changed");
    run(store.list(None)).unwrap();
    propfinds(&store);
    // Now a change deep in one folder costs the PROPFINDs along its path only.
    store
        .transport()
        .remote
        .put_file(&p("f3/sub/file.txt"), b"changed too");
    let listing = run(store.list(None)).unwrap();
    assert_eq!(
        propfinds(&store),
        ["PROPFIND ", "PROPFIND f3/", "PROPFIND f3/sub/"]
    );
    assert_eq!(listing.entries.len(), 15);
    let f3 = listing
        .entries
        .iter()
        .find(|e| e.path == p("f3/sub/file.txt"))
        .unwrap();
    assert_eq!(
        Some(&f3.meta.version),
        store
            .transport()
            .remote
            .meta(&p("f3/sub/file.txt"))
            .map(|m| m.version)
            .as_ref()
    );
    // An unchanged share: one PROPFIND.
    run(store.list(None)).unwrap();
    assert_eq!(propfinds(&store), ["PROPFIND "]);
}

#[test]
fn where_folder_etags_do_not_follow_their_content_every_walk_lists_every_folder() {
    let dav = FakeDav::new(false, false);
    wide_share(&dav, 3);
    let store = DavStore::new(ShareUrl::new(URL).unwrap(), dav);
    run(store.list(None)).unwrap();
    store
        .transport()
        .remote
        .put_file(&p("f1/sub/file.txt"), b"changed");
    run(store.list(None)).unwrap();
    propfinds(&store);
    store
        .transport()
        .remote
        .put_file(&p("f2/sub/file.txt"), b"changed too");
    let listing = run(store.list(None)).unwrap();
    // Root, three folders, three subfolders: nothing skipped, the change seen.
    assert_eq!(propfinds(&store).len(), 7);
    let f2 = listing
        .entries
        .iter()
        .find(|e| e.path == p("f2/sub/file.txt"))
        .unwrap();
    assert_eq!(f2.meta.size, b"changed too".len() as u64);
}

#[test]
fn a_resumed_download_is_refused_when_the_server_answers_another_version_or_another_range() {
    let expected = Version::new("\"v1\"");
    let resume = |etag: &str, range: &str| {
        let headers = vec![
            ("ETag", etag.to_owned()),
            ("Content-Range", range.to_owned()),
        ];
        let store = scripted(move |_, _| (206, headers.clone(), "tail".to_owned()));
        run(store.read(&p("a.txt"), Some(&expected), Some(4..u64::MAX))).map(|(meta, _)| meta)
    };
    // The version asked for, from where the part ends: appended.
    let meta = resume("\"v1\"", "bytes 4-7/8").expect("the rest of v1");
    assert_eq!((meta.version, meta.size), (expected.clone(), 8));
    // A server that ignores If-Match on GET sends the rest of another version, or answers
    // another range: splicing either onto the part would make a file nobody wrote.
    for (etag, range) in [
        ("\"v2\"", "bytes 4-7/8"),
        ("\"v1\"", "bytes 0-7/8"),
        ("\"v1\"", "bytes */8"),
    ] {
        assert_eq!(
            resume(etag, range).map(|_| ()),
            Err(RemoteError::PreconditionFailed(p("a.txt"))),
            "{etag} {range}"
        );
    }
}

/// A scripted answer: status, headers, body.
type Answer = (u16, Vec<(&'static str, String)>, String);

/// The answer to a request, by the request and how many times it came before.
type Script = dyn Fn(&Request, usize) -> Answer;

/// A server in a function of the request and of how many times the same method and URL came
/// before; it logs what it was sent.
struct Scripted {
    answer: Box<Script>,
    log: RefCell<Vec<String>>,
}

/// A store on a [`Scripted`] server.
fn scripted(answer: impl Fn(&Request, usize) -> Answer + 'static) -> DavStore<Scripted> {
    DavStore::new(
        ShareUrl::new(URL).unwrap(),
        Scripted {
            answer: Box::new(answer),
            log: RefCell::new(Vec::new()),
        },
    )
}

impl Transport for Scripted {
    type Body = VecBody;

    async fn send<U: ChunkStream>(
        &self,
        req: &Request,
        _upload: Option<U>,
    ) -> Result<Response<VecBody>, RemoteError> {
        let line = format!("{} {}", req.method, req.url.trim_start_matches(URL));
        let before = self.log.borrow().iter().filter(|l| **l == line).count();
        self.log.borrow_mut().push(line);
        let (status, headers, body) = (self.answer)(req, before);
        Ok(FakeDav::respond(status, headers, body.as_bytes()))
    }

    fn now_ms(&self) -> i64 {
        0
    }
}

/// A conditional-request probe that passes, then a folder `d/` without an ETag holding
/// `d/new.docx` (added by someone else) when `full`, or nothing.
fn folder_without_etag(req: &Request, before: usize, full: bool) -> Answer {
    if req.method == "PUT" {
        // The probe's first PUT creates its file; the second, If-None-Match, is refused.
        return if before == 0 {
            (201, vec![("ETag", "\"p1\"".into())], String::new())
        } else {
            (412, Vec::new(), String::new())
        };
    }
    if req.method == "PROPFIND" {
        let child = if full {
            r#"<d:response><d:href>/dav/d/new.docx</d:href><d:propstat><d:prop><d:resourcetype/><d:getetag>"n1"</d:getetag><d:getcontentlength>3</d:getcontentlength><d:getlastmodified>Sun, 06 Nov 1994 08:49:37 GMT</d:getlastmodified></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"#
        } else {
            ""
        };
        let body = format!(
            r#"<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"><d:response><d:href>/dav/d/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>{child}</d:multistatus>"#
        );
        return (207, Vec::new(), body);
    }
    (204, Vec::new(), String::new())
}

#[test]
fn a_folder_without_an_etag_is_deleted_only_when_the_server_shows_it_empty() {
    let no_etag = Version::new(csc_webdav::multistatus::NO_ETAG);
    // Someone added d/new.docx since the listing: a DELETE (recursive in WebDAV, and without
    // a condition to hold) would take it; the folder is kept instead.
    let full = scripted(|r, n| folder_without_etag(r, n, true));
    let refused = run(full.delete(&p("d"), &no_etag));
    assert!(
        matches!(&refused, Err(RemoteError::Conflict { path, .. }) if *path == p("d")),
        "{refused:?}"
    );
    assert!(
        !full
            .transport()
            .log
            .borrow()
            .iter()
            .any(|l| l == "DELETE d/"),
        "{:?}",
        full.transport().log.borrow()
    );
    // Empty, as the engine leaves it after deleting the children it listed: deleted.
    let empty = scripted(|r, n| folder_without_etag(r, n, false));
    run(empty.delete(&p("d"), &no_etag)).expect("an empty folder is deleted");
    assert!(
        empty
            .transport()
            .log
            .borrow()
            .iter()
            .any(|l| l == "DELETE d/")
    );
}

/// `a.txt`, 26 bytes at version `"v1"`, sent compressed as Apache's mod_deflate does (the
/// length counts compressed bytes, the ETag is marked) or in chunks without a length.
fn compressed_or_chunked(req: &Request, _: usize, compressed: bool) -> Answer {
    if req.method == "PROPFIND" {
        let body = r#"<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"><d:response><d:href>/dav/a.txt</d:href><d:propstat><d:prop><d:resourcetype/><d:getetag>"v1"</d:getetag><d:getcontentlength>26</d:getcontentlength><d:getlastmodified>Sun, 06 Nov 1994 08:49:37 GMT</d:getlastmodified></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"#;
        return (207, Vec::new(), body.to_owned());
    }
    let headers = if compressed {
        vec![
            ("ETag", "\"v1-gzip\"".to_owned()),
            ("Content-Encoding", "gzip".to_owned()),
            ("Content-Length", "12".to_owned()),
        ]
    } else {
        vec![("ETag", "\"v1\"".to_owned())]
    };
    (200, headers, "abcdefghijklmnopqrstuvwxyz".to_owned())
}

#[test]
fn a_download_sent_compressed_or_without_a_length_takes_the_files_size_and_etag_from_the_server() {
    let v1 = Version::new("\"v1\"");
    for compressed in [true, false] {
        let store = scripted(move |r, n| compressed_or_chunked(r, n, compressed));
        let (meta, _) = run(store.read(&p("a.txt"), Some(&v1), None)).expect("a whole file");
        // The engine holds what arrives to this size: 26 bytes, not the 12 sent or 0.
        assert_eq!((meta.size, meta.version), (26, v1.clone()), "{compressed}");
        // Held to the version asked for: another one on the server is a changed file.
        let v0 = Version::new("\"v0\"");
        assert_eq!(
            run(store.read(&p("a.txt"), Some(&v0), None)).map(|_| ()),
            Err(RemoteError::PreconditionFailed(p("a.txt")))
        );
    }
}

/// The conditional-request probe meets a busy server once: its second PUT is answered 503.
fn probe_meets_a_busy_server(req: &Request, before: usize) -> Answer {
    match (req.method, before) {
        ("PUT", 0 | 2) => (201, vec![("ETag", "\"p\"".to_owned())], String::new()),
        ("PUT", 1) => (503, Vec::new(), String::new()),
        ("PUT", _) => (412, Vec::new(), String::new()),
        _ => (204, Vec::new(), String::new()),
    }
}

#[test]
fn a_busy_server_during_the_precondition_probe_fails_that_attempt_only_and_leaves_no_probe_file() {
    let store = scripted(probe_meets_a_busy_server);
    let v = Version::new("\"e\"");
    // A 503 says nothing of If-None-Match: the write fails as transient (the engine retries),
    // rather than the share being taken for one that ignores preconditions for good.
    let first = run(store.delete(&p("x.txt"), &v));
    assert!(matches!(&first, Err(e) if e.is_transient()), "{first:?}");
    let log = store.transport().log.borrow().clone();
    assert_eq!(
        log,
        [
            "PUT .csc-probe-0",
            "PUT .csc-probe-0",
            "DELETE .csc-probe-0"
        ]
    );
    // The next attempt probes again, finds preconditions honoured, and writes.
    run(store.delete(&p("x.txt"), &v)).expect("the second attempt deletes");
    let log = store.transport().log.borrow();
    assert_eq!(
        log[3..],
        [
            "PUT .csc-probe-0",
            "PUT .csc-probe-0",
            "DELETE .csc-probe-0",
            "DELETE x.txt"
        ]
    );
}

/// A sync-collection report the server cuts short once (RFC 6578 §3.6): the first part ends
/// with a 507 for the collection and the token `t1`; the second, asked for with `t1`, changes
/// b.txt again, adds c.txt and removes a.txt.
fn report_in_two_parts(req: &Request, before: usize) -> Answer {
    let file = |name: &str, etag: &str| {
        format!(
            r#"<d:response><d:href>/dav/{name}</d:href><d:propstat><d:prop><d:resourcetype/><d:getetag>"{etag}"</d:getetag><d:getcontentlength>1</d:getcontentlength></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"#
        )
    };
    let body = if before == 0 {
        format!(
            r#"{}{}<d:response><d:href>/dav/</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response><d:sync-token>t1</d:sync-token>"#,
            file("a.txt", "a1"),
            file("b.txt", "b1"),
        )
    } else {
        assert!(
            req.body.as_deref().is_some_and(|b| b.contains("t1")),
            "asked from t1"
        );
        format!(
            r#"{}{}<d:response><d:href>/dav/a.txt</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response><d:sync-token>t2</d:sync-token>"#,
            file("b.txt", "b2"),
            file("c.txt", "c1"),
        )
    };
    (
        207,
        Vec::new(),
        format!(r#"<?xml version="1.0"?><d:multistatus xmlns:d="DAV:">{body}</d:multistatus>"#),
    )
}

#[test]
fn a_sync_collection_report_cut_short_is_followed_to_its_end() {
    for token in [None, Some("t0")] {
        let store = scripted(report_in_two_parts);
        let listing = run(store.list(token)).expect("both parts");
        let entries: Vec<_> = listing
            .entries
            .iter()
            .map(|e| (e.path.clone(), e.meta.version.as_str().to_owned()))
            .collect();
        // The later part wins for b.txt; a.txt, gone in it, is no entry.
        assert_eq!(
            entries,
            [
                (p("b.txt"), "\"b2\"".to_owned()),
                (p("c.txt"), "\"c1\"".to_owned())
            ],
            "{token:?}"
        );
        assert_eq!(listing.token.as_deref(), Some("t2"));
        // A delta reports the removal; a full listing simply does not hold the item.
        let removed = if token.is_some() {
            vec![p("a.txt")]
        } else {
            vec![]
        };
        assert_eq!(listing.removed, removed, "{token:?}");
        assert_eq!(store.transport().log.borrow().len(), 2);
    }
}
