//! `IdbLocal`: one share's cache in an IndexedDB database.

use csc_core::plan::ConflictRecord;
use csc_core::store::{
    Batch, BlobId, CommitError, Expect, LocalError, LocalSnapshot, LocalStore, LoggedEvent, Rev,
    ShareRecord, StoredItem, Write,
};
use csc_core::{ItemPath, Presence, RemoteEntry};
use idb::{
    Database, Factory, IndexParams, KeyPath, KeyRange, ObjectStore, ObjectStoreParams, Query,
    Transaction, TransactionMode, TransactionResult,
};
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::future::IntoFuture;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::Serialize;
use serde::de::DeserializeOwned;

use wasm_bindgen::{JsCast, JsValue};

use crate::bulk;
use crate::legacy;
use crate::schema::{self, ALL, ITEM_INDEXES};

/// One share's cache in an IndexedDB database.
#[derive(Debug)]
pub struct IdbLocal {
    db: Database,
    /// The same connection as web-sys sees it, for the requests made from JavaScript.
    raw: web_sys::IdbDatabase,
    share: String,
    /// The schema version this connection works with.
    version: u32,
    /// Set when another tab asked to upgrade the database: this connection closed itself so
    /// as not to block the upgrade, and every later call says so.
    closed_for_upgrade: Rc<Cell<bool>>,
    /// A limit on the bytes of content this store keeps (besides the browser's own quota).
    quota: Cell<Option<u64>>,
    /// Whether persistent storage was asked for (once, at the first pinned item).
    persist_asked: Cell<bool>,
}

/// File content for a bulk write: bytes in wasm memory, or a JS array that goes to
/// IndexedDB as it is.
enum Content<'a> {
    Bytes(&'a [u8]),
    Js(&'a Uint8Array),
}

impl Content<'_> {
    fn len(&self) -> u64 {
        match self {
            Content::Bytes(b) => b.len() as u64,
            Content::Js(a) => u64::from(a.length()),
        }
    }

    /// Issues the writes of the content as the chunks of blob `id`, `size` bytes each (a JS
    /// array is cut into views, not copied); returns how many chunks.
    fn issue(&self, content: &JsValue, id: BlobId, size: u32) -> u32 {
        match self {
            Content::Bytes(b) => bulk::put_chunks_wasm(content, id.0 as f64, b, size),
            Content::Js(a) => bulk::put_chunks_js(content, id.0 as f64, a, size),
        }
    }
}

/// Aborts a transaction when dropped, unless disarmed.
struct AbortOnDrop(Option<Transaction>);

impl AbortOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.abort();
        }
    }
}

/// The browser's storage figures for this site.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StorageEstimate {
    /// Bytes used by the site.
    pub usage: f64,
    /// Bytes the site may use.
    pub quota: f64,
    /// Whether the browser keeps the site's storage under pressure.
    pub persisted: bool,
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["navigator", "storage"], js_name = estimate, catch)]
    fn storage_estimate() -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["navigator", "storage"], js_name = persist, catch)]
    fn storage_persist() -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["navigator", "storage"], js_name = persisted, catch)]
    fn storage_persisted() -> Result<js_sys::Promise, JsValue>;
}

/// The browser's storage estimate for this site (`navigator.storage.estimate()` and
/// `persisted()`), for a storage meter.
pub async fn storage_estimate_now() -> Result<StorageEstimate, LocalError> {
    let call = |p: Result<js_sys::Promise, JsValue>| async move {
        let p = p.map_err(|e| failed("navigator.storage", e))?;
        wasm_bindgen_futures::JsFuture::from(p)
            .await
            .map_err(|e| failed("navigator.storage", e))
    };
    let estimate = call(storage_estimate()).await?;
    let persisted = call(storage_persisted()).await?;
    Ok(StorageEstimate {
        usage: get_field(&estimate, "usage").as_f64().unwrap_or(0.0),
        quota: get_field(&estimate, "quota").as_f64().unwrap_or(0.0),
        persisted: persisted.as_bool().unwrap_or(false),
    })
}

/// What every call answers once a newer version of the app upgraded the database.
fn upgraded() -> LocalError {
    LocalError::Failed(
        "the cache was upgraded by a newer version of the app in another tab; reload this page to use it".into(),
    )
}

fn failed(what: &str, e: impl std::fmt::Debug) -> LocalError {
    let text = format!("{e:?}");
    if text.contains("QuotaExceeded") {
        return LocalError::QuotaExceeded;
    }
    LocalError::Failed(format!("IndexedDB: {what} failed: {text}"))
}

fn encode<T: Serialize>(value: &T) -> JsValue {
    let bytes = postcard::to_allocvec(value).expect("the cache's records always encode");
    Uint8Array::from(bytes.as_slice()).into()
}

fn decode<T: DeserializeOwned>(what: &str, value: &JsValue) -> Result<T, LocalError> {
    let bytes: Uint8Array = value
        .clone()
        .dyn_into()
        .map_err(|_| LocalError::Failed(format!("the cache's {what} record is not bytes")))?;
    postcard::from_bytes(&bytes.to_vec()).map_err(|e| {
        LocalError::Failed(format!(
            "the cache holds a {what} record that cannot be read ({e}); clear this site's storage to rebuild the cache"
        ))
    })
}

fn key2(a: &JsValue, b: &JsValue) -> JsValue {
    Array::of2(a, b).into()
}

fn skey(share: &str, second: &str) -> JsValue {
    key2(&JsValue::from_str(share), &JsValue::from_str(second))
}

/// Every key `[first, x]`: arrays sort after numbers and strings, so `[first, []]` is past
/// them all.
fn all_under(first: &JsValue) -> Result<Query, LocalError> {
    let lower: JsValue = Array::of1(first).into();
    let upper = key2(first, &Array::new().into());
    KeyRange::bound(&lower, &upper, Some(false), Some(false))
        .map(Query::from)
        .map_err(|e| failed("a key range", e))
}

/// Every key `[share, p]` with `p` strictly below `path`.
fn below(share: &str, path: &ItemPath) -> Result<Query, LocalError> {
    // '0' follows '/', so the range holds exactly the strings that start with `path/`.
    let lower = skey(share, &format!("{path}/"));
    let upper = skey(share, &format!("{path}0"));
    KeyRange::bound(&lower, &upper, Some(false), Some(true))
        .map(Query::from)
        .map_err(|e| failed("a key range", e))
}

fn flag(b: bool) -> JsValue {
    JsValue::from_f64(if b { 1.0 } else { 0.0 })
}

fn set(obj: &Object, key: &str, value: &JsValue) {
    Reflect::set(obj, &JsValue::from_str(key), value).expect("setting a field of a new object");
}

fn get_field(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Writes items' stored forms — the encoding, and beside it what the indexes and the tree
/// checks read — in one batch's transaction.
struct ItemWriter<'a> {
    /// The schema version the encoding follows.
    version: u32,
    /// The `items` store.
    items: JsValue,
    share: JsValue,
    /// Where a refused `add` records its path.
    failures: &'a Array,
}

impl ItemWriter<'_> {
    /// Issues the write of `item` without awaiting it (see `bulk`): with `add`, a refusal
    /// (the key exists) is recorded in `failures` and aborts the transaction.
    fn issue(&self, item: &StoredItem, conflict: Option<bool>, add: bool) {
        let entry = &item.entry;
        let parent = entry.path.parent();
        let mut flags = 0;
        for (on, bit) in [
            (entry.local.is_dirty(), bulk::DIRTY),
            (entry.pins.is_pinned(), bulk::PINNED),
            (entry.local.presence == Presence::Sparse, bulk::SPARSE),
            (entry.local.presence == Presence::Deleted, bulk::TOMB),
        ] {
            if on {
                flags |= bit;
            }
        }
        let data = legacy::encode_item(self.version, item);
        bulk::put_item(
            &self.items,
            &self.share,
            entry.path.as_str(),
            parent.as_ref().map_or("", ItemPath::as_str),
            flags,
            // Version 1 had no conflict flag; a store opened at version 1 (tests of the
            // upgrade) writes none. From version 4 only a conflicted item has one, so the
            // conflict index holds only those.
            match conflict {
                Some(false) if self.version >= 4 => -1,
                other => other.map_or(-1, i32::from),
            },
            item.rev as f64,
            &data,
            add,
            self.failures,
        );
    }
}

