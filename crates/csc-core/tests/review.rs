//! Review tests: situations the other suites do not generate (links and PINLINKTARGETS, ghosts,
//! partial scopes, one-direction flags, aborts, case-insensitive names), each asserting the
//! behaviour the module docs and the spec promise; plus a property test with a wider generator
//! (random flags, scopes, ghosts and pins).

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use csc_core::win::{ConflictPolicy, ConflictResolve, SyncControl, SyncControlFlags, SyncState};
use csc_core::{
    Action, CacheEntry, CaseRule, ConflictChange, HandlerAnswer, ItemPath, LocalChanges, Outcome,
    Pins, Plan, PlanError, Presence, ResolutionError, Side, SyncRequest,
};
use csc_testkit::inspect::{
    Step, actions, describe, local, outcome, plan_of, remote, request, state, steps_of, whole,
};
use csc_testkit::{World, hash_of, p};

const IN: SyncControlFlags = SyncControlFlags::SYNCIN;
const OUT: SyncControlFlags = SyncControlFlags::SYNCOUT;
const TWO_WAY: SyncControlFlags = IN.union(OUT);
const LINKS: SyncControlFlags = IN
    .union(SyncControlFlags::PINNEWFILES)
    .union(SyncControlFlags::PINLINKTARGETS);

// ----- helpers --------------------------------------------------------------------------------------

// ----- sparse copies ----------------------------------------------------------------------------------

#[test]
fn a_sparse_file_whose_attributes_changed_offline_never_uploads_its_missing_content() {
    // The cache has only the metadata of f.txt; the user sets read-only on it offline. The
    // server's content is the only full copy: uploading the cached (absent / partial) bytes
    // over it would destroy it.
    let mut w = World::default();
    w.synced_file("f.txt", "the only full copy is on the server")
        .make_sparse("f.txt");
    {
        let e = w.cache.get_mut(&p("f.txt")).expect("cached");
        e.local.own_mut(e.original.as_ref()).attributes |= 0x1;
        e.local.changes |= LocalChanges::ATTRIBUTES;
    }
    let plan = plan_of(&w, &whole(&w, TWO_WAY));
    let uploads_sparse = plan
        .ops()
        .any(|o| matches!(&o.action, Action::Upload { path, .. } if *path == p("f.txt")));
    assert!(
        !uploads_sparse,
        "a sparse file's content is uploaded over the server's full copy:\n{}",
        describe(&plan)
    );
}

// ----- conflict records and direction flags ------------------------------------------------------

#[test]
fn a_fillsparse_only_sync_keeps_the_record_of_a_conflict_it_did_not_look_at() {
    let mut w = World::default();
    w.synced_file("a.txt", "base")
        .local_write("a.txt", "mine")
        .remote_write("a.txt", "theirs, longer");
    let first = w.plan_two_way();
    w.apply(&first);
    assert!(w.conflicts.contains(&p("a.txt")));

    for flags in [SyncControlFlags::FILLSPARSE, SyncControlFlags::empty()] {
        let plan = plan_of(&w, &whole(&w, flags));
        assert!(
            !plan
                .conflicts
                .iter()
                .any(|c| matches!(c, ConflictChange::Removed(q) if *q == p("a.txt"))),
            "a sync with {flags:?} removes the record of a conflict that is still there: {:#?}",
            plan.conflicts
        );
    }
}

// ----- links and PINLINKTARGETS ---------------------------------------------------------------------

#[test]
fn a_link_target_that_is_also_a_requested_uncached_path_is_downloaded_before_it_is_pinned() {
    let mut w = World::default();
    w.synced_link("l.lnk", "x.txt");
    w.remote_write("x.txt", "target");
    let req = request(&w, &["x.txt", "l.lnk"], LINKS, ConflictPolicy::Default);
    let plan = plan_of(&w, &req);
    let pins_uncached = plan.items.iter().any(|i| {
        i.outcome == Outcome::NotCached
            && i.ops.iter().any(|o| matches!(o.action, Action::Pin { .. }))
    });
    assert!(
        !pins_uncached,
        "a Pin step on an item the plan reports as not cached:\n{}",
        describe(&plan)
    );
    // The reference semantics: pinning a path that is not cached is a broken step.
    w.apply(&plan);
    assert_eq!(local(&w, "x.txt").as_deref(), Some("target"));
}

