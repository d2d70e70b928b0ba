//! The WebDAV protocol code: listings as real servers send them, a corpus of hostile and
//! broken answers that must all be refused, requests, and statuses.

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use csc_core::store::RemoteError;
use csc_core::{ItemKind, ItemPath, Precondition, Version};
use csc_webdav::request::{self, Depth};
use csc_webdav::status::{error_for, retry_after_ms};
use csc_webdav::{Limits, ParseError, ShareUrl, parse};
use proptest::prelude::*;

fn share() -> ShareUrl {
    ShareUrl::new("https://files.example/remote.php/dav/files/ann/").unwrap()
}

fn p(s: &str) -> ItemPath {
    ItemPath::new(s).unwrap()
}

fn multistatus(responses: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">{responses}</d:multistatus>"#
    )
}

fn file_response(href: &str, etag: &str) -> String {
    format!(
        r#"<d:response><d:href>{href}</d:href><d:propstat><d:prop><d:getetag>{etag}</d:getetag><d:getcontentlength>5</d:getcontentlength><d:getlastmodified>Sun, 06 Nov 1994 08:49:37 GMT</d:getlastmodified><d:resourcetype/></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"#
    )
}

// ----- listings as servers send them -----------------------------------------------------------

#[test]
fn an_apache_style_propfind_listing_gives_folders_files_versions_sizes_and_times() {
    let body = r#"<?xml version="1.0" encoding="utf-8"?>
<D:multistatus xmlns:D="DAV:" xmlns:ns0="DAV:">
<D:response xmlns:lp1="DAV:" xmlns:lp2="http://apache.org/dav/props/">
<D:href>/remote.php/dav/files/ann/</D:href>
<D:propstat><D:prop><lp1:resourcetype><D:collection/></lp1:resourcetype>
<lp1:getlastmodified>Tue, 21 Nov 2023 10:00:00 GMT</lp1:getlastmodified>
<lp1:getetag>"1000-5f0"</lp1:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>
<D:propstat><D:prop><ns0:getcontentlength/></D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>
</D:response>
<D:response xmlns:lp1="DAV:">
<D:href>/remote.php/dav/files/ann/Reports%20Q3/</D:href>
<D:propstat><D:prop><lp1:resourcetype><D:collection/></lp1:resourcetype>
<lp1:getlastmodified>Tue, 21 Nov 2023 10:00:01 GMT</lp1:getlastmodified></D:prop>
<D:status>HTTP/1.1 200 OK</D:status></D:propstat>
</D:response>
<D:response xmlns:lp1="DAV:">
<D:href>https://files.example/remote.php/dav/files/ann/Reports%20Q3/caf%C3%A9%20%26%20tea.txt</D:href>
<D:propstat><D:prop><lp1:resourcetype/><lp1:getcontentlength>1234</lp1:getcontentlength>
<lp1:getlastmodified>Tue, 21 Nov 2023 10:00:02 GMT</lp1:getlastmodified>
<lp1:getetag>W/"4d2-60a"</lp1:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>
</D:response>
</D:multistatus>"#;
    let listing = parse(body.as_bytes(), &share(), &Limits::default()).unwrap();
    let paths: Vec<&str> = listing.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["", "Reports Q3", "Reports Q3/café & tea.txt"]);
    let folder = listing.entries[1].meta.as_ref().unwrap();
    assert_eq!(folder.kind, ItemKind::Directory);
    let file = listing.entries[2].meta.as_ref().unwrap();
    assert_eq!(file.kind, ItemKind::File);
    // The weak mark Apache puts on a fresh file is dropped (see `entity_tag`).
    assert_eq!(file.version.as_str(), "\"4d2-60a\"");
    assert_eq!(file.size, 1234);
    assert_eq!(file.modified.0, 1_700_560_802_000);
    assert!(file.hash.is_none());
}

#[test]
fn a_nextcloud_style_md5_checksum_becomes_the_content_hash() {
    let body = multistatus(
        r#"<d:response><d:href>/remote.php/dav/files/ann/a.txt</d:href><d:propstat><d:prop><d:getetag>"e1"</d:getetag><d:getcontentlength>5</d:getcontentlength><d:resourcetype/><oc:checksums><oc:checksum>SHA1:aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d MD5:5d41402abc4b2a76b9719d911017c592 ADLER32:062c0215</oc:checksum></oc:checksums></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"#,
    );
    let listing = parse(body.as_bytes(), &share(), &Limits::default()).unwrap();
    let hash = listing.entries[0].meta.as_ref().unwrap().hash.unwrap();
    assert_eq!(hash, csc_core::engine::hash_bytes(b"hello"));
}

