//! The conflict store's records and how a plan changes them, and the KEEPLATEST rule.

use std::collections::HashSet;

use crate::model::{CacheEntry, ItemKind, Meta, Millis, Version};
use crate::path::ItemPath;
use crate::win::{ChangeDetails, ConflictResolve, SyncControlFlags, SyncState};

use super::{Outcome, PlannedItem, ShareView, SyncRequest};

/// Metadata of one copy in a conflict record (IOfflineFilesSyncErrorItemInfo).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CopyInfo {
    /// Kind.
    pub kind: ItemKind,
    /// Size in bytes.
    pub size: u64,
    /// Last change time.
    pub modified: Millis,
    /// Attribute bits.
    pub attributes: u32,
    /// Server version, for the remote and original copies.
    pub version: Option<Version>,
}

impl CopyInfo {
    /// The metadata of a server copy or an original.
    pub fn of_meta(m: &Meta) -> Self {
        CopyInfo {
            kind: m.kind,
            size: m.size,
            modified: m.modified,
            attributes: m.attributes,
            version: Some(m.version.clone()),
        }
    }
}

/// A conflict store record (our Sync Center's "Sync Conflicts").
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ConflictRecord {
    /// The item.
    pub path: ItemPath,
    /// When the conflict was (last) detected.
    pub detected: Millis,
    /// Its sync state.
    pub state: SyncState,
    /// What changed on each side.
    pub changes: ChangeDetails,
    /// The local copy, if any.
    pub local: Option<CopyInfo>,
    /// The server copy, if any.
    pub remote: Option<CopyInfo>,
    /// The original, if any.
    pub original: Option<CopyInfo>,
}

/// A change to the conflict store (with the SyncConflictRecAdded / Updated / Removed events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConflictChange {
    /// A new conflict.
    Added(ConflictRecord),
    /// A conflict seen again: its record is refreshed.
    Updated(ConflictRecord),
    /// A recorded conflict that is gone.
    Removed(ItemPath),
}

/// The conflict store changes of a plan: added or updated records for logged conflicts, and
/// removal of recorded conflicts under the synced paths that are gone.
pub(super) fn conflict_changes(
    view: &ShareView<'_>,
    req: &SyncRequest,
    items: &[PlannedItem],
    scopes: &[ItemPath],
) -> Vec<ConflictChange> {
    let recorded: HashSet<&ItemPath> = view.conflicts.iter().collect();
    let mut changes = Vec::new();
    let mut still: HashSet<&ItemPath> = HashSet::new();
    for item in items {
        match item.outcome {
            Outcome::Logged => {
                let c = view.cache.get(&item.path);
                let r = view.remote.get(&item.path);
                let record = ConflictRecord {
                    path: item.path.clone(),
                    detected: req.now,
                    state: item.class.state,
                    changes: item.class.changes,
                    local: c.filter(|c| c.exists_locally()).map(|c| {
                        let view = c.local_view();
                        CopyInfo {
                            kind: c.local.kind,
                            size: view.size,
                            modified: view.modified,
                            attributes: view.attributes,
                            version: None,
                        }
                    }),
                    remote: r.map(|r| CopyInfo::of_meta(&r.meta)),
                    original: c.and_then(|c| c.original.as_ref()).map(CopyInfo::of_meta),
                };
                still.insert(&item.path);
                changes.push(if recorded.contains(&item.path) {
                    ConflictChange::Updated(record)
                } else {
                    ConflictChange::Added(record)
                });
            }
            // Not decided now: the record (if any) stays.
            Outcome::Skipped
            | Outcome::Blocked(_)
            | Outcome::Rejected(_)
            | Outcome::Abort
            | Outcome::ListingFailed
            | Outcome::NotCached => {
                still.insert(&item.path);
            }
            _ => {}
        }
    }
    // A sync that goes in neither direction does not look at conflicts; after an abort, only
    // the items before it were examined: a record goes only if its item was carried out.
    let examined = req.control.syncs_in() || req.control.syncs_out();
    let aborted = items.last().is_some_and(|i| i.outcome == Outcome::Abort);
    if examined && aborted {
        let mut gone: Vec<&ItemPath> = items
            .iter()
            .filter(|i| matches!(i.outcome, Outcome::Sync | Outcome::Resolved(_)))
            .map(|i| &i.path)
            .filter(|p| recorded.contains(p))
            .collect();
        crate::sort::sort(&mut gone);
        changes.extend(gone.into_iter().map(|p| ConflictChange::Removed(p.clone())));
    } else if examined {
        // Nothing at or below a requested path that is not cached, or whose listing failed,
        // was looked at.
        let unexamined: Vec<&ItemPath> = items
            .iter()
            .filter(|i| matches!(i.outcome, Outcome::NotCached | Outcome::ListingFailed))
            .map(|i| &i.path)
            .collect();
        let skip_suspended = req
            .control
            .flags
            .contains(SyncControlFlags::SKIPSUSPENDEDDIRS);
        let suspended_roots: Vec<&ItemPath> = if skip_suspended {
            view.cache
                .entries()
                .iter()
                .filter(|e| e.suspended)
                .map(|e| &e.path)
                .collect()
        } else {
            Vec::new()
        };
        let mut gone: Vec<&ItemPath> = view
            .conflicts
            .iter()
            .filter(|p| scopes.iter().any(|s| p.is_self_or_descendant_of(s)))
            .filter(|p| {
                !suspended_roots
                    .iter()
                    .any(|s| p.is_self_or_descendant_of(s))
            })
            .filter(|p| view.remote.unlisted_ancestor(p).is_none())
            .filter(|p| !unexamined.iter().any(|u| p.is_self_or_descendant_of(u)))
            .filter(|p| !still.contains(p))
            .collect();
        crate::sort::sort_dedup(&mut gone);
        changes.extend(gone.into_iter().map(|p| ConflictChange::Removed(p.clone())));
    }
    changes
}

/// KEEPLATEST: the copy with the later last-change time wins. A local deletion counts at its
/// deletion time. The client never learns when the server deleted an item, so a server-side
/// deletion counts as older than any local change: "edited offline, deleted on the server"
/// restores the edited copy to the server, and no edit is lost. Equal times cannot be decided
/// and go to the conflict store.
pub(super) fn keep_latest(c: &CacheEntry, remote: Option<&Meta>) -> ConflictResolve {
    let Some(remote) = remote else {
        return ConflictResolve::KeepLocal;
    };
    match c.local_view().modified.cmp(&remote.modified) {
        std::cmp::Ordering::Greater => ConflictResolve::KeepLocal,
        std::cmp::Ordering::Less => ConflictResolve::KeepRemote,
        std::cmp::Ordering::Equal => ConflictResolve::Log,
    }
}
