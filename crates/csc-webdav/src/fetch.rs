//! The fetch transport: the browser's `fetch`, in a page or a worker.
//!
//! - **Timeouts** through an `AbortController`: a request is aborted when the server has not
//!   answered within the timeout, and a download when no chunk came within it (the timer is
//!   re-armed at every chunk, so a large file may take as long as it needs while data flows).
//! - **Downloads stream**: the response body is read chunk by chunk from its `ReadableStream`,
//!   never whole into wasm memory — except a body of at most 256 KB by its Content-Length,
//!   which is taken in one piece (`arrayBuffer()`), as it fits in one chunk anyway.
//! - **Uploads** are gathered into a `Blob` (its bytes live outside wasm memory) and sent with
//!   a known length: Chromium streams request bodies only over HTTP/2, which a server on
//!   `http://` does not offer, and a Blob body can be sent again after a re-authentication.
//! - **Credentials**: a bearer token or Basic auth on every request. With `interactive` on (the
//!   app's INTERACTIVE flag), a 401 or 403 asks the app's callback for fresh credentials once and
//!   retries the request with them.
//! - Network failures (including a CORS refusal, which the browser reports the same way) and
//!   timeouts are transient errors: the engine retries them with backoff.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use csc_core::store::{ChunkStream, RemoteError};
use js_sys::{Array, Promise, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::auth::Auth;
use crate::request::Request;
use crate::store::{Response, Transport};

#[wasm_bindgen]
extern "C" {
    // The global functions, so that the transport works in windows and workers alike.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str, init: &web_sys::RequestInit) -> Promise;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// Asks the app for fresh credentials (`None`: the user gave up).
pub type Reauthenticate = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = Option<Auth>>>>>;

/// The fetch transport.
pub struct FetchTransport {
    auth: RefCell<Option<Auth>>,
    timeout_ms: Cell<u32>,
    interactive: Cell<bool>,
    reauthenticate: RefCell<Option<Reauthenticate>>,
}

impl std::fmt::Debug for FetchTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchTransport")
            .field("auth", &self.auth.borrow())
            .field("timeout_ms", &self.timeout_ms.get())
            .field("interactive", &self.interactive.get())
            .finish_non_exhaustive()
    }
}

impl FetchTransport {
    /// A transport with `auth`, giving up on a server silent for `timeout_ms`.
    pub fn new(auth: Option<Auth>, timeout_ms: u32) -> FetchTransport {
        FetchTransport {
            auth: RefCell::new(auth),
            timeout_ms: Cell::new(timeout_ms),
            interactive: Cell::new(false),
            reauthenticate: RefCell::new(None),
        }
    }

    /// Replaces the credentials.
    pub fn set_auth(&self, auth: Option<Auth>) {
        *self.auth.borrow_mut() = auth;
    }

    /// Changes the timeout.
    pub fn set_timeout_ms(&self, ms: u32) {
        self.timeout_ms.set(ms);
    }

    /// Whether a refused request may ask the app for fresh credentials (Windows'
    /// OFFLINEFILES_SYNC_CONTROL_FLAG_INTERACTIVE).
    pub fn set_interactive(&self, interactive: bool) {
        self.interactive.set(interactive);
    }

    /// The callback that asks for fresh credentials.
    pub fn set_reauthenticate(&self, callback: Option<Reauthenticate>) {
        *self.reauthenticate.borrow_mut() = callback;
    }

