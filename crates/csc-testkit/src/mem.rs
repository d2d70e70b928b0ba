//! In-memory stores and runtime for the engine, with fault injection, and a tiny executor.
//!
//! [`MemLocal`] and [`MemRemote`] implement the store contracts of `csc_core::store` exactly
//! as the IndexedDB and WebDAV stores must (the contract tests in `tests/contract.rs` run
//! against them). Both are cheap handles over shared state: a clone sees the same store, which
//! is how a test "restarts the app" — a new engine over the same stores — after a crash.
//!
//! Every store call first asks the shared [`Faults`] what to do: go on, fail with a transient
//! network error, let "another device" edit the server first, let "the user" edit the cache
//! first, run out of quota, or crash. A crash is a call that never completes: the executor
//! ([`block_on`]) sees a future that is still pending with nothing left to wake it and drops
//! it, exactly as closing the tab drops the page's work. Only what was committed survives.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::ops::Range;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use csc_core::engine::hash_bytes;
use csc_core::retry::Jitter;
use csc_core::store::{
    Batch, BlobId, ChunkStream, CommitError, Expect, Listing, LocalError, LocalSnapshot,
    LocalStore, LoggedEvent, RemoteError, RemoteStore, Rev, Runtime, ShareRecord, StoredItem,
    Write, WriteInfo,
};
use csc_core::{
    CacheTree, ConflictRecord, Epoch, ItemPath, Meta, Millis, Precondition, RemoteEntry, TreeError,
    Version,
};

/// Polls `f` once: every store here answers at once, so a future still pending after one poll
/// is stuck at a crash point and is dropped. `None` means it crashed.
pub fn block_on<F: Future>(f: F) -> Option<F::Output> {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    match f.as_mut().poll(&mut cx) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

/// [`block_on`] for tests without crashes.
pub fn run<F: Future>(f: F) -> F::Output {
    block_on(f).expect("the future did not complete: a store call hit a crash point")
}

/// A store call, as faults see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// A cache read.
    LocalRead,
    /// A chunk written to a staged blob.
    LocalStage,
    /// A cache commit.
    LocalCommit,
    /// A listing.
    RemoteList,
    /// A server read.
    RemoteRead,
    /// A server write, delete, mkdir or move.
    RemoteWrite,
}

/// What a fault hook does when a call is made.
pub type Hook = Box<dyn FnMut(Call)>;

/// Fault injection shared by the stores of one scenario.
#[derive(Clone, Default)]
pub struct Faults(Rc<FaultState>);

#[derive(Default)]
struct FaultState {
    enabled: Cell<bool>,
    in_hook: Cell<bool>,
    rng: RefCell<Option<Jitter>>,
    /// Per mille of remote calls that fail transiently.
    transient: Cell<u32>,
    /// Per mille of cache chunk writes that find the quota used up.
    quota: Cell<u32>,
    /// Per mille of calls before which the hook runs (concurrent edits).
    hook_rate: Cell<u32>,
    hook: RefCell<Option<Hook>>,
    /// The call number at which the scenario crashes.
    crash_at: Cell<Option<u64>>,
    crashed: Cell<bool>,
    calls: Cell<u64>,
    injected: Cell<u64>,
    /// The next this many remote calls fail transiently (whether enabled or not).
    fail_remote: Cell<u32>,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults")
            .field("enabled", &self.0.enabled.get())
            .field("calls", &self.0.calls.get())
            .field("injected", &self.0.injected.get())
            .finish()
    }
}

/// What a call must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Go,
    Transient,
    Quota,
    Crash,
}

impl Faults {
    /// No faults until configured and enabled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Seeds the fault schedule and sets its rates (per mille of calls).
    pub fn configure(&self, seed: u64, transient: u32, quota: u32, hook_rate: u32) {
        *self.0.rng.borrow_mut() = Some(Jitter::new(seed));
        self.0.transient.set(transient);
        self.0.quota.set(quota);
        self.0.hook_rate.set(hook_rate);
    }

    /// Sets the hook that concurrent edits run through.
    pub fn set_hook(&self, hook: Hook) {
        *self.0.hook.borrow_mut() = Some(hook);
    }

    /// Makes the next `n` remote calls fail with a transient error.
    pub fn fail_next_remote(&self, n: u32) {
        self.0.fail_remote.set(n);
    }

    /// Turns injection on or off.
    pub fn enable(&self, on: bool) {
        self.0.enabled.set(on);
    }

    /// Crashes at the `n`-th call from now (counting every store call).
    pub fn crash_after(&self, n: Option<u64>) {
        self.0.crash_at.set(n.map(|n| self.0.calls.get() + n));
        self.0.crashed.set(false);
    }

    /// True once the crash point was reached.
    pub fn crashed(&self) -> bool {
        self.0.crashed.get()
    }

    /// Store calls so far.
    pub fn calls(&self) -> u64 {
        self.0.calls.get()
    }

    /// Faults injected so far.
    pub fn injected(&self) -> u64 {
        self.0.injected.get()
    }

