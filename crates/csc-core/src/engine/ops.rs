//! The engine's other operations: offline file operations through the cache, Pin / Unpin,
//! DeleteItems (eviction), connectivity transitions, SuspendRoot, FindItem and EnumItems.

use std::collections::BTreeMap;

use crate::events::{Event, HResult};
use crate::model::{
    CacheEntry, CacheTree, Connectivity, ItemKind, LocalChanges, LocalItem, LocalMeta, Meta,
    OfflineCause, PinSources, Pins, Presence, Suspension,
};
use crate::path::ItemPath;
use crate::sort::CollectTree;
use crate::store::{
    Batch, BlobId, CommitError, Expect, LocalStore, RemoteStore, Runtime, StoredItem, Write,
};
use crate::win::{
    ConnectState, DeleteFlags, EnumFlags, ItemFilterFlags, ItemType, OfflineReason, OpResponse,
    PinControlFlags, SyncControl, SyncControlFlags,
};

use super::content::{read_blob, stage_bytes};
use super::progress::{SimpleProgress, SyncProgress};
use super::sync::{Run, SyncOptions, owned_blobs};
use super::{Engine, EngineError, commit_to_engine, end_with, has_below, subtree_of};

/// How often a local operation re-reads and tries again when the cache changed under it (a
/// sync committing at the same moment).
const LOCAL_ATTEMPTS: usize = 5;

/// An item as FindItem / EnumItems report it (IOfflineFilesItem and its info interfaces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemInfo {
    /// The item.
    pub path: ItemPath,
    /// FILE or DIRECTORY.
    pub item_type: ItemType,
    /// Full, sparse, ghost, or deleted offline.
    pub presence: Presence,
    /// Unsynced offline changes.
    pub changes: LocalChanges,
    /// True if it holds unsynced changes (IsDirty).
    pub dirty: bool,
    /// Bytes written offline and not yet synced.
    pub dirty_bytes: u64,
    /// Its pins.
    pub pins: Pins,
    /// Its suspension.
    pub suspension: Suspension,
    /// The share's connect state and offline reason.
    pub connect_state: (ConnectState, OfflineReason),
    /// The cached copy's size, time and attributes (for a live item).
    pub local: Option<LocalMeta>,
    /// The original (the server copy at the last sync).
    pub original: Option<Meta>,
    /// The item's conditions as OFFLINEFILES_ITEM_FILTER_FLAG_* bits.
    pub filter_flags: ItemFilterFlags,
}

/// Options of Pin / Unpin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinOptions {
    /// bDeep: the whole subtree now (Pin); subdirectories too (Unpin).
    pub deep: bool,
    /// dwPinControlFlags.
    pub flags: PinControlFlags,
}

/// Options of DeleteItems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeleteOptions {
    /// OFFLINEFILES_DELETE_FLAG_*.
    pub flags: DeleteFlags,
}

/// One name of a folder as a file browser shows it: the cached item, the server's copy as the
/// last listing saw it, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowseEntry {
    /// The item.
    pub path: ItemPath,
    /// The cached item, if the cache holds it (pinned, sparse, created offline…).
    pub cached: Option<ItemInfo>,
    /// The server's copy in the stored listing, if it has one.
    pub server: Option<Meta>,
}

/// Options of EnumItemsEx.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EnumOptions {
    /// ENUM_FLAT (all descendants) and ENUM_FLAT_FILESONLY.
    pub flags: EnumFlags,
    /// Conditions an item must meet: for each bit in `mask`, the item's condition must equal
    /// the bit in `flags` (GetFilterFlags).
    pub filter_flags: ItemFilterFlags,
    /// See `filter_flags`.
    pub filter_mask: ItemFilterFlags,
}

/// Runs `one` on each path between the SyncProgress item callbacks (QueryAbort, ItemBegin,
/// ItemResult); returns the last failure (S_OK if none), or Cancelled (after End) when the sink
/// aborts.
async fn each_path<P: SyncProgress>(
    paths: &[ItemPath],
    progress: &mut P,
    mut one: impl AsyncFnMut(&ItemPath) -> HResult,
) -> Result<HResult, EngineError> {
    let mut overall = HResult::S_OK;
    for path in paths {
        if progress.query_abort() || progress.item_begin(path) == OpResponse::Abort {
            return Err(cancelled(|hr| progress.end(hr)));
        }
        let hr = one(path).await;
        if !hr.is_ok() {
            overall = hr;
        }
        if progress.item_result(path, hr, None) == OpResponse::Abort {
            return Err(cancelled(|hr| progress.end(hr)));
        }
    }
    Ok(overall)
}

/// Ends an operation the caller cancelled: End(ERROR_CANCELLED) through `end`, and the error
/// to return.
fn cancelled(end: impl FnOnce(HResult)) -> EngineError {
    end(HResult::CANCELLED);
    EngineError::Cancelled
}

fn pin_sources(flags: PinControlFlags) -> PinSources {
    let mut s = PinSources::empty();
    if flags.contains(PinControlFlags::FORUSER) {
        s |= PinSources::USER;
    }
    if flags.contains(PinControlFlags::FORUSER_POLICY) {
        s |= PinSources::USER_POLICY;
    }
    if flags.contains(PinControlFlags::FORALL) {
        s |= PinSources::ALL;
    }
    if flags.contains(PinControlFlags::FORREDIR) {
        s |= PinSources::REDIR;
    }
    if s.is_empty() { PinSources::USER } else { s }
}

impl<L: LocalStore, R: RemoteStore, T: Runtime> Engine<L, R, T> {
    // ----- offline file operations ---------------------------------------------------------------

