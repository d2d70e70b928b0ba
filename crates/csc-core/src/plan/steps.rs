//! The steps of a plan: what each one does, and the step sequences that make one side match
//! the other for an item.

use crate::model::{CacheEntry, LocalChanges, Meta, Pins, Presence, Version};
use crate::path::ItemPath;
use crate::win::SyncOperation;

/// A side of the sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The cache.
    Local,
    /// The share.
    Remote,
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Side::Local => "the cache",
            Side::Remote => "the server",
        })
    }
}

/// A condition a server write must meet, checked by the server (If-Match / If-None-Match).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Precondition {
    /// The item must not exist (If-None-Match: *).
    MustNotExist,
    /// The item must still have this version (If-Match).
    Version(Version),
}

/// One concrete step of a plan. Every step that overwrites or deletes carries what it expects
/// to find, so the executor can refuse when the item changed after the listing.
///
/// Each step also updates the cache's record of the item in the same atomic write, as its doc
/// says; `csc_testkit::World::apply_action` is the reference model of these semantics, and the
/// property tests check plans against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Upload the local content of `path` to the server. The server's answer (its new version)
    /// becomes the item's original, and the local copy's offline changes are cleared.
    Upload {
        /// The item.
        path: ItemPath,
        /// What the server must hold before the write.
        precondition: Precondition,
    },
    /// Create the directory `path` on the server (MKCOL). The server's answer becomes the
    /// item's original, and the local directory's offline changes are cleared; a sparse
    /// directory becomes full (the new server directory holds nothing the cache lacks).
    MakeRemoteDir {
        /// The directory.
        path: ItemPath,
    },
    /// Send the local attributes and times of `path` to the server (its content is the one both
    /// sides already have). The server's answer becomes the item's original, and the offline
    /// changes are cleared.
    PushMeta {
        /// The item.
        path: ItemPath,
        /// The server version the change applies to.
        expected: Version,
    },
    /// Delete `path` on the server. For a directory, the plan deletes every descendant first.
    /// Then the cache forgets what it knew of the server copy: a tombstone (the offline
    /// deletion now synced) is removed; a live item that is being replaced by another kind
    /// loses its original (the next step creates the new one).
    DeleteRemote {
        /// The item.
        path: ItemPath,
        /// The version it must still have.
        expected: Version,
    },
    /// Rename `from` to `to` on the server (MOVE, no overwrite). The cache's item at `from`
    /// loses its original: the server copy it described is now at `to`.
    MoveRemote {
        /// The item.
        from: ItemPath,
        /// Its new path (must not exist).
        to: ItemPath,
        /// The version it must still have.
        expected: Version,
    },
    /// Download the server copy of a file into the cache; on success `meta` (with the
    /// downloaded version) becomes the original and the copy is full. It replaces whatever
    /// the cache holds at `path` (content, a ghost, a tombstone, or a directory the plan has
    /// emptied first) in one atomic write; an entry it replaces passes on its pins and
    /// suspension.
    Download {
        /// The item.
        path: ItemPath,
        /// The server copy as listed.
        meta: Meta,
        /// The version it must still have; `None` right after a server-side move.
        expected: Option<Version>,
    },
    /// Create the directory `path` in the cache, in sync with `meta`, replacing a file, ghost
    /// or tombstone at `path` in one atomic write (tombstones below it stay valid). An entry
    /// it replaces passes on its pins and suspension.
    MakeLocalDir {
        /// The directory.
        path: ItemPath,
        /// The server copy.
        meta: Meta,
    },
    /// Record `meta` as the item's original and its local metadata, clearing its offline
    /// changes: for a directory changed on the server, a converged item (same content both
    /// sides) or a ghost. A sparse directory becomes full; a ghost stays a ghost.
    AdoptRemote {
        /// The item.
        path: ItemPath,
        /// The server copy.
        meta: Meta,
    },
    /// Remove `path` from the cache (not from the server): a copy, a ghost, or a tombstone
    /// whose deletion both sides now agree on. For a directory, the plan removes every
    /// descendant first.
    DeleteLocal {
        /// The item.
        path: ItemPath,
    },
    /// Move the local copy of `from` (content, offline changes, pins) to `to`, which must not
    /// exist, as a copy created offline with no original; used to keep both versions of a
    /// conflict. `from` stays in the cache as a ghost with its pins and no original (unless
    /// offline deletions sit below it: then it keeps its original, the folder they were made
    /// in): the next step fills it from the server, so the path stays cached and pinned.
    MoveLocal {
        /// The item.
        from: ItemPath,
        /// Its new path.
        to: ItemPath,
    },
    /// Add pin sources (and their inherit bits) to a cached item.
    Pin {
        /// The item.
        path: ItemPath,
        /// The pins to add.
        pins: Pins,
    },
}

impl Action {
    /// The side this step writes to.
    pub fn side(&self) -> Side {
        match self {
            Action::Upload { .. }
            | Action::MakeRemoteDir { .. }
            | Action::PushMeta { .. }
            | Action::DeleteRemote { .. }
            | Action::MoveRemote { .. } => Side::Remote,
            Action::Download { .. }
            | Action::MakeLocalDir { .. }
            | Action::AdoptRemote { .. }
            | Action::DeleteLocal { .. }
            | Action::MoveLocal { .. }
            | Action::Pin { .. } => Side::Local,
        }
    }

    /// The path this step targets (the destination of a move).
    pub fn path(&self) -> &ItemPath {
        match self {
            Action::Upload { path, .. }
            | Action::MakeRemoteDir { path }
            | Action::PushMeta { path, .. }
            | Action::DeleteRemote { path, .. }
            | Action::Download { path, .. }
            | Action::MakeLocalDir { path, .. }
            | Action::AdoptRemote { path, .. }
            | Action::DeleteLocal { path }
            | Action::Pin { path, .. } => path,
            Action::MoveRemote { to, .. } | Action::MoveLocal { to, .. } => to,
        }
    }

