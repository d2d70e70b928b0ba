//! Background sync in the browser: csc-core's schedule run by timers while a page is open, by
//! one page of the origin at a time, and the other pages kept in the loop.
//!
//! - Leadership: each page that opens the cache asks for the lock
//!   `offline-files:<database>:background` (Web Locks API). The page holding it runs the
//!   schedule; when it closes, the next page waiting for the lock takes over.
//! - The leader sleeps until the next start (timers of at most ten minutes, so a computer that
//!   slept through a start notices soon after waking), and looks again early when the browser
//!   comes back online, when a hidden page becomes visible and when the settings change.
//! - A pass syncs each share that takes part under the share's lock, the lock manual syncs and
//!   pins also take, so two syncs of one share never overlap in any page: one waits for the
//!   other.
//! - Events cross pages over a BroadcastChannel (see [`Tabs`]): every page's listeners see the
//!   passes, whichever page ran them.
//! - The settings, the last pass's start and the planned next start live in the cache (with its
//!   first share), so every page reads the same ones.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use csc_core::engine::{CancelToken, EngineError};
use csc_core::events::{Event, EventFilter, SubscriberId, SyncId};
use csc_core::schedule::{self, BackgroundSyncSettings, Field};
use csc_core::store::{Batch, LocalStore, Runtime, Write};
use csc_core::{ItemPath, Millis};
use futures_channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures_util::StreamExt;
use futures_util::future::{Either, LocalBoxFuture, select};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::cache::{Cache, ShareSlot};
use crate::convert::{Obj, warn};
use crate::runtime::WebRuntime;

#[wasm_bindgen(module = "/src/tabs.js")]
extern "C" {
    fn acquire(name: &str) -> js_sys::Promise;
    fn lead(name: &str, on_lead: &js_sys::Function) -> js_sys::Function;
    fn channel(name: &str, on_message: &js_sys::Function) -> JsValue;
    #[wasm_bindgen(js_name = watchWake)]
    fn watch_wake(on_wake: &js_sys::Function) -> js_sys::Function;
    fn hold(name: &str) -> js_sys::Function;
    #[wasm_bindgen(js_name = heldWithPrefix)]
    fn held_with_prefix(prefix: &str) -> js_sys::Promise;
}

/// The settings' key in the cache.
const SETTINGS_KEY: &str = "backgroundSync";
/// When the last background pass started (schedule milliseconds since the epoch).
const LAST_START_KEY: &str = "backgroundSync.lastStart";
/// When the leader plans the next pass; absent when none is planned.
const NEXT_KEY: &str = "backgroundSync.nextRun";
/// The longest timer: a computer that sleeps through a start runs the pass soon after it
/// wakes, and a page with nothing due sets one timer in ten minutes, not a busy loop.
const MAX_NAP_MS: f64 = 600_000.0;
/// How many of its own events a page may hold back from the others before they are dropped.
const RELAY_QUEUE: usize = 4096;

/// A share's sync lock, held until dropped.
#[derive(Debug)]
pub struct ShareLock(js_sys::Function);

impl Drop for ShareLock {
    fn drop(&mut self) {
        let _ = self.0.call0(&JsValue::NULL);
    }
}

/// Waits for the lock of `share` in the cache `database`: syncs, pins and background passes
/// of one share take turns across every page of the origin.
pub async fn lock_share(database: &str, share: &str) -> Result<ShareLock, JsValue> {
    let release = JsFuture::from(acquire(&format!("offline-files:{database}:{share}"))).await?;
    Ok(ShareLock(release.unchecked_into()))
}

/// A background sync setting's name in JavaScript and in forms: the Windows (WMI) property
/// name in lower camel case.
pub fn setting_name(field: Field) -> &'static str {
    match field {
        Field::Enabled => "enabled",
        Field::SyncInterval => "syncInterval",
        Field::SyncVariance => "syncVariance",
        Field::MaxTimeBetweenSyncs => "maxTimeBetweenSyncs",
        Field::BlockOutStartTimeHoursMinutes => "blockOutStartTimeHoursMinutes",
        Field::BlockOutDurationMin => "blockOutDurationMin",
        Field::BackgroundSyncWorkOfflineSharesEnabled => "backgroundSyncWorkOfflineSharesEnabled",
    }
}

