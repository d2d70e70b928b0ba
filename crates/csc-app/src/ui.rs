//! The views. Every view reads plain data from signals; actions run the engine in a spawned
//! task and then reload what they changed. Names from the server are only ever rendered as
//! text nodes, never as markup.

use std::rc::Rc;

use csc_core::engine::{
    BrowseEntry, CancelToken, PinOptions, SyncErrorInfo, SyncOptions, SyncProgress,
};
use csc_core::events::{Event, HResult};
use csc_core::win::{OpResponse, PinControlFlags, SyncControl, SyncControlFlags};
use csc_core::{Connectivity, ItemPath, LocalChanges, Presence};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::state::{self, EventRow, LOG_LIMIT, SavedShare};
use crate::text;

/// Mounts the app on the page.
pub(crate) fn start() {
    csc_wasm::runtime::install();
    leptos::mount::mount_to_body(App);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Browse,
    SyncCenter,
    Schedule,
    Events,
    Storage,
}

/// One row of the folder listing. Its key is the whole row: a row that changed is drawn
/// again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Row {
    path: String,
    name: String,
    is_dir: bool,
    size: Option<u64>,
    modified: Option<String>,
    /// Words shown as badges: "pinned", "available offline", "sparse", "online only",
    /// "created offline", "modified offline", "deleted offline", "suspended".
    badges: Vec<&'static str>,
    pinned: bool,
    cached: bool,
    /// A file whose content is not (all) cached yet.
    sparse: bool,
    /// A folder suspended by itself (not through a folder above).
    suspended_root: bool,
}

/// The text editor's state.
#[derive(Debug, Clone, PartialEq)]
struct Editor {
    path: String,
    text: String,
}

/// A sync running or finished, as the progress panel shows it.
#[derive(Debug, Clone, PartialEq, Default)]
struct SyncView {
    running: bool,
    label: String,
    current: String,
    done: usize,
    failed: usize,
    results: Vec<(String, String, bool)>,
    outcome: String,
}

/// Every signal of the app (all `Copy`).
#[derive(Debug, Clone, Copy)]
struct Ui {
    tab: RwSignal<Tab>,
    error: RwSignal<Option<String>>,
    ready: RwSignal<bool>,
    /// Every share's URL, in the saved order, and which one the views show.
    shares: RwSignal<Vec<String>>,
    current: RwSignal<usize>,
    connect: RwSignal<String>,
    online: RwSignal<bool>,
    /// Whether this tab runs background sync (one tab of the origin does).
    leader: RwSignal<bool>,
    folder: RwSignal<String>,
    rows: RwSignal<Vec<Row>>,
    editor: RwSignal<Option<Editor>>,
    sync: RwSignal<SyncView>,
    events: RwSignal<Vec<EventRow>>,
    conflicts: RwSignal<Vec<crate::center::ConflictRow>>,
    /// Items picked in the listing: Sync now syncs them instead of the whole share.
    selected: RwSignal<std::collections::BTreeSet<String>>,
    next_event: RwSignal<u64>,
    event_filter: RwSignal<String>,
}

impl Ui {
    fn new() -> Ui {
        Ui {
            tab: RwSignal::new(Tab::Browse),
            error: RwSignal::new(None),
            ready: RwSignal::new(false),
            shares: RwSignal::new(Vec::new()),
            current: RwSignal::new(0),
            connect: RwSignal::new(String::new()),
            online: RwSignal::new(false),
            leader: RwSignal::new(false),
            folder: RwSignal::new(String::new()),
            rows: RwSignal::new(Vec::new()),
            editor: RwSignal::new(None),
            sync: RwSignal::new(SyncView::default()),
            events: RwSignal::new(Vec::new()),
            conflicts: RwSignal::new(Vec::new()),
            selected: RwSignal::new(std::collections::BTreeSet::new()),
            next_event: RwSignal::new(0),
            event_filter: RwSignal::new(String::new()),
        }
    }

    /// Shows an error where a person looks first, in words, with what to do.
    fn fail(self, what: &str, error: impl std::fmt::Display) {
        self.error.set(Some(format!("{what}: {error}")));
    }

    /// Opens the cache for the saved shares, then lists the share if it can be reached.
    async fn open(self) {
        let shares = state::saved_shares();
        let current = self.current.get_untracked().min(shares.len() - 1);
        state::set_current(current);
        self.current.set(current);
        self.shares
            .set(shares.iter().map(|s| s.url.clone()).collect());
        let on_events: Rc<dyn Fn()> = Rc::new(move || {
            // Engines publish in the middle of their work: read the events afterwards.
            spawn_local(async move { self.pull_events() });
        });
        if let Err(e) = state::open(&shares, on_events).await {
            self.fail("The cache could not be opened", e);
            return;
        }
        self.ready.set(true);
        self.reload().await;
        self.refresh().await;
    }

    /// Moves new engine events into the log (newest first, bounded).
    fn pull_events(self) {
        let events = state::take_events();
        if events.is_empty() {
            return;
        }
        let mut seq = self.next_event.get_untracked();
        let time = text::time(state::now());
        let rows: Vec<EventRow> = events
            .iter()
            .map(|e| {
                seq += 1;
                event_row(seq, e, &time)
            })
            .collect();
        self.next_event.set(seq);
        self.events.update(|log| {
            for row in rows {
                log.insert(0, row);
            }
            log.truncate(LOG_LIMIT);
        });
        // Connectivity and items may have changed with them.
        self.show_connectivity();
    }

