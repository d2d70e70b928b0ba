//! csc-idb in headless Chromium: the LocalStore contract (the same suite as the in-memory
//! store), and what survives closing and reopening the database. Each test works on a fresh,
//! uniquely named database, deleted first.

#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]

use csc_core::store::{Batch, Expect, LocalStore, Write};
use csc_core::{CacheEntry, ItemKind, Meta, Millis, Pins};
use csc_idb::{IdbLocal, delete_database};
use csc_testkit::contract::local_store_contract;
use csc_testkit::p;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const SHARE: &str = "https://h.example/dav/";

async fn fresh(name: &str) -> (String, IdbLocal) {
    let name = format!("{name}-{}", js_sys::Date::now() as u64);
    delete_database(&name).await.unwrap();
    let store = IdbLocal::open(&name, SHARE).await.unwrap();
    (name, store)
}

#[wasm_bindgen_test]
async fn the_indexeddb_cache_keeps_the_local_store_contract() {
    let (_, store) = fresh("contract").await;
    local_store_contract(&store).await;
}

#[wasm_bindgen_test]
async fn what_was_committed_is_there_after_the_database_is_closed_and_reopened() {
    let (name, store) = fresh("reopen").await;
    let entry = CacheEntry::synced(p("docs"), Meta::dir("v1", Millis(1)), Pins::default());
    let mut batch = Batch::new();
    batch.push(Write::PutItem {
        entry,
        blob: None,
        moved_from: None,
        expect: Expect::Absent,
    });
    let revs = store.commit(batch).await.unwrap();
    let blob = store.create_blob().await.unwrap();
    store.put_chunk(blob, 0, b"chunk").await.unwrap();
    store.close();
    let again = IdbLocal::open(&name, SHARE).await.unwrap();
    let item = again.item(&p("docs")).await.unwrap().unwrap();
    assert_eq!(item.rev, revs[0]);
    assert_eq!(item.entry.local.kind, ItemKind::Directory);
    assert_eq!(again.chunk(blob, 0).await.unwrap().unwrap(), b"chunk");
    // Another share in the same database sees none of it.
    let other = IdbLocal::open(&name, "https://other.example/dav/")
        .await
        .unwrap();
    assert!(other.load().await.unwrap().items.is_empty());
    assert!(other.blobs().await.unwrap().is_empty());
}

#[wasm_bindgen_test]
async fn the_engine_syncs_pins_and_edits_with_an_indexeddb_cache() {
    use csc_core::ItemPath;
    use csc_core::engine::SyncOptions;
    use csc_testkit::mem::{Faults, MemRemote};
    use csc_testkit::rig::{deep_fill, list_share, open_engine, two_way};

    let (name, store) = fresh("engine").await;
    let remote = MemRemote::new(Faults::new());
    remote.put_file(&p("docs/a.txt"), b"alpha");
    remote.put_file(&p("docs/sub/b.txt"), b"bravo");
    let e = open_engine(store, remote.clone(), SHARE).await;
    list_share(&e).await;
    let pin = deep_fill();
    e.pin(&[p("docs")], pin, &mut ()).await.unwrap();
    e.write_file(&p("docs/a.txt"), b"alpha, edited")
        .await
        .unwrap();
    e.rename(&p("docs/sub/b.txt"), &p("docs/b.txt"))
        .await
        .unwrap();
    let all = SyncOptions::new(vec![ItemPath::root()], two_way());
    e.synchronize(&all, &mut (), &mut ()).await.unwrap();
    let server = remote.contents();
    assert_eq!(server[&p("docs/a.txt")], b"alpha, edited");
    assert_eq!(server[&p("docs/b.txt")], b"bravo");
    drop(e);
    // Reopened from IndexedDB: the cache still has the pinned content, offline.
    let store = IdbLocal::open(&name, SHARE).await.unwrap();
    let e = open_engine(store, remote, SHARE).await;
    assert_eq!(e.read_file(&p("docs/b.txt")).await.unwrap(), b"bravo");
    assert_eq!(
        e.read_file(&p("docs/a.txt")).await.unwrap(),
        b"alpha, edited"
    );
}