    async fn fetch_once(
        &self,
        request: &Request,
        body: Option<&JsValue>,
    ) -> Result<Response<FetchBody>, RemoteError> {
        let init = web_sys::RequestInit::new();
        init.set_method(request.method);
        let headers = web_sys::Headers::new().map_err(js_error)?;
        for (name, value) in &request.headers {
            // The browser sets the length itself, and refuses to be told.
            if name.eq_ignore_ascii_case("content-length") {
                continue;
            }
            headers.set(name, value).map_err(js_error)?;
        }
        if let Some(auth) = self.auth.borrow().as_ref() {
            headers
                .set("Authorization", &auth.header())
                .map_err(js_error)?;
        }
        init.set_headers(&headers);
        if let Some(body) = body {
            init.set_body(body);
        }
        // Listings and versions must come from the server, never from the HTTP cache.
        init.set_cache(web_sys::RequestCache::NoStore);
        let deadline = Deadline::new(self.timeout_ms.get())?;
        init.set_signal(Some(&deadline.controller.signal()));
        // fetch(url, init), not a Request made first: fetch makes one anyway, and building
        // it twice was a measurable part of a sync of many small files.
        deadline.arm();
        let response = JsFuture::from(global_fetch(&request.url, &init))
            .await
            .map_err(|e| deadline.failure(&e))?;
        let response: web_sys::Response = response
            .dyn_into()
            .map_err(|_| RemoteError::Protocol("fetch gave no Response".into()))?;
        // Only the headers the store reads cross into wasm: a few calls per response rather
        // than an iteration over all of them.
        let mut out_headers = Vec::new();
        let headers = response.headers();
        for name in crate::store::READ_HEADERS {
            if let Ok(Some(value)) = headers.get(name) {
                out_headers.push((name.to_owned(), value));
            }
        }
        // A small body of known length is taken whole (one promise); anything else streams.
        // A compressed one streams too: its length counts compressed bytes, and what the
        // browser unpacks from 256 KB may be gigabytes.
        let header = |name: &str| out_headers.iter().find(|(n, _)| n == name).map(|(_, v)| v);
        let small = header("content-encoding").is_none()
            && header("content-length")
                .and_then(|v| v.parse::<u64>().ok())
                .is_some_and(|len| len <= WHOLE_BODY_MAX);
        let status = response.status();
        let source = match response.body() {
            None => Source::Done,
            Some(_) if small => Source::Whole(response),
            Some(stream) => Source::Stream(
                stream
                    .get_reader()
                    .dyn_into::<web_sys::ReadableStreamDefaultReader>()
                    .map_err(|_| RemoteError::Protocol("the body has no default reader".into()))?,
            ),
        };
        Ok(Response {
            status,
            headers: out_headers,
            body: FetchBody { source, deadline },
        })
    }
}

/// Bodies up to this length (from Content-Length) are read in one piece with `arrayBuffer()`:
/// for the many small files of a first sync, a stream reader cost two reads and a timer each.
const WHOLE_BODY_MAX: u64 = 256 << 10;

/// An abort controller with a timer that aborts it.
struct Deadline {
    controller: web_sys::AbortController,
    ms: u32,
    timer: RefCell<Option<JsValue>>,
    fired: Rc<Cell<bool>>,
    on_timeout: Closure<dyn FnMut()>,
}

impl Deadline {
    fn new(ms: u32) -> Result<Deadline, RemoteError> {
        let controller = web_sys::AbortController::new().map_err(js_error)?;
        let fired = Rc::new(Cell::new(false));
        let on_timeout = {
            let controller = controller.clone();
            let fired = Rc::clone(&fired);
            Closure::<dyn FnMut()>::new(move || {
                fired.set(true);
                controller.abort();
            })
        };
        Ok(Deadline {
            controller,
            ms,
            timer: RefCell::new(None),
            fired,
            on_timeout,
        })
    }

    /// (Re)starts the timer.
    fn arm(&self) {
        self.disarm();
        let id = set_timeout(
            self.on_timeout.as_ref().unchecked_ref(),
            i32::try_from(self.ms).unwrap_or(i32::MAX),
        );
        *self.timer.borrow_mut() = Some(id);
    }

    fn disarm(&self) {
        if let Some(id) = self.timer.borrow_mut().take() {
            clear_timeout(&id);
        }
    }

