//! The planner itself: the merge-join walk, per-item decisions, conflict resolution, link
//! targets, name collisions, and the consistency passes that finish a plan.

use std::collections::{HashMap, HashSet};

use crate::classify::{Classification, Disposition, Observed, classify};
use crate::model::{
    CacheEntry, CaseRule, ItemKind, Meta, PinSources, Pins, Presence, RemoteEntry, subtree_range,
};
use crate::path::{ItemPath, check_bare_name, cmp_paths, is_self_or_descendant};
use crate::win::{
    ConflictPolicy, ConflictResolve, SyncControl, SyncControlFlags, SyncOperation, SyncState,
};

use super::conflicts::{conflict_changes, keep_latest};
use super::steps::{op, pull_ops, pull_ops_new, push_ops};
use super::{
    Action, BlockReason, Op, Outcome, Plan, PlanError, PlannedItem, Precondition, ResolutionError,
    ShareView, Side, SyncRequest,
};

pub(super) struct Planner<'a> {
    view: &'a ShareView<'a>,
    req: &'a SyncRequest,
    merge: bool,
    items: Vec<PlannedItem>,
    /// Directories pinned by this plan (path, pins), in path order.
    new_dirs: Vec<(ItemPath, Pins)>,
    /// Paths present on one side only (for case-insensitive collision checks).
    one_sided: Vec<ItemPath>,
    /// Names given to keep-both copies by this plan.
    taken_names: HashSet<ItemPath>,
    /// Some step removes a directory (or replaces one by a file).
    removes_dirs: bool,
}

impl<'a> Planner<'a> {
    pub(super) fn new(view: &'a ShareView<'a>, req: &'a SyncRequest) -> Self {
        let epoch_changed = match (&view.share.epoch, view.remote.epoch()) {
            (Some(a), Some(b)) => a != b,
            _ => false,
        };
        Planner {
            view,
            req,
            merge: req.force_merge || epoch_changed,
            items: Vec::new(),
            new_dirs: Vec::new(),
            one_sided: Vec::new(),
            taken_names: HashSet::new(),
            removes_dirs: false,
        }
    }

    fn control(&self) -> SyncControl {
        self.req.control
    }

    /// The requested subtrees, with nested and repeated paths dropped. A merge always covers the
    /// whole share: the cache's originals are invalid everywhere, not only below the paths.
    fn scopes(&self) -> Vec<ItemPath> {
        if self.merge {
            return vec![ItemPath::root()];
        }
        let mut scopes: Vec<&ItemPath> = self.req.paths.iter().collect();
        crate::sort::sort_dedup(&mut scopes);
        let mut kept: Vec<ItemPath> = Vec::new();
        for s in scopes {
            if kept.last().is_some_and(|k| s.is_self_or_descendant_of(k)) {
                continue;
            }
            kept.push(s.clone());
        }
        kept
    }

    pub(super) fn walk(&mut self) {
        let view = self.view;
        let skip_suspended = self
            .control()
            .flags
            .contains(SyncControlFlags::SKIPSUSPENDEDDIRS);
        for scope in self.scopes() {
            let scope = &scope;
            // A requested path inside a suspended tree is skipped as a whole.
            if skip_suspended && view.cache.suspension(scope).suspended {
                continue;
            }
            // A requested path below a directory whose listing failed cannot be decided.
            if let Some(unlisted) = view.remote.unlisted_ancestor(scope)
                && (unlisted != scope || scope.is_root())
            {
                self.items.push(PlannedItem {
                    path: scope.clone(),
                    class: classify(&Observed::default()),
                    outcome: Outcome::ListingFailed,
                    ops: Vec::new(),
                });
                continue;
            }
            let (ca, cb) = subtree_range(view.cache.entries(), scope.as_str(), |e| e.path.as_str());
            let (ra, rb) =
                subtree_range(view.remote.entries(), scope.as_str(), |e| e.path.as_str());
            if !scope.is_root() && (ca == cb || view.cache.entries()[ca].path != *scope) {
                self.items.push(PlannedItem {
                    path: scope.clone(),
                    class: classify(&Observed::default()),
                    outcome: Outcome::NotCached,
                    ops: Vec::new(),
                });
                continue;
            }
            self.join(
                &view.cache.entries()[ca..cb],
                &view.remote.entries()[ra..rb],
            );
        }
    }

