//! Deterministic simulation: the real engine against the in-memory stores, with random
//! workloads on both sides, random sync flags, and injected faults (network errors, a server
//! edit between listing and writing, a user edit during a sync, quota exhaustion, a crash at a
//! random await point followed by a restart).
//!
//! After every scenario it checks:
//!
//! - **no loss**: every version a user wrote is, at the end, the content of some file on the
//!   server or in the cache, unless a user replaced or deleted it on that side themselves;
//! - **convergence**: once faults stop, two syncs (with a non-destructive conflict handler:
//!   keep both where Windows allows it, else keep the copy that has content) leave every cached
//!   item equal on both sides, no offline change left, an empty conflict store and an empty
//!   plan;
//! - **termination**: every sync makes a bounded number of store calls;
//! - **crash safety**: after every crash, the cache opens (it is a consistent tree);
//! - **determinism**: the same seed gives the same trace.
//!
//! A scenario is a pure function of its seed. A failing seed is replayed with
//! `SIM_SEED=<seed> cargo test -p csc-testkit --release --test simulation`.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::rc::Rc;

use csc_core::engine::{
    ConflictHandler, ConflictInfo, DeleteOptions, EngineConfig, PinOptions, SyncErrorInfo,
    SyncOptions, SyncProgress,
};
use csc_core::events::HResult;
use csc_core::retry::{Backoff, Jitter};
use csc_core::win::{ConflictResolve, OpResponse, PinControlFlags, SyncControl, SyncControlFlags};
use csc_core::{HandlerAnswer, ItemPath, Presence};

use crate::mem::{Call, block_on, run};
use crate::p;
use crate::rig::Rig;

/// The files and folders scenarios draw from: few enough that edits collide.
const DIRS: [&str; 4] = ["a", "b", "a/c", "b/d"];
const FILES: [&str; 9] = [
    "a/x.txt",
    "a/y.txt",
    "a/c/w.txt",
    "a/c/v.txt",
    "b/z.txt",
    "b/q.txt",
    "b/d/u.txt",
    "a/c",
    "b/d",
];

/// The result of one scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The seed.
    pub seed: u64,
    /// Faults injected.
    pub faults: u64,
    /// Syncs run (including the final ones).
    pub syncs: u64,
    /// Crashes injected and recovered from.
    pub crashes: u64,
    /// What went wrong: empty when every invariant held.
    pub violations: Vec<String>,
    /// A digest of everything observable, for the determinism check.
    pub trace: u64,
}

/// A conflict handler that never discards content: KEEPALLCHANGES where Windows allows it,
/// else the side with content wins over a deletion, else the conflict is logged (or, in the
/// random phase, sometimes skipped).
#[derive(Debug)]
struct Keeper {
    rng: Option<Jitter>,
}

impl ConflictHandler for Keeper {
    async fn resolve(&mut self, c: &ConflictInfo) -> HandlerAnswer {
        if let Some(rng) = self.rng.as_mut() {
            match rng.up_to(9) {
                0 => return HandlerAnswer::new(ConflictResolve::Log),
                1 => return HandlerAnswer::new(ConflictResolve::Skip),
                _ => {}
            }
        }
        let name = format!("{:?}", c.state);
        let resolution = if c.state.keep_all_changes_allowed() {
            ConflictResolve::KeepAllChanges
        } else if name.contains("DeletedOnClient") || name.contains("ReplacedAndDeleted") {
            ConflictResolve::KeepRemote
        } else if name.contains("DeletedOnServer") {
            ConflictResolve::KeepLocal
        } else {
            ConflictResolve::Log
        };
        HandlerAnswer::new(resolution)
    }
}

/// A progress sink that sometimes answers RETRY or ABORT, and checks the callback order.
#[derive(Debug)]
struct Watcher {
    rng: Jitter,
    chaos: bool,
    open: Option<ItemPath>,
    began: bool,
    ended: bool,
    errors: Vec<String>,
    verbose: bool,
}

