//! `dwSyncControl`, flag by flag (spec §3.1): what each `OFFLINEFILES_SYNC_CONTROL_FLAG_*` and
//! `CR_*` value makes a sync do, as sentences of behaviour; plus the requested paths and the
//! `OFFLINEFILES_SYNC_OPERATION` each kind of step reports as.

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use csc_core::win::{
    ConflictPolicy, ConflictResolve, SyncControl, SyncControlFlags, SyncOperation, SyncState,
};
use csc_core::{
    Action, ConflictChange, Meta, Outcome, PinSources, Pins, Plan, Precondition, Presence, Side,
    SyncRequest,
};
use csc_testkit::inspect::{Step, step};
use csc_testkit::{World, hash_of, p};

const IN: SyncControlFlags = SyncControlFlags::SYNCIN;
const OUT: SyncControlFlags = SyncControlFlags::SYNCOUT;
const TWO_WAY: SyncControlFlags = IN.union(OUT);
const PIN_NEW: SyncControlFlags = SyncControlFlags::PINNEWFILES;

// ----- helpers --------------------------------------------------------------------------------------

/// Plans a sync of the whole share.
fn plan(w: &World, flags: SyncControlFlags) -> Plan {
    plan_control(w, SyncControl::new(flags))
}

fn plan_control(w: &World, control: SyncControl) -> Plan {
    w.plan(&w.request(control))
        .unwrap_or_else(|e| panic!("planning failed: {e}"))
}

/// Plans a sync of `paths` only.
fn plan_paths(w: &World, paths: &[&str], flags: SyncControlFlags) -> Plan {
    let req = SyncRequest::new(
        paths.iter().map(|s| p(s)).collect(),
        SyncControl::new(flags),
        w.now,
    );
    w.plan(&req)
        .unwrap_or_else(|e| panic!("planning failed: {e}"))
}

/// The steps the plan has for `path`, with their operations; `None` if it has no item.
fn steps(plan: &Plan, path: &str) -> Option<Vec<(SyncOperation, Step)>> {
    plan.item(&p(path)).map(|i| {
        i.ops
            .iter()
            .map(|o| (o.operation, step(&o.action)))
            .collect()
    })
}

/// The paths the plan has items for, in plan order.
fn planned(plan: &Plan) -> Vec<&str> {
    plan.items.iter().map(|i| i.path.as_str()).collect()
}

/// The pins the plan gives `path`.
fn pins_given(plan: &Plan, path: &str) -> Option<Pins> {
    plan.ops().find_map(|o| match &o.action {
        Action::Pin { path: at, pins } if at == &p(path) => Some(*pins),
        _ => None,
    })
}

fn set_suspended(w: &mut World, path: &str) {
    w.cache
        .get_mut(&p(path))
        .expect("suspend: not cached")
        .suspended = true;
}

/// A share with one change of every kind on either side, and one edit/edit conflict.
fn mixed() -> World {
    let mut w = World::default();
    w.synced_dir("docs")
        .synced_file("docs/keep.txt", "kept")
        .synced_file("docs/mine.txt", "one")
        .synced_file("docs/theirs.txt", "one")
        .synced_file("docs/gone-here.txt", "one")
        .synced_file("docs/gone-there.txt", "one")
        .synced_file("docs/sparse.txt", "one")
        .synced_file("docs/both.txt", "one");
    w.local_write("docs/mine.txt", "mine")
        .remote_write("docs/theirs.txt", "theirs")
        .local_delete("docs/gone-here.txt")
        .remote_delete("docs/gone-there.txt")
        .make_sparse("docs/sparse.txt")
        .local_write("docs/both.txt", "mine")
        .remote_write("docs/both.txt", "theirs")
        .local_write("docs/new-here.txt", "new")
        .local_mkdir("docs/newdir-here")
        .remote_write("docs/new-there.txt", "new");
    w
}

// ----- SYNCIN / SYNCOUT / FILLSPARSE ------------------------------------------------------------------

#[test]
fn syncin_pulls_server_changes_and_never_pushes() {
    let mut w = mixed();
    let plan = plan(&w, IN);
    for o in plan.ops() {
        assert_eq!(
            o.action.side(),
            Side::Local,
            "SYNCIN wrote to the server: {o:?}"
        );
    }
    assert_eq!(
        steps(&plan, "docs/theirs.txt"),
        Some(vec![(SyncOperation::SyncToClient, Step::Download)])
    );
    assert_eq!(
        steps(&plan, "docs/gone-there.txt"),
        Some(vec![(SyncOperation::DeleteClientCopy, Step::DeleteLocal)])
    );
    for local_only in [
        "docs/mine.txt",
        "docs/gone-here.txt",
        "docs/new-here.txt",
        "docs/newdir-here",
    ] {
        assert!(
            plan.item(&p(local_only)).is_none(),
            "{local_only} was planned"
        );
    }
    // The edit/edit conflict goes to the conflict store; neither side is touched.
    let both = plan
        .item(&p("docs/both.txt"))
        .expect("the conflict is seen");
    assert_eq!(both.outcome, Outcome::Logged);
    assert!(both.ops.is_empty());

    let server_before = w.remote.clone();
    w.apply(&plan);
    assert_eq!(w.remote, server_before, "SYNCIN changed the server");
    assert_eq!(
        w.cache[&p("docs/theirs.txt")].local_view().hash,
        Some(hash_of("theirs"))
    );
    assert_eq!(
        w.cache[&p("docs/mine.txt")].local_view().hash,
        Some(hash_of("mine"))
    );
    assert!(!w.cache[&p("docs/mine.txt")].local.changes.is_empty());
}