#[test]
fn a_link_target_below_a_ghost_directory_is_not_created_under_the_ghost() {
    // g is known by name only; the server touched it and holds g/t.txt, which a pinned link
    // points at. Adopting g's new version keeps it a ghost, so nothing can be created in it.
    let mut w = World::default();
    w.synced_dir("g");
    w.make_ghost("g");
    w.remote_write("g/t.txt", "target").remote_touch("g");
    w.synced_link("l.lnk", "g/t.txt");
    let plan = plan_of(&w, &whole(&w, LINKS));
    // `apply` asserts that a download finds its parent directory in the cache.
    w.apply(&plan);
}

#[test]
fn a_merge_forgets_the_old_original_of_a_conflicting_link_target_it_only_pins() {
    // The server was restored (new epoch) with another content for t.txt. The merge logs the
    // conflict and pins t.txt (a pinned link points at it); it must still clear t.txt's
    // old-epoch original, or the next sync takes the restored copy as a plain server change and
    // downloads it over the only copy of the cache's version.
    let mut w = World::default();
    w.synced_file("t.txt", "cache version");
    w.set_pins("t.txt", Pins::NONE);
    w.synced_link("l.lnk", "t.txt");
    w.change_epoch();
    w.remote_write("t.txt", "restored server version");

    let first = plan_of(&w, &whole(&w, LINKS.union(OUT)));
    assert!(first.merge);
    assert_eq!(
        outcome(&first, "t.txt"),
        &Outcome::Logged,
        "{}",
        describe(&first)
    );
    w.apply(&first);

    let second = plan_of(&w, &whole(&w, LINKS.union(OUT)));
    w.apply(&second);
    let h = hash_of("cache version");
    assert!(
        w.all_contents().contains(&h),
        "the cache's version of t.txt was lost by the sync after the merge \
         (forget_originals of the merge: {:?}):\nfirst plan:\n{}second plan:\n{}",
        first.forget_originals,
        describe(&first),
        describe(&second)
    );
}

#[test]
fn after_an_epoch_change_an_identical_link_on_both_sides_is_not_a_conflict() {
    // Links carry no content hash, only a target; two links with the same target are equal,
    // as two files with the same hash are (a false conflict otherwise, anchors §A.3 #4).
    let mut w = World::default();
    w.synced_file("t.txt", "target");
    w.synced_link("l.lnk", "t.txt");
    w.change_epoch();
    let plan = plan_of(&w, &whole(&w, TWO_WAY));
    assert_ne!(
        outcome(&plan, "l.lnk"),
        &Outcome::Logged,
        "{}",
        describe(&plan)
    );
}

// ----- ghosts -----------------------------------------------------------------------------------------

#[test]
fn a_directory_deleted_offline_with_a_ghost_inside_is_deleted_on_the_server_or_reported() {
    // d/g.txt is known by name only and unchanged on the server. The user deletes d offline.
    // The plan must either carry the deletion out or report something: a silent block leaves
    // d on the server forever, sync after sync.
    let mut w = World::default();
    w.synced_dir("d").synced_file("d/g.txt", "g");
    w.make_ghost("d/g.txt");
    w.local_delete("d");
    for _ in 0..2 {
        let plan = plan_of(&w, &whole(&w, TWO_WAY));
        w.apply(&plan);
    }
    let stuck_silently = remote(&w, "d").is_some() && w.conflicts.is_empty();
    assert!(
        !stuck_silently,
        "d stays on the server with no conflict reported: {:#?}",
        plan_of(&w, &whole(&w, TWO_WAY))
    );
}

// ----- case-insensitive names -------------------------------------------------------------------------