impl SyncProgress for Watcher {
    fn begin(&mut self) -> bool {
        if self.began {
            self.errors.push("Begin called twice".into());
        }
        self.began = true;
        false
    }
    fn query_abort(&mut self) -> bool {
        self.chaos && self.rng.up_to(199) == 0
    }
    fn item_begin(&mut self, path: &ItemPath) -> OpResponse {
        if !self.began || self.ended {
            self.errors
                .push(format!("ItemBegin({path}) outside Begin..End"));
        }
        self.open = Some(path.clone());
        OpResponse::Continue
    }
    fn item_result(
        &mut self,
        path: &ItemPath,
        hr: HResult,
        info: Option<&SyncErrorInfo>,
    ) -> OpResponse {
        if self.verbose && hr != HResult::S_OK {
            println!(
                "      item {path}: 0x{:08X} {}",
                hr.0,
                info.map_or("", |i| i.description.as_str())
            );
        }
        if self.open.as_ref() != Some(path) {
            // Buffered progress delivers begin/result pairs together; lock-step must pair.
            self.errors
                .push(format!("ItemResult({path}) without its ItemBegin"));
        }
        self.open = None;
        if !self.chaos {
            return OpResponse::Continue;
        }
        match self.rng.up_to(99) {
            0..=2 => OpResponse::Retry,
            3 => OpResponse::Abort,
            _ => OpResponse::Continue,
        }
    }
    fn end(&mut self, _result: HResult) {
        if self.ended {
            self.errors.push("End called twice".into());
        }
        self.ended = true;
    }
}

struct Scenario {
    seed: u64,
    rng: Jitter,
    rig: Rig,
    written: Vec<Vec<u8>>,
    superseded: HashSet<Vec<u8>>,
    next_content: u64,
    report: Report,
    trace: u64,
    hook_written: Rc<RefCell<Vec<Vec<u8>>>>,
    hook_superseded: Rc<RefCell<Vec<Vec<u8>>>>,
    hook_counter: Rc<std::cell::Cell<u64>>,
    verbose: bool,
}

/// The store calls one sync may make before it counts as not terminating.
const MAX_CALLS_PER_SYNC: u64 = 50_000;

/// Runs scenario `seed`.
pub fn scenario(seed: u64) -> Report {
    scenario_traced(seed, false)
}

/// Runs scenario `seed`, printing each step when `verbose`.
pub fn scenario_traced(seed: u64, verbose: bool) -> Report {
    let config = EngineConfig {
        backoff: Backoff {
            base_ms: 100,
            cap_ms: 2_000,
            max_attempts: 3,
        },
        // Small chunks and a checkpoint after each: interrupted downloads resume often.
        chunk_size: 8,
        checkpoint_chunks: 1,
        ..EngineConfig::default()
    };
    let mut s = Scenario {
        seed,
        rng: Jitter::new(seed ^ 0x5EED_5EED),
        rig: Rig::with_config(config),
        written: Vec::new(),
        superseded: HashSet::new(),
        next_content: 0,
        report: Report {
            seed,
            faults: 0,
            syncs: 0,
            crashes: 0,
            violations: Vec::new(),
            trace: 0,
        },
        trace: 0xcbf2_9ce4_8422_2325,
        hook_written: Rc::default(),
        hook_superseded: Rc::default(),
        hook_counter: Rc::default(),
        verbose,
    };
    s.setup();
    let steps = 6 + s.rng.up_to(14);
    for _ in 0..steps {
        if !s.report.violations.is_empty() {
            break;
        }
        s.step();
    }
    if s.report.violations.is_empty() {
        s.finish();
    }
    s.report.faults = s.rig.faults.injected();
    s.report.trace = s.trace;
    s.report
}