    /// Merge-joins the cache and the listing of one subtree.
    fn join(&mut self, cache: &'a [CacheEntry], remote: &'a [RemoteEntry]) {
        let skip_suspended = self
            .control()
            .flags
            .contains(SyncControlFlags::SKIPSUSPENDEDDIRS);
        let collect_one_sided = self.view.share.share.case == CaseRule::Insensitive;
        let (mut i, mut j) = (0, 0);
        let mut skipping: Option<&'a ItemPath> = None;
        while i < cache.len() || j < remote.len() {
            let ord = match (cache.get(i), remote.get(j)) {
                (Some(c), Some(r)) => cmp_paths(c.path.as_str(), r.path.as_str()),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, _) => std::cmp::Ordering::Greater,
            };
            let c = if ord.is_le() { cache.get(i) } else { None };
            let r = if ord.is_ge() { remote.get(j) } else { None };
            i += usize::from(c.is_some());
            j += usize::from(r.is_some());
            let path = match (c, r) {
                (Some(c), _) => &c.path,
                (None, Some(r)) => &r.path,
                (None, None) => unreachable!("the loop runs while one side has entries"),
            };
            if let Some(root) = skipping {
                if path.is_self_or_descendant_of(root) {
                    continue;
                }
                skipping = None;
            }
            if skip_suspended && c.is_some_and(|c| c.suspended) {
                skipping = Some(path);
                continue;
            }
            if let Some(unlisted) = self.view.remote.unlisted_ancestor(path) {
                // The directory itself is reported once; what lies below it is unknown.
                if unlisted == path {
                    let class = classify(&self.observe(c, r));
                    self.items.push(PlannedItem {
                        path: path.clone(),
                        class,
                        outcome: Outcome::ListingFailed,
                        ops: Vec::new(),
                    });
                }
                skipping = Some(unlisted);
                continue;
            }
            // A name is one-sided unless both sides hold it live (a tombstone or a ghost is not
            // a live local copy).
            if collect_one_sided && (c.is_none_or(|c| !c.exists_locally()) || r.is_none()) {
                self.one_sided.push(path.clone());
            }
            match c {
                Some(c) => {
                    if !self.is_trivially_in_sync(c, r) {
                        self.item(c, r);
                    }
                }
                None => {
                    if let Some(r) = r {
                        self.remote_only(r);
                    }
                }
            }
        }
    }

    /// The fast path for the common case: a fully cached, unchanged item whose server copy has
    /// the original's version.
    fn is_trivially_in_sync(&self, c: &CacheEntry, r: Option<&RemoteEntry>) -> bool {
        !self.merge
            && c.local.presence == Presence::Full
            && c.local.changes.is_empty()
            && match (&c.original, r) {
                (Some(o), Some(r)) => {
                    o.version == r.meta.version
                        && o.kind.same_shape(r.meta.kind)
                        && c.local.kind.same_shape(o.kind)
                }
                _ => false,
            }
    }

    fn observe(&self, c: Option<&'a CacheEntry>, r: Option<&'a RemoteEntry>) -> Observed<'a> {
        let mut obs = Observed {
            original: c.and_then(|c| c.original.as_ref()),
            local: c.map(|c| &c.local),
            remote: r.map(|r| &r.meta),
            merge: self.merge,
            local_subtree_dirty: false,
            remote_subtree_changed: false,
        };
        let local_live_dir = c.is_some_and(|c| c.exists_locally() && c.kind().is_dir());
        let remote_dir = r.is_some_and(|r| r.meta.kind.is_dir());
        let path = c.map(|c| &c.path).or(r.map(|r| &r.path));
        let Some(path) = path else { return obs };
        if local_live_dir && !remote_dir {
            obs.local_subtree_dirty = self.local_subtree_dirty(path);
        }
        let local_gone_or_file =
            c.is_some_and(|c| c.local.is_deleted() || (c.exists_locally() && !c.kind().is_dir()));
        if remote_dir && local_gone_or_file {
            obs.remote_subtree_changed = self.remote_subtree_changed(path);
        }
        obs
    }

    /// True if something below `dir` exists only in the cache as far as the cache knows: an
    /// offline change, or a full copy or a folder with no original (left so by a merge, which
    /// forgets the originals of another server epoch, or by an interrupted pin).
    fn local_subtree_dirty(&self, dir: &ItemPath) -> bool {
        self.view.cache.subtree(dir)[1..].iter().any(|e| {
            let unmerged = e.original.is_none()
                && (e.local.presence == Presence::Full
                    || (e.local.presence == Presence::Sparse && e.kind().is_dir()));
            (e.exists_locally() && !e.local.changes.is_empty()) || unmerged
        })
    }

    fn remote_subtree_changed(&self, dir: &ItemPath) -> bool {
        if self.view.remote.unlisted_ancestor(dir).is_some() {
            return true;
        }
        self.view.remote.subtree(dir)[1..].iter().any(|r| {
            match self
                .view
                .cache
                .get(&r.path)
                .and_then(|c| c.original.as_ref())
            {
                Some(o) => o.version != r.meta.version || !o.kind.same_shape(r.meta.kind),
                None => true,
            }
        })
    }

    fn item(&mut self, c: &'a CacheEntry, r: Option<&'a RemoteEntry>) {
        let obs = self.observe(Some(c), r);
        let class = classify(&obs);
        let flags = self.control();
        let remote = r.map(|r| &r.meta);
        // A pinned name whose file is on the server is a pin not yet filled (a keep-both whose
        // download was interrupted, a pin of an uncached file): filling sparse items fills it.
        if c.local.presence == Presence::Ghost
            && c.pins.is_pinned()
            && flags.fills_sparse()
            && matches!(class.disposition, Disposition::InSync | Disposition::Pull)
            // A name of a folder whose server copy is now a file takes the file too, once the
            // names below it go (outside merges, which keep them; in a merge,
            // `fill_cleared_ghosts` fills it when this plan deletes every name below it).
            && let Some(m) = remote.filter(|m| m.kind.is_dir() || !c.kind().is_dir() || !self.merge)
        {
            let action = if m.kind.is_dir() {
                // New server children below it are pulled by this plan too (PINNEWFILES).
                self.new_dirs.push((c.path.clone(), c.pins));
                Action::MakeLocalDir {
                    path: c.path.clone(),
                    meta: m.clone(),
                }
            } else {
                Action::Download {
                    path: c.path.clone(),
                    meta: m.clone(),
                    expected: Some(m.version.clone()),
                }
            };
            let ops = vec![op(SyncOperation::SyncToClient, action)];
            self.items.push(PlannedItem {
                path: c.path.clone(),
                class,
                outcome: Outcome::Sync,
                ops,
            });
            return;
        }
        let (outcome, ops) = match class.disposition {
            // Nothing to do now; a held item (a sparse copy whose server copy is gone after an
            // epoch change) waits for its server copy to come back.
            Disposition::InSync | Disposition::Hold => return,
            Disposition::Fill => {
                if !flags.fills_sparse() {
                    return;
                }
                (Outcome::Sync, pull_ops(c, remote))
            }
            Disposition::Push => {
                if !flags.syncs_out() {
                    return;
                }
                let new_file =
                    remote.is_none() && !c.kind().is_dir() && (self.merge || c.original.is_none());
                if new_file && flags.flags.contains(SyncControlFlags::NONEWFILESOUT) {
                    return;
                }
                (Outcome::Sync, push_ops(c, remote))
            }
            Disposition::Pull => {
                // Filling a sparse file means downloading the server's current copy, even when
                // it changed: FILLSPARSE alone does that, everything else needs SYNCIN.
                let fills = flags.fills_sparse()
                    && c.local.presence == Presence::Sparse
                    && remote.is_some_and(|r| !r.kind.is_dir() && !c.kind().is_dir());
                if !flags.syncs_in() && !fills {
                    return;
                }
                (Outcome::Sync, pull_ops(c, remote))
            }
            Disposition::Converged => {
                if !flags.syncs_in() && !flags.syncs_out() {
                    return;
                }
                // Dropping a sparse copy with nothing behind it changes the cache: it waits for
                // a sync that goes in (or fills).
                if c.local.presence == Presence::Sparse && !flags.fills_sparse() {
                    return;
                }
                let ops = match remote {
                    Some(m) => vec![op(
                        SyncOperation::SyncToClient,
                        Action::AdoptRemote {
                            path: c.path.clone(),
                            meta: m.clone(),
                        },
                    )],
                    None => vec![op(
                        SyncOperation::DeleteClientCopy,
                        Action::DeleteLocal {
                            path: c.path.clone(),
                        },
                    )],
                };
                (Outcome::Sync, ops)
            }
            Disposition::Conflict => {
                if !flags.syncs_in() && !flags.syncs_out() {
                    return;
                }
                self.resolve(c, remote, &class)
            }
        };
        // A pinned directory this plan (re)creates in the cache takes in its new children in
        // the same sync, as a cached one would.
        let makes_dir = ops
            .iter()
            .any(|o| matches!(&o.action, Action::MakeLocalDir { path, .. } if *path == c.path));
        if makes_dir && !c.pins.inherit.is_empty() {
            self.new_dirs.push((c.path.clone(), c.pins));
        }
        self.items.push(PlannedItem {
            path: c.path.clone(),
            class,
            outcome,
            ops,
        });
    }

    /// Decides a conflict: the handler's answer, else the request's policy, else the store.
    fn resolve(
        &mut self,
        c: &'a CacheEntry,
        remote: Option<&'a Meta>,
        class: &Classification,
    ) -> (Outcome, Vec<Op>) {
        let answer = self.req.answers.get(&c.path);
        let mut resolution = match answer.map(|a| a.resolution) {
            // NONE leaves the conflict to "other handlers": the request's policy.
            Some(ConflictResolve::None) | None => match self.control().policy {
                ConflictPolicy::Default => ConflictResolve::Log,
                ConflictPolicy::KeepLocal => ConflictResolve::KeepLocal,
                ConflictPolicy::KeepRemote => ConflictResolve::KeepRemote,
                ConflictPolicy::KeepLatest => ConflictResolve::KeepLatest,
            },
            Some(other) => other,
        };
        if resolution == ConflictResolve::KeepLatest {
            resolution = keep_latest(c, remote);
        }
        match resolution {
            ConflictResolve::KeepLocal => (Outcome::Resolved(resolution), push_ops(c, remote)),
            ConflictResolve::KeepRemote => (Outcome::Resolved(resolution), pull_ops(c, remote)),
            ConflictResolve::KeepAllChanges => {
                if !class.state.keep_all_changes_allowed() {
                    let e = ResolutionError::KeepAllChangesNotAllowed { state: class.state };
                    return (Outcome::Rejected(e), Vec::new());
                }
                let Some(remote) = remote else {
                    unreachable!("every KEEPALLCHANGES state has a server copy")
                };
                let new_name = answer.and_then(|a| a.new_name.as_deref());
                match self.keep_both_ops(c, remote, new_name) {
                    Ok(ops) => (Outcome::Resolved(resolution), ops),
                    Err(e) => (Outcome::Rejected(e), Vec::new()),
                }
            }
            ConflictResolve::Log | ConflictResolve::KeepLatest | ConflictResolve::None => {
                (Outcome::Logged, Vec::new())
            }
            ConflictResolve::Skip => (Outcome::Skipped, Vec::new()),
            ConflictResolve::Abort => (Outcome::Abort, Vec::new()),
            ConflictResolve::NumCodes => (Outcome::Rejected(ResolutionError::Sentinel), Vec::new()),
        }
    }

    /// KEEPALLCHANGES: the file side is given a new name on both sides, so both versions
    /// survive everywhere (the renamed copy is uploaded too, unlike clients whose conflict
    /// copies stay on one device).
    fn keep_both_ops(
        &mut self,
        c: &'a CacheEntry,
        remote: &'a Meta,
        new_name: Option<&str>,
    ) -> Result<Vec<Op>, ResolutionError> {
        let to = match new_name {
            Some(name) => {
                check_bare_name(name).map_err(ResolutionError::BadNewName)?;
                let to = c
                    .path
                    .with_name(name)
                    .map_err(ResolutionError::BadNewName)?;
                if self.name_taken(&to) {
                    return Err(ResolutionError::NameTaken { name: name.into() });
                }
                to
            }
            None => self.free_conflict_name(&c.path),
        };
        self.taken_names.insert(to.clone());
        let path = c.path.clone();
        let ops = if !c.kind().is_dir() {
            // The local file moves aside and is uploaded; the server copy takes its place.
            let mut ops = vec![
                op(
                    SyncOperation::CreateCopyOnClient,
                    Action::MoveLocal {
                        from: path.clone(),
                        to: to.clone(),
                    },
                ),
                op(
                    SyncOperation::CreateCopyOnServer,
                    Action::Upload {
                        path: to,
                        precondition: Precondition::MustNotExist,
                    },
                ),
            ];
            ops.push(if remote.kind.is_dir() {
                op(
                    SyncOperation::CreateCopyOnClient,
                    Action::MakeLocalDir {
                        path,
                        meta: remote.clone(),
                    },
                )
            } else {
                op(
                    SyncOperation::CreateCopyOnClient,
                    Action::Download {
                        path,
                        meta: remote.clone(),
                        expected: Some(remote.version.clone()),
                    },
                )
            });
            ops
        } else {
            // A local directory against a server file: the server file moves aside and is
            // downloaded; the directory is created on the server.
            vec![
                op(
                    SyncOperation::CreateCopyOnServer,
                    Action::MoveRemote {
                        from: path.clone(),
                        to: to.clone(),
                        expected: remote.version.clone(),
                    },
                ),
                op(
                    SyncOperation::CreateCopyOnServer,
                    Action::MakeRemoteDir { path },
                ),
                op(
                    SyncOperation::CreateCopyOnClient,
                    Action::Download {
                        path: to,
                        meta: remote.clone(),
                        expected: None,
                    },
                ),
            ]
        };
        Ok(ops)
    }

    /// True if `path` is taken in its folder: on a case-insensitive share, by any name equal
    /// to it after case folding and NFC normalization.
    fn name_taken(&self, path: &ItemPath) -> bool {
        let view = self.view;
        if view.cache.get(path).is_some()
            || view.remote.get(path).is_some()
            || self.taken_names.contains(path)
        {
            return true;
        }
        if view.share.share.case == CaseRule::Sensitive {
            return false;
        }
        let wanted = canonical_name(path.name());
        let parent = path.parent_str().unwrap_or("");
        let same = |p: &ItemPath| canonical_name(p.name()) == wanted;
        let mut taken = self
            .taken_names
            .iter()
            .any(|t| t.parent_str() == Some(parent) && same(t));
        for_each_child(
            view.cache.entries(),
            parent,
            |e| &e.path,
            |p| taken |= same(p),
        );
        for_each_child(
            view.remote.entries(),
            parent,
            |e| &e.path,
            |p| taken |= same(p),
        );
        taken
    }

    /// `name (conflict N).ext` with the smallest N free in the folder.
    fn free_conflict_name(&self, path: &ItemPath) -> ItemPath {
        let name = path.name();
        let (stem, ext) = match name.rfind('.') {
            Some(dot) if dot > 0 => (&name[..dot], &name[dot..]),
            _ => (name, ""),
        };
        (1u64..)
            .map(|n| {
                path.with_name(&format!("{stem} (conflict {n}){ext}"))
                    .expect("a conflict name built from a valid name is valid")
            })
            .find(|candidate| !self.name_taken(candidate))
            .expect("some conflict number is free")
    }

    /// A server item the cache does not have: brought in only as a new child of a directory
    /// pinned with inheritance, on SYNCIN with PINNEWFILES.
    fn remote_only(&mut self, r: &'a RemoteEntry) {
        let flags = self.control().flags;
        if !(self.control().syncs_in() && flags.contains(SyncControlFlags::PINNEWFILES)) {
            return;
        }
        let Some(parent_pins) = self.inherited_pins(&r.path) else {
            return;
        };
        let requested = requested_pin_sources(flags);
        let sources = if requested.is_empty() {
            parent_pins
        } else {
            parent_pins & requested
        };
        if sources.is_empty() {
            return;
        }
        let pins = if r.meta.kind.is_dir() {
            Pins::inheriting(sources)
        } else {
            Pins::pinned(sources)
        };
        if r.meta.kind.is_dir() {
            self.new_dirs.push((r.path.clone(), pins));
        }
        let obs = self.observe(None, Some(r));
        let class = classify(&obs);
        let mut ops = pull_ops_new(&r.path, &r.meta);
        ops.push(op(
            SyncOperation::Pin,
            Action::Pin {
                path: r.path.clone(),
                pins,
            },
        ));
        self.items.push(PlannedItem {
            path: r.path.clone(),
            class,
            outcome: Outcome::Sync,
            ops,
        });
    }

    /// The pin sources a new child of `path`'s parent inherits, if the parent is a cached
    /// directory (or one this plan pins) whose pin inherits.
    fn inherited_pins(&mut self, path: &ItemPath) -> Option<PinSources> {
        let parent = path.parent_str()?;
        if parent.is_empty() {
            return None;
        }
        while let Some((top, _)) = self.new_dirs.last() {
            if is_self_or_descendant(parent, top.as_str()) {
                break;
            }
            self.new_dirs.pop();
        }
        if let Some((top, pins)) = self.new_dirs.last()
            && top.as_str() == parent
        {
            return Some(pins.inherit);
        }
        let idx = self.view.cache.index_of(parent)?;
        let entry = &self.view.cache.entries()[idx];
        let inherit = entry.pins.inherit;
        (entry.exists_locally() && entry.kind().is_dir() && !inherit.is_empty()).then_some(inherit)
    }

    /// PINLINKTARGETS (with PINNEWFILES): a pinned link pins its target when that is a file,
    /// never a directory.
    /// In a merge, a pinned folder name (a ghost) whose server copy became a file is only
    /// adopted while names below it stay (the merge keeps them). When this plan deletes every
    /// one of those names (in the deletion phase, which runs first), nothing holds the file
    /// back: it is downloaded in the same sync, so the merge converges.
    pub(super) fn fill_cleared_ghosts(&mut self) {
        if !self.merge || !self.control().fills_sparse() {
            return;
        }
        let view = self.view;
        let deleted: HashSet<&ItemPath> = self
            .items
            .iter()
            .filter(|it| {
                it.outcome == Outcome::Sync
                    && !it.ops.is_empty()
                    && it.ops.iter().all(
                        |o| matches!(&o.action, Action::DeleteLocal { path } if *path == it.path),
                    )
            })
            .map(|it| &it.path)
            .collect();
        let mut fills = Vec::new();
        for (i, it) in self.items.iter().enumerate() {
            let [
                Op {
                    action: Action::AdoptRemote { path, meta },
                    ..
                },
            ] = &it.ops[..]
            else {
                continue;
            };
            let Some(c) = view.cache.get(path) else {
                continue;
            };
            let cleared = view.cache.subtree(path)[1..]
                .iter()
                .all(|below| deleted.contains(&below.path));
            if c.local.presence == Presence::Ghost
                && c.pins.is_pinned()
                && c.kind().is_dir()
                && !meta.kind.is_dir()
                && cleared
            {
                fills.push((i, path.clone(), meta.clone()));
            }
        }
        for (i, path, meta) in fills {
            self.items[i].ops = vec![op(
                SyncOperation::SyncToClient,
                Action::Download {
                    path,
                    expected: Some(meta.version.clone()),
                    meta,
                },
            )];
        }
    }

    pub(super) fn pin_link_targets(&mut self) {
        let flags = self.control().flags;
        if !(self.control().syncs_in()
            && flags.contains(SyncControlFlags::PINNEWFILES | SyncControlFlags::PINLINKTARGETS))
        {
            return;
        }
        let view = self.view;
        let mut links: Vec<(ItemPath, PinSources)> = Vec::new();
        for scope in self.scopes() {
            for e in view.cache.subtree(&scope) {
                if e.kind() == ItemKind::Link
                    && e.exists_locally()
                    && e.pins.is_pinned()
                    && let Some(t) = e.local_view().link_target
                {
                    links.push((t.clone(), e.pins.sources));
                }
            }
        }
        for item in &self.items {
            for o in &item.ops {
                if let Action::Pin { path, pins } = &o.action
                    && let Some(r) = view.remote.get(path)
                    && r.meta.kind == ItemKind::Link
                    && let Some(t) = &r.meta.link_target
                {
                    links.push(((**t).clone(), pins.sources));
                }
            }
        }
        let mut index: HashMap<ItemPath, usize> = self
            .items
            .iter()
            .enumerate()
            .map(|(i, it)| (it.path.clone(), i))
            .collect();
        for (target, sources) in links {
            let r = view.remote.get(&target);
            let cached = view.cache.get(&target);
            // The target must be a file wherever it exists (on the server, or created offline
            // with its upload in this plan or waiting for one), never a directory on either
            // side; and it must be somewhere the planner can see.
            // Judged as the plan leaves it: a directory this sync replaces by a file counts
            // as the file it becomes.
            let item_ops: &[Op] = index.get(&target).map_or(&[], |&i| &self.items[i].ops);
            let replaced = |side: Side| {
                item_ops.iter().any(|o| match &o.action {
                    Action::DeleteRemote { path, .. } => side == Side::Remote && *path == target,
                    Action::Download { path, .. } => side == Side::Local && *path == target,
                    _ => false,
                })
            };
            let dir_somewhere = (r.is_some_and(|r| r.meta.kind.is_dir())
                && !replaced(Side::Remote))
                || (cached.is_some_and(|c| c.exists_locally() && c.kind().is_dir())
                    && !replaced(Side::Local));
            let exists = r.is_some() || cached.is_some_and(CacheEntry::exists_locally);
            if dir_somewhere
                || !exists
                || view.remote.unlisted_ancestor(&target).is_some()
                || cached.is_some_and(|c| c.pins.sources.contains(sources))
            {
                continue;
            }
            let pin = op(
                SyncOperation::Pin,
                Action::Pin {
                    path: target.clone(),
                    pins: Pins::pinned(sources),
                },
            );
            if let Some(&i) = index.get(&target) {
                let fresh = r.map(|r| classify(&self.observe(None, Some(r))));
                let it = &mut self.items[i];
                match (&it.outcome, r, fresh) {
                    // A requested path that is not cached yet: bring it in, then pin it.
                    (Outcome::NotCached, Some(r), Some(fresh)) => {
                        it.class = fresh;
                        it.outcome = Outcome::Sync;
                        it.ops = pull_ops_new(&target, &r.meta);
                        it.ops.push(pin);
                    }
                    // Carried out this sync: pin it too, and a name-only copy gets its content.
                    (Outcome::Sync | Outcome::Resolved(_), ..) => {
                        let already = it.ops.iter().any(|o| {
                            matches!(&o.action, Action::Pin { pins: p, .. } if p.sources.contains(sources))
                        });
                        // A pin belongs to the cache entry: it needs the entry to stay. A
                        // tombstone leaves with its deletion (unless this sync brings the
                        // server copy back over it, as a merge does), and an item of
                        // deletions only must stay one (it runs in the deletion phase,
                        // children first).
                        let restored = it.ops.iter().any(
                            |o| matches!(&o.action, Action::Download { path, .. } if *path == target),
                        );
                        let leaves_cache = (cached.is_some_and(|c| c.local.is_deleted())
                            && !restored)
                            || it
                                .ops
                                .iter()
                                .any(|o| matches!(o.action, Action::DeleteLocal { .. }))
                            || only_deletes(it);
                        if !already && !leaves_cache {
                            if let (Some(r), Some(c)) = (r, cached)
                                && c.local.presence == Presence::Ghost
                            {
                                it.ops = pull_ops_new(&target, &r.meta);
                            }
                            it.ops.push(pin);
                        }
                    }
                    // In conflict, held back or not examined: pinned once that is settled.
                    _ => {}
                }
                continue;
            }
            let (class, mut ops) = match (cached, r) {
                // Cached in full: only the pin is missing.
                (Some(c), _) if c.local.presence == Presence::Full => {
                    (classify(&self.observe(Some(c), r)), Vec::new())
                }
                (Some(c), Some(r)) if c.local.presence == Presence::Sparse => (
                    classify(&self.observe(Some(c), Some(r))),
                    pull_ops(c, Some(&r.meta)),
                ),
                // Deleted offline: the user's deletion stands.
                (Some(c), _) if c.local.is_deleted() => continue,
                // A ghost or an uncached file: download it.
                (_, Some(r)) => (
                    classify(&self.observe(cached, Some(r))),
                    pull_ops_new(&target, &r.meta),
                ),
                (_, None) => continue,
            };
            ops.push(pin);
            index.insert(target.clone(), self.items.len());
            self.items.push(PlannedItem {
                path: target,
                class,
                outcome: Outcome::Sync,
                ops,
            });
        }
    }

    /// On a case-insensitive share, names that differ only in case or Unicode normalization
    /// are one item on the server: a conflict of its own, never an overwrite.
    fn find_name_collisions(&mut self) -> bool {
        if self.one_sided.is_empty() {
            return false;
        }
        let view = self.view;
        let parents: HashSet<&str> = self
            .one_sided
            .iter()
            .filter_map(ItemPath::parent_str)
            .collect();
        let deleted = |side: Side| -> HashSet<&ItemPath> {
            self.items
                .iter()
                .flat_map(|i| &i.ops)
                .filter(|o| o.action.is_delete() && o.action.side() == side)
                .map(|o| o.action.path())
                .collect()
        };
        let (deleted_locally, deleted_remotely) = (deleted(Side::Local), deleted(Side::Remote));
        // Canonical name of every child of an affected parent, on either side.
        let mut groups: HashMap<(String, String), Vec<ItemPath>> = HashMap::new();
        for parent in parents {
            let mut add = |p: &ItemPath| {
                let key = (parent.to_owned(), canonical_name(p.name()));
                let group = groups.entry(key).or_default();
                if !group.contains(p) {
                    group.push(p.clone());
                }
            };
            // Only names that still stand somewhere after the plan can collide: a name deleted
            // on one side whose other copy this plan deletes too (a case-only rename, on
            // either side) is on its way out. If its deletion does not run (a conflict, a
            // blocked directory), it still stands and collides.
            let deleted_offline = |p: &ItemPath| {
                let local_stays = view.cache.get(p).is_some_and(CacheEntry::exists_locally)
                    && !deleted_locally.contains(p);
                let remote_stays = view.remote.get(p).is_some() && !deleted_remotely.contains(p);
                !local_stays && !remote_stays
            };
            for_each_child(
                view.cache.entries(),
                parent,
                |e| &e.path,
                |p| {
                    if !deleted_offline(p) {
                        add(p);
                    }
                },
            );
            for_each_child(
                view.remote.entries(),
                parent,
                |e| &e.path,
                |p| {
                    if !deleted_offline(p) {
                        add(p);
                    }
                },
            );
        }
        // Only a name present on one side collides: an item both sides list under the same
        // name is one both sides agree on, and its writes carry version preconditions.
        let one_sided: HashSet<&ItemPath> = self.one_sided.iter().collect();
        let colliding: HashSet<ItemPath> = groups
            .into_values()
            .filter(|g| g.len() > 1)
            .flatten()
            .filter(|p| one_sided.contains(p))
            .collect();
        if colliding.is_empty() {
            return false;
        }
        let mut present: HashSet<ItemPath> = HashSet::new();
        for item in &mut self.items {
            // An item held back for a reason that stands until the user acts (its listing
            // failed, the handler's answer was rejected) keeps that reason. A blocked item is
            // recorded as a collision: what blocked it may be gone by the next sync, and the
            // collision must be reported the same way then.
            let held_back = matches!(item.outcome, Outcome::ListingFailed | Outcome::Rejected(_));
            if colliding.contains(&item.path) {
                present.insert(item.path.clone());
                if !held_back {
                    item.class.state = SyncState::NameCollision;
                    item.outcome = Outcome::Logged;
                    item.ops.clear();
                }
            }
        }
        // One-sided colliding paths the plan had no item for (a server-only name, say).
        let mut extra: Vec<ItemPath> = self
            .one_sided
            .iter()
            .filter(|p| colliding.contains(*p) && !present.contains(*p))
            .cloned()
            .collect();
        crate::sort::sort_dedup(&mut extra);
        let added = !extra.is_empty();
        for path in extra {
            let c = view.cache.get(&path);
            let r = view.remote.get(&path);
            let mut class = classify(&self.observe(c, r));
            class.state = SyncState::NameCollision;
            class.disposition = Disposition::Conflict;
            self.items.push(PlannedItem {
                path,
                class,
                outcome: Outcome::Logged,
                ops: Vec::new(),
            });
        }
        added
    }

    /// BACKGROUND: an item the app has open, one inside an open folder, and a folder that
    /// holds an open item (moving or deleting it would take the open item along) are left
    /// for a later sync with no step. This runs before the passes that keep the plan
    /// consistent, so a folder deletion waits for them like for any item the plan keeps.
    fn hold_in_use(&mut self) {
        let req = self.req;
        if req.in_use.is_empty() || !self.control().flags.contains(SyncControlFlags::BACKGROUND) {
            return;
        }
        let open = |p: &ItemPath| {
            req.in_use
                .iter()
                .any(|o| p.is_self_or_descendant_of(o) || o.is_self_or_descendant_of(p))
        };
        for item in &mut self.items {
            let touches = open(&item.path)
                || item.ops.iter().any(|o| match &o.action {
                    Action::MoveRemote { from, to, .. } | Action::MoveLocal { from, to, .. } => {
                        open(from) || open(to)
                    }
                    action => open(action.path()),
                });
            if touches && !item.ops.is_empty() {
                item.outcome = Outcome::Blocked(BlockReason::InUse);
                item.ops.clear();
            }
        }
    }

    /// Orders, checks and guards the plan.
    pub(super) fn finish(mut self) -> Result<Plan, PlanError> {
        let view = self.view;
        // Each path appears once in a plan, so an in-place unstable sort is exact (and allocates
        // nothing, which matters for the memory budget of very large shares).
        crate::sort::sort_by(&mut self.items, |a, b| a.path.cmp(&b.path));
        self.hold_in_use();
        self.block_non_empty_deletes();
        // Collisions are judged on the deletions that will really run, and before creations
        // are checked, so that a collided directory blocks its subtree.
        if view.share.share.case == CaseRule::Insensitive && self.find_name_collisions() {
            crate::sort::sort_by(&mut self.items, |a, b| a.path.cmp(&b.path));
        }
        self.block_orphan_creations();

        // The mass-deletion valve.
        if !self.req.guard.allow && !self.merge {
            let covers_root = self.req.paths.iter().any(ItemPath::is_root);
            let synced = view
                .cache
                .entries()
                .iter()
                .filter(|e| e.original.is_some())
                .count();
            let root_listed = view.remote.unlisted_ancestor(&ItemPath::root()).is_none();
            if covers_root && root_listed && view.remote.is_empty() && synced > 0 {
                return Err(PlanError::EmptyRemoteListing { cached: synced });
            }
            // Ghosts are names, not cached items: they must not dilute the ratio.
            let cached = view
                .cache
                .entries()
                .iter()
                .filter(|e| e.local.presence != Presence::Ghost)
                .count();
            for side in [Side::Local, Side::Remote] {
                let deletes = self
                    .items
                    .iter()
                    .flat_map(|i| &i.ops)
                    .filter(|o| match &o.action {
                        Action::DeleteRemote { .. } => side == Side::Remote,
                        Action::DeleteLocal { path } => {
                            side == Side::Local
                                && view.cache.get(path).is_some_and(CacheEntry::exists_locally)
                        }
                        _ => false,
                    })
                    .count();
                let guard = self.req.guard;
                if deletes >= guard.min_deletes.max(1)
                    && deletes * 100 > usize::from(guard.max_percent) * cached
                {
                    return Err(PlanError::MassDeletion {
                        side,
                        deletes,
                        cached,
                        percent: deletes * 100 / cached.max(1),
                        max_percent: guard.max_percent,
                    });
                }
            }
        }

        let scopes = self.scopes();
        // Deletions first (children before parents), then the rest (parents before
        // children). An abort answer cuts the plan at its item.
        let mut items = self.items;
        crate::sort::sort_by(&mut items, |a, b| {
            let (da, db) = (only_deletes(a), only_deletes(b));
            db.cmp(&da).then_with(|| {
                if da {
                    b.path.cmp(&a.path)
                } else {
                    a.path.cmp(&b.path)
                }
            })
        });
        if let Some(abort) = items.iter().position(|i| i.outcome == Outcome::Abort) {
            items.truncate(abort + 1);
        }
        // Defense in depth: replay the final order against the trees. A violation is a planner
        // bug (the property tests look for them); a release build stops the plan before it
        // rather than delete a non-empty server directory or create an orphan. Only a plan
        // with structure (a deletion, a directory made or removed, a move) has an order to get
        // wrong; plain uploads and downloads over existing files do not.
        let structural = self.removes_dirs
            || items.iter().flat_map(|i| &i.ops).any(|o| {
                matches!(
                    o.action,
                    Action::DeleteRemote { .. }
                        | Action::DeleteLocal { .. }
                        | Action::MakeRemoteDir { .. }
                        | Action::MakeLocalDir { .. }
                        | Action::MoveRemote { .. }
                        | Action::MoveLocal { .. }
                )
            });
        let violation = if structural {
            verify_order(view, &items)
        } else {
            None
        };
        if let Some((at, reason)) = violation {
            debug_assert!(
                false,
                "planner bug: step order violated at {} ({reason:?}): {:#?}",
                items[at].path, items[at].ops
            );
            items.truncate(at + 1);
            items[at].ops.clear();
            items[at].outcome = Outcome::Blocked(reason);
        }

        let conflicts = conflict_changes(view, self.req, &items, &scopes);
        let forget_originals = if self.merge {
            // A pin alone does not replace an original.
            let rebased: HashSet<&ItemPath> = items
                .iter()
                .filter(|i| {
                    i.ops
                        .iter()
                        .any(|o| !matches!(o.action, Action::Pin { .. }))
                })
                .map(|i| &i.path)
                .collect();
            view.cache
                .entries()
                .iter()
                .filter(|e| e.original.is_some() && !rebased.contains(&e.path))
                .map(|e| e.path.clone())
                .collect()
        } else {
            Vec::new()
        };
        Ok(Plan {
            items,
            conflicts,
            merge: self.merge,
            forget_originals,
        })
    }

    /// A directory may only be deleted on a side if the plan deletes everything below it
    /// there. Runs children first, so a kept child keeps every ancestor.
    fn block_non_empty_deletes(&mut self) {
        let view = self.view;
        // Most plans remove no directory at all; they need no bookkeeping.
        let any_dir_removed = self
            .items
            .iter()
            .flat_map(|i| &i.ops)
            .any(|o| self.removed_dir(&o.action).is_some());
        self.removes_dirs = any_dir_removed;
        if !any_dir_removed {
            return;
        }
        let mut deleted: HashMap<Side, Vec<ItemPath>> = HashMap::new();
        for item in &self.items {
            for o in &item.ops {
                if o.action.is_delete() {
                    deleted
                        .entry(o.action.side())
                        .or_default()
                        .push(o.action.path().clone());
                }
            }
        }
        for list in deleted.values_mut() {
            crate::sort::sort(list);
        }
        for idx in (0..self.items.len()).rev() {
            let item = &self.items[idx];
            let mut blocked = None;
            for o in &item.ops {
                let Some((side, path)) = self.removed_dir(&o.action) else {
                    continue;
                };
                if side == Side::Remote && view.remote.unlisted_ancestor(path).is_some() {
                    blocked = Some(BlockReason::NotListed);
                    continue;
                }
                let below = match side {
                    Side::Remote => view.remote.subtree(path).len() - 1,
                    Side::Local => view.cache.subtree(path).len() - 1,
                };
                let list = deleted.get(&side).map(Vec::as_slice).unwrap_or(&[]);
                let (a, b) = subtree_range(list, path.as_str(), |p| p.as_str());
                let deleted_below = list[a..b].iter().filter(|p| *p != path).count();
                // Tombstones below a directory vanish with it only if the plan removes them.
                if deleted_below < below {
                    blocked = Some(BlockReason::NotEmpty(side));
                }
            }
            if let Some(reason) = blocked {
                let item = &mut self.items[idx];
                for o in &item.ops {
                    if o.action.is_delete() {
                        let list = deleted.get_mut(&o.action.side()).expect("recorded above");
                        if let Ok(k) = list.binary_search(o.action.path()) {
                            list.remove(k);
                        }
                    }
                }
                item.ops.clear();
                item.outcome = Outcome::Blocked(reason);
            }
        }
    }

    /// The directory a step removes, with its side: a deletion of a directory, or a file
    /// download that replaces a cached directory.
    fn removed_dir<'b>(&self, action: &'b Action) -> Option<(Side, &'b ItemPath)> {
        let view = self.view;
        let removes = match action {
            Action::DeleteRemote { path, .. } => {
                view.remote.get(path).is_some_and(|r| r.meta.kind.is_dir())
            }
            Action::DeleteLocal { path } => view.cache.get(path).is_some_and(|c| c.kind().is_dir()),
            Action::Download { path, .. } => view
                .cache
                .get(path)
                .is_some_and(|c| c.exists_locally() && c.kind().is_dir()),
            // A name-only directory whose server copy became a file.
            Action::AdoptRemote { path, meta } => {
                !meta.kind.is_dir() && view.cache.get(path).is_some_and(|c| c.kind().is_dir())
            }
            _ => false,
        };
        removes.then(|| (action.side(), action.path()))
    }

    /// A creation may only happen where the parent will exist on that side. Runs parents
    /// first, so a blocked directory blocks its subtree.
    fn block_orphan_creations(&mut self) {
        let view = self.view;
        // Only a removed directory can leave a creation without its parent.
        let mut gone: HashSet<(Side, ItemPath)> = HashSet::new();
        let mut made: HashSet<(Side, ItemPath)> = HashSet::new();
        for item in &self.items {
            for o in &item.ops {
                if let Some((side, path)) = self.removed_dir(&o.action) {
                    gone.insert((side, path.clone()));
                }
            }
        }
        for idx in 0..self.items.len() {
            let item = &self.items[idx];
            let mut blocked = None;
            for o in &item.ops {
                if !o.action.is_creation() {
                    continue;
                }
                let side = o.action.side();
                let Some(parent) = o.action.path().parent() else {
                    continue;
                };
                if parent.is_root() {
                    continue;
                }
                let exists_now = match side {
                    Side::Remote => view
                        .remote
                        .get(&parent)
                        .is_some_and(|r| r.meta.kind.is_dir()),
                    Side::Local => view
                        .cache
                        .get(&parent)
                        .is_some_and(|c| c.exists_locally() && c.kind().is_dir()),
                };
                let key = (side, parent);
                let will_exist = made.contains(&key) || (exists_now && !gone.contains(&key));
                if !will_exist {
                    blocked = Some(BlockReason::ParentMissing(side));
                }
            }
            let item = &mut self.items[idx];
            if let Some(reason) = blocked {
                item.ops.clear();
                item.outcome = Outcome::Blocked(reason);
                continue;
            }
            for o in &item.ops {
                let made_dir = match &o.action {
                    Action::MakeRemoteDir { path } => Some((Side::Remote, path.clone())),
                    Action::MakeLocalDir { path, .. } => Some((Side::Local, path.clone())),
                    // Adopting a ghost keeps it a ghost: no live directory for children.
                    Action::AdoptRemote { path, meta }
                        if meta.kind.is_dir()
                            && view.cache.get(path).is_some_and(CacheEntry::exists_locally) =>
                    {
                        Some((Side::Local, path.clone()))
                    }
                    _ => None,
                };
                if let Some(key) = made_dir {
                    made.insert(key);
                }
            }
        }
    }
}

