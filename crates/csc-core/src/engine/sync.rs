//! `Synchronize`: list, plan, ask the conflict handler, carry out the plan item by item with
//! progress, revalidate what changed meanwhile, and record the result.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use std::future::Future;

use crate::events::{Event, HResult, SyncId};
use crate::model::{
    CacheEntry, CacheTree, Connectivity, ContentHash, Epoch, LocalChanges, LocalItem, Meta,
    OfflineCause, Pins, Presence, RemoteEntry, RemoteTree,
};
use crate::path::ItemPath;
use crate::plan::{
    Action, BlockReason, ConflictChange, ConflictRecord, CopyInfo, HandlerAnswer, Outcome, Plan,
    PlannedItem, ShareView, SyncRequest, plan,
};
use crate::sort::CollectTree;
use crate::store::{
    Batch, BlobId, ChunkStream, CommitError, Expect, LocalError, LocalStore, Partial, RemoteError,
    RemoteStore, Rev, Runtime, StoredItem, Write, WriteInfo,
};
use crate::win::{ConflictPolicy, ConflictResolve, OpResponse, SyncControl, SyncControlFlags};
use crate::win::{ItemType, SyncOperation, SyncState};

use super::content::{ContentHasher, LocalBody};
use super::progress::{
    CancelToken, ConflictHandler, ConflictInfo, CopyAvailability, SyncErrorInfo, SyncProgress,
};
use super::{Engine, EngineError, has_below, remote_hresult, remove_subtree, subtree_of};

/// A `Synchronize` call's arguments besides the handler and the progress sink.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// The paths to sync, each with its subtree; the root syncs the whole share.
    pub paths: Vec<ItemPath>,
    /// dwSyncControl.
    pub control: SyncControl,
    /// Echoed in SyncBegin / SyncFileResult / SyncEnd.
    pub sync_id: SyncId,
    /// The user confirmed this sync's deletions (lifts the mass-deletion valve).
    pub allow_deletes: bool,
    /// Cancels the sync between items.
    pub cancel: CancelToken,
}

impl SyncOptions {
    /// Syncs `paths` with `control`.
    pub fn new(paths: Vec<ItemPath>, control: SyncControl) -> Self {
        SyncOptions {
            paths,
            control,
            sync_id: SyncId::default(),
            allow_deletes: false,
            cancel: CancelToken::new(),
        }
    }
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSummary {
    /// The overall result: S_OK, or the single file's result when one path naming a file was
    /// synced.
    pub result: HResult,
    /// Items reported through progress.
    pub items: usize,
    /// Items that failed.
    pub failed: usize,
    /// Conflicts left for the user (logged or skipped).
    pub conflicts: usize,
}

/// The result of one item.
#[derive(Debug, Clone)]
struct ItemResult {
    hr: HResult,
    info: Option<SyncErrorInfo>,
    transient: bool,
}

impl ItemResult {
    fn ok() -> Self {
        ItemResult {
            hr: HResult::S_OK,
            info: None,
            transient: false,
        }
    }
}

/// Why a step did not complete.
#[derive(Debug)]
enum StepError {
    /// The item is not as the plan saw it: re-list and re-plan it.
    Revalidate(String),
    /// It failed.
    Failed {
        hr: HResult,
        transient: bool,
        why: String,
    },
}

impl StepError {
    fn failed(hr: HResult, why: impl Into<String>) -> Self {
        StepError::Failed {
            hr,
            transient: false,
            why: why.into(),
        }
    }
}

/// A transfer failure: the server's or the cache's.
#[derive(Debug)]
enum Xfer {
    Remote(RemoteError),
    Local(LocalError),
}

impl From<RemoteError> for Xfer {
    fn from(e: RemoteError) -> Self {
        Xfer::Remote(e)
    }
}

impl From<LocalError> for Xfer {
    fn from(e: LocalError) -> Self {
        Xfer::Local(e)
    }
}

fn remote_step(e: &RemoteError) -> StepError {
    // A local read failing mid-upload means the cached content changed under the upload (the
    // user saved the file again): plan the item again from what is there now.
    if e.needs_revalidation() || matches!(e, RemoteError::Local(_)) {
        StepError::Revalidate(e.to_string())
    } else {
        StepError::Failed {
            hr: remote_hresult(e),
            transient: e.is_transient(),
            why: e.to_string(),
        }
    }
}

fn local_step(e: &LocalError) -> StepError {
    StepError::failed(local_step_hr(e), e.to_string())
}

fn xfer_step(e: Xfer) -> StepError {
    match e {
        Xfer::Remote(e) => remote_step(&e),
        Xfer::Local(e) => local_step(&e),
    }
}

fn commit_step(e: CommitError) -> StepError {
    match e {
        CommitError::Conflict(why) => StepError::Revalidate(why),
        CommitError::Store(e) => local_step(&e),
    }
}

/// What a step makes of the cache's item.
enum Fate {
    /// It becomes this (with this blob).
    Put(CacheEntry, Option<BlobId>),
    /// It leaves the cache.
    Remove,
    /// It stays as it is.
    Keep,
}

/// A fate for an item that exists; a missing item is left alone.
fn existing(f: impl Fn(&StoredItem) -> Fate) -> impl Fn(Option<&StoredItem>) -> Fate {
    move |s| s.map_or(Fate::Keep, &f)
}

/// Why a sync stopped early.
enum Stop {
    Cancelled,
    /// Too many transient failures in a row: the share is unreachable.
    Unreachable(HResult),
}

/// A buffered progress callback: an item's begin, or its result.
type Queued = (ItemPath, Option<(HResult, Option<SyncErrorInfo>)>);

/// A progress that passes on only the caller's wish to stop (QueryAbort).
struct AbortOnly<'p>(&'p mut dyn SyncProgress);

impl SyncProgress for AbortOnly<'_> {
    fn query_abort(&mut self) -> bool {
        self.0.query_abort()
    }
}

/// Progress callbacks, lock-step or (ASYNCPROGRESS) buffered.
struct Driver<'p> {
    // A trait object, not a type parameter: the executor is most of the engine's code, and a
    // type parameter would compile it once per progress type a program uses.
    sink: &'p mut dyn SyncProgress,
    buffered: bool,
    batch: usize,
    queue: Vec<Queued>,
    aborted: bool,
}

impl Driver<'_> {
    fn item_begin(&mut self, path: &ItemPath) -> OpResponse {
        if self.buffered {
            self.queue.push((path.clone(), None));
            return OpResponse::Continue;
        }
        self.sink.item_begin(path)
    }

    fn item_result(
        &mut self,
        path: &ItemPath,
        hr: HResult,
        info: Option<&SyncErrorInfo>,
    ) -> OpResponse {
        if self.buffered {
            self.queue.push((path.clone(), Some((hr, info.cloned()))));
            if self.queue.len() >= 2 * self.batch {
                self.flush();
            }
            return if self.aborted {
                OpResponse::Abort
            } else {
                OpResponse::Continue
            };
        }
        self.sink.item_result(path, hr, info)
    }

    /// Delivers buffered callbacks. An ABORT among them stops the sync before its next item;
    /// a RETRY cannot be honoured (the work has moved on) and counts as CONTINUE.
    fn flush(&mut self) {
        for (path, result) in std::mem::take(&mut self.queue) {
            let response = match result {
                None => self.sink.item_begin(&path),
                Some((hr, info)) => self.sink.item_result(&path, hr, info.as_ref()),
            };
            if response == OpResponse::Abort {
                self.aborted = true;
            }
        }
    }

    fn query_abort(&mut self) -> bool {
        self.aborted || self.sink.query_abort()
    }
}

impl<L: LocalStore, R: RemoteStore, T: Runtime> Engine<L, R, T> {
    /// IOfflineFilesCache::Synchronize: reconciles `opts.paths` (with their subtrees) with the
    /// server, as `opts.control` says, resolving conflicts by `handler` (if present), else by
    /// the CR_* policy, else logging them to the conflict store.
    ///
    /// Progress: `begin`, then for each item `item_begin` and `item_result`, with
    /// `query_abort` between items, then `end` with the overall result. With ASYNCPROGRESS the
    /// item callbacks are delivered in groups, behind the work.
    ///
    /// Returns the summary (its result is the single file's result when one path naming a
    /// file was given), or an error for the sync as a whole; [`EngineError::Cancelled`] when it
    /// was cancelled (items finished before stay synced).
    pub async fn synchronize<H: ConflictHandler, P: SyncProgress>(
        &self,
        opts: &SyncOptions,
        handler: &mut H,
        progress: &mut P,
    ) -> Result<SyncSummary, EngineError> {
        let Some(_busy) = self.enter() else {
            return Err(EngineError::Busy);
        };
        self.publish(vec![Event::SyncBegin {
            sync: opts.sync_id.clone(),
        }]);
        let mut driver = Driver {
            buffered: opts.control.flags.contains(SyncControlFlags::ASYNCPROGRESS),
            batch: self.config.progress_batch.max(1),
            sink: progress,
            queue: Vec::new(),
            aborted: false,
        };
        let result = if driver.sink.begin() {
            Err(EngineError::Cancelled)
        } else {
            match Run::new(self, opts).await {
                Ok(mut run) => run.sync(handler, &mut driver).await,
                Err(e) => Err(e),
            }
        };
        driver.flush();
        let hr = match &result {
            Ok(s) => s.result,
            Err(e) => e.hresult(),
        };
        driver.sink.end(hr);
        let mut record = self.share();
        let now = self.now();
        record.last_sync = Some(now);
        record.last_result = Some(hr);
        if hr == HResult::S_OK {
            record.last_success = Some(now);
        }
        let end = Event::SyncEnd {
            sync: opts.sync_id.clone(),
            result: hr,
        };
        if self.save_share(record, vec![end.clone()]).await.is_err() {
            // The health record could not be written; the sync's own changes are committed.
            self.publish(vec![end]);
        }
        result
    }
}

impl<L: LocalStore, R: RemoteStore, T: Runtime> Engine<L, R, T> {
    /// One background sync pass of this share, as the Offline Files service runs them:
    /// BackgroundSyncBegin, a Synchronize of the whole cache with
    /// [`schedule::pass_control`](crate::schedule::pass_control) (two-way, filling sparse
    /// files, pinning new ones, leaving suspended folders and open items alone; conflicts go to
    /// the conflict store), then BackgroundSyncEnd with the same flags.
    ///
    /// Returns `Ok(None)` without any event when the share does not take part
    /// ([`schedule::takes_part`](crate::schedule::takes_part)), and
    /// [`EngineError::Busy`] without any event while another sync or pin runs: the caller
    /// tries again when it ends.
    pub async fn background_sync<P: SyncProgress>(
        &self,
        settings: &crate::schedule::BackgroundSyncSettings,
        sync_id: SyncId,
        cancel: CancelToken,
        progress: &mut P,
    ) -> Result<Option<SyncSummary>, EngineError> {
        if !crate::schedule::takes_part(settings, self.share().state.connectivity) {
            return Ok(None);
        }
        if self.is_busy() {
            return Err(EngineError::Busy);
        }
        let control = crate::schedule::pass_control();
        self.publish(vec![Event::BackgroundSyncBegin { control }]);
        let mut opts = SyncOptions::new(vec![ItemPath::root()], control);
        opts.sync_id = sync_id;
        opts.cancel = cancel;
        let result = self.synchronize(&opts, &mut (), progress).await;
        let end = Event::BackgroundSyncEnd { control };
        // The end rides in a batch of its own so that it is logged like the begin.
        let record = self.share();
        if self.save_share(record, vec![end.clone()]).await.is_err() {
            self.publish(vec![end]);
        }
        result.map(Some)
    }

    /// What a sync of `paths` with `control` would do now, without doing it: lists the share
    /// (and stores the listing) and plans. For "preview" screens and for tests of convergence.
    pub async fn preview(
        &self,
        paths: &[ItemPath],
        control: SyncControl,
    ) -> Result<Plan, EngineError> {
        let Some(_busy) = self.enter() else {
            return Err(EngineError::Busy);
        };
        let mut run = Run::new(self, &SyncOptions::new(paths.to_vec(), control)).await?;
        run.refresh_listing().await?;
        run.plan(paths)
    }
}