    fn show_connectivity(self) {
        let Some(slot) = state::slot() else { return };
        let share = slot.engine.share();
        let (online, words) = match share.state.connectivity {
            Connectivity::Online => (true, "online".to_owned()),
            Connectivity::Offline(cause) => (
                false,
                format!(
                    "offline: {}",
                    match cause {
                        csc_core::OfflineCause::Forced => "you chose Work offline",
                        csc_core::OfflineCause::Slow => "the link is slow",
                        csc_core::OfflineCause::Error =>
                            "the server cannot be reached; it is tried again at the next sync",
                        csc_core::OfflineCause::Conflict => "a conflict waits in Sync Center",
                        csc_core::OfflineCause::Suspended => "suspended",
                    }
                ),
            ),
        };
        self.online.set(online);
        self.connect.set(words);
    }

    /// Lists the share on the server (names only), so that the browser shows what is there.
    async fn refresh(self) {
        let Some(slot) = state::slot() else { return };
        if slot.engine.share().state.connectivity
            == Connectivity::Offline(csc_core::OfflineCause::Forced)
        {
            return;
        }
        let Ok(_lock) = csc_wasm::lock_share(&slot.database, &slot.url).await else {
            return;
        };
        let opts = SyncOptions::new(
            vec![ItemPath::root()],
            SyncControl::new(SyncControlFlags::empty()),
        );
        if let Err(e) = slot.synchronize(&opts, None, &mut ()).await {
            self.error.set(Some(format!(
                "The share could not be reached ({e}). What is available offline is shown; Sync now tries again."
            )));
        }
        self.show_connectivity();
        self.reload().await;
    }

    /// Reads the current folder again from the cache and the stored listing.
    async fn reload(self) {
        let Some(slot) = state::slot() else { return };
        self.leader
            .set(state::background().is_some_and(|b| b.is_leader()));
        self.show_connectivity();
        let folder = self.folder.get_untracked();
        let path = match state::item_path(&folder) {
            Ok(p) => p,
            Err(e) => return self.fail("That folder cannot be shown", e),
        };
        match crate::center::load().await {
            Ok(conflicts) => self.conflicts.set(conflicts),
            Err(e) => self.fail("The conflict store could not be read", e),
        }
        match slot.browse(&path).await {
            Ok(entries) => {
                let conflicts = self.conflicts.get_untracked();
                let in_conflict = |path: &str| conflicts.iter().any(|c| c.path == path);
                self.rows.set(
                    entries
                        .iter()
                        .map(|e| {
                            let mut r = row(e);
                            if in_conflict(&r.path) {
                                r.badges.push("in conflict");
                            }
                            r
                        })
                        .collect(),
                );
            }
            Err(csc_core::engine::EngineError::NotFound(_)) if !path.is_root() => {
                self.folder.set(String::new());
                Box::pin(self.reload()).await;
            }
            Err(e) => self.fail("The folder could not be read", e),
        }
    }

    /// Shows the share at `index`.
    fn show_share(self, index: usize) {
        if index >= self.shares.with_untracked(Vec::len) {
            return;
        }
        state::set_current(index);
        self.current.set(index);
        self.folder.set(String::new());
        self.selected.set(std::collections::BTreeSet::new());
        release_open_mark();
        self.editor.set(None);
        spawn_local(async move {
            self.reload().await;
            self.refresh().await;
        });
    }

    fn act(
        self,
        what: &'static str,
        job: impl std::future::Future<Output = Result<(), String>> + 'static,
    ) {
        self.act_boxed(what, Box::pin(job));
    }

    /// [`Ui::act`] for any job, compiled once: each caller's job is a different type, and the
    /// reload awaited after it would otherwise be compiled into every one of them.
    #[inline(never)]
    fn act_boxed(
        self,
        what: &'static str,
        job: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>>>>,
    ) {
        self.error.set(None);
        spawn_local(async move {
            if let Err(e) = job.await {
                self.fail(what, e);
            }
            self.reload().await;
        });
    }
}

