//! The engine's other operations: offline file operations, Pin / Unpin, DeleteItems,
//! SuspendRoot, FindItem / EnumItems, and opening a cache.

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use csc_core::engine::{
    DeleteOptions, Engine, EngineConfig, EngineError, EnumOptions, PinOptions, SyncProgress,
};
use csc_core::events::{EventFilter, HResult};
use csc_core::win::{
    DeleteFlags, EnumFlags, EventId, ItemFilterFlags, PinControlFlags, SyncControl,
    SyncControlFlags,
};
use csc_core::{CaseRule, ItemPath, LocalChanges, PinSources, Presence, Share};
use csc_testkit::mem::{Faults, MemLocal, MemRemote, SimRuntime, run};
use csc_testkit::p;
use csc_testkit::rig::{Rig, deep_fill, share, two_way};

fn docs() -> Rig {
    let rig = Rig::new();
    rig.remote.put_file(&p("docs/a.txt"), b"alpha");
    rig.remote.put_file(&p("docs/sub/b.txt"), b"bravo");
    rig.remote.put_file(&p("docs/sub/deeper/c.txt"), b"charlie");
    rig.pin_deep(&p("docs"));
    rig
}

fn pins(rig: &Rig, path: &str) -> PinSources {
    rig.local.items()[&p(path)].entry.pins.sources
}

fn user(deep: bool) -> PinOptions {
    PinOptions {
        deep,
        flags: PinControlFlags::FORUSER,
    }
}

// ----- offline file operations ---------------------------------------------------------------

#[test]
fn offline_writes_folders_and_deletions_are_recorded_as_changes_for_the_next_sync() {
    let rig = docs();
    run(rig.engine.transition_offline()).unwrap();
    run(rig.engine.create_dir(&p("docs/new"))).unwrap();
    run(rig.engine.write_file(&p("docs/new/n.txt"), b"n")).unwrap();
    run(rig.engine.write_file(&p("docs/a.txt"), b"A")).unwrap();
    run(rig.engine.delete(&p("docs/sub"))).unwrap();
    let dirty = run(rig.engine.enum_items(
        &ItemPath::root(),
        EnumOptions {
            flags: EnumFlags::FLAT,
            filter_flags: ItemFilterFlags::DIRTY,
            filter_mask: ItemFilterFlags::DIRTY,
        },
    ))
    .unwrap();
    let paths: Vec<&str> = dirty.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "docs/a.txt",
            "docs/new",
            "docs/new/n.txt",
            "docs/sub",
            "docs/sub/b.txt",
            "docs/sub/deeper",
            "docs/sub/deeper/c.txt"
        ]
    );
    let a = run(rig.engine.find_item(&p("docs/a.txt"))).unwrap();
    assert!(a.changes.contains(LocalChanges::DATA));
    assert_eq!(a.dirty_bytes, 1);
    run(rig.engine.transition_online()).unwrap();
    rig.sync(two_way()).unwrap();
    let server = rig.remote.contents();
    assert_eq!(server[&p("docs/new/n.txt")], b"n");
    assert_eq!(server[&p("docs/a.txt")], b"A");
    assert!(!server.contains_key(&p("docs/sub/b.txt")));
}

#[test]
fn file_operations_refuse_bad_paths_with_a_clear_error() {
    let rig = docs();
    let err = run(rig.engine.write_file(&p("nowhere/x.txt"), b"x")).unwrap_err();
    assert!(
        err.to_string().contains("create or pin the folder first"),
        "{err}"
    );
    let err = run(rig.engine.write_file(&p("docs/sub"), b"x")).unwrap_err();
    assert!(err.to_string().contains("is a folder"), "{err}");
    let err = run(rig.engine.create_dir(&p("docs/a.txt"))).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    let err = run(rig.engine.delete(&ItemPath::root())).unwrap_err();
    assert_eq!(err.code(), "BadPath");
    let err = run(rig.engine.rename(&p("docs"), &p("docs/sub/inside"))).unwrap_err();
    assert!(err.to_string().contains("its own subtree"), "{err}");
    let err = run(rig.engine.read_file(&p("docs/missing.txt"))).unwrap_err();
    assert_eq!(err.hresult(), HResult::FILE_NOT_FOUND);
    // Nothing was half-written: no blob without an item.
    assert_eq!(rig.local.blob_count(), rig.local.contents().len());
}

