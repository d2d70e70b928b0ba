//! The data-loss valves of the planner (anchors §A.3: mass deletion, lost merge base, silent
//! overwrite, case collisions) and the ordering and blocking rules that keep a plan safe to run.

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::collections::BTreeMap;

use csc_core::win::{ConflictPolicy, ConflictResolve, SyncControl, SyncControlFlags, SyncState};
use csc_core::{
    Action, BlockReason, CaseRule, ConflictChange, DeleteGuard, Epoch, HandlerAnswer, ItemPath,
    Outcome, Plan, PlanError, Precondition, Side, SyncRequest,
};
use csc_testkit::inspect::{local, outcome, plan_of, remote, state};
use csc_testkit::{World, p};

// ----- helpers ---------------------------------------------------------------------------------

fn two_way(policy: ConflictPolicy) -> SyncControl {
    SyncControl::new(SyncControlFlags::SYNCIN | SyncControlFlags::SYNCOUT)
        .with_policy(policy)
        .expect("a single conflict policy")
}

fn request(w: &World) -> SyncRequest {
    w.request(two_way(ConflictPolicy::Default))
}

/// Paths the plan deletes on each side.
fn deletions(plan: &Plan) -> (Vec<ItemPath>, Vec<ItemPath>) {
    let (mut local, mut server) = (Vec::new(), Vec::new());
    for o in plan.ops() {
        match &o.action {
            Action::DeleteLocal { path } => local.push(path.clone()),
            Action::DeleteRemote { path, .. } => server.push(path.clone()),
            _ => {}
        }
    }
    (local, server)
}

/// The world's state, to check that a refused sync changed nothing.
type Snapshot = (
    BTreeMap<ItemPath, csc_core::CacheEntry>,
    BTreeMap<ItemPath, csc_core::Meta>,
    Vec<ItemPath>,
);

fn snapshot(w: &World) -> Snapshot {
    (
        w.cache.clone(),
        w.remote.clone(),
        w.conflicts.iter().cloned().collect(),
    )
}

/// `docs/` with `n` synced files `docs/f0.txt`…
fn share_of(n: usize) -> World {
    let mut w = World::default();
    w.synced_dir("docs");
    for i in 0..n {
        w.synced_file(&format!("docs/f{i}.txt"), &format!("content {i}"));
    }
    w
}

fn added_names(plan: &Plan) -> Vec<(ItemPath, SyncState)> {
    plan.conflicts
        .iter()
        .filter_map(|c| match c {
            ConflictChange::Added(r) => Some((r.path.clone(), r.state)),
            _ => None,
        })
        .collect()
}

// ----- the mass-deletion valve -----------------------------------------------------------------

#[test]
fn a_sync_deleting_most_cached_items_in_the_cache_is_refused_and_changes_nothing() {
    // 11 cached items; the server lost 6 of the files.
    let mut w = share_of(10);
    for i in 0..6 {
        w.remote_delete(&format!("docs/f{i}.txt"));
    }
    let before = snapshot(&w);
    let err = w.sync(&request(&w)).expect_err("the valve must trip");
    assert_eq!(
        err,
        PlanError::MassDeletion {
            side: Side::Local,
            deletes: 6,
            cached: 11,
            percent: 54,
            max_percent: 50,
        }
    );
    let msg = err.to_string();
    assert!(msg.contains("6 of the 11"), "{msg}");
    assert!(msg.contains("the cache"), "{msg}");
    assert!(msg.contains("nothing was changed"), "{msg}");
    assert!(msg.contains("allowing deletions"), "{msg}");
    assert_eq!(snapshot(&w), before, "a refused sync changes nothing");
}

#[test]
fn a_sync_deleting_most_cached_items_on_the_server_is_refused() {
    let mut w = share_of(10);
    for i in 0..7 {
        w.local_delete(&format!("docs/f{i}.txt"));
    }
    let before = snapshot(&w);
    let err = w.sync(&request(&w)).expect_err("the valve must trip");
    let PlanError::MassDeletion {
        side,
        deletes,
        cached,
        ..
    } = &err
    else {
        panic!("expected a mass deletion refusal, got {err:?}");
    };
    assert_eq!((*side, *deletes, *cached), (Side::Remote, 7, 11));
    assert!(err.to_string().contains("the server"), "{err}");
    assert_eq!(snapshot(&w), before);
}

