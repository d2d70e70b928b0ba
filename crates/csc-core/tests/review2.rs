//! Second review round: the reference model against the documented step semantics,
//! KEEPALLCHANGES end to end, merges after an epoch change, step order, and the invariants of
//! `Plan` an executor relies on; plus a property test aimed at those areas.

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::collections::BTreeSet;

use csc_core::win::{ConflictPolicy, ConflictResolve, SyncControlFlags, SyncOperation};
use csc_core::{
    Action, CaseRule, Epoch, HandlerAnswer, ItemPath, LocalChanges, Meta, Outcome, PinSources,
    Pins, Plan, Presence, SyncRequest,
};
use csc_testkit::inspect::{
    Step, describe, local, outcome, plan_of, remote, request, steps_of, whole,
};
use csc_testkit::{World, p};

const IN: SyncControlFlags = SyncControlFlags::SYNCIN;
const OUT: SyncControlFlags = SyncControlFlags::SYNCOUT;
const TWO_WAY: SyncControlFlags = IN.union(OUT);

// ----- helpers --------------------------------------------------------------------------------------

fn keep_all(w: &World, path: &str, name: Option<&str>) -> SyncRequest {
    let mut req = whole(w, TWO_WAY);
    req.answers.insert(
        p(path),
        HandlerAnswer {
            resolution: ConflictResolve::KeepAllChanges,
            new_name: name.map(str::to_owned),
        },
    );
    req
}

/// Plans and applies `req`, then checks that a two-way sync has nothing left to do.
fn settle(w: &mut World, req: &SyncRequest) -> Plan {
    let plan = plan_of(w, req);
    check_invariants(w, &plan);
    w.apply(&plan);
    let again = plan_of(w, &whole(w, TWO_WAY));
    assert!(
        again.is_noop(),
        "not settled after:\n{}next plan:\n{}",
        describe(&plan),
        describe(&again)
    );
    plan
}

/// What an executor relies on, for any plan.
fn check_invariants(w: &World, plan: &Plan) {
    let mut seen = BTreeSet::new();
    for item in &plan.items {
        assert!(
            seen.insert(item.path.clone()),
            "{} appears twice:\n{}",
            item.path,
            describe(plan)
        );
        let first = item.ops.first().map(|o| o.operation);
        assert_eq!(
            item.operation(),
            first.unwrap_or(SyncOperation::Prepare),
            "{}",
            item.path
        );
        for o in &item.ops {
            let target = o.action.path();
            let sibling = target.parent() == item.path.parent();
            assert!(
                *target == item.path || sibling,
                "{}: a step on {target}, neither the item nor a sibling:\n{}",
                item.path,
                describe(plan)
            );
            if let Action::MoveLocal { from, .. } | Action::MoveRemote { from, .. } = &o.action {
                assert_eq!(*from, item.path, "{}", describe(plan));
            }
        }
        let acts = item
            .ops
            .iter()
            .any(|o| !matches!(o.action, Action::Pin { .. }));
        match item.outcome {
            Outcome::Sync | Outcome::Resolved(_) => {}
            _ => assert!(
                !acts,
                "{}: {:?} with steps:\n{}",
                item.path,
                item.outcome,
                describe(plan)
            ),
        }
    }
    if !plan.merge {
        assert!(plan.forget_originals.is_empty(), "{}", describe(plan));
    }
    for path in &plan.forget_originals {
        assert!(
            w.cache.get(path).is_some_and(|e| e.original.is_some()),
            "forget {path}: no original to forget"
        );
        if let Some(item) = plan.item(path) {
            assert!(
                item.ops
                    .iter()
                    .all(|o| matches!(o.action, Action::Pin { .. })),
                "{path} has steps and is forgotten:\n{}",
                describe(plan)
            );
        }
    }
    // Steps whose target is another path than the item's must not touch a path another item
    // of the plan owns.
    for item in &plan.items {
        for o in &item.ops {
            let target = o.action.path();
            if *target != item.path {
                assert!(
                    plan.item(target).is_none(),
                    "{}: a step on {target}, which is an item of its own:\n{}",
                    item.path,
                    describe(plan)
                );
            }
        }
    }
}

// ----- the documented step semantics against the reference model ----------------------------------
//
// The executor of the next issue is written from the docs on `Action`; the property tests verify
// plans against `World::apply_action`. Where the two differ, the executor will not do what the
// property tests checked.

