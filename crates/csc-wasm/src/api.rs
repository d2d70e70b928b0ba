//! `OfflineFilesCache`, the exported class: IOfflineFilesCache in JavaScript idioms.
//!
//! Every method validates its arguments first (a `TypeError` naming the argument for a wrong
//! type, an `InvalidArgument` error for a wrong value) and never panics on what a caller
//! passes. Long operations run one share after another; progress callbacks, conflict handlers
//! and event listeners are the caller's code, so whatever they throw is reported on the
//! console and the operation goes on.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use csc_core::engine::{
    CancelToken, ConflictHandler, ConflictInfo, DeleteOptions, EngineError, EnumOptions,
    PinOptions, SimpleProgress, SyncErrorInfo, SyncOptions, SyncProgress,
};
use csc_core::events::{EventFilter, HResult, ItemRef, PathFilter, SubscriberId, SyncId};
use csc_core::plan::HandlerAnswer;
use csc_core::win::{
    ConflictPolicy, ConflictResolve, DeleteFlags, EnumFlags, EventId, ItemFilterFlags, OpResponse,
    PathFilterMatch, PinControlFlags, SyncControl, SyncControlFlags, SyncOperation,
};
use csc_core::{Connectivity, ItemPath};
use csc_webdav::Auth;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};

use crate::background::{Background, Drive, ShareLock, Tabs, lock_share};
use crate::cache::{Cache, ShareConfig, ShareSlot};
use crate::convert::{self, Obj, array, warn};
use crate::errors::{cache_error, engine_error, error, invalid, type_error};
use crate::runtime::new_sync_id;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** A share the cache syncs with: a WebDAV collection. */
export interface ShareOptions {
  /** The collection's absolute URL, such as `https://host/dav/`. */
  url: string;
  /** Credentials sent with every request. */
  auth?: { bearer: string } | { basic: { username: string; password: string } };
  /** The server compares names without case (Windows and macOS servers). */
  caseInsensitive?: boolean;
  /** How long a request may go without progress, in milliseconds (default 30000). */
  timeoutMs?: number;
}

export interface OpenOptions {
  /** The IndexedDB database (default `"offline-files"`). */
  name?: string;
  shares: ShareOptions[];
  /**
   * Whether this page may run the background sync schedule (default true; one page of the
   * origin runs it at a time). `false`: never (it still sees every page's events).
   * `{ minuteMs }`: a schedule minute lasts that many milliseconds — for tests only.
   */
  backgroundSync?: boolean | { minuteMs?: number };
}

/** Where a path is: an item's full URL, or (in a cache of one share) a path inside it. */
export type Path = string;

export type Resolution =
  | 'keepLocal' | 'keepRemote' | 'keepAllChanges' | 'keepLatest' | 'log' | 'skip' | 'abort' | 'none'
  | number;

/** The resolutions that settle a stored conflict (resolveConflict). */
export type Decision = 'keepLocal' | 'keepRemote' | 'keepAllChanges' | 'keepLatest' | 'skip' | number;

export interface CopyInfo {
  kind: 'file' | 'directory' | 'link';
  size: number;
  /** Milliseconds since the Unix epoch. */
  modified: number;
  attributes: number;
  /** The server's version (ETag) of a server copy or original. */
  version: string | null;
}

/** A conflict as a handler sees it. */
export interface ConflictInfo {
  share: string;
  path: string;
  /** The OFFLINEFILES_SYNC_STATE number (see `SyncState`). */
  state: number;
  /** Its name, such as `FileChangedOnClient_ChangedOnServer`. */
  stateName: string;
  /** OFFLINEFILES_CHANGES_* bits (see `ChangeDetails`). */
  changeDetails: number;
  local: CopyInfo | null;
  remote: CopyInfo | null;
  original: CopyInfo | null;
}

export interface ConflictAnswer {
  resolution: Resolution;
  /** For keepAllChanges: the bare name of the extra copy (default `name (conflict N).ext`). */
  newName?: string;
}

export type ProgressAnswer = 'continue' | 'retry' | 'abort' | number | void;

/** Progress callbacks; synchronous: return the answer, not a promise. */
export interface ProgressCallbacks {
  begin?: () => ProgressAnswer;
  itemBegin?: (item: { share: string; path: string; operation: number | null }) => ProgressAnswer;
  itemResult?: (result: ItemResult) => ProgressAnswer;
  end?: (result: { result: number; ok: boolean }) => void;
}

export interface SyncOptions {
  /** Windows dwSyncControl, e.g. `SyncControl.SYNCIN | SyncControl.SYNCOUT`. The options below
   * set or clear single flags on top of it. Without `flags`, `syncIn` and `syncOut`, a sync goes
   * both ways. */
  flags?: number;
  syncIn?: boolean;
  syncOut?: boolean;
  fillSparse?: boolean;
  pinNewFiles?: boolean;
  /** Whose pins PINNEWFILES makes (default the user's); only with `pinNewFiles`. */
  pinFor?: 'user' | 'userPolicy' | 'all' | 'redir';
  /** A new link that PINNEWFILES pins pins its target too; only with `pinNewFiles`. */
  pinLinkTargets?: boolean;
  skipSuspendedDirs?: boolean;
  background?: boolean;
  noNewFilesOut?: boolean;
  /** Progress callbacks may lag behind the work (ASYNCPROGRESS). */
  asyncProgress?: boolean;
  /** How conflicts are settled without `onConflict` (given both, the sync is refused). */
  conflictPolicy?: 'keepLocal' | 'keepRemote' | 'keepLatest';
  /** The user confirmed this sync's deletions: lifts the mass-deletion safety valve. */
  allowDeletes?: boolean;
  /** Asked for each conflict (awaited: it may show a dialog); decides every conflict, so it
   * goes without `conflictPolicy`. */
  onConflict?: (conflict: ConflictInfo) => ConflictAnswer | Resolution | Promise<ConflictAnswer | Resolution>;
  onProgress?: ProgressCallbacks;
  /** Stops the sync after the current item (small files go in groups of up to 64: after the current group, all of it reported); the promise rejects with an `AbortError`. */
  signal?: AbortSignal;
  /** Echoed in the syncBegin, syncFileResult and syncEnd events (default: a new id). */
  syncId?: string;
}

export interface ItemResult {
  share: string;
  path: string;
  /** The HRESULT (unsigned; 0 is S_OK; see `HResult`). */
  result: number;
  ok: boolean;
  /** The OFFLINEFILES_SYNC_OPERATION number, and its name. */
  operation: number | null;
  operationName: string | null;
  error: {
    description: string;
    operation: number;
    itemChanges: number;
    local: CopyInfo | null;
    remote: CopyInfo | null;
    original: CopyInfo | null;
  } | null;
}

export interface OperationResult {
  /** S_OK (0), or the single file's result when one file was synced, or the last failure. */
  result: number;
  ok: boolean;
  items: ItemResult[];
  /** Conflicts left in the conflict store (synchronize only). */
  conflicts?: number;
  syncId?: string;
}

export interface PinOptions {
  /** The whole subtree now (default: the folder and, at the next sync, new files in it). */
  deep?: boolean;
  /** Download the content now. */
  fill?: boolean;
  pinFor?: 'user' | 'userPolicy' | 'all' | 'redir';
  pinLinkTargets?: boolean;
  onProgress?: ProgressCallbacks;
  signal?: AbortSignal;
}

export interface UnpinOptions {
  deep?: boolean;
  pinFor?: 'user' | 'userPolicy' | 'all' | 'redir';
  onProgress?: ProgressCallbacks;
  signal?: AbortSignal;
}

export interface DeleteItemsOptions {
  /** Keep items cached automatically (not pinned). */
  keepAutoCached?: boolean;
  /** Keep pinned items. */
  keepPinned?: boolean;
  /** Delete items with unsynced changes too (they are lost). */
  evenIfModified?: boolean;
  signal?: AbortSignal;
}

export interface EnumOptions {
  /** Every descendant, each folder before its contents. */
  flat?: boolean;
  /** With `flat`: files only. */
  filesOnly?: boolean;
  /** Items whose OFFLINEFILES_ITEM_FILTER_FLAG_* conditions, for each bit in `mask`, equal the bit in `flags`. */
  filter?: { flags: number; mask: number };
}

export interface Item {
  share: string;
  path: string;
  name: string;
  kind: 'file' | 'directory' | 'link';
  presence: 'full' | 'sparse' | 'ghost' | 'deleted';
  sparse: boolean;
  pinned: boolean;
  pin: { user: boolean; userPolicy: boolean; all: boolean; redir: boolean };
  pinInherit: { user: boolean; userPolicy: boolean; all: boolean; redir: boolean };
  changes: { created: boolean; data: boolean; attributes: boolean; time: boolean; deleted: boolean };
  dirty: boolean;
  dirtyBytes: number;
  size: number | null;
  modified: number | null;
  version: string | null;
  connectState: string;
  offlineReason: string;
  suspended: boolean;
  suspendedRoot: boolean;
  filterFlags: number;
}

export interface ConflictRecord extends ConflictInfo {
  detected: number;
}

