//! The store contracts as tests: every `LocalStore` and `RemoteStore` implementation (the
//! in-memory ones here, IndexedDB and WebDAV in their crates) must pass them.
//!
//! Each function takes a fresh, empty store (and an executor to drive it, since the IndexedDB
//! and fetch stores need the browser's) and panics with a message naming the broken rule.

use csc_core::events::Event;
use csc_core::store::{
    Batch, ChunkStream, CommitError, Expect, LocalStore, LoggedEvent, Partial, RemoteError,
    RemoteStore, ShareRecord, Write, WriteInfo,
};
use csc_core::win::SyncState;
use csc_core::{
    CacheEntry, CaseRule, ConflictRecord, Connectivity, Epoch, ItemPath, LocalChanges, LocalItem,
    LocalMeta, Meta, Millis, Pins, Precondition, Presence, RemoteEntry, Share, ShareState, Version,
};

use crate::p;

fn file(path: &str, version: &str) -> CacheEntry {
    CacheEntry::synced(p(path), Meta::file(version, 3, Millis(1), None), Pins::NONE)
}

fn dir(path: &str) -> CacheEntry {
    CacheEntry::synced(p(path), Meta::dir("d", Millis(1)), Pins::NONE)
}

fn put(entry: CacheEntry, expect: Expect) -> Write {
    Write::PutItem {
        entry,
        blob: None,
        moved_from: None,
        expect,
    }
}

fn one(w: Write) -> Batch {
    Batch { writes: vec![w] }
}

