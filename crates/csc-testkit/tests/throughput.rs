//! Classify-and-plan throughput, the same code natively and on wasm (Node), so that the two
//! rates can be compared in one run (`cargo xtask bench`). Each run checks the plan it timed:
//! one item per changed file, an upload for each offline edit and a download for each server
//! edit. Timings are printed, never asserted: the machines are noisy.
//!
//! Debug builds use a small share to keep the test suite fast; `--release` uses 1,000,000 files.

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use csc_core::{Action, ShareView, plan};
use csc_testkit::now_ms;
use csc_testkit::workload::share_with_changes;

const FILES: usize = if cfg!(debug_assertions) {
    20_000
} else {
    1_000_000
};
const RUNS: usize = 5;

#[test]
fn a_share_with_one_percent_changed_on_each_side_plans_one_item_per_change() {
    let work = share_with_changes(FILES);
    let view = ShareView {
        share: &work.share,
        cache: &work.cache,
        remote: &work.remote,
        conflicts: &[],
    };
    let mut best = f64::INFINITY;
    for _ in 0..RUNS {
        let start = now_ms();
        let planned = plan(&view, &work.request).expect("the workload plans");
        best = best.min(now_ms() - start);
        assert_eq!(
            planned.items.len(),
            work.local_changes + work.remote_changes
        );
        let uploads = planned
            .ops()
            .filter(|o| matches!(o.action, Action::Upload { .. }))
            .count();
        let downloads = planned
            .ops()
            .filter(|o| matches!(o.action, Action::Download { .. }))
            .count();
        assert_eq!(uploads, work.local_changes);
        assert_eq!(downloads, work.remote_changes);
    }
    let platform = if cfg!(target_arch = "wasm32") {
        "wasm"
    } else {
        "native"
    };
    let rate = work.items as f64 / (best.max(0.001) / 1000.0);
    let line = format!(
        "throughput: {platform} {} items in {best:.1} ms = {rate:.0} items/s",
        work.items
    );
    // println! goes nowhere on wasm32-unknown-unknown; the test runner shows console output.
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test::console_log!("{line}");
    #[cfg(not(target_arch = "wasm32"))]
    println!("{line}");
}
