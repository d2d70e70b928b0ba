//! Classification of one item into its `OFFLINEFILES_SYNC_STATE`.
//!
//! [`classify`] is a pure function of an item's three observations (original, local, remote)
//! plus two facts about its subtree. It answers the Windows state number, the change details
//! handed to a conflict handler, and a [`Disposition`]: what a sync should do about the item.
//!
//! The disposition follows one rule. Each side is *changed* when it differs from the original
//! (for the remote: its version differs, or it was deleted, or it exists with no original to
//! compare with). One changed side is copied to the other. When both sides changed, the item
//! *converged* if both ended the same way (both deleted, both directories, or two files with the
//! same content hash: timestamp-only differences are not conflicts); otherwise it is a conflict.
//! A sparse or ghost local copy has no content of its own and never conflicts (offline
//! attribute changes of a sparse copy are dropped when it is filled).
//!
//! How the 55 Windows states arise here (the vocabulary of spec §4.2):
//! - *OnServer* is a server copy that equals the original, or any server copy when there is
//!   no valid original; *ChangedOnServer* is a server copy whose version or kind differs.
//! - *OnClient* is a local copy with no recorded change; without an original (after a server
//!   epoch change) it yields the mismatch states 1, 2, 3 and 5.
//! - *Created* is a copy made offline; with an original present it *replaced* that item.
//! - *ReplacedAndDeleted* is an offline deletion of an item that had itself replaced the
//!   original.
//! - A directory counts as *changed on client* when its own attributes changed, or when it
//!   would be removed while a cached descendant holds unsynced changes; a server directory
//!   counts as *changed* when a local deletion would remove descendants the cache never saw or
//!   that changed on the server. That keeps a directory-level decision from destroying data.
//! - States 13 and 26 (changed on client, other kind on server with no original) arise only
//!   after a server epoch change; 18 likewise. The four *Renamed* states (40, 43, 45, 48) are
//!   reserved by Windows and never produced: a rename is a delete plus a create, as in Windows.

use crate::model::{ItemKind, LocalChanges, LocalItem, Meta, Presence};
use crate::win::{ChangeDetails, ItemChangeFlags, StateKnown, SyncState};

/// The observations of one item.
#[derive(Debug, Clone, Copy, Default)]
pub struct Observed<'a> {
    /// The original snapshot, if the item was ever synced.
    pub original: Option<&'a Meta>,
    /// The cached copy; `None` if the item is not in the cache.
    pub local: Option<&'a LocalItem>,
    /// The server copy; `None` if the listing does not have it.
    pub remote: Option<&'a Meta>,
    /// The original comes from another server epoch and is no valid merge base: merge, never
    /// delete.
    pub merge: bool,
    /// For a directory: a cached descendant holds unsynced local changes.
    pub local_subtree_dirty: bool,
    /// For a directory: the listing has a descendant the cache does not know, or one whose
    /// version differs from its original.
    pub remote_subtree_changed: bool,
}

/// What a sync should do about an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// Nothing: both sides agree.
    InSync,
    /// The local copy is sparse: download its content (FILLSPARSE).
    Fill,
    /// Only the local side changed: apply it to the server (SYNCOUT).
    Push,
    /// Only the server side changed: apply it to the cache (SYNCIN).
    Pull,
    /// Both sides changed to the same result: record it as the new original.
    Converged,
    /// Both sides changed differently.
    Conflict,
    /// Nothing can be done now (kept for callers matching on it; the classifier no longer
    /// produces it: a sparse copy with nothing behind it is dropped as converged).
    Hold,
}

/// The classification of one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification {
    /// The Windows sync state.
    pub state: SyncState,
    /// Which sides the classification is based on.
    pub known: StateKnown,
    /// What changed on each side since the original (OFFLINEFILES_CHANGES_*).
    pub changes: ChangeDetails,
    /// Which properties differ between the local and the server copy
    /// (OFFLINEFILES_SYNC_ITEM_CHANGE_*).
    pub item_changes: ItemChangeFlags,
    /// What to do.
    pub disposition: Disposition,
}

