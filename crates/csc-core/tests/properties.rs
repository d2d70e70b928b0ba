//! Property tests of the planner on random shares with random edits on both sides, in the
//! manner of Dropbox's CanopyCheck: plan, pretend every step succeeded, check the invariants.
//!
//! Applying a plan goes through the test kit's reference model (`World::apply`), which asserts
//! every step's preconditions: a parent exists before a child is created, a directory is empty
//! before it is deleted, a write finds the version it expects. So every property below also
//! checks that plans are ordered and self-consistent.

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::collections::{BTreeMap, BTreeSet};

use csc_core::win::{ConflictPolicy, ConflictResolve, SyncControl, SyncControlFlags};
use csc_core::{
    CaseRule, ContentHash, HandlerAnswer, ItemKind, ItemPath, LocalChanges, Pins, Plan,
    PlannedItem, Presence, SyncRequest,
};
use csc_testkit::World;
use csc_testkit::arb::{Edit, Scenario, scenario};
use proptest::prelude::*;

fn two_way(policy: ConflictPolicy) -> SyncControl {
    SyncControl::new(SyncControlFlags::SYNCIN | SyncControlFlags::SYNCOUT)
        .with_policy(policy)
        .expect("one policy")
}

fn request(w: &World, control: SyncControl) -> SyncRequest {
    let mut req = w.request(control);
    // The properties are about planning itself; the deletion valve has tests of its own.
    req.guard.allow = true;
    req
}

fn policy() -> impl Strategy<Value = ConflictPolicy> {
    prop_oneof![
        Just(ConflictPolicy::Default),
        Just(ConflictPolicy::KeepLocal),
        Just(ConflictPolicy::KeepRemote),
        Just(ConflictPolicy::KeepLatest),
    ]
}

/// Handler answers that never discard a version: log, skip, keep both, or defer.
fn keeping_answer() -> impl Strategy<Value = ConflictResolve> {
    prop_oneof![
        Just(ConflictResolve::Log),
        Just(ConflictResolve::Skip),
        Just(ConflictResolve::KeepAllChanges),
        Just(ConflictResolve::None),
    ]
}

/// Everything a user can observe of a world, without server versions and times (which depend
/// on the order the steps ran in).
type Observable = (
    BTreeMap<
        ItemPath,
        (
            ItemKind,
            Presence,
            LocalChanges,
            Option<ContentHash>,
            Pins,
            bool,
        ),
    >,
    BTreeMap<ItemPath, (ItemKind, Option<ContentHash>)>,
    BTreeSet<ItemPath>,
);

fn observable(w: &World) -> Observable {
    let cache = w
        .cache
        .iter()
        .map(|(k, e)| {
            let l = &e.local;
            let v = (
                l.kind,
                l.presence,
                l.changes,
                e.local_view().hash,
                e.pins,
                e.original.is_some(),
            );
            (k.clone(), v)
        })
        .collect();
    let remote = w
        .remote
        .iter()
        .map(|(k, m)| (k.clone(), (m.kind, m.hash)))
        .collect();
    (cache, remote, w.conflicts.clone())
}

/// The paths an item's steps touch.
fn touched(item: &PlannedItem) -> Vec<&ItemPath> {
    let mut paths = vec![&item.path];
    for op in &item.ops {
        paths.push(op.action.path());
        match &op.action {
            csc_core::Action::MoveLocal { from, .. }
            | csc_core::Action::MoveRemote { from, .. } => {
                paths.push(from);
            }
            _ => {}
        }
    }
    paths
}

fn related(a: &PlannedItem, b: &PlannedItem) -> bool {
    touched(a).iter().any(|x| {
        touched(b)
            .iter()
            .any(|y| x.is_self_or_descendant_of(y) || y.is_self_or_descendant_of(x))
    })
}

/// A random order of the plan's items that keeps every pair of related items (one path at or
/// below another's) in plan order.
fn shuffled(plan: &Plan, seed: u64) -> Plan {
    let mut rng = seed | 1;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let n = plan.items.len();
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    while order.len() < n {
        let ready: Vec<usize> = (0..n)
            .filter(|&i| !done[i])
            .filter(|&i| (0..i).all(|j| done[j] || !related(&plan.items[j], &plan.items[i])))
            .collect();
        let pick = ready[(next() % ready.len() as u64) as usize];
        done[pick] = true;
        order.push(pick);
    }
    Plan {
        items: order.into_iter().map(|i| plan.items[i].clone()).collect(),
        conflicts: plan.conflicts.clone(),
        merge: plan.merge,
        forget_originals: plan.forget_originals.clone(),
    }
}

/// 512 cases natively and 128 on wasm, unless `PROPTEST_CASES` asks for a longer run. Failing
/// seeds are kept next to this file and replayed first on every run.
// Reading the environment is fine in a test; the ban in clippy.toml is for the core itself.
#[allow(clippy::disallowed_methods)]
fn config() -> ProptestConfig {
    let default = ProptestConfig::default();
    let from_env = std::env::var("PROPTEST_CASES").is_ok();
    ProptestConfig {
        cases: match (from_env, cfg!(target_arch = "wasm32")) {
            (true, _) => default.cases,
            (false, true) => 128,
            (false, false) => 512,
        },
        ..default
    }
}

