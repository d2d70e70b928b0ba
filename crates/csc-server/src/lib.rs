//! The embedded WebDAV share server: a folder served as a WebDAV share under `/dav/`, and the
//! built web app at `/` (same origin, so the app needs no CORS).
//!
//! dav-server speaks RFC 4918 (PROPFIND, PROPPATCH, MKCOL, GET, PUT, DELETE, COPY, MOVE, LOCK);
//! this crate adds what a sync engine needs from a share:
//!
//! - [`journal`]: a change journal in SQLite beside the share, giving strong ETags, content
//!   hashes and RFC 6578 sync tokens that survive restarts;
//! - [`report`]: the sync-collection REPORT, so an unchanged share costs one request;
//! - [`fs`]: the folder as dav-server sees it — atomic writes (temporary + rename), symbolic
//!   links kept inside, the state folder hidden, changes journaled;
//! - [`guard`]: path checks before dav-server sees a request, and per-path write locks that
//!   make conditional requests atomic;
//! - here: the router — bearer-token auth, CORS for configured origins, body and XML limits,
//!   one structured log line per request, the periodic rescan that journals changes made
//!   behind the server's back.

pub mod fs;
pub mod guard;
pub mod journal;
pub mod report;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use base64::Engine as _;
use dav_server::DavHandler;
use http_body_util::{BodyExt, Limited};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};

use crate::fs::{STATE_DIR, ShareFs};
use crate::guard::{LockSet, PathError};
use crate::journal::{Journal, JournalError, RescanReport};

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The folder served as the share.
    pub root: PathBuf,
    /// The built web app served at `/` (`None`: a page that says how to build it).
    pub app_dir: Option<PathBuf>,
    /// The bearer token every `/dav/` request must carry (`None`: no auth, loopback only).
    pub token: Option<String>,
    /// Origins allowed to call the share from other pages (CORS).
    pub allowed_origins: Vec<String>,
    /// The largest upload, in bytes.
    pub max_upload: u64,
    /// The largest XML request body (PROPFIND, PROPPATCH, REPORT, LOCK), in bytes.
    pub max_xml_body: usize,
    /// The deepest XML nesting accepted in a request body.
    pub max_xml_depth: usize,
}

impl Options {
    /// Defaults for the share at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Options {
        Options {
            root: root.into(),
            app_dir: None,
            token: None,
            allowed_origins: Vec::new(),
            max_upload: 64 << 30,
            max_xml_body: 1 << 20,
            max_xml_depth: 64,
        }
    }
}

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The root is a file.
    #[error("{0} is a file, not a folder: give --root a folder (it is created if missing)")]
    RootIsFile(PathBuf),
    /// The root cannot be created or read.
    #[error("cannot use {path} as the share folder: {source}")]
    Root {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The journal failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A bad CORS origin.
    #[error(
        "{0:?} is not a valid origin for --allow-origin (write it as scheme://host[:port], e.g. http://localhost:5173; '*' is refused because the share takes credentials)"
    )]
    BadOrigin(String),
    /// Exposed without a token.
    #[error(
        "binding to {0} exposes the share beyond this machine; set a token with --token (or CSC_TOKEN), or bind to 127.0.0.1"
    )]
    TokenRequired(SocketAddr),
    /// The rescan failed.
    #[error("rescanning the share failed: {0}")]
    Rescan(std::io::Error),
}

/// A running share: its folder, journal, locks and WebDAV handler.
pub struct Share {
    fs: ShareFs,
    locks: LockSet,
    dav: DavHandler,
    options: Options,
}