#[test]
fn an_allowed_mass_deletion_proceeds() {
    let mut w = share_of(10);
    for i in 0..6 {
        w.remote_delete(&format!("docs/f{i}.txt"));
    }
    let mut req = request(&w);
    req.guard.allow = true;
    let plan = w.sync(&req).expect("allowed");
    assert_eq!(deletions(&plan).0.len(), 6);
    for i in 0..6 {
        assert_eq!(local(&w, &format!("docs/f{i}.txt")), None);
    }
    assert_eq!(local(&w, "docs/f9.txt").as_deref(), Some("content 9"));
    assert!(w.plan_two_way().is_noop());
}

#[test]
fn the_mass_deletion_percentage_is_configurable() {
    let mut w = share_of(10);
    for i in 0..6 {
        w.remote_delete(&format!("docs/f{i}.txt"));
    }
    let mut req = request(&w);
    req.guard.max_percent = 60;
    assert!(w.plan(&req).is_ok(), "6 of 11 is under 60%");
    req.guard.max_percent = 54;
    assert!(
        matches!(w.plan(&req), Err(PlanError::MassDeletion { .. })),
        "6 of 11 is over 54%"
    );
}

#[test]
fn with_no_floor_deleting_two_of_three_items_trips_the_valve_and_one_does_not() {
    let guard = DeleteGuard {
        max_percent: 50,
        min_deletes: 0,
        allow: false,
    };
    let three = || {
        let mut w = World::default();
        w.synced_file("a.txt", "a")
            .synced_file("b.txt", "b")
            .synced_file("c.txt", "c");
        w
    };

    let mut w = three();
    w.remote_delete("a.txt").remote_delete("b.txt");
    let mut req = request(&w);
    req.guard = guard;
    let err = w.plan(&req).expect_err("2 of 3 is over 50%");
    assert!(
        matches!(
            err,
            PlanError::MassDeletion {
                side: Side::Local,
                deletes: 2,
                cached: 3,
                ..
            }
        ),
        "{err:?}"
    );

    let mut w = three();
    w.remote_delete("a.txt");
    let mut req = request(&w);
    req.guard = guard;
    let plan = w.sync(&req).expect("1 of 3 is under 50%");
    assert_eq!(deletions(&plan).0, [p("a.txt")]);
}

#[test]
fn fewer_deletions_than_the_floor_never_trip_the_valve() {
    // 4 of 6 items (67%) but fewer than the default floor of 5.
    let mut w = share_of(5);
    for i in 0..4 {
        w.remote_delete(&format!("docs/f{i}.txt"));
    }
    assert_eq!(DeleteGuard::default().min_deletes, 5);
    let plan = w.sync(&request(&w)).expect("under the floor");
    assert_eq!(deletions(&plan).0.len(), 4);
    assert_eq!(local(&w, "docs/f4.txt").as_deref(), Some("content 4"));
}

// ----- the empty-listing valve -----------------------------------------------------------------

#[test]
fn an_empty_server_listing_for_a_synced_cache_is_refused() {
    let mut w = World::default();
    w.synced_file("only.txt", "precious");
    w.remote_delete("only.txt");
    let before = snapshot(&w);
    let err = w
        .sync(&request(&w))
        .expect_err("an empty share is suspicious");
    assert_eq!(err, PlanError::EmptyRemoteListing { cached: 1 });
    let msg = err.to_string();
    assert!(msg.contains("listed no items"), "{msg}");
    assert!(msg.contains("allowing deletions"), "{msg}");
    assert_eq!(snapshot(&w), before);
}

#[test]
fn an_empty_server_listing_proceeds_when_allowed() {
    let mut w = share_of(3);
    w.remote_delete("docs");
    let mut req = request(&w);
    req.guard.allow = true;
    let plan = w.sync(&req).expect("allowed");
    assert_eq!(deletions(&plan).0.len(), 4);
    assert!(w.cache.is_empty());
}

// ----- a server with another epoch is merged ---------------------------------------------------

