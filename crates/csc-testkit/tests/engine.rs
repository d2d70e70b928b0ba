//! The engine's Synchronize on in-memory stores: what users and apps see.

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use csc_core::engine::{
    CancelToken, ConflictHandler, ConflictInfo, EngineConfig, EngineError, SyncErrorInfo,
    SyncOptions, SyncProgress,
};
use csc_core::events::{Event, EventFilter, HResult, SyncId};
use csc_core::retry::Backoff;
use csc_core::win::{
    ConflictResolve, EventId, OpResponse, SyncControl, SyncControlFlags, SyncOperation,
};
use csc_core::{Connectivity, HandlerAnswer, ItemPath, OfflineCause};
use csc_testkit::mem::{Call, block_on, run};
use csc_testkit::p;
use csc_testkit::rig::{Rig, two_way};

/// A progress sink that records every call, and answers as told.
#[derive(Debug, Default)]
struct Recorder {
    calls: Vec<String>,
    errors: Vec<(ItemPath, HResult, Option<SyncErrorInfo>)>,
    abort_after: Option<usize>,
    retry_once: Option<ItemPath>,
}

impl SyncProgress for Recorder {
    fn begin(&mut self) -> bool {
        self.calls.push("begin".into());
        false
    }
    fn item_begin(&mut self, path: &ItemPath) -> OpResponse {
        self.calls.push(format!("item_begin {path}"));
        OpResponse::Continue
    }
    fn item_result(
        &mut self,
        path: &ItemPath,
        result: HResult,
        error: Option<&SyncErrorInfo>,
    ) -> OpResponse {
        self.calls
            .push(format!("item_result {path} 0x{:08X}", result.0));
        if result != HResult::S_OK {
            self.errors.push((path.clone(), result, error.cloned()));
        }
        if self.retry_once.as_ref() == Some(path) {
            self.retry_once = None;
            return OpResponse::Retry;
        }
        let results = self
            .calls
            .iter()
            .filter(|c| c.starts_with("item_result"))
            .count();
        if self.abort_after == Some(results) {
            return OpResponse::Abort;
        }
        OpResponse::Continue
    }
    fn end(&mut self, result: HResult) {
        self.calls.push(format!("end 0x{:08X}", result.0));
    }
}

/// A handler that answers the same for every conflict, and remembers what it was asked.
#[derive(Debug)]
struct Always {
    answer: ConflictResolve,
    asked: Vec<ConflictInfo>,
}

impl ConflictHandler for Always {
    async fn resolve(&mut self, c: &ConflictInfo) -> HandlerAnswer {
        self.asked.push(c.clone());
        HandlerAnswer::new(self.answer)
    }
}

fn all() -> Vec<ItemPath> {
    vec![ItemPath::root()]
}

fn sync_with<P: SyncProgress>(
    rig: &Rig,
    paths: Vec<ItemPath>,
    control: SyncControl,
    progress: &mut P,
) -> Result<csc_core::engine::SyncSummary, EngineError> {
    let opts = SyncOptions::new(paths, control);
    run(rig.engine.synchronize(&opts, &mut (), progress))
}

/// A share with a pinned folder `docs` holding two files, cached in full.
fn docs() -> Rig {
    let rig = Rig::new();
    rig.remote.put_file(&p("docs/a.txt"), b"alpha");
    rig.remote.put_file(&p("docs/b.txt"), b"bravo");
    rig.pin_deep(&p("docs"));
    rig.remote.take_requests();
    rig
}

fn local(rig: &Rig, path: &str) -> Option<Vec<u8>> {
    rig.local.contents().get(&p(path)).cloned()
}

fn server(rig: &Rig, path: &str) -> Option<Vec<u8>> {
    rig.remote.contents().get(&p(path)).cloned()
}

// ----- the basics --------------------------------------------------------------------------------

#[test]
fn pinning_a_server_folder_deep_with_fill_caches_its_files_in_full() {
    let rig = Rig::new();
    rig.remote.put_file(&p("docs/a.txt"), b"alpha");
    rig.remote
        .put_file(&p("docs/sub/b.txt"), b"bravo bravo bravo");
    rig.pin_deep(&p("docs"));
    assert_eq!(
        run(rig.engine.read_file(&p("docs/a.txt"))).unwrap(),
        b"alpha"
    );
    assert_eq!(
        run(rig.engine.read_file(&p("docs/sub/b.txt"))).unwrap(),
        b"bravo bravo bravo"
    );
}

#[test]
fn a_file_written_offline_reaches_the_server_on_the_next_sync_and_then_all_is_quiet() {
    let rig = docs();
    run(rig.engine.write_file(&p("docs/a.txt"), b"alpha v2")).unwrap();
    run(rig.engine.write_file(&p("docs/new.txt"), b"brand new")).unwrap();
    let summary = rig.sync(two_way()).unwrap();
    assert_eq!(summary.failed, 0, "{summary:?}");
    assert_eq!(server(&rig, "docs/a.txt").unwrap(), b"alpha v2");
    assert_eq!(server(&rig, "docs/new.txt").unwrap(), b"brand new");
    let again = rig.sync(two_way()).unwrap();
    assert_eq!(again.items, 0, "{again:?}");
}

