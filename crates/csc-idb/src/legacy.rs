//! Item records as older schema versions encoded them: read by the upgrade steps, and written
//! by a store opened at an older version (the upgrade tests play an older release that way).
//!
//! Postcard encodings carry no field names, so a field added to an item changes the encoding,
//! and the schema version with it; each such step keeps the previous layout here.

use csc_core::store::{BlobId, Partial, Rev, StoredItem};
use csc_core::{CacheEntry, ItemPath, LocalItem, Meta, Millis, Pins};
use serde::{Deserialize, Serialize};

/// A cache entry up to version 2: without `used`.
#[derive(Serialize, Deserialize)]
struct EntryV2 {
    path: ItemPath,
    original: Option<Meta>,
    local: LocalItem,
    pins: Pins,
    suspended: bool,
}

/// An item record up to version 2.
#[derive(Serialize, Deserialize)]
pub(crate) struct ItemV2 {
    entry: EntryV2,
    rev: Rev,
    blob: Option<BlobId>,
    moved_from: Option<ItemPath>,
    partial: Option<Partial>,
}

impl From<ItemV2> for StoredItem {
    /// An item from before version 3 was never used as far as eviction knows: it goes before
    /// any file used since the upgrade.
    fn from(old: ItemV2) -> StoredItem {
        let e = old.entry;
        StoredItem {
            entry: CacheEntry {
                path: e.path,
                original: e.original,
                local: e.local,
                pins: e.pins,
                suspended: e.suspended,
                used: Millis(0),
            },
            rev: old.rev,
            blob: old.blob,
            moved_from: old.moved_from,
            partial: old.partial,
        }
    }
}

impl From<&StoredItem> for ItemV2 {
    fn from(item: &StoredItem) -> ItemV2 {
        let e = &item.entry;
        ItemV2 {
            entry: EntryV2 {
                path: e.path.clone(),
                original: e.original.clone(),
                local: e.local.clone(),
                pins: e.pins,
                suspended: e.suspended,
            },
            rev: item.rev,
            blob: item.blob,
            moved_from: item.moved_from.clone(),
            partial: item.partial.clone(),
        }
    }
}

/// The encoding of `item` at schema `version`.
pub(crate) fn encode_item(version: u32, item: &StoredItem) -> Vec<u8> {
    let bytes = if version >= 3 {
        postcard::to_allocvec(item)
    } else {
        postcard::to_allocvec(&ItemV2::from(item))
    };
    bytes.expect("the cache's records always encode")
}

/// Decodes an item encoded at schema `version`.
pub(crate) fn decode_item(version: u32, bytes: &[u8]) -> Result<StoredItem, postcard::Error> {
    if version >= 3 {
        postcard::from_bytes(bytes)
    } else {
        postcard::from_bytes::<ItemV2>(bytes).map(StoredItem::from)
    }
}
