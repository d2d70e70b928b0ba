//! Readable questions about plans and worlds, shared by the behaviour tests.

use csc_core::win::{ConflictPolicy, SyncControl, SyncControlFlags, SyncState};
use csc_core::{Action, ItemPath, Outcome, Plan, PlannedItem, SyncRequest};

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

/// The whole dwSyncControl value for `flags` with `policy`.
pub fn control(flags: SyncControlFlags, policy: ConflictPolicy) -> SyncControl {
    SyncControl::new(flags)
        .with_policy(policy)
        .expect("one policy")
}

/// A request for `paths` (the root if empty), with the deletion valve open: for tests about
/// planning rather than the valve.
pub fn request(
    w: &World,
    paths: &[&str],
    flags: SyncControlFlags,
    policy: ConflictPolicy,
) -> SyncRequest {
    let paths = if paths.is_empty() {
        vec![ItemPath::root()]
    } else {
        paths.iter().map(|s| p(s)).collect()
    };
    let mut req = SyncRequest::new(paths, control(flags, policy), w.now);
    req.guard.allow = true;
    req
}

/// A request for the whole share with `flags`, default policy, deletion valve open.
pub fn whole(w: &World, flags: SyncControlFlags) -> SyncRequest {
    request(w, &[], flags, ConflictPolicy::Default)
}

/// The kinds of the steps planned for `path` (none if it has no item).
pub fn steps_of(plan: &Plan, path: &str) -> Vec<Step> {
    plan.item(&p(path))
        .map(|i| i.ops.iter().map(|o| step(&o.action)).collect())
        .unwrap_or_default()
}

/// A plan, one item a line, for failure messages.
pub fn describe(plan: &Plan) -> String {
    let mut s: String = plan
        .items
        .iter()
        .map(|i| {
            format!(
                "  {} {:?} {:?} {:?}\n",
                i.path, i.class.state, i.outcome, i.ops
            )
        })
        .collect();
    if !plan.forget_originals.is_empty() {
        s.push_str(&format!("  forget: {:?}\n", plan.forget_originals));
    }
    s
}
