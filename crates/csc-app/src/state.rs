//! The app's state outside the views: the open cache, the shares a person added, and the
//! engine's events as rows for the log.
//!
//! The cache holds engines that are not `Send` (they live on the page's one thread), while
//! Leptos signals want `Send` values, so the cache is kept in a thread-local and the views hold
//! plain data (strings, numbers) copied out of it.

use std::cell::RefCell;
use std::rc::Rc;

use csc_core::events::{Event, EventFilter, SubscriberId};
use csc_core::{ItemPath, Millis};
use csc_wasm::cache::{ShareConfig, ShareSlot};
use csc_wasm::{Background, Cache, Drive, Tabs};
use csc_webdav::Auth;

/// The IndexedDB database of the app's cache.
const DB_NAME: &str = "offline-files-app";
/// Where the shares a person added are kept (one per line: URL, tab, token).
const SHARES_KEY: &str = "offline-files-app.shares";
/// How many events the log keeps (newest first).
pub(crate) const LOG_LIMIT: usize = 500;

/// A share as a person added it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SavedShare {
    /// The WebDAV collection's URL.
    pub(crate) url: String,
    /// A bearer token, if the server wants one.
    pub(crate) token: Option<String>,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The share served beside the app: `/dav/` on the page's origin.
pub(crate) fn default_share() -> SavedShare {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    SavedShare {
        url: format!("{origin}/dav/"),
        token: None,
    }
}

/// The shares saved in this browser, or the share beside the app when none is.
pub(crate) fn saved_shares() -> Vec<SavedShare> {
    let text = storage()
        .and_then(|s| s.get_item(SHARES_KEY).ok().flatten())
        .unwrap_or_default();
    let shares: Vec<SavedShare> = text
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(2, '\t');
            let url = parts.next()?.trim();
            (!url.is_empty()).then(|| SavedShare {
                url: url.to_owned(),
                token: parts.next().filter(|t| !t.is_empty()).map(str::to_owned),
            })
        })
        .collect();
    if shares.is_empty() {
        vec![default_share()]
    } else {
        shares
    }
}

/// Saves the shares for the next visit.
pub(crate) fn save_shares(shares: &[SavedShare]) {
    let text: Vec<String> = shares
        .iter()
        .map(|s| format!("{}\t{}", s.url, s.token.as_deref().unwrap_or("")))
        .collect();
    if let Some(s) = storage() {
        let _ = s.set_item(SHARES_KEY, &text.join("\n"));
    }
}

/// One engine event as the log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EventRow {
    /// A sequence number, newest highest (the list's key).
    pub(crate) seq: u64,
    /// The event's name (`syncBegin`, `syncFileResult`…).
    pub(crate) kind: String,
    /// The item it is about, if any.
    pub(crate) path: String,
    /// Its other parameters, in words.
    pub(crate) detail: String,
    /// When it arrived.
    pub(crate) time: String,
}

struct Open {
    cache: Rc<Cache>,
    subs: Vec<(Rc<ShareSlot>, SubscriberId)>,
    tabs: Rc<Tabs>,
    background: Rc<Background>,
}

thread_local! {
    static OPEN: RefCell<Option<Open>> = const { RefCell::new(None) };
    /// Which share the views show (an index into the cache's shares).
    static CURRENT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Shows the share at `index` (of the saved shares' order).
pub(crate) fn set_current(index: usize) {
    CURRENT.with(|c| c.set(index));
}

/// Opens the cache for `shares` (closing one open before); `on_events` is called when engines
/// publish, so the log can poll [`take_events`].
pub(crate) async fn open(shares: &[SavedShare], on_events: Rc<dyn Fn()>) -> Result<(), String> {
    close();
    let configs = shares
        .iter()
        .map(|s| ShareConfig {
            url: s.url.clone(),
            auth: s.token.clone().map(Auth::Bearer),
            case_insensitive: false,
            timeout_ms: 30_000,
        })
        .collect();
    let cache = Cache::open(DB_NAME, configs)
        .await
        .map_err(|e| e.to_string())?;
    let mut subs = Vec::new();
    for slot in cache.shares().map_err(|e| e.to_string())? {
        let id = slot
            .engine
            .subscribe(EventFilter::default(), 4096)
            .map_err(|e| e.to_string())?;
        let notify = Rc::clone(&on_events);
        slot.engine.set_notify(Some(Rc::new(move || notify())));
        subs.push((Rc::clone(slot), id));
    }
    let cache = Rc::new(cache);
    let tabs = Tabs::new(&cache).map_err(|e| format!("{e:?}"))?;
    let background = Background::start(&cache, &tabs, drive());
    OPEN.with(|o| {
        *o.borrow_mut() = Some(Open {
            cache,
            subs,
            tabs,
            background,
        });
    });
    Ok(())
}

/// How this page takes part in background sync: it may lead; `?minuteMs=N` in the page's
/// address makes a schedule minute last N (whole) milliseconds (for tests).
fn drive() -> Drive {
    let minute_ms = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|q| {
            q.trim_start_matches('?')
                .split('&')
                .find_map(|kv| kv.strip_prefix("minuteMs=").map(str::to_owned))
        })
        // Whole milliseconds: parsing a float would bring 3.5 KB of wasm for a test knob.
        .and_then(|v| v.parse::<u32>().ok())
        .filter(|ms| *ms >= 1)
        .map_or(60_000.0, f64::from);
    Drive::Lead { minute_ms }
}

/// Closes the open cache, if any.
pub(crate) fn close() {
    if let Some(open) = OPEN.with(|o| o.borrow_mut().take()) {
        open.background.stop();
        open.tabs.close();
        open.cache.close();
    }
}

/// The page's background sync (settings, schedule, passes).
pub(crate) fn background() -> Option<Rc<Background>> {
    OPEN.with(|o| o.borrow().as_ref().map(|open| Rc::clone(&open.background)))
}

/// Every share of the cache.
pub(crate) fn slots() -> Vec<Rc<ShareSlot>> {
    OPEN.with(|o| {
        o.borrow()
            .as_ref()
            .and_then(|open| open.cache.shares().ok().map(<[_]>::to_vec))
            .unwrap_or_default()
    })
}

/// The share shown, with its engine.
pub(crate) fn slot() -> Option<Rc<ShareSlot>> {
    let current = CURRENT.with(std::cell::Cell::get);
    OPEN.with(|o| {
        let o = o.borrow();
        let shares = o.as_ref()?.cache.shares().ok()?;
        shares.get(current).or_else(|| shares.first()).cloned()
    })
}

/// The events published since the last call, oldest first.
pub(crate) fn take_events() -> Vec<Event> {
    OPEN.with(|o| {
        let o = o.borrow();
        let Some(open) = o.as_ref() else {
            return Vec::new();
        };
        // The other pages of this cache see this page's events too.
        open.tabs.forward();
        let mut out = Vec::new();
        for (slot, id) in &open.subs {
            while let Some(e) = slot.engine.poll_event(*id) {
                out.push(e);
            }
        }
        out
    })
}

/// A share-relative path typed or clicked by a person; the root is "".
pub(crate) fn item_path(path: &str) -> Result<ItemPath, String> {
    ItemPath::new(path.trim_matches('/')).map_err(|e| e.to_string())
}

/// Now, by the browser's clock.
pub(crate) fn now() -> Millis {
    Millis(js_sys::Date::now() as i64)
}
