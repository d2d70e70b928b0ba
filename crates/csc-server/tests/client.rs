//! csc-webdav's native transport against csc-server over a real socket: the RemoteStore
//! contract, and whole engine syncs.

mod common;

use common::TestServer;
use csc_core::ItemPath;
use csc_core::engine::{Engine, SyncOptions};
use csc_testkit::contract::remote_store_contract;
use csc_testkit::mem::{Faults, MemLocal, SimRuntime, run};
use csc_testkit::p;
use csc_testkit::rig::{deep_fill, list_share, open_engine, two_way};
use csc_webdav::native::NativeTransport;
use csc_webdav::{DavStore, Recording, ShareUrl};

#[test]
fn the_webdav_client_keeps_the_remote_store_contract_against_csc_server() {
    let s = TestServer::start(|o| o);
    run(remote_store_contract(&s.client()));
}

fn engine(s: &TestServer) -> Engine<MemLocal, DavStore<Recording<NativeTransport>>, SimRuntime> {
    let store = DavStore::new(
        ShareUrl::new(&s.url()).unwrap(),
        Recording::new(NativeTransport::new(
            None,
            std::time::Duration::from_secs(30),
        )),
    );
    run(open_engine(MemLocal::new(Faults::new()), store, &s.url()))
}

#[test]
fn the_engine_syncs_both_ways_with_csc_server_and_an_unchanged_share_costs_one_request() {
    let s = TestServer::start(|o| o);
    std::fs::create_dir_all(s.root().join("docs/sub")).unwrap();
    std::fs::write(s.root().join("docs/a.txt"), b"alpha").unwrap();
    std::fs::write(s.root().join("docs/sub/b.txt"), b"bravo").unwrap();
    s.rt.block_on(s.share.rescan()).unwrap();

    let e = engine(&s);
    let all = || SyncOptions::new(vec![ItemPath::root()], two_way());
    run(list_share(&e));
    let pin = deep_fill();
    run(e.pin(&[p("docs")], pin, &mut ())).unwrap();
    assert_eq!(run(e.read_file(&p("docs/sub/b.txt"))).unwrap(), b"bravo");

    // Offline edits, a rename and a new folder go up; a server-side edit comes down.
    run(e.write_file(&p("docs/a.txt"), b"alpha, edited")).unwrap();
    run(e.rename(&p("docs/sub/b.txt"), &p("docs/b.txt"))).unwrap();
    run(e.create_dir(&p("docs/new"))).unwrap();
    run(e.write_file(&p("docs/new/c.txt"), b"charlie")).unwrap();
    let c = s.send("PUT", "/dav/docs/server.txt", &[], b"from the server");
    assert_eq!(c.status, 201);
    run(e.synchronize(&all(), &mut (), &mut ())).unwrap();
    let root = s.root();
    assert_eq!(
        std::fs::read(root.join("docs/a.txt")).unwrap(),
        b"alpha, edited"
    );
    assert_eq!(std::fs::read(root.join("docs/b.txt")).unwrap(), b"bravo");
    assert_eq!(
        std::fs::read(root.join("docs/new/c.txt")).unwrap(),
        b"charlie"
    );
    assert!(!root.join("docs/sub/b.txt").exists());
    assert_eq!(
        run(e.read_file(&p("docs/server.txt"))).unwrap(),
        b"from the server"
    );
    let log = e.remote().transport().take();
    assert!(
        log.iter()
            .any(|r| r.starts_with("MOVE ") && r.contains("docs/sub/b.txt")),
        "the rename went up as one MOVE: {log:?}"
    );

    run(e.synchronize(&all(), &mut (), &mut ())).unwrap();
    let log = e.remote().transport().take();
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(log[0].starts_with("REPORT "), "{log:?}");
}

#[test]
fn an_edit_on_the_server_between_listing_and_upload_is_never_overwritten() {
    let s = TestServer::start(|o| o);
    std::fs::write(s.root().join("f.txt"), b"v1").unwrap();
    s.rt.block_on(s.share.rescan()).unwrap();
    let e = engine(&s);
    let pin = deep_fill();
    run(list_share(&e));
    run(e.pin(&[p("f.txt")], pin, &mut ())).unwrap();
    run(e.write_file(&p("f.txt"), b"local edit")).unwrap();
    // Someone edits the file on the server itself, behind the journal's back.
    std::fs::write(s.root().join("f.txt"), b"server edit").unwrap();
    run(e.synchronize(
        &SyncOptions::new(vec![ItemPath::root()], two_way()),
        &mut (),
        &mut (),
    ))
    .unwrap();
    // The server copy survives (412 on the stale ETag); the conflict is kept for the user.
    let on_server = std::fs::read(s.root().join("f.txt")).unwrap();
    assert_eq!(on_server, b"server edit");
    assert_eq!(run(e.read_file(&p("f.txt"))).unwrap(), b"local edit");
}