impl Classification {
    /// True if the classification is based on both sides.
    pub fn both_known(&self) -> bool {
        self.known == StateKnown::LOCAL_KNOWN | StateKnown::REMOTE_KNOWN
    }
}

/// The local side of an item, relative to its original.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum L {
    /// Not in the cache (or a tombstone from another epoch).
    Absent,
    /// Name only.
    Ghost(ItemKind),
    /// Present, no recorded change.
    Same(ItemKind),
    /// Present, content not (fully) cached, no recorded change.
    Sparse(ItemKind),
    /// Present and changed offline.
    Changed(ItemKind),
    /// Created offline (replacing the original if there is one).
    Created(ItemKind),
    /// Deleted offline; `replaced` if the deleted item had replaced the original.
    Deleted { replaced: bool },
}

/// The server side of an item, relative to its original.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum R {
    /// Not listed, no original.
    NoCopy,
    /// Not listed, had an original.
    Deleted,
    /// Listed and equal to the original, or listed with no original to compare with.
    On(ItemKind),
    /// Listed with another version or kind than the original.
    Changed(ItemKind),
}

fn local_class(obs: &Observed<'_>, base: Option<&Meta>) -> L {
    let Some(local) = obs.local else {
        return L::Absent;
    };
    match local.presence {
        Presence::Deleted => match base {
            Some(_) => L::Deleted {
                replaced: local.changes.contains(LocalChanges::CREATED),
            },
            // A deletion is only meaningful against a valid original.
            None => L::Absent,
        },
        Presence::Ghost => L::Ghost(local.kind),
        Presence::Full | Presence::Sparse => {
            let kind = local.kind;
            let replaced_kind = base.is_some_and(|b| !b.kind.same_shape(kind));
            if local.changes.contains(LocalChanges::CREATED) || replaced_kind {
                L::Created(kind)
            } else if local.presence == Presence::Sparse {
                // A sparse copy has no content of its own: an offline attribute or time change
                // cannot be carried without it, so it never makes the copy "changed" (it is
                // dropped when the copy is filled; WebDAV keeps no attributes anyway).
                L::Sparse(kind)
            } else if !local.changes.is_empty() {
                L::Changed(kind)
            } else {
                L::Same(kind)
            }
        }
    }
}

fn remote_class(obs: &Observed<'_>, base: Option<&Meta>) -> R {
    match (obs.remote, base) {
        (None, None) => R::NoCopy,
        (None, Some(_)) => R::Deleted,
        (Some(r), None) => R::On(r.kind),
        (Some(r), Some(b)) => {
            if r.kind.same_shape(b.kind) && r.version == b.version {
                R::On(r.kind)
            } else {
                R::Changed(r.kind)
            }
        }
    }
}

/// Classifies one item. Panics if the observations are impossible (an original with no cache
/// entry), which the trees' constructors rule out.
pub fn classify(obs: &Observed<'_>) -> Classification {
    assert!(
        obs.local.is_some() || obs.original.is_none(),
        "an original snapshot lives in a cache entry; an item without one cannot have it"
    );
    let base = if obs.merge { None } else { obs.original };
    let mut l = local_class(obs, base);
    let mut r = remote_class(obs, base);

    // A pull would remove this local directory: unsynced descendants make it "changed".
    if let L::Same(k) | L::Sparse(k) = l
        && k.is_dir()
        && obs.local_subtree_dirty
        && matches!(r, R::Deleted | R::Changed(ItemKind::File | ItemKind::Link))
    {
        l = L::Changed(k);
    }
    // A push would remove this server directory: descendants it has that the cache never
    // synced make it "changed".
    if let R::On(ItemKind::Directory) = r
        && obs.remote_subtree_changed
        && base.is_some()
        && matches!(
            l,
            L::Deleted { .. } | L::Created(ItemKind::File | ItemKind::Link)
        )
    {
        r = R::Changed(ItemKind::Directory);
    }

    let disposition = disposition_of(l, r, base.is_some(), obs);
    let state = match (disposition, l) {
        // Identical copies found on both sides with no original: they simply agree.
        (Disposition::Converged, L::Same(_)) => SyncState::Stable,
        _ => state_of(l, r, base.is_some()),
    };
    Classification {
        state,
        known: StateKnown::LOCAL_KNOWN | StateKnown::REMOTE_KNOWN,
        changes: change_details(obs, base),
        item_changes: item_changes(obs),
        disposition,
    }
}