#[test]
fn a_new_server_folder_under_a_pinned_folder_is_cached_with_its_files() {
    let rig = docs();
    rig.remote.put_file(&p("docs/new/c.txt"), b"charlie");
    rig.sync(two_way()).unwrap();
    assert_eq!(local(&rig, "docs/new/c.txt").unwrap(), b"charlie");
}

#[test]
fn an_unchanged_share_costs_one_delta_listing() {
    let rig = docs();
    rig.sync(two_way()).unwrap();
    rig.remote.take_requests();
    rig.sync(two_way()).unwrap();
    assert_eq!(rig.remote.take_requests(), ["LIST delta"]);
}

#[test]
fn an_expired_delta_token_falls_back_to_a_full_listing_that_deletes_nothing() {
    let rig = docs();
    rig.remote.expire_tokens();
    rig.sync(two_way()).unwrap();
    assert_eq!(rig.remote.take_requests(), ["LIST delta", "LIST full"]);
    assert_eq!(local(&rig, "docs/a.txt").unwrap(), b"alpha");
}

// ----- progress ------------------------------------------------------------------------------------

#[test]
fn progress_is_begin_then_a_begin_and_result_per_item_then_end() {
    let rig = docs();
    run(rig.engine.write_file(&p("docs/a.txt"), b"A")).unwrap();
    rig.remote.put_file(&p("docs/b.txt"), b"B");
    let mut rec = Recorder::default();
    sync_with(&rig, all(), two_way(), &mut rec).unwrap();
    assert_eq!(
        rec.calls,
        [
            "begin",
            "item_begin docs/a.txt",
            "item_result docs/a.txt 0x00000000",
            "item_begin docs/b.txt",
            "item_result docs/b.txt 0x00000000",
            "end 0x00000000",
        ]
    );
}

#[test]
fn with_asyncprogress_item_callbacks_arrive_late_but_all_and_in_order() {
    let rig = Rig::with_config(EngineConfig {
        progress_batch: 1,
        ..EngineConfig::default()
    });
    for name in ["a", "b", "c", "d", "e"] {
        rig.remote
            .put_file(&p(&format!("docs/{name}.txt")), name.as_bytes());
    }
    rig.pin_deep(&p("docs"));
    for name in ["a", "b", "c", "d", "e"] {
        run(rig
            .engine
            .write_file(&p(&format!("docs/{name}.txt")), b"mine"))
        .unwrap();
    }
    let mut rec = Recorder::default();
    let control = SyncControl::new(two_way().flags | SyncControlFlags::ASYNCPROGRESS);
    sync_with(&rig, all(), control, &mut rec).unwrap();
    let items: Vec<&String> = rec.calls.iter().filter(|c| c.starts_with("item")).collect();
    assert_eq!(items.len(), 10, "{:?}", rec.calls);
    assert_eq!(rec.calls.first().unwrap(), "begin");
    assert_eq!(rec.calls.last().unwrap(), "end 0x00000000");
    for pair in items.chunks(2) {
        assert_eq!(pair[0].replace("item_begin", ""), {
            let r = pair[1].replace("item_result", "");
            r[..r.len() - 11].to_owned()
        });
    }
}

#[test]
fn abort_from_the_progress_sink_stops_the_sync_and_keeps_what_was_done() {
    let rig = docs();
    run(rig.engine.write_file(&p("docs/a.txt"), b"A")).unwrap();
    run(rig.engine.write_file(&p("docs/b.txt"), b"B")).unwrap();
    let mut rec = Recorder {
        abort_after: Some(1),
        ..Recorder::default()
    };
    let result = sync_with(&rig, all(), two_way(), &mut rec);
    assert_eq!(result.unwrap_err(), EngineError::Cancelled);
    assert_eq!(rec.calls.last().unwrap(), "end 0x800704C7");
    assert_eq!(server(&rig, "docs/a.txt").unwrap(), b"A");
    assert_eq!(server(&rig, "docs/b.txt").unwrap(), b"bravo");
    // The next sync finishes the work.
    rig.sync(two_way()).unwrap();
    assert_eq!(server(&rig, "docs/b.txt").unwrap(), b"B");
}

#[test]
fn a_cancel_token_stops_the_sync_between_items_with_error_cancelled() {
    let rig = docs();
    run(rig.engine.write_file(&p("docs/a.txt"), b"A")).unwrap();
    let mut opts = SyncOptions::new(all(), two_way());
    opts.cancel = CancelToken::new();
    opts.cancel.cancel();
    let result = run(rig.engine.synchronize(&opts, &mut (), &mut ()));
    assert_eq!(result.unwrap_err().hresult(), HResult::CANCELLED);
    assert_eq!(server(&rig, "docs/a.txt").unwrap(), b"alpha");
}

