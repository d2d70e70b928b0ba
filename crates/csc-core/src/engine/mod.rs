//! The engine: `Synchronize` and the other operations of IOfflineFilesCache, carried out on a
//! [`LocalStore`] and a [`RemoteStore`].
//!
//! The engine is where plans become effects. It stays free of platform code: the stores and the
//! [`Runtime`] (clock, timers, a random seed) are traits, and every await point is a call into
//! one of them. That is what lets the test kit run the real engine under a deterministic
//! executor, inject faults at any await point, and "crash" it by dropping its future.
//!
//! Rules every operation keeps:
//!
//! - **Atomic steps.** Each plan step ends in one cache batch that records its effect (content
//!   and metadata together), so a crash leaves the cache in its state before or after the
//!   step. Content is staged in a new blob first and becomes visible only with that batch.
//!   Small files downloaded one after another are fetched several at a time and stored in
//!   groups, one batch per group (see `Run::execute_group`): still all or nothing per batch.
//! - **Revalidation.** Server writes carry the version the plan saw; cache writes carry the
//!   revision the engine read. When either has changed (someone edited the server copy, the
//!   user edited the cached copy while the sync ran), nothing is overwritten: the engine
//!   re-lists, re-plans that item from what is there now, and carries out the new plan.
//! - **Events after the fact.** An event is published once the change it reports is committed,
//!   and the cache's bounded event log is written in the same batch.
//!
//! One engine serves one share; an app with several shares opens one engine per share.

mod content;
mod ops;
mod progress;
mod sync;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use crate::events::{Event, EventBus, EventFilter, HResult, ItemRef, SubscribeError, SubscriberId};
use crate::model::{CacheTree, Connectivity, Millis, Share, ShareState};
use crate::path::ItemPath;
use crate::plan::DeleteGuard;
use crate::retry::{Backoff, Jitter};
use crate::store::{
    Batch, CommitError, LocalError, LocalStore, LoggedEvent, RemoteError, RemoteStore, Rev,
    Runtime, ShareRecord, Write,
};

pub use content::{ContentHasher, hash_bytes};
pub use ops::{BrowseEntry, DeleteOptions, EnumOptions, ItemInfo, PinOptions};
pub use progress::{
    CancelToken, ConflictHandler, ConflictInfo, CopyAvailability, SimpleProgress, SyncErrorInfo,
    SyncProgress,
};
pub use sync::{SyncOptions, SyncSummary};

/// Tunables of the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    /// The retry schedule for transient remote failures.
    pub backoff: Backoff,
    /// The size of the content chunks the cache stores.
    pub chunk_size: usize,
    /// The mass-deletion valve of every sync.
    pub guard: DeleteGuard,
    /// How many times an item that changed under the sync is re-listed and re-planned before
    /// it is reported as failed (ERROR_RETRY) and left for the next sync.
    pub max_revalidations: u32,
    /// How many times a progress sink may answer RETRY for one item.
    pub max_item_retries: u32,
    /// After this many items in a row failed on transient remote errors, the share is taken
    /// offline (connection error) and the sync stops instead of waiting out every item.
    pub max_transient_streak: u32,
    /// With ASYNCPROGRESS, item callbacks are delivered in groups of this many.
    pub progress_batch: usize,
    /// The number of events the cache's event log keeps.
    pub event_log_capacity: usize,
    /// A download records how far it got every this many chunks, so an interrupted download
    /// (a network failure, a closed tab) resumes from there instead of starting over.
    pub checkpoint_chunks: u32,
    /// Files of one chunk at most that a plan downloads one after another are fetched this
    /// many at a time (1: one by one)…
    pub parallel_downloads: usize,
    /// …and stored in groups of up to this many files…
    pub group_files: usize,
    /// …or this many bytes, one cache batch per group: a first sync of many small files
    /// costs a transaction per group, not three per file.
    pub group_bytes: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            backoff: Backoff::default(),
            chunk_size: 1 << 20,
            guard: DeleteGuard::default(),
            max_revalidations: 3,
            max_item_retries: 16,
            max_transient_streak: 3,
            progress_batch: 32,
            event_log_capacity: 1000,
            checkpoint_chunks: 8,
            parallel_downloads: 4,
            group_files: 64,
            group_bytes: 4 << 20,
        }
    }
}