#[test]
fn a_case_only_rename_whose_old_directory_cannot_be_deleted_creates_nothing_under_the_new_name() {
    // Offline, docs is renamed Docs (delete + create). The server's docs/sub cannot be listed,
    // so the deletion of docs is blocked: docs stays on a case-insensitive server, and creating
    // Docs there would collide with it.
    let mut w = World::new(CaseRule::Insensitive);
    w.synced_dir("docs")
        .synced_dir("docs/sub")
        .synced_file("docs/sub/f.txt", "f")
        .synced_file("docs/a.txt", "a");
    w.local_delete("docs")
        .local_mkdir("Docs")
        .local_write("Docs/a.txt", "a");
    w.unlisted.push(p("docs/sub"));
    let plan = plan_of(&w, &whole(&w, TWO_WAY));
    // docs stays on the server (its deletion is blocked) and collides with Docs.
    assert_eq!(
        state(&plan, "docs"),
        SyncState::NameCollision,
        "{}",
        describe(&plan)
    );
    let creates_docs = plan.ops().any(|o| {
        matches!(&o.action, Action::MakeRemoteDir { path } if *path == p("Docs"))
            || matches!(&o.action, Action::Upload { path, .. } if *path == p("Docs/a.txt"))
    });
    assert!(
        !creates_docs,
        "the plan creates Docs while docs stays on the server:\n{}",
        describe(&plan)
    );
}

#[test]
fn a_case_only_rename_on_the_server_is_not_a_name_collision() {
    // Another device renamed a.txt to A.txt on the server. Nothing is written to the server,
    // so nothing can be overwritten: the cache just follows (a.txt goes; A.txt comes with
    // PINNEWFILES in a pinned folder).
    let mut w = World::new(CaseRule::Insensitive);
    w.synced_dir("d").synced_file("d/a.txt", "same");
    w.remote_delete("d/a.txt").remote_write("d/A.txt", "same");
    let plan = plan_of(&w, &whole(&w, TWO_WAY.union(SyncControlFlags::PINNEWFILES)));
    let collisions: Vec<&str> = plan
        .items
        .iter()
        .filter(|i| i.class.state == SyncState::NameCollision)
        .map(|i| i.path.as_str())
        .collect();
    assert!(collisions.is_empty(), "{}", describe(&plan));
    w.apply(&plan);
    assert_eq!(local(&w, "d/A.txt").as_deref(), Some("same"));
    assert_eq!(local(&w, "d/a.txt"), None);
}

#[test]
fn a_keep_all_changes_name_that_differs_only_in_case_from_an_existing_name_is_taken() {
    let mut w = World::new(CaseRule::Insensitive);
    w.synced_file("a.txt", "base")
        .synced_file("Notes.txt", "notes")
        .local_write("a.txt", "mine")
        .remote_write("a.txt", "theirs, longer");
    let mut req = whole(&w, TWO_WAY);
    req.answers.insert(
        p("a.txt"),
        HandlerAnswer {
            resolution: ConflictResolve::KeepAllChanges,
            new_name: Some("notes.txt".into()),
        },
    );
    let plan = plan_of(&w, &req);
    assert!(
        matches!(
            outcome(&plan, "a.txt"),
            Outcome::Rejected(ResolutionError::NameTaken { .. })
        ),
        "{}",
        describe(&plan)
    );
}

#[test]
fn the_default_conflict_name_skips_a_name_taken_in_another_case_on_a_case_insensitive_share() {
    let mut w = World::new(CaseRule::Insensitive);
    w.synced_file("a.txt", "base")
        .remote_write("A (Conflict 1).txt", "unrelated")
        .local_write("a.txt", "mine")
        .remote_write("a.txt", "theirs, longer");
    let mut req = whole(&w, TWO_WAY);
    req.answers.insert(
        p("a.txt"),
        HandlerAnswer::new(ConflictResolve::KeepAllChanges),
    );
    let plan = plan_of(&w, &req);
    let target = actions(&plan, "a.txt").into_iter().find_map(|a| match a {
        Action::MoveLocal { to, .. } => Some(to),
        _ => None,
    });
    assert_ne!(target, Some(p("a (conflict 1).txt")), "{}", describe(&plan));
}

// ----- abort ------------------------------------------------------------------------------------------

