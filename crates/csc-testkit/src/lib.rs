//! Shared test helpers for the sync engine.
//!
//! - [`World`]: one share as a cache and a server, edited the way users edit (offline on this
//!   device, or on the server from another device), from which the planner's input trees are
//!   built;
//! - [`World::apply`]: the reference semantics of every plan step, applied to the world as if
//!   every step succeeded. It checks each step's preconditions and panics when a plan breaks
//!   them, so a planner bug shows up as a failed test;
//! - [`arb`]: proptest strategies for random worlds and random edits on both sides;
//! - [`inspect`]: readable questions about plans and worlds for the behaviour tests;
//! - [`workload`]: the large synthetic shares of the benchmarks;
//! - [`contract`]: the store contracts as tests, for every store implementation;
//! - [`mem`]: in-memory stores with fault injection, a virtual clock and a one-poll executor,
//!   for running the real engine.

pub mod arb;
pub mod contract;
pub mod inspect;
pub mod mem;
pub mod rig;
pub mod sim;
pub mod workload;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use csc_core::win::{SyncControl, SyncControlFlags};
use csc_core::{
    Action, CacheEntry, CacheTree, CaseRule, ConflictChange, ContentHash, Epoch, ItemKind,
    ItemPath, LocalChanges, LocalItem, LocalMeta, Meta, Millis, Pins, Plan, PlanError,
    Precondition, Presence, RemoteEntry, RemoteTree, Share, ShareState, ShareView, SyncRequest,
    Version, plan,
};

/// The content hash the test kit gives a content label: a 128-bit FNV-1a of the text.
pub fn hash_of(content: &str) -> ContentHash {
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for b in content.bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013B);
    }
    ContentHash(h.to_le_bytes())
}

/// Milliseconds of wall time since the first call, for the figures tests print (natively
/// `Instant`; on wasm, which has none, the JS clock). Timings are printed, never asserted.
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::sync::OnceLock;
        use std::time::Instant;
        static START: OnceLock<Instant> = OnceLock::new();
        START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
    }
}

/// Parses a path, panicking on bad test input.
pub fn p(s: &str) -> ItemPath {
    ItemPath::new(s).unwrap_or_else(|e| panic!("bad test path {s:?}: {e}"))
}

/// A share: the cache's entries, the server's items and the conflict store, plus a clock.
#[derive(Debug, Clone)]
pub struct World {
    /// The share's cache-side state.
    pub share: ShareState,
    /// The cache.
    pub cache: BTreeMap<ItemPath, CacheEntry>,
    /// The server.
    pub remote: BTreeMap<ItemPath, Meta>,
    /// The server's epoch.
    pub remote_epoch: Option<Epoch>,
    /// Paths recorded in the conflict store.
    pub conflicts: BTreeSet<ItemPath>,
    /// Server directories whose listing fails: the planner's listing omits what lies below.
    pub unlisted: Vec<ItemPath>,
    /// Content labels by hash, for readable failures.
    pub contents: HashMap<ContentHash, String>,
    /// The virtual clock.
    pub now: Millis,
    next_version: u64,
}

impl Default for World {
    fn default() -> Self {
        World::new(CaseRule::Sensitive)
    }
}

impl World {
    /// An empty share with the given case rule.
    pub fn new(case: CaseRule) -> Self {
        World {
            share: ShareState {
                share: Share::new("https://files.example/dav/team/", case)
                    .expect("a valid test URL"),
                connectivity: Default::default(),
                epoch: Some(Epoch("epoch-1".into())),
            },
            cache: BTreeMap::new(),
            remote: BTreeMap::new(),
            remote_epoch: Some(Epoch("epoch-1".into())),
            conflicts: BTreeSet::new(),
            unlisted: Vec::new(),
            contents: HashMap::new(),
            now: Millis(1_000_000),
            next_version: 1,
        }
    }

    fn tick(&mut self) -> Millis {
        self.now.0 += 1000;
        self.now
    }

    fn version(&mut self) -> Version {
        let v = Version::new(format!("r{}", self.next_version));
        self.next_version += 1;
        v
    }

    fn file_meta(&mut self, content: &str) -> Meta {
        let hash = hash_of(content);
        self.contents.insert(hash, content.to_owned());
        let (version, now) = (self.version(), self.tick());
        Meta::file(version.as_str(), content.len() as u64, now, Some(hash))
    }