    /// Reads a cached file's content.
    pub async fn read_file(&self, path: &ItemPath) -> Result<Vec<u8>, EngineError> {
        let local = &self.local;
        self.read_content(path, async |blob| {
            let bytes = read_blob(local, blob).await?;
            let len = bytes.len() as u64;
            Ok((bytes, len))
        })
        .await
    }

    /// Reads a cached file's content with `read`, given the blob that holds it (an edge may
    /// read it its own way: a JS Blob straight from IndexedDB, without wasm memory). Counts
    /// as a read of the file. Afterwards the file must still have that content: a sync that
    /// replaced it meanwhile dropped the blob, whose chunks may have gone part way through the
    /// read, so such a read is refused (`Changed`: try again) rather than returned cut short.
    /// `read` returns the content and its length in bytes: content shorter than the file
    /// (chunks missing from the store) is refused as `Corrupt`, never passed off as the file.
    pub async fn read_content<C>(
        &self,
        path: &ItemPath,
        read: impl AsyncFnOnce(BlobId) -> Result<(C, u64), crate::store::LocalError>,
    ) -> Result<C, EngineError> {
        let (blob, size) = self.content_blob(path).await?;
        let (out, len) = read(blob).await?;
        let now = self.local.item(path).await?.and_then(|s| s.blob);
        if now != Some(blob) {
            return Err(EngineError::Changed(format!(
                "{path} changed while it was read"
            )));
        }
        if len < size {
            return Err(EngineError::Corrupt(format!(
                "the cached content of {path} has {len} of its {size} bytes"
            )));
        }
        self.note_read(path);
        Ok(out)
    }

    /// The blob of a cached file's content and the file's size, or why there is none to read.
    async fn content_blob(&self, path: &ItemPath) -> Result<(BlobId, u64), EngineError> {
        let s = self
            .local
            .item(path)
            .await?
            .filter(|s| s.entry.exists_locally())
            .ok_or_else(|| EngineError::NotFound(path.clone()))?;
        if s.entry.kind().is_dir() {
            return Err(EngineError::BadPath {
                path: path.clone(),
                problem: "is a folder, not a file: read a file inside it".into(),
            });
        }
        let blob = s.blob.ok_or_else(|| EngineError::BadPath {
            path: path.clone(),
            problem: "its content is not cached (sparse): pin it with FILL, or sync while online"
                .into(),
        })?;
        Ok((blob, s.entry.local_view().size))
    }

    /// Writes a file in the cache (creating it, or replacing its content), recorded as an
    /// offline change for the next sync.
    pub async fn write_file(&self, path: &ItemPath, bytes: &[u8]) -> Result<(), EngineError> {
        self.check_new_path(path)?;
        let (blob, hash) = stage_bytes(&self.local, bytes, self.config.chunk_size).await?;
        let now = self.now();
        let result = self
            .update_local(|items| {
                let parent_ok = parent_is_live_dir(items, path);
                if !parent_ok {
                    return Err(no_parent(path));
                }
                let existing = items.get(path);
                let mut puts = Vec::new();
                let mut events = Vec::new();
                let meta = LocalMeta {
                    size: bytes.len() as u64,
                    modified: now,
                    attributes: 0,
                    hash: Some(hash),
                    link_target: None,
                };
                match existing {
                    Some(s) if s.entry.exists_locally() && s.entry.kind().is_dir() => {
                        return Err(EngineError::BadPath {
                            path: path.clone(),
                            problem: "is a folder: choose a file name".into(),
                        });
                    }
                    Some(s) if s.entry.exists_locally() => {
                        let mut e = s.entry.clone();
                        e.local.changes |= LocalChanges::DATA | LocalChanges::TIME;
                        e.local.presence = Presence::Full;
                        let own = e.local.own_mut(s.entry.original.as_ref());
                        own.size = meta.size;
                        own.modified = now;
                        own.hash = Some(hash);
                        events.push(Event::ItemModified {
                            item: self.item_ref(path),
                            item_type: ItemType::File,
                            data: true,
                            attributes: false,
                        });
                        puts.push((e, Some(blob), s.moved_from.clone(), Expect::Rev(s.rev)));
                    }
                    existing => {
                        // Over a tombstone the write replaces the version the user deleted
                        // (its original stays); over a ghost, a name whose content the user
                        // never had, it is a new file: if the server has one there, the next
                        // sync sees a conflict instead of overwriting content nobody here saw.
                        let (original, pins, expect, moved_from) = match existing {
                            Some(s) => (
                                keeps_original(items, s),
                                s.entry.pins,
                                Expect::Rev(s.rev),
                                s.moved_from.clone(),
                            ),
                            None => (None, inherit_pins(items, path), Expect::Absent, None),
                        };
                        let entry = CacheEntry {
                            path: path.clone(),
                            original,
                            local: LocalItem::with_meta(
                                ItemKind::File,
                                Presence::Full,
                                LocalChanges::CREATED | LocalChanges::DATA,
                                meta,
                            ),
                            pins: Pins::pinned(pins.sources),
                            suspended: existing.is_some_and(|s| s.entry.suspended),
                            used: now,
                        };
                        events.push(Event::ItemAddedToCache {
                            item: self.item_ref(path),
                            item_type: ItemType::File,
                        });
                        events.push(Event::ItemAvailableOffline {
                            item: self.item_ref(path),
                            item_type: ItemType::File,
                        });
                        puts.push((entry, Some(blob), moved_from, expect));
                    }
                }
                Ok(LocalChange {
                    puts,
                    deletes: Vec::new(),
                    events,
                })
            })
            .await;
        if result.is_err() {
            let mut b = Batch::new();
            b.push(Write::DropBlob(blob));
            let _ = self.local.commit(b).await;
        }
        result
    }