#[test]
fn retry_from_the_progress_sink_redoes_the_item() {
    let rig = docs();
    run(rig.engine.write_file(&p("docs/a.txt"), b"A")).unwrap();
    let mut rec = Recorder {
        retry_once: Some(p("docs/a.txt")),
        ..Recorder::default()
    };
    sync_with(&rig, all(), two_way(), &mut rec).unwrap();
    let begins = rec
        .calls
        .iter()
        .filter(|c| *c == "item_begin docs/a.txt")
        .count();
    assert_eq!(begins, 2, "{:?}", rec.calls);
    assert_eq!(server(&rig, "docs/a.txt").unwrap(), b"A");
}

#[test]
fn syncing_one_file_returns_that_files_result_and_several_paths_return_s_ok() {
    let rig = Rig::with_config(EngineConfig {
        backoff: Backoff {
            max_attempts: 2,
            ..Backoff::default()
        },
        ..EngineConfig::default()
    });
    rig.remote.put_file(&p("docs/a.txt"), b"alpha");
    rig.pin_deep(&p("docs"));
    run(rig.engine.write_file(&p("docs/a.txt"), b"A")).unwrap();
    // The listing succeeds, the upload fails twice (all its attempts).
    let fail_uploads = |rig: &Rig| {
        let faults = rig.faults.clone();
        rig.faults.configure(1, 0, 0, 1000);
        rig.faults.set_hook(Box::new(move |call| {
            if call == Call::RemoteWrite {
                faults.fail_next_remote(1);
            }
        }));
        rig.faults.enable(true);
    };
    fail_uploads(&rig);
    let mut rec = Recorder::default();
    let one = sync_with(&rig, vec![p("docs/a.txt")], two_way(), &mut rec).unwrap();
    assert_eq!(one.result, HResult::NET_ERROR);
    let (path, hr, info) = &rec.errors[0];
    assert_eq!((path, *hr), (&p("docs/a.txt"), HResult::NET_ERROR));
    let info = info.as_ref().expect("a failed item has error info");
    assert_eq!(info.operation, SyncOperation::SyncToServer);
    assert!(info.available.local && info.available.remote && info.available.original);
    assert!(info.description.contains("503"), "{}", info.description);
    rig.remote.put_file(&p("other/c.txt"), b"charlie");
    rig.pin_deep(&p("other"));
    fail_uploads(&rig);
    let two = sync_with(&rig, vec![p("docs/a.txt"), p("other")], two_way(), &mut ()).unwrap();
    assert_eq!((two.result, two.failed), (HResult::S_OK, 1));
}

// ----- events --------------------------------------------------------------------------------------

#[test]
fn a_sync_publishes_begin_per_file_results_cache_changes_and_end_with_its_id() {
    let rig = docs();
    let sub = rig.engine.subscribe(EventFilter::default(), 100).unwrap();
    rig.remote.put_file(&p("docs/c.txt"), b"charlie");
    let mut opts = SyncOptions::new(all(), two_way());
    opts.sync_id = SyncId("sync-42".into());
    run(rig.engine.synchronize(&opts, &mut (), &mut ())).unwrap();
    let mut ids = Vec::new();
    while let Some(e) = rig.engine.poll_event(sub) {
        match &e {
            Event::SyncBegin { sync } | Event::SyncEnd { sync, .. } => {
                assert_eq!(sync.0.as_ref(), "sync-42");
            }
            Event::SyncFileResult { sync, item, result } => {
                assert_eq!(sync.0.as_ref(), "sync-42");
                assert_eq!((item.path.as_str(), *result), ("docs/c.txt", HResult::S_OK));
            }
            _ => {}
        }
        ids.push(e.id());
    }
    assert_eq!(
        ids,
        [
            EventId::SyncBegin,
            EventId::ItemAddedToCache,
            EventId::ItemAvailableOffline,
            // PINNEWFILES: a new file in a pinned folder is pinned too.
            EventId::ItemPinned,
            EventId::SyncFileResult,
            EventId::SyncEnd,
        ]
    );
    // The same events are in the cache's log, for a page opened later.
    let logged: Vec<EventId> = run(rig.engine.event_log())
        .unwrap()
        .iter()
        .map(|e| e.event.id())
        .collect();
    assert!(logged.ends_with(&ids), "{logged:?}");
}