/// The LocalStore contract, checked on the empty store `store`.
pub async fn local_store_contract<L: LocalStore>(store: &L) {
    // Items: revisions are fresh on every write, expectations are checked.
    let revs = store
        .commit(one(put(dir("d"), Expect::Absent)))
        .await
        .expect("a new item commits");
    let d_rev = revs[0];
    let revs = store
        .commit(one(put(file("d/f", "1"), Expect::Absent)))
        .await
        .expect("a child of an existing folder commits");
    let f_rev = revs[0];
    assert!(f_rev > d_rev, "revisions grow");
    assert!(
        matches!(
            store
                .commit(one(put(file("d/f", "2"), Expect::Absent)))
                .await,
            Err(CommitError::Conflict(_))
        ),
        "Expect::Absent on an existing item must be a conflict"
    );
    assert!(
        matches!(
            store
                .commit(one(put(file("d/f", "2"), Expect::Rev(f_rev + 1000))))
                .await,
            Err(CommitError::Conflict(_))
        ),
        "a wrong revision must be a conflict"
    );
    let revs = store
        .commit(one(put(file("d/f", "2"), Expect::Rev(f_rev))))
        .await
        .expect("the right revision commits");
    let f_rev2 = revs[0];
    assert!(f_rev2 > f_rev, "a rewrite gets a new revision");

    // Atomicity: a batch whose second write fails writes nothing.
    let mut batch = Batch::new();
    batch.push(put(file("d/g", "1"), Expect::Absent));
    batch.push(put(file("d/f", "3"), Expect::Rev(f_rev)));
    assert!(
        store.commit(batch).await.is_err(),
        "a stale write fails its batch"
    );
    assert!(
        store.item(&p("d/g")).await.unwrap().is_none(),
        "a failed batch must write nothing"
    );

    // The tree stays valid.
    assert!(
        matches!(
            store
                .commit(one(put(file("nowhere/x", "1"), Expect::Absent)))
                .await,
            Err(CommitError::Conflict(_))
        ),
        "an item without its folder must be refused"
    );
    assert!(
        matches!(
            store
                .commit(one(Write::DeleteItem {
                    path: p("d"),
                    rev: d_rev
                }))
                .await,
            Err(CommitError::Conflict(_))
        ),
        "removing a folder that holds items must be refused"
    );
    // A synced item becomes a tombstone when deleted offline.
    let mut tomb = file("d/f", "2");
    tomb.local.presence = Presence::Deleted;
    store
        .commit(one(put(tomb, Expect::Rev(f_rev2))))
        .await
        .expect("a tombstone commits");

    // Content: staged chunks, read back in order, dropped with the batch that drops them.
    let blob = store.create_blob().await.unwrap();
    store.put_chunk(blob, 0, b"hel").await.unwrap();
    store.put_chunk(blob, 1, b"lo").await.unwrap();
    assert_eq!(store.chunk(blob, 0).await.unwrap().unwrap(), b"hel");
    assert_eq!(store.chunk(blob, 1).await.unwrap().unwrap(), b"lo");
    assert!(
        store.chunk(blob, 2).await.unwrap().is_none(),
        "no chunk past the end"
    );
    assert!(store.blobs().await.unwrap().contains(&blob));
    let mut live = file("d/h", "1");
    live.local = LocalItem::with_meta(
        csc_core::ItemKind::File,
        Presence::Full,
        LocalChanges::CREATED | LocalChanges::DATA,
        LocalMeta {
            size: 5,
            modified: Millis(2),
            attributes: 0,
            hash: None,
            link_target: None,
        },
    );
    live.original = None;
    let revs = store
        .commit(one(Write::PutItem {
            entry: live,
            blob: Some(blob),
            moved_from: Some(p("d/old")),
            expect: Expect::Absent,
        }))
        .await
        .unwrap();
    let stored = store.item(&p("d/h")).await.unwrap().unwrap();
    assert_eq!(
        (stored.blob, stored.moved_from.clone(), stored.rev),
        (Some(blob), Some(p("d/old")), revs[0]),
        "an item keeps its blob, rename record and revision"
    );
    // A partial download is recorded without a new revision, and a rewrite forgets it.
    let part = store.create_blob().await.unwrap();
    store.put_chunk(part, 0, b"par").await.unwrap();
    let partial = Partial {
        blob: part,
        version: Version::new("v9"),
        bytes: 3,
    };
    store
        .commit(one(Write::SetPartial {
            path: p("d/h"),
            rev: revs[0],
            partial: Some(partial.clone()),
        }))
        .await
        .expect("a partial download is recorded at the item's revision");
    let stored = store.item(&p("d/h")).await.unwrap().unwrap();
    assert_eq!(
        (stored.partial, stored.rev),
        (Some(partial), revs[0]),
        "recording a partial download keeps the revision"
    );
    assert!(
        matches!(
            store
                .commit(one(Write::SetPartial {
                    path: p("d/h"),
                    rev: revs[0] + 1000,
                    partial: None,
                }))
                .await,
            Err(CommitError::Conflict(_))
        ),
        "a partial download at a wrong revision is a conflict"
    );
    let mut batch = Batch::new();
    batch.push(Write::SetPartial {
        path: p("d/h"),
        rev: revs[0],
        partial: None,
    });
    batch.push(Write::DropBlob(part));
    batch.push(Write::DeleteItem {
        path: p("d/h"),
        rev: revs[0],
    });
    batch.push(Write::DropBlob(blob));
    store.commit(batch).await.unwrap();
    assert!(
        !store.blobs().await.unwrap().contains(&blob),
        "a dropped blob is gone"
    );

    // Reserved blobs: numbers no other blob has, content written with its item in one batch;
    // one left unused is dropped without error.
    let reserved = store.reserve_blobs(2).await.unwrap();
    let other = store.create_blob().await.unwrap();
    assert!(
        reserved[0] != reserved[1] && !reserved.contains(&other) && !reserved.contains(&part),
        "reserved blob numbers are never handed out again: {reserved:?}, then {other:?}"
    );
    let mut batch = Batch::new();
    batch.push(Write::PutChunk {
        blob: reserved[0],
        index: 0,
        bytes: b"with its item".to_vec(),
    });
    batch.push(Write::PutItem {
        entry: file("d/r", "1"),
        blob: Some(reserved[0]),
        moved_from: None,
        expect: Expect::Absent,
    });
    store.commit(batch).await.unwrap();
    assert_eq!(
        store.chunk(reserved[0], 0).await.unwrap().unwrap(),
        b"with its item"
    );
    assert!(store.blobs().await.unwrap().contains(&reserved[0]));
    let mut batch = Batch::new();
    batch.push(Write::DropBlob(reserved[1]));
    batch.push(Write::DropBlob(other));
    store
        .commit(batch)
        .await
        .expect("an unused reserved blob drops like any other");
    assert!(!store.blobs().await.unwrap().contains(&other));

    // Share record, listing, conflicts, settings, event log.
    let record = ShareRecord {
        token: Some("t1".into()),
        ..ShareRecord::new(ShareState {
            share: Share::new("https://h.example/dav/", CaseRule::Sensitive).unwrap(),
            connectivity: Connectivity::Online,
            epoch: Some(Epoch("e".into())),
        })
    };
    let entry = |path: &str| RemoteEntry {
        path: p(path),
        meta: Meta::dir("v", Millis(1)),
    };
    let conflict = ConflictRecord {
        path: p("d/f"),
        detected: Millis(5),
        state: SyncState::FileChangedOnClientChangedOnServer,
        changes: Default::default(),
        local: None,
        remote: None,
        original: None,
    };
    let mut batch = Batch::new();
    batch.push(Write::PutShare(record.clone()));
    batch.push(Write::ReplaceListing(vec![
        entry("a"),
        entry("a/b"),
        entry("c"),
    ]));
    batch.push(Write::ListingRemove(p("a")));
    batch.push(Write::ListingPut(entry("e")));
    batch.push(Write::PutConflict(conflict.clone()));
    batch.push(Write::PutSetting {
        name: "BackgroundSyncPeriod".into(),
        value: Some("360".into()),
    });
    for i in 0..1005 {
        batch.push(Write::LogEvent(LoggedEvent {
            at: Millis(i),
            event: Event::Ping,
        }));
    }
    store.commit(batch).await.unwrap();
    let snap = store.load().await.unwrap();
    assert_eq!(snap.share, Some(record), "the share record round-trips");
    let listed: Vec<&str> = snap.listing.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        listed,
        ["c", "e"],
        "a listing removal takes the subtree, in path order"
    );
    assert_eq!(snap.conflicts, vec![conflict]);
    assert_eq!(
        store
            .setting("BackgroundSyncPeriod")
            .await
            .unwrap()
            .as_deref(),
        Some("360")
    );
    let log = store.event_log().await.unwrap();
    assert!(log.len() <= 1000, "the event log is bounded");
    assert_eq!(
        log.last().map(|e| e.at),
        Some(Millis(1004)),
        "the log keeps the newest events"
    );
    let mut batch = Batch::new();
    batch.push(Write::DeleteConflict(p("d/f")));
    batch.push(Write::PutSetting {
        name: "BackgroundSyncPeriod".into(),
        value: None,
    });
    store.commit(batch).await.unwrap();
    assert!(store.load().await.unwrap().conflicts.is_empty());
    assert!(
        store
            .setting("BackgroundSyncPeriod")
            .await
            .unwrap()
            .is_none()
    );
    let items: Vec<ItemPath> = store
        .load()
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|s| s.entry.path)
        .collect();
    assert_eq!(items, [p("d"), p("d/f"), p("d/r")], "load lists every item");
    expectations_in_large_batches(store).await;
}