    /// Creates a folder in the cache, recorded as an offline change.
    pub async fn create_dir(&self, path: &ItemPath) -> Result<(), EngineError> {
        self.check_new_path(path)?;
        let now = self.now();
        self.update_local(|items| {
            if !parent_is_live_dir(items, path) {
                return Err(no_parent(path));
            }
            let existing = items.get(path);
            if existing.is_some_and(|s| s.entry.exists_locally()) {
                return Err(EngineError::BadPath {
                    path: path.clone(),
                    problem: "already exists: choose another name".into(),
                });
            }
            // As for a write: over a ghost (a name whose item the user never had) this is a new
            // folder, not a replacement of the server's item.
            let entry = CacheEntry {
                path: path.clone(),
                original: existing.and_then(|s| keeps_original(items, s)),
                local: LocalItem::with_meta(
                    ItemKind::Directory,
                    Presence::Full,
                    LocalChanges::CREATED,
                    LocalMeta {
                        size: 0,
                        modified: now,
                        attributes: 0,
                        hash: None,
                        link_target: None,
                    },
                ),
                pins: inherit_pins(items, path),
                suspended: false,
                used: now,
            };
            let expect = existing.map_or(Expect::Absent, |s| Expect::Rev(s.rev));
            let moved_from = existing.and_then(|s| s.moved_from.clone());
            Ok(LocalChange {
                puts: vec![(entry, None, moved_from, expect)],
                deletes: Vec::new(),
                events: vec![Event::ItemAddedToCache {
                    item: self.item_ref(path),
                    item_type: ItemType::Directory,
                }],
            })
        })
        .await
    }

    /// Deletes an item (with its subtree) in the cache, recorded as an offline deletion: synced
    /// items leave tombstones that the next sync carries to the server; items created offline
    /// simply go.
    pub async fn delete(&self, path: &ItemPath) -> Result<(), EngineError> {
        if path.is_root() {
            return Err(EngineError::BadPath {
                path: path.clone(),
                problem: "the share root cannot be deleted: delete the items inside it".into(),
            });
        }
        let now = self.now();
        self.update_local(|items| {
            if !items.get(path).is_some_and(|s| s.entry.exists_locally()) {
                return Err(EngineError::NotFound(path.clone()));
            }
            let mut change = LocalChange::default();
            // An item with no original simply goes, and with it whatever is below it: a
            // tombstone cannot outlive its folder (its deletion is then not carried to the
            // server, which keeps that item: nothing is lost).
            let all = subtree(items, path);
            let mut gone: Vec<&ItemPath> = Vec::new();
            let mut removed = std::collections::BTreeSet::new();
            for s in &all {
                let p = &s.entry.path;
                if s.entry.original.is_none() || gone.iter().any(|g| p.is_descendant_of(g)) {
                    gone.push(p);
                    removed.insert(p.clone());
                }
            }
            for s in all.iter().rev() {
                if removed.contains(&s.entry.path) {
                    change.deletes.push((s.entry.path.clone(), s.rev));
                    continue;
                }
                if s.entry.local.is_deleted() {
                    continue;
                }
                if s.entry.original.is_some() {
                    let mut e = s.entry.clone();
                    e.local.presence = Presence::Deleted;
                    e.local.own_mut(s.entry.original.as_ref()).modified = now;
                    e.local.changes &= LocalChanges::CREATED;
                    change.puts.push((e, None, None, Expect::Rev(s.rev)));
                } else {
                    change.deletes.push((s.entry.path.clone(), s.rev));
                }
                change.events.push(Event::ItemModified {
                    item: self.item_ref(&s.entry.path),
                    item_type: s.entry.kind().item_type(),
                    data: true,
                    attributes: false,
                });
            }
            // Tombstones are written children first too, so parents stay valid in between.
            Ok(change)
        })
        .await
    }