/// The prefix of the locks that mark items of `slot` open.
fn open_prefix(slot: &ShareSlot) -> String {
    format!("offline-files:{}:{}:open:", slot.database, slot.url)
}

/// Marks `path` open in this page (an editor has it) until the returned function is called
/// or the page goes away. A shared lock, so every page's background passes see it.
pub fn mark_open(slot: &ShareSlot, path: &ItemPath) -> js_sys::Function {
    hold(&format!("{}{path}", open_prefix(slot)))
}

/// Tells the engine of `slot` which of its items are open in any page of the origin, before a
/// background sync.
pub(crate) async fn refresh_in_use(slot: &ShareSlot) {
    let prefix = open_prefix(slot);
    let names = match JsFuture::from(held_with_prefix(&prefix)).await {
        Ok(names) => js_sys::Array::from(&names),
        Err(e) => {
            web_sys::console::warn_2(
                &"offline-files: the open items could not be read:".into(),
                &e,
            );
            return;
        }
    };
    let open: Vec<ItemPath> = names
        .iter()
        .filter_map(|n| n.as_string())
        .filter_map(|n| ItemPath::new(&n[prefix.len()..]).ok())
        .collect();
    for path in slot.engine.in_use() {
        if !open.contains(&path) {
            slot.engine.set_in_use(&path, false);
        }
    }
    for path in &open {
        slot.engine.set_in_use(path, true);
    }
}

/// How this page takes part in background sync (the `backgroundSync` option of `open`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Drive {
    /// This page never runs the schedule; it still sees the passes other pages run.
    Never,
    /// This page runs the schedule when it leads, with a minute lasting this many real
    /// milliseconds (60,000; tests make it shorter).
    Lead {
        /// Real milliseconds per schedule minute.
        minute_ms: f64,
    },
}

/// The pages of one cache: the channel between them and the forwarding of this page's events.
pub struct Tabs {
    channel: Option<web_sys::BroadcastChannel>,
    /// Per share, the subscriber that collects this page's own events for the other pages.
    relays: Vec<(Rc<ShareSlot>, SubscriberId)>,
    /// Told when another page changed the schedule (settings, a pass run).
    on_schedule: RefCell<Option<Weak<Background>>>,
    _on_message: Option<Closure<dyn FnMut(JsValue)>>,
}

impl std::fmt::Debug for Tabs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tabs")
            .field("channel", &self.channel.is_some())
            .finish_non_exhaustive()
    }
}

impl Tabs {
    /// Joins the channel of the cache's pages.
    pub fn new(cache: &Rc<Cache>) -> Result<Rc<Tabs>, JsValue> {
        let mut relays = Vec::new();
        for slot in cache.shares().map_err(|e| crate::errors::cache_error(&e))? {
            let id = slot
                .engine
                .subscribe(EventFilter::default(), RELAY_QUEUE)
                .map_err(|e| crate::errors::invalid(&e.to_string()))?;
            relays.push((Rc::clone(slot), id));
        }
        Ok(Rc::new_cyclic(|me: &Weak<Tabs>| {
            let weak = me.clone();
            let on_message = Closure::<dyn FnMut(JsValue)>::new(move |data: JsValue| {
                if let Some(tabs) = weak.upgrade() {
                    tabs.receive(&data);
                }
            });
            let channel = channel(
                &format!("offline-files:{}", cache.name()),
                on_message.as_ref().unchecked_ref(),
            )
            .dyn_into::<web_sys::BroadcastChannel>()
            .ok();
            Tabs {
                channel,
                relays,
                on_schedule: RefCell::new(None),
                _on_message: Some(on_message),
            }
        }))
    }

    /// Sends this page's new events to the other pages, one message for all of a share's:
    /// a sync of many files publishes a few events per file, and a message each cost more than
    /// the rest of the page's work for the file.
    pub fn forward(&self) {
        for (slot, id) in &self.relays {
            let mut events = Vec::new();
            while let Some(event) = slot.engine.poll_event(*id) {
                if !matches!(event, Event::Ping | Event::DataLost) {
                    events.push(event);
                }
            }
            if events.is_empty() {
                continue;
            }
            let Ok(bytes) = postcard::to_allocvec(&events) else {
                continue;
            };
            self.post(
                &Obj::new()
                    .set("kind", "events")
                    .set("share", slot.url.as_str())
                    .set("events", js_sys::Uint8Array::from(bytes.as_slice()))
                    .build(),
            );
        }
    }