// ----- Pin / Unpin -----------------------------------------------------------------------------

#[test]
fn pinning_a_folder_not_deep_pins_its_new_children_at_the_next_sync_with_pinnewfiles() {
    let rig = Rig::new();
    rig.remote.put_file(&p("docs/a.txt"), b"alpha");
    rig.refresh();
    run(rig.engine.pin(&[p("docs")], user(false), &mut ())).unwrap();
    // The folder is cached (sparse) and pinned; its child not yet.
    assert!(!rig.local.items().contains_key(&p("docs/a.txt")));
    rig.sync(two_way()).unwrap();
    assert_eq!(rig.local.contents()[&p("docs/a.txt")], b"alpha");
    assert_eq!(pins(&rig, "docs/a.txt"), PinSources::USER);
}

#[test]
fn a_read_overtaken_by_a_new_version_of_the_file_is_refused_not_returned_cut_short() {
    let rig = docs();
    let path = p("docs/a.txt");
    assert_eq!(run(rig.engine.read_file(&path)).unwrap(), b"alpha");
    // Another writer replaces the content between the start of the read and its end (the
    // old blob is dropped with it).
    let read = run(rig.engine.read_content(&path, async |blob| {
        rig.engine
            .write_file(&path, b"a new version")
            .await
            .unwrap();
        Ok((rig.local.blob_bytes(blob), 5))
    }));
    assert!(matches!(read, Err(EngineError::Changed(_))), "{read:?}");
    assert_eq!(run(rig.engine.read_file(&path)).unwrap(), b"a new version");
}

#[test]
fn content_shorter_than_its_file_is_refused_as_corrupt_not_returned_as_the_file() {
    let rig = docs();
    let path = p("docs/a.txt");
    // A store that lost chunks hands back less than the file's 5 bytes.
    let read = run(rig.engine.read_content(&path, async |_| Ok(((), 2))));
    assert!(matches!(read, Err(EngineError::Corrupt(_))), "{read:?}");
    assert_eq!(run(rig.engine.read_file(&path)).unwrap(), b"alpha");
}

#[test]
fn a_pin_stops_its_fill_when_the_progress_asks_to_abort_and_the_pins_stay() {
    /// Asks to abort from its `after`-th QueryAbort on (the first is before the pinned path).
    struct AbortAfter {
        calls: usize,
        after: usize,
    }
    impl SyncProgress for AbortAfter {
        fn query_abort(&mut self) -> bool {
            self.calls += 1;
            self.calls >= self.after
        }
    }
    let rig = Rig::new();
    for i in 0..200 {
        rig.remote.put_file(
            &p(&format!("docs/f{i:03}.txt")),
            format!("file {i}").as_bytes(),
        );
    }
    let mut progress = AbortAfter { calls: 0, after: 5 };
    let result = run(rig.engine.pin(&[p("docs")], deep_fill(), &mut progress));
    assert!(matches!(result, Err(EngineError::Cancelled)), "{result:?}");
    let files: Vec<_> = rig
        .local
        .items()
        .into_values()
        .filter(|s| !s.entry.kind().is_dir())
        .collect();
    assert_eq!(files.len(), 200, "every file is in the cache");
    assert!(
        files.iter().all(|s| s.entry.pins.is_pinned()),
        "the pins stay"
    );
    let sparse = files
        .iter()
        .filter(|s| s.entry.local.presence == Presence::Sparse)
        .count();
    assert!(
        sparse > 0 && sparse < 200,
        "the fill stopped part way: {sparse} sparse"
    );
    rig.sync(two_way()).unwrap();
    assert!(
        rig.local
            .items()
            .values()
            .all(|s| s.entry.local.presence != Presence::Sparse),
        "a later sync fills the rest"
    );
}

