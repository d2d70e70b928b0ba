//! The share's file system as dav-server sees it: a folder on disk, kept in step with the
//! change journal.
//!
//! dav-server speaks RFC 4918; this module decides what it reads and writes:
//!
//! - every path is resolved inside the share's root, and a symbolic link is followed only to a
//!   file inside the root (a link to a folder, or to anything outside, is refused);
//! - the server's own state folder (`.offline-files`: the journal, upload temporaries) is
//!   neither listed nor reachable;
//! - a file is written to a temporary file beside the journal, hashed (MD5, SHA-256) as it
//!   streams in, synced and then renamed over the old one, so a reader never sees half a file
//!   and a crash never leaves one; an upload that ends short of its Content-Length is dropped;
//! - metadata comes with the journal's strong ETag, and an item whose stat differs from the
//!   journal's (changed behind the server's back) is hashed and journaled before it is answered,
//!   so a conditional request never matches a stale ETag;
//! - dead properties (PROPPATCH) are kept in the journal; the content hashes are live properties
//!   in the namespace `urn:offline-files:csc` (`md5`, `sha256`), which PROPPATCH cannot set.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::{Buf, Bytes};
use dav_server::davpath::DavPath;
use dav_server::fs::{
    DavDirEntry, DavFile, DavFileSystem, DavMetaData, DavProp, FsError, FsFuture, FsResult,
    FsStream, OpenOptions, ReadDirMeta,
};
use futures_util::FutureExt;
use md5::{Digest, Md5};
use sha2::Sha256;

use crate::journal::{Hashes, Journal, JournalError, Record, Stat, hex};

/// The server's state folder inside the share root.
pub const STATE_DIR: &str = ".offline-files";

/// The namespace of the live content-hash properties.
pub const CSC_NS: &str = "urn:offline-files:csc";

/// How much of an upload is buffered before it is written out.
const WRITE_BUFFER: usize = 1 << 20;

