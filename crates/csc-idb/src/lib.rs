//! The local cache in IndexedDB: the engine's [`LocalStore`](csc_core::store::LocalStore) for
//! the browser.
//!
//! - [`schema`]: the object stores, their keys and indexes, and the schema version with its
//!   upgrade steps;
//! - `IdbLocal` (wasm only): one share's cache in a database that may hold several shares.
//!   Every batch the engine commits is **one** IndexedDB transaction in which only IndexedDB
//!   requests are awaited (IndexedDB commits a transaction as soon as control returns to the
//!   event loop with no request pending, so awaiting anything else inside one would split the
//!   batch); its expectations and the tree's validity are checked inside that transaction, and
//!   a failed check aborts it, so nothing of a refused batch is written.
//!
//! Records are the core's types encoded with postcard (csc-core's `serde` feature); the fields
//! the indexes need (parent folder, dirty, pinned, sparse, tombstone) sit beside the encoding.

pub mod schema;

#[cfg(target_arch = "wasm32")]
mod bulk;
#[cfg(target_arch = "wasm32")]
mod legacy;
#[cfg(target_arch = "wasm32")]
mod store;

#[cfg(target_arch = "wasm32")]
pub use store::{IdbLocal, StorageEstimate, delete_database, storage_estimate_now};