    /// Renames an item (with its subtree) in the cache. The next sync carries it to the server
    /// as one MOVE when the server copy is unchanged, else as deletion + creation.
    pub async fn rename(&self, from: &ItemPath, to: &ItemPath) -> Result<(), EngineError> {
        self.check_new_path(to)?;
        if from.is_root() || to.is_self_or_descendant_of(from) {
            return Err(EngineError::BadPath {
                path: to.clone(),
                problem: format!("cannot rename {from} to itself or into its own subtree"),
            });
        }
        self.update_local(|items| {
            if !items.get(from).is_some_and(|s| s.entry.exists_locally()) {
                return Err(EngineError::NotFound(from.clone()));
            }
            if items.get(to).is_some_and(|s| s.entry.exists_locally()) {
                return Err(EngineError::BadPath {
                    path: to.clone(),
                    problem: "already exists: delete it first or choose another name".into(),
                });
            }
            if !parent_is_live_dir(items, to) {
                return Err(no_parent(to));
            }
            let moving = subtree(items, from);
            if moving
                .iter()
                .any(|s| s.entry.local.presence == Presence::Sparse && !s.entry.kind().is_dir())
            {
                return Err(EngineError::BadPath {
                    path: from.clone(),
                    problem: "holds files whose content is not cached: pin it with FILL (or sync online) before renaming it offline".into(),
                });
            }
            let mut change = LocalChange::default();
            for s in &moving {
                if matches!(s.entry.local.presence, Presence::Deleted | Presence::Ghost) {
                    continue;
                }
                let suffix = &s.entry.path.as_str()[from.as_str().len()..];
                let new_path = ItemPath::new(&format!("{}{suffix}", to.as_str()))
                    .map_err(|e| EngineError::BadPath {
                        path: to.clone(),
                        problem: e.to_string(),
                    })?;
                let existing = items.get(&new_path);
                let mut e = s.entry.clone();
                e.path = new_path.clone();
                e.local.own_mut(s.entry.original.as_ref());
                e.original = existing.and_then(|x| keeps_original(items, x));
                e.local.presence = Presence::Full;
                e.local.changes |= if e.kind().is_dir() {
                    LocalChanges::CREATED
                } else {
                    LocalChanges::CREATED | LocalChanges::DATA
                };
                let moved_from = s
                    .moved_from
                    .clone()
                    .or_else(|| s.entry.original.is_some().then(|| s.entry.path.clone()));
                let expect = existing.map_or(Expect::Absent, |x| Expect::Rev(x.rev));
                change.puts.push((e, s.blob, moved_from, expect));
            }
            for s in moving.iter().rev() {
                // A ghost is a name of a server item the user never had: a rename moves it on
                // the server (with its folder) or leaves it where it is, never deletes it. It
                // only stays, as a deletion, where offline deletions below it need their folder.
                let tombstones_below = moving.iter().any(|d| {
                    d.entry.local.is_deleted() && d.entry.path.is_descendant_of(&s.entry.path)
                });
                if s.entry.local.presence == Presence::Ghost && !tombstones_below {
                    change.deletes.push((s.entry.path.clone(), s.rev));
                    continue;
                }
                if s.entry.original.is_some() {
                    if s.entry.local.is_deleted() {
                        continue;
                    }
                    let mut e = s.entry.clone();
                    e.local.own_mut(s.entry.original.as_ref());
                    e.local.presence = Presence::Deleted;
                    e.local.changes &= LocalChanges::CREATED;
                    change.puts.push((e, None, None, Expect::Rev(s.rev)));
                } else {
                    change.deletes.push((s.entry.path.clone(), s.rev));
                }
            }
            change.events.push(Event::ItemModified {
                item: self.item_ref(from),
                item_type: moving[0].entry.kind().item_type(),
                data: true,
                attributes: false,
            });
            Ok(change)
        })
        .await
    }

    // ----- Pin / Unpin -------------------------------------------------------------------------

    /// IOfflineFilesCache::Pin: makes items always available offline. Items not in the cache
    /// but on the server (listed now; offline, as last listed) are added as sparse copies. `deep` pins the whole
    /// subtree now; otherwise a folder's children are pinned by the next sync with PINNEWFILES.
    /// FILL downloads the content now (`progress` may stop it between files, as a sync: the
    /// pins stay, and so does what was filled); PINLINKTARGETS pins the targets of pinned
    /// links.
    pub async fn pin<P: SyncProgress>(
        &self,
        paths: &[ItemPath],
        opts: PinOptions,
        progress: &mut P,
    ) -> Result<HResult, EngineError> {
        let Some(_busy) = self.enter() else {
            return Err(EngineError::Busy);
        };
        if progress.begin() {
            return Err(cancelled(|hr| progress.end(hr)));
        }
        let sources = pin_sources(opts.flags);
        // Pin what the server has now; offline, what it had at the last listing.
        if self.share().state.connectivity == Connectivity::Online {
            let list = SyncOptions::new(paths.to_vec(), SyncControl::default());
            let mut run = Run::new(self, &list).await?;
            let _ = run.refresh_listing().await;
        }
        let mut to_fill = paths.to_vec();
        let links = opts.flags.contains(PinControlFlags::PINLINKTARGETS);
        let mut overall = each_path(paths, progress, async |path: &ItemPath| {
            match self.pin_one(path, opts.deep, sources, links).await {
                Ok(targets) => {
                    to_fill.extend(targets);
                    HResult::S_OK
                }
                Err(e) => e.hresult(),
            }
        })
        .await?;
        let mut fill = SyncControlFlags::empty();
        if opts.flags.contains(PinControlFlags::FILL) {
            fill |= SyncControlFlags::FILLSPARSE;
        }
        if !fill.is_empty() {
            let sync = SyncOptions::new(to_fill, SyncControl::new(fill));
            let mut run = Run::new(self, &sync).await?;
            match run.fill(progress).await {
                Ok(()) => {}
                // Stopped by the caller: the pins stay; what was filled stays filled.
                Err(EngineError::Cancelled) => return Err(cancelled(|hr| progress.end(hr))),
                Err(e) => overall = e.hresult(),
            }
        }
        Ok(end_with(paths, overall, progress))
    }

