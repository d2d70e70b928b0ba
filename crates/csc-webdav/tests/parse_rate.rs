//! How fast the client parses a PROPFIND Depth 1 answer of 10,000 entries, natively and on
//! wasm (Node), in csc-server's format. The rate is printed, never asserted (the machines are
//! noisy); the parse itself is checked. `cargo xtask bench-webdav` runs it in release builds:
//! `parse: <platform> <N> entries in <ms> ms = <rate> entries/s`.

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use csc_core::ItemKind;
use csc_testkit::now_ms;
use csc_webdav::{Limits, ShareUrl, parse};

const ENTRIES: usize = 10_000;

fn answer() -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:" xmlns:oc="http://owncloud.org/ns"><D:response><D:href>/dav/wide/</D:href><D:propstat><D:prop><D:getetag>d-de4cf6c78c2c-1</D:getetag><D:getlastmodified>Sat, 21 Nov 2026 15:24:57 GMT</D:getlastmodified><d:resourcetype xmlns:c="urn:offline-files:csc" xmlns:d="DAV:"><D:collection></D:collection></d:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"#,
    );
    for i in 0..ENTRIES {
        xml.push_str(&format!(
            r#"<D:response><D:href>/dav/wide/entry{i:05}.dat</D:href><D:propstat><D:prop><D:getetag>9dd4e461268c8034-{i:x}</D:getetag><D:getcontentlength>{i}</D:getcontentlength><D:getlastmodified>Sat, 21 Nov 2026 15:24:58 GMT</D:getlastmodified><d:resourcetype xmlns:c="urn:offline-files:csc" xmlns:d="DAV:"></d:resourcetype><C:md5 xmlns:C="urn:offline-files:csc">9dd4e461268c8034f5c8564e155c67a6</C:md5></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"#
        ));
    }
    xml.push_str("</D:multistatus>");
    xml
}

#[test]
fn a_ten_thousand_entry_listing_parses_into_ten_thousand_files_with_hashes() {
    let body = answer();
    let share = ShareUrl::new("http://127.0.0.1:8080/dav/").unwrap();
    let limits = Limits::default();
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = now_ms();
        let listing = parse(body.as_bytes(), &share, &limits).unwrap();
        best = best.min(now_ms() - start);
        assert_eq!(listing.entries.len(), ENTRIES + 1);
        let last = listing.entries[ENTRIES].meta.as_ref().unwrap();
        assert_eq!(last.kind, ItemKind::File);
        assert!(last.hash.is_some());
        assert_eq!(last.size, ENTRIES as u64 - 1);
    }
    let platform = if cfg!(target_arch = "wasm32") {
        "wasm"
    } else {
        "native"
    };
    let rate = (ENTRIES + 1) as f64 / (best / 1000.0);
    let line = format!(
        "parse: {platform} {} entries in {best:.1} ms = {rate:.0} entries/s",
        ENTRIES + 1
    );
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    wasm_bindgen_test::console_log!("{line}");
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    println!("{line}");
}