/// Why IndexedDB aborted `tx` (a full disk or quota, most often), as an error.
fn abort_reason(tx: &Transaction) -> LocalError {
    match tx.error() {
        Some(e) if e.name() == "QuotaExceededError" => LocalError::QuotaExceeded,
        Some(e) => LocalError::Failed(format!(
            "IndexedDB aborted the transaction: {}: {}",
            e.name(),
            e.message()
        )),
        None => LocalError::Failed("IndexedDB aborted the transaction".into()),
    }
}

/// A second handle on `tx`, to read why it ended after the first is consumed.
fn twin(tx: &Transaction) -> Option<Transaction> {
    tx.store_names()
        .first()
        .and_then(|name| tx.object_store(name).ok())
        .map(|store| store.transaction())
}

/// The error a failed batch reports: the item whose `Expect::Absent` failed, the browser's
/// reason for aborting the transaction, or what went wrong first.
fn explain(tx: &Transaction, failures: &Array, error: CommitError) -> CommitError {
    if let Some(path) = failures.get(0).as_string() {
        return CommitError::Conflict(format!("{path} was expected to be absent but is there"));
    }
    match tx.error() {
        Some(_) => CommitError::Store(abort_reason(tx)),
        None => error,
    }
}

/// Every record of `share` in `store`, decoded: `field` names the encoding in a record object
/// (items keep it in `data`), `None` when the record is the encoding. The records cross into
/// wasm memory as one array (see `bulk`).
async fn all_decoded<T: DeserializeOwned>(
    store: &ObjectStore,
    share: &str,
    field: Option<&str>,
    what: &str,
) -> Result<Vec<T>, LocalError> {
    let store: JsValue = store.clone().into();
    let pair: Array =
        wasm_bindgen_futures::JsFuture::from(bulk::get_all_encoded(&store, share, field))
            .await
            .map_err(|e| failed("a listing", e))?
            .unchecked_into();
    let all = pair.get(0).unchecked_into::<Uint8Array>().to_vec();
    let ends = pair.get(1).unchecked_into::<js_sys::Uint32Array>().to_vec();
    let mut start = 0;
    let mut out = Vec::with_capacity(ends.len());
    for end in ends {
        let end = end as usize;
        out.push(postcard::from_bytes(&all[start..end]).map_err(|e| {
            LocalError::Failed(format!(
                "the cache holds a {what} record that cannot be read ({e}); clear this site's storage to rebuild the cache"
            ))
        })?);
        start = end;
    }
    Ok(out)
}

/// The item in a stored record written at schema `version`.
fn item_at(version: u32, value: &JsValue) -> Result<StoredItem, LocalError> {
    let bytes: Uint8Array = get_field(value, "data")
        .dyn_into()
        .map_err(|_| LocalError::Failed("the cache's item record is not bytes".into()))?;
    legacy::decode_item(version, &bytes.to_vec()).map_err(|e| {
        LocalError::Failed(format!(
            "the cache holds an item record that cannot be read ({e}); clear this site's storage to rebuild the cache"
        ))
    })
}

/// The revision of a stored item record (a field beside the encoding).
fn rev_of(value: &JsValue) -> Rev {
    get_field(value, "rev").as_f64().unwrap_or(0.0) as Rev
}

async fn get(store: &ObjectStore, key: JsValue) -> Result<Option<JsValue>, LocalError> {
    store
        .get(Query::from(key))
        .map_err(|e| failed("a read", e))?
        .await
        .map_err(|e| failed("a read", e))
}

async fn put(store: &ObjectStore, key: &JsValue, value: &JsValue) -> Result<(), LocalError> {
    store
        .put(value, Some(key))
        .map_err(|e| failed("a write", e))?
        .await
        .map_err(|e| failed("a write", e))?;
    Ok(())
}

async fn delete(store: &ObjectStore, query: Query) -> Result<(), LocalError> {
    store
        .delete(query)
        .map_err(|e| failed("a deletion", e))?
        .await
        .map_err(|e| failed("a deletion", e))
}

async fn counter(meta: &ObjectStore, name: &str) -> Result<u64, LocalError> {
    Ok(get(meta, JsValue::from_str(name))
        .await?
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0) as u64)
}

/// Takes the next `count` blob numbers from the counter in `meta` (inside the caller's
/// transaction, so two writers never get the same number).
async fn take_blob_numbers(meta: &ObjectStore, count: usize) -> Result<Vec<BlobId>, LocalError> {
    let first = counter(meta, "next_blob").await? + 1;
    let next = first + count as u64;
    put(
        meta,
        &JsValue::from_str("next_blob"),
        &JsValue::from_f64((next - 1) as f64),
    )
    .await?;
    Ok((first..next).map(BlobId).collect())
}

/// The counters a write transaction moves on, read together at its start (one round trip,
/// before any write is issued, so the writes then go out without waiting) and written back
/// at its end.
#[derive(Debug, Clone, Copy)]
struct Counters {
    next_rev: u64,
    next_event: u64,
    next_blob: u64,
    content_bytes: u64,
}

const COUNTERS: [&str; 4] = ["next_rev", "next_event", "next_blob", "content_bytes"];

impl Counters {
    async fn read(meta: &ObjectStore) -> Result<Counters, LocalError> {
        Self::issue_read(meta)?.await
    }

    /// Issues the reads now; the future collects them.
    fn issue_read(
        meta: &ObjectStore,
    ) -> Result<impl std::future::Future<Output = Result<Counters, LocalError>> + use<>, LocalError>
    {
        let mut requests = Vec::with_capacity(COUNTERS.len());
        for name in COUNTERS {
            requests.push(
                meta.get(Query::from(JsValue::from_str(name)))
                    .map_err(|e| failed("a read", e))?
                    .into_future(),
            );
        }
        Ok(Self::collect(requests))
    }

    async fn collect<F>(requests: Vec<F>) -> Result<Counters, LocalError>
    where
        F: std::future::Future<Output = Result<Option<JsValue>, idb::Error>>,
    {
        let mut values = [0u64; 4];
        for (value, request) in values.iter_mut().zip(requests) {
            *value = request
                .await
                .map_err(|e| failed("a read", e))?
                .and_then(|v| v.as_f64())
                .unwrap_or(0.0) as u64;
        }
        let [next_rev, next_event, next_blob, content_bytes] = values;
        Ok(Counters {
            next_rev,
            next_event,
            next_blob,
            content_bytes,
        })
    }

    /// Writes the counters back and waits for the last write: IndexedDB completes a
    /// transaction's requests in order, so its success means every request before it in the
    /// transaction succeeded.
    async fn write(&self, meta: &ObjectStore) -> Result<(), LocalError> {
        let values = [
            self.next_rev,
            self.next_event,
            self.next_blob,
            self.content_bytes,
        ];
        let mut last = None;
        for (name, value) in COUNTERS.into_iter().zip(values) {
            // Only the last request gets listeners (`into_future`): a request future dropped
            // before its request ends would leave a listener to a dropped closure, which
            // throws in the event handler and aborts the transaction.
            last = Some(
                meta.put(
                    &JsValue::from_f64(value as f64),
                    Some(&JsValue::from_str(name)),
                )
                .map_err(|e| failed("a write", e))?,
            );
        }
        if let Some(last) = last {
            last.into_future().await.map_err(|e| failed("a write", e))?;
        }
        Ok(())
    }
}

/// What a batch reads before it writes, all in one round trip: the counters, the paths with a
/// conflict record (few; for the items' conflict flags), and the state of the folders the
/// batch puts items into but does not write itself (`Some(tomb)`, `None` if absent) — those
/// cannot change in the batch, so the tree checks need not read them after the writes.
#[derive(Debug)]
struct Prelude {
    counters: Counters,
    conflicted: HashSet<String>,
    folders: HashMap<ItemPath, Option<bool>>,
    /// The revisions, before the batch, of the items it puts on condition of a revision.
    revs: HashMap<ItemPath, Option<Rev>>,
}