/// Replays the steps of `items` in order against the trees and returns the first item whose
/// step would delete a directory that still has something below it on that side, or create
/// something whose parent does not exist there. Mirrors the step semantics documented on
/// [`Action`].
fn verify_order<'p>(
    view: &ShareView<'_>,
    items: &'p [PlannedItem],
) -> Option<(usize, BlockReason)> {
    /// What the replay has changed so far: paths removed, and paths created (with whether
    /// they are directories). Keyed by `&str` so that checks allocate nothing.
    #[derive(Default)]
    struct Replay<'q> {
        removed: HashSet<(Side, &'q str)>,
        added: HashMap<(Side, &'q str), bool>,
    }
    impl<'q> Replay<'q> {
        fn remove(&mut self, side: Side, path: &'q str) {
            self.removed.insert((side, path));
            self.added.remove(&(side, path));
        }
        fn add(&mut self, side: Side, path: &'q str, dir: bool) {
            self.removed.remove(&(side, path));
            self.added.insert((side, path), dir);
        }
    }
    let remote_entry = |path: &str| {
        let entries = view.remote.entries();
        entries
            .binary_search_by(|e| cmp_paths(e.path.as_str(), path))
            .ok()
            .map(|i| &entries[i])
    };
    let cache_entry = |path: &str| view.cache.index_of(path).map(|i| &view.cache.entries()[i]);
    let listed = |side: Side, path: &str| match side {
        Side::Remote => remote_entry(path).is_some(),
        Side::Local => cache_entry(path).is_some(),
    };
    let listed_dir = |side: Side, path: &str| match side {
        Side::Remote => remote_entry(path).is_some_and(|r| r.meta.kind.is_dir()),
        Side::Local => cache_entry(path).is_some_and(|c| c.exists_locally() && c.kind().is_dir()),
    };
    let stands = |r: &Replay<'_>, side: Side, path: &str| {
        r.added.contains_key(&(side, path))
            || (listed(side, path) && !r.removed.contains(&(side, path)))
    };
    let empty_below = |r: &Replay<'_>, side: Side, path: &ItemPath| {
        let nothing_listed = match side {
            Side::Remote => view.remote.subtree(path)[1..]
                .iter()
                .all(|e| !stands(r, side, e.path.as_str())),
            Side::Local => view.cache.subtree(path)[1..]
                .iter()
                .all(|e| !stands(r, side, e.path.as_str())),
        };
        nothing_listed
            && !r.added.keys().any(|(s, p)| {
                *s == side && is_self_or_descendant(p, path.as_str()) && *p != path.as_str()
            })
    };
    let made_by_plan: HashSet<(Side, &str)> = items
        .iter()
        .flat_map(|i| &i.ops)
        .filter(|o| {
            matches!(
                o.action,
                Action::MakeRemoteDir { .. } | Action::MakeLocalDir { .. }
            )
        })
        .map(|o| (o.action.side(), o.action.path().as_str()))
        .collect();
    let mut r: Replay<'p> = Replay::default();
    for (at, item) in items.iter().enumerate() {
        for o in &item.ops {
            let a = &o.action;
            let path = a.path();
            let side = a.side();
            // Whether the parent exists in the input is the planner's own check; the replay
            // looks for order: a parent removed earlier in the plan (and not made again), or
            // one the plan makes only later.
            let parent_dir_stands = |r: &mut Replay<'p>| {
                let parent = match path.parent_str() {
                    Some("") | None => return true,
                    Some(parent) => parent,
                };
                match r.added.get(&(side, parent)) {
                    Some(&dir) => dir,
                    None => {
                        !r.removed.contains(&(side, parent))
                            && !made_by_plan.contains(&(side, parent))
                    }
                }
            };
            let violation = match a {
                Action::DeleteRemote { .. } | Action::DeleteLocal { .. } => {
                    (!empty_below(&r, side, path)).then_some(BlockReason::NotEmpty(side))
                }
                Action::Download { .. }
                    if listed_dir(Side::Local, path.as_str())
                        && !r.removed.contains(&(Side::Local, path.as_str()))
                        && !empty_below(&r, Side::Local, path) =>
                {
                    Some(BlockReason::NotEmpty(Side::Local))
                }
                Action::Upload { .. }
                | Action::MakeRemoteDir { .. }
                | Action::MoveRemote { .. }
                | Action::Download { .. }
                | Action::MakeLocalDir { .. }
                | Action::MoveLocal { .. } => {
                    (!parent_dir_stands(&mut r)).then_some(BlockReason::ParentMissing(side))
                }
                // A name-only directory whose server copy became a file.
                Action::AdoptRemote { meta, .. }
                    if !meta.kind.is_dir()
                        && cache_entry(path.as_str()).is_some_and(|c| c.kind().is_dir())
                        && !empty_below(&r, Side::Local, path) =>
                {
                    Some(BlockReason::NotEmpty(Side::Local))
                }
                Action::PushMeta { .. } | Action::AdoptRemote { .. } | Action::Pin { .. } => None,
            };
            if let Some(reason) = violation {
                return Some((at, reason));
            }
            let p = path.as_str();
            match a {
                Action::DeleteRemote { .. } => {
                    r.remove(Side::Remote, p);
                    // The cache forgets a tombstone with its server copy.
                    if cache_entry(p).is_some_and(|c| c.local.is_deleted()) {
                        r.remove(Side::Local, p);
                    }
                }
                Action::DeleteLocal { .. } => r.remove(Side::Local, p),
                Action::Upload { .. } => r.add(Side::Remote, p, false),
                Action::MakeRemoteDir { .. } => r.add(Side::Remote, p, true),
                Action::MoveRemote { from, .. } => {
                    r.remove(Side::Remote, from.as_str());
                    r.add(Side::Remote, p, false);
                }
                Action::Download { .. } | Action::MoveLocal { .. } => r.add(Side::Local, p, false),
                Action::MakeLocalDir { .. } => r.add(Side::Local, p, true),
                Action::PushMeta { .. } | Action::AdoptRemote { .. } | Action::Pin { .. } => {}
            }
        }
    }
    None
}