export type EventType =
  | 'cacheMoved' | 'cacheIsFull' | 'cacheIsCorrupted' | 'enabled' | 'encryptionChanged'
  | 'syncBegin' | 'syncFileResult' | 'syncConflictRecAdded' | 'syncConflictRecUpdated'
  | 'syncConflictRecRemoved' | 'syncEnd' | 'backgroundSyncBegin' | 'backgroundSyncEnd'
  | 'netTransportArrived' | 'noNetTransports' | 'itemDisconnected' | 'itemReconnected'
  | 'itemAvailableOffline' | 'itemNotAvailableOffline' | 'itemPinned' | 'itemNotPinned'
  | 'itemModified' | 'itemAddedToCache' | 'itemDeletedFromCache' | 'itemRenamed'
  | 'dataLost' | 'ping' | 'itemReconnectBegin' | 'itemReconnectEnd' | 'cacheEvictBegin'
  | 'cacheEvictEnd' | 'policyChangeDetected' | 'preferenceChangeDetected' | 'settingsChangesApplied'
  | 'transparentCacheItemNotify' | 'prefetchFileBegin' | 'prefetchFileEnd'
  | 'prefetchCloseHandleBegin' | 'prefetchCloseHandleEnd';

/** What every event has: its type, its Windows number (`Events`) and when it was raised. */
export interface EventBase<K extends EventType> {
  type: K;
  id: number;
  /** Milliseconds since the Unix epoch. */
  time: number;
}

/** An event about an item: the share and the path inside it. */
export interface ItemEventBase<K extends EventType> extends EventBase<K> {
  share: string;
  path: string;
}

/** ItemDisconnected … ItemDeletedFromCache: `itemType` is an ItemType number (file 0, folder 1). */
export type ItemEventType =
  | 'itemDisconnected' | 'itemReconnected' | 'itemAvailableOffline' | 'itemNotAvailableOffline'
  | 'itemPinned' | 'itemNotPinned' | 'itemAddedToCache' | 'itemDeletedFromCache';

/** The Windows event types this engine accepts but does not raise: as in Windows, most are
 * reserved; the others are about the machine's network transports, eviction sweeps, settings
 * policy, transparent caching or prefetching. */
export type UnraisedEventType =
  | 'cacheMoved' | 'cacheIsFull' | 'cacheIsCorrupted' | 'enabled' | 'encryptionChanged'
  | 'netTransportArrived' | 'noNetTransports' | 'itemRenamed' | 'cacheEvictBegin' | 'cacheEvictEnd'
  | 'policyChangeDetected' | 'preferenceChangeDetected' | 'settingsChangesApplied'
  | 'transparentCacheItemNotify' | 'prefetchFileBegin' | 'prefetchFileEnd'
  | 'prefetchCloseHandleBegin' | 'prefetchCloseHandleEnd';

// One member per event type (a member whose `type` is a union would not narrow).
type Plain<K extends EventType, F = {}> = K extends EventType ? EventBase<K> & F : never;
type OnItem<K extends EventType, F = {}> = K extends EventType ? ItemEventBase<K> & F : never;

/** An event, with its own fields: `type` narrows it. */
export type OfflineFilesEvent =
  | Plain<'syncBegin', { syncId: string }>
  | OnItem<'syncFileResult', { syncId: string; result: number; ok: boolean }>
  | Plain<'syncEnd', { syncId: string; result: number; ok: boolean }>
  | OnItem<'syncConflictRecAdded' | 'syncConflictRecUpdated' | 'syncConflictRecRemoved', {
      /** When the conflict was first detected (milliseconds since the Unix epoch). */
      detected: number;
      /** The SyncState number, and its name. */
      state: number;
      stateName: string;
    }>
  /** `flags`: the pass's dwSyncControl (one way or both). */
  | Plain<'backgroundSyncBegin' | 'backgroundSyncEnd', { flags: number }>
  | OnItem<'itemModified', { itemType: number; data: boolean; attributes: boolean }>
  | OnItem<ItemEventType, { itemType: number }>
  | Plain<'itemReconnectBegin' | 'itemReconnectEnd' | 'dataLost' | 'ping' | UnraisedEventType>;

/** The event a listener of type `K` receives. */
export type EventOf<K extends EventType | '*'> = K extends '*' ? OfflineFilesEvent : Extract<OfflineFilesEvent, { type: K }>;

export interface ListenerOptions {
  /** Only events about these items (and events about no item). */
  paths?: Path | Path[];
  /** Which items relative to `paths` pass (default `selfOrDescendant`); only with `paths`. */
  match?: 'self' | 'child' | 'descendant' | 'selfOrChild' | 'selfOrDescendant';
  /** Only with type `'*'`: event types not to deliver. */
  exclude?: EventType[];
}

export interface StorageInfo {
  /** Bytes the site uses. */
  used: number;
  /** Bytes it may use. */
  quota: number;
  /** The browser will not evict the site's storage under pressure. */
  persisted: boolean;
}

export interface ConnectStateInfo {
  share: string;
  state: 'ONLINE' | 'OFFLINE';
  /** OFFLINEFILES_OFFLINE_REASON name, such as `CONNECTION_FORCED` or `CONNECTION_ERROR`. */
  reason: string;
}
"#;

/// The options of synchronize.
const SYNC_FIELDS: &[&str] = &[
    "flags",
    "syncIn",
    "syncOut",
    "fillSparse",
    "pinNewFiles",
    "pinFor",
    "pinLinkTargets",
    "skipSuspendedDirs",
    "background",
    "noNewFilesOut",
    "asyncProgress",
    "conflictPolicy",
    "allowDeletes",
    "onConflict",
    "onProgress",
    "signal",
    "syncId",
];

#[wasm_bindgen]
extern "C" {
    /// Synchronize's options.
    #[wasm_bindgen(typescript_type = "SyncOptions")]
    pub type SyncOptionsArg;
    /// Pin's options.
    #[wasm_bindgen(typescript_type = "PinOptions")]
    pub type PinOptionsArg;
    /// Unpin's options.
    #[wasm_bindgen(typescript_type = "UnpinOptions")]
    pub type UnpinOptionsArg;
    /// DeleteItems' options.
    #[wasm_bindgen(typescript_type = "DeleteItemsOptions")]
    pub type DeleteItemsOptionsArg;
    /// EnumItems' options.
    #[wasm_bindgen(typescript_type = "EnumOptions")]
    pub type EnumOptionsArg;
    /// TransitionOffline's options.
    #[wasm_bindgen(typescript_type = "{ force?: boolean }")]
    pub type TransitionOptionsArg;
    /// A listener's options.
    #[wasm_bindgen(typescript_type = "ListenerOptions")]
    pub type ListenerOptionsArg;
    /// An optional string argument (checked by the method, so a wrong type is a TypeError
    /// naming it).
    #[wasm_bindgen(typescript_type = "string")]
    pub type StringArg;
}

/// The default IndexedDB database name.
const DEFAULT_NAME: &str = "offline-files";

/// How many events a listener may fall behind before one `dataLost` replaces the rest.
const LISTENER_QUEUE: usize = 4096;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OpenArgs {
    name: Option<String>,
    shares: Vec<ShareArgs>,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    background_sync: JsValue,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ShareArgs {
    url: String,
    auth: Option<AuthArgs>,
    case_insensitive: Option<bool>,
    timeout_ms: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
enum AuthArgs {
    Bearer(String),
    Basic { username: String, password: String },
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "camelCase")]
enum PinFor {
    User,
    UserPolicy,
    All,
    Redir,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "camelCase")]