/// Why an engine operation failed as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// Another long-running operation of this share is in progress.
    #[error("another sync or pin of this share is in progress: wait for it to end, or cancel it")]
    Busy,
    /// The operation was cancelled (ERROR_CANCELLED); finished items stay done.
    #[error("the operation was cancelled; items finished before stay synced")]
    Cancelled,
    /// The share's listing could not be read.
    #[error("the share could not be listed: {0}")]
    Listing(RemoteError),
    /// The server's listing is not a valid tree.
    #[error("the server's listing is invalid: {0}")]
    BadListing(String),
    /// A safety valve refused the sync.
    #[error(transparent)]
    Refused(crate::plan::PlanError),
    /// The cache failed.
    #[error(transparent)]
    Cache(#[from] LocalError),
    /// The cache's content is inconsistent.
    #[error(
        "the local cache is inconsistent ({0}); its data was left as it is: export what you need and reset the cache"
    )]
    Corrupt(String),
    /// The cache belongs to another share.
    #[error(
        "this cache holds the share {stored}, not {requested}: open the engine with the share the cache was made for, or use another cache"
    )]
    WrongShare {
        /// The share the cache was made for.
        stored: String,
        /// The share asked for.
        requested: String,
    },
    /// A path the caller gave is not usable.
    #[error("{path}: {problem}")]
    BadPath {
        /// The path.
        path: ItemPath,
        /// What is wrong and what to do.
        problem: String,
    },
    /// An item does not exist.
    #[error("{0} is not in the cache")]
    NotFound(ItemPath),
    /// The cache kept changing under a local operation (a sync committing at the same time).
    #[error(
        "the cache kept changing while this was being done ({0}); nothing was changed: try again"
    )]
    Changed(String),
}

impl EngineError {
    /// The HRESULT Windows would return.
    pub fn hresult(&self) -> HResult {
        match self {
            EngineError::Busy => HResult::BUSY,
            EngineError::Cancelled => HResult::CANCELLED,
            EngineError::Listing(e) => remote_hresult(e),
            EngineError::BadListing(_) => HResult::INVALID_DATA,
            EngineError::Refused(_) => HResult::REFUSED,
            EngineError::Cache(LocalError::QuotaExceeded) => HResult::DISK_FULL,
            EngineError::Cache(_) | EngineError::Corrupt(_) => HResult::E_FAIL,
            EngineError::WrongShare { .. } | EngineError::BadPath { .. } => HResult::INVALID_ARG,
            EngineError::NotFound(_) => HResult::FILE_NOT_FOUND,
            EngineError::Changed(_) => HResult::RETRY,
        }
    }

    /// A short machine-readable code for the JS edge.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Busy => "Busy",
            EngineError::Cancelled => "Cancelled",
            EngineError::Listing(_) => "ListingFailed",
            EngineError::BadListing(_) => "BadListing",
            EngineError::Refused(_) => "Refused",
            EngineError::Cache(LocalError::QuotaExceeded) => "QuotaExceeded",
            EngineError::Cache(_) => "CacheFailed",
            EngineError::Corrupt(_) => "CacheCorrupt",
            EngineError::WrongShare { .. } => "WrongShare",
            EngineError::BadPath { .. } => "BadPath",
            EngineError::NotFound(_) => "NotFound",
            EngineError::Changed(_) => "CacheChanged",
        }
    }
}

/// The HRESULT of a remote failure.
pub(crate) fn remote_hresult(e: &RemoteError) -> HResult {
    match e {
        RemoteError::NotFound(_) => HResult::FILE_NOT_FOUND,
        RemoteError::PreconditionFailed(_) => HResult::RETRY,
        RemoteError::Conflict { .. } => HResult::FILE_EXISTS,
        RemoteError::Transient { .. } => HResult::NET_ERROR,
        RemoteError::Auth(_) => HResult::ACCESS_DENIED,
        RemoteError::TokenExpired | RemoteError::Protocol(_) => HResult::INVALID_DATA,
        RemoteError::Local(_) => HResult::E_FAIL,
    }
}

/// The function an engine calls after publishing events.
struct Notify(Rc<dyn Fn()>);

impl std::fmt::Debug for Notify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Notify")
    }
}