#[test]
fn keeping_both_versions_of_a_pinned_file_keeps_its_path_cached_and_pinned() {
    // MoveLocal's doc: the source path stays cached as a ghost with its pins, and the
    // following Download fills it; so the server version at the pinned path stays pinned, and
    // the moved local copy keeps the pins too.
    let mut w = World::default();
    w.synced_file("report.doc", "base")
        .local_write("report.doc", "mine")
        .remote_write("report.doc", "theirs");
    let req = keep_all(&w, "report.doc", None);
    let plan = plan_of(&w, &req);
    let move_local = plan
        .ops()
        .find(|o| matches!(o.action, Action::MoveLocal { .. }))
        .expect("keep-both moves the local copy aside")
        .action
        .clone();
    let mut after_move = w.clone();
    after_move.apply_action(&move_local);
    let source = &after_move.cache[&p("report.doc")];
    assert_eq!(source.local.presence, Presence::Ghost);
    assert!(source.original.is_none());
    assert_eq!(source.pins, Pins::pinned(PinSources::USER));
    w.apply(&plan);
    assert_eq!(
        w.cache.get(&p("report.doc")).map(|e| e.pins),
        Some(Pins::pinned(PinSources::USER))
    );
    assert_eq!(local(&w, "report.doc").as_deref(), Some("theirs"));
}

#[test]
fn pushing_an_offline_deletion_also_removes_its_tombstone() {
    // DeleteRemote's doc: once the server copy is deleted, the cache's tombstone goes too, so
    // the next sync has nothing left to do.
    let mut w = World::default();
    w.synced_file("gone.txt", "g").local_delete("gone.txt");
    let plan = plan_of(&w, &whole(&w, TWO_WAY));
    assert!(matches!(
        plan.ops().map(|o| &o.action).collect::<Vec<_>>().as_slice(),
        [Action::DeleteRemote { .. }]
    ));
    w.apply(&plan);
    assert!(!w.cache.contains_key(&p("gone.txt")));
    assert!(plan_of(&w, &whole(&w, TWO_WAY)).is_noop());
}

#[test]
fn a_suspended_directory_restored_from_the_server_stays_suspended() {
    // The reference model keeps `suspended` through Download (and AdoptRemote), but
    // MakeLocalDir rebuilds the entry and drops it: a suspended root deleted offline and
    // restored by KEEPREMOTE is no longer suspended, while its pins survive.
    let mut w = World::default();
    w.synced_dir("s").synced_file("s/a.txt", "a");
    w.cache.get_mut(&p("s")).expect("cached").suspended = true;
    w.local_delete("s")
        .remote_write("s/b.txt", "new on the server");
    let req = request(&w, &[], TWO_WAY, ConflictPolicy::KeepRemote);
    let plan = plan_of(&w, &req);
    assert!(
        steps_of(&plan, "s").contains(&Step::MakeLocalDir),
        "{}",
        describe(&plan)
    );
    w.apply(&plan);
    let e = w.cache.get(&p("s")).expect("restored");
    assert!(e.exists_locally());
    assert_eq!(e.pins, Pins::inheriting(PinSources::USER));
    assert!(e.suspended, "MakeLocalDir dropped the suspension of s");
}

// ----- KEEPALLCHANGES end to end ---------------------------------------------------------------------

/// Both versions on both sides.
fn assert_everywhere(w: &World, path: &str, want: &str) {
    assert_eq!(local(w, path).as_deref(), Some(want), "cache at {path}");
    assert_eq!(remote(w, path).as_deref(), Some(want), "server at {path}");
}

#[test]
fn keep_all_changes_twice_on_the_same_file_keeps_all_three_versions_everywhere() {
    let mut w = World::default();
    w.synced_dir("d")
        .synced_file("d/x.txt", "base")
        .local_write("d/x.txt", "mine 1")
        .remote_write("d/x.txt", "theirs 1");
    let req = keep_all(&w, "d/x.txt", None);
    settle(&mut w, &req);
    w.local_write("d/x.txt", "mine 2")
        .remote_write("d/x.txt", "theirs 2");
    let req = keep_all(&w, "d/x.txt", None);
    settle(&mut w, &req);
    assert_everywhere(&w, "d/x.txt", "theirs 2");
    assert_everywhere(&w, "d/x (conflict 1).txt", "mine 1");
    assert_everywhere(&w, "d/x (conflict 2).txt", "mine 2");
    assert_eq!(
        w.cache.get(&p("d/x.txt")).map(|e| e.pins),
        Some(Pins::pinned(PinSources::USER)),
        "the pinned path stays pinned"
    );
}

#[test]
fn keep_all_changes_inside_a_directory_created_offline_and_on_the_server_keeps_both() {
    let mut w = World::default();
    w.synced_dir("d")
        .local_mkdir("d/n")
        .local_write("d/n/x.txt", "mine")
        .remote_mkdir("d/n")
        .remote_write("d/n/x.txt", "theirs");
    let req = keep_all(&w, "d/n/x.txt", Some("mine.txt"));
    settle(&mut w, &req);
    assert_everywhere(&w, "d/n/x.txt", "theirs");
    assert_everywhere(&w, "d/n/mine.txt", "mine");
}