    /// True for a step that puts something at its path (its destination, for a move), which
    /// needs the parent directory to exist on that side.
    pub fn is_creation(&self) -> bool {
        matches!(
            self,
            Action::Upload { .. }
                | Action::MakeRemoteDir { .. }
                | Action::MoveRemote { .. }
                | Action::Download { .. }
                | Action::MakeLocalDir { .. }
                | Action::MoveLocal { .. }
        )
    }

    /// True for a deletion, on either side.
    pub fn is_delete(&self) -> bool {
        matches!(
            self,
            Action::DeleteRemote { .. } | Action::DeleteLocal { .. }
        )
    }
}

/// A step and the Windows operation it reports as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    /// The OFFLINEFILES_SYNC_OPERATION for progress and error info.
    pub operation: SyncOperation,
    /// The step.
    pub action: Action,
}

pub(super) fn op(operation: SyncOperation, action: Action) -> Op {
    Op { operation, action }
}

/// Steps that make the server match the cache for `c`.
pub(super) fn push_ops(c: &CacheEntry, remote: Option<&Meta>) -> Vec<Op> {
    let path = &c.path;
    let mut ops = Vec::new();
    if c.local.is_deleted() {
        if let Some(r) = remote {
            ops.push(op(
                SyncOperation::DeleteServerCopy,
                Action::DeleteRemote {
                    path: path.clone(),
                    expected: r.version.clone(),
                },
            ));
        } else {
            // Deleted on both sides: only the tombstone is left.
            ops.push(op(
                SyncOperation::DeleteClientCopy,
                Action::DeleteLocal { path: path.clone() },
            ));
        }
        return ops;
    }
    let local_dir = c.kind().is_dir();
    match remote {
        None => ops.push(create_on_server(path, local_dir)),
        Some(r) if r.kind.same_shape(c.kind()) => ops.push(if local_dir || metadata_only(c, r) {
            op(
                SyncOperation::SyncToServer,
                Action::PushMeta {
                    path: path.clone(),
                    expected: r.version.clone(),
                },
            )
        } else {
            op(
                SyncOperation::SyncToServer,
                Action::Upload {
                    path: path.clone(),
                    precondition: Precondition::Version(r.version.clone()),
                },
            )
        }),
        Some(r) => {
            // Another kind on the server: remove it, then create ours.
            ops.push(op(
                SyncOperation::DeleteServerCopy,
                Action::DeleteRemote {
                    path: path.clone(),
                    expected: r.version.clone(),
                },
            ));
            ops.push(create_on_server(path, local_dir));
        }
    }
    ops
}

/// Creates the cache's item at `path` on the server, where nothing may exist yet: MKCOL for a
/// directory, an upload with If-None-Match: * for a file.
fn create_on_server(path: &ItemPath, dir: bool) -> Op {
    let action = if dir {
        Action::MakeRemoteDir { path: path.clone() }
    } else {
        Action::Upload {
            path: path.clone(),
            precondition: Precondition::MustNotExist,
        }
    };
    op(SyncOperation::CreateCopyOnServer, action)
}

/// True if only attributes or times of `c` changed offline and the server still has the
/// original: pushing metadata is enough, and the content stays the one both sides have.
fn metadata_only(c: &CacheEntry, remote: &Meta) -> bool {
    let content_changed = c
        .local
        .changes
        .intersects(LocalChanges::DATA | LocalChanges::CREATED);
    !content_changed
        && c.original
            .as_ref()
            .is_some_and(|o| o.version == remote.version && o.kind.same_shape(remote.kind))
}

/// Steps that make the cache match the server for `c`.
pub(super) fn pull_ops(c: &CacheEntry, remote: Option<&Meta>) -> Vec<Op> {
    let path = &c.path;
    let Some(r) = remote else {
        return vec![op(
            SyncOperation::DeleteClientCopy,
            Action::DeleteLocal { path: path.clone() },
        )];
    };
    let live = c.exists_locally();
    match c.local.presence {
        Presence::Ghost => {
            return vec![op(
                SyncOperation::SyncToClient,
                Action::AdoptRemote {
                    path: path.clone(),
                    meta: r.clone(),
                },
            )];
        }
        Presence::Deleted => return pull_ops_new(path, r),
        Presence::Full | Presence::Sparse => {}
    }
    debug_assert!(live, "tombstones and ghosts were handled above");
    // A kind change is one step: the cache replaces the item in one atomic batch (a
    // directory being replaced by a file has been emptied by earlier steps).
    let action = match (r.kind.is_dir(), c.kind().is_dir()) {
        (true, true) => Action::AdoptRemote {
            path: path.clone(),
            meta: r.clone(),
        },
        (true, false) => Action::MakeLocalDir {
            path: path.clone(),
            meta: r.clone(),
        },
        (false, _) => Action::Download {
            path: path.clone(),
            meta: r.clone(),
            expected: Some(r.version.clone()),
        },
    };
    vec![op(SyncOperation::SyncToClient, action)]
}

/// Steps that bring a server item into the cache where it has no live copy.
pub(super) fn pull_ops_new(path: &ItemPath, r: &Meta) -> Vec<Op> {
    vec![if r.kind.is_dir() {
        op(
            SyncOperation::CreateCopyOnClient,
            Action::MakeLocalDir {
                path: path.clone(),
                meta: r.clone(),
            },
        )
    } else {
        op(
            SyncOperation::CreateCopyOnClient,
            Action::Download {
                path: path.clone(),
                meta: r.clone(),
                expected: Some(r.version.clone()),
            },
        )
    }]
}