/// A share synced at epoch 1, changed offline, whose server was then restored (epoch 2):
/// - `docs/same.txt`: the restore gave it a new version with the same content;
/// - `docs/diverged.txt`: the server has other content;
/// - `docs/server-lost.txt`: not on the restored server;
/// - `docs/deleted-offline.txt`: deleted offline before the restore;
/// - `docs/local-new.txt`: created offline;
/// - `docs/both-new.txt`: created offline and on the server, with different content;
/// - `docs/both-same.txt`: created offline and on the server, with the same content.
fn restored_server() -> World {
    let mut w = World::default();
    w.synced_dir("docs")
        .synced_file("docs/same.txt", "same")
        .synced_file("docs/diverged.txt", "cached copy")
        .synced_file("docs/server-lost.txt", "only in the cache now")
        .synced_file("docs/deleted-offline.txt", "deleted offline");
    w.local_delete("docs/deleted-offline.txt");
    w.local_write("docs/local-new.txt", "new offline");
    w.local_write("docs/both-new.txt", "mine");
    w.local_write("docs/both-same.txt", "identical");
    w.remote_touch("docs/same.txt");
    w.remote_write("docs/diverged.txt", "restored copy, different");
    w.remote_delete("docs/server-lost.txt");
    w.remote_write("docs/both-new.txt", "theirs, different");
    w.remote_write("docs/both-same.txt", "identical");
    w
}

fn check_merge(mut w: World, req: &SyncRequest) {
    let plan = plan_of(&w, req);
    assert!(plan.merge, "a lost merge base means a merge");

    // No live item is deleted on either side.
    let (local_deletes, server_deletes) = deletions(&plan);
    assert!(
        server_deletes.is_empty(),
        "a merge deletes nothing on the server: {server_deletes:?}"
    );
    for path in &local_deletes {
        assert!(
            !w.cache.get(path).is_some_and(|e| e.exists_locally()),
            "a merge deletes no live cached item: {path}"
        );
    }

    // Different content on both sides: a conflict, logged.
    assert_eq!(outcome(&plan, "docs/both-new.txt"), &Outcome::Logged);
    assert_eq!(outcome(&plan, "docs/diverged.txt"), &Outcome::Logged);
    let logged: Vec<ItemPath> = added_names(&plan).into_iter().map(|(q, _)| q).collect();
    assert!(logged.contains(&p("docs/both-new.txt")), "{logged:?}");
    assert!(logged.contains(&p("docs/diverged.txt")), "{logged:?}");
    assert!(!logged.contains(&p("docs/same.txt")), "{logged:?}");
    assert!(!logged.contains(&p("docs/both-same.txt")), "{logged:?}");

    // Identical copies are adopted, not conflicts.
    for path in ["docs/same.txt", "docs/both-same.txt"] {
        assert_eq!(outcome(&plan, path), &Outcome::Sync, "{path}");
        assert!(
            plan.item(&p(path))
                .unwrap()
                .ops
                .iter()
                .all(|o| matches!(o.action, Action::AdoptRemote { .. })),
            "{path}: {plan:#?}"
        );
    }

    let heads = w.heads();
    w.apply(&plan);

    // Local-only items are uploaded.
    assert_eq!(
        remote(&w, "docs/local-new.txt").as_deref(),
        Some("new offline")
    );
    assert_eq!(
        remote(&w, "docs/server-lost.txt").as_deref(),
        Some("only in the cache now")
    );
    // The offline deletion from the old epoch is not propagated: the server keeps it, and the
    // cache gets it back.
    assert_eq!(
        remote(&w, "docs/deleted-offline.txt").as_deref(),
        Some("deleted offline")
    );
    // Both versions of the conflicts are still there.
    assert_eq!(local(&w, "docs/both-new.txt").as_deref(), Some("mine"));
    assert_eq!(
        remote(&w, "docs/both-new.txt").as_deref(),
        Some("theirs, different")
    );
    assert_eq!(
        local(&w, "docs/diverged.txt").as_deref(),
        Some("cached copy")
    );
    assert_eq!(
        remote(&w, "docs/diverged.txt").as_deref(),
        Some("restored copy, different")
    );
    let all = w.all_contents();
    assert!(
        heads.is_subset(&all),
        "a merge loses no version: lost {:?}",
        heads
            .difference(&all)
            .map(|h| w.label(Some(*h)))
            .collect::<Vec<_>>()
    );
}