fn describe(s: &Scenario, w: &World, plan: &Plan) -> String {
    let items: Vec<String> = plan
        .items
        .iter()
        .map(|i| {
            format!(
                "  {} {:?} {:?} {:?}",
                i.path, i.class.state, i.outcome, i.ops
            )
        })
        .collect();
    format!(
        "{s:?}\ncache: {:?}\nremote: {:?}\nplan:\n{}",
        w.cache.keys().collect::<Vec<_>>(),
        w.remote,
        items.join("\n")
    )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_background_sync_leaves_open_items_untouched_and_its_plan_stays_consistent(
        s in scenario(),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 1..4),
    ) {
        let mut w = s.world();
        // A background pass has no conflict policy: conflicts go to the conflict store.
        let mut control = two_way(ConflictPolicy::Default);
        control.flags |= SyncControlFlags::BACKGROUND | SyncControlFlags::PINNEWFILES;
        let mut req = request(&w, control);
        let names: Vec<ItemPath> = w.cache.keys().chain(w.remote.keys()).cloned().collect();
        prop_assume!(!names.is_empty());
        req.in_use = picks.iter().map(|i| i.get(&names).clone()).collect();
        let heads = w.heads();
        let plan = w.plan(&req).expect("deletions are allowed");
        for item in plan.items.iter().filter(|i| !i.ops.is_empty()) {
            for path in touched(item) {
                prop_assert!(
                    !req.in_use.iter().any(|o| path.is_self_or_descendant_of(o) || o.is_self_or_descendant_of(path)),
                    "{path} is open ({:?}):\n{}", req.in_use, describe(&s, &w, &plan)
                );
            }
        }
        // `apply` asserts the order of every step.
        w.apply(&plan);
        let after = w.all_contents();
        for h in &heads {
            prop_assert!(after.contains(h), "lost {:?}\n{}", w.label(Some(*h)), describe(&s, &w, &plan));
        }
    }

    #[test]
    fn planning_is_deterministic(s in scenario(), policy in policy()) {
        let w = s.world();
        let req = request(&w, two_way(policy));
        prop_assert_eq!(w.plan(&req), w.plan(&req));
    }

    #[test]
    fn applying_a_fully_successful_plan_leaves_nothing_to_do(s in scenario(), policy in policy()) {
        let mut w = s.world();
        let req = request(&w, two_way(policy));
        let plan = w.plan(&req).expect("deletions are allowed");
        w.apply(&plan);
        let again = w.plan(&request(&w, two_way(policy))).expect("deletions are allowed");
        prop_assert!(again.is_noop(), "second plan is not empty:\n{}", describe(&s, &w, &again));
    }

    #[test]
    fn no_plan_loses_a_version_that_only_one_side_has(
        s in scenario(),
        answers in prop::collection::vec(keeping_answer(), 16),
    ) {
        let mut w = s.world();
        let heads = w.heads();
        let mut req = request(&w, two_way(ConflictPolicy::Default));
        let first = w.plan(&req).expect("deletions are allowed");
        // Answer the conflicts the first plan found, as a conflict handler would.
        for (k, item) in first.items.iter().enumerate() {
            req.answers.insert(item.path.clone(), HandlerAnswer::new(answers[k % answers.len()]));
        }
        let plan = w.plan(&req).expect("deletions are allowed");
        w.apply(&plan);
        let after = w.all_contents();
        for h in &heads {
            prop_assert!(after.contains(h), "lost {:?}\n{}", w.label(Some(*h)), describe(&s, &w, &plan));
        }
    }

    #[test]
    fn every_step_finds_its_parent_and_empties_directories_before_deleting_them(
        s in scenario(),
        policy in policy(),
        pin_new in any::<bool>(),
    ) {
        let mut w = s.world();
        let mut control = two_way(policy);
        if pin_new {
            control.flags |= SyncControlFlags::PINNEWFILES;
        }
        let plan = w.plan(&request(&w, control)).expect("deletions are allowed");
        // `apply` asserts the order of every step.
        w.apply(&plan);
        let mut deleting = true;
        for item in &plan.items {
            let only_deletes = !item.ops.is_empty() && item.ops.iter().all(|o| matches!(
                o.action,
                csc_core::Action::DeleteLocal { .. } | csc_core::Action::DeleteRemote { .. }
            ));
            if !only_deletes {
                deleting = false;
            }
            prop_assert!(deleting || !only_deletes || item.ops.is_empty(),
                "a deletion after other steps:\n{}", describe(&s, &w, &plan));
        }
    }

    #[test]
    fn shuffling_independent_steps_does_not_change_the_outcome(
        s in scenario(),
        policy in policy(),
        seed in any::<u64>(),
    ) {
        let w = s.world();
        let plan = w.plan(&request(&w, two_way(policy))).expect("deletions are allowed");
        let mut in_order = w.clone();
        in_order.apply(&plan);
        let mut reordered = w.clone();
        reordered.apply(&shuffled(&plan, seed));
        prop_assert_eq!(observable(&in_order), observable(&reordered));
    }
}