    async fn pin_one(
        &self,
        path: &ItemPath,
        deep: bool,
        sources: PinSources,
        link_targets: bool,
    ) -> Result<Vec<ItemPath>, EngineError> {
        let listing: BTreeMap<ItemPath, Meta> = self
            .local
            .load()
            .await?
            .listing
            .into_iter()
            .map(|e| (e.path, e.meta))
            .collect_map();
        let mut pinned_targets = Vec::new();
        self.update_local(|items| {
            let mut change = LocalChange::default();
            let mut known: BTreeMap<ItemPath, (CacheEntry, Expect)> = BTreeMap::new();
            if items.get(path).is_some_and(|s| s.entry.local.is_deleted()) {
                return Err(EngineError::NotFound(path.clone()));
            }
            bring(items, &listing, path, &mut known)?;
            if deep {
                for s in subtree(items, path) {
                    if &s.entry.path != path && !s.entry.local.is_deleted() {
                        known.insert(s.entry.path.clone(), (s.entry.clone(), Expect::Rev(s.rev)));
                    }
                }
                for (p, m) in subtree_of(&listing, path) {
                    if !items.contains_key(p) && !known.contains_key(p) {
                        known.insert(p.clone(), (sparse_entry(p, m, Pins::NONE), Expect::Absent));
                    }
                }
            }
            // PINLINKTARGETS: a pinned link pins its target too, when that is a file.
            let mut targets = Vec::new();
            if link_targets {
                for (p, (e, _)) in &known {
                    if (deep || p == path)
                        && let Some(target) = e.local_view().link_target
                    {
                        let is_file = match (items.get(target), listing.get(target)) {
                            (Some(s), _) => s.entry.exists_locally() && !s.entry.kind().is_dir(),
                            (None, Some(m)) => !m.kind.is_dir(),
                            (None, None) => false,
                        };
                        if is_file {
                            targets.push(target.clone());
                        }
                    }
                }
                for t in &targets {
                    bring(items, &listing, t, &mut known)?;
                }
            }
            pinned_targets.clone_from(&targets);
            let deep_or_self = |p: &ItemPath| deep || p == path || targets.contains(p);
            for (p, (mut e, expect)) in known {
                let added = expect == Expect::Absent;
                let was_pinned = e.pins.is_pinned();
                if deep_or_self(&p) {
                    e.pins.sources |= sources;
                    if e.kind().is_dir() {
                        e.pins.inherit |= sources;
                    }
                }
                if added {
                    change.events.push(Event::ItemAddedToCache {
                        item: self.item_ref(&p),
                        item_type: e.kind().item_type(),
                    });
                }
                if !was_pinned && e.pins.is_pinned() {
                    change.events.push(Event::ItemPinned {
                        item: self.item_ref(&p),
                        item_type: e.kind().item_type(),
                    });
                }
                let blob = items.get(&p).and_then(|s| s.blob);
                let moved_from = items.get(&p).and_then(|s| s.moved_from.clone());
                change.puts.push((e, blob, moved_from, expect));
            }
            Ok(change)
        })
        .await?;
        Ok(pinned_targets)
    }

    /// IOfflineFilesCache::Unpin: removes the pin sources of `opts.flags` (the user's, by
    /// default). `deep` recurses into subfolders; otherwise a folder and its immediate child
    /// files. Unpinned items stay cached (and evictable) until DeleteItems or eviction.
    pub async fn unpin<P: SyncProgress>(
        &self,
        paths: &[ItemPath],
        opts: PinOptions,
        progress: &mut P,
    ) -> Result<HResult, EngineError> {
        let Some(_busy) = self.enter() else {
            return Err(EngineError::Busy);
        };
        if progress.begin() {
            return Err(cancelled(|hr| progress.end(hr)));
        }
        let sources = pin_sources(opts.flags);
        let overall = each_path(paths, progress, async |path: &ItemPath| {
            self.update_local(|items| {
                if !items.contains_key(path) {
                    return Err(EngineError::NotFound(path.clone()));
                }
                let mut change = LocalChange::default();
                for s in subtree(items, path) {
                    let p = &s.entry.path;
                    let child_file = p.parent().as_ref() == Some(path) && !s.entry.kind().is_dir();
                    if !(opts.deep || p == path || child_file) {
                        continue;
                    }
                    let mut e = s.entry.clone();
                    let was = e.pins.is_pinned();
                    e.pins.sources -= sources;
                    e.pins.inherit -= sources;
                    if e.pins == s.entry.pins {
                        continue;
                    }
                    if was && !e.pins.is_pinned() {
                        change.events.push(Event::ItemNotPinned {
                            item: self.item_ref(p),
                            item_type: e.kind().item_type(),
                        });
                    }
                    change
                        .puts
                        .push((e, s.blob, s.moved_from.clone(), Expect::Rev(s.rev)));
                }
                Ok(change)
            })
            .await
            .map_or_else(|e| e.hresult(), |()| HResult::S_OK)
        })
        .await?;
        Ok(end_with(paths, overall, progress))
    }

    // ----- DeleteItems -------------------------------------------------------------------------

    /// IOfflineFilesCache::DeleteItems: removes items (folders with their subtrees) from the
    /// cache only; the server is untouched. Items with unsynced changes are kept unless
    /// DELMODIFIED; NOPINNED keeps pinned items, NOAUTOCACHED keeps the others; a folder that
    /// cannot be emptied is kept. Returns S_OK, or MORE_DATA if something was kept.
    pub async fn delete_items<P: SimpleProgress>(
        &self,
        paths: &[ItemPath],
        opts: DeleteOptions,
        progress: &mut P,
    ) -> Result<HResult, EngineError> {
        let Some(_busy) = self.enter() else {
            return Err(EngineError::Busy);
        };
        if progress.begin() {
            return Err(cancelled(|hr| progress.end(hr)));
        }
        let flags = opts.flags;
        let mut overall = HResult::S_OK;
        for path in paths {
            if progress.query_abort() || progress.item_begin(path) == OpResponse::Abort {
                return Err(cancelled(|hr| progress.end(hr)));
            }
            let mut kept = false;
            let result = self
                .update_local(|items| {
                    if !items.contains_key(path) {
                        return Err(EngineError::NotFound(path.clone()));
                    }
                    let mut change = LocalChange::default();
                    let mut staying: Vec<ItemPath> = Vec::new();
                    kept = false;
                    for s in subtree(items, path).into_iter().rev() {
                        let e = &s.entry;
                        let has_child_staying = staying.iter().any(|k| k.is_descendant_of(&e.path));
                        let keep = has_child_staying
                            || (e.local.is_dirty() && !flags.contains(DeleteFlags::DELMODIFIED))
                            || (e.pins.is_pinned() && flags.contains(DeleteFlags::NOPINNED))
                            || (!e.pins.is_pinned() && flags.contains(DeleteFlags::NOAUTOCACHED));
                        if keep {
                            kept = true;
                            staying.push(e.path.clone());
                        } else {
                            change.deletes.push((e.path.clone(), s.rev));
                            change.events.push(Event::ItemDeletedFromCache {
                                item: self.item_ref(&e.path),
                                item_type: e.kind().item_type(),
                            });
                        }
                    }
                    Ok(change)
                })
                .await;
            let hr = match result {
                Ok(()) if kept => HResult::MORE_DATA,
                Ok(()) => HResult::S_OK,
                Err(e) => e.hresult(),
            };
            if hr != HResult::S_OK {
                overall = HResult::MORE_DATA;
            }
            if progress.item_result(path, hr) == OpResponse::Abort {
                return Err(cancelled(|hr| progress.end(hr)));
            }
        }
        progress.end(overall);
        Ok(overall)
    }

