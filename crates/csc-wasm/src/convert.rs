//! Values across the JavaScript edge: option objects in (serde-wasm-bindgen, every error naming
//! the argument and field, e.g. `synchronize: options.flags: invalid type: string "x",
//! expected u32`), results, items, conflicts and events out as plain objects.

use csc_core::engine::ItemInfo;
use csc_core::events::{Event, HResult};
use csc_core::plan::{ConflictRecord, CopyInfo};
use csc_core::win::{ConflictResolve, OpResponse};
use csc_core::{ItemKind, ItemPath, Millis, Presence};
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

use crate::constants::short;

use crate::errors::{invalid, type_error};

/// Parses an options argument (`undefined` and `null` are `{}`) into `T`. `fields` are the
/// names it may hold: anything else is a `TypeError` (a misspelt option would otherwise be
/// ignored without a word).
pub(crate) fn options<T: DeserializeOwned>(
    what: &str,
    value: JsValue,
    fields: &[&str],
) -> Result<T, JsValue> {
    let value = if value.is_null_or_undefined() {
        js_sys::Object::new().into()
    } else if !value.is_object() || value.is_function() || js_sys::Array::is_array(&value) {
        return Err(type_error(&format!("{what} must be an object")));
    } else {
        value
    };
    check_keys(what, &value, fields)?;
    let de = serde_wasm_bindgen::Deserializer::from(value);
    serde_path_to_error::deserialize(de)
        .map_err(|e| options_error(what, &e.path().to_string(), e.inner()))
}

/// The TypeError of an options object serde refused: `path` names the option. Not generic,
/// so not compiled once per options type.
fn options_error(what: &str, path: &str, error: &serde_wasm_bindgen::Error) -> JsValue {
    let inner = error.to_string();
    let inner = js_words(inner.trim_start_matches("Error: "));
    if path == "." {
        type_error(&format!("{what}: {inner}"))
    } else {
        type_error(&format!("{what}.{path}: {inner}"))
    }
}

/// serde's error message with Rust's number types said as a JavaScript caller knows them
/// ("expected u32" means nothing to one).
fn js_words(message: &str) -> String {
    message
        .replace(
            "expected u32",
            "expected a whole number from 0 to 4294967295",
        )
        .replace("expected u64", "expected a whole number of at least 0")
}

/// Refuses keys of an options object that are not among `fields`.
pub(crate) fn check_keys(what: &str, value: &JsValue, fields: &[&str]) -> Result<(), JsValue> {
    let Some(object) = value.dyn_ref::<js_sys::Object>() else {
        return Ok(());
    };
    for key in js_sys::Object::keys(object).iter() {
        let key = key.as_string().unwrap_or_default();
        if !fields.contains(&key.as_str()) {
            return Err(type_error(&format!(
                "{what} has no option {key:?}: the options are {}",
                fields.join(", ")
            )));
        }
    }
    Ok(())
}

/// A string argument.
pub(crate) fn string(what: &str, value: &JsValue) -> Result<String, JsValue> {
    match value.as_string() {
        Some(s) => well_formed(what, value, s),
        None => Err(type_error(&format!("{what} must be a string"))),
    }
}

/// `s`, read from `value`, if `value` was well-formed UTF-16. A lone surrogate would become
/// U+FFFD on the way into Rust: two different names would then be one file, stored and
/// uploaded under a name nobody gave.
fn well_formed(what: &str, value: &JsValue, s: String) -> Result<String, JsValue> {
    if value.unchecked_ref::<js_sys::JsString>().is_valid_utf16() {
        Ok(s)
    } else {
        Err(invalid(&format!(
            "{what} holds a lone UTF-16 surrogate (U+D800 to U+DFFF), which no file name can hold: pass a well-formed string (String.prototype.toWellFormed())"
        )))
    }
}