fn row(e: &BrowseEntry) -> Row {
    let name = e.path.name().to_owned();
    let is_dir = e
        .cached
        .as_ref()
        .map(|c| c.item_type == csc_core::win::ItemType::Directory)
        .or_else(|| e.server.as_ref().map(|m| m.kind.is_dir()))
        .unwrap_or(false);
    let mut badges = Vec::new();
    let mut pinned = false;
    let (size, modified) = match (&e.cached, &e.server) {
        (Some(c), _) if c.local.is_some() => {
            let l = c.local.as_ref().expect("checked");
            (Some(l.size), Some(text::time(l.modified)))
        }
        (_, Some(m)) => (Some(m.size), Some(text::time(m.modified))),
        _ => (None, None),
    };
    match &e.cached {
        None => badges.push("online only"),
        Some(c) => {
            pinned = c.pins.is_pinned();
            if pinned {
                badges.push("pinned");
            }
            match c.presence {
                Presence::Full if !is_dir => badges.push("available offline"),
                Presence::Sparse => badges.push("sparse"),
                Presence::Deleted => badges.push("deleted offline"),
                _ => {}
            }
            if c.changes.contains(LocalChanges::CREATED) {
                badges.push("created offline");
            } else if c
                .changes
                .intersects(LocalChanges::DATA | LocalChanges::ATTRIBUTES | LocalChanges::TIME)
            {
                badges.push("modified offline");
            }
            if c.suspension.suspended {
                badges.push("suspended");
            }
        }
    }
    if is_dir
        && e.cached
            .as_ref()
            .is_some_and(|c| c.presence == Presence::Ghost)
    {
        badges.push("name only");
    }
    Row {
        path: e.path.as_str().to_owned(),
        name,
        is_dir,
        size: if is_dir { None } else { size },
        modified,
        badges,
        pinned,
        cached: e.cached.is_some(),
        sparse: e
            .cached
            .as_ref()
            .is_some_and(|c| c.presence == Presence::Sparse),
        suspended_root: e.cached.as_ref().is_some_and(|c| c.suspension.is_root),
    }
}

fn event_row(seq: u64, e: &Event, time: &str) -> EventRow {
    let detail = match e {
        Event::SyncBegin { sync } => format!("sync {}", sync.0),
        Event::SyncEnd { sync, result } => {
            format!("sync {}: {}", sync.0, text::result(*result, None))
        }
        Event::SyncFileResult { sync, result, .. } => {
            format!("sync {}: {}", sync.0, text::result(*result, None))
        }
        Event::BackgroundSyncBegin { control } | Event::BackgroundSyncEnd { control } => {
            format!(
                "flags 0x{:X} ({})",
                control.to_windows(),
                flag_words(control.flags)
            )
        }
        Event::ConflictAdded { state, .. }
        | Event::ConflictUpdated { state, .. }
        | Event::ConflictRemoved { state, .. } => state.name().to_owned(),
        _ => String::new(),
    };
    EventRow {
        seq,
        kind: csc_wasm::constants::event_type(e.id()),
        path: e
            .item()
            .map(|i| i.path.as_str().to_owned())
            .unwrap_or_default(),
        detail,
        time: time.to_owned(),
    }
}

/// Flags in words: "two-way", "in only", "out only", plus the others by name.
fn flag_words(flags: SyncControlFlags) -> String {
    let mut words = vec![match (
        flags.contains(SyncControlFlags::SYNCIN),
        flags.contains(SyncControlFlags::SYNCOUT),
    ) {
        (true, true) => "two-way",
        (true, false) => "in only",
        (false, true) => "out only",
        (false, false) => "no direction",
    }];
    for (flag, word) in [
        (SyncControlFlags::FILLSPARSE, "fill sparse"),
        (SyncControlFlags::PINNEWFILES, "pin new files"),
        (SyncControlFlags::SKIPSUSPENDEDDIRS, "skip suspended"),
        (SyncControlFlags::BACKGROUND, "background"),
    ] {
        if flags.contains(flag) {
            words.push(word);
        }
    }
    words.join(", ")
}

/// Progress of a sync into the panel's signal.
struct Progress {
    view: RwSignal<SyncView>,
    cancel: CancelToken,
}

impl SyncProgress for Progress {
    fn query_abort(&mut self) -> bool {
        self.cancel.is_cancelled()
    }

    fn item_begin(&mut self, path: &ItemPath) -> OpResponse {
        let path = path.as_str().to_owned();
        self.view.update(|v| v.current = path);
        OpResponse::Continue
    }

    fn item_result(
        &mut self,
        path: &ItemPath,
        result: HResult,
        error: Option<&SyncErrorInfo>,
    ) -> OpResponse {
        let ok = result.is_ok();
        let words = text::result(result, error.map(|e| e.description.as_str()));
        let path = path.as_str().to_owned();
        self.view.update(|v| {
            v.done += 1;
            if !ok {
                v.failed += 1;
            }
            v.results.insert(0, (path, words, ok));
            v.results.truncate(200);
        });
        OpResponse::Continue
    }
}

thread_local! {
    /// Releases the open mark of the file in the editor.
    static OPEN_MARK: std::cell::RefCell<Option<js_sys::Function>> = const { std::cell::RefCell::new(None) };
}

/// The editor no longer holds its file: background passes may sync it again.
fn release_open_mark() {
    if let Some(release) = OPEN_MARK.with(|m| m.borrow_mut().take()) {
        let _ = release.call0(&wasm_bindgen::JsValue::NULL);
    }
}

thread_local! {
    static RUNNING: std::cell::RefCell<Option<CancelToken>> = const { std::cell::RefCell::new(None) };
}

