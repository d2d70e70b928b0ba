//! The background sync pass: framed by BackgroundSyncBegin/End with the same flags, two-way,
//! leaving open items and conflicts alone, and only for the shares that take part.

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use csc_core::ItemPath;
use csc_core::engine::{CancelToken, SyncErrorInfo, SyncProgress};
use csc_core::events::{Event, EventFilter, HResult, SyncId};
use csc_core::schedule::{BackgroundSyncSettings, pass_control};
use csc_core::win::{EventId, OpResponse, SyncControlFlags};
use csc_core::{Connectivity, OfflineCause};
use csc_testkit::mem::run;
use csc_testkit::p;
use csc_testkit::rig::Rig;

/// Records each item's result.
#[derive(Debug, Default)]
struct Results(Vec<(String, HResult)>);

impl SyncProgress for Results {
    fn item_result(
        &mut self,
        path: &ItemPath,
        result: HResult,
        _error: Option<&SyncErrorInfo>,
    ) -> OpResponse {
        self.0.push((path.to_string(), result));
        OpResponse::Continue
    }
}

impl Results {
    fn of(&self, path: &str) -> Option<HResult> {
        self.0.iter().find(|(p, _)| p == path).map(|(_, hr)| *hr)
    }
}

/// A rig with docs/a.txt and docs/b.txt pinned and filled.
fn pinned() -> Rig {
    let rig = Rig::new();
    rig.remote.put_file(&p("docs/a.txt"), b"a, original");
    rig.remote.put_file(&p("docs/b.txt"), b"b, original");
    rig.pin_deep(&p("docs"));
    rig
}

fn pass(
    rig: &Rig,
    settings: &BackgroundSyncSettings,
    results: &mut Results,
) -> Option<csc_core::engine::SyncSummary> {
    run(rig
        .engine
        .background_sync(settings, SyncId::default(), CancelToken::new(), results))
    .expect("the pass runs")
}

fn server(rig: &Rig, path: &str) -> Option<Vec<u8>> {
    rig.remote.contents().get(&p(path)).cloned()
}

fn cached(rig: &Rig, path: &str) -> Option<Vec<u8>> {
    rig.local.contents().get(&p(path)).cloned()
}

#[test]
fn a_background_pass_syncs_both_ways_between_begin_and_end_events_with_the_same_flags() {
    let rig = pinned();
    run(rig.engine.write_file(&p("docs/a.txt"), b"a, edited here")).unwrap();
    rig.remote
        .put_file(&p("docs/c.txt"), b"c, new on the server");
    let sub = rig.engine.subscribe(EventFilter::default(), 1000).unwrap();
    let mut results = Results::default();
    let summary = pass(&rig, &BackgroundSyncSettings::default(), &mut results).unwrap();
    assert_eq!((summary.result, summary.failed), (HResult::S_OK, 0));

    let events: Vec<Event> = std::iter::from_fn(|| rig.engine.poll_event(sub)).collect();
    let ids: Vec<EventId> = events
        .iter()
        .map(Event::id)
        .filter(|id| {
            matches!(
                id,
                EventId::BackgroundSyncBegin
                    | EventId::BackgroundSyncEnd
                    | EventId::SyncBegin
                    | EventId::SyncEnd
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            EventId::BackgroundSyncBegin,
            EventId::SyncBegin,
            EventId::SyncEnd,
            EventId::BackgroundSyncEnd
        ]
    );
    let flags: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::BackgroundSyncBegin { control } | Event::BackgroundSyncEnd { control } => {
                Some(*control)
            }
            _ => None,
        })
        .collect();
    assert_eq!(flags, [pass_control(), pass_control()]);
    let two_way = SyncControlFlags::SYNCIN | SyncControlFlags::SYNCOUT;
    assert!(
        flags[0]
            .flags
            .contains(two_way | SyncControlFlags::BACKGROUND)
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::SyncFileResult { .. })),
        "per-file results between them"
    );

    assert_eq!(server(&rig, "docs/a.txt").unwrap(), b"a, edited here");
    assert_eq!(cached(&rig, "docs/c.txt").unwrap(), b"c, new on the server");
    let c = run(rig.engine.find_item(&p("docs/c.txt"))).unwrap();
    assert!(
        c.pins.is_pinned(),
        "a new file below a pinned folder is pinned (PINNEWFILES)"
    );
    let share = rig.engine.share();
    assert!(share.last_sync.is_some() && share.last_success == share.last_sync);
}

