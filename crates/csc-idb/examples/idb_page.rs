//! The IndexedDB cache in a page of its own, for the end-to-end tests that need what a
//! wasm-bindgen-test page cannot do: close the page in the middle of a write, and lower the
//! browser's real quota (`tests/e2e/idb.test.mjs`, driven by Playwright; `cargo xtask test`
//! builds this with wasm-bindgen `--target web`).
//!
//! Each export opens the database it is given, so a test can close the page and look again
//! from a new one.

#![cfg(target_arch = "wasm32")]

use csc_core::store::{Batch, Expect, LocalError, LocalStore, Write};
use csc_core::{CacheEntry, Meta, Millis, Pins};
use csc_idb::IdbLocal;
use csc_testkit::mem::{Faults, MemRemote};
use csc_testkit::p;
use csc_testkit::rig::{list_share, open_engine};
use wasm_bindgen::prelude::*;

const SHARE: &str = "https://e2e.example/dav/";

fn js_error(e: impl std::fmt::Display) -> JsValue {
    js_sys::Error::new(&e.to_string()).into()
}

async fn open(name: &str) -> Result<IdbLocal, JsValue> {
    IdbLocal::open(name, SHARE).await.map_err(js_error)
}

fn folder(path: &str) -> Write {
    Write::PutItem {
        entry: CacheEntry::synced(p(path), Meta::dir("\"d\"", Millis(1)), Pins::default()),
        blob: None,
        moved_from: None,
        expect: Expect::Absent,
    }
}

/// Commits the folder `keep`, then one batch of `n` folders with a 4 KB file in each (content
/// and items in one transaction). `window.batchIssued` turns true when that transaction starts,
/// and `window.filesMs` says how long it took once it ends.
#[wasm_bindgen(js_name = bigBatch)]
pub async fn big_batch(name: String, n: u32) -> Result<(), JsValue> {
    let store = open(&name).await?;
    if store.item(&p("keep")).await.map_err(js_error)?.is_none() {
        let mut first = Batch::new();
        first.push(folder("keep"));
        store.commit(first).await.map_err(js_error)?;
    }
    let mut batch = Batch::new();
    for i in 0..n {
        batch.push(folder(&format!("d{i}")));
    }
    store.commit(batch).await.map_err(js_error)?;
    let files = (0..n)
        .map(|i| {
            let entry = CacheEntry::synced(
                p(&format!("d{i}/f.bin")),
                Meta::file("\"f\"", 4096, Millis(1), None),
                Pins::default(),
            );
            (entry, vec![i as u8; 4096])
        })
        .collect();
    let global = js_sys::global();
    js_sys::Reflect::set(&global, &"batchIssued".into(), &true.into())?;
    let started = js_sys::Date::now();
    store.commit_files(files, 1 << 20).await.map_err(js_error)?;
    let took = js_sys::Date::now() - started;
    js_sys::Reflect::set(&global, &"filesMs".into(), &took.into())?;
    Ok(())
}

/// How many items the cache holds, and whether every item's content is whole:
/// `{items, files, whole}`.
#[wasm_bindgen(js_name = inspect)]
pub async fn inspect(name: String) -> Result<JsValue, JsValue> {
    let store = open(&name).await?;
    let snapshot = store.load().await.map_err(js_error)?;
    let mut files = 0u32;
    let mut whole = true;
    for item in &snapshot.items {
        let Some(blob) = item.blob else { continue };
        files += 1;
        let size = item.entry.local_view().size;
        let mut got = 0u64;
        let mut index = 0;
        while let Some(chunk) = store.chunk(blob, index).await.map_err(js_error)? {
            got += chunk.len() as u64;
            index += 1;
        }
        whole &= got == size;
    }
    store.close();
    let out = js_sys::Object::new();
    js_sys::Reflect::set(&out, &"items".into(), &(snapshot.items.len() as u32).into())?;
    js_sys::Reflect::set(&out, &"files".into(), &files.into())?;
    js_sys::Reflect::set(&out, &"whole".into(), &whole.into())?;
    Ok(out.into())
}

