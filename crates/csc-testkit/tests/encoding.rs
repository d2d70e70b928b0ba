//! The cache's records survive encoding (csc-core's `serde` feature, as persistent stores such
//! as csc-idb write them): every item of random shares, every event, conflict and share
//! records come back equal; a stored path the model would refuse is refused when read back.

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use csc_core::events::{Event, HResult, ItemRef, SyncId};
use csc_core::store::{BlobId, LoggedEvent, Partial, ShareRecord, StoredItem};
use csc_core::win::{ItemType, SyncControl, SyncState};
use csc_core::{ItemPath, Millis, Version};
use csc_testkit::arb::scenario;
use csc_testkit::p;
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let bytes = postcard::to_allocvec(value).expect("encodes");
    let back: T = postcard::from_bytes(&bytes).expect("decodes");
    assert_eq!(&back, value);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn every_cached_item_of_random_shares_comes_back_equal(s in scenario()) {
        let world = s.world();
        for (i, (path, entry)) in world.cache.iter().enumerate() {
            let item = StoredItem {
                entry: entry.clone(),
                rev: i as u64 + 1,
                blob: (i % 2 == 0).then_some(BlobId(i as u64)),
                moved_from: (i % 3 == 0).then(|| p("old/name.txt")),
                partial: (i % 5 == 0).then(|| Partial {
                    blob: BlobId(99),
                    version: Version::new("\"v\""),
                    bytes: 1 << 20,
                }),
            };
            round_trip(&item);
            round_trip(path);
        }
        for entry in world.remote.values() {
            round_trip(entry);
        }
        round_trip(&ShareRecord {
            listed_epoch: None,
            token: Some("urn:offline-files:sync:abc:7".into()),
            last_sync: Some(Millis(5)),
            last_success: None,
            last_result: Some(HResult(0x8007_0005)),
            ..ShareRecord::new(world.share.clone())
        });
    }
}

#[test]
fn every_kind_of_event_comes_back_equal() {
    let item = ItemRef {
        path: p("docs/a.txt"),
        share: "https://h/dav/".into(),
    };
    let sync = SyncId("sync-1".into());
    let events = [
        Event::SyncBegin { sync: sync.clone() },
        Event::SyncFileResult {
            sync: sync.clone(),
            item: item.clone(),
            result: HResult(0),
        },
        Event::SyncEnd {
            sync,
            result: HResult(1),
        },
        Event::ConflictAdded {
            item: item.clone(),
            detected: Millis(3),
            state: SyncState::ALL[12],
        },
        Event::BackgroundSyncBegin {
            control: SyncControl::default(),
        },
        Event::ItemModified {
            item: item.clone(),
            item_type: ItemType::ALL[1],
            data: true,
            attributes: false,
        },
        Event::ItemReconnectBegin,
        Event::DataLost,
        Event::Ping,
    ];
    for event in events {
        round_trip(&LoggedEvent {
            at: Millis(1_700_000_000_000),
            event,
        });
    }
}

#[test]
fn a_stored_path_the_model_refuses_is_refused_when_read_back() {
    for bad in ["../etc", "a//b", "/abs", "a/./b"] {
        let bytes = postcard::to_allocvec(bad).unwrap();
        let result: Result<ItemPath, _> = postcard::from_bytes(&bytes);
        assert!(result.is_err(), "{bad:?} was accepted");
    }
}
