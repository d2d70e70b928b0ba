//! What a caller hands a long-running operation: a progress sink
//! (IOfflineFilesSyncProgress / IOfflineFilesSimpleProgress), a conflict handler
//! (IOfflineFilesSyncConflictHandler) and a cancellation token; and the error detail reported
//! per failed item (IOfflineFilesSyncErrorInfo).

#![allow(async_fn_in_trait)]

use std::cell::Cell;
use std::rc::Rc;

use crate::events::HResult;
use crate::path::ItemPath;
use crate::plan::{CopyInfo, HandlerAnswer};
use crate::win::{ChangeDetails, ConflictResolve, ItemChangeFlags, OpResponse, StateKnown};
use crate::win::{SyncOperation, SyncState};

/// Cancels an operation from outside (a JS `AbortSignal`, a Cancel button). The operation stops
/// between items and returns ERROR_CANCELLED; finished items stay done.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Rc<Cell<bool>>);

impl CancelToken {
    /// A token not cancelled yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the operation to stop.
    pub fn cancel(&self) {
        self.0.set(true);
    }

    /// True once cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.0.get()
    }

    /// True if `other` is a clone of this token (cancelling one cancels the other).
    pub fn same_as(&self, other: &CancelToken) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Which copies' metadata the engine tried to read, and which it got
/// (IOfflineFilesSyncErrorInfo::InfoEnumerated / InfoAvailable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CopyAvailability {
    /// The local copy.
    pub local: bool,
    /// The server copy.
    pub remote: bool,
    /// The original.
    pub original: bool,
}

/// Why an item failed (IOfflineFilesSyncErrorInfo).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncErrorInfo {
    /// What the engine was doing (GetSyncOperation).
    pub operation: SyncOperation,
    /// Which properties differ between the cached and the server copy (GetItemChangeFlags).
    pub item_changes: ItemChangeFlags,
    /// Copies whose metadata the engine tried to read (InfoEnumerated).
    pub enumerated: CopyAvailability,
    /// Copies whose metadata it got (InfoAvailable): the getters below.
    pub available: CopyAvailability,
    /// The cached copy (GetLocalInfo).
    pub local: Option<CopyInfo>,
    /// The server copy (GetRemoteInfo).
    pub remote: Option<CopyInfo>,
    /// The original (GetOriginalInfo).
    pub original: Option<CopyInfo>,
    /// What went wrong and what to do (GetDescription).
    pub description: String,
}

/// Progress of a sync, pin or unpin (IOfflineFilesSyncProgress). Every method has a default
/// that goes on, so a sink implements only what it shows.
pub trait SyncProgress {
    /// The operation starts; `true` aborts it (Begin's `pbAbort`).
    fn begin(&mut self) -> bool {
        false
    }
    /// Polled between items; `true` aborts (QueryAbort).
    fn query_abort(&mut self) -> bool {
        false
    }
    /// What the sync is about to do with an item (the operation its plan starts with), before
    /// its `item_begin`. Not a Windows callback: Windows reports the operation only for
    /// failures (IOfflineFilesSyncErrorInfo); apps that show per-item results want it always.
    fn item_operation(&mut self, _path: &ItemPath, _operation: SyncOperation) {}
    /// An item starts (SyncItemBegin).
    fn item_begin(&mut self, _path: &ItemPath) -> OpResponse {
        OpResponse::Continue
    }
    /// An item ended, successfully or not (SyncItemResult). RETRY redoes the item.
    fn item_result(
        &mut self,
        _path: &ItemPath,
        _result: HResult,
        _error: Option<&SyncErrorInfo>,
    ) -> OpResponse {
        OpResponse::Continue
    }
    /// The operation ended with its overall result (End).
    fn end(&mut self, _result: HResult) {}
}

/// No progress sink.
impl SyncProgress for () {}

/// A sink behind a reference, `&mut dyn SyncProgress` included: one instance of an operation
/// serves every kind of sink.
impl<P: SyncProgress + ?Sized> SyncProgress for &mut P {
    fn begin(&mut self) -> bool {
        (**self).begin()
    }
    fn query_abort(&mut self) -> bool {
        (**self).query_abort()
    }
    fn item_operation(&mut self, path: &ItemPath, operation: SyncOperation) {
        (**self).item_operation(path, operation);
    }
    fn item_begin(&mut self, path: &ItemPath) -> OpResponse {
        (**self).item_begin(path)
    }
    fn item_result(
        &mut self,
        path: &ItemPath,
        result: HResult,
        error: Option<&SyncErrorInfo>,
    ) -> OpResponse {
        (**self).item_result(path, result, error)
    }
    fn end(&mut self, result: HResult) {
        (**self).end(result);
    }
}

/// Progress of DeleteItems (IOfflineFilesSimpleProgress).
pub trait SimpleProgress {
    /// The operation starts; `true` aborts it.
    fn begin(&mut self) -> bool {
        false
    }
    /// Polled between items; `true` aborts.
    fn query_abort(&mut self) -> bool {
        false
    }
    /// An item starts.
    fn item_begin(&mut self, _path: &ItemPath) -> OpResponse {
        OpResponse::Continue
    }
    /// An item ended.
    fn item_result(&mut self, _path: &ItemPath, _result: HResult) -> OpResponse {
        OpResponse::Continue
    }
    /// The operation ended.
    fn end(&mut self, _result: HResult) {}
}

/// No progress sink.
impl SimpleProgress for () {}

/// A sink behind a reference, `&mut dyn SimpleProgress` included.
impl<P: SimpleProgress + ?Sized> SimpleProgress for &mut P {
    fn begin(&mut self) -> bool {
        (**self).begin()
    }
    fn query_abort(&mut self) -> bool {
        (**self).query_abort()
    }
    fn item_begin(&mut self, path: &ItemPath) -> OpResponse {
        (**self).item_begin(path)
    }
    fn item_result(&mut self, path: &ItemPath, result: HResult) -> OpResponse {
        (**self).item_result(path, result)
    }
    fn end(&mut self, result: HResult) {
        (**self).end(result);
    }
}

/// A conflict as the handler sees it (ResolveConflict's arguments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictInfo {
    /// The item.
    pub path: ItemPath,
    /// Which sides the state is based on.
    pub known: StateKnown,
    /// The sync state.
    pub state: SyncState,
    /// What changed on each side.
    pub changes: ChangeDetails,
    /// The cached copy, if any (GetLocalInfo of the conflict's error info).
    pub local: Option<CopyInfo>,
    /// The server copy, if any.
    pub remote: Option<CopyInfo>,
    /// The original (the copy both sides had at the last sync), if any.
    pub original: Option<CopyInfo>,
}

/// Resolves conflicts during a sync (IOfflineFilesSyncConflictHandler). Its answers override
/// the CR_* policy of dwSyncControl. Asynchronous, so an app can ask its user.
pub trait ConflictHandler {
    /// False for "no handler" (the `()` handler): the CR_* policy applies.
    fn is_present(&self) -> bool {
        true
    }
    /// The resolution for one conflict.
    async fn resolve(&mut self, conflict: &ConflictInfo) -> HandlerAnswer;
}

/// No conflict handler: conflicts are resolved by the CR_* policy, or logged.
impl ConflictHandler for () {
    fn is_present(&self) -> bool {
        false
    }

    async fn resolve(&mut self, _conflict: &ConflictInfo) -> HandlerAnswer {
        HandlerAnswer::new(ConflictResolve::Log)
    }
}