/// Runs Sync now for the whole share in a direction.
fn sync_now(ui: Ui, flags: SyncControlFlags, label: &'static str) {
    if ui.sync.get_untracked().running {
        return;
    }
    ui.error.set(None);
    // The items picked in the listing, or the whole share.
    let picked: Vec<ItemPath> = ui
        .selected
        .get_untracked()
        .iter()
        .filter_map(|p| state::item_path(p).ok())
        .collect();
    let label = if picked.is_empty() {
        label.to_owned()
    } else {
        format!("{label}, {} selected", picked.len())
    };
    let paths = if picked.is_empty() {
        vec![ItemPath::root()]
    } else {
        picked
    };
    let cancel = CancelToken::new();
    RUNNING.with(|r| *r.borrow_mut() = Some(cancel.clone()));
    ui.sync.set(SyncView {
        running: true,
        label,
        ..SyncView::default()
    });
    spawn_local(async move {
        let outcome = match state::slot() {
            None => "the cache is not open".to_owned(),
            Some(slot) => match csc_wasm::lock_share(&slot.database, &slot.url).await {
                Err(_) => "another page holds the share; try again".to_owned(),
                Ok(_lock) => {
                    let mut opts = SyncOptions::new(paths, SyncControl::new(flags));
                    opts.cancel = cancel.clone();
                    let mut progress = Progress {
                        view: ui.sync,
                        cancel,
                    };
                    match slot.synchronize(&opts, None, &mut progress).await {
                        Ok(s) if s.failed == 0 && s.conflicts == 0 => {
                            "done: everything is in sync".to_owned()
                        }
                        Ok(s) => format!(
                            "done: {} failed, {} conflict(s) left for you in Sync Center",
                            s.failed, s.conflicts
                        ),
                        Err(csc_core::engine::EngineError::Cancelled) => {
                            "cancelled: what was finished stays synced".to_owned()
                        }
                        Err(e) => format!("stopped: {e}"),
                    }
                }
            },
        };
        RUNNING.with(|r| r.borrow_mut().take());
        ui.sync.update(|v| {
            v.running = false;
            v.current.clear();
            v.outcome = outcome;
        });
        ui.reload().await;
    });
}

#[component]
fn App() -> impl IntoView {
    let ui = Ui::new();
    provide_context(ui);
    spawn_local(async move { ui.open().await });
    // Leadership moves between tabs without an event: look once a second.
    set_interval(
        move || {
            ui.leader
                .set(state::background().is_some_and(|b| b.is_leader()))
        },
        std::time::Duration::from_secs(1),
    );
    let tab_button = move |tab: Tab, label: &'static str, id: &'static str| {
        view! {
            <button
                role="tab"
                data-testid=id
                aria-selected=move || (ui.tab.get() == tab).to_string()
                on:click=move |_| ui.tab.set(tab)
            >
                {label}
            </button>
        }
    };
    view! {
        <header>
            <h1>"Offline Files"</h1>
            <ShareBar/>
        </header>
        <p class="error" role="alert" data-testid="error" hidden=move || ui.error.get().is_none()>
            {move || ui.error.get().unwrap_or_default()}
            " "
            <button on:click=move |_| ui.error.set(None)>"Dismiss"</button>
        </p>
        <SyncPanel/>
        <nav role="tablist">
            {tab_button(Tab::Browse, "Browse", "tab-browse")}
            {tab_button(Tab::SyncCenter, "Sync Center", "tab-center")}
            <span class="count" data-testid="conflict-count" aria-label="conflicts">{move || match ui.conflicts.get().len() { 0 => String::new(), n => format!("({n})") }}</span>
            {tab_button(Tab::Schedule, "Schedule", "tab-schedule")}
            {tab_button(Tab::Events, "Events", "tab-events")}
            {tab_button(Tab::Storage, "Storage", "tab-storage")}
        </nav>
        <main>
            {move || match ui.tab.get() {
                Tab::Browse => view! { <Browse/> }.into_any(),
                Tab::SyncCenter => {
                    let on_change = Callback::new(move |()| spawn_local(async move { ui.reload().await }));
                    crate::center::view(ui.conflicts, on_change).into_any()
                }
                Tab::Schedule => crate::schedule::view(ui.ready).into_any(),
                Tab::Events => view! { <Events/> }.into_any(),
                Tab::Storage => crate::storage::view(ui.ready).into_any(),
            }}
        </main>
    }
}