/// The bytes of the blob `id`'s chunks, read one chunk at a time.
async fn chunk_bytes(content: &ObjectStore, id: &JsValue) -> Result<u64, LocalError> {
    let mut total = 0u64;
    let mut index = 0u32;
    while let Some(v) = get(content, key2(id, &JsValue::from_f64(f64::from(index)))).await? {
        total += v
            .dyn_ref::<Uint8Array>()
            .map_or(0, |a| u64::from(a.length()));
        index += 1;
    }
    Ok(total)
}

/// Deletes the database `name` (every share in it).
pub async fn delete_database(name: &str) -> Result<(), LocalError> {
    let factory = Factory::new().map_err(|e| failed("opening IndexedDB", e))?;
    factory
        .delete(name)
        .map_err(|e| failed("deleting the database", e))?
        .await
        .map_err(|e| failed("deleting the database", e))
}

fn store_of(tx: &Transaction, name: &str) -> Result<ObjectStore, LocalError> {
    tx.object_store(name)
        .map_err(|e| failed("opening an object store", e))
}

/// The upgrade of the items from schema version `old` to `new`, in the upgrade's own
/// transaction: version 2 adds the `conflict` flag and index (filled in from the conflict
/// store), version 3 re-encodes every item with its time of last use. One pass over the items
/// does every step, so no step overwrites another's work.
fn upgrade_items(tx: Transaction, old: u32, new: u32) {
    let (conflict_flag, reencode) = (old < 2 && new >= 2, old < 3 && new >= 3);
    let Ok(items) = tx.object_store(schema::ITEMS) else {
        let _ = tx.abort();
        return;
    };
    // Version 4 drops the indexes nothing queries (see `schema::UNUSED_INDEXES`).
    if new >= 4
        && schema::UNUSED_INDEXES.iter().any(|name| {
            items.index_names().contains(&(*name).to_owned()) && items.delete_index(name).is_err()
        })
    {
        let _ = tx.abort();
        return;
    }
    if !conflict_flag && !reencode {
        return;
    }
    let (name, path) = schema::CONFLICT_INDEX;
    if conflict_flag
        && items
            .create_index(name, KeyPath::new_array(path), Some(IndexParams::new()))
            .is_err()
    {
        let _ = tx.abort();
        return;
    }
    // Only IndexedDB requests are awaited here, so the upgrade transaction stays open until the
    // pass is done; the open completes after it, and a failure aborts the whole upgrade (the
    // database stays at its old version, whole).
    wasm_bindgen_futures::spawn_local(async move {
        let pass = async {
            let items = store_of(&tx, schema::ITEMS)?;
            let conflicts = store_of(&tx, schema::CONFLICTS)?;
            let keys: Vec<JsValue> = items
                .get_all_keys(None, None)
                .map_err(|e| failed("reading items", e))?
                .await
                .map_err(|e| failed("reading items", e))?;
            for key in keys {
                let Some(value) = get(&items, key.clone()).await? else {
                    continue;
                };
                if conflict_flag {
                    let conflict = get(&conflicts, key.clone()).await?.is_some();
                    set(value.unchecked_ref(), "conflict", &flag(conflict));
                }
                if reencode {
                    let item = item_at(old, &value)?;
                    let data = legacy::encode_item(new, &item);
                    set(
                        value.unchecked_ref(),
                        "data",
                        &Uint8Array::from(data.as_slice()).into(),
                    );
                }
                put(&items, &key, &value).await?;
            }
            Ok::<(), LocalError>(())
        };
        if pass.await.is_err() {
            let _ = tx.abort();
        }
    });
}

/// Creates the stores of schema version 1.
fn create_v1(db: &Database) -> Result<(), idb::Error> {
    let items = db.create_object_store(schema::ITEMS, ObjectStoreParams::new())?;
    for (name, path) in ITEM_INDEXES {
        items.create_index(name, KeyPath::new_array(path), Some(IndexParams::new()))?;
    }
    for name in [
        schema::CONTENT,
        schema::BLOBS,
        schema::CONFLICTS,
        schema::LISTING,
        schema::SHARES,
        schema::EVENTS,
        schema::SETTINGS,
        schema::META,
    ] {
        db.create_object_store(name, ObjectStoreParams::new())?;
    }
    Ok(())
}

/// The paths a batch puts items at, and those it deletes.
fn batch_paths(batch: &Batch) -> (Vec<&ItemPath>, Vec<&ItemPath>) {
    let mut puts = Vec::new();
    let mut removed = Vec::new();
    for write in &batch.writes {
        match write {
            Write::PutItem { entry, .. } => puts.push(&entry.path),
            Write::DeleteItem { path, .. } => removed.push(path),
            _ => {}
        }
    }
    (puts, removed)
}

/// The items a batch puts on the condition that they are at a given revision.
fn expected_revs(batch: &Batch) -> Vec<&ItemPath> {
    batch
        .writes
        .iter()
        .filter_map(|w| match w {
            Write::PutItem {
                entry,
                expect: Expect::Rev(_),
                ..
            } => Some(&entry.path),
            _ => None,
        })
        .collect()
}

impl IdbLocal {
    /// Opens the cache of `share` in the database `name`, creating or upgrading it.
    pub async fn open(name: &str, share: &str) -> Result<IdbLocal, LocalError> {
        Self::open_at_version(name, share, schema::VERSION).await
    }

