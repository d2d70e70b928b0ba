//! The item model: shares, items, their original / local / remote states, pins and
//! connectivity.
//!
//! Three observations describe every item, as in Offline Files and Dropbox's Nucleus:
//! - the **original** snapshot ([`Meta`]): what both sides agreed on at the last successful
//!   sync, the merge base of three-way comparison;
//! - the **local** state ([`LocalItem`]): the cached copy and what was changed offline;
//! - the **remote** state ([`Meta`] in a [`RemoteTree`]): the share's last listing.
//!
//! The original and the local state of an item live together in one [`CacheEntry`], because the
//! cache stores them together (and a path is then held once); the remote listing is a tree of
//! its own. Both trees are kept sorted in path order ([`ItemPath`]'s `Ord`), in which each
//! directory is followed by its subtree, so planning is one merge-join over two sorted slices.

use std::fmt;

use bitflags::bitflags;

use crate::path::{ItemPath, cmp_paths, is_self_or_descendant};
use crate::win::{ItemType, OfflineReason};

/// Milliseconds since the Unix epoch, UTC. The core never reads the clock: callers pass `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Millis(pub i64);

/// What an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ItemKind {
    /// A file with content.
    File,
    /// A directory (a collection on the share).
    Directory,
    /// A link: a small file recording a target path inside the share (Windows' `.lnk`, used by
    /// PINLINKTARGETS). It syncs like a file.
    Link,
}

impl ItemKind {
    /// True for directories.
    pub fn is_dir(self) -> bool {
        self == ItemKind::Directory
    }

    /// The Windows item type: links are files there.
    pub fn item_type(self) -> ItemType {
        match self {
            ItemKind::Directory => ItemType::Directory,
            ItemKind::File | ItemKind::Link => ItemType::File,
        }
    }

    /// Files and links compare as the same kind: both have content.
    pub(crate) fn same_shape(self, other: ItemKind) -> bool {
        self.is_dir() == other.is_dir()
    }
}

/// An opaque server version of an item (its ETag). A remote change is a version that differs
/// from the original's.
#[derive(Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Version(Box<str>);

impl Version {
    /// Wraps a server version string.
    pub fn new(v: impl Into<Box<str>>) -> Self {
        Version(v.into())
    }

    /// The version string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// A content hash: the first 128 bits of the SHA-256 of the content. Equal hashes mean equal
/// content, which is how a both-sides change to the same bytes is told apart from a conflict.
/// 128 bits keep the per-item memory small while leaving collisions out of reach.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ContentHash(pub [u8; 16]);

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.0[..4] {
            write!(f, "{b:02x}")?;
        }
        f.write_str("…")
    }
}

/// Metadata of one copy of an item: the remote copy, or the original snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Meta {
    /// File, directory or link.
    pub kind: ItemKind,
    /// The server version (ETag) of this copy.
    pub version: Version,
    /// Size in bytes (0 for directories).
    pub size: u64,
    /// Last modification time.
    pub modified: Millis,
    /// Attribute bits (read-only, hidden… as the server reports them).
    pub attributes: u32,
    /// Content hash, when known.
    pub hash: Option<ContentHash>,
    /// A link's target (a path in the same share).
    pub link_target: Option<Box<ItemPath>>,
}

impl Meta {
    /// Metadata of a file.
    pub fn file(version: &str, size: u64, modified: Millis, hash: Option<ContentHash>) -> Self {
        Meta {
            kind: ItemKind::File,
            version: Version::new(version),
            size,
            modified,
            attributes: 0,
            hash,
            link_target: None,
        }
    }

    /// Metadata of a directory.
    pub fn dir(version: &str, modified: Millis) -> Self {
        Meta {
            kind: ItemKind::Directory,
            version: Version::new(version),
            size: 0,
            modified,
            attributes: 0,
            hash: None,
            link_target: None,
        }
    }

    /// Metadata of a link to `target`.
    pub fn link(version: &str, target: ItemPath, modified: Millis) -> Self {
        Meta {
            kind: ItemKind::Link,
            version: Version::new(version),
            size: target.as_str().len() as u64,
            modified,
            attributes: 0,
            hash: None,
            link_target: Some(Box::new(target)),
        }
    }
}

