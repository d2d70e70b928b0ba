// Bulk IndexedDB requests made from JavaScript (see bulk.rs): one call per item or per list
// instead of a dozen calls across the wasm boundary, and no listener on a request whose
// failure aborts the transaction anyway (its error is the transaction's).

// Item flags, packed by the Rust side into one number.
const DIRTY = 1;
const PINNED = 2;
const SPARSE = 4;
const TOMB = 8;

// Puts (or, with `add`, adds) an item record `{share, path, parent, dirty, pinned, sparse,
// tomb, conflict, rev, data}` at `[share, path]`. `conflict` < 0 writes no conflict flag
// (schema version 1). A refused add records `path` in `failures`, so the Rust side can name
// the item whose expectation failed.
export function putItem(items, share, path, parent, flags, conflict, rev, data, add, failures) {
  const value = {
    share,
    path,
    parent,
    dirty: flags & DIRTY ? 1 : 0,
    pinned: flags & PINNED ? 1 : 0,
    sparse: flags & SPARSE ? 1 : 0,
    tomb: flags & TOMB ? 1 : 0,
    rev,
    // `data` is a view of wasm memory, valid during this call only.
    data: data.slice(),
  };
  if (conflict >= 0) value.conflict = conflict;
  const key = [share, path];
  if (add) {
    items.add(value, key).onerror = () => {
      failures.push(path);
    };
  } else {
    items.put(value, key);
  }
}

// Stores `bytes` (a JS Uint8Array) as the chunks `[id, 0]`, `[id, 1]`, … of `chunkSize`
// bytes each: views of the array, not copies. Returns the number of chunks.
export function putChunksJs(content, id, bytes, chunkSize) {
  // One chunk: the array itself (a view of part of a larger buffer would clone that buffer
  // whole).
  if (bytes.length <= chunkSize && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) {
    if (bytes.length > 0) content.put(bytes, [id, 0]);
    return bytes.length > 0 ? 1 : 0;
  }
  let index = 0;
  for (let start = 0; start < bytes.length; start += chunkSize) {
    content.put(bytes.subarray(start, Math.min(start + chunkSize, bytes.length)), [id, index]);
    index += 1;
  }
  return index;
}

// As putChunksJs for bytes in wasm memory (copied, since the view is valid during this call
// only).
export function putChunksWasm(content, id, bytes, chunkSize) {
  let index = 0;
  for (let start = 0; start < bytes.length; start += chunkSize) {
    content.put(bytes.slice(start, Math.min(start + chunkSize, bytes.length)), [id, index]);
    index += 1;
  }
  return index;
}

// Puts `value` at `key`, or with `value` undefined deletes `key`: a request whose failure
// aborts the transaction, so no listener (the transaction's end says why).
export function putValue(store, key, value) {
  if (value === undefined) store.delete(key);
  else store.put(value, key);
}

// Stores a chunk from wasm memory at `[id, index]` (copied: the view is valid during this
// call only).
export function putChunk(content, id, index, bytes) {
  content.put(bytes.slice(), [id, index]);
}

// Reads every record of `share` from `store` (keys `[share, …]`) and resolves to their
// encodings concatenated, with where each ends: `[Uint8Array, Uint32Array]`, one copy into
// wasm memory for a whole listing instead of one per record. `field` names the encoding in a
// record object (items keep it in `data`); null when the record is the encoding itself.
export function getAllEncoded(store, share, field) {
  return new Promise((resolve, reject) => {
    // Arrays sort after strings and numbers, so `[share, []]` is past every `[share, x]`.
    const r = store.getAll(IDBKeyRange.bound([share], [share, []]));
    r.onsuccess = () => {
      // A record may be an array of encoded records (the events a batch logged, stored
      // together): each counts as one.
      const records = r.result.flatMap((x) => (Array.isArray(x) ? x : [x]));
      const ends = new Uint32Array(records.length);
      let total = 0;
      for (let i = 0; i < records.length; i++) {
        total += (field ? records[i][field] : records[i]).length;
        ends[i] = total;
      }
      const all = new Uint8Array(total);
      let at = 0;
      for (const record of records) {
        const bytes = field ? record[field] : record;
        all.set(bytes, at);
        at += bytes.length;
      }
      resolve([all, ends]);
    };
    r.onerror = () => reject(r.error);
  });
}

// Reads chunk `index` of each blob in `ids` (a Float64Array) from `content`; resolves to an
// array of Uint8Arrays (undefined where there is none) once all are read.
export function getChunks(content, ids, index) {
  return new Promise((resolve, reject) => {
    const out = new Array(ids.length);
    let left = ids.length;
    if (left === 0) {
      resolve(out);
      return;
    }
    for (let i = 0; i < ids.length; i++) {
      const r = content.get([ids[i], index]);
      r.onsuccess = () => {
        out[i] = r.result;
        left -= 1;
        if (left === 0) resolve(out);
      };
      r.onerror = () => reject(r.error);
    }
  });
}

// A ReadableStream of the chunks `[id, 0]`, `[id, 1]`, … of `store`, ending at the first
// missing one. Each pull reads one chunk in a read-only transaction of its own: a slow reader
// keeps no transaction open, and the stream holds at most one chunk ahead of it.
export function contentStream(db, store, id) {
  let index = 0;
  return new ReadableStream(
    {
      pull(controller) {
        return new Promise((resolve, reject) => {
          let request;
          try {
            request = db.transaction(store, 'readonly').objectStore(store).get([id, index]);
          } catch (e) {
            reject(e);
            return;
          }
          request.onsuccess = () => {
            if (request.result === undefined) {
              controller.close();
            } else {
              controller.enqueue(request.result);
              index += 1;
            }
            resolve();
          };
          request.onerror = () => reject(request.error);
        });
      },
    },
    { highWaterMark: 1 },
  );
}

// Drops the records of `share` in the event log whose events all come before sequence number
// `keep` (the oldest to keep). A record's key is the sequence number of its first event and
// numbers run on without gaps, so a record lies wholly before `keep` exactly when a later
// record starts at or before `keep`: everything below the last record starting at or before
// `keep` goes. Unawaited: a failed request aborts the transaction.
export function trimLog(events, share, keep) {
  const r = events.openKeyCursor(IDBKeyRange.bound([share], [share, keep]), 'prev');
  r.onsuccess = () => {
    const cursor = r.result;
    if (cursor) events.delete(IDBKeyRange.bound([share], cursor.key, false, true));
  };
}