#[test]
fn pinning_without_fill_leaves_the_file_sparse_until_a_fill() {
    let rig = Rig::new();
    rig.remote.put_file(&p("docs/a.txt"), b"alpha");
    rig.refresh();
    let sub = rig.engine.subscribe(EventFilter::default(), 100).unwrap();
    run(rig.engine.pin(&[p("docs/a.txt")], user(false), &mut ())).unwrap();
    let item = run(rig.engine.find_item(&p("docs/a.txt"))).unwrap();
    assert_eq!(item.presence, Presence::Sparse);
    assert!(
        item.filter_flags
            .contains(ItemFilterFlags::SPARSE | ItemFilterFlags::PINNED)
    );
    let events: Vec<EventId> = std::iter::from_fn(|| rig.engine.poll_event(sub))
        .map(|e| e.id())
        .collect();
    assert!(events.contains(&EventId::ItemAddedToCache), "{events:?}");
    assert!(events.contains(&EventId::ItemPinned), "{events:?}");
    assert!(
        !events.contains(&EventId::ItemAvailableOffline),
        "{events:?}"
    );
    rig.sync(SyncControl::new(SyncControlFlags::FILLSPARSE))
        .unwrap();
    assert_eq!(rig.local.contents()[&p("docs/a.txt")], b"alpha");
    let events: Vec<EventId> = std::iter::from_fn(|| rig.engine.poll_event(sub))
        .map(|e| e.id())
        .collect();
    assert!(
        events.contains(&EventId::ItemAvailableOffline),
        "{events:?}"
    );
}

#[test]
fn pinning_a_link_with_pinlinktargets_pins_and_fills_its_target_file() {
    let rig = Rig::new();
    rig.remote.put_file(&p("other/t.txt"), b"target");
    rig.remote.put_link(&p("docs/t.lnk"), &p("other/t.txt"));
    rig.refresh();
    let opts = PinOptions {
        deep: false,
        flags: PinControlFlags::FORUSER | PinControlFlags::PINLINKTARGETS | PinControlFlags::FILL,
    };
    run(rig.engine.pin(&[p("docs/t.lnk")], opts, &mut ())).unwrap();
    assert_eq!(pins(&rig, "docs/t.lnk"), PinSources::USER);
    assert_eq!(pins(&rig, "other/t.txt"), PinSources::USER);
    assert_eq!(rig.local.contents()[&p("other/t.txt")], b"target");
    // Without the flag, only the link.
    let rig = Rig::new();
    rig.remote.put_file(&p("other/t.txt"), b"target");
    rig.remote.put_link(&p("docs/t.lnk"), &p("other/t.txt"));
    rig.refresh();
    run(rig.engine.pin(&[p("docs/t.lnk")], user(false), &mut ())).unwrap();
    assert!(!rig.local.items().contains_key(&p("other/t.txt")));
}

#[test]
fn pinning_a_path_the_server_does_not_have_fails_with_file_not_found() {
    let rig = docs();
    let hr = run(rig
        .engine
        .pin(&[p("docs/nothing.txt")], user(false), &mut ()))
    .unwrap();
    assert_eq!(hr, HResult::FILE_NOT_FOUND);
}

#[test]
fn unpinning_a_folder_not_deep_unpins_it_and_its_child_files_only() {
    let rig = docs();
    run(rig.engine.unpin(&[p("docs")], user(false), &mut ())).unwrap();
    assert!(pins(&rig, "docs").is_empty());
    assert!(pins(&rig, "docs/a.txt").is_empty());
    assert_eq!(pins(&rig, "docs/sub"), PinSources::USER);
    assert_eq!(pins(&rig, "docs/sub/b.txt"), PinSources::USER);
}

#[test]
fn unpinning_deep_unpins_the_whole_subtree_and_says_so() {
    let rig = docs();
    let sub = rig.engine.subscribe(EventFilter::default(), 100).unwrap();
    run(rig.engine.unpin(&[p("docs")], user(true), &mut ())).unwrap();
    for path in ["docs", "docs/a.txt", "docs/sub", "docs/sub/deeper/c.txt"] {
        assert!(pins(&rig, path).is_empty(), "{path}");
    }
    let unpinned = std::iter::from_fn(|| rig.engine.poll_event(sub))
        .filter(|e| e.id() == EventId::ItemNotPinned)
        .count();
    assert_eq!(unpinned, 6);
}

#[test]
fn unpinning_removes_only_the_sources_named() {
    let rig = docs();
    let policy = PinOptions {
        deep: false,
        flags: PinControlFlags::FORUSER_POLICY,
    };
    run(rig.engine.pin(&[p("docs/a.txt")], policy, &mut ())).unwrap();
    run(rig.engine.unpin(&[p("docs/a.txt")], user(false), &mut ())).unwrap();
    assert_eq!(pins(&rig, "docs/a.txt"), PinSources::USER_POLICY);
}

// ----- DeleteItems -----------------------------------------------------------------------------