bitflags! {
    /// What was changed offline in the local copy (Windows' IOfflineFilesChangeInfo).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
    pub struct LocalChanges: u8 {
        /// Created offline. With an original present, the item *replaced* the original one
        /// (it was deleted and created again, possibly with another kind).
        const CREATED = 0x01;
        /// Content written offline.
        const DATA = 0x02;
        /// Attributes changed offline.
        const ATTRIBUTES = 0x04;
        /// Times changed offline.
        const TIME = 0x08;
    }
}

/// How much of an item the cache holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Presence {
    /// Metadata and all content: usable offline.
    Full,
    /// Metadata known, content absent or partial: not usable offline until filled.
    Sparse,
    /// Name only: kept so the namespace stays visible offline; no content is fetched.
    Ghost,
    /// Deleted offline: a tombstone kept until the deletion is synced.
    Deleted,
}

/// Metadata of a local copy that differs from its original: a copy changed or created offline.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LocalMeta {
    /// Size of the local copy.
    pub size: u64,
    /// Time of the last local change (for a tombstone: when it was deleted). KEEPLATEST
    /// compares this with the remote copy's modification time.
    pub modified: Millis,
    /// Attribute bits.
    pub attributes: u32,
    /// Hash of the local content, when known.
    pub hash: Option<ContentHash>,
    /// A link's target.
    pub link_target: Option<ItemPath>,
}

impl LocalMeta {
    /// The metadata of `meta`, as a local copy's own.
    pub fn of(meta: &Meta) -> Self {
        LocalMeta {
            size: meta.size,
            modified: meta.modified,
            attributes: meta.attributes,
            hash: meta.hash,
            link_target: meta.link_target.as_deref().cloned(),
        }
    }
}

/// The local (cached) state of an item.
///
/// Most cached items are in sync, and their local metadata equals the original's, so a local
/// copy holds metadata of its own ([`LocalMeta`]) only when it differs: that keeps a synced
/// item's cache entry small (the benchmark's budget is 300 bytes an item for cache and listing
/// together). Read it through [`LocalItem::view`] or [`CacheEntry::local_view`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LocalItem {
    /// File, directory or link.
    pub kind: ItemKind,
    /// Full, sparse, ghost or deleted.
    pub presence: Presence,
    /// What was changed offline since the original.
    pub changes: LocalChanges,
    /// The copy's own metadata; `None` when it equals the original's. An item with no original
    /// must have its own.
    pub own: Option<Box<LocalMeta>>,
}

/// The local copy's metadata, whether its own or its original's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalView<'a> {
    /// Size of the local copy.
    pub size: u64,
    /// Time of the last local change.
    pub modified: Millis,
    /// Attribute bits.
    pub attributes: u32,
    /// Hash of the local content, when known.
    pub hash: Option<ContentHash>,
    /// A link's target.
    pub link_target: Option<&'a ItemPath>,
}

impl LocalItem {
    /// A fully cached copy equal to `meta` with no offline change: the state right after a sync
    /// (with `meta` as the original).
    pub fn synced(meta: &Meta) -> Self {
        LocalItem {
            kind: meta.kind,
            presence: Presence::Full,
            changes: LocalChanges::empty(),
            own: None,
        }
    }

    /// A sparse copy of `meta` (the original): metadata only, content still to be filled.
    pub fn sparse(meta: &Meta) -> Self {
        LocalItem {
            presence: Presence::Sparse,
            ..Self::synced(meta)
        }
    }

    /// A copy with metadata of its own.
    pub fn with_meta(
        kind: ItemKind,
        presence: Presence,
        changes: LocalChanges,
        meta: LocalMeta,
    ) -> Self {
        LocalItem {
            kind,
            presence,
            changes,
            own: Some(Box::new(meta)),
        }
    }