/// `len` bytes that do not compress (the browser compresses what it stores, so a run of equal
/// bytes would take next to no room).
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Writes files of `size` bytes through `commit_files_js` until the browser refuses one;
/// answers `{stored, error, quotaExceeded}`: how many were stored and the error of the refused
/// one.
#[wasm_bindgen(js_name = fillUntilFull)]
pub async fn fill_until_full(name: String, size: u32, max: u32) -> Result<JsValue, JsValue> {
    let store = open(&name).await?;
    let mut first = Batch::new();
    first.push(folder("fill"));
    store.commit(first).await.map_err(js_error)?;
    let mut stored = 0;
    let mut error = None;
    for i in 0..max {
        let entry = CacheEntry::synced(
            p(&format!("fill/f{i}.bin")),
            Meta::file("\"f\"", u64::from(size), Millis(1), None),
            Pins::default(),
        );
        let bytes = js_sys::Uint8Array::from(noise(u64::from(i) + 1, size as usize).as_slice());
        match store.commit_files_js(vec![(entry, bytes)], 1 << 20).await {
            Ok(_) => stored += 1,
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    store.close();
    let out = js_sys::Object::new();
    js_sys::Reflect::set(&out, &"stored".into(), &stored.into())?;
    let quota = matches!(
        error,
        Some(csc_core::store::CommitError::Store(
            LocalError::QuotaExceeded
        ))
    );
    js_sys::Reflect::set(&out, &"quotaExceeded".into(), &quota.into())?;
    let text = error.map(|e| e.to_string()).unwrap_or_default();
    js_sys::Reflect::set(&out, &"error".into(), &text.into())?;
    Ok(out.into())
}

/// Collects the items that failed, with their error and description.
#[derive(Default)]
struct Failures(Vec<String>);

impl csc_core::engine::SyncProgress for Failures {
    fn item_result(
        &mut self,
        path: &csc_core::ItemPath,
        result: csc_core::events::HResult,
        error: Option<&csc_core::engine::SyncErrorInfo>,
    ) -> csc_core::win::OpResponse {
        if result != csc_core::events::HResult::S_OK {
            let why = error.map_or("", |e| e.description.as_str());
            self.0.push(format!("{path}: 0x{:08X} {why}", result.0));
        }
        csc_core::win::OpResponse::Continue
    }
}

/// Pins a share with a small file and one of `big` bytes and fills it through the engine with a
/// sync: answers `{small, bigCached, errors}` — whether the small file is readable, whether
/// the big one is, and the items that failed with their errors.
#[wasm_bindgen(js_name = syncPinned)]
pub async fn sync_pinned(name: String, big: u32) -> Result<JsValue, JsValue> {
    let store = open(&name).await?;
    let remote = MemRemote::new(Faults::new());
    remote.put_file(&p("docs/small.txt"), b"fits");
    remote.put_file(&p("docs/big.bin"), &noise(7, big as usize));
    let engine = open_engine(store, remote, SHARE).await;
    list_share(&engine).await;
    // Pinned, then filled by a sync, which reports each item.
    let pin = csc_core::engine::PinOptions {
        deep: true,
        flags: csc_core::win::PinControlFlags::FORUSER,
    };
    engine
        .pin(&[p("docs")], pin, &mut ())
        .await
        .map_err(js_error)?;
    let mut failures = Failures::default();
    let fill = csc_core::engine::SyncOptions::new(
        vec![csc_core::ItemPath::root()],
        csc_core::win::SyncControl::new(
            csc_core::win::SyncControlFlags::SYNCIN | csc_core::win::SyncControlFlags::FILLSPARSE,
        ),
    );
    let result = engine.synchronize(&fill, &mut (), &mut failures).await;
    let small = engine.read_file(&p("docs/small.txt")).await.is_ok();
    let big_cached = engine.read_file(&p("docs/big.bin")).await.is_ok();
    let out = js_sys::Object::new();
    js_sys::Reflect::set(&out, &"small".into(), &small.into())?;
    js_sys::Reflect::set(&out, &"bigCached".into(), &big_cached.into())?;
    let text = match result {
        Ok(_) => failures.0.join("\n"),
        Err(e) => e.to_string(),
    };
    js_sys::Reflect::set(&out, &"errors".into(), &text.into())?;
    engine.local().close();
    Ok(out.into())
}