#[test]
fn a_server_with_a_new_epoch_is_merged_without_deleting_anything() {
    let mut w = restored_server();
    w.remote_epoch = Some(Epoch("epoch-2".into()));
    let req = request(&w);
    check_merge(w, &req);
}

#[test]
fn a_forced_merge_behaves_like_an_epoch_change() {
    let w = restored_server();
    let mut req = request(&w);
    req.force_merge = true;
    check_merge(w, &req);
}

#[test]
fn a_merge_is_not_refused_by_the_mass_deletion_valve() {
    // Most files are gone from the restored server: a merge uploads them instead.
    let mut w = share_of(10);
    for i in 0..8 {
        w.remote_delete(&format!("docs/f{i}.txt"));
    }
    w.remote_epoch = Some(Epoch("epoch-2".into()));
    let plan = w.sync(&request(&w)).expect("a merge deletes nothing");
    assert!(plan.merge);
    assert_eq!(deletions(&plan), (vec![], vec![]));
    for i in 0..10 {
        assert_eq!(
            remote(&w, &format!("docs/f{i}.txt")),
            Some(format!("content {i}"))
        );
    }
}

#[test]
fn a_merge_keeps_both_new_files_when_the_handler_answers_keep_all_changes() {
    let mut w = restored_server();
    w.remote_epoch = Some(Epoch("epoch-2".into()));
    let mut req = request(&w);
    for path in ["docs/both-new.txt", "docs/diverged.txt"] {
        req.answers
            .insert(p(path), HandlerAnswer::new(ConflictResolve::KeepAllChanges));
    }
    let plan = plan_of(&w, &req);
    assert!(plan.merge);
    assert_eq!(
        outcome(&plan, "docs/both-new.txt"),
        &Outcome::Resolved(ConflictResolve::KeepAllChanges)
    );
    w.apply(&plan);
    for (path, want) in [
        ("docs/both-new.txt", "theirs, different"),
        ("docs/both-new (conflict 1).txt", "mine"),
        ("docs/diverged.txt", "restored copy, different"),
        ("docs/diverged (conflict 1).txt", "cached copy"),
    ] {
        assert_eq!(local(&w, path).as_deref(), Some(want), "cache at {path}");
        assert_eq!(remote(&w, path).as_deref(), Some(want), "server at {path}");
    }
    let again = w.plan_two_way();
    assert!(again.is_noop(), "{again:#?}");
}

#[test]
fn a_conflict_logged_by_a_merge_is_still_a_conflict_at_the_next_sync() {
    // After the merge, the cache's stale originals must not turn the logged conflict into a
    // silent download over the cached copy.
    let mut w = restored_server();
    w.remote_epoch = Some(Epoch("epoch-2".into()));
    let plan = plan_of(&w, &request(&w));
    assert_eq!(outcome(&plan, "docs/diverged.txt"), &Outcome::Logged);
    w.apply(&plan);

    let next = w.plan_two_way();
    assert!(next.is_noop(), "{next:#?}");
    w.apply(&next);
    assert_eq!(
        local(&w, "docs/diverged.txt").as_deref(),
        Some("cached copy")
    );
    assert!(w.conflicts.contains(&p("docs/diverged.txt")));
}

// ----- names that collide on a case-insensitive share ------------------------------------------

fn check_collision(w: &mut World, created_offline: &str, on_server: &str) {
    let plan = w.plan_two_way();
    assert_eq!(
        state(&plan, created_offline),
        SyncState::NameCollision,
        "{plan:#?}"
    );
    assert_eq!(outcome(&plan, created_offline), &Outcome::Logged);
    assert!(plan.item(&p(created_offline)).unwrap().ops.is_empty());
    assert!(
        added_names(&plan).contains(&(p(created_offline), SyncState::NameCollision)),
        "{:#?}",
        plan.conflicts
    );
    let (local_before, remote_before) = (local(w, on_server), remote(w, on_server));
    let created = local(w, created_offline);
    w.apply(&plan);
    assert_eq!(remote(w, created_offline), None, "nothing uploaded over it");
    assert_eq!(
        remote(w, on_server),
        remote_before,
        "the server copy is kept"
    );
    assert_eq!(local(w, on_server), local_before);
    assert_eq!(
        local(w, created_offline),
        created,
        "the offline copy is kept"
    );
    assert!(w.plan_two_way().is_noop());
}

