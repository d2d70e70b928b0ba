//! The planner: from the three trees and a `Synchronize` request to an ordered plan.
//!
//! [`plan`] is a pure function. It walks the cache and the remote listing of the requested
//! subtrees together (one merge-join over two sorted slices: O(items), with work and memory only
//! for items that need something), classifies each item, decides what to do with it — copy a
//! one-sided change, fill a sparse file, record a converged state, resolve or log a conflict —
//! and then makes the whole plan consistent and safe:
//!
//! - a creation whose parent will not exist on that side is *blocked* (nothing is lost: the
//!   item keeps its changes and is tried again next time);
//! - a directory deletion whose side keeps any descendant is *blocked* (no recursive delete
//!   ever removes something the plan did not decide to remove);
//! - deletions run first, children before parents; everything else runs after, parents before
//!   children;
//! - a plan that would delete more than a configurable share of the cached items, or that sees
//!   an empty share where the originals had items, is refused unless the caller allows it.
//!
//! Direction: SYNCIN pulls one-sided server changes, SYNCOUT pushes one-sided local changes,
//! FILLSPARSE (implied by SYNCIN) downloads sparse files. Conflicts are detected when the sync
//! goes in at least one direction, and a resolution is carried out whatever the direction flags:
//! a CR_* policy or a handler's answer is an explicit decision about that item.
//!
//! Conflicts are resolved by the caller's per-path answers (a conflict handler's, gathered by
//! the executor), else by the CR_* policy of the request, else they go to the conflict store and
//! neither side is touched. Two directories never conflict: they merge, and the server's
//! directory metadata wins (WebDAV keeps little of it).

mod conflicts;
mod planner;
mod steps;

use std::collections::BTreeMap;

use crate::classify::Classification;
use crate::model::{CacheTree, Millis, RemoteTree, ShareState};
use crate::path::{ItemPath, PathError};
use crate::win::{ConflictResolve, SyncControl, SyncOperation, SyncState};

pub use conflicts::{ConflictChange, ConflictRecord, CopyInfo};
pub use planner::canonical_name;
pub use steps::{Action, Op, Precondition, Side};

use planner::Planner;

/// A conflict handler's answer for one path (IOfflineFilesSyncConflictHandler::ResolveConflict).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerAnswer {
    /// The resolution.
    pub resolution: ConflictResolve,
    /// For KEEPALLCHANGES: the bare file name of the extra copy; `None` for the default
    /// `name (conflict N).ext`.
    pub new_name: Option<String>,
}

impl HandlerAnswer {
    /// An answer without a new name.
    pub fn new(resolution: ConflictResolve) -> Self {
        HandlerAnswer {
            resolution,
            new_name: None,
        }
    }
}

/// The mass-deletion safety valve (rclone's `--max-delete`, Unison's `confirmbigdel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeleteGuard {
    /// A plan deleting more than this percentage of the share's cached items on either side is
    /// refused. Cached items are the share's entries in the cache other than ghosts (names
    /// only): full and sparse copies, and offline deletions not yet synced.
    pub max_percent: u8,
    /// Plans deleting fewer items than this are never refused by the percentage rule, so that
    /// deleting the one file of a one-file cache is not a "mass" deletion. The empty-listing
    /// rule has no such floor.
    pub min_deletes: usize,
    /// The caller confirmed this sync's deletions: no refusal.
    pub allow: bool,
}

impl Default for DeleteGuard {
    fn default() -> Self {
        DeleteGuard {
            max_percent: 50,
            min_deletes: 5,
            allow: false,
        }
    }
}

/// A `Synchronize` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRequest {
    /// Paths to sync: each with its subtree. The root syncs the whole share's cache.
    pub paths: Vec<ItemPath>,
    /// dwSyncControl: direction, sparse filling, pinning of new files, conflict policy.
    pub control: SyncControl,
    /// Conflict handler answers by path; they override the CR_* policy.
    pub answers: BTreeMap<ItemPath, HandlerAnswer>,
    /// The mass-deletion valve.
    pub guard: DeleteGuard,
    /// Treat every original as invalid (the cache's merge base is known to be lost): merge,
    /// never delete. Also implied by an epoch change of the server.
    pub force_merge: bool,
    /// The current time, stamped on conflict records.
    pub now: Millis,
    /// Items an app has open (an editor), each with its subtree. A BACKGROUND sync leaves
    /// them alone this time ([`BlockReason::InUse`]) instead of fighting over them; other
    /// syncs ignore this.
    pub in_use: Vec<ItemPath>,
}

impl SyncRequest {
    /// A request for `paths` with `control`, default guard and no handler answers.
    pub fn new(paths: Vec<ItemPath>, control: SyncControl, now: Millis) -> Self {
        SyncRequest {
            paths,
            control,
            answers: BTreeMap::new(),
            guard: DeleteGuard::default(),
            force_merge: false,
            now,
            in_use: Vec::new(),
        }
    }
}

/// Everything the planner reads about one share.
#[derive(Debug, Clone, Copy)]
pub struct ShareView<'a> {
    /// The share and its cache-side state (case rule, epoch).
    pub share: &'a ShareState,
    /// The cache's items of the share.
    pub cache: &'a CacheTree,
    /// The share's listing.
    pub remote: &'a RemoteTree,
    /// Paths that have a record in the conflict store.
    pub conflicts: &'a [ItemPath],
}