    fn dir_meta(&mut self) -> Meta {
        let (version, now) = (self.version(), self.tick());
        Meta::dir(version.as_str(), now)
    }

    /// The label of a content hash.
    pub fn label(&self, hash: Option<ContentHash>) -> String {
        hash.and_then(|h| self.contents.get(&h).cloned())
            .unwrap_or_else(|| "<no content>".into())
    }

    // ----- synced state --------------------------------------------------------------------

    /// A directory present and in sync on both sides, pinned by the user with inheritance.
    pub fn synced_dir(&mut self, path: &str) -> &mut Self {
        let meta = self.dir_meta();
        self.remote.insert(p(path), meta.clone());
        let pins = Pins::inheriting(csc_core::PinSources::USER);
        self.cache
            .insert(p(path), CacheEntry::synced(p(path), meta, pins));
        self
    }

    /// A file present and in sync on both sides, pinned by the user.
    pub fn synced_file(&mut self, path: &str, content: &str) -> &mut Self {
        let meta = self.file_meta(content);
        self.remote.insert(p(path), meta.clone());
        let pins = Pins::pinned(csc_core::PinSources::USER);
        self.cache
            .insert(p(path), CacheEntry::synced(p(path), meta, pins));
        self
    }

    // ----- offline edits on this device (what the cache API records) -----------------------

    /// Writes a file offline: creates it or changes its content.
    pub fn local_write(&mut self, path: &str, content: &str) -> &mut Self {
        let hash = hash_of(content);
        self.contents.insert(hash, content.to_owned());
        let now = self.tick();
        let path = p(path);
        match self.cache.get_mut(&path) {
            Some(e) if e.exists_locally() && !e.kind().is_dir() => {
                e.local.changes |= LocalChanges::DATA | LocalChanges::TIME;
                e.local.presence = Presence::Full;
                let own = e.local.own_mut(e.original.as_ref());
                own.hash = Some(hash);
                own.size = content.len() as u64;
                own.modified = now;
            }
            Some(e) if e.exists_locally() => panic!("local_write: {path} is a directory"),
            existing => {
                // New, or replacing a tombstone or ghost.
                let (original, pins) = existing
                    .map(|e| (e.original.clone(), e.pins))
                    .unwrap_or((None, Pins::NONE));
                let pins = if pins == Pins::NONE {
                    self.inherit_pins(&path)
                } else {
                    pins
                };
                self.cache.insert(
                    path.clone(),
                    CacheEntry {
                        path,
                        original,
                        local: LocalItem::with_meta(
                            ItemKind::File,
                            Presence::Full,
                            LocalChanges::CREATED | LocalChanges::DATA,
                            LocalMeta {
                                size: content.len() as u64,
                                modified: now,
                                attributes: 0,
                                hash: Some(hash),
                                link_target: None,
                            },
                        ),
                        pins: Pins::pinned(pins.sources),
                        suspended: false,
                        used: now,
                    },
                );
            }
        }
        self
    }

    fn inherit_pins(&self, path: &ItemPath) -> Pins {
        path.parent()
            .and_then(|parent| self.cache.get(&parent))
            .map(|e| Pins::inheriting(e.pins.inherit))
            .unwrap_or(Pins::NONE)
    }

    /// Creates a directory offline.
    pub fn local_mkdir(&mut self, path: &str) -> &mut Self {
        let now = self.tick();
        let path = p(path);
        let existing = self.cache.get(&path);
        assert!(
            !existing.is_some_and(CacheEntry::exists_locally),
            "local_mkdir: {path} exists"
        );
        let original = existing.and_then(|e| e.original.clone());
        let pins = self.inherit_pins(&path);
        self.cache.insert(
            path.clone(),
            CacheEntry {
                path,
                original,
                local: LocalItem::with_meta(
                    ItemKind::Directory,
                    Presence::Full,
                    LocalChanges::CREATED,
                    LocalMeta {
                        size: 0,
                        modified: now,
                        attributes: 0,
                        hash: None,
                        link_target: None,
                    },
                ),
                pins,
                suspended: false,
                used: now,
            },
        );
        self
    }