impl std::fmt::Debug for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Share")
            .field("root", &self.fs.root())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Share {
    /// Opens the share: creates the root if missing, opens the journal and journals whatever
    /// changed while the server was down.
    pub fn open(options: Options) -> Result<Arc<Share>, ServerError> {
        let root = &options.root;
        if root.is_file() {
            return Err(ServerError::RootIsFile(root.clone()));
        }
        let io = |source| ServerError::Root {
            path: root.clone(),
            source,
        };
        std::fs::create_dir_all(root).map_err(io)?;
        let root = root.canonicalize().map_err(io)?;
        std::fs::create_dir_all(root.join(STATE_DIR)).map_err(io)?;
        let journal = Arc::new(Journal::open(&root.join(STATE_DIR).join("journal.sqlite"))?);
        let fs = ShareFs::new(root.clone(), journal).map_err(io)?;
        let report = fs.rescan().map_err(ServerError::Rescan)?;
        tracing::info!(
            root = %root.display(),
            added = report.added,
            changed = report.changed,
            removed = report.removed,
            "share opened"
        );
        let dav = DavHandler::builder()
            .filesystem(Box::new(fs.clone()))
            .locksystem(dav_server::memls::MemLs::new())
            .strip_prefix(guard::PREFIX)
            .read_buf_size(256 * 1024)
            .autoindex(true)
            .build_handler();
        for origin in &options.allowed_origins {
            if origin == "*" || HeaderValue::from_str(origin).is_err() || !origin.contains("://") {
                return Err(ServerError::BadOrigin(origin.clone()));
            }
        }
        let options = Options { root, ..options };
        Ok(Arc::new(Share {
            fs,
            locks: LockSet::default(),
            dav,
            options,
        }))
    }

    /// The share folder (canonical).
    pub fn root(&self) -> &Path {
        self.fs.root()
    }

    /// The change journal.
    pub fn journal(&self) -> &Journal {
        self.fs.journal()
    }

    /// Journals every change made to the folder behind the server's back, holding the whole
    /// share's write lock.
    pub async fn rescan(&self) -> Result<RescanReport, ServerError> {
        let _all = self.locks.lock(vec![String::new()]).await;
        let fs = self.fs.clone();
        tokio::task::spawn_blocking(move || fs.rescan())
            .await
            .expect("the rescan task panicked")
            .map_err(ServerError::Rescan)
    }

    /// Rescans every `every` until the task is aborted.
    pub fn spawn_rescan(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let share = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                match share.rescan().await {
                    Ok(r) if r != RescanReport::default() => tracing::info!(
                        added = r.added,
                        changed = r.changed,
                        removed = r.removed,
                        "rescan journaled changes made behind the server's back"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::error!("{e}"),
                }
            }
        })
    }
}

/// Checks a bind address against the token rule: anything but loopback needs a token.
pub fn check_bind(addr: SocketAddr, token: Option<&str>) -> Result<(), ServerError> {
    if !addr.ip().is_loopback() && token.is_none_or(str::is_empty) {
        return Err(ServerError::TokenRequired(addr));
    }
    Ok(())
}

/// The router: `/dav/` the share, `/` the app.
#[allow(clippy::needless_pass_by_value)] // the router keeps the share; callers hand it over
pub fn router(share: Arc<Share>) -> Router {
    let dav = Router::new()
        .route("/dav", any(dav_entry))
        .route("/dav/", any(dav_entry))
        .route("/dav/{*rest}", any(dav_entry))
        .with_state(Arc::clone(&share));
    let app = match &share.options.app_dir {
        Some(dir) => Router::new()
            // A built app has gzip copies of its files beside them (the wasm is 1 MB, 0.4 MB
            // compressed): browsers that accept gzip get those.
            .fallback_service(
                ServeDir::new(dir)
                    .precompressed_gzip()
                    .fallback(ServeFile::new(dir.join("index.html")).precompressed_gzip()),
            ),
        None => Router::new().route("/", any(no_app)).fallback(not_found),
    };
    let mut router = dav.merge(app);
    if !share.options.allowed_origins.is_empty() {
        router = router.layer(cors(&share.options.allowed_origins));
    }
    router.layer(middleware::from_fn(log_request))
}

/// Serves the share on `listener` until `shutdown` completes. Responses go out as they are
/// written (TCP_NODELAY): a multistatus streams in several writes, and Nagle's algorithm would
/// hold the later ones back for the client's delayed ACK (40 ms per request).
pub async fn serve(
    listener: tokio::net::TcpListener,
    share: Arc<Share>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("could not set TCP_NODELAY: {e}");
        }
    });
    axum::serve(listener, router(share))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn not_found() -> Response {
    refuse(
        StatusCode::NOT_FOUND,
        "not found: the share is under /dav/, the app at /",
    )
}

async fn no_app() -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!doctype html><title>Offline Files</title><p>The share is served at <a href=\"/dav/\">/dav/</a>. The web app is not built: run <code>cargo xtask run</code>, or pass <code>--app</code> a built app folder.</p>",
    )
}