/// Plans a two-way sync of `s` with `policy`, applies it, and checks that nothing is left to do
/// and no version only one side had was lost.
fn round_trip(s: &Scenario, policy: ConflictPolicy) {
    let mut w = s.world();
    let heads = w.heads();
    let plan = w
        .plan(&request(&w, two_way(policy)))
        .expect("deletions are allowed");
    w.apply(&plan);
    let again = w
        .plan(&request(&w, two_way(policy)))
        .expect("deletions are allowed");
    assert!(
        again.is_noop(),
        "second plan is not empty:\n{}",
        describe(s, &w, &again)
    );
    if policy == ConflictPolicy::Default {
        let after = w.all_contents();
        assert!(
            heads.iter().all(|h| after.contains(h)),
            "{}",
            describe(s, &w, &plan)
        );
    }
}

// Regressions found by the properties above, kept as named cases. Path indices refer to
// `csc_testkit::arb::pool` (case-sensitive: a, b, c, a/a, …; case-insensitive adds A).

#[test]
fn a_merge_forgets_a_tombstone_whose_item_the_new_server_does_not_have() {
    let s = Scenario {
        case: CaseRule::Sensitive,
        base: vec![(25, false, 0)],
        local: vec![Edit::Delete(25)],
        remote: vec![Edit::Delete(25)],
        epoch_changed: true,
        unlisted: vec![],
    };
    round_trip(&s, ConflictPolicy::Default);
}

#[test]
fn keep_remote_replaces_a_file_that_replaced_a_directory_without_orphaning_tombstones() {
    // Offline, directory c (with c/a/a) was deleted and a file c created; the server deleted c
    // and wrote c/a/a again. The cache swaps the file for a directory in one step.
    let s = Scenario {
        case: CaseRule::Sensitive,
        base: vec![(30, false, 0)],
        local: vec![Edit::Delete(2), Edit::Write(2, 0)],
        remote: vec![Edit::Delete(2), Edit::Write(30, 0)],
        epoch_changed: false,
        unlisted: vec![],
    };
    round_trip(&s, ConflictPolicy::KeepRemote);
}

#[test]
fn a_server_file_replacing_a_cached_directory_is_downloaded_once_the_directory_is_emptied() {
    let s = Scenario {
        case: CaseRule::Sensitive,
        base: vec![(15, false, 0)],
        local: vec![],
        remote: vec![Edit::Delete(0), Edit::Write(4, 0)],
        epoch_changed: false,
        unlisted: vec![],
    };
    round_trip(&s, ConflictPolicy::Default);
}

#[test]
fn a_merge_clears_the_old_originals_of_items_it_leaves_in_conflict() {
    let s = Scenario {
        case: CaseRule::Sensitive,
        base: vec![(11, false, 0)],
        local: vec![],
        remote: vec![Edit::Delete(11), Edit::Mkdir(36)],
        epoch_changed: true,
        unlisted: vec![],
    };
    round_trip(&s, ConflictPolicy::Default);
}

#[test]
fn a_name_both_sides_list_is_never_a_name_collision() {
    let s = Scenario {
        case: CaseRule::Insensitive,
        base: vec![(16, false, 0)],
        local: vec![],
        remote: vec![Edit::Write(19, 0)],
        epoch_changed: true,
        unlisted: vec![],
    };
    round_trip(&s, ConflictPolicy::Default);
}

#[test]
fn a_name_deleted_offline_collides_with_nothing() {
    let s = Scenario {
        case: CaseRule::Insensitive,
        base: vec![(83, false, 0)],
        local: vec![Edit::Delete(19)],
        remote: vec![Edit::Write(68, 0)],
        epoch_changed: false,
        unlisted: vec![],
    };
    round_trip(&s, ConflictPolicy::Default);
}

#[test]
fn a_merge_drops_tombstones_whose_original_it_clears() {
    // Offline, b was deleted and recreated with b/b as a file; b/b/a stayed a tombstone below
    // it. The server changed epoch, so the merge cannot restore b/b/a under a file and clears
    // its original: the tombstone must go with it.
    let s = Scenario {
        case: CaseRule::Sensitive,
        base: vec![(24, false, 0)],
        local: vec![Edit::Delete(1), Edit::Write(7, 0)],
        remote: vec![],
        epoch_changed: true,
        unlisted: vec![],
    };
    round_trip(&s, ConflictPolicy::Default);
}

#[test]
fn a_name_whose_cache_entry_is_only_a_tombstone_collides_as_a_server_only_name() {
    // Offline, b was deleted (b/a with it) and a file b created; the server added b/A next to
    // b/a, then changed epoch. b/a and b/A collide in the first sync already, not only once
    // the merge has dropped b/a's tombstone.
    let s = Scenario {
        case: CaseRule::Insensitive,
        base: vec![(36, false, 0)],
        local: vec![Edit::Delete(1), Edit::Write(1, 0)],
        remote: vec![Edit::Write(11, 0)],
        epoch_changed: true,
        unlisted: vec![],
    };
    round_trip(&s, ConflictPolicy::Default);
}