    /// Opens the database at an older schema `version` (≤ the current one), as an older
    /// release of the app would: for the upgrade tests.
    #[doc(hidden)]
    pub async fn open_at_version(
        name: &str,
        share: &str,
        version: u32,
    ) -> Result<IdbLocal, LocalError> {
        assert!(
            (1..=schema::VERSION).contains(&version),
            "schema version {version} is not one this code knows"
        );
        let factory = Factory::new().map_err(|e| {
            failed(
                "opening IndexedDB (is this a browser page or worker with storage allowed?)",
                e,
            )
        })?;
        let mut request = factory
            .open(name, Some(version))
            .map_err(|e| failed("opening the database", e))?;
        request.on_upgrade_needed(move |event| {
            use idb::event::DatabaseEvent as _;
            use idb::event::Event as _;
            use idb::request::Request as _;
            let Ok(db) = event.database() else { return };
            let old = event.old_version().unwrap_or(0);
            // Each step brings the schema one version up; a failure aborts the upgrade and the
            // open fails with the reason, leaving the database as it was.
            if old < 1 && create_v1(&db).is_err() {
                return;
            }
            if let Some(tx) = event.target().ok().and_then(|r| r.transaction()) {
                upgrade_items(tx, old, version);
            }
        });
        let db = request.await.map_err(|e| {
            if format!("{e:?}").contains("VersionError") {
                upgraded()
            } else {
                failed("opening the database", e)
            }
        })?;
        let raw: web_sys::IdbDatabase = db.into();
        let mut db = Database::from(raw.clone());
        // Another tab opening a newer schema must never wait on this one: close at once, and
        // answer every later call with an error that says to reload.
        let closed_for_upgrade = Rc::new(Cell::new(false));
        let flag = Rc::clone(&closed_for_upgrade);
        db.on_version_change(move |event: web_sys::Event| {
            if let Some(db) = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::IdbDatabase>().ok())
            {
                db.close();
            }
            flag.set(true);
        });
        Ok(IdbLocal {
            db,
            raw,
            share: share.to_owned(),
            version,
            closed_for_upgrade,
            quota: Cell::new(None),
            persist_asked: Cell::new(false),
        })
    }

    /// Closes the connection.
    pub fn close(&self) {
        self.db.close();
    }

    /// Limits the content this store keeps to `bytes` (`None`: only the browser's quota).
    /// A chunk that would pass it is refused as `QuotaExceeded`, as the browser's own
    /// QuotaExceededError is.
    pub fn set_quota(&self, bytes: Option<u64>) {
        self.quota.set(bytes);
    }

    /// The bytes of content this store keeps, for all shares of the database.
    pub async fn content_bytes(&self) -> Result<u64, LocalError> {
        let tx = self.tx(&[schema::META], TransactionMode::ReadOnly)?;
        counter(&store_of(&tx, schema::META)?, "content_bytes").await
    }

    /// Asks the browser to keep this site's storage under pressure
    /// (`navigator.storage.persist()`); the answer is the browser's.
    pub async fn request_persistence(&self) -> Result<bool, LocalError> {
        self.persist_asked.set(true);
        let p = storage_persist().map_err(|e| failed("navigator.storage.persist", e))?;
        Ok(wasm_bindgen_futures::JsFuture::from(p)
            .await
            .map_err(|e| failed("navigator.storage.persist", e))?
            .as_bool()
            .unwrap_or(false))
    }

    /// Stores many files' content in one transaction — a bulk import — and returns a new
    /// blob for each, for the batch that then commits the items (content is split into
    /// chunks of `chunk_size` bytes). The quota is kept as for `put_chunk`.
    pub async fn stage_files(
        &self,
        contents: &[&[u8]],
        chunk_size: usize,
    ) -> Result<Vec<BlobId>, LocalError> {
        let tx = self.tx(
            &[schema::BLOBS, schema::CONTENT, schema::META],
            TransactionMode::ReadWrite,
        )?;
        let contents: Vec<Content<'_>> = contents.iter().map(|c| Content::Bytes(c)).collect();
        let staged = async {
            let meta = store_of(&tx, schema::META)?;
            let mut counters = Counters::read(&meta).await?;
            let ids = self.stage_in(&tx, &contents, chunk_size, true, &mut counters)?;
            counters.write(&meta).await?;
            Ok::<_, LocalError>(ids)
        };
        match staged.await {
            Ok(ids) => {
                Self::finish(tx).await?;
                Ok(ids)
            }
            Err(e) => {
                let e = if tx.error().is_some() {
                    abort_reason(&tx)
                } else {
                    e
                };
                let _ = tx.abort();
                Err(e)
            }
        }
    }

    /// Adds files with their content in ONE transaction: the content, the items (each
    /// `Expect::Absent`) and the tree checks commit together or not at all — what an import
    /// of many small files, or an app saving a file, wants. Content is split into chunks of
    /// `chunk_size` bytes.
    pub async fn commit_files(
        &self,
        files: Vec<(csc_core::CacheEntry, Vec<u8>)>,
        chunk_size: usize,
    ) -> Result<Vec<Rev>, CommitError> {
        let (entries, bytes): (Vec<_>, Vec<_>) = files.into_iter().unzip();
        let contents = bytes.iter().map(|b| Content::Bytes(b)).collect();
        self.commit_contents(entries, contents, chunk_size).await
    }

    /// [`IdbLocal::commit_files`] with content already in JS arrays (a fetch body's chunks, a
    /// `File`'s bytes): it goes to IndexedDB without passing through wasm memory.
    pub async fn commit_files_js(
        &self,
        files: Vec<(csc_core::CacheEntry, Uint8Array)>,
        chunk_size: usize,
    ) -> Result<Vec<Rev>, CommitError> {
        let (entries, arrays): (Vec<_>, Vec<_>) = files.into_iter().unzip();
        let contents = arrays.iter().map(Content::Js).collect();
        self.commit_contents(entries, contents, chunk_size).await
    }

    async fn commit_contents(
        &self,
        entries: Vec<csc_core::CacheEntry>,
        contents: Vec<Content<'_>>,
        chunk_size: usize,
    ) -> Result<Vec<Rev>, CommitError> {
        let tx = self.tx(&ALL, TransactionMode::ReadWrite)?;
        let guard = AbortOnDrop(Some(store_of(&tx, schema::META)?.transaction()));
        let failures = Array::new();
        let result = async {
            let puts: Vec<&ItemPath> = entries.iter().map(|e| &e.path).collect();
            let mut prelude = self.prelude(&tx, &puts, &[], &[]).await?;
            let ids = self.stage_in(&tx, &contents, chunk_size, false, &mut prelude.counters)?;
            let mut batch = Batch::new();
            for (entry, id) in entries.into_iter().zip(ids) {
                batch.push(Write::PutItem {
                    entry,
                    blob: Some(id),
                    moved_from: None,
                    expect: Expect::Absent,
                });
            }
            let out = self.apply(&tx, batch, &failures, &mut prelude).await?;
            prelude
                .counters
                .write(&store_of(&tx, schema::META)?)
                .await?;
            Ok(out)
        }
        .await;
        guard.disarm();
        match result {
            Ok((revs, _)) => {
                Self::finish(tx).await?;
                Ok(revs)
            }
            Err(e) => {
                let e = explain(&tx, &failures, e);
                let _ = tx.abort();
                Err(e)
            }
        }
    }

    /// Stores content as new blobs inside `tx`.
    ///
    /// With `register`, each blob gets a registry record (its size): staged content that no
    /// item refers to yet must be listed by `blobs` so a crash leaves nothing unaccounted for.
    /// Content committed with its item needs none: the item lists it.
    fn stage_in(
        &self,
        tx: &Transaction,
        contents: &[Content<'_>],
        chunk_size: usize,
        register: bool,
        counters: &mut Counters,
    ) -> Result<Vec<BlobId>, LocalError> {
        let chunk_size = chunk_size.max(1);
        let blobs = store_of(tx, schema::BLOBS)?;
        let content = store_of(tx, schema::CONTENT)?;
        let first = counters.next_blob + 1;
        let added: u64 = contents.iter().map(Content::len).sum();
        let total = counters.content_bytes + added;
        if self.quota.get().is_some_and(|q| total > q) {
            return Err(LocalError::QuotaExceeded);
        }
        // Requests are issued, never awaited here: the transaction carries them out in order,
        // and the caller's last awaited request succeeds only if they all did (a failure
        // aborts the transaction and fails every later request).
        let content_js: JsValue = content.into();
        let size = u32::try_from(chunk_size).unwrap_or(u32::MAX);
        let mut ids = Vec::with_capacity(contents.len());
        for (i, bytes) in contents.iter().enumerate() {
            let id = BlobId(first + i as u64);
            ids.push(id);
            bytes.issue(&content_js, id, size);
            // An empty file has no chunk to show that its blob exists: it is registered.
            if register || bytes.len() == 0 {
                let idv = JsValue::from_f64(id.0 as f64);
                blobs
                    .put(
                        &JsValue::from_f64(bytes.len() as f64),
                        Some(&key2(&self.share_key(), &idv)),
                    )
                    .map_err(|e| failed("a write", e))?;
            }
        }
        counters.next_blob = first + contents.len() as u64 - 1;
        counters.content_bytes = total;
        Ok(ids)
    }

    /// Reads the first chunk of many blobs in one transaction (bulk export of small files).
    pub async fn first_chunks(&self, blobs: &[BlobId]) -> Result<Vec<Option<Vec<u8>>>, LocalError> {
        Ok(self
            .first_chunks_js(blobs)
            .await?
            .into_iter()
            .map(|c| c.map(|a| a.to_vec()))
            .collect())
    }

    /// [`IdbLocal::first_chunks`] as JS arrays, for a page: the bytes never pass through wasm
    /// memory.
    pub async fn first_chunks_js(
        &self,
        blobs: &[BlobId],
    ) -> Result<Vec<Option<Uint8Array>>, LocalError> {
        let tx = self.tx(&[schema::CONTENT], TransactionMode::ReadOnly)?;
        let content: JsValue = store_of(&tx, schema::CONTENT)?.into();
        let ids: Vec<f64> = blobs.iter().map(|b| b.0 as f64).collect();
        let ids = js_sys::Float64Array::from(ids.as_slice());
        let chunks: Array =
            wasm_bindgen_futures::JsFuture::from(bulk::get_chunks(&content, &ids, 0))
                .await
                .map_err(|e| failed("a read", e))?
                .unchecked_into();
        Ok(chunks
            .iter()
            .map(|c| c.dyn_into::<Uint8Array>().ok())
            .collect())
    }

    /// A file's content as a JS `Blob`, read chunk by chunk: the bytes go from IndexedDB to
    /// the Blob without passing through wasm memory, so a file of any size can be handed to
    /// the page (a download link, a `<video>`, `Response`).
    pub async fn blob_to_js(&self, blob: BlobId) -> Result<web_sys::Blob, LocalError> {
        let parts = Array::new();
        let id = JsValue::from_f64(blob.0 as f64);
        let mut index = 0u32;
        loop {
            let tx = self.tx(&[schema::CONTENT], TransactionMode::ReadOnly)?;
            let key = key2(&id, &JsValue::from_f64(f64::from(index)));
            match get(&store_of(&tx, schema::CONTENT)?, key).await? {
                Some(chunk) => {
                    parts.push(&chunk);
                    index += 1;
                }
                None => break,
            }
        }
        web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(|e| failed("making a Blob", e))
    }

    /// Every item of the share in `items`, decoded as this connection's schema version
    /// encodes them.
    async fn all_items(&self, items: &ObjectStore) -> Result<Vec<StoredItem>, LocalError> {
        if self.version >= 3 {
            all_decoded(items, &self.share, Some("data"), "item").await
        } else {
            let old: Vec<legacy::ItemV2> =
                all_decoded(items, &self.share, Some("data"), "item").await?;
            Ok(old.into_iter().map(StoredItem::from).collect())
        }
    }

    /// A file's content as a JS `ReadableStream` of its chunks (`Uint8Array`s), read from
    /// IndexedDB one chunk per pull — each in a short read-only transaction of its own — so a
    /// consumer that reads slowly holds no transaction open and no more than one chunk in
    /// memory: for `new Response(stream)`, a `<video>` through a service worker, or piping to
    /// a file.
    pub fn stream_to_js(&self, blob: BlobId) -> Result<web_sys::ReadableStream, LocalError> {
        if self.closed_for_upgrade.get() {
            return Err(upgraded());
        }
        Ok(bulk::content_stream(
            &self.raw,
            schema::CONTENT,
            blob.0 as f64,
        ))
    }

    /// Whether another tab's upgrade closed this connection.
    pub fn closed_for_upgrade(&self) -> bool {
        self.closed_for_upgrade.get()
    }

    fn tx(&self, stores: &[&str], mode: TransactionMode) -> Result<Transaction, LocalError> {
        if self.closed_for_upgrade.get() {
            return Err(upgraded());
        }
        self.db
            .transaction(stores, mode)
            .map_err(|e| failed("starting a transaction", e))
    }

    fn share_key(&self) -> JsValue {
        JsValue::from_str(&self.share)
    }

    fn path_key(&self, path: &ItemPath) -> JsValue {
        skey(&self.share, path.as_str())
    }

    /// Waits for `tx` to commit; if the browser aborts it instead (a full disk or quota is
    /// found at commit time), says why.
    async fn finish(tx: Transaction) -> Result<(), LocalError> {
        let twin = twin(&tx);
        match tx.await {
            Ok(TransactionResult::Committed) => Ok(()),
            Ok(TransactionResult::Aborted) => Err(twin.map_or_else(
                || LocalError::Failed("IndexedDB aborted the transaction".into()),
                |t| abort_reason(&t),
            )),
            Err(e) => Err(match twin {
                Some(t) if t.error().is_some() => abort_reason(&t),
                _ => failed("committing", e),
            }),
        }
    }

    /// Applies a batch inside `tx`; any error leaves the caller to abort.
    ///
    /// An item that `Expect::Absent` finds present is recorded in `failures` (its write is
    /// not awaited; see `bulk`), and `explain` names it.
    ///
    /// It starts from what `prelude` read; the counters are moved on in `prelude.counters`
    /// (the caller writes them back).
    async fn apply(
        &self,
        tx: &Transaction,
        batch: Batch,
        failures: &Array,
        prelude: &mut Prelude,
    ) -> Result<(Vec<Rev>, bool), CommitError> {
        let counters = &mut prelude.counters;
        let mut conflicted = std::mem::take(&mut prelude.conflicted);
        let items = store_of(tx, schema::ITEMS)?;
        let writer = ItemWriter {
            version: self.version,
            items: items.clone().into(),
            share: self.share_key(),
            failures,
        };
        let content = store_of(tx, schema::CONTENT)?;
        let blobs = store_of(tx, schema::BLOBS)?;
        let content_js: JsValue = content.clone().into();
        let conflicts = store_of(tx, schema::CONFLICTS)?;
        let listing = store_of(tx, schema::LISTING)?;
        let listing_js: JsValue = listing.clone().into();
        let shares = store_of(tx, schema::SHARES)?;
        let events = store_of(tx, schema::EVENTS)?;
        let events_js: JsValue = events.clone().into();
        let settings = store_of(tx, schema::SETTINGS)?;
        let mut next_rev = counters.next_rev;
        let mut next_event = counters.next_event;
        let mut content_bytes = counters.content_bytes;
        let mut pinned = false;
        let mut revs = Vec::new();
        let mut put_paths = Vec::new();
        let mut deleted_paths = Vec::new();
        // The events this batch logs, stored as one record (see `schema`).
        let logged = Array::new();
        let share = &self.share;
        // What this batch wrote, so the tree checks need not read it back: `Some(tomb)` for
        // an item put, `None` for one removed.
        let mut known: HashMap<ItemPath, Option<bool>> = HashMap::new();

        for write in batch.writes {
            match write {
                Write::PutItem {
                    entry,
                    blob,
                    moved_from,
                    expect,
                } => {
                    if let Expect::Rev(r) = expect {
                        // Read in the prelude, unless this batch wrote the item already.
                        let current = match prelude.revs.get(&entry.path) {
                            Some(rev) if !known.contains_key(&entry.path) => *rev,
                            _ => get(&items, self.path_key(&entry.path))
                                .await?
                                .map(|v| rev_of(&v)),
                        };
                        if current != Some(r) {
                            return Err(CommitError::Conflict(format!(
                                "{} was expected at revision {r} but is at {current:?}",
                                entry.path
                            )));
                        }
                    }
                    next_rev += 1;
                    revs.push(next_rev);
                    put_paths.push(entry.path.clone());
                    pinned |= entry.pins.is_pinned();
                    let tomb = entry.local.presence == Presence::Deleted;
                    let conflict =
                        (self.version >= 2).then(|| conflicted.contains(entry.path.as_str()));
                    let path = entry.path.clone();
                    let item = StoredItem {
                        entry,
                        rev: next_rev,
                        blob,
                        moved_from,
                        partial: None,
                    };
                    // Issued now, never awaited by itself: IndexedDB carries out a
                    // transaction's requests in order, so later reads see this write and the
                    // batch's last awaited request succeeds only if it did. `add` refuses an
                    // existing key, so `Expect::Absent` needs no read before the write.
                    writer.issue(&item, conflict, expect == Expect::Absent);
                    known.insert(path, Some(tomb));
                }
                Write::SetPartial { path, rev, partial } => {
                    let key = self.path_key(&path);
                    let mut item = match get(&items, key.clone()).await? {
                        Some(v) => item_at(self.version, &v)?,
                        None => {
                            return Err(CommitError::Conflict(format!(
                                "{path} was expected at revision {rev} but is gone"
                            )));
                        }
                    };
                    if item.rev != rev {
                        return Err(CommitError::Conflict(format!(
                            "{path} was expected at revision {rev} but is at {}",
                            item.rev
                        )));
                    }
                    item.partial = partial;
                    let conflict = self.conflict_flag(&conflicts, &key).await?;
                    writer.issue(&item, conflict, false);
                }
                Write::DeleteItem { path, rev } => {
                    let key = self.path_key(&path);
                    let current = get(&items, key.clone()).await?.map(|v| rev_of(&v));
                    if current != Some(rev) {
                        return Err(CommitError::Conflict(format!(
                            "{path} was expected at revision {rev} but is at {current:?}"
                        )));
                    }
                    delete(&items, Query::from(key)).await?;
                    known.insert(path.clone(), None);
                    deleted_paths.push(path);
                }
                Write::DropBlob(b) => {
                    let id = JsValue::from_f64(b.0 as f64);
                    let blob_key = key2(&self.share_key(), &id);
                    let size = match get(&blobs, blob_key.clone()).await? {
                        Some(v) => v.as_f64().unwrap_or(0.0) as u64,
                        // Committed with its item, unregistered: its chunks say its size.
                        None => chunk_bytes(&content, &id).await?,
                    };
                    content_bytes = content_bytes.saturating_sub(size);
                    delete(&blobs, Query::from(blob_key)).await?;
                    delete(&content, all_under(&id)?).await?;
                }
                Write::PutChunk { blob, index, bytes } => {
                    let added = bytes.len() as u64;
                    if self.quota.get().is_some_and(|q| content_bytes + added > q) {
                        return Err(CommitError::Store(LocalError::QuotaExceeded));
                    }
                    content_bytes += added;
                    let id = blob.0 as f64;
                    bulk::put_chunk(&content_js, id, index, &bytes);
                    // A reserved blob, committed with its item, has no record in `blobs`: its
                    // chunks say its size (as `commit_files` leaves a blob).
                }
                Write::PutConflict(r) => {
                    let key = self.path_key(&r.path);
                    put(&conflicts, &key, &encode(&r)).await?;
                    self.mark_conflict(&items, &key, true).await?;
                    conflicted.insert(r.path.as_str().to_owned());
                }
                Write::DeleteConflict(p) => {
                    let key = self.path_key(&p);
                    delete(&conflicts, Query::from(key.clone())).await?;
                    self.mark_conflict(&items, &key, false).await?;
                    conflicted.remove(p.as_str());
                }
                Write::PutShare(r) => {
                    put(&shares, &self.share_key(), &encode(&r)).await?;
                }
                Write::ReplaceListing(entries) => {
                    delete(&listing, all_under(&self.share_key())?).await?;
                    // Issued, not awaited one by one: a first listing of 10,000 entries took
                    // 3.3 s of round trips. A failed put aborts the transaction.
                    for e in &entries {
                        bulk::put_value(&listing_js, &self.path_key(&e.path), &encode(e));
                    }
                }
                Write::ListingPut(e) => {
                    bulk::put_value(&listing_js, &self.path_key(&e.path), &encode(&e));
                }
                Write::ListingRemove(p) => {
                    delete(&listing, Query::from(self.path_key(&p))).await?;
                    delete(&listing, below(share, &p)?).await?;
                }
                Write::LogEvent(e) => {
                    next_event += 1;
                    logged.push(&encode(&e));
                }
                Write::PutSetting { name, value } => {
                    let key = skey(share, &name);
                    match value {
                        Some(v) => put(&settings, &key, &JsValue::from_str(&v)).await?,
                        None => delete(&settings, Query::from(key)).await?,
                    }
                }
            }
        }

        // The tree after the batch: every item's folder is there and not deleted offline
        // under a live item; no removed folder left items behind.
        let mut folders = std::mem::take(&mut prelude.folders);
        for path in &put_paths {
            let Some(Some(tomb)) = known.get(path).copied() else {
                continue;
            };
            if let Some(parent) = path.parent().filter(|p| !p.is_root()) {
                let state = match known.get(&parent).or_else(|| folders.get(&parent)) {
                    Some(state) => *state,
                    None => {
                        let state = get(&items, self.path_key(&parent))
                            .await?
                            .map(|v| get_field(&v, "tomb").as_f64() == Some(1.0));
                        folders.insert(parent.clone(), state);
                        state
                    }
                };
                match state {
                    None => {
                        return Err(CommitError::Conflict(format!(
                            "{path} would be left without its folder"
                        )));
                    }
                    Some(parent_tomb) if parent_tomb && !tomb => {
                        return Err(CommitError::Conflict(format!(
                            "{path} would be left without its folder"
                        )));
                    }
                    Some(_) => {}
                }
            }
            if tomb {
                let children = self.children(&items, path).await?;
                if children
                    .iter()
                    .any(|c| get_field(c, "tomb").as_f64() != Some(1.0))
                {
                    return Err(CommitError::Conflict(format!(
                        "{path} is deleted while items below it stay"
                    )));
                }
            }
        }
        for path in &deleted_paths {
            if !self.children(&items, path).await?.is_empty() {
                return Err(CommitError::Conflict(format!(
                    "{path} would be removed while items below it stay"
                )));
            }
        }
        if logged.length() > 0 {
            let first = counters.next_event + 1;
            let key = key2(&self.share_key(), &JsValue::from_f64(first as f64));
            bulk::put_value(&events_js, &key, &logged);
            // Done when the event numbers cross a multiple of TRIM_EVERY, so the log holds
            // at most that many more than its capacity (and one batch's record) between
            // trims; `event_log` reads the newest `LOG_CAPACITY` only.
            if next_event / schema::TRIM_EVERY != counters.next_event / schema::TRIM_EVERY {
                let keep = next_event.saturating_sub(u64::from(schema::LOG_CAPACITY)) + 1;
                bulk::trim_log(&events_js, share, keep as f64);
            }
        }
        counters.next_rev = next_rev;
        counters.next_event = next_event;
        counters.content_bytes = content_bytes;
        Ok((revs, pinned))
    }

    /// Reads the batch's [`Prelude`]: every request is issued before any is awaited, and
    /// before any write, so none waits behind the batch's writes. `puts` are the paths the
    /// batch puts, `removed` those it deletes.
    async fn prelude(
        &self,
        tx: &Transaction,
        puts: &[&ItemPath],
        removed: &[&ItemPath],
        expect_rev: &[&ItemPath],
    ) -> Result<Prelude, LocalError> {
        let counters = Counters::issue_read(&store_of(tx, schema::META)?)?;
        let conflict_keys = if self.version >= 2 {
            Some(
                store_of(tx, schema::CONFLICTS)?
                    .get_all_keys(Some(all_under(&self.share_key())?), None)
                    .map_err(|e| failed("reading conflict keys", e))?
                    .into_future(),
            )
        } else {
            None
        };
        let written: HashSet<&ItemPath> = puts.iter().chain(removed).copied().collect();
        let mut parents: Vec<ItemPath> = puts
            .iter()
            .filter_map(|p| p.parent())
            .filter(|p| !p.is_root() && !written.contains(p))
            .collect();
        csc_core::sort::sort_dedup(&mut parents);
        let items = store_of(tx, schema::ITEMS)?;
        let mut folder_reads = Vec::with_capacity(parents.len());
        for parent in &parents {
            folder_reads.push(
                items
                    .get(Query::from(self.path_key(parent)))
                    .map_err(|e| failed("a read", e))?
                    .into_future(),
            );
        }
        // Many expected revisions (a group of downloads, usually one folder's files) are read
        // with one request over the key range that spans them, not a read each.
        let span = self.rev_span(&items, expect_rev)?;
        let read_each = || {
            expect_rev
                .iter()
                .map(|path| {
                    Ok(items
                        .get(Query::from(self.path_key(path)))
                        .map_err(|e| failed("a read", e))?
                        .into_future())
                })
                .collect::<Result<Vec<_>, LocalError>>()
        };
        let mut rev_reads = if span.is_none() {
            read_each()?
        } else {
            Vec::new()
        };
        let counters = counters.await?;
        let mut revs = HashMap::with_capacity(expect_rev.len());
        let spanned = match span {
            Some((read, limit)) => {
                let values = read.await.map_err(|e| failed("a read", e))?;
                // A range holding more records than the limit was cut short: read one by one.
                (values.len() < limit as usize).then_some(values)
            }
            None => None,
        };
        if let Some(values) = spanned {
            let found: HashMap<String, Rev> = values
                .iter()
                .filter_map(|v| get_field(v, "path").as_string().map(|p| (p, rev_of(v))))
                .collect();
            for path in expect_rev {
                revs.insert((*path).clone(), found.get(path.as_str()).copied());
            }
        } else {
            if rev_reads.is_empty() {
                rev_reads = read_each()?;
            }
            for (path, read) in expect_rev.iter().zip(rev_reads) {
                let rev = read
                    .await
                    .map_err(|e| failed("a read", e))?
                    .map(|v| rev_of(&v));
                revs.insert((*path).clone(), rev);
            }
        }
        let conflicted = match conflict_keys {
            Some(keys) => keys
                .await
                .map_err(|e| failed("reading conflict keys", e))?
                .iter()
                .filter_map(|k| k.dyn_ref::<Array>().and_then(|a| a.get(1).as_string()))
                .collect(),
            None => HashSet::new(),
        };
        let mut folders = HashMap::with_capacity(parents.len());
        for (parent, read) in parents.into_iter().zip(folder_reads) {
            let state = read
                .await
                .map_err(|e| failed("a read", e))?
                .map(|v| get_field(&v, "tomb").as_f64() == Some(1.0));
            folders.insert(parent, state);
        }
        Ok(Prelude {
            counters,
            conflicted,
            folders,
            revs,
        })
    }

    /// For many expected revisions, one read of the items between the first and the last of
    /// them in IndexedDB's key order (strings compare by UTF-16 code units), at most `limit`
    /// records; `None` for a few, which are read one by one.
    fn rev_span(
        &self,
        items: &ObjectStore,
        expect_rev: &[&ItemPath],
    ) -> Result<Option<(idb::request::GetAllStoreRequest, u32)>, LocalError> {
        const MIN_SPAN: usize = 8;
        if expect_rev.len() < MIN_SPAN {
            return Ok(None);
        }
        let order = |a: &&&ItemPath, b: &&&ItemPath| {
            a.as_str().encode_utf16().cmp(b.as_str().encode_utf16())
        };
        let low = expect_rev.iter().min_by(order);
        let high = expect_rev.iter().max_by(order);
        let (Some(low), Some(high)) = (low, high) else {
            return Ok(None);
        };
        let range = KeyRange::bound(
            &self.path_key(low),
            &self.path_key(high),
            Some(false),
            Some(false),
        )
        .map_err(|e| failed("a key range", e))?;
        // Room for the items themselves and as many others between them; a range with more
        // (a large folder sorted in between) is read one by one instead.
        let limit = u32::try_from(2 * expect_rev.len() + 32).unwrap_or(u32::MAX);
        let read = items
            .get_all(Some(Query::from(range)), Some(limit))
            .map_err(|e| failed("a read", e))?;
        Ok(Some((read, limit)))
    }

    /// The conflict flag an item written now carries (`None` at schema version 1).
    async fn conflict_flag(
        &self,
        conflicts: &ObjectStore,
        key: &JsValue,
    ) -> Result<Option<bool>, LocalError> {
        if self.version < 2 {
            return Ok(None);
        }
        Ok(Some(get(conflicts, key.clone()).await?.is_some()))
    }

    /// Sets the conflict flag of the item at `key`, if there is one.
    async fn mark_conflict(
        &self,
        items: &ObjectStore,
        key: &JsValue,
        conflict: bool,
    ) -> Result<(), LocalError> {
        if self.version < 2 {
            return Ok(());
        }
        if let Some(value) = get(items, key.clone()).await? {
            if conflict || self.version < 4 {
                set(value.unchecked_ref(), "conflict", &flag(conflict));
            } else {
                // Out of the conflict index (see `ItemWriter::issue`).
                let _ = Reflect::delete_property(
                    value.unchecked_ref::<Object>(),
                    &JsValue::from_str("conflict"),
                );
            }
            put(items, key, &value).await?;
        }
        Ok(())
    }

    /// The paths of the items that have a conflict record (the `conflict` index).
    /// The share record as stored: what the last sync of any page of this cache wrote (the
    /// health figures: last sync, last success, last result), without loading the items.
    pub async fn share_record(&self) -> Result<Option<ShareRecord>, LocalError> {
        let tx = self.tx(&[schema::SHARES], TransactionMode::ReadOnly)?;
        match get(&store_of(&tx, schema::SHARES)?, self.share_key()).await? {
            Some(v) => Ok(Some(decode::<ShareRecord>("share", &v)?)),
            None => Ok(None),
        }
    }

    /// The conflict store's records, by path, without loading the items (a conflict list is
    /// shown and refreshed far more often than a sync reads the whole cache).
    pub async fn conflict_records(&self) -> Result<Vec<ConflictRecord>, LocalError> {
        let tx = self.tx(&[schema::CONFLICTS], TransactionMode::ReadOnly)?;
        let mut records: Vec<ConflictRecord> = all_decoded(
            &store_of(&tx, schema::CONFLICTS)?,
            &self.share,
            None,
            "conflict",
        )
        .await?;
        csc_core::sort::sort_by(&mut records, |a, b| a.path.cmp(&b.path));
        Ok(records)
    }

    pub async fn conflicted_items(&self) -> Result<Vec<ItemPath>, LocalError> {
        let tx = self.tx(&[schema::ITEMS], TransactionMode::ReadOnly)?;
        let index = store_of(&tx, schema::ITEMS)?
            .index(schema::CONFLICT_INDEX.0)
            .map_err(|e| failed("opening the conflict index", e))?;
        let key = key2(&self.share_key(), &flag(true));
        let values = index
            .get_all(Some(Query::from(key)), None)
            .map_err(|e| failed("reading the conflict index", e))?
            .await
            .map_err(|e| failed("reading the conflict index", e))?;
        let mut paths = values
            .iter()
            .map(|v| item_at(self.version, v).map(|s| s.entry.path))
            .collect::<Result<Vec<_>, _>>()?;
        csc_core::sort::sort(&mut paths);
        Ok(paths)
    }

    /// Writes one chunk inside `tx`, keeping the byte counts and the quota.
    async fn stage(
        &self,
        tx: &Transaction,
        blob: BlobId,
        index: u32,
        bytes: &[u8],
    ) -> Result<(), LocalError> {
        let blobs = store_of(tx, schema::BLOBS)?;
        let content = store_of(tx, schema::CONTENT)?;
        let meta = store_of(tx, schema::META)?;
        let id = JsValue::from_f64(blob.0 as f64);
        let blob_key = key2(&self.share_key(), &id);
        let Some(blob_size) = get(&blobs, blob_key.clone()).await? else {
            return Err(LocalError::Failed(format!("blob {blob:?} does not exist")));
        };
        let key = key2(&id, &JsValue::from_f64(f64::from(index)));
        let old = get(&content, key.clone())
            .await?
            .and_then(|v| v.dyn_into::<Uint8Array>().ok())
            .map_or(0, |a| u64::from(a.length()));
        let total = counter(&meta, "content_bytes").await?;
        let new_total = total - old.min(total) + bytes.len() as u64;
        if let Some(q) = self.quota.get()
            && new_total > q
        {
            return Err(LocalError::QuotaExceeded);
        }
        put(&content, &key, &Uint8Array::from(bytes).into()).await?;
        let size = blob_size.as_f64().unwrap_or(0.0) - old as f64 + bytes.len() as f64;
        put(&blobs, &blob_key, &JsValue::from_f64(size)).await?;
        put(
            &meta,
            &JsValue::from_str("content_bytes"),
            &JsValue::from_f64(new_total as f64),
        )
        .await
    }

    async fn children(
        &self,
        items: &ObjectStore,
        path: &ItemPath,
    ) -> Result<Vec<JsValue>, LocalError> {
        let index = items
            .index("children")
            .map_err(|e| failed("opening the children index", e))?;
        index
            .get_all(Some(Query::from(self.path_key(path))), None)
            .map_err(|e| failed("listing a folder", e))?
            .await
            .map_err(|e| failed("listing a folder", e))
    }
}