const DAV_METHODS: [&str; 13] = [
    "GET",
    "HEAD",
    "PUT",
    "DELETE",
    "OPTIONS",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
    "REPORT",
];

fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .map(|o| HeaderValue::from_str(o).expect("origins are checked when the share opens"))
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_credentials(true)
        .allow_methods(
            DAV_METHODS
                .iter()
                .map(|m| Method::from_bytes(m.as_bytes()).expect("a valid method"))
                .collect::<Vec<_>>(),
        )
        .allow_headers(
            [
                "authorization",
                "content-type",
                "depth",
                "destination",
                "overwrite",
                "if",
                "if-match",
                "if-none-match",
                "range",
                "lock-token",
                "timeout",
            ]
            .map(header::HeaderName::from_static)
            .to_vec(),
        )
        .expose_headers(
            [
                "etag",
                "dav",
                "content-range",
                "content-length",
                "last-modified",
                "retry-after",
                "lock-token",
                "www-authenticate",
            ]
            .map(header::HeaderName::from_static)
            .to_vec(),
        )
        .max_age(Duration::from_secs(600))
}

/// One log line per request: method, path, status, milliseconds.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let start = Instant::now();
    let response = next.run(request).await;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        ms = format_args!("{ms:.1}"),
        "request"
    );
    response
}

fn refuse(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{message}\n"),
    )
        .into_response()
}

fn path_refusal(e: &PathError) -> Response {
    let status = match e {
        PathError::StateFolder => StatusCode::FORBIDDEN,
        PathError::OtherHost => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    };
    refuse(status, e)
}

/// Whether the request carries the token (as a bearer token, or as the password of Basic
/// auth, for clients that only know Basic).
fn authorized(request: &Request, token: &str) -> bool {
    let Some(value) = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let given = if let Some(t) = value.strip_prefix("Bearer ") {
        t.trim().to_owned()
    } else if let Some(b) = value.strip_prefix("Basic ") {
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(b.trim()) else {
            return false;
        };
        let Ok(text) = String::from_utf8(decoded) else {
            return false;
        };
        match text.split_once(':') {
            Some((_, password)) => password.to_owned(),
            None => return false,
        }
    } else {
        return false;
    };
    // Compare in constant time, so the answer's timing says nothing about the token.
    given.len() == token.len()
        && given
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

fn xml_too_deep(body: &[u8], max: usize) -> Result<(), String> {
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut depth = 0usize;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Start(_)) => {
                depth += 1;
                if depth > max {
                    return Err(format!("the XML body nests deeper than {max} elements"));
                }
            }
            Ok(quick_xml::events::Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(quick_xml::events::Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(format!("the XML body is not well-formed: {e}")),
        }
        buf.clear();
    }
}

fn is_write(method: &Method) -> bool {
    matches!(
        method.as_str(),
        "PUT" | "DELETE" | "MKCOL" | "MOVE" | "COPY" | "PROPPATCH" | "LOCK" | "UNLOCK"
    )
}