#[test]
fn keep_all_changes_of_a_pinned_file_against_a_server_directory_keeps_both_pinned() {
    let mut w = World::default();
    w.synced_dir("d")
        .synced_file("d/x", "base")
        .local_write("d/x", "mine")
        .remote_delete("d/x")
        .remote_mkdir("d/x")
        .remote_write("d/x/in.txt", "in");
    let mut req = keep_all(&w, "d/x", None);
    req.control.flags |= SyncControlFlags::PINNEWFILES;
    settle(&mut w, &req);
    assert_everywhere(&w, "d/x", "<dir>");
    assert_everywhere(&w, "d/x (conflict 1)", "mine");
    assert!(
        w.cache
            .get(&p("d/x"))
            .is_some_and(|e| e.pins.sources == PinSources::USER),
        "the path keeps its pin"
    );
}

#[test]
fn keep_all_changes_of_a_link_edited_on_both_sides_keeps_both_links() {
    let mut w = World::default();
    w.synced_file("t1.txt", "one").synced_file("t2.txt", "two");
    w.synced_link("l.lnk", "t1.txt");
    // Offline the link is pointed at t2.txt; on the server at t1.txt's sibling t3.txt.
    {
        let e = w.cache.get_mut(&p("l.lnk")).expect("cached");
        let own = e.local.own_mut(e.original.as_ref());
        own.link_target = Some(p("t2.txt"));
        own.modified = csc_core::Millis(w.now.0 + 5);
        e.local.changes |= LocalChanges::DATA;
    }
    w.remote.insert(
        p("l.lnk"),
        Meta::link("link-l-2", p("t3.txt"), csc_core::Millis(w.now.0 + 7)),
    );
    let req = keep_all(&w, "l.lnk", None);
    let plan = settle(&mut w, &req);
    assert_eq!(
        outcome(&plan, "l.lnk"),
        &Outcome::Resolved(ConflictResolve::KeepAllChanges)
    );
    let target = |w: &World, path: &str| {
        (
            w.cache
                .get(&p(path))
                .and_then(|e| e.local_view().link_target.cloned()),
            w.remote
                .get(&p(path))
                .and_then(|m| m.link_target.as_deref().cloned()),
        )
    };
    assert_eq!(target(&w, "l.lnk"), (Some(p("t3.txt")), Some(p("t3.txt"))));
    assert_eq!(
        target(&w, "l (conflict 1).lnk"),
        (Some(p("t2.txt")), Some(p("t2.txt")))
    );
}

#[test]
fn keep_all_changes_on_a_case_insensitive_share_settles_and_keeps_both() {
    let mut w = World::new(CaseRule::Insensitive);
    w.synced_dir("d")
        .synced_file("d/Report.doc", "base")
        .local_write("d/Report.doc", "mine")
        .remote_write("d/Report.doc", "theirs");
    let req = keep_all(&w, "d/Report.doc", None);
    settle(&mut w, &req);
    assert_everywhere(&w, "d/Report.doc", "theirs");
    assert_everywhere(&w, "d/Report (conflict 1).doc", "mine");
}

#[test]
fn a_handler_name_equal_to_the_item_but_for_case_is_taken_on_a_case_insensitive_share() {
    let mut w = World::new(CaseRule::Insensitive);
    w.synced_file("report.doc", "base")
        .local_write("report.doc", "mine")
        .remote_write("report.doc", "theirs");
    let plan = plan_of(&w, &keep_all(&w, "report.doc", Some("REPORT.doc")));
    assert!(
        matches!(outcome(&plan, "report.doc"), Outcome::Rejected(_)),
        "{}",
        describe(&plan)
    );
}

#[test]
fn keep_all_changes_in_a_merge_of_a_pinned_directory_against_a_server_file_keeps_both() {
    // After a server restore (new epoch) the cache's directory d (pinned, with a file) meets a
    // file d on the server.
    let mut w = World::default();
    w.synced_dir("d").synced_file("d/a.txt", "a");
    w.change_epoch();
    w.remote_delete("d").remote_write("d", "server file");
    let req = keep_all(&w, "d", None);
    let plan = settle(&mut w, &req);
    assert!(plan.merge);
    assert_everywhere(&w, "d", "<dir>");
    assert_everywhere(&w, "d/a.txt", "a");
    assert_everywhere(&w, "d (conflict 1)", "server file");
    assert_eq!(
        w.cache.get(&p("d")).map(|e| e.pins),
        Some(Pins::inheriting(PinSources::USER))
    );
}

// ----- a property aimed at keep-both, merges, ghosts, sparse copies, links and scopes ------------

mod aimed {
    // Named explicitly: `test` would otherwise come from two glob imports on wasm.
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use csc_testkit::arb::{Edit, Scenario, pool, scenario};
    use proptest::prelude::*;
    use proptest::test_runner::FileFailurePersistence;