fn is_dir(k: ItemKind) -> bool {
    k.is_dir()
}

/// The Windows state for a local and a remote class (see the module doc).
fn state_of(l: L, r: R, has_base: bool) -> SyncState {
    use SyncState as S;
    match l {
        L::Absent => match r {
            R::On(k) if is_dir(k) => S::NoClientCopyDirOnServer,
            R::On(_) => S::NoClientCopyFileOnServer,
            // Without a cache entry there is no original, so the server copy cannot be
            // "changed"; these arms keep the match total.
            R::Changed(k) if is_dir(k) => S::NoClientCopyDirChangedOnServer,
            R::Changed(_) => S::NoClientCopyFileChangedOnServer,
            R::NoCopy | R::Deleted => S::Stable,
        },
        L::Ghost(k) => match r {
            R::On(rk) if !has_base && is_dir(rk) => S::NoClientCopyDirOnServer,
            R::On(_) if !has_base => S::NoClientCopyFileOnServer,
            R::Changed(rk) if is_dir(rk) => S::NoClientCopyDirChangedOnServer,
            R::Changed(_) => S::NoClientCopyFileChangedOnServer,
            // The server deleted an item the cache only knew by name.
            R::Deleted if is_dir(k) => S::DirDeletedOnServer,
            R::Deleted => S::FileDeletedOnServer,
            R::On(_) | R::NoCopy => S::Stable,
        },
        L::Same(k) if is_dir(k) => match r {
            R::On(rk) if is_dir(rk) => S::Stable,
            R::On(_) => S::DirOnClientFileOnServer,
            R::Changed(rk) if is_dir(rk) => S::DirChangedOnServer,
            R::Changed(_) => S::DirOnClientFileChangedOnServer,
            R::Deleted => S::DirDeletedOnServer,
            R::NoCopy => S::DirOnClientNoServerCopy,
        },
        L::Same(_) => match r {
            R::On(rk) if is_dir(rk) => S::FileOnClientDirOnServer,
            // Two files and no original to tell which changed (after an epoch change).
            R::On(_) if !has_base => S::FileCreatedOnClientFileOnServer,
            R::On(_) => S::Stable,
            R::Changed(rk) if is_dir(rk) => S::FileOnClientDirOnServer,
            R::Changed(_) => S::FileChangedOnServer,
            R::Deleted => S::FileDeletedOnServer,
            R::NoCopy => S::FileOnClientNoServerCopy,
        },
        L::Sparse(k) if is_dir(k) => match r {
            R::On(rk) if is_dir(rk) => S::DirSparseOnClient,
            R::On(_) => S::DirOnClientFileOnServer,
            R::Changed(rk) if is_dir(rk) => S::DirChangedOnServer,
            R::Changed(_) => S::DirOnClientFileChangedOnServer,
            R::Deleted => S::DirDeletedOnServer,
            R::NoCopy => S::DirOnClientNoServerCopy,
        },
        L::Sparse(_) => match r {
            R::On(rk) if is_dir(rk) => S::FileSparseOnClientDirOnServer,
            R::On(_) => S::FileSparseOnClient,
            R::Changed(rk) if is_dir(rk) => S::FileSparseOnClientDirChangedOnServer,
            R::Changed(_) => S::FileSparseOnClientChangedOnServer,
            R::Deleted | R::NoCopy => S::FileSparseOnClientDeletedOnServer,
        },
        L::Changed(k) if is_dir(k) => match r {
            R::On(rk) if is_dir(rk) && has_base => S::DirChangedOnClient,
            R::On(rk) if is_dir(rk) => S::DirChangedOnClientChangedOnServer,
            R::On(_) => S::DirChangedOnClientFileOnServer,
            R::Changed(rk) if is_dir(rk) => S::DirChangedOnClientChangedOnServer,
            R::Changed(_) => S::DirChangedOnClientFileChangedOnServer,
            R::Deleted => S::DirChangedOnClientDeletedOnServer,
            R::NoCopy => S::DirChangedOnClient,
        },
        L::Changed(_) => match r {
            R::On(rk) if is_dir(rk) => S::FileChangedOnClientDirOnServer,
            R::On(_) if has_base => S::FileChangedOnClient,
            R::On(_) => S::FileChangedOnClientChangedOnServer,
            R::Changed(rk) if is_dir(rk) => S::FileChangedOnClientDirChangedOnServer,
            R::Changed(_) => S::FileChangedOnClientChangedOnServer,
            R::Deleted => S::FileChangedOnClientDeletedOnServer,
            R::NoCopy => S::FileChangedOnClient,
        },
        L::Created(k) if is_dir(k) => match r {
            R::NoCopy => S::DirCreatedOnClientNoServerCopy,
            R::On(rk) if is_dir(rk) => S::DirCreatedOnClientDirOnServer,
            R::On(_) => S::DirCreatedOnClientFileOnServer,
            R::Changed(rk) if is_dir(rk) => S::DirCreatedOnClientDirChangedOnServer,
            R::Changed(_) => S::DirCreatedOnClientFileChangedOnServer,
            R::Deleted => S::DirCreatedOnClientDeletedOnServer,
        },
        L::Created(_) => match r {
            R::NoCopy => S::FileCreatedOnClientNoServerCopy,
            R::On(rk) if is_dir(rk) => S::FileCreatedOnClientDirOnServer,
            R::On(_) => S::FileCreatedOnClientFileOnServer,
            R::Changed(rk) if is_dir(rk) => S::FileCreatedOnClientDirChangedOnServer,
            R::Changed(_) => S::FileCreatedOnClientFileChangedOnServer,
            R::Deleted => S::FileCreatedOnClientDeletedOnServer,
        },
        L::Deleted { replaced: false } => match r {
            R::On(rk) if is_dir(rk) => S::DeletedOnClientDirOnServer,
            R::On(_) => S::DeletedOnClientFileOnServer,
            R::Changed(rk) if is_dir(rk) => S::DeletedOnClientDirChangedOnServer,
            R::Changed(_) => S::DeletedOnClientFileChangedOnServer,
            R::Deleted | R::NoCopy => S::Stable,
        },
        L::Deleted { replaced: true } => match r {
            R::On(rk) if is_dir(rk) => S::FileReplacedAndDeletedOnClientDirOnServer,
            R::On(_) => S::FileReplacedAndDeletedOnClientFileOnServer,
            R::Changed(rk) if is_dir(rk) => S::FileReplacedAndDeletedOnClientDirChangedOnServer,
            R::Changed(_) => S::FileReplacedAndDeletedOnClientFileChangedOnServer,
            R::Deleted | R::NoCopy => S::Stable,
        },
    }
}