/// Why a resolution could not be applied to an item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolutionError {
    /// KEEPALLCHANGES in a state where it is not defined.
    #[error(
        "KEEPALLCHANGES is only valid where both copies exist and one is a file (states 1, 3, 4, 7, 8, 9, 10, 12, 13, 14, 22, 23, 26, 27); this item is in state {state} ({name}): answer KEEPLOCAL, KEEPREMOTE, KEEPLATEST, LOG or SKIP",
        state = u32::from(*.state), name = .state.name()
    )]
    KeepAllChangesNotAllowed {
        /// The item's state.
        state: SyncState,
    },
    /// The handler's new name was not a bare file name.
    #[error("the conflict handler's new name is invalid: {0}")]
    BadNewName(PathError),
    /// The handler's new name is taken.
    #[error(
        "the conflict handler's new name {name:?} already exists in that folder: choose a free name"
    )]
    NameTaken {
        /// The name.
        name: String,
    },
    /// The handler answered the NUMCODES sentinel.
    #[error(
        "OFFLINEFILES_SYNC_CONFLICT_RESOLVE_NUMCODES (8) is a sentinel, not a resolution: answer 0 to 7"
    )]
    Sentinel,
}

/// Why an item was not synced now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockReason {
    /// Its parent directory will not exist on that side (it is in conflict, or was not created).
    ParentMissing(Side),
    /// A directory to delete still holds items on that side that the plan keeps.
    NotEmpty(Side),
    /// A server directory to delete could not be listed: what it holds is unknown.
    NotListed,
    /// A BACKGROUND sync leaves an item the app has open for a later sync.
    InUse,
}

/// What the plan does with an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A one-sided change, a fill or a converged state: `ops` carry it out.
    Sync,
    /// A conflict resolved by a handler answer or the request's policy; `ops` carry it out.
    Resolved(ConflictResolve),
    /// A conflict recorded in the conflict store; neither side is touched.
    Logged,
    /// A conflict the handler chose to skip (no record).
    Skipped,
    /// The handler answered CONFLICT_ABORT: the sync stops before this item.
    Abort,
    /// Could not be done now; tried again on the next sync.
    Blocked(BlockReason),
    /// The handler's answer could not be applied.
    Rejected(ResolutionError),
    /// A requested path that is not in the cache.
    NotCached,
    /// The server's listing of this directory (or of one above it) failed: nothing below it
    /// was decided, and it is tried again on the next sync. Reported with
    /// OFFLINEFILES_SYNC_OPERATION_PREPARE.
    ListingFailed,
}

/// One item of a plan. Its result is reported with the operation of its first step, or with
/// OFFLINEFILES_SYNC_OPERATION_PREPARE when it has none (it was decided, or failed, while the
/// sync was being prepared: a listing failure, a logged conflict, a blocked item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedItem {
    /// The item.
    pub path: ItemPath,
    /// Its classification.
    pub class: Classification,
    /// What the plan does with it.
    pub outcome: Outcome,
    /// The steps, in order.
    pub ops: Vec<Op>,
}

impl PlannedItem {
    /// The OFFLINEFILES_SYNC_OPERATION to report for this item.
    pub fn operation(&self) -> SyncOperation {
        self.ops
            .first()
            .map_or(SyncOperation::Prepare, |o| o.operation)
    }
}

/// An ordered plan for one share.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Items in execution order.
    pub items: Vec<PlannedItem>,
    /// Changes to the conflict store.
    pub conflicts: Vec<ConflictChange>,
    /// The cache's originals were not a valid merge base (server epoch changed): this plan
    /// covers the whole share, merges, and deletes nothing.
    pub merge: bool,
    /// In a merge, the items whose original the plan's steps do not replace: their originals
    /// come from the old epoch and must be cleared (they become items with no original) before
    /// the executor records the listing's epoch as the cache's. A tombstone among them is
    /// removed: without an original it records the deletion of nothing (merges never propagate
    /// deletions). Empty outside merges.
    pub forget_originals: Vec<ItemPath>,
}

impl Plan {
    /// All steps in execution order.
    pub fn ops(&self) -> impl Iterator<Item = &Op> {
        self.items.iter().flat_map(|i| i.ops.iter())
    }

    /// True if the plan changes nothing on either side (it may still refresh conflict records).
    pub fn is_noop(&self) -> bool {
        self.ops().next().is_none()
            && self.forget_originals.is_empty()
            && self
                .conflicts
                .iter()
                .all(|c| matches!(c, ConflictChange::Updated(_)))
    }

    /// The item for `path`.
    pub fn item(&self, path: &ItemPath) -> Option<&PlannedItem> {
        self.items.iter().find(|i| &i.path == path)
    }
}

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Too many deletions.
    #[error(
        "this sync would delete {deletes} of the {cached} cached items on {side} ({percent}%, more than the {max_percent}% limit); nothing was changed. If these deletions are intended, sync again allowing deletions for this sync"
    )]
    MassDeletion {
        /// The side.
        side: Side,
        /// How many items would go.
        deletes: usize,
        /// How many items the cache holds for the share.
        cached: usize,
        /// deletes / cached, in percent.
        percent: usize,
        /// The limit.
        max_percent: u8,
    },
    /// The share listed nothing although the cache has synced items.
    #[error(
        "the server listed no items in the share although {cached} cached items were synced with it before; nothing was changed. If the share really was emptied, sync again allowing deletions for this sync"
    )]
    EmptyRemoteListing {
        /// Cached items with an original.
        cached: usize,
    },
}

/// Makes the plan for one share. See the module doc.
pub fn plan(view: &ShareView<'_>, req: &SyncRequest) -> Result<Plan, PlanError> {
    let mut planner = Planner::new(view, req);
    planner.walk();
    planner.fill_cleared_ghosts();
    planner.pin_link_targets();
    planner.finish()
}
