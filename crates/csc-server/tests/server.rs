//! csc-server's promises, through its router and through a real socket: start-up rules, auth,
//! CORS, limits, atomic conditional writes, the journal (ETags, sync-collection, restarts,
//! rescans).

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::sync::Arc;

use axum::body::Body;
use bytes::Bytes;
use common::{TestServer, members, token_of};
use csc_server::{Options, ServerError, Share, check_bind};

#[test]
fn a_missing_root_is_created_and_a_file_given_as_root_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("new/share");
    let share = Share::open(Options::new(&root)).unwrap();
    assert!(root.is_dir());
    drop(share);
    let file = dir.path().join("plain.txt");
    std::fs::write(&file, b"x").unwrap();
    let err = Share::open(Options::new(&file)).unwrap_err();
    assert!(matches!(err, ServerError::RootIsFile(_)), "{err}");
    assert!(err.to_string().contains("give --root a folder"), "{err}");
}

#[test]
fn binding_beyond_loopback_needs_a_token() {
    let any: std::net::SocketAddr = "0.0.0.0:8080".parse().unwrap();
    let err = check_bind(any, None).unwrap_err();
    assert!(err.to_string().contains("--token"), "{err}");
    check_bind(any, Some("s3cret")).unwrap();
    check_bind("127.0.0.1:8080".parse().unwrap(), None).unwrap();
    check_bind("[::1]:8080".parse().unwrap(), None).unwrap();
}

