//! `cargo xtask bench`: the planner benchmark, then the same workload's
//! throughput natively and on wasm, compared.
//!
//! The throughput tests in csc-testkit print one line per measurement:
//! `throughput: <platform> <N> items in <ms> ms = <rate> items/s`. We show
//! their output as it comes and parse those lines afterwards.

use std::{fmt, path::Path};

use anyhow::{Result, bail, ensure};

use crate::process;

/// The wasm build should plan at least half as fast as the native one.
const GOAL_RATIO: f64 = 0.5;

const LINE_FORMAT: &str = "throughput: <platform> <N> items in <ms> ms = <rate> items/s";

/// Runs the benchmark and the throughput comparison.
pub(crate) fn bench(root: &Path) -> Result<()> {
    process::run(
        process::cargo()
            .current_dir(root)
            .args(["bench", "-p", "csc-core", "--bench", "plan"]),
    )?;

    let native = measure(
        root,
        "native",
        &[
            "test",
            "-p",
            "csc-testkit",
            "--release",
            "--test",
            "throughput",
            "--",
            "--nocapture",
        ],
    )?;
    // `--nocapture` here too: wasm-bindgen-test-runner otherwise keeps the
    // console output of passing tests to itself, and the line would be lost.
    let wasm = measure(
        root,
        "wasm",
        &[
            "test",
            "-p",
            "csc-testkit",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "--test",
            "throughput",
            "--",
            "--nocapture",
        ],
    )?;

    // Repeat the measurements together at the end: the teed output above is
    // long, and this is what a reader compares.
    println!("\nthroughput:");
    for (label, run) in [("native", &native), ("wasm", &wasm)] {
        for measurement in run {
            println!("  {label:<6} run: {measurement}");
        }
    }
    let ratio = mean_rate(&wasm) / mean_rate(&native);
    println!("wasm/native rate ratio: {ratio:.2} (goal ≥ {GOAL_RATIO:.2})");
    Ok(())
}

/// Runs one throughput test with its output teed, and returns its
/// measurements (at least one, all with a usable rate).
fn measure(root: &Path, label: &str, cargo_args: &[&str]) -> Result<Vec<Throughput>> {
    let mut command = process::cargo();
    command.current_dir(root).args(cargo_args);
    let output = process::tee(&mut command)?;
    let measurements = parse_throughput(&output);
    if measurements.is_empty() {
        bail!(
            "the {label} throughput run (`{}`) printed no line of the form `{LINE_FORMAT}`; \
             crates/csc-testkit/tests/throughput.rs must print one",
            process::describe(&command)
        );
    }
    let rate = mean_rate(&measurements);
    ensure!(
        rate.is_finite() && rate > 0.0,
        "the {label} throughput run reported a rate of {rate} items/s, which cannot be compared"
    );
    Ok(measurements)
}

/// One `throughput:` line.
#[derive(Debug, Clone, PartialEq)]
struct Throughput {
    platform: String,
    items: u64,
    millis: f64,
    /// Items per second, as printed (not recomputed, so that the test's own
    /// rounding of the time does not skew it).
    rate: f64,
}

impl fmt::Display for Throughput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            platform,
            items,
            millis,
            rate,
        } = self;
        write!(
            f,
            "{platform} {items} items in {millis} ms = {rate:.0} items/s"
        )
    }
}

/// Every well-formed throughput line in `text`. The line may carry a prefix
/// (a test runner's or a logger's); other lines, and lines that only look
/// similar, are ignored.
fn parse_throughput(text: &str) -> Vec<Throughput> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<Throughput> {
    let (_, rest) = line.split_once("throughput: ")?;
    let words: Vec<&str> = rest.split_whitespace().collect();
    let [
        platform,
        items,
        "items",
        "in",
        millis,
        "ms",
        "=",
        rate,
        "items/s",
    ] = words[..]
    else {
        return None;
    };
    Some(Throughput {
        platform: platform.to_owned(),
        items: items.parse().ok()?,
        millis: millis.parse().ok()?,
        rate: rate.parse().ok()?,
    })
}

/// The rate of a run: the printed rate of its one line, or the mean of the
/// printed rates if a run measures several times.
fn mean_rate(measurements: &[Throughput]) -> f64 {
    let sum: f64 = measurements.iter().map(|m| m.rate).sum();
    // Never more than a handful of lines, so the count converts exactly.
    let count = measurements.len() as f64;
    sum / count
}

