//! Classify and plan a 1,000,000-file share with 1% of the files changed on each side.
//!
//! Reports the rate in items per second (criterion's throughput) and, once before the timed
//! runs, the heap the planner's inputs hold per item and the bytes one planning pass allocates
//! per item, counted by an instrumented global allocator.
//!
//! Run: `cargo bench -p csc-core --bench plan` (or `cargo xtask bench`, which also measures the
//! same code on wasm and prints the wasm/native ratio).

use std::alloc::System;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use csc_core::{ShareView, plan};
use csc_testkit::workload::share_with_changes;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const FILES: usize = 1_000_000;

fn classify_and_plan(c: &mut Criterion) {
    let region = Region::new(GLOBAL);
    let work = share_with_changes(FILES);
    let held = region.change();
    let retained =
        held.bytes_allocated as isize - held.bytes_deallocated as isize + held.bytes_reallocated;
    let view = ShareView {
        share: &work.share,
        cache: &work.cache,
        remote: &work.remote,
        conflicts: &[],
    };
    let region = Region::new(GLOBAL);
    let planned = plan(&view, &work.request).expect("the workload plans");
    let during = region.change();
    assert_eq!(
        planned.items.len(),
        work.local_changes + work.remote_changes
    );
    drop(planned);
    let items = work.items as f64;
    println!(
        "heap: {} items; inputs hold {:.0} bytes/item (cache + listing); one planning pass allocates {:.1} bytes/item",
        work.items,
        retained as f64 / items,
        during.bytes_allocated as f64 / items,
    );
    println!(
        "heap-per-item: {:.0}",
        (retained as f64 + during.bytes_allocated as f64) / items
    );

    let mut group = c.benchmark_group("classify_and_plan");
    group.throughput(Throughput::Elements(work.items as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("1M files, 1% changed each side", |b| {
        b.iter(|| plan(black_box(&view), black_box(&work.request)).expect("plans"))
    });
    group.finish();
}

criterion_group!(benches, classify_and_plan);
criterion_main!(benches);