    // ----- connectivity and suspension ---------------------------------------------------------

    /// TransitionOffline: the share works offline until TransitionOnline (forced offline).
    pub async fn transition_offline(&self) -> Result<(), EngineError> {
        let mut record = self.share();
        if record.state.connectivity == Connectivity::Offline(OfflineCause::Forced) {
            return Ok(());
        }
        let was_online = record.state.connectivity == Connectivity::Online;
        record.state.connectivity = Connectivity::Offline(OfflineCause::Forced);
        let events = if was_online {
            vec![Event::ItemDisconnected {
                item: self.item_ref(&ItemPath::root()),
                item_type: ItemType::Share,
            }]
        } else {
            Vec::new()
        };
        self.save_share(record, events)
            .await
            .map_err(commit_to_engine)
    }

    /// TransitionOnline: asks the server; if it answers, the share is online again (whatever
    /// took it offline); otherwise it stays offline with a connection error.
    pub async fn transition_online(&self) -> Result<(), EngineError> {
        let token = self.share().token;
        let probe = self.remote.list(token.as_deref()).await;
        let probe = match probe {
            Err(crate::store::RemoteError::TokenExpired) => Ok(()),
            other => other.map(drop),
        };
        let mut record = self.share();
        match probe {
            Ok(()) => {
                if record.state.connectivity == Connectivity::Online {
                    return Ok(());
                }
                record.state.connectivity = Connectivity::Online;
                self.save_share(
                    record,
                    vec![Event::ItemReconnected {
                        item: self.item_ref(&ItemPath::root()),
                        item_type: ItemType::Share,
                    }],
                )
                .await
                .map_err(commit_to_engine)
            }
            Err(e) => {
                let events = if record.state.connectivity == Connectivity::Online {
                    vec![Event::ItemDisconnected {
                        item: self.item_ref(&ItemPath::root()),
                        item_type: ItemType::Share,
                    }]
                } else {
                    Vec::new()
                };
                if !matches!(
                    record.state.connectivity,
                    Connectivity::Offline(OfflineCause::Forced)
                ) {
                    record.state.connectivity = Connectivity::Offline(OfflineCause::Error);
                }
                self.save_share(record, events)
                    .await
                    .map_err(commit_to_engine)?;
                Err(EngineError::Listing(e))
            }
        }
    }

    /// The reconnect sweep (ItemReconnectBegin / End): a share offline because of a connection
    /// error comes back online by itself when the server answers. Forced and slow offline
    /// stay until TransitionOnline. Returns true if the share is online afterwards.
    pub async fn reconnect(&self) -> bool {
        self.publish(vec![Event::ItemReconnectBegin]);
        if self.share().state.connectivity == Connectivity::Offline(OfflineCause::Error) {
            let _ = self.transition_online().await;
        }
        self.publish(vec![Event::ItemReconnectEnd]);
        self.share().state.connectivity == Connectivity::Online
    }

    /// IOfflineFilesSuspend::SuspendRoot: suspends (or releases) a cached item and its subtree:
    /// it stays offline and automatic syncs skip it; an explicit sync still works.
    pub async fn suspend_root(&self, path: &ItemPath, suspend: bool) -> Result<(), EngineError> {
        self.update_local(|items| {
            let s = items
                .get(path)
                .ok_or_else(|| EngineError::NotFound(path.clone()))?;
            let mut e = s.entry.clone();
            e.suspended = suspend;
            Ok(LocalChange {
                puts: vec![(e, s.blob, s.moved_from.clone(), Expect::Rev(s.rev))],
                deletes: Vec::new(),
                events: Vec::new(),
            })
        })
        .await
    }

    // ----- FindItem / EnumItems ----------------------------------------------------------------

    /// IOfflineFilesCache::FindItem: one cached item, or NotFound (ERROR_FILE_NOT_FOUND).
    pub async fn find_item(&self, path: &ItemPath) -> Result<ItemInfo, EngineError> {
        let snapshot = self.local.load().await?;
        let tree = CacheTree::new(snapshot.items.into_iter().map(|s| s.entry).collect())
            .map_err(|e| EngineError::Corrupt(e.to_string()))?;
        let e = tree
            .get(path)
            .ok_or_else(|| EngineError::NotFound(path.clone()))?;
        Ok(self.info(&tree, e))
    }

    /// IOfflineFilesItemContainer::EnumItemsEx: the children of `path` (with FLAT, every
    /// descendant, each folder before its contents; with FLAT_FILESONLY, files only) that
    /// meet the filter flags.
    pub async fn enum_items(
        &self,
        path: &ItemPath,
        opts: EnumOptions,
    ) -> Result<Vec<ItemInfo>, EngineError> {
        let snapshot = self.local.load().await?;
        let tree = CacheTree::new(snapshot.items.into_iter().map(|s| s.entry).collect())
            .map_err(|e| EngineError::Corrupt(e.to_string()))?;
        if !path.is_root() && tree.get(path).is_none() {
            return Err(EngineError::NotFound(path.clone()));
        }
        let flat = opts.flags.contains(EnumFlags::FLAT);
        let files_only = flat && opts.flags.contains(EnumFlags::FLAT_FILESONLY);
        let mut out = Vec::new();
        for e in tree.subtree(path) {
            if &e.path == path {
                continue;
            }
            if !flat && e.path.parent().as_ref() != Some(path) {
                continue;
            }
            if files_only && e.kind().is_dir() {
                continue;
            }
            let info = self.info(&tree, e);
            let mask = opts.filter_mask;
            if (info.filter_flags & mask) != (opts.filter_flags & mask) {
                continue;
            }
            out.push(info);
        }
        Ok(out)
    }

