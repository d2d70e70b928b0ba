//! The Schedule page: the background sync settings (Win32_OfflineFilesBackgroundSync) as a
//! form checked as a person types, a preview of the next background syncs, the block-out
//! window drawn on a 24-hour bar, and each share's sync health.

use csc_core::Millis;
use csc_core::schedule::{BackgroundSyncSettings, Field, next_start};
use csc_wasm::cache::ShareSlot;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::state;
use crate::text;

/// The form's fields as typed (text inputs and switches).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Form {
    enabled: bool,
    interval: String,
    variance: String,
    max: String,
    block_start: String,
    block_minutes: String,
    work_offline: bool,
}

impl Form {
    fn of(s: &BackgroundSyncSettings) -> Form {
        Form {
            enabled: s.enabled,
            interval: s.sync_interval.to_string(),
            variance: s.sync_variance.to_string(),
            max: s.max_time_between_syncs.to_string(),
            block_start: format!("{:04}", s.block_out_start),
            block_minutes: s.block_out_duration.to_string(),
            work_offline: s.work_offline_shares,
        }
    }

    /// The settings, or a message for each field that is wrong.
    fn settings(&self) -> Result<BackgroundSyncSettings, Vec<(Field, String)>> {
        let mut errors = Vec::new();
        let mut number = |field: Field, text: &str| -> u32 {
            match text.trim().parse::<u32>() {
                Ok(n) => n,
                Err(_) => {
                    errors.push((field, format!("a whole number: {}", field.allowed())));
                    0
                }
            }
        };
        let s = BackgroundSyncSettings {
            enabled: self.enabled,
            sync_interval: number(Field::SyncInterval, &self.interval),
            sync_variance: number(Field::SyncVariance, &self.variance),
            max_time_between_syncs: number(Field::MaxTimeBetweenSyncs, &self.max),
            block_out_start: number(Field::BlockOutStartTimeHoursMinutes, &self.block_start),
            block_out_duration: number(Field::BlockOutDurationMin, &self.block_minutes),
            work_offline_shares: self.work_offline,
        };
        if let Err(e) = s.validate() {
            for f in e.0 {
                if !errors.iter().any(|(field, _)| *field == f.field) {
                    errors.push((
                        f.field,
                        format!("{} is not allowed: {}", f.value, f.field.allowed()),
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(s)
        } else {
            Err(errors)
        }
    }
}

/// The local time zone's offset east of UTC, in minutes.
fn offset() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

/// The preview: when the next pass may start, and the rhythm after it.
fn preview(s: &BackgroundSyncSettings, last: Option<Millis>) -> (String, Option<(i64, i64)>) {
    let now = state::now();
    let earliest = next_start(s, last, now, offset(), 0);
    let latest = next_start(s, last, now, offset(), u64::MAX);
    let rhythm = format!(
        "then every {} to {} minutes",
        s.sync_interval,
        s.sync_interval + s.sync_variance
    );
    match (earliest, latest) {
        (Some(a), Some(b)) if a == b => (
            format!("Next background sync at {}, {rhythm}", text::time(a)),
            Some((a.0, b.0)),
        ),
        (Some(a), Some(b)) => (
            format!(
                "Next background sync between {} and {}, {rhythm}",
                text::time(a.min(b)),
                text::time(a.max(b))
            ),
            Some((a.0.min(b.0), a.0.max(b.0))),
        ),
        _ if !s.enabled => ("No background sync: it is switched off".to_owned(), None),
        _ => (
            "No background sync: the block-out covers the whole day and there is no maximum time"
                .to_owned(),
            None,
        ),
    }
}

/// The block-out window as segments of the day, in minutes: one, or two when it wraps past
/// midnight.
fn segments(s: &BackgroundSyncSettings) -> Vec<(i64, i64)> {
    match s.block_out() {
        None => Vec::new(),
        Some((_, len)) if len >= 1440 => vec![(0, 1440)],
        Some((start, len)) if start + len > 1440 => vec![(start, 1440), (0, start + len - 1440)],
        Some((start, len)) => vec![(start, start + len)],
    }
}

fn hhmm(minutes: i64) -> String {
    format!("{:02}:{:02}", minutes / 60 % 24, minutes % 60)
}

/// One share's sync health (Win32_OfflineFilesHealth).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Health {
    share: String,
    last: String,
    success: String,
    status: String,
}

async fn health(slot: &ShareSlot) -> Health {
    let record = slot
        .share_record()
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| slot.engine.share());
    let never = || "never".to_owned();
    Health {
        share: slot.url.clone(),
        last: record.last_sync.map(text::time).unwrap_or_else(never),
        success: record.last_success.map(text::time).unwrap_or_else(never),
        status: record
            .last_result
            .map(|hr| text::result(hr, None))
            .unwrap_or_else(|| "no sync yet".to_owned()),
    }
}

/// The Schedule view; it reads the settings once the cache is open (`ready`).
pub(crate) fn view(ready: RwSignal<bool>) -> impl IntoView {
    view! { <Schedule ready=ready/> }
}

#[component]
fn Schedule(ready: RwSignal<bool>) -> impl IntoView {
    let form = RwSignal::new(None::<Form>);
    let last = RwSignal::new(None::<Millis>);
    let healths = RwSignal::new(Vec::<Health>::new());
    let message = RwSignal::new(String::new());
    // The page may show before the cache is open: read once it is.
    Effect::new(move |_| {
        if !ready.get() {
            return;
        }
        spawn_local(async move {
            let Some(background) = state::background() else {
                return;
            };
            last.set(background.last_start().await);
            form.set(Some(Form::of(&background.settings().await)));
            let mut rows = Vec::new();
            for slot in state::slots() {
                rows.push(health(&slot).await);
            }
            healths.set(rows);
        });
    });
    // The form checked, its preview and the block-out's parts: worked out once per change,
    // read by several parts of the page.
    let checked = Memo::new(move |_| form.get().map(|f| f.settings()));
    let planned = Memo::new(move |_| match checked.get() {
        Some(Ok(s)) => Some(preview(&s, last.get())),
        _ => None,
    });
    let blocked = Memo::new(move |_| match checked.get() {
        Some(Ok(s)) => segments(&s),
        _ => Vec::new(),
    });
    let error_of = move |field: Field| {
        move || match checked.get() {
            Some(Err(errors)) => errors
                .into_iter()
                .find(|(f, _)| *f == field)
                .map(|(_, m)| m)
                .unwrap_or_default(),
            _ => String::new(),
        }
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(Ok(settings)) = checked.get_untracked() else {
            message.set("Nothing was saved: correct the fields marked above.".to_owned());
            return;
        };
        spawn_local(async move {
            let Some(background) = state::background() else {
                return;
            };
            message.set(match background.save_settings(&settings).await {
                Ok(()) => "Saved.".to_owned(),
                Err(e) => format!("Nothing was saved: {e:?}"),
            });
        });
    };
    let text_field = move |field: Field,
                           label: &'static str,
                           get: fn(&Form) -> String,
                           set: fn(&mut Form, String)| {
        // The form field's id and test hook: the setting's JavaScript name.
        let id = csc_wasm::setting_name(field);
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input
                    id=id
                    data-testid=id
                    inputmode="numeric"
                    aria-describedby=format!("{id}-error")
                    prop:value=move || form.get().map(|f| get(&f)).unwrap_or_default()
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        form.update(|f| if let Some(f) = f { set(f, v) });
                        message.set(String::new());
                    }
                />
                <span class="field-error" id=format!("{id}-error") data-testid=format!("{id}-error") role="alert">{error_of(field)}</span>
            </div>
        }
    };
    view! {
        <section class="schedule" aria-label="Schedule">
            <h2>"Background sync"</h2>
            <form on:submit=save hidden=move || form.get().is_none()>
                <label>
                    <input type="checkbox" data-testid="enabled"
                        prop:checked=move || form.get().is_some_and(|f| f.enabled)
                        on:change=move |ev| { let on = event_target_checked(&ev); form.update(|f| if let Some(f) = f { f.enabled = on }); }/>
                    " Sync in the background while the app is open"
                </label>
                {text_field(Field::SyncInterval, "Every (minutes, 1–1440)", |f| f.interval.clone(), |f, v| f.interval = v)}
                {text_field(Field::SyncVariance, "Plus up to (minutes, 0–3600, at random)", |f| f.variance.clone(), |f, v| f.variance = v)}
                {text_field(Field::MaxTimeBetweenSyncs, "At most (minutes between syncs; 0 for no limit)", |f| f.max.clone(), |f, v| f.max = v)}
                {text_field(Field::BlockOutStartTimeHoursMinutes, "No background sync from (HHMM, local time)", |f| f.block_start.clone(), |f, v| f.block_start = v)}
                {text_field(Field::BlockOutDurationMin, "for (minutes, 0–1440; 0 for none)", |f| f.block_minutes.clone(), |f, v| f.block_minutes = v)}
                <label>
                    <input type="checkbox"
                        prop:checked=move || form.get().is_some_and(|f| f.work_offline)
                        on:change=move |ev| { let on = event_target_checked(&ev); form.update(|f| if let Some(f) = f { f.work_offline = on }); }/>
                    " Also sync shares set to Work offline"
                </label>
                <p data-testid="schedule-preview" data-range=move || {
                    planned.get().and_then(|p| p.1).map(|(a, b)| format!("{a}-{b}")).unwrap_or_default()
                }>
                    {move || match (planned.get(), checked.with(|c| matches!(c, Some(Err(_))))) {
                        (Some(p), _) => p.0,
                        (None, true) => "Correct the fields marked above to see when background sync runs.".to_owned(),
                        (None, false) => String::new(),
                    }}
                </p>
                <div class="day" role="img" data-testid="blockout-bar"
                    aria-label=move || {
                        let parts = blocked.get();
                        if parts.is_empty() {
                            "background sync may run at any hour".to_owned()
                        } else {
                            parts.iter().map(|(a, b)| format!("no background sync {} to {}", hhmm(*a), hhmm(*b))).collect::<Vec<_>>().join(", ")
                        }
                    }>
                    {move || blocked.get().into_iter().map(|(a, b)| {
                        let style = format!("left:{}%;width:{}%", crate::text::fixed(u64::try_from(a).unwrap_or(0) * 100, 1440, 3), crate::text::fixed(u64::try_from(b - a).unwrap_or(0) * 100, 1440, 3));
                        view! { <span class="blocked" data-testid="blockout-segment" data-from=a data-to=b style=style></span> }
                    }).collect_view()}
                    <span class="hours" aria-hidden="true"><span>"00"</span><span>"06"</span><span>"12"</span><span>"18"</span><span>"24"</span></span>
                </div>
                <button type="submit" data-testid="schedule-save">"Save"</button>
                <span data-testid="schedule-message" role="status">{move || message.get()}</span>
            </form>
            <h3>"Sync health"</h3>
            <table data-testid="health">
                <thead><tr><th scope="col">"Share"</th><th scope="col">"Last sync"</th><th scope="col">"Last successful sync"</th><th scope="col">"Status"</th></tr></thead>
                <tbody>
                    <For each=move || healths.get() key=Health::clone let:h>
                        <tr><td>{h.share}</td><td>{h.last}</td><td>{h.success}</td><td>{h.status}</td></tr>
                    </For>
                </tbody>
            </table>
        </section>
    }
}
