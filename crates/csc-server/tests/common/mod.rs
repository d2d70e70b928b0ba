//! A csc-server on a temporary folder, reachable through a real socket and through its router.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use csc_server::{Options, Share, router};
use csc_webdav::native::NativeTransport;
use csc_webdav::{DavStore, ShareUrl};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// A running server.
pub struct TestServer {
    pub dir: tempfile::TempDir,
    pub share: Arc<Share>,
    pub addr: SocketAddr,
    pub rt: tokio::runtime::Runtime,
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl TestServer {
    /// A server on a new folder `share` inside a temporary folder.
    pub fn start(configure: impl FnOnce(Options) -> Options) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("share");
        Self::start_at(dir, root, configure)
    }

    /// A server on `root` (inside `dir`, which the server keeps alive).
    pub fn start_at(
        dir: tempfile::TempDir,
        root: PathBuf,
        configure: impl FnOnce(Options) -> Options,
    ) -> TestServer {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let share = Share::open(configure(Options::new(root))).unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        rt.spawn(csc_server::serve(
            listener,
            Arc::clone(&share),
            std::future::pending(),
        ));
        TestServer {
            dir,
            share,
            addr,
            rt,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/dav/", self.addr)
    }

    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    pub fn root(&self) -> &Path {
        self.share.root()
    }

    /// A WebDAV client on this server through the native transport.
    pub fn client(&self) -> DavStore<NativeTransport> {
        DavStore::new(
            ShareUrl::new(&self.url()).unwrap(),
            NativeTransport::new(None, Duration::from_secs(30)),
        )
    }

    /// Sends `request` through the router (no socket).
    pub fn call(&self, request: http::Request<Body>) -> Answer {
        let app = router(Arc::clone(&self.share));
        self.rt.block_on(async move {
            let response = app.oneshot(request).await.unwrap();
            let (parts, body) = response.into_parts();
            let body = body.collect().await.unwrap().to_bytes().to_vec();
            Answer {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body,
            }
        })
    }

    /// A request to the router with `method` on `path` (raw, percent-encoded).
    pub fn request(&self, method: &str, path: &str) -> http::request::Builder {
        http::Request::builder()
            .method(method)
            .uri(path)
            .header("host", self.host())
    }

    /// `method` on `path` with `headers` and `body`, through the router.
    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
        let mut b = self.request(method, path);
        for (n, v) in headers {
            b = b.header(*n, *v);
        }
        self.call(b.body(Body::from(body.to_vec())).unwrap())
    }

    /// The ETag of a file, by HEAD.
    pub fn etag(&self, path: &str) -> String {
        let a = self.send("HEAD", path, &[], b"");
        assert_eq!(a.status, 200, "HEAD {path}");
        a.header("etag").unwrap().to_owned()
    }

    /// A sync-collection REPORT on the root with `token`.
    pub fn report(&self, token: &str) -> Answer {
        let body = format!(
            "<?xml version=\"1.0\"?><d:sync-collection xmlns:d=\"DAV:\"><d:sync-token>{token}</d:sync-token><d:sync-level>infinite</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"
        );
        self.send("REPORT", "/dav/", &[("depth", "0")], body.as_bytes())
    }
}

/// The text of the `sync-token` element of a REPORT answer.
pub fn token_of(answer: &Answer) -> String {
    let text = answer.text();
    let start = text.find("<D:sync-token>").expect("a sync-token") + "<D:sync-token>".len();
    let end = text[start..].find("</D:sync-token>").unwrap() + start;
    text[start..end].to_owned()
}

/// The hrefs of a multistatus answer with a 404 status (removed members) and without.
pub fn members(answer: &Answer) -> (Vec<String>, Vec<String>) {
    let text = answer.text();
    let mut changed = Vec::new();
    let mut removed = Vec::new();
    // Every piece after the first starts a response; the first holds no href.
    for part in text
        .split("<D:response>")
        .filter(|part| part.contains("<D:href>"))
    {
        let start = part.find("<D:href>").unwrap() + "<D:href>".len();
        let end = part.find("</D:href>").unwrap();
        let href = part[start..end].to_owned();
        if part.contains("404 Not Found") && !part.contains("<D:propstat>") {
            removed.push(href);
        } else {
            changed.push(href);
        }
    }
    (changed, removed)
}