impl Scenario {
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.rng.up_to(from.len() as u64 - 1) as usize]
    }

    fn content(&mut self) -> Vec<u8> {
        self.next_content += 1;
        let len = self.rng.up_to(20) as usize;
        let mut c = format!("s{}-v{}:", self.seed, self.next_content).into_bytes();
        c.extend(std::iter::repeat_n(b'.', len));
        self.written.push(c.clone());
        c
    }

    fn mix(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.trace ^= u64::from(*b);
            self.trace = self.trace.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn violation(&mut self, what: String) {
        self.report.violations.push(what);
    }

    fn say(&self, what: impl FnOnce() -> String) {
        if self.verbose {
            println!("[{}] {}", self.seed, what());
        }
    }

    fn dump(&self) {
        if !self.verbose {
            return;
        }
        for (k, s) in self.rig.local.items() {
            let content = s
                .blob
                .and_then(|b| self.rig.local.blob_bytes(b))
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            println!(
                "    cache  {k}: {:?} {:?} {:?} orig={:?} moved_from={:?} {content:?}",
                s.entry.kind(),
                s.entry.local.presence,
                s.entry.local.changes,
                s.entry
                    .original
                    .as_ref()
                    .map(|o| o.version.as_str().to_owned()),
                s.moved_from
            );
        }
        for (k, (m, c)) in self.rig.remote.snapshot() {
            println!(
                "    server {k}: {:?} {} {:?}",
                m.kind,
                m.version.as_str(),
                String::from_utf8_lossy(&c)
            );
        }
    }

    fn setup(&mut self) {
        let n = 2 + self.rng.up_to(5);
        for _ in 0..n {
            self.remote_write();
        }
        self.rig.remote.put_dir(&p("a"));
        self.rig.remote.put_dir(&p("b"));
        self.rig.pin_deep(&p("a"));
        self.rig.pin_deep(&p("b"));
    }

    fn step(&mut self) {
        let what = self.rng.up_to(15);
        self.mix(&what.to_le_bytes());
        self.dump();
        match what {
            0..=2 => self.local_write(),
            3 => self.local_mkdir(),
            4 => self.local_delete(),
            5 => self.local_rename(),
            6 => self.remote_write(),
            7 => self.remote_delete(),
            8 => self.remote_rename(),
            9 => self.pin_or_unpin(),
            10 => self.evict(),
            11 if self.rng.up_to(9) == 0 => {
                self.say(|| "server: new epoch".into());
                self.rig.remote.new_epoch();
            }
            _ => self.sync(true),
        }
    }

    // ----- the user, offline ---------------------------------------------------------------------

    fn live_items(&self) -> BTreeMap<ItemPath, (bool, Presence)> {
        self.rig
            .local
            .items()
            .into_iter()
            .filter(|(_, s)| s.entry.exists_locally())
            .map(|(k, s)| (k, (s.entry.kind().is_dir(), s.entry.local.presence)))
            .collect()
    }

    fn local_write(&mut self) {
        let path = p(self.pick(&FILES));
        let live = self.live_items();
        match live.get(&path) {
            Some((true, _)) | Some((false, Presence::Sparse)) => return,
            _ => {}
        }
        if let Some(parent) = path.parent()
            && !parent.is_root()
            && !matches!(live.get(&parent), Some((true, _)))
        {
            return;
        }
        if live.contains_key(&path)
            && let Ok(old) = run(self.rig.engine.read_file(&path))
        {
            self.superseded.insert(old);
        }
        let c = self.content();
        self.say(|| format!("user writes {path} = {}", String::from_utf8_lossy(&c)));
        if let Err(e) = run(self.rig.engine.write_file(&path, &c)) {
            self.violation(format!("write_file({path}) failed: {e}"));
        }
    }

    fn local_mkdir(&mut self) {
        let path = p(self.pick(&DIRS));
        let live = self.live_items();
        if live.contains_key(&path) {
            return;
        }
        if let Some(parent) = path.parent()
            && !parent.is_root()
            && !matches!(live.get(&parent), Some((true, _)))
        {
            return;
        }
        self.say(|| format!("user creates folder {path}"));
        if let Err(e) = run(self.rig.engine.create_dir(&path)) {
            self.violation(format!("create_dir({path}) failed: {e}"));
        }
    }

    fn local_delete(&mut self) {
        let live: Vec<ItemPath> = self.live_items().into_keys().collect();
        if live.is_empty() {
            return;
        }
        let path = live[self.rng.up_to(live.len() as u64 - 1) as usize].clone();
        // What the user throws away: cached content, and server content of uncached files
        // the deletion will remove on the server.
        let items = self.rig.local.items();
        let remote = self.rig.remote.snapshot();
        for (k, s) in items.range(path.clone()..) {
            if !k.is_self_or_descendant_of(&path) {
                break;
            }
            if let Some(b) = s.blob.and_then(|b| self.rig.local.blob_bytes(b)) {
                self.superseded.insert(b);
            }
            if let (Some(o), Some((m, c))) = (&s.entry.original, remote.get(k))
                && o.version == m.version
            {
                self.superseded.insert(c.clone());
            }
        }
        self.say(|| format!("user deletes {path}"));
        if let Err(e) = run(self.rig.engine.delete(&path)) {
            self.violation(format!("delete({path}) failed: {e}"));
        }
    }

    fn local_rename(&mut self) {
        let live: Vec<ItemPath> = self.live_items().into_keys().collect();
        if live.is_empty() {
            return;
        }
        let from = live[self.rng.up_to(live.len() as u64 - 1) as usize].clone();
        let to = p(self.pick(&["a/r1.txt", "b/r2.txt", "a/c/r3.txt", "b/e", "a/f"]));
        // Renames may be refused (destination exists, missing folder, sparse content): that is
        // the API's answer, not a violation.
        let r = run(self.rig.engine.rename(&from, &to));
        self.say(|| format!("user renames {from} to {to}: {r:?}"));
    }

    fn pin_or_unpin(&mut self) {
        let live: Vec<ItemPath> = self.live_items().into_keys().collect();
        if live.is_empty() {
            return;
        }
        let path = live[self.rng.up_to(live.len() as u64 - 1) as usize].clone();
        let opts = PinOptions {
            deep: self.rng.up_to(1) == 0,
            flags: PinControlFlags::FORUSER,
        };
        let pin = self.rng.up_to(1) == 0;
        self.say(|| {
            format!(
                "user {} {path} {opts:?}",
                if pin { "pins" } else { "unpins" }
            )
        });
        let _ = if pin {
            run(self.rig.engine.pin(&[path], opts, &mut ()))
        } else {
            run(self.rig.engine.unpin(&[path], opts, &mut ()))
        };
    }

    fn evict(&mut self) {
        let live: Vec<ItemPath> = self.live_items().into_keys().collect();
        if live.is_empty() {
            return;
        }
        let path = live[self.rng.up_to(live.len() as u64 - 1) as usize].clone();
        self.say(|| format!("user evicts {path}"));
        let _ = run(self
            .rig
            .engine
            .delete_items(&[path], DeleteOptions::default(), &mut ()));
    }

    // ----- another device, on the server --------------------------------------------------------

    fn remote_write(&mut self) {
        let path = p(self.pick(&FILES));
        let snap = self.rig.remote.snapshot();
        if let Some((m, c)) = snap.get(&path) {
            if m.kind.is_dir() {
                return;
            }
            self.superseded.insert(c.clone());
        }
        // Files in the way of its folders go too.
        let mut parent = path.parent();
        while let Some(d) = parent {
            if let Some((m, c)) = snap.get(&d)
                && !m.kind.is_dir()
            {
                self.superseded.insert(c.clone());
            }
            parent = d.parent();
        }
        let c = self.content();
        self.say(|| format!("server: {path} = {}", String::from_utf8_lossy(&c)));
        self.rig.remote.put_file(&path, &c);
    }

    fn remote_delete(&mut self) {
        let snap = self.rig.remote.snapshot();
        if snap.is_empty() {
            return;
        }
        let keys: Vec<&ItemPath> = snap.keys().collect();
        let path = keys[self.rng.up_to(keys.len() as u64 - 1) as usize].clone();
        for (k, (_, c)) in &snap {
            if k.is_self_or_descendant_of(&path) {
                self.superseded.insert(c.clone());
            }
        }
        self.say(|| format!("server: delete {path}"));
        self.rig.remote.remove(&path);
    }

    fn remote_rename(&mut self) {
        let snap = self.rig.remote.snapshot();
        if snap.is_empty() {
            return;
        }
        let keys: Vec<&ItemPath> = snap.keys().collect();
        let from = keys[self.rng.up_to(keys.len() as u64 - 1) as usize].clone();
        let to = p(self.pick(&["a/m1.txt", "b/m2.txt", "a/c/m3.txt", "b/g", "a/h"]));
        let ok = self.rig.remote.rename(&from, &to);
        self.say(|| format!("server: move {from} to {to}: {ok}"));
    }

    // ----- syncs -----------------------------------------------------------------------------------

    fn random_control(&mut self) -> SyncControl {
        let mut flags = match self.rng.up_to(5) {
            0 => SyncControlFlags::SYNCIN,
            1 => SyncControlFlags::SYNCOUT,
            2 => SyncControlFlags::FILLSPARSE,
            _ => SyncControlFlags::SYNCIN | SyncControlFlags::SYNCOUT,
        };
        if self.rng.up_to(1) == 0 {
            flags |= SyncControlFlags::PINNEWFILES;
        }
        if self.rng.up_to(2) == 0 {
            flags |= SyncControlFlags::ASYNCPROGRESS;
        }
        SyncControl::new(flags)
    }

    fn sync(&mut self, chaos: bool) {
        let control = if chaos {
            self.random_control()
        } else {
            crate::rig::two_way()
        };
        let paths = if chaos && self.rng.up_to(3) == 0 {
            vec![p(self.pick(&["a", "b", "a/x.txt", "b/d"]))]
        } else {
            vec![ItemPath::root()]
        };
        if chaos {
            let seed = self.rng.next_u64();
            let transient = [0, 50, 150, 400][self.rng.up_to(3) as usize];
            let quota = [0, 0, 20][self.rng.up_to(2) as usize];
            let hook = [0, 0, 30, 80][self.rng.up_to(3) as usize];
            self.rig.faults.configure(seed, transient, quota, hook);
            self.install_hook();
            self.rig.faults.enable(true);
            if self.rng.up_to(3) == 0 {
                self.rig.faults.crash_after(Some(1 + self.rng.up_to(60)));
            }
            if self.rng.up_to(9) == 0 {
                let dir = p(self.pick(&DIRS));
                self.rig.remote.fail_listing(&dir, true);
            }
        }
        let mut opts = SyncOptions::new(paths, control);
        opts.allow_deletes = true;
        let mut watcher = Watcher {
            rng: Jitter::new(self.rng.next_u64()),
            chaos,
            open: None,
            began: false,
            ended: false,
            errors: Vec::new(),
            verbose: self.verbose,
        };
        let use_handler = !chaos || self.rng.up_to(2) != 0;
        let mut keeper = Keeper {
            rng: chaos.then(|| Jitter::new(self.rng.next_u64())),
        };
        self.say(|| format!("sync {:?} {:?} handler={use_handler}", opts.paths, control));
        let before = self.rig.faults.calls();
        let outcome = if use_handler {
            block_on(
                self.rig
                    .engine
                    .synchronize(&opts, &mut keeper, &mut watcher),
            )
        } else {
            block_on(self.rig.engine.synchronize(&opts, &mut (), &mut watcher))
        };
        self.report.syncs += 1;
        self.collect_hook_logs();
        let calls = self.rig.faults.calls() - before;
        self.rig.faults.enable(false);
        self.rig.faults.crash_after(None);
        for d in DIRS {
            self.rig.remote.fail_listing(&p(d), false);
        }
        if calls > MAX_CALLS_PER_SYNC {
            self.violation(format!(
                "a sync made {calls} store calls: it does not terminate"
            ));
        }
        self.say(|| format!("  -> {outcome:?} after {calls} calls"));
        let requests = self.rig.remote.take_requests();
        self.say(|| format!("  requests: {requests:?}"));
        match outcome {
            None => {
                self.report.crashes += 1;
                self.mix(b"crash");
                if let Err(e) = self.rig.restart() {
                    self.violation(format!("after a crash the cache does not open: {e}"));
                }
            }
            Some(result) => {
                if !watcher.errors.is_empty() {
                    self.violation(format!("progress order: {:?}", watcher.errors));
                }
                match result {
                    Ok(summary) => self.mix(&summary.items.to_le_bytes()),
                    Err(e) => {
                        self.mix(e.code().as_bytes());
                        if !chaos {
                            self.violation(format!("a sync without faults failed: {e}"));
                        }
                    }
                }
            }
        }
    }

    /// Concurrent edits: another device edits the server, or the user edits the cache, while
    /// a sync runs.
    fn install_hook(&mut self) {
        let remote = self.rig.remote.clone();
        let mut rng = Jitter::new(self.rng.next_u64());
        let seed = self.seed;
        let (log2, sup2) = (self.hook_written.clone(), self.hook_superseded.clone());
        let local = self.rig.local.clone();
        let counter = self.hook_counter.clone();
        let verbose = self.verbose;
        self.rig.faults.set_hook(Box::new(move |call: Call| {
            counter.set(counter.get() + 1);
            let path = p(FILES[rng.up_to(6) as usize]);
            let content = format!("s{seed}-hook{}:{call:?}", counter.get()).into_bytes();
            if rng.up_to(1) == 0 {
                // Another device edits or deletes the server copy between the listing and
                // our write.
                let snap = remote.snapshot();
                if snap.get(&path).is_some_and(|(m, _)| m.kind.is_dir())
                    || path
                        .parent()
                        .is_some_and(|d| snap.get(&d).is_some_and(|(m, _)| !m.kind.is_dir()))
                {
                    return;
                }
                if let Some((_, c)) = snap.get(&path) {
                    sup2.borrow_mut().push(c.clone());
                    if rng.up_to(2) == 0 {
                        if verbose {
                            println!("[{seed}]   (during the sync) server: delete {path}");
                        }
                        remote.remove(&path);
                        return;
                    }
                }
                if verbose {
                    println!(
                        "[{seed}]   (during the sync) server: {path} = {}",
                        String::from_utf8_lossy(&content)
                    );
                }
                remote.put_file(&path, &content);
                log2.borrow_mut().push(content);
            } else {
                // The user edits a cached file while the sync runs: the store changes
                // exactly as the engine's write_file would leave it.
                let items = local.items();
                let Some(s) = items.get(&path) else { return };
                if !s.entry.exists_locally()
                    || s.entry.kind().is_dir()
                    || s.entry.local.presence != Presence::Full
                {
                    return;
                }
                if let Some(b) = s.blob.and_then(|b| local.blob_bytes(b)) {
                    if verbose {
                        println!(
                            "[{seed}]   (replacing {:?} {})",
                            s.blob,
                            String::from_utf8_lossy(&b)
                        );
                    }
                    sup2.borrow_mut().push(b);
                }
                if verbose {
                    println!(
                        "[{seed}]   (during the sync) user writes {path} = {}",
                        String::from_utf8_lossy(&content)
                    );
                }
                local.user_write(&path, &content);
                log2.borrow_mut().push(content);
            }
        }));
    }

    /// Takes in what the concurrent edits wrote and replaced.
    fn collect_hook_logs(&mut self) {
        self.written.append(&mut self.hook_written.borrow_mut());
        self.superseded
            .extend(self.hook_superseded.borrow_mut().drain(..));
    }

    fn finish(&mut self) {
        self.collect_hook_logs();
        // Faults stop.
        self.rig.faults.enable(false);
        for _ in 0..2 {
            self.sync(false);
        }
        if !self.report.violations.is_empty() {
            return;
        }
        self.dump();
        self.check_no_loss();
        self.check_convergence();
        // Idempotence: one more sync finds nothing to do.
        let opts = SyncOptions::new(vec![ItemPath::root()], crate::rig::two_way());
        match block_on(
            self.rig
                .engine
                .synchronize(&opts, &mut Keeper { rng: None }, &mut ()),
        ) {
            Some(Ok(s)) if s.items == 0 => {}
            other => self.violation(format!("a third sync was not a no-op: {other:?}")),
        }
        let local = self.rig.local.contents();
        let remote = self.rig.remote.contents();
        for (k, v) in local.iter().chain(remote.iter()) {
            self.mix(k.as_str().as_bytes());
            self.mix(v);
        }
    }

    fn check_no_loss(&mut self) {
        let mut present: BTreeSet<Vec<u8>> = self.rig.local.contents().into_values().collect();
        present.extend(self.rig.remote.contents().into_values());
        let lost: Vec<String> = self
            .written
            .iter()
            .filter(|c| !self.superseded.contains(*c) && !present.contains(*c))
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        if !lost.is_empty() {
            self.violation(format!("versions lost: {lost:?}"));
        }
    }

    fn check_convergence(&mut self) {
        let remote = self.rig.remote.snapshot();
        let local = self.rig.local.contents();
        let mut problems = Vec::new();
        for (path, s) in self.rig.local.items() {
            if s.entry.local.presence == Presence::Ghost {
                // A name: in sync when the server has that item (an unpinned name is not filled).
                let named = remote
                    .get(&path)
                    .is_some_and(|(m, _)| m.kind.is_dir() == s.entry.kind().is_dir());
                if !named || s.entry.pins.is_pinned() {
                    problems.push(format!("{path}: a ghost left in the cache"));
                }
                continue;
            }
            if !s.entry.exists_locally() {
                problems.push(format!(
                    "{path}: {:?} left in the cache",
                    s.entry.local.presence
                ));
                continue;
            }
            if s.entry.local.is_dirty() {
                problems.push(format!(
                    "{path}: offline changes left: {:?}",
                    s.entry.local.changes
                ));
            }
            match remote.get(&path) {
                None => problems.push(format!("{path}: cached but not on the server")),
                Some((m, c)) => {
                    if m.kind.is_dir() != s.entry.kind().is_dir() {
                        problems.push(format!("{path}: a different kind on each side"));
                    } else if s.entry.local.presence == Presence::Full
                        && !m.kind.is_dir()
                        && local.get(&path) != Some(c)
                    {
                        problems.push(format!("{path}: different content on each side"));
                    }
                }
            }
        }
        let conflicts = self.rig.local.conflicts();
        if !conflicts.is_empty() {
            problems.push(format!("conflicts left: {conflicts:?}"));
        }
        match run(self
            .rig
            .engine
            .preview(&[ItemPath::root()], crate::rig::two_way()))
        {
            Ok(plan) if plan.is_noop() => {}
            Ok(plan) => problems.push(format!(
                "the plan is not empty: {:?}",
                plan.items
                    .iter()
                    .map(|i| (i.path.as_str().to_owned(), i.class.state, &i.outcome))
                    .collect::<Vec<_>>()
            )),
            Err(e) => problems.push(format!("the last plan failed: {e}")),
        }
        if !problems.is_empty() {
            self.violation(format!("no convergence: {problems:?}"));
        }
    }
}