#[test]
fn a_logged_conflict_is_recorded_once_and_refreshed_then_removed_when_resolved() {
    let rig = docs();
    let sub = rig
        .engine
        .subscribe(
            EventFilter {
                include: Some(vec![
                    EventId::SyncConflictRecAdded,
                    EventId::SyncConflictRecUpdated,
                    EventId::SyncConflictRecRemoved,
                ]),
                ..EventFilter::default()
            },
            100,
        )
        .unwrap();
    run(rig.engine.write_file(&p("docs/a.txt"), b"mine")).unwrap();
    rig.remote.put_file(&p("docs/a.txt"), b"theirs");
    let first = rig.sync(two_way()).unwrap();
    assert_eq!((first.conflicts, first.result), (1, HResult::S_OK));
    rig.sync(two_way()).unwrap();
    let mut keep_local = Always {
        answer: ConflictResolve::KeepLocal,
        asked: Vec::new(),
    };
    let opts = SyncOptions::new(all(), two_way());
    run(rig.engine.synchronize(&opts, &mut keep_local, &mut ())).unwrap();
    assert_eq!(keep_local.asked.len(), 1);
    assert_eq!(server(&rig, "docs/a.txt").unwrap(), b"mine");
    let ids: Vec<EventId> = std::iter::from_fn(|| rig.engine.poll_event(sub))
        .map(|e| e.id())
        .collect();
    assert_eq!(
        ids,
        [
            EventId::SyncConflictRecAdded,
            EventId::SyncConflictRecUpdated,
            EventId::SyncConflictRecRemoved
        ]
    );
    assert!(rig.local.conflicts().is_empty());
}

// ----- revalidation --------------------------------------------------------------------------------

#[test]
fn a_server_edit_between_the_listing_and_the_upload_is_never_overwritten() {
    let rig = docs();
    run(rig.engine.write_file(&p("docs/a.txt"), b"mine")).unwrap();
    let remote = rig.remote.clone();
    let fired = Rc::new(Cell::new(false));
    let once = fired.clone();
    rig.faults.configure(1, 0, 0, 1000);
    rig.faults.set_hook(Box::new(move |call| {
        if call == Call::RemoteWrite && !once.replace(true) {
            remote.put_file(&p("docs/a.txt"), b"theirs, meanwhile");
        }
    }));
    rig.faults.enable(true);
    let summary = rig.sync(two_way()).unwrap();
    rig.faults.enable(false);
    assert!(fired.get());
    // The upload met 412, the item was planned again, and both versions are kept.
    assert_eq!(summary.conflicts, 1, "{summary:?}");
    assert_eq!(server(&rig, "docs/a.txt").unwrap(), b"theirs, meanwhile");
    assert_eq!(local(&rig, "docs/a.txt").unwrap(), b"mine");
    let mut keep_both = Always {
        answer: ConflictResolve::KeepAllChanges,
        asked: Vec::new(),
    };
    let opts = SyncOptions::new(all(), two_way());
    run(rig.engine.synchronize(&opts, &mut keep_both, &mut ())).unwrap();
    rig.sync(two_way()).unwrap();
    let mut on_server: Vec<Vec<u8>> = rig.remote.contents().into_values().collect();
    on_server.sort();
    assert!(on_server.contains(&b"mine".to_vec()), "{on_server:?}");
    assert!(on_server.contains(&b"theirs, meanwhile".to_vec()));
}

#[test]
fn a_user_edit_made_while_the_sync_downloads_that_file_is_never_overwritten() {
    let rig = docs();
    rig.remote.put_file(&p("docs/a.txt"), b"theirs");
    let local_store = rig.local.clone();
    let fired = Rc::new(Cell::new(false));
    let once = fired.clone();
    rig.faults.configure(1, 0, 0, 1000);
    rig.faults.set_hook(Box::new(move |call| {
        if call == Call::LocalCommit && !once.replace(true) {
            local_store.user_write(&p("docs/a.txt"), b"mine, meanwhile");
        }
    }));
    rig.faults.enable(true);
    let summary = rig.sync(two_way()).unwrap();
    rig.faults.enable(false);
    assert!(fired.get());
    assert_eq!(local(&rig, "docs/a.txt").unwrap(), b"mine, meanwhile");
    assert_eq!(server(&rig, "docs/a.txt").unwrap(), b"theirs");
    assert_eq!(summary.conflicts, 1, "{summary:?}");
}

// ----- transient failures ------------------------------------------------------------------------

#[test]
fn transient_failures_are_retried_with_backoff_and_the_item_succeeds() {
    let rig = docs();
    run(rig.engine.write_file(&p("docs/a.txt"), b"A")).unwrap();
    rig.faults.fail_next_remote(3);
    let before = rig.rt.slept();
    let summary = rig.sync(two_way()).unwrap();
    assert_eq!(summary.failed, 0);
    assert!(
        rig.rt.slept() > before,
        "the engine waited between attempts"
    );
    assert_eq!(server(&rig, "docs/a.txt").unwrap(), b"A");
}