#[test]
fn syncout_pushes_local_changes_and_never_pulls() {
    let mut w = mixed();
    let plan = plan(&w, OUT);
    for o in plan.ops() {
        assert_eq!(
            o.action.side(),
            Side::Remote,
            "SYNCOUT wrote to the cache: {o:?}"
        );
    }
    assert_eq!(
        steps(&plan, "docs/mine.txt"),
        Some(vec![(SyncOperation::SyncToServer, Step::Upload)])
    );
    assert_eq!(
        steps(&plan, "docs/gone-here.txt"),
        Some(vec![(SyncOperation::DeleteServerCopy, Step::DeleteRemote)])
    );
    assert_eq!(
        steps(&plan, "docs/new-here.txt"),
        Some(vec![(SyncOperation::CreateCopyOnServer, Step::Upload)])
    );
    assert_eq!(
        steps(&plan, "docs/newdir-here"),
        Some(vec![(
            SyncOperation::CreateCopyOnServer,
            Step::MakeRemoteDir
        )])
    );
    // Server changes and the sparse file wait for a SYNCIN / FILLSPARSE.
    for server_only in [
        "docs/theirs.txt",
        "docs/gone-there.txt",
        "docs/sparse.txt",
        "docs/new-there.txt",
    ] {
        assert!(
            plan.item(&p(server_only)).is_none(),
            "{server_only} was planned"
        );
    }
    let both = plan
        .item(&p("docs/both.txt"))
        .expect("the conflict is seen");
    assert_eq!(both.outcome, Outcome::Logged);
    assert!(both.ops.is_empty());

    let local_before = w.local_contents();
    w.apply(&plan);
    assert_eq!(
        w.local_contents(),
        local_before,
        "SYNCOUT changed cached content"
    );
    assert_eq!(w.remote[&p("docs/mine.txt")].hash, Some(hash_of("mine")));
    assert_eq!(
        w.cache[&p("docs/sparse.txt")].local.presence,
        Presence::Sparse
    );
    assert!(w.cache.contains_key(&p("docs/gone-there.txt")));
}

#[test]
fn syncin_implies_fillsparse_a_sparse_file_is_downloaded_as_sync_to_client() {
    let mut w = World::default();
    w.synced_dir("docs").synced_file("docs/sparse.txt", "one");
    w.make_sparse("docs/sparse.txt");
    let version = w.remote[&p("docs/sparse.txt")].version.clone();
    let plan = plan(&w, IN);
    let item = plan
        .item(&p("docs/sparse.txt"))
        .expect("the sparse file is filled");
    assert_eq!(item.class.state, SyncState::FileSparseOnClient);
    let [op] = item.ops.as_slice() else {
        panic!("one step expected: {:?}", item.ops)
    };
    assert_eq!(op.operation, SyncOperation::SyncToClient);
    assert!(
        matches!(&op.action, Action::Download { expected: Some(v), .. } if *v == version),
        "{:?}",
        op.action
    );
    w.apply(&plan);
    assert_eq!(
        w.cache[&p("docs/sparse.txt")].local.presence,
        Presence::Full
    );
}

#[test]
fn fillsparse_alone_fills_sparse_files_and_does_nothing_else() {
    let mut w = mixed();
    w.synced_file("docs/sparse2.txt", "two")
        .make_sparse("docs/sparse2.txt");
    let plan = plan(&w, SyncControlFlags::FILLSPARSE);
    assert_eq!(planned(&plan), ["docs/sparse.txt", "docs/sparse2.txt"]);
    for item in &plan.items {
        assert_eq!(item.outcome, Outcome::Sync);
        assert_eq!(
            item.ops
                .iter()
                .map(|o| (o.operation, step(&o.action)))
                .collect::<Vec<_>>(),
            [(SyncOperation::SyncToClient, Step::Download)],
            "{}",
            item.path
        );
    }
    assert!(plan.conflicts.is_empty(), "FILLSPARSE logged a conflict");
}

#[test]
fn no_direction_flag_plans_nothing() {
    let w = mixed();
    let plan = plan(&w, SyncControlFlags::empty());
    assert!(plan.items.is_empty(), "{:?}", planned(&plan));
    assert!(plan.is_noop());
}

// ----- PINNEWFILES and the pin sources ----------------------------------------------------------------

#[test]
fn pinnewfiles_with_syncin_brings_a_new_server_file_in_an_inheriting_pinned_dir_into_the_cache() {
    let mut w = World::default();
    w.synced_dir("docs"); // pinned by the user, inheriting
    w.remote_write("docs/new.txt", "new");
    let plan = plan(&w, IN | PIN_NEW);
    assert_eq!(
        steps(&plan, "docs/new.txt"),
        Some(vec![
            (SyncOperation::CreateCopyOnClient, Step::Download),
            (SyncOperation::Pin, Step::Pin),
        ])
    );
    assert_eq!(
        pins_given(&plan, "docs/new.txt"),
        Some(Pins::pinned(PinSources::USER))
    );
    w.apply(&plan);
    let e = &w.cache[&p("docs/new.txt")];
    assert_eq!(e.local.presence, Presence::Full);
    assert_eq!(e.local_view().hash, Some(hash_of("new")));
    assert_eq!(e.pins, Pins::pinned(PinSources::USER));
    assert!(self::plan(&w, IN | PIN_NEW).is_noop());
}

