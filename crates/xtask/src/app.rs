//! The web app: `cargo xtask run` builds it with Trunk (release), makes a demo share once, and
//! serves both with csc-server on 127.0.0.1; the app's end-to-end tests use the same build.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::browser::{build_server, target_dir};
use crate::{process, setup};

/// Where Trunk puts the built app (Trunk.toml's `dist`).
pub(crate) fn dist(root: &Path) -> PathBuf {
    root.join("www/dist")
}

/// Builds the app with Trunk in release mode: small wasm (the `wasm-release` settings, given
/// to cargo's release profile for this build only) optimized by npm's wasm-opt 132.
pub(crate) fn build(root: &Path) -> Result<PathBuf> {
    let bin = root.join("tests/node_modules/.bin");
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))?;
    process::run(
        Command::new("trunk")
            .current_dir(root)
            .args(["build", "--release=true"])
            .env("PATH", path)
            // Trunk builds with cargo's release profile; these make it the small-wasm one
            // (the workspace's release profile keeps debug info for native profiling).
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z")
            .env("CARGO_PROFILE_RELEASE_LTO", "true")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
            .env("CARGO_PROFILE_RELEASE_PANIC", "abort")
            .env("CARGO_PROFILE_RELEASE_DEBUG", "0"),
    )
    .context("trunk could not build the app (www/index.html)")?;
    let dist = dist(root);
    report_size(&dist)?;
    Ok(dist)
}

/// The app's size budget, wasm + JS, gzip (issue 8).
const BUDGET_GZIP_BYTES: u64 = 400 * 1024;

/// Prints the app's wasm + JS size, gzip, against its budget.
fn report_size(dist: &Path) -> Result<()> {
    let mut bytes = 0;
    for entry in fs::read_dir(dist)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("csc-app-") && (name.ends_with(".js") || name.ends_with(".wasm")) {
            bytes += crate::package::gzip_size(&path)?;
        }
    }
    println!(
        "csc-app: wasm + JS = {:.1} KB gzip ({bytes} bytes; budget {} KB{})",
        bytes as f64 / 1024.0,
        BUDGET_GZIP_BYTES / 1024,
        if bytes > BUDGET_GZIP_BYTES {
            ": OVER THE BUDGET"
        } else {
            ""
        }
    );
    Ok(())
}

/// The demo share's files: a few folders, text files and one larger file.
const DEMO_FILES: &[(&str, &str)] = &[
    (
        "Documents/welcome.txt",
        "Welcome to Offline Files for the web.\n\nPin a folder to keep it available offline, edit files without a connection, and press Sync now when you are back.\n",
    ),
    (
        "Documents/meeting notes.txt",
        "Agenda\n- what is pinned\n- what changed offline\n- conflicts\n",
    ),
    (
        "Documents/Drafts/ideas.md",
        "# Ideas\n\n- background sync every 6 hours\n- a block-out at night\n",
    ),
    (
        "Projects/plan.txt",
        "1. Pin Projects\n2. Go offline\n3. Edit plan.txt\n4. Sync now\n",
    ),
    ("Projects/budget.csv", "item,cost\nlaptop,1200\nchair,300\n"),
    (
        "Shared/readme.txt",
        "Files here are shared with the team.\n",
    ),
];

/// Makes the demo share in `target/demo-share` the first time; later runs keep what is there
/// (edits made through the app included).
pub(crate) fn demo_share(root: &Path) -> Result<PathBuf> {
    let share = target_dir(root).join("demo-share");
    if share.exists() {
        return Ok(share);
    }
    let staging = target_dir(root).join("demo-share.partial");
    let _ = fs::remove_dir_all(&staging);
    for (path, text) in DEMO_FILES {
        let file = staging.join(path);
        fs::create_dir_all(file.parent().expect("a file in a folder"))?;
        fs::write(&file, text)?;
    }
    // One larger file (8 MiB), so that progress has something to show.
    let big: Vec<u8> = (0..8u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    fs::create_dir_all(staging.join("Media"))?;
    fs::write(staging.join("Media/recording.bin"), big)?;
    // Whole or not at all: a run stopped half way leaves no half-made share behind.
    fs::rename(&staging, &share)
        .with_context(|| format!("could not move the demo share into {}", share.display()))?;
    Ok(share)
}

/// `cargo xtask run`: the app and a demo share on http://127.0.0.1:8080 (or `--addr`).
/// With `--check` (the test suite), it serves them on a free port, checks that the app and the
/// share answer, and stops.
pub(crate) fn run(root: &Path, args: &[String]) -> Result<()> {
    setup::setup(root)?;
    let (addr, check) = match args {
        [flag] if flag == "--check" => {
            (format!("127.0.0.1:{}", crate::browser::free_port()?), true)
        }
        [flag, value] if flag == "--addr" => (value.clone(), false),
        [] => ("127.0.0.1:8080".to_owned(), false),
        _ => anyhow::bail!("usage: cargo xtask run [--addr 127.0.0.1:8080]"),
    };
    let dist = build(root)?;
    let server = build_server(root)?;
    let share = demo_share(root)?;
    let mut command = Command::new(server);
    command.args([
        "--root",
        &share.to_string_lossy(),
        "--app",
        &dist.to_string_lossy(),
        "--addr",
        &addr,
    ]);
    if !check {
        println!(
            "\nOffline Files is at http://{addr}/ (the demo share is {}; Ctrl-C stops the server)\n",
            share.display()
        );
        return process::run(&mut command);
    }
    let mut child = command.spawn().context("could not start csc-server")?;
    let answered = check_served(&addr);
    let _ = child.kill();
    let _ = child.wait();
    answered?;
    println!("run: the app and the demo share answer at http://{addr}/");
    Ok(())
}

/// Waits for the server to answer, then checks the app's page and a demo file.
fn check_served(addr: &str) -> Result<()> {
    let get = |path: &str| -> Result<String> {
        let mut stream = std::net::TcpStream::connect(addr)?;
        use std::io::{Read, Write};
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        Ok(response)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let page = loop {
        match get("/") {
            Ok(page) => break page,
            Err(_) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(e) => return Err(e).context("csc-server did not answer within 30 s"),
        }
    };
    anyhow::ensure!(
        page.starts_with("HTTP/1.1 200") && page.contains("<title>Offline Files</title>"),
        "the app's page was not served: {}",
        page.lines().next().unwrap_or("")
    );
    let file = get("/dav/Documents/welcome.txt")?;
    anyhow::ensure!(
        file.starts_with("HTTP/1.1 200") && file.contains("Welcome to Offline Files"),
        "the demo share was not served: {}",
        file.lines().next().unwrap_or("")
    );
    Ok(())
}

/// Builds the app and csc-server and runs the app's Playwright tests against them.
pub(crate) fn test(root: &Path) -> Result<()> {
    let dist = build(root)?;
    let server = build_server(root)?;
    process::run(
        Command::new("node")
            .current_dir(root.join("tests"))
            .env("APP_DIR", &dist)
            .env("CSC_SERVER", server)
            .args(["--test", "e2e/app.test.mjs"]),
    )
}