    /// Deletes an item offline, with its subtree. Synced items leave tombstones; items created
    /// offline simply vanish.
    pub fn local_delete(&mut self, path: &str) -> &mut Self {
        let now = self.tick();
        let root = p(path);
        let doomed: Vec<ItemPath> = self
            .cache
            .keys()
            .filter(|k| k.is_self_or_descendant_of(&root))
            .cloned()
            .collect();
        for k in doomed {
            let e = self.cache.get_mut(&k).expect("listed above");
            // Ghosts go too: they are names of items inside the deleted tree.
            if e.local.is_deleted() {
                continue;
            }
            if e.original.is_some() {
                // A synced item leaves a tombstone; one that had replaced the original keeps
                // its CREATED mark ("replaced, then deleted").
                e.local.presence = Presence::Deleted;
                e.local.own_mut(e.original.as_ref()).modified = now;
                e.local.changes &= LocalChanges::CREATED;
            } else {
                self.cache.remove(&k);
            }
        }
        self
    }

    /// Marks a cached file sparse (its content is not, or no longer, cached).
    pub fn make_sparse(&mut self, path: &str) -> &mut Self {
        let e = self
            .cache
            .get_mut(&p(path))
            .expect("make_sparse: not cached");
        assert!(
            e.local.changes.is_empty(),
            "make_sparse: {path} has offline changes"
        );
        e.local.presence = Presence::Sparse;
        self
    }

    /// Sets the pins of a cached item.
    pub fn set_pins(&mut self, path: &str, pins: Pins) -> &mut Self {
        self.cache
            .get_mut(&p(path))
            .expect("set_pins: not cached")
            .pins = pins;
        self
    }

    /// Makes a cached item a ghost: its name stays visible, its content is not cached.
    pub fn make_ghost(&mut self, path: &str) -> &mut Self {
        self.cache
            .get_mut(&p(path))
            .expect("make_ghost: not cached")
            .local
            .presence = Presence::Ghost;
        self
    }

    /// A pinned link to `target`, in sync on both sides.
    pub fn synced_link(&mut self, path: &str, target: &str) -> &mut Self {
        let meta = Meta::link(&format!("link-{path}"), p(target), self.now);
        self.remote.insert(p(path), meta.clone());
        let pins = Pins::pinned(csc_core::PinSources::USER);
        self.cache
            .insert(p(path), CacheEntry::synced(p(path), meta, pins));
        self
    }

    /// The server is reset or replaced: its epoch changes, so the cache's originals are no
    /// longer a merge base.
    pub fn change_epoch(&mut self) -> &mut Self {
        self.remote_epoch = Some(Epoch("epoch-2".into()));
        self
    }

    /// Removes an item and its subtree from the cache (eviction: the server keeps it).
    pub fn evict(&mut self, path: &str) -> &mut Self {
        let root = p(path);
        self.cache.retain(|k, _| !k.is_self_or_descendant_of(&root));
        self
    }

    // ----- edits on the server (another device) --------------------------------------------

    /// Writes a file on the server: creates it or changes its content.
    pub fn remote_write(&mut self, path: &str, content: &str) -> &mut Self {
        let meta = self.file_meta(content);
        let path = p(path);
        assert!(
            !self.remote.get(&path).is_some_and(|m| m.kind.is_dir()),
            "remote_write: {path} is a directory"
        );
        self.remote.insert(path, meta);
        self
    }

    /// Creates a directory on the server.
    pub fn remote_mkdir(&mut self, path: &str) -> &mut Self {
        let meta = self.dir_meta();
        assert!(
            !self.remote.contains_key(&p(path)),
            "remote_mkdir: {path} exists"
        );
        self.remote.insert(p(path), meta);
        self
    }

    /// Deletes an item and its subtree on the server.
    pub fn remote_delete(&mut self, path: &str) -> &mut Self {
        let root = p(path);
        self.remote
            .retain(|k, _| !k.is_self_or_descendant_of(&root));
        self
    }

    /// Touches an item on the server: a new version with the same content.
    pub fn remote_touch(&mut self, path: &str) -> &mut Self {
        let (version, now) = (self.version(), self.tick());
        let m = self
            .remote
            .get_mut(&p(path))
            .expect("remote_touch: not on the server");
        m.version = version;
        m.modified = now;
        self
    }

    // ----- planning ------------------------------------------------------------------------

    /// The planner's input trees.
    pub fn trees(&self) -> (CacheTree, RemoteTree) {
        let cache = CacheTree::new(self.cache.values().cloned().collect())
            .unwrap_or_else(|e| panic!("the test world's cache is invalid: {e}"));
        let below_unlisted =
            |path: &ItemPath| self.unlisted.iter().any(|u| path.is_descendant_of(u));
        let remote = RemoteTree::new(
            self.remote
                .iter()
                .filter(|(path, _)| !below_unlisted(path))
                .map(|(path, meta)| RemoteEntry {
                    path: path.clone(),
                    meta: meta.clone(),
                })
                .collect(),
            self.remote_epoch.clone(),
        )
        .and_then(|tree| tree.with_unlisted(self.unlisted.clone()))
        .unwrap_or_else(|e| panic!("the test world's server is invalid: {e}"));
        (cache, remote)
    }