#[test]
fn pinnewfiles_pins_new_subdirectories_with_inheritance_recursively_parents_first() {
    let mut w = World::default();
    w.synced_dir("docs");
    w.remote_mkdir("docs/sub")
        .remote_write("docs/sub/f.txt", "f")
        .remote_mkdir("docs/sub/deeper")
        .remote_write("docs/sub/deeper/g.txt", "g");
    let plan = plan(&w, IN | PIN_NEW);
    assert_eq!(
        planned(&plan),
        [
            "docs/sub",
            "docs/sub/deeper",
            "docs/sub/deeper/g.txt",
            "docs/sub/f.txt"
        ]
    );
    assert_eq!(
        steps(&plan, "docs/sub"),
        Some(vec![
            (SyncOperation::CreateCopyOnClient, Step::MakeLocalDir),
            (SyncOperation::Pin, Step::Pin),
        ])
    );
    let user = PinSources::USER;
    assert_eq!(pins_given(&plan, "docs/sub"), Some(Pins::inheriting(user)));
    assert_eq!(
        pins_given(&plan, "docs/sub/deeper"),
        Some(Pins::inheriting(user))
    );
    assert_eq!(
        pins_given(&plan, "docs/sub/f.txt"),
        Some(Pins::pinned(user))
    );
    assert_eq!(
        pins_given(&plan, "docs/sub/deeper/g.txt"),
        Some(Pins::pinned(user))
    );
    w.apply(&plan);
    assert_eq!(
        w.cache[&p("docs/sub/deeper/g.txt")].local_view().hash,
        Some(hash_of("g"))
    );
    assert!(self::plan(&w, IN | PIN_NEW).is_noop());
}

#[test]
fn without_pinnewfiles_a_new_server_file_stays_on_the_server() {
    let mut w = World::default();
    w.synced_dir("docs");
    w.remote_write("docs/new.txt", "new")
        .remote_mkdir("docs/sub");
    for flags in [IN, TWO_WAY, OUT | PIN_NEW] {
        let plan = plan(&w, flags);
        assert!(plan.items.is_empty(), "{flags:?}: {:?}", planned(&plan));
    }
}

#[test]
fn pinnewfiles_ignores_a_directory_whose_pin_does_not_inherit() {
    let mut w = World::default();
    w.synced_dir("pinned-only").synced_dir("unpinned");
    w.set_pins("pinned-only", Pins::pinned(PinSources::USER));
    w.set_pins("unpinned", Pins::NONE);
    w.remote_write("pinned-only/new.txt", "new")
        .remote_write("unpinned/new.txt", "new");
    let plan = plan(&w, IN | PIN_NEW);
    assert!(plan.items.is_empty(), "{:?}", planned(&plan));
}

#[test]
fn pinnewfiles_ignores_new_server_files_outside_the_synced_paths() {
    let mut w = World::default();
    w.synced_dir("docs").synced_dir("other");
    w.remote_write("other/new.txt", "new")
        .remote_write("docs/new.txt", "new")
        .remote_write("at-the-root.txt", "new");
    let plan = plan_paths(&w, &["docs"], IN | PIN_NEW);
    assert_eq!(planned(&plan), ["docs/new.txt"]);
    // The share root is no pinned directory: a new top-level file is not brought in either.
    let plan = self::plan(&w, IN | PIN_NEW);
    assert!(plan.item(&p("at-the-root.txt")).is_none());
}

#[test]
fn pinfor_flags_select_the_pin_source_of_new_items_among_those_the_parent_inherits() {
    use SyncControlFlags as F;
    let inherited = PinSources::USER | PinSources::ALL;
    let table: &[(SyncControlFlags, Option<PinSources>)] = &[
        // No PINFOR flag: every source the parent's pin inherits.
        (F::empty(), Some(inherited)),
        (F::PINFORUSER, Some(PinSources::USER)),
        (F::PINFORALL, Some(PinSources::ALL)),
        (F::PINFORUSER.union(F::PINFORALL), Some(inherited)),
        (F::PINFORUSER.union(F::PINFORREDIR), Some(PinSources::USER)),
        // Sources the parent does not inherit are never given.
        (F::PINFORREDIR, None),
        (F::PINFORUSER_POLICY, None),
    ];
    let mut w = World::default();
    w.synced_dir("docs")
        .set_pins("docs", Pins::inheriting(inherited));
    w.remote_write("docs/new.txt", "new")
        .remote_mkdir("docs/sub");
    for &(pin_for, sources) in table {
        let plan = plan(&w, IN | PIN_NEW | pin_for);
        assert_eq!(
            pins_given(&plan, "docs/new.txt"),
            sources.map(Pins::pinned),
            "{pin_for:?}"
        );
        assert_eq!(
            pins_given(&plan, "docs/sub"),
            sources.map(Pins::inheriting),
            "{pin_for:?}"
        );
        if sources.is_none() {
            assert!(plan.items.is_empty(), "{pin_for:?}: {:?}", planned(&plan));
        }
    }

    // Policy and redirection sources, when the parent inherits them.
    let mut w = World::default();
    w.synced_dir("redirected").set_pins(
        "redirected",
        Pins::inheriting(PinSources::USER_POLICY | PinSources::REDIR),
    );
    w.remote_write("redirected/new.txt", "new");
    for (pin_for, source) in [
        (F::PINFORUSER_POLICY, PinSources::USER_POLICY),
        (F::PINFORREDIR, PinSources::REDIR),
    ] {
        let plan = plan(&w, IN | PIN_NEW | pin_for);
        assert_eq!(
            pins_given(&plan, "redirected/new.txt"),
            Some(Pins::pinned(source)),
            "{pin_for:?}"
        );
    }
}