#[component]
fn ShareBar() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let adding = RwSignal::new(false);
    let url = RwSignal::new(String::new());
    let token = RwSignal::new(String::new());
    let transition = move |_| {
        let online = ui.online.get_untracked();
        ui.act("The share could not change mode", async move {
            let slot = state::slot().ok_or("the cache is not open")?;
            if online {
                slot.transition_offline().await.map_err(|e| e.to_string())
            } else {
                slot.transition_online().await.map_err(|e| e.to_string())?;
                Ok(())
            }
        });
        spawn_local(async move { ui.refresh().await });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let share = SavedShare {
            url: url.get_untracked().trim().to_owned(),
            token: Some(token.get_untracked()).filter(|t| !t.is_empty()),
        };
        if !(share.url.starts_with("http://") || share.url.starts_with("https://")) {
            ui.fail(
                "That share cannot be added",
                "give the full http(s) address of a WebDAV folder, such as https://host/dav/",
            );
            return;
        }
        let mut shares = state::saved_shares();
        let index = match shares.iter().position(|s| s.url == share.url) {
            Some(i) => {
                shares[i] = share;
                i
            }
            None => {
                shares.push(share);
                shares.len() - 1
            }
        };
        state::save_shares(&shares);
        adding.set(false);
        url.set(String::new());
        token.set(String::new());
        ui.ready.set(false);
        ui.current.set(index);
        ui.folder.set(String::new());
        spawn_local(async move { ui.open().await });
    };
    let remove = move |_| {
        let mut shares = state::saved_shares();
        let current = ui.current.get_untracked();
        if shares.len() < 2 || current >= shares.len() {
            return;
        }
        let gone = shares.remove(current);
        if !confirm(&format!(
            "Stop showing {}? Its files stay on the server.",
            gone.url
        )) {
            return;
        }
        state::save_shares(&shares);
        ui.ready.set(false);
        ui.current.set(0);
        ui.folder.set(String::new());
        spawn_local(async move { ui.open().await });
    };
    view! {
        <section class="share" aria-label="Share">
            <label class="visually-hidden" for="share-select">"Share"</label>
            <select id="share-select" data-testid="share-select"
                on:change=move |ev| {
                    if let Ok(i) = event_target_value(&ev).parse::<usize>() {
                        ui.show_share(i);
                    }
                }>
                {move || {
                    let current = ui.current.get();
                    ui.shares.get().into_iter().enumerate().map(|(i, url)| {
                        view! { <option value=i.to_string() selected=i == current>{url}</option> }
                    }).collect_view()
                }}
            </select>
            " — "
            <span data-testid="connect-state">{move || ui.connect.get()}</span>
            " "
            <span class="leader" data-testid="bg-leader" data-leader=move || ui.leader.get().to_string()>
                {move || if ui.leader.get() { "(background sync runs in this tab)" } else { "(background sync runs in another tab)" }}
            </span>
            " "
            <button data-testid="work-offline" on:click=transition disabled=move || !ui.ready.get()>
                {move || if ui.online.get() { "Work offline" } else { "Work online" }}
            </button>
            <button data-testid="add-share" on:click=move |_| adding.update(|a| *a = !*a)>"Add a share"</button>
            <button on:click=remove hidden=move || ui.shares.get().len() < 2>"Remove this share"</button>
            <form hidden=move || !adding.get() on:submit=save>
                <label>"Share URL " <input type="url" data-testid="share-url-input" required prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev))/></label>
                <label>" Token " <input type="password" prop:value=move || token.get() on:input=move |ev| token.set(event_target_value(&ev))/></label>
                <button type="submit" data-testid="share-add-submit">"Add"</button>
            </form>
        </section>
    }
}

#[component]
fn SyncPanel() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let direction = RwSignal::new("two-way".to_owned());
    let start = move |_| {
        let (flags, label) = match direction.get_untracked().as_str() {
            "in" => (
                SyncControlFlags::SYNCIN | SyncControlFlags::FILLSPARSE,
                "in only",
            ),
            "out" => (SyncControlFlags::SYNCOUT, "out only"),
            _ => (
                SyncControlFlags::SYNCIN
                    | SyncControlFlags::SYNCOUT
                    | SyncControlFlags::FILLSPARSE
                    | SyncControlFlags::PINNEWFILES,
                "two-way",
            ),
        };
        sync_now(ui, flags, label);
    };
    let cancel = move |_| {
        RUNNING.with(|r| {
            if let Some(t) = r.borrow().as_ref() {
                t.cancel();
            }
        })
    };
    view! {
        <section class="sync" aria-label="Sync">
            <label>"Direction "
                <select on:change=move |ev| direction.set(event_target_value(&ev))>
                    <option value="two-way">"Two-way"</option>
                    <option value="in">"In only (server to here)"</option>
                    <option value="out">"Out only (here to server)"</option>
                </select>
            </label>
            " "
            <button data-testid="sync-now" on:click=start disabled=move || !ui.ready.get() || ui.sync.get().running>"Sync now"</button>
            <button data-testid="sync-cancel" on:click=cancel hidden=move || !ui.sync.get().running>"Cancel"</button>
            <span data-testid="selection" hidden=move || ui.selected.get().is_empty()>
                {move || format!(" {} selected: Sync now syncs them ", ui.selected.get().len())}
                <button on:click=move |_| ui.selected.set(std::collections::BTreeSet::new())>"Clear selection"</button>
            </span>
            <div hidden=move || { let s = ui.sync.get(); !s.running && s.outcome.is_empty() }>
                <progress data-testid="sync-progress" max="1" value=move || if ui.sync.get().running { "0.5" } else { "1" }></progress>
                <span data-testid="sync-status">
                    {move || {
                        let s = ui.sync.get();
                        if s.running {
                            format!("Syncing ({}): {} done, {} failed — {}", s.label, s.done, s.failed, s.current)
                        } else {
                            format!("Sync ({}) {}", s.label, s.outcome)
                        }
                    }}
                </span>
                <ul class="results" data-testid="sync-results">
                    <For each=move || ui.sync.get().results key=|r| (r.0.clone(), r.1.clone()) let:r>
                        <li class:failed=!r.2><span class="path">{r.0}</span>": "{r.1}</li>
                    </For>
                </ul>
            </div>
        </section>
    }
}