#[wasm_bindgen_test]
async fn a_newer_app_upgrading_in_another_tab_is_never_blocked_and_this_one_is_told_to_reload() {
    let (name, store) = fresh("upgrade").await;
    store.create_blob().await.unwrap();
    // "Another tab" with a newer schema: its open must not wait for this connection.
    let factory = idb::Factory::new().unwrap();
    let mut request = factory
        .open(&name, Some(csc_idb::schema::VERSION + 1))
        .unwrap();
    request.on_upgrade_needed(|event| {
        use idb::event::DatabaseEvent as _;
        let db = event.database().unwrap();
        db.create_object_store("added_in_v2", idb::ObjectStoreParams::new())
            .unwrap();
    });
    let newer = request.await.expect("the upgrade is not blocked");
    assert!(newer.store_names().contains(&"added_in_v2".to_owned()));
    assert!(store.closed_for_upgrade());
    let err = store.blobs().await.unwrap_err().to_string();
    assert!(err.contains("reload"), "{err}");
    newer.close();
    // The old app cannot open the newer schema either, and says why.
    let err = IdbLocal::open(&name, SHARE).await.unwrap_err().to_string();
    assert!(err.contains("newer version"), "{err}");
}

#[wasm_bindgen_test]
async fn a_full_cache_refuses_the_download_leaves_nothing_half_written_and_the_rest_goes_on() {
    use csc_testkit::mem::{Faults, MemRemote};
    use csc_testkit::rig::{deep_fill, list_share, open_engine};

    let (_, store) = fresh("quota").await;
    store.set_quota(Some(64));
    let remote = MemRemote::new(Faults::new());
    remote.put_file(&p("docs/small.txt"), b"fits");
    remote.put_file(&p("docs/big.bin"), &[7u8; 1000]);
    let e = open_engine(store, remote, SHARE).await;
    list_share(&e).await;
    let pin = deep_fill();
    let _ = e.pin(&[p("docs")], pin, &mut ()).await;
    assert_eq!(e.read_file(&p("docs/small.txt")).await.unwrap(), b"fits");
    assert!(e.read_file(&p("docs/big.bin")).await.is_err());
    let store = e.local();
    assert!(store.content_bytes().await.unwrap() <= 64);
    // Every blob left is one an item refers to: the refused download left no staged part.
    let snapshot = store.load().await.unwrap();
    let referenced: Vec<_> = snapshot.items.iter().filter_map(|s| s.blob).collect();
    for blob in store.blobs().await.unwrap() {
        assert!(referenced.contains(&blob), "{blob:?} was left behind");
    }
}

#[wasm_bindgen_test]
async fn the_storage_estimate_gives_usage_and_quota_for_a_storage_meter() {
    let (_, store) = fresh("estimate").await;
    let blob = store.create_blob().await.unwrap();
    store.put_chunk(blob, 0, &[1u8; 4096]).await.unwrap();
    let estimate = csc_idb::storage_estimate_now().await.unwrap();
    assert!(estimate.quota > 0.0, "{estimate:?}");
    assert!(estimate.usage >= 0.0);
    // The browser decides; asking must simply work.
    store.request_persistence().await.unwrap();
    assert_eq!(store.content_bytes().await.unwrap(), 4096);
}

/// Polls a future until it has been woken `limit` times, then drops it: a caller giving up
/// part way, as when a page goes away. Ends with whether the future finished and how many
/// polls it took.
struct CutAfter<F: std::future::Future> {
    inner: Option<std::pin::Pin<Box<F>>>,
    polls: usize,
    limit: usize,
}

impl<F: std::future::Future> std::future::Future for CutAfter<F> {
    type Output = (bool, usize);

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<(bool, usize)> {
        if self.polls >= self.limit {
            self.inner = None;
            return std::task::Poll::Ready((false, self.polls));
        }
        self.polls += 1;
        let inner = self.inner.as_mut().expect("polled after the end");
        match inner.as_mut().poll(cx) {
            std::task::Poll::Ready(_) => std::task::Poll::Ready((true, self.polls)),
            std::task::Poll::Pending => std::task::Poll::Pending,
        }
    }
}