/// One sync's working state: the cache and listing as last read or written by this sync.
pub(super) struct Run<'e, L, R, T> {
    engine: &'e Engine<L, R, T>,
    paths: Vec<ItemPath>,
    control: SyncControl,
    sync_id: SyncId,
    allow_deletes: bool,
    cancel: CancelToken,
    items: BTreeMap<ItemPath, StoredItem>,
    listing: BTreeMap<ItemPath, Meta>,
    unlisted: Vec<ItemPath>,
    listed_epoch: Option<Epoch>,
    conflicts: BTreeMap<ItemPath, ConflictRecord>,
    /// The conflict handler's answers, with the state and the cache revision each was given
    /// for.
    answers: BTreeMap<ItemPath, (SyncState, Option<Rev>, HandlerAnswer)>,
    /// Server moves detected in the plan: download target → cached item with the same content,
    /// which is moved instead of downloaded.
    moves: HashMap<ItemPath, ItemPath>,
    /// Pins to add with the creation being executed (its plan's next step, fused).
    fused_pins: Option<Pins>,
    /// Local deletions held back because their content moves to a download target.
    deferred_deletes: BTreeMap<ItemPath, Rev>,
    transient_streak: u32,
    /// Items whose steps failed in a merge: their old-epoch originals must go.
    failed: BTreeSet<ItemPath>,
    /// Set when a download found the cache full (so the caller may make room and retry).
    quota_hit: bool,
}

impl<'e, L: LocalStore, R: RemoteStore, T: Runtime> Run<'e, L, R, T> {
    pub(super) async fn new(
        engine: &'e Engine<L, R, T>,
        opts: &SyncOptions,
    ) -> Result<Self, EngineError> {
        engine.write_back_reads().await;
        let snapshot = engine.local.load().await?;
        let record = engine.share();
        Ok(Run {
            engine,
            paths: opts.paths.clone(),
            control: opts.control,
            sync_id: opts.sync_id.clone(),
            allow_deletes: opts.allow_deletes,
            cancel: opts.cancel.clone(),
            items: snapshot
                .items
                .into_iter()
                .map(|s| (s.entry.path.clone(), s))
                .collect_map(),
            listing: snapshot
                .listing
                .into_iter()
                .map(|e| (e.path, e.meta))
                .collect_map(),
            unlisted: Vec::new(),
            listed_epoch: record.listed_epoch,
            conflicts: snapshot
                .conflicts
                .into_iter()
                .map(|c| (c.path.clone(), c))
                .collect_map(),
            answers: BTreeMap::new(),
            moves: HashMap::new(),
            deferred_deletes: BTreeMap::new(),
            fused_pins: None,
            transient_streak: 0,
            failed: BTreeSet::new(),
            quota_hit: false,
        })
    }

    async fn sync<H: ConflictHandler>(
        &mut self,
        handler: &mut H,
        driver: &mut Driver<'_>,
    ) -> Result<SyncSummary, EngineError> {
        self.refresh_listing().await?;
        if self.control.syncs_out() {
            self.carry_renames().await?;
        }
        if handler.is_present() {
            // A handler overrides the CR_* policy.
            self.control.policy = ConflictPolicy::Default;
        }
        let mut plan = self.plan(&self.paths.clone())?;
        if handler.is_present() {
            let mut answers = BTreeMap::new();
            for item in plan.items.iter().filter(|i| i.outcome == Outcome::Logged) {
                if self.cancel.is_cancelled() || driver.query_abort() {
                    return Err(EngineError::Cancelled);
                }
                // The plan's conflict record holds what the handler shows of each copy.
                let record = plan.conflicts.iter().find_map(|c| match c {
                    ConflictChange::Added(r) | ConflictChange::Updated(r)
                        if r.path == item.path =>
                    {
                        Some(r)
                    }
                    _ => None,
                });
                let info = ConflictInfo {
                    path: item.path.clone(),
                    known: item.class.known,
                    state: item.class.state,
                    changes: item.class.changes,
                    local: record.and_then(|r| r.local.clone()),
                    remote: record.and_then(|r| r.remote.clone()),
                    original: record.and_then(|r| r.original.clone()),
                };
                let answer = handler.resolve(&info).await;
                let abort = answer.resolution == ConflictResolve::Abort;
                let rev = self.items.get(&item.path).map(|s| s.rev);
                answers.insert(item.path.clone(), (item.class.state, rev, answer));
                if abort {
                    break;
                }
            }
            if !answers.is_empty() {
                self.answers = answers;
                // The handler may have taken its time: see what is there now.
                self.reload().await?;
                plan = self.plan(&self.paths.clone())?;
            }
        }
        self.apply_conflicts(&plan.conflicts)
            .await
            .map_err(super::commit_to_engine)?;
        self.find_moves(&plan);
        let mut summary = SyncSummary {
            result: HResult::S_OK,
            items: 0,
            failed: 0,
            conflicts: 0,
        };
        let single_file = self.single_file();
        let mut single_result = None;
        let flow = self
            .execute(
                &plan,
                Some(driver),
                &mut summary,
                &single_file,
                &mut single_result,
            )
            .await;
        self.finish_deferred().await;
        if plan.merge {
            self.finish_merge(&plan.forget_originals).await?;
        } else {
            self.record_first_epoch().await?;
        }
        match flow {
            Ok(()) => {}
            Err(Stop::Cancelled) => return Err(EngineError::Cancelled),
            Err(Stop::Unreachable(hr)) => {
                self.go_offline().await;
                return Err(EngineError::Listing(RemoteError::Transient {
                    detail: format!(
                        "{} items in a row failed with network errors (0x{:08X}); the share was taken offline and reconnects when the server answers again",
                        self.engine.config.max_transient_streak, hr.0
                    ),
                    retry_after_ms: None,
                }));
            }
        }
        if let Some(hr) = single_result {
            summary.result = hr;
        }
        Ok(summary)
    }

    /// Fills sparse items (and pins link targets) of the run's paths: the second half of Pin
    /// with FILL / PINLINKTARGETS. It reports no item to `progress` (Pin's items are the paths
    /// it pinned), but asks it before each item whether to stop (QueryAbort).
    pub(super) async fn fill(
        &mut self,
        progress: &mut dyn SyncProgress,
    ) -> Result<(), EngineError> {
        self.refresh_listing().await?;
        let plan = self.plan(&self.paths.clone())?;
        self.apply_conflicts(&plan.conflicts)
            .await
            .map_err(super::commit_to_engine)?;
        let mut summary = SyncSummary {
            result: HResult::S_OK,
            items: 0,
            failed: 0,
            conflicts: 0,
        };
        // The fill reports no item of its own (the caller's items are the paths it pinned),
        // but the caller may stop it between items.
        let mut abort_only = AbortOnly(progress);
        let mut driver = Driver {
            sink: &mut abort_only,
            buffered: false,
            batch: 1,
            queue: Vec::new(),
            aborted: false,
        };
        let flow = self
            .execute(&plan, Some(&mut driver), &mut summary, &None, &mut None)
            .await;
        match flow {
            Ok(()) if summary.failed == 0 => Ok(()),
            Ok(()) => Err(EngineError::Listing(RemoteError::Transient {
                detail: format!("{} items could not be filled", summary.failed),
                retry_after_ms: None,
            })),
            Err(Stop::Cancelled) => Err(EngineError::Cancelled),
            Err(Stop::Unreachable(_)) => {
                self.go_offline().await;
                Err(EngineError::Listing(RemoteError::Transient {
                    detail: "the server stopped answering".into(),
                    retry_after_ms: None,
                }))
            }
        }
    }

    /// The path, when exactly one path naming a file was given.
    fn single_file(&self) -> Option<ItemPath> {
        let [path] = self.paths.as_slice() else {
            return None;
        };
        let is_file = match (self.items.get(path), self.listing.get(path)) {
            (Some(s), _) => !s.entry.kind().is_dir(),
            (None, Some(m)) => !m.kind.is_dir(),
            (None, None) => false,
        };
        is_file.then(|| path.clone())
    }

    // ----- listing and planning ----------------------------------------------------------------

    /// Lists the share (delta when the stored token allows) and stores the result. A listing
    /// failure takes the share offline (connection error).
    pub(super) async fn refresh_listing(&mut self) -> Result<(), EngineError> {
        let token = self.engine.share().token;
        let mut listing = self.list(token.as_deref()).await;
        if token.is_some() && matches!(listing, Err(RemoteError::TokenExpired)) {
            listing = self.list(None).await;
        }
        let mut listing = match listing {
            Ok(l) => l,
            Err(e) => {
                if e.is_transient() {
                    self.go_offline().await;
                }
                return Err(EngineError::Listing(e));
            }
        };
        if listing.delta {
            let mut merged = self.listing.clone();
            apply_delta(&mut merged, &listing);
            if RemoteTree::new(entries_of(&merged), None).is_err() {
                // A delta that does not fit what we have: start over with a full listing.
                listing = self.list(None).await.map_err(EngineError::Listing)?;
            }
        }
        let mut batch = Batch::new();
        if listing.delta {
            apply_delta(&mut self.listing, &listing);
            for path in &listing.removed {
                batch.push(Write::ListingRemove(path.clone()));
            }
            for e in &listing.entries {
                batch.push(Write::ListingPut(e.clone()));
            }
        } else {
            let tree = RemoteTree::new(listing.entries.clone(), listing.epoch.clone())
                .and_then(|t| t.with_unlisted(listing.unlisted.clone()))
                .map_err(|e| EngineError::BadListing(e.to_string()))?;
            drop(tree);
            self.listing = listing
                .entries
                .iter()
                .map(|e| (e.path.clone(), e.meta.clone()))
                .collect_map();
            self.unlisted = listing.unlisted.clone();
            batch.push(Write::ReplaceListing(listing.entries.clone()));
        }
        let mut record = self.engine.share();
        record.token = if listing.unlisted.is_empty() {
            listing.token.clone()
        } else {
            None
        };
        if !listing.delta || listing.epoch.is_some() {
            record.listed_epoch = listing.epoch.clone();
        }
        self.listed_epoch = record.listed_epoch.clone();
        let mut events = Vec::new();
        if let Connectivity::Offline(OfflineCause::Error) = record.state.connectivity {
            record.state.connectivity = Connectivity::Online;
            events.push(Event::ItemReconnected {
                item: self.engine.item_ref(&ItemPath::root()),
                item_type: ItemType::Share,
            });
        }
        batch.push(Write::PutShare(record.clone()));
        self.engine
            .commit(batch, events)
            .await
            .map_err(super::commit_to_engine)?;
        *self.engine.share.borrow_mut() = record;
        Ok(())
    }

    async fn list(&self, token: Option<&str>) -> Result<crate::store::Listing, RemoteError> {
        let remote = &self.engine.remote;
        self.retrying(move || async move { Ok(remote.list(token).await?) })
            .await
            .map_err(|e| match e {
                Xfer::Remote(e) => e,
                Xfer::Local(e) => RemoteError::Local(e.to_string()),
            })
    }

    /// Takes the share offline after a connection error.
    async fn go_offline(&self) {
        let mut record = self.engine.share();
        if record.state.connectivity != Connectivity::Online {
            return;
        }
        record.state.connectivity = Connectivity::Offline(OfflineCause::Error);
        let event = Event::ItemDisconnected {
            item: self.engine.item_ref(&ItemPath::root()),
            item_type: ItemType::Share,
        };
        if self
            .engine
            .save_share(record.clone(), vec![event.clone()])
            .await
            .is_err()
        {
            *self.engine.share.borrow_mut() = record;
            self.engine.publish(vec![event]);
        }
    }

    /// Reads the cache again (after the handler or a failed step).
    async fn reload(&mut self) -> Result<(), LocalError> {
        let snapshot = self.engine.local.load().await?;
        self.items = snapshot
            .items
            .into_iter()
            .map(|s| (s.entry.path.clone(), s))
            .collect_map();
        self.conflicts = snapshot
            .conflicts
            .into_iter()
            .map(|c| (c.path.clone(), c))
            .collect_map();
        Ok(())
    }