/// The height of a listing row, in CSS pixels (style.css gives rows this height).
const ROW_HEIGHT: usize = 40;
/// How many rows the listing draws at a time: a screenful and more.
const ROWS_DRAWN: usize = 80;
/// How many of them lie above the first row in view.
const ROWS_AROUND: usize = 20;

#[component]
fn Browse() -> impl IntoView {
    let ui = expect_context::<Ui>();
    // The listing draws the rows in view: which ones follows the scroll position.
    let scroll_top = RwSignal::new(0.0_f64);
    let window = move || {
        let count = ui.rows.with(Vec::len);
        let first = ((scroll_top.get() / ROW_HEIGHT as f64) as usize).saturating_sub(ROWS_AROUND);
        let first = first.min(count);
        (first, (first + ROWS_DRAWN).min(count))
    };
    let upload: NodeRef<leptos::html::Input> = NodeRef::new();
    let go = move |folder: String| {
        ui.folder.set(folder);
        spawn_local(async move { ui.reload().await });
    };
    let new_folder = move |_| {
        let Some(name) = prompt("Name of the new folder") else {
            return;
        };
        let path = join(&ui.folder.get_untracked(), &name);
        ui.act("The folder could not be made", async move {
            let slot = state::slot().ok_or("the cache is not open")?;
            let p = state::item_path(&path)?;
            slot.create_dir(&p).await.map_err(|e| e.to_string())
        });
    };
    let on_upload = move |_| {
        let Some(input) = upload.get() else { return };
        let Some(files) = input.files() else { return };
        let folder = ui.folder.get_untracked();
        let files: Vec<web_sys::File> = (0..files.length()).filter_map(|i| files.get(i)).collect();
        input.set_value("");
        upload_files(ui, folder, files);
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        let Some(files) = ev.data_transfer().and_then(|d| d.files()) else {
            return;
        };
        let files: Vec<web_sys::File> = (0..files.length()).filter_map(|i| files.get(i)).collect();
        upload_files(ui, ui.folder.get_untracked(), files);
    };
    view! {
        <section class="browse" aria-label="Files" on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default() on:drop=on_drop>
            <div class="toolbar">
                <nav aria-label="Folder" data-testid="breadcrumbs">
                    <button on:click=move |_| go(String::new())>"Share"</button>
                    {move || {
                        let folder = ui.folder.get();
                        let mut at = String::new();
                        folder.split('/').filter(|s| !s.is_empty()).map(|part| {
                            at = join(&at, part);
                            let target = at.clone();
                            view! { " / " <button on:click=move |_| go(target.clone())>{part.to_owned()}</button> }
                        }).collect_view()
                    }}
                </nav>
                <button on:click=new_folder>"New folder"</button>
                <label class="upload">"Upload files " <input type="file" multiple node_ref=upload on:change=on_upload/></label>
                <button on:click=move |_| spawn_local(async move { ui.refresh().await })>"Refresh"</button>
            </div>
            <nav class="tree" aria-label="Folders" data-testid="tree">
                <ul role="tree">
                    <TreeNode path=String::new() name="Share".to_owned() start_open=true/>
                </ul>
            </nav>
            <div
                class="listing-scroll"
                data-testid="listing-scroll"
                on:scroll=move |ev| {
                    let top = event_target::<web_sys::Element>(&ev).scroll_top();
                    scroll_top.set(f64::from(top));
                }
            >
                <table data-testid="listing" data-count=move || ui.rows.get().len().to_string()>
                    <thead><tr><th scope="col"><span class="visually-hidden">"Select"</span></th><th scope="col">"Name"</th><th scope="col">"Size"</th><th scope="col">"Modified"</th><th scope="col">"State"</th><th scope="col">"Actions"</th></tr></thead>
                    <tbody>
                        // Only the rows in view (and a few around them) are drawn: a folder of
                        // 10,000 items costs as much to show as one of 60.
                        <tr aria-hidden="true" style=move || format!("height:{}px", window().0 * ROW_HEIGHT)></tr>
                        <For each=move || { let (a, b) = window(); ui.rows.with(|r| r[a..b].to_vec()) } key=Row::clone let:r>
                            <ItemRow row=r/>
                        </For>
                        <tr aria-hidden="true" style=move || { let (_, b) = window(); format!("height:{}px", ui.rows.with(Vec::len).saturating_sub(b) * ROW_HEIGHT) }></tr>
                    </tbody>
                </table>
            </div>
            <p hidden=move || !ui.rows.get().is_empty()>"This folder is empty, or not listed yet."</p>
            <EditorView/>
        </section>
    }
}