fn disposition_of(l: L, r: R, has_base: bool, obs: &Observed<'_>) -> Disposition {
    use Disposition as D;
    let local_changed = match l {
        L::Changed(_) | L::Created(_) | L::Deleted { .. } => true,
        // A copy with no valid original is unmerged local data.
        L::Same(_) => !has_base,
        L::Absent | L::Ghost(_) | L::Sparse(_) => false,
    };
    let remote_changed = match r {
        R::Changed(_) | R::Deleted => true,
        R::On(_) => !has_base,
        R::NoCopy => false,
    };
    match (local_changed, remote_changed) {
        (false, false) => match l {
            L::Sparse(_) if obs.remote.is_some() => D::Fill,
            // A directory needs no content: one the server lacks is created there.
            L::Sparse(k) if k.is_dir() => D::Push,
            // A sparse file with no original and no server copy holds nothing (no content, no
            // change): it leaves the cache, in a merge too, since dropping it loses nothing.
            L::Sparse(_) => D::Converged,
            // A name whose item the server does not have is a name of nothing.
            L::Ghost(_) if obs.remote.is_none() => D::Converged,
            // A tombstone from another epoch whose item the server does not have either: the
            // deletion needs no propagation, the tombstone can go.
            L::Absent if obs.local.is_some() => D::Converged,
            _ => D::InSync,
        },
        (true, false) => D::Push,
        (false, true) => match (l, r) {
            // A sparse copy without a valid original whose server copy is gone: nothing to
            // push, and a merge never deletes.
            (L::Sparse(_), R::NoCopy) => D::Hold,
            _ => D::Pull,
        },
        (true, true) => {
            let local_kind = match l {
                L::Same(k) | L::Changed(k) | L::Created(k) => Some(k),
                _ => None,
            };
            let remote_kind = match r {
                R::On(k) | R::Changed(k) => Some(k),
                R::Deleted | R::NoCopy => None,
            };
            let converged = match (local_kind, remote_kind) {
                (None, None) => true,
                (Some(lk), Some(rk)) if lk.is_dir() && rk.is_dir() => true,
                // Two links to the same target are the same link.
                (Some(ItemKind::Link), Some(ItemKind::Link)) => {
                    let local_target = obs.local.and_then(|x| x.view(obs.original).link_target);
                    let remote_target = obs.remote.and_then(|x| x.link_target.as_deref());
                    local_target.is_some() && local_target == remote_target
                }
                (Some(lk), Some(rk)) if !lk.is_dir() && !rk.is_dir() => {
                    let local_hash = obs.local.and_then(|x| x.view(obs.original).hash);
                    let remote_hash = obs.remote.and_then(|x| x.hash);
                    local_hash.is_some() && local_hash == remote_hash
                }
                _ => false,
            };
            if converged { D::Converged } else { D::Conflict }
        }
    }
}

