//! Bindings to `bulk.js`: the per-item requests of large batches made from JavaScript.
//!
//! Building an item record field by field from Rust costs a dozen calls across the wasm
//! boundary, and awaiting each request through the `idb` crate costs two closures and a
//! channel; for 10,000 small files that was a quarter of the commit's time. These helpers do
//! one call per item and attach no listener to a request whose failure aborts the transaction
//! anyway: the batch awaits a later request instead, which IndexedDB completes only after all
//! earlier ones.

use js_sys::{Array, Float64Array, Promise, Uint8Array};
use wasm_bindgen::prelude::*;

/// An item flag packed for `put_item`: the item is dirty.
pub(crate) const DIRTY: u32 = 1;
/// Pinned.
pub(crate) const PINNED: u32 = 2;
/// Sparse.
pub(crate) const SPARSE: u32 = 4;
/// A tombstone (deleted offline).
pub(crate) const TOMB: u32 = 8;

#[wasm_bindgen(module = "/src/bulk.js")]
extern "C" {
    /// Puts (or adds) an item record; a refused add pushes its path onto `failures`.
    #[wasm_bindgen(js_name = putItem)]
    #[allow(
        clippy::too_many_arguments,
        reason = "one call across the boundary per item"
    )]
    pub(crate) fn put_item(
        items: &JsValue,
        share: &JsValue,
        path: &str,
        parent: &str,
        flags: u32,
        conflict: i32,
        rev: f64,
        data: &[u8],
        add: bool,
        failures: &Array,
    );

    /// Stores a JS array as chunks `[id, i]` (views, not copies); returns how many.
    #[wasm_bindgen(js_name = putChunksJs)]
    pub(crate) fn put_chunks_js(content: &JsValue, id: f64, bytes: &Uint8Array, chunk: u32) -> u32;

    /// Stores bytes from wasm memory as chunks `[id, i]`; returns how many.
    #[wasm_bindgen(js_name = putChunksWasm)]
    pub(crate) fn put_chunks_wasm(content: &JsValue, id: f64, bytes: &[u8], chunk: u32) -> u32;

    /// Puts `value` at `key` (deletes `key` when `value` is undefined), unawaited.
    #[wasm_bindgen(js_name = putValue)]
    pub(crate) fn put_value(store: &JsValue, key: &JsValue, value: &JsValue);

    /// Drops the event records of `share` wholly before sequence number `keep`, unawaited.
    #[wasm_bindgen(js_name = trimLog)]
    pub(crate) fn trim_log(events: &JsValue, share: &str, keep: f64);

    /// Stores a chunk from wasm memory at `[id, index]`, unawaited.
    #[wasm_bindgen(js_name = putChunk)]
    pub(crate) fn put_chunk(content: &JsValue, id: f64, index: u32, bytes: &[u8]);

    /// Every record of a share, encodings concatenated with the end of each:
    /// resolves to `[Uint8Array, Uint32Array]`.
    #[wasm_bindgen(js_name = getAllEncoded)]
    pub(crate) fn get_all_encoded(store: &JsValue, share: &str, field: Option<&str>) -> Promise;

    /// A ReadableStream of blob `id`'s chunks, one read-only transaction per pull.
    #[wasm_bindgen(js_name = contentStream)]
    pub(crate) fn content_stream(
        db: &web_sys::IdbDatabase,
        store: &str,
        id: f64,
    ) -> web_sys::ReadableStream;

    /// Reads chunk `index` of each blob; resolves to an array (undefined where none).
    #[wasm_bindgen(js_name = getChunks)]
    pub(crate) fn get_chunks(content: &JsValue, ids: &Float64Array, index: u32) -> Promise;
}