/// A folder in the tree: its name (which opens it in the listing) and, expanded, its
/// subfolders, read when it is expanded — offline too.
#[component]
fn TreeNode(path: String, name: String, start_open: bool) -> AnyView {
    let ui = expect_context::<Ui>();
    let open = RwSignal::new(false);
    let children = RwSignal::new(Vec::<(String, String)>::new());
    let p = path.clone();
    let load = move || {
        let p = p.clone();
        spawn_local(async move {
            let (Some(slot), Ok(item)) = (state::slot(), state::item_path(&p)) else {
                return;
            };
            if let Ok(entries) = slot.browse(&item).await {
                children.set(
                    entries
                        .iter()
                        .map(row)
                        .filter(|r| r.is_dir)
                        .map(|r| (r.path, r.name))
                        .collect(),
                );
            }
        });
    };
    let toggle = {
        let load = load.clone();
        move |_| {
            let now_open = !open.get_untracked();
            open.set(now_open);
            if now_open {
                load();
            }
        }
    };
    // The root starts open once the cache is, and follows the listing's reloads.
    Effect::new(move |_| {
        ui.rows.track();
        if start_open && ui.ready.get() {
            open.set(true);
            load();
        }
    });
    let target = path.clone();
    let go = move |_| {
        ui.folder.set(target.clone());
        spawn_local(async move { ui.reload().await });
    };
    let current = {
        let path = path.clone();
        move || ui.folder.get() == path
    };
    view! {
        <li role="treeitem" aria-expanded=move || open.get().to_string() data-testid="tree-node" data-path=path.clone()>
            <button class="twisty" aria-label=format!("Show the folders in {name}") on:click=toggle>{move || if open.get() { "▾" } else { "▸" }}</button>
            <button class="folder" class:current=current on:click=go>{name.clone()}</button>
            <ul role="group" hidden=move || !open.get()>
                <For
                    each=move || children.get()
                    key=|c| c.0.clone()
                    // A tree is recursive: each node's view is boxed.
                    children=move |c: (String, String)| view! { <TreeNode path=c.0 name=c.1 start_open=false/> }.into_any()
                />
            </ul>
        </li>
    }
    .into_any()
}

#[component]
fn ItemRow(row: Row) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let Row {
        path,
        name,
        is_dir,
        size,
        modified,
        badges,
        pinned,
        cached,
        sparse,
        suspended_root,
    } = row;
    let p = path.clone();
    let open = move |_| {
        let p = p.clone();
        if is_dir {
            ui.folder.set(p);
            spawn_local(async move { ui.reload().await });
        } else {
            ui.act("The file could not be opened", async move {
                let slot = state::slot().ok_or("the cache is not open")?;
                let item = state::item_path(&p)?;
                let bytes = slot
                    .read_file(&item)
                    .await
                    .map_err(|e| format!("{e}. Pin it while online to have it offline"))?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| "it is not a text file; only text files open here".to_owned())?;
                // The editor holds one file, marked open for every page's background
                // passes; the one it had before is no longer open.
                release_open_mark();
                let release = csc_wasm::mark_open(&slot, &item);
                OPEN_MARK.with(|m| *m.borrow_mut() = Some(release));
                ui.editor.set(Some(Editor { path: p, text }));
                Ok(())
            });
        }
    };
    let p = path.clone();
    let pin = move |_| {
        let p = p.clone();
        ui.act(
            if pinned {
                "It could not be unpinned"
            } else {
                "It could not be pinned"
            },
            async move {
                let slot = state::slot().ok_or("the cache is not open")?;
                let item = state::item_path(&p)?;
                let _lock = csc_wasm::lock_share(&slot.database, &slot.url)
                    .await
                    .map_err(|_| "the share is busy in another page".to_owned())?;
                let hr = if pinned {
                    slot.unpin(
                        &[item],
                        PinOptions {
                            deep: true,
                            flags: PinControlFlags::FORUSER,
                        },
                        &mut (),
                    )
                    .await
                } else {
                    slot.pin(
                        &[item],
                        PinOptions {
                            deep: true,
                            flags: PinControlFlags::FORUSER | PinControlFlags::FILL,
                        },
                        &mut (),
                    )
                    .await
                }
                .map_err(|e| e.to_string())?;
                if hr.is_ok() {
                    Ok(())
                } else {
                    Err(text::result(hr, None))
                }
            },
        );
    };
    let p = path.clone();
    let rename = move |_| {
        let p = p.clone();
        let Some(new_name) = prompt("New name") else {
            return;
        };
        ui.act("It could not be renamed", async move {
            let slot = state::slot().ok_or("the cache is not open")?;
            let from = state::item_path(&p)?;
            let parent = from
                .parent()
                .map(|x| x.as_str().to_owned())
                .unwrap_or_default();
            let to = state::item_path(&join(&parent, &new_name))?;
            slot.rename(&from, &to).await.map_err(|e| e.to_string())
        });
    };
    let p = path.clone();
    let fill = move |_| {
        let p = p.clone();
        ui.act("It could not be made available now", async move {
            let slot = state::slot().ok_or("the cache is not open")?;
            let item = state::item_path(&p)?;
            let _lock = csc_wasm::lock_share(&slot.database, &slot.url)
                .await
                .map_err(|_| "the share is busy in another page".to_owned())?;
            let opts = SyncOptions::new(
                vec![item],
                SyncControl::new(SyncControlFlags::SYNCIN | SyncControlFlags::FILLSPARSE),
            );
            let summary = slot
                .synchronize(&opts, None, &mut ())
                .await
                .map_err(|e| e.to_string())?;
            if summary.failed == 0 {
                Ok(())
            } else {
                Err(text::result(summary.result, None))
            }
        });
    };
    let p = path.clone();
    let suspend = move |_| {
        let p = p.clone();
        ui.act(
            "The folder could not be suspended or released",
            async move {
                let slot = state::slot().ok_or("the cache is not open")?;
                let item = state::item_path(&p)?;
                slot.suspend_root(&item, !suspended_root)
                    .await
                    .map_err(|e| e.to_string())
            },
        );
    };
    let p = path.clone();
    let delete = move |_| {
        let p = p.clone();
        if !confirm(&format!(
            "Delete {p}? The deletion reaches the server at the next sync."
        )) {
            return;
        }
        ui.act("It could not be deleted", async move {
            let slot = state::slot().ok_or("the cache is not open")?;
            slot.delete(&state::item_path(&p)?)
                .await
                .map_err(|e| e.to_string())
        });
    };
    view! {
        <tr data-testid="item" data-path=path.clone()>
            <td>
                <input type="checkbox" data-testid="item-select" aria-label=format!("Select {path}")
                    prop:checked={ let p = path.clone(); move || ui.selected.get().contains(&p) }
                    on:change={ let p = path.clone(); move |ev| {
                        let on = event_target_checked(&ev);
                        let p = p.clone();
                        ui.selected.update(|s| { if on { s.insert(p); } else { s.remove(&p); } });
                    } }/>
            </td>
            <td><button class="name" data-testid="item-open" on:click=open>{if is_dir { "📁 " } else { "" }}{name}</button></td>
            <td>{size.map(text::size).unwrap_or_default()}</td>
            <td>{modified.unwrap_or_default()}</td>
            <td>{badges.into_iter().map(|b| view! { <span class="badge" data-badge=b>{b}</span> " " }).collect_view()}</td>
            <td>
                <button data-testid="item-pin" on:click=pin>{if pinned { "Unpin" } else { "Pin" }}</button>
                <button on:click=rename disabled=!cached>"Rename"</button>
                <button on:click=delete disabled=!cached>"Delete"</button>
                {sparse.then(|| view! { <button data-testid="item-fill" on:click=fill.clone()>"Make available now"</button> })}
                {(is_dir && cached).then(|| view! {
                    <button data-testid="item-suspend" on:click=suspend.clone()>{if suspended_root { "Release" } else { "Suspend" }}</button>
                })}
            </td>
        </tr>
    }
}