    /// The children of `path` for a file browser: the cached items and the server's names
    /// from the stored listing (as of the last sync or refresh), by path. Works offline; a
    /// folder neither cached nor listed is [`EngineError::NotFound`].
    pub async fn browse(&self, path: &ItemPath) -> Result<Vec<BrowseEntry>, EngineError> {
        let snapshot = self.local.load().await?;
        let tree = CacheTree::new(snapshot.items.into_iter().map(|s| s.entry).collect())
            .map_err(|e| EngineError::Corrupt(e.to_string()))?;
        let listed = |p: &ItemPath| snapshot.listing.iter().any(|r| &r.path == p);
        if !path.is_root() && tree.get(path).is_none() && !listed(path) {
            return Err(EngineError::NotFound(path.clone()));
        }
        let mut out: BTreeMap<ItemPath, BrowseEntry> = BTreeMap::new();
        let is_child = |p: &ItemPath| p.parent().as_ref() == Some(path);
        for e in tree.subtree(path).iter().filter(|e| is_child(&e.path)) {
            out.insert(
                e.path.clone(),
                BrowseEntry {
                    path: e.path.clone(),
                    cached: Some(self.info(&tree, e)),
                    server: None,
                },
            );
        }
        for r in snapshot.listing.into_iter().filter(|r| is_child(&r.path)) {
            out.entry(r.path.clone())
                .or_insert_with(|| BrowseEntry {
                    path: r.path.clone(),
                    cached: None,
                    server: None,
                })
                .server = Some(r.meta);
        }
        Ok(out.into_values().collect())
    }

    fn info(&self, tree: &CacheTree, e: &CacheEntry) -> ItemInfo {
        let suspension = tree.suspension(&e.path);
        let connectivity = self.share().state.connectivity;
        let (state, reason) = match connectivity {
            Connectivity::Online if suspension.suspended => {
                (ConnectState::Offline, OfflineReason::ItemSuspended)
            }
            Connectivity::Online => (ConnectState::Online, OfflineReason::NotApplicable),
            Connectivity::Offline(cause) => (ConnectState::Offline, cause.reason()),
        };
        let local = e.exists_locally().then(|| {
            let v = e.local_view();
            LocalMeta {
                size: v.size,
                modified: v.modified,
                attributes: v.attributes,
                hash: v.hash,
                link_target: v.link_target.cloned(),
            }
        });
        let mut f = ItemFilterFlags::empty();
        let c = e.local.changes;
        f.set(
            ItemFilterFlags::MODIFIED_DATA,
            c.contains(LocalChanges::DATA),
        );
        f.set(
            ItemFilterFlags::MODIFIED_ATTRIBUTES,
            c.contains(LocalChanges::ATTRIBUTES),
        );
        f.set(
            ItemFilterFlags::MODIFIED,
            c.intersects(LocalChanges::DATA | LocalChanges::ATTRIBUTES),
        );
        f.set(ItemFilterFlags::CREATED, c.contains(LocalChanges::CREATED));
        f.set(ItemFilterFlags::DELETED, e.local.is_deleted());
        f.set(ItemFilterFlags::DIRTY, e.local.is_dirty());
        f.set(
            ItemFilterFlags::SPARSE,
            e.local.presence == Presence::Sparse,
        );
        f.set(ItemFilterFlags::FILE, !e.kind().is_dir());
        f.set(ItemFilterFlags::DIRECTORY, e.kind().is_dir());
        f.set(
            ItemFilterFlags::PINNED_USER,
            e.pins.sources.contains(PinSources::USER),
        );
        f.set(
            ItemFilterFlags::PINNED_COMPUTER,
            e.pins.sources.contains(PinSources::ALL),
        );
        f.set(ItemFilterFlags::PINNED, e.pins.is_pinned());
        f.set(ItemFilterFlags::GHOST, e.local.presence == Presence::Ghost);
        f.set(ItemFilterFlags::SUSPENDED, suspension.suspended);
        f.set(ItemFilterFlags::OFFLINE, state == ConnectState::Offline);
        f.set(ItemFilterFlags::ONLINE, state == ConnectState::Online);
        ItemInfo {
            path: e.path.clone(),
            item_type: e.kind().item_type(),
            presence: e.local.presence,
            changes: c,
            dirty: e.local.is_dirty(),
            dirty_bytes: e.dirty_bytes(),
            pins: e.pins,
            suspension,
            connect_state: (state, reason),
            local,
            original: e.original.clone(),
            filter_flags: f,
        }
    }

    // ----- helpers -----------------------------------------------------------------------------

    fn check_new_path(&self, path: &ItemPath) -> Result<(), EngineError> {
        if path.is_root() {
            return Err(EngineError::BadPath {
                path: path.clone(),
                problem: "the share root is a folder that always exists: give a path inside it"
                    .into(),
            });
        }
        Ok(())
    }