enum Policy {
    #[serde(rename = "keepLocal")]
    Local,
    #[serde(rename = "keepRemote")]
    Remote,
    #[serde(rename = "keepLatest")]
    Latest,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SyncArgs {
    flags: Option<u32>,
    sync_in: Option<bool>,
    sync_out: Option<bool>,
    fill_sparse: Option<bool>,
    pin_new_files: Option<bool>,
    pin_for: Option<PinFor>,
    pin_link_targets: Option<bool>,
    skip_suspended_dirs: Option<bool>,
    background: Option<bool>,
    no_new_files_out: Option<bool>,
    async_progress: Option<bool>,
    conflict_policy: Option<Policy>,
    allow_deletes: Option<bool>,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    on_conflict: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    on_progress: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    signal: JsValue,
    sync_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PinArgs {
    deep: Option<bool>,
    fill: Option<bool>,
    pin_for: Option<PinFor>,
    pin_link_targets: Option<bool>,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    on_progress: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    signal: JsValue,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UnpinArgs {
    deep: Option<bool>,
    pin_for: Option<PinFor>,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    on_progress: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    signal: JsValue,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DeleteArgs {
    keep_auto_cached: Option<bool>,
    keep_pinned: Option<bool>,
    even_if_modified: Option<bool>,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    signal: JsValue,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EnumArgs {
    flat: Option<bool>,
    files_only: Option<bool>,
    filter: Option<FilterArgs>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FilterArgs {
    flags: u64,
    mask: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TransitionArgs {
    force: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListenerArgs {
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    paths: JsValue,
    #[serde(rename = "match")]
    mode: Option<MatchArg>,
    exclude: Option<Vec<String>>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "camelCase")]
enum MatchArg {
    #[serde(rename = "self")]
    SelfOnly,
    Child,
    Descendant,
    SelfOrChild,
    SelfOrDescendant,
}

fn sync_pin_flag(p: PinFor) -> SyncControlFlags {
    match p {
        PinFor::User => SyncControlFlags::PINFORUSER,
        PinFor::UserPolicy => SyncControlFlags::PINFORUSER_POLICY,
        PinFor::All => SyncControlFlags::PINFORALL,
        PinFor::Redir => SyncControlFlags::PINFORREDIR,
    }
}

fn pin_flag(p: PinFor) -> PinControlFlags {
    match p {
        PinFor::User => PinControlFlags::FORUSER,
        PinFor::UserPolicy => PinControlFlags::FORUSER_POLICY,
        PinFor::All => PinControlFlags::FORALL,
        PinFor::Redir => PinControlFlags::FORREDIR,
    }
}

impl SyncArgs {
    /// dwSyncControl: `flags`, with the single-flag options on top.
    fn control(&self) -> Result<SyncControl, JsValue> {
        let mut control = match self.flags {
            Some(f) => SyncControl::from_windows(f)
                .map_err(|e| invalid(&format!("synchronize: options.flags: {e}")))?,
            None => SyncControl::default(),
        };
        let singles = [
            (self.sync_in, SyncControlFlags::SYNCIN),
            (self.sync_out, SyncControlFlags::SYNCOUT),
            (self.fill_sparse, SyncControlFlags::FILLSPARSE),
            (self.pin_new_files, SyncControlFlags::PINNEWFILES),
            (self.pin_link_targets, SyncControlFlags::PINLINKTARGETS),
            (
                self.skip_suspended_dirs,
                SyncControlFlags::SKIPSUSPENDEDDIRS,
            ),
            (self.background, SyncControlFlags::BACKGROUND),
            (self.no_new_files_out, SyncControlFlags::NONEWFILESOUT),
            (self.async_progress, SyncControlFlags::ASYNCPROGRESS),
        ];
        for (on, flag) in singles {
            match on {
                Some(true) => control.flags |= flag,
                Some(false) => control.flags -= flag,
                None => {}
            }
        }
        if self.flags.is_none() && self.sync_in.is_none() && self.sync_out.is_none() {
            control.flags |= SyncControlFlags::SYNCIN | SyncControlFlags::SYNCOUT;
        }
        // A sync with no direction would succeed having done nothing: surely not what the
        // caller meant (`{ syncIn: false }` for "out only" needs `syncOut: true` as well).
        if !control.flags.intersects(
            SyncControlFlags::SYNCIN | SyncControlFlags::SYNCOUT | SyncControlFlags::FILLSPARSE,
        ) {
            return Err(invalid(
                "synchronize: options give the sync no direction: set syncIn and/or syncOut to true (or fillSparse), or give flags with SyncControl.SYNCIN / SYNCOUT / FILLSPARSE",
            ));
        }
        // Both act only on the new files PINNEWFILES pins: without it they would do nothing.
        if (self.pin_for.is_some() || self.pin_link_targets == Some(true))
            && !control.flags.contains(SyncControlFlags::PINNEWFILES)
        {
            return Err(invalid(
                "synchronize: options.pinFor and pinLinkTargets say how new server files are pinned, which only pinNewFiles does: add pinNewFiles: true, or leave them out",
            ));
        }
        if self.sync_id.as_deref() == Some("") {
            return Err(invalid(
                "synchronize: options.syncId is empty: give a name that tells this sync's events apart, or leave it out for a fresh one",
            ));
        }
        if let Some(p) = self.pin_for {
            control.flags |= sync_pin_flag(p);
        }
        if let Some(p) = self.conflict_policy {
            let policy = match p {
                Policy::Local => ConflictPolicy::KeepLocal,
                Policy::Remote => ConflictPolicy::KeepRemote,
                Policy::Latest => ConflictPolicy::KeepLatest,
            };
            if control.policy != ConflictPolicy::Default && control.policy != policy {
                return Err(invalid(
                    "synchronize: options.conflictPolicy differs from the CR_* value in options.flags: give one of them",
                ));
            }
            control.policy = policy;
        }
        // As in Windows, a handler decides every conflict and the CR_* policy is not used;
        // given both, the policy would be silently ignored (even for the handler's 'none').
        if control.policy != ConflictPolicy::Default && !self.on_conflict.is_null_or_undefined() {
            return Err(invalid(
                "synchronize: options.conflictPolicy (or a CR_* value in options.flags) is not used when onConflict is given, which decides every conflict: leave one of them out, or answer the policy's resolution from onConflict",
            ));
        }
        Ok(control)
    }
}

/// An `AbortSignal` option, or nothing.
fn signal(what: &str, value: &JsValue) -> Result<Option<web_sys::AbortSignal>, JsValue> {
    if value.is_null_or_undefined() {
        return Ok(None);
    }
    value
        .dyn_ref::<web_sys::AbortSignal>()
        .cloned()
        .map(Some)
        .ok_or_else(|| type_error(&format!("{what} must be an AbortSignal")))
}

/// The error of an operation stopped by its signal or a progress callback; stopped by the
/// signal, its `cause` is the signal's reason (what `controller.abort(reason)` was given).
fn cancelled(items: &[JsValue], signal: Option<&web_sys::AbortSignal>) -> JsValue {
    let reason = signal
        .filter(|s| s.aborted())
        .map(web_sys::AbortSignal::reason)
        .unwrap_or_default();
    let mut extra = vec![
        ("hresult", HResult::CANCELLED.0.into()),
        ("items", array(items.iter().cloned())),
    ];
    if !reason.is_undefined() {
        extra.push(("cause", reason));
    }
    error(
        "Cancelled",
        "the operation was cancelled; items finished before stay done",
        &extra,
    )
}

/// The onProgress callbacks.
#[derive(Clone, Default)]
struct Callbacks {
    begin: Option<js_sys::Function>,
    item_begin: Option<js_sys::Function>,
    item_result: Option<js_sys::Function>,
    end: Option<js_sys::Function>,
}

impl Callbacks {
    fn parse(what: &str, value: &JsValue) -> Result<Callbacks, JsValue> {
        if value.is_null_or_undefined() {
            return Ok(Callbacks::default());
        }
        if !value.is_object() || js_sys::Array::is_array(value) {
            return Err(type_error(&format!(
                "{what} must be an object of callbacks {{ begin, itemBegin, itemResult, end }}"
            )));
        }
        // `itemEnd` or `onBegin` would otherwise never be called, without a word.
        convert::check_keys(what, value, &["begin", "itemBegin", "itemResult", "end"])?;
        let get = |name: &str| {
            let v = js_sys::Reflect::get(value, &name.into()).unwrap_or(JsValue::UNDEFINED);
            convert::function(&format!("{what}.{name}"), &v)
        };
        Ok(Callbacks {
            begin: get("begin")?,
            item_begin: get("itemBegin")?,
            item_result: get("itemResult")?,
            end: get("end")?,
        })
    }
}

/// Calls a caller's callback; what it throws is reported, not propagated.
fn call(f: Option<&js_sys::Function>, arg: &JsValue, name: &str) -> JsValue {
    let Some(f) = f else {
        return JsValue::UNDEFINED;
    };
    match f.call1(&JsValue::NULL, arg) {
        Ok(v) => v,
        Err(e) => {
            web_sys::console::error_2(&format!("offline-files: {name} threw:").into(), &e);
            JsValue::UNDEFINED
        }
    }
}

/// The progress sink of one share's part of an operation: collects item results and forwards
/// them to the caller's callbacks.
struct Sink<'a> {
    share: &'a str,
    callbacks: &'a Callbacks,
    signal: Option<&'a web_sys::AbortSignal>,
    operations: HashMap<ItemPath, SyncOperation>,
    items: &'a mut Vec<JsValue>,
    /// The item whose result the caller answered RETRY: its next result replaces that one.
    retrying: Option<ItemPath>,
    /// Cancelled by `close()` (see [`ShareSlot::running`]).
    closing: Option<CancelToken>,
}

impl<'a> Sink<'a> {
    fn new(
        share: &'a str,
        callbacks: &'a Callbacks,
        signal: Option<&'a web_sys::AbortSignal>,
        items: &'a mut Vec<JsValue>,
    ) -> Self {
        Sink {
            share,
            callbacks,
            signal,
            operations: HashMap::new(),
            items,
            retrying: None,
            closing: None,
        }
    }

    /// Stops, as the signal does, when `token` is cancelled.
    fn cancelled_by(mut self, token: CancelToken) -> Self {
        self.closing = Some(token);
        self
    }

    fn aborted(&self) -> bool {
        self.signal.is_some_and(web_sys::AbortSignal::aborted)
            || self.closing.as_ref().is_some_and(CancelToken::is_cancelled)
    }

    fn result(&mut self, path: &ItemPath, hr: HResult, info: Option<&SyncErrorInfo>) -> OpResponse {
        let op = self.operations.get(path).copied();
        let item = convert::item_result(self.share, path, hr, op, info);
        if self.retrying.take().as_ref() == Some(path) {
            self.items.pop();
        }
        self.items.push(item.clone());
        let answer = call(
            self.callbacks.item_result.as_ref(),
            &item,
            "onProgress.itemResult",
        );
        let response = convert::response(&answer, "itemResult");
        if response == OpResponse::Retry {
            self.retrying = Some(path.clone());
        }
        if self.aborted() {
            OpResponse::Abort
        } else {
            response
        }
    }

    fn begin_item(&mut self, path: &ItemPath) -> OpResponse {
        let op = self.operations.get(path).copied();
        let arg = Obj::new()
            .set("share", self.share)
            .set("path", path.as_str())
            .opt("operation", op.map(u32::from))
            .build();
        let answer = call(
            self.callbacks.item_begin.as_ref(),
            &arg,
            "onProgress.itemBegin",
        );
        convert::response(&answer, "itemBegin")
    }
}

impl SyncProgress for Sink<'_> {
    // begin and end are called once for the whole operation, by the caller of the engine.
    fn query_abort(&mut self) -> bool {
        self.aborted()
    }

    fn item_operation(&mut self, path: &ItemPath, operation: SyncOperation) {
        self.operations.insert(path.clone(), operation);
    }

    fn item_begin(&mut self, path: &ItemPath) -> OpResponse {
        self.begin_item(path)
    }

    fn item_result(
        &mut self,
        path: &ItemPath,
        result: HResult,
        error: Option<&SyncErrorInfo>,
    ) -> OpResponse {
        self.result(path, result, error)
    }
}

impl SimpleProgress for Sink<'_> {
    fn query_abort(&mut self) -> bool {
        self.aborted()
    }

    fn item_begin(&mut self, path: &ItemPath) -> OpResponse {
        self.begin_item(path)
    }

    fn item_result(&mut self, path: &ItemPath, result: HResult) -> OpResponse {
        self.result(path, result, None)
    }
}

/// The caller's onConflict, awaited for each conflict.
struct JsHandler<'a> {
    slot: &'a ShareSlot,
    handler: &'a js_sys::Function,
}

impl ConflictHandler for JsHandler<'_> {
    async fn resolve(&mut self, c: &ConflictInfo) -> HandlerAnswer {
        let info = Obj::new()
            .set("share", self.slot.url.as_str())
            .set("path", c.path.as_str())
            .set("state", u32::from(c.state))
            .set("stateName", crate::constants::short(c.state.name()))
            .set("changeDetails", c.changes.bits())
            .set("local", convert::copy_info(c.local.as_ref()))
            .set("remote", convert::copy_info(c.remote.as_ref()))
            .set("original", convert::copy_info(c.original.as_ref()))
            .build();
        let log = HandlerAnswer::new(ConflictResolve::Log);
        let _waiting = self.slot.in_handler();
        let answer = match self.handler.call1(&JsValue::NULL, &info) {
            Ok(v) => v,
            Err(e) => {
                web_sys::console::error_2(
                    &format!("offline-files: onConflict threw for {}; the conflict is kept in the conflict store:", c.path).into(),
                    &e,
                );
                return log;
            }
        };
        let answer = match answer.dyn_into::<js_sys::Promise>() {
            Ok(p) => match JsFuture::from(p).await {
                Ok(v) => v,
                Err(e) => {
                    web_sys::console::error_2(
                        &format!("offline-files: onConflict rejected for {}; the conflict is kept in the conflict store:", c.path).into(),
                        &e,
                    );
                    return log;
                }
            },
            Err(v) => v,
        };
        match parse_answer(&answer) {
            Ok(a) => a,
            Err(why) => {
                warn(&format!(
                    "offline-files: onConflict's answer for {} is not usable ({why}); the conflict is kept in the conflict store",
                    c.path
                ));
                log
            }
        }
    }
}

fn parse_answer(answer: &JsValue) -> Result<HandlerAnswer, String> {
    if answer.is_string() || answer.as_f64().is_some() {
        return Ok(HandlerAnswer::new(convert::resolution(answer)?));
    }
    if !answer.is_object() {
        return Err("answer { resolution, newName? } or a resolution".to_owned());
    }
    // A misspelt key (`newname`) would otherwise be dropped without a word.
    let keys = js_sys::Object::keys(answer.unchecked_ref::<js_sys::Object>());
    if let Some(k) = keys
        .iter()
        .filter_map(|k| k.as_string())
        .find(|k| k != "resolution" && k != "newName")
    {
        return Err(format!(
            "the answer has no field {k:?}: answer {{ resolution, newName? }}"
        ));
    }
    let get = |k: &str| js_sys::Reflect::get(answer, &k.into()).unwrap_or(JsValue::UNDEFINED);
    let resolution = convert::resolution(&get("resolution"))?;
    let new_name = get("newName");
    let new_name = if new_name.is_null_or_undefined() {
        None
    } else {
        Some(new_name.as_string().ok_or("newName must be a string")?)
    };
    if new_name.is_some() && resolution != ConflictResolve::KeepAllChanges {
        return Err("newName goes only with keepAllChanges (the name of the extra copy)".into());
    }
    Ok(HandlerAnswer {
        resolution,
        new_name,
    })
}

/// Answers one fixed resolution for one item (resolveConflict); other conflicts stay logged.
struct Fixed {
    path: ItemPath,
    answer: HandlerAnswer,
}

impl ConflictHandler for Fixed {
    async fn resolve(&mut self, c: &ConflictInfo) -> HandlerAnswer {
        if c.path == self.path {
            self.answer.clone()
        } else {
            HandlerAnswer::new(ConflictResolve::Log)
        }
    }
}

/// An event listener and its subscriptions (one per share).
struct Listener {
    kind: Option<EventId>,
    callback: js_sys::Function,
    subs: Vec<(Rc<ShareSlot>, SubscriberId)>,
    filters: Vec<PathFilter>,
    removed: Cell<bool>,
}

impl Listener {
    fn passes(&self, item: Option<&ItemRef>) -> bool {
        match item {
            Some(item) if !self.filters.is_empty() => self.filters.iter().any(|f| f.matches(item)),
            _ => true,
        }
    }

    fn remove(&self) {
        self.removed.set(true);
        for (slot, id) in &self.subs {
            slot.engine.unsubscribe(*id);
        }
    }
}

/// The listeners of a cache, and the delivery of events to them.
#[derive(Default)]
struct Events {
    listeners: RefCell<Vec<Rc<Listener>>>,
    scheduled: Cell<bool>,
    /// The other pages of the cache, which get this page's events.
    tabs: RefCell<Option<Rc<Tabs>>>,
}

impl Events {
    /// Delivers soon: an engine publishes in the middle of its work, with its state borrowed.
    fn schedule(self: &Rc<Self>) {
        if self.scheduled.replace(true) {
            return;
        }
        let me = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move { me.pump() });
    }

    fn pump(&self) {
        self.scheduled.set(false);
        let tabs = self.tabs.borrow().clone();
        if let Some(tabs) = tabs {
            tabs.forward();
        }
        let listeners = self.listeners.borrow().clone();
        for l in listeners {
            for (slot, id) in &l.subs {
                while !l.removed.get() {
                    let Some(e) = slot.engine.poll_event(*id) else {
                        break;
                    };
                    if !l.passes(e.item()) {
                        continue;
                    }
                    let now = csc_core::Millis(js_sys::Date::now() as i64);
                    call(
                        Some(&l.callback),
                        &convert::event(&e, now),
                        "an event listener",
                    );
                }
            }
        }
    }
}

/// A cache of Offline Files: the items of one or more WebDAV shares, kept in IndexedDB,
/// usable offline and synchronized with `synchronize`.
#[wasm_bindgen]
pub struct OfflineFilesCache {
    cache: Rc<Cache>,
    events: Rc<Events>,
    tabs: Rc<Tabs>,
    background: Rc<Background>,
    /// Items this page marked open, with the functions that release their marks.
    open_marks: RefCell<Vec<(String, ItemPath, js_sys::Function)>>,
}

impl std::fmt::Debug for OfflineFilesCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfflineFilesCache")
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

/// Paths grouped by share.
type Groups = Vec<(Rc<ShareSlot>, Vec<ItemPath>)>;

/// Groups located paths by share, in the order of the first path of each share.
fn group(cache: &Cache, what: &str, paths: &JsValue) -> Result<Groups, JsValue> {
    let list = convert::paths(what, paths)?;
    if list.is_empty() {
        return Err(invalid(&format!("{what} is empty: give at least one path")));
    }
    let mut groups: Vec<(Rc<ShareSlot>, Vec<ItemPath>)> = Vec::new();
    for p in list {
        let (slot, path) = cache.locate(&p).map_err(|e| cache_error(&e))?;
        match groups.iter_mut().find(|(s, _)| Rc::ptr_eq(s, &slot)) {
            Some((_, v)) => v.push(path),
            None => groups.push((slot, vec![path])),
        }
    }
    Ok(groups)
}

fn locate(
    cache: &Cache,
    what: &str,
    value: &JsValue,
) -> Result<(Rc<ShareSlot>, ItemPath), JsValue> {
    let p = convert::string(what, value)?;
    cache.locate(&p).map_err(|e| cache_error(&e))
}

fn result_object(hr: HResult, items: Vec<JsValue>) -> Obj {
    Obj::new()
        .set("result", hr.0)
        .set("ok", hr.is_ok())
        .set("items", array(items))
}

/// Combines per-share results: the first failure wins.
fn combine(overall: HResult, next: HResult) -> HResult {
    if overall.is_ok() { next } else { overall }
}

#[wasm_bindgen]
impl OfflineFilesCache {
    /// Opens the cache (creating its IndexedDB database on first use) for the given shares.
    #[wasm_bindgen(unchecked_return_type = "OfflineFilesCache")]
    pub async fn open(
        #[wasm_bindgen(unchecked_param_type = "OpenOptions")] options: JsValue,
    ) -> Result<OfflineFilesCache, JsValue> {
        crate::runtime::install();
        let raw_options = options.clone();
        let args: OpenArgs = convert::options(
            "OfflineFilesCache.open: options",
            options,
            &["name", "shares", "backgroundSync"],
        )?;
        let drive = drive_option(&args.background_sync)?;
        // Each share's keys, as the options' own are checked.
        let given = js_sys::Reflect::get(&raw_options, &"shares".into()).unwrap_or_default();
        for (i, share) in js_sys::Array::from(&given).iter().enumerate() {
            convert::check_keys(
                &format!("OfflineFilesCache.open: options.shares[{i}]"),
                &share,
                &["url", "auth", "caseInsensitive", "timeoutMs"],
            )?;
        }
        let configs = args
            .shares
            .into_iter()
            .map(|s| ShareConfig {
                url: s.url,
                auth: s.auth.map(|a| match a {
                    AuthArgs::Bearer(t) => Auth::Bearer(t),
                    AuthArgs::Basic { username, password } => Auth::Basic {
                        user: username,
                        password,
                    },
                }),
                case_insensitive: s.case_insensitive.unwrap_or(false),
                timeout_ms: s.timeout_ms.unwrap_or(30_000),
            })
            .collect();
        let name = args.name.unwrap_or_else(|| DEFAULT_NAME.to_owned());
        if name.is_empty() {
            return Err(invalid(
                "OfflineFilesCache.open: options.name is empty: give a database name or leave it out",
            ));
        }
        let cache = Cache::open(&name, configs)
            .await
            .map_err(|e| cache_error(&e))?;
        let events = Rc::new(Events::default());
        for slot in cache.shares().map_err(|e| cache_error(&e))? {
            let weak: Weak<Events> = Rc::downgrade(&events);
            slot.engine.set_notify(Some(Rc::new(move || {
                if let Some(events) = weak.upgrade() {
                    events.schedule();
                }
            })));
        }
        let cache = Rc::new(cache);
        let tabs = Tabs::new(&cache)?;
        *events.tabs.borrow_mut() = Some(Rc::clone(&tabs));
        let background = Background::start(&cache, &tabs, drive);
        Ok(OfflineFilesCache {
            cache,
            events,
            tabs,
            background,
            open_marks: RefCell::new(Vec::new()),
        })
    }