/// A path or an array of paths.
pub(crate) fn paths(what: &str, value: &JsValue) -> Result<Vec<String>, JsValue> {
    if let Some(s) = value.as_string() {
        return Ok(vec![well_formed(what, value, s)?]);
    }
    let bad = || {
        type_error(&format!(
            "{what} must be a path or an array of paths (strings)"
        ))
    };
    if !js_sys::Array::is_array(value) {
        return Err(bad());
    }
    js_sys::Array::from(value)
        .iter()
        .map(|v| match v.as_string() {
            Some(s) => well_formed(what, &v, s),
            None => Err(bad()),
        })
        .collect()
}

/// A function, or nothing.
pub(crate) fn function(what: &str, value: &JsValue) -> Result<Option<js_sys::Function>, JsValue> {
    if value.is_null_or_undefined() {
        return Ok(None);
    }
    value
        .dyn_ref::<js_sys::Function>()
        .cloned()
        .map(Some)
        .ok_or_else(|| type_error(&format!("{what} must be a function")))
}

/// A plain object built key by key.
pub(crate) struct Obj(js_sys::Object);

impl Obj {
    pub(crate) fn new() -> Self {
        Obj(js_sys::Object::new())
    }

    pub(crate) fn set(self, key: &str, value: impl Into<JsValue>) -> Self {
        // Defining a property on a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&self.0, &key.into(), &value.into());
        self
    }

    pub(crate) fn opt(self, key: &str, value: Option<impl Into<JsValue>>) -> Self {
        match value {
            Some(v) => self.set(key, v),
            None => self.set(key, JsValue::NULL),
        }
    }

    pub(crate) fn build(self) -> JsValue {
        self.0.into()
    }
}

pub(crate) fn array(items: impl IntoIterator<Item = JsValue>) -> JsValue {
    items.into_iter().collect::<js_sys::Array>().into()
}

fn time(ms: Millis) -> f64 {
    ms.0 as f64
}

fn kind(k: ItemKind) -> &'static str {
    match k {
        ItemKind::File => "file",
        ItemKind::Directory => "directory",
        ItemKind::Link => "link",
    }
}

pub(crate) fn copy_info(c: Option<&CopyInfo>) -> JsValue {
    match c {
        None => JsValue::NULL,
        Some(c) => Obj::new()
            .set("kind", kind(c.kind))
            .set("size", c.size as f64)
            .set("modified", time(c.modified))
            .set("attributes", c.attributes)
            .opt("version", c.version.as_ref().map(|v| v.as_str().to_owned()))
            .build(),
    }
}

/// An item, as findItem and enumItems give it.
pub(crate) fn item(share: &str, i: &ItemInfo) -> JsValue {
    let presence = match i.presence {
        Presence::Full => "full",
        Presence::Sparse => "sparse",
        Presence::Ghost => "ghost",
        Presence::Deleted => "deleted",
    };
    let item_kind = i.original.as_ref().map_or(
        match i.item_type {
            csc_core::win::ItemType::File => ItemKind::File,
            _ => ItemKind::Directory,
        },
        |m| m.kind,
    );
    let sources = |s: csc_core::PinSources| {
        Obj::new()
            .set("user", s.contains(csc_core::PinSources::USER))
            .set("userPolicy", s.contains(csc_core::PinSources::USER_POLICY))
            .set("all", s.contains(csc_core::PinSources::ALL))
            .set("redir", s.contains(csc_core::PinSources::REDIR))
            .build()
    };
    let changes = Obj::new()
        .set(
            "created",
            i.changes.contains(csc_core::LocalChanges::CREATED),
        )
        .set("data", i.changes.contains(csc_core::LocalChanges::DATA))
        .set(
            "attributes",
            i.changes.contains(csc_core::LocalChanges::ATTRIBUTES),
        )
        .set("time", i.changes.contains(csc_core::LocalChanges::TIME))
        .set("deleted", i.presence == Presence::Deleted)
        .build();
    let (size, modified) = match (&i.local, &i.original) {
        (Some(l), _) => (Some(l.size as f64), Some(time(l.modified))),
        (None, Some(o)) => (Some(o.size as f64), Some(time(o.modified))),
        (None, None) => (None, None),
    };
    let (state, reason) = i.connect_state;
    Obj::new()
        .set("share", share)
        .set("path", i.path.as_str())
        .set("name", i.path.name())
        .set("kind", kind(item_kind))
        .set("presence", presence)
        .set("sparse", i.presence == Presence::Sparse)
        .set("pinned", i.pins.is_pinned())
        .set("pin", sources(i.pins.sources))
        .set("pinInherit", sources(i.pins.inherit))
        .set("changes", changes)
        .set("dirty", i.dirty)
        .set("dirtyBytes", i.dirty_bytes as f64)
        .opt("size", size)
        .opt("modified", modified)
        .opt(
            "version",
            i.original.as_ref().map(|o| o.version.as_str().to_owned()),
        )
        .set("connectState", short(state.name()))
        .set("offlineReason", short(reason.name()))
        .set("suspended", i.suspension.suspended)
        .set("suspendedRoot", i.suspension.is_root)
        .set("filterFlags", i.filter_flags.bits() as f64)
        .build()
}