    /// Reads the cache, lets `f` decide a change, and commits it; when a sync commits at the
    /// same moment (the cache changed between the read and the write), reads again and
    /// retries.
    async fn update_local(
        &self,
        mut f: impl FnMut(&BTreeMap<ItemPath, StoredItem>) -> Result<LocalChange, EngineError>,
    ) -> Result<(), EngineError> {
        let mut last = None;
        for _ in 0..LOCAL_ATTEMPTS {
            let items: BTreeMap<ItemPath, StoredItem> = self
                .local
                .load()
                .await?
                .items
                .into_iter()
                .map(|s| (s.entry.path.clone(), s))
                .collect_map();
            let change = f(&items)?;
            let mut batch = Batch::new();
            // Blobs the written items held (content, partial downloads) that no item of the
            // change keeps are dropped with it.
            let kept: Vec<BlobId> = change.puts.iter().filter_map(|(_, b, _, _)| *b).collect();
            let mut dropped: Vec<BlobId> = Vec::new();
            for (entry, blob, moved_from, expect) in &change.puts {
                batch.push(Write::PutItem {
                    entry: entry.clone(),
                    blob: *blob,
                    moved_from: moved_from.clone(),
                    expect: *expect,
                });
                if let Some(s) = items.get(&entry.path) {
                    dropped.extend(owned_blobs(s));
                }
            }
            for (path, rev) in &change.deletes {
                batch.push(Write::DeleteItem {
                    path: path.clone(),
                    rev: *rev,
                });
                if let Some(s) = items.get(path) {
                    dropped.extend(owned_blobs(s));
                }
            }
            crate::sort::sort_dedup(&mut dropped);
            for b in dropped {
                if !kept.contains(&b) {
                    batch.push(Write::DropBlob(b));
                }
            }
            match self.commit(batch, change.events).await {
                Ok(_) => return Ok(()),
                Err(CommitError::Conflict(why)) => last = Some(why),
                Err(CommitError::Store(e)) => return Err(EngineError::Cache(e)),
            }
        }
        Err(EngineError::Changed(last.unwrap_or_default()))
    }
}

/// A change a local operation commits: item writes, removals (children before parents), events.
#[derive(Debug, Default)]
struct LocalChange {
    puts: Vec<(
        CacheEntry,
        Option<crate::store::BlobId>,
        Option<ItemPath>,
        Expect,
    )>,
    deletes: Vec<(ItemPath, u64)>,
    events: Vec<Event>,
}

fn subtree(items: &BTreeMap<ItemPath, StoredItem>, path: &ItemPath) -> Vec<StoredItem> {
    subtree_of(items, path).map(|(_, s)| s.clone()).collect()
}

fn parent_is_live_dir(items: &BTreeMap<ItemPath, StoredItem>, path: &ItemPath) -> bool {
    match path.parent() {
        None => false,
        Some(p) if p.is_root() => true,
        Some(p) => items
            .get(&p)
            .is_some_and(|s| s.entry.exists_locally() && s.entry.kind().is_dir()),
    }
}

/// The original a new item at an existing entry's path takes over. Over a tombstone, the
/// deleted item's (the new one replaces it); over a ghost, none — a name whose content the
/// user never had is not replaced blindly, the server's item there meets the new one as a
/// conflict — unless offline deletions sit below the ghost, which need the folder they were
/// made in.
fn keeps_original(items: &BTreeMap<ItemPath, StoredItem>, s: &StoredItem) -> Option<Meta> {
    if s.entry.local.presence == Presence::Ghost && !has_below(items, &s.entry.path) {
        None
    } else {
        s.entry.original.clone()
    }
}

fn no_parent(path: &ItemPath) -> EngineError {
    EngineError::BadPath {
        path: path.clone(),
        problem: "its folder is not in the cache: create or pin the folder first".into(),
    }
}

fn inherit_pins(items: &BTreeMap<ItemPath, StoredItem>, path: &ItemPath) -> Pins {
    path.parent()
        .and_then(|p| items.get(&p))
        .map(|s| Pins::inheriting(s.entry.pins.inherit))
        .unwrap_or(Pins::NONE)
}

/// Adds `path` to `known`: as cached (with its revision), or, when only the listing has it, as a
/// sparse copy with sparse folders for its missing ancestors, so it has a place in the cache.
fn bring(
    items: &BTreeMap<ItemPath, StoredItem>,
    listing: &BTreeMap<ItemPath, Meta>,
    path: &ItemPath,
    known: &mut BTreeMap<ItemPath, (CacheEntry, Expect)>,
) -> Result<(), EngineError> {
    if let Some(s) = items.get(path) {
        known
            .entry(path.clone())
            .or_insert_with(|| (s.entry.clone(), Expect::Rev(s.rev)));
        return Ok(());
    }
    let meta = listing
        .get(path)
        .ok_or_else(|| EngineError::NotFound(path.clone()))?;
    let mut ancestors = Vec::new();
    let mut p = path.parent();
    while let Some(a) = p {
        if a.is_root() || items.contains_key(&a) || known.contains_key(&a) {
            break;
        }
        p = a.parent();
        ancestors.push(a);
    }
    for a in ancestors.into_iter().rev() {
        let m = listing
            .get(&a)
            .ok_or_else(|| EngineError::NotFound(a.clone()))?;
        known.insert(a.clone(), (sparse_entry(&a, m, Pins::NONE), Expect::Absent));
    }
    known
        .entry(path.clone())
        .or_insert_with(|| (sparse_entry(path, meta, Pins::NONE), Expect::Absent));
    Ok(())
}

fn sparse_entry(path: &ItemPath, meta: &Meta, pins: Pins) -> CacheEntry {
    CacheEntry {
        path: path.clone(),
        original: Some(meta.clone()),
        local: LocalItem::sparse(meta),
        pins,
        suspended: false,
        used: crate::Millis(0),
    }
}