    /// A request for the whole share with `flags`.
    pub fn request(&self, control: SyncControl) -> SyncRequest {
        SyncRequest::new(vec![ItemPath::root()], control, self.now)
    }

    /// Plans `req` against the world.
    pub fn plan(&self, req: &SyncRequest) -> Result<Plan, PlanError> {
        let (cache, remote) = self.trees();
        let conflicts: Vec<ItemPath> = self.conflicts.iter().cloned().collect();
        plan(
            &ShareView {
                share: &self.share,
                cache: &cache,
                remote: &remote,
                conflicts: &conflicts,
            },
            req,
        )
    }

    /// Plans a two-way sync of the whole share with the default conflict policy.
    pub fn plan_two_way(&self) -> Plan {
        let control = SyncControl::new(SyncControlFlags::SYNCIN | SyncControlFlags::SYNCOUT);
        self.plan(&self.request(control))
            .unwrap_or_else(|e| panic!("planning failed: {e}"))
    }

    /// Plans and applies `req`, as if every step succeeded.
    pub fn sync(&mut self, req: &SyncRequest) -> Result<Plan, PlanError> {
        let plan = self.plan(req)?;
        self.apply(&plan);
        Ok(plan)
    }

    // ----- reference semantics of plan steps ------------------------------------------------

    /// Applies every step of `plan` in order, as if all succeeded, and the conflict store
    /// changes. Panics if a step's precondition does not hold: with no concurrent change, a
    /// plan must never break its own preconditions.
    pub fn apply(&mut self, plan: &Plan) {
        for item in &plan.items {
            for op in &item.ops {
                self.apply_action(&op.action);
            }
        }
        for change in &plan.conflicts {
            match change {
                ConflictChange::Added(r) => {
                    assert!(
                        self.conflicts.insert(r.path.clone()),
                        "conflict {} added twice",
                        r.path
                    );
                }
                ConflictChange::Updated(r) => {
                    assert!(
                        self.conflicts.contains(&r.path),
                        "conflict {} updated but not recorded",
                        r.path
                    );
                }
                ConflictChange::Removed(path) => {
                    assert!(
                        self.conflicts.remove(path),
                        "conflict {path} removed but not recorded"
                    );
                }
            }
        }
        // A merge's unresolved items lose their old-epoch originals; then the cache takes the
        // listing's epoch.
        for path in &plan.forget_originals {
            let e = self.cache.get_mut(path).expect("forget: not cached");
            if e.local.is_deleted() {
                self.cache.remove(path);
            } else {
                e.forget_original();
            }
        }
        if let Some(epoch) = &self.remote_epoch {
            self.share.epoch = Some(epoch.clone());
        }
    }

    fn assert_remote_parent(&self, path: &ItemPath, what: &str) {
        if let Some(parent) = path.parent().filter(|p| !p.is_root()) {
            assert!(
                self.remote.get(&parent).is_some_and(|m| m.kind.is_dir()),
                "{what} {path}: the parent directory does not exist on the server"
            );
        }
    }

    fn assert_local_parent(&self, path: &ItemPath, what: &str) {
        if let Some(parent) = path.parent().filter(|p| !p.is_root()) {
            assert!(
                self.cache
                    .get(&parent)
                    .is_some_and(|e| e.exists_locally() && e.kind().is_dir()),
                "{what} {path}: the parent directory does not exist in the cache"
            );
        }
    }

    fn check_precondition(&self, path: &ItemPath, pre: &Precondition, what: &str) {
        match pre {
            Precondition::MustNotExist => assert!(
                !self.remote.contains_key(path),
                "{what} {path}: expected no server copy"
            ),
            Precondition::Version(v) => assert_eq!(
                self.remote.get(path).map(|m| &m.version),
                Some(v),
                "{what} {path}: server version precondition"
            ),
        }
    }