fn change_details(obs: &Observed<'_>, base: Option<&Meta>) -> ChangeDetails {
    let mut d = ChangeDetails::empty();
    if let Some(local) = obs.local {
        let flags = local.changes;
        let live = matches!(local.presence, Presence::Full | Presence::Sparse);
        if let (Some(b), true) = (base, live) {
            let view = local.view(obs.original);
            if view.size != b.size {
                d |= ChangeDetails::LOCAL_SIZE;
            }
            if view.attributes != b.attributes {
                d |= ChangeDetails::LOCAL_ATTRIBUTES;
            }
            if view.modified != b.modified {
                d |= ChangeDetails::LOCAL_TIME;
            }
        }
        if flags.contains(LocalChanges::ATTRIBUTES) {
            d |= ChangeDetails::LOCAL_ATTRIBUTES;
        }
        if flags.intersects(LocalChanges::TIME | LocalChanges::DATA) || local.is_deleted() {
            d |= ChangeDetails::LOCAL_TIME;
        }
    }
    if let (Some(r), Some(b)) = (obs.remote, base) {
        if r.size != b.size {
            d |= ChangeDetails::REMOTE_SIZE;
        }
        if r.attributes != b.attributes {
            d |= ChangeDetails::REMOTE_ATTRIBUTES;
        }
        if r.modified != b.modified || r.version != b.version {
            d |= ChangeDetails::REMOTE_TIME;
        }
    } else if obs.remote.is_none() && base.is_some() {
        d |= ChangeDetails::REMOTE_TIME;
    }
    d
}

fn item_changes(obs: &Observed<'_>) -> ItemChangeFlags {
    let mut f = ItemChangeFlags::empty();
    if let (Some(local), Some(r)) = (obs.local, obs.remote)
        && matches!(local.presence, Presence::Full | Presence::Sparse)
    {
        let l = local.view(obs.original);
        if l.modified != r.modified {
            f |= ItemChangeFlags::WRITETIME | ItemChangeFlags::CHANGETIME;
        }
        if l.attributes != r.attributes {
            f |= ItemChangeFlags::ATTRIBUTES | ItemChangeFlags::CHANGETIME;
        }
        if !local.kind.is_dir() && l.size != r.size {
            f |= ItemChangeFlags::FILESIZE;
        }
    }
    f
}
