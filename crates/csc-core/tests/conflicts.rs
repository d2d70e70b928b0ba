//! The eight conflict resolutions (spec §4.3) and the conflict store (spec §9).
//!
//! Every test builds a share with `World`, edits it offline and on the server, plans a sync and
//! checks what the plan does with the conflicting item; most then apply the plan and check that
//! both sides hold what the resolution promises and that the next sync has nothing left to do.

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use csc_core::win::{
    ChangeDetails, ConflictPolicy, ConflictResolve, SyncControl, SyncControlFlags, SyncState,
};
use csc_core::{
    Action, CacheEntry, ConflictChange, ConflictRecord, CopyInfo, HandlerAnswer, ItemKind,
    ItemPath, Meta, Millis, Outcome, Plan, Precondition, ResolutionError, SyncRequest,
};
use csc_testkit::inspect::{actions, local, outcome, plan_of, remote, state};
use csc_testkit::{World, p};

// ----- helpers ---------------------------------------------------------------------------------

/// A two-way sync control with `policy`.
fn control(policy: ConflictPolicy) -> SyncControl {
    SyncControl::new(SyncControlFlags::SYNCIN | SyncControlFlags::SYNCOUT)
        .with_policy(policy)
        .expect("a single conflict policy")
}

/// A whole-share two-way request with `policy`.
fn request(w: &World, policy: ConflictPolicy) -> SyncRequest {
    w.request(control(policy))
}

/// A whole-share two-way request with CR_DEFAULT and one handler answer.
fn answered(w: &World, path: &str, resolution: ConflictResolve) -> SyncRequest {
    let mut req = request(w, ConflictPolicy::Default);
    req.answers.insert(p(path), HandlerAnswer::new(resolution));
    req
}

/// A whole-share two-way request with CR_DEFAULT answering KEEPALLCHANGES with `new_name`.
fn keep_all_named(w: &World, path: &str, new_name: &str) -> SyncRequest {
    let mut req = request(w, ConflictPolicy::Default);
    req.answers.insert(
        p(path),
        HandlerAnswer {
            resolution: ConflictResolve::KeepAllChanges,
            new_name: Some(new_name.into()),
        },
    );
    req
}

fn server_meta(w: &World, path: &str) -> Meta {
    w.remote
        .get(&p(path))
        .cloned()
        .unwrap_or_else(|| panic!("{path} is not on the server"))
}

fn cached(w: &World, path: &str) -> CacheEntry {
    w.cache
        .get(&p(path))
        .cloned()
        .unwrap_or_else(|| panic!("{path} is not cached"))
}

/// Applies `plan` and checks that the next two-way sync has nothing left to do.
fn apply_and_settle(w: &mut World, plan: &Plan) {
    w.apply(plan);
    let again = w.plan_two_way();
    assert!(
        again.is_noop(),
        "after applying the plan, the next sync still has work: {again:#?}"
    );
}

/// Applies a plan that must change nothing, and checks that the world is untouched.
fn apply_and_check_untouched(w: &mut World, plan: &Plan) {
    let (cache, server) = (w.cache.clone(), w.remote.clone());
    w.apply(plan);
    assert_eq!(w.cache, cache, "the cache changed");
    assert_eq!(w.remote, server, "the server changed");
}

/// `docs/a.txt` synced, then edited offline and then (later) on the server: state 12.
fn edit_edit() -> World {
    let mut w = World::default();
    w.synced_dir("docs").synced_file("docs/a.txt", "base");
    w.local_write("docs/a.txt", "local edit");
    w.remote_write("docs/a.txt", "server edit, longer");
    w
}

/// `docs/a.txt` synced, then edited on the server and then (later) offline: state 12.
fn edit_edit_local_newer() -> World {
    let mut w = World::default();
    w.synced_dir("docs").synced_file("docs/a.txt", "base");
    w.remote_write("docs/a.txt", "server edit, longer");
    w.local_write("docs/a.txt", "local edit");
    w
}

/// `docs/a.txt` synced, edited offline, deleted on the server: state 15.
fn edit_delete() -> World {
    let mut w = World::default();
    w.synced_dir("docs").synced_file("docs/a.txt", "base");
    w.local_write("docs/a.txt", "local edit");
    w.remote_delete("docs/a.txt");
    w
}

/// `docs/a.txt` synced, edited on the server, then deleted offline: state 36.
fn delete_after_server_edit() -> World {
    let mut w = World::default();
    w.synced_dir("docs").synced_file("docs/a.txt", "base");
    w.remote_write("docs/a.txt", "server edit, longer");
    w.local_delete("docs/a.txt");
    w
}

/// `docs/a.txt` synced, deleted offline, then edited on the server: state 36.
fn server_edit_after_delete() -> World {
    let mut w = World::default();
    w.synced_dir("docs").synced_file("docs/a.txt", "base");
    w.local_delete("docs/a.txt");
    w.remote_write("docs/a.txt", "server edit, longer");
    w
}

