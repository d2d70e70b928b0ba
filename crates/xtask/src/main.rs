//! `cargo xtask`: the project's automation, written in Rust so that it runs
//! wherever cargo runs, with no shell scripts to keep portable.
//!
//! Each command lives in its own module; this file only dispatches. Errors are
//! reported once, here, and turned into exit code 1; a usage error is exit
//! code 2, as is customary for command-line tools.

mod app;
mod bench;
mod browser;
mod package;
mod process;
mod pure;
mod scratch;
mod setup;
mod suite;

use std::{
    env,
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::Result;

const USAGE: &str = "\
usage: cargo xtask <command> [args]

commands:
  setup       install what the test suite needs (wasm32 target, wasm-bindgen-cli), idempotently
  test        run every test: setup, fmt, clippy, native tests, csc-core on wasm, check-pure
  check-pure  check that csc-core compiles to wasm with no imports from \"env\" and no platform crates
  bench       run the planner benchmark and compare wasm to native throughput
  bench-idb   run the IndexedDB benchmark page: csc-idb vs raw IndexedDB, bulk writes and reads
  bench-webdav  run the WebDAV benchmarks: no-op listing of 100,000 files, PROPFIND of 10,000
              entries, 200 MB up/down vs curl, client parse rate natively and on wasm
  package     build the npm package offline-files (wasm-pack) into target/offline-files, with its tarball
  bench-package  first sync-in of 10,000 × 1 KB files by the npm package vs a raw JS ceiling in
              the same page, and the request count of a no-op sync (FILES, SIZE, ROUNDS, BATCH)
  run [--addr A]  build the web app (Trunk) and serve it with a demo share on http://127.0.0.1:8080
  demo [args] the sync engine on an in-memory demo share, step by step (csc-testkit), args passed through";

fn main() -> ExitCode {
    let mut args = env::args();
    // The first argument is the program's name.
    args.next();
    let Some(command) = args.next() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest: Vec<String> = args.collect();
    let root = workspace_root();

    // The suite and the benchmarks start browsers, chromedriver and servers that leave files in
    // the temporary folder (a browser profile per chromedriver session, ~60 MB, is never
    // removed); they run in a scratch folder of their own that goes when they end.
    if matches!(
        command.as_str(),
        "test" | "bench" | "bench-webdav" | "bench-idb" | "bench-package"
    ) && env::var_os(scratch::MARK).is_none()
    {
        return scratch::rerun_inside();
    }

    let result = match command.as_str() {
        "setup" => setup::setup(&root),
        "test" => suite::test(&root),
        "check-pure" => pure::check_pure(&root),
        "bench" => bench::bench(&root),
        "bench-webdav" => bench::bench_webdav(&root),
        "bench-idb" => bench::bench_idb(&root),
        "bench-package" => bench::bench_package(&root),
        "package" => package::build(&root).map(drop),
        "run" => app::run(&root, &rest),
        "demo" => run_demo(&rest),
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => {
            eprintln!("error: unknown command `{other}`\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the whole context chain on one line, which is what a
            // CI log reader wants to see last.
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root, found from this crate's own location so that
/// `cargo xtask` behaves the same from any directory inside the workspace.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/xtask sits two levels below the workspace root")
        .to_path_buf()
}

/// `cargo xtask demo`: the testkit's walk-through of the engine, in memory.
///
/// This one command keeps the caller's working directory, so that relative
/// paths among the passed-through arguments mean what the caller meant.
fn run_demo(args: &[String]) -> Result<()> {
    let mut command = process::cargo();
    command.args(["run", "-p", "csc-testkit", "--example", "demo", "--"]);
    // `cargo xtask run -- --flag` and `cargo xtask run --flag` mean the same.
    let args = match args.first() {
        Some(first) if first == "--" => &args[1..],
        _ => args,
    };
    command.args(args);
    process::run(&mut command)
}