// ----- PINLINKTARGETS -------------------------------------------------------------------------------

/// A pinned inheriting directory `links` that the server filled with a link to a file and a
/// link to a directory, both targets outside the cache.
fn links_world() -> World {
    let mut w = World::default();
    w.synced_file("keep.txt", "kept").synced_dir("links");
    w.remote_write("target.txt", "target")
        .remote_mkdir("target-dir")
        .remote_write("target-dir/in.txt", "inside");
    let now = w.now;
    w.remote.insert(
        p("links/to-file.lnk"),
        Meta::link("l1", p("target.txt"), now),
    );
    w.remote.insert(
        p("links/to-dir.lnk"),
        Meta::link("l2", p("target-dir"), now),
    );
    w
}

#[test]
fn pinlinktargets_pins_a_links_target_when_it_is_a_file_and_never_when_it_is_a_directory() {
    use SyncControlFlags as F;
    let mut w = links_world();
    let plan = plan(&w, IN | PIN_NEW | F::PINLINKTARGETS);
    // The links themselves are new files of a pinned directory.
    for link in ["links/to-file.lnk", "links/to-dir.lnk"] {
        assert_eq!(
            steps(&plan, link),
            Some(vec![
                (SyncOperation::CreateCopyOnClient, Step::Download),
                (SyncOperation::Pin, Step::Pin),
            ]),
            "{link}"
        );
    }
    // The file target comes into the cache, pinned for the link's sources.
    let target = steps(&plan, "target.txt").expect("the file target is pinned");
    assert!(
        target.contains(&(SyncOperation::CreateCopyOnClient, Step::Download)),
        "{target:?}"
    );
    assert!(
        target.contains(&(SyncOperation::Pin, Step::Pin)),
        "{target:?}"
    );
    assert_eq!(
        pins_given(&plan, "target.txt"),
        Some(Pins::pinned(PinSources::USER))
    );
    // The directory target and its content do not.
    assert!(plan.item(&p("target-dir")).is_none());
    assert!(plan.item(&p("target-dir/in.txt")).is_none());

    w.apply(&plan);
    let t = &w.cache[&p("target.txt")];
    assert_eq!(t.local_view().hash, Some(hash_of("target")));
    assert!(t.pins.sources.contains(PinSources::USER));
    assert!(!w.cache.contains_key(&p("target-dir")));
}

#[test]
fn without_pinlinktargets_or_pinnewfiles_no_link_target_is_pinned() {
    use SyncControlFlags as F;
    let w = links_world();
    let plan = plan(&w, IN | PIN_NEW);
    assert!(plan.item(&p("links/to-file.lnk")).is_some());
    assert!(plan.item(&p("target.txt")).is_none());
    // PINLINKTARGETS works with PINNEWFILES only.
    let plan = self::plan(&w, IN | F::PINLINKTARGETS);
    assert!(plan.items.is_empty(), "{:?}", planned(&plan));
}

// ----- NONEWFILESOUT ---------------------------------------------------------------------------------

fn new_files_world() -> World {
    let mut w = World::default();
    w.synced_dir("docs")
        .synced_file("docs/a.txt", "one")
        .synced_file("docs/b.txt", "one");
    w.local_write("docs/a.txt", "edited")
        .local_delete("docs/b.txt")
        .local_write("docs/b.txt", "replaced")
        .local_write("docs/new.txt", "new")
        .local_mkdir("docs/newdir")
        .local_write("docs/newdir/inner.txt", "new");
    w
}

#[test]
fn nonewfilesout_skips_client_only_new_files_but_pushes_edits_and_creates_new_directories() {
    let w = new_files_world();
    let plan = plan(&w, OUT | SyncControlFlags::NONEWFILESOUT);
    assert!(plan.item(&p("docs/new.txt")).is_none());
    assert!(plan.item(&p("docs/newdir/inner.txt")).is_none());
    assert_eq!(
        steps(&plan, "docs/a.txt"),
        Some(vec![(SyncOperation::SyncToServer, Step::Upload)])
    );
    // A file deleted and re-created offline replaces a file the server has: not a new file.
    assert_eq!(
        steps(&plan, "docs/b.txt"),
        Some(vec![(SyncOperation::SyncToServer, Step::Upload)])
    );
    assert_eq!(
        steps(&plan, "docs/newdir"),
        Some(vec![(
            SyncOperation::CreateCopyOnServer,
            Step::MakeRemoteDir
        )])
    );
}

#[test]
fn without_nonewfilesout_client_only_new_files_are_created_on_the_server() {
    let w = new_files_world();
    let plan = plan(&w, OUT);
    for new in ["docs/new.txt", "docs/newdir/inner.txt"] {
        assert_eq!(
            steps(&plan, new),
            Some(vec![(SyncOperation::CreateCopyOnServer, Step::Upload)]),
            "{new}"
        );
    }
}

// ----- SKIPSUSPENDEDDIRS -----------------------------------------------------------------------------