fn added(plan: &Plan, path: &str) -> ConflictRecord {
    plan.conflicts
        .iter()
        .find_map(|c| match c {
            ConflictChange::Added(r) if r.path == p(path) => Some(r.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no Added record for {path}: {:#?}", plan.conflicts))
}

fn changes_for<'a>(plan: &'a Plan, path: &str) -> Vec<&'a ConflictChange> {
    let path = p(path);
    plan.conflicts
        .iter()
        .filter(|c| match c {
            ConflictChange::Added(r) | ConflictChange::Updated(r) => r.path == path,
            ConflictChange::Removed(q) => *q == path,
        })
        .collect()
}

// ----- handler answers and the CR_* policy -----------------------------------------------------

#[test]
fn a_handler_answer_overrides_the_conflict_policy_of_the_request() {
    let cases = [
        (ConflictPolicy::KeepLocal, ConflictResolve::KeepRemote),
        (ConflictPolicy::KeepRemote, ConflictResolve::KeepLocal),
        (ConflictPolicy::KeepLatest, ConflictResolve::Log),
        (ConflictPolicy::Default, ConflictResolve::KeepLocal),
    ];
    for (policy, resolution) in cases {
        let mut w = edit_edit();
        let mut req = request(&w, policy);
        req.answers
            .insert(p("docs/a.txt"), HandlerAnswer::new(resolution));
        let plan = plan_of(&w, &req);
        let why = format!("policy {policy:?}, answer {resolution:?}");
        match resolution {
            ConflictResolve::Log => {
                assert_eq!(outcome(&plan, "docs/a.txt"), &Outcome::Logged, "{why}");
                apply_and_settle(&mut w, &plan);
                assert_eq!(
                    local(&w, "docs/a.txt").as_deref(),
                    Some("local edit"),
                    "{why}"
                );
                assert_eq!(
                    remote(&w, "docs/a.txt").as_deref(),
                    Some("server edit, longer"),
                    "{why}"
                );
            }
            _ => {
                assert_eq!(
                    outcome(&plan, "docs/a.txt"),
                    &Outcome::Resolved(resolution),
                    "{why}"
                );
                apply_and_settle(&mut w, &plan);
                let winner = if resolution == ConflictResolve::KeepLocal {
                    "local edit"
                } else {
                    "server edit, longer"
                };
                assert_eq!(local(&w, "docs/a.txt").as_deref(), Some(winner), "{why}");
                assert_eq!(remote(&w, "docs/a.txt").as_deref(), Some(winner), "{why}");
            }
        }
    }
}

#[test]
fn an_answer_for_another_path_leaves_the_item_to_the_policy() {
    let w = edit_edit();
    let mut req = request(&w, ConflictPolicy::KeepRemote);
    req.answers.insert(
        p("docs/other.txt"),
        HandlerAnswer::new(ConflictResolve::KeepLocal),
    );
    let plan = plan_of(&w, &req);
    assert_eq!(
        outcome(&plan, "docs/a.txt"),
        &Outcome::Resolved(ConflictResolve::KeepRemote)
    );
}

#[test]
fn a_none_answer_falls_back_to_the_request_policy() {
    let mut w = edit_edit();
    let mut req = request(&w, ConflictPolicy::KeepRemote);
    req.answers
        .insert(p("docs/a.txt"), HandlerAnswer::new(ConflictResolve::None));
    let plan = plan_of(&w, &req);
    assert_eq!(
        outcome(&plan, "docs/a.txt"),
        &Outcome::Resolved(ConflictResolve::KeepRemote)
    );
    apply_and_settle(&mut w, &plan);
    assert_eq!(
        local(&w, "docs/a.txt").as_deref(),
        Some("server edit, longer")
    );
}

#[test]
fn a_none_answer_with_cr_default_logs_the_conflict() {
    let mut w = edit_edit();
    let req = answered(&w, "docs/a.txt", ConflictResolve::None);
    let plan = plan_of(&w, &req);
    assert_eq!(outcome(&plan, "docs/a.txt"), &Outcome::Logged);
    assert!(plan.item(&p("docs/a.txt")).unwrap().ops.is_empty());
    assert_eq!(added(&plan, "docs/a.txt").path, p("docs/a.txt"));
    apply_and_check_untouched(&mut w, &plan);
}

#[test]
fn without_answer_or_policy_a_conflict_is_logged() {
    let w = edit_edit();
    let plan = w.plan_two_way();
    assert_eq!(outcome(&plan, "docs/a.txt"), &Outcome::Logged);
    assert_eq!(
        state(&plan, "docs/a.txt"),
        SyncState::FileChangedOnClientChangedOnServer
    );
}

// ----- KEEPLOCAL -------------------------------------------------------------------------------

#[test]
fn keep_local_uploads_the_edit_only_over_the_listed_server_version() {
    let mut w = edit_edit();
    let listed = server_meta(&w, "docs/a.txt").version;
    let plan = plan_of(&w, &request(&w, ConflictPolicy::KeepLocal));
    assert_eq!(
        outcome(&plan, "docs/a.txt"),
        &Outcome::Resolved(ConflictResolve::KeepLocal)
    );
    assert_eq!(
        actions(&plan, "docs/a.txt"),
        [Action::Upload {
            path: p("docs/a.txt"),
            precondition: Precondition::Version(listed),
        }]
    );
    apply_and_settle(&mut w, &plan);
    assert_eq!(local(&w, "docs/a.txt").as_deref(), Some("local edit"));
    assert_eq!(remote(&w, "docs/a.txt").as_deref(), Some("local edit"));
}

#[test]
fn keep_local_deletes_the_server_copy_when_the_local_copy_was_deleted() {
    let mut w = delete_after_server_edit();
    let listed = server_meta(&w, "docs/a.txt").version;
    let plan = plan_of(&w, &answered(&w, "docs/a.txt", ConflictResolve::KeepLocal));
    assert_eq!(
        state(&plan, "docs/a.txt"),
        SyncState::DeletedOnClientFileChangedOnServer
    );
    assert_eq!(
        actions(&plan, "docs/a.txt"),
        [Action::DeleteRemote {
            path: p("docs/a.txt"),
            expected: listed,
        }]
    );
    apply_and_settle(&mut w, &plan);
    assert_eq!(remote(&w, "docs/a.txt"), None);
    assert_eq!(local(&w, "docs/a.txt"), None);
    assert_eq!(remote(&w, "docs").as_deref(), Some("<dir>"));
}

#[test]
fn keep_local_recreates_a_file_deleted_on_the_server_only_where_nothing_was_created_since() {
    let mut w = edit_delete();
    let plan = plan_of(&w, &request(&w, ConflictPolicy::KeepLocal));
    assert_eq!(
        state(&plan, "docs/a.txt"),
        SyncState::FileChangedOnClientDeletedOnServer
    );
    assert_eq!(
        actions(&plan, "docs/a.txt"),
        [Action::Upload {
            path: p("docs/a.txt"),
            precondition: Precondition::MustNotExist,
        }]
    );
    apply_and_settle(&mut w, &plan);
    assert_eq!(remote(&w, "docs/a.txt").as_deref(), Some("local edit"));
}

// ----- KEEPREMOTE ------------------------------------------------------------------------------

#[test]
fn keep_remote_downloads_the_listed_server_version_over_the_offline_edit() {
    let mut w = edit_edit();
    let listed = server_meta(&w, "docs/a.txt");
    let plan = plan_of(&w, &request(&w, ConflictPolicy::KeepRemote));
    assert_eq!(
        outcome(&plan, "docs/a.txt"),
        &Outcome::Resolved(ConflictResolve::KeepRemote)
    );
    assert_eq!(
        actions(&plan, "docs/a.txt"),
        [Action::Download {
            path: p("docs/a.txt"),
            expected: Some(listed.version.clone()),
            meta: listed,
        }]
    );
    apply_and_settle(&mut w, &plan);
    assert_eq!(
        local(&w, "docs/a.txt").as_deref(),
        Some("server edit, longer")
    );
    assert_eq!(
        remote(&w, "docs/a.txt").as_deref(),
        Some("server edit, longer")
    );
}

#[test]
fn keep_remote_deletes_the_cached_copy_when_the_server_copy_was_deleted() {
    let mut w = edit_delete();
    let plan = plan_of(&w, &answered(&w, "docs/a.txt", ConflictResolve::KeepRemote));
    assert_eq!(
        outcome(&plan, "docs/a.txt"),
        &Outcome::Resolved(ConflictResolve::KeepRemote)
    );
    assert_eq!(
        actions(&plan, "docs/a.txt"),
        [Action::DeleteLocal {
            path: p("docs/a.txt")
        }]
    );
    apply_and_settle(&mut w, &plan);
    assert!(!w.cache.contains_key(&p("docs/a.txt")));
    assert_eq!(remote(&w, "docs/a.txt"), None);
}

#[test]
fn keep_remote_restores_a_file_deleted_offline_from_its_new_server_version() {
    let mut w = server_edit_after_delete();
    let plan = plan_of(&w, &request(&w, ConflictPolicy::KeepRemote));
    assert_eq!(
        outcome(&plan, "docs/a.txt"),
        &Outcome::Resolved(ConflictResolve::KeepRemote)
    );
    apply_and_settle(&mut w, &plan);
    assert_eq!(
        local(&w, "docs/a.txt").as_deref(),
        Some("server edit, longer")
    );
}

// ----- KEEPLATEST ------------------------------------------------------------------------------

#[test]
fn keep_latest_keeps_the_server_copy_when_it_changed_last() {
    let mut w = edit_edit();
    assert!(
        cached(&w, "docs/a.txt").local_view().modified < server_meta(&w, "docs/a.txt").modified
    );
    let plan = plan_of(&w, &request(&w, ConflictPolicy::KeepLatest));
    assert!(matches!(outcome(&plan, "docs/a.txt"), Outcome::Resolved(_)));
    assert!(matches!(
        actions(&plan, "docs/a.txt").as_slice(),
        [Action::Download { .. }]
    ));
    apply_and_settle(&mut w, &plan);
    assert_eq!(
        local(&w, "docs/a.txt").as_deref(),
        Some("server edit, longer")
    );
}

#[test]
fn keep_latest_keeps_the_offline_edit_when_it_changed_last() {
    let mut w = edit_edit_local_newer();
    let listed = server_meta(&w, "docs/a.txt").version;
    assert!(
        cached(&w, "docs/a.txt").local_view().modified > server_meta(&w, "docs/a.txt").modified
    );
    let plan = plan_of(&w, &answered(&w, "docs/a.txt", ConflictResolve::KeepLatest));
    assert!(matches!(outcome(&plan, "docs/a.txt"), Outcome::Resolved(_)));
    assert_eq!(
        actions(&plan, "docs/a.txt"),
        [Action::Upload {
            path: p("docs/a.txt"),
            precondition: Precondition::Version(listed),
        }]
    );
    apply_and_settle(&mut w, &plan);
    assert_eq!(remote(&w, "docs/a.txt").as_deref(), Some("local edit"));
}

#[test]
fn keep_latest_restores_an_offline_edit_deleted_on_the_server() {
    let mut w = edit_delete();
    let plan = plan_of(&w, &request(&w, ConflictPolicy::KeepLatest));
    assert_eq!(
        actions(&plan, "docs/a.txt"),
        [Action::Upload {
            path: p("docs/a.txt"),
            precondition: Precondition::MustNotExist,
        }]
    );
    apply_and_settle(&mut w, &plan);
    assert_eq!(local(&w, "docs/a.txt").as_deref(), Some("local edit"));
    assert_eq!(remote(&w, "docs/a.txt").as_deref(), Some("local edit"));
}

#[test]
fn keep_latest_counts_an_offline_deletion_at_its_deletion_time() {
    // Deleted offline after the server edit: the deletion is newer and wins.
    let mut w = delete_after_server_edit();
    let plan = plan_of(&w, &request(&w, ConflictPolicy::KeepLatest));
    assert!(matches!(
        actions(&plan, "docs/a.txt").as_slice(),
        [Action::DeleteRemote { .. }]
    ));
    apply_and_settle(&mut w, &plan);
    assert_eq!(remote(&w, "docs/a.txt"), None);

    // Deleted offline before the server edit: the edit is newer and comes back.
    let mut w = server_edit_after_delete();
    let plan = plan_of(&w, &request(&w, ConflictPolicy::KeepLatest));
    assert!(matches!(
        actions(&plan, "docs/a.txt").as_slice(),
        [Action::Download { .. }]
    ));
    apply_and_settle(&mut w, &plan);
    assert_eq!(
        local(&w, "docs/a.txt").as_deref(),
        Some("server edit, longer")
    );
}

#[test]
fn keep_latest_logs_a_conflict_whose_copies_changed_at_the_same_time() {
    let mut w = edit_edit();
    let when = server_meta(&w, "docs/a.txt").modified;
    let e = w.cache.get_mut(&p("docs/a.txt")).unwrap();
    e.local.own_mut(e.original.as_ref()).modified = when;
    let plan = plan_of(&w, &request(&w, ConflictPolicy::KeepLatest));
    assert_eq!(outcome(&plan, "docs/a.txt"), &Outcome::Logged);
    assert!(plan.item(&p("docs/a.txt")).unwrap().ops.is_empty());
    assert_eq!(
        added(&plan, "docs/a.txt").state,
        SyncState::FileChangedOnClientChangedOnServer
    );
    apply_and_check_untouched(&mut w, &plan);
}

// ----- KEEPALLCHANGES --------------------------------------------------------------------------

struct KeepBoth {
    what: &'static str,
    /// The conflicting item.
    path: &'static str,
    build: fn(&mut World),
    state: SyncState,
    /// What both sides must hold afterwards: (path, `<dir>` or content label).
    after: &'static [(&'static str, &'static str)],
}

#[test]
fn keep_all_changes_keeps_both_versions_on_both_sides() {
    let cases = [
        KeepBoth {
            what: "edited on both sides",
            path: "d/x.txt",
            build: |w| {
                w.synced_file("d/x.txt", "base");
                w.local_write("d/x.txt", "mine");
                w.remote_write("d/x.txt", "theirs");
            },
            state: SyncState::FileChangedOnClientChangedOnServer,
            after: &[("d/x.txt", "theirs"), ("d/x (conflict 1).txt", "mine")],
        },
        KeepBoth {
            what: "created on both sides",
            path: "d/x.txt",
            build: |w| {
                w.local_write("d/x.txt", "mine");
                w.remote_write("d/x.txt", "theirs");
            },
            state: SyncState::FileCreatedOnClientFileOnServer,
            after: &[("d/x.txt", "theirs"), ("d/x (conflict 1).txt", "mine")],
        },
        KeepBoth {
            what: "deleted and re-created offline, changed on the server",
            path: "d/x.txt",
            build: |w| {
                w.synced_file("d/x.txt", "base");
                w.local_delete("d/x.txt");
                w.local_write("d/x.txt", "mine");
                w.remote_write("d/x.txt", "theirs");
            },
            state: SyncState::FileCreatedOnClientFileChangedOnServer,
            after: &[("d/x.txt", "theirs"), ("d/x (conflict 1).txt", "mine")],
        },
        KeepBoth {
            what: "a file created offline, a directory on the server",
            path: "d/x",
            build: |w| {
                w.local_write("d/x", "mine");
                w.remote_mkdir("d/x");
            },
            state: SyncState::FileCreatedOnClientDirOnServer,
            after: &[("d/x", "<dir>"), ("d/x (conflict 1)", "mine")],
        },
        KeepBoth {
            what: "a file edited offline, replaced by a directory on the server",
            path: "d/x",
            build: |w| {
                w.synced_file("d/x", "base");
                w.local_write("d/x", "mine");
                w.remote_delete("d/x");
                w.remote_mkdir("d/x");
            },
            state: SyncState::FileChangedOnClientDirChangedOnServer,
            after: &[("d/x", "<dir>"), ("d/x (conflict 1)", "mine")],
        },
        KeepBoth {
            what: "a directory created offline (with a file in it), a file on the server",
            path: "d/x",
            build: |w| {
                w.local_mkdir("d/x");
                w.local_write("d/x/child.txt", "child");
                w.remote_write("d/x", "theirs");
            },
            state: SyncState::DirCreatedOnClientFileOnServer,
            after: &[
                ("d/x", "<dir>"),
                ("d/x/child.txt", "child"),
                ("d/x (conflict 1)", "theirs"),
            ],
        },
    ];
    for case in cases {
        let what = case.what;
        let mut w = World::default();
        w.synced_dir("d");
        (case.build)(&mut w);
        let plan = plan_of(
            &w,
            &answered(&w, case.path, ConflictResolve::KeepAllChanges),
        );
        check_keep_both(&mut w, &plan, &case, what);
    }
}

fn check_keep_both(w: &mut World, plan: &Plan, case: &KeepBoth, what: &str) {
    let path = case.path;
    assert_eq!(state(plan, path), case.state, "{what}");
    assert!(
        case.state.keep_all_changes_allowed(),
        "{what}: state {:?} must allow KEEPALLCHANGES",
        case.state
    );
    assert_eq!(
        outcome(plan, path),
        &Outcome::Resolved(ConflictResolve::KeepAllChanges),
        "{what}"
    );
    w.apply(plan);
    for (q, want) in case.after {
        assert_eq!(local(w, q).as_deref(), Some(*want), "{what}: cache at {q}");
        assert_eq!(
            remote(w, q).as_deref(),
            Some(*want),
            "{what}: server at {q}"
        );
    }
    let again = w.plan_two_way();
    assert!(
        again.is_noop(),
        "{what}: the next sync still has work: {again:#?}"
    );
}

#[test]
fn keep_all_changes_is_valid_in_exactly_the_fourteen_documented_states() {
    let allowed: Vec<u32> = SyncState::ALL
        .iter()
        .filter(|s| s.keep_all_changes_allowed())
        .map(|s| u32::from(*s))
        .collect();
    assert_eq!(allowed, [1, 3, 4, 7, 8, 9, 10, 12, 13, 14, 22, 23, 26, 27]);
}

#[test]
fn keep_all_changes_is_rejected_for_an_edit_whose_server_copy_was_deleted() {
    let mut w = edit_delete();
    let plan = plan_of(
        &w,
        &answered(&w, "docs/a.txt", ConflictResolve::KeepAllChanges),
    );
    let item = plan.item(&p("docs/a.txt")).expect("planned");
    assert_eq!(
        item.outcome,
        Outcome::Rejected(ResolutionError::KeepAllChangesNotAllowed {
            state: SyncState::FileChangedOnClientDeletedOnServer
        })
    );
    assert!(item.ops.is_empty(), "no silent fallback: {:?}", item.ops);
    let Outcome::Rejected(e) = &item.outcome else {
        unreachable!()
    };
    let msg = e.to_string();
    assert!(msg.contains("KEEPALLCHANGES"), "{msg}");
    assert!(msg.contains("state 15"), "{msg}");
    assert!(
        msg.contains("OFFLINEFILES_SYNC_STATE_FileChangedOnClient_DeletedOnServer"),
        "{msg}"
    );
    apply_and_check_untouched(&mut w, &plan);
    assert_eq!(local(&w, "docs/a.txt").as_deref(), Some("local edit"));
}

#[test]
fn keep_all_changes_is_rejected_for_a_deletion_against_a_server_edit() {
    let mut w = delete_after_server_edit();
    let plan = plan_of(
        &w,
        &answered(&w, "docs/a.txt", ConflictResolve::KeepAllChanges),
    );
    let item = plan.item(&p("docs/a.txt")).expect("planned");
    assert_eq!(
        item.outcome,
        Outcome::Rejected(ResolutionError::KeepAllChangesNotAllowed {
            state: SyncState::DeletedOnClientFileChangedOnServer
        })
    );
    assert!(item.ops.is_empty());
    let Outcome::Rejected(e) = &item.outcome else {
        unreachable!()
    };
    assert!(e.to_string().contains("state 36"), "{e}");
    apply_and_check_untouched(&mut w, &plan);
}

// ----- names of kept-both copies -----------------------------------------------------------------

fn moved_to(plan: &Plan, path: &str) -> ItemPath {
    actions(plan, path)
        .iter()
        .find_map(|a| match a {
            Action::MoveLocal { to, .. } | Action::MoveRemote { to, .. } => Some(to.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no move for {path}: {plan:#?}"))
}

#[test]
fn the_default_conflict_name_skips_a_name_already_used_in_the_folder() {
    let mut w = edit_edit();
    w.synced_file("docs/a (conflict 1).txt", "an older conflict copy");
    let plan = plan_of(
        &w,
        &answered(&w, "docs/a.txt", ConflictResolve::KeepAllChanges),
    );
    assert_eq!(moved_to(&plan, "docs/a.txt"), p("docs/a (conflict 2).txt"));
    apply_and_settle(&mut w, &plan);
    assert_eq!(
        local(&w, "docs/a (conflict 1).txt").as_deref(),
        Some("an older conflict copy")
    );
    assert_eq!(
        remote(&w, "docs/a (conflict 2).txt").as_deref(),
        Some("local edit")
    );
}

#[test]
fn the_default_conflict_name_skips_a_name_that_exists_only_on_the_server() {
    let mut w = edit_edit();
    w.remote_write("docs/a (conflict 1).txt", "made on another device");
    let plan = plan_of(
        &w,
        &answered(&w, "docs/a.txt", ConflictResolve::KeepAllChanges),
    );
    assert_eq!(moved_to(&plan, "docs/a.txt"), p("docs/a (conflict 2).txt"));
    w.apply(&plan);
    assert_eq!(
        remote(&w, "docs/a (conflict 1).txt").as_deref(),
        Some("made on another device")
    );
}

#[test]
fn the_default_conflict_name_of_a_name_without_extension_or_a_dotfile_appends_the_suffix() {
    for (name, want) in [
        ("docs/README", "docs/README (conflict 1)"),
        ("docs/.profile", "docs/.profile (conflict 1)"),
        (
            "docs/report.final.txt",
            "docs/report.final (conflict 1).txt",
        ),
    ] {
        let mut w = World::default();
        w.synced_dir("docs").synced_file(name, "base");
        w.local_write(name, "mine");
        w.remote_write(name, "theirs");
        let plan = plan_of(&w, &answered(&w, name, ConflictResolve::KeepAllChanges));
        assert_eq!(moved_to(&plan, name), p(want), "{name}");
        apply_and_settle(&mut w, &plan);
        assert_eq!(remote(&w, want).as_deref(), Some("mine"), "{name}");
        assert_eq!(local(&w, name).as_deref(), Some("theirs"), "{name}");
    }
}

#[test]
fn a_bare_name_given_by_the_handler_names_the_extra_copy() {
    let mut w = edit_edit();
    let plan = plan_of(&w, &keep_all_named(&w, "docs/a.txt", "a (Alice v1).txt"));
    assert_eq!(
        outcome(&plan, "docs/a.txt"),
        &Outcome::Resolved(ConflictResolve::KeepAllChanges)
    );
    assert_eq!(moved_to(&plan, "docs/a.txt"), p("docs/a (Alice v1).txt"));
    apply_and_settle(&mut w, &plan);
    let copy = "docs/a (Alice v1).txt";
    assert_eq!(local(&w, copy).as_deref(), Some("local edit"));
    assert_eq!(remote(&w, copy).as_deref(), Some("local edit"));
    assert_eq!(
        remote(&w, "docs/a.txt").as_deref(),
        Some("server edit, longer")
    );
}

#[test]
fn a_handler_name_that_is_not_a_bare_name_is_rejected_with_a_clear_error() {
    for bad in ["sub/a.txt", "sub\\a.txt", "..", ".", ""] {
        let mut w = edit_edit();
        let plan = plan_of(&w, &keep_all_named(&w, "docs/a.txt", bad));
        let item = plan.item(&p("docs/a.txt")).expect("planned");
        let Outcome::Rejected(e @ ResolutionError::BadNewName(_)) = &item.outcome else {
            panic!(
                "{bad:?}: expected a BadNewName rejection, got {:?}",
                item.outcome
            );
        };
        let msg = e.to_string();
        assert!(msg.contains("new name"), "{bad:?}: {msg}");
        assert!(msg.contains("not a bare file name"), "{bad:?}: {msg}");
        assert!(item.ops.is_empty(), "{bad:?}");
        apply_and_check_untouched(&mut w, &plan);
    }
}

#[test]
fn a_handler_name_that_already_exists_is_rejected_with_a_clear_error() {
    let mut w = edit_edit();
    w.synced_file("docs/b.txt", "someone else's file");
    let plan = plan_of(&w, &keep_all_named(&w, "docs/a.txt", "b.txt"));
    let item = plan.item(&p("docs/a.txt")).expect("planned");
    assert_eq!(
        item.outcome,
        Outcome::Rejected(ResolutionError::NameTaken {
            name: "b.txt".into()
        })
    );
    let Outcome::Rejected(e) = &item.outcome else {
        unreachable!()
    };
    let msg = e.to_string();
    assert!(
        msg.contains("\"b.txt\"") && msg.contains("already exists"),
        "{msg}"
    );
    assert!(item.ops.is_empty());
    apply_and_check_untouched(&mut w, &plan);
    assert_eq!(
        remote(&w, "docs/b.txt").as_deref(),
        Some("someone else's file")
    );
}

#[test]
fn a_handler_name_already_given_to_another_copy_in_the_same_sync_is_rejected() {
    let mut w = edit_edit();
    w.synced_file("docs/b.txt", "base b");
    w.local_write("docs/b.txt", "local b");
    w.remote_write("docs/b.txt", "server b, longer");
    let mut req = request(&w, ConflictPolicy::Default);
    for path in ["docs/a.txt", "docs/b.txt"] {
        req.answers.insert(
            p(path),
            HandlerAnswer {
                resolution: ConflictResolve::KeepAllChanges,
                new_name: Some("copy.txt".into()),
            },
        );
    }
    let plan = plan_of(&w, &req);
    let outcomes = [
        outcome(&plan, "docs/a.txt").clone(),
        outcome(&plan, "docs/b.txt").clone(),
    ];
    let resolved = outcomes
        .iter()
        .filter(|o| **o == Outcome::Resolved(ConflictResolve::KeepAllChanges))
        .count();
    let taken = outcomes
        .iter()
        .filter(|o| {
            **o == Outcome::Rejected(ResolutionError::NameTaken {
                name: "copy.txt".into(),
            })
        })
        .count();
    assert_eq!((resolved, taken), (1, 1), "{outcomes:?}");
    w.apply(&plan);
    assert!(w.remote.contains_key(&p("docs/copy.txt")));
}

// ----- LOG, SKIP and the conflict store --------------------------------------------------------

#[test]
fn log_records_the_conflict_with_its_details_and_touches_neither_side() {
    let mut w = edit_edit();
    let mut req = answered(&w, "docs/a.txt", ConflictResolve::Log);
    req.now = Millis(1_700_000_000_000);
    let local_copy = cached(&w, "docs/a.txt");
    let server_copy = server_meta(&w, "docs/a.txt");
    let original = local_copy.original.clone().expect("synced before");
    let plan = plan_of(&w, &req);

    assert_eq!(outcome(&plan, "docs/a.txt"), &Outcome::Logged);
    assert!(plan.item(&p("docs/a.txt")).unwrap().ops.is_empty());
    let record = added(&plan, "docs/a.txt");
    assert_eq!(
        record,
        ConflictRecord {
            path: p("docs/a.txt"),
            detected: Millis(1_700_000_000_000),
            state: SyncState::FileChangedOnClientChangedOnServer,
            changes: ChangeDetails::LOCAL_SIZE
                | ChangeDetails::LOCAL_TIME
                | ChangeDetails::REMOTE_SIZE
                | ChangeDetails::REMOTE_TIME,
            local: Some(CopyInfo {
                kind: ItemKind::File,
                size: "local edit".len() as u64,
                modified: local_copy.local_view().modified,
                attributes: 0,
                version: None,
            }),
            remote: Some(CopyInfo {
                kind: ItemKind::File,
                size: "server edit, longer".len() as u64,
                modified: server_copy.modified,
                attributes: 0,
                version: Some(server_copy.version.clone()),
            }),
            original: Some(CopyInfo {
                kind: ItemKind::File,
                size: "base".len() as u64,
                modified: original.modified,
                attributes: 0,
                version: Some(original.version.clone()),
            }),
        }
    );
    assert_eq!(
        record.changes,
        plan.item(&p("docs/a.txt")).unwrap().class.changes
    );
    assert_eq!(changes_for(&plan, "docs/a.txt").len(), 1);
    apply_and_check_untouched(&mut w, &plan);
    assert!(w.conflicts.contains(&p("docs/a.txt")));
}

#[test]
fn a_logged_conflict_for_a_deleted_copy_records_no_copy_for_that_side() {
    let w = edit_delete();
    let plan = w.plan_two_way();
    let record = added(&plan, "docs/a.txt");
    assert_eq!(record.state, SyncState::FileChangedOnClientDeletedOnServer);
    assert!(record.local.is_some());
    assert_eq!(record.remote, None);
    assert!(record.original.is_some());
    assert!(record.changes.contains(ChangeDetails::REMOTE_TIME));
}

#[test]
fn a_conflict_seen_again_updates_its_record() {
    let mut w = edit_edit();
    let first = w.plan_two_way();
    assert_eq!(
        changes_for(&first, "docs/a.txt"),
        [&ConflictChange::Added(added(&first, "docs/a.txt"))]
    );
    w.apply(&first);

    let mut req = request(&w, ConflictPolicy::Default);
    req.now = Millis(w.now.0 + 60_000);
    let second = plan_of(&w, &req);
    let updates = changes_for(&second, "docs/a.txt");
    let [ConflictChange::Updated(record)] = updates.as_slice() else {
        panic!("expected one Updated record: {updates:?}");
    };
    assert_eq!(record.detected, req.now);
    assert_eq!(record.state, SyncState::FileChangedOnClientChangedOnServer);
    assert!(second.is_noop(), "refreshing a record changes nothing");
    w.apply(&second);
    assert!(w.conflicts.contains(&p("docs/a.txt")));
}

#[test]
fn a_logged_conflict_resolved_by_a_later_keep_local_sync_is_removed_from_the_store() {
    let mut w = edit_edit();
    let first = w.plan_two_way();
    w.apply(&first);
    assert!(w.conflicts.contains(&p("docs/a.txt")));

    let second = plan_of(&w, &request(&w, ConflictPolicy::KeepLocal));
    assert_eq!(
        changes_for(&second, "docs/a.txt"),
        [&ConflictChange::Removed(p("docs/a.txt"))]
    );
    apply_and_settle(&mut w, &second);
    assert!(w.conflicts.is_empty());
    assert_eq!(remote(&w, "docs/a.txt").as_deref(), Some("local edit"));
}

#[test]
fn a_logged_conflict_whose_sides_came_to_equal_content_is_removed_from_the_store() {
    let mut w = edit_edit();
    let first = w.plan_two_way();
    w.apply(&first);

    // Someone on another device writes the same bytes as the offline edit.
    w.remote_write("docs/a.txt", "local edit");
    let second = w.plan_two_way();
    assert_eq!(
        changes_for(&second, "docs/a.txt"),
        [&ConflictChange::Removed(p("docs/a.txt"))]
    );
    apply_and_settle(&mut w, &second);
    assert!(w.conflicts.is_empty());
    assert_eq!(local(&w, "docs/a.txt").as_deref(), Some("local edit"));
}

#[test]
fn conflict_records_outside_the_synced_paths_are_left_alone() {
    let mut w = edit_edit();
    w.synced_dir("other").synced_file("other/b.txt", "b");
    // A record for an item whose conflict is long gone, outside the synced subtree.
    w.conflicts.insert(p("other/b.txt"));
    w.conflicts.insert(p("docs/stale.txt"));

    let req = SyncRequest::new(vec![p("docs")], control(ConflictPolicy::Default), w.now);
    let plan = plan_of(&w, &req);
    assert!(changes_for(&plan, "other/b.txt").is_empty(), "{plan:#?}");
    assert_eq!(
        changes_for(&plan, "docs/stale.txt"),
        [&ConflictChange::Removed(p("docs/stale.txt"))]
    );
    w.apply(&plan);
    assert!(w.conflicts.contains(&p("other/b.txt")));

    // A whole-share sync does look at it.
    let plan = w.plan_two_way();
    assert_eq!(
        changes_for(&plan, "other/b.txt"),
        [&ConflictChange::Removed(p("other/b.txt"))]
    );
}

#[test]
fn skip_does_nothing_and_leaves_no_record() {
    let mut w = edit_edit();
    let plan = plan_of(&w, &answered(&w, "docs/a.txt", ConflictResolve::Skip));
    assert_eq!(outcome(&plan, "docs/a.txt"), &Outcome::Skipped);
    assert!(plan.item(&p("docs/a.txt")).unwrap().ops.is_empty());
    assert!(changes_for(&plan, "docs/a.txt").is_empty(), "{plan:#?}");
    apply_and_check_untouched(&mut w, &plan);
    assert!(w.conflicts.is_empty());
}

#[test]
fn skip_keeps_an_existing_record_of_the_still_unresolved_conflict() {
    let mut w = edit_edit();
    let first = w.plan_two_way();
    w.apply(&first);
    let plan = plan_of(&w, &answered(&w, "docs/a.txt", ConflictResolve::Skip));
    assert!(changes_for(&plan, "docs/a.txt").is_empty(), "{plan:#?}");
    w.apply(&plan);
    assert!(w.conflicts.contains(&p("docs/a.txt")));
}

// ----- CONFLICT_ABORT and NUMCODES -------------------------------------------------------------

#[test]
fn abort_stops_the_plan_at_that_item_and_keeps_later_records() {
    let mut w = World::default();
    w.synced_dir("docs");
    for name in ["a", "b", "c"] {
        let path = format!("docs/{name}.txt");
        w.synced_file(&path, "base");
        w.local_write(&path, &format!("local {name}"));
        w.remote_write(&path, &format!("server {name}, longer"));
    }
    let first = w.plan_two_way();
    w.apply(&first);
    assert_eq!(w.conflicts.len(), 3);

    let mut req = request(&w, ConflictPolicy::KeepLocal);
    req.answers
        .insert(p("docs/b.txt"), HandlerAnswer::new(ConflictResolve::Abort));
    let plan = plan_of(&w, &req);
    let last = plan.items.last().expect("a plan");
    assert_eq!(last.path, p("docs/b.txt"));
    assert_eq!(last.outcome, Outcome::Abort);
    assert!(last.ops.is_empty());
    assert!(plan.item(&p("docs/c.txt")).is_none(), "{plan:#?}");
    assert_eq!(
        outcome(&plan, "docs/a.txt"),
        &Outcome::Resolved(ConflictResolve::KeepLocal)
    );
    assert!(
        !plan.conflicts.iter().any(|c| matches!(
            c,
            ConflictChange::Removed(q) if *q == p("docs/c.txt") || *q == p("docs/b.txt")
        )),
        "{:#?}",
        plan.conflicts
    );

    w.apply(&plan);
    assert!(w.conflicts.contains(&p("docs/b.txt")));
    assert!(w.conflicts.contains(&p("docs/c.txt")));
    assert_eq!(local(&w, "docs/c.txt").as_deref(), Some("local c"));
    assert_eq!(
        remote(&w, "docs/c.txt").as_deref(),
        Some("server c, longer")
    );
    assert_eq!(local(&w, "docs/b.txt").as_deref(), Some("local b"));
    assert_eq!(
        remote(&w, "docs/b.txt").as_deref(),
        Some("server b, longer")
    );
}

#[test]
fn the_numcodes_sentinel_is_rejected_as_an_answer() {
    let mut w = edit_edit();
    let plan = plan_of(&w, &answered(&w, "docs/a.txt", ConflictResolve::NumCodes));
    let item = plan.item(&p("docs/a.txt")).expect("planned");
    assert_eq!(item.outcome, Outcome::Rejected(ResolutionError::Sentinel));
    assert!(item.ops.is_empty());
    let Outcome::Rejected(e) = &item.outcome else {
        unreachable!()
    };
    assert!(e.to_string().contains("NUMCODES"), "{e}");
    apply_and_check_untouched(&mut w, &plan);
}