impl LocalStore for IdbLocal {
    async fn load(&self) -> Result<LocalSnapshot, LocalError> {
        let tx = self.tx(
            &[
                schema::ITEMS,
                schema::LISTING,
                schema::CONFLICTS,
                schema::SHARES,
            ],
            TransactionMode::ReadOnly,
        )?;
        let share = &self.share;
        let mut items = self.all_items(&store_of(&tx, schema::ITEMS)?).await?;
        let mut listing: Vec<RemoteEntry> =
            all_decoded(&store_of(&tx, schema::LISTING)?, share, None, "listing").await?;
        let mut conflicts: Vec<ConflictRecord> =
            all_decoded(&store_of(&tx, schema::CONFLICTS)?, share, None, "conflict").await?;
        let share = get(&store_of(&tx, schema::SHARES)?, self.share_key()).await?;
        csc_core::sort::sort_by(&mut items, |a, b| a.entry.path.cmp(&b.entry.path));
        csc_core::sort::sort_by(&mut listing, |a, b| a.path.cmp(&b.path));
        csc_core::sort::sort_by(&mut conflicts, |a, b| a.path.cmp(&b.path));
        let share = match share {
            Some(v) => Some(decode::<ShareRecord>("share", &v)?),
            None => None,
        };
        Ok(LocalSnapshot {
            share,
            items,
            listing,
            conflicts,
        })
    }

