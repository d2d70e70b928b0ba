//! The engine's [`Runtime`] in the browser: the wall clock, `setTimeout` sleeps (gloo-timers)
//! and a seed from `Math.random` (it only spreads retries; nothing secret depends on it).

use csc_core::Millis;
use csc_core::store::Runtime;

/// Clock, timers and seed of a browser page.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebRuntime;

impl Runtime for WebRuntime {
    fn now(&self) -> Millis {
        Millis(js_sys::Date::now() as i64)
    }

    async fn sleep(&self, ms: u64) {
        // setTimeout takes a 32-bit delay; longer sleeps are made of several.
        let mut left = ms;
        while left > 0 {
            let step = left.min(u64::from(i32::MAX as u32));
            gloo_timers::future::TimeoutFuture::new(step as u32).await;
            left -= step;
        }
    }

    fn random_seed(&self) -> u64 {
        let high = (js_sys::Math::random() * f64::from(u32::MAX)) as u64;
        let low = (js_sys::Math::random() * f64::from(u32::MAX)) as u64;
        (high << 32) | low
    }
}

/// A new sync id: the time and a random number, unique enough to tell syncs apart in events.
pub fn new_sync_id() -> String {
    format!(
        "{:x}-{:016x}",
        js_sys::Date::now() as u64,
        WebRuntime.random_seed()
    )
}

/// Prepares the module before a cache is used: Rust panics reported on the console with their
/// message, and the browser's NFC for csc-core ([`use_browser_nfc`]). `OfflineFilesCache.open`
/// calls it; a program using [`crate::Cache`] from Rust calls it at start. Not a wasm-bindgen
/// start function: a binary embedding this crate (the web app) keeps its own `main` as start.
pub fn install() {
    console_error_panic_hook::set_once();
    use_browser_nfc();
}

/// Hands csc-core the browser's Unicode NFC (`String.prototype.normalize`), so the package
/// ships without NFC tables of its own (see csc-core's `unicode` module).
pub fn use_browser_nfc() {
    csc_core::unicode::set_host_nfc(|name| {
        String::from(js_sys::JsString::from(name).normalize("NFC"))
    });
}
