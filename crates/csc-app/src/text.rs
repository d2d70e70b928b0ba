//! Values in words, for people: sizes, times, results.

use csc_core::Millis;
use csc_core::events::HResult;

/// A size: "512 B", "1.5 KB", "3.2 MB".
pub(crate) fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut unit = 0;
    let mut div: u64 = 1024;
    while bytes / div >= 1024 && unit + 1 < UNITS.len() {
        div *= 1024;
        unit += 1;
    }
    format!("{} {}", fixed(bytes, div, 1), UNITS[unit])
}

/// `num / den` rounded to `places` decimals, in integers: Rust's float formatting would add
/// about 10 KB of wasm for a few figures on screen.
pub(crate) fn fixed(num: u64, den: u64, places: u32) -> String {
    let scale = 10u64.pow(places);
    let v = (num.saturating_mul(scale) + den / 2) / den;
    let (int, frac) = (v / scale, v % scale);
    if places == 0 {
        int.to_string()
    } else {
        format!("{int}.{frac:0width$}", width = places as usize)
    }
}

/// A time in the reader's locale and time zone.
pub(crate) fn time(at: Millis) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.0 as f64));
    String::from(date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED))
}

/// An item's result: "done", or what went wrong with its HRESULT.
pub(crate) fn result(hr: HResult, description: Option<&str>) -> String {
    if hr == HResult::S_OK {
        return "done".into();
    }
    if hr == HResult::S_FALSE {
        return "left for you: a conflict (see Sync Center)".into();
    }
    match description {
        Some(d) if !d.is_empty() => format!("{d} (0x{:08X})", hr.0),
        _ => format!("failed (0x{:08X})", hr.0),
    }
}