#[test]
fn a_wildcard_or_malformed_cors_origin_is_refused_at_start() {
    for bad in ["*", "localhost:3000", "http://bad\norigin"] {
        let dir = tempfile::tempdir().unwrap();
        let mut o = Options::new(dir.path().join("s"));
        o.allowed_origins = vec![bad.to_owned()];
        assert!(
            matches!(Share::open(o), Err(ServerError::BadOrigin(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn with_a_token_the_share_needs_it_as_bearer_or_basic_password_but_the_app_does_not() {
    let s = TestServer::start(|o| Options {
        token: Some("s3cret".into()),
        ..o
    });
    let none = s.send("PROPFIND", "/dav/", &[("depth", "0")], b"");
    assert_eq!(none.status, 401);
    assert!(
        none.header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );
    let wrong = s.send(
        "PROPFIND",
        "/dav/",
        &[("depth", "0"), ("authorization", "Bearer nope")],
        b"",
    );
    assert_eq!(wrong.status, 401);
    let ok = s.send(
        "PROPFIND",
        "/dav/",
        &[("depth", "0"), ("authorization", "Bearer s3cret")],
        b"",
    );
    assert_eq!(ok.status, 207);
    // user:s3cret
    let basic = s.send(
        "PROPFIND",
        "/dav/",
        &[("depth", "0"), ("authorization", "Basic dXNlcjpzM2NyZXQ=")],
        b"",
    );
    assert_eq!(basic.status, 207);
    let bad_basic = s.send(
        "GET",
        "/dav/",
        &[("authorization", "Basic dXNlcjpub3Bl")],
        b"",
    );
    assert_eq!(bad_basic.status, 401);
    assert!(
        bad_basic
            .header("www-authenticate")
            .unwrap()
            .starts_with("Basic")
    );
    assert_eq!(s.send("GET", "/", &[], b"").status, 200);
}

#[test]
fn cors_preflight_for_webdav_methods_answers_configured_origins_only() {
    let s = TestServer::start(|o| Options {
        allowed_origins: vec!["http://app.example:5173".into()],
        ..o
    });
    let preflight = |origin: &str| {
        s.send(
            "OPTIONS",
            "/dav/x",
            &[
                ("origin", origin),
                ("access-control-request-method", "PROPFIND"),
                (
                    "access-control-request-headers",
                    "depth, if-match, authorization",
                ),
            ],
            b"",
        )
    };
    let ok = preflight("http://app.example:5173");
    assert_eq!(
        ok.header("access-control-allow-origin"),
        Some("http://app.example:5173")
    );
    assert_eq!(ok.header("access-control-allow-credentials"), Some("true"));
    let methods = ok.header("access-control-allow-methods").unwrap();
    for m in ["PROPFIND", "REPORT", "MOVE", "MKCOL", "PUT"] {
        assert!(methods.contains(m), "{methods}");
    }
    let headers = ok.header("access-control-allow-headers").unwrap();
    assert!(
        headers.contains("if-match") && headers.contains("depth"),
        "{headers}"
    );
    let other = preflight("http://evil.example");
    assert_eq!(other.header("access-control-allow-origin"), None);
    let get = s.send(
        "GET",
        "/dav/",
        &[("origin", "http://app.example:5173")],
        b"",
    );
    assert!(
        get.header("access-control-expose-headers")
            .unwrap()
            .contains("etag")
    );
}

#[test]
fn bodies_over_the_limits_and_xml_nested_too_deep_are_refused() {
    let s = TestServer::start(|o| Options {
        max_upload: 1000,
        max_xml_body: 4096,
        ..o
    });
    let big = s.send(
        "PUT",
        "/dav/big",
        &[("content-length", "1001")],
        &[b'x'; 1001],
    );
    assert_eq!(big.status, 413, "{}", big.text());
    assert!(big.text().contains("1000 bytes"));
    // Without a length (chunked), the upload is cut at the limit.
    let chunked = s.send("PUT", "/dav/big", &[], &[b'x'; 1001]);
    assert_eq!(chunked.status, 413, "{}", chunked.text());
    assert!(!s.root().join("big").exists());
    let fits = s.send("PUT", "/dav/big", &[], &[b'x'; 1000]);
    assert_eq!(fits.status, 201);
    let xml = s.send("PROPFIND", "/dav/", &[("depth", "0")], &vec![b' '; 5000]);
    assert_eq!(xml.status, 413);
    let deep = format!(
        "<?xml version=\"1.0\"?><propfind xmlns=\"DAV:\">{}{}</propfind>",
        "<prop>".repeat(100),
        "</prop>".repeat(100)
    );
    let deep = s.send("PROPFIND", "/dav/", &[("depth", "0")], deep.as_bytes());
    assert_eq!(deep.status, 400);
    assert!(deep.text().contains("deeper"), "{}", deep.text());
}

#[test]
fn etags_are_strong_change_with_every_content_change_and_stay_for_the_same_content() {
    let s = TestServer::start(|o| o);
    assert_eq!(s.send("PUT", "/dav/f", &[], b"one").status, 201);
    let one = s.etag("/dav/f");
    assert!(one.starts_with('"') && !one.starts_with("W/"), "{one}");
    assert_eq!(s.send("PUT", "/dav/f", &[], b"two").status, 204);
    let two = s.etag("/dav/f");
    assert_ne!(one, two);
    // Same length, same second: still a new ETag.
    assert_eq!(s.send("PUT", "/dav/f", &[], b"tw0").status, 204);
    assert_ne!(two, s.etag("/dav/f"));
    // The content hashes are live properties, answered when asked for by name.
    let body = br#"<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:offline-files:csc"><d:prop><d:getetag/><c:md5/><c:sha256/></d:prop></d:propfind>"#;
    let listing = s.send("PROPFIND", "/dav/f", &[("depth", "0")], body);
    let text = listing.text();
    // md5("tw0") and sha256("tw0").
    assert!(
        text.contains(">55170374ac27e602bb3c0785b3b6d410<"),
        "{text}"
    );
    assert!(text.contains(":sha256"), "{text}");
}

#[test]
fn two_concurrent_puts_with_the_same_if_match_exactly_one_wins() {
    let s = TestServer::start(|o| o);
    assert_eq!(s.send("PUT", "/dav/f", &[], b"base").status, 201);
    let etag = s.etag("/dav/f");
    // The first upload holds its body back until the second has been sent. With room for one
    // chunk in the channel, the second send returns only once the server has taken the first
    // chunk, that is, once the first PUT holds its lock and is writing.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    let first = s
        .request("PUT", "/dav/f")
        .header("if-match", etag.as_str())
        .header("content-length", "5")
        .body(Body::from_stream(futures_util::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|c| (c, rx)) },
        )))
        .unwrap();
    let app = csc_server::router(Arc::clone(&s.share));
    let first = s.rt.spawn(tower::ServiceExt::oneshot(app.clone(), first));
    s.rt.block_on(tx.send(Ok(Bytes::from_static(b"fir"))))
        .unwrap();
    s.rt.block_on(tx.send(Ok(Bytes::from_static(b"s"))))
        .unwrap();
    let second = s
        .request("PUT", "/dav/f")
        .header("if-match", etag.as_str())
        .body(Body::from("second"))
        .unwrap();
    let second = s.rt.spawn(tower::ServiceExt::oneshot(app, second));
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(!second.is_finished(), "the second PUT waits for the first");
    s.rt.block_on(tx.send(Ok(Bytes::from_static(b"t"))))
        .unwrap();
    drop(tx);
    let first = s.rt.block_on(first).unwrap().unwrap().status().as_u16();
    let second = s.rt.block_on(second).unwrap().unwrap().status().as_u16();
    assert_eq!((first, second), (204, 412));
    assert_eq!(std::fs::read(s.root().join("f")).unwrap(), b"first");

    // And many at once over real sockets: exactly one wins.
    let etag = s.etag("/dav/f");
    let url = format!("{}f", s.url());
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let (url, etag) = (url.clone(), etag.clone());
            std::thread::spawn(move || {
                let agent = ureq_agent();
                let r = agent
                    .put(&url)
                    .header("If-Match", &etag)
                    .send(format!("writer {i}").as_bytes())
                    .unwrap();
                r.status().as_u16()
            })
        })
        .collect();
    let statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 204).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 412).count(),
        7,
        "{statuses:?}"
    );
}