    /// The IndexedDB database's name.
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.cache.name().to_owned()
    }

    /// The shares' URLs (canonical: lower-case origin, trailing slash).
    #[wasm_bindgen(getter, unchecked_return_type = "string[]")]
    pub fn shares(&self) -> JsValue {
        match self.cache.shares() {
            Ok(s) => array(s.iter().map(|s| JsValue::from(s.url.as_str()))),
            Err(_) => array([]),
        }
    }

    /// IOfflineFilesCache::Synchronize: brings the given items (with their subtrees) and the
    /// server together. Resolves with every item's result; rejects for the sync as a whole
    /// (`Busy`, `Network`, `Auth`, `MassDeleteBlocked`, `Cancelled`…).
    #[wasm_bindgen(unchecked_return_type = "Promise<OperationResult>")]
    pub fn synchronize(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Path | Path[]")] paths: JsValue,
        options: Option<SyncOptionsArg>,
    ) -> js_sys::Promise {
        let options: JsValue = options.map(JsValue::from).unwrap_or_default();
        let cache = Rc::clone(&self.cache);
        future_to_promise(async move {
            let what = "synchronize: options";
            let args: SyncArgs = convert::options(what, options, SYNC_FIELDS)?;
            let groups = group(&cache, "synchronize: paths", &paths)?;
            let control = args.control()?;
            let on_conflict =
                convert::function("synchronize: options.onConflict", &args.on_conflict)?;
            let callbacks = Callbacks::parse("synchronize: options.onProgress", &args.on_progress)?;
            let signal = signal("synchronize: options.signal", &args.signal)?;
            let sync_id = args.sync_id.clone().unwrap_or_else(new_sync_id);
            run_synchronize(
                groups,
                control,
                args.allow_deletes.unwrap_or(false),
                on_conflict.as_ref().map(Handler::Js),
                &callbacks,
                signal.as_ref(),
                &sync_id,
            )
            .await
        })
    }