async fn dav_entry(State(share): State<Arc<Share>>, request: Request) -> Response {
    let options = &share.options;
    if let Some(token) = options.token.as_deref().filter(|t| !t.is_empty())
        && !authorized(&request, token)
    {
        let tried_basic = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("Basic "));
        let challenge = if tried_basic {
            "Basic realm=\"offline-files\""
        } else {
            "Bearer realm=\"offline-files\""
        };
        let mut response = refuse(
            StatusCode::UNAUTHORIZED,
            "this share needs its token: send Authorization: Bearer <token>",
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
        return response;
    }

    // The path, and the Destination of a MOVE or COPY, must be plainly inside the share.
    let segments = match guard::check_path(request.uri().path()) {
        Ok(s) => s,
        Err(e) => return path_refusal(&e),
    };
    if let Some(authority) = request.uri().authority() {
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok());
        if host.is_some_and(|h| !h.eq_ignore_ascii_case(authority.as_str())) {
            return path_refusal(&PathError::OtherHost);
        }
    }
    let mut lock_paths = vec![segments.join("/")];
    let method = request.method().clone();
    if matches!(method.as_str(), "MOVE" | "COPY") {
        let Some(dest) = request
            .headers()
            .get("destination")
            .and_then(|d| d.to_str().ok())
        else {
            return refuse(StatusCode::BAD_REQUEST, "MOVE and COPY need a Destination");
        };
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok());
        match guard::check_destination(dest, host) {
            Ok(d) => {
                let dest = d.join("/");
                if method == "COPY" {
                    lock_paths.clear();
                }
                lock_paths.push(dest);
            }
            Err(e) => return path_refusal(&e),
        }
    }

    // Bodies: uploads up to the upload limit, streamed; XML bodies read whole, limited in
    // size and depth before dav-server's parser sees them.
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let (parts, body) = request.into_parts();
    let over = Arc::new(AtomicBool::new(false));
    let request = if method == Method::PUT {
        if declared.is_some_and(|n| n > options.max_upload) {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the upload is larger than this server's limit of {} bytes",
                    options.max_upload
                ),
            );
        }
        let body = LimitBody {
            inner: body,
            remaining: options.max_upload,
            over: Arc::clone(&over),
        };
        Request::from_parts(parts, Body::new(body))
    } else {
        if declared.is_some_and(|n| n > options.max_xml_body as u64) {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the request body is larger than {} bytes",
                    options.max_xml_body
                ),
            );
        }
        let bytes = match Limited::new(body, options.max_xml_body).collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => {
                return refuse(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "the request body is larger than {} bytes",
                        options.max_xml_body
                    ),
                );
            }
        };
        if !bytes.is_empty()
            && let Err(e) = xml_too_deep(&bytes, options.max_xml_depth)
        {
            return refuse(StatusCode::BAD_REQUEST, e);
        }
        if method.as_str() == "REPORT" {
            return sync_report(&share, &segments, &bytes).await;
        }
        Request::from_parts(parts, Body::from(bytes))
    };

    let _held = if is_write(&method) {
        Some(share.locks.lock(lock_paths).await)
    } else {
        None
    };
    let response = share.dav.handle(request).await.map(Body::new);
    if over.load(Ordering::Relaxed) {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the upload is larger than this server's limit of {} bytes",
                options.max_upload
            ),
        );
    }
    response
}

/// An upload body that fails past `remaining` bytes and says so in `over` (dav-server would
/// answer a failed body with a 5xx; the router turns it into 413).
struct LimitBody {
    inner: Body,
    remaining: u64,
    over: Arc<AtomicBool>,
}

impl http_body::Body for LimitBody {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let frame = std::task::ready!(std::pin::Pin::new(&mut self.inner).poll_frame(cx));
        if let Some(Ok(f)) = &frame
            && let Some(data) = f.data_ref()
        {
            let n = data.len() as u64;
            if n > self.remaining {
                self.over.store(true, Ordering::Relaxed);
                return std::task::Poll::Ready(Some(Err(axum::Error::new(
                    "the upload is larger than the server's limit",
                ))));
            }
            self.remaining -= n;
        }
        std::task::Poll::Ready(frame)
    }
}

async fn sync_report(share: &Share, segments: &[String], body: &[u8]) -> Response {
    use crate::report::ReportError;
    let key = segments.join("/");
    let request = match report::parse_request(body, share.options.max_xml_depth) {
        Ok(r) => r,
        Err(ReportError::Unsupported) => {
            return xml_error(
                StatusCode::FORBIDDEN,
                "<D:supported-report/>",
                "only the DAV:sync-collection REPORT is supported",
            );
        }
        Err(e) => return refuse(StatusCode::BAD_REQUEST, e),
    };
    if !key.is_empty() {
        match share.journal().get(&key) {
            Ok(Some(r)) if r.stat.dir => {}
            Ok(_) => {
                return refuse(
                    StatusCode::NOT_FOUND,
                    "sync-collection needs a collection of the share",
                );
            }
            Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, e),
        }
    }
    match report::answer(share.journal(), &key, &request) {
        Ok(xml) => (
            StatusCode::MULTI_STATUS,
            [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
            xml,
        )
            .into_response(),
        Err(ReportError::InvalidToken) => xml_error(
            StatusCode::FORBIDDEN,
            "<D:valid-sync-token/>",
            "the sync token is not valid here; list again with an empty token",
        ),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

fn xml_error(status: StatusCode, condition: &str, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:error xmlns:D=\"DAV:\">{condition}<D:responsedescription>{message}</D:responsedescription></D:error>"
        ),
    )
        .into_response()
}
