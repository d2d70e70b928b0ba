//! The pure sync core of Offline Files for the web.
//!
//! `csc-core` reimplements the sync model of Windows Offline Files (client-side caching, "CSC"):
//! the item model, the classification of every item into one of the 55
//! `OFFLINEFILES_SYNC_STATE` values, the planner that turns three trees (original, local,
//! remote) and a `Synchronize` request into an ordered plan of operations, and conflict
//! resolution with the eight `OFFLINEFILES_SYNC_CONFLICT_RESOLVE` codes.
//!
//! It does no IO, never reads the clock and draws no randomness of its own: time comes in as
//! [`Millis`], and everything it decides is a pure function of its inputs. It builds for
//! `wasm32-unknown-unknown` and its tests run there too.

pub mod classify;
pub mod engine;
pub mod events;
pub mod plan;
pub mod retry;
pub mod schedule;
pub mod sort;
pub mod store;
pub mod unicode;
pub mod win;

mod error;
mod model;
mod path;

pub use classify::{Classification, Disposition, Observed, classify};
pub use error::{Error, Result};
pub use model::*;
pub use path::{ItemPath, PathError, check_bare_name};
pub use plan::{
    Action, BlockReason, ConflictChange, ConflictRecord, CopyInfo, DeleteGuard, HandlerAnswer, Op,
    Outcome, Plan, PlanError, PlannedItem, Precondition, ResolutionError, ShareView, Side,
    SyncRequest, plan,
};