    /// Applies one step.
    pub fn apply_action(&mut self, action: &Action) {
        match action {
            Action::Upload { path, precondition } => {
                self.check_precondition(path, precondition, "upload");
                self.assert_remote_parent(path, "upload");
                let version = self.version();
                let e = self.cache.get_mut(path).expect("upload: not cached");
                assert!(
                    e.exists_locally() && !e.kind().is_dir(),
                    "upload {path}: no local file"
                );
                let view = e.local_view();
                let meta = Meta {
                    kind: e.local.kind,
                    version,
                    size: view.size,
                    modified: view.modified,
                    attributes: view.attributes,
                    hash: view.hash,
                    link_target: view.link_target.cloned().map(Box::new),
                };
                e.original = Some(meta.clone());
                e.local.changes = LocalChanges::empty();
                e.local.own = None;
                self.remote.insert(path.clone(), meta);
            }
            Action::MakeRemoteDir { path } => {
                assert!(
                    !self.remote.contains_key(path),
                    "mkcol {path}: exists on the server"
                );
                self.assert_remote_parent(path, "mkcol");
                let meta = self.dir_meta();
                let e = self.cache.get_mut(path).expect("mkcol: not cached");
                assert!(
                    e.exists_locally() && e.kind().is_dir(),
                    "mkcol {path}: no local directory"
                );
                e.original = Some(meta.clone());
                e.local.changes = LocalChanges::empty();
                e.local.own = None;
                e.local.presence = Presence::Full;
                self.remote.insert(path.clone(), meta);
            }
            Action::PushMeta { path, expected } => {
                self.check_precondition(
                    path,
                    &Precondition::Version(expected.clone()),
                    "push meta",
                );
                let version = self.version();
                let e = self.cache.get_mut(path).expect("push meta: not cached");
                let m = self.remote.get_mut(path).expect("checked above");
                let view = e.local_view();
                m.version = version;
                m.attributes = view.attributes;
                m.modified = view.modified;
                e.original = Some(m.clone());
                e.local.changes = LocalChanges::empty();
                e.local.own = None;
            }
            Action::DeleteRemote { path, expected } => {
                self.check_precondition(path, &Precondition::Version(expected.clone()), "delete");
                assert!(
                    !self.remote.keys().any(|k| k.is_descendant_of(path)),
                    "delete {path}: the server directory still has children"
                );
                self.remote.remove(path);
                match self.cache.get_mut(path) {
                    Some(e) if e.local.is_deleted() => {
                        self.cache.remove(path);
                    }
                    Some(e) => e.forget_original(),
                    None => {}
                }
            }
            Action::MoveRemote { from, to, expected } => {
                self.check_precondition(from, &Precondition::Version(expected.clone()), "move");
                assert!(
                    !self.remote.contains_key(to),
                    "move to {to}: exists on the server"
                );
                self.assert_remote_parent(to, "move");
                let mut meta = self.remote.remove(from).expect("checked above");
                meta.version = self.version();
                self.remote.insert(to.clone(), meta);
                if let Some(e) = self.cache.get_mut(from) {
                    e.forget_original();
                }
            }
            Action::Download {
                path,
                meta: _,
                expected,
            } => {
                let current = self
                    .remote
                    .get(path)
                    .cloned()
                    .expect("download: not on the server");
                if let Some(v) = expected {
                    assert_eq!(&current.version, v, "download {path}: version precondition");
                }
                assert!(!current.kind.is_dir(), "download {path}: a directory");
                self.assert_local_parent(path, "download");
                let pins = self.cache.get(path).map(|e| e.pins).unwrap_or(Pins::NONE);
                let suspended = self.cache.get(path).is_some_and(|e| e.suspended);
                if self
                    .cache
                    .get(path)
                    .is_some_and(|e| e.exists_locally() && e.kind().is_dir())
                {
                    assert!(
                        !self.cache.keys().any(|k| k.is_descendant_of(path)),
                        "download {path}: replaces a cached directory that still has children"
                    );
                }
                let mut entry = CacheEntry::synced(path.clone(), current, pins);
                entry.suspended = suspended;
                self.cache.insert(path.clone(), entry);
            }
            Action::MakeLocalDir { path, meta: _ } => {
                let current = self
                    .remote
                    .get(path)
                    .cloned()
                    .expect("mkdir: not on the server");
                assert!(
                    current.kind.is_dir(),
                    "mkdir {path}: not a directory on the server"
                );
                self.assert_local_parent(path, "mkdir");
                let pins = self.cache.get(path).map(|e| e.pins).unwrap_or(Pins::NONE);
                let suspended = self.cache.get(path).is_some_and(|e| e.suspended);
                if let Some(e) = self.cache.get(path) {
                    assert!(
                        !(e.exists_locally() && e.kind().is_dir()),
                        "mkdir {path}: a directory exists in the cache"
                    );
                }
                self.cache.insert(
                    path.clone(),
                    CacheEntry {
                        suspended,
                        ..CacheEntry::synced(path.clone(), current, pins)
                    },
                );
            }
            Action::AdoptRemote { path, meta: _ } => {
                let current = self
                    .remote
                    .get(path)
                    .cloned()
                    .expect("adopt: not on the server");
                let e = self.cache.get_mut(path).expect("adopt: not cached");
                let presence = match e.local.presence {
                    Presence::Ghost => Presence::Ghost,
                    Presence::Sparse if !current.kind.is_dir() => Presence::Sparse,
                    _ => Presence::Full,
                };
                if !current.kind.is_dir() && e.exists_locally() {
                    assert_eq!(
                        e.local_view().hash,
                        current.hash,
                        "adopt {path}: a file is adopted only when both copies are equal"
                    );
                }
                e.local = LocalItem {
                    presence,
                    ..LocalItem::synced(&current)
                };
                e.original = Some(current);
            }
            Action::DeleteLocal { path } => {
                assert!(
                    !self.cache.keys().any(|k| k.is_descendant_of(path)),
                    "delete local {path}: the cached directory still has children"
                );
                self.cache.remove(path).expect("delete local: not cached");
            }
            Action::MoveLocal { from, to } => {
                assert!(
                    !self.cache.contains_key(to),
                    "move local to {to}: exists in the cache"
                );
                self.assert_local_parent(to, "move local");
                let has_below = self.cache.keys().any(|k| k.is_descendant_of(from));
                let e = self.cache.get_mut(from).expect("move local: not cached");
                assert!(
                    e.exists_locally() && !e.kind().is_dir(),
                    "move local {from}: not a file"
                );
                let mut moved = e.clone();
                moved.path = to.clone();
                moved.forget_original();
                moved.local.changes = LocalChanges::CREATED | LocalChanges::DATA;
                // The path stays cached (and pinned) as a name, to be filled from the server.
                // A name with offline deletions below it keeps its original (a directory), the
                // folder those deletions were made in.
                e.local.presence = Presence::Ghost;
                e.local.changes = LocalChanges::empty();
                if !has_below {
                    e.forget_original();
                }
                self.cache.insert(to.clone(), moved);
            }
            Action::Pin { path, pins } => {
                let e = self.cache.get_mut(path).expect("pin: not cached");
                e.pins.sources |= pins.sources;
                e.pins.inherit |= pins.inherit;
            }
        }
    }