    fn draw(&self, per_mille: u32) -> bool {
        per_mille > 0
            && self
                .0
                .rng
                .borrow_mut()
                .as_mut()
                .is_some_and(|r| r.up_to(999) < u64::from(per_mille))
    }

    fn verdict(&self, call: Call) -> Verdict {
        if self.0.in_hook.get() {
            return Verdict::Go;
        }
        let n = self.0.calls.get() + 1;
        self.0.calls.set(n);
        if self.0.crashed.get() {
            return Verdict::Crash;
        }
        if self.0.crash_at.get().is_some_and(|at| n >= at) {
            self.0.crashed.set(true);
            self.0.crash_at.set(None);
            self.0.injected.set(self.0.injected.get() + 1);
            return Verdict::Crash;
        }
        let remote = matches!(
            call,
            Call::RemoteList | Call::RemoteRead | Call::RemoteWrite
        );
        // Concurrent edits first: they happen before the call reaches its store.
        if self.0.enabled.get() && self.draw(self.0.hook_rate.get()) {
            let hook = self.0.hook.borrow_mut().take();
            if let Some(mut hook) = hook {
                self.0.in_hook.set(true);
                hook(call);
                self.0.in_hook.set(false);
                self.0.injected.set(self.0.injected.get() + 1);
                *self.0.hook.borrow_mut() = Some(hook);
            }
        }
        if remote && self.0.fail_remote.get() > 0 {
            self.0.fail_remote.set(self.0.fail_remote.get() - 1);
            self.0.injected.set(self.0.injected.get() + 1);
            return Verdict::Transient;
        }
        if !self.0.enabled.get() {
            return Verdict::Go;
        }
        if remote && self.draw(self.0.transient.get()) {
            self.0.injected.set(self.0.injected.get() + 1);
            return Verdict::Transient;
        }
        if call == Call::LocalStage && self.draw(self.0.quota.get()) {
            self.0.injected.set(self.0.injected.get() + 1);
            return Verdict::Quota;
        }
        Verdict::Go
    }

    /// Waits forever at a crash point; otherwise tells the call what to do.
    async fn check(&self, call: Call) -> Verdict {
        let v = self.verdict(call);
        if v == Verdict::Crash {
            std::future::pending::<()>().await;
        }
        v
    }
}

fn transient(detail: &str) -> RemoteError {
    RemoteError::Transient {
        detail: detail.into(),
        retry_after_ms: None,
    }
}

// ---------------------------------------------------------------------------------------------
// The cache
// ---------------------------------------------------------------------------------------------

/// An in-memory cache.
#[derive(Debug, Clone)]
pub struct MemLocal {
    state: Rc<RefCell<LocalState>>,
    faults: Faults,
    /// Batches committed so far.
    commits: Rc<Cell<u64>>,
}

#[derive(Debug, Clone, Default)]
struct LocalState {
    share: Option<ShareRecord>,
    items: BTreeMap<ItemPath, StoredItem>,
    listing: BTreeMap<ItemPath, Meta>,
    conflicts: BTreeMap<ItemPath, ConflictRecord>,
    log: VecDeque<LoggedEvent>,
    settings: BTreeMap<String, String>,
    blobs: BTreeMap<BlobId, BTreeMap<u32, Vec<u8>>>,
    next_rev: Rev,
    next_blob: u64,
    log_capacity: usize,
    /// Bytes of content the cache may hold.
    quota: Option<u64>,
}

impl MemLocal {
    /// An empty cache using `faults`.
    pub fn new(faults: Faults) -> Self {
        MemLocal {
            state: Rc::new(RefCell::new(LocalState {
                log_capacity: 1000,
                ..Default::default()
            })),
            faults,
            commits: Rc::default(),
        }
    }

    /// The number of batches committed so far (each is one transaction in a real store).
    pub fn commits(&self) -> u64 {
        self.commits.get()
    }

    /// Limits the bytes of content the cache may hold.
    pub fn set_quota(&self, bytes: Option<u64>) {
        self.state.borrow_mut().quota = bytes;
    }

    /// Sets how many events the log keeps.
    pub fn set_log_capacity(&self, n: usize) {
        self.state.borrow_mut().log_capacity = n;
    }

    /// Every item, as committed.
    pub fn items(&self) -> BTreeMap<ItemPath, StoredItem> {
        self.state.borrow().items.clone()
    }

    /// The content of a blob.
    pub fn blob_bytes(&self, blob: BlobId) -> Option<Vec<u8>> {
        self.state
            .borrow()
            .blobs
            .get(&blob)
            .map(|chunks| chunks.values().flatten().copied().collect())
    }

    /// The number of blobs held.
    pub fn blob_count(&self) -> usize {
        self.state.borrow().blobs.len()
    }

    /// The content of every live file whose content is cached, by path.
    pub fn contents(&self) -> BTreeMap<ItemPath, Vec<u8>> {
        let st = self.state.borrow();
        st.items
            .values()
            .filter(|s| s.entry.exists_locally() && !s.entry.kind().is_dir())
            .filter_map(|s| {
                let blob = s.blob?;
                Some((
                    s.entry.path.clone(),
                    st.blobs
                        .get(&blob)
                        .map(|c| c.values().flatten().copied().collect())
                        .unwrap_or_default(),
                ))
            })
            .collect()
    }