    async fn item(&self, path: &ItemPath) -> Result<Option<StoredItem>, LocalError> {
        let tx = self.tx(&[schema::ITEMS], TransactionMode::ReadOnly)?;
        match get(&store_of(&tx, schema::ITEMS)?, self.path_key(path)).await? {
            Some(v) => Ok(Some(item_at(self.version, &v)?)),
            None => Ok(None),
        }
    }

    async fn create_blob(&self) -> Result<BlobId, LocalError> {
        let ids = self.create_blobs(1).await?;
        Ok(ids[0])
    }

    async fn create_blobs(&self, count: usize) -> Result<Vec<BlobId>, LocalError> {
        let tx = self.tx(&[schema::BLOBS, schema::META], TransactionMode::ReadWrite)?;
        let ids = take_blob_numbers(&store_of(&tx, schema::META)?, count).await?;
        let blobs: JsValue = store_of(&tx, schema::BLOBS)?.into();
        for id in &ids {
            let key = key2(&self.share_key(), &JsValue::from_f64(id.0 as f64));
            bulk::put_value(&blobs, &key, &JsValue::from_f64(1.0));
        }
        Self::finish(tx).await?;
        Ok(ids)
    }

    async fn reserve_blobs(&self, count: usize) -> Result<Vec<BlobId>, LocalError> {
        // Only the counter moves: the blobs get their record, if any, with their items (two
        // requests a file fewer than `create_blobs` in a first sync of small files).
        let tx = self.tx(&[schema::META], TransactionMode::ReadWrite)?;
        let ids = take_blob_numbers(&store_of(&tx, schema::META)?, count).await?;
        Self::finish(tx).await?;
        Ok(ids)
    }