/// Expectations are checked however many a batch holds: a store may read them together (the
/// IndexedDB cache reads a range of keys), and must still see each one, also when a large
/// folder sorts between them.
async fn expectations_in_large_batches<L: LocalStore>(store: &L) {
    let names: Vec<String> = (0..6)
        .map(|i| format!("many/a{i:02}"))
        .chain((0..6).map(|i| format!("many/z{i:02}")))
        .collect();
    let mut batch = Batch::new();
    batch.push(put(dir("many"), Expect::Absent));
    batch.push(put(dir("many/m"), Expect::Absent));
    for i in 0..80 {
        batch.push(put(file(&format!("many/m/f{i:02}"), "1"), Expect::Absent));
    }
    for name in &names {
        batch.push(put(file(name, "1"), Expect::Absent));
    }
    let revs = store
        .commit(batch)
        .await
        .expect("a folder of new items commits");
    let first: Vec<u64> = revs[82..].to_vec();

    // All twelve at their revisions, with the 80 items of many/m between them in key order.
    let rewrite = |version: &str, revs: &[u64]| {
        let mut batch = Batch::new();
        for (name, rev) in names.iter().zip(revs) {
            batch.push(put(file(name, version), Expect::Rev(*rev)));
        }
        batch
    };
    let second = store
        .commit(rewrite("2", &first))
        .await
        .expect("twelve items at their revisions commit together");
    // One stale expectation among twelve refuses the batch.
    let mut stale = second.clone();
    stale[11] = first[11];
    assert!(
        matches!(
            store.commit(rewrite("3", &stale)).await,
            Err(CommitError::Conflict(_))
        ),
        "a stale revision among many must be a conflict"
    );
    // And an item expected at a revision that is gone.
    let mut gone = rewrite("3", &second);
    gone.push(put(file("many/b00", "3"), Expect::Rev(second[0])));
    assert!(
        matches!(store.commit(gone).await, Err(CommitError::Conflict(_))),
        "an absent item expected at a revision must be a conflict"
    );
    for name in &names {
        let stored = store.item(&p(name)).await.unwrap().expect("still there");
        assert_eq!(
            stored.entry.original.as_ref().map(|m| m.version.as_str()),
            Some("2"),
            "a refused batch writes nothing ({name})"
        );
    }
    // Without a large folder between them, too (the items of one folder, as a sync's group).
    let third = store
        .commit({
            let mut batch = Batch::new();
            for (i, rev) in second.iter().enumerate().take(6) {
                batch.push(put(file(&names[i], "4"), Expect::Rev(*rev)));
            }
            for i in 0..6 {
                batch.push(put(file(&format!("many/m/f{i:02}"), "4"), Expect::Rev(0)));
            }
            batch
        })
        .await;
    assert!(
        matches!(third, Err(CommitError::Conflict(_))),
        "items expected at a revision they never had must be a conflict"
    );
}

