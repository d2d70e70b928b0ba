//! The in-memory stores keep the store contracts (the IndexedDB and WebDAV stores run the same
//! checks in their crates).

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use csc_testkit::contract::{local_store_contract, remote_store_contract};
use csc_testkit::mem::{Faults, MemLocal, MemRemote, run};

#[test]
fn the_in_memory_cache_keeps_the_local_store_contract() {
    run(local_store_contract(&MemLocal::new(Faults::new())));
}

#[test]
fn the_in_memory_share_keeps_the_remote_store_contract() {
    run(remote_store_contract(&MemRemote::new(Faults::new())));
}