    async fn put_chunk(&self, blob: BlobId, index: u32, bytes: &[u8]) -> Result<(), LocalError> {
        let tx = self.tx(
            &[schema::BLOBS, schema::CONTENT, schema::META],
            TransactionMode::ReadWrite,
        )?;
        match self.stage(&tx, blob, index, bytes).await {
            Ok(()) => Self::finish(tx).await,
            Err(e) => {
                let _ = tx.abort();
                Err(e)
            }
        }
    }

    async fn chunk(&self, blob: BlobId, index: u32) -> Result<Option<Vec<u8>>, LocalError> {
        let tx = self.tx(&[schema::BLOBS, schema::CONTENT], TransactionMode::ReadOnly)?;
        let id = JsValue::from_f64(blob.0 as f64);
        let content = store_of(&tx, schema::CONTENT)?;
        let key = key2(&id, &JsValue::from_f64(f64::from(index)));
        if let Some(v) = get(&content, key).await? {
            let bytes: Uint8Array = v
                .dyn_into()
                .map_err(|_| LocalError::Failed("a content chunk is not bytes".into()))?;
            return Ok(Some(bytes.to_vec()));
        }
        // Past the end of a blob that exists, or a blob that does not.
        let registered = get(&store_of(&tx, schema::BLOBS)?, key2(&self.share_key(), &id))
            .await?
            .is_some();
        let has_chunks = index > 0
            && get(&content, key2(&id, &JsValue::from_f64(0.0)))
                .await?
                .is_some();
        if registered || has_chunks {
            Ok(None)
        } else {
            Err(LocalError::Failed(format!("blob {blob:?} does not exist")))
        }
    }