    /// The conflict store's records.
    pub fn conflicts(&self) -> Vec<ConflictRecord> {
        self.state.borrow().conflicts.values().cloned().collect()
    }

    /// The user overwrites a cached file, leaving the store as `Engine::write_file` does (a
    /// new blob, DATA and TIME changes, a new revision): the simulation's "user edits the
    /// file while a sync runs", made from inside a store call.
    pub fn user_write(&self, path: &ItemPath, content: &[u8]) {
        let mut st = self.state.borrow_mut();
        let Some(mut s) = st.items.get(path).cloned() else {
            return;
        };
        st.next_blob += 1;
        let blob = BlobId(st.next_blob);
        st.blobs.insert(
            blob,
            content
                .chunks(8)
                .enumerate()
                .map(|(i, c)| (i as u32, c.to_vec()))
                .collect(),
        );
        // Like a PutItem: the old content and any partial download go.
        for old in s.blob.into_iter().chain(s.partial.take().map(|p| p.blob)) {
            st.blobs.remove(&old);
        }
        let original = s.entry.original.clone();
        s.entry.local.changes |= csc_core::LocalChanges::DATA | csc_core::LocalChanges::TIME;
        let own = s.entry.local.own_mut(original.as_ref());
        own.size = content.len() as u64;
        own.modified = Millis(own.modified.0 + 1);
        own.hash = Some(hash_bytes(content));
        s.blob = Some(blob);
        st.next_rev += 1;
        s.rev = st.next_rev;
        st.items.insert(path.clone(), s);
    }

    fn stored_bytes(st: &LocalState) -> u64 {
        st.blobs
            .values()
            .flat_map(|c| c.values())
            .map(|c| c.len() as u64)
            .sum()
    }
}

fn apply_write(
    st: &mut LocalState,
    w: Write,
    revs: &mut Vec<Rev>,
    dropped: &mut Vec<BlobId>,
) -> Result<(), CommitError> {
    match w {
        Write::PutItem {
            entry,
            blob,
            moved_from,
            expect,
        } => {
            let current = st.items.get(&entry.path).map(|s| s.rev);
            match (expect, current) {
                (Expect::Absent, None) => {}
                (Expect::Rev(r), Some(c)) if r == c => {}
                (expect, current) => {
                    return Err(CommitError::Conflict(format!(
                        "{} was expected {expect:?} but is at {current:?}",
                        entry.path
                    )));
                }
            }
            st.next_rev += 1;
            let rev = st.next_rev;
            revs.push(rev);
            st.items.insert(
                entry.path.clone(),
                StoredItem {
                    entry,
                    rev,
                    blob,
                    moved_from,
                    partial: None,
                },
            );
        }
        Write::SetPartial { path, rev, partial } => match st.items.get_mut(&path) {
            Some(s) if s.rev == rev => s.partial = partial,
            other => {
                return Err(CommitError::Conflict(format!(
                    "{path} was expected at revision {rev} but is at {:?}",
                    other.map(|s| s.rev)
                )));
            }
        },
        Write::DeleteItem { path, rev } => match st.items.get(&path) {
            Some(s) if s.rev == rev => {
                st.items.remove(&path);
            }
            other => {
                return Err(CommitError::Conflict(format!(
                    "{path} was expected at revision {rev} but is at {:?}",
                    other.map(|s| s.rev)
                )));
            }
        },
        Write::DropBlob(b) => dropped.push(b),
        // Written by `commit` once the whole batch applied.
        Write::PutChunk { .. } => {}
        Write::PutConflict(r) => {
            st.conflicts.insert(r.path.clone(), r);
        }
        Write::DeleteConflict(p) => {
            st.conflicts.remove(&p);
        }
        Write::PutShare(r) => st.share = Some(r),
        Write::ReplaceListing(entries) => {
            st.listing = entries.into_iter().map(|e| (e.path, e.meta)).collect();
        }
        Write::ListingPut(e) => {
            st.listing.insert(e.path, e.meta);
        }
        Write::ListingRemove(p) => {
            st.listing.retain(|k, _| !k.is_self_or_descendant_of(&p));
        }
        Write::LogEvent(e) => {
            st.log.push_back(e);
            while st.log.len() > st.log_capacity {
                st.log.pop_front();
            }
        }
        Write::PutSetting { name, value } => match value {
            Some(v) => {
                st.settings.insert(name, v);
            }
            None => {
                st.settings.remove(&name);
            }
        },
    }
    Ok(())
}

impl LocalStore for MemLocal {
    async fn load(&self) -> Result<LocalSnapshot, LocalError> {
        self.faults.check(Call::LocalRead).await;
        let st = self.state.borrow();
        Ok(LocalSnapshot {
            share: st.share.clone(),
            items: st.items.values().cloned().collect(),
            listing: st
                .listing
                .iter()
                .map(|(p, m)| RemoteEntry {
                    path: p.clone(),
                    meta: m.clone(),
                })
                .collect(),
            conflicts: st.conflicts.values().cloned().collect(),
        })
    }