    /// The copy's metadata: its own, else its original's. Panics if it has neither, which
    /// [`CacheTree::new`] rules out.
    pub fn view<'a>(&'a self, original: Option<&'a Meta>) -> LocalView<'a> {
        match (&self.own, original) {
            (Some(own), _) => LocalView {
                size: own.size,
                modified: own.modified,
                attributes: own.attributes,
                hash: own.hash,
                link_target: own.link_target.as_ref(),
            },
            (None, Some(o)) => LocalView {
                size: o.size,
                modified: o.modified,
                attributes: o.attributes,
                hash: o.hash,
                link_target: o.link_target.as_deref(),
            },
            (None, None) => panic!(
                "a local copy without metadata of its own needs an original; CacheTree::new checks this"
            ),
        }
    }

    /// The metadata of its own, created from `original` first if it has none, for a change.
    pub fn own_mut(&mut self, original: Option<&Meta>) -> &mut LocalMeta {
        self.own.get_or_insert_with(|| {
            Box::new(LocalMeta::of(original.expect(
                "a local copy without metadata of its own needs an original",
            )))
        })
    }

    /// True if the copy carries a change not yet synced (Windows' IsDirty).
    pub fn is_dirty(&self) -> bool {
        !self.changes.is_empty() || self.presence == Presence::Deleted
    }

    /// True for an offline deletion.
    pub fn is_deleted(&self) -> bool {
        self.presence == Presence::Deleted
    }
}

bitflags! {
    /// Pin sources (Windows' IOfflineFilesPinInfo: user, user policy, computer, folder
    /// redirection). An item with any pin source is "always available offline" and never
    /// evicted.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
    pub struct PinSources: u8 {
        /// Pinned by the user (PINFORUSER).
        const USER = 0x1;
        /// Pinned by per-user policy (PINFORUSER_POLICY); the user cannot remove it.
        const USER_POLICY = 0x2;
        /// Pinned for every user of this app profile (PINFORALL).
        const ALL = 0x4;
        /// Pinned by folder redirection (PINFORREDIR): app-managed folders.
        const REDIR = 0x8;
    }
}

/// Pin state of an item: which sources pin it, and for directories which of them *inherit*
/// (new children found by a sync with PINNEWFILES get pinned for those sources too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Pins {
    /// Sources that pin the item.
    pub sources: PinSources,
    /// Sources whose pin new children inherit (directories only; a subset of `sources`).
    pub inherit: PinSources,
}

impl Pins {
    /// Not pinned.
    pub const NONE: Pins = Pins {
        sources: PinSources::empty(),
        inherit: PinSources::empty(),
    };

    /// Pinned for `sources`, without inheritance.
    pub fn pinned(sources: PinSources) -> Self {
        Pins {
            sources,
            inherit: PinSources::empty(),
        }
    }

    /// Pinned for `sources`, inheriting to new children.
    pub fn inheriting(sources: PinSources) -> Self {
        Pins {
            sources,
            inherit: sources,
        }
    }

    /// True if any source pins the item.
    pub fn is_pinned(self) -> bool {
        !self.sources.is_empty()
    }
}

/// One item of the cache: its original snapshot and its local state.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CacheEntry {
    /// Path inside the share.
    pub path: ItemPath,
    /// What both sides agreed on at the last successful sync; `None` if never synced.
    pub original: Option<Meta>,
    /// The cached copy.
    pub local: LocalItem,
    /// Pin sources.
    pub pins: Pins,
    /// True if this item is a suspended root (Windows' SuspendRoot): it and its subtree stay
    /// offline and are skipped by syncs with SKIPSUSPENDEDDIRS.
    pub suspended: bool,
    /// When the cached copy was last filled, written or read here (reads count at most once
    /// an hour, so reading does not write every time); `Millis(0)` for never. When the cache
    /// is full, the least recently used unpinned, clean files are evicted first.
    pub used: Millis,
}

impl CacheEntry {
    /// An entry in sync with `meta`.
    pub fn synced(path: ItemPath, meta: Meta, pins: Pins) -> Self {
        CacheEntry {
            path,
            local: LocalItem::synced(&meta),
            original: Some(meta),
            pins,
            suspended: false,
            used: Millis(0),
        }
    }