fn suspended_world() -> World {
    let mut w = World::default();
    w.synced_dir("docs")
        .synced_file("docs/a.txt", "one")
        .synced_dir("docs/sub")
        .synced_file("docs/sub/c.txt", "one")
        .synced_dir("other")
        .synced_file("other/b.txt", "one");
    w.local_write("docs/a.txt", "mine")
        .remote_write("docs/sub/c.txt", "theirs")
        .remote_write("docs/new.txt", "new")
        .local_write("other/b.txt", "mine");
    w
}

#[test]
fn skipsuspendeddirs_skips_a_suspended_root_and_its_whole_subtree() {
    let mut w = suspended_world();
    set_suspended(&mut w, "docs");
    let plan = plan(&w, TWO_WAY | PIN_NEW | SyncControlFlags::SKIPSUSPENDEDDIRS);
    assert_eq!(planned(&plan), ["other/b.txt"]);

    // Only the suspended subtree is skipped.
    let mut w = suspended_world();
    set_suspended(&mut w, "docs/sub");
    let plan = self::plan(&w, TWO_WAY | PIN_NEW | SyncControlFlags::SKIPSUSPENDEDDIRS);
    assert_eq!(
        planned(&plan),
        ["docs/a.txt", "docs/new.txt", "other/b.txt"]
    );
}

#[test]
fn skipsuspendeddirs_skips_a_requested_path_that_lies_inside_a_suspended_tree() {
    let mut w = suspended_world();
    set_suspended(&mut w, "docs");
    let flags = TWO_WAY | PIN_NEW | SyncControlFlags::SKIPSUSPENDEDDIRS;
    for inside in ["docs/a.txt", "docs/sub", "docs/sub/c.txt"] {
        let plan = plan_paths(&w, &[inside], flags);
        assert!(
            plan.ops().next().is_none(),
            "{inside} is in the suspended tree docs, yet the plan syncs it: {:?}",
            plan.items
        );
    }
}

#[test]
fn without_skipsuspendeddirs_a_suspended_root_is_synced() {
    let mut w = suspended_world();
    set_suspended(&mut w, "docs");
    let plan = plan(&w, TWO_WAY | PIN_NEW);
    assert_eq!(
        planned(&plan),
        [
            "docs/a.txt",
            "docs/new.txt",
            "docs/sub/c.txt",
            "other/b.txt"
        ]
    );
}

// ----- flags that do not change the plan -------------------------------------------------------------

#[test]
fn asyncprogress_interactive_lowpriority_console_and_background_do_not_change_the_plan() {
    use SyncControlFlags as F;
    let w = mixed();
    for base in [TWO_WAY, TWO_WAY | PIN_NEW, IN, OUT, F::FILLSPARSE] {
        let reference = plan(&w, base);
        for extra in [
            F::ASYNCPROGRESS,
            F::INTERACTIVE,
            F::LOWPRIORITY,
            F::CONSOLE,
            F::INTERACTIVE | F::CONSOLE,
            F::BACKGROUND,
        ] {
            assert_eq!(plan(&w, base | extra), reference, "{base:?} + {extra:?}");
        }
    }
}

// ----- CR_* conflict policies ------------------------------------------------------------------------

/// An edit/edit conflict on `f.txt`; `local_last` says which side wrote last.
fn edit_edit(local_last: bool) -> World {
    let mut w = World::default();
    w.synced_file("keep.txt", "kept")
        .synced_file("f.txt", "one");
    if local_last {
        w.remote_write("f.txt", "theirs")
            .local_write("f.txt", "mine");
    } else {
        w.local_write("f.txt", "mine")
            .remote_write("f.txt", "theirs");
    }
    w
}

fn with_policy(policy: ConflictPolicy) -> SyncControl {
    SyncControl::new(TWO_WAY)
        .with_policy(policy)
        .expect("one policy over CR_DEFAULT")
}

#[test]
fn cr_keeplocal_resolves_an_edit_edit_conflict_by_overwriting_the_server_copy() {
    let mut w = edit_edit(false);
    let remote_version = w.remote[&p("f.txt")].version.clone();
    let plan = plan_control(&w, with_policy(ConflictPolicy::KeepLocal));
    let item = plan.item(&p("f.txt")).expect("planned");
    assert_eq!(
        item.class.state,
        SyncState::FileChangedOnClientChangedOnServer
    );
    assert_eq!(item.outcome, Outcome::Resolved(ConflictResolve::KeepLocal));
    let [op] = item.ops.as_slice() else {
        panic!("one step expected: {:?}", item.ops)
    };
    assert_eq!(op.operation, SyncOperation::SyncToServer);
    assert_eq!(
        op.action,
        Action::Upload {
            path: p("f.txt"),
            precondition: Precondition::Version(remote_version),
        },
        "the upload must only overwrite the server version that was seen"
    );
    assert!(plan.conflicts.is_empty());
    w.apply(&plan);
    assert_eq!(w.remote[&p("f.txt")].hash, Some(hash_of("mine")));
    assert_eq!(
        w.cache[&p("f.txt")].local_view().hash,
        Some(hash_of("mine"))
    );
    assert!(self::plan(&w, TWO_WAY).is_noop());
}