/// The share folder, journaled.
#[derive(Debug, Clone)]
pub struct ShareFs {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    root: PathBuf,
    tmp: PathBuf,
    journal: Arc<Journal>,
    counter: AtomicU64,
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(journal_err)`
fn journal_err(e: JournalError) -> FsError {
    tracing::error!("{e}");
    FsError::GeneralFailure
}

/// Runs blocking file system work off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f)
        .await
        .expect("a blocking file system task panicked")
}

/// The share-relative key of a DAV path (`""` for the root), refusing anything that is not a
/// plain name and the server's state folder.
pub fn key_of(path: &DavPath) -> FsResult<String> {
    let mut parts = Vec::new();
    for c in path.as_rel_ospath().components() {
        match c {
            Component::Normal(name) => {
                let name = name.to_str().ok_or(FsError::Forbidden)?;
                if name.contains(['\\', '\0']) {
                    return Err(FsError::Forbidden);
                }
                parts.push(name);
            }
            Component::CurDir => {}
            _ => return Err(FsError::Forbidden),
        }
    }
    if parts.first() == Some(&STATE_DIR) {
        return Err(FsError::Forbidden);
    }
    Ok(parts.join("/"))
}

/// The name and share key of a folder entry, or `None` for what is not part of the share: a
/// name that is not UTF-8 (logged), and the state folder at the root.
fn child_of(folder: &str, entry: &std::fs::DirEntry) -> Option<(String, String)> {
    let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
        tracing::warn!(folder, "skipped a name that is not UTF-8");
        return None;
    };
    if folder.is_empty() && name == STATE_DIR {
        return None;
    }
    let child = if folder.is_empty() {
        name.clone()
    } else {
        format!("{folder}/{name}")
    };
    Some((name, child))
}

/// Hashes a file on disk.
fn hash_file(path: &Path) -> std::io::Result<Hashes> {
    let mut file = std::fs::File::open(path)?;
    let mut md5 = Md5::new();
    let mut sha = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        md5.update(&buf[..n]);
        sha.update(&buf[..n]);
    }
    Ok(Hashes {
        md5: md5.finalize().into(),
        sha256: sha.finalize().into(),
    })
}

impl ShareFs {
    /// The share at `root` (which must exist and be canonical) with its journal.
    pub fn new(root: PathBuf, journal: Arc<Journal>) -> std::io::Result<ShareFs> {
        let tmp = root.join(STATE_DIR).join("uploads");
        std::fs::create_dir_all(&tmp)?;
        // Temporaries of uploads cut short by a crash are garbage.
        for entry in std::fs::read_dir(&tmp)? {
            let _ = std::fs::remove_file(entry?.path());
        }
        Ok(ShareFs {
            inner: Arc::new(Inner {
                root,
                tmp,
                journal,
                counter: AtomicU64::new(0),
            }),
        })
    }

    /// The journal.
    pub fn journal(&self) -> &Arc<Journal> {
        &self.inner.journal
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.inner.root
    }

    /// The disk path of `key`, if it stays inside the root. Blocking.
    fn resolve(&self, key: &str) -> FsResult<PathBuf> {
        let root = &self.inner.root;
        let full = if key.is_empty() {
            root.clone()
        } else {
            root.join(key)
        };
        // The deepest part of the path that exists decides where it leads.
        let mut existing = full.clone();
        loop {
            match std::fs::symlink_metadata(&existing) {
                Ok(_) => break,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    if existing == *root || !existing.pop() {
                        return Err(FsError::NotFound);
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        let canonical = existing.canonicalize()?;
        if !canonical.starts_with(root) {
            tracing::warn!(path = key, "refused: leads outside the share");
            return Err(FsError::Forbidden);
        }
        if canonical != existing {
            // A link on the way: allowed only as the item itself, to a file in the share.
            if existing != full || canonical.is_dir() {
                tracing::warn!(path = key, "refused: a link to a folder or through a link");
                return Err(FsError::Forbidden);
            }
            if canonical.starts_with(root.join(STATE_DIR)) {
                return Err(FsError::Forbidden);
            }
        }
        Ok(full)
    }

    /// The item at `key` as the journal knows it, journaling it first if it changed behind the
    /// server's back. Blocking.
    fn observe(&self, key: &str, disk: &Path) -> FsResult<ShareMeta> {
        let meta = std::fs::metadata(disk)?;
        let stat = Stat::of(&meta);
        let journal = &self.inner.journal;
        let record = match journal.get(key).map_err(journal_err)? {
            Some(r) if r.stat == stat || (r.stat.dir && stat.dir) => r,
            _ => {
                let hashes = if stat.dir {
                    None
                } else {
                    Some(hash_file(disk)?)
                };
                journal.record(key, stat, hashes).map_err(journal_err)?
            }
        };
        Ok(ShareMeta::new(record, journal.id()))
    }

    fn temp_path(&self) -> PathBuf {
        let n = self.inner.counter.fetch_add(1, Ordering::Relaxed);
        self.inner
            .tmp
            .join(format!("upload-{}-{n}", std::process::id()))
    }

    /// Walks the whole share and journals every difference (files changed, added or removed
    /// behind the server's back). Blocking; the caller holds the whole share's write lock.
    pub fn rescan(&self) -> Result<crate::journal::RescanReport, std::io::Error> {
        let root = self.inner.root.clone();
        let mut seen = std::collections::HashMap::new();
        seen.insert(String::new(), Stat::of(&std::fs::metadata(&root)?));
        let mut stack = vec![(root.clone(), String::new())];
        while let Some((dir, key)) = stack.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                // A folder removed during the walk: its items count as gone.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            for entry in entries {
                let entry = entry?;
                let Some((_, child)) = child_of(&key, &entry) else {
                    continue;
                };
                let path = entry.path();
                let file_type = entry.file_type()?;
                if file_type.is_symlink() && self.resolve(&child).is_err() {
                    continue;
                }
                let Ok(meta) = std::fs::metadata(&path) else {
                    continue;
                };
                if meta.is_dir() && !file_type.is_symlink() {
                    stack.push((path, child.clone()));
                }
                if meta.is_dir() || meta.is_file() {
                    seen.insert(child, Stat::of(&meta));
                }
            }
        }
        self.inner
            .journal
            .reconcile(&seen, |key| hash_file(&root.join(key)).ok())
            .map_err(std::io::Error::other)
    }
}

/// An item's metadata with the journal's ETag and hashes.
#[derive(Debug, Clone)]
pub struct ShareMeta {
    record: Record,
    etag: String,
}

impl ShareMeta {
    fn new(record: Record, journal_id: &str) -> ShareMeta {
        let etag = record.etag(journal_id);
        ShareMeta { record, etag }
    }
}

impl DavMetaData for ShareMeta {
    fn len(&self) -> u64 {
        self.record.stat.size
    }

    fn modified(&self) -> FsResult<SystemTime> {
        let ns = self.record.stat.mtime_ns;
        Ok(if ns >= 0 {
            UNIX_EPOCH + Duration::from_nanos(ns as u64)
        } else {
            UNIX_EPOCH
        })
    }

    fn is_dir(&self) -> bool {
        self.record.stat.dir
    }

    fn etag(&self) -> Option<String> {
        Some(self.etag.clone())
    }
}

/// The live properties of an item: its content hashes.
fn live_props(record: &Record) -> Vec<DavProp> {
    let Some(h) = &record.hashes else {
        return Vec::new();
    };
    vec![
        DavProp::new("md5".into(), "C".into(), CSC_NS.into(), hex(&h.md5)),
        DavProp::new("sha256".into(), "C".into(), CSC_NS.into(), hex(&h.sha256)),
    ]
}

fn prop_key(ns: Option<&str>, name: &str) -> String {
    format!("{{{}}}{name}", ns.unwrap_or(""))
}

fn is_live(ns: Option<&str>) -> bool {
    matches!(ns, Some(CSC_NS) | Some("DAV:"))
}

struct Entry {
    name: Vec<u8>,
    meta: ShareMeta,
}

impl DavDirEntry for Entry {
    fn name(&self) -> Vec<u8> {
        self.name.clone()
    }

    fn metadata(&self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        let meta: Box<dyn DavMetaData> = Box::new(self.meta.clone());
        futures_util::future::ready(Ok(meta)).boxed()
    }
}

impl DavFileSystem for ShareFs {
    fn open<'a>(
        &'a self,
        path: &'a DavPath,
        options: OpenOptions,
    ) -> FsFuture<'a, Box<dyn DavFile>> {
        async move {
            let key = key_of(path)?;
            let this = self.clone();
            blocking(move || -> FsResult<Box<dyn DavFile>> {
                let disk = this.resolve(&key)?;
                let existing = std::fs::metadata(&disk).ok();
                if existing.as_ref().is_some_and(|m| m.is_dir()) || key.is_empty() {
                    return Err(FsError::Forbidden);
                }
                if !options.write && !options.append {
                    let meta = this.observe(&key, &disk)?;
                    let file = std::fs::File::open(&disk)?;
                    return Ok(Box::new(ReadFile {
                        file: Some(file),
                        meta,
                    }));
                }
                match (&existing, options.create, options.create_new) {
                    (Some(_), _, true) => return Err(FsError::Exists),
                    (None, false, _) => return Err(FsError::NotFound),
                    _ => {}
                }
                if !disk.parent().is_some_and(Path::is_dir) {
                    return Err(FsError::NotFound);
                }
                let temp = this.temp_path();
                let mut file = std::fs::File::create(&temp)?;
                let mut whole = true;
                if existing.is_some() && !options.truncate {
                    // A partial update starts from the current content.
                    std::io::copy(&mut std::fs::File::open(&disk)?, &mut file)?;
                    whole = false;
                    if options.append {
                        file.seek(SeekFrom::End(0))?;
                    } else {
                        file.seek(SeekFrom::Start(0))?;
                    }
                }
                Ok(Box::new(WriteFile {
                    fs: this.clone(),
                    key,
                    disk,
                    temp,
                    file: Some(file),
                    buffer: Vec::with_capacity(WRITE_BUFFER),
                    md5: Md5::new(),
                    sha: Sha256::new(),
                    sequential: whole,
                    written: 0,
                    expected: options.size,
                    committed: None,
                }))
            })
            .await
        }
        .boxed()
    }

    fn read_dir<'a>(
        &'a self,
        path: &'a DavPath,
        _meta: ReadDirMeta,
    ) -> FsFuture<'a, FsStream<Box<dyn DavDirEntry>>> {
        async move {
            let key = key_of(path)?;
            let this = self.clone();
            let entries = blocking(move || -> FsResult<Vec<Box<dyn DavDirEntry>>> {
                let disk = this.resolve(&key)?;
                let mut out: Vec<Box<dyn DavDirEntry>> = Vec::new();
                for entry in std::fs::read_dir(&disk)? {
                    let entry = entry?;
                    let Some((name, child)) = child_of(&key, &entry) else {
                        continue;
                    };
                    // Links that lead outside, or to folders, are not part of the share.
                    if entry.file_type()?.is_symlink() && this.resolve(&child).is_err() {
                        continue;
                    }
                    match this.observe(&child, &entry.path()) {
                        Ok(meta) => out.push(Box::new(Entry {
                            name: name.into_bytes(),
                            meta,
                        })),
                        // Gone since the listing was read.
                        Err(FsError::NotFound) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(out)
            })
            .await?;
            let stream: FsStream<Box<dyn DavDirEntry>> =
                Box::pin(futures_util::stream::iter(entries.into_iter().map(Ok)));
            Ok(stream)
        }
        .boxed()
    }

    fn metadata<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, Box<dyn DavMetaData>> {
        async move {
            let key = key_of(path)?;
            let this = self.clone();
            blocking(move || -> FsResult<Box<dyn DavMetaData>> {
                let disk = this.resolve(&key)?;
                let meta = this.observe(&key, &disk)?;
                Ok(Box::new(meta))
            })
            .await
        }
        .boxed()
    }

    fn create_dir<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, ()> {
        async move {
            let key = key_of(path)?;
            let this = self.clone();
            blocking(move || -> FsResult<()> {
                let disk = this.resolve(&key)?;
                std::fs::create_dir(&disk)?;
                this.observe(&key, &disk)?;
                Ok(())
            })
            .await
        }
        .boxed()
    }

    fn remove_dir<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, ()> {
        self.remove(path, true)
    }

    fn remove_file<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, ()> {
        self.remove(path, false)
    }

    fn rename<'a>(&'a self, from: &'a DavPath, to: &'a DavPath) -> FsFuture<'a, ()> {
        async move {
            let from_key = key_of(from)?;
            let to_key = key_of(to)?;
            if from_key.is_empty() || to_key.is_empty() {
                return Err(FsError::Forbidden);
            }
            let this = self.clone();
            blocking(move || -> FsResult<()> {
                let src = this.resolve(&from_key)?;
                let dst = this.resolve(&to_key)?;
                std::fs::rename(&src, &dst)?;
                let root = this.inner.root.clone();
                this.inner
                    .journal
                    .rename_tree(&from_key, &to_key, |k| {
                        std::fs::metadata(root.join(k)).ok().map(|m| Stat::of(&m))
                    })
                    .map_err(journal_err)
            })
            .await
        }
        .boxed()
    }

    fn copy<'a>(&'a self, from: &'a DavPath, to: &'a DavPath) -> FsFuture<'a, ()> {
        async move {
            let from_key = key_of(from)?;
            let to_key = key_of(to)?;
            let this = self.clone();
            blocking(move || -> FsResult<()> {
                let src = this.resolve(&from_key)?;
                let source = this.observe(&from_key, &src)?;
                let dst = this.resolve(&to_key)?;
                // Copied through a temporary, like an upload: no half-copied file is ever seen.
                let temp = this.temp_path();
                let result = (|| -> FsResult<()> {
                    std::fs::copy(&src, &temp)?;
                    std::fs::File::open(&temp)?.sync_all()?;
                    std::fs::rename(&temp, &dst)?;
                    Ok(())
                })();
                if result.is_err() {
                    let _ = std::fs::remove_file(&temp);
                }
                result?;
                let stat = Stat::of(&std::fs::metadata(&dst)?);
                let journal = &this.inner.journal;
                journal
                    .record(&to_key, stat, source.record.hashes)
                    .map_err(journal_err)?;
                journal.copy_props(&from_key, &to_key).map_err(journal_err)
            })
            .await
        }
        .boxed()
    }

    fn have_props<'a>(
        &'a self,
        _path: &'a DavPath,
    ) -> std::pin::Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        futures_util::future::ready(true).boxed()
    }

    fn patch_props<'a>(
        &'a self,
        path: &'a DavPath,
        patch: Vec<(bool, DavProp)>,
    ) -> FsFuture<'a, Vec<(http::StatusCode, DavProp)>> {
        async move {
            let key = key_of(path)?;
            let this = self.clone();
            blocking(move || -> FsResult<Vec<(http::StatusCode, DavProp)>> {
                let disk = this.resolve(&key)?;
                this.observe(&key, &disk)?;
                // Live properties cannot be set or removed; then nothing is (RFC 4918 9.2).
                let refused = patch.iter().any(|(_, p)| is_live(p.namespace.as_deref()));
                if refused {
                    return Ok(patch
                        .into_iter()
                        .map(|(_, p)| {
                            let status = if is_live(p.namespace.as_deref()) {
                                http::StatusCode::FORBIDDEN
                            } else {
                                http::StatusCode::FAILED_DEPENDENCY
                            };
                            (status, without_value(p))
                        })
                        .collect());
                }
                let changes: Vec<(String, Option<Vec<u8>>)> = patch
                    .iter()
                    .map(|(set, p)| {
                        let key = prop_key(p.namespace.as_deref(), &p.name);
                        (key, set.then(|| p.xml.clone().unwrap_or_default()))
                    })
                    .collect();
                this.inner
                    .journal
                    .patch_props(&key, &changes)
                    .map_err(journal_err)?;
                Ok(patch
                    .into_iter()
                    .map(|(_, p)| (http::StatusCode::OK, without_value(p)))
                    .collect())
            })
            .await
        }
        .boxed()
    }

    fn get_props<'a>(&'a self, path: &'a DavPath, do_content: bool) -> FsFuture<'a, Vec<DavProp>> {
        async move {
            let key = key_of(path)?;
            // dav-server adds these to every PROPFIND answer, whatever was asked, and parses
            // each one: only the dead properties are listed here (the content hashes are
            // answered when asked for by name). The journal answers without touching the disk.
            let mut props = Vec::new();
            for (k, xml) in self.inner.journal.props(&key).map_err(journal_err)? {
                if let Some(p) = dead_prop(&k, xml) {
                    props.push(p);
                }
            }
            if !do_content {
                props = props.into_iter().map(without_value).collect();
            }
            Ok(props)
        }
        .boxed()
    }

    fn get_prop<'a>(&'a self, path: &'a DavPath, prop: DavProp) -> FsFuture<'a, Vec<u8>> {
        async move {
            let key = key_of(path)?;
            let record = self.record_of(&key).await?;
            if prop.namespace.as_deref() == Some(CSC_NS) {
                return live_props(&record)
                    .into_iter()
                    .find(|p| p.name == prop.name)
                    .and_then(|p| p.xml)
                    .ok_or(FsError::NotFound);
            }
            let wanted = prop_key(prop.namespace.as_deref(), &prop.name);
            self.inner
                .journal
                .props(&key)
                .map_err(journal_err)?
                .into_iter()
                .find(|(k, _)| *k == wanted)
                .map(|(_, xml)| xml)
                .ok_or(FsError::NotFound)
        }
        .boxed()
    }
}

impl ShareFs {
    /// The journal's record of `key`; an item the journal does not know yet is looked at on
    /// disk (safely resolved) and journaled first.
    async fn record_of(&self, key: &str) -> FsResult<Record> {
        if let Some(r) = self.inner.journal.get(key).map_err(journal_err)? {
            return Ok(r);
        }
        let this = self.clone();
        let key = key.to_owned();
        blocking(move || {
            let disk = this.resolve(&key)?;
            Ok(this.observe(&key, &disk)?.record)
        })
        .await
    }

    fn remove<'a>(&'a self, path: &'a DavPath, dir: bool) -> FsFuture<'a, ()> {
        async move {
            let key = key_of(path)?;
            if key.is_empty() {
                return Err(FsError::Forbidden);
            }
            let this = self.clone();
            blocking(move || -> FsResult<()> {
                let disk = this.resolve(&key)?;
                if dir {
                    std::fs::remove_dir(&disk)?;
                } else {
                    std::fs::remove_file(&disk)?;
                }
                this.inner.journal.remove_tree(&key).map_err(journal_err)?;
                Ok(())
            })
            .await
        }
        .boxed()
    }
}

/// A property without its value (for PROPFIND propname and PROPPATCH answers).
fn without_value(p: DavProp) -> DavProp {
    DavProp { xml: None, ..p }
}

/// A stored dead property back as a `DavProp` (`{ns}name` key).
fn dead_prop(key: &str, xml: Vec<u8>) -> Option<DavProp> {
    let rest = key.strip_prefix('{')?;
    let (ns, name) = rest.split_once('}')?;
    Some(DavProp {
        name: name.to_owned(),
        prefix: None,
        namespace: (!ns.is_empty()).then(|| ns.to_owned()),
        xml: Some(xml),
    })
}

/// A file opened for reading.
#[derive(Debug)]
struct ReadFile {
    file: Option<std::fs::File>,
    meta: ShareMeta,
}

/// Runs blocking work on a file that lives in a `&mut self`: the file moves to the blocking
/// thread and back.
async fn with_file<T: Send + 'static>(
    slot: &mut Option<std::fs::File>,
    f: impl FnOnce(&mut std::fs::File) -> std::io::Result<T> + Send + 'static,
) -> FsResult<T> {
    let mut file = slot.take().ok_or(FsError::GeneralFailure)?;
    let (file, result) = blocking(move || {
        let r = f(&mut file);
        (file, r)
    })
    .await;
    *slot = Some(file);
    Ok(result?)
}

impl DavFile for ReadFile {
    fn metadata(&mut self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        let meta: Box<dyn DavMetaData> = Box::new(self.meta.clone());
        futures_util::future::ready(Ok(meta)).boxed()
    }

    fn write_buf(&mut self, _buf: Box<dyn Buf + Send>) -> FsFuture<'_, ()> {
        futures_util::future::ready(Err(FsError::Forbidden)).boxed()
    }

    fn write_bytes(&mut self, _buf: Bytes) -> FsFuture<'_, ()> {
        futures_util::future::ready(Err(FsError::Forbidden)).boxed()
    }

    fn read_bytes(&mut self, count: usize) -> FsFuture<'_, Bytes> {
        async move {
            let bytes = with_file(&mut self.file, move |f| {
                let mut buf = vec![0u8; count];
                let mut filled = 0;
                while filled < count {
                    let n = f.read(&mut buf[filled..])?;
                    if n == 0 {
                        break;
                    }
                    filled += n;
                }
                buf.truncate(filled);
                Ok(Bytes::from(buf))
            })
            .await?;
            Ok(bytes)
        }
        .boxed()
    }

    fn seek(&mut self, pos: SeekFrom) -> FsFuture<'_, u64> {
        let result = match self.file.as_mut() {
            Some(f) => f.seek(pos).map_err(FsError::from),
            None => Err(FsError::GeneralFailure),
        };
        futures_util::future::ready(result).boxed()
    }

    fn flush(&mut self) -> FsFuture<'_, ()> {
        futures_util::future::ready(Ok(())).boxed()
    }
}

/// A file being written: a temporary that replaces the item on `flush`.
#[derive(Debug)]
struct WriteFile {
    fs: ShareFs,
    key: String,
    disk: PathBuf,
    temp: PathBuf,
    file: Option<std::fs::File>,
    buffer: Vec<u8>,
    md5: Md5,
    sha: Sha256,
    /// Written from the start without seeks, so the streamed hashes are the content's.
    sequential: bool,
    written: u64,
    expected: Option<u64>,
    committed: Option<ShareMeta>,
}

impl WriteFile {
    async fn spill(&mut self) -> FsResult<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let data = std::mem::replace(&mut self.buffer, Vec::with_capacity(WRITE_BUFFER));
        with_file(&mut self.file, move |f| f.write_all(&data)).await
    }

    async fn push(&mut self, data: &[u8]) -> FsResult<()> {
        if self.committed.is_some() {
            return Err(FsError::GeneralFailure);
        }
        if self.sequential {
            self.md5.update(data);
            self.sha.update(data);
        }
        self.written += data.len() as u64;
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= WRITE_BUFFER {
            self.spill().await?;
        }
        Ok(())
    }
}

impl Drop for WriteFile {
    fn drop(&mut self) {
        if self.committed.is_none() {
            // An upload that never finished leaves nothing behind.
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

impl DavFile for WriteFile {
    fn metadata(&mut self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        async move {
            match &self.committed {
                Some(meta) => Ok(Box::new(meta.clone()) as Box<dyn DavMetaData>),
                None => Err(FsError::NotFound),
            }
        }
        .boxed()
    }

    fn write_buf(&mut self, mut buf: Box<dyn Buf + Send>) -> FsFuture<'_, ()> {
        async move {
            while buf.has_remaining() {
                let chunk = buf.chunk().to_vec();
                buf.advance(chunk.len());
                self.push(&chunk).await?;
            }
            Ok(())
        }
        .boxed()
    }

    fn write_bytes(&mut self, buf: Bytes) -> FsFuture<'_, ()> {
        async move { self.push(&buf).await }.boxed()
    }

    fn read_bytes(&mut self, _count: usize) -> FsFuture<'_, Bytes> {
        futures_util::future::ready(Err(FsError::Forbidden)).boxed()
    }

    fn seek(&mut self, pos: SeekFrom) -> FsFuture<'_, u64> {
        async move {
            self.spill().await?;
            if !matches!(pos, SeekFrom::Start(n) if n == self.written) {
                self.sequential = false;
            }
            with_file(&mut self.file, move |f| f.seek(pos)).await
        }
        .boxed()
    }

    fn flush(&mut self) -> FsFuture<'_, ()> {
        async move {
            if self.committed.is_some() {
                return Ok(());
            }
            if let Some(size) = self.expected
                && self.sequential
                && size != self.written
            {
                // dav-server flushes before it checks the length; a short upload must not
                // replace the file.
                tracing::warn!(
                    path = self.key,
                    expected = size,
                    got = self.written,
                    "upload ended short; dropped"
                );
                return Err(FsError::GeneralFailure);
            }
            self.spill().await?;
            let streamed = self.sequential.then(|| Hashes {
                md5: self.md5.clone().finalize().into(),
                sha256: self.sha.clone().finalize().into(),
            });
            let (temp, disk) = (self.temp.clone(), self.disk.clone());
            let file = self.file.take().ok_or(FsError::GeneralFailure)?;
            let (hashes, stat) = blocking(move || -> std::io::Result<(Hashes, Stat)> {
                file.sync_all()?;
                drop(file);
                let hashes = match streamed {
                    Some(h) => h,
                    None => hash_file(&temp)?,
                };
                std::fs::rename(&temp, &disk)?;
                Ok((hashes, Stat::of(&std::fs::metadata(&disk)?)))
            })
            .await?;
            let journal = self.fs.journal();
            let record = journal
                .record(&self.key, stat, Some(hashes))
                .map_err(journal_err)?;
            self.committed = Some(ShareMeta::new(record, journal.id()));
            Ok(())
        }
        .boxed()
    }
}
