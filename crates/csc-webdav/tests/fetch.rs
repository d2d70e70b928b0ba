//! The fetch transport in headless Chromium against a running csc-server: the RemoteStore
//! contract, whole engine syncs, timeouts and re-authentication.
//!
//! `cargo xtask test` starts the server (with a token, and CORS for the test page's origin) and
//! builds this test with `CSC_TEST_DAV_URL` and `CSC_TEST_DAV_TOKEN` set; it only builds with the
//! `browser-tests` feature.

#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]

use std::cell::Cell;
use std::rc::Rc;

use csc_core::engine::SyncOptions;
use csc_core::store::{ChunkStream, RemoteError, RemoteStore, WriteInfo};
use csc_core::{ItemPath, Millis, Precondition};
use csc_testkit::contract::remote_store_contract;
use csc_testkit::mem::{Faults, MemLocal};
use csc_testkit::p;
use csc_testkit::rig::{deep_fill, list_share, open_engine, two_way};
use csc_webdav::fetch::FetchTransport;
use csc_webdav::{Auth, DavStore, Recording, ShareUrl, Transport};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// The share's URL, compiled in.
fn url() -> &'static str {
    match option_env!("CSC_TEST_DAV_URL") {
        Some(url) => url,
        None => panic!(
            "build these tests with CSC_TEST_DAV_URL=http://host:port/dav/ of a running csc-server (cargo xtask test does)"
        ),
    }
}

/// The server's token, compiled in.
fn token() -> &'static str {
    match option_env!("CSC_TEST_DAV_TOKEN") {
        Some(token) => token,
        None => {
            panic!("build these tests with CSC_TEST_DAV_TOKEN, the running csc-server's --token")
        }
    }
}

fn transport() -> FetchTransport {
    FetchTransport::new(Some(Auth::Bearer(token().into())), 30_000)
}

/// A new, empty folder of the server's share for one test, and its URL.
async fn folder(name: &str) -> String {
    let root = DavStore::new(ShareUrl::new(url()).unwrap(), transport());
    let unique = format!("{name}-{}", js_sys::Date::now() as u64);
    root.make_dir(&p(&unique)).await.unwrap();
    format!("{}{unique}/", url())
}

struct Bytes(Option<Vec<u8>>);

impl ChunkStream for Bytes {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, RemoteError> {
        Ok(self.0.take())
    }
}

async fn put<T: Transport>(store: &DavStore<T>, path: &str, data: &[u8]) {
    let info = WriteInfo {
        size: data.len() as u64,
        modified: Millis(0),
        attributes: 0,
    };
    store
        .write(
            &p(path),
            &Precondition::MustNotExist,
            &info,
            Bytes(Some(data.to_vec())),
        )
        .await
        .unwrap();
}

async fn get<T: Transport>(store: &DavStore<T>, path: &str) -> Vec<u8> {
    let (_, mut body) = store.read(&p(path), None, None).await.unwrap();
    let mut out = Vec::new();
    while let Some(c) = body.next_chunk().await.unwrap() {
        out.extend(c);
    }
    out
}

#[wasm_bindgen_test]
async fn the_fetch_transport_keeps_the_remote_store_contract_against_csc_server() {
    let url = folder("contract").await;
    let store = DavStore::new(ShareUrl::new(&url).unwrap(), transport());
    remote_store_contract(&store).await;
}

#[wasm_bindgen_test]
async fn the_engine_syncs_through_fetch_and_an_unchanged_share_costs_one_request() {
    let url = folder("engine").await;
    let server = DavStore::new(ShareUrl::new(&url).unwrap(), transport());
    server.make_dir(&p("docs")).await.unwrap();
    put(&server, "docs/a.txt", b"alpha").await;
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    put(&server, "docs/big.bin", &big).await;

    let store = DavStore::new(ShareUrl::new(&url).unwrap(), Recording::new(transport()));
    let e = open_engine(MemLocal::new(Faults::new()), store, &url).await;
    list_share(&e).await;
    let pin = deep_fill();
    e.pin(&[p("docs")], pin, &mut ()).await.unwrap();
    assert_eq!(e.read_file(&p("docs/big.bin")).await.unwrap(), big);
    e.write_file(&p("docs/a.txt"), b"alpha, edited in the browser")
        .await
        .unwrap();
    e.write_file(&p("docs/new.txt"), b"new").await.unwrap();
    let all = SyncOptions::new(vec![ItemPath::root()], two_way());
    e.synchronize(&all, &mut (), &mut ()).await.unwrap();
    assert_eq!(
        get(&server, "docs/a.txt").await,
        b"alpha, edited in the browser"
    );
    assert_eq!(get(&server, "docs/new.txt").await, b"new");
    e.remote().transport().take();
    e.synchronize(&all, &mut (), &mut ()).await.unwrap();
    let requests = e.remote().transport().take();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert!(requests[0].starts_with("REPORT "), "{requests:?}");
}

#[wasm_bindgen_test]
async fn a_server_slower_than_the_timeout_is_a_transient_error() {
    let t = transport();
    t.set_timeout_ms(0);
    let store = DavStore::new(ShareUrl::new(url()).unwrap(), t);
    match store.list(None).await {
        Err(RemoteError::Transient { detail, .. }) => {
            assert!(detail.contains("did not answer within 0 ms"), "{detail}")
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn wrong_credentials_are_an_auth_error_unless_interactive_where_the_app_is_asked_once() {
    let wrong = || FetchTransport::new(Some(Auth::Bearer("wrong".into())), 30_000);
    let store = DavStore::new(ShareUrl::new(url()).unwrap(), wrong());
    assert!(matches!(store.list(None).await, Err(RemoteError::Auth(_))));

    let t = wrong();
    let asked = Rc::new(Cell::new(0));
    let counter = Rc::clone(&asked);
    t.set_interactive(true);
    t.set_reauthenticate(Some(Rc::new(move || {
        counter.set(counter.get() + 1);
        Box::pin(async { Some(Auth::Bearer(token().into())) })
    })));
    let store = DavStore::new(ShareUrl::new(url()).unwrap(), t);
    store.list(None).await.unwrap();
    store.list(None).await.unwrap();
    assert_eq!(asked.get(), 1, "asked once; the fresh token is kept");
}
