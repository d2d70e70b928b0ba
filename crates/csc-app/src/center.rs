//! Sync Center: the conflict store as a list, both versions side by side, and the resolutions
//! a person picks — for one conflict or for a selection. A resolution is carried out by a
//! two-way sync of the chosen items with the person's answers, like
//! IOfflineFilesCache::Synchronize with a conflict handler.

use std::collections::{BTreeMap, BTreeSet};

use csc_core::engine::SyncOptions;
use csc_core::plan::{ConflictRecord, CopyInfo};
use csc_core::store::{ChunkStream, RemoteStore};
use csc_core::win::{ConflictResolve, SyncControl, SyncControlFlags};
use csc_core::{HandlerAnswer, ItemPath};
use csc_wasm::share_ops::Answers;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::state;
use crate::text;

/// How much of each version the preview shows.
const PREVIEW_BYTES: u64 = 4096;

/// One conflict as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ConflictRow {
    pub(crate) path: String,
    /// The Windows sync state's name, without its prefix.
    pub(crate) state: String,
    /// The state's number.
    pub(crate) state_number: u32,
    pub(crate) local: String,
    pub(crate) remote: String,
}

fn copy_words(copy: Option<&CopyInfo>) -> String {
    match copy {
        None => "none (deleted)".into(),
        Some(c) if c.kind.is_dir() => format!("folder, changed {}", text::time(c.modified)),
        Some(c) => format!("{}, changed {}", text::size(c.size), text::time(c.modified)),
    }
}

fn row(r: &ConflictRecord) -> ConflictRow {
    ConflictRow {
        path: r.path.as_str().to_owned(),
        state: csc_wasm::constants::short(r.state.name()).to_owned(),
        state_number: u32::from(r.state),
        local: copy_words(r.local.as_ref()),
        remote: copy_words(r.remote.as_ref()),
    }
}

/// The conflict store of the share shown.
pub(crate) async fn load() -> Result<Vec<ConflictRow>, String> {
    let slot = state::slot().ok_or("the cache is not open")?;
    let records = slot.conflict_records().await.map_err(|e| e.to_string())?;
    Ok(records.iter().map(row).collect())
}

/// Resolves conflicts: a two-way sync of their items with these answers.
async fn resolve(answers: Vec<(String, HandlerAnswer)>) -> Result<String, String> {
    let slot = state::slot().ok_or("the cache is not open")?;
    let mut map = BTreeMap::new();
    for (path, answer) in answers {
        map.insert(state::item_path(&path)?, answer);
    }
    let paths: Vec<ItemPath> = map.keys().cloned().collect();
    let _lock = csc_wasm::lock_share(&slot.database, &slot.url)
        .await
        .map_err(|_| "the share is busy in another page".to_owned())?;
    let opts = SyncOptions::new(
        paths,
        SyncControl::new(SyncControlFlags::SYNCIN | SyncControlFlags::SYNCOUT),
    );
    let summary = slot
        .synchronize(&opts, Some(Answers(map)), &mut ())
        .await
        .map_err(|e| format!("{e}; the conflicts stay in Sync Center"))?;
    Ok(if summary.failed == 0 {
        "resolved".to_owned()
    } else {
        format!(
            "{} item(s) could not be resolved: see the event log",
            summary.failed
        )
    })
}

/// The first bytes of both versions, as text when they are text.
async fn preview(path: String) -> (String, String) {
    let Some(slot) = state::slot() else {
        return (String::new(), String::new());
    };
    let Ok(item) = state::item_path(&path) else {
        return (String::new(), String::new());
    };
    let local = match slot.read_file(&item).await {
        Ok(bytes) => as_text(&bytes[..bytes.len().min(PREVIEW_BYTES as usize)]),
        Err(e) => format!("(no local copy to show: {e})"),
    };
    let remote = match slot
        .engine
        .remote()
        .read(&item, None, Some(0..PREVIEW_BYTES))
        .await
    {
        Ok((_, mut body)) => {
            let mut bytes = Vec::new();
            while let Ok(Some(chunk)) = body.next_chunk().await {
                bytes.extend_from_slice(&chunk);
                if bytes.len() as u64 >= PREVIEW_BYTES {
                    break;
                }
            }
            as_text(&bytes)
        }
        Err(e) => format!("(the server copy cannot be read now: {e})"),
    };
    (local, remote)
}

fn as_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(t) => t.to_owned(),
        // A preview cut in the middle of a character is still text.
        Err(e) if e.error_len().is_none() => String::from_utf8_lossy(bytes).into_owned(),
        Err(_) => "(not text)".to_owned(),
    }
}

/// The name "keep both" proposes for the local copy: `name (this device).ext`.
fn proposed_name(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem} (this device).{ext}"),
        _ => format!("{name} (this device)"),
    }
}

const CHOICES: [(&str, ConflictResolve, &str); 5] = [
    (
        "keep-local",
        ConflictResolve::KeepLocal,
        "Keep this device's",
    ),
    (
        "keep-remote",
        ConflictResolve::KeepRemote,
        "Keep the server's",
    ),
    ("keep-both", ConflictResolve::KeepAllChanges, "Keep both"),
    (
        "keep-latest",
        ConflictResolve::KeepLatest,
        "Keep the latest",
    ),
    ("skip", ConflictResolve::Skip, "Skip"),
];