#[test]
fn an_abort_answer_stops_the_sync_at_its_item_in_execution_order() {
    // The plan runs deletions first, then everything else in path order. CONFLICT_ABORT on
    // b.txt cancels what comes after it in that order (d.txt) and nothing before it (the
    // deletion of c.txt, resolved by the caller's KEEPLOCAL, and the upload of a.txt).
    let mut w = World::default();
    w.synced_dir("docs");
    for name in ["a", "b", "d"] {
        let path = format!("docs/{name}.txt");
        w.synced_file(&path, "base");
        w.local_write(&path, &format!("local {name}"));
        w.remote_write(&path, &format!("server {name}, longer"));
    }
    w.synced_file("docs/c.txt", "base")
        .local_delete("docs/c.txt")
        .remote_write("docs/c.txt", "server c, edited");
    let mut req = request(&w, &[], TWO_WAY, ConflictPolicy::KeepLocal);
    req.answers
        .insert(p("docs/b.txt"), HandlerAnswer::new(ConflictResolve::Abort));
    let plan = plan_of(&w, &req);
    let order: Vec<&str> = plan.items.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(
        order,
        ["docs/c.txt", "docs/a.txt", "docs/b.txt"],
        "{}",
        describe(&plan)
    );
    w.apply(&plan);
    assert_eq!(remote(&w, "docs/c.txt"), None);
    assert_eq!(remote(&w, "docs/a.txt").as_deref(), Some("local a"));
    assert_eq!(
        remote(&w, "docs/b.txt").as_deref(),
        Some("server b, longer")
    );
    assert_eq!(
        remote(&w, "docs/d.txt").as_deref(),
        Some("server d, longer")
    );
}

// ----- mass-deletion valve ------------------------------------------------------------------------

#[test]
fn ghosts_do_not_dilute_the_mass_deletion_valve() {
    // The cache knows 30 names but holds only 6 files; the server deleted all 6. Counting the
    // ghosts, 6 of 38 is far below 50 %, yet every file the user can open offline goes.
    let mut w = World::default();
    w.synced_dir("d").synced_file("keep.txt", "keep");
    for k in 0..6 {
        w.synced_file(&format!("d/f{k}.txt"), &format!("f{k}"));
    }
    w.synced_dir("names");
    for k in 0..30 {
        let path = format!("names/g{k}.txt");
        w.synced_file(&path, "g");
        w.make_ghost(&path);
    }
    w.remote_delete("d");
    let mut req = whole(&w, TWO_WAY);
    req.guard.allow = false;
    let result = w.plan(&req);
    assert!(
        matches!(
            result,
            Err(PlanError::MassDeletion {
                side: Side::Local,
                ..
            })
        ),
        "{result:#?}"
    );
}

// ----- a wider property test ------------------------------------------------------------------------

mod wider {
    // Named explicitly: `test` would otherwise come from two glob imports on wasm.
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use csc_testkit::arb::{Scenario, pool, scenario};
    use proptest::prelude::*;
    use proptest::test_runner::FileFailurePersistence;

    /// What the wider generator adds to a scenario of the test kit.
    #[derive(Debug, Clone)]
    struct Extra {
        flags: SyncControlFlags,
        policy: ConflictPolicy,
        /// Requested paths (pool indices); the root when empty.
        scopes: Vec<usize>,
        /// Clean cached files (pool indices) made ghosts, after the edits.
        ghosts: Vec<usize>,
        /// Cached items (pool indices) unpinned.
        unpinned: Vec<usize>,
        /// Cached directories (pool indices) suspended.
        suspended: Vec<usize>,
        /// Pinned links in the root, synced, each pointing at a pool path.
        links: Vec<usize>,
    }

    fn flags() -> impl Strategy<Value = SyncControlFlags> {
        let bits = [
            SyncControlFlags::FILLSPARSE,
            SyncControlFlags::SYNCIN,
            SyncControlFlags::SYNCOUT,
            SyncControlFlags::PINNEWFILES,
            SyncControlFlags::PINLINKTARGETS,
            SyncControlFlags::NONEWFILESOUT,
            SyncControlFlags::SKIPSUSPENDEDDIRS,
        ];
        prop::collection::vec(any::<bool>(), bits.len()).prop_map(move |on| {
            bits.iter()
                .zip(on)
                .filter(|(_, on)| *on)
                .fold(SyncControlFlags::empty(), |acc, (b, _)| acc | *b)
        })
    }

    fn policy() -> impl Strategy<Value = ConflictPolicy> {
        prop_oneof![
            3 => Just(ConflictPolicy::Default),
            1 => Just(ConflictPolicy::KeepLocal),
            1 => Just(ConflictPolicy::KeepRemote),
            1 => Just(ConflictPolicy::KeepLatest),
        ]
    }