#[test]
fn a_file_created_offline_whose_name_differs_only_in_case_is_a_name_collision() {
    let mut w = World::new(CaseRule::Insensitive);
    w.synced_dir("docs");
    w.remote_write("docs/report.txt", "server report");
    w.local_write("docs/Report.txt", "offline report");
    check_collision(&mut w, "docs/Report.txt", "docs/report.txt");
    assert_eq!(
        remote(&w, "docs/report.txt").as_deref(),
        Some("server report")
    );
}

#[test]
fn a_file_created_offline_next_to_a_synced_file_differing_only_in_case_is_a_name_collision() {
    let mut w = World::new(CaseRule::Insensitive);
    w.synced_file("report.txt", "synced report");
    w.local_write("Report.txt", "offline report");
    check_collision(&mut w, "Report.txt", "report.txt");
    assert_eq!(local(&w, "report.txt").as_deref(), Some("synced report"));
}

#[test]
fn names_differing_only_in_unicode_normalization_are_a_name_collision() {
    let nfc = "caf\u{e9}.txt";
    let nfd = "cafe\u{301}.txt";
    let mut w = World::new(CaseRule::Insensitive);
    w.remote_write(nfd, "server café");
    w.local_write(nfc, "offline café");
    check_collision(&mut w, nfc, nfd);
}

#[test]
fn a_case_only_rename_offline_deletes_the_old_name_before_creating_the_new_one() {
    // Only one of the two names exists once the plan has run, so there is no collision: the
    // server copy of a.txt goes first (If-Match), then A.txt is created (If-None-Match), and
    // on a case-insensitive server neither step can overwrite anything.
    let mut w = World::new(CaseRule::Insensitive);
    w.synced_file("a.txt", "content");
    w.local_delete("a.txt");
    w.local_write("A.txt", "content");
    let plan = w.plan_two_way();
    assert!(
        plan.item(&p("A.txt"))
            .is_some_and(|i| i.class.state != SyncState::NameCollision)
    );
    let steps: Vec<&Action> = plan.ops().map(|o| &o.action).collect();
    assert!(
        matches!(
            steps.as_slice(),
            [
                Action::DeleteRemote { path: old, .. },
                Action::Upload { path: new, precondition: Precondition::MustNotExist },
            ] if old == &p("a.txt") && new == &p("A.txt")
        ),
        "{plan:#?}"
    );
    w.apply(&plan);
    assert_eq!(remote(&w, "a.txt"), None);
    assert_eq!(remote(&w, "A.txt").as_deref(), Some("content"));
    assert!(w.plan_two_way().is_noop());
}

#[test]
fn a_case_variant_created_offline_collides_with_a_name_deleted_offline_but_kept_on_the_server() {
    // The offline deletion of a.txt cannot go ahead (the server changed a.txt: a conflict), so
    // the server keeps a.txt, and A.txt is the same name there: uploading it would overwrite
    // the server's edit or fail, never create a second item.
    let mut w = World::new(CaseRule::Insensitive);
    w.synced_file("a.txt", "content");
    w.local_delete("a.txt");
    w.local_write("A.txt", "renamed and edited offline");
    w.remote_write("a.txt", "edited on the server");
    let plan = w.plan_two_way();
    assert_eq!(
        outcome(&plan, "a.txt"),
        &Outcome::Logged,
        "delete/edit is a conflict"
    );
    assert_eq!(state(&plan, "A.txt"), SyncState::NameCollision, "{plan:#?}");
    assert_eq!(outcome(&plan, "A.txt"), &Outcome::Logged);
    assert!(
        !plan.ops().any(|o| o.action.path() == &p("A.txt")),
        "{plan:#?}"
    );
    w.apply(&plan);
    assert_eq!(remote(&w, "A.txt"), None);
    assert_eq!(remote(&w, "a.txt").as_deref(), Some("edited on the server"));
    assert_eq!(
        local(&w, "A.txt").as_deref(),
        Some("renamed and edited offline")
    );
}