    /// The kind the item has in the cache (the original's kind for a tombstone).
    pub fn kind(&self) -> ItemKind {
        self.local.kind
    }

    /// True if the item exists locally (not deleted offline, not a ghost).
    pub fn exists_locally(&self) -> bool {
        matches!(self.local.presence, Presence::Full | Presence::Sparse)
    }

    /// Drops the original, keeping the local copy's metadata as its own (the item then counts
    /// as having no merge base; a tombstone should be removed instead).
    pub fn forget_original(&mut self) {
        if let Some(original) = self.original.take() {
            self.local.own_mut(Some(&original));
        }
    }

    /// The local copy's metadata.
    pub fn local_view(&self) -> LocalView<'_> {
        self.local.view(self.original.as_ref())
    }

    /// Bytes waiting to be uploaded (IOfflineFilesDirtyInfo::LocalDirtyByteCount): the whole
    /// file when its content changed offline, since uploads send whole files.
    pub fn dirty_bytes(&self) -> u64 {
        let content_changed = self
            .local
            .changes
            .intersects(LocalChanges::DATA | LocalChanges::CREATED);
        if content_changed && self.exists_locally() && !self.kind().is_dir() {
            self.local_view().size
        } else {
            0
        }
    }
}

/// One item of a remote listing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RemoteEntry {
    /// Path inside the share.
    pub path: ItemPath,
    /// The server's metadata.
    pub meta: Meta,
}

/// An identifier of the server's state lineage. A share that was reset, restored or replaced
/// gets a new epoch; original snapshots from another epoch are not a valid merge base.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Epoch(pub Box<str>);

/// Why a tree could not be built from a list of entries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    /// Two entries had the same path.
    #[error("{tree} lists {path:?} twice: each path may appear once; drop the duplicate")]
    Duplicate {
        /// "the cache" or "the remote listing".
        tree: &'static str,
        /// The duplicated path.
        path: ItemPath,
    },
    /// An entry's parent was missing or was not a directory.
    #[error(
        "{tree} has {path:?} but its parent is missing or not a directory: add the parent directory first"
    )]
    Orphan {
        /// "the cache" or "the remote listing".
        tree: &'static str,
        /// The orphaned path.
        path: ItemPath,
    },
    /// A directory marked as not listed was not a listed directory.
    #[error(
        "{path:?} was marked as a directory whose listing failed, but the listing has no directory there: mark only listed directories (or the share root)"
    )]
    UnlistedNotADirectory {
        /// The path.
        path: ItemPath,
    },
    /// The share root was listed as an item.
    #[error(
        "{tree} lists the share root as an item: the root is implicit; list only items inside it"
    )]
    RootListed {
        /// "the cache" or "the remote listing".
        tree: &'static str,
    },
    /// An item had neither an original nor local metadata of its own.
    #[error(
        "the cache has {path:?} with neither an original nor local metadata: an item created offline needs LocalItem::own"
    )]
    NoLocalMeta {
        /// The item.
        path: ItemPath,
    },
    /// A sparse copy claimed content written offline.
    #[error(
        "the cache has {path:?} as sparse (content not cached) but with content written or created offline: fill a sparse file before writing to it"
    )]
    SparseWithNewContent {
        /// The item.
        path: ItemPath,
    },
    /// A live local item sat below an item that is not a live directory.
    #[error(
        "the cache has {path:?} below an item that is not a directory in the cache (deleted offline, a ghost, or a file): delete the children too, or restore the directory"
    )]
    LiveUnderTombstone {
        /// The live item.
        path: ItemPath,
    },
}