    fn plan(&self, paths: &[ItemPath]) -> Result<Plan, EngineError> {
        let cache = CacheTree::new(self.items.values().map(|s| s.entry.clone()).collect())
            .map_err(|e| EngineError::Corrupt(e.to_string()))?;
        let remote = RemoteTree::new(entries_of(&self.listing), self.listed_epoch.clone())
            .and_then(|t| t.with_unlisted(self.unlisted.clone()))
            .map_err(|e| EngineError::BadListing(e.to_string()))?;
        let share = self.engine.share().state;
        let conflicts: Vec<ItemPath> = self.conflicts.keys().cloned().collect();
        let view = ShareView {
            share: &share,
            cache: &cache,
            remote: &remote,
            conflicts: &conflicts,
        };
        let mut req = SyncRequest::new(paths.to_vec(), self.control, self.engine.now());
        req.guard = self.engine.config.guard;
        req.guard.allow |= self.allow_deletes;
        req.in_use = self.engine.in_use();
        if self.answers.is_empty() {
            return plan(&view, &req).map_err(EngineError::Refused);
        }
        // An answer holds for the conflict it was given for. If the item changed since (the
        // user or the server edited it while the handler thought, or during the sync), its
        // state or its cache revision differs and the answer no longer applies: the conflict
        // is logged instead of resolved blindly (a KEEPREMOTE must not overwrite an edit the
        // user made after answering).
        let unanswered = plan(&view, &req).map_err(EngineError::Refused)?;
        req.answers = unanswered
            .items
            .iter()
            .filter(|i| i.outcome == Outcome::Logged)
            .filter_map(|i| {
                let (state, rev, answer) = self.answers.get(&i.path)?;
                let now = self.items.get(&i.path).map(|s| s.rev);
                (*state == i.class.state && *rev == now).then(|| (i.path.clone(), answer.clone()))
            })
            .collect_map();
        if req.answers.is_empty() {
            return Ok(unanswered);
        }
        plan(&view, &req).map_err(EngineError::Refused)
    }

