//! A real engine on in-memory stores, for behaviour tests and the simulation.

use csc_core::engine::{Engine, EngineConfig, EngineError, PinOptions, SyncOptions, SyncSummary};
use csc_core::win::{ConflictPolicy, PinControlFlags, SyncControl, SyncControlFlags};
use csc_core::{CaseRule, ItemPath, Millis, Share};

use crate::mem::{Faults, MemLocal, MemRemote, SimRuntime, run};

/// The engine under test.
pub type MemEngine = Engine<MemLocal, MemRemote, SimRuntime>;

/// A cache, a server, a clock, faults, and an engine over them.
#[derive(Debug)]
pub struct Rig {
    /// Fault injection for both stores.
    pub faults: Faults,
    /// The cache.
    pub local: MemLocal,
    /// The server.
    pub remote: MemRemote,
    /// The clock.
    pub rt: SimRuntime,
    /// The engine.
    pub engine: MemEngine,
    /// The engine's configuration (kept for restarts).
    pub config: EngineConfig,
}

/// The share every rig uses.
pub fn share() -> Share {
    Share::new("https://files.example/dav/team/", CaseRule::Sensitive).expect("a valid URL")
}

/// Two-way sync flags (SYNCIN | SYNCOUT | FILLSPARSE | PINNEWFILES).
pub fn two_way() -> SyncControl {
    SyncControl::new(
        SyncControlFlags::SYNCIN
            | SyncControlFlags::SYNCOUT
            | SyncControlFlags::FILLSPARSE
            | SyncControlFlags::PINNEWFILES,
    )
}

/// An engine on `local` and `remote` for the share at `url` (case-sensitive), with the
/// default configuration and a simulated clock: how tests of other stores start.
pub async fn open_engine<L, R>(local: L, remote: R, url: &str) -> Engine<L, R, SimRuntime>
where
    L: csc_core::store::LocalStore,
    R: csc_core::store::RemoteStore,
{
    Engine::open(
        local,
        remote,
        SimRuntime::new(Millis(1_700_000_000_000), 1),
        Share::new(url, CaseRule::Sensitive).expect("a valid share URL"),
        EngineConfig::default(),
    )
    .await
    .expect("the engine opens")
}

/// Pin options most tests use: deep, for the user, and fill (download now).
pub fn deep_fill() -> PinOptions {
    PinOptions {
        deep: true,
        flags: PinControlFlags::FORUSER | PinControlFlags::FILL,
    }
}

/// Lists the share into the cache: a sync with no direction flags, as an app does when it
/// first opens a share.
pub async fn list_share<L, R, T>(engine: &Engine<L, R, T>)
where
    L: csc_core::store::LocalStore,
    R: csc_core::store::RemoteStore,
    T: csc_core::store::Runtime,
{
    engine
        .synchronize(
            &SyncOptions::new(vec![ItemPath::root()], SyncControl::default()),
            &mut (),
            &mut (),
        )
        .await
        .expect("the share lists");
}

/// Two-way sync with a conflict policy.
pub fn two_way_with(policy: ConflictPolicy) -> SyncControl {
    two_way().with_policy(policy).expect("one policy")
}

impl Rig {
    /// An empty cache and server.
    pub fn new() -> Self {
        Self::with_config(EngineConfig::default())
    }

    /// An empty cache and server, with engine tunables.
    pub fn with_config(config: EngineConfig) -> Self {
        let faults = Faults::new();
        let local = MemLocal::new(faults.clone());
        let remote = MemRemote::new(faults.clone());
        let rt = SimRuntime::new(Millis(1_700_000_000_000), 7);
        let engine = run(Engine::open(
            local.clone(),
            remote.clone(),
            rt.clone(),
            share(),
            config.clone(),
        ))
        .expect("a new cache opens");
        Rig {
            faults,
            local,
            remote,
            rt,
            engine,
            config,
        }
    }

    /// Closes and reopens the engine on the same stores (an app restart after a crash).
    pub fn restart(&mut self) -> Result<(), EngineError> {
        self.faults.crash_after(None);
        self.engine = run(Engine::open(
            self.local.clone(),
            self.remote.clone(),
            self.rt.clone(),
            share(),
            self.config.clone(),
        ))?;
        Ok(())
    }

    /// Syncs the whole share with `control`, no handler, no progress.
    pub fn sync(&self, control: SyncControl) -> Result<SyncSummary, EngineError> {
        let opts = SyncOptions::new(vec![ItemPath::root()], control);
        run(self.engine.synchronize(&opts, &mut (), &mut ()))
    }

    /// Pins `path` deep with FILL for the user.
    pub fn pin_deep(&self, path: &ItemPath) {
        self.refresh();
        let opts = PinOptions {
            deep: true,
            flags: PinControlFlags::FILL | PinControlFlags::FORUSER,
        };
        let hr = run(self.engine.pin(std::slice::from_ref(path), opts, &mut ()))
            .unwrap_or_else(|e| panic!("pin {path}: {e}"));
        assert!(hr.is_ok(), "pin {path}: 0x{:08X}", hr.0);
    }

    /// Lists the server into the cache (a sync that changes nothing else).
    pub fn refresh(&self) {
        self.sync(SyncControl::new(SyncControlFlags::empty()))
            .expect("the listing succeeds");
    }
}

impl Default for Rig {
    fn default() -> Self {
        Self::new()
    }
}