#[test]
fn on_a_case_sensitive_share_names_differing_in_case_are_two_items() {
    let mut w = World::new(CaseRule::Sensitive);
    w.synced_dir("docs");
    w.remote_write("docs/report.txt", "server report");
    w.local_write("docs/Report.txt", "offline report");
    let plan = w.plan_two_way();
    assert_eq!(outcome(&plan, "docs/Report.txt"), &Outcome::Sync);
    assert!(plan.conflicts.is_empty(), "{:#?}", plan.conflicts);
    w.apply(&plan);
    assert_eq!(
        remote(&w, "docs/Report.txt").as_deref(),
        Some("offline report")
    );
    assert_eq!(
        remote(&w, "docs/report.txt").as_deref(),
        Some("server report")
    );
}

// ----- an edit beats a delete ------------------------------------------------------------------

#[test]
fn a_file_edited_offline_in_a_directory_deleted_on_the_server_is_never_deleted() {
    let mut w = World::default();
    w.synced_file("elsewhere.txt", "keeps the listing non-empty");
    w.synced_dir("d")
        .synced_file("d/f.txt", "base")
        .synced_file("d/g.txt", "g");
    w.local_write("d/f.txt", "edited offline");
    w.remote_delete("d");
    let plan = w.plan_two_way();
    assert_eq!(
        state(&plan, "d"),
        SyncState::DirChangedOnClientDeletedOnServer
    );
    assert_eq!(outcome(&plan, "d"), &Outcome::Logged);
    let (local_deletes, _) = deletions(&plan);
    assert!(!local_deletes.contains(&p("d")), "{plan:#?}");
    assert!(!local_deletes.contains(&p("d/f.txt")), "{plan:#?}");
    w.apply(&plan);
    assert_eq!(local(&w, "d").as_deref(), Some("<dir>"));
    assert_eq!(local(&w, "d/f.txt").as_deref(), Some("edited offline"));
}

#[test]
fn a_directory_deleted_offline_never_deletes_a_file_the_server_added_in_it() {
    for policy in [ConflictPolicy::Default, ConflictPolicy::KeepLocal] {
        let mut w = World::default();
        w.synced_dir("d").synced_file("d/old.txt", "old");
        w.local_delete("d");
        w.remote_write("d/new.txt", "added on the server");
        let plan = plan_of(&w, &w.request(two_way(policy)));
        let (_, server_deletes) = deletions(&plan);
        assert!(!server_deletes.contains(&p("d")), "{policy:?}: {plan:#?}");
        assert!(
            !server_deletes.contains(&p("d/new.txt")),
            "{policy:?}: {plan:#?}"
        );
        w.apply(&plan);
        assert_eq!(
            remote(&w, "d/new.txt").as_deref(),
            Some("added on the server"),
            "{policy:?}"
        );
        assert_eq!(remote(&w, "d").as_deref(), Some("<dir>"), "{policy:?}");
    }
}

// ----- blocked items ---------------------------------------------------------------------------

#[test]
fn a_creation_under_a_directory_that_will_not_exist_is_blocked_and_kept_for_later() {
    let mut w = World::default();
    w.synced_file("elsewhere.txt", "keeps the listing non-empty");
    w.synced_dir("d");
    w.local_write("d/new.txt", "new offline");
    w.remote_delete("d");
    let plan = w.plan_two_way();
    assert_eq!(outcome(&plan, "d"), &Outcome::Logged);
    assert_eq!(
        outcome(&plan, "d/new.txt"),
        &Outcome::Blocked(BlockReason::ParentMissing(Side::Remote))
    );
    assert!(plan.item(&p("d/new.txt")).unwrap().ops.is_empty());
    w.apply(&plan);
    let kept = w.cache.get(&p("d/new.txt")).expect("still cached");
    assert!(kept.local.is_dirty(), "its change waits for the next sync");
    assert_eq!(local(&w, "d/new.txt").as_deref(), Some("new offline"));

    // Once the directory's conflict is resolved, the file goes up.
    let plan = plan_of(&w, &w.request(two_way(ConflictPolicy::KeepLocal)));
    assert_eq!(outcome(&plan, "d/new.txt"), &Outcome::Sync);
    w.apply(&plan);
    assert_eq!(remote(&w, "d/new.txt").as_deref(), Some("new offline"));
    assert!(w.plan_two_way().is_noop());
}