    async fn apply_conflicts(&mut self, changes: &[ConflictChange]) -> Result<(), CommitError> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut batch = Batch::new();
        let mut events = Vec::new();
        for change in changes {
            match change {
                ConflictChange::Added(r) | ConflictChange::Updated(r) => {
                    let item = self.engine.item_ref(&r.path);
                    events.push(if matches!(change, ConflictChange::Added(_)) {
                        Event::ConflictAdded {
                            item,
                            detected: r.detected,
                            state: r.state,
                        }
                    } else {
                        Event::ConflictUpdated {
                            item,
                            detected: r.detected,
                            state: r.state,
                        }
                    });
                    batch.push(Write::PutConflict(r.clone()));
                }
                ConflictChange::Removed(path) => {
                    if let Some(old) = self.conflicts.get(path) {
                        events.push(Event::ConflictRemoved {
                            item: self.engine.item_ref(path),
                            detected: old.detected,
                            state: old.state,
                        });
                    }
                    batch.push(Write::DeleteConflict(path.clone()));
                }
            }
        }
        self.engine.commit(batch, events).await?;
        for change in changes {
            match change {
                ConflictChange::Added(r) | ConflictChange::Updated(r) => {
                    self.conflicts.insert(r.path.clone(), r.clone());
                }
                ConflictChange::Removed(path) => {
                    self.conflicts.remove(path);
                }
            }
        }
        Ok(())
    }

    // ----- execution ---------------------------------------------------------------------------

    async fn execute(
        &mut self,
        plan: &Plan,
        mut driver: Option<&mut Driver<'_>>,
        summary: &mut SyncSummary,
        single_file: &Option<ItemPath>,
        single_result: &mut Option<HResult>,
    ) -> Result<(), Stop> {
        let seen = self.revisions(plan);
        let mut ctx = ItemCtx {
            seen: &seen,
            summary,
            single_file,
            single_result,
        };
        let mut i = 0;
        while i < plan.items.len() {
            let downloads = self.small_downloads(&plan.items[i..], &seen);
            let run = downloads.len();
            if run >= 2 {
                let done = self
                    .execute_group(&plan.items[i..i + run], &downloads, &mut driver, &mut ctx)
                    .await?;
                i += done;
                if done == run {
                    continue;
                }
            }
            // One by one: with its retries, revalidation, room-making and resumable download.
            self.run_item(&plan.items[i], &mut driver, &mut ctx, false, None)
                .await?;
            i += 1;
        }
        Ok(())
    }

    /// Carries out one planned item with its progress callbacks and retries, and counts it.
    /// `begun`: its item callbacks were already made (by a group); `done`: a group already
    /// carried it out, with this result.
    async fn run_item(
        &mut self,
        item: &PlannedItem,
        driver: &mut Option<&mut Driver<'_>>,
        ctx: &mut ItemCtx<'_>,
        begun: bool,
        mut done: Option<ItemResult>,
    ) -> Result<(), Stop> {
        if !begun {
            if self.cancel.is_cancelled() || driver.as_mut().is_some_and(|d| d.query_abort()) {
                return Err(Stop::Cancelled);
            }
            if item.outcome == Outcome::Abort {
                return Err(Stop::Cancelled);
            }
            if let Some(d) = driver.as_mut() {
                d.sink.item_operation(&item.path, item.operation());
            }
        }
        let mut retries = 0;
        let mut first = true;
        let mut result;
        loop {
            result = match done.take() {
                Some(r) => r,
                None => {
                    if !(begun && first)
                        && let Some(d) = driver.as_mut()
                        && d.item_begin(&item.path) == OpResponse::Abort
                    {
                        return Err(Stop::Cancelled);
                    }
                    if retries == 0 {
                        self.exec_item(item, 0, ctx.seen).await
                    } else {
                        self.revalidate(&item.path, 0).await
                    }
                }
            };
            first = false;
            if result.hr.is_ok() {
                self.transient_streak = 0;
            } else {
                self.failed.insert(item.path.clone());
                if result.transient {
                    self.transient_streak += 1;
                }
            }
            self.engine.publish(vec![Event::SyncFileResult {
                sync: self.sync_id.clone(),
                item: self.engine.item_ref(&item.path),
                result: result.hr,
            }]);
            let response = match driver.as_mut() {
                Some(d) => d.item_result(&item.path, result.hr, result.info.as_ref()),
                None => OpResponse::Continue,
            };
            match response {
                OpResponse::Retry if retries < self.engine.config.max_item_retries => {
                    retries += 1;
                }
                OpResponse::Abort => {
                    ctx.summary.items += 1;
                    return Err(Stop::Cancelled);
                }
                _ => break,
            }
        }
        ctx.summary.items += 1;
        if !result.hr.is_ok() {
            ctx.summary.failed += 1;
        } else if result.hr == HResult::S_FALSE {
            ctx.summary.conflicts += 1;
        }
        if ctx.single_file.as_ref() == Some(&item.path) {
            *ctx.single_result = Some(result.hr);
        }
        if self.transient_streak >= self.engine.config.max_transient_streak {
            return Err(Stop::Unreachable(result.hr));
        }
        Ok(())
    }

    /// The small downloads at the start of `items` that may go in groups (see
    /// [`Run::small_download`]): the whole run of them, so that one stream of reads spans
    /// every group and the network stays busy while each group is stored (with a stream per
    /// group, the reads drained at every group's end and nothing was fetched while it was
    /// stored: half the fetches' time was lost).
    fn small_downloads<'p>(
        &self,
        items: &'p [PlannedItem],
        seen: &HashMap<ItemPath, Option<Rev>>,
    ) -> Vec<SmallDownload<'p>> {
        if self.engine.config.group_files < 2 {
            return Vec::new();
        }
        items
            .iter()
            .map_while(|it| self.small_download(it, seen))
            .collect()
    }

    /// The download of a planned item, if it can go with a group: the item only downloads a
    /// file of one chunk at most (and maybe pins it), nothing of that file's content is
    /// cached (no content, no partial download, not the target of a detected move), and the
    /// cache has not changed it since the plan. Anything else goes one by one.
    fn small_download<'p>(
        &self,
        item: &'p PlannedItem,
        seen: &HashMap<ItemPath, Option<Rev>>,
    ) -> Option<SmallDownload<'p>> {
        if item.outcome != Outcome::Sync {
            return None;
        }
        let (download, pin) = match item.ops.as_slice() {
            [d] => (d, None),
            [d, p] => (d, Some(p)),
            _ => return None,
        };
        let Action::Download {
            path,
            meta,
            expected,
        } = &download.action
        else {
            return None;
        };
        let pins = match pin.map(|p| &p.action) {
            None => None,
            Some(Action::Pin { path: q, pins }) if q == path => Some(*pins),
            Some(_) => return None,
        };
        let chunk = self.engine.config.chunk_size.max(1) as u64;
        if *path != item.path
            || meta.kind != crate::model::ItemKind::File
            || meta.size > chunk
            || self.moves.contains_key(path)
        {
            return None;
        }
        let current = self.items.get(path);
        if current.is_some_and(|s| {
            s.blob.is_some()
                || s.partial.is_some()
                || s.moved_from.is_some()
                || s.entry.kind().is_dir()
                || s.entry.local.presence == Presence::Full
        }) {
            return None;
        }
        if seen
            .get(path)
            .is_some_and(|rev| *rev != current.map(|s| s.rev))
        {
            return None;
        }
        Some(SmallDownload {
            path,
            expected: expected.as_ref(),
            pins,
        })
    }

    /// Carries out a run of small downloads (`downloads`, one per item of `items`, from
    /// [`Run::small_downloads`]):
    /// fetched `parallel_downloads` at a time, each stored with its item in groups — one cache
    /// batch per group — and reported in plan order once its group is stored. Returns how
    /// many items it carried out; it stops early, before an item whose fetch failed (that
    /// item then goes one by one, with retries and all), and a group the cache refuses goes
    /// one by one too.
    async fn execute_group(
        &mut self,
        items: &[PlannedItem],
        downloads: &[SmallDownload<'_>],
        driver: &mut Option<&mut Driver<'_>>,
        ctx: &mut ItemCtx<'_>,
    ) -> Result<usize, Stop> {
        let engine = self.engine;
        let reads = downloads.iter().map(|d| {
            let (path, expected) = (d.path.clone(), d.expected.cloned());
            async move { read_whole(&engine.remote, &path, expected.as_ref()).await }
        });
        let mut ahead = Ahead::new(
            reads,
            engine.config.parallel_downloads,
            // Reads run ahead by up to a group while one is stored.
            engine.config.group_files.max(1) + engine.config.parallel_downloads,
        );
        let mut group: Vec<(usize, Meta, Vec<u8>)> = Vec::new();
        let mut bytes = 0;
        let mut next = 0;
        while next < items.len() {
            let item = &items[next];
            let Some(read) = ahead.next().await else {
                break;
            };
            let Ok((meta, content)) = read else {
                // This item goes one by one, after the ones before it are stored.
                break;
            };
            let mut stop =
                self.cancel.is_cancelled() || driver.as_mut().is_some_and(|d| d.query_abort());
            if !stop && let Some(d) = driver.as_mut() {
                d.sink.item_operation(&item.path, item.operation());
                stop = d.item_begin(&item.path) == OpResponse::Abort;
            }
            if stop {
                let group = std::mem::take(&mut group);
                self.store_group(items, downloads, group, driver, ctx, &mut ahead)
                    .await?;
                return Err(Stop::Cancelled);
            }
            bytes += content.len();
            group.push((next, meta, content));
            next += 1;
            if group.len() >= self.engine.config.group_files
                || bytes >= self.engine.config.group_bytes
            {
                let group = std::mem::take(&mut group);
                self.store_group(items, downloads, group, driver, ctx, &mut ahead)
                    .await?;
                bytes = 0;
            }
        }
        self.store_group(items, downloads, group, driver, ctx, &mut ahead)
            .await?;
        Ok(next)
    }

    /// Stores a group of fetched small files in one batch and reports each item; if the cache
    /// refuses the batch (full, or changed meanwhile), each item goes one by one instead.
    /// While the cache works, the next files keep arriving (into `ahead`).
    async fn store_group<F: Future<Output = SmallRead>, I: Iterator<Item = F>>(
        &mut self,
        items: &[PlannedItem],
        downloads: &[SmallDownload<'_>],
        group: Vec<(usize, Meta, Vec<u8>)>,
        driver: &mut Option<&mut Driver<'_>>,
        ctx: &mut ItemCtx<'_>,
        ahead: &mut Ahead<I>,
    ) -> Result<(), Stop> {
        if group.is_empty() {
            return Ok(());
        }
        let engine = self.engine;
        let blobs = match ahead
            .meanwhile(engine.local.reserve_blobs(group.len()))
            .await
        {
            Ok(b) if b.len() == group.len() => Some(b),
            _ => None,
        };
        let mut stored = Vec::new();
        if let Some(blobs) = &blobs {
            let mut batch = Batch::new();
            let mut events = Vec::new();
            for ((k, meta, content), blob) in group.iter().zip(blobs) {
                let d = &downloads[*k];
                let current = self.items.get(d.path);
                let item = self.engine.item_ref(d.path);
                let item_type = ItemType::File;
                if current.is_none() {
                    events.push(Event::ItemAddedToCache {
                        item: item.clone(),
                        item_type,
                    });
                }
                events.push(Event::ItemAvailableOffline { item, item_type });
                let (mut pins, suspended) =
                    current.map_or((Pins::NONE, false), |s| (s.entry.pins, s.entry.suspended));
                if let Some(f) = d.pins {
                    if !pins.is_pinned() && f.is_pinned() {
                        events.push(Event::ItemPinned {
                            item: self.engine.item_ref(d.path),
                            item_type,
                        });
                    }
                    pins.sources |= f.sources;
                    pins.inherit |= f.inherit;
                }
                let mut entry = CacheEntry::synced(d.path.clone(), meta.clone(), pins);
                entry.suspended = suspended;
                entry.used = self.engine.now();
                if !content.is_empty() {
                    batch.push(Write::PutChunk {
                        blob: *blob,
                        index: 0,
                        bytes: content.clone(),
                    });
                }
                batch.push(Write::PutItem {
                    entry: entry.clone(),
                    blob: Some(*blob),
                    moved_from: None,
                    expect: current.map_or(Expect::Absent, |s| Expect::Rev(s.rev)),
                });
                // The listing usually has this very copy already (the listing just made):
                // a write per file saved.
                if self.listing.get(d.path) != Some(meta) {
                    batch.push(Write::ListingPut(RemoteEntry {
                        path: d.path.clone(),
                        meta: meta.clone(),
                    }));
                }
                stored.push((d.path.clone(), entry, *blob, meta.clone()));
            }
            match ahead.meanwhile(engine.commit(batch, events)).await {
                Ok(revs) => {
                    for ((path, entry, blob, meta), rev) in stored.into_iter().zip(revs) {
                        self.listing.insert(path.clone(), meta);
                        self.items.insert(
                            path,
                            StoredItem {
                                entry,
                                rev,
                                blob: Some(blob),
                                moved_from: None,
                                partial: None,
                            },
                        );
                    }
                    // Every stored item is reported, even after an abort from one of the
                    // reports: what the sink was told is exactly what the cache holds. The
                    // sync stops after the group.
                    let mut stop = None;
                    for (k, ..) in &group {
                        let done = Some(ItemResult::ok());
                        if let Err(e) = self.run_item(&items[*k], driver, ctx, true, done).await {
                            stop.get_or_insert(e);
                        }
                    }
                    return stop.map_or(Ok(()), Err);
                }
                Err(_) => {
                    let mut drop = Batch::new();
                    for b in blobs {
                        drop.push(Write::DropBlob(*b));
                    }
                    let _ = self.engine.local.commit(drop).await;
                }
            }
        }
        for (k, ..) in &group {
            self.run_item(&items[*k], driver, ctx, true, None).await?;
        }
        Ok(())
    }

    /// The cache revisions a plan was made from, for the paths its steps touch.
    fn revisions(&self, plan: &Plan) -> HashMap<ItemPath, Option<Rev>> {
        let mut seen = HashMap::new();
        for op in plan.ops() {
            let paths = match &op.action {
                Action::MoveLocal { from, to } | Action::MoveRemote { from, to, .. } => {
                    vec![from, to]
                }
                other => vec![other.path()],
            };
            for p in paths {
                seen.entry(p.clone())
                    .or_insert_with(|| self.items.get(p).map(|s| s.rev));
            }
        }
        seen
    }

    /// Carries out one planned item; `depth` counts revalidations so far, `seen` holds the
    /// cache revisions the plan was made from.
    async fn exec_item(
        &mut self,
        item: &PlannedItem,
        depth: u32,
        seen: &HashMap<ItemPath, Option<Rev>>,
    ) -> ItemResult {
        // An item the cache changed since the plan was made (the user wrote to it, or another
        // step of this sync re-planned it) is planned again from what is there now: its steps
        // were decided for a state that is gone.
        let stale = item.ops.iter().any(|o| {
            let p = o.action.path();
            seen.get(p)
                .is_some_and(|rev| *rev != self.items.get(p).map(|s| s.rev))
        });
        if stale && matches!(item.outcome, Outcome::Sync | Outcome::Resolved(_)) {
            if depth < self.engine.config.max_revalidations {
                return Box::pin(self.revalidate(&item.path, depth + 1)).await;
            }
            return self.failure(
                item,
                item.operation(),
                HResult::RETRY,
                false,
                "it changed in the cache while it was synced, so it was left as it is for the next sync".into(),
            );
        }
        match &item.outcome {
            Outcome::Sync | Outcome::Resolved(_) => {
                let mut ops = item.ops.iter().peekable();
                while let Some(op) = ops.next() {
                    // A new item and its pins are one step: a crash between the two would
                    // leave a folder that never receives its new children.
                    self.fused_pins = None;
                    if matches!(
                        op.action,
                        Action::Download { .. } | Action::MakeLocalDir { .. }
                    ) && let Some(next) = ops.peek()
                        && let Action::Pin { path, pins } = &next.action
                        && path == op.action.path()
                    {
                        self.fused_pins = Some(*pins);
                        ops.next();
                    }
                    let result = self.exec_action(&op.action).await;
                    self.fused_pins = None;
                    match result {
                        Ok(()) => {}
                        Err(StepError::Revalidate(why)) => {
                            if depth < self.engine.config.max_revalidations {
                                return Box::pin(self.revalidate(&item.path, depth + 1)).await;
                            }
                            return self.failure(
                                item,
                                op.operation,
                                HResult::RETRY,
                                false,
                                format!(
                                    "{why}; it kept changing while it was synced, so it was left as it is for the next sync"
                                ),
                            );
                        }
                        Err(StepError::Failed { hr, transient, why }) => {
                            return self.failure(item, op.operation, hr, transient, why);
                        }
                    }
                }
                ItemResult::ok()
            }
            Outcome::Logged => ItemResult {
                hr: HResult::S_FALSE,
                info: Some(self.error_info(
                    item,
                    SyncOperation::Prepare,
                    "both copies changed: the conflict was recorded in the conflict store; resolve it there or sync with a conflict policy".into(),
                )),
                transient: false,
            },
            Outcome::Skipped => ItemResult {
                hr: HResult::S_FALSE,
                info: None,
                transient: false,
            },
            Outcome::Abort => ItemResult {
                hr: HResult::CANCELLED,
                info: None,
                transient: false,
            },
            Outcome::Blocked(reason) => {
                let (hr, why) = match reason {
                    BlockReason::ParentMissing(side) => (
                        HResult::PATH_NOT_FOUND,
                        format!("its folder does not exist in {side} yet; it is synced once the folder is"),
                    ),
                    BlockReason::NotEmpty(side) => (
                        HResult::DIR_NOT_EMPTY,
                        format!("the folder still holds items in {side} that this sync keeps, so it was not deleted"),
                    ),
                    BlockReason::NotListed => (
                        HResult::NET_ERROR,
                        "the server folder could not be listed, so it was not deleted".into(),
                    ),
                    BlockReason::InUse => (
                        HResult::SHARING_VIOLATION,
                        "it is open in the app, so the background sync left it for later; it is synced when it is closed or by the next sync".into(),
                    ),
                };
                self.failure(item, SyncOperation::Prepare, hr, false, why)
            }
            Outcome::Rejected(e) => self.failure(
                item,
                SyncOperation::Prepare,
                HResult::INVALID_ARG,
                false,
                e.to_string(),
            ),
            Outcome::NotCached => self.failure(
                item,
                SyncOperation::Prepare,
                HResult::FILE_NOT_FOUND,
                false,
                "not in the cache: pin it or open it online first".into(),
            ),
            Outcome::ListingFailed => self.failure(
                item,
                SyncOperation::Prepare,
                HResult::NET_ERROR,
                false,
                "the server could not list this folder; it is tried again on the next sync".into(),
            ),
        }
    }

    /// Re-lists, re-reads the cache and re-plans `path`, then carries out the new plan.
    async fn revalidate(&mut self, path: &ItemPath, depth: u32) -> ItemResult {
        let fail = |hr: HResult, why: String| ItemResult {
            hr,
            info: Some(SyncErrorInfo {
                operation: SyncOperation::Prepare,
                item_changes: Default::default(),
                enumerated: CopyAvailability::default(),
                available: CopyAvailability::default(),
                local: None,
                remote: None,
                original: None,
                description: why,
            }),
            transient: hr == HResult::NET_ERROR,
        };
        if let Err(e) = self.refresh_listing().await {
            return fail(e.hresult(), e.to_string());
        }
        if let Err(e) = self.reload().await {
            return fail(local_step_hr(&e), e.to_string());
        }
        let plan = match self.plan(std::slice::from_ref(path)) {
            Ok(p) => p,
            Err(e) => return fail(e.hresult(), e.to_string()),
        };
        if let Err(e) = self.apply_conflicts(&plan.conflicts).await {
            return fail(HResult::E_FAIL, e.to_string());
        }
        let mut result = ItemResult::ok();
        let seen = self.revisions(&plan);
        for item in &plan.items {
            if item.outcome == Outcome::Abort {
                break;
            }
            let r = Box::pin(self.exec_item(item, depth, &seen)).await;
            let worse = !r.hr.is_ok() || (r.hr != HResult::S_OK && result.hr == HResult::S_OK);
            if worse && result.hr.is_ok() {
                result = r;
            }
        }
        if plan.merge
            && let Err(e) = self.finish_merge(&plan.forget_originals).await
        {
            return fail(e.hresult(), e.to_string());
        }
        result
    }

    fn failure(
        &self,
        item: &PlannedItem,
        operation: SyncOperation,
        hr: HResult,
        transient: bool,
        why: String,
    ) -> ItemResult {
        ItemResult {
            hr,
            info: Some(self.error_info(item, operation, why)),
            transient,
        }
    }

    fn error_info(
        &self,
        item: &PlannedItem,
        operation: SyncOperation,
        description: String,
    ) -> SyncErrorInfo {
        let stored = self.items.get(&item.path);
        let remote = self.listing.get(&item.path);
        let original = stored.and_then(|s| s.entry.original.as_ref());
        let local = stored.filter(|s| s.entry.exists_locally()).map(|s| {
            let v = s.entry.local_view();
            CopyInfo {
                kind: s.entry.kind(),
                size: v.size,
                modified: v.modified,
                attributes: v.attributes,
                version: None,
            }
        });
        let unlisted = self
            .unlisted
            .iter()
            .any(|d| item.path.is_self_or_descendant_of(d));
        SyncErrorInfo {
            operation,
            item_changes: item.class.item_changes,
            enumerated: CopyAvailability {
                local: true,
                remote: !unlisted,
                original: stored.is_some(),
            },
            available: CopyAvailability {
                local: local.is_some(),
                remote: remote.is_some(),
                original: original.is_some(),
            },
            local,
            remote: remote.map(CopyInfo::of_meta),
            original: original.map(CopyInfo::of_meta),
            description,
        }
    }

    // ----- steps -------------------------------------------------------------------------------

    async fn exec_action(&mut self, action: &Action) -> Result<(), StepError> {
        match action {
            Action::Upload { path, precondition } => {
                let sent = self.live(path, false)?;
                let Some(blob) = sent.blob else {
                    return Err(StepError::failed(
                        HResult::E_FAIL,
                        "the cached file has no content to upload",
                    ));
                };
                let view = sent.entry.local_view();
                let info = WriteInfo {
                    size: view.size,
                    modified: view.modified,
                    attributes: view.attributes,
                };
                let hash = view.hash;
                let (remote, local, info) = (&self.engine.remote, &self.engine.local, &info);
                let mut meta = self
                    .retrying(move || async move {
                        let body = LocalBody {
                            local,
                            blob,
                            next: 0,
                        };
                        Ok(remote.write(path, precondition, info, body).await?)
                    })
                    .await
                    .map_err(xfer_step)?;
                if meta.hash.is_none() {
                    meta.hash = hash;
                }
                self.record_server_copy(path, &sent, meta).await
            }
            Action::MakeRemoteDir { path } => {
                let sent = self.live(path, true)?;
                let remote = &self.engine.remote;
                let meta = self
                    .retrying(move || async move { Ok(remote.make_dir(path).await?) })
                    .await
                    .map_err(xfer_step)?;
                self.record_server_copy(path, &sent, meta).await
            }
            Action::PushMeta { path, expected } => {
                let sent = self.live(path, !self.is_file(path))?;
                let view = sent.entry.local_view();
                let info = WriteInfo {
                    size: view.size,
                    modified: view.modified,
                    attributes: view.attributes,
                };
                let (remote, info) = (&self.engine.remote, &info);
                let mut meta = self
                    .retrying(
                        move || async move { Ok(remote.set_meta(path, expected, info).await?) },
                    )
                    .await
                    .map_err(xfer_step)?;
                if meta.hash.is_none() {
                    meta.hash = sent.entry.original.as_ref().and_then(|o| o.hash);
                }
                self.record_server_copy(path, &sent, meta).await
            }
            Action::DeleteRemote { path, expected } => {
                let remote = &self.engine.remote;
                match self
                    .retrying(move || async move { Ok(remote.delete(path, expected).await?) })
                    .await
                {
                    // Already gone: what the step wanted.
                    Ok(()) | Err(Xfer::Remote(RemoteError::NotFound(_))) => {}
                    Err(e) => return Err(xfer_step(e)),
                }
                remove_subtree(&mut self.listing, path);
                self.record(
                    path,
                    vec![Write::ListingRemove(path.clone())],
                    Vec::new(),
                    true,
                    &existing(|s| {
                        if s.entry.local.is_deleted() {
                            Fate::Remove
                        } else {
                            let mut e = s.entry.clone();
                            e.forget_original();
                            Fate::Put(e, s.blob)
                        }
                    }),
                )
                .await
            }
            Action::MoveRemote { from, to, expected } => {
                let remote = &self.engine.remote;
                let meta = self
                    .retrying(
                        move || async move { Ok(remote.move_item(from, to, expected).await?) },
                    )
                    .await
                    .map_err(xfer_step)?;
                remove_subtree(&mut self.listing, from);
                self.listing.insert(to.clone(), meta.clone());
                self.record(
                    from,
                    vec![
                        Write::ListingRemove(from.clone()),
                        Write::ListingPut(RemoteEntry {
                            path: to.clone(),
                            meta,
                        }),
                    ],
                    Vec::new(),
                    true,
                    &existing(|s| {
                        let mut e = s.entry.clone();
                        e.forget_original();
                        Fate::Put(e, s.blob)
                    }),
                )
                .await
            }
            Action::Download {
                path,
                meta,
                expected,
            } => {
                if let Some(source) = self.moves.get(path).cloned()
                    && self.move_instead(&source, path, meta).await
                {
                    return Ok(());
                }
                self.download(path, expected.as_ref()).await
            }
            Action::MakeLocalDir { path, meta } => {
                let existed = self
                    .items
                    .get(path)
                    .is_some_and(|s| s.entry.exists_locally());
                let events = if existed {
                    Vec::new()
                } else {
                    vec![Event::ItemAddedToCache {
                        item: self.engine.item_ref(path),
                        item_type: ItemType::Directory,
                    }]
                };
                let meta = meta.clone();
                let path2 = path.clone();
                let fused = self.fused_pins;
                let mut events = events;
                if fused.is_some_and(|p| p.is_pinned())
                    && !self
                        .items
                        .get(path)
                        .is_some_and(|s| s.entry.pins.is_pinned())
                {
                    events.push(Event::ItemPinned {
                        item: self.engine.item_ref(path),
                        item_type: ItemType::Directory,
                    });
                }
                self.record(path, Vec::new(), events, false, &move |s| {
                    let mut pins = s.map_or(Pins::NONE, |s| s.entry.pins);
                    if let Some(f) = fused {
                        pins.sources |= f.sources;
                        pins.inherit |= f.inherit;
                    }
                    let mut e = CacheEntry::synced(path2.clone(), meta.clone(), pins);
                    e.suspended = s.is_some_and(|s| s.entry.suspended);
                    e.used = s.map_or(crate::Millis(0), |s| s.entry.used);
                    Fate::Put(e, None)
                })
                .await
            }
            Action::AdoptRemote { path, meta } => {
                let meta = meta.clone();
                self.record(
                    path,
                    Vec::new(),
                    Vec::new(),
                    false,
                    &existing(move |s| {
                        let presence = match s.entry.local.presence {
                            Presence::Ghost => Presence::Ghost,
                            Presence::Sparse if !meta.kind.is_dir() => Presence::Sparse,
                            _ => Presence::Full,
                        };
                        let mut e = s.entry.clone();
                        e.local = LocalItem {
                            presence,
                            ..LocalItem::synced(&meta)
                        };
                        e.original = Some(meta.clone());
                        let blob = if presence == Presence::Full {
                            s.blob
                        } else {
                            None
                        };
                        Fate::Put(e, blob)
                    }),
                )
                .await
            }
            Action::DeleteLocal { path } => {
                if self.deferred_deletes.contains_key(path) {
                    return Ok(());
                }
                let Some(s) = self.items.get(path) else {
                    return Ok(());
                };
                let events = if s.entry.local.is_deleted() {
                    Vec::new()
                } else {
                    vec![Event::ItemDeletedFromCache {
                        item: self.engine.item_ref(path),
                        item_type: s.entry.kind().item_type(),
                    }]
                };
                self.record(path, Vec::new(), events, false, &existing(|_| Fate::Remove))
                    .await
            }
            Action::MoveLocal { from, to } => {
                let s = self.live(from, false)?;
                let mut moved = s.entry.clone();
                moved.path = to.clone();
                moved.forget_original();
                moved.local.changes = LocalChanges::CREATED | LocalChanges::DATA;
                let mut ghost = s.entry.clone();
                ghost.local.presence = Presence::Ghost;
                ghost.local.changes = LocalChanges::empty();
                if !has_below(&self.items, from) {
                    ghost.forget_original();
                }
                let expect_to = self.expect(to);
                let mut batch = Batch::new();
                batch.push(Write::PutItem {
                    entry: moved.clone(),
                    blob: s.blob,
                    moved_from: None,
                    expect: expect_to,
                });
                batch.push(Write::PutItem {
                    entry: ghost.clone(),
                    blob: None,
                    moved_from: None,
                    expect: Expect::Rev(s.rev),
                });
                // The path stays a name until the next step fills it from the server.
                let events = vec![
                    Event::ItemAddedToCache {
                        item: self.engine.item_ref(to),
                        item_type: ItemType::File,
                    },
                    Event::ItemNotAvailableOffline {
                        item: self.engine.item_ref(from),
                        item_type: ItemType::File,
                    },
                ];
                let revs = self
                    .engine
                    .commit(batch, events)
                    .await
                    .map_err(commit_step)?;
                self.items.insert(
                    to.clone(),
                    StoredItem {
                        entry: moved,
                        rev: revs[0],
                        blob: s.blob,
                        moved_from: None,
                        partial: None,
                    },
                );
                self.items.insert(
                    from.clone(),
                    StoredItem {
                        entry: ghost,
                        rev: revs[1],
                        blob: None,
                        moved_from: None,
                        partial: None,
                    },
                );
                Ok(())
            }
            Action::Pin { path, pins } => {
                let pins = *pins;
                let was_pinned = self
                    .items
                    .get(path)
                    .is_some_and(|s| s.entry.pins.is_pinned());
                let kind = self.items.get(path).map(|s| s.entry.kind());
                let events = match kind {
                    Some(k) if !was_pinned && pins.is_pinned() => vec![Event::ItemPinned {
                        item: self.engine.item_ref(path),
                        item_type: k.item_type(),
                    }],
                    _ => Vec::new(),
                };
                self.record(
                    path,
                    Vec::new(),
                    events,
                    false,
                    &existing(move |s| {
                        let mut e = s.entry.clone();
                        e.pins.sources |= pins.sources;
                        e.pins.inherit |= pins.inherit;
                        Fate::Put(e, s.blob)
                    }),
                )
                .await
            }
        }
    }

    fn is_file(&self, path: &ItemPath) -> bool {
        self.items
            .get(path)
            .is_some_and(|s| !s.entry.kind().is_dir())
    }

    /// The cached item at `path`, which must be a live file (or directory, with `dir`).
    fn live(&self, path: &ItemPath, dir: bool) -> Result<StoredItem, StepError> {
        match self.items.get(path) {
            Some(s) if s.entry.exists_locally() && s.entry.kind().is_dir() == dir => Ok(s.clone()),
            _ => Err(StepError::Revalidate(format!(
                "{path} is no longer in the cache as the plan saw it"
            ))),
        }
    }

    fn expect(&self, path: &ItemPath) -> Expect {
        self.items
            .get(path)
            .map_or(Expect::Absent, |s| Expect::Rev(s.rev))
    }

    /// Records a server write's result (`meta`, the server copy now) as the item's original.
    /// If the item still is what was sent, its offline changes are cleared; if the user
    /// changed it meanwhile, it keeps its own metadata and changes, now relative to the new
    /// server copy, and the item is re-planned.
    async fn record_server_copy(
        &mut self,
        path: &ItemPath,
        sent: &StoredItem,
        meta: Meta,
    ) -> Result<(), StepError> {
        self.listing.insert(path.clone(), meta.clone());
        let listing = vec![Write::ListingPut(RemoteEntry {
            path: path.clone(),
            meta: meta.clone(),
        })];
        let sent_local = sent.entry.local.clone();
        let sent_blob = sent.blob;
        self.record(
            path,
            listing,
            Vec::new(),
            true,
            &existing(move |s| {
                let mut e = s.entry.clone();
                if e.local == sent_local && s.blob == sent_blob {
                    e.local = LocalItem {
                        presence: Presence::Full,
                        ..LocalItem::synced(&meta)
                    };
                    e.original = Some(meta.clone());
                } else {
                    if e.original.is_some() || e.local.own.is_none() {
                        e.local.own_mut(e.original.as_ref());
                    }
                    e.original = Some(meta.clone());
                }
                Fate::Put(e, s.blob)
            }),
        )
        .await
    }

    /// Commits what a step makes of the item at `path` (`fate` applied to the item as this
    /// sync last saw it), with `extra` writes and `events`. If the item changed in the cache
    /// meanwhile: for a step that already changed the server (`server_done`), `fate` is
    /// applied to the item as it is now (the server change must be recorded), and the item is
    /// re-planned; otherwise nothing is written and the item is re-planned.
    async fn record(
        &mut self,
        path: &ItemPath,
        extra: Vec<Write>,
        events: Vec<Event>,
        server_done: bool,
        fate: &dyn Fn(Option<&StoredItem>) -> Fate,
    ) -> Result<(), StepError> {
        let current = self.items.get(path).cloned();
        match self
            .commit_fate(path, current.as_ref(), fate, extra.clone(), events)
            .await
        {
            Ok(()) => Ok(()),
            Err(CommitError::Conflict(why)) if server_done => {
                let fresh = self
                    .engine
                    .local
                    .item(path)
                    .await
                    .map_err(|e| local_step(&e))?;
                match fresh {
                    Some(f) => {
                        self.items.insert(path.clone(), f);
                    }
                    None => {
                        self.items.remove(path);
                    }
                }
                let fresh = self.items.get(path).cloned();
                self.commit_fate(path, fresh.as_ref(), fate, extra, Vec::new())
                    .await
                    .map_err(commit_step)?;
                Err(StepError::Revalidate(why))
            }
            Err(e) => Err(commit_step(e)),
        }
    }

    async fn commit_fate(
        &mut self,
        path: &ItemPath,
        current: Option<&StoredItem>,
        fate: &dyn Fn(Option<&StoredItem>) -> Fate,
        extra: Vec<Write>,
        events: Vec<Event>,
    ) -> Result<(), CommitError> {
        let fate = fate(current);
        let mut batch = Batch::new();
        match &fate {
            Fate::Put(entry, blob) => {
                batch.push(Write::PutItem {
                    entry: entry.clone(),
                    blob: *blob,
                    moved_from: None,
                    expect: current.map_or(Expect::Absent, |s| Expect::Rev(s.rev)),
                });
                // The old content and any partial download go, unless they become the content.
                for old in current.into_iter().flat_map(owned_blobs) {
                    if Some(old) != *blob {
                        batch.push(Write::DropBlob(old));
                    }
                }
            }
            Fate::Remove => {
                let s = current.expect("a removal has an item");
                batch.push(Write::DeleteItem {
                    path: path.clone(),
                    rev: s.rev,
                });
                for old in owned_blobs(s) {
                    batch.push(Write::DropBlob(old));
                }
            }
            Fate::Keep => {}
        }
        batch.writes.extend(extra);
        let revs = self.engine.commit(batch, events).await?;
        match fate {
            Fate::Put(entry, blob) => {
                self.items.insert(
                    path.clone(),
                    StoredItem {
                        entry,
                        rev: revs[0],
                        blob,
                        moved_from: None,
                        partial: None,
                    },
                );
            }
            Fate::Remove => {
                self.items.remove(path);
            }
            Fate::Keep => {}
        }
        Ok(())
    }

    /// Downloads the server copy of `path` into a new blob and makes it the cached copy. When
    /// the cache is full, the content of cached files nobody pinned or changed makes room (see
    /// `evict`) and the download is tried once more.
    async fn download(
        &mut self,
        path: &ItemPath,
        expected: Option<&crate::model::Version>,
    ) -> Result<(), StepError> {
        self.quota_hit = false;
        match self.download_once(path, expected).await {
            Err(e) if std::mem::take(&mut self.quota_hit) => {
                let needed = self.listing.get(path).map_or(0, |m| m.size).max(1);
                if self.evict(needed, path).await == 0 {
                    return Err(e);
                }
                self.download_once(path, expected).await
            }
            done => done,
        }
    }

    /// Makes room for `needed` bytes: the cached content of files that are neither pinned nor
    /// changed here goes (least recently used first, the larger first among equals), and they
    /// become sparse — the server still has them,
    /// and a later fill brings them back. Pinned or dirty files are never touched. Returns the
    /// bytes freed.
    async fn evict(&mut self, needed: u64, except: &ItemPath) -> u64 {
        let mut candidates: Vec<(crate::Millis, u64, ItemPath)> = self
            .items
            .values()
            .filter(|s| {
                let e = &s.entry;
                &e.path != except
                    && s.blob.is_some()
                    && s.partial.is_none()
                    && s.moved_from.is_none()
                    && !e.kind().is_dir()
                    && e.local.presence == Presence::Full
                    && !e.local.is_dirty()
                    && !e.pins.is_pinned()
                    && e.original.is_some()
            })
            .map(|s| {
                let size = s.entry.original.as_ref().map_or(0, |m| m.size);
                let used = self.engine.last_used(&s.entry.path, s.entry.used);
                (used, size, s.entry.path.clone())
            })
            .collect();
        crate::sort::sort_by(&mut candidates, |a, b| {
            a.0.cmp(&b.0)
                .then_with(|| b.1.cmp(&a.1))
                .then_with(|| a.2.cmp(&b.2))
        });
        let mut freed = 0;
        for (_, size, path) in candidates {
            if freed >= needed {
                break;
            }
            let Some(s) = self.items.get(&path).cloned() else {
                continue;
            };
            let (Some(blob), Some(original)) = (s.blob, s.entry.original.clone()) else {
                continue;
            };
            let mut entry = s.entry.clone();
            entry.local = crate::model::LocalItem::sparse(&original);
            let mut batch = Batch::new();
            batch.push(Write::PutItem {
                entry: entry.clone(),
                blob: None,
                moved_from: None,
                expect: Expect::Rev(s.rev),
            });
            batch.push(Write::DropBlob(blob));
            let events = vec![Event::ItemNotAvailableOffline {
                item: self.engine.item_ref(&path),
                item_type: ItemType::File,
            }];
            if let Ok(revs) = self.engine.commit(batch, events).await {
                self.items.insert(
                    path,
                    StoredItem {
                        entry,
                        rev: revs[0],
                        blob: None,
                        moved_from: None,
                        partial: None,
                    },
                );
                freed += size;
            }
        }
        freed
    }

    /// One download attempt.
    async fn download_once(
        &mut self,
        path: &ItemPath,
        expected: Option<&crate::model::Version>,
    ) -> Result<(), StepError> {
        let (remote, local) = (&self.engine.remote, &self.engine.local);
        let chunk_size = self.engine.config.chunk_size.max(1);
        let staging = RefCell::new(self.resume_point(path, expected).await);
        let checkpoint = self.engine.config.checkpoint_chunks.max(1);
        let fetched = self
            .retrying(|| {
                fetch(
                    remote, local, path, expected, &staging, chunk_size, checkpoint,
                )
            })
            .await;
        let (mut meta, blob, hash) = match fetched {
            Ok(done) => done,
            Err(e) => {
                let st = staging.into_inner();
                // Keep a checkpointed part for the next attempt, unless the server copy moved
                // on (then the part is of a version that is gone).
                let stale = matches!(&e, Xfer::Remote(r) if r.needs_revalidation());
                if let Some(blob) = st.blob {
                    if st.checkpointed && !stale {
                        // Stays referenced by the item's partial download, for a retry.
                        if let (Some(s), Some(version)) = (self.items.get_mut(path), expected) {
                            s.partial = Some(Partial {
                                blob,
                                version: version.clone(),
                                bytes: st.checkpoint_bytes,
                            });
                        }
                    } else {
                        self.release(path, blob).await;
                    }
                }
                if matches!(e, Xfer::Local(LocalError::QuotaExceeded)) {
                    self.quota_hit = true;
                    // Say which item and how much room it needs; the sync goes on with the
                    // other items (metadata-only changes still apply).
                    let size = self.listing.get(path).map_or(0, |m| m.size);
                    return Err(StepError::failed(
                        HResult::DISK_FULL,
                        format!(
                            "the cache is full: {path} needs {size} bytes ({}.{} MB) that this site may not store; unpin items or remove cached items that are not pinned, or allow the site more storage",
                            // Tenths of a MB in integers: float formatting costs ~10 KB of wasm.
                            tenths_of_mb(size) / 10,
                            tenths_of_mb(size) % 10
                        ),
                    ));
                }
                return Err(xfer_step(e));
            }
        };
        meta.hash = Some(hash);
        let current = self.items.get(path);
        let item = self.engine.item_ref(path);
        let item_type = ItemType::File;
        let events = match current {
            // New content for a file the cache held in full.
            Some(s) if s.entry.local.presence == Presence::Full && !s.entry.kind().is_dir() => {
                vec![Event::ItemModified {
                    item,
                    item_type,
                    data: true,
                    attributes: false,
                }]
            }
            // A sparse copy, a name or a tombstone becomes usable offline.
            Some(_) => vec![Event::ItemAvailableOffline { item, item_type }],
            None => vec![
                Event::ItemAddedToCache {
                    item: item.clone(),
                    item_type,
                },
                Event::ItemAvailableOffline { item, item_type },
            ],
        };
        self.listing.insert(path.clone(), meta.clone());
        let listing = vec![Write::ListingPut(RemoteEntry {
            path: path.clone(),
            meta: meta.clone(),
        })];
        let (mut pins, suspended): (Pins, bool) =
            current.map_or((Pins::NONE, false), |s| (s.entry.pins, s.entry.suspended));
        let mut events = events;
        if let Some(f) = self.fused_pins {
            if !pins.is_pinned() && f.is_pinned() {
                events.push(Event::ItemPinned {
                    item: self.engine.item_ref(path),
                    item_type: ItemType::File,
                });
            }
            pins.sources |= f.sources;
            pins.inherit |= f.inherit;
        }
        let mut entry = CacheEntry::synced(path.clone(), meta, pins);
        entry.suspended = suspended;
        entry.used = self.engine.now();
        let result = if let Some(s) = self.items.get(path).cloned() {
            self.commit_fate(
                path,
                Some(&s),
                &|_: Option<&StoredItem>| Fate::Put(entry.clone(), Some(blob)),
                listing,
                events,
            )
            .await
        } else {
            let mut batch = Batch::new();
            batch.push(Write::PutItem {
                entry: entry.clone(),
                blob: Some(blob),
                moved_from: None,
                expect: Expect::Absent,
            });
            batch.writes.extend(listing);
            match self.engine.commit(batch, events).await {
                Ok(revs) => {
                    self.items.insert(
                        path.clone(),
                        StoredItem {
                            entry,
                            rev: revs[0],
                            blob: Some(blob),
                            moved_from: None,
                            partial: None,
                        },
                    );
                    Ok(())
                }
                Err(e) => Err(e),
            }
        };
        if let Err(e) = result {
            self.release(path, blob).await;
            return Err(commit_step(e));
        }
        Ok(())
    }

    /// Where a download of `path` starts: the staged part of an interrupted download of the
    /// same server version (its chunks hashed again), else nothing. A part of another version
    /// is dropped.
    async fn resume_point(
        &mut self,
        path: &ItemPath,
        expected: Option<&crate::model::Version>,
    ) -> Staging {
        let rev = self.items.get(path).map(|s| s.rev);
        let mut fresh = Staging {
            blob: None,
            bytes: 0,
            index: 0,
            hasher: ContentHasher::new(),
            rev,
            checkpointed: false,
            checkpoint_bytes: 0,
        };
        let Some(part) = self.items.get(path).and_then(|s| s.partial.clone()) else {
            return fresh;
        };
        let chunk_size = self.engine.config.chunk_size.max(1) as u64;
        if expected != Some(&part.version) || part.bytes % chunk_size != 0 {
            self.release(path, part.blob).await;
            fresh.rev = self.items.get(path).map(|s| s.rev);
            return fresh;
        }
        // Hash what is staged: the content's hash covers the whole file.
        let chunks = u32::try_from(part.bytes / chunk_size).unwrap_or(u32::MAX);
        let mut hasher = ContentHasher::new();
        for i in 0..chunks {
            match self.engine.local.chunk(part.blob, i).await {
                Ok(Some(c)) if c.len() as u64 == chunk_size => hasher.update(&c),
                _ => {
                    self.release(path, part.blob).await;
                    return fresh;
                }
            }
        }
        Staging {
            blob: Some(part.blob),
            bytes: part.bytes,
            index: chunks,
            hasher,
            rev,
            checkpointed: true,
            checkpoint_bytes: part.bytes,
        }
    }

    /// Drops a download's staged blob, and the item's record of it if a checkpoint made one:
    /// read from the store, since the item may have changed meanwhile.
    async fn release(&mut self, path: &ItemPath, blob: BlobId) {
        let mut batch = Batch::new();
        match self.engine.local.item(path).await {
            Ok(Some(s)) if s.blob == Some(blob) => return,
            Ok(Some(s)) if s.partial.as_ref().is_some_and(|p| p.blob == blob) => {
                batch.push(Write::SetPartial {
                    path: path.clone(),
                    rev: s.rev,
                    partial: None,
                });
            }
            Ok(_) => {}
            // Unreadable: leave it to the clean-up when the cache next opens.
            Err(_) => return,
        }
        batch.push(Write::DropBlob(blob));
        if self.engine.local.commit(batch).await.is_ok()
            && let Some(s) = self.items.get_mut(path)
            && s.partial.as_ref().is_some_and(|p| p.blob == blob)
        {
            s.partial = None;
        }
    }

    // ----- server moves seen as delete + create --------------------------------------------------

    /// Pairs the plan's local deletions of clean cached files with downloads of new server
    /// files with the same content: the server moved the file, so the cache moves it too
    /// instead of downloading it again.
    fn find_moves(&mut self, plan: &Plan) {
        self.moves.clear();
        self.deferred_deletes.clear();
        // A sorted vector, searched: a set of references would be a B-tree instance of its own.
        let mut deleted_dirs: Vec<&ItemPath> = plan
            .ops()
            .filter_map(|op| match &op.action {
                Action::DeleteLocal { path }
                    if self
                        .items
                        .get(path)
                        .is_some_and(|s| s.entry.kind().is_dir()) =>
                {
                    Some(path)
                }
                _ => None,
            })
            .collect();
        crate::sort::sort(&mut deleted_dirs);
        let mut sources: HashMap<ContentHash, Vec<ItemPath>> = HashMap::new();
        for op in plan.ops() {
            if let Action::DeleteLocal { path } = &op.action
                && let Some(s) = self.items.get(path)
                && s.blob.is_some()
                && s.entry.local.presence == Presence::Full
                && s.entry.local.changes.is_empty()
                && !s.entry.kind().is_dir()
                && path
                    .parent()
                    .is_none_or(|p| deleted_dirs.binary_search_by(|d| (*d).cmp(&p)).is_err())
                && let Some(hash) = s.entry.local_view().hash
            {
                sources.entry(hash).or_default().push(path.clone());
            }
        }
        if sources.is_empty() {
            return;
        }
        for op in plan.ops() {
            if let Action::Download { path, meta, .. } = &op.action
                && !self.items.contains_key(path)
                && let Some(hash) = meta.hash
                && let Some(list) = sources.get_mut(&hash)
                && let Some(source) = list.pop()
            {
                let rev = self.items.get(&source).map_or(0, |s| s.rev);
                self.deferred_deletes.insert(source.clone(), rev);
                self.moves.insert(path.clone(), source);
            }
        }
    }

    /// Moves the cached file `source` to `target` as the server copy `meta`; false if it cannot
    /// (the source changed), and the caller downloads instead.
    async fn move_instead(&mut self, source: &ItemPath, target: &ItemPath, meta: &Meta) -> bool {
        self.moves.remove(target);
        let Some(s) = self.items.get(source).cloned() else {
            return false;
        };
        // The source must still be the item the plan saw: not edited since.
        if self.deferred_deletes.get(source) != Some(&s.rev)
            || s.entry.local_view().hash != meta.hash
            || !s.entry.local.changes.is_empty()
            || self.items.contains_key(target)
        {
            return false;
        }
        let mut entry = CacheEntry::synced(target.clone(), meta.clone(), s.entry.pins);
        entry.suspended = false;
        entry.used = s.entry.used;
        let mut batch = Batch::new();
        batch.push(Write::PutItem {
            entry: entry.clone(),
            blob: s.blob,
            moved_from: None,
            expect: Expect::Absent,
        });
        batch.push(Write::DeleteItem {
            path: source.clone(),
            rev: s.rev,
        });
        batch.push(Write::ListingPut(RemoteEntry {
            path: target.clone(),
            meta: meta.clone(),
        }));
        let events = vec![
            Event::ItemDeletedFromCache {
                item: self.engine.item_ref(source),
                item_type: ItemType::File,
            },
            Event::ItemAddedToCache {
                item: self.engine.item_ref(target),
                item_type: ItemType::File,
            },
            Event::ItemAvailableOffline {
                item: self.engine.item_ref(target),
                item_type: ItemType::File,
            },
        ];
        match self.engine.commit(batch, events).await {
            Ok(revs) => {
                self.items.remove(source);
                self.deferred_deletes.remove(source);
                self.items.insert(
                    target.clone(),
                    StoredItem {
                        entry,
                        rev: revs[0],
                        blob: s.blob,
                        moved_from: None,
                        partial: None,
                    },
                );
                true
            }
            Err(_) => false,
        }
    }

    /// Carries out the local deletions held back for moves that did not happen.
    async fn finish_deferred(&mut self) {
        let pending = std::mem::take(&mut self.deferred_deletes);
        self.moves.clear();
        for (path, rev) in pending {
            // Only the item the plan saw: one the user edited since is left for the next sync
            // to decide (its server copy is gone: that is a conflict, not a deletion).
            if self.items.get(&path).map(|s| s.rev) != Some(rev) {
                continue;
            }
            // A failure leaves the item for the next sync, which plans its deletion again.
            let _ = self
                .exec_action(&Action::DeleteLocal { path: path.clone() })
                .await;
        }
    }

    // ----- renames made through the cache API ---------------------------------------------------

    /// Turns each rename recorded by the cache API into one server MOVE (with the version the
    /// item had), before planning; a rename the server cannot take as a move (the item changed
    /// there, the destination exists) falls back to deletion + creation, which the planner
    /// decides with the usual conflict rules.
    async fn carry_renames(&mut self) -> Result<(), EngineError> {
        let renamed: Vec<(ItemPath, ItemPath)> = self
            .items
            .values()
            .filter_map(|s| {
                s.moved_from
                    .clone()
                    .map(|from| (from, s.entry.path.clone()))
            })
            .filter(|(from, to)| {
                self.paths
                    .iter()
                    .any(|p| to.is_self_or_descendant_of(p) && from.is_self_or_descendant_of(p))
            })
            .collect();
        let mut moved_roots: Vec<(ItemPath, ItemPath)> = Vec::new();
        for (from, to) in renamed {
            if moved_roots
                .iter()
                .any(|(f, t)| from.is_descendant_of(f) && to.is_descendant_of(t))
            {
                continue; // moved with its directory
            }
            if self.cancel.is_cancelled() {
                return Err(EngineError::Cancelled);
            }
            if self.try_move(&from, &to).await? {
                moved_roots.push((from, to));
            }
        }
        Ok(())
    }

    async fn try_move(&mut self, from: &ItemPath, to: &ItemPath) -> Result<bool, EngineError> {
        let tomb = self.items.get(from).cloned();
        let original = tomb
            .as_ref()
            .filter(|t| t.entry.local.is_deleted())
            .and_then(|t| t.entry.original.clone());
        let old_subtree: Vec<StoredItem> = subtree_of(&self.items, from)
            .map(|(_, s)| s.clone())
            .collect();
        let movable = original.as_ref().is_some_and(|o| {
            self.listing
                .get(from)
                .is_some_and(|r| r.version == o.version)
                && !self.listing.contains_key(to)
                && to.parent().is_some_and(|p| {
                    p.is_root() || self.listing.get(&p).is_some_and(|m| m.kind.is_dir())
                })
        }) && old_subtree
            .iter()
            .all(|s| s.entry.local.is_deleted() || s.entry.local.presence == Presence::Ghost);
        let moved = if movable {
            let expected = original.as_ref().expect("checked above").version.clone();
            let remote = &self.engine.remote;
            let expected = &expected;
            self.retrying(move || async move { Ok(remote.move_item(from, to, expected).await?) })
                .await
                .ok()
        } else {
            None
        };
        let mut batch = Batch::new();
        let mut puts: Vec<(CacheEntry, Option<BlobId>)> = Vec::new();
        let new_subtree: Vec<StoredItem> = subtree_of(&self.items, to)
            .map(|(_, s)| s.clone())
            .collect();
        let ok = moved.is_some();
        match moved {
            Some(mut meta) => {
                if meta.hash.is_none() {
                    meta.hash = original.as_ref().and_then(|o| o.hash);
                }
                // What the server holds at the new paths now: the move took the whole server
                // folder, which may differ from what the cache knew of it. Only what the
                // listing confirms becomes an original; everything else stays a creation
                // (uploaded, or a conflict), so no cached copy is ever taken for deleted.
                self.refresh_listing().await?;
                // By the path below `from`, sorted and searched (a map of references would be
                // a B-tree instance of its own).
                let mut old: Vec<(&str, &StoredItem)> = old_subtree
                    .iter()
                    .map(|s| (&s.entry.path.as_str()[from.as_str().len()..], s))
                    .collect();
                crate::sort::sort_by(&mut old, |a, b| a.0.cmp(b.0));
                for s in old_subtree.iter().rev() {
                    batch.push(Write::DeleteItem {
                        path: s.entry.path.clone(),
                        rev: s.rev,
                    });
                    for b in owned_blobs(s) {
                        batch.push(Write::DropBlob(b));
                    }
                }
                let confirmed = |path: &ItemPath, was: Option<&Meta>, hash: Option<ContentHash>| {
                    self.listing.get(path).filter(|now| {
                        was.is_some_and(|w| {
                            w.kind.same_shape(now.kind)
                                && (w.version == now.version
                                    || (hash.is_some() && now.hash == hash))
                        })
                    })
                };
                let mut news: BTreeMap<ItemPath, (CacheEntry, Option<BlobId>, Expect)> =
                    BTreeMap::new();
                for n in &new_subtree {
                    let suffix = &n.entry.path.as_str()[to.as_str().len()..];
                    let was = old
                        .binary_search_by(|(s, _)| (*s).cmp(suffix))
                        .ok()
                        .and_then(|at| old[at].1.entry.original.as_ref());
                    let server = if suffix.is_empty() {
                        Some(meta.clone())
                    } else {
                        confirmed(&n.entry.path, was, n.entry.local_view().hash).cloned()
                    };
                    let mut e = n.entry.clone();
                    if let Some(server) = server {
                        let same_content = server.kind.same_shape(e.kind())
                            && (server.kind.is_dir() || e.local_view().hash == server.hash);
                        e.local.own_mut(e.original.as_ref());
                        e.original = Some(server);
                        if same_content && e.exists_locally() {
                            e.local.changes -= LocalChanges::CREATED | LocalChanges::DATA;
                            if e.local.changes.is_empty() {
                                e.local.own = None;
                            }
                        }
                    }
                    news.insert(e.path.clone(), (e, n.blob, Expect::Rev(n.rev)));
                }
                // Items deleted before the rename: the move carried their server copies along;
                // a tombstone at the new path keeps the deletion.
                for (suffix, o) in &old {
                    let Some(orig) = o.entry.original.as_ref() else {
                        continue;
                    };
                    if !o.entry.local.is_deleted() || suffix.is_empty() {
                        continue;
                    }
                    let Ok(path) = ItemPath::new(&format!("{}{suffix}", to.as_str())) else {
                        continue;
                    };
                    if news.contains_key(&path) || self.items.contains_key(&path) {
                        continue;
                    }
                    let Some(server) = confirmed(&path, Some(orig), None).cloned() else {
                        continue;
                    };
                    let mut e = o.entry.clone();
                    e.path = path.clone();
                    e.local.own_mut(Some(orig));
                    e.original = Some(server);
                    news.insert(path, (e, None, Expect::Absent));
                }
                for (e, blob, expect) in news.into_values() {
                    puts.push((e.clone(), blob));
                    batch.push(Write::PutItem {
                        entry: e,
                        blob,
                        moved_from: None,
                        expect,
                    });
                }
            }
            None => {
                // Fall back: forget the rename, keep the deletion and the creation.
                for n in new_subtree.iter().filter(|n| n.moved_from.is_some()) {
                    puts.push((n.entry.clone(), n.blob));
                    batch.push(Write::PutItem {
                        entry: n.entry.clone(),
                        blob: n.blob,
                        moved_from: None,
                        expect: Expect::Rev(n.rev),
                    });
                }
            }
        }
        match self.engine.commit(batch, Vec::new()).await {
            Ok(_) => {}
            Err(CommitError::Conflict(_)) => {
                // The user changed something meanwhile; read the cache again and let the
                // planner decide (the server move, if it happened, shows in the next listing).
                self.reload().await?;
                self.refresh_listing().await?;
                return Ok(ok);
            }
            Err(CommitError::Store(e)) => return Err(EngineError::Cache(e)),
        }
        self.reload().await?;
        Ok(ok)
    }

    // ----- epochs ------------------------------------------------------------------------------

    /// Ends a merge: clears the old-epoch originals the plan did not replace (and those of
    /// items that failed) and records the listing's epoch as the cache's, in one batch.
    async fn finish_merge(&mut self, forget: &[ItemPath]) -> Result<(), EngineError> {
        for _ in 0..5 {
            self.reload().await?;
            let mut batch = Batch::new();
            for path in forget.iter().chain(self.failed.iter()) {
                let Some(s) = self.items.get(path) else {
                    continue;
                };
                if s.entry.local.is_deleted() {
                    if !has_below(&self.items, path) {
                        batch.push(Write::DeleteItem {
                            path: path.clone(),
                            rev: s.rev,
                        });
                    }
                } else if s.entry.original.is_some() {
                    let mut e = s.entry.clone();
                    e.forget_original();
                    batch.push(Write::PutItem {
                        entry: e,
                        blob: s.blob,
                        moved_from: s.moved_from.clone(),
                        expect: Expect::Rev(s.rev),
                    });
                }
            }
            let mut record = self.engine.share();
            record.state.epoch = self.listed_epoch.clone();
            batch.push(Write::PutShare(record.clone()));
            match self.engine.commit(batch, Vec::new()).await {
                Ok(_) => {
                    *self.engine.share.borrow_mut() = record;
                    self.reload().await?;
                    return Ok(());
                }
                Err(CommitError::Conflict(_)) => continue,
                Err(CommitError::Store(e)) => return Err(EngineError::Cache(e)),
            }
        }
        // The user kept editing; the next sync merges again (merging twice is harmless).
        Ok(())
    }

    /// The first sync of a cache records the server's epoch: its originals come from it.
    async fn record_first_epoch(&mut self) -> Result<(), EngineError> {
        let mut record = self.engine.share();
        if record.state.epoch.is_some() || self.listed_epoch.is_none() {
            return Ok(());
        }
        record.state.epoch = self.listed_epoch.clone();
        self.engine
            .save_share(record, Vec::new())
            .await
            .map_err(super::commit_to_engine)
    }

    // ----- retries -------------------------------------------------------------------------------

    /// Runs `f` until it succeeds, fails for good, or transient failures use up the backoff
    /// schedule (or the sync is cancelled).
    async fn retrying<X, F, Fut>(&self, mut f: F) -> Result<X, Xfer>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<X, Xfer>>,
    {
        let mut failures = 0;
        loop {
            match f().await {
                Err(Xfer::Remote(e)) if e.is_transient() => {
                    failures += 1;
                    if self.cancel.is_cancelled()
                        || self.engine.backoff(failures, &e).await.is_none()
                    {
                        return Err(Xfer::Remote(e));
                    }
                }
                r => return r,
            }
        }
    }
}

/// The blobs an item holds: its content and the staged part of an interrupted download.
pub(super) fn owned_blobs(s: &StoredItem) -> impl Iterator<Item = BlobId> {
    s.blob.into_iter().chain(s.partial.as_ref().map(|p| p.blob))
}

fn local_step_hr(e: &LocalError) -> HResult {
    match e {
        LocalError::QuotaExceeded => HResult::DISK_FULL,
        LocalError::Failed(_) => HResult::E_FAIL,
    }
}

fn entries_of(listing: &BTreeMap<ItemPath, Meta>) -> Vec<RemoteEntry> {
    listing
        .iter()
        .map(|(path, meta)| RemoteEntry {
            path: path.clone(),
            meta: meta.clone(),
        })
        .collect()
}

fn apply_delta(listing: &mut BTreeMap<ItemPath, Meta>, delta: &crate::store::Listing) {
    for removed in &delta.removed {
        remove_subtree(listing, removed);
    }
    for e in &delta.entries {
        listing.insert(e.path.clone(), e.meta.clone());
    }
}

/// A download in progress: what is staged so far, carried across attempts.
#[derive(Debug)]
struct Staging {
    blob: Option<BlobId>,
    /// Bytes staged, in whole chunks until the last one.
    bytes: u64,
    /// The next chunk's index.
    index: u32,
    hasher: ContentHasher,
    /// The cached item's revision, for checkpoints (none for an item not cached yet).
    rev: Option<Rev>,
    /// A checkpoint was committed: the item refers to the staged part.
    checkpointed: bool,
    /// The bytes the last checkpoint recorded.
    checkpoint_bytes: u64,
}

/// One attempt at downloading `path` into `staging`'s blob, resuming where the last attempt
/// (or an interrupted sync) stopped, and recording a checkpoint every `checkpoint` chunks for
/// a cached item. Returns the server copy, the blob and the content hash.
async fn fetch<L: LocalStore, R: RemoteStore>(
    remote: &R,
    local: &L,
    path: &ItemPath,
    expected: Option<&crate::model::Version>,
    staging: &RefCell<Staging>,
    chunk_size: usize,
    checkpoint: u32,
) -> Result<(Meta, BlobId, ContentHash), Xfer> {
    let (blob, start) = {
        let st = staging.borrow();
        (st.blob, st.bytes)
    };
    // Without a version to hold the server to, a part cannot be trusted: start over.
    let start = if expected.is_some() { start } else { 0 };
    if start == 0 {
        let mut st = staging.borrow_mut();
        st.bytes = 0;
        st.index = 0;
        st.hasher = ContentHasher::new();
    }
    let blob = match blob {
        Some(b) => b,
        None => {
            let b = local.create_blob().await?;
            staging.borrow_mut().blob = Some(b);
            b
        }
    };
    let range = (start > 0).then_some(start..u64::MAX);
    let (meta, mut body) = remote.read(path, expected, range).await?;
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let chunk = body.next_chunk().await?;
        let last = chunk.is_none();
        if let Some(c) = chunk {
            buf.extend_from_slice(&c);
        }
        // More than the server said is already wrong (checked below): stop before a body
        // that does not end fills the cache.
        let over = staging.borrow().bytes + buf.len() as u64 > meta.size;
        let last = last || over;
        while buf.len() >= chunk_size || (last && !buf.is_empty()) {
            let rest = buf.split_off(chunk_size.min(buf.len()));
            let index = staging.borrow().index;
            local.put_chunk(blob, index, &buf).await?;
            let (index, bytes, rev) = {
                let mut st = staging.borrow_mut();
                st.hasher.update(&buf);
                st.bytes += buf.len() as u64;
                st.index += 1;
                (st.index, st.bytes, st.rev)
            };
            buf = rest;
            if !last
                && index % checkpoint == 0
                && let (Some(rev), Some(version)) = (rev, expected)
            {
                let mut batch = Batch::new();
                batch.push(Write::SetPartial {
                    path: path.clone(),
                    rev,
                    partial: Some(Partial {
                        blob,
                        version: version.clone(),
                        bytes,
                    }),
                });
                // A refused checkpoint means the item changed: the download's own commit
                // will be refused too, and no later checkpoint is tried.
                let ok = local.commit(batch).await.is_ok();
                let mut st = staging.borrow_mut();
                if ok {
                    st.checkpointed = true;
                    st.checkpoint_bytes = bytes;
                } else {
                    st.rev = None;
                }
            }
        }
        if last {
            break;
        }
    }
    let (hash, size) = {
        let st = staging.borrow();
        (st.hasher.clone().finish(), st.bytes)
    };
    if meta.hash.is_some_and(|h| h != hash) || size != meta.size {
        // Bad content: nothing of it is worth resuming from.
        let mut st = staging.borrow_mut();
        st.bytes = 0;
        st.index = 0;
        st.hasher = ContentHasher::new();
        return Err(Xfer::Remote(RemoteError::Protocol(format!(
            "the content of {path} does not match the size or checksum the server gave"
        ))));
    }
    Ok((meta, blob, hash))
}