    /// IOfflineFilesCache::Pin: makes items always available offline.
    #[wasm_bindgen(unchecked_return_type = "Promise<OperationResult>")]
    pub fn pin(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Path | Path[]")] paths: JsValue,
        options: Option<PinOptionsArg>,
    ) -> js_sys::Promise {
        let options: JsValue = options.map(JsValue::from).unwrap_or_default();
        let cache = Rc::clone(&self.cache);
        future_to_promise(async move {
            let args: PinArgs = convert::options(
                "pin: options",
                options,
                &[
                    "deep",
                    "fill",
                    "pinFor",
                    "pinLinkTargets",
                    "onProgress",
                    "signal",
                ],
            )?;
            let groups = group(&cache, "pin: paths", &paths)?;
            let callbacks = Callbacks::parse("pin: options.onProgress", &args.on_progress)?;
            let signal = signal("pin: options.signal", &args.signal)?;
            let mut flags = PinControlFlags::empty();
            if args.fill.unwrap_or(false) {
                flags |= PinControlFlags::FILL;
            }
            if args.pin_link_targets.unwrap_or(false) {
                flags |= PinControlFlags::PINLINKTARGETS;
            }
            flags |= pin_flag(args.pin_for.unwrap_or(PinFor::User));
            let opts = PinOptions {
                deep: args.deep.unwrap_or(false),
                flags,
            };
            run_pins(groups, opts, true, &callbacks, signal.as_ref()).await
        })
    }

    /// IOfflineFilesCache::Unpin: removes pins (the user's, by default). Items stay cached
    /// until evicted or deleted.
    #[wasm_bindgen(unchecked_return_type = "Promise<OperationResult>")]
    pub fn unpin(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Path | Path[]")] paths: JsValue,
        options: Option<UnpinOptionsArg>,
    ) -> js_sys::Promise {
        let options: JsValue = options.map(JsValue::from).unwrap_or_default();
        let cache = Rc::clone(&self.cache);
        future_to_promise(async move {
            let args: UnpinArgs = convert::options(
                "unpin: options",
                options,
                &["deep", "pinFor", "onProgress", "signal"],
            )?;
            let groups = group(&cache, "unpin: paths", &paths)?;
            let callbacks = Callbacks::parse("unpin: options.onProgress", &args.on_progress)?;
            let signal = signal("unpin: options.signal", &args.signal)?;
            let opts = PinOptions {
                deep: args.deep.unwrap_or(false),
                flags: pin_flag(args.pin_for.unwrap_or(PinFor::User)),
            };
            run_pins(groups, opts, false, &callbacks, signal.as_ref()).await
        })
    }

    /// IOfflineFilesCache::DeleteItems: removes items from the cache only (the server is not
    /// touched). Items with unsynced changes stay unless `evenIfModified`.
    #[wasm_bindgen(js_name = deleteItems, unchecked_return_type = "Promise<OperationResult>")]
    pub fn delete_items(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Path | Path[]")] paths: JsValue,
        options: Option<DeleteItemsOptionsArg>,
    ) -> js_sys::Promise {
        let options: JsValue = options.map(JsValue::from).unwrap_or_default();
        let cache = Rc::clone(&self.cache);
        future_to_promise(async move {
            let args: DeleteArgs = convert::options(
                "deleteItems: options",
                options,
                &["keepAutoCached", "keepPinned", "evenIfModified", "signal"],
            )?;
            let groups = group(&cache, "deleteItems: paths", &paths)?;
            let signal = signal("deleteItems: options.signal", &args.signal)?;
            let mut flags = DeleteFlags::empty();
            if args.keep_auto_cached.unwrap_or(false) {
                flags |= DeleteFlags::NOAUTOCACHED;
            }
            if args.keep_pinned.unwrap_or(false) {
                flags |= DeleteFlags::NOPINNED;
            }
            if args.even_if_modified.unwrap_or(false) {
                flags |= DeleteFlags::DELMODIFIED;
            }
            let callbacks = Callbacks::default();
            let mut items = Vec::new();
            let mut overall = HResult::S_OK;
            for (slot, paths) in groups {
                let mut sink = Sink::new(&slot.url, &callbacks, signal.as_ref(), &mut items);
                match slot
                    .engine
                    .delete_items(&paths, DeleteOptions { flags }, &mut sink)
                    .await
                {
                    Ok(hr) => overall = combine(overall, hr),
                    Err(EngineError::Cancelled) => return Err(cancelled(&items, signal.as_ref())),
                    Err(e) => return Err(engine_error(&e, &slot.url)),
                }
            }
            Ok(result_object(overall, items).build())
        })
    }

    /// IOfflineFilesCache::FindItem: the cached item at `path`, or `null`.
    #[wasm_bindgen(js_name = findItem, unchecked_return_type = "Promise<Item | null>")]
    pub fn find_item(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Path")] path: JsValue,
    ) -> js_sys::Promise {
        let cache = Rc::clone(&self.cache);
        future_to_promise(async move {
            let (slot, path) = locate(&cache, "findItem: path", &path)?;
            match slot.engine.find_item(&path).await {
                Ok(info) => Ok(convert::item(&slot.url, &info)),
                Err(EngineError::NotFound(_)) => Ok(JsValue::NULL),
                Err(e) => Err(engine_error(&e, &slot.url)),
            }
        })
    }

    /// IOfflineFilesItemContainer::EnumItemsEx: the cached children of a folder (every
    /// descendant with `flat`), folders before their contents.
    #[wasm_bindgen(js_name = enumItems, unchecked_return_type = "Promise<Item[]>")]
    pub fn enum_items(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Path")] path: JsValue,
        options: Option<EnumOptionsArg>,
    ) -> js_sys::Promise {
        let options: JsValue = options.map(JsValue::from).unwrap_or_default();
        let cache = Rc::clone(&self.cache);
        future_to_promise(async move {
            let (slot, path) = locate(&cache, "enumItems: path", &path)?;
            let args: EnumArgs = convert::options(
                "enumItems: options",
                options,
                &["flat", "filesOnly", "filter"],
            )?;
            let mut flags = EnumFlags::empty();
            if args.flat.unwrap_or(false) {
                flags |= EnumFlags::FLAT;
            }
            if args.files_only.unwrap_or(false) {
                if !args.flat.unwrap_or(false) {
                    return Err(invalid(
                        "enumItems: options.filesOnly needs flat: true (it lists the files of the whole subtree)",
                    ));
                }
                flags |= EnumFlags::FLAT_FILESONLY;
            }
            let (filter_flags, filter_mask) = match args.filter {
                None => (ItemFilterFlags::empty(), ItemFilterFlags::empty()),
                Some(f) => {
                    let parse = |v: u64, name: &str| {
                        ItemFilterFlags::from_bits(v).ok_or_else(|| {
                            invalid(&format!(
                                "enumItems: options.filter.{name} has bits that are not ItemFilter flags (0x{v:x})"
                            ))
                        })
                    };
                    (parse(f.flags, "flags")?, parse(f.mask, "mask")?)
                }
            };
            let opts = EnumOptions {
                flags,
                filter_flags,
                filter_mask,
            };
            let items = slot
                .engine
                .enum_items(&path, opts)
                .await
                .map_err(|e| engine_error(&e, &slot.url))?;
            Ok(array(items.iter().map(|i| convert::item(&slot.url, i))))
        })
    }