#[test]
fn a_background_pass_leaves_an_open_file_for_later_and_syncs_it_once_it_is_closed() {
    let rig = pinned();
    run(rig.engine.write_file(&p("docs/a.txt"), b"a, being edited")).unwrap();
    rig.remote
        .put_file(&p("docs/b.txt"), b"b, changed on the server");
    rig.engine.set_in_use(&p("docs/a.txt"), true);
    let mut results = Results::default();
    pass(&rig, &BackgroundSyncSettings::default(), &mut results).unwrap();
    assert_eq!(results.of("docs/a.txt"), Some(HResult::SHARING_VIOLATION));
    assert_eq!(server(&rig, "docs/a.txt").unwrap(), b"a, original");
    assert_eq!(cached(&rig, "docs/a.txt").unwrap(), b"a, being edited");
    // The rest of the share is synced.
    assert_eq!(
        cached(&rig, "docs/b.txt").unwrap(),
        b"b, changed on the server"
    );

    rig.engine.set_in_use(&p("docs/a.txt"), false);
    let mut results = Results::default();
    pass(&rig, &BackgroundSyncSettings::default(), &mut results).unwrap();
    assert_eq!(results.of("docs/a.txt"), Some(HResult::S_OK));
    assert_eq!(server(&rig, "docs/a.txt").unwrap(), b"a, being edited");
}

#[test]
fn a_server_change_to_a_file_open_in_the_app_is_not_downloaded_under_the_user() {
    let rig = pinned();
    rig.remote
        .put_file(&p("docs/a.txt"), b"a, changed on the server");
    rig.engine.set_in_use(&p("docs"), true);
    let mut results = Results::default();
    pass(&rig, &BackgroundSyncSettings::default(), &mut results).unwrap();
    assert_eq!(cached(&rig, "docs/a.txt").unwrap(), b"a, original");
    // A sync the user asks for is not a background sync: it goes ahead.
    rig.sync(csc_testkit::rig::two_way()).unwrap();
    assert_eq!(
        cached(&rig, "docs/a.txt").unwrap(),
        b"a, changed on the server"
    );
}

#[test]
fn a_conflict_found_by_a_background_pass_goes_to_the_conflict_store_untouched() {
    let rig = pinned();
    run(rig.engine.write_file(&p("docs/a.txt"), b"a, mine")).unwrap();
    rig.remote.put_file(&p("docs/a.txt"), b"a, theirs");
    let mut results = Results::default();
    let summary = pass(&rig, &BackgroundSyncSettings::default(), &mut results).unwrap();
    assert_eq!(summary.conflicts, 1);
    let conflicts = rig.local.conflicts();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].path, p("docs/a.txt"));
    assert_eq!(server(&rig, "docs/a.txt").unwrap(), b"a, theirs");
    assert_eq!(cached(&rig, "docs/a.txt").unwrap(), b"a, mine");
}

#[test]
fn a_work_offline_share_is_synced_in_the_background_only_when_enabled_and_stays_offline() {
    let rig = pinned();
    run(rig.engine.transition_offline()).unwrap();
    run(rig.engine.write_file(&p("docs/a.txt"), b"a, offline edit")).unwrap();
    let sub = rig.engine.subscribe(EventFilter::default(), 1000).unwrap();
    let mut results = Results::default();
    let off = BackgroundSyncSettings::default();
    assert!(pass(&rig, &off, &mut results).is_none());
    assert!(
        rig.engine.poll_event(sub).is_none(),
        "a share that does not take part raises no event"
    );
    assert_eq!(server(&rig, "docs/a.txt").unwrap(), b"a, original");

    let on = BackgroundSyncSettings {
        work_offline_shares: true,
        ..off
    };
    pass(&rig, &on, &mut results).unwrap();
    assert_eq!(server(&rig, "docs/a.txt").unwrap(), b"a, offline edit");
    assert_eq!(
        rig.engine.share().state.connectivity,
        Connectivity::Offline(OfflineCause::Forced)
    );
}