/// What [`Run::run_item`] needs of the plan being carried out and reports into.
struct ItemCtx<'a> {
    seen: &'a HashMap<ItemPath, Option<Rev>>,
    summary: &'a mut SyncSummary,
    single_file: &'a Option<ItemPath>,
    single_result: &'a mut Option<HResult>,
}

/// A download that may go with a group (see [`Run::small_download`]).
struct SmallDownload<'p> {
    path: &'p ItemPath,
    expected: Option<&'p crate::model::Version>,
    /// Pins the plan adds with it (its next step, fused).
    pins: Option<Pins>,
}

/// Reads a whole (small) file into memory, checked against the size and checksum the server
/// gives; its meta comes back with the content's hash.
async fn read_whole<R: RemoteStore>(
    remote: &R,
    path: &ItemPath,
    expected: Option<&crate::model::Version>,
) -> Result<(Meta, Vec<u8>), RemoteError> {
    let (mut meta, mut body) = remote.read(path, expected, None).await?;
    let mut content = Vec::new();
    while let Some(chunk) = body.next_chunk().await? {
        content.extend_from_slice(&chunk);
        // More than the server said is already wrong: stop before a body that does not end
        // fills the page's memory.
        if content.len() as u64 > meta.size {
            break;
        }
    }
    let mut hasher = ContentHasher::new();
    hasher.update(&content);
    let hash = hasher.finish();
    if meta.hash.is_some_and(|h| h != hash) || content.len() as u64 != meta.size {
        return Err(RemoteError::Protocol(format!(
            "the content of {path} does not match the size or checksum the server gave"
        )));
    }
    meta.hash = Some(hash);
    Ok((meta, content))
}