    fn extra(n: usize) -> impl Strategy<Value = Extra> {
        (
            flags(),
            policy(),
            prop::collection::vec(0..n, 0..3),
            prop::collection::vec(0..n, 0..3),
            prop::collection::vec(0..n, 0..3),
            prop::collection::vec(0..n, 0..2),
            prop::collection::vec(0..n, 0..3),
        )
            .prop_map(
                |(flags, policy, scopes, ghosts, unpinned, suspended, links)| Extra {
                    flags,
                    policy,
                    scopes,
                    ghosts,
                    unpinned,
                    suspended,
                    links,
                },
            )
    }

    fn case() -> impl Strategy<Value = (Scenario, Extra)> {
        scenario().prop_flat_map(|s| {
            let n = pool(s.case).len();
            (Just(s), extra(n))
        })
    }

    fn world(s: &Scenario, x: &Extra) -> World {
        let paths = pool(s.case);
        let mut w = s.world();
        for &i in &x.ghosts {
            let path = p(&paths[i]);
            let clean_file = w.cache.get(&path).is_some_and(|e| {
                e.local.presence == Presence::Full
                    && e.local.changes.is_empty()
                    && e.original.is_some()
                    && !e.kind().is_dir()
            });
            if clean_file {
                w.make_ghost(path.as_str());
            }
        }
        for &i in &x.unpinned {
            if let Some(e) = w.cache.get_mut(&p(&paths[i])) {
                e.pins = Pins::NONE;
            }
        }
        for &i in &x.suspended {
            if let Some(e) = w.cache.get_mut(&p(&paths[i]))
                && e.exists_locally()
                && e.kind().is_dir()
            {
                e.suspended = true;
            }
        }
        for (k, &i) in x.links.iter().enumerate() {
            w.synced_link(&format!("l{k}.lnk"), &paths[i]);
        }
        w
    }

    fn req(w: &World, s: &Scenario, x: &Extra) -> SyncRequest {
        let paths = pool(s.case);
        let scopes: Vec<&str> = x.scopes.iter().map(|&i| paths[i].as_str()).collect();
        request(w, &scopes, x.flags, x.policy)
    }

    // Reading the environment is fine in a test; the ban in clippy.toml is for the core itself.
    #[allow(clippy::disallowed_methods)]
    fn config() -> ProptestConfig {
        let from_env = std::env::var("PROPTEST_CASES").is_ok();
        ProptestConfig {
            cases: match (from_env, cfg!(target_arch = "wasm32")) {
                (true, _) => ProptestConfig::default().cases,
                (false, true) => 64,
                (false, false) => 768,
            },
            // Failures are reported, not stored next to the file.
            failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
            ..ProptestConfig::default()
        }
    }

    fn show(s: &Scenario, x: &Extra, w: &World, plan: &Plan) -> String {
        format!(
            "{s:?}\n{x:?}\ncache: {:?}\nremote: {:?}\nplan:\n{}",
            w.cache
                .iter()
                .map(|(k, e)| (k.as_str(), e.local.presence, e.local.changes))
                .collect::<Vec<_>>(),
            w.remote.keys().map(ItemPath::as_str).collect::<Vec<_>>(),
            describe(plan)
        )
    }