#[test]
fn an_unreachable_server_takes_the_share_offline_and_a_probe_brings_it_back() {
    let rig = docs();
    let sub = rig.engine.subscribe(EventFilter::default(), 100).unwrap();
    rig.faults.fail_next_remote(1000);
    let err = rig.sync(two_way()).unwrap_err();
    assert_eq!(err.hresult(), HResult::NET_ERROR);
    assert_eq!(
        rig.engine.share().state.connectivity,
        Connectivity::Offline(OfflineCause::Error)
    );
    let events: Vec<EventId> = std::iter::from_fn(|| rig.engine.poll_event(sub))
        .map(|e| e.id())
        .collect();
    assert!(events.contains(&EventId::ItemDisconnected), "{events:?}");
    // Still unreachable: the sweep leaves it offline.
    assert!(!run(rig.engine.reconnect()));
    rig.faults.fail_next_remote(0);
    assert!(run(rig.engine.reconnect()));
    assert_eq!(rig.engine.share().state.connectivity, Connectivity::Online);
    let events: Vec<EventId> = std::iter::from_fn(|| rig.engine.poll_event(sub))
        .map(|e| e.id())
        .collect();
    assert!(events.contains(&EventId::ItemReconnected), "{events:?}");
}

#[test]
fn a_forced_offline_share_stays_offline_until_asked_even_after_a_sync() {
    let rig = docs();
    run(rig.engine.transition_offline()).unwrap();
    rig.sync(two_way()).unwrap();
    assert!(!run(rig.engine.reconnect()));
    assert_eq!(
        rig.engine.share().state.connectivity,
        Connectivity::Offline(OfflineCause::Forced)
    );
    run(rig.engine.transition_online()).unwrap();
    assert_eq!(rig.engine.share().state.connectivity, Connectivity::Online);
}

#[test]
fn a_full_cache_fails_the_download_with_disk_full_and_the_sync_goes_on() {
    let rig = docs();
    rig.local.set_quota(Some(20));
    rig.remote.put_file(&p("docs/big.txt"), &[b'x'; 100]);
    run(rig.engine.write_file(&p("docs/a.txt"), b"A")).unwrap();
    let mut rec = Recorder::default();
    let summary = sync_with(&rig, all(), two_way(), &mut rec).unwrap();
    assert_eq!(summary.failed, 1);
    assert_eq!(rec.errors[0].1, HResult::DISK_FULL);
    let why = &rec.errors[0].2.as_ref().unwrap().description;
    assert!(
        why.contains("docs/big.txt") && why.contains("100 bytes"),
        "the error names the item and the room it needs: {why}"
    );
    assert_eq!(server(&rig, "docs/a.txt").unwrap(), b"A");
    // Nothing half-written stays behind.
    assert!(local(&rig, "docs/big.txt").is_none());
}

#[test]
fn a_full_cache_makes_room_from_files_nobody_pinned_or_changed_and_never_from_pinned_ones() {
    let rig = docs();
    // Auto-cached (pinned, filled, then unpinned: the content stays) and clean: fair game
    // when room is needed.
    rig.remote.put_file(&p("cache/old.bin"), &[1u8; 100]);
    rig.pin_deep(&p("cache"));
    let unpin = csc_core::engine::PinOptions {
        deep: true,
        flags: csc_core::win::PinControlFlags::FORUSER,
    };
    run(rig.engine.unpin(&[p("cache")], unpin, &mut ())).unwrap();
    assert_eq!(local(&rig, "cache/old.bin").unwrap().len(), 100);
    let fill = SyncControl::new(SyncControlFlags::SYNCIN | SyncControlFlags::FILLSPARSE);
    let pinned_before = local(&rig, "docs/a.txt").unwrap();
    rig.local.set_quota(Some(150));
    rig.remote.put_file(&p("cache/new.bin"), &[2u8; 100]);
    rig.pin_deep(&p("cache/new.bin"));
    assert_eq!(local(&rig, "cache/new.bin").unwrap(), [2u8; 100]);
    assert!(
        local(&rig, "cache/old.bin").is_none(),
        "the unpinned, clean file gave up its content"
    );
    assert_eq!(
        local(&rig, "docs/a.txt").unwrap(),
        pinned_before,
        "pinned files keep theirs"
    );
    // The evicted file is still known (sparse), and comes back when asked for.
    rig.local.set_quota(None);
    assert_eq!(run(rig.engine.read_file(&p("cache/old.bin"))).ok(), None);
    rig.sync(fill).unwrap();
    assert_eq!(local(&rig, "cache/old.bin").unwrap(), [1u8; 100]);

    // With nothing left to evict, the download fails with DISK_FULL and nothing else moves.
    rig.local.set_quota(Some(250));
    rig.remote.put_file(&p("docs/huge.bin"), &[3u8; 1000]);
    let mut rec = Recorder::default();
    let summary = sync_with(&rig, all(), two_way(), &mut rec).unwrap();
    assert_eq!(summary.failed, 1);
    assert_eq!(rec.errors[0].1, HResult::DISK_FULL);
    assert_eq!(local(&rig, "docs/a.txt").unwrap(), pinned_before);
    assert_eq!(
        local(&rig, "cache/new.bin").unwrap(),
        [2u8; 100],
        "pinned: kept"
    );
}

