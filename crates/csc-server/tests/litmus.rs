//! litmus, the WebDAV compliance suite (Debian package `litmus`, installed by `cargo xtask
//! setup`), against csc-server over a real socket. Every suite must pass; the counts are
//! printed for the record.

mod common;

use common::TestServer;

/// `(suite, run, passed, failed)` from litmus's summary lines.
fn summaries(output: &str) -> Vec<(String, u32, u32, u32)> {
    output
        .lines()
        .filter_map(|l| {
            // <- summary for `basic': of 16 tests run: 16 passed, 0 failed. 100.0%
            let rest = l.strip_prefix("<- summary for `")?;
            let (suite, rest) = rest.split_once("': of ")?;
            let (run, rest) = rest.split_once(" tests run: ")?;
            let (passed, rest) = rest.split_once(" passed, ")?;
            let (failed, _) = rest.split_once(" failed")?;
            Some((
                suite.to_owned(),
                run.parse().ok()?,
                passed.parse().ok()?,
                failed.parse().ok()?,
            ))
        })
        .collect()
}

#[test]
fn litmus_passes_every_suite_against_csc_server() {
    let s = TestServer::start(|o| o);
    let scratch = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("litmus")
        .arg(s.url())
        .current_dir(scratch.path())
        .output()
        .expect("litmus runs (cargo xtask setup installs the Debian package)");
    let text = String::from_utf8_lossy(&out.stdout);
    let found = summaries(&text);
    for (suite, run, passed, failed) in &found {
        println!("litmus {suite}: {passed}/{run} passed, {failed} failed");
    }
    let names: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    for required in ["basic", "copymove", "props", "locks", "http"] {
        assert!(
            names.contains(&required),
            "litmus ran no {required} suite:\n{text}"
        );
    }
    assert!(
        found
            .iter()
            .all(|(_, run, passed, failed)| *failed == 0 && passed == run),
        "{text}"
    );
}

#[test]
fn litmus_summaries_are_read_as_counts() {
    let line = "<- summary for `props': of 30 tests run: 29 passed, 1 failed. 96.7%";
    assert_eq!(summaries(line), [("props".to_owned(), 30, 29, 1)]);
}