    proptest! {
        #![proptest_config(config())]

        /// Any flags, scopes and policy: every step finds its preconditions (`apply` asserts
        /// them), and planning the same request again right after has nothing left to do.
        #[test]
        fn any_request_applies_cleanly_and_converges_for_that_request((s, x) in case()) {
            let mut w = world(&s, &x);
            let request = req(&w, &s, &x);
            let plan = w.plan(&request).expect("deletions are allowed");
            w.apply(&plan);
            let again = w.plan(&req(&w, &s, &x)).expect("deletions are allowed");
            prop_assert!(again.is_noop(), "not converged:\n{}", show(&s, &x, &w, &again));
        }

        /// Without a CR_* policy or handler answers, no sync — whatever its flags and scopes —
        /// loses a version only one side has, nor does a two-way sync after it.
        #[test]
        fn without_a_decision_no_version_only_one_side_has_is_lost((s, mut x) in case()) {
            x.policy = ConflictPolicy::Default;
            let mut w = world(&s, &x);
            let mut heads = w.heads();
            if s.epoch_changed {
                // After an epoch change the cache's unchanged copies are versions only it may
                // hold too.
                heads.extend(
                    w.cache
                        .values()
                        .filter(|e| e.local.presence == Presence::Full && !e.kind().is_dir())
                        .filter_map(|e| e.local_view().hash),
                );
            }
            let first = w.plan(&req(&w, &s, &x)).expect("deletions are allowed");
            w.apply(&first);
            let after = w.all_contents();
            for h in &heads {
                prop_assert!(after.contains(h), "lost {:?}\n{}", w.label(Some(*h)), show(&s, &x, &w, &first));
            }
            let second = w.plan(&whole(&w, TWO_WAY)).expect("deletions are allowed");
            w.apply(&second);
            let after = w.all_contents();
            for h in &heads {
                prop_assert!(after.contains(h), "lost {:?} in the second sync\n{}", w.label(Some(*h)), show(&s, &x, &w, &second));
            }
        }

        /// SYNCIN without SYNCOUT, with no policy, never writes to the server; SYNCOUT without
        /// SYNCIN or FILLSPARSE never writes content into the cache nor removes a live copy.
        #[test]
        fn one_direction_stays_on_its_side((s, mut x) in case()) {
            x.policy = ConflictPolicy::Default;
            let w = world(&s, &x);
            let plan = w.plan(&req(&w, &s, &x)).expect("deletions are allowed");
            let in_only = x.flags.contains(IN) && !x.flags.contains(OUT);
            let out_only = x.flags.contains(OUT)
                && !x.flags.intersects(IN | SyncControlFlags::FILLSPARSE);
            for o in plan.ops() {
                if in_only {
                    prop_assert!(o.action.side() == Side::Local, "{:?}\n{}", o, show(&s, &x, &w, &plan));
                }
                if out_only {
                    let writes_cache = match &o.action {
                        Action::Download { .. } | Action::MakeLocalDir { .. } | Action::MoveLocal { .. } => true,
                        Action::DeleteLocal { path } => w.cache.get(path).is_some_and(CacheEntry::exists_locally),
                        _ => false,
                    };
                    prop_assert!(!writes_cache, "{:?}\n{}", o, show(&s, &x, &w, &plan));
                }
            }
        }
    }
}

#[test]
fn a_link_target_created_offline_is_pinned_by_the_sync_that_uploads_it() {
    // The pinned link l.lnk points at t.txt, a file created offline. The sync that uploads
    // t.txt should also pin it; today the pin waits for the next sync (the listing did not
    // have t.txt yet), so "apply, then plan again" is not a no-op.
    let mut w = World::default();
    w.synced_link("l.lnk", "t.txt");
    w.local_write("t.txt", "new target");
    let req = whole(&w, LINKS.union(OUT));
    let first = plan_of(&w, &req);
    w.apply(&first);
    let again = plan_of(&w, &req);
    assert!(again.is_noop(), "{}", describe(&again));
}

#[test]
fn a_directory_restored_by_keep_remote_brings_its_new_children_with_pinnewfiles() {
    // d (pinned, inheriting) was deleted offline while the server added d/new.txt. KEEPREMOTE
    // restores d; with PINNEWFILES its new child should come in the same sync, as it does for a
    // directory that was never deleted. Today it needs a second sync.
    let mut w = World::default();
    w.synced_dir("d")
        .local_delete("d")
        .remote_write("d/new.txt", "new");
    let req = request(
        &w,
        &[],
        IN.union(SyncControlFlags::PINNEWFILES),
        ConflictPolicy::KeepRemote,
    );
    let first = plan_of(&w, &req);
    w.apply(&first);
    assert_eq!(local(&w, "d").as_deref(), Some("<dir>"));
    let again = plan_of(&w, &req);
    assert!(again.is_noop(), "{}", describe(&again));
}