    async fn item(&self, path: &ItemPath) -> Result<Option<StoredItem>, LocalError> {
        self.faults.check(Call::LocalRead).await;
        Ok(self.state.borrow().items.get(path).cloned())
    }

    async fn create_blob(&self) -> Result<BlobId, LocalError> {
        self.faults.check(Call::LocalStage).await;
        let mut st = self.state.borrow_mut();
        st.next_blob += 1;
        let id = BlobId(st.next_blob);
        st.blobs.insert(id, BTreeMap::new());
        Ok(id)
    }

    async fn put_chunk(&self, blob: BlobId, index: u32, bytes: &[u8]) -> Result<(), LocalError> {
        if self.faults.check(Call::LocalStage).await == Verdict::Quota {
            return Err(LocalError::QuotaExceeded);
        }
        let mut st = self.state.borrow_mut();
        if let Some(q) = st.quota
            && MemLocal::stored_bytes(&st) + bytes.len() as u64 > q
        {
            return Err(LocalError::QuotaExceeded);
        }
        st.blobs
            .get_mut(&blob)
            .ok_or_else(|| LocalError::Failed(format!("blob {blob:?} does not exist")))?
            .insert(index, bytes.to_vec());
        Ok(())
    }

    async fn chunk(&self, blob: BlobId, index: u32) -> Result<Option<Vec<u8>>, LocalError> {
        self.faults.check(Call::LocalRead).await;
        let st = self.state.borrow();
        let chunks = st
            .blobs
            .get(&blob)
            .ok_or_else(|| LocalError::Failed(format!("blob {blob:?} does not exist")))?;
        Ok(chunks.get(&index).cloned())
    }

    async fn blobs(&self) -> Result<Vec<BlobId>, LocalError> {
        self.faults.check(Call::LocalRead).await;
        Ok(self.state.borrow().blobs.keys().copied().collect())
    }

    async fn commit(&self, batch: Batch) -> Result<Vec<Rev>, CommitError> {
        self.faults.check(Call::LocalCommit).await;
        #[allow(clippy::disallowed_methods)]
        if std::env::var_os("MEM_DEBUG").is_some() {
            println!("    batch:");
            for w in &batch.writes {
                match w {
                    Write::PutItem {
                        entry,
                        blob,
                        expect,
                        ..
                    } => println!(
                        "      put {} blob={blob:?} {expect:?} {:?}",
                        entry.path, entry.local.presence
                    ),
                    Write::DeleteItem { path, rev } => println!("      delete {path} @{rev}"),
                    Write::DropBlob(b) => println!("      drop {b:?}"),
                    _ => {}
                }
            }
        }
        // Content written with the batch meets the same simulated quota as staged chunks.
        if batch
            .writes
            .iter()
            .any(|w| matches!(w, Write::PutChunk { .. }))
            && self.faults.check(Call::LocalStage).await == Verdict::Quota
        {
            return Err(CommitError::Store(LocalError::QuotaExceeded));
        }
        let mut st = self.state.borrow_mut();
        // Chunks written with the batch land only if all of it applies.
        let (chunks, writes): (Vec<Write>, Vec<Write>) = batch
            .writes
            .into_iter()
            .partition(|w| matches!(w, Write::PutChunk { .. }));
        let mut added = 0u64;
        for w in &chunks {
            if let Write::PutChunk { blob, bytes, .. } = w {
                if !st.blobs.contains_key(blob) {
                    return Err(CommitError::Store(LocalError::Failed(format!(
                        "blob {blob:?} does not exist"
                    ))));
                }
                added += bytes.len() as u64;
            }
        }
        if let Some(q) = st.quota
            && added > 0
            && MemLocal::stored_bytes(&st) + added > q
        {
            return Err(CommitError::Store(LocalError::QuotaExceeded));
        }
        let mut next = LocalState {
            blobs: BTreeMap::new(),
            ..st.clone_without_blobs()
        };
        let mut revs = Vec::new();
        let mut dropped = Vec::new();
        // Blob existence is checked against the real map; chunks are not copied.
        next.blobs = std::mem::take(&mut st.blobs);
        let result = writes
            .into_iter()
            .try_for_each(|w| apply_write(&mut next, w, &mut revs, &mut dropped));
        st.blobs = std::mem::take(&mut next.blobs);
        result?;
        let entries: Vec<_> = next.items.values().map(|s| s.entry.clone()).collect();
        match CacheTree::new(entries) {
            Ok(_) => {}
            Err(TreeError::Orphan { path, .. } | TreeError::LiveUnderTombstone { path }) => {
                return Err(CommitError::Conflict(format!(
                    "{path} would be left without its folder"
                )));
            }
            Err(e) => panic!("engine bug: a commit would make the cache invalid: {e}"),
        }
        // Checked once the whole batch applied: a batch that fails its expectations is
        // refused (a conflict) whatever blobs it names.
        for item in next.items.values() {
            for b in item
                .blob
                .iter()
                .chain(item.partial.as_ref().map(|p| &p.blob))
            {
                let b = *b;
                assert!(
                    st.blobs.contains_key(&b),
                    "engine bug: {} refers to blob {b:?}, which does not exist",
                    item.entry.path
                );
            }
        }
        for b in dropped {
            assert!(
                !next
                    .items
                    .values()
                    .any(|s| s.blob == Some(b) || s.partial.as_ref().is_some_and(|p| p.blob == b)),
                "engine bug: blob {b:?} dropped while an item still refers to it"
            );
            st.blobs.remove(&b);
        }
        for w in chunks {
            if let Write::PutChunk { blob, index, bytes } = w
                && let Some(b) = st.blobs.get_mut(&blob)
            {
                b.insert(index, bytes);
            }
        }
        let blobs = std::mem::take(&mut st.blobs);
        *st = next;
        st.blobs = blobs;
        self.commits.set(self.commits.get() + 1);
        Ok(revs)
    }

