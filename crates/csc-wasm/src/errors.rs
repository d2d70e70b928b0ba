//! Errors at the JavaScript edge: `OfflineFilesError` (an `Error` subclass defined by the
//! package's entry, `js/index.js`) with a stable `code` and a message that says what to fix;
//! `TypeError` for arguments of the wrong type. A cancelled operation's error is named
//! `AbortError`, as the DOM's are, so `err.name === 'AbortError'` checks work.

use std::cell::RefCell;

use csc_core::engine::EngineError;
use csc_core::events::HResult;
use csc_core::plan::PlanError;
use csc_core::store::{LocalError, RemoteError};
use wasm_bindgen::prelude::*;

use crate::cache::CacheError;

thread_local! {
    static ERROR_CLASS: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
}

/// Sets the class errors are made of: `new Class(message, code)`. The package's entry calls it
/// once the wasm is loaded; without it errors are plain `Error`s with the same `code`.
#[cfg(feature = "js-api")]
#[wasm_bindgen(js_name = useErrorClass, skip_typescript)]
pub fn use_error_class(class: js_sys::Function) {
    ERROR_CLASS.with(|c| *c.borrow_mut() = Some(class));
}

/// An `OfflineFilesError` with `code`, `message` and extra properties.
pub(crate) fn error(code: &str, message: &str, extra: &[(&str, JsValue)]) -> JsValue {
    let class = ERROR_CLASS.with(|c| c.borrow().clone());
    let made = class.and_then(|class| {
        let args = js_sys::Array::of2(&message.into(), &code.into());
        js_sys::Reflect::construct(&class, &args).ok()
    });
    let e = match made {
        Some(e) => e,
        None => {
            let e: JsValue = js_sys::Error::new(message).into();
            set(&e, "code", &code.into());
            e
        }
    };
    if code == "Cancelled" {
        set(&e, "name", &"AbortError".into());
    }
    for (k, v) in extra {
        set(&e, k, v);
    }
    e
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Setting a property on an object we just made cannot fail.
    let _ = js_sys::Reflect::set(target, &key.into(), value);
}

/// A `TypeError` for an argument of the wrong type (its message names the argument).
pub(crate) fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}

/// `InvalidArgument`: an argument of the right type with a value that cannot be used.
pub(crate) fn invalid(message: &str) -> JsValue {
    error(
        "InvalidArgument",
        message,
        &[("hresult", HResult::INVALID_ARG.0.into())],
    )
}

/// The code of a remote failure.
fn remote_code(e: &RemoteError) -> &'static str {
    match e {
        RemoteError::NotFound(_) => "NotFound",
        RemoteError::PreconditionFailed(_) => "PreconditionFailed",
        RemoteError::Conflict { .. } => "Conflict",
        RemoteError::Transient { .. } => "Network",
        RemoteError::Auth(_) => "Auth",
        RemoteError::TokenExpired | RemoteError::Protocol(_) => "Protocol",
        RemoteError::Local(_) => "CacheFailed",
    }
}

/// The stable code of an engine error at the package's edge: the documented set of the npm
/// package (`Network`, `Auth`, `MassDeleteBlocked`, `InvalidArgument`…), finer than
/// `EngineError::code`, which names the engine's own variants.
pub(crate) fn engine_code(e: &EngineError) -> &'static str {
    match e {
        EngineError::Busy => "Busy",
        EngineError::Cancelled => "Cancelled",
        EngineError::Listing(r) => remote_code(r),
        EngineError::BadListing(_) => "Protocol",
        EngineError::Refused(PlanError::MassDeletion { .. }) => "MassDeleteBlocked",
        EngineError::Refused(_) => "Refused",
        EngineError::Cache(LocalError::QuotaExceeded) => "QuotaExceeded",
        EngineError::Cache(_) => "CacheFailed",
        EngineError::Corrupt(_) => "CacheCorrupt",
        EngineError::WrongShare { .. } | EngineError::BadPath { .. } => "InvalidArgument",
        EngineError::NotFound(_) => "NotFound",
        EngineError::Changed(_) => "Retry",
    }
}

/// An engine error of `share`.
pub(crate) fn engine_error(e: &EngineError, share: &str) -> JsValue {
    let mut extra = vec![("hresult", e.hresult().0.into()), ("share", share.into())];
    if let EngineError::NotFound(p) | EngineError::BadPath { path: p, .. } = e {
        extra.push(("path", p.as_str().into()));
    }
    error(engine_code(e), &e.to_string(), &extra)
}

/// A cache error.
pub(crate) fn cache_error(e: &CacheError) -> JsValue {
    match e {
        CacheError::Engine { url, error } => {
            let js = engine_error(error, url);
            set(&js, "message", &e.to_string().into());
            js
        }
        CacheError::Database(LocalError::QuotaExceeded) => error(
            "QuotaExceeded",
            &e.to_string(),
            &[("hresult", HResult::DISK_FULL.0.into())],
        ),
        CacheError::Database(_) => error(
            "CacheFailed",
            &e.to_string(),
            &[("hresult", HResult::E_FAIL.0.into())],
        ),
        CacheError::Closed => error("Closed", &e.to_string(), &[]),
        CacheError::NoShares
        | CacheError::BadShareUrl { .. }
        | CacheError::BadAuth { .. }
        | CacheError::ZeroTimeout { .. }
        | CacheError::DuplicateShare { .. }
        | CacheError::OutsideShares { .. }
        | CacheError::Ambiguous { .. }
        | CacheError::ShareNeeded { .. }
        | CacheError::BadPath(_)
        | CacheError::UnknownShare { .. } => invalid(&e.to_string()),
    }
}
