//! Small files downloaded as groups: fetched several at a time, stored a group per cache
//! batch, and still reported one by one, in plan order, with nothing lost when one of them
//! fails or the user stops the sync.

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::cell::Cell;
use std::rc::Rc;

use csc_core::ItemPath;
use csc_core::engine::{EngineError, PinOptions, SyncErrorInfo, SyncOptions, SyncProgress};
use csc_core::events::HResult;
use csc_core::win::{OpResponse, PinControlFlags, SyncControl, SyncControlFlags};
use csc_testkit::mem::{Call, run};
use csc_testkit::p;
use csc_testkit::rig::Rig;

/// Records item callbacks; answers Abort to the `abort_at`-th result.
#[derive(Debug, Default)]
struct Calls {
    calls: Vec<String>,
    abort_at: Option<usize>,
    results: usize,
}

impl SyncProgress for Calls {
    fn item_begin(&mut self, path: &ItemPath) -> OpResponse {
        self.calls.push(format!("begin {path}"));
        OpResponse::Continue
    }
    fn item_result(
        &mut self,
        path: &ItemPath,
        result: HResult,
        _error: Option<&SyncErrorInfo>,
    ) -> OpResponse {
        self.calls.push(format!("result {path} 0x{:08X}", result.0));
        self.results += 1;
        if self.abort_at == Some(self.results) {
            return OpResponse::Abort;
        }
        OpResponse::Continue
    }
}

fn name(i: usize) -> String {
    format!("docs/f{i:03}.txt")
}

/// A rig whose server has `n` small files in docs/, pinned (deep) but not filled yet.
fn pinned_unfilled(n: usize) -> Rig {
    let rig = Rig::new();
    for i in 0..n {
        rig.remote
            .put_file(&p(&name(i)), format!("content of file {i}").as_bytes());
    }
    rig.refresh();
    let opts = PinOptions {
        deep: true,
        flags: PinControlFlags::FORUSER,
    };
    let hr = run(rig.engine.pin(&[p("docs")], opts, &mut ())).expect("the pin succeeds");
    assert!(hr.is_ok());
    rig
}

fn fill(rig: &Rig, calls: &mut Calls) -> Result<csc_core::engine::SyncSummary, EngineError> {
    let opts = SyncOptions::new(
        vec![p("docs")],
        SyncControl::new(SyncControlFlags::SYNCIN | SyncControlFlags::FILLSPARSE),
    );
    run(rig.engine.synchronize(&opts, &mut (), calls))
}

/// Checks the item callbacks of files `range`: one begin and one result (S_OK) each, begins
/// in plan order, results in plan order, each file's begin before its result. A group begins
/// its files as their content arrives and reports them once the group is stored.
fn assert_reported(calls: &Calls, range: std::ops::Range<usize>) {
    let file_calls: Vec<&String> = calls
        .calls
        .iter()
        .filter(|c| c.contains("docs/f"))
        .collect();
    let begins: Vec<String> = file_calls
        .iter()
        .filter_map(|c| c.strip_prefix("begin "))
        .map(str::to_owned)
        .collect();
    let results: Vec<String> = file_calls
        .iter()
        .filter_map(|c| c.strip_prefix("result "))
        .map(str::to_owned)
        .collect();
    let names: Vec<String> = range.clone().map(name).collect();
    assert_eq!(begins, names, "one begin per file, in order");
    let ok: Vec<String> = names.iter().map(|n| format!("{n} 0x00000000")).collect();
    assert_eq!(results, ok, "one successful result per file, in order");
    for n in &names {
        let b = file_calls.iter().position(|c| **c == format!("begin {n}"));
        let r = file_calls
            .iter()
            .position(|c| c.starts_with(&format!("result {n} ")));
        assert!(b < r, "{n} begins before its result");
    }
}

#[test]
fn a_fill_of_many_small_files_stores_them_in_a_few_batches_and_reports_each_file_in_order() {
    let rig = pinned_unfilled(150);
    let before = rig.local.commits();
    let mut calls = Calls::default();
    let summary = fill(&rig, &mut calls).expect("the fill succeeds");
    assert_eq!(summary.failed, 0);

    let contents = rig.local.contents();
    for i in 0..150 {
        assert_eq!(
            contents
                .get(&p(&name(i)))
                .map(|c| String::from_utf8_lossy(c).into_owned()),
            Some(format!("content of file {i}")),
            "{} is cached with its content",
            name(i)
        );
    }
    assert_reported(&calls, 0..150);
    // One by one this was 150 item batches; in groups of 64 it is 3 (plus the sync's own).
    let commits = rig.local.commits() - before;
    assert!(commits <= 10, "{commits} cache batches for 150 small files");
}

