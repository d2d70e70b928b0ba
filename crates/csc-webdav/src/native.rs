//! The native transport: blocking HTTP through ureq, for tests, tools and benchmarks.
//!
//! Each call blocks the thread until the server answers; the body of a download is read as the
//! engine asks for chunks, and an upload streams from the engine's chunks as ureq asks for
//! bytes. The upload source is polled without an executor, so it must not wait on anything
//! (the caches the engine uses natively answer at once); a source that would wait is a clear
//! `Local` error rather than a hang. In the browser, the fetch transport is the one to use.

use std::cell::RefCell;
use std::io::Read;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use csc_core::store::{ChunkStream, RemoteError};

use crate::auth::Auth;
use crate::request::Request;
use crate::store::{Response, Transport};

/// A blocking HTTP transport.
#[derive(Debug)]
pub struct NativeTransport {
    agent: ureq::Agent,
    auth: RefCell<Option<Auth>>,
}

/// How much of a download is handed over at a time.
const CHUNK: usize = 256 * 1024;

impl NativeTransport {
    /// A transport with `auth`, giving up on a server silent for `timeout`.
    pub fn new(auth: Option<Auth>, timeout: Duration) -> NativeTransport {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .allow_non_standard_methods(true)
            .max_redirects(0)
            .timeout_connect(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_per_read(Some(timeout))
            .timeout_per_write(Some(timeout))
            .user_agent("offline-files")
            .build()
            .new_agent();
        NativeTransport {
            agent,
            auth: RefCell::new(auth),
        }
    }

    /// Replaces the credentials (after the user signed in again).
    pub fn set_auth(&self, auth: Option<Auth>) {
        *self.auth.borrow_mut() = auth;
    }
}

/// A download body, read on demand.
pub struct NativeBody(ureq::BodyReader<'static>);

impl std::fmt::Debug for NativeBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NativeBody")
    }
}

fn transient(e: impl std::fmt::Display) -> RemoteError {
    RemoteError::Transient {
        detail: e.to_string(),
        retry_after_ms: None,
    }
}

impl ChunkStream for NativeBody {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, RemoteError> {
        let mut buf = vec![0u8; CHUNK];
        let mut filled = 0;
        while filled < CHUNK {
            match self.0.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(transient(format!("the download broke off: {e}"))),
            }
        }
        if filled == 0 {
            return Ok(None);
        }
        buf.truncate(filled);
        Ok(Some(buf))
    }
}

/// An upload: the engine's chunks as a `Read`.
struct Upload<U> {
    source: U,
    chunk: Vec<u8>,
    pos: usize,
    failed: Option<RemoteError>,
}

impl<U: ChunkStream> Read for Upload<U> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.chunk.len() {
            let next = {
                let fut = pin!(self.source.next_chunk());
                fut.poll(&mut Context::from_waker(Waker::noop()))
            };
            let error = match next {
                Poll::Ready(Ok(Some(c))) => {
                    self.chunk = c;
                    self.pos = 0;
                    continue;
                }
                Poll::Ready(Ok(None)) => return Ok(0),
                Poll::Ready(Err(e)) => e,
                Poll::Pending => RemoteError::Local(
                    "the upload's source waited; the native transport needs a source that answers at once"
                        .into(),
                ),
            };
            let message = error.to_string();
            self.failed = Some(error);
            return Err(std::io::Error::other(message));
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn map_error(e: ureq::Error) -> RemoteError {
    match e {
        ureq::Error::Timeout(t) => transient(format!("the server did not answer in time ({t})")),
        ureq::Error::HostNotFound => transient("the server's host name does not resolve"),
        ureq::Error::ConnectionFailed => transient("the server refused the connection"),
        ureq::Error::Io(io) => transient(format!("the connection failed: {io}")),
        other => RemoteError::Protocol(format!("the HTTP exchange failed: {other}")),
    }
}

impl Transport for NativeTransport {
    type Body = NativeBody;

    async fn send<U: ChunkStream>(
        &self,
        request: &Request,
        upload: Option<U>,
    ) -> Result<Response<NativeBody>, RemoteError> {
        let method = http::Method::from_bytes(request.method.as_bytes())
            .expect("requests use valid method names");
        let mut builder = http::Request::builder()
            .method(method)
            .uri(request.url.as_str());
        for (name, value) in &request.headers {
            builder = builder.header(*name, value.as_str());
        }
        if let Some(auth) = self.auth.borrow().as_ref() {
            builder = builder.header("Authorization", auth.header());
        }
        let result = match upload {
            Some(source) => {
                let mut reader = Upload {
                    source,
                    chunk: Vec::new(),
                    pos: 0,
                    failed: None,
                };
                let req = builder
                    .body(ureq::SendBody::from_reader(&mut reader))
                    .map_err(|e| RemoteError::Protocol(format!("bad request: {e}")))?;
                let result = self.agent.run(req);
                if let Some(failed) = reader.failed.take() {
                    return Err(failed);
                }
                result
            }
            None => {
                let body = request.body.clone().unwrap_or_default();
                let req = builder
                    .body(body)
                    .map_err(|e| RemoteError::Protocol(format!("bad request: {e}")))?;
                self.agent.run(req)
            }
        };
        let response = result.map_err(map_error)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let body = response.into_body().into_reader();
        Ok(Response {
            status,
            headers,
            body: NativeBody(body),
        })
    }

    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}