/// The Sync Center view of `conflicts`; `on_change` runs after a resolution.
pub(crate) fn view(
    conflicts: RwSignal<Vec<ConflictRow>>,
    on_change: Callback<()>,
) -> impl IntoView {
    view! { <SyncCenter conflicts=conflicts on_change=on_change/> }
}

#[component]
fn SyncCenter(conflicts: RwSignal<Vec<ConflictRow>>, on_change: Callback<()>) -> impl IntoView {
    let selected = RwSignal::new(BTreeSet::<String>::new());
    let message = RwSignal::new(String::new());
    let run = move |answers: Vec<(String, HandlerAnswer)>| {
        message.set("Resolving…".to_owned());
        spawn_local(async move {
            let outcome = resolve(answers).await;
            message.set(outcome.unwrap_or_else(|e| e));
            selected.set(BTreeSet::new());
            on_change.run(());
        });
    };
    let bulk = move |resolution: ConflictResolve| {
        let answers = selected
            .get_untracked()
            .into_iter()
            .map(|p| {
                let new_name =
                    (resolution == ConflictResolve::KeepAllChanges).then(|| proposed_name(&p));
                (
                    p,
                    HandlerAnswer {
                        resolution,
                        new_name,
                    },
                )
            })
            .collect::<Vec<_>>();
        if !answers.is_empty() {
            run(answers);
        }
    };
    view! {
        <section class="center" aria-label="Sync Center">
            <h2>"Sync Center"</h2>
            <p data-testid="center-message" role="status">{move || message.get()}</p>
            <p hidden=move || !conflicts.get().is_empty()>"No conflicts: everything synced agrees."</p>
            <div class="toolbar" hidden=move || selected.get().is_empty()>
                {move || format!("{} selected: ", selected.get().len())}
                {CHOICES.iter().map(|&(_, resolution, label)| {
                    view! { <button on:click=move |_| bulk(resolution)>{label}</button> }
                }).collect_view()}
            </div>
            <ul class="conflicts" data-testid="conflicts">
                <For each=move || conflicts.get() key=ConflictRow::clone let:c>
                    <ConflictItem conflict=c selected=selected run=Callback::new(run)/>
                </For>
            </ul>
        </section>
    }
}

#[component]
fn ConflictItem(
    conflict: ConflictRow,
    selected: RwSignal<BTreeSet<String>>,
    run: Callback<Vec<(String, HandlerAnswer)>>,
) -> impl IntoView {
    let path = conflict.path.clone();
    let new_name = RwSignal::new(proposed_name(&path));
    let previews = RwSignal::new(None::<(String, String)>);
    let p = path.clone();
    let toggle = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        let p = p.clone();
        selected.update(|s| {
            if on {
                s.insert(p);
            } else {
                s.remove(&p);
            }
        });
    };
    let p = path.clone();
    let show = move |_| {
        if previews.get_untracked().is_some() {
            previews.set(None);
            return;
        }
        let p = p.clone();
        spawn_local(async move { previews.set(Some(preview(p).await)) });
    };
    let buttons = CHOICES
        .iter()
        .map(|&(id, resolution, label)| {
            let p = path.clone();
            let click = move |_| {
                let new_name = (resolution == ConflictResolve::KeepAllChanges)
                    .then(|| new_name.get_untracked().trim().to_owned())
                    .filter(|n| !n.is_empty());
                run.run(vec![(
                    p.clone(),
                    HandlerAnswer {
                        resolution,
                        new_name,
                    },
                )]);
            };
            view! { <button data-testid=id on:click=click>{label}</button> }
        })
        .collect_view();
    view! {
        <li data-testid="conflict" data-path=path.clone() data-state=conflict.state_number.to_string()>
            <label>
                <input type="checkbox" on:change=toggle aria-label=format!("Select {}", conflict.path)/>
                " "<strong class="path">{conflict.path.clone()}</strong>
            </label>
            " — "<span data-testid="conflict-state">{conflict.state.clone()}</span>
            <div>"This device: "{conflict.local.clone()}</div>
            <div>"Server: "{conflict.remote.clone()}</div>
            <button on:click=show>{move || if previews.get().is_some() { "Hide versions" } else { "Show versions" }}</button>
            <div class="previews" hidden=move || previews.get().is_none()>
                <figure><figcaption>"This device"</figcaption><pre data-testid="preview-local">{move || previews.get().map(|p| p.0).unwrap_or_default()}</pre></figure>
                <figure><figcaption>"Server"</figcaption><pre data-testid="preview-remote">{move || previews.get().map(|p| p.1).unwrap_or_default()}</pre></figure>
            </div>
            <div class="actions">
                {buttons}
                <label>" as "<input data-testid="keep-both-name" aria-label="Name for this device's copy when keeping both" prop:value=move || new_name.get() on:input=move |ev| new_name.set(event_target_value(&ev))/></label>
            </div>
        </li>
    }
}