/// A conflict store record.
pub(crate) fn conflict(share: &str, r: &ConflictRecord) -> JsValue {
    Obj::new()
        .set("share", share)
        .set("path", r.path.as_str())
        .set("state", u32::from(r.state))
        .set("stateName", short(r.state.name()))
        .set("changeDetails", r.changes.bits())
        .set("detected", time(r.detected))
        .set("local", copy_info(r.local.as_ref()))
        .set("remote", copy_info(r.remote.as_ref()))
        .set("original", copy_info(r.original.as_ref()))
        .build()
}

/// An event.
pub(crate) fn event(e: &Event, at: Millis) -> JsValue {
    let id = e.id();
    let mut o = Obj::new()
        .set("type", crate::constants::event_type(id))
        .set("id", u32::from(id))
        .set("time", time(at));
    if let Some(item) = e.item() {
        o = o.set("share", &*item.share).set("path", item.path.as_str());
    }
    match e {
        Event::SyncBegin { sync } => o = o.set("syncId", &*sync.0),
        Event::SyncFileResult { sync, result, .. } | Event::SyncEnd { sync, result } => {
            o = o
                .set("syncId", &*sync.0)
                .set("result", result.0)
                .set("ok", result.is_ok());
        }
        Event::ConflictAdded {
            detected, state, ..
        }
        | Event::ConflictUpdated {
            detected, state, ..
        }
        | Event::ConflictRemoved {
            detected, state, ..
        } => {
            o = o
                .set("detected", time(*detected))
                .set("state", u32::from(*state))
                .set("stateName", short(state.name()));
        }
        Event::BackgroundSyncBegin { control } | Event::BackgroundSyncEnd { control } => {
            o = o.set("flags", control.to_windows());
        }
        Event::ItemModified {
            item_type,
            data,
            attributes,
            ..
        } => {
            o = o
                .set("itemType", u32::from(*item_type))
                .set("data", *data)
                .set("attributes", *attributes);
        }
        Event::ItemDisconnected { item_type, .. }
        | Event::ItemReconnected { item_type, .. }
        | Event::ItemAvailableOffline { item_type, .. }
        | Event::ItemNotAvailableOffline { item_type, .. }
        | Event::ItemPinned { item_type, .. }
        | Event::ItemNotPinned { item_type, .. }
        | Event::ItemAddedToCache { item_type, .. }
        | Event::ItemDeletedFromCache { item_type, .. } => {
            o = o.set("itemType", u32::from(*item_type));
        }
        Event::ItemReconnectBegin | Event::ItemReconnectEnd | Event::DataLost | Event::Ping => {}
    }
    o.build()
}

