//! The offline-first web app: a person's window on the Offline Files engine.
//!
//! Leptos, rendered in the browser, built by Trunk from `www/index.html` (the top-level
//! `Trunk.toml`), served by csc-server at `/` beside the share at `/dav/`. It uses the same
//! engine as the npm package, through csc-wasm's Rust API (`Cache`, one engine per share),
//! not through JavaScript.
//!
//! - `state` — the open cache, the shares a person added (kept in localStorage), and the
//!   engine's events turned into rows for the log.
//! - `ui` — the views: shares and connectivity, the folder browser with its badges and file
//!   actions, the text editor, Sync now with its progress, and the event log.
//! - `center` — Sync Center: the conflict store, both versions, and the resolutions.
//! - `schedule` — the background sync settings form, its preview, the block-out bar, health.
//! - `storage` — used and quota, persistence, and freeing space.
//! - `text` — how values read in words: sizes, times, states, results.

#[cfg(target_arch = "wasm32")]
mod center;
#[cfg(target_arch = "wasm32")]
mod schedule;
#[cfg(target_arch = "wasm32")]
mod state;
#[cfg(target_arch = "wasm32")]
mod storage;
#[cfg(target_arch = "wasm32")]
mod text;
#[cfg(target_arch = "wasm32")]
mod ui;

fn main() {
    #[cfg(target_arch = "wasm32")]
    ui::start();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!(
        "csc-app runs in a browser: `cargo xtask run` builds it with Trunk and serves it with a demo share"
    );
}