#[test]
fn cr_keepremote_resolves_an_edit_edit_conflict_by_overwriting_the_cached_copy() {
    let mut w = edit_edit(true);
    let plan = plan_control(&w, with_policy(ConflictPolicy::KeepRemote));
    let item = plan.item(&p("f.txt")).expect("planned");
    assert_eq!(item.outcome, Outcome::Resolved(ConflictResolve::KeepRemote));
    assert_eq!(
        steps(&plan, "f.txt"),
        Some(vec![(SyncOperation::SyncToClient, Step::Download)])
    );
    assert!(plan.conflicts.is_empty());
    w.apply(&plan);
    assert_eq!(w.remote[&p("f.txt")].hash, Some(hash_of("theirs")));
    assert_eq!(
        w.cache[&p("f.txt")].local_view().hash,
        Some(hash_of("theirs"))
    );
    assert!(self::plan(&w, TWO_WAY).is_noop());
}

#[test]
fn cr_keeplatest_resolves_an_edit_edit_conflict_for_the_copy_modified_last() {
    for (local_last, winner) in [(true, "mine"), (false, "theirs")] {
        let mut w = edit_edit(local_last);
        let plan = plan_control(&w, with_policy(ConflictPolicy::KeepLatest));
        let item = plan.item(&p("f.txt")).expect("planned");
        assert!(
            matches!(item.outcome, Outcome::Resolved(_)),
            "{:?}",
            item.outcome
        );
        let expected = if local_last {
            (SyncOperation::SyncToServer, Step::Upload)
        } else {
            (SyncOperation::SyncToClient, Step::Download)
        };
        assert_eq!(
            steps(&plan, "f.txt"),
            Some(vec![expected]),
            "local_last={local_last}"
        );
        w.apply(&plan);
        assert_eq!(w.remote[&p("f.txt")].hash, Some(hash_of(winner)));
        assert_eq!(
            w.cache[&p("f.txt")].local_view().hash,
            Some(hash_of(winner))
        );
    }
}

#[test]
fn cr_policies_resolve_delete_edit_and_edit_delete_conflicts_as_named() {
    type Case = (
        &'static str,
        bool,
        ConflictPolicy,
        (SyncOperation, Step),
        Option<&'static str>,
    );
    // (situation, deleted offline (else on the server), policy, step, content left on both
    // sides (None: the file is gone from both)).
    let cases: &[Case] = &[
        (
            "KEEPLOCAL after an offline delete deletes the server copy",
            true,
            ConflictPolicy::KeepLocal,
            (SyncOperation::DeleteServerCopy, Step::DeleteRemote),
            None,
        ),
        (
            "KEEPREMOTE after an offline delete restores the server copy in the cache",
            true,
            ConflictPolicy::KeepRemote,
            (SyncOperation::CreateCopyOnClient, Step::Download),
            Some("theirs"),
        ),
        (
            "KEEPLOCAL after a server delete restores the offline edit on the server",
            false,
            ConflictPolicy::KeepLocal,
            (SyncOperation::CreateCopyOnServer, Step::Upload),
            Some("mine"),
        ),
        (
            "KEEPREMOTE after a server delete deletes the cached copy",
            false,
            ConflictPolicy::KeepRemote,
            (SyncOperation::DeleteClientCopy, Step::DeleteLocal),
            None,
        ),
        // Spec §4.3's caveat: the client never learns when the server deleted an item, so an
        // offline edit against a server deletion is restored to the server.
        (
            "KEEPLATEST after a server delete restores the offline edit on the server",
            false,
            ConflictPolicy::KeepLatest,
            (SyncOperation::CreateCopyOnServer, Step::Upload),
            Some("mine"),
        ),
    ];
    for &(what, deleted_offline, policy, expected, left) in cases {
        let mut w = World::default();
        w.synced_file("keep.txt", "kept")
            .synced_file("f.txt", "one");
        if deleted_offline {
            w.local_delete("f.txt").remote_write("f.txt", "theirs");
        } else {
            w.local_write("f.txt", "mine").remote_delete("f.txt");
        }
        let plan = plan_control(&w, with_policy(policy));
        let item = plan.item(&p("f.txt")).expect("planned");
        assert!(
            matches!(item.outcome, Outcome::Resolved(_)),
            "{what}: {:?}",
            item.outcome
        );
        assert_eq!(steps(&plan, "f.txt"), Some(vec![expected]), "{what}");
        w.apply(&plan);
        let local = w
            .cache
            .get(&p("f.txt"))
            .filter(|e| e.exists_locally())
            .and_then(|e| e.local_view().hash);
        let remote = w.remote.get(&p("f.txt")).and_then(|m| m.hash);
        assert_eq!(local, left.map(hash_of), "{what}: the cache");
        assert_eq!(remote, left.map(hash_of), "{what}: the server");
    }
}

#[test]
fn cr_keeplatest_weighs_an_offline_delete_at_its_deletion_time() {
    // Deleted offline after the server edit: the deletion is the latest change.
    let mut w = World::default();
    w.synced_file("keep.txt", "kept")
        .synced_file("f.txt", "one");
    w.remote_write("f.txt", "theirs").local_delete("f.txt");
    let plan = plan_control(&w, with_policy(ConflictPolicy::KeepLatest));
    assert_eq!(
        steps(&plan, "f.txt"),
        Some(vec![(SyncOperation::DeleteServerCopy, Step::DeleteRemote)])
    );
    // Deleted offline before the server edit: the edit is the latest change.
    let mut w = World::default();
    w.synced_file("keep.txt", "kept")
        .synced_file("f.txt", "one");
    w.local_delete("f.txt").remote_write("f.txt", "theirs");
    let plan = plan_control(&w, with_policy(ConflictPolicy::KeepLatest));
    assert_eq!(
        steps(&plan, "f.txt"),
        Some(vec![(SyncOperation::CreateCopyOnClient, Step::Download)])
    );
}

