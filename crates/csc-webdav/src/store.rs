//! `DavStore`: the engine's `RemoteStore` over WebDAV, on any [`Transport`].
//!
//! Listings use RFC 6578 sync-collection where the server has it (a no-change sync is one
//! request), else a PROPFIND walk (Depth infinity, or Depth 1 folder by folder where the server
//! refuses infinity). Every write carries its precondition; the server's answer (or, where it
//! sends no ETag, a PROPFIND of the item) becomes the new server copy.

#![allow(async_fn_in_trait)]

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ops::Range;

use csc_core::store::{ChunkStream, Listing, RemoteError, RemoteStore, WriteInfo};
use csc_core::{ItemPath, Meta, Precondition, RemoteEntry, Version};

use crate::href::ShareUrl;
use crate::multistatus::{Limits, NO_ETAG, entity_tag, parse, parse_in};
use crate::request::{self, Depth, Request};
use crate::status::error_for;

/// An HTTP answer: status, headers (names lowercased), and a body to stream.
#[derive(Debug)]
pub struct Response<B> {
    /// The status code.
    pub status: u16,
    /// The headers, names in lowercase.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: B,
}

/// The response headers the store reads. The fetch transport carries only these into wasm
/// (each one a call across the boundary); a header read here must be listed.
pub const READ_HEADERS: [&str; 6] = [
    "etag",
    "last-modified",
    "content-length",
    "content-range",
    "content-encoding",
    "retry-after",
];

impl<B> Response<B> {
    /// A header's value (`name` one of [`READ_HEADERS`]).
    pub fn header(&self, name: &str) -> Option<&str> {
        debug_assert!(
            READ_HEADERS.contains(&name),
            "the store reads the header {name}, which READ_HEADERS does not list"
        );
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends requests: fetch in the browser, a native client in tests and tools. Network failures
/// and timeouts are `RemoteError::Transient`.
pub trait Transport {
    /// A response body.
    type Body: ChunkStream;
    /// Sends `request`, with `upload` as the body of a PUT.
    async fn send<U: ChunkStream>(
        &self,
        request: &Request,
        upload: Option<U>,
    ) -> Result<Response<Self::Body>, RemoteError>;
    /// The current time in milliseconds since the Unix epoch (for Retry-After dates).
    fn now_ms(&self) -> i64;
}

/// No upload body.
#[derive(Debug)]
pub struct NoBody;

impl ChunkStream for NoBody {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, RemoteError> {
        Ok(None)
    }
}

/// A transport that records each request (`METHOD url`) before passing it on, for tests,
/// benchmarks and debugging.
#[derive(Debug)]
pub struct Recording<T> {
    inner: T,
    log: RefCell<Vec<String>>,
}

impl<T> Recording<T> {
    /// Records the requests sent through `inner`.
    pub fn new(inner: T) -> Self {
        Recording {
            inner,
            log: RefCell::new(Vec::new()),
        }
    }

    /// The requests recorded since the last call.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.borrow_mut())
    }

    /// The transport underneath.
    pub fn inner(&self) -> &T {
        &self.inner
    }
}

impl<T: Transport> Transport for Recording<T> {
    type Body = T::Body;

    async fn send<U: ChunkStream>(
        &self,
        request: &Request,
        upload: Option<U>,
    ) -> Result<Response<T::Body>, RemoteError> {
        self.log
            .borrow_mut()
            .push(format!("{} {}", request.method, request.url));
        self.inner.send(request, upload).await
    }

    fn now_ms(&self) -> i64 {
        self.inner.now_ms()
    }
}

/// How the server lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Not known yet.
    Unknown,
    /// RFC 6578 sync-collection.
    SyncCollection,
    /// PROPFIND Depth infinity.
    DepthInfinity,
    /// PROPFIND Depth 1, folder by folder.
    DepthOne,
}

/// How many walks may skip unchanged folders before one lists everything again (and checks
/// that the server's folder ETags still change with their content).
const FULL_WALK_EVERY: u32 = 10;