#[test]
fn delete_items_evicts_from_the_cache_only_and_keeps_unsynced_changes() {
    let rig = docs();
    run(rig
        .engine
        .write_file(&p("docs/sub/b.txt"), b"B, not synced"))
    .unwrap();
    let hr = run(rig
        .engine
        .delete_items(&[p("docs")], DeleteOptions::default(), &mut ()))
    .unwrap();
    assert_eq!(hr, HResult::MORE_DATA);
    let left: Vec<String> = rig
        .local
        .items()
        .keys()
        .map(|k| k.as_str().to_owned())
        .collect();
    // The changed file and the folders holding it stay.
    assert_eq!(left, ["docs", "docs/sub", "docs/sub/b.txt"]);
    assert_eq!(rig.remote.contents().len(), 3, "the server is untouched");
    let hr = run(rig.engine.delete_items(
        &[p("docs")],
        DeleteOptions {
            flags: DeleteFlags::DELMODIFIED,
        },
        &mut (),
    ))
    .unwrap();
    assert_eq!(hr, HResult::S_OK);
    assert!(rig.local.items().is_empty());
    assert_eq!(rig.local.blob_count(), 0);
}

#[test]
fn delete_items_with_nopinned_keeps_pinned_items_and_with_noautocached_the_others() {
    let rig = docs();
    run(rig.engine.unpin(&[p("docs/a.txt")], user(false), &mut ())).unwrap();
    let nopinned = DeleteOptions {
        flags: DeleteFlags::NOPINNED,
    };
    run(rig.engine.delete_items(&[p("docs")], nopinned, &mut ())).unwrap();
    assert!(!rig.local.items().contains_key(&p("docs/a.txt")));
    assert!(rig.local.items().contains_key(&p("docs/sub/b.txt")));
    let noauto = DeleteOptions {
        flags: DeleteFlags::NOAUTOCACHED,
    };
    run(rig
        .engine
        .unpin(&[p("docs/sub/b.txt")], user(false), &mut ()))
    .unwrap();
    run(rig.engine.delete_items(&[p("docs/sub")], noauto, &mut ())).unwrap();
    // b.txt is auto-cached now (unpinned): kept, and so is its folder; the pinned c.txt goes.
    assert!(rig.local.items().contains_key(&p("docs/sub/b.txt")));
    assert!(rig.local.items().contains_key(&p("docs/sub")));
    assert!(!rig.local.items().contains_key(&p("docs/sub/deeper/c.txt")));
}

// ----- SuspendRoot, FindItem, EnumItems ----------------------------------------------------------

#[test]
fn a_suspended_folder_is_offline_and_skipped_by_syncs_that_skip_suspended_folders() {
    let rig = docs();
    run(rig.engine.suspend_root(&p("docs/sub"), true)).unwrap();
    let inner = run(rig.engine.find_item(&p("docs/sub/deeper/c.txt"))).unwrap();
    assert!(inner.suspension.suspended && !inner.suspension.is_root);
    assert!(
        inner
            .filter_flags
            .contains(ItemFilterFlags::SUSPENDED | ItemFilterFlags::OFFLINE)
    );
    rig.remote.put_file(&p("docs/sub/b.txt"), b"B, server");
    rig.remote.put_file(&p("docs/a.txt"), b"A, server");
    let skip = SyncControl::new(two_way().flags | SyncControlFlags::SKIPSUSPENDEDDIRS);
    rig.sync(skip).unwrap();
    let cache = rig.local.contents();
    assert_eq!(cache[&p("docs/a.txt")], b"A, server");
    assert_eq!(cache[&p("docs/sub/b.txt")], b"bravo");
    // An explicit sync without the flag still works.
    rig.sync(two_way()).unwrap();
    assert_eq!(rig.local.contents()[&p("docs/sub/b.txt")], b"B, server");
}