    async fn event_log(&self) -> Result<Vec<LoggedEvent>, LocalError> {
        self.faults.check(Call::LocalRead).await;
        Ok(self.state.borrow().log.iter().cloned().collect())
    }

    async fn setting(&self, name: &str) -> Result<Option<String>, LocalError> {
        self.faults.check(Call::LocalRead).await;
        Ok(self.state.borrow().settings.get(name).cloned())
    }
}

impl LocalState {
    fn clone_without_blobs(&self) -> LocalState {
        LocalState {
            share: self.share.clone(),
            items: self.items.clone(),
            listing: self.listing.clone(),
            conflicts: self.conflicts.clone(),
            log: self.log.clone(),
            settings: self.settings.clone(),
            blobs: BTreeMap::new(),
            next_rev: self.next_rev,
            next_blob: self.next_blob,
            log_capacity: self.log_capacity,
            quota: self.quota,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/// An in-memory WebDAV-like share with versions, preconditions and delta listings.
#[derive(Debug, Clone)]
pub struct MemRemote {
    state: Rc<RefCell<RemoteState>>,
    faults: Faults,
}

#[derive(Debug, Clone)]
struct RemoteState {
    items: BTreeMap<ItemPath, (Meta, Vec<u8>)>,
    epoch: u64,
    next_version: u64,
    /// Change log for delta listings: (sequence, path).
    changes: Vec<(u64, ItemPath)>,
    seq: u64,
    /// Tokens of an older generation are expired.
    token_generation: u64,
    clock: i64,
    /// Directories whose listing fails (faults).
    failing_dirs: Vec<ItemPath>,
    /// Bytes per chunk of read bodies.
    chunk: usize,
    /// The engine's requests that reached the server, as `METHOD path`.
    requests: Vec<String>,
}

/// A download body.
#[derive(Debug)]
pub struct MemBody {
    chunks: VecDeque<Vec<u8>>,
    faults: Faults,
}

impl ChunkStream for MemBody {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, RemoteError> {
        if self.chunks.is_empty() {
            return Ok(None);
        }
        if self.faults.check(Call::RemoteRead).await == Verdict::Transient {
            return Err(transient("the connection dropped during the download"));
        }
        Ok(self.chunks.pop_front())
    }
}

impl MemRemote {
    /// An empty share.
    pub fn new(faults: Faults) -> Self {
        MemRemote {
            state: Rc::new(RefCell::new(RemoteState {
                items: BTreeMap::new(),
                epoch: 1,
                next_version: 1,
                changes: Vec::new(),
                seq: 0,
                token_generation: 0,
                clock: 1_000_000,
                failing_dirs: Vec::new(),
                chunk: 5,
                requests: Vec::new(),
            })),
            faults,
        }
    }

    /// The share's items with their content (directories with none).
    pub fn snapshot(&self) -> BTreeMap<ItemPath, (Meta, Vec<u8>)> {
        self.state.borrow().items.clone()
    }

    /// The content of every file, by path.
    pub fn contents(&self) -> BTreeMap<ItemPath, Vec<u8>> {
        self.state
            .borrow()
            .items
            .iter()
            .filter(|(_, (m, _))| !m.kind.is_dir())
            .map(|(p, (_, c))| (p.clone(), c.clone()))
            .collect()
    }

    /// The server copy of `path`.
    pub fn meta(&self, path: &ItemPath) -> Option<Meta> {
        self.state.borrow().items.get(path).map(|(m, _)| m.clone())
    }

    /// The engine's requests that reached the server so far (`PUT a/x.txt`, `MOVE a -> b`…),
    /// and forgets them.
    pub fn take_requests(&self) -> Vec<String> {
        std::mem::take(&mut self.state.borrow_mut().requests)
    }

    /// Makes the listing of `dir` fail (or succeed again, with `false`).
    pub fn fail_listing(&self, dir: &ItemPath, fail: bool) {
        let mut st = self.state.borrow_mut();
        st.failing_dirs.retain(|d| d != dir);
        if fail {
            st.failing_dirs.push(dir.clone());
        }
    }

    /// Expires every delta token (the server forgot its change log).
    pub fn expire_tokens(&self) {
        self.state.borrow_mut().token_generation += 1;
    }

    /// The share is restored from a backup or replaced: a new epoch, tokens expired.
    pub fn new_epoch(&self) {
        let mut st = self.state.borrow_mut();
        st.epoch += 1;
        st.token_generation += 1;
    }

    // ----- edits by another device --------------------------------------------------------------

    /// Writes a file (creating missing folders), as another device would.
    pub fn put_file(&self, path: &ItemPath, content: &[u8]) {
        let mut st = self.state.borrow_mut();
        st.ensure_dirs(path);
        st.store_file(path, content, None, 0);
    }

    /// Creates a link (a `.lnk`-like item) to `target`.
    pub fn put_link(&self, path: &ItemPath, target: &ItemPath) {
        let mut st = self.state.borrow_mut();
        st.ensure_dirs(path);
        let (v, t) = (st.version(), st.tick());
        st.items.insert(
            path.clone(),
            (Meta::link(v.as_str(), target.clone(), t), Vec::new()),
        );
        st.log(path);
    }

    /// Creates a folder (and missing parents).
    pub fn put_dir(&self, path: &ItemPath) {
        let mut st = self.state.borrow_mut();
        st.ensure_dirs(path);
        if !st.items.contains_key(path) {
            let meta = st.dir_meta();
            st.items.insert(path.clone(), (meta, Vec::new()));
            st.log(path);
        }
    }

    /// Deletes an item with its subtree.
    pub fn remove(&self, path: &ItemPath) {
        let mut st = self.state.borrow_mut();
        let doomed: Vec<ItemPath> = st
            .items
            .keys()
            .filter(|k| k.is_self_or_descendant_of(path))
            .cloned()
            .collect();
        for k in doomed {
            st.items.remove(&k);
            st.log(&k);
        }
    }

    /// Moves an item with its subtree; false if it cannot.
    pub fn rename(&self, from: &ItemPath, to: &ItemPath) -> bool {
        let mut st = self.state.borrow_mut();
        if !st.items.contains_key(from)
            || st.items.contains_key(to)
            || to.is_self_or_descendant_of(from)
            || !st.parent_is_dir(to)
        {
            return false;
        }
        st.move_tree(from, to);
        true
    }
}

impl RemoteState {
    fn version(&mut self) -> Version {
        self.next_version += 1;
        Version::new(format!("\"v{}\"", self.next_version))
    }

    fn tick(&mut self) -> Millis {
        self.clock += 1000;
        Millis(self.clock)
    }

    fn dir_meta(&mut self) -> Meta {
        let v = self.version();
        let t = self.tick();
        Meta::dir(v.as_str(), t)
    }

    fn log(&mut self, path: &ItemPath) {
        self.seq += 1;
        let seq = self.seq;
        self.changes.push((seq, path.clone()));
    }

    fn parent_is_dir(&self, path: &ItemPath) -> bool {
        match path.parent() {
            None => false,
            Some(p) if p.is_root() => true,
            Some(p) => self.items.get(&p).is_some_and(|(m, _)| m.kind.is_dir()),
        }
    }

    fn ensure_dirs(&mut self, path: &ItemPath) {
        let mut missing = Vec::new();
        let mut p = path.parent();
        while let Some(d) = p {
            if d.is_root() {
                break;
            }
            if !self.items.contains_key(&d) {
                missing.push(d.clone());
            } else if !self.items[&d].0.kind.is_dir() {
                // A file in the way: another device replaces it by a folder.
                self.items.remove(&d);
                missing.push(d.clone());
            }
            p = d.parent();
        }
        for d in missing.into_iter().rev() {
            let meta = self.dir_meta();
            self.items.insert(d.clone(), (meta, Vec::new()));
            self.log(&d);
        }
    }

    fn store_file(
        &mut self,
        path: &ItemPath,
        content: &[u8],
        modified: Option<Millis>,
        attrs: u32,
    ) -> Meta {
        let v = self.version();
        let t = self.tick();
        let mut meta = Meta::file(
            v.as_str(),
            content.len() as u64,
            modified.unwrap_or(t),
            Some(hash_bytes(content)),
        );
        meta.attributes = attrs;
        // A directory in the way (another device) goes, with its subtree.
        let doomed: Vec<ItemPath> = self
            .items
            .keys()
            .filter(|k| k.is_descendant_of(path))
            .cloned()
            .collect();
        for k in doomed {
            self.items.remove(&k);
            self.log(&k);
        }
        self.items
            .insert(path.clone(), (meta.clone(), content.to_vec()));
        self.log(path);
        meta
    }

    fn move_tree(&mut self, from: &ItemPath, to: &ItemPath) -> Meta {
        let moving: Vec<ItemPath> = self
            .items
            .keys()
            .filter(|k| k.is_self_or_descendant_of(from))
            .cloned()
            .collect();
        let mut root_meta = None;
        for k in moving {
            let (mut meta, content) = self.items.remove(&k).expect("listed above");
            self.log(&k);
            let suffix = &k.as_str()[from.as_str().len()..];
            let dest = ItemPath::new(&format!("{}{suffix}", to.as_str()))
                .expect("a moved path stays valid");
            if &k == from {
                meta.version = self.version();
                root_meta = Some(meta.clone());
            }
            self.items.insert(dest.clone(), (meta, content));
            self.log(&dest);
        }
        root_meta.expect("the moved item exists")
    }

    fn check_version(&self, path: &ItemPath, expected: &Version) -> Result<&Meta, RemoteError> {
        match self.items.get(path) {
            None => Err(RemoteError::NotFound(path.clone())),
            Some((m, _)) if &m.version != expected => {
                Err(RemoteError::PreconditionFailed(path.clone()))
            }
            Some((m, _)) => Ok(m),
        }
    }

    fn token(&self) -> String {
        format!("{}:{}:{}", self.epoch, self.token_generation, self.seq)
    }

    fn full_listing(&self) -> Listing {
        let mut entries = Vec::new();
        let mut unlisted: Vec<ItemPath> = Vec::new();
        for (p, (m, _)) in &self.items {
            if unlisted.iter().any(|d| p.is_descendant_of(d)) {
                continue;
            }
            entries.push(RemoteEntry {
                path: p.clone(),
                meta: m.clone(),
            });
            if m.kind.is_dir() && self.failing_dirs.contains(p) {
                unlisted.push(p.clone());
            }
        }
        Listing {
            delta: false,
            entries,
            removed: Vec::new(),
            unlisted,
            epoch: Some(Epoch(format!("epoch-{}", self.epoch).into())),
            token: Some(self.token()),
        }
    }
}

impl RemoteStore for MemRemote {
    type Body = MemBody;

    async fn list(&self, token: Option<&str>) -> Result<Listing, RemoteError> {
        if self.faults.check(Call::RemoteList).await == Verdict::Transient {
            return Err(transient("listing timed out"));
        }
        self.state.borrow_mut().requests.push(format!(
            "LIST {}",
            if token.is_some() { "delta" } else { "full" }
        ));
        let st = self.state.borrow();
        let Some(token) = token else {
            return Ok(st.full_listing());
        };
        let parts: Vec<u64> = token.split(':').filter_map(|p| p.parse().ok()).collect();
        let [epoch, generation, since] = parts[..] else {
            return Err(RemoteError::TokenExpired);
        };
        if epoch != st.epoch || generation != st.token_generation || since > st.seq {
            return Err(RemoteError::TokenExpired);
        }
        if !st.failing_dirs.is_empty() {
            // A server that cannot list part of the share cannot answer a delta either.
            return Err(RemoteError::TokenExpired);
        }
        let mut touched: Vec<ItemPath> = st
            .changes
            .iter()
            .filter(|(s, _)| *s > since)
            .map(|(_, p)| p.clone())
            .collect();
        touched.sort();
        touched.dedup();
        let mut entries = Vec::new();
        let mut removed = Vec::new();
        for p in touched {
            match st.items.get(&p) {
                Some((m, _)) => entries.push(RemoteEntry {
                    path: p,
                    meta: m.clone(),
                }),
                None => removed.push(p),
            }
        }
        Ok(Listing {
            delta: true,
            entries,
            removed,
            unlisted: Vec::new(),
            epoch: Some(Epoch(format!("epoch-{}", st.epoch).into())),
            token: Some(st.token()),
        })
    }

    async fn read(
        &self,
        path: &ItemPath,
        expected: Option<&Version>,
        range: Option<Range<u64>>,
    ) -> Result<(Meta, MemBody), RemoteError> {
        if self.faults.check(Call::RemoteRead).await == Verdict::Transient {
            return Err(transient("download timed out"));
        }
        let what = match &range {
            Some(r) => format!("GET {path} bytes={}-", r.start),
            None => format!("GET {path}"),
        };
        self.state.borrow_mut().requests.push(what);
        let st = self.state.borrow();
        let (meta, content) = st
            .items
            .get(path)
            .ok_or_else(|| RemoteError::NotFound(path.clone()))?;
        if expected.is_some_and(|v| v != &meta.version) {
            return Err(RemoteError::PreconditionFailed(path.clone()));
        }
        if meta.kind.is_dir() {
            return Err(RemoteError::Conflict {
                path: path.clone(),
                detail: "is a folder".into(),
            });
        }
        let bytes = match range {
            Some(r) => {
                let end = (r.end as usize).min(content.len());
                let start = (r.start as usize).min(end);
                content[start..end].to_vec()
            }
            None => content.clone(),
        };
        let chunks = bytes.chunks(st.chunk).map(<[u8]>::to_vec).collect();
        Ok((
            meta.clone(),
            MemBody {
                chunks,
                faults: self.faults.clone(),
            },
        ))
    }

    async fn write<B: ChunkStream>(
        &self,
        path: &ItemPath,
        precondition: &Precondition,
        info: &WriteInfo,
        mut body: B,
    ) -> Result<Meta, RemoteError> {
        if self.faults.check(Call::RemoteWrite).await == Verdict::Transient {
            return Err(transient("upload failed: 503 Service Unavailable"));
        }
        let mut content = Vec::new();
        while let Some(chunk) = body.next_chunk().await? {
            content.extend_from_slice(&chunk);
        }
        if content.len() as u64 != info.size {
            return Err(RemoteError::Protocol(format!(
                "the upload of {path} sent {} bytes, not the announced {}",
                content.len(),
                info.size
            )));
        }
        let mut st = self.state.borrow_mut();
        st.requests.push(format!("PUT {path}"));
        match (precondition, st.items.get(path)) {
            (Precondition::MustNotExist, Some(_)) => {
                return Err(RemoteError::PreconditionFailed(path.clone()));
            }
            (Precondition::Version(_), None) => {
                return Err(RemoteError::PreconditionFailed(path.clone()));
            }
            (Precondition::Version(v), Some((m, _))) if &m.version != v => {
                return Err(RemoteError::PreconditionFailed(path.clone()));
            }
            (_, Some((m, _))) if m.kind.is_dir() => {
                return Err(RemoteError::Conflict {
                    path: path.clone(),
                    detail: "a folder has this name".into(),
                });
            }
            _ => {}
        }
        if !st.parent_is_dir(path) {
            return Err(RemoteError::Conflict {
                path: path.clone(),
                detail: "its folder does not exist".into(),
            });
        }
        Ok(st.store_file(path, &content, Some(info.modified), info.attributes))
    }

    async fn set_meta(
        &self,
        path: &ItemPath,
        expected: &Version,
        info: &WriteInfo,
    ) -> Result<Meta, RemoteError> {
        if self.faults.check(Call::RemoteWrite).await == Verdict::Transient {
            return Err(transient("PROPPATCH timed out"));
        }
        let mut st = self.state.borrow_mut();
        st.requests.push(format!("PROPPATCH {path}"));
        st.check_version(path, expected)?;
        let v = st.version();
        let (m, _) = st.items.get_mut(path).expect("checked above");
        m.version = v;
        m.modified = info.modified;
        m.attributes = info.attributes;
        let m = m.clone();
        st.log(path);
        Ok(m)
    }

    async fn delete(&self, path: &ItemPath, expected: &Version) -> Result<(), RemoteError> {
        if self.faults.check(Call::RemoteWrite).await == Verdict::Transient {
            return Err(transient("DELETE timed out"));
        }
        let mut st = self.state.borrow_mut();
        st.requests.push(format!("DELETE {path}"));
        st.check_version(path, expected)?;
        if st.items.keys().any(|k| k.is_descendant_of(path)) {
            return Err(RemoteError::Conflict {
                path: path.clone(),
                detail: "the folder is not empty".into(),
            });
        }
        st.items.remove(path);
        st.log(path);
        Ok(())
    }

    async fn make_dir(&self, path: &ItemPath) -> Result<Meta, RemoteError> {
        if self.faults.check(Call::RemoteWrite).await == Verdict::Transient {
            return Err(transient("MKCOL timed out"));
        }
        let mut st = self.state.borrow_mut();
        st.requests.push(format!("MKCOL {path}"));
        if st.items.contains_key(path) {
            return Err(RemoteError::Conflict {
                path: path.clone(),
                detail: "already exists (405)".into(),
            });
        }
        if !st.parent_is_dir(path) {
            return Err(RemoteError::Conflict {
                path: path.clone(),
                detail: "its folder does not exist (409)".into(),
            });
        }
        let meta = st.dir_meta();
        st.items.insert(path.clone(), (meta.clone(), Vec::new()));
        st.log(path);
        Ok(meta)
    }

    async fn move_item(
        &self,
        from: &ItemPath,
        to: &ItemPath,
        expected: &Version,
    ) -> Result<Meta, RemoteError> {
        if self.faults.check(Call::RemoteWrite).await == Verdict::Transient {
            return Err(transient("MOVE timed out"));
        }
        let mut st = self.state.borrow_mut();
        st.requests.push(format!("MOVE {from} -> {to}"));
        st.check_version(from, expected)?;
        if st.items.contains_key(to) {
            return Err(RemoteError::PreconditionFailed(to.clone()));
        }
        if !st.parent_is_dir(to) || to.is_self_or_descendant_of(from) {
            return Err(RemoteError::Conflict {
                path: to.clone(),
                detail: "the destination folder does not exist (409)".into(),
            });
        }
        Ok(st.move_tree(from, to))
    }
}

/// A virtual clock: sleeping advances it at once.
#[derive(Debug, Clone)]
pub struct SimRuntime {
    now: Rc<Cell<i64>>,
    seed: u64,
    slept: Rc<Cell<u64>>,
}

impl SimRuntime {
    /// A clock at `start` with a fixed seed.
    pub fn new(start: Millis, seed: u64) -> Self {
        SimRuntime {
            now: Rc::new(Cell::new(start.0)),
            seed,
            slept: Rc::new(Cell::new(0)),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, ms: i64) {
        self.now.set(self.now.get() + ms);
    }

    /// Milliseconds spent sleeping (retry waits).
    pub fn slept(&self) -> u64 {
        self.slept.get()
    }
}

impl Runtime for SimRuntime {
    fn now(&self) -> Millis {
        Millis(self.now.get())
    }

    async fn sleep(&self, ms: u64) {
        self.slept.set(self.slept.get() + ms);
        self.now.set(self.now.get() + ms as i64);
    }

    fn random_seed(&self) -> u64 {
        self.seed
    }
}