#[test]
fn a_file_whose_download_fails_in_a_group_is_fetched_again_on_its_own_and_the_others_are_stored() {
    let rig = pinned_unfilled(20);
    // The fifth download of the fill fails once (a dropped connection).
    let reads = Rc::new(Cell::new(0));
    let faults = rig.faults.clone();
    let seen = Rc::clone(&reads);
    rig.faults.configure(1, 0, 0, 1000);
    rig.faults.set_hook(Box::new(move |call| {
        if call == Call::RemoteRead {
            seen.set(seen.get() + 1);
            if seen.get() == 5 {
                faults.fail_next_remote(1);
            }
        }
    }));
    rig.faults.enable(true);
    rig.remote.take_requests();
    let mut calls = Calls::default();
    let summary = fill(&rig, &mut calls).expect("the fill succeeds");
    rig.faults.enable(false);

    assert_eq!(summary.failed, 0);
    assert_eq!(rig.local.contents().len(), 20, "every file is cached");
    // Each file is reported exactly once, in order, although one went on its own.
    assert_reported(&calls, 0..20);
    let gets_of_fifth = rig
        .remote
        .take_requests()
        .iter()
        .filter(|r| **r == format!("GET {}", name(4)))
        .count();
    assert_eq!(
        gets_of_fifth, 1,
        "the failed fetch never reached the server; the retry did"
    );
}

#[test]
fn stopping_a_fill_in_a_group_keeps_what_was_stored_whole_and_the_next_fill_brings_the_rest() {
    let rig = pinned_unfilled(100);
    let mut calls = Calls {
        abort_at: Some(10),
        ..Calls::default()
    };
    assert!(matches!(
        fill(&rig, &mut calls),
        Err(EngineError::Cancelled)
    ));
    // The abort takes effect after the group being reported (its files are stored): every
    // file reported is cached, and no other.
    let reported: Vec<ItemPath> = calls
        .calls
        .iter()
        .filter_map(|c| c.strip_prefix("result "))
        .filter_map(|c| c.split(' ').next())
        .filter(|c| c.starts_with("docs/f"))
        .map(p)
        .collect();
    let contents = rig.local.contents();
    assert_eq!(contents.keys().cloned().collect::<Vec<_>>(), reported);
    assert!(
        contents.len() >= 10,
        "the files reported before the abort stay cached"
    );
    assert!(contents.len() < 100, "the sync stopped");
    for (path, content) in &contents {
        let i: usize = path.as_str()[6..9].parse().expect("a file name");
        assert_eq!(
            content,
            format!("content of file {i}").as_bytes(),
            "{path} is whole"
        );
    }

    let mut calls = Calls::default();
    let summary = fill(&rig, &mut calls).expect("the second fill succeeds");
    assert_eq!(summary.failed, 0);
    assert_eq!(rig.local.contents().len(), 100);
}

#[test]
fn a_group_the_cache_has_no_room_for_goes_one_by_one_and_says_which_file_did_not_fit() {
    let rig = pinned_unfilled(30);
    // Room for 25 of the 30 files' content ("content of file NN" is 18 bytes).
    rig.local.set_quota(Some(25 * 18));
    let mut calls = Calls::default();
    let summary = fill(&rig, &mut calls).expect("the fill runs to its end");
    assert_eq!(rig.local.contents().len(), 25);
    assert_eq!(summary.failed, 5);
    let disk_full = calls
        .calls
        .iter()
        .filter(|c| c.ends_with(&format!("0x{:08X}", HResult::DISK_FULL.0)))
        .count();
    assert_eq!(
        disk_full, 5,
        "each file that did not fit is reported as such"
    );
    // Every file is reported once, whether it fitted or not.
    let results = calls
        .calls
        .iter()
        .filter(|c| c.starts_with("result docs/f"))
        .count();
    assert_eq!(results, 30, "{:#?}", calls.calls);
}