    /// Content hashes of every live file in the cache, by path.
    pub fn local_contents(&self) -> BTreeMap<ItemPath, Option<ContentHash>> {
        self.cache
            .iter()
            .filter(|(_, e)| e.exists_locally() && !e.kind().is_dir())
            .map(|(k, e)| (k.clone(), e.local_view().hash))
            .collect()
    }

    /// Content hashes of every file on the server, by path.
    pub fn remote_contents(&self) -> BTreeMap<ItemPath, Option<ContentHash>> {
        self.remote
            .iter()
            .filter(|(_, m)| !m.kind.is_dir())
            .map(|(k, m)| (k.clone(), m.hash))
            .collect()
    }

    /// The versions only one side holds: local unsynced content and server content newer than
    /// the cache's original. These are what a sync must never lose.
    pub fn heads(&self) -> BTreeSet<ContentHash> {
        let mut heads = BTreeSet::new();
        for e in self.cache.values() {
            if e.exists_locally()
                && !e.kind().is_dir()
                && !e.local.changes.is_empty()
                && let Some(h) = e.local_view().hash
            {
                heads.insert(h);
            }
        }
        for (path, m) in &self.remote {
            let base = self.cache.get(path).and_then(|e| e.original.as_ref());
            let newer = base.is_none_or(|b| b.version != m.version);
            if !m.kind.is_dir()
                && newer
                && let Some(h) = m.hash
            {
                heads.insert(h);
            }
        }
        heads
    }

    /// Every content hash present on either side.
    pub fn all_contents(&self) -> BTreeSet<ContentHash> {
        self.local_contents()
            .into_values()
            .chain(self.remote_contents().into_values())
            .flatten()
            .collect()
    }
}
