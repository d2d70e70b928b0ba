//! Event subscriptions: include and exclude kinds (exclusion wins), one path filter, Ping and
//! DataLost never filtered, bounded queues that mark where events were lost, idle subscribers
//! dropped.

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::sync::Arc;

use csc_core::Millis;
use csc_core::events::{
    Event, EventBus, EventFilter, HResult, ItemRef, PathFilter, SubscribeError, SyncId,
};
use csc_core::win::{EventId, ItemType, PathFilterMatch};
use csc_testkit::p;

const SHARE: &str = "https://files.example/dav/team/";

fn item(path: &str) -> ItemRef {
    ItemRef {
        share: Arc::from(SHARE),
        path: p(path),
    }
}

fn pinned(path: &str) -> Event {
    Event::ItemPinned {
        item: item(path),
        item_type: ItemType::File,
    }
}

fn modified(path: &str) -> Event {
    Event::ItemModified {
        item: item(path),
        item_type: ItemType::File,
        data: true,
        attributes: false,
    }
}

fn begin() -> Event {
    Event::SyncBegin {
        sync: SyncId(Arc::from("sync-1")),
    }
}

/// Everything `filter` lets through of `events`, in order.
fn delivered(filter: EventFilter, events: &[Event]) -> Vec<Event> {
    let mut bus = EventBus::new();
    let id = bus
        .subscribe(filter, 64, Millis(0))
        .expect("a valid capacity");
    for e in events {
        bus.publish(e);
    }
    std::iter::from_fn(|| bus.poll(id, Millis(1))).collect()
}

#[test]
fn every_event_reports_its_windows_number() {
    let table = [
        (begin(), 5),
        (
            Event::SyncEnd {
                sync: SyncId::default(),
                result: HResult::S_OK,
            },
            10,
        ),
        (pinned("a"), 19),
        (modified("a"), 21),
        (Event::ItemReconnectBegin, 27),
        (Event::DataLost, 25),
        (Event::Ping, 26),
    ];
    for (event, number) in table {
        assert_eq!(u32::from(event.id()), number, "{event:?}");
    }
}

#[test]
fn a_filter_without_include_delivers_every_kind_but_the_excluded_ones() {
    let filter = EventFilter {
        exclude: vec![EventId::ItemModified],
        ..Default::default()
    };
    let got = delivered(filter, &[begin(), modified("a"), pinned("a")]);
    assert_eq!(got, [begin(), pinned("a")]);
}

#[test]
fn exclusion_wins_over_inclusion() {
    let filter = EventFilter {
        include: Some(vec![EventId::ItemPinned, EventId::ItemModified]),
        exclude: vec![EventId::ItemModified],
        path: None,
    };
    let got = delivered(filter, &[begin(), modified("a"), pinned("a")]);
    assert_eq!(got, [pinned("a")]);
}

#[test]
fn ping_and_data_lost_are_never_filtered_out() {
    let filter = EventFilter {
        include: Some(vec![EventId::ItemPinned]),
        exclude: vec![EventId::Ping, EventId::DataLost],
        path: Some(PathFilter {
            item: item("x"),
            mode: PathFilterMatch::SelfOnly,
        }),
    };
    let got = delivered(filter, &[Event::Ping, Event::DataLost, begin()]);
    assert_eq!(got, [Event::Ping, Event::DataLost]);
}

#[test]
fn each_path_filter_mode_matches_its_items() {
    let paths = [
        "docs",
        "docs/a.txt",
        "docs/sub/b.txt",
        "docs2/c.txt",
        "other",
    ];
    let table: [(PathFilterMatch, &[&str]); 5] = [
        (PathFilterMatch::SelfOnly, &["docs"]),
        (PathFilterMatch::Child, &["docs/a.txt"]),
        (
            PathFilterMatch::Descendent,
            &["docs/a.txt", "docs/sub/b.txt"],
        ),
        (PathFilterMatch::SelfOrChild, &["docs", "docs/a.txt"]),
        (
            PathFilterMatch::SelfOrDescendent,
            &["docs", "docs/a.txt", "docs/sub/b.txt"],
        ),
    ];
    for (mode, expected) in table {
        let filter = PathFilter {
            item: item("docs"),
            mode,
        };
        let matched: Vec<&str> = paths
            .iter()
            .copied()
            .filter(|q| filter.matches(&item(q)))
            .collect();
        assert_eq!(matched, expected, "{mode:?}");
    }
}