/// A small file read whole, or why not.
type SmallRead = Result<(Meta, Vec<u8>), RemoteError>;

/// The reads of a run of small files: at most `parallel` in flight, handed out in plan
/// order.
///
/// Unlike `StreamExt::buffered`, a slow read does not hold the others' slots: a read that
/// finishes early frees its slot at once and waits for its turn in `done` (up to `window`
/// reads started and not yet handed out). With `buffered`, a slow response at the head kept the
/// other three slots' finished reads waiting, and fewer than half of the slots were busy on
/// average.
struct Ahead<I: Iterator> {
    /// The reads not started yet, in plan order.
    waiting: I,
    /// How many reads were started.
    started: usize,
    running: futures_util::stream::FuturesUnordered<Indexed<I::Item>>,
    /// Finished reads not handed out yet: slot `i` holds read `next + i` once it finished.
    /// (A deque rather than a map by index: one B-tree instance less in the wasm, 6 KB.)
    done: VecDeque<Option<SmallRead>>,
    /// The index of the next read to hand out.
    next: usize,
    parallel: usize,
    window: usize,
}

/// A read with its index in the run.
struct Indexed<F> {
    index: usize,
    read: std::pin::Pin<Box<F>>,
}

impl<F: Future<Output = SmallRead>> Future for Indexed<F> {
    type Output = (usize, SmallRead);

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let index = self.index;
        self.read.as_mut().poll(cx).map(|r| (index, r))
    }
}

