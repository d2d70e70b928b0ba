//! The WebDAV benchmarks of issue 4, against a csc-server process on loopback:
//!
//! 1. a no-op sync listing of a 100,000-file share: one sync-collection REPORT vs the full
//!    PROPFIND walk (Depth 1, folder by folder), requests and time, in the same run;
//! 2. PROPFIND Depth 1 of a 10,000-entry folder: the server's answer time and the client's
//!    parse rate (natively; `csc-webdav`'s `parse_rate` test gives the wasm rate);
//! 3. a 200 MB upload and download through csc-webdav's native transport vs curl on the same
//!    file, and the server's peak memory (VmHWM) before and after.
//!
//! `cargo xtask bench-webdav` builds the server and runs this with `--server <binary>`. Timings are
//! reported, never asserted. Sizes can be lowered for a quick look: `--files N --big-mb M`.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use csc_core::store::{ChunkStream, RemoteError, RemoteStore, WriteInfo};
use csc_core::{ItemPath, Millis, Precondition};
use csc_testkit::mem::run;
use csc_webdav::native::NativeTransport;
use csc_webdav::{DavStore, Limits, Recording, Request, Response, ShareUrl, Transport, parse};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(binary: &Path, root: &Path) -> (Server, u16) {
    let port = free_port();
    let child = Command::new(binary)
        .arg("--root")
        .arg(root)
        .args(["--addr", &format!("127.0.0.1:{port}"), "--rescan-secs", "0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    let t = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(t.elapsed() < Duration::from_secs(600), "server start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (Server(child), port)
}

/// A transport that hides the server's sync-collection (REPORT is sent as a method the server
/// refuses), for the walk baseline.
#[derive(Debug)]
struct NoReport(NativeTransport);

impl Transport for NoReport {
    type Body = <NativeTransport as Transport>::Body;

    async fn send<U: ChunkStream>(
        &self,
        request: &Request,
        upload: Option<U>,
    ) -> Result<Response<Self::Body>, RemoteError> {
        let mut request = request.clone();
        if request.method == "REPORT" {
            request.method = "PATCH";
        }
        self.0.send(&request, upload).await
    }

    fn now_ms(&self) -> i64 {
        self.0.now_ms()
    }
}

fn native() -> NativeTransport {
    NativeTransport::new(None, Duration::from_secs(600))
}

fn store<T: Transport>(url: &str, transport: T) -> DavStore<Recording<T>> {
    DavStore::new(ShareUrl::new(url).unwrap(), Recording::new(transport))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn vm_hwm_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

struct FileChunks(std::fs::File);

impl ChunkStream for FileChunks {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, RemoteError> {
        use std::io::Read;
        let mut buf = vec![0u8; 1 << 20];
        let n = self
            .0
            .read(&mut buf)
            .map_err(|e| RemoteError::Local(e.to_string()))?;
        if n == 0 {
            return Ok(None);
        }
        buf.truncate(n);
        Ok(Some(buf))
    }
}

fn curl(args: &[&str]) -> Duration {
    let t = Instant::now();
    let ok = Command::new("curl")
        .args(["-s", "-f", "-o", "/dev/null"])
        .args(args)
        .status()
        .expect("curl runs");
    assert!(ok.success(), "curl {args:?}");
    t.elapsed()
}

fn main() {
    let binary =
        PathBuf::from(arg("--server").unwrap_or_else(|| "target/release/csc-server".into()));
    let files: usize = arg("--files")
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let big_mb: usize = arg("--big-mb").and_then(|n| n.parse().ok()).unwrap_or(200);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("share");

    // 1. A share of `files` files in folders of 100.
    let t = Instant::now();
    for i in 0..files {
        let folder = root.join(format!("f{:04}", i / 100));
        if i % 100 == 0 {
            std::fs::create_dir_all(&folder).unwrap();
        }
        std::fs::write(folder.join(format!("file{i}.txt")), format!("content {i}")).unwrap();
    }
    // The 10,000-entry folder.
    let wide = root.join("wide");
    std::fs::create_dir_all(&wide).unwrap();
    for i in 0..10_000 {
        std::fs::write(wide.join(format!("entry{i:05}.dat")), b"x").unwrap();
    }
    println!(
        "share: {files} files in {} folders + a 10,000-entry folder, written in {:.0} ms",
        files.div_ceil(100),
        ms(t.elapsed())
    );
    let t = Instant::now();
    let (server, port) = start(&binary, &root);
    println!(
        "server: first start journaled the share in {:.0} ms",
        ms(t.elapsed())
    );
    let url = format!("http://127.0.0.1:{port}/dav/");

    let with_report = store(&url, native());
    let t = Instant::now();
    let first = run(with_report.list(None)).unwrap();
    println!(
        "initial sync-collection listing: {} entries, {} request(s), {:.0} ms",
        first.entries.len(),
        with_report.transport().take().len(),
        ms(t.elapsed())
    );
    let token = first.token.clone().expect("a token");
    let mut best = Duration::MAX;
    let mut requests = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let delta = run(with_report.list(Some(&token))).unwrap();
        best = best.min(t.elapsed());
        requests = with_report.transport().take().len();
        assert!(delta.entries.is_empty() && delta.removed.is_empty());
    }
    let report_ms = ms(best);
    println!(
        "no-op listing with sync-collection: {requests} request(s), {report_ms:.2} ms (best of 5; goal: 1 request, <= 50 ms)"
    );

    let walker = store(&url, NoReport(native()));
    let t = Instant::now();
    let walked = run(walker.list(None)).unwrap();
    let walk = t.elapsed();
    let walk_requests = walker.transport().take().len();
    println!(
        "no-op listing by full PROPFIND walk: {walk_requests} requests, {:.0} ms, {} entries",
        ms(walk),
        walked.entries.len()
    );
    println!(
        "sync-collection vs walk: {:.0}x faster, {}x fewer requests",
        ms(walk) / report_ms,
        walk_requests / requests.max(1)
    );

    // 2. PROPFIND Depth 1 of the wide folder.
    let share = ShareUrl::new(&url).unwrap();
    let req = csc_webdav::request::propfind(
        &share,
        &ItemPath::new("wide").unwrap(),
        csc_webdav::Depth::One,
        true,
    );
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .allow_non_standard_methods(true)
        .build()
        .new_agent();
    let mut server_best = Duration::MAX;
    let mut body = Vec::new();
    for _ in 0..5 {
        let mut b = http::Request::builder().method("PROPFIND").uri(&req.url);
        for (n, v) in &req.headers {
            b = b.header(*n, v.as_str());
        }
        let t = Instant::now();
        let mut response = agent
            .run(b.body(req.body.clone().unwrap()).unwrap())
            .unwrap();
        body = response
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .unwrap();
        server_best = server_best.min(t.elapsed());
    }
    let mut parse_best = Duration::MAX;
    let limits = Limits::default();
    for _ in 0..5 {
        let t = Instant::now();
        let listing = parse(&body, &share, &limits).unwrap();
        parse_best = parse_best.min(t.elapsed());
        assert_eq!(listing.entries.len(), 10_001);
    }
    println!(
        "PROPFIND Depth 1 of 10,000 entries: server answer {:.0} ms ({} bytes), client parse {:.1} ms = {:.0} entries/s (native)",
        ms(server_best),
        body.len(),
        ms(parse_best),
        10_001.0 / parse_best.as_secs_f64()
    );

    // 3. A big file up and down, ours vs curl.
    let big = dir.path().join("big.bin");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&big).unwrap();
        let block: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
        for _ in 0..big_mb {
            f.write_all(&block).unwrap();
        }
    }
    let size = (big_mb as u64) << 20;
    let pid = server.0.id();
    let hwm_before = vm_hwm_kb(pid);
    let uploader = store(&url, native());
    let info = WriteInfo {
        size,
        modified: Millis(0),
        attributes: 0,
    };
    // The first write probes preconditions; do it before timing.
    let small = WriteInfo {
        size: 1,
        modified: Millis(0),
        attributes: 0,
    };
    struct One(Option<Vec<u8>>);
    impl ChunkStream for One {
        async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, RemoteError> {
            Ok(self.0.take())
        }
    }
    run(uploader.write(
        &ItemPath::new("warm").unwrap(),
        &Precondition::MustNotExist,
        &small,
        One(Some(vec![1])),
    ))
    .unwrap();
    let t = Instant::now();
    run(uploader.write(
        &ItemPath::new("big-ours.bin").unwrap(),
        &Precondition::MustNotExist,
        &info,
        FileChunks(std::fs::File::open(&big).unwrap()),
    ))
    .unwrap();
    let up_ours = t.elapsed();
    let up_curl = curl(&["-T", big.to_str().unwrap(), &format!("{url}big-curl.bin")]);
    let t = Instant::now();
    let (_, mut body) =
        run(uploader.read(&ItemPath::new("big-ours.bin").unwrap(), None, None)).unwrap();
    let mut got = 0u64;
    while let Some(c) = run(body.next_chunk()).unwrap() {
        got += c.len() as u64;
    }
    assert_eq!(got, size);
    let down_ours = t.elapsed();
    let down_curl = curl(&[&format!("{url}big-curl.bin")]);
    let hwm_after = vm_hwm_kb(pid);
    let mbps = |d: Duration| size as f64 / (1 << 20) as f64 / d.as_secs_f64();
    println!(
        "upload {big_mb} MB: ours {:.0} MB/s, curl {:.0} MB/s, ratio {:.2} (goal >= 0.8)",
        mbps(up_ours),
        mbps(up_curl),
        up_curl.as_secs_f64() / up_ours.as_secs_f64()
    );
    println!(
        "download {big_mb} MB: ours {:.0} MB/s, curl {:.0} MB/s, ratio {:.2} (goal >= 0.8)",
        mbps(down_ours),
        mbps(down_curl),
        down_curl.as_secs_f64() / down_ours.as_secs_f64()
    );
    println!(
        "server peak memory (VmHWM): {} MB before the transfers, {} MB after (streaming: it does not grow with the file)",
        hwm_before / 1024,
        hwm_after / 1024
    );
}
