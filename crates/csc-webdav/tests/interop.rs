//! The WebDAV client against independent servers from Debian's packages (installed by
//! `cargo xtask setup`): Apache httpd with mod_dav, and rclone's `serve webdav`. Each test starts
//! its server on a free loopback port over a temporary folder and stops it at the end.
//!
//! What they show:
//! - Apache honours If-Match / If-None-Match but has no sync-collection and refuses PROPFIND
//!   Depth infinity: the client lists by Depth 1 walks, and every conditional request works —
//!   after Apache's weak-ETag second (a file's ETag is weak, so never matches, in the second
//!   after it changed).
//! - rclone 1.60 ignores If-Match and If-None-Match: the client reads and lists, and refuses
//!   every write with a clear error rather than risk overwriting someone else's change.

#![cfg(not(target_arch = "wasm32"))]

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use csc_core::store::{ChunkStream, RemoteError, RemoteStore, WriteInfo};
use csc_core::{Millis, Precondition};
use csc_testkit::mem::run;
use csc_testkit::p;
use csc_webdav::native::NativeTransport;
use csc_webdav::{DavStore, ShareUrl};

/// A server process, stopped on drop.
struct Server {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM lets Apache stop its workers too.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(port: u16, what: &str) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{what} did not start listening on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn apache() -> (Server, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path();
    let share = base.join("share");
    std::fs::create_dir_all(&share).unwrap();
    std::fs::create_dir_all(base.join("lock")).unwrap();
    let port = free_port();
    let user = if is_root() {
        // Apache started as root serves as www-data, which must own the share.
        let ok = Command::new("chown")
            .args(["-R", "www-data:www-data"])
            .arg(&share)
            .arg(base.join("lock"))
            .status()
            .unwrap();
        assert!(ok.success());
        std::fs::set_permissions(base, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        "User www-data\nGroup www-data\n"
    } else {
        ""
    };
    let modules = "/usr/lib/apache2/modules";
    let conf = format!(
        "ServerRoot {b}\nListen 127.0.0.1:{port}\nPidFile {b}/httpd.pid\nErrorLog {b}/error.log\n\
         LoadModule mpm_event_module {modules}/mod_mpm_event.so\n\
         LoadModule authz_core_module {modules}/mod_authz_core.so\n\
         LoadModule alias_module {modules}/mod_alias.so\n\
         LoadModule dav_module {modules}/mod_dav.so\n\
         LoadModule dav_fs_module {modules}/mod_dav_fs.so\n\
         {user}ServerName localhost\nDavLockDB {b}/lock/DavLock\n\
         Alias /dav {s}\n<Directory {s}>\n  Dav On\n  Require all granted\n</Directory>\n",
        b = base.display(),
        s = share.display(),
    );
    let conf_path = base.join("httpd.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let child = Command::new("apache2")
        .arg("-f")
        .arg(&conf_path)
        .arg("-DFOREGROUND")
        .spawn()
        .expect("apache2 runs (cargo xtask setup installs the Debian package)");
    wait_for(port, "apache2");
    (
        Server {
            child,
            url: format!("http://127.0.0.1:{port}/dav/"),
            _dir: dir,
        },
        share,
    )
}

fn rclone(setup: impl FnOnce(&Path)) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let share = dir.path().join("share");
    std::fs::create_dir_all(&share).unwrap();
    setup(&share);
    let port = free_port();
    let child = Command::new("rclone")
        .args(["serve", "webdav", "--config", "/dev/null", "--addr"])
        .arg(format!("127.0.0.1:{port}"))
        .arg(&share)
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("rclone runs (cargo xtask setup installs the Debian package)");
    wait_for(port, "rclone");
    Server {
        child,
        url: format!("http://127.0.0.1:{port}/"),
        _dir: dir,
    }
}

fn client(url: &str) -> DavStore<NativeTransport> {
    DavStore::new(
        ShareUrl::new(url).unwrap(),
        NativeTransport::new(None, Duration::from_secs(30)),
    )
}

struct Bytes(Option<Vec<u8>>);

impl ChunkStream for Bytes {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, RemoteError> {
        Ok(self.0.take())
    }
}

fn info(size: u64) -> WriteInfo {
    WriteInfo {
        size,
        modified: Millis(0),
        attributes: 0,
    }
}

fn write(
    store: &DavStore<NativeTransport>,
    path: &str,
    pre: &Precondition,
    data: &[u8],
) -> Result<csc_core::Meta, RemoteError> {
    run(store.write(
        &p(path),
        pre,
        &info(data.len() as u64),
        Bytes(Some(data.to_vec())),
    ))
}

fn read(
    store: &DavStore<NativeTransport>,
    path: &str,
    range: Option<std::ops::Range<u64>>,
) -> Vec<u8> {
    let (_, mut body) = run(store.read(&p(path), None, range)).unwrap();
    let mut out = Vec::new();
    while let Some(c) = run(body.next_chunk()).unwrap() {
        out.extend(c);
    }
    out
}

/// Apache's ETag is weak during the second after a change; wait it out.
fn weak_etag_second() {
    std::thread::sleep(Duration::from_millis(1100));
}

#[test]
fn against_apache_mod_dav_every_operation_keeps_its_precondition() {
    let (server, share) = apache();
    let store = client(&server.url);

    let empty = run(store.list(None)).unwrap();
    assert!(empty.entries.is_empty() && !empty.delta);
    run(store.make_dir(&p("d"))).unwrap();
    let v1 = write(&store, "d/f", &Precondition::MustNotExist, b"one").unwrap();
    assert!(
        matches!(
            write(&store, "d/f", &Precondition::MustNotExist, b"two"),
            Err(RemoteError::PreconditionFailed(_))
        ),
        "If-None-Match: * on an existing file"
    );
    weak_etag_second();
    let listed = run(store.list(None)).unwrap();
    let f = listed.entries.iter().find(|e| e.path == p("d/f")).unwrap();
    assert_eq!(
        f.meta.version, v1.version,
        "the version survives the weak-to-strong ETag"
    );
    let v2 = write(
        &store,
        "d/f",
        &Precondition::Version(v1.version.clone()),
        b"two",
    )
    .unwrap();
    assert_ne!(v1.version, v2.version);
    assert!(
        matches!(
            write(
                &store,
                "d/f",
                &Precondition::Version(v1.version.clone()),
                b"stale"
            ),
            Err(RemoteError::PreconditionFailed(_))
        ),
        "If-Match with a stale version gets 412"
    );
    assert_eq!(std::fs::read(share.join("d/f")).unwrap(), b"two");
    assert_eq!(read(&store, "d/f", None), b"two");
    assert_eq!(read(&store, "d/f", Some(1..3)), b"wo");

    weak_etag_second();
    assert!(matches!(
        run(store.move_item(&p("d/f"), &p("d/g"), &v1.version)),
        Err(RemoteError::PreconditionFailed(_))
    ));
    let moved = run(store.move_item(&p("d/f"), &p("d/g"), &v2.version)).unwrap();
    assert!(share.join("d/g").exists() && !share.join("d/f").exists());
    assert!(matches!(
        run(store.delete(&p("d/g"), &v1.version)),
        Err(RemoteError::PreconditionFailed(_))
    ));
    run(store.delete(&p("d/g"), &moved.version)).unwrap();
    assert!(!share.join("d/g").exists());

    // No sync-collection, no Depth infinity: a full listing by Depth 1 walks, and a token
    // asks for a full listing.
    std::fs::create_dir_all(share.join("d/deep/er")).unwrap();
    std::fs::write(share.join("d/deep/er/x"), b"x").unwrap();
    let all = run(store.list(None)).unwrap();
    let paths: Vec<&str> = all.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["d", "d/deep", "d/deep/er", "d/deep/er/x"]);
    assert!(matches!(
        run(store.list(Some("any"))),
        Err(RemoteError::TokenExpired)
    ));
}

#[test]
fn against_rclone_the_client_lists_and_reads_but_refuses_to_write_without_preconditions() {
    let server = rclone(|share| {
        std::fs::create_dir_all(share.join("docs/sub")).unwrap();
        std::fs::write(share.join("docs/a.txt"), b"alpha").unwrap();
        std::fs::write(share.join("docs/sub/b.txt"), b"bravo").unwrap();
    });
    let store = client(&server.url);
    let all = run(store.list(None)).unwrap();
    let paths: Vec<&str> = all.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["docs", "docs/a.txt", "docs/sub", "docs/sub/b.txt"]);
    assert_eq!(read(&store, "docs/sub/b.txt", None), b"bravo");
    assert_eq!(read(&store, "docs/a.txt", Some(1..4)), b"lph");
    assert!(matches!(
        run(store.list(Some("any"))),
        Err(RemoteError::TokenExpired)
    ));
    let err = write(&store, "docs/new.txt", &Precondition::MustNotExist, b"x").unwrap_err();
    assert!(
        matches!(&err, RemoteError::Protocol(m) if m.contains("ignores If-Match")),
        "{err}"
    );
    let version = all.entries[1].meta.version.clone();
    assert!(run(store.delete(&p("docs/a.txt"), &version)).is_err());
    // The probe left nothing behind, and nothing was changed.
    let after = run(store.list(None)).unwrap();
    assert_eq!(after.entries.len(), 4);
    assert_eq!(read(&store, "docs/a.txt", None), b"alpha");
}