    #[derive(Debug, Clone)]
    struct Extra {
        pin_new: bool,
        links: Vec<usize>,
        ghosts: Vec<usize>,
        unpinned: Vec<usize>,
        scopes: Vec<usize>,
        /// Per conflict of the first plan: keep both (default name, or a fixed bare name), or
        /// log.
        answers: Vec<u8>,
        force_merge: bool,
        sparse_dirs: bool,
    }

    fn extra(n: usize) -> impl Strategy<Value = Extra> {
        (
            any::<bool>(),
            prop::collection::vec(0..n, 0..3),
            prop::collection::vec(0..n, 0..3),
            prop::collection::vec(0..n, 0..3),
            prop::collection::vec(0..n, 0..2),
            prop::collection::vec(0..4u8, 1..8),
            prop::bool::weighted(0.2),
            any::<bool>(),
        )
            .prop_map(
                |(pin_new, links, ghosts, unpinned, scopes, answers, force_merge, sparse_dirs)| {
                    Extra {
                        pin_new,
                        links,
                        ghosts,
                        unpinned,
                        scopes,
                        answers,
                        force_merge,
                        sparse_dirs,
                    }
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
        // A clean file, or a directory whose whole cached subtree is clean, becomes names only;
        // with `sparse_dirs`, a clean directory becomes sparse instead.
        for &i in &x.ghosts {
            let path = p(&paths[i]);
            let subtree: Vec<ItemPath> = w
                .cache
                .keys()
                .filter(|k| k.is_self_or_descendant_of(&path))
                .cloned()
                .collect();
            let clean = !subtree.is_empty()
                && subtree.iter().all(|k| {
                    w.cache.get(k).is_some_and(|e| {
                        e.local.presence == Presence::Full
                            && e.local.changes.is_empty()
                            && e.original.is_some()
                    })
                });
            if !clean {
                continue;
            }
            let is_dir = w.cache.get(&path).is_some_and(|e| e.kind().is_dir());
            if is_dir && x.sparse_dirs {
                w.cache.get_mut(&path).expect("cached").local.presence = Presence::Sparse;
            } else {
                for k in subtree {
                    w.make_ghost(k.as_str());
                }
            }
        }
        for &i in &x.unpinned {
            if let Some(e) = w.cache.get_mut(&p(&paths[i])) {
                e.pins = Pins::NONE;
            }
        }
        for (k, &i) in x.links.iter().enumerate() {
            w.synced_link(&format!("l{k}.lnk"), &paths[i]);
        }
        w
    }

    fn flags(x: &Extra) -> SyncControlFlags {
        if x.pin_new {
            TWO_WAY | SyncControlFlags::PINNEWFILES | SyncControlFlags::PINLINKTARGETS
        } else {
            TWO_WAY
        }
    }

    fn base_request(w: &World, s: &Scenario, x: &Extra) -> SyncRequest {
        let paths = pool(s.case);
        let scopes: Vec<&str> = x.scopes.iter().map(|&i| paths[i].as_str()).collect();
        let mut req = request(w, &scopes, flags(x), ConflictPolicy::Default);
        req.force_merge = x.force_merge;
        req
    }

    /// The request with an answer for every conflict of the first plan.
    fn answered(w: &World, s: &Scenario, x: &Extra) -> SyncRequest {
        let mut req = base_request(w, s, x);
        let first = w.plan(&req).expect("deletions are allowed");
        for (k, item) in first
            .items
            .iter()
            .filter(|i| i.outcome == Outcome::Logged)
            .enumerate()
        {
            let answer = match x.answers[k % x.answers.len()] {
                0 | 1 => HandlerAnswer::new(ConflictResolve::KeepAllChanges),
                2 => HandlerAnswer {
                    resolution: ConflictResolve::KeepAllChanges,
                    new_name: Some("kept".into()),
                },
                _ => HandlerAnswer::new(ConflictResolve::Log),
            };
            req.answers.insert(item.path.clone(), answer);
        }
        req
    }

    #[allow(clippy::disallowed_methods)]
    fn config() -> ProptestConfig {
        let from_env = std::env::var("PROPTEST_CASES").is_ok();
        ProptestConfig {
            cases: match (from_env, cfg!(target_arch = "wasm32")) {
                (true, _) => ProptestConfig::default().cases,
                (false, true) => 64,
                (false, false) => 1024,
            },
            failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
            ..ProptestConfig::default()
        }
    }

    fn show(s: &Scenario, x: &Extra, w: &World, plan: &Plan) -> String {
        format!(
            "{s:?}\n{x:?}\ncache: {:?}\nremote: {:?}\nplan:\n{}",
            w.cache
                .iter()
                .map(|(k, e)| (
                    k.as_str(),
                    e.local.presence,
                    e.local.changes,
                    e.original.is_some()
                ))
                .collect::<Vec<_>>(),
            w.remote.keys().map(ItemPath::as_str).collect::<Vec<_>>(),
            describe(plan)
        )
    }

    /// Keep-both and log answers for every conflict: the plan keeps its API invariants, every
    /// step finds its preconditions, both versions of every kept-both item end up on both
    /// sides, no version only one side had is lost, and the same request right after has
    /// nothing left to do.
    fn keep_both_case(s: &Scenario, x: &Extra) -> Result<(), TestCaseError> {
        let mut w = world(s, x);
        let req = answered(&w, s, x);
        let plan = w.plan(&req).expect("deletions are allowed");
        let before = w.clone();
        check_invariants(&w, &plan);
        let mut heads = w.heads();
        if plan.merge {
            heads.extend(
                w.cache
                    .values()
                    .filter(|e| e.local.presence == Presence::Full && !e.kind().is_dir())
                    .filter_map(|e| e.local_view().hash),
            );
        }
        w.apply(&plan);
        let after = w.all_contents();
        for h in &heads {
            prop_assert!(
                after.contains(h),
                "lost {:?}\n{}",
                w.label(Some(*h)),
                show(s, x, &before, &plan)
            );
        }
        let (lc, rc) = (w.local_contents(), w.remote_contents());
        let (lset, rset): (BTreeSet<_>, BTreeSet<_>) = (
            lc.values().flatten().collect(),
            rc.values().flatten().collect(),
        );
        for item in plan
            .items
            .iter()
            .filter(|i| i.outcome == Outcome::Resolved(ConflictResolve::KeepAllChanges))
        {
            let c = before.cache.get(&item.path).expect("a conflict is cached");
            let mine = (!c.kind().is_dir()).then(|| c.local_view().hash).flatten();
            let theirs = before
                .remote
                .get(&item.path)
                .filter(|m| !m.kind.is_dir())
                .and_then(|m| m.hash);
            for h in mine.iter().chain(theirs.iter()) {
                prop_assert!(
                    lset.contains(h) && rset.contains(h),
                    "{:?} of {} is not on both sides\n{}",
                    w.label(Some(*h)),
                    item.path,
                    show(s, x, &before, &plan)
                );
            }
        }
        // A forced merge is asked for once; the sync after it is an ordinary one.
        let mut next = req.clone();
        next.force_merge = false;
        let again = w.plan(&next).expect("deletions are allowed");
        check_invariants(&w, &again);
        prop_assert!(
            again.is_noop(),
            "not converged:\n{}\nfirst:\n{}",
            show(s, x, &w, &again),
            describe(&plan)
        );
        Ok(())
    }

    proptest! {
        #![proptest_config(config())]

        /// [`keep_both_case`] on random shares.
        #[test]
        fn keep_both_answers_keep_every_version_everywhere_and_converge((s, x) in case()) {
            keep_both_case(&s, &x)?;
        }
    }

    // Regressions found by the property above. Path indices refer to `csc_testkit::arb::pool`.

    fn merge_with_ghost(ghosts: Vec<usize>) -> Extra {
        Extra {
            pin_new: false,
            links: vec![],
            ghosts,
            unpinned: vec![],
            scopes: vec![],
            answers: vec![0],
            force_merge: true,
            sparse_dirs: false,
        }
    }

    #[test]
    fn a_merge_fills_a_pinned_folder_name_replaced_by_a_server_file_when_no_name_is_below_it() {
        let s = Scenario {
            case: CaseRule::Sensitive,
            base: vec![
                (38, true, 3),
                (1, false, 0),
                (33, true, 0),
                (20, true, 4),
                (7, true, 4),
                (6, false, 0),
                (37, false, 0),
                (15, false, 5),
            ],
            local: vec![
                Edit::Mkdir(9),
                Edit::Write(12, 5),
                Edit::Delete(35),
                Edit::Delete(22),
                Edit::Delete(13),
                Edit::Mkdir(32),
                Edit::Write(19, 5),
            ],
            remote: vec![
                Edit::Delete(11),
                Edit::Write(38, 5),
                Edit::Write(7, 3),
                Edit::Touch(0),
                Edit::Delete(18),
                Edit::Write(18, 1),
            ],
            epoch_changed: false,
            unlisted: vec![],
        };
        keep_both_case(&s, &merge_with_ghost(vec![11])).unwrap();
    }

    #[test]
    fn a_merge_fills_a_ghost_folder_whose_server_copy_became_a_file_beside_an_unlisted_folder() {
        let s = Scenario {
            case: CaseRule::Sensitive,
            base: vec![(7, true, 5), (31, true, 5)],
            local: vec![
                Edit::Mkdir(28),
                Edit::Delete(18),
                Edit::Touch(14),
                Edit::Mkdir(31),
            ],
            remote: vec![
                Edit::Touch(8),
                Edit::Write(37, 5),
                Edit::Delete(31),
                Edit::Delete(2),
                Edit::Write(31, 3),
            ],
            epoch_changed: false,
            unlisted: vec![29],
        };
        keep_both_case(&s, &merge_with_ghost(vec![9])).unwrap();
    }

    #[test]
    fn a_merge_fills_a_ghost_folder_turned_file_when_it_deletes_every_name_below_it() {
        let s = Scenario {
            case: CaseRule::Sensitive,
            base: vec![(18, false, 1)],
            local: vec![],
            remote: vec![
                Edit::Touch(30),
                Edit::Write(31, 5),
                Edit::Write(21, 2),
                Edit::Delete(2),
                Edit::Delete(5),
                Edit::Mkdir(17),
                Edit::Write(5, 0),
            ],
            epoch_changed: false,
            unlisted: vec![],
        };
        keep_both_case(&s, &merge_with_ghost(vec![0])).unwrap();
    }

    #[test]
    fn a_merge_that_adopts_a_pinned_link_pins_its_target_in_the_same_sync() {
        let s = Scenario {
            case: CaseRule::Sensitive,
            base: vec![(21, false, 2)],
            local: vec![
                Edit::Write(32, 3),
                Edit::Touch(17),
                Edit::Delete(12),
                Edit::Write(12, 0),
                Edit::Delete(21),
            ],
            remote: vec![Edit::Delete(26), Edit::Write(0, 3), Edit::Delete(30)],
            epoch_changed: false,
            unlisted: vec![],
        };
        let x = Extra {
            pin_new: true,
            links: vec![21],
            ghosts: vec![],
            unpinned: vec![21],
            scopes: vec![],
            answers: vec![0],
            force_merge: true,
            sparse_dirs: false,
        };
        keep_both_case(&s, &x).unwrap();
    }
}

// ----- PINLINKTARGETS: files only, and nothing below a failed listing -------------------------------

const LINKS: SyncControlFlags = TWO_WAY
    .union(SyncControlFlags::PINNEWFILES)
    .union(SyncControlFlags::PINLINKTARGETS);

fn pins_planned_for(plan: &Plan, path: &str) -> bool {
    plan.ops()
        .any(|o| matches!(&o.action, Action::Pin { path: q, .. } if *q == p(path)))
}

#[test]
fn a_link_target_kept_as_a_directory_by_keep_all_changes_is_never_pinned() {
    // spec §3.1: PINLINKTARGETS pins a link's target "if that is a file (never a dir)". The
    // server has a file x, the cache a directory x created offline; KEEPALLCHANGES keeps the
    // directory at x and moves the server file aside. The planner looks only at the server's
    // kind and adds the pin to x's steps, so the directory gets pinned.
    let mut w = World::default();
    w.synced_link("l.lnk", "x");
    w.local_mkdir("x")
        .local_write("x/in.txt", "mine")
        .remote_write("x", "theirs");
    let mut req = keep_all(&w, "x", None);
    req.control.flags |= LINKS;
    let plan = plan_of(&w, &req);
    assert_eq!(
        outcome(&plan, "x"),
        &Outcome::Resolved(ConflictResolve::KeepAllChanges)
    );
    w.apply(&plan);
    assert_eq!(local(&w, "x").as_deref(), Some("<dir>"));
    assert!(
        !w.cache.get(&p("x")).expect("cached").pins.is_pinned(),
        "the directory x was pinned as a link target:\n{}",
        describe(&plan)
    );
}

#[test]
fn a_link_target_that_is_a_directory_in_the_cache_and_a_file_on_the_server_is_not_pinned_while_in_conflict()
 {
    // Same, with the conflict logged: the Pin step lands on the cached directory x.
    let mut w = World::default();
    w.synced_link("l.lnk", "x");
    w.local_mkdir("x")
        .local_write("x/in.txt", "mine")
        .remote_write("x", "theirs");
    let plan = plan_of(&w, &whole(&w, LINKS));
    assert_eq!(outcome(&plan, "x"), &Outcome::Logged, "{}", describe(&plan));
    assert!(!pins_planned_for(&plan, "x"), "{}", describe(&plan));
}

#[test]
fn a_link_target_below_a_directory_whose_listing_failed_is_left_alone() {
    // ARCHITECTURE: "what the planner cannot see, it does not touch. Items below a directory
    // whose listing failed are reported ... and left alone". The link's target u/t.txt is cached
    // in full; u's listing fails. The plan adds an item for u/t.txt, classified from a listing
    // that does not show it (as deleted on the server), with a Pin step.
    let mut w = World::default();
    w.synced_dir("u").synced_file("u/t.txt", "target");
    w.set_pins("u/t.txt", Pins::NONE);
    w.synced_link("l.lnk", "u/t.txt");
    w.unlisted.push(p("u"));
    let plan = plan_of(&w, &whole(&w, LINKS));
    assert_eq!(outcome(&plan, "u"), &Outcome::ListingFailed);
    assert!(
        plan.item(&p("u/t.txt")).is_none(),
        "an item below the unlisted u:\n{}",
        describe(&plan)
    );
}

#[test]
fn a_link_target_known_only_by_name_is_downloaded_when_the_server_changed_it() {
    // A pinned link's target t.txt is a ghost (a name) in the cache. Unchanged on the server, the
    // planner downloads and pins it. Changed on the server, t.txt already has an item (adopt
    // the new version, which keeps a ghost a ghost): the pin is appended to it and nothing is
    // downloaded. The next sync sees the pin and does nothing more, so the pinned target is
    // never available offline.
    let mut w = World::default();
    w.synced_file("t.txt", "v1");
    w.set_pins("t.txt", Pins::NONE);
    w.make_ghost("t.txt");
    w.synced_link("l.lnk", "t.txt");
    w.remote_write("t.txt", "v2");
    for _ in 0..2 {
        let plan = plan_of(&w, &whole(&w, LINKS));
        w.apply(&plan);
    }
    let e = w.cache.get(&p("t.txt")).expect("cached");
    assert!(e.pins.is_pinned());
    assert_eq!(
        e.local.presence,
        Presence::Full,
        "a pinned link target stays a ghost"
    );
    assert_eq!(local(&w, "t.txt").as_deref(), Some("v2"));
}

#[test]
fn a_link_target_deleted_offline_is_not_pinned_while_its_deletion_is_in_conflict() {
    // plan.rs: "Deleted offline: the user's deletion stands" (no pin for a tombstone). With the
    // deletion in conflict with a server edit, the item exists (logged) and the pin is added to
    // the tombstone anyway.
    let mut w = World::default();
    w.synced_file("t.txt", "v1");
    w.set_pins("t.txt", Pins::NONE);
    w.synced_link("l.lnk", "t.txt");
    w.local_delete("t.txt").remote_write("t.txt", "v2");
    let plan = plan_of(&w, &whole(&w, LINKS));
    assert_eq!(
        outcome(&plan, "t.txt"),
        &Outcome::Logged,
        "{}",
        describe(&plan)
    );
    assert!(!pins_planned_for(&plan, "t.txt"), "{}", describe(&plan));
}

// ----- merges after an epoch change -----------------------------------------------------------------

#[test]
fn after_a_merge_files_in_a_sparse_directory_the_new_server_lacks_are_uploaded() {
    // The restored server (new epoch) lacks directory d, whose cache entry is sparse (metadata
    // only) but holds a fully cached file. A merge uploads what only the cache has. The sparse
    // directory is *held* (the rule for a sparse file with nothing to push), so d/a.txt's upload
    // has no parent and is blocked, sync after sync.
    let mut w = World::default();
    w.synced_dir("d")
        .synced_file("d/a.txt", "only in the cache");
    w.cache.get_mut(&p("d")).expect("cached").local.presence = Presence::Sparse;
    w.change_epoch();
    w.remote_delete("d");
    for _ in 0..3 {
        let plan = plan_of(&w, &whole(&w, TWO_WAY));
        w.apply(&plan);
    }
    assert_eq!(
        remote(&w, "d/a.txt").as_deref(),
        Some("only in the cache"),
        "{}",
        describe(&plan_of(&w, &whole(&w, TWO_WAY)))
    );
}

#[test]
fn a_name_whose_item_the_restored_server_lacks_does_not_stay_in_the_cache_forever() {
    // g.txt is known by name only (a ghost). The restored server does not have it. Outside a
    // merge, a ghost whose server copy is gone is removed; the merge instead clears its
    // original, and a ghost with no original and no server copy is "in sync" from then on: a
    // name of nothing, shown offline forever. (A tombstone in the same situation is removed:
    // `Plan::forget_originals`.)
    let mut w = World::default();
    w.synced_file("g.txt", "g");
    w.make_ghost("g.txt");
    w.change_epoch();
    w.remote_delete("g.txt");
    for _ in 0..2 {
        let plan = plan_of(&w, &whole(&w, TWO_WAY));
        w.apply(&plan);
    }
    assert!(
        !w.cache.contains_key(&p("g.txt")),
        "{:?}",
        w.cache.get(&p("g.txt"))
    );
}

#[test]
fn a_directory_known_only_by_name_that_a_restored_server_replaced_with_a_file_settles() {
    // g and everything below it are ghosts (names). The server replaced g with a file. Outside a
    // merge the ghosts below g are removed first and g's ghost takes the file's metadata. In a
    // merge (new epoch) the ghosts below g are "in sync" (nothing is ever deleted) while g's
    // ghost still becomes a file: ghosts below a file, a cache `CacheTree::new` rejects, so
    // the next sync cannot even be planned.
    for merge in [false, true] {
        let mut w = World::default();
        w.synced_dir("g")
            .synced_file("g/c.txt", "c")
            .synced_dir("g/sub")
            .synced_file("g/sub/e.txt", "e");
        for path in ["g", "g/c.txt", "g/sub", "g/sub/e.txt"] {
            w.make_ghost(path);
        }
        if merge {
            w.change_epoch();
        }
        w.remote_delete("g").remote_write("g", "now a file");
        let plan = plan_of(&w, &whole(&w, LINKS));
        check_invariants(&w, &plan);
        w.apply(&plan);
        // `trees` (inside plan) checks that the cache is still a valid tree. g is now a pinned
        // name of a server file: the next sync fills it (a pin not yet filled), and then
        // nothing is left to do.
        let fill = plan_of(&w, &whole(&w, LINKS));
        check_invariants(&w, &fill);
        w.apply(&fill);
        assert_eq!(
            local(&w, "g").as_deref(),
            Some("now a file"),
            "merge {merge}"
        );
        let again = plan_of(&w, &whole(&w, LINKS));
        assert!(again.is_noop(), "merge {merge}:\n{}", describe(&again));
    }
}

#[test]
fn a_sparse_file_that_a_restored_server_replaced_with_a_directory_settles() {
    let mut w = World::default();
    w.synced_dir("d").synced_file("d/s", "s").make_sparse("d/s");
    w.change_epoch();
    w.remote_delete("d/s")
        .remote_mkdir("d/s")
        .remote_write("d/s/in.txt", "in");
    let req = whole(&w, LINKS);
    settle(&mut w, &req);
    assert_eq!(local(&w, "d/s").as_deref(), Some("<dir>"));
}

#[test]
fn a_sparse_directory_a_merge_creates_on_the_server_needs_no_second_sync() {
    // Found by the aimed property: after an epoch change the new server lacks b and b/a; b/a
    // is sparse in the cache. The merge creates both on the server and uploads b/a/x; the new
    // server directory holds nothing the cache lacks, so b/a is full afterwards.
    let mut w = World::default();
    w.synced_dir("b")
        .synced_dir("b/a")
        .synced_file("b/a/x", "x")
        .make_sparse("b/a");
    w.remote_delete("b");
    w.remote_epoch = Some(Epoch("epoch-2".into()));
    let plan = plan_of(&w, &whole(&w, TWO_WAY));
    w.apply(&plan);
    assert_eq!(w.cache[&p("b/a")].local.presence, Presence::Full);
    assert_eq!(remote(&w, "b/a/x").as_deref(), Some("x"));
    assert!(plan_of(&w, &whole(&w, TWO_WAY)).is_noop());
}

#[test]
fn a_link_target_that_this_sync_turns_into_a_file_is_pinned_by_the_same_sync() {
    // Found by the aimed property: offline, directory c/a was replaced by a file; a pinned
    // link points at c/a. The sync replaces the server's directory by the file, so c/a is a
    // file once it has run, and is pinned by it, not by the next sync.
    let mut w = World::default();
    w.synced_dir("c").synced_dir("c/a");
    w.synced_link("l.lnk", "c/a");
    w.local_delete("c/a")
        .local_write("c/a", "a file now")
        .set_pins("c/a", Pins::NONE);
    let flags = TWO_WAY
        .union(SyncControlFlags::PINNEWFILES)
        .union(SyncControlFlags::PINLINKTARGETS);
    let plan = plan_of(&w, &whole(&w, flags));
    assert!(
        steps_of(&plan, "c/a").contains(&Step::Pin),
        "{}",
        describe(&plan)
    );
    w.apply(&plan);
    assert!(plan_of(&w, &whole(&w, flags)).is_noop());
}

#[test]
fn a_link_target_deleted_offline_is_deleted_on_the_server_after_nothing_but_its_children() {
    // Found by the aimed property: offline, c/a (holding c/a/a) was deleted; a pinned link
    // points at c/a/a. A pin added to c/a/a's deletion moved it out of the deletion phase, so
    // c/a was deleted on the server while c/a/a was still in it.
    let mut w = World::default();
    w.synced_dir("c")
        .synced_dir("c/a")
        .synced_file("c/a/a", "a");
    w.set_pins("c/a/a", Pins::NONE);
    w.synced_link("l.lnk", "c/a/a");
    w.local_delete("c/a");
    let flags = TWO_WAY
        .union(SyncControlFlags::PINNEWFILES)
        .union(SyncControlFlags::PINLINKTARGETS);
    let plan = plan_of(&w, &whole(&w, flags));
    assert!(
        !steps_of(&plan, "c/a/a").contains(&Step::Pin),
        "{}",
        describe(&plan)
    );
    // The reference model asserts that c/a is empty on the server when it is deleted.
    w.apply(&plan);
    assert_eq!(remote(&w, "c/a"), None);
    assert!(plan_of(&w, &whole(&w, flags)).is_noop());
}