/// The sync engine of one share.
#[derive(Debug)]
pub struct Engine<L, R, T> {
    local: L,
    remote: R,
    rt: T,
    config: EngineConfig,
    share: RefCell<ShareRecord>,
    share_name: Arc<str>,
    bus: RefCell<EventBus>,
    /// Called after events are published, so an edge that delivers them (a JS event target)
    /// knows to poll; see [`Engine::set_notify`].
    notify: RefCell<Option<Notify>>,
    /// Events published but not yet written to the cache's log: they ride along with the next
    /// batch.
    pending_log: RefCell<Vec<LoggedEvent>>,
    jitter: RefCell<Jitter>,
    busy: Cell<bool>,
    /// Files read through the cache since the last sync, and when: eviction counts them as
    /// used, and the next sync writes that into their items (a read itself writes nothing, so
    /// it never races a sync's writes).
    reads: RefCell<std::collections::BTreeMap<ItemPath, Millis>>,
    /// Items the app has open (an editor): a BACKGROUND sync leaves them alone. In memory
    /// only: a closed page has nothing open.
    in_use: RefCell<std::collections::BTreeSet<ItemPath>>,
}

impl<L: LocalStore, R: RemoteStore, T: Runtime> Engine<L, R, T> {
    /// Opens the engine on a cache for `share`: creates the share's record on first use,
    /// checks the cache, and deletes content a crash left staged but unreferenced.
    pub async fn open(
        local: L,
        remote: R,
        rt: T,
        share: Share,
        config: EngineConfig,
    ) -> Result<Self, EngineError> {
        let snapshot = local.load().await?;
        let record = match snapshot.share {
            Some(r) if r.state.share.url != share.url => {
                return Err(EngineError::WrongShare {
                    stored: r.state.share.url,
                    requested: share.url,
                });
            }
            Some(r) => r,
            None => {
                let r = ShareRecord::new(ShareState {
                    share: share.clone(),
                    connectivity: Connectivity::Online,
                    epoch: None,
                });
                let mut b = Batch::new();
                b.push(Write::PutShare(r.clone()));
                local.commit(b).await.map_err(commit_to_engine)?;
                r
            }
        };
        CacheTree::new(snapshot.items.iter().map(|s| s.entry.clone()).collect())
            .map_err(|e| EngineError::Corrupt(e.to_string()))?;
        // Blobs no item refers to were staged by a download or write that never committed.
        let referenced: std::collections::HashSet<_> = snapshot
            .items
            .iter()
            .flat_map(|s| s.blob.into_iter().chain(s.partial.as_ref().map(|p| p.blob)))
            .collect();
        let mut gc = Batch::new();
        for blob in local.blobs().await? {
            if !referenced.contains(&blob) {
                gc.push(Write::DropBlob(blob));
            }
        }
        if !gc.is_empty() {
            local.commit(gc).await.map_err(commit_to_engine)?;
        }
        let seed = rt.random_seed();
        Ok(Engine {
            share_name: share.url.as_str().into(),
            local,
            remote,
            rt,
            config,
            share: RefCell::new(record),
            bus: RefCell::new(EventBus::new()),
            notify: RefCell::new(None),
            pending_log: RefCell::new(Vec::new()),
            jitter: RefCell::new(Jitter::new(seed)),
            busy: Cell::new(false),
            reads: RefCell::new(std::collections::BTreeMap::new()),
            in_use: RefCell::new(std::collections::BTreeSet::new()),
        })
    }

    /// The cache.
    pub fn local(&self) -> &L {
        &self.local
    }

    /// The share.
    pub fn remote(&self) -> &R {
        &self.remote
    }

    /// The runtime.
    pub fn runtime(&self) -> &T {
        &self.rt
    }

    /// The engine's tunables.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The share's record: connectivity, epoch, health.
    pub fn share(&self) -> ShareRecord {
        self.share.borrow().clone()
    }

    /// Subscribes to events (IConnectionPointContainer::Advise with an events filter).
    pub fn subscribe(
        &self,
        filter: EventFilter,
        capacity: usize,
    ) -> Result<SubscriberId, SubscribeError> {
        self.bus
            .borrow_mut()
            .subscribe(filter, capacity, self.rt.now())
    }

    /// Ends a subscription.
    pub fn unsubscribe(&self, id: SubscriberId) -> bool {
        self.bus.borrow_mut().unsubscribe(id)
    }

    /// The next event for a subscriber.
    pub fn poll_event(&self, id: SubscriberId) -> Option<Event> {
        self.bus.borrow_mut().poll(id, self.rt.now())
    }

    /// Sets the function called after events are published (with no borrow of the engine
    /// held, but possibly in the middle of an operation: it should only schedule the polling,
    /// not poll at once).
    pub fn set_notify(&self, notify: Option<Rc<dyn Fn()>>) {
        *self.notify.borrow_mut() = notify.map(Notify);
    }

