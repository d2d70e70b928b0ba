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
/// to cargo's release profile for this build only) optimized by npm's wasm-opt 132, and every
/// text or wasm file stored gzip-compressed beside itself for csc-server to send. Answers the
/// dist folder and the bytes of wasm + JS a browser downloads (gzip, as served).
pub(crate) fn build(root: &Path) -> Result<(PathBuf, u64)> {
    let bin = root.join("tests/node_modules/.bin");
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))?;
    // Leptos erases the components' view types behind `AnyView` with this cfg, so each
    // component's view code is compiled once rather than into every parent (7.6 KB gzip less).
    // Only this build compiles for wasm32 with cargo's release profile, so the flag never makes
    // another step rebuild its dependencies.
    //
    // WebAssembly SIMD (in every browser since 2023: Chrome 91, Firefox 89, Safari 16.4) lets
    // LLVM move the engine's large futures and records 16 bytes at a time: 7.5 KB less wasm
    // after gzip.
    let mut rustflags = std::env::var("RUSTFLAGS").unwrap_or_default();
    for flag in ["--cfg erase_components", "-C target-feature=+simd128"] {
        if !rustflags.contains(flag) {
            rustflags.push(' ');
            rustflags.push_str(flag);
        }
    }
    process::run(
        Command::new("trunk")
            .current_dir(root)
            .args(["build", "--release=true"])
            .env("PATH", path)
            .env("RUSTFLAGS", rustflags.trim())
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
    let files = precompress(&dist)?;
    let served = report_size(&files)?;
    Ok((dist, served))
}

/// The app's size budget, wasm + JS, gzip (issue 8).
const BUDGET_GZIP_BYTES: u64 = 400 * 1024;

/// The files worth compressing, by extension.
const COMPRESSIBLE: [&str; 6] = ["wasm", "js", "css", "html", "svg", "webmanifest"];

/// A file of the built app and the size of what csc-server sends a browser that accepts gzip:
/// its Zopfli-compressed copy.
struct Compressed {
    path: PathBuf,
    served: u64,
}

/// Writes `<file>.gz` beside every compressible file of `dir` (and its folders), compressed by
/// Zopfli: the gzip format every browser reads, 4–5% smaller than `gzip -9`. csc-server sends
/// these (`precompressed_gzip`) to browsers that accept gzip, so the app's first load moves
/// the compressed bytes, not the 1 MB of wasm.
fn precompress(dir: &Path) -> Result<Vec<Compressed>> {
    let mut out = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder)? {
            let path = entry?.path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if ext == "gz" {
                // A copy from an earlier build; its file is compressed again below.
                fs::remove_file(&path)?;
                continue;
            }
            if !COMPRESSIBLE.contains(&ext) {
                continue;
            }
            let data = fs::read(&path)?;
            let mut gz = Vec::new();
            zopfli::compress(
                zopfli::Options::default(),
                zopfli::Format::Gzip,
                data.as_slice(),
                &mut gz,
            )
            .with_context(|| format!("could not compress {}", path.display()))?;
            let mut name = path.clone().into_os_string();
            name.push(".gz");
            fs::write(&name, &gz)?;
            out.push(Compressed {
                served: gz.len() as u64,
                path,
            });
        }
    }
    Ok(out)
}

/// Prints the app's wasm + JS size as sent (and as `gzip -9` would make it) against its budget:
/// every JavaScript file a page loads counts (the bindings, wasm-bindgen's snippets, the service
/// worker), not only the main one.
fn report_size(files: &[Compressed]) -> Result<u64> {
    let (mut served, mut gzip9) = (0, 0);
    for f in files {
        if matches!(
            f.path.extension().and_then(|e| e.to_str()),
            Some("js" | "wasm")
        ) {
            served += f.served;
            gzip9 += crate::package::gzip_size(&f.path)?;
        }
    }
    println!(
        "csc-app: wasm + JS = {:.1} KB gzip as served ({served} bytes; Zopfli; gzip -9 makes {gzip9}; budget {} KB{})",
        served as f64 / 1024.0,
        BUDGET_GZIP_BYTES / 1024,
        if served > BUDGET_GZIP_BYTES {
            ": OVER THE BUDGET"
        } else {
            ""
        }
    );
    Ok(served)
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
    let (dist, _) = build(root)?;
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

/// Builds the app and csc-server and runs the app's Playwright tests against them; then holds
/// the app to its size budget (after the tests, so one run tells both).
pub(crate) fn test(root: &Path) -> Result<()> {
    let (dist, served) = build(root)?;
    let server = build_server(root)?;
    process::run(
        Command::new("node")
            .current_dir(root.join("tests"))
            .env("APP_DIR", &dist)
            .env("CSC_SERVER", server)
            .args(["--test", "e2e/app.test.mjs"]),
    )?;
    if served > BUDGET_GZIP_BYTES {
        anyhow::bail!(
            "the app's wasm + JS is {served} bytes gzip as served, over the budget of {BUDGET_GZIP_BYTES}: find what grew (twiggy top on target/wasm32-unknown-unknown/release/csc-app.wasm after wasm-bindgen; float formatting or parsing alone brings 30 KB)"
        );
    }
    Ok(())
}