#[test]
fn a_sync_of_an_uncached_name_keeps_the_record_of_its_name_collision() {
    // Case-insensitive share: A.txt was created offline while the server got a.txt. The
    // collision is recorded for both names. A later sync of just "d/a.txt" (not cached) changes
    // nothing about the collision, so its record must stay.
    let mut w = World::new(CaseRule::Insensitive);
    w.synced_dir("d")
        .local_write("d/A.txt", "mine")
        .remote_write("d/a.txt", "theirs");
    let first = w.plan_two_way();
    w.apply(&first);
    assert!(w.conflicts.contains(&p("d/a.txt")), "{}", describe(&first));
    let plan = plan_of(
        &w,
        &request(&w, &["d/a.txt"], TWO_WAY, ConflictPolicy::Default),
    );
    assert!(
        !plan
            .conflicts
            .iter()
            .any(|c| matches!(c, ConflictChange::Removed(q) if *q == p("d/a.txt"))),
        "{:#?}",
        plan.conflicts
    );
}

// ----- behaviour pinned by the review (passing) -----------------------------------------------------

fn keep_all(w: &World, path: &str) -> SyncRequest {
    let mut req = whole(w, TWO_WAY);
    req.answers
        .insert(p(path), HandlerAnswer::new(ConflictResolve::KeepAllChanges));
    req
}

fn settle(w: &mut World, req: &SyncRequest) -> Plan {
    let plan = plan_of(w, req);
    w.apply(&plan);
    let again = plan_of(w, &whole(w, TWO_WAY));
    assert!(again.is_noop(), "not settled:\n{}", describe(&again));
    plan
}

#[test]
fn keep_all_changes_for_a_directory_created_offline_over_a_changed_server_file_keeps_the_directory_and_its_files()
 {
    let mut w = World::default();
    w.synced_file("x", "base")
        .local_delete("x")
        .local_mkdir("x")
        .local_write("x/new.txt", "mine")
        .remote_write("x", "theirs");
    let req = keep_all(&w, "x");
    let plan = settle(&mut w, &req);
    assert_eq!(
        outcome(&plan, "x"),
        &Outcome::Resolved(ConflictResolve::KeepAllChanges)
    );
    assert_eq!(remote(&w, "x/new.txt").as_deref(), Some("mine"));
    assert_eq!(remote(&w, "x (conflict 1)").as_deref(), Some("theirs"));
    assert_eq!(local(&w, "x (conflict 1)").as_deref(), Some("theirs"));
}

#[test]
fn keep_all_changes_for_a_file_created_offline_over_a_changed_server_directory_keeps_both() {
    let mut w = World::default();
    w.synced_dir("d")
        .synced_file("d/a.txt", "a")
        .local_delete("d")
        .local_write("d", "my file")
        .remote_write("d/b.txt", "new on server");
    let req = keep_all(&w, "d");
    let plan = plan_of(&w, &req);
    assert_eq!(
        outcome(&plan, "d"),
        &Outcome::Resolved(ConflictResolve::KeepAllChanges),
        "{}",
        describe(&plan)
    );
    w.apply(&plan);
    assert_eq!(local(&w, "d (conflict 1)").as_deref(), Some("my file"));
    assert_eq!(remote(&w, "d (conflict 1)").as_deref(), Some("my file"));
    assert_eq!(remote(&w, "d/b.txt").as_deref(), Some("new on server"));
}

#[test]
fn handler_answers_for_paths_that_are_not_conflicts_change_nothing() {
    let mut w = World::default();
    w.synced_file("a.txt", "a")
        .synced_file("b.txt", "b")
        .local_write("a.txt", "mine")
        .remote_write("b.txt", "theirs");
    let plain = plan_of(&w, &whole(&w, TWO_WAY));
    let mut req = whole(&w, TWO_WAY);
    for (path, answer) in [
        ("a.txt", ConflictResolve::KeepRemote),
        ("b.txt", ConflictResolve::KeepLocal),
        ("c.txt", ConflictResolve::Abort),
    ] {
        req.answers.insert(p(path), HandlerAnswer::new(answer));
    }
    assert_eq!(plan_of(&w, &req), plain);
}

#[test]
fn nonewfilesout_never_creates_a_file_created_offline_on_the_server_even_inside_a_new_directory() {
    let mut w = World::default();
    w.local_mkdir("d").local_write("d/f.txt", "mine");
    let plan = plan_of(
        &w,
        &whole(&w, TWO_WAY.union(SyncControlFlags::NONEWFILESOUT)),
    );
    assert_eq!(steps_of(&plan, "d"), vec![Step::MakeRemoteDir]);
    assert!(plan.item(&p("d/f.txt")).is_none(), "{}", describe(&plan));
}