/// The database `name` opened directly, and its object store `store` in a read-only
/// transaction: what the cache wrote, as IndexedDB holds it.
async fn raw_store(name: &str, store: &str) -> (idb::Database, idb::ObjectStore) {
    let db = idb::Factory::new()
        .unwrap()
        .open(name, None)
        .unwrap()
        .await
        .unwrap();
    let tx = db
        .transaction(&[store], idb::TransactionMode::ReadOnly)
        .unwrap();
    let store = tx.object_store(store).unwrap();
    (db, store)
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let global = js_sys::global();
        let set_timeout = js_sys::Reflect::get(&global, &"setTimeout".into()).unwrap();
        let set_timeout: js_sys::Function = set_timeout.into();
        set_timeout.call2(&global, &resolve, &ms.into()).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// 300 folders and a file in each, with an event: a batch with requests of every kind.
fn big_batch() -> Batch {
    let mut big = Batch::new();
    for i in 0..300 {
        big.push(Write::PutItem {
            entry: CacheEntry::synced(
                p(&format!("dir{i}")),
                Meta::dir("v1", Millis(1)),
                Pins::default(),
            ),
            blob: None,
            moved_from: None,
            expect: Expect::Absent,
        });
        big.push(Write::PutItem {
            entry: CacheEntry::synced(
                p(&format!("dir{i}/f")),
                Meta::file("v1", 0, Millis(1), None),
                Pins::default(),
            ),
            blob: None,
            moved_from: None,
            expect: Expect::Absent,
        });
    }
    big.push(Write::LogEvent(csc_core::store::LoggedEvent {
        at: Millis(1),
        event: csc_core::events::Event::Ping,
    }));
    big
}

#[wasm_bindgen_test]
async fn a_batch_abandoned_at_any_point_is_written_whole_or_not_at_all() {
    // How many polls the whole commit takes, on a scratch database.
    let (_, scratch) = fresh("cut-scratch").await;
    let (finished, polls) = CutAfter {
        inner: Some(Box::pin(scratch.commit(big_batch()))),
        polls: 0,
        limit: usize::MAX,
    }
    .await;
    assert!(finished && polls > 2, "the batch took {polls} polls");
    scratch.close();
    // Cut at the first poll, half way, and at the last before the end (every request issued,
    // the transaction not yet committed).
    for limit in [1, polls / 2, polls - 1] {
        let (name, store) = fresh(&format!("cut-{limit}")).await;
        let mut first = Batch::new();
        first.push(Write::PutItem {
            entry: CacheEntry::synced(p("keep"), Meta::dir("v1", Millis(1)), Pins::default()),
            blob: None,
            moved_from: None,
            expect: Expect::Absent,
        });
        store.commit(first).await.unwrap();
        let (finished, _) = CutAfter {
            inner: Some(Box::pin(store.commit(big_batch()))),
            polls: 0,
            limit,
        }
        .await;
        assert!(!finished, "the batch was cut before it ended");
        sleep_ms(100).await;
        store.close();
        let again = IdbLocal::open(&name, SHARE).await.unwrap();
        let items: Vec<String> = again
            .load()
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|s| s.entry.path.as_str().to_owned())
            .collect();
        let events = again.event_log().await.unwrap().len();
        if limit < polls - 1 {
            assert_eq!(
                items,
                ["keep"],
                "nothing of the batch abandoned after {limit} of {polls} polls was written"
            );
            assert_eq!(events, 0);
        } else {
            // At the last poll every request is done and the commit under way: the batch is
            // in whole or not at all, never in part.
            assert!(
                items.len() == 1 || items.len() == 601,
                "part of a batch was written: {} items",
                items.len()
            );
            assert_eq!(events, items.len() / 600);
        }
        again.close();
    }
}

mod big_file {
    //! A 200 MB file through the engine into IndexedDB and back out as a JS Blob, with wasm
    //! memory measured: content streams chunk by chunk, never whole.

    use super::*;
    use csc_core::store::{ChunkStream, Listing, RemoteError, RemoteStore, WriteInfo};
    use csc_core::{Precondition, RemoteEntry, Version};
    use csc_testkit::rig::{deep_fill, list_share, open_engine};
    use std::ops::Range;
    use wasm_bindgen::JsCast;