/// What the last Depth 1 walk saw, for the next one.
#[derive(Debug, Default)]
struct WalkCache {
    /// Whether the server's folder ETags change when anything below them changes: unknown
    /// until two full walks show a changed file; `false` as soon as one shows a file changed
    /// under a folder whose ETag did not.
    propagates: Option<bool>,
    /// Walks since the last full one.
    walks_since_full: u32,
    /// Each listed folder's children.
    folders: HashMap<ItemPath, Vec<RemoteEntry>>,
    /// Every item's version.
    versions: HashMap<ItemPath, Version>,
}

impl WalkCache {
    /// Copies the subtree of `folder` from the last walk.
    fn reuse(
        &self,
        folder: &ItemPath,
        folders: &mut HashMap<ItemPath, Vec<RemoteEntry>>,
        versions: &mut HashMap<ItemPath, Version>,
    ) {
        let mut stack = vec![folder.clone()];
        while let Some(f) = stack.pop() {
            let Some(children) = self.folders.get(&f) else {
                continue;
            };
            for c in children {
                versions.insert(c.path.clone(), c.meta.version.clone());
                if c.meta.kind.is_dir() {
                    stack.push(c.path.clone());
                }
            }
            folders.insert(f, children.clone());
        }
    }

    /// Learns from two full walks whether folder ETags follow their content: a file whose
    /// version changed is evidence, for or against, in each folder above it.
    fn learn(&mut self, now: &HashMap<ItemPath, Version>) {
        if self.versions.is_empty() || self.propagates == Some(false) {
            return;
        }
        for (path, version) in now {
            let Some(before) = self.versions.get(path) else {
                continue;
            };
            let is_file = self
                .folders
                .get(&path.parent().unwrap_or_else(ItemPath::root))
                .and_then(|c| c.iter().find(|e| &e.path == path))
                .is_some_and(|e| !e.meta.kind.is_dir());
            if before == version || !is_file {
                continue;
            }
            let mut up = path.parent();
            while let Some(folder) = up {
                if folder.is_root() {
                    break;
                }
                let same = now.get(&folder) == self.versions.get(&folder);
                if same || now.get(&folder).is_some_and(|v| v.as_str() == NO_ETAG) {
                    self.propagates = Some(false);
                    return;
                }
                self.propagates = Some(true);
                up = folder.parent();
            }
        }
    }
}

/// A WebDAV share as the engine's remote store.
#[derive(Debug)]
pub struct DavStore<T> {
    share: ShareUrl,
    transport: T,
    limits: Limits,
    mode: Cell<Mode>,
    /// Whether the server honours If-Match / If-None-Match (probed before the first write).
    preconditions: Cell<Option<bool>>,
    /// The last Depth 1 walk.
    walks: RefCell<WalkCache>,
}