    /// What a rejected fetch or read means.
    fn failure(&self, error: &JsValue) -> RemoteError {
        let detail = if self.fired.get() {
            format!("the server did not answer within {} ms", self.ms)
        } else {
            format!(
                "the server could not be reached (network down, or CORS does not allow this page's origin): {}",
                describe(error)
            )
        };
        RemoteError::Transient {
            detail,
            retry_after_ms: None,
        }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        self.disarm();
    }
}

/// A download body: small ones whole, the rest from the response's stream.
pub struct FetchBody {
    source: Source,
    deadline: Deadline,
}

/// Where a body's bytes come from.
enum Source {
    /// A small body of known length, not read yet.
    Whole(web_sys::Response),
    /// A body read chunk by chunk.
    Stream(web_sys::ReadableStreamDefaultReader),
    /// Everything was read (or there was no body).
    Done,
}

impl std::fmt::Debug for FetchBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FetchBody")
    }
}

impl Drop for FetchBody {
    fn drop(&mut self) {
        // A body dropped unread (an error answer, a cancelled download) is cancelled, so the
        // browser stops receiving it.
        match std::mem::replace(&mut self.source, Source::Done) {
            Source::Stream(reader) => {
                let _ = reader.cancel();
            }
            Source::Whole(response) => {
                if let Some(body) = response.body() {
                    let _ = body.cancel();
                }
            }
            Source::Done => {}
        }
    }
}

impl ChunkStream for FetchBody {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, RemoteError> {
        let reader = match std::mem::replace(&mut self.source, Source::Done) {
            Source::Done => return Ok(None),
            Source::Whole(response) => {
                self.deadline.arm();
                let read = response.array_buffer().map_err(js_error)?;
                let buffer = JsFuture::from(read)
                    .await
                    .map_err(|e| self.deadline.failure(&e))?;
                self.deadline.disarm();
                return Ok(Some(Uint8Array::new(&buffer).to_vec()));
            }
            Source::Stream(reader) => reader,
        };
        self.deadline.arm();
        let result = JsFuture::from(reader.read())
            .await
            .map_err(|e| self.deadline.failure(&e))?;
        self.deadline.disarm();
        let done = Reflect::get(&result, &JsValue::from_str("done"))
            .map_err(js_error)?
            .as_bool()
            .unwrap_or(true);
        if done {
            return Ok(None);
        }
        let value = Reflect::get(&result, &JsValue::from_str("value")).map_err(js_error)?;
        let bytes: Uint8Array = value
            .dyn_into()
            .map_err(|_| RemoteError::Protocol("the body stream gave no bytes".into()))?;
        self.source = Source::Stream(reader);
        Ok(Some(bytes.to_vec()))
    }
}

fn describe(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(js_error)`
fn js_error(e: JsValue) -> RemoteError {
    RemoteError::Protocol(format!("the browser refused the request: {}", describe(&e)))
}

impl Transport for FetchTransport {
    type Body = FetchBody;

    async fn send<U: ChunkStream>(
        &self,
        request: &Request,
        upload: Option<U>,
    ) -> Result<Response<FetchBody>, RemoteError> {
        let body: Option<JsValue> = match upload {
            Some(mut source) => {
                let parts = Array::new();
                while let Some(chunk) = source.next_chunk().await? {
                    parts.push(&Uint8Array::from(chunk.as_slice()));
                }
                let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(js_error)?;
                Some(blob.into())
            }
            None => request.body.as_deref().map(JsValue::from_str),
        };
        let response = self.fetch_once(request, body.as_ref()).await?;
        if matches!(response.status, 401 | 403) && self.interactive.get() {
            let callback = self.reauthenticate.borrow().clone();
            if let Some(callback) = callback
                && let Some(fresh) = callback().await
            {
                *self.auth.borrow_mut() = Some(fresh);
                return self.fetch_once(request, body.as_ref()).await;
            }
        }
        Ok(response)
    }

    fn now_ms(&self) -> i64 {
        js_sys::Date::now() as i64
    }
}