    const SIZE: u64 = 200 << 20;
    const CHUNK: u64 = 1 << 20;

    fn byte_at(i: u64) -> u8 {
        (i % 251) as u8
    }

    /// A read-only share with one large file whose bytes are computed, not stored.
    struct PatternShare;

    struct PatternBody {
        pos: u64,
        end: u64,
    }

    impl ChunkStream for PatternBody {
        async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, RemoteError> {
            if self.pos >= self.end {
                return Ok(None);
            }
            let n = CHUNK.min(self.end - self.pos);
            let chunk = (self.pos..self.pos + n).map(byte_at).collect();
            self.pos += n;
            Ok(Some(chunk))
        }
    }

    fn meta() -> Meta {
        Meta::file("\"v1\"", SIZE, Millis(1), None)
    }

    fn refuse<T>() -> Result<T, RemoteError> {
        Err(RemoteError::Protocol("a read-only test share".into()))
    }

    impl RemoteStore for PatternShare {
        type Body = PatternBody;

        async fn list(&self, token: Option<&str>) -> Result<Listing, RemoteError> {
            if token.is_some() {
                return Err(RemoteError::TokenExpired);
            }
            Ok(Listing {
                delta: false,
                entries: vec![
                    RemoteEntry {
                        path: p("big"),
                        meta: Meta::dir("\"d\"", Millis(1)),
                    },
                    RemoteEntry {
                        path: p("big/file.bin"),
                        meta: meta(),
                    },
                ],
                removed: Vec::new(),
                unlisted: Vec::new(),
                epoch: None,
                token: None,
            })
        }

        async fn read(
            &self,
            _path: &csc_core::ItemPath,
            _expected: Option<&Version>,
            range: Option<Range<u64>>,
        ) -> Result<(Meta, PatternBody), RemoteError> {
            let range = range.unwrap_or(0..SIZE);
            Ok((
                meta(),
                PatternBody {
                    pos: range.start,
                    end: range.end.min(SIZE),
                },
            ))
        }

        async fn write<B: ChunkStream>(
            &self,
            _: &csc_core::ItemPath,
            _: &Precondition,
            _: &WriteInfo,
            _: B,
        ) -> Result<Meta, RemoteError> {
            refuse()
        }

        async fn set_meta(
            &self,
            _: &csc_core::ItemPath,
            _: &Version,
            _: &WriteInfo,
        ) -> Result<Meta, RemoteError> {
            refuse()
        }

        async fn delete(&self, _: &csc_core::ItemPath, _: &Version) -> Result<(), RemoteError> {
            refuse()
        }

        async fn make_dir(&self, _: &csc_core::ItemPath) -> Result<Meta, RemoteError> {
            refuse()
        }

        async fn move_item(
            &self,
            _: &csc_core::ItemPath,
            _: &csc_core::ItemPath,
            _: &Version,
        ) -> Result<Meta, RemoteError> {
            refuse()
        }
    }

    fn wasm_memory_bytes() -> f64 {
        let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
        let buffer: js_sys::ArrayBuffer = memory.buffer().unchecked_into();
        f64::from(buffer.byte_length())
    }

    async fn bytes_of(blob: &web_sys::Blob, start: f64, end: f64) -> Vec<u8> {
        let part = blob.slice_with_f64_and_f64(start, end).unwrap();
        let buffer = wasm_bindgen_futures::JsFuture::from(part.array_buffer())
            .await
            .unwrap();
        js_sys::Uint8Array::new(&buffer).to_vec()
    }