#[test]
fn a_full_cache_evicts_the_least_recently_used_file_first_and_reads_count_as_use() {
    let mut rig = Rig::new();
    for name in ["a", "b", "c"] {
        rig.remote
            .put_file(&p(&format!("cache/{name}.bin")), &[1u8; 100]);
    }
    // All three filled at once, then unpinned: cached, clean, evictable.
    rig.pin_deep(&p("cache"));
    let unpin = csc_core::engine::PinOptions {
        deep: true,
        flags: csc_core::win::PinControlFlags::FORUSER,
    };
    run(rig.engine.unpin(&[p("cache")], unpin, &mut ())).unwrap();
    let used = |rig: &Rig, path: &str| rig.local.items()[&p(path)].entry.used;
    let filled = used(&rig, "cache/b.bin");
    // An hour later `a` is read, two hours later `c`: `b` is the least recently used.
    rig.rt.advance(3_600_000);
    let read_a = csc_core::store::Runtime::now(&rig.rt);
    assert_eq!(
        run(rig.engine.read_file(&p("cache/a.bin"))).unwrap().len(),
        100
    );
    rig.rt.advance(3_600_000);
    assert_eq!(
        run(rig.engine.read_file(&p("cache/c.bin"))).unwrap().len(),
        100
    );
    rig.local.set_quota(Some(300));
    rig.remote.put_file(&p("cache/new1.bin"), &[2u8; 100]);
    rig.pin_deep(&p("cache/new1.bin"));
    assert_eq!(local(&rig, "cache/new1.bin").unwrap(), [2u8; 100]);
    assert!(
        local(&rig, "cache/b.bin").is_none(),
        "b, used least recently, went"
    );
    assert!(local(&rig, "cache/a.bin").is_some() && local(&rig, "cache/c.bin").is_some());
    // The sync wrote the reads into the items, so the order survives a restart.
    assert_eq!(
        used(&rig, "cache/a.bin"),
        read_a,
        "the read of a is recorded (filled at {filled:?})"
    );
    rig.restart().unwrap();
    rig.remote.put_file(&p("cache/new2.bin"), &[3u8; 100]);
    rig.pin_deep(&p("cache/new2.bin"));
    assert!(
        local(&rig, "cache/a.bin").is_none(),
        "a, read before c, went next"
    );
    assert_eq!(local(&rig, "cache/c.bin").unwrap(), [1u8; 100]);
}

// ----- moves -------------------------------------------------------------------------------------

#[test]
fn a_file_renamed_in_the_cache_is_one_move_on_the_server() {
    let rig = docs();
    run(rig.engine.rename(&p("docs/a.txt"), &p("docs/renamed.txt"))).unwrap();
    rig.sync(two_way()).unwrap();
    let requests = rig.remote.take_requests();
    assert!(
        requests.contains(&"MOVE docs/a.txt -> docs/renamed.txt".to_owned()),
        "{requests:?}"
    );
    assert!(
        !requests.iter().any(|r| r.starts_with("PUT")),
        "{requests:?}"
    );
    assert_eq!(server(&rig, "docs/renamed.txt").unwrap(), b"alpha");
    assert!(server(&rig, "docs/a.txt").is_none());
    assert_eq!(rig.sync(two_way()).unwrap().items, 0);
}

#[test]
fn a_folder_renamed_in_the_cache_is_one_move_on_the_server() {
    let rig = docs();
    run(rig.engine.rename(&p("docs"), &p("papers"))).unwrap();
    rig.sync(two_way()).unwrap();
    let requests = rig.remote.take_requests();
    let writes: Vec<&String> = requests.iter().filter(|r| !r.starts_with("LIST")).collect();
    assert_eq!(writes, ["MOVE docs -> papers"], "{requests:?}");
    assert_eq!(server(&rig, "papers/b.txt").unwrap(), b"bravo");
    assert_eq!(local(&rig, "papers/b.txt").unwrap(), b"bravo");
    assert_eq!(rig.sync(two_way()).unwrap().items, 0);
}

#[test]
fn a_rename_of_a_file_changed_on_the_server_meanwhile_is_not_a_blind_move() {
    let rig = docs();
    run(rig.engine.rename(&p("docs/a.txt"), &p("docs/renamed.txt"))).unwrap();
    rig.remote
        .put_file(&p("docs/a.txt"), b"alpha, edited elsewhere");
    rig.sync(two_way()).unwrap();
    // The MOVE was refused by its precondition; deletion + creation meet the server edit as
    // a conflict, and nobody's version is lost.
    assert_eq!(
        server(&rig, "docs/a.txt").unwrap(),
        b"alpha, edited elsewhere"
    );
    assert_eq!(local(&rig, "docs/renamed.txt").unwrap(), b"alpha");
}