/// Sorts entries by path and checks that paths are unique and that every entry's parent is a
/// directory present in the same tree. `is_dir(e)` tells whether an entry may hold children.
fn build_sorted<T>(
    mut entries: Vec<T>,
    tree: &'static str,
    path_of: impl Fn(&T) -> &ItemPath,
    is_dir: impl Fn(&T) -> bool,
) -> Result<Vec<T>, TreeError> {
    crate::sort::sort_by(&mut entries, |a, b| path_of(a).cmp(path_of(b)));
    // Ancestors of the current entry that are directories, innermost last. Path order visits a
    // directory before its subtree, so one stack pass checks every parent in O(n).
    let mut dirs: Vec<usize> = Vec::new();
    for i in 0..entries.len() {
        let path = path_of(&entries[i]);
        if path.is_root() {
            return Err(TreeError::RootListed { tree });
        }
        if i > 0 && path_of(&entries[i - 1]) == path {
            return Err(TreeError::Duplicate {
                tree,
                path: path.clone(),
            });
        }
        while let Some(&top) = dirs.last() {
            if path.is_descendant_of(path_of(&entries[top])) {
                break;
            }
            dirs.pop();
        }
        let parent_ok = match path.parent_str() {
            Some("") => true,
            Some(parent) => dirs
                .last()
                .is_some_and(|&top| path_of(&entries[top]).as_str() == parent),
            None => unreachable!("the root was rejected above"),
        };
        if !parent_ok {
            return Err(TreeError::Orphan {
                tree,
                path: path.clone(),
            });
        }
        if is_dir(&entries[i]) {
            dirs.push(i);
        }
    }
    Ok(entries)
}

/// Index range of `path` and its descendants in a slice sorted by path.
pub(crate) fn subtree_range<T>(
    entries: &[T],
    path: &str,
    path_of: impl Fn(&T) -> &str,
) -> (usize, usize) {
    if path.is_empty() {
        return (0, entries.len());
    }
    let start = entries.partition_point(|e| cmp_paths(path_of(e), path).is_lt());
    let len = entries[start..].partition_point(|e| is_self_or_descendant(path_of(e), path));
    (start, start + len)
}

/// Suspension of an item (IOfflineFilesSuspendInfo).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Suspension {
    /// The item is suspended, itself or through an ancestor.
    pub suspended: bool,
    /// The item is the suspended root.
    pub is_root: bool,
}

/// The cache's items of one share (original + local state), sorted in path order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheTree {
    entries: Vec<CacheEntry>,
}

impl CacheTree {
    /// Builds the tree, checking that paths are unique, that every item's parent directory is
    /// in the cache, and that nothing live sits below an offline deletion.
    pub fn new(entries: Vec<CacheEntry>) -> Result<Self, TreeError> {
        // A tombstone may sit below an item that replaced a directory offline (its deletion on
        // the server is still pending), so anything that was or is a directory can be a parent.
        let entries = build_sorted(
            entries,
            "the cache",
            |e| &e.path,
            |e| e.kind().is_dir() || e.original.as_ref().is_some_and(|o| o.kind.is_dir()),
        )?;
        // A live item needs a live directory above it.
        let mut ancestors: Vec<&CacheEntry> = Vec::new();
        for e in &entries {
            if e.local.presence == Presence::Sparse
                && e.local
                    .changes
                    .intersects(LocalChanges::DATA | LocalChanges::CREATED)
            {
                return Err(TreeError::SparseWithNewContent {
                    path: e.path.clone(),
                });
            }
            if e.local.own.is_none() && e.original.is_none() {
                return Err(TreeError::NoLocalMeta {
                    path: e.path.clone(),
                });
            }
            while ancestors
                .last()
                .is_some_and(|a| !e.path.is_descendant_of(&a.path))
            {
                ancestors.pop();
            }
            let parent = ancestors.last();
            let live_parent = |p: &&CacheEntry| p.exists_locally() && p.kind().is_dir();
            // A live item needs a live directory above it; a ghost (a name) needs a directory
            // that is not deleted offline.
            let misplaced = match e.local.presence {
                Presence::Full | Presence::Sparse => parent.is_some_and(|p| !live_parent(p)),
                Presence::Ghost => parent.is_some_and(|p| p.local.is_deleted()),
                Presence::Deleted => false,
            };
            if misplaced {
                return Err(TreeError::LiveUnderTombstone {
                    path: e.path.clone(),
                });
            }
            ancestors.push(e);
        }
        Ok(CacheTree { entries })
    }

    /// All entries in path order.
    pub fn entries(&self) -> &[CacheEntry] {
        &self.entries
    }