    /// Pings every subscriber and drops those that have not polled for `max_idle_ms`.
    pub fn ping(&self, max_idle_ms: i64) -> Vec<SubscriberId> {
        let mut bus = self.bus.borrow_mut();
        bus.ping();
        bus.drop_idle(self.rt.now(), max_idle_ms)
    }

    /// The persistent event log, oldest first (events not yet written ride along with the
    /// next change to the cache).
    pub async fn event_log(&self) -> Result<Vec<LoggedEvent>, EngineError> {
        Ok(self.local.event_log().await?)
    }

    /// An item reference for events.
    pub(crate) fn item_ref(&self, path: &ItemPath) -> ItemRef {
        ItemRef {
            share: self.share_name.clone(),
            path: path.clone(),
        }
    }

    /// The current time.
    pub(crate) fn now(&self) -> Millis {
        self.rt.now()
    }

    /// Publishes events that change nothing in the cache (sync begin and end, per-file
    /// results); they reach the event log with the next batch.
    pub(crate) fn publish(&self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        let at = self.rt.now();
        let mut bus = self.bus.borrow_mut();
        let mut log = self.pending_log.borrow_mut();
        for e in events {
            bus.publish(&e);
            log.push(LoggedEvent { at, event: e });
        }
        drop((bus, log));
        self.notify();
    }

    /// Delivers events that another engine on the same cache published (a page in another tab
    /// of the same browser) to this engine's subscribers, all but `skip` (the subscriber that
    /// forwards this engine's own events to the others, so nothing echoes back). They are not
    /// logged again: the engine that published them did.
    pub fn relay(&self, events: &[Event], skip: SubscriberId) {
        if events.is_empty() {
            return;
        }
        let mut bus = self.bus.borrow_mut();
        for e in events {
            bus.publish_except(e, skip);
        }
        drop(bus);
        self.notify();
    }

    /// Calls the function set by [`Engine::set_notify`], if any, with no borrow held.
    fn notify(&self) {
        let notify = self.notify.borrow().as_ref().map(|n| Rc::clone(&n.0));
        if let Some(notify) = notify {
            notify();
        }
    }

    /// Records that `path` was read now (see `reads`).
    pub(crate) fn note_read(&self, path: &ItemPath) {
        let now = self.rt.now();
        self.reads.borrow_mut().insert(path.clone(), now);
    }

    /// When `path` was last used: filled, written, or read (a read not yet written back
    /// counts).
    pub(crate) fn last_used(&self, path: &ItemPath, stored: Millis) -> Millis {
        self.reads
            .borrow()
            .get(path)
            .map_or(stored, |&read| read.max(stored))
    }

    /// Writes the reads noted since the last sync into the items' `used` times, in one batch.
    /// An item changed since it was read (or part way through a download) is left as it is:
    /// the time of use is a hint for eviction, never worth a conflict.
    pub(crate) async fn write_back_reads(&self) {
        let reads = std::mem::take(&mut *self.reads.borrow_mut());
        let mut batch = Batch::new();
        for (path, at) in reads {
            let Ok(Some(s)) = self.local.item(&path).await else {
                continue;
            };
            if s.partial.is_some() || s.entry.used >= at {
                continue;
            }
            let mut entry = s.entry;
            entry.used = at;
            batch.push(Write::PutItem {
                entry,
                blob: s.blob,
                moved_from: s.moved_from,
                expect: crate::store::Expect::Rev(s.rev),
            });
        }
        if !batch.writes.is_empty() {
            // A refused batch (an item changed in between) loses only these hints.
            let _ = self.local.commit(batch).await;
        }
    }

    /// Commits `batch` with the pending event log and `events`, then publishes `events`.
    pub(crate) async fn commit(
        &self,
        mut batch: Batch,
        events: Vec<Event>,
    ) -> Result<Vec<Rev>, CommitError> {
        let at = self.rt.now();
        let pending: Vec<LoggedEvent> = std::mem::take(&mut *self.pending_log.borrow_mut());
        // The log keeps the newest `cap` events: older ones of a large batch (a pin of
        // thousands of items) would only be written to be trimmed.
        let cap = self.config.event_log_capacity;
        let excess = (pending.len() + events.len()).saturating_sub(cap);
        let (old, new) = (
            excess.min(pending.len()),
            excess.saturating_sub(pending.len()),
        );
        for e in &pending[old..] {
            batch.push(Write::LogEvent(e.clone()));
        }
        for e in &events[new..] {
            batch.push(Write::LogEvent(LoggedEvent {
                at,
                event: e.clone(),
            }));
        }
        match self.local.commit(batch).await {
            Ok(revs) => {
                let mut bus = self.bus.borrow_mut();
                for e in &events {
                    bus.publish(e);
                }
                drop(bus);
                if !events.is_empty() {
                    self.notify();
                }
                Ok(revs)
            }
            Err(err) => {
                // The log entries were not written: keep them for the next batch.
                let mut log = self.pending_log.borrow_mut();
                let newer = std::mem::take(&mut *log);
                *log = pending;
                log.extend(newer);
                Err(err)
            }
        }
    }