    async fn blobs(&self) -> Result<Vec<BlobId>, LocalError> {
        // The registered blobs (staged, not yet an item's) and those the share's items hold.
        let tx = self.tx(&[schema::BLOBS, schema::ITEMS], TransactionMode::ReadOnly)?;
        let keys = store_of(&tx, schema::BLOBS)?
            .get_all_keys(Some(all_under(&self.share_key())?), None)
            .map_err(|e| failed("listing blobs", e))?
            .await
            .map_err(|e| failed("listing blobs", e))?;
        let items = self.all_items(&store_of(&tx, schema::ITEMS)?).await?;
        let mut ids: Vec<BlobId> = keys
            .iter()
            .filter_map(|k| k.dyn_ref::<Array>().and_then(|a| a.get(1).as_f64()))
            .map(|id| BlobId(id as u64))
            .collect();
        for item in items {
            ids.extend(item.blob);
            ids.extend(item.partial.map(|p| p.blob));
        }
        csc_core::sort::sort_dedup(&mut ids);
        Ok(ids)
    }

    async fn commit(&self, batch: Batch) -> Result<Vec<Rev>, CommitError> {
        let tx = self.tx(&ALL, TransactionMode::ReadWrite)?;
        // If this future is dropped part way (the caller gave up on it, the page navigates),
        // the requests already made would complete and IndexedDB would commit half a batch:
        // abort instead.
        let guard = AbortOnDrop(Some(store_of(&tx, schema::META)?.transaction()));
        let failures = Array::new();
        let applied = async {
            let (puts, removed) = batch_paths(&batch);
            let expect_rev = expected_revs(&batch);
            let mut prelude = self.prelude(&tx, &puts, &removed, &expect_rev).await?;
            let out = self.apply(&tx, batch, &failures, &mut prelude).await?;
            prelude
                .counters
                .write(&store_of(&tx, schema::META)?)
                .await?;
            Ok::<_, CommitError>(out)
        };
        match applied.await {
            Ok((revs, pinned)) => {
                guard.disarm();
                Self::finish(tx).await?;
                if pinned && !self.persist_asked.get() {
                    // The first pinned item: ask the browser to keep the cache under storage
                    // pressure (after the commit, never inside its transaction). The answer
                    // shows in `storage_estimate_now`.
                    let _ = self.request_persistence().await;
                }
                Ok(revs)
            }
            Err(e) => {
                // Nothing of a refused batch is written.
                guard.disarm();
                let e = explain(&tx, &failures, e);
                let _ = tx.abort();
                Err(e)
            }
        }
    }

    async fn event_log(&self) -> Result<Vec<LoggedEvent>, LocalError> {
        let tx = self.tx(&[schema::EVENTS], TransactionMode::ReadOnly)?;
        let mut log: Vec<LoggedEvent> =
            all_decoded(&store_of(&tx, schema::EVENTS)?, &self.share, None, "event").await?;
        let excess = log.len().saturating_sub(schema::LOG_CAPACITY as usize);
        log.drain(..excess);
        Ok(log)
    }

    async fn setting(&self, name: &str) -> Result<Option<String>, LocalError> {
        let tx = self.tx(&[schema::SETTINGS], TransactionMode::ReadOnly)?;
        Ok(
            get(&store_of(&tx, schema::SETTINGS)?, skey(&self.share, name))
                .await?
                .and_then(|v| v.as_string()),
        )
    }
}