/// True for an item whose steps are all deletions: it runs in the first phase.
fn only_deletes(item: &PlannedItem) -> bool {
    !item.ops.is_empty() && item.ops.iter().all(|o| o.action.is_delete())
}

/// The pin sources named by PINFORUSER / PINFORUSER_POLICY / PINFORALL / PINFORREDIR.
fn requested_pin_sources(flags: SyncControlFlags) -> PinSources {
    let mut s = PinSources::empty();
    if flags.contains(SyncControlFlags::PINFORUSER) {
        s |= PinSources::USER;
    }
    if flags.contains(SyncControlFlags::PINFORUSER_POLICY) {
        s |= PinSources::USER_POLICY;
    }
    if flags.contains(SyncControlFlags::PINFORALL) {
        s |= PinSources::ALL;
    }
    if flags.contains(SyncControlFlags::PINFORREDIR) {
        s |= PinSources::REDIR;
    }
    s
}

/// The name as a case-insensitive share compares it: NFC, then lower case.
pub fn canonical_name(name: &str) -> String {
    crate::unicode::nfc(name)
        .chars()
        .flat_map(char::to_lowercase)
        .collect()
}

/// Calls `f` for each direct child of `parent` in a slice sorted by path, jumping over
/// grandchildren subtrees.
fn for_each_child<T>(
    entries: &[T],
    parent: &str,
    path_of: impl Fn(&T) -> &ItemPath,
    mut f: impl FnMut(&ItemPath),
) {
    let (mut k, end) = subtree_range(entries, parent, |e| path_of(e).as_str());
    let depth = if parent.is_empty() {
        1
    } else {
        parent.bytes().filter(|&b| b == b'/').count() + 2
    };
    while k < end {
        let p = path_of(&entries[k]);
        if p.as_str() == parent {
            k += 1;
            continue;
        }
        debug_assert_eq!(p.depth(), depth, "the walk lands on direct children only");
        f(p);
        let (_, sub_end) = subtree_range(&entries[k..], p.as_str(), |e| path_of(e).as_str());
        k += sub_end.max(1);
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::model::{CacheTree, Epoch, Millis, RemoteTree, Share, ShareState, Version};
    use crate::win::SyncOperation;

    fn path(s: &str) -> ItemPath {
        ItemPath::new(s).expect("valid test path")
    }

    fn item(p: &str, actions: Vec<Action>) -> PlannedItem {
        PlannedItem {
            path: path(p),
            class: classify(&Observed::default()),
            outcome: Outcome::Sync,
            ops: actions
                .into_iter()
                .map(|action| Op {
                    operation: SyncOperation::Prepare,
                    action,
                })
                .collect(),
        }
    }

    /// A share whose server has d/ and d/x; the cache has the same, deleted offline.
    fn check(items: &[PlannedItem]) -> Option<(usize, BlockReason)> {
        let dir = Meta::dir("d1", Millis(1));
        let file = Meta::file("x1", 1, Millis(1), None);
        let remote = RemoteTree::new(
            vec![
                RemoteEntry {
                    path: path("d"),
                    meta: dir.clone(),
                },
                RemoteEntry {
                    path: path("d/x"),
                    meta: file.clone(),
                },
            ],
            None,
        )
        .expect("valid listing");
        let mut entries = vec![
            CacheEntry::synced(path("d"), dir, Pins::NONE),
            CacheEntry::synced(path("d/x"), file, Pins::NONE),
        ];
        for e in &mut entries {
            e.local.presence = Presence::Deleted;
        }
        let cache = CacheTree::new(entries).expect("valid cache");
        let share = ShareState {
            share: Share::new("https://h/dav/", CaseRule::Sensitive).expect("valid URL"),
            connectivity: Default::default(),
            epoch: Some(Epoch("e".into())),
        };
        let view = ShareView {
            share: &share,
            cache: &cache,
            remote: &remote,
            conflicts: &[],
        };
        verify_order(&view, items)
    }

    fn delete(p: &str) -> Action {
        Action::DeleteRemote {
            path: path(p),
            expected: Version::new("v"),
        }
    }

    #[test]
    fn the_replay_accepts_children_deleted_before_their_directory() {
        assert_eq!(
            check(&[
                item("d/x", vec![delete("d/x")]),
                item("d", vec![delete("d")])
            ]),
            None
        );
    }

    #[test]
    fn the_replay_catches_a_server_directory_deleted_before_its_children() {
        let items = [
            item("d", vec![delete("d")]),
            item("d/x", vec![delete("d/x")]),
        ];
        assert_eq!(
            check(&items),
            Some((0, BlockReason::NotEmpty(Side::Remote)))
        );
    }

    #[test]
    fn the_replay_catches_a_creation_before_the_directory_it_goes_in() {
        let upload = Action::Upload {
            path: path("n/f"),
            precondition: Precondition::MustNotExist,
        };
        let mkcol = Action::MakeRemoteDir { path: path("n") };
        let wrong = [
            item("n/f", vec![upload.clone()]),
            item("n", vec![mkcol.clone()]),
        ];
        assert_eq!(
            check(&wrong),
            Some((0, BlockReason::ParentMissing(Side::Remote)))
        );
        let right = [item("n", vec![mkcol]), item("n/f", vec![upload])];
        assert_eq!(check(&right), None);
    }

    #[test]
    fn the_replay_catches_a_creation_inside_a_directory_deleted_earlier() {
        let items = [
            item("d/x", vec![delete("d/x")]),
            item("d", vec![delete("d")]),
            item(
                "d/y",
                vec![Action::Upload {
                    path: path("d/y"),
                    precondition: Precondition::MustNotExist,
                }],
            ),
        ];
        assert_eq!(
            check(&items),
            Some((2, BlockReason::ParentMissing(Side::Remote)))
        );
    }
}