#[test]
fn a_sync_collection_report_gives_changes_removals_and_the_next_token() {
    let body = multistatus(&format!(
        r#"{}<d:response><d:href>/remote.php/dav/files/ann/gone.txt</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response><d:sync-token>http://example.com/ns/sync/1234</d:sync-token>"#,
        file_response("/remote.php/dav/files/ann/new.txt", "\"n1\"")
    ));
    let report = parse(body.as_bytes(), &share(), &Limits::default()).unwrap();
    assert_eq!(report.entries.len(), 2);
    assert!(report.entries[0].meta.is_some());
    assert_eq!(report.entries[1].path, p("gone.txt"));
    assert!(
        report.entries[1].meta.is_none(),
        "a 404 member is reported gone"
    );
    assert_eq!(
        report.sync_token.as_deref(),
        Some("http://example.com/ns/sync/1234")
    );
}

// ----- hostile and broken answers: every one is refused --------------------------------------

/// (what it tries, the body).
fn corpus() -> Vec<(&'static str, String)> {
    let one = |href: &str| multistatus(&file_response(href, "\"e\""));
    let deep = format!(
        "{}{}{}",
        r#"<d:multistatus xmlns:d="DAV:">"#,
        "<d:x>".repeat(100),
        "</d:x>".repeat(100) + "</d:multistatus>"
    );
    vec![
        ("not XML at all", "this is not xml".into()),
        ("HTML error page", "<html><body>502 Bad Gateway</body></html>".into()),
        ("truncated body", one("/remote.php/dav/files/ann/a.txt")[..120].to_owned()),
        ("mismatched tags", r#"<d:multistatus xmlns:d="DAV:"><d:response></d:multistatus>"#.into()),
        ("multistatus in another namespace", r#"<x:multistatus xmlns:x="urn:x"></x:multistatus>"#.into()),
        ("no namespace at all", "<multistatus><response><href>/a</href></response></multistatus>".into()),
        ("href on another host", one("https://evil.example/remote.php/dav/files/ann/a.txt")),
        ("href on another port", one("https://files.example:8443/remote.php/dav/files/ann/a.txt")),
        ("href with another scheme", one("http://files.example/remote.php/dav/files/ann/a.txt")),
        ("protocol-relative href", one("//evil.example/remote.php/dav/files/ann/a.txt")),
        ("href outside the share", one("/remote.php/dav/files/bob/secret.txt")),
        ("href above the share", one("/remote.php/dav/files/")),
        ("dot-dot segment", one("/remote.php/dav/files/ann/../bob/secret.txt")),
        ("encoded dot-dot", one("/remote.php/dav/files/ann/%2e%2e/bob/secret.txt")),
        ("mixed-case encoded dot-dot", one("/remote.php/dav/files/ann/%2E%2e/bob/secret.txt")),
        ("dot segment", one("/remote.php/dav/files/ann/./a.txt")),
        ("relative dot-dot", one("../bob/secret.txt")),
        ("encoded slash", one("/remote.php/dav/files/ann/a%2Fb.txt")),
        ("encoded lowercase slash", one("/remote.php/dav/files/ann/a%2fb.txt")),
        ("encoded backslash", one("/remote.php/dav/files/ann/..%5Csecret.txt")),
        ("encoded NUL", one("/remote.php/dav/files/ann/a%00.txt")),
        ("invalid UTF-8", one("/remote.php/dav/files/ann/%ff%fe.txt")),
        ("overlong UTF-8 slash", one("/remote.php/dav/files/ann/%c0%af.txt")),
        ("query string", one("/remote.php/dav/files/ann/a.txt?x=1")),
        ("fragment", one("/remote.php/dav/files/ann/a.txt#x")),
        ("empty segment", one("/remote.php/dav/files/ann/a//b.txt")),
        ("javascript URL", one("javascript:alert(1)")),
        ("file URL", one("file:///etc/passwd")),
        ("userinfo in URL", one("https://files.example@evil.example/remote.php/dav/files/ann/a.txt")),
        (
            "duplicate entries",
            multistatus(&(file_response("/remote.php/dav/files/ann/a.txt", "\"1\"")
                + &file_response("/remote.php/dav/files/ann/a.txt", "\"2\""))),
        ),
        (
            "duplicate entries spelled differently",
            multistatus(&(file_response("/remote.php/dav/files/ann/%7Ea.txt", "\"1\"")
                + &file_response("/remote.php/dav/files/ann/~a.txt", "\"2\""))),
        ),
        ("file without etag", multistatus(r#"<d:response><d:href>/remote.php/dav/files/ann/a.txt</d:href><d:propstat><d:prop><d:resourcetype/></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"#)),
        ("response without href", multistatus(r#"<d:response><d:propstat><d:prop><d:getetag>"e"</d:getetag></d:prop></d:propstat></d:response>"#)),
        ("negative length", multistatus(r#"<d:response><d:href>/remote.php/dav/files/ann/a.txt</d:href><d:propstat><d:prop><d:getetag>"e"</d:getetag><d:getcontentlength>-1</d:getcontentlength></d:prop></d:propstat></d:response>"#)),
        ("absurd length", multistatus(r#"<d:response><d:href>/remote.php/dav/files/ann/a.txt</d:href><d:propstat><d:prop><d:getetag>"e"</d:getetag><d:getcontentlength>99999999999999999999999</d:getcontentlength></d:prop></d:propstat></d:response>"#)),
        ("bad date", multistatus(r#"<d:response><d:href>/remote.php/dav/files/ann/a.txt</d:href><d:propstat><d:prop><d:getetag>"e"</d:getetag><d:getlastmodified>yesterday</d:getlastmodified></d:prop></d:propstat></d:response>"#)),
        ("bad md5", multistatus(r#"<d:response><d:href>/remote.php/dav/files/ann/a.txt</d:href><d:propstat><d:prop><d:getetag>"e"</d:getetag><oc:checksums><oc:checksum>MD5:xyz</oc:checksum></oc:checksums></d:prop></d:propstat></d:response>"#)),
        ("unknown entity (XXE)", r#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><d:multistatus xmlns:d="DAV:"><d:response><d:href>&xxe;</d:href></d:response></d:multistatus>"#.into()),
        ("entity expansion (billion laughs)", r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><d:multistatus xmlns:d="DAV:"><d:response><d:href>&lol2;</d:href></d:response></d:multistatus>"#.into()),
        ("nesting too deep", deep),
        ("text too long", multistatus(&file_response(&format!("/remote.php/dav/files/ann/{}", "a".repeat(100_000)), "\"e\""))),
        ("response inside a response", multistatus(r#"<d:response><d:response><d:href>/x</d:href></d:response></d:response>"#)),
        ("a name the share forbids", one("/remote.php/dav/files/ann/a%5Cb")),
        ("trailing garbage", one("/remote.php/dav/files/ann/a.txt") + "<d:multistatus xmlns:d=\"DAV:\">"),
    ]
}

#[test]
fn every_hostile_or_broken_answer_of_the_corpus_is_refused_with_an_error() {
    let corpus = corpus();
    assert!(corpus.len() >= 40, "{}", corpus.len());
    for (what, body) in corpus {
        let result = parse(body.as_bytes(), &share(), &Limits::default());
        assert!(result.is_err(), "{what}: accepted as {result:?}");
        let message = result.unwrap_err().to_string();
        assert!(!message.is_empty(), "{what}");
    }
}

#[test]
fn a_body_over_the_size_limit_is_refused_before_parsing() {
    let limits = Limits {
        max_body: 100,
        ..Limits::default()
    };
    let body = multistatus(&file_response("/remote.php/dav/files/ann/a.txt", "\"e\""));
    assert_eq!(
        parse(body.as_bytes(), &share(), &limits).unwrap_err(),
        ParseError::TooLarge("body")
    );
}

#[test]
fn too_many_entries_are_refused() {
    let limits = Limits {
        max_entries: 2,
        ..Limits::default()
    };
    let responses: String = (0..3)
        .map(|i| file_response(&format!("/remote.php/dav/files/ann/{i}.txt"), "\"e\""))
        .collect();
    assert_eq!(
        parse(multistatus(&responses).as_bytes(), &share(), &limits).unwrap_err(),
        ParseError::TooLarge("entries")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(target_arch = "wasm32") { 64 } else { 2000 }))]

    /// Whatever bytes a server sends, parsing ends with a listing or an error: never a panic.
    #[test]
    fn any_body_parses_or_fails_without_panicking(body in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse(&body, &share(), &Limits::default());
    }

    /// Whatever href a server sends, an accepted one names a path inside the share.
    #[test]
    fn an_accepted_href_is_always_a_path_inside_the_share(href in "[a-z/.%0-9A-F:?#@~]{0,40}") {
        if let Ok(path) = share().path_of(&href) {
            prop_assert!(!path.as_str().split('/').any(|s| s == ".." || s == "."));
            prop_assert!(!path.as_str().starts_with('/'));
        }
    }

    /// The URL the client sends for a path names that same path when a server echoes it back.
    #[test]
    fn an_item_url_comes_back_as_the_same_path(
        names in proptest::collection::vec("[a-zA-Z0-9 %&#?é~!()+,;=@\\[\\]'-]{1,12}", 1..4),
        collection in any::<bool>(),
    ) {
        let names: Vec<String> = names.into_iter().filter(|n| n != "." && n != "..").collect();
        prop_assume!(!names.is_empty());
        let path = ItemPath::new(&names.join("/"));
        prop_assume!(path.is_ok());
        let path = path.unwrap();
        let url = share().url(&path, collection);
        prop_assert_eq!(share().path_of(&url).unwrap(), path);
    }
}

// ----- requests --------------------------------------------------------------------------------

#[test]
fn writes_carry_their_preconditions_and_moves_never_overwrite() {
    let s = share();
    let create = request::put(&s, &p("a b.txt"), &Precondition::MustNotExist, 3);
    assert_eq!(create.method, "PUT");
    assert_eq!(
        create.url,
        "https://files.example/remote.php/dav/files/ann/a%20b.txt"
    );
    assert!(create.headers.contains(&("If-None-Match", "*".into())));
    let v = Version::new("\"v1\"");
    let update = request::put(&s, &p("a.txt"), &Precondition::Version(v.clone()), 3);
    assert!(update.headers.contains(&("If-Match", "\"v1\"".into())));
    let mv = request::move_item(&s, &p("a.txt"), &p("d/b.txt"), &v, false);
    assert!(mv.headers.contains(&(
        "Destination",
        "https://files.example/remote.php/dav/files/ann/d/b.txt".into()
    )));
    assert!(mv.headers.contains(&("Overwrite", "F".into())));
    assert!(mv.headers.contains(&("If-Match", "\"v1\"".into())));
    let del = request::delete(&s, &p("d"), &v, true);
    assert_eq!(del.url, "https://files.example/remote.php/dav/files/ann/d/");
    let ranged = request::get(&s, &p("a.txt"), Some(&v), Some(32..u64::MAX));
    assert!(ranged.headers.contains(&("Range", "bytes=32-".into())));
    let listing = request::propfind(&s, &ItemPath::root(), Depth::One, true);
    assert!(listing.headers.contains(&("Depth", "1".into())));
    assert!(listing.body.unwrap().contains("getetag"));
    let delta = request::sync_collection(&s, Some("tok<&>"));
    assert!(
        delta
            .body
            .unwrap()
            .contains("<d:sync-token>tok&lt;&amp;&gt;</d:sync-token>")
    );
}

// ----- statuses --------------------------------------------------------------------------------

#[test]
fn statuses_map_to_what_the_engine_does_next() {
    let path = p("a.txt");
    assert_eq!(
        error_for(412, &path, None, 0),
        RemoteError::PreconditionFailed(path.clone())
    );
    assert_eq!(
        error_for(404, &path, None, 0),
        RemoteError::NotFound(path.clone())
    );
    assert!(matches!(
        error_for(401, &path, None, 0),
        RemoteError::Auth(_)
    ));
    assert!(matches!(
        error_for(409, &path, None, 0),
        RemoteError::Conflict { .. }
    ));
    assert_eq!(
        error_for(503, &path, Some("120"), 0),
        RemoteError::Transient {
            detail: "HTTP 503".into(),
            retry_after_ms: Some(120_000)
        }
    );
    assert!(error_for(429, &path, None, 0).is_transient());
    assert!(matches!(
        error_for(418, &path, None, 0),
        RemoteError::Protocol(_)
    ));
    // Retry-After as an HTTP date, read against the current time.
    assert_eq!(
        retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_717_000),
        Some(60_000)
    );
}

#[test]
fn etags_become_versions_quoted_and_without_the_weak_mark() {
    use csc_webdav::multistatus::entity_tag;
    // As sent, by dav-server without quotes, by Apache weak during a file's first second.
    assert_eq!(entity_tag("\"abc-1\""), "\"abc-1\"");
    assert_eq!(entity_tag("abc-1"), "\"abc-1\"");
    assert_eq!(entity_tag("W/\"3-5f\""), "\"3-5f\"");
    assert_eq!(entity_tag(" \"x\" "), "\"x\"");
    let body = r#"<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"><d:response><d:href>/dav/f</d:href><d:propstat><d:prop><d:getetag>W/"3-5f"</d:getetag><d:resourcetype/></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"#;
    let share = ShareUrl::new("https://h/dav/").unwrap();
    let listing = parse(body.as_bytes(), &share, &Limits::default()).unwrap();
    assert_eq!(
        listing.entries[0].meta.as_ref().unwrap().version,
        Version::new("\"3-5f\"")
    );
}

#[test]
fn a_file_dated_before_1970_or_with_a_wrong_weekday_does_not_fail_the_listing() {
    let dated = |date: &str| {
        let body = multistatus(&format!(
            r#"<d:response><d:href>/remote.php/dav/files/ann/a.txt</d:href><d:propstat><d:prop><d:getetag>"e"</d:getetag><d:getlastmodified>{date}</d:getlastmodified><d:resourcetype/></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"#
        ));
        parse(body.as_bytes(), &share(), &Limits::default())
            .map(|l| l.entries[0].meta.as_ref().expect("a file").modified.0)
    };
    assert_eq!(dated("Sun, 06 Nov 1994 08:49:37 GMT"), Ok(784_111_777_000));
    // Nextcloud keeps negative times: the epoch stands in.
    assert_eq!(dated("Wed, 31 Dec 1969 23:59:59 GMT"), Ok(0));
    // 6 November 1994 was a Sunday; the date is still that date.
    assert_eq!(dated("Mon, 06 Nov 1994 08:49:37 GMT"), Ok(784_111_777_000));
    // Not dates: refused, as before.
    for garbage in [
        "yesterday",
        "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1969 25:00:00 GMT",
        "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
    ] {
        assert!(dated(garbage).is_err(), "{garbage}");
    }
}

#[test]
fn relative_hrefs_resolve_against_the_folder_asked_about_not_the_share() {
    use csc_webdav::parse_in;
    let body =
        multistatus(&(file_response("a.txt", "\"1\"") + &file_response("sub/b.txt", "\"2\"")));
    let paths = |dir: &str| {
        parse_in(body.as_bytes(), &share(), &p(dir), &Limits::default())
            .map(|l| l.entries.into_iter().map(|e| e.path).collect::<Vec<_>>())
    };
    // Listing docs/ (PROPFIND Depth 1), `a.txt` is docs/a.txt (RFC 4918 §8.3): read against the
    // share it would be a.txt, and docs/ would look empty.
    assert_eq!(
        paths("docs"),
        Ok(vec![p("docs/a.txt"), p("docs/sub/b.txt")])
    );
    assert_eq!(
        parse(body.as_bytes(), &share(), &Limits::default()).map(|l| l
            .entries
            .into_iter()
            .map(|e| e.path)
            .collect::<Vec<_>>()),
        Ok(vec![p("a.txt"), p("sub/b.txt")])
    );
    // Climbing out is refused as before.
    let up = multistatus(&file_response("../x.txt", "\"3\""));
    assert!(parse_in(up.as_bytes(), &share(), &p("docs"), &Limits::default()).is_err());
}

#[test]
fn every_href_of_a_response_counts_and_only_the_responses_own() {
    let base = "/remote.php/dav/files/ann";
    // Two items gone under one status (RFC 4918 `href*`): both are removals.
    let gone = multistatus(&format!(
        r#"<d:response><d:href>{base}/a.txt</d:href><d:href>{base}/b.txt</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>"#
    ));
    let listing = parse(gone.as_bytes(), &share(), &Limits::default()).expect("two removals");
    let entries: Vec<_> = listing
        .entries
        .iter()
        .map(|e| (e.path.clone(), e.meta.is_none()))
        .collect();
    assert_eq!(entries, [(p("a.txt"), true), (p("b.txt"), true)]);
    // A redirect's target inside the response is not the item described.
    let located = multistatus(&format!(
        r#"<d:response><d:href>{base}/a.txt</d:href><d:propstat><d:prop><d:getetag>"1"</d:getetag><d:resourcetype/></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat><d:location><d:href>{base}/other.txt</d:href></d:location></d:response>"#
    ));
    let listing = parse(located.as_bytes(), &share(), &Limits::default()).expect("one file");
    assert_eq!(listing.entries.len(), 1);
    assert_eq!(listing.entries[0].path, p("a.txt"));
    // Properties for several items at once say nothing about which: refused.
    let ambiguous = multistatus(&format!(
        r#"<d:response><d:href>{base}/a.txt</d:href><d:href>{base}/b.txt</d:href><d:propstat><d:prop><d:getetag>"1"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"#
    ));
    assert!(parse(ambiguous.as_bytes(), &share(), &Limits::default()).is_err());
}