    /// Tells the other pages that the schedule changed.
    fn schedule_changed(&self) {
        self.post(&Obj::new().set("kind", "schedule").build());
    }

    fn post(&self, message: &JsValue) {
        if let Some(c) = &self.channel
            && let Err(e) = c.post_message(message)
        {
            web_sys::console::warn_2(&"offline-files: a page message was not sent:".into(), &e);
        }
    }

    fn receive(&self, data: &JsValue) {
        let get = |key: &str| js_sys::Reflect::get(data, &key.into()).unwrap_or_default();
        match get("kind").as_string().as_deref() {
            // "event": one event, as pages of earlier versions send them.
            Some(kind @ ("events" | "event")) => {
                let share = get("share").as_string().unwrap_or_default();
                let Some((slot, id)) = self.relays.iter().find(|(s, _)| s.url == share) else {
                    return;
                };
                let Ok(bytes) = get(kind).dyn_into::<js_sys::Uint8Array>() else {
                    return;
                };
                let bytes = bytes.to_vec();
                // A page of another version of the app may send what this one cannot read.
                let events = if kind == "events" {
                    postcard::from_bytes::<Vec<Event>>(&bytes).ok()
                } else {
                    postcard::from_bytes::<Event>(&bytes).ok().map(|e| vec![e])
                };
                if let Some(events) = events {
                    slot.engine.relay(&events, *id);
                }
            }
            Some("schedule") => {
                if let Some(b) = self.on_schedule.borrow().as_ref().and_then(Weak::upgrade) {
                    b.replan();
                }
            }
            _ => {}
        }
    }

    /// Leaves the channel.
    pub fn close(&self) {
        if let Some(c) = &self.channel {
            c.close();
        }
        for (slot, id) in &self.relays {
            slot.engine.unsubscribe(*id);
        }
    }
}

/// The background sync of one page: its settings, its schedule and, when it leads, the
/// timer loop.
pub struct Background {
    cache: Rc<Cache>,
    tabs: Rc<Tabs>,
    drive: Drive,
    /// The real time the schedule's clock is anchored at, and how many schedule milliseconds
    /// pass per real one (1, unless a test shortens minutes).
    origin: f64,
    scale: f64,
    /// The planned next start, schedule time; `None` until planned.
    next: Cell<Option<Millis>>,
    planned: Cell<bool>,
    leader: Cell<bool>,
    wake: RefCell<Option<UnboundedSender<()>>>,
    release: RefCell<Option<js_sys::Function>>,
    unwatch: RefCell<Option<js_sys::Function>>,
    closures: RefCell<Vec<Closure<dyn FnMut()>>>,
}

impl std::fmt::Debug for Background {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Background")
            .field("drive", &self.drive)
            .field("leader", &self.leader.get())
            .finish_non_exhaustive()
    }
}

impl Background {
    /// This page's background sync; with [`Drive::Lead`] it asks to lead at once.
    pub fn start(cache: &Rc<Cache>, tabs: &Rc<Tabs>, drive: Drive) -> Rc<Background> {
        let scale = match drive {
            Drive::Lead { minute_ms } => 60_000.0 / minute_ms,
            Drive::Never => 1.0,
        };
        let me = Rc::new(Background {
            cache: Rc::clone(cache),
            tabs: Rc::clone(tabs),
            drive,
            origin: js_sys::Date::now(),
            scale,
            next: Cell::new(None),
            planned: Cell::new(false),
            leader: Cell::new(false),
            wake: RefCell::new(None),
            release: RefCell::new(None),
            unwatch: RefCell::new(None),
            closures: RefCell::new(Vec::new()),
        });
        *tabs.on_schedule.borrow_mut() = Some(Rc::downgrade(&me));
        if drive != Drive::Never {
            let weak = Rc::downgrade(&me);
            let on_lead = Closure::<dyn FnMut()>::new(move || {
                if let Some(b) = weak.upgrade() {
                    b.become_leader();
                }
            });
            let release = lead(
                &format!("offline-files:{}:background", cache.name()),
                on_lead.as_ref().unchecked_ref(),
            );
            *me.release.borrow_mut() = Some(release);
            me.closures.borrow_mut().push(on_lead);
        }
        me
    }