fn ureq_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .allow_non_standard_methods(true)
        .build()
        .new_agent()
}

#[test]
fn a_reader_sees_the_old_file_until_an_upload_completes_and_a_cut_upload_leaves_nothing() {
    let s = TestServer::start(|o| o);
    assert_eq!(s.send("PUT", "/dav/f", &[], b"old content").status, 201);
    // An upload over a socket that stops halfway and hangs up.
    let mut sock = TcpStream::connect(s.addr).unwrap();
    write!(
        sock,
        "PUT /dav/f HTTP/1.1\r\nHost: {}\r\nContent-Length: 1000\r\n\r\n",
        s.host()
    )
    .unwrap();
    sock.write_all(&[b'n'; 400]).unwrap();
    sock.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let during = s.send("GET", "/dav/f", &[], b"");
    assert_eq!(during.body, b"old content", "no reader sees half a file");
    drop(sock);
    // The server notices the hang-up and drops the temporary.
    let uploads = s.root().join(".offline-files/uploads");
    let start = std::time::Instant::now();
    while std::fs::read_dir(&uploads).unwrap().count() > 0 {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "the temporary of the cut upload is still there"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(std::fs::read(s.root().join("f")).unwrap(), b"old content");
}

#[test]
fn an_upload_that_ends_short_of_its_length_is_refused_and_changes_nothing() {
    let s = TestServer::start(|o| o);
    assert_eq!(s.send("PUT", "/dav/f", &[], b"old").status, 201);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let req = s
        .request("PUT", "/dav/f")
        .header("content-length", "10")
        .body(Body::from_stream(futures_util::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|c| (c, rx)) },
        )))
        .unwrap();
    s.rt.block_on(tx.send(Ok(Bytes::from_static(b"new"))))
        .unwrap();
    drop(tx);
    let a = s.call(req);
    assert!(a.status >= 400, "{}", a.status);
    assert_eq!(std::fs::read(s.root().join("f")).unwrap(), b"old");
}

#[test]
fn sync_collection_lists_all_then_only_changes_and_removals() {
    let s = TestServer::start(|o| o);
    s.send("MKCOL", "/dav/d", &[], b"");
    s.send("PUT", "/dav/d/a%20b.txt", &[], b"a");
    s.send("PUT", "/dav/keep", &[], b"k");
    let first = s.report("");
    assert_eq!(first.status, 207);
    let (all, gone) = members(&first);
    assert_eq!(all, ["/dav/d/", "/dav/d/a%20b.txt", "/dav/keep"]);
    assert!(gone.is_empty());
    let token = token_of(&first);

    let unchanged = s.report(&token);
    assert_eq!(members(&unchanged), (vec![], vec![]));
    assert_eq!(token_of(&unchanged), token);

    s.send("PUT", "/dav/d/a%20b.txt", &[], b"changed");
    s.send("DELETE", "/dav/keep", &[], b"");
    let delta = s.report(&token);
    let (changed, removed) = members(&delta);
    assert_eq!(changed, ["/dav/d/a%20b.txt"]);
    assert_eq!(removed, ["/dav/keep"]);
    assert!(delta.text().contains("<C:md5>"), "{}", delta.text());
}

#[test]
fn a_token_of_another_journal_or_garbage_is_refused_with_valid_sync_token() {
    let s = TestServer::start(|o| o);
    for bad in [
        "urn:offline-files:sync:000000000000:0",
        "garbage",
        "urn:offline-files:sync:x:99999",
    ] {
        let a = s.report(bad);
        assert_eq!(a.status, 403, "{bad}");
        assert!(a.text().contains("valid-sync-token"), "{}", a.text());
    }
    let other = s.send(
        "REPORT",
        "/dav/",
        &[],
        br#"<D:expand-property xmlns:D="DAV:"/>"#,
    );
    assert_eq!(other.status, 403);
    assert!(other.text().contains("supported-report"));
}

#[test]
fn sync_tokens_and_etags_survive_a_restart() {
    let s = TestServer::start(|o| o);
    s.send("PUT", "/dav/f", &[], b"one");
    let etag = s.etag("/dav/f");
    let token = token_of(&s.report(""));
    let TestServer { dir, share, rt, .. } = s;
    let root = share.root().to_path_buf();
    drop(rt);
    drop(share);
    let s = TestServer::start_at(dir, root, |o| o);
    assert_eq!(s.etag("/dav/f"), etag);
    let a = s.report(&token);
    assert_eq!(a.status, 207);
    assert_eq!(members(&a), (vec![], vec![]));
    s.send("PUT", "/dav/g", &[], b"two");
    assert_eq!(members(&s.report(&token)).0, ["/dav/g"]);
}

