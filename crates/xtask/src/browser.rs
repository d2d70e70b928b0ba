//! The suite steps that need more than `cargo test`:
//!
//! - the fetch transport's tests in headless Chromium against a real csc-server: it builds and
//!   starts the server on free loopback ports (with a token, and CORS for the test page's
//!   origin), runs the browser tests with the server's address compiled in, and stops the
//!   server whatever happened;
//! - the end-to-end tests driven by Playwright (`tests/e2e`): it builds the pages they load
//!   with wasm-bindgen `--target web`, then runs `node --test`.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::process;

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")
        .context("no free loopback port")?
        .local_addr()?
        .port())
}

pub(crate) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|d| if d.is_absolute() { d } else { root.join(d) })
        .unwrap_or_else(|| root.join("target"))
}

/// Builds csc-server (debug) and returns its path.
pub(crate) fn build_server(root: &Path) -> Result<PathBuf> {
    process::run(process::cargo().current_dir(root).args([
        "build",
        "--quiet",
        "-p",
        "csc-server",
    ]))?;
    Ok(target_dir(root).join("debug/csc-server"))
}

/// Builds csc-server (release) with the given examples, and returns the release folder.
pub(crate) fn build_release_server(root: &Path, examples: &[&str]) -> Result<PathBuf> {
    let mut command = process::cargo();
    command.current_dir(root).args([
        "build",
        "--release",
        "-p",
        "csc-server",
        "--bin",
        "csc-server",
    ]);
    for example in examples {
        command.args(["--example", example]);
    }
    process::run(&mut command)?;
    Ok(target_dir(root).join("release"))
}

/// Runs csc-webdav's browser tests against a csc-server started for them.
pub(crate) fn webdav_in_browser(root: &Path) -> Result<()> {
    let server = build_server(root)?;
    let dav_port = free_port()?;
    let page_port = free_port()?;
    let share = std::env::temp_dir().join(format!("csc-browser-share-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&share);
    let token = format!(
        "browser-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    );
    let child = Command::new(&server)
        .arg("--root")
        .arg(&share)
        .args(["--addr", &format!("127.0.0.1:{dav_port}")])
        .args(["--token", &token])
        .args(["--allow-origin", &format!("http://127.0.0.1:{page_port}")])
        .args(["--rescan-secs", "0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .with_context(|| format!("could not start {}", server.display()))?;
    let mut running = Running(child);
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", dav_port)).is_err() {
        if let Some(status) = running.0.try_wait()? {
            bail!("csc-server exited at start ({status})");
        }
        if start.elapsed() > Duration::from_secs(30) {
            bail!("csc-server did not listen on port {dav_port} within 30 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let result = process::run(
        process::cargo()
            .current_dir(root)
            .env(
                "CSC_TEST_DAV_URL",
                format!("http://127.0.0.1:{dav_port}/dav/"),
            )
            .env("CSC_TEST_DAV_TOKEN", &token)
            .env(
                "WASM_BINDGEN_TEST_ADDRESS",
                format!("127.0.0.1:{page_port}"),
            )
            .env("CHROMEDRIVER", "/usr/bin/chromedriver")
            .args([
                "test",
                "-p",
                "csc-webdav",
                "--target",
                "wasm32-unknown-unknown",
                "--features",
                "browser-tests",
                "--test",
                "fetch",
            ]),
    );
    drop(running);
    let _ = std::fs::remove_dir_all(&share);
    result
}

/// Builds csc-idb's `idb_page` example for the web and runs the Playwright tests of `tests/e2e`
/// (a page closed mid-write, the browser's real quota).
pub(crate) fn e2e(root: &Path) -> Result<()> {
    process::run(process::cargo().current_dir(root).args([
        "build",
        "--quiet",
        "-p",
        "csc-idb",
        "--example",
        "idb_page",
        "--target",
        "wasm32-unknown-unknown",
        "--features",
        "browser-tests",
    ]))?;
    let target = target_dir(root);
    let page = target.join("idb-page");
    process::run(
        Command::new("wasm-bindgen")
            .args(["--target", "web", "--no-typescript", "--out-dir"])
            .arg(&page)
            .arg(target.join("wasm32-unknown-unknown/debug/examples/idb_page.wasm")),
    )?;
    process::run(
        Command::new("node")
            .current_dir(root.join("tests"))
            .env("IDB_PAGE_DIR", &page)
            .args(["--test", "e2e/idb.test.mjs"]),
    )
}