    #[wasm_bindgen_test]
    async fn a_200_mb_file_streams_into_the_cache_and_out_to_a_blob_and_a_stream_in_bounded_wasm_memory()
     {
        let (_, store) = fresh("big").await;
        let e = open_engine(store, PatternShare, SHARE).await;
        list_share(&e).await;
        let start = js_sys::Date::now();
        let pin = deep_fill();
        e.pin(&[p("big")], pin, &mut ()).await.unwrap();
        let written = js_sys::Date::now();
        let item = e.local().item(&p("big/file.bin")).await.unwrap().unwrap();
        let blob = e.local().blob_to_js(item.blob.unwrap()).await.unwrap();
        let read = js_sys::Date::now();
        assert_eq!(blob.size(), SIZE as f64);
        for at in [0u64, CHUNK - 3, 77 * CHUNK + 12_345, SIZE - 16] {
            let got = bytes_of(&blob, at as f64, (at + 16).min(SIZE) as f64).await;
            let want: Vec<u8> = (at..(at + 16).min(SIZE)).map(byte_at).collect();
            assert_eq!(got, want, "bytes at {at}");
        }
        // And out as a ReadableStream, chunk by chunk.
        let stream = e.local().stream_to_js(item.blob.unwrap()).unwrap();
        let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
        let mut at = 0u64;
        loop {
            let result = wasm_bindgen_futures::JsFuture::from(reader.read())
                .await
                .unwrap();
            if js_sys::Reflect::get(&result, &"done".into())
                .unwrap()
                .as_bool()
                == Some(true)
            {
                break;
            }
            let chunk: js_sys::Uint8Array = js_sys::Reflect::get(&result, &"value".into())
                .unwrap()
                .unchecked_into();
            assert_eq!(chunk.get_index(0), byte_at(at), "the chunk at {at}");
            at += u64::from(chunk.length());
        }
        assert_eq!(at, SIZE, "the stream gave the whole file");
        let streamed = js_sys::Date::now();
        let peak = wasm_memory_bytes();
        wasm_bindgen_test::console_log!(
            "large file: 200 MB into IndexedDB in {:.0} ms ({:.0} MB/s), out to a Blob in {:.0} ms, through a ReadableStream in {:.0} ms; wasm memory (its peak: it never shrinks) {:.1} MB",
            written - start,
            200.0 / ((written - start) / 1000.0),
            read - written,
            streamed - read,
            peak / 1_048_576.0
        );
        assert!(
            peak < 64.0 * 1_048_576.0,
            "wasm memory grew to {:.1} MB: content is being buffered whole",
            peak / 1_048_576.0
        );
    }
}

#[wasm_bindgen_test]
async fn a_database_written_by_an_older_schema_upgrades_with_nothing_lost() {
    use csc_core::plan::ConflictRecord;
    use csc_core::win::SyncState;

    for old in [1, 2, 3] {
        let name = format!("upgrade-v{old}-{}", js_sys::Date::now() as u64);
        delete_database(&name).await.unwrap();
        // Written by an older release.
        let older = IdbLocal::open_at_version(&name, SHARE, old).await.unwrap();
        let blob = older.create_blob().await.unwrap();
        older
            .put_chunk(blob, 0, b"kept across the upgrade")
            .await
            .unwrap();
        let mut batch = Batch::new();
        for path in ["a", "b", "c"] {
            batch.push(Write::PutItem {
                entry: CacheEntry::synced(p(path), Meta::dir("v1", Millis(1)), Pins::default()),
                blob: None,
                moved_from: None,
                expect: Expect::Absent,
            });
        }
        let mut pinned = CacheEntry::synced(
            p("a/f.txt"),
            Meta::file("\"f\"", 23, Millis(1), None),
            Pins::pinned(csc_core::PinSources::USER),
        );
        pinned.local.changes = csc_core::LocalChanges::DATA;
        batch.push(Write::PutItem {
            entry: pinned,
            blob: Some(blob),
            moved_from: Some(p("a/old.txt")),
            expect: Expect::Absent,
        });
        batch.push(Write::PutConflict(ConflictRecord {
            path: p("b"),
            detected: Millis(9),
            state: SyncState::FileChangedOnClientChangedOnServer,
            changes: Default::default(),
            local: None,
            remote: None,
            original: None,
        }));
        older.commit(batch).await.unwrap();
        let before = older.load().await.unwrap();
        older.close();

        // Opened by the current release: upgraded, nothing lost, the conflict index filled in.
        let now = IdbLocal::open(&name, SHARE).await.unwrap();
        let after = now.load().await.unwrap();
        assert_eq!(after, before, "from version {old}");
        assert_eq!(
            now.chunk(blob, 0).await.unwrap().unwrap(),
            b"kept across the upgrade"
        );
        assert_eq!(now.conflicted_items().await.unwrap(), [p("b")]);
        // And the flag follows the conflict store from now on.
        let mut batch = Batch::new();
        batch.push(Write::DeleteConflict(p("b")));
        // Items now keep their time of last use.
        let c = now.item(&p("c")).await.unwrap().unwrap();
        let mut used = c.entry.clone();
        used.used = Millis(42);
        batch.push(Write::PutItem {
            entry: used,
            blob: None,
            moved_from: None,
            expect: Expect::Rev(c.rev),
        });
        now.commit(batch).await.unwrap();
        assert!(now.conflicted_items().await.unwrap().is_empty());
        now.close();
        let again = IdbLocal::open(&name, SHARE).await.unwrap();
        assert_eq!(
            again.item(&p("c")).await.unwrap().unwrap().entry.used,
            Millis(42)
        );
        again.close();
        // Only the indexes something queries are left.
        let (db, items) = raw_store(&name, "items").await;
        let mut indexes = items.index_names();
        indexes.sort();
        db.close();
        assert_eq!(indexes, ["children", "conflict"], "from version {old}");
    }
}