    /// The entry at `path`.
    pub fn get(&self, path: &ItemPath) -> Option<&CacheEntry> {
        self.index_of(path.as_str()).map(|i| &self.entries[i])
    }

    pub(crate) fn index_of(&self, path: &str) -> Option<usize> {
        self.entries
            .binary_search_by(|e| cmp_paths(e.path.as_str(), path))
            .ok()
    }

    /// Whether `path` is suspended, and whether it is the suspended root itself
    /// (IOfflineFilesSuspendInfo::IsSuspended): suspension is set on a root and inherited by
    /// its whole subtree.
    pub fn suspension(&self, path: &ItemPath) -> Suspension {
        let mut current = Some(path.clone());
        while let Some(p) = current {
            if self.get(&p).is_some_and(|e| e.suspended) {
                return Suspension {
                    suspended: true,
                    is_root: &p == path,
                };
            }
            current = p.parent().filter(|p| !p.is_root());
        }
        Suspension {
            suspended: false,
            is_root: false,
        }
    }

    /// `path` and its descendants, in path order.
    pub fn subtree(&self, path: &ItemPath) -> &[CacheEntry] {
        let (a, b) = subtree_range(&self.entries, path.as_str(), |e| e.path.as_str());
        &self.entries[a..b]
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if the cache holds no item of this share.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Takes the entries back.
    pub fn into_entries(self) -> Vec<CacheEntry> {
        self.entries
    }
}

/// A listing of one share, sorted in path order, with the server's epoch when it has one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteTree {
    entries: Vec<RemoteEntry>,
    epoch: Option<Epoch>,
    /// Directories whose contents could not be listed, sorted.
    unlisted: Vec<ItemPath>,
}

impl RemoteTree {
    /// Builds the tree, checking that paths are unique and every parent is a listed directory.
    pub fn new(entries: Vec<RemoteEntry>, epoch: Option<Epoch>) -> Result<Self, TreeError> {
        let entries = build_sorted(
            entries,
            "the remote listing",
            |e| &e.path,
            |e| e.meta.kind.is_dir(),
        )?;
        Ok(RemoteTree {
            entries,
            epoch,
            unlisted: Vec::new(),
        })
    }

    /// Marks directories whose contents could not be listed (a failed PROPFIND, a timeout):
    /// what lies below them is unknown, so a sync decides nothing there and never deletes them
    /// on the server. Each must be the share root or a listed directory.
    pub fn with_unlisted(mut self, dirs: Vec<ItemPath>) -> Result<Self, TreeError> {
        for dir in &dirs {
            let listed_dir = self.get(dir).is_some_and(|e| e.meta.kind.is_dir());
            if !dir.is_root() && !listed_dir {
                return Err(TreeError::UnlistedNotADirectory { path: dir.clone() });
            }
        }
        self.unlisted = dirs;
        crate::sort::sort_dedup(&mut self.unlisted);
        Ok(self)
    }

    /// The directory whose listing failed that `path` is or lies below, if any.
    pub fn unlisted_ancestor(&self, path: &ItemPath) -> Option<&ItemPath> {
        if self.unlisted.is_empty() {
            return None;
        }
        // The nearest candidate sorts at or before `path`; an ancestor further up sorts before
        // it too, so check the few that precede `path`.
        let end = self.unlisted.partition_point(|u| u <= path);
        self.unlisted[..end]
            .iter()
            .rev()
            .find(|u| path.is_self_or_descendant_of(u))
    }

    /// True if some directory's listing failed.
    pub fn has_unlisted(&self) -> bool {
        !self.unlisted.is_empty()
    }

    /// All entries in path order.
    pub fn entries(&self) -> &[RemoteEntry] {
        &self.entries
    }

    /// The server epoch this listing came from.
    pub fn epoch(&self) -> Option<&Epoch> {
        self.epoch.as_ref()
    }

    /// The entry at `path`.
    pub fn get(&self, path: &ItemPath) -> Option<&RemoteEntry> {
        self.entries
            .binary_search_by(|e| cmp_paths(e.path.as_str(), path.as_str()))
            .ok()
            .map(|i| &self.entries[i])
    }