#[test]
fn a_server_move_is_a_move_in_the_cache_without_downloading() {
    let rig = docs();
    assert!(rig.remote.rename(&p("docs/a.txt"), &p("docs/moved.txt")));
    rig.sync(two_way()).unwrap();
    let requests = rig.remote.take_requests();
    assert!(
        !requests.iter().any(|r| r.starts_with("GET")),
        "{requests:?}"
    );
    assert_eq!(local(&rig, "docs/moved.txt").unwrap(), b"alpha");
    assert!(local(&rig, "docs/a.txt").is_none());
    assert_eq!(rig.sync(two_way()).unwrap().items, 0);
}

// ----- crashes -------------------------------------------------------------------------------------

/// Work on both sides that one sync carries out in many steps.
fn busy_share() -> Rig {
    let rig = docs();
    run(rig.engine.write_file(&p("docs/a.txt"), b"A, offline")).unwrap();
    run(rig.engine.create_dir(&p("docs/new"))).unwrap();
    run(rig.engine.write_file(&p("docs/new/n.txt"), b"N")).unwrap();
    run(rig.engine.rename(&p("docs/b.txt"), &p("docs/b2.txt"))).unwrap();
    rig.remote.put_file(&p("docs/c.txt"), b"C, from the server");
    rig.remote.put_file(&p("docs/deep/d.txt"), b"D");
    rig
}

#[test]
fn a_crash_at_any_await_point_of_a_sync_loses_nothing_and_the_next_sync_finishes() {
    // How many store calls does the sync make without a crash?
    let clean = busy_share();
    let before = clean.faults.calls();
    clean.sync(two_way()).unwrap();
    let points = clean.faults.calls() - before;
    let expected_server = clean.remote.contents();
    assert!(points > 20, "{points}");
    for k in 1..=points {
        let mut rig = busy_share();
        rig.faults.crash_after(Some(k));
        let opts = SyncOptions::new(all(), two_way());
        let outcome = block_on(rig.engine.synchronize(&opts, &mut (), &mut ()));
        assert!(outcome.is_none(), "crash point {k} was not reached");
        rig.restart()
            .unwrap_or_else(|e| panic!("crash at {k}: the cache does not open: {e}"));
        rig.sync(two_way())
            .unwrap_or_else(|e| panic!("crash at {k}: {e}"));
        rig.sync(two_way()).unwrap();
        assert_eq!(rig.remote.contents(), expected_server, "crash at {k}");
        assert_eq!(rig.local.contents(), expected_server, "crash at {k}");
        assert_eq!(
            rig.local.blob_count(),
            rig.local.contents().len(),
            "crash at {k}: a staged blob was left behind"
        );
        assert_eq!(rig.sync(two_way()).unwrap().items, 0, "crash at {k}");
    }
}

// ----- whole-sync refusals -------------------------------------------------------------------------

#[test]
fn a_sync_that_would_delete_most_of_the_cache_is_refused_and_changes_nothing() {
    let rig = Rig::new();
    for i in 0..10 {
        rig.remote.put_file(&p(&format!("docs/{i}.txt")), b"x");
    }
    rig.pin_deep(&p("docs"));
    for i in 0..8 {
        rig.remote.remove(&p(&format!("docs/{i}.txt")));
    }
    let err = rig.sync(two_way()).unwrap_err();
    assert_eq!(err.hresult(), HResult::REFUSED);
    assert!(err.to_string().contains("allowing deletions"), "{err}");
    assert_eq!(rig.local.contents().len(), 10);
    let mut opts = SyncOptions::new(all(), two_way());
    opts.allow_deletes = true;
    run(rig.engine.synchronize(&opts, &mut (), &mut ())).unwrap();
    assert_eq!(rig.local.contents().len(), 2);
}

#[test]
fn a_second_sync_while_one_runs_is_refused_as_busy() {
    let rig = docs();
    let engine = &rig.engine;
    let inner: RefCell<Option<Result<_, EngineError>>> = RefCell::new(None);
    struct Nested<'a, 'b> {
        engine: &'a csc_testkit::rig::MemEngine,
        out: &'b RefCell<Option<Result<csc_core::engine::SyncSummary, EngineError>>>,
    }
    impl SyncProgress for Nested<'_, '_> {
        fn begin(&mut self) -> bool {
            let opts = SyncOptions::new(vec![ItemPath::root()], two_way());
            *self.out.borrow_mut() = Some(run(self.engine.synchronize(&opts, &mut (), &mut ())));
            false
        }
    }
    let mut nested = Nested {
        engine,
        out: &inner,
    };
    sync_with(&rig, all(), two_way(), &mut nested).unwrap();
    assert_eq!(
        inner.borrow_mut().take().unwrap().unwrap_err(),
        EngineError::Busy
    );
}

