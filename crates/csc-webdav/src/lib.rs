//! The WebDAV remote store (RFC 4918, with RFC 6578 sync-collection for delta listings).
//!
//! This crate holds the protocol, free of IO, so that every transport (fetch in the browser, a
//! native HTTP client for tests and tools) and every test share the same code:
//!
//! - [`href`]: the share URL and the one safe way from a server's href to a path in the share;
//! - [`multistatus`]: parsing PROPFIND and sync-collection answers, with limits;
//! - [`request`]: the requests the store sends, as data (method, URL, headers, body);
//! - [`status`]: what a failed request's status means to the engine (412 → re-plan, 401/403 →
//!   credentials, 429/5xx → retry after Retry-After…);
//! - [`store`]: `DavStore`, the engine's `RemoteStore` over any [`store::Transport`];
//! - `fetch` (wasm): the browser's fetch, the transport the engine uses in the browser;
//! - `native` (not on wasm): a blocking HTTP transport (ureq) for tests, tools and benchmarks;
//! - [`auth`]: credentials as both send them.

pub mod auth;
#[cfg(target_arch = "wasm32")]
pub mod fetch;
pub mod href;
pub mod multistatus;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
pub mod request;
pub mod status;
pub mod store;

pub use auth::Auth;
pub use href::{HrefError, ShareUrl};
pub use multistatus::{Entry, Limits, Multistatus, ParseError, parse, parse_in};
pub use request::{Depth, Request};
pub use store::{DavStore, Recording, Response, Transport};