#[test]
fn a_directory_deletion_that_would_remove_a_kept_item_is_blocked() {
    let mut w = World::default();
    w.synced_dir("d").synced_file("d/old.txt", "old");
    w.local_delete("d");
    w.remote_write("d/new.txt", "added on the server");
    let plan = plan_of(&w, &w.request(two_way(ConflictPolicy::KeepLocal)));
    assert_eq!(
        outcome(&plan, "d"),
        &Outcome::Blocked(BlockReason::NotEmpty(Side::Remote))
    );
    assert!(plan.item(&p("d")).unwrap().ops.is_empty());
    // The deletion of the file the cache knew goes ahead.
    assert_eq!(deletions(&plan).1, [p("d/old.txt")]);
    w.apply(&plan);
    assert_eq!(remote(&w, "d/old.txt"), None);
    assert_eq!(
        remote(&w, "d/new.txt").as_deref(),
        Some("added on the server")
    );
}

// ----- order of the plan -----------------------------------------------------------------------

fn is_deletion(a: &Action) -> bool {
    matches!(a, Action::DeleteLocal { .. } | Action::DeleteRemote { .. })
}

#[test]
fn deletions_come_first_children_before_parents_and_creations_parents_before_children() {
    let mut w = World::default();
    w.synced_dir("old")
        .synced_file("old/a.txt", "a")
        .synced_dir("old/sub")
        .synced_file("old/sub/b.txt", "b");
    w.synced_dir("gone")
        .synced_dir("gone/sub")
        .synced_file("gone/sub/c.txt", "c");
    for i in 0..12 {
        w.synced_file(&format!("keep{i:02}.txt"), "kept");
    }
    // Offline: a tree deleted, a tree created.
    w.local_delete("old");
    w.local_mkdir("new").local_mkdir("new/sub");
    w.local_write("new/sub/n.txt", "n");
    // On the server: a tree deleted, and a tree created in a directory pinned with
    // inheritance (pulled in by PINNEWFILES).
    w.synced_dir("inbox");
    w.remote_delete("gone");
    w.remote_mkdir("inbox/x").remote_mkdir("inbox/x/y");
    w.remote_write("inbox/x/y/z.txt", "z");
    let mut req = w.request(SyncControl::new(
        SyncControlFlags::SYNCIN | SyncControlFlags::SYNCOUT | SyncControlFlags::PINNEWFILES,
    ));
    req.guard.allow = true;
    let plan = plan_of(&w, &req);
    let ops: Vec<&Action> = plan.ops().map(|o| &o.action).collect();

    let last_delete = ops.iter().rposition(|a| is_deletion(a)).expect("deletes");
    let first_create = ops.iter().position(|a| a.is_creation()).expect("creations");
    assert!(last_delete < first_create, "deletions first: {ops:#?}");

    let index_of = |pred: &dyn Fn(&Action) -> bool, path: &str| {
        ops.iter()
            .position(|a| pred(a) && a.path() == &p(path))
            .unwrap_or_else(|| panic!("no step for {path}: {ops:#?}"))
    };
    let del = |path: &str| index_of(&is_deletion, path);
    let make = |path: &str| index_of(&Action::is_creation, path);
    assert!(del("old/sub/b.txt") < del("old/sub"));
    assert!(del("old/sub") < del("old"));
    assert!(del("old/a.txt") < del("old"));
    assert!(del("gone/sub/c.txt") < del("gone/sub"));
    assert!(del("gone/sub") < del("gone"));
    assert!(make("new") < make("new/sub"));
    assert!(make("new/sub") < make("new/sub/n.txt"));
    assert!(make("inbox/x") < make("inbox/x/y"));
    assert!(make("inbox/x/y") < make("inbox/x/y/z.txt"));

    // The reference executor checks parents and emptiness at every step.
    w.apply(&plan);
    assert_eq!(remote(&w, "new/sub/n.txt").as_deref(), Some("n"));
    assert_eq!(remote(&w, "old"), None);
    assert_eq!(local(&w, "gone"), None);
    assert_eq!(local(&w, "inbox/x/y/z.txt").as_deref(), Some("z"));
    assert!(w.plan_two_way().is_noop());
}

// ----- listing failures (OFFLINEFILES_SYNC_OPERATION_PREPARE) --------------------------------