#[test]
fn changes_made_behind_the_servers_back_are_journaled_and_never_matched_by_a_stale_etag() {
    let s = TestServer::start(|o| o);
    s.send("PUT", "/dav/f", &[], b"one");
    s.send("PUT", "/dav/gone", &[], b"x");
    let etag = s.etag("/dav/f");
    let token = token_of(&s.report(""));
    // Edited on disk, same length.
    std::fs::write(s.root().join("f"), b"ONE").unwrap();
    let put = s.send("PUT", "/dav/f", &[("if-match", &etag)], b"mine");
    assert_eq!(
        put.status, 412,
        "a stale ETag does not match a changed file"
    );
    assert_eq!(std::fs::read(s.root().join("f")).unwrap(), b"ONE");
    // Added and removed on disk: the rescan journals both.
    std::fs::write(s.root().join("new.txt"), b"n").unwrap();
    std::fs::remove_file(s.root().join("gone")).unwrap();
    let report = s.rt.block_on(s.share.rescan()).unwrap();
    assert_eq!((report.added, report.removed), (1, 1), "{report:?}");
    let (changed, removed) = members(&s.report(&token));
    assert_eq!(changed, ["/dav/f", "/dav/new.txt"]);
    assert_eq!(removed, ["/dav/gone"]);
}

#[test]
fn changes_made_while_the_server_was_down_are_journaled_at_start() {
    let s = TestServer::start(|o| o);
    s.send("PUT", "/dav/f", &[], b"one");
    let token = token_of(&s.report(""));
    let TestServer { dir, share, rt, .. } = s;
    let root = share.root().to_path_buf();
    drop(rt);
    drop(share);
    std::fs::write(root.join("f"), b"edited offline").unwrap();
    std::fs::create_dir(root.join("dir")).unwrap();
    let s = TestServer::start_at(dir, root, |o| o);
    let (changed, _) = members(&s.report(&token));
    assert_eq!(changed, ["/dav/dir/", "/dav/f"]);
}

#[test]
fn the_state_folder_is_neither_listed_nor_reachable() {
    let s = TestServer::start(|o| o);
    s.send("PUT", "/dav/f", &[], b"x");
    let listing = s.send("PROPFIND", "/dav/", &[("depth", "1")], b"");
    assert!(
        !listing.text().contains("offline-files/"),
        "{}",
        listing.text()
    );
    assert!(
        !members(&s.report(""))
            .0
            .iter()
            .any(|h| h.contains(".offline"))
    );
    for path in [
        "/dav/.offline-files/journal.sqlite",
        "/dav/.offline-files/",
        "/dav/%2eoffline-files/journal.sqlite",
    ] {
        assert_eq!(s.send("GET", path, &[], b"").status, 403, "{path}");
        assert_eq!(s.send("DELETE", path, &[], b"").status, 403, "{path}");
    }
    assert!(s.root().join(".offline-files/journal.sqlite").exists());
}

#[test]
fn a_range_request_returns_the_range_with_the_etag() {
    let s = TestServer::start(|o| o);
    s.send("PUT", "/dav/f", &[], b"0123456789");
    let a = s.send("GET", "/dav/f", &[("range", "bytes=2-4")], b"");
    assert_eq!(a.status, 206);
    assert_eq!(a.body, b"234");
    assert_eq!(a.header("content-range"), Some("bytes 2-4/10"));
    assert!(a.header("etag").is_some());
}

#[test]
fn the_built_app_is_served_at_the_root_with_its_index_for_client_routes() {
    let app = tempfile::tempdir().unwrap();
    std::fs::write(app.path().join("index.html"), b"<!doctype html><p>app</p>").unwrap();
    std::fs::write(app.path().join("app.js"), b"console.log(1)").unwrap();
    let dir = app.path().to_path_buf();
    let s = TestServer::start(move |o| Options {
        app_dir: Some(dir),
        ..o
    });
    assert_eq!(
        s.send("GET", "/", &[], b"").body,
        b"<!doctype html><p>app</p>"
    );
    assert_eq!(s.send("GET", "/app.js", &[], b"").body, b"console.log(1)");
    let route = s.send("GET", "/shares/docs", &[], b"");
    assert_eq!(route.status, 200);
    assert_eq!(route.body, b"<!doctype html><p>app</p>");
    assert_eq!(
        s.send("PROPFIND", "/dav/", &[("depth", "0")], b"").status,
        207
    );
}