#[component]
fn EditorView() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let close = move || {
        release_open_mark();
        ui.editor.set(None);
    };
    let save = move |_| {
        let Some(e) = ui.editor.get_untracked() else {
            return;
        };
        ui.act("The file could not be saved", async move {
            let slot = state::slot().ok_or("the cache is not open")?;
            let p = state::item_path(&e.path)?;
            slot.write_file(&p, e.text.as_bytes())
                .await
                .map_err(|e| e.to_string())
        });
    };
    view! {
        <section class="editor" aria-label="Editor" hidden=move || ui.editor.get().is_none()>
            <h2 data-testid="editor-path">{move || ui.editor.get().map(|e| e.path).unwrap_or_default()}</h2>
            <textarea
                data-testid="editor-text"
                aria-label="File content"
                prop:value=move || ui.editor.get().map(|e| e.text).unwrap_or_default()
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    ui.editor.update(|e| if let Some(e) = e { e.text = text });
                }
            ></textarea>
            <button data-testid="editor-save" on:click=save>"Save"</button>
            <button on:click=move |_| close()>"Close"</button>
        </section>
    }
}

#[component]
fn Events() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let shown = move || {
        let filter = ui.event_filter.get().to_lowercase();
        ui.events
            .get()
            .into_iter()
            .filter(|e| {
                filter.is_empty()
                    || e.kind.to_lowercase().contains(&filter)
                    || e.path.to_lowercase().contains(&filter)
            })
            .collect::<Vec<_>>()
    };
    view! {
        <section class="events" aria-label="Events">
            <label>"Filter by kind or path " <input data-testid="event-filter" prop:value=move || ui.event_filter.get() on:input=move |ev| ui.event_filter.set(event_target_value(&ev))/></label>
            <ol data-testid="event-log" reversed>
                <For
                    each=shown
                    key=|e| e.seq
                    children=move |e: EventRow| {
                        let kind = e.kind.clone();
                        view! {
                            <li data-testid="event" data-kind=kind>
                                <time>{e.time}</time>" "<strong>{e.kind}</strong>" "
                                <span class="path">{e.path}</span>" "{e.detail}
                            </li>
                        }
                    }
                />
            </ol>
        </section>
    }
}

fn upload_files(ui: Ui, folder: String, files: Vec<web_sys::File>) {
    ui.act("A file could not be uploaded", async move {
        let slot = state::slot().ok_or("the cache is not open")?;
        for file in files {
            let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
                .await
                .map_err(|_| format!("{} could not be read", file.name()))?;
            let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
            let path = state::item_path(&join(&folder, &file.name()))?;
            slot.write_file(&path, &bytes)
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    });
}

fn join(folder: &str, name: &str) -> String {
    if folder.is_empty() {
        name.to_owned()
    } else {
        format!("{folder}/{name}")
    }
}

fn prompt(message: &str) -> Option<String> {
    let answer = web_sys::window()?.prompt_with_message(message).ok()??;
    let answer = answer.trim().to_owned();
    (!answer.is_empty()).then_some(answer)
}

fn confirm(message: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(message).ok())
        .unwrap_or(false)
}