#[wasm_bindgen_test]
async fn a_bulk_import_stores_every_file_in_chunks_in_one_go_or_nothing_when_full() {
    let (_, store) = fresh("bulk").await;
    let files: [&[u8]; 3] = [b"one", b"", b"a longer content"];
    let blobs = store.stage_files(&files, 4).await.unwrap();
    assert_eq!(blobs.len(), 3);
    assert_eq!(store.chunk(blobs[2], 0).await.unwrap().unwrap(), b"a lo");
    assert_eq!(store.chunk(blobs[2], 3).await.unwrap().unwrap(), b"tent");
    assert!(store.chunk(blobs[2], 4).await.unwrap().is_none());
    let first = store.first_chunks(&blobs).await.unwrap();
    assert_eq!(first[0].as_deref(), Some(&b"one"[..]));
    assert_eq!(first[1], None, "an empty file has no chunk");
    assert_eq!(store.content_bytes().await.unwrap(), 19);
    // Over the limit: refused whole.
    store.set_quota(Some(25));
    let before = store.blobs().await.unwrap();
    assert!(matches!(
        store.stage_files(&[b"0123456789"], 4).await,
        Err(csc_core::store::LocalError::QuotaExceeded)
    ));
    assert_eq!(store.blobs().await.unwrap(), before);
    assert_eq!(store.content_bytes().await.unwrap(), 19);
}

#[wasm_bindgen_test]
async fn files_and_their_content_commit_together_or_not_at_all() {
    let (_, store) = fresh("files").await;
    let dir = CacheEntry::synced(p("d"), Meta::dir("v", Millis(1)), Pins::default());
    let file = |path: &str| {
        CacheEntry::synced(
            p(path),
            Meta::file("\"f\"", 5, Millis(1), None),
            Pins::default(),
        )
    };
    let mut batch = Batch::new();
    batch.push(Write::PutItem {
        entry: dir,
        blob: None,
        moved_from: None,
        expect: Expect::Absent,
    });
    store.commit(batch).await.unwrap();
    let revs = store
        .commit_files(
            vec![
                (file("d/a"), b"alpha".to_vec()),
                (file("d/b"), b"bravo".to_vec()),
            ],
            2,
        )
        .await
        .unwrap();
    assert_eq!(revs.len(), 2);
    let a = store.item(&p("d/a")).await.unwrap().unwrap();
    assert_eq!(
        store.chunk(a.blob.unwrap(), 2).await.unwrap().unwrap(),
        b"a"
    );
    // One file without its folder: nothing of the call is written, content included.
    let blobs_before = store.blobs().await.unwrap();
    let bytes_before = store.content_bytes().await.unwrap();
    let err = store
        .commit_files(
            vec![
                (file("d/c"), b"c".to_vec()),
                (file("nowhere/x"), b"x".to_vec()),
            ],
            2,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, csc_core::store::CommitError::Conflict(_)),
        "{err}"
    );
    assert!(store.item(&p("d/c")).await.unwrap().is_none());
    assert_eq!(store.blobs().await.unwrap(), blobs_before);
    assert_eq!(store.content_bytes().await.unwrap(), bytes_before);
    // A file that is there already: the error names it, and nothing of the call is written.
    let err = store
        .commit_files(
            vec![
                (file("d/c"), b"c".to_vec()),
                (file("d/b"), b"again".to_vec()),
            ],
            2,
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        csc_core::store::CommitError::Conflict("d/b was expected to be absent but is there".into())
            .to_string()
    );
    assert!(store.item(&p("d/c")).await.unwrap().is_none());
    assert_eq!(store.blobs().await.unwrap(), blobs_before);
    assert_eq!(store.content_bytes().await.unwrap(), bytes_before);
    // Removing a file drops its content and its bytes.
    let mut batch = Batch::new();
    batch.push(Write::DeleteItem {
        path: p("d/a"),
        rev: a.rev,
    });
    batch.push(Write::DropBlob(a.blob.unwrap()));
    store.commit(batch).await.unwrap();
    assert_eq!(store.content_bytes().await.unwrap(), bytes_before - 5);
    assert!(!store.blobs().await.unwrap().contains(&a.blob.unwrap()));
    assert!(store.chunk(a.blob.unwrap(), 0).await.is_err());
}