#[test]
fn a_subscriber_that_does_not_keep_up_gets_data_lost_instead_of_unbounded_memory() {
    let rig = docs();
    let slow = rig.engine.subscribe(EventFilter::default(), 3).unwrap();
    for name in ["c", "d", "e", "f"] {
        rig.remote
            .put_file(&p(&format!("docs/{name}.txt")), name.as_bytes());
    }
    rig.sync(two_way()).unwrap();
    let got: Vec<EventId> = std::iter::from_fn(|| rig.engine.poll_event(slow))
        .map(|e| e.id())
        .collect();
    assert!(got.len() <= 4, "{got:?}");
    assert!(got.contains(&EventId::DataLost), "{got:?}");
}

// ----- large files ---------------------------------------------------------------------------

/// A rig with small chunks and checkpoints, no retries, and a 100-byte file cached in full
/// whose server copy then changed: the next sync downloads it in 5-byte reads.
fn big_file() -> Rig {
    let rig = Rig::with_config(EngineConfig {
        chunk_size: 8,
        checkpoint_chunks: 2,
        backoff: Backoff {
            max_attempts: 1,
            ..Backoff::default()
        },
        ..EngineConfig::default()
    });
    rig.remote.put_file(&p("docs/big.bin"), &[b'a'; 100]);
    rig.pin_deep(&p("docs"));
    let content: Vec<u8> = (0..100u8).collect();
    rig.remote.put_file(&p("docs/big.bin"), &content);
    rig.remote.take_requests();
    rig
}

/// Fails the download after `reads` reads (the GET and its body chunks).
fn cut_after(rig: &Rig, reads: u32) {
    let faults = rig.faults.clone();
    let seen = Rc::new(Cell::new(0));
    rig.faults.configure(1, 0, 0, 1000);
    rig.faults.set_hook(Box::new(move |call| {
        if call == Call::RemoteRead {
            seen.set(seen.get() + 1);
            if seen.get() == reads {
                faults.fail_next_remote(1);
            }
        }
    }));
    rig.faults.enable(true);
}

#[test]
fn an_interrupted_download_resumes_where_it_stopped() {
    let rig = big_file();
    cut_after(&rig, 10);
    let summary = rig.sync(two_way()).unwrap();
    rig.faults.enable(false);
    assert_eq!(summary.failed, 1);
    // 9 body reads of 5 bytes: 5 chunks of 8 staged, checkpoints at 2 and 4 chunks.
    let partial = rig.local.items()[&p("docs/big.bin")]
        .partial
        .clone()
        .unwrap();
    assert_eq!(partial.bytes, 32);
    assert_eq!(
        local(&rig, "docs/big.bin").unwrap(),
        [b'a'; 100],
        "the old copy stays"
    );
    rig.remote.take_requests();
    rig.sync(two_way()).unwrap();
    let requests = rig.remote.take_requests();
    assert!(
        requests.contains(&"GET docs/big.bin bytes=32-".to_owned()),
        "{requests:?}"
    );
    let content: Vec<u8> = (0..100u8).collect();
    assert_eq!(local(&rig, "docs/big.bin").unwrap(), content);
    assert!(rig.local.items()[&p("docs/big.bin")].partial.is_none());
    assert_eq!(rig.local.blob_count(), rig.local.contents().len());
}

#[test]
fn a_partial_download_of_a_version_that_is_gone_starts_over() {
    let rig = big_file();
    cut_after(&rig, 10);
    rig.sync(two_way()).unwrap();
    rig.faults.enable(false);
    rig.remote.put_file(&p("docs/big.bin"), b"a third version");
    rig.remote.take_requests();
    rig.sync(two_way()).unwrap();
    let requests = rig.remote.take_requests();
    assert!(
        requests.contains(&"GET docs/big.bin".to_owned()),
        "{requests:?}"
    );
    assert_eq!(local(&rig, "docs/big.bin").unwrap(), b"a third version");
    assert_eq!(rig.local.blob_count(), rig.local.contents().len());
}

#[test]
fn a_download_cut_by_a_crash_resumes_after_the_restart() {
    let mut rig = big_file();
    let probe = big_file();
    let start = probe.faults.calls();
    probe.sync(two_way()).unwrap();
    let total = probe.faults.calls() - start;
    // Crash two thirds of the way through the sync's store calls (well into the download).
    rig.faults.crash_after(Some(total * 2 / 3));
    let opts = SyncOptions::new(all(), two_way());
    assert!(block_on(rig.engine.synchronize(&opts, &mut (), &mut ())).is_none());
    rig.restart().unwrap();
    let staged = rig.local.items()[&p("docs/big.bin")]
        .partial
        .clone()
        .map_or(0, |p| p.bytes);
    assert!(staged > 0, "a checkpoint was committed before the crash");
    rig.remote.take_requests();
    rig.sync(two_way()).unwrap();
    let requests = rig.remote.take_requests();
    assert!(
        requests.contains(&format!("GET docs/big.bin bytes={staged}-")),
        "{requests:?}"
    );
    let content: Vec<u8> = (0..100u8).collect();
    assert_eq!(local(&rig, "docs/big.bin").unwrap(), content);
    assert_eq!(rig.local.blob_count(), rig.local.contents().len());
}
