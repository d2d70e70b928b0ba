//! The deterministic simulation (see `csc_testkit::sim`): many seeded scenarios of random work
//! on both sides with injected faults, every invariant checked after each.
//!
//! `SIM_SCENARIOS=N` sets how many scenarios run (1,000 by default, for a quick debug-build
//! `cargo test`; `cargo xtask test` runs 10,000 in a release build, and
//! `SIM_SCENARIOS=1000000 cargo test -p csc-testkit --release --test simulation -- --nocapture`
//! is the long run), `SIM_SEED=S` replays one scenario with a trace of every step. The last
//! line printed is the suite's figure:
//! `simulation: N scenarios, F faults injected, 0 invariant violations`.
//! With `SIM_SEED`, `MEM_DEBUG=1` also prints every batch the cache commits.

#![allow(clippy::disallowed_methods)]

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use csc_testkit::now_ms;
use csc_testkit::sim::{Report, scenario, scenario_traced};

/// Runs one scenario, turning a panic into a failure report natively; on wasm a panic aborts
/// the test (there is no unwinding), which fails it just as clearly.
fn guarded(seed: u64, verbose: bool) -> Result<Report, String> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::panic::catch_unwind(|| scenario_traced(seed, verbose)).map_err(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default()
        })
    }
    #[cfg(target_arch = "wasm32")]
    {
        Ok(scenario_traced(seed, verbose))
    }
}

fn say(line: &str) {
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test::console_log!("{line}");
    #[cfg(not(target_arch = "wasm32"))]
    println!("{line}");
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| {
        v.parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not {v:?}"))
    })
}

#[test]
fn seeded_scenarios_with_faults_lose_nothing_and_converge() {
    let start = now_ms();
    let seeds: Vec<u64> = match env_u64("SIM_SEED") {
        Some(seed) => vec![seed],
        None => (0..env_u64("SIM_SCENARIOS").unwrap_or(1_000)).collect(),
    };
    let (mut faults, mut crashes, mut syncs) = (0u64, 0u64, 0u64);
    let mut failures = Vec::new();
    for &seed in &seeds {
        let verbose = seeds.len() == 1;
        let report = match guarded(seed, verbose) {
            Ok(r) => r,
            Err(msg) => {
                failures.push(format!(
                    "seed {seed}: panicked: {msg}\n  replay: SIM_SEED={seed} cargo test -p csc-testkit --release --test simulation"
                ));
                continue;
            }
        };
        faults += report.faults;
        crashes += report.crashes;
        syncs += report.syncs;
        if seed % 97 == 0 {
            let again = scenario(seed);
            if again != report {
                failures.push(format!("seed {seed}: not deterministic"));
            }
        }
        if !report.violations.is_empty() {
            failures.push(format!(
                "seed {seed}: {}\n  replay: SIM_SEED={seed} cargo test -p csc-testkit --release --test simulation",
                report.violations.join("\n  ")
            ));
        }
    }
    let n = seeds.len();
    say(&format!(
        "simulation: {syncs} syncs, {crashes} crashes recovered, {:.1} s",
        (now_ms() - start) / 1000.0
    ));
    say(&format!(
        "simulation: {n} scenarios, {faults} faults injected, {} invariant violations",
        failures.len()
    ));
    assert!(
        failures.is_empty(),
        "{} of {n} scenarios broke an invariant:\n{}",
        failures.len(),
        failures
            .iter()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