    /// Whether this page runs the schedule now.
    pub fn is_leader(&self) -> bool {
        self.leader.get()
    }

    /// The schedule's clock.
    fn now(&self) -> Millis {
        let real = js_sys::Date::now();
        Millis((self.origin + (real - self.origin) * self.scale) as i64)
    }

    fn become_leader(self: &Rc<Self>) {
        if self.cache.shares().is_err() {
            return;
        }
        self.leader.set(true);
        let (tx, rx) = unbounded();
        *self.wake.borrow_mut() = Some(tx);
        let weak = Rc::downgrade(self);
        let on_wake = Closure::<dyn FnMut()>::new(move || {
            if let Some(b) = weak.upgrade() {
                b.nudge();
            }
        });
        *self.unwatch.borrow_mut() = Some(watch_wake(on_wake.as_ref().unchecked_ref()));
        self.closures.borrow_mut().push(on_wake);
        let me = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move { me.drive(rx).await });
    }

    /// Looks at the clock again (the browser is back online, the page visible).
    fn nudge(&self) {
        if let Some(tx) = self.wake.borrow().as_ref() {
            let _ = tx.unbounded_send(());
        }
    }

    /// Plans again: the settings changed, or a pass ran.
    fn replan(&self) {
        self.planned.set(false);
        self.nudge();
    }

    async fn drive(self: Rc<Self>, mut wake: UnboundedReceiver<()>) {
        loop {
            if self.cache.shares().is_err() {
                return;
            }
            let settings = self.settings().await;
            if !self.planned.get() {
                let last = self.last_start().await;
                let offset = -(js_sys::Date::new_0().get_timezone_offset() as i32);
                let next = schedule::next_start(
                    &settings,
                    last,
                    self.now(),
                    offset,
                    WebRuntime.random_seed(),
                );
                self.next.set(next);
                self.planned.set(true);
                let text = next.map(|t| t.0.to_string());
                self.store(vec![(NEXT_KEY, text)]).await;
            }
            let wait = self.next.get().map(|at| at.0 - self.now().0);
            if let Some(wait) = wait
                && wait <= 0
            {
                self.pass(&settings).await;
                continue;
            }
            let nap = wait.map_or(MAX_NAP_MS, |w| (w as f64 / self.scale).min(MAX_NAP_MS));
            let timer = gloo_timers::future::TimeoutFuture::new(nap.ceil() as u32);
            if let Either::Right((None, _)) = select(timer, wake.next()).await {
                // The page closed the cache.
                return;
            }
        }
    }

    /// Runs one pass now over every share that takes part, each under its lock; returns
    /// each share's outcome.
    pub async fn pass(&self, settings: &BackgroundSyncSettings) -> Vec<(String, JsValue)> {
        let start = self.now();
        self.planned.set(false);
        self.store(vec![(LAST_START_KEY, Some(start.0.to_string()))])
            .await;
        let mut outcomes = Vec::new();
        let Ok(shares) = self.cache.shares() else {
            return outcomes;
        };
        for slot in shares {
            // Started from an onConflict handler of this page's sync of the share (runNow), the
            // pass would wait for that sync's lock for ever: the share is busy this time.
            if slot.awaits_handler() {
                outcomes.push((
                    slot.url.clone(),
                    crate::errors::error(
                        "Busy",
                        &format!("a sync of {} is waiting for your onConflict handler: run background sync after the handler answered", slot.url),
                        &[],
                    ),
                ));
                continue;
            }
            let outcome = match lock_share(self.cache.name(), &slot.url).await {
                Err(e) => e,
                Ok(_lock) => {
                    refresh_in_use(slot).await;
                    let token = CancelToken::new();
                    let _running = slot.running(token.clone());
                    let id = SyncId(crate::runtime::new_sync_id().into());
                    match slot
                        .engine
                        .background_sync(settings, id, token, &mut ())
                        .await
                    {
                        Ok(None) => JsValue::NULL,
                        Ok(Some(summary)) => Obj::new()
                            .set("result", summary.result.0)
                            .set("ok", summary.result.is_ok())
                            .set("items", summary.items as u32)
                            .set("failed", summary.failed as u32)
                            .set("conflicts", summary.conflicts as u32)
                            .build(),
                        Err(e) => {
                            if e != EngineError::Cancelled {
                                warn(&format!(
                                    "offline-files: the background sync of {} failed: {e}",
                                    slot.url
                                ));
                            }
                            crate::errors::engine_error(&e, &slot.url)
                        }
                    }
                }
            };
            outcomes.push((slot.url.clone(), outcome));
        }
        self.tabs.schedule_changed();
        outcomes
    }

    /// The settings stored in the cache, or the defaults.
    #[inline(never)]
    pub fn settings(&self) -> LocalBoxFuture<'_, BackgroundSyncSettings> {
        Box::pin(self.stored_settings())
    }

    async fn stored_settings(&self) -> BackgroundSyncSettings {
        match self.read(SETTINGS_KEY).await {
            None => BackgroundSyncSettings::default(),
            Some(text) => BackgroundSyncSettings::decode(&text).unwrap_or_else(|e| {
                warn(&format!("offline-files: {e}"));
                BackgroundSyncSettings::default()
            }),
        }
    }

    /// Saves settings (already validated) and plans again, in every page.
    #[inline(never)]
    pub fn save_settings<'a>(
        &'a self,
        settings: &'a BackgroundSyncSettings,
    ) -> LocalBoxFuture<'a, Result<(), JsValue>> {
        Box::pin(self.store_settings(settings))
    }

    async fn store_settings(&self, settings: &BackgroundSyncSettings) -> Result<(), JsValue> {
        let slot = self.first()?;
        let batch = Batch {
            writes: vec![Write::PutSetting {
                name: SETTINGS_KEY.to_owned(),
                value: Some(settings.encode()),
            }],
        };
        slot.engine.local().commit(batch).await.map_err(|e| {
            crate::errors::error(
                "CacheFailed",
                &format!("the settings were not saved: {e}"),
                &[],
            )
        })?;
        self.replan();
        self.tabs.schedule_changed();
        Ok(())
    }

    /// The planned next start, real time, as the leading page planned it.
    #[inline(never)]
    pub fn next_run(&self) -> LocalBoxFuture<'_, Option<f64>> {
        Box::pin(self.planned_run())
    }

    async fn planned_run(&self) -> Option<f64> {
        let at: i64 = self.read(NEXT_KEY).await?.parse().ok()?;
        // Schedule time back to real time (the same, unless a test shortens minutes).
        Some(self.origin + (at as f64 - self.origin) / self.scale)
    }

    /// When the last background pass started (schedule time), from the cache.
    #[inline(never)]
    pub fn last_start(&self) -> LocalBoxFuture<'_, Option<Millis>> {
        Box::pin(self.stored_last_start())
    }

    async fn stored_last_start(&self) -> Option<Millis> {
        self.read(LAST_START_KEY)
            .await
            .and_then(|t| t.parse().ok())
            .map(Millis)
    }

    fn first(&self) -> Result<Rc<ShareSlot>, JsValue> {
        let shares = self
            .cache
            .shares()
            .map_err(|e| crate::errors::cache_error(&e))?;
        Ok(Rc::clone(&shares[0]))
    }

    async fn read(&self, key: &str) -> Option<String> {
        let slot = self.first().ok()?;
        slot.engine.local().setting(key).await.ok().flatten()
    }

    async fn store(&self, values: Vec<(&str, Option<String>)>) {
        let Ok(slot) = self.first() else {
            return;
        };
        let batch = Batch {
            writes: values
                .into_iter()
                .map(|(name, value)| Write::PutSetting {
                    name: name.to_owned(),
                    value,
                })
                .collect(),
        };
        if let Err(e) = slot.engine.local().commit(batch).await {
            warn(&format!(
                "offline-files: the background sync schedule was not saved: {e}"
            ));
        }
    }

    /// Gives up leadership and stops the timers (the cache is closing).
    pub fn stop(&self) {
        self.wake.borrow_mut().take();
        if let Some(release) = self.release.borrow_mut().take() {
            let _ = release.call0(&JsValue::NULL);
        }
        if let Some(unwatch) = self.unwatch.borrow_mut().take() {
            let _ = unwatch.call0(&JsValue::NULL);
        }
        self.leader.set(false);
    }
}
