//! Readable questions about plans and worlds, shared by the behaviour tests.

use csc_core::win::SyncState;
use csc_core::{Action, Outcome, Plan, PlannedItem, SyncRequest};

use crate::{World, p};

/// The kind of a plan step, without its data: for tables of expected steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// [`Action::Upload`].
    Upload,
    /// [`Action::MakeRemoteDir`].
    MakeRemoteDir,
    /// [`Action::PushMeta`].
    PushMeta,
    /// [`Action::DeleteRemote`].
    DeleteRemote,
    /// [`Action::MoveRemote`].
    MoveRemote,
    /// [`Action::Download`].
    Download,
    /// [`Action::MakeLocalDir`].
    MakeLocalDir,
    /// [`Action::AdoptRemote`].
    AdoptRemote,
    /// [`Action::DeleteLocal`].
    DeleteLocal,
    /// [`Action::MoveLocal`].
    MoveLocal,
    /// [`Action::Pin`].
    Pin,
}

/// The kind of a step.
pub fn step(a: &Action) -> Step {
    match a {
        Action::Upload { .. } => Step::Upload,
        Action::MakeRemoteDir { .. } => Step::MakeRemoteDir,
        Action::PushMeta { .. } => Step::PushMeta,
        Action::DeleteRemote { .. } => Step::DeleteRemote,
        Action::MoveRemote { .. } => Step::MoveRemote,
        Action::Download { .. } => Step::Download,
        Action::MakeLocalDir { .. } => Step::MakeLocalDir,
        Action::AdoptRemote { .. } => Step::AdoptRemote,
        Action::DeleteLocal { .. } => Step::DeleteLocal,
        Action::MoveLocal { .. } => Step::MoveLocal,
        Action::Pin { .. } => Step::Pin,
    }
}

/// Plans `req`, panicking with the planner's message if it refuses.
pub fn plan_of(w: &World, req: &SyncRequest) -> Plan {
    w.plan(req)
        .unwrap_or_else(|e| panic!("planning failed: {e}"))
}

/// The plan's item for `path`, panicking with the whole plan if there is none.
pub fn item<'a>(plan: &'a Plan, path: &str) -> &'a PlannedItem {
    plan.item(&p(path))
        .unwrap_or_else(|| panic!("{path} is not in the plan: {plan:#?}"))
}

/// What the plan does with `path`.
pub fn outcome<'a>(plan: &'a Plan, path: &str) -> &'a Outcome {
    &item(plan, path).outcome
}

/// The state `path` was classified in.
pub fn state(plan: &Plan, path: &str) -> SyncState {
    item(plan, path).class.state
}

/// The steps planned for `path`.
pub fn actions(plan: &Plan, path: &str) -> Vec<Action> {
    item(plan, path)
        .ops
        .iter()
        .map(|o| o.action.clone())
        .collect()
}

/// What the cache shows at `path`: `<dir>`, a file's content label, or `None`.
pub fn local(w: &World, path: &str) -> Option<String> {
    let e = w.cache.get(&p(path)).filter(|e| e.exists_locally())?;
    Some(if e.kind().is_dir() {
        "<dir>".into()
    } else {
        w.label(e.local_view().hash)
    })
}

/// What the server has at `path`: `<dir>`, a file's content label, or `None`.
pub fn remote(w: &World, path: &str) -> Option<String> {
    let m = w.remote.get(&p(path))?;
    Some(if m.kind.is_dir() {
        "<dir>".into()
    } else {
        w.label(m.hash)
    })
}
