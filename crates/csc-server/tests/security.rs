//! The path-safety corpus: traversal, encoding tricks, symbolic links out of the share, the
//! state folder, foreign Destinations. Every attempt must be refused with a 4xx, and nothing
//! outside the share may be read or written.

mod common;

use common::TestServer;

const SECRET: &[u8] = b"TOPSECRET outside the share";

/// What the corpus needs around the share: a secret file and a folder outside it, links to
/// them inside it.
fn server() -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("share");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(dir.path().join("secret.txt"), SECRET).unwrap();
    std::fs::create_dir(dir.path().join("outside")).unwrap();
    std::fs::write(dir.path().join("outside/file"), SECRET).unwrap();
    std::fs::write(root.join("inner.txt"), b"inner").unwrap();
    std::fs::create_dir(root.join("sub")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link_out")).unwrap();
    std::os::unix::fs::symlink("../secret.txt", root.join("rel_link_out")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("outside"), root.join("link_dir")).unwrap();
    std::os::unix::fs::symlink("/etc", root.join("link_etc")).unwrap();
    std::os::unix::fs::symlink(root.join("sub"), root.join("link_dir_in")).unwrap();
    std::os::unix::fs::symlink(root.join("inner.txt"), root.join("link_in")).unwrap();
    TestServer::start_at(dir, root, |o| o)
}

/// Everything outside the share, to compare before and after.
fn outside(s: &TestServer) -> Vec<(String, Vec<u8>)> {
    let base = s.dir.path();
    let mut out = Vec::new();
    for entry in walk(base) {
        let rel = entry
            .strip_prefix(base)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if rel.starts_with("share") {
            continue;
        }
        let content = std::fs::read(&entry).unwrap_or_default();
        out.push((rel, content));
    }
    out.sort();
    out
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let t = e.file_type().unwrap();
        out.push(e.path());
        if t.is_dir() {
            out.extend(walk(&e.path()));
        }
    }
    out
}

/// Method, raw path, extra headers.
type Attempt = (&'static str, String, Vec<(&'static str, String)>);