#[test]
fn enum_items_lists_children_or_with_flat_every_descendant_and_files_only_on_request() {
    let rig = docs();
    let names = |opts: EnumOptions| -> Vec<String> {
        run(rig.engine.enum_items(&p("docs"), opts))
            .unwrap()
            .iter()
            .map(|i| i.path.as_str().to_owned())
            .collect()
    };
    assert_eq!(names(EnumOptions::default()), ["docs/a.txt", "docs/sub"]);
    assert_eq!(
        names(EnumOptions {
            flags: EnumFlags::FLAT,
            ..EnumOptions::default()
        }),
        [
            "docs/a.txt",
            "docs/sub",
            "docs/sub/b.txt",
            "docs/sub/deeper",
            "docs/sub/deeper/c.txt"
        ]
    );
    assert_eq!(
        names(EnumOptions {
            flags: EnumFlags::FLAT | EnumFlags::FLAT_FILESONLY,
            ..EnumOptions::default()
        }),
        ["docs/a.txt", "docs/sub/b.txt", "docs/sub/deeper/c.txt"]
    );
    // A mask-only bit means "must be false": directories only.
    assert_eq!(
        names(EnumOptions {
            flags: EnumFlags::FLAT,
            filter_flags: ItemFilterFlags::empty(),
            filter_mask: ItemFilterFlags::FILE,
        }),
        ["docs/sub", "docs/sub/deeper"]
    );
    let err = run(rig.engine.enum_items(&p("nothing"), EnumOptions::default())).unwrap_err();
    assert_eq!(err.hresult(), HResult::FILE_NOT_FOUND);
}

// ----- opening a cache -----------------------------------------------------------------------------

#[test]
fn a_cache_opens_only_for_the_share_it_was_made_for() {
    let rig = docs();
    let other = Share::new("https://elsewhere.example/dav/", CaseRule::Sensitive).unwrap();
    let err = run(Engine::open(
        rig.local.clone(),
        rig.remote.clone(),
        rig.rt.clone(),
        other,
        EngineConfig::default(),
    ))
    .unwrap_err();
    assert!(
        matches!(err, EngineError::WrongShare { .. }),
        "{err}: {}",
        err.code()
    );
    assert!(err.to_string().contains("files.example"), "{err}");
}

#[test]
fn opening_a_cache_removes_content_a_crash_left_staged() {
    let faults = Faults::new();
    let local = MemLocal::new(faults.clone());
    let remote = MemRemote::new(faults.clone());
    remote.put_file(&p("docs/a.txt"), b"alpha");
    let rt = SimRuntime::new(csc_core::Millis(0), 1);
    let open = || {
        run(Engine::open(
            local.clone(),
            remote.clone(),
            rt.clone(),
            share(),
            EngineConfig::default(),
        ))
        .unwrap()
    };
    let engine = open();
    // A write that crashed after staging its content and before committing it.
    let staged = run(csc_core::store::LocalStore::create_blob(&local)).unwrap();
    run(csc_core::store::LocalStore::put_chunk(
        &local, staged, 0, b"half",
    ))
    .unwrap();
    drop(engine);
    assert_eq!(local.blob_count(), 1);
    let _engine = open();
    assert_eq!(local.blob_count(), 0);
}

#[test]
fn browsing_a_folder_shows_cached_items_and_server_names_not_yet_cached_offline_too() {
    let rig = Rig::new();
    rig.remote.put_file(&p("docs/pinned.txt"), b"pinned");
    rig.remote
        .put_file(&p("docs/online-only.txt"), b"on the server only");
    rig.remote.put_file(&p("docs/sub/deeper.txt"), b"below");
    rig.refresh();
    let opts = PinOptions {
        deep: false,
        flags: PinControlFlags::FORUSER | PinControlFlags::FILL,
    };
    run(rig.engine.pin(&[p("docs/pinned.txt")], opts, &mut ())).unwrap();
    run(rig
        .engine
        .write_file(&p("docs/created-offline.txt"), b"new"))
    .unwrap();
    run(rig.engine.transition_offline()).unwrap();

    let entries = run(rig.engine.browse(&p("docs"))).unwrap();
    let seen: Vec<(&str, bool, bool)> = entries
        .iter()
        .map(|e| (e.path.as_str(), e.cached.is_some(), e.server.is_some()))
        .collect();
    assert_eq!(
        seen,
        [
            ("docs/created-offline.txt", true, false),
            ("docs/online-only.txt", false, true),
            ("docs/pinned.txt", true, true),
            ("docs/sub", false, true),
        ]
    );
    let root = run(rig.engine.browse(&ItemPath::root())).unwrap();
    assert_eq!(root.len(), 1, "only the direct children: {root:?}");
    assert!(matches!(
        run(rig.engine.browse(&p("nowhere"))),
        Err(EngineError::NotFound(_))
    ));
}