impl<T: Transport> DavStore<T> {
    /// The share at `share` through `transport`.
    pub fn new(share: ShareUrl, transport: T) -> Self {
        DavStore {
            share,
            transport,
            limits: Limits::default(),
            mode: Cell::new(Mode::Unknown),
            preconditions: Cell::new(None),
            walks: RefCell::new(WalkCache::default()),
        }
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    async fn send(&self, request: &Request) -> Result<Response<T::Body>, RemoteError> {
        self.transport.send::<NoBody>(request, None).await
    }

    fn fail(&self, response: &Response<T::Body>, path: &ItemPath) -> RemoteError {
        error_for(
            response.status,
            path,
            response.header("retry-after"),
            self.transport.now_ms(),
        )
    }

    async fn body(&self, response: Response<T::Body>) -> Result<Vec<u8>, RemoteError> {
        let mut body = response.body;
        let mut out = Vec::new();
        while let Some(chunk) = body.next_chunk().await? {
            if out.len() + chunk.len() > self.limits.max_body {
                return Err(RemoteError::Protocol(
                    "the server's answer is larger than the limit".into(),
                ));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// Checks, once, that the server honours conditional requests, so that no write can
    /// overwrite a change this client has not seen. Some servers (rclone 1.60's `serve
    /// webdav` among them) ignore If-Match and If-None-Match; on those every write is refused
    /// and the share can only be read.
    ///
    /// The probe creates a file with `If-None-Match: *` twice: a server that honours the header
    /// answers the second with 412. The probe file is removed again.
    async fn check_preconditions(&self) -> Result<(), RemoteError> {
        if self.preconditions.get().is_none() {
            let name = format!(".csc-probe-{}", self.transport.now_ms());
            let path = ItemPath::new(&name)
                .map_err(|e| RemoteError::Protocol(format!("probe name: {e}")))?;
            let put = request::put(&self.share, &path, &Precondition::MustNotExist, 0);
            let first = self
                .transport
                .send(&put, Some(crate::store::NoBody))
                .await?;
            if !matches!(first.status, 200 | 201 | 204) {
                return Err(self.fail(&first, &path));
            }
            let second = self.transport.send(&put, Some(crate::store::NoBody)).await;
            // The probe's name is this store's own and unique: it goes without a condition,
            // whatever the second PUT did, so no probe file is left on the share.
            let delete = request::delete(&self.share, &path, &Version::new(NO_ETAG), false);
            let removed = self.send(&delete).await?;
            let second = second?;
            // Refused as asked: honoured. Replaced: ignored. Anything else (busy, locked, a
            // login) says nothing about preconditions: fail this attempt, probe again later.
            let honoured = match second.status {
                412 => true,
                200..=299 => false,
                _ => return Err(self.fail(&second, &path)),
            };
            if !matches!(removed.status, 200..=299 | 404) {
                return Err(self.fail(&removed, &path));
            }
            self.preconditions.set(Some(honoured));
        }
        if self.preconditions.get() == Some(false) {
            return Err(RemoteError::Protocol(format!(
                "the server at {} ignores If-Match and If-None-Match (a probe showed it), so a change sent to it could overwrite someone else's; this share is read-only here. Use a server that honours conditional requests (csc-server, Apache mod_dav, Nextcloud)",
                self.share.url(&ItemPath::root(), true)
            )));
        }
        Ok(())
    }

    /// PROPFIND of one item (Depth 0): its server copy now.
    async fn stat(&self, path: &ItemPath, collection: bool) -> Result<Meta, RemoteError> {
        let response = self
            .send(&request::propfind(
                &self.share,
                path,
                Depth::Zero,
                collection,
            ))
            .await?;
        if response.status != 207 {
            return Err(self.fail(&response, path));
        }
        let body = self.body(response).await?;
        // Relative hrefs resolve against the URL asked about: a file's folder, or the folder.
        let dir = if collection {
            path.clone()
        } else {
            path.parent().unwrap_or_else(ItemPath::root)
        };
        let listing = parse_in(&body, &self.share, &dir, &self.limits)
            .map_err(|e| RemoteError::Protocol(e.to_string()))?;
        listing
            .entries
            .into_iter()
            .find(|e| &e.path == path)
            .and_then(|e| e.meta)
            .ok_or_else(|| RemoteError::Protocol(format!("the server did not describe {path}")))
    }

    async fn propfind(
        &self,
        path: &ItemPath,
        depth: Depth,
    ) -> Result<Result<Vec<RemoteEntry>, u16>, RemoteError> {
        let response = self
            .send(&request::propfind(&self.share, path, depth, true))
            .await?;
        if response.status != 207 {
            return match response.status {
                // Depth infinity refused (RFC 4918 9.1) or not supported.
                403 | 400 | 501 if depth == Depth::Infinity => Ok(Err(response.status)),
                _ => Err(self.fail(&response, path)),
            };
        }
        let body = self.body(response).await?;
        let listing = parse_in(&body, &self.share, path, &self.limits)
            .map_err(|e| RemoteError::Protocol(e.to_string()))?;
        Ok(Ok(listing
            .entries
            .into_iter()
            .filter(|e| !e.path.is_root())
            .filter_map(|e| e.meta.map(|meta| RemoteEntry { path: e.path, meta }))
            .collect()))
    }

    /// A full listing by PROPFIND: Depth infinity, or Depth 1 folder by folder.
    async fn walk(&self) -> Result<Listing, RemoteError> {
        let root = ItemPath::root();
        let mut entries = Vec::new();
        if self.mode.get() != Mode::DepthOne {
            match self.propfind(&root, Depth::Infinity).await? {
                Ok(all) => {
                    self.mode.set(Mode::DepthInfinity);
                    entries = all;
                }
                Err(_) => self.mode.set(Mode::DepthOne),
            }
        }
        if self.mode.get() == Mode::DepthOne {
            entries = self.walk_depth_one().await?;
        }
        csc_core::sort::sort_by(&mut entries, |a, b| a.path.cmp(&b.path));
        Ok(Listing {
            delta: false,
            entries,
            removed: Vec::new(),
            unlisted: Vec::new(),
            epoch: None,
            token: None,
        })
    }

    /// Lists the share folder by folder (PROPFIND Depth 1). Where the server's folder ETags are
    /// known to change whenever anything below them changes, a folder whose ETag is the one of
    /// the last walk is not listed again: its subtree is taken from that walk.
    async fn walk_depth_one(&self) -> Result<Vec<RemoteEntry>, RemoteError> {
        let mut cache = std::mem::take(&mut *self.walks.borrow_mut());
        let full = cache.propagates != Some(true) || cache.walks_since_full >= FULL_WALK_EVERY;
        let mut folders: HashMap<ItemPath, Vec<RemoteEntry>> = HashMap::new();
        let mut versions: HashMap<ItemPath, Version> = HashMap::new();
        let mut entries = Vec::new();
        let mut stack = vec![ItemPath::root()];
        while let Some(folder) = stack.pop() {
            let children = self
                .propfind(&folder, Depth::One)
                .await?
                .map_err(|s| RemoteError::Protocol(format!("PROPFIND failed: HTTP {s}")))?;
            let children: Vec<RemoteEntry> = children
                .into_iter()
                .filter(|c| c.path != folder && c.path.is_descendant_of(&folder))
                .collect();
            for child in &children {
                versions.insert(child.path.clone(), child.meta.version.clone());
                if !child.meta.kind.is_dir() {
                    continue;
                }
                let unchanged = !full
                    && child.meta.version.as_str() != NO_ETAG
                    && cache.versions.get(&child.path) == Some(&child.meta.version);
                if unchanged {
                    cache.reuse(&child.path, &mut folders, &mut versions);
                } else {
                    stack.push(child.path.clone());
                }
            }
            folders.insert(folder, children);
        }
        for children in folders.values() {
            entries.extend(children.iter().cloned());
        }
        if full {
            cache.learn(&versions);
            cache.walks_since_full = 0;
        } else {
            cache.walks_since_full += 1;
        }
        cache.folders = folders;
        cache.versions = versions;
        *self.walks.borrow_mut() = cache;
        Ok(entries)
    }

    /// A sync-collection REPORT; `Ok(None)` when the server does not support it.
    async fn report(&self, token: Option<&str>) -> Result<Option<Listing>, RemoteError> {
        // A server may cut a report short (RFC 6578 §3.6); the rest comes from reports with
        // the token each part ends with. Later parts win: an item may change again meanwhile.
        let mut changes: Vec<(ItemPath, usize, Option<Meta>)> = Vec::new();
        let mut next = token.map(str::to_owned);
        for part in 0.. {
            if part == MAX_REPORT_PARTS {
                return Err(RemoteError::Protocol(format!(
                    "the server cut its sync-collection report short {MAX_REPORT_PARTS} times in a row"
                )));
            }
            let response = self
                .send(&request::sync_collection(&self.share, next.as_deref()))
                .await?;
            match response.status {
                207 => {}
                // RFC 6578 3.2: an invalid token is a 403 (or 409/412) with DAV:valid-sync-token.
                403 | 409 | 412 if next.is_some() => return Err(RemoteError::TokenExpired),
                400 | 403 | 404 | 405 | 415 | 422 | 501 if part == 0 => return Ok(None),
                _ => return Err(self.fail(&response, &ItemPath::root())),
            }
            let body = self.body(response).await?;
            let report = parse(&body, &self.share, &self.limits)
                .map_err(|e| RemoteError::Protocol(e.to_string()))?;
            for e in report.entries {
                if !e.path.is_root() {
                    changes.push((e.path, part, e.meta));
                }
            }
            next = report.sync_token;
            if !report.truncated {
                break;
            }
            if next.is_none() {
                return Err(RemoteError::Protocol(
                    "the server cut its sync-collection report short without a token to go on from"
                        .into(),
                ));
            }
        }
        // By path, each path's parts in order; the last part's word on a path is what holds.
        csc_core::sort::sort_by(&mut changes, |a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut latest: Vec<(ItemPath, Option<Meta>)> = Vec::with_capacity(changes.len());
        for (path, _, meta) in changes {
            match latest.last_mut() {
                Some(last) if last.0 == path => last.1 = meta,
                _ => latest.push((path, meta)),
            }
        }
        let mut entries = Vec::new();
        let mut removed = Vec::new();
        for (path, meta) in latest {
            match meta {
                Some(meta) => entries.push(RemoteEntry { path, meta }),
                // In a full listing an item gone by a later part is simply not there.
                None if token.is_some() => removed.push(path),
                None => {}
            }
        }
        Ok(Some(Listing {
            delta: token.is_some(),
            entries,
            removed,
            unlisted: Vec::new(),
            epoch: None,
            token: next,
        }))
    }
}

/// How many parts of a sync-collection report cut short are followed before giving up.
const MAX_REPORT_PARTS: usize = 1000;

/// A download body: the transport's, passed through.
#[derive(Debug)]
pub struct DavBody<B>(B);

impl<B: ChunkStream> ChunkStream for DavBody<B> {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, RemoteError> {
        self.0.next_chunk().await
    }
}

/// The first byte of a Content-Range (`bytes 500-999/1000` → 500).
fn content_range_start(header: &str) -> Option<u64> {
    let range = header.trim().strip_prefix("bytes")?.trim_start();
    range.split('-').next()?.trim().parse().ok()
}

/// The file's metadata from a GET's headers, and whether its size is known: a body sent
/// compressed (`Content-Encoding`, which the browser undoes) is counted in compressed bytes,
/// and a body sent in chunks without a length has none.
fn meta_from_headers<B>(
    response: &Response<B>,
    path: &ItemPath,
) -> Result<(Meta, bool), RemoteError> {
    let etag = response
        .header("etag")
        .ok_or_else(|| RemoteError::Protocol(format!("the server sent {path} without an ETag")))?;
    let encoded = response
        .header("content-encoding")
        .is_some_and(|e| !e.trim().eq_ignore_ascii_case("identity"));
    // A range answer gives the whole size in Content-Range (`bytes 32-99/100`).
    let size: Option<u64> = match response.header("content-range") {
        Some(range) => range.rsplit('/').next().and_then(|s| s.trim().parse().ok()),
        None => response
            .header("content-length")
            .and_then(|l| l.trim().parse().ok()),
    }
    .filter(|_| !encoded);
    let modified = response
        .header("last-modified")
        .and_then(|m| httpdate::parse_http_date(m).ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_millis()).ok())
        .unwrap_or(0);
    Ok((
        Meta::file(
            &entity_tag(etag),
            size.unwrap_or(0),
            csc_core::Millis(modified),
            None,
        ),
        size.is_some(),
    ))
}

impl<T: Transport> RemoteStore for DavStore<T> {
    type Body = DavBody<T::Body>;

    async fn list(&self, token: Option<&str>) -> Result<Listing, RemoteError> {
        if matches!(self.mode.get(), Mode::Unknown | Mode::SyncCollection) {
            match self.report(token).await? {
                Some(listing) => {
                    self.mode.set(Mode::SyncCollection);
                    return Ok(listing);
                }
                None => self.mode.set(Mode::DepthInfinity),
            }
        }
        if token.is_some() {
            // A server without sync-collection gives no deltas: list in full (the engine
            // treats this as an expired token).
            return Err(RemoteError::TokenExpired);
        }
        self.walk().await
    }

    async fn read(
        &self,
        path: &ItemPath,
        expected: Option<&Version>,
        range: Option<Range<u64>>,
    ) -> Result<(Meta, Self::Body), RemoteError> {
        let response = self
            .send(&request::get(&self.share, path, expected, range.clone()))
            .await?;
        match response.status {
            200 | 206 => {}
            _ => return Err(self.fail(&response, path)),
        }
        if range.is_some() && response.status == 200 {
            return Err(RemoteError::Protocol(format!(
                "the server ignored the Range of {path}; the download starts over"
            )));
        }
        let (mut meta, sized) = meta_from_headers(&response, path)?;
        if !sized {
            // The engine checks what arrives against the size: ask the server for the file's
            // (one PROPFIND, only for such answers), and take its ETag too — Apache marks the
            // ETag of a compressed answer (`"…-gzip"`), which is not the file's. Another
            // version than the one asked for means the file changed since.
            let listed = self.stat(path, false).await?;
            if expected.is_some_and(|v| *v != listed.version) {
                return Err(RemoteError::PreconditionFailed(path.clone()));
            }
            meta = listed;
        }
        // A resumed download appends to bytes of the version asked for: the rest must come
        // from that version and start where they left off. A server that ignores If-Match on
        // GET, or answers another range, would otherwise splice two versions into one file.
        // The part is then dropped (PreconditionFailed makes the engine re-list the item) and
        // the file is downloaded again from the start.
        if let (Some(asked), Some(expected)) = (&range, expected) {
            let start = response
                .header("content-range")
                .and_then(content_range_start);
            if meta.version != *expected || start != Some(asked.start) {
                return Err(RemoteError::PreconditionFailed(path.clone()));
            }
        }
        Ok((meta, DavBody(response.body)))
    }

    async fn write<B: ChunkStream>(
        &self,
        path: &ItemPath,
        precondition: &Precondition,
        info: &WriteInfo,
        body: B,
    ) -> Result<Meta, RemoteError> {
        self.check_preconditions().await?;
        let req = request::put(&self.share, path, precondition, info.size);
        let response = self.transport.send(&req, Some(body)).await?;
        match response.status {
            200 | 201 | 204 => {}
            _ => return Err(self.fail(&response, path)),
        }
        // Servers that send no ETag on PUT are asked (a race with another writer shows as a
        // different ETag, which the next listing reconciles).
        match response.header("etag") {
            Some(etag) => Ok(Meta::file(
                &entity_tag(etag),
                info.size,
                info.modified,
                None,
            )),
            None => self.stat(path, false).await,
        }
    }

    async fn set_meta(
        &self,
        path: &ItemPath,
        expected: &Version,
        _info: &WriteInfo,
    ) -> Result<Meta, RemoteError> {
        // WebDAV keeps no client times or attributes that every server honours: the server
        // copy stays as it is, checked against the expected version.
        let meta = self.stat(path, false).await?;
        if &meta.version != expected {
            return Err(RemoteError::PreconditionFailed(path.clone()));
        }
        Ok(meta)
    }

    async fn delete(&self, path: &ItemPath, expected: &Version) -> Result<(), RemoteError> {
        self.check_preconditions().await?;
        let collection = expected.as_str() == crate::multistatus::NO_ETAG;
        if collection {
            // A folder without an ETag cannot be deleted on a condition, and a WebDAV DELETE
            // takes the whole subtree: a file someone added since the listing would go with
            // it. The engine deletes a folder's listed children first, so the folder must be
            // empty now; if it is not, it is kept and the sync re-lists it.
            let members = self
                .propfind(path, Depth::One)
                .await?
                .map_err(|s| RemoteError::Protocol(format!("PROPFIND failed: HTTP {s}")))?;
            if members
                .iter()
                .any(|m| m.path != *path && m.path.is_descendant_of(path))
            {
                return Err(RemoteError::Conflict {
                    path: path.clone(),
                    detail: "the server folder holds items this sync has not seen, so it was not deleted".into(),
                });
            }
        }
        let response = self
            .send(&request::delete(&self.share, path, expected, collection))
            .await?;
        match response.status {
            200 | 204 => Ok(()),
            _ => Err(self.fail(&response, path)),
        }
    }

    async fn make_dir(&self, path: &ItemPath) -> Result<Meta, RemoteError> {
        let response = self.send(&request::mkcol(&self.share, path)).await?;
        match response.status {
            201 => self.stat(path, true).await,
            _ => Err(self.fail(&response, path)),
        }
    }

    async fn move_item(
        &self,
        from: &ItemPath,
        to: &ItemPath,
        expected: &Version,
    ) -> Result<Meta, RemoteError> {
        self.check_preconditions().await?;
        // The kind decides the URL form; a folder answers a file-form PROPFIND too.
        let current = self.stat(from, false).await?;
        let collection = current.kind.is_dir();
        let response = self
            .send(&request::move_item(
                &self.share,
                from,
                to,
                expected,
                collection,
            ))
            .await?;
        match response.status {
            201 | 204 => self.stat(to, collection).await,
            _ => Err(self.fail(&response, from)),
        }
    }
}