    /// Writes the share record.
    pub(crate) async fn save_share(
        &self,
        record: ShareRecord,
        events: Vec<Event>,
    ) -> Result<(), CommitError> {
        let mut b = Batch::new();
        b.push(Write::PutShare(record.clone()));
        self.commit(b, events).await?;
        *self.share.borrow_mut() = record;
        Ok(())
    }

    /// Marks an item open in the app (an editor), or closed again. A background sync
    /// (SYNC_CONTROL_FLAG_BACKGROUND) leaves an open item, and what is below an open folder,
    /// for a later sync rather than change it under the user; other syncs are not affected.
    pub fn set_in_use(&self, path: &ItemPath, open: bool) {
        let mut in_use = self.in_use.borrow_mut();
        if open {
            in_use.insert(path.clone());
        } else {
            in_use.remove(path);
        }
    }

    /// The items marked open with [`set_in_use`](Self::set_in_use).
    pub fn in_use(&self) -> Vec<ItemPath> {
        self.in_use.borrow().iter().cloned().collect()
    }

    /// Whether a long-running operation (a sync, a pin) is in progress.
    pub fn is_busy(&self) -> bool {
        self.busy.get()
    }

    /// Marks the engine busy for a long-running operation; `None` if it already is.
    pub(crate) fn enter(&self) -> Option<BusyGuard<'_>> {
        if self.busy.replace(true) {
            None
        } else {
            Some(BusyGuard(&self.busy))
        }
    }

    /// Waits before retry `attempt` of a transient failure; `None` when retries are used up.
    pub(crate) async fn backoff(&self, attempt: u32, err: &RemoteError) -> Option<()> {
        let RemoteError::Transient { retry_after_ms, .. } = err else {
            return None;
        };
        let delay =
            self.config
                .backoff
                .delay(attempt, *retry_after_ms, &mut self.jitter.borrow_mut())?;
        self.rt.sleep(delay).await;
        Some(())
    }
}

/// Clears the busy flag when a long-running operation ends, however it ends (a dropped future
/// included).
#[derive(Debug)]
pub(crate) struct BusyGuard<'a>(&'a Cell<bool>);

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// `path` and its subtree in a map keyed by path (a contiguous range, by the path order).
pub(crate) fn subtree_of<'a, V>(
    map: &'a std::collections::BTreeMap<ItemPath, V>,
    path: &'a ItemPath,
) -> impl Iterator<Item = (&'a ItemPath, &'a V)> {
    map.range(path.clone()..)
        .take_while(move |(k, _)| k.is_self_or_descendant_of(path))
}

/// True if the map holds something below `path`.
pub(crate) fn has_below<V>(map: &std::collections::BTreeMap<ItemPath, V>, path: &ItemPath) -> bool {
    subtree_of(map, path).nth(1).is_some()
}

/// Removes `path` and its subtree from a map keyed by path.
pub(crate) fn remove_subtree<V>(
    map: &mut std::collections::BTreeMap<ItemPath, V>,
    path: &ItemPath,
) {
    let doomed: Vec<ItemPath> = subtree_of(map, path).map(|(k, _)| k.clone()).collect();
    for k in doomed {
        map.remove(&k);
    }
}

/// The overall result of Pin / Unpin (as of Synchronize): a single path's result, S_OK for
/// several (their results went through progress), reported by End.
pub(crate) fn end_with<P: SyncProgress>(
    paths: &[ItemPath],
    overall: HResult,
    progress: &mut P,
) -> HResult {
    let single = if paths.len() == 1 {
        overall
    } else {
        HResult::S_OK
    };
    progress.end(single);
    single
}

pub(crate) fn commit_to_engine(e: CommitError) -> EngineError {
    match e {
        CommitError::Conflict(m) => EngineError::Corrupt(m),
        CommitError::Store(e) => EngineError::Cache(e),
    }
}