impl<F: Future<Output = SmallRead>, I: Iterator<Item = F>> Ahead<I> {
    fn new(waiting: I, parallel: usize, window: usize) -> Self {
        let mut ahead = Ahead {
            waiting,
            started: 0,
            running: futures_util::stream::FuturesUnordered::new(),
            done: VecDeque::new(),
            next: 0,
            parallel: parallel.max(1),
            window: window.max(parallel.max(1)),
        };
        ahead.start();
        ahead
    }

    /// Starts reads while a slot is free and the window has room.
    fn start(&mut self) {
        while self.running.len() < self.parallel && self.started - self.next < self.window {
            let Some(read) = self.waiting.next() else {
                return;
            };
            self.running.push(Indexed {
                index: self.started,
                read: Box::pin(read),
            });
            self.started += 1;
        }
    }

    fn record(&mut self, (index, read): (usize, SmallRead)) {
        let slot = index - self.next;
        if self.done.len() <= slot {
            self.done.resize_with(slot + 1, || None);
        }
        self.done[slot] = Some(read);
        self.start();
    }

    /// The next read in plan order, once it has finished; `None` when all were handed out.
    async fn next(&mut self) -> Option<SmallRead> {
        use futures_util::StreamExt;

        loop {
            if let Some(read) = self.done.front_mut().and_then(Option::take) {
                self.done.pop_front();
                self.next += 1;
                self.start();
                return Some(read);
            }
            let finished = self.running.next().await?;
            self.record(finished);
        }
    }

    /// Awaits `work` (the cache's) while the reads go on, so the network is not idle while
    /// a group is stored.
    async fn meanwhile<W: Future>(&mut self, work: W) -> W::Output {
        use futures_util::StreamExt;
        use futures_util::future::{Either, select};

        let mut work = std::pin::pin!(work);
        loop {
            if self.running.is_empty() {
                return work.await;
            }
            match select(work.as_mut(), self.running.next()).await {
                Either::Left((out, _)) => return out,
                Either::Right((Some(finished), _)) => self.record(finished),
                Either::Right((None, _)) => {}
            }
        }
    }
}

/// `bytes` in tenths of a megabyte, rounded.
fn tenths_of_mb(bytes: u64) -> u64 {
    (bytes.saturating_mul(10) + 524_288) / 1_048_576
}