struct Bytes(Option<Vec<u8>>);

impl ChunkStream for Bytes {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, RemoteError> {
        Ok(self.0.take())
    }
}

async fn read_all<R: RemoteStore>(store: &R, path: &str) -> Vec<u8> {
    let (_, mut body) = store.read(&p(path), None, None).await.unwrap();
    let mut out = Vec::new();
    while let Some(c) = body.next_chunk().await.unwrap() {
        out.extend(c);
    }
    out
}

fn info(len: usize) -> WriteInfo {
    WriteInfo {
        size: len as u64,
        modified: Millis(7),
        attributes: 0,
    }
}

/// The RemoteStore contract, checked on the empty share `store`.
pub async fn remote_store_contract<R: RemoteStore>(store: &R) {
    let full = store.list(None).await.expect("an empty share lists");
    assert!(!full.delta && full.entries.is_empty());
    let token = full.token.clone();

    store
        .make_dir(&p("d"))
        .await
        .expect("MKCOL creates a folder");
    assert!(
        matches!(
            store.make_dir(&p("d")).await,
            Err(RemoteError::Conflict { .. })
        ),
        "MKCOL on an existing folder is refused"
    );
    assert!(
        matches!(
            store.make_dir(&p("x/y")).await,
            Err(RemoteError::Conflict { .. })
        ),
        "MKCOL without its parent is refused"
    );
    let v1 = store
        .write(
            &p("d/f"),
            &Precondition::MustNotExist,
            &info(3),
            Bytes(Some(b"one".to_vec())),
        )
        .await
        .expect("If-None-Match: * creates");
    assert!(
        matches!(
            store
                .write(
                    &p("d/f"),
                    &Precondition::MustNotExist,
                    &info(3),
                    Bytes(Some(b"two".to_vec()))
                )
                .await,
            Err(RemoteError::PreconditionFailed(_))
        ),
        "If-None-Match: * on an existing file fails"
    );
    let v2 = store
        .write(
            &p("d/f"),
            &Precondition::Version(v1.version.clone()),
            &info(3),
            Bytes(Some(b"two".to_vec())),
        )
        .await
        .expect("If-Match with the current version writes");
    assert_ne!(v1.version, v2.version, "a write gives a new version");
    assert!(
        matches!(
            store
                .write(
                    &p("d/f"),
                    &Precondition::Version(v1.version.clone()),
                    &info(5),
                    Bytes(Some(b"three".to_vec()))
                )
                .await,
            Err(RemoteError::PreconditionFailed(_))
        ),
        "If-Match with a stale version fails and writes nothing"
    );
    assert_eq!(read_all(store, "d/f").await, b"two");
    assert!(
        matches!(
            store.read(&p("d/f"), Some(&v1.version), None).await,
            Err(RemoteError::PreconditionFailed(_))
        ),
        "a read expecting a stale version fails"
    );
    let (_, mut part) = store.read(&p("d/f"), None, Some(1..3)).await.unwrap();
    let mut bytes = Vec::new();
    while let Some(c) = part.next_chunk().await.unwrap() {
        bytes.extend(c);
    }
    assert_eq!(bytes, b"wo", "a range read returns the range");

    // Moves and deletes carry the version they expect.
    assert!(
        matches!(
            store.move_item(&p("d/f"), &p("d/g"), &v1.version).await,
            Err(RemoteError::PreconditionFailed(_))
        ),
        "MOVE with a stale version fails"
    );
    let moved = store
        .move_item(&p("d/f"), &p("d/g"), &v2.version)
        .await
        .expect("MOVE with the current version moves");
    assert_eq!(read_all(store, "d/g").await, b"two");
    store.make_dir(&p("e")).await.unwrap();
    let e = store.list(None).await.unwrap();
    let e_version = e
        .entries
        .iter()
        .find(|x| x.path == p("e"))
        .unwrap()
        .meta
        .version
        .clone();
    assert!(
        matches!(
            store.move_item(&p("d/g"), &p("e"), &moved.version).await,
            Err(RemoteError::PreconditionFailed(_))
        ),
        "MOVE onto an existing item fails (Overwrite: F)"
    );
    assert!(
        matches!(
            store.delete(&p("d/g"), &v2.version).await,
            Err(RemoteError::PreconditionFailed(_))
        ),
        "DELETE with a stale version fails"
    );
    assert!(
        matches!(
            store.delete(&p("nothing"), &v2.version).await,
            Err(RemoteError::NotFound(_))
        ),
        "DELETE of a missing item is NotFound"
    );
    store
        .delete(&p("e"), &e_version)
        .await
        .expect("DELETE with the current version");

    // A delta since the first token names what changed.
    if let Some(token) = token {
        match store.list(Some(&token)).await {
            Ok(delta) => {
                assert!(delta.delta, "a listing with a token is a delta");
                let changed: Vec<&str> = delta.entries.iter().map(|e| e.path.as_str()).collect();
                assert!(
                    changed.contains(&"d") && changed.contains(&"d/g"),
                    "{changed:?}"
                );
                assert!(
                    delta.removed.contains(&p("e")) || !changed.contains(&"e"),
                    "a removed item is not listed as present"
                );
            }
            Err(RemoteError::TokenExpired) => {}
            Err(e) => panic!("a delta listing failed: {e}"),
        }
    }
    let full = store.list(None).await.unwrap();
    let listed: Vec<&str> = full.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        listed,
        ["d", "d/g"],
        "a full listing lists everything, in path order"
    );
}