#[test]
fn the_share_root_as_path_filter_covers_its_top_level_items_as_children() {
    let filter = PathFilter {
        item: item(""),
        mode: PathFilterMatch::Child,
    };
    assert!(filter.matches(&item("top.txt")));
    assert!(!filter.matches(&item("dir/deep.txt")));
    assert!(!filter.matches(&item("")));
}

#[test]
fn a_path_filter_only_matches_items_of_its_own_share() {
    let filter = PathFilter {
        item: item("docs"),
        mode: PathFilterMatch::SelfOrDescendent,
    };
    let elsewhere = ItemRef {
        share: Arc::from("https://other.example/dav/"),
        path: p("docs/a.txt"),
    };
    assert!(!filter.matches(&elsewhere));
}

#[test]
fn events_about_no_item_pass_a_path_filter() {
    let filter = EventFilter {
        path: Some(PathFilter {
            item: item("docs"),
            mode: PathFilterMatch::SelfOnly,
        }),
        ..Default::default()
    };
    let got = delivered(filter, &[begin(), pinned("elsewhere"), pinned("docs")]);
    assert_eq!(got, [begin(), pinned("docs")]);
}

#[test]
fn a_subscriber_that_falls_behind_finds_data_lost_where_the_gap_is_and_no_more() {
    let mut bus = EventBus::new();
    let slow = bus
        .subscribe(EventFilter::default(), 3, Millis(0))
        .expect("valid");
    for k in 0..10 {
        bus.publish(&pinned(&format!("f{k}")));
    }
    // Two events fit with the marker; the rest were dropped, not queued.
    assert_eq!(bus.poll(slow, Millis(1)), Some(pinned("f0")));
    assert_eq!(bus.poll(slow, Millis(1)), Some(pinned("f1")));
    assert_eq!(bus.poll(slow, Millis(1)), Some(Event::DataLost));
    assert_eq!(bus.poll(slow, Millis(1)), None);
    // Having caught up, it receives new events again.
    bus.publish(&pinned("f10"));
    assert_eq!(bus.poll(slow, Millis(2)), Some(pinned("f10")));
}

#[test]
fn a_slow_subscriber_does_not_make_others_lose_events() {
    let mut bus = EventBus::new();
    let slow = bus
        .subscribe(EventFilter::default(), 2, Millis(0))
        .expect("valid");
    let fast = bus
        .subscribe(EventFilter::default(), 100, Millis(0))
        .expect("valid");
    for k in 0..5 {
        bus.publish(&pinned(&format!("f{k}")));
    }
    let got: Vec<Event> = std::iter::from_fn(|| bus.poll(fast, Millis(1))).collect();
    assert_eq!(got.len(), 5);
    assert!(!got.contains(&Event::DataLost));
    assert_eq!(bus.poll(slow, Millis(1)), Some(pinned("f0")));
    assert_eq!(bus.poll(slow, Millis(1)), Some(Event::DataLost));
}

#[test]
fn a_queue_too_small_for_an_event_and_the_marker_is_refused_with_the_reason() {
    let err = EventBus::new()
        .subscribe(EventFilter::default(), 1, Millis(0))
        .unwrap_err();
    assert_eq!(err, SubscribeError::CapacityTooSmall { capacity: 1 });
    assert!(err.to_string().contains("at least 2"), "{err}");
}

#[test]
fn subscribers_that_stopped_polling_are_dropped_and_the_others_kept() {
    let mut bus = EventBus::new();
    let gone = bus
        .subscribe(EventFilter::default(), 8, Millis(0))
        .expect("valid");
    let alive = bus
        .subscribe(EventFilter::default(), 8, Millis(0))
        .expect("valid");
    bus.ping();
    assert_eq!(bus.poll(alive, Millis(50_000)), Some(Event::Ping));
    assert_eq!(bus.drop_idle(Millis(60_000), 30_000), [gone]);
    assert_eq!(bus.len(), 1);
    assert_eq!(bus.poll(gone, Millis(60_000)), None);
    assert!(bus.unsubscribe(alive));
    assert!(!bus.unsubscribe(alive));
    assert!(bus.is_empty());
}

#[test]
fn hresults_match_the_windows_codes() {
    assert_eq!(HResult::CANCELLED, HResult(0x8007_04C7));
    assert_eq!(HResult::FILE_NOT_FOUND, HResult(0x8007_0002));
    assert_eq!(HResult::from_win32(0), HResult::S_OK);
    assert!(HResult::S_OK.is_ok());
    assert!(!HResult::CANCELLED.is_ok());
    assert!(!HResult::E_FAIL.is_ok());
}