#[wasm_bindgen_test]
async fn files_whose_content_is_a_js_array_are_stored_in_chunks_without_a_copy_through_wasm() {
    let (_, store) = fresh("files-js").await;
    let mut batch = Batch::new();
    batch.push(Write::PutItem {
        entry: CacheEntry::synced(p("d"), Meta::dir("v", Millis(1)), Pins::default()),
        blob: None,
        moved_from: None,
        expect: Expect::Absent,
    });
    store.commit(batch).await.unwrap();
    let content = js_sys::Uint8Array::from(&b"0123456789"[..]);
    let entry = CacheEntry::synced(
        p("d/f"),
        Meta::file("\"f\"", 10, Millis(1), None),
        Pins::default(),
    );
    store
        .commit_files_js(vec![(entry, content)], 4)
        .await
        .unwrap();
    let item = store.item(&p("d/f")).await.unwrap().unwrap();
    let blob = item.blob.unwrap();
    assert_eq!(store.chunk(blob, 0).await.unwrap().unwrap(), b"0123");
    assert_eq!(store.chunk(blob, 2).await.unwrap().unwrap(), b"89");
    assert!(store.chunk(blob, 3).await.unwrap().is_none());
    assert_eq!(store.content_bytes().await.unwrap(), 10);
}

#[wasm_bindgen_test]
async fn the_event_log_keeps_the_newest_events_over_many_batches_and_drops_the_older_records() {
    use csc_core::events::Event;
    use csc_core::store::LoggedEvent;

    let (name, store) = fresh("event-log").await;
    // 2,500 events in batches of 37 (a batch's events are one record): numbers cross the
    // trimming points at every phase.
    let mut at = 0;
    while at < 2500 {
        let mut batch = Batch::new();
        for _ in 0..37 {
            batch.push(Write::LogEvent(LoggedEvent {
                at: Millis(at),
                event: Event::Ping,
            }));
            at += 1;
        }
        store.commit(batch).await.unwrap();
    }
    let log: Vec<i64> = store
        .event_log()
        .await
        .unwrap()
        .iter()
        .map(|e| e.at.0)
        .collect();
    let newest: Vec<i64> = (at - 1000..at).collect();
    assert_eq!(log, newest, "the newest 1,000 events, oldest first");
    store.close();

    // What the database holds: the records of about 1,000 events plus what accumulates
    // between trims (64 events) and one record's worth, not all 2,516.
    let (db, events) = raw_store(&name, "events").await;
    let records = events.count(None).unwrap().await.unwrap();
    db.close();
    let most = (1000 + 64 + 37) / 37 + 1;
    assert!(
        records <= most,
        "{records} event records are kept; at most {most} hold the newest 1,000 events"
    );
    assert!(
        records >= 1000 / 37,
        "{records} records cannot hold 1,000 events"
    );
}