/// A per-item result of a sync (or pin, unpin, deleteItems).
pub(crate) fn item_result(
    share: &str,
    path: &ItemPath,
    hr: HResult,
    operation: Option<csc_core::win::SyncOperation>,
    error: Option<&csc_core::engine::SyncErrorInfo>,
) -> JsValue {
    let operation = error.map(|e| e.operation).or(operation);
    let err = error.map(|e| {
        Obj::new()
            .set("description", e.description.as_str())
            .set("operation", u32::from(e.operation))
            .set("itemChanges", e.item_changes.bits())
            .set("local", copy_info(e.local.as_ref()))
            .set("remote", copy_info(e.remote.as_ref()))
            .set("original", copy_info(e.original.as_ref()))
            .build()
    });
    Obj::new()
        .set("share", share)
        .set("path", path.as_str())
        .set("result", hr.0)
        .set("ok", hr.is_ok())
        .opt("operation", operation.map(u32::from))
        .opt("operationName", operation.map(|o| short(o.name())))
        .opt("error", err)
        .build()
}

/// A progress callback's answer: `'continue'`, `'retry'`, `'abort'`, an OFFLINEFILES_OP_*
/// number, or nothing (continue). Anything else is reported and taken as continue.
pub(crate) fn response(value: &JsValue, callback: &str) -> OpResponse {
    if value.is_null_or_undefined() {
        return OpResponse::Continue;
    }
    let parsed = match (value.as_string(), value.as_f64()) {
        // Any case: 'Abort' or 'ABORT' (the Windows name) must not be taken for "continue".
        (Some(s), _) => match s.to_ascii_lowercase().as_str() {
            "continue" => Some(OpResponse::Continue),
            "retry" => Some(OpResponse::Retry),
            "abort" => Some(OpResponse::Abort),
            _ => None,
        },
        (None, Some(n)) if n.fract() == 0.0 && (0.0..=2.0).contains(&n) => {
            OpResponse::try_from(n as u32).ok()
        }
        _ => None,
    };
    parsed.unwrap_or_else(|| {
        let hint = if value.is_instance_of::<js_sys::Promise>() {
            " (progress callbacks are synchronous: return the answer, not a promise)"
        } else {
            ""
        };
        warn(&format!(
            "offline-files: onProgress.{callback} answered {value:?}; expected 'continue', 'retry' or 'abort'{hint}: continuing"
        ));
        OpResponse::Continue
    })
}

/// A conflict handler's resolution: a ConflictResolve number or its name in camelCase
/// (`'keepAllChanges'`) or Windows case (`'KEEPALLCHANGES'`).
pub(crate) fn resolution(value: &JsValue) -> Result<ConflictResolve, String> {
    if let Some(n) = value.as_f64() {
        if n.fract() == 0.0 && n >= 0.0 && n <= f64::from(u32::MAX) {
            return ConflictResolve::try_from(n as u32).map_err(|e| e.to_string());
        }
        return Err(format!("{} is not a ConflictResolve value", js_number(n)));
    }
    let Some(s) = value.as_string() else {
        return Err(
            "a resolution is a ConflictResolve number or name, such as 'keepLocal'".to_owned(),
        );
    };
    let wanted = s.to_ascii_uppercase();
    ConflictResolve::ALL
        .into_iter()
        .find(|r| short(r.name()) == wanted)
        .ok_or_else(|| {
            format!("{s:?} is not a resolution: use keepLocal, keepRemote, keepAllChanges, keepLatest, log, skip or abort")
        })
}

/// Reports a problem the caller's code caused but that should not stop the operation.
pub(crate) fn warn(message: &str) {
    web_sys::console::error_1(&message.into());
}

/// A number written as JavaScript writes it (`1441`, `2.5`, `NaN`): Rust's own float formatting
/// would add about 20 KB of wasm for the few messages that quote a number the caller gave.
pub(crate) fn js_number(n: f64) -> String {
    js_sys::Number::from(n)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_else(|_| "a number".to_owned())
}