#[test]
fn a_directory_whose_listing_failed_is_reported_and_nothing_below_it_counts_as_deleted() {
    let mut w = World::default();
    w.synced_dir("docs")
        .synced_file("docs/a.txt", "a")
        .synced_file("docs/b.txt", "b")
        .synced_file("top.txt", "t");
    w.local_write("docs/a.txt", "a, edited offline");
    w.remote_write("top.txt", "t, edited on the server");
    w.unlisted = vec![p("docs")];
    let plan = w.plan_two_way();
    let docs = plan
        .item(&p("docs"))
        .expect("the unlisted directory is reported");
    assert_eq!(docs.outcome, Outcome::ListingFailed);
    assert_eq!(docs.operation(), csc_core::win::SyncOperation::Prepare);
    // Nothing below it is decided: no deletion of the unlisted children, no upload either.
    assert!(
        plan.items
            .iter()
            .all(|i| !i.path.is_descendant_of(&p("docs"))),
        "{plan:#?}"
    );
    // The rest of the share still syncs.
    assert!(matches!(
        plan.item(&p("top.txt")).map(|i| &i.ops[0].action),
        Some(Action::Download { .. })
    ));
    w.apply(&plan);
    assert_eq!(local(&w, "docs/b.txt").as_deref(), Some("b"));
    // Once the listing works again, the offline edit goes up.
    w.unlisted.clear();
    let plan = w.plan_two_way();
    assert!(matches!(
        plan.item(&p("docs/a.txt")).map(|i| &i.ops[0].action),
        Some(Action::Upload { .. })
    ));
}

#[test]
fn a_directory_deleted_offline_is_not_deleted_on_the_server_while_its_listing_fails() {
    for policy in [ConflictPolicy::Default, ConflictPolicy::KeepLocal] {
        let mut w = World::default();
        w.synced_dir("docs").synced_file("docs/a.txt", "a");
        w.local_delete("docs");
        w.remote_write("docs/new.txt", "added on the server, not visible");
        w.unlisted = vec![p("docs")];
        let control = SyncControl::new(SyncControlFlags::SYNCIN | SyncControlFlags::SYNCOUT)
            .with_policy(policy)
            .expect("one policy");
        let plan = w.plan(&w.request(control)).expect("plans");
        assert!(
            !plan.ops().any(
                |o| matches!(&o.action, Action::DeleteRemote { path, .. } if path == &p("docs"))
            ),
            "{policy:?}: {plan:#?}"
        );
        w.apply(&plan);
        assert_eq!(
            remote(&w, "docs/new.txt").as_deref(),
            Some("added on the server, not visible")
        );
    }
}

#[test]
fn a_requested_path_below_a_directory_whose_listing_failed_is_reported_not_synced() {
    let mut w = World::default();
    w.synced_dir("docs")
        .synced_dir("docs/sub")
        .synced_file("docs/sub/a.txt", "a");
    w.local_write("docs/sub/a.txt", "edited");
    w.unlisted = vec![p("docs")];
    let control = SyncControl::new(SyncControlFlags::SYNCIN | SyncControlFlags::SYNCOUT);
    let mut req = w.request(control);
    req.paths = vec![p("docs/sub")];
    let plan = w.plan(&req).expect("plans");
    assert_eq!(plan.items.len(), 1, "{plan:#?}");
    assert_eq!(plan.items[0].path, p("docs/sub"));
    assert_eq!(plan.items[0].outcome, Outcome::ListingFailed);
}

#[test]
fn a_failed_listing_of_the_whole_share_is_not_mistaken_for_an_empty_share() {
    let mut w = World::default();
    w.synced_file("a.txt", "a").synced_file("b.txt", "b");
    w.unlisted = vec![ItemPath::root()];
    w.remote.clear();
    let plan = w.plan_two_way();
    assert_eq!(plan.items.len(), 1, "{plan:#?}");
    assert_eq!(plan.items[0].outcome, Outcome::ListingFailed);
    assert_eq!(plan.ops().count(), 0);
}

#[test]
fn only_a_listed_directory_can_be_marked_as_not_listed() {
    let mut w = World::default();
    w.synced_file("a.txt", "a");
    let (_, remote) = w.trees();
    let err = remote.with_unlisted(vec![p("a.txt")]).unwrap_err();
    assert!(err.to_string().contains("\"a.txt\""), "{err}");
    assert!(err.to_string().contains("listed director"), "{err}");
}