#[test]
fn cr_keeplatest_logs_a_conflict_whose_copies_have_the_same_time() {
    let mut w = edit_edit(true);
    let remote_time = w.remote[&p("f.txt")].modified;
    let e = w.cache.get_mut(&p("f.txt")).expect("cached");
    e.local.own_mut(e.original.as_ref()).modified = remote_time;
    let plan = plan_control(&w, with_policy(ConflictPolicy::KeepLatest));
    let item = plan.item(&p("f.txt")).expect("planned");
    assert_eq!(item.outcome, Outcome::Logged);
    assert!(item.ops.is_empty());
    assert!(
        matches!(plan.conflicts.as_slice(), [ConflictChange::Added(r)] if r.path == p("f.txt")),
        "{:?}",
        plan.conflicts
    );
}

#[test]
fn cr_default_logs_an_edit_edit_conflict_to_the_conflict_store_and_touches_neither_side() {
    let mut w = edit_edit(true);
    let req = w.request(SyncControl::new(TWO_WAY));
    assert_eq!(req.control.policy, ConflictPolicy::Default);
    let plan = w.plan(&req).expect("plannable");
    let item = plan.item(&p("f.txt")).expect("planned");
    assert_eq!(item.outcome, Outcome::Logged);
    assert!(item.ops.is_empty());
    let [ConflictChange::Added(record)] = plan.conflicts.as_slice() else {
        panic!("one added record expected: {:?}", plan.conflicts)
    };
    assert_eq!(record.path, p("f.txt"));
    assert_eq!(record.state, SyncState::FileChangedOnClientChangedOnServer);
    assert_eq!(record.detected, req.now);
    assert!(record.local.is_some() && record.remote.is_some() && record.original.is_some());

    let (cache_before, remote_before) = (w.cache.clone(), w.remote.clone());
    w.apply(&plan);
    assert_eq!(w.cache, cache_before);
    assert_eq!(w.remote, remote_before);
    assert!(w.conflicts.contains(&p("f.txt")));
    // Seen again, the record is refreshed, not added twice.
    let again = self::plan(&w, TWO_WAY);
    assert!(
        matches!(again.conflicts.as_slice(), [ConflictChange::Updated(r)] if r.path == p("f.txt")),
        "{:?}",
        again.conflicts
    );
}

// ----- the raw dwSyncControl value ------------------------------------------------------------------

#[test]
fn from_windows_rejects_every_undocumented_flag_bit_naming_the_value_and_the_documented_mask() {
    let documented = SyncControlFlags::all().bits();
    for bit in (0..28).map(|n| 1u32 << n).filter(|b| documented & b == 0) {
        let value = bit | TWO_WAY.bits();
        let err = SyncControl::from_windows(value).expect_err("an undocumented bit was accepted");
        let message = err.to_string();
        assert!(message.contains("dwSyncControl"), "{message}");
        assert!(message.contains(&format!("{value:#x}")), "{message}");
        assert!(
            message.contains(&format!("mask {documented:#x}")),
            "{message}"
        );
    }
}

#[test]
fn from_windows_rejects_a_cr_field_of_4_to_15_naming_the_value_and_the_cr_values() {
    for field in 4u32..=15 {
        let value = (field << 28) | TWO_WAY.bits();
        let err = SyncControl::from_windows(value).expect_err("a CR field 4..15 was accepted");
        let message = err.to_string();
        assert!(message.contains("dwSyncControl"), "{message}");
        assert!(message.contains(&format!("{value:#x}")), "{message}");
        assert!(message.contains("CR_"), "{message}");
        for cr in ["0x10000000", "0x20000000", "0x30000000"] {
            assert!(message.contains(cr), "{message}");
        }
    }
    // The four documented CR values are accepted.
    for (field, policy) in [
        (0x0, ConflictPolicy::Default),
        (0x1000_0000, ConflictPolicy::KeepLocal),
        (0x2000_0000, ConflictPolicy::KeepRemote),
        (0x3000_0000, ConflictPolicy::KeepLatest),
    ] {
        let control = SyncControl::from_windows(field | 0x6).expect("documented");
        assert_eq!(control.policy, policy);
        assert_eq!(control.flags, TWO_WAY);
    }
}

#[test]
fn setting_two_different_conflict_policies_is_an_error_naming_both() {
    let result = SyncControl::new(TWO_WAY)
        .with_policy(ConflictPolicy::KeepLocal)
        .and_then(|c| c.with_policy(ConflictPolicy::KeepRemote));
    let err = result.expect_err("two policies were accepted");
    let message = err.to_string();
    assert!(
        message.contains("OFFLINEFILES_SYNC_CONTROL_CR_KEEPLOCAL")
            && message.contains("OFFLINEFILES_SYNC_CONTROL_CR_KEEPREMOTE"),
        "{message}"
    );
}

// ----- requested paths ------------------------------------------------------------------------------

#[test]
fn only_cached_items_under_the_requested_paths_are_synced() {
    let mut w = World::default();
    w.synced_dir("docs")
        .synced_file("docs/a.txt", "one")
        .synced_file("docs/b.txt", "one");
    w.local_write("docs/a.txt", "mine")
        .remote_write("docs/b.txt", "theirs");
    let plan = plan_paths(&w, &["docs/a.txt"], TWO_WAY);
    assert_eq!(planned(&plan), ["docs/a.txt"]);
    w.apply(&plan);
    // b.txt's server change is still waiting.
    let rest = plan_paths(&w, &["docs"], TWO_WAY);
    assert_eq!(planned(&rest), ["docs/b.txt"]);
}

