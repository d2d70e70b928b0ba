//! The JavaScript face of background sync: `cache.backgroundSync`.

use std::rc::Rc;

use csc_core::schedule::{BackgroundSyncSettings, Field, FieldError};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::background::{Background, setting_name};
use crate::cache::Cache;
use crate::convert::{self, Obj, array};
use crate::errors::{cache_error, error, type_error};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/**
 * Background sync settings (Win32_OfflineFilesBackgroundSync), in minutes.
 * Defaults: enabled, every 360 minutes plus 0–60 at random, no maximum, no block-out,
 * work-offline shares left alone.
 */
export interface BackgroundSyncSettings {
  /** Whether background passes run at all. */
  enabled: boolean;
  /** Minutes from one pass's start to the earliest start of the next: 1–1440. */
  syncInterval: number;
  /** The most minutes a start is delayed past the interval, at random: 0–3600. */
  syncVariance: number;
  /** Minutes by which the next pass must start, even in the block-out: 0 (none) or syncInterval–65535. */
  maxTimeBetweenSyncs: number;
  /** When the daily block-out window starts, local time, as HHMM (0000–2400). */
  blockOutStartTimeHoursMinutes: number;
  /** The block-out window's length: 0 (none) to 1440 minutes (the whole day). */
  blockOutDurationMin: number;
  /** Also sync shares put in Work Offline (they stay offline otherwise). */
  backgroundSyncWorkOfflineSharesEnabled: boolean;
}

/** A share's sync health (Win32_OfflineFilesHealth). */
export interface ShareHealth {
  share: string;
  /** When its last sync ended. */
  lastSyncTime: Date | null;
  /** When its last sync that succeeded ended. */
  lastSuccessfulSyncTime: Date | null;
  /** The last sync's HRESULT (0: S_OK). */
  lastSyncStatus: number | null;
}

/** What a background pass did for each share: null when the share did not take part. */
export type BackgroundSyncResult = Record<string, { result: number; ok: boolean; items: number; failed: number; conflicts: number } | Error | null>;
"#;

/// `cache.backgroundSync`: the settings, the next pass, and a pass on demand.
#[wasm_bindgen]
pub struct BackgroundSync {
    cache: Rc<Cache>,
    background: Rc<Background>,
}

impl std::fmt::Debug for BackgroundSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackgroundSync").finish_non_exhaustive()
    }
}

impl BackgroundSync {
    pub(crate) fn new(cache: &Rc<Cache>, background: &Rc<Background>) -> Self {
        BackgroundSync {
            cache: Rc::clone(cache),
            background: Rc::clone(background),
        }
    }
}

#[wasm_bindgen]
impl BackgroundSync {
    /// The settings in force.
    #[wasm_bindgen(unchecked_return_type = "Promise<BackgroundSyncSettings>")]
    pub fn get(&self) -> js_sys::Promise {
        let (cache, background) = (Rc::clone(&self.cache), Rc::clone(&self.background));
        future_to_promise(async move {
            cache.shares().map_err(|e| cache_error(&e))?;
            Ok(settings_object(&background.settings().await))
        })
    }

    /// Changes some settings: the fields given replace the current ones, and all of them are
    /// checked together. An invalid value rejects with an `InvalidArgument` error that names
    /// each bad field, its value and what is allowed (in `fields`), and nothing is saved.
    #[wasm_bindgen(unchecked_return_type = "Promise<BackgroundSyncSettings>")]
    pub fn set(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Partial<BackgroundSyncSettings>")] settings: JsValue,
    ) -> js_sys::Promise {
        let (cache, background) = (Rc::clone(&self.cache), Rc::clone(&self.background));
        future_to_promise(async move {
            cache.shares().map_err(|e| cache_error(&e))?;
            let mut s = background.settings().await;
            apply(&mut s, &settings)?;
            if let Err(e) = s.validate() {
                return Err(invalid_settings(&e.0));
            }
            background.save_settings(&s).await?;
            Ok(settings_object(&s))
        })
    }

    /// When the next background pass is planned, or null when none is (background sync is
    /// off, or blocked out all day with no maximum, or no page runs the schedule yet).
    #[wasm_bindgen(js_name = nextRun, unchecked_return_type = "Promise<Date | null>")]
    pub fn next_run(&self) -> js_sys::Promise {
        let (cache, background) = (Rc::clone(&self.cache), Rc::clone(&self.background));
        future_to_promise(async move {
            cache.shares().map_err(|e| cache_error(&e))?;
            let settings = background.settings().await;
            Ok(match background.next_run().await {
                Some(at) if settings.enabled => js_sys::Date::new(&at.into()).into(),
                _ => JsValue::NULL,
            })
        })
    }

    /// Runs a background pass now, in this page, whatever the schedule says; the schedule
    /// then counts from now. Resolves to each share's outcome by share URL.
    #[wasm_bindgen(js_name = runNow, unchecked_return_type = "Promise<BackgroundSyncResult>")]
    pub fn run_now(&self) -> js_sys::Promise {
        let (cache, background) = (Rc::clone(&self.cache), Rc::clone(&self.background));
        future_to_promise(async move {
            cache.shares().map_err(|e| cache_error(&e))?;
            let settings = background.settings().await;
            let mut out = Obj::new();
            for (share, outcome) in background.pass(&settings).await {
                out = out.set(&share, outcome);
            }
            Ok(out.build())
        })
    }

