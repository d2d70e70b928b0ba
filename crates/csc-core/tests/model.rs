//! The item model's handling of outside input: trees, share URLs, connectivity, suspension.
//! Bad input gives an error that says what is wrong and what to do; nothing panics.

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use csc_core::win::OfflineReason;
use csc_core::{
    CacheEntry, CacheTree, CaseRule, ItemKind, LocalChanges, LocalItem, LocalMeta, Meta, Millis,
    OfflineCause, Pins, Presence, RemoteEntry, RemoteTree, Share, ShareError, TreeError,
    resolve_url,
};
use csc_testkit::p;

fn file(path: &str) -> CacheEntry {
    CacheEntry::synced(p(path), Meta::file("v1", 1, Millis(1), None), Pins::NONE)
}

fn dir(path: &str) -> CacheEntry {
    CacheEntry::synced(p(path), Meta::dir("d1", Millis(1)), Pins::NONE)
}

fn remote(path: &str, meta: Meta) -> RemoteEntry {
    RemoteEntry {
        path: p(path),
        meta,
    }
}

#[test]
fn a_cache_tree_is_sorted_with_every_directory_before_its_subtree() {
    let tree = CacheTree::new(vec![
        file("a/x"),
        dir("b"),
        dir("a"),
        file("a b"),
        file("b/y"),
    ])
    .expect("a valid cache");
    let paths: Vec<&str> = tree.entries().iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["a", "a/x", "a b", "b", "b/y"]);
    let sub: Vec<&str> = tree
        .subtree(&p("a"))
        .iter()
        .map(|e| e.path.as_str())
        .collect();
    assert_eq!(sub, ["a", "a/x"]);
    assert!(tree.get(&p("b/y")).is_some());
    assert!(tree.get(&p("b/z")).is_none());
}

#[test]
fn invalid_cache_trees_are_rejected_with_what_to_fix() {
    let mut created = file("new.txt");
    created.original = None;
    let mut live_below_tombstone = vec![dir("d"), file("d/x")];
    live_below_tombstone[0].local.presence = Presence::Deleted;
    let cases: Vec<(Vec<CacheEntry>, &str)> = vec![
        (vec![file("a"), file("a")], "twice"),
        (vec![file("missing/x")], "parent is missing"),
        (
            vec![file("f"), file("f/x")],
            "parent is missing or not a directory",
        ),
        (vec![file("")], "share root"),
        (live_below_tombstone, "not a directory in the cache"),
        (vec![created], "neither an original nor local metadata"),
    ];
    for (entries, why) in cases {
        let err = CacheTree::new(entries).expect_err(why).to_string();
        assert!(err.contains(why), "{err}");
    }
}

#[test]
fn a_tombstone_may_stay_below_an_item_that_replaced_a_directory_offline() {
    // Offline: directory d (with d/x) deleted, then a file d created. The deletion of d/x on
    // the server is still pending, so its tombstone stays below the new file.
    let mut d = dir("d");
    d.local = LocalItem::with_meta(
        ItemKind::File,
        Presence::Full,
        LocalChanges::CREATED | LocalChanges::DATA,
        LocalMeta {
            size: 3,
            modified: Millis(5),
            attributes: 0,
            hash: None,
            link_target: None,
        },
    );
    let mut x = file("d/x");
    x.local.presence = Presence::Deleted;
    assert!(CacheTree::new(vec![d, x]).is_ok());
}

#[test]
fn a_remote_listing_rejects_duplicates_and_orphans() {
    let twice = RemoteTree::new(
        vec![
            remote("a", Meta::dir("1", Millis(1))),
            remote("a", Meta::dir("2", Millis(1))),
        ],
        None,
    );
    assert!(matches!(twice, Err(TreeError::Duplicate { .. })));
    let orphan = RemoteTree::new(
        vec![remote("a/b", Meta::file("1", 1, Millis(1), None))],
        None,
    );
    let err = orphan.unwrap_err();
    assert!(
        err.to_string().contains("add the parent directory first"),
        "{err}"
    );
}

#[test]
fn local_metadata_is_the_originals_until_the_copy_changes() {
    let mut e = CacheEntry::synced(
        p("a.txt"),
        Meta::file("v1", 10, Millis(7), None),
        Pins::NONE,
    );
    assert!(
        e.local.own.is_none(),
        "a synced copy stores nothing of its own"
    );
    assert_eq!(e.local_view().size, 10);
    assert_eq!(e.dirty_bytes(), 0);
    e.local.changes = LocalChanges::DATA;
    e.local.own_mut(e.original.as_ref()).size = 25;
    assert_eq!(e.local_view().size, 25);
    assert_eq!(e.original.as_ref().map(|o| o.size), Some(10));
    assert_eq!(e.dirty_bytes(), 25, "a changed file is uploaded whole");
    e.forget_original();
    assert!(e.original.is_none());
    assert_eq!(
        e.local_view().size,
        25,
        "forgetting the original keeps the local metadata"
    );
}

#[test]
fn suspension_is_inherited_by_the_whole_subtree() {
    let mut d = dir("d");
    d.suspended = true;
    let tree = CacheTree::new(vec![d, dir("d/e"), file("d/e/f"), file("g")]).expect("valid");
    let root = tree.suspension(&p("d"));
    assert!(root.suspended && root.is_root);
    let below = tree.suspension(&p("d/e/f"));
    assert!(below.suspended && !below.is_root);
    assert!(!tree.suspension(&p("g")).suspended);
}

#[test]
fn a_url_maps_to_the_share_with_the_longest_root_and_a_path_inside_it() {
    let shares = vec![
        Share::new("https://h/dav/", CaseRule::Sensitive).expect("valid"),
        Share::new("https://h/dav/team/", CaseRule::Insensitive).expect("valid"),
    ];
    let (share, path) = resolve_url(&shares, "https://h/dav/team/docs/a.txt").expect("inside");
    assert_eq!(share.url, "https://h/dav/team/");
    assert_eq!(path, p("docs/a.txt"));
    let (share, path) = resolve_url(&shares, "https://h/dav/team").expect("the root itself");
    assert_eq!(
        (share.url.as_str(), path.is_root()),
        ("https://h/dav/team/", true)
    );
    let err = resolve_url(&shares, "https://elsewhere/x").unwrap_err();
    assert!(matches!(err, ShareError::NotInAnyShare { .. }));
    assert!(err.to_string().contains("add the share first"), "{err}");
    let bad = resolve_url(&shares, "https://h/dav/a/../b").unwrap_err();
    assert!(bad.to_string().contains("\"..\""), "{bad}");
}

#[test]
fn share_urls_must_be_absolute_http_urls_ending_in_a_slash() {
    for bad in ["ftp://h/dav/", "https://h/dav", "/dav/", ""] {
        let err = Share::new(bad, CaseRule::Sensitive).unwrap_err();
        assert!(
            err.to_string().contains("ending in \"/\""),
            "{bad:?}: {err}"
        );
    }
}

#[test]
fn offline_causes_map_to_the_windows_offline_reasons() {
    let table = [
        (OfflineCause::Forced, OfflineReason::ConnectionForced, 2),
        (OfflineCause::Slow, OfflineReason::ConnectionSlow, 3),
        (OfflineCause::Error, OfflineReason::ConnectionError, 4),
        (
            OfflineCause::Conflict,
            OfflineReason::ItemVersionConflict,
            5,
        ),
        (OfflineCause::Suspended, OfflineReason::ItemSuspended, 6),
    ];
    for (cause, reason, number) in table {
        assert_eq!(cause.reason(), reason);
        assert_eq!(u32::from(cause.reason()), number);
    }
}