#[test]
fn keep_latest_never_replaces_a_directory_holding_offline_edits_with_a_server_file() {
    // d holds an offline edit; the server replaced d with a file, later than d's own time.
    let mut w = World::default();
    w.synced_dir("d")
        .synced_file("d/a.txt", "a")
        .local_write("d/a.txt", "mine")
        .remote_delete("d")
        .remote_write("d", "server file");
    let req = request(&w, &[], TWO_WAY, ConflictPolicy::KeepLatest);
    let plan = plan_of(&w, &req);
    w.apply(&plan);
    assert!(
        w.all_contents().contains(&hash_of("mine")),
        "{}",
        describe(&plan)
    );
}

#[test]
fn a_sparse_file_whose_attributes_changed_offline_is_no_content_conflict_with_a_server_edit() {
    // classify.rs: "A sparse or ghost local copy has no content of its own and never
    // conflicts." Here it does, and CR_KEEPLOCAL then uploads the absent content over the
    // server's edit.
    let mut w = World::default();
    w.synced_file("f.txt", "base")
        .make_sparse("f.txt")
        .remote_write("f.txt", "theirs");
    {
        let e = w.cache.get_mut(&p("f.txt")).expect("cached");
        e.local.own_mut(e.original.as_ref()).attributes |= 0x1;
        e.local.changes |= LocalChanges::ATTRIBUTES;
    }
    let plan = plan_of(&w, &request(&w, &[], TWO_WAY, ConflictPolicy::KeepLocal));
    let item = plan.item(&p("f.txt")).expect("planned");
    assert_ne!(
        item.class.disposition,
        csc_core::Disposition::Conflict,
        "{}",
        describe(&plan)
    );
    assert!(
        !steps_of(&plan, "f.txt").contains(&Step::Upload),
        "{}",
        describe(&plan)
    );
}

#[test]
fn a_collision_with_a_name_whose_deletion_is_blocked_is_recorded_in_the_first_sync() {
    // Found by the wider property: SYNCIN only, so the offline deletion of A (and of what is
    // below it) waits; the server also lists a, which equals A on a case-insensitive share.
    // The first sync must record the collision as the next one will, not only report A as
    // blocked.
    let mut w = World::new(CaseRule::Insensitive);
    w.synced_dir("A")
        .synced_dir("A/A")
        .synced_file("A/A/c", "c");
    w.synced_dir("A/b").synced_file("A/b/x", "x");
    w.local_delete("A");
    // A server edit below A makes A a conflict, which KEEPLOCAL resolves by deleting A; that
    // deletion is blocked, since A/A/c's plain deletion waits for a SYNCOUT.
    w.remote_write("A/b/x", "x, edited on the server");
    w.remote_mkdir("a");
    let control = SyncControl::new(SyncControlFlags::SYNCIN)
        .with_policy(ConflictPolicy::KeepLocal)
        .expect("one policy");
    let mut req = w.request(control);
    req.guard.allow = true;
    let first = plan_of(&w, &req);
    w.apply(&first);
    let mut req = w.request(control);
    req.guard.allow = true;
    let second = plan_of(&w, &req);
    assert!(second.is_noop(), "{}", describe(&second));
    assert!(w.conflicts.contains(&p("A")) || w.conflicts.contains(&p("a")));
}

#[test]
fn records_below_a_requested_path_that_is_not_cached_are_kept() {
    // Found by the wider property: two server names below A/a collide; a later sync of just
    // A/a (not cached) looks at nothing there and must not drop their records.
    let mut w = World::new(CaseRule::Insensitive);
    w.synced_dir("c");
    w.remote_mkdir("A")
        .remote_mkdir("A/a")
        .remote_write("A/a/a", "one")
        .remote_write("A/a/A", "two");
    w.conflicts.insert(p("A/a/a"));
    w.conflicts.insert(p("A/a/A"));
    let mut req = w.request(SyncControl::new(SyncControlFlags::SYNCOUT));
    req.paths = vec![p("A/a")];
    let plan = plan_of(&w, &req);
    assert_eq!(outcome(&plan, "A/a"), &Outcome::NotCached);
    assert!(plan.conflicts.is_empty(), "{:#?}", plan.conflicts);
}