    /// The content of a cached file (works offline). The bytes go from IndexedDB to the
    /// array without passing through wasm memory (which never shrinks).
    #[wasm_bindgen(js_name = readFile, unchecked_return_type = "Promise<Uint8Array>")]
    pub fn read_file(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Path")] path: JsValue,
    ) -> js_sys::Promise {
        let cache = Rc::clone(&self.cache);
        future_to_promise(async move {
            let blob = cached_blob(&cache, "readFile: path", &path).await?;
            let buffer = JsFuture::from(blob.array_buffer()).await?;
            Ok(js_sys::Uint8Array::new(&buffer).into())
        })
    }

    /// The content of a cached file as a `Blob` (works offline): for a file of any size, to
    /// hand to `URL.createObjectURL`, a `<video>` or a `Response`.
    #[wasm_bindgen(js_name = readBlob, unchecked_return_type = "Promise<Blob>")]
    pub fn read_blob(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Path")] path: JsValue,
    ) -> js_sys::Promise {
        let cache = Rc::clone(&self.cache);
        future_to_promise(
            async move { Ok(cached_blob(&cache, "readBlob: path", &path).await?.into()) },
        )
    }

    /// Writes a file in the cache (creating it if new); the change goes to the server with
    /// the next sync. `data`: a Uint8Array, ArrayBuffer, Blob or string (UTF-8).
    #[wasm_bindgen(js_name = writeFile, unchecked_return_type = "Promise<void>")]
    pub fn write_file(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Path")] path: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer | Blob | string")]
        data: JsValue,
    ) -> js_sys::Promise {
        let cache = Rc::clone(&self.cache);
        future_to_promise(async move {
            let (slot, path) = locate(&cache, "writeFile: path", &path)?;
            let bytes = bytes_of("writeFile: data", data).await?;
            slot.engine
                .write_file(&path, &bytes)
                .await
                .map_err(|e| engine_error(&e, &slot.url))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Creates a folder in the cache; it is made on the server by the next sync.
    #[wasm_bindgen(js_name = createDirectory, unchecked_return_type = "Promise<void>")]
    pub fn create_directory(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Path")] path: JsValue,
    ) -> js_sys::Promise {
        let cache = Rc::clone(&self.cache);
        future_to_promise(async move {
            let (slot, path) = locate(&cache, "createDirectory: path", &path)?;
            slot.engine
                .create_dir(&path)
                .await
                .map_err(|e| engine_error(&e, &slot.url))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Renames or moves an item inside its share; carried to the server as one MOVE.
    #[wasm_bindgen(js_name = renameItem, unchecked_return_type = "Promise<void>")]
    pub fn rename_item(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Path")] from: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Path")] to: JsValue,
    ) -> js_sys::Promise {
        let cache = Rc::clone(&self.cache);
        future_to_promise(async move {
            let (slot, from) = locate(&cache, "renameItem: from", &from)?;
            let (to_slot, to) = locate(&cache, "renameItem: to", &to)?;
            if !Rc::ptr_eq(&slot, &to_slot) {
                return Err(invalid(
                    "renameItem: from and to are in different shares: an item moves only inside its share (copy it and delete the original instead)",
                ));
            }
            slot.engine
                .rename(&from, &to)
                .await
                .map_err(|e| engine_error(&e, &slot.url))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Deletes a file (or an empty folder) in the cache; deleted on the server by the next
    /// sync.
    #[wasm_bindgen(js_name = deleteFile, unchecked_return_type = "Promise<void>")]
    pub fn delete_file(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Path")] path: JsValue,
    ) -> js_sys::Promise {
        let cache = Rc::clone(&self.cache);
        future_to_promise(async move {
            let (slot, path) = locate(&cache, "deleteFile: path", &path)?;
            slot.engine
                .delete(&path)
                .await
                .map_err(|e| engine_error(&e, &slot.url))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The conflict store: conflicts syncs left for the user, every share.
    #[wasm_bindgen(unchecked_return_type = "Promise<ConflictRecord[]>")]
    pub fn conflicts(&self) -> js_sys::Promise {
        let cache = Rc::clone(&self.cache);
        future_to_promise(async move {
            let mut out = Vec::new();
            for slot in cache.shares().map_err(|e| cache_error(&e))? {
                let records = slot
                    .engine
                    .local()
                    .conflict_records()
                    .await
                    .map_err(|e| engine_error(&EngineError::Cache(e), &slot.url))?;
                out.extend(records.iter().map(|r| convert::conflict(&slot.url, r)));
            }
            Ok(array(out))
        })
    }

    /// Resolves a conflict of the conflict store: syncs the item both ways with the given
    /// resolution (`keepLocal`, `keepRemote`, `keepAllChanges` — with an optional new name
    /// for the local copy — `keepLatest`, or `skip`).
    #[wasm_bindgen(js_name = resolveConflict, unchecked_return_type = "Promise<OperationResult>")]
    pub fn resolve_conflict(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Path")] path: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Decision")] resolution: JsValue,
        #[wasm_bindgen(js_name = newName)] new_name: Option<StringArg>,
    ) -> js_sys::Promise {
        let new_name: JsValue = new_name.map(JsValue::from).unwrap_or_default();
        let cache = Rc::clone(&self.cache);
        future_to_promise(async move {
            let (slot, path) = locate(&cache, "resolveConflict: path", &path)?;
            if !(resolution.is_string() || resolution.as_f64().is_some()) {
                return Err(type_error(
                    "resolveConflict: resolution must be a ConflictResolve number or name, such as 'keepLocal'",
                ));
            }
            let resolution = convert::resolution(&resolution)
                .map_err(|e| invalid(&format!("resolveConflict: resolution: {e}")))?;
            if matches!(
                resolution,
                ConflictResolve::None
                    | ConflictResolve::Log
                    | ConflictResolve::Abort
                    | ConflictResolve::NumCodes
            ) {
                return Err(invalid(
                    "resolveConflict: resolution must decide the conflict: keepLocal, keepRemote, keepAllChanges, keepLatest or skip",
                ));
            }
            let new_name = if new_name.is_null_or_undefined() {
                None
            } else {
                Some(convert::string("resolveConflict: newName", &new_name)?)
            };
            if new_name.is_some() && resolution != ConflictResolve::KeepAllChanges {
                return Err(invalid(
                    "resolveConflict: newName goes only with keepAllChanges (the name of the extra copy)",
                ));
            }
            // Checked now, not found out in the middle of the sync.
            if let Some(name) = &new_name {
                csc_core::check_bare_name(name)
                    .map_err(|e| invalid(&format!("resolveConflict: newName: {e}")))?;
            }
            let snapshot = csc_core::store::LocalStore::load(slot.engine.local())
                .await
                .map_err(|e| engine_error(&EngineError::Cache(e), &slot.url))?;
            if !snapshot.conflicts.iter().any(|r| r.path == path) {
                return Err(error(
                    "NotFound",
                    &format!(
                        "{path} has no conflict in the conflict store: list them with conflicts()"
                    ),
                    &[
                        ("share", slot.url.as_str().into()),
                        ("path", path.as_str().into()),
                    ],
                ));
            }
            let fixed = Fixed {
                path: path.clone(),
                answer: HandlerAnswer {
                    resolution,
                    new_name,
                },
            };
            run_synchronize(
                vec![(slot, vec![path])],
                SyncControl::new(SyncControlFlags::SYNCIN | SyncControlFlags::SYNCOUT),
                false,
                Some(Handler::Fixed(fixed)),
                &Callbacks::default(),
                None,
                &new_sync_id(),
            )
            .await
        })
    }

    /// TransitionOffline: the share works offline until `transitionOnline`. A running sync
    /// of the share makes it reject with `Busy`, unless `force`, which cancels it first.
    #[wasm_bindgen(js_name = transitionOffline, unchecked_return_type = "Promise<void>")]
    pub fn transition_offline(
        &self,
        share: Option<StringArg>,
        options: Option<TransitionOptionsArg>,
    ) -> js_sys::Promise {
        let share: JsValue = share.map(JsValue::from).unwrap_or_default();
        let options: JsValue = options.map(JsValue::from).unwrap_or_default();
        let cache = Rc::clone(&self.cache);
        future_to_promise(async move {
            let slot = share_arg(&cache, "transitionOffline: share", &share)?;
            let args: TransitionArgs =
                convert::options("transitionOffline: options", options, &["force"])?;
            if slot.is_running() {
                if !args.force.unwrap_or(false) {
                    return Err(error(
                        "Busy",
                        &format!(
                            "a sync of {} is running: wait for it, cancel it, or pass {{ force: true }}",
                            slot.url
                        ),
                        &[
                            ("share", slot.url.as_str().into()),
                            ("hresult", HResult::BUSY.0.into()),
                        ],
                    ));
                }
                slot.cancel_running();
            }
            slot.engine
                .transition_offline()
                .await
                .map_err(|e| engine_error(&e, &slot.url))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// TransitionOnline: asks the server; resolves once the share is online again, rejects
    /// (`Network`, `Auth`) if the server does not answer.
    #[wasm_bindgen(js_name = transitionOnline, unchecked_return_type = "Promise<ConnectStateInfo>")]
    pub fn transition_online(&self, share: Option<StringArg>) -> js_sys::Promise {
        let share: JsValue = share.map(JsValue::from).unwrap_or_default();
        let cache = Rc::clone(&self.cache);
        future_to_promise(async move {
            let slot = share_arg(&cache, "transitionOnline: share", &share)?;
            slot.engine
                .transition_online()
                .await
                .map_err(|e| engine_error(&e, &slot.url))?;
            let state = connect_state(&slot);
            if slot.engine.share().state.connectivity != Connectivity::Online {
                return Err(error(
                    "Network",
                    &format!(
                        "{} did not answer: the share stays offline; check the network and try again",
                        slot.url
                    ),
                    &[
                        ("share", slot.url.as_str().into()),
                        ("hresult", HResult::NET_ERROR.0.into()),
                    ],
                ));
            }
            Ok(state)
        })
    }

    /// SuspendRoot: a suspended folder (and its subtree) stays offline and is not synced
    /// until released (`suspend` false).
    #[wasm_bindgen(js_name = suspendRoot, unchecked_return_type = "Promise<void>")]
    pub fn suspend_root(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Path")] path: JsValue,
        #[wasm_bindgen(unchecked_param_type = "boolean")] suspend: JsValue,
    ) -> js_sys::Promise {
        let cache = Rc::clone(&self.cache);
        future_to_promise(async move {
            let (slot, path) = locate(&cache, "suspendRoot: path", &path)?;
            let suspend = suspend
                .as_bool()
                .ok_or_else(|| type_error("suspendRoot: suspend must be a boolean"))?;
            slot.engine
                .suspend_root(&path, suspend)
                .await
                .map_err(|e| engine_error(&e, &slot.url))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The share's connect state (the only share's when `share` is left out).
    #[wasm_bindgen(js_name = connectState, unchecked_return_type = "ConnectStateInfo")]
    pub fn connect_state(&self, share: Option<StringArg>) -> Result<JsValue, JsValue> {
        let share: JsValue = share.map(JsValue::from).unwrap_or_default();
        let slot = share_arg(&self.cache, "connectState: share", &share)?;
        Ok(connect_state(&slot))
    }

    /// Listens to events of `type` (`'*'` for every type). Listeners run after the change an
    /// event reports is committed; what they throw is reported and does not disturb the cache.
    #[wasm_bindgen(js_name = addEventListener)]
    pub fn add_event_listener(
        &self,
        #[wasm_bindgen(js_name = type, unchecked_param_type = "EventType | '*'")] kind: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "(event: OfflineFilesEvent) => void")]
        listener: &JsValue,
        options: Option<ListenerOptionsArg>,
    ) -> Result<(), JsValue> {
        let options: JsValue = options.map(JsValue::from).unwrap_or_default();
        let kind = convert::string("addEventListener: type", kind)?;
        let callback = convert::function("addEventListener: listener", listener)?
            .ok_or_else(|| type_error("addEventListener: listener must be a function"))?;
        let args: ListenerArgs = convert::options(
            "addEventListener: options",
            options,
            &["paths", "match", "exclude"],
        )?;
        let kind = event_id(&kind, "addEventListener: type")?;
        // Both would be silently meaningless: a listener of one type never hears another, and
        // `match` says how the items relate to `paths`.
        if kind.is_some() && args.exclude.as_ref().is_some_and(|e| !e.is_empty()) {
            return Err(invalid(
                "addEventListener: options.exclude applies to type '*' only: listen to '*' and exclude types, or leave exclude out",
            ));
        }
        if args.mode.is_some() && args.paths.is_null_or_undefined() {
            return Err(invalid(
                "addEventListener: options.match says how items relate to options.paths: give paths too, or leave match out",
            ));
        }
        let exclude = args
            .exclude
            .unwrap_or_default()
            .iter()
            .map(|k| {
                event_id(k, "addEventListener: options.exclude").and_then(|id| {
                    id.ok_or_else(|| invalid("addEventListener: options.exclude cannot hold '*'"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mode = match args.mode.unwrap_or(MatchArg::SelfOrDescendant) {
            MatchArg::SelfOnly => PathFilterMatch::SelfOnly,
            MatchArg::Child => PathFilterMatch::Child,
            MatchArg::Descendant => PathFilterMatch::Descendent,
            MatchArg::SelfOrChild => PathFilterMatch::SelfOrChild,
            MatchArg::SelfOrDescendant => PathFilterMatch::SelfOrDescendent,
        };
        let mut filters = Vec::new();
        if !args.paths.is_null_or_undefined() {
            let paths = convert::paths("addEventListener: options.paths", &args.paths)?;
            // No path would mean every item: the opposite of what an empty list says.
            if paths.is_empty() {
                return Err(invalid(
                    "addEventListener: options.paths is empty: give the items to hear about, or leave paths out to hear about every item",
                ));
            }
            for p in paths {
                let (slot, path) = self.cache.locate(&p).map_err(|e| cache_error(&e))?;
                filters.push(PathFilter {
                    item: ItemRef {
                        share: slot.url.as_str().into(),
                        path,
                    },
                    mode,
                });
            }
        }
        let filter = EventFilter {
            include: kind.map(|k| vec![k]),
            exclude,
            path: None,
        };
        let mut subs = Vec::new();
        for slot in self.cache.shares().map_err(|e| cache_error(&e))? {
            let id = slot
                .engine
                .subscribe(filter.clone(), LISTENER_QUEUE)
                .map_err(|e| invalid(&format!("addEventListener: {e}")))?;
            subs.push((Rc::clone(slot), id));
        }
        self.events.listeners.borrow_mut().push(Rc::new(Listener {
            kind,
            callback,
            subs,
            filters,
            removed: Cell::new(false),
        }));
        Ok(())
    }

    /// Stops a listener added with the same type and function.
    #[wasm_bindgen(js_name = removeEventListener)]
    pub fn remove_event_listener(
        &self,
        #[wasm_bindgen(js_name = type, unchecked_param_type = "EventType | '*'")] kind: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "(event: OfflineFilesEvent) => void")]
        listener: &JsValue,
    ) -> Result<(), JsValue> {
        let kind = convert::string("removeEventListener: type", kind)?;
        let kind = event_id(&kind, "removeEventListener: type")?;
        let mut listeners = self.events.listeners.borrow_mut();
        listeners.retain(|l| {
            let same = l.kind == kind && JsValue::from(l.callback.clone()) == *listener;
            if same {
                l.remove();
            }
            !same
        });
        Ok(())
    }

    /// The site's storage: bytes used, quota, and whether it is persisted.
    #[wasm_bindgen(unchecked_return_type = "Promise<StorageInfo>")]
    pub fn storage(&self) -> js_sys::Promise {
        future_to_promise(async move {
            let e = csc_idb::storage_estimate_now()
                .await
                .map_err(|e| engine_error(&EngineError::Cache(e), ""))?;
            Ok(Obj::new()
                .set("used", e.usage)
                .set("quota", e.quota)
                .set("persisted", e.persisted)
                .build())
        })
    }

    /// Closes the cache: running operations are cancelled, listeners dropped, the database
    /// connection closed. Calls afterwards reject with `Closed`.
    pub fn close(&self) {
        for l in self.events.listeners.borrow_mut().drain(..) {
            l.remove();
        }
        for (_, _, release) in self.open_marks.borrow_mut().drain(..) {
            let _ = release.call0(&JsValue::NULL);
        }
        self.background.stop();
        self.tabs.close();
        self.cache.close();
    }

    /// Marks an item open in the app (an editor has it), or, with `open` false, closed again.
    /// Background syncs, in any page of the origin, leave an open item (and what is below an
    /// open folder) for later instead of changing it under the user; they report it with
    /// ERROR_SHARING_VIOLATION. Syncs the user asks for are not affected. The mark goes away
    /// with the page.
    #[wasm_bindgen(js_name = setOpen)]
    pub fn set_open(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Path")] path: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "boolean")] open: &JsValue,
    ) -> Result<(), JsValue> {
        let path = convert::string("setOpen: path", path)?;
        // Checked here: wasm-bindgen's own `bool` takes any value by its truthiness, so
        // 'false' would mark the item open.
        let open = if open.is_undefined() {
            None
        } else {
            Some(
                open.as_bool()
                    .ok_or_else(|| type_error("setOpen: open must be true, false or left out"))?,
            )
        };
        let (slot, item) = self.cache.locate(&path).map_err(|e| cache_error(&e))?;
        let mut marks = self.open_marks.borrow_mut();
        let at = marks
            .iter()
            .position(|(url, p, _)| *url == slot.url && *p == item);
        match (open.unwrap_or(true), at) {
            (true, None) => {
                let release = crate::background::mark_open(&slot, &item);
                marks.push((slot.url.clone(), item, release));
            }
            (false, Some(i)) => {
                let (_, _, release) = marks.remove(i);
                let _ = release.call0(&JsValue::NULL);
            }
            // Already marked so.
            _ => {}
        }
        Ok(())
    }

    /// Background sync: its settings (Win32_OfflineFilesBackgroundSync), the next planned
    /// pass, and a pass on demand. One page of the origin runs the schedule at a time.
    #[wasm_bindgen(getter, js_name = backgroundSync)]
    pub fn background_sync(&self) -> crate::api_background::BackgroundSync {
        crate::api_background::BackgroundSync::new(&self.cache, &self.background)
    }
}

/// The `backgroundSync` option of `open`: `true` or absent (this page may run the schedule),
/// `false` (it never does), or `{ minuteMs }`, which makes a schedule minute last that many
/// milliseconds (for tests).
fn drive_option(value: &JsValue) -> Result<Drive, JsValue> {
    const WHAT: &str = "OfflineFilesCache.open: options.backgroundSync";
    if value.is_null_or_undefined() || value.as_bool() == Some(true) {
        return Ok(Drive::Lead {
            minute_ms: 60_000.0,
        });
    }
    if value.as_bool() == Some(false) {
        return Ok(Drive::Never);
    }
    if !value.is_object() {
        return Err(type_error(&format!(
            "{WHAT} must be true, false or {{ minuteMs }}"
        )));
    }
    convert::check_keys(WHAT, value, &["minuteMs"])?;
    let minute = js_sys::Reflect::get(value, &"minuteMs".into()).unwrap_or_default();
    match minute.as_f64() {
        None if minute.is_undefined() => Ok(Drive::Lead {
            minute_ms: 60_000.0,
        }),
        Some(ms) if ms.is_finite() && ms >= 1.0 => Ok(Drive::Lead { minute_ms: ms }),
        _ => Err(invalid(&format!(
            "{WHAT}.minuteMs must be a number of milliseconds of at least 1 (60000 is a real minute)"
        ))),
    }
}

/// The share named by an optional argument.
fn share_arg(cache: &Cache, what: &str, value: &JsValue) -> Result<Rc<ShareSlot>, JsValue> {
    let url = if value.is_null_or_undefined() {
        None
    } else {
        Some(convert::string(what, value)?)
    };
    cache.share(url.as_deref()).map_err(|e| cache_error(&e))
}

fn connect_state(slot: &ShareSlot) -> JsValue {
    let (state, reason) = match slot.engine.share().state.connectivity {
        Connectivity::Online => ("ONLINE", "NOT_APPLICABLE"),
        Connectivity::Offline(cause) => ("OFFLINE", crate::constants::short(cause.reason().name())),
    };
    Obj::new()
        .set("share", slot.url.as_str())
        .set("state", state)
        .set("reason", reason)
        .build()
}

/// An event type name (`'*'` → `None`).
fn event_id(name: &str, what: &str) -> Result<Option<EventId>, JsValue> {
    if name == "*" {
        return Ok(None);
    }
    crate::constants::event_types()
        .find(|(_, t)| t == name)
        .map(|(id, _)| Some(id))
        .ok_or_else(|| {
            invalid(&format!(
                "{what}: {name:?} is not an event type: use '*' or one of syncBegin, syncFileResult, syncEnd, syncConflictRecAdded… (see EventType)"
            ))
        })
}

/// What answers conflicts during a sync.
enum Handler<'a> {
    Js(&'a js_sys::Function),
    Fixed(Fixed),
}

/// Synchronize over several shares, one after another.
async fn run_synchronize(
    groups: Vec<(Rc<ShareSlot>, Vec<ItemPath>)>,
    control: SyncControl,
    allow_deletes: bool,
    mut handler: Option<Handler<'_>>,
    callbacks: &Callbacks,
    signal: Option<&web_sys::AbortSignal>,
    sync_id: &str,
) -> Result<JsValue, JsValue> {
    let mut items = Vec::new();
    if signal.is_some_and(web_sys::AbortSignal::aborted) || begin_aborts(callbacks) {
        end(callbacks, HResult::CANCELLED);
        return Err(cancelled(&items, signal));
    }
    let mut overall = HResult::S_OK;
    let mut conflicts = 0;
    for (slot, paths) in groups {
        let mut opts = SyncOptions::new(paths, control);
        opts.sync_id = SyncId(sync_id.into());
        opts.allow_deletes = allow_deletes;
        let _lock = lock_for(&slot, callbacks).await?;
        if control.flags.contains(SyncControlFlags::BACKGROUND) {
            crate::background::refresh_in_use(&slot).await;
        }
        let _running = slot.running(opts.cancel.clone());
        let mut sink = Sink::new(&slot.url, callbacks, signal, &mut items);
        let result = match handler.as_mut() {
            Some(Handler::Js(f)) => {
                let mut h = JsHandler {
                    slot: &slot,
                    handler: f,
                };
                slot.engine.synchronize(&opts, &mut h, &mut sink).await
            }
            Some(Handler::Fixed(h)) => slot.engine.synchronize(&opts, h, &mut sink).await,
            None => slot.engine.synchronize(&opts, &mut (), &mut sink).await,
        };
        match result {
            Ok(summary) => {
                overall = combine(overall, summary.result);
                conflicts += summary.conflicts;
            }
            Err(EngineError::Cancelled) => {
                end(callbacks, HResult::CANCELLED);
                return Err(cancelled(&items, signal));
            }
            Err(e) => {
                end(callbacks, e.hresult());
                let err = engine_error(&e, &slot.url);
                let _ = js_sys::Reflect::set(&err, &"items".into(), &array(items));
                return Err(err);
            }
        }
    }
    end(callbacks, overall);
    Ok(result_object(overall, items)
        .set("conflicts", conflicts as u32)
        .set("syncId", sync_id)
        .build())
}

/// Waits for the share's lock: syncs, pins and unpins of one share take turns with
/// background passes and other pages' operations. If it cannot be had, the operation's
/// progress ends first.
async fn lock_for(slot: &ShareSlot, callbacks: &Callbacks) -> Result<ShareLock, JsValue> {
    if slot.awaits_handler() {
        end(callbacks, HResult::BUSY);
        return Err(error(
            "Busy",
            &format!(
                "a sync of {} is waiting for your onConflict handler and holds the share meanwhile: do not await a sync, pin or unpin of that share inside the handler; return its answer first, then start the operation",
                slot.url
            ),
            &[],
        ));
    }
    lock_share(&slot.database, &slot.url)
        .await
        .inspect_err(|_| end(callbacks, HResult::BUSY))
}

/// Calls onProgress.begin; true if it answered 'abort'.
fn begin_aborts(callbacks: &Callbacks) -> bool {
    let answer = call(
        callbacks.begin.as_ref(),
        &JsValue::UNDEFINED,
        "onProgress.begin",
    );
    convert::response(&answer, "begin") == OpResponse::Abort
}

fn end(callbacks: &Callbacks, hr: HResult) {
    let arg = Obj::new().set("result", hr.0).set("ok", hr.is_ok()).build();
    call(callbacks.end.as_ref(), &arg, "onProgress.end");
}

/// Pin or unpin over several shares.
async fn run_pins(
    groups: Vec<(Rc<ShareSlot>, Vec<ItemPath>)>,
    opts: PinOptions,
    pin: bool,
    callbacks: &Callbacks,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<JsValue, JsValue> {
    let mut items = Vec::new();
    if signal.is_some_and(web_sys::AbortSignal::aborted) {
        return Err(cancelled(&items, signal));
    }
    // `begin` may abort before anything starts, as it may for a sync.
    if begin_aborts(callbacks) {
        end(callbacks, HResult::CANCELLED);
        return Err(cancelled(&items, signal));
    }
    let mut overall = HResult::S_OK;
    for (slot, paths) in groups {
        let _lock = lock_for(&slot, callbacks).await?;
        // A pin that fills is a sync: close() stops it as it stops one (and transitionOffline
        // waits for it, or with `force` cancels it). Other pins and unpins are quick.
        let token = CancelToken::new();
        let _running = opts
            .flags
            .contains(PinControlFlags::FILL)
            .then(|| slot.running(token.clone()));
        let mut sink = Sink::new(&slot.url, callbacks, signal, &mut items).cancelled_by(token);
        let result = if pin {
            slot.engine.pin(&paths, opts, &mut sink).await
        } else {
            slot.engine.unpin(&paths, opts, &mut sink).await
        };
        match result {
            Ok(hr) => overall = combine(overall, hr),
            Err(EngineError::Cancelled) => {
                end(callbacks, HResult::CANCELLED);
                return Err(cancelled(&items, signal));
            }
            Err(e) => {
                end(callbacks, e.hresult());
                return Err(engine_error(&e, &slot.url));
            }
        }
    }
    end(callbacks, overall);
    Ok(result_object(overall, items).build())
}

/// A cached file's content as a JS Blob, read straight from IndexedDB.
async fn cached_blob(cache: &Cache, what: &str, path: &JsValue) -> Result<web_sys::Blob, JsValue> {
    let (slot, path) = locate(cache, what, path)?;
    let local = slot.engine.local();
    slot.engine
        .read_content(&path, async |blob| {
            let js = local.blob_to_js(blob).await?;
            // A Blob's size is a whole number of bytes, below 2^53.
            let len = js.size() as u64;
            Ok((js, len))
        })
        .await
        .map_err(|e| engine_error(&e, &slot.url))
}

/// The bytes of writeFile's data.
async fn bytes_of(what: &str, data: JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(s) = data.as_string() {
        return Ok(s.into_bytes());
    }
    if let Some(a) = data.dyn_ref::<js_sys::Uint8Array>() {
        return Ok(a.to_vec());
    }
    if let Some(b) = data.dyn_ref::<js_sys::ArrayBuffer>() {
        return Ok(js_sys::Uint8Array::new(b).to_vec());
    }
    if let Some(v) = data.dyn_ref::<js_sys::DataView>() {
        return Ok(js_sys::Uint8Array::new_with_byte_offset_and_length(
            &v.buffer(),
            v.byte_offset() as u32,
            v.byte_length() as u32,
        )
        .to_vec());
    }
    if let Some(blob) = data.dyn_ref::<web_sys::Blob>() {
        let buffer = JsFuture::from(blob.array_buffer()).await?;
        return Ok(js_sys::Uint8Array::new(&buffer).to_vec());
    }
    Err(type_error(&format!(
        "{what} must be a Uint8Array, ArrayBuffer, DataView, Blob or string"
    )))
}