/// `cargo xtask bench-webdav`: the WebDAV benchmarks (csc-server's `bench` example against a
/// release server process; the client's parse rate natively and on wasm).
pub(crate) fn bench_webdav(root: &Path) -> Result<()> {
    let release = crate::browser::build_release_server(root, &["bench"])?;
    let mut figures = Vec::new();
    let mut bench = std::process::Command::new(release.join("examples/bench"));
    bench
        .current_dir(root)
        .arg("--server")
        .arg(release.join("csc-server"));
    figures.extend(process::tee(&mut bench)?.lines().map(str::to_owned));
    for wasm in [false, true] {
        let mut command = process::cargo();
        command
            .current_dir(root)
            .args(["test", "-p", "csc-webdav", "--release"]);
        if wasm {
            command.args(["--target", "wasm32-unknown-unknown"]);
        }
        command.args(["--test", "parse_rate", "--", "--nocapture"]);
        let output = process::tee(&mut command)?;
        figures.extend(
            output
                .lines()
                .filter(|l| l.starts_with("parse: "))
                .map(str::to_owned),
        );
    }
    println!("\nWebDAV figures:");
    for line in &figures {
        println!("  {line}");
    }
    Ok(())
}

/// `cargo xtask bench-package`: the npm package's first sync-in of many small files from a
/// release csc-server against a raw JavaScript ceiling in the same page
/// (`tests/bench/sync-in.mjs`, which says how both sides are measured).
pub(crate) fn bench_package(root: &Path) -> Result<()> {
    let package = crate::package::build(root)?;
    let server = crate::browser::build_release_server(root, &[])?.join("csc-server");
    process::run(
        std::process::Command::new("node")
            .current_dir(root.join("tests"))
            .env("PKG_DIR", &package.dir)
            .env("CSC_SERVER", server)
            .arg("bench/sync-in.mjs"),
    )
}

/// `cargo xtask bench-idb`: csc-idb against raw IndexedDB in one headless Chromium page
/// (release build).
pub(crate) fn bench_idb(root: &Path) -> Result<()> {
    let mut command = process::cargo();
    command
        .current_dir(root)
        // The page writes and reads some 300 MB; the runner's default 20 s is too short.
        .env("WASM_BINDGEN_TEST_TIMEOUT", "900")
        .args([
            "test",
            "--release",
            "-p",
            "csc-idb",
            "--target",
            "wasm32-unknown-unknown",
            "--features",
            "browser-tests",
            "--test",
            "bench",
            "--",
            "--nocapture",
        ]);
    let output = process::tee(&mut command)?;
    println!("\nIndexedDB figures:");
    for line in output.lines().filter(|l| l.starts_with("idb bench ")) {
        println!("  {line}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NATIVE_OUTPUT: &str = "\
running 1 test
throughput: native 100000 items in 125.5 ms = 796812.7 items/s
test plans_a_large_tree ... ok

test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.20s
";

    #[test]
    fn a_throughput_line_is_parsed_into_its_parts() {
        assert_eq!(
            parse_throughput(NATIVE_OUTPUT),
            [Throughput {
                platform: "native".into(),
                items: 100_000,
                millis: 125.5,
                rate: 796_812.7,
            }]
        );
    }

    #[test]
    fn a_throughput_line_with_a_runner_prefix_is_still_found() {
        let text = "console.log div contained:\n    throughput: wasm 5000 items in 20 ms = 250000 items/s\n";
        let found = parse_throughput(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].platform, "wasm");
        assert!((found[0].rate - 250_000.0).abs() < f64::EPSILON);
    }

    #[test]
    fn output_without_throughput_lines_yields_nothing() {
        let text = "running 1 test\ntest throughput ... ok\nthroughput: not measured today\n";
        assert!(parse_throughput(text).is_empty());
    }

    #[test]
    fn a_malformed_number_makes_the_line_not_count() {
        let text = "throughput: native many items in 3 ms = 7 items/s\n";
        assert!(parse_throughput(text).is_empty());
    }

    #[test]
    fn several_measurements_of_one_run_are_averaged() {
        let text = "\
throughput: wasm 10 items in 1 ms = 100 items/s
throughput: wasm 10 items in 1 ms = 300 items/s
";
        let rate = mean_rate(&parse_throughput(text));
        assert!((rate - 200.0).abs() < f64::EPSILON);
    }
}