    /// `path` and its descendants, in path order.
    pub fn subtree(&self, path: &ItemPath) -> &[RemoteEntry] {
        let (a, b) = subtree_range(&self.entries, path.as_str(), |e| e.path.as_str());
        &self.entries[a..b]
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if nothing was listed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Takes the entries back.
    pub fn into_entries(self) -> Vec<RemoteEntry> {
        self.entries
    }
}

/// How a share compares names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CaseRule {
    /// `A.txt` and `a.txt` are two items.
    #[default]
    Sensitive,
    /// `A.txt` and `a.txt` (and names equal after Unicode NFC normalization) are one item.
    Insensitive,
}

/// Why a share is offline (Windows' OFFLINEFILES_OFFLINE_REASON, minus "unknown").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum OfflineCause {
    /// The user chose Work Offline; stays until asked to go online.
    Forced,
    /// The link was judged slow; stays until asked to go online.
    Slow,
    /// The share could not be reached; goes online by itself when a probe succeeds.
    Error,
    /// An unresolved sync conflict keeps it offline.
    Conflict,
    /// Suspended: never synced automatically.
    Suspended,
}

impl OfflineCause {
    /// The Windows reason code.
    pub fn reason(self) -> OfflineReason {
        match self {
            OfflineCause::Forced => OfflineReason::ConnectionForced,
            OfflineCause::Slow => OfflineReason::ConnectionSlow,
            OfflineCause::Error => OfflineReason::ConnectionError,
            OfflineCause::Conflict => OfflineReason::ItemVersionConflict,
            OfflineCause::Suspended => OfflineReason::ItemSuspended,
        }
    }
}

/// Connectivity of a share (Offline Files' *scope*: every item of a share is online or offline
/// together).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Connectivity {
    /// Reachable.
    #[default]
    Online,
    /// Offline, with the reason.
    Offline(OfflineCause),
}

/// A share: a remote root URL and its case rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Share {
    /// The root URL, with a trailing slash (`https://host/dav/team/`).
    pub url: String,
    /// How the share compares names.
    pub case: CaseRule,
}

/// What the cache knows of one share besides its items.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ShareState {
    /// The share.
    pub share: Share,
    /// Online, or offline and why.
    pub connectivity: Connectivity,
    /// The server epoch the cache's original snapshots come from.
    pub epoch: Option<Epoch>,
}

/// Why a URL could not be mapped to a share and path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    /// No share's root URL is a prefix of the URL.
    #[error(
        "{url:?} is not inside any share of this cache: add the share first, or use a URL below one of its root URLs"
    )]
    NotInAnyShare {
        /// The URL.
        url: String,
    },
    /// A share URL was malformed.
    #[error("share URL {url:?} must be an absolute http(s) URL ending in \"/\"")]
    BadShareUrl {
        /// The URL.
        url: String,
    },
    /// The part after the share root was not a valid path.
    #[error(transparent)]
    Path(#[from] crate::path::PathError),
}

impl Share {
    /// A share at `url` (which must be an absolute http(s) URL ending in `/`).
    pub fn new(url: &str, case: CaseRule) -> Result<Self, ShareError> {
        let ok = (url.starts_with("https://") || url.starts_with("http://")) && url.ends_with('/');
        if !ok {
            return Err(ShareError::BadShareUrl { url: url.into() });
        }
        Ok(Share {
            url: url.into(),
            case,
        })
    }
}

/// Maps a URL to the share that holds it (the longest matching root URL) and the item path
/// inside it. `shares` are the cache's shares.
pub fn resolve_url<'a>(
    shares: &'a [Share],
    url: &str,
) -> Result<(&'a Share, ItemPath), ShareError> {
    let share = shares
        .iter()
        .filter(|s| url.starts_with(&s.url) || url == s.url.trim_end_matches('/'))
        .max_by_key(|s| s.url.len())
        .ok_or_else(|| ShareError::NotInAnyShare { url: url.into() })?;
    let rest = url.get(share.url.len()..).unwrap_or("");
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    Ok((share, ItemPath::new(rest)?))
}