    /// Each share's sync health (Win32_OfflineFilesHealth): when its last sync ended, when
    /// its last successful one ended, and the last result (an HRESULT; 0 is S_OK), whichever
    /// page ran them; null where there was none yet.
    #[wasm_bindgen(unchecked_return_type = "Promise<ShareHealth[]>")]
    pub fn health(&self) -> js_sys::Promise {
        let cache = Rc::clone(&self.cache);
        future_to_promise(async move {
            let mut out = Vec::new();
            for slot in cache.shares().map_err(|e| cache_error(&e))? {
                let record = slot
                    .engine
                    .local()
                    .share_record()
                    .await
                    .map_err(|e| crate::errors::engine_error(&e.into(), &slot.url))?;
                let record = record.unwrap_or_else(|| slot.engine.share());
                let date = |t: Option<csc_core::Millis>| -> JsValue {
                    t.map_or(JsValue::NULL, |t| {
                        js_sys::Date::new(&JsValue::from_f64(t.0 as f64)).into()
                    })
                };
                out.push(
                    Obj::new()
                        .set("share", slot.url.as_str())
                        .set("lastSyncTime", date(record.last_sync))
                        .set("lastSuccessfulSyncTime", date(record.last_success))
                        .set(
                            "lastSyncStatus",
                            record.last_result.map_or(JsValue::NULL, |hr| hr.0.into()),
                        )
                        .build(),
                );
            }
            Ok(array(out))
        })
    }

    /// Whether this page runs the schedule now (one page of the origin does).
    #[wasm_bindgen(getter, js_name = isLeader)]
    pub fn is_leader(&self) -> bool {
        self.background.is_leader()
    }
}

/// Copies the fields of a settings object onto `s`.
fn apply(s: &mut BackgroundSyncSettings, value: &JsValue) -> Result<(), JsValue> {
    const WHAT: &str = "backgroundSync.set: settings";
    if !value.is_object() || js_sys::Array::is_array(value) || value.is_function() {
        return Err(type_error(&format!("{WHAT} must be an object")));
    }
    let names: Vec<&str> = Field::ALL.iter().map(|&f| setting_name(f)).collect();
    convert::check_keys(WHAT, value, &names)?;
    for field in Field::ALL {
        let name = setting_name(field);
        let v = js_sys::Reflect::get(value, &name.into()).unwrap_or_default();
        if v.is_undefined() {
            continue;
        }
        let number = match field {
            Field::Enabled | Field::BackgroundSyncWorkOfflineSharesEnabled => {
                u32::from(v.as_bool().ok_or_else(|| {
                    type_error(&format!("backgroundSync.set: {name} must be true or false"))
                })?)
            }
            _ => {
                let n = v.as_f64().ok_or_else(|| {
                    type_error(&format!("backgroundSync.set: {name} must be a number"))
                })?;
                if n.fract() != 0.0 || !(0.0..=f64::from(u32::MAX)).contains(&n) {
                    return Err(invalid_settings_text(&format!(
                        "{name} = {} is not allowed: it must be {}",
                        crate::convert::js_number(n),
                        field.allowed()
                    )));
                }
                n as u32
            }
        };
        s.set(field, number).map_err(|e| invalid_settings(&[e]))?;
    }
    Ok(())
}

/// An `InvalidArgument` error listing each bad field (JavaScript names) with its value and
/// what is allowed; `fields` holds them for a form to show next to each input.
fn invalid_settings(errors: &[FieldError]) -> JsValue {
    let text: Vec<String> = errors
        .iter()
        .map(|e| {
            format!(
                "{} = {} is not allowed: it must be {}",
                setting_name(e.field),
                e.value,
                e.field.allowed()
            )
        })
        .collect();
    let fields = array(errors.iter().map(|e| {
        Obj::new()
            .set("field", setting_name(e.field))
            .set("value", e.value as f64)
            .set("allowed", e.field.allowed())
            .build()
    }));
    error(
        "InvalidArgument",
        &format!("backgroundSync.set: {}; nothing was saved", text.join("; ")),
        &[("fields", fields)],
    )
}

fn invalid_settings_text(message: &str) -> JsValue {
    error(
        "InvalidArgument",
        &format!("backgroundSync.set: {message}; nothing was saved"),
        &[],
    )
}

/// The settings as a plain object.
fn settings_object(s: &BackgroundSyncSettings) -> JsValue {
    let mut o = Obj::new();
    for field in Field::ALL {
        let value = s.get(field);
        o = match field {
            Field::Enabled | Field::BackgroundSyncWorkOfflineSharesEnabled => {
                o.set(setting_name(field), value == 1)
            }
            _ => o.set(setting_name(field), value),
        };
    }
    o.build()
}
