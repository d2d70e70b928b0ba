//! The Storage page: how much the browser lets the app keep and how much it uses, whether the
//! browser keeps the cache under storage pressure, and freeing space by evicting files that are
//! neither pinned nor changed offline (with a count before anything is removed).

use csc_core::engine::{DeleteOptions, EnumOptions, ItemInfo};
use csc_core::win::{DeleteFlags, EnumFlags};
use csc_core::{ItemPath, Presence};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::state;
use crate::text;

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Default)]
struct Figures {
    used: f64,
    quota: f64,
    persisted: bool,
    /// Files that may be evicted, and their bytes.
    evictable: Vec<String>,
    evictable_bytes: u64,
}

/// Files kept whole in the cache that nothing needs kept: not pinned, nothing changed offline.
fn evictable(i: &ItemInfo) -> bool {
    i.presence == Presence::Full && !i.pins.is_pinned() && !i.dirty
}

async fn figures() -> Result<Figures, String> {
    let estimate = csc_idb::storage_estimate_now()
        .await
        .map_err(|e| e.to_string())?;
    let mut f = Figures {
        used: estimate.usage,
        quota: estimate.quota,
        persisted: estimate.persisted,
        ..Figures::default()
    };
    for slot in state::slots() {
        let opts = EnumOptions {
            flags: EnumFlags::FLAT | EnumFlags::FLAT_FILESONLY,
            ..EnumOptions::default()
        };
        let items = slot
            .enum_items(&ItemPath::root(), opts)
            .await
            .map_err(|e| e.to_string())?;
        for i in items.iter().filter(|i| evictable(i)) {
            f.evictable.push(i.path.as_str().to_owned());
            f.evictable_bytes += i.local.as_ref().map_or(0, |l| l.size);
        }
    }
    Ok(f)
}

/// The Storage view; it reads the figures once the cache is open (`ready`).
pub(crate) fn view(ready: RwSignal<bool>) -> impl IntoView {
    view! { <Storage ready=ready/> }
}

#[component]
fn Storage(ready: RwSignal<bool>) -> impl IntoView {
    let shown = RwSignal::new(None::<Figures>);
    let message = RwSignal::new(String::new());
    let load = move || {
        spawn_local(async move {
            match figures().await {
                Ok(f) => shown.set(Some(f)),
                Err(e) => message.set(format!("The storage figures could not be read: {e}")),
            }
        })
    };
    // The page may show before the cache is open: read once it is.
    Effect::new(move |_| {
        if ready.get() {
            load();
        }
    });
    let persist = move |_| {
        spawn_local(async move {
            let Some(slot) = state::slot() else { return };
            message.set(match slot.request_persistence().await {
                Ok(true) => "The browser will keep your offline files.".to_owned(),
                Ok(false) => "The browser did not agree to keep them for sure; it may clear them when space runs low (installing the app usually helps).".to_owned(),
                Err(e) => format!("The browser could not be asked: {e}"),
            });
            load();
        });
    };
    let free = move |_| {
        let Some(f) = shown.get_untracked() else {
            return;
        };
        if f.evictable.is_empty() {
            message
                .set("Nothing to free: every file kept is pinned or changed offline.".to_owned());
            return;
        }
        let question = format!(
            "Remove {} file(s) ({}) that are neither pinned nor changed offline from this device? They stay on the server.",
            f.evictable.len(),
            text::size(f.evictable_bytes)
        );
        let sure = web_sys::window()
            .and_then(|w| w.confirm_with_message(&question).ok())
            .unwrap_or(false);
        if !sure {
            return;
        }
        spawn_local(async move {
            let Some(slot) = state::slot() else { return };
            let paths: Vec<ItemPath> = f
                .evictable
                .iter()
                .filter_map(|p| state::item_path(p).ok())
                .collect();
            let _lock = csc_wasm::lock_share(&slot.database, &slot.url).await;
            // Without DELMODIFIED, anything changed since the count stays.
            let opts = DeleteOptions {
                flags: DeleteFlags::NOPINNED,
            };
            message.set(match slot.delete_items(&paths, opts, &mut ()).await {
                Ok(hr) if hr.is_ok() => format!("Removed {} file(s).", paths.len()),
                Ok(hr) => format!("Some files were kept: {}", text::result(hr, None)),
                Err(e) => format!("Nothing was removed: {e}"),
            });
            load();
        });
    };
    view! {
        <section class="storage" aria-label="Storage">
            <h2>"Storage"</h2>
            {move || shown.get().map(|f| {
                // In thousandths, as an integer: formatting a float would bring 5 KB of wasm.
                let share = if f.quota > 0.0 { (f.used / f.quota * 1000.0).round() as u32 } else { 0 };
                view! {
                    <p>
                        <meter data-testid="storage-meter" min="0" max="1000" value=share.to_string()></meter>
                        " "<span data-testid="storage-used">{format!("{} used of {}", text::size(f.used as u64), text::size(f.quota as u64))}</span>
                    </p>
                    <p data-testid="storage-persisted">{if f.persisted { "The browser keeps these files even when space runs low." } else { "The browser may clear these files when space runs low." }}</p>
                    <button on:click=persist hidden=f.persisted>"Ask the browser to keep them"</button>
                    <p data-testid="storage-evictable">{format!("{} file(s), {}, can be removed to free space (not pinned, not changed offline).", f.evictable.len(), text::size(f.evictable_bytes))}</p>
                    <button data-testid="storage-free" on:click=free>"Free space…"</button>
                }
            })}
            <p role="status" data-testid="storage-message">{move || message.get()}</p>
        </section>
    }
}