#[test]
fn every_traversal_encoding_and_link_attempt_is_refused_and_nothing_outside_is_touched() {
    let s = server();
    let before = outside(&s);
    let host = s.host();
    let h = |p: &str| format!("http://{host}{p}");

    let mut attempts: Vec<Attempt> = Vec::new();
    let paths = [
        "/dav/../secret.txt",
        "/dav/%2e%2e/secret.txt",
        "/dav/%2E%2E/secret.txt",
        "/dav/.%2e/secret.txt",
        "/dav/%2e./secret.txt",
        "/dav/..%2fsecret.txt",
        "/dav/..%2Fsecret.txt",
        "/dav/%2e%2e%2fsecret.txt",
        "/dav/..%5csecret.txt",
        "/dav/..%5Csecret.txt",
        "/dav/sub/../../secret.txt",
        "/dav/sub/%2e%2e/%2e%2e/secret.txt",
        "/dav/./inner.txt",
        "/dav/%2e/inner.txt",
        "/dav/inner.txt%00",
        "/dav/%00",
        "/dav/a%00b",
        "/dav//etc/passwd",
        "/dav/sub//inner.txt",
        "/dav/%c0%ae%c0%ae/secret.txt",
        "/dav/%c0%afetc",
        "/dav/%ff%fe",
        "/dav/a%5cb",
        "/dav/%01control",
        "/dav/tab%09name",
        "/dav/line%0abreak",
        "/dav/link_out",
        "/dav/rel_link_out",
        "/dav/link_dir/",
        "/dav/link_dir/file",
        "/dav/link_etc/passwd",
        "/dav/link_dir_in/",
        "/dav/.offline-files/journal.sqlite",
        "/dav/.offline-files/",
        "/dav/%2eoffline-files/journal.sqlite",
        "/secret.txt",
        "/dav/../../../../etc/passwd",
    ];
    for p in paths {
        attempts.push(("GET", p.to_owned(), vec![]));
    }
    for p in [
        "/dav/../secret.txt",
        "/dav/%2e%2e/secret.txt",
        "/dav/link_out",
        "/dav/rel_link_out",
        "/dav/link_dir/new.txt",
        "/dav/link_etc/evil",
        "/dav/.offline-files/journal.sqlite",
        "/dav/sub%2f..%2f..%2fsecret.txt",
    ] {
        attempts.push(("PUT", p.to_owned(), vec![]));
    }
    for p in [
        "/dav/link_out",
        "/dav/link_dir/file",
        "/dav/%2e%2e/secret.txt",
    ] {
        attempts.push(("DELETE", p.to_owned(), vec![]));
        attempts.push(("PROPPATCH", p.to_owned(), vec![]));
    }
    attempts.push(("MKCOL", "/dav/link_dir/newdir".into(), vec![]));
    attempts.push((
        "PROPFIND",
        "/dav/link_dir/".into(),
        vec![("depth", "1".into())],
    ));
    attempts.push(("LOCK", "/dav/link_out".into(), vec![]));
    for dest in [
        "http://evil.example/dav/stolen".to_owned(),
        "/dav/../stolen".to_owned(),
        h("/dav/%2e%2e/stolen"),
        h("/stolen"),
        h("/dav/link_dir/stolen"),
        h("/dav/.offline-files/stolen"),
        "file:///tmp/stolen".to_owned(),
        "//evil.example/dav/stolen".to_owned(),
        h("/dav/a%2fb"),
        "not a url".to_owned(),
    ] {
        attempts.push((
            "MOVE",
            "/dav/inner.txt".into(),
            vec![("destination", dest.clone())],
        ));
        attempts.push(("COPY", "/dav/inner.txt".into(), vec![("destination", dest)]));
    }
    attempts.push((
        "COPY",
        "/dav/link_out".into(),
        vec![("destination", h("/dav/copied"))],
    ));
    attempts.push((
        "MOVE",
        "/dav/link_dir/file".into(),
        vec![("destination", h("/dav/moved"))],
    ));

    assert!(attempts.len() >= 50, "{} attempts", attempts.len());
    let mut refused = 0;
    for (method, path, headers) in &attempts {
        let mut b = s.request(method, path);
        for (n, v) in headers {
            b = b.header(*n, v.as_str());
        }
        let body = match *method {
            "PUT" => b"overwritten".to_vec(),
            "PROPPATCH" => br#"<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><x xmlns="urn:x">1</x></D:prop></D:set></D:propertyupdate>"#.to_vec(),
            _ => Vec::new(),
        };
        let a = s.call(b.body(axum::body::Body::from(body)).unwrap());
        assert!(
            (400..500).contains(&a.status),
            "{method} {path} {headers:?} was answered {}: {}",
            a.status,
            a.text()
        );
        assert!(
            !a.body.windows(9).any(|w| w == b"TOPSECRET"),
            "{method} {path} leaked the secret"
        );
        refused += 1;
    }
    println!("security corpus: {refused} attempts, all refused with 4xx");
    assert_eq!(outside(&s), before, "nothing outside the share changed");
    assert_eq!(std::fs::read(s.root().join("inner.txt")).unwrap(), b"inner");
    assert!(!s.dir.path().join("stolen").exists());
}

#[test]
fn a_link_to_a_file_inside_the_share_is_served() {
    let s = server();
    let a = s.send("GET", "/dav/link_in", &[], b"");
    assert_eq!(a.status, 200);
    assert_eq!(a.body, b"inner");
    let listing = s.send("PROPFIND", "/dav/", &[("depth", "1")], b"").text();
    assert!(listing.contains("/dav/link_in"), "{listing}");
    for hidden in ["link_out", "link_dir", "link_etc", "link_dir_in"] {
        assert!(
            !listing.contains(&format!("/dav/{hidden}")),
            "{hidden} listed"
        );
    }
}