#[test]
fn a_requested_path_that_is_not_in_the_cache_is_reported_not_cached() {
    let mut w = World::default();
    w.synced_dir("docs").synced_file("docs/a.txt", "one");
    w.remote_write("docs/on-the-server-only.txt", "theirs");
    for path in ["docs/nowhere.txt", "docs/on-the-server-only.txt"] {
        let plan = plan_paths(&w, &[path], TWO_WAY | PIN_NEW);
        let item = plan.item(&p(path)).expect("the requested path is reported");
        assert_eq!(item.outcome, Outcome::NotCached, "{path}");
        assert!(item.ops.is_empty(), "{path}");
        assert_eq!(plan.items.len(), 1, "{path}: {:?}", planned(&plan));
    }
}

#[test]
fn nested_and_repeated_requested_paths_sync_each_item_once() {
    let w = mixed();
    let once = plan_paths(&w, &["docs"], TWO_WAY);
    let nested = plan_paths(
        &w,
        &["docs/mine.txt", "docs", "docs/theirs.txt", "docs"],
        TWO_WAY,
    );
    assert_eq!(nested, once);
    let mut paths = planned(&nested);
    let n = paths.len();
    paths.sort_unstable();
    paths.dedup();
    assert_eq!(paths.len(), n, "an item was planned twice");
    assert!(n >= 6, "{paths:?}");
}

// ----- operation tags ----------------------------------------------------------------------------------

#[test]
fn every_step_reports_the_windows_operation_of_what_it_does() {
    type Case = (
        &'static str,
        fn(&mut World),
        &'static str,
        SyncOperation,
        Step,
    );
    let cases: &[Case] = &[
        (
            "uploading a file created offline creates the server copy",
            |w| {
                w.local_write("docs/new.txt", "new");
            },
            "docs/new.txt",
            SyncOperation::CreateCopyOnServer,
            Step::Upload,
        ),
        (
            "creating a directory made offline creates the server copy",
            |w| {
                w.local_mkdir("docs/newdir");
            },
            "docs/newdir",
            SyncOperation::CreateCopyOnServer,
            Step::MakeRemoteDir,
        ),
        (
            "uploading an offline edit syncs to the server",
            |w| {
                w.local_write("docs/a.txt", "mine");
            },
            "docs/a.txt",
            SyncOperation::SyncToServer,
            Step::Upload,
        ),
        (
            "downloading a server edit syncs to the client",
            |w| {
                w.remote_write("docs/a.txt", "theirs");
            },
            "docs/a.txt",
            SyncOperation::SyncToClient,
            Step::Download,
        ),
        (
            "filling a sparse file syncs to the client",
            |w| {
                w.make_sparse("docs/a.txt");
            },
            "docs/a.txt",
            SyncOperation::SyncToClient,
            Step::Download,
        ),
        (
            "pushing an offline deletion deletes the server copy",
            |w| {
                w.local_delete("docs/a.txt");
            },
            "docs/a.txt",
            SyncOperation::DeleteServerCopy,
            Step::DeleteRemote,
        ),
        (
            "pulling a server deletion deletes the client copy",
            |w| {
                w.remote_delete("docs/a.txt");
            },
            "docs/a.txt",
            SyncOperation::DeleteClientCopy,
            Step::DeleteLocal,
        ),
        (
            "bringing in a new server file creates the client copy",
            |w| {
                w.remote_write("docs/new.txt", "new");
            },
            "docs/new.txt",
            SyncOperation::CreateCopyOnClient,
            Step::Download,
        ),
    ];
    for &(what, edit, path, operation, first) in cases {
        let mut w = World::default();
        w.synced_file("keep.txt", "kept")
            .synced_dir("docs")
            .synced_file("docs/a.txt", "one");
        edit(&mut w);
        let plan = plan(&w, TWO_WAY | PIN_NEW);
        let got = steps(&plan, path).unwrap_or_else(|| panic!("{what}: no plan item"));
        assert_eq!(got.first(), Some(&(operation, first)), "{what}: {got:?}");
    }
}

#[test]
fn fillsparse_alone_fills_a_sparse_file_with_the_servers_newer_version() {
    // Filling means downloading what the server has now; an older version no longer exists.
    let mut w = World::default();
    w.synced_dir("docs").synced_file("docs/a.txt", "v1");
    w.make_sparse("docs/a.txt");
    w.remote_write("docs/a.txt", "v2");
    w.remote_write("docs/b.txt", "new on the server");
    let plan = w
        .plan(&w.request(SyncControl::new(SyncControlFlags::FILLSPARSE)))
        .expect("plans");
    let item = plan
        .item(&p("docs/a.txt"))
        .expect("the sparse file is filled");
    assert_eq!(
        item.class.state,
        SyncState::FileSparseOnClientChangedOnServer
    );
    assert_eq!(item.operation(), SyncOperation::SyncToClient);
    assert!(matches!(item.ops[0].action, Action::Download { .. }));
    assert_eq!(plan.items.len(), 1, "nothing else is pulled: {plan:#?}");
    w.apply(&plan);
    let e = &w.cache[&p("docs/a.txt")];
    assert_eq!(e.local.presence, Presence::Full);
    assert_eq!(e.local_view().hash, Some(hash_of("v2")));
}
