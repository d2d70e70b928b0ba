//! The Windows constants for JavaScript: `SyncControl.SYNCIN`, `SyncState.FileChangedOnClient`,
//! `ConflictResolve.KEEPALLCHANGES`… with the names and numbers of the Offline Files API, so
//! code written against the Windows documentation reads the same in JavaScript.
//!
//! The package's `constants.js` and `constants.d.ts` are generated from csc-core's tables
//! (`win.rs`), never written by hand: the test at the bottom compares the committed files with
//! what this module generates, and `UPDATE_CONSTANTS=1 cargo test -p csc-wasm` rewrites them.

use csc_core::events::HResult;
use csc_core::win::{
    ChangeDetails, ConflictPolicy, ConflictResolve, ConnectState, DeleteFlags, EnumFlags, EventId,
    ItemFilterFlags, ItemType, OfflineReason, OpResponse, PathFilterMatch, PinControlFlags,
    SyncControlFlags, SyncOperation, SyncState,
};

/// One exported object: its name, what it is, and its members.
#[derive(Debug)]
pub struct ConstantSet {
    /// The JavaScript name.
    pub name: &'static str,
    /// One sentence for the documentation comment.
    pub doc: &'static str,
    /// Member name, Windows name and value, in numeric order.
    pub members: Vec<(String, String, u64)>,
}

/// The member name of a Windows name: the name without the first of `prefixes` it starts
/// with (`OFFLINEFILES_SYNC_STATE_Stable` → `Stable`).
fn member(windows: &str, prefixes: &[&str]) -> String {
    let short = prefixes
        .iter()
        .find_map(|p| windows.strip_prefix(p))
        .unwrap_or_else(|| panic!("{windows} starts with none of the prefixes {prefixes:?}"));
    short.to_owned()
}

fn from_enum<E: Copy>(
    all: &[E],
    name: impl Fn(E) -> &'static str,
    value: impl Fn(E) -> u32,
    prefixes: &[&str],
) -> Vec<(String, String, u64)> {
    all.iter()
        .map(|&v| {
            let w = name(v);
            (member(w, prefixes), w.to_owned(), u64::from(value(v)))
        })
        .collect()
}

fn from_flags<F: Copy>(
    names: &[(F, &'static str)],
    bits: impl Fn(F) -> u64,
    prefixes: &[&str],
) -> Vec<(String, String, u64)> {
    names
        .iter()
        .map(|&(f, w)| (member(w, prefixes), w.to_owned(), bits(f)))
        .collect()
}

/// Every exported set.
pub fn sets() -> Vec<ConstantSet> {
    let mut sync_control = from_flags(
        SyncControlFlags::WINDOWS_NAMES,
        |f| u64::from(f.bits()),
        &["OFFLINEFILES_SYNC_CONTROL_FLAG_"],
    );
    sync_control.extend(from_enum(
        &ConflictPolicy::ALL,
        ConflictPolicy::name,
        u32::from,
        &["OFFLINEFILES_SYNC_CONTROL_"],
    ));
    vec![
        ConstantSet {
            name: "SyncControl",
            doc: "Synchronize's dwSyncControl: OFFLINEFILES_SYNC_CONTROL_FLAG_* bits, and one CR_* conflict policy (0x0, 0x10000000, 0x20000000 or 0x30000000) or-ed in.",
            members: sync_control,
        },
        ConstantSet {
            name: "SyncState",
            doc: "OFFLINEFILES_SYNC_STATE: how a sync classified an item from its local, server and original copies.",
            members: from_enum(
                &SyncState::ALL,
                SyncState::name,
                u32::from,
                &["OFFLINEFILES_SYNC_STATE_", "CSC_SYNC_STATE_"],
            ),
        },
        ConstantSet {
            name: "ConflictResolve",
            doc: "OFFLINEFILES_SYNC_CONFLICT_RESOLVE: a conflict handler's answer.",
            members: from_enum(
                &ConflictResolve::ALL,
                ConflictResolve::name,
                u32::from,
                &[
                    "OFFLINEFILES_SYNC_CONFLICT_RESOLVE_",
                    "OFFLINEFILES_SYNC_CONFLICT_",
                ],
            ),
        },
        ConstantSet {
            name: "SyncOperation",
            doc: "OFFLINEFILES_SYNC_OPERATION: what a sync did, or tried to do, with an item.",
            members: from_enum(
                &SyncOperation::ALL,
                SyncOperation::name,
                u32::from,
                &["OFFLINEFILES_SYNC_OPERATION_"],
            ),
        },
        ConstantSet {
            name: "PinControl",
            doc: "Pin / Unpin's dwPinControlFlags (OFFLINEFILES_PIN_CONTROL_FLAG_*).",
            members: from_flags(
                PinControlFlags::WINDOWS_NAMES,
                |f| u64::from(f.bits()),
                &["OFFLINEFILES_PIN_CONTROL_FLAG_"],
            ),
        },
        ConstantSet {
            name: "DeleteControl",
            doc: "DeleteItems' dwFlags (OFFLINEFILES_DELETE_FLAG_*).",
            members: from_flags(
                DeleteFlags::WINDOWS_NAMES,
                |f| u64::from(f.bits()),
                &["OFFLINEFILES_DELETE_FLAG_"],
            ),
        },
        ConstantSet {
            name: "EnumControl",
            doc: "EnumItemsEx's dwEnumFlags (OFFLINEFILES_ENUM_*).",
            members: from_flags(
                EnumFlags::WINDOWS_NAMES,
                |f| u64::from(f.bits()),
                &["OFFLINEFILES_ENUM_"],
            ),
        },
        ConstantSet {
            name: "ItemFilter",
            doc: "OFFLINEFILES_ITEM_FILTER_FLAG_*: an item's conditions, for enumItems' filter.",
            members: from_flags(
                ItemFilterFlags::WINDOWS_NAMES,
                |f| f.bits(),
                &["OFFLINEFILES_ITEM_FILTER_FLAG_"],
            ),
        },
        ConstantSet {
            name: "ChangeDetails",
            doc: "OFFLINEFILES_CHANGES_*: what changed on each side of a conflict.",
            members: from_flags(
                ChangeDetails::WINDOWS_NAMES,
                |f| u64::from(f.bits()),
                &["OFFLINEFILES_CHANGES_"],
            ),
        },
        ConstantSet {
            name: "Events",
            doc: "OFFLINEFILES_EVENTS: the number of each event (an event object's `id`).",
            members: from_enum(
                &EventId::ALL,
                EventId::name,
                u32::from,
                &["OFFLINEFILES_EVENT_", "OFFLINEFILES_"],
            ),
        },
        ConstantSet {
            name: "ItemType",
            doc: "OFFLINEFILES_ITEM_TYPE.",
            members: from_enum(
                &ItemType::ALL,
                ItemType::name,
                u32::from,
                &["OFFLINEFILES_ITEM_TYPE_"],
            ),
        },
        ConstantSet {
            name: "ConnectState",
            doc: "OFFLINEFILES_CONNECT_STATE: a share's connect state.",
            members: from_enum(
                &ConnectState::ALL,
                ConnectState::name,
                u32::from,
                &["OFFLINEFILES_CONNECT_STATE_"],
            ),
        },
        ConstantSet {
            name: "OfflineReason",
            doc: "OFFLINEFILES_OFFLINE_REASON: why a share is offline.",
            members: from_enum(
                &OfflineReason::ALL,
                OfflineReason::name,
                u32::from,
                &["OFFLINEFILES_OFFLINE_REASON_"],
            ),
        },
        ConstantSet {
            name: "PathFilter",
            doc: "OFFLINEFILES_PATHFILTER_MATCH: which items relative to a filter's path pass it.",
            members: from_enum(
                &PathFilterMatch::ALL,
                PathFilterMatch::name,
                u32::from,
                &["OFFLINEFILES_PATHFILTER_"],
            ),
        },
        ConstantSet {
            name: "OpResponse",
            doc: "OFFLINEFILES_OP_RESPONSE: what a progress callback answers (or 'continue' | 'retry' | 'abort').",
            members: from_enum(
                &OpResponse::ALL,
                OpResponse::name,
                u32::from,
                &["OFFLINEFILES_OP_"],
            ),
        },
        ConstantSet {
            name: "HResult",
            doc: "The HRESULTs results carry (unsigned): S_OK, and the Win32 errors the engine reports as HRESULT_FROM_WIN32.",
            members: HRESULTS
                .iter()
                .map(|&(n, hr)| (n.to_owned(), n.to_owned(), u64::from(hr.0)))
                .collect(),
        },
    ]
}

/// The HRESULTs the engine reports, by the names apps test for.
const HRESULTS: &[(&str, HResult)] = &[
    ("S_OK", HResult::S_OK),
    ("S_FALSE", HResult::S_FALSE),
    ("E_FAIL", HResult::E_FAIL),
    ("E_INVALIDARG", HResult::INVALID_ARG),
    ("ERROR_FILE_NOT_FOUND", HResult::FILE_NOT_FOUND),
    ("ERROR_PATH_NOT_FOUND", HResult::PATH_NOT_FOUND),
    ("ERROR_ACCESS_DENIED", HResult::ACCESS_DENIED),
    ("ERROR_INVALID_DATA", HResult::INVALID_DATA),
    ("ERROR_UNEXP_NET_ERR", HResult::NET_ERROR),
    ("ERROR_FILE_EXISTS", HResult::FILE_EXISTS),
    ("ERROR_DISK_FULL", HResult::DISK_FULL),
    ("ERROR_DIR_NOT_EMPTY", HResult::DIR_NOT_EMPTY),
    ("ERROR_BUSY", HResult::BUSY),
    ("ERROR_MORE_DATA", HResult::MORE_DATA),
    ("ERROR_CANCELLED", HResult::CANCELLED),
    ("ERROR_RETRY", HResult::RETRY),
    ("ERROR_REQUEST_REFUSED", HResult::REFUSED),
];

/// The short name of a Windows enum value, as JavaScript and the app show it: its Windows
/// name without the type's prefix (`FileChangedOnClient_ChangedOnServer`).
pub fn short(name: &'static str) -> &'static str {
    let known = [
        "OFFLINEFILES_SYNC_STATE_",
        "CSC_SYNC_STATE_",
        "OFFLINEFILES_SYNC_OPERATION_",
        "OFFLINEFILES_OFFLINE_REASON_",
        "OFFLINEFILES_CONNECT_STATE_",
        "OFFLINEFILES_SYNC_CONFLICT_RESOLVE_",
        "OFFLINEFILES_SYNC_CONFLICT_",
    ];
    known
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or(name)
}

/// The event types listeners name: each event's id in camelCase (`SyncFileResult` →
/// `syncFileResult`), every id but the count `OFFLINEFILES_NUM_EVENTS`.
pub fn event_types() -> impl Iterator<Item = (EventId, String)> {
    EventId::ALL
        .into_iter()
        .filter(|id| *id != EventId::NumEvents)
        .map(|id| (id, event_type(id)))
}

/// The camelCase event type of an event id.
pub fn event_type(id: EventId) -> String {
    let debug = format!("{id:?}");
    let mut chars = debug.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => debug,
    }
}

const HEADER: &str = "// Generated from csc-core's Windows tables (crates/csc-core/src/win.rs) by\n// crates/csc-wasm/src/constants.rs: do not edit; run `UPDATE_CONSTANTS=1 cargo test -p csc-wasm`.\n";

fn hex(v: u64) -> String {
    format!("0x{v:x}")
}

/// `constants.js`.
pub fn javascript() -> String {
    let mut out = String::from(HEADER);
    for set in sets() {
        out.push_str(&format!(
            "\n/** {} */\nexport const {} = Object.freeze({{\n",
            set.doc, set.name
        ));
        for (m, _, v) in &set.members {
            out.push_str(&format!("  {m}: {},\n", hex(*v)));
        }
        out.push_str("});\n");
    }
    out
}

/// `constants.d.ts`.
pub fn typescript() -> String {
    let mut out = String::from(HEADER);
    for set in sets() {
        out.push_str(&format!(
            "\n/** {} */\nexport declare const {}: {{\n",
            set.doc, set.name
        ));
        for (m, w, v) in &set.members {
            out.push_str(&format!(
                "  /** `{w}` = {} */\n  readonly {m}: {v};\n",
                hex(*v)
            ));
        }
        out.push_str("};\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compares a committed generated file with what the generator makes now, or rewrites it
    /// when `UPDATE_CONSTANTS` is set.
    fn check(file: &str, generated: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("js")
            .join(file);
        if std::env::var_os("UPDATE_CONSTANTS").is_some() {
            std::fs::write(&path, generated).expect("the js folder is writable");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{} is not what csc-core's tables give: run `UPDATE_CONSTANTS=1 cargo test -p csc-wasm` and commit it",
            path.display()
        );
    }

    #[test]
    fn the_committed_constants_module_matches_the_windows_tables() {
        check("constants.js", &javascript());
        check("constants.d.ts", &typescript());
    }

    #[test]
    fn the_typescript_event_type_union_names_every_event_type() {
        let api = include_str!("api.rs");
        let start = api
            .find("export type EventType =")
            .expect("api.rs declares EventType");
        let end = start + api[start..].find(';').expect("the union ends");
        let declared: std::collections::BTreeSet<&str> = api[start..end]
            .split('\'')
            .enumerate()
            .filter_map(|(i, part)| (i % 2 == 1).then_some(part))
            .collect();
        let types: Vec<String> = event_types().map(|(_, t)| t).collect();
        let actual: std::collections::BTreeSet<&str> = types.iter().map(String::as_str).collect();
        assert_eq!(
            declared, actual,
            "EventType in api.rs's TypeScript differs from the events"
        );
    }

    #[test]
    fn constants_carry_the_documented_windows_numbers() {
        let sets = sets();
        let get = |set: &str, m: &str| {
            sets.iter()
                .find(|s| s.name == set)
                .and_then(|s| s.members.iter().find(|x| x.0 == m))
                .map(|x| x.2)
                .unwrap_or_else(|| panic!("{set}.{m} is missing"))
        };
        assert_eq!(get("SyncControl", "SYNCIN"), 0x2);
        assert_eq!(get("SyncControl", "SYNCOUT"), 0x4);
        assert_eq!(get("SyncControl", "CR_KEEPLATEST"), 0x3000_0000);
        assert_eq!(get("SyncState", "FileChangedOnClient_ChangedOnServer"), 12);
        assert_eq!(get("SyncState", "NameCollision"), 256);
        assert_eq!(get("ConflictResolve", "KEEPALLCHANGES"), 3);
        assert_eq!(get("PinControl", "FILL"), 0x1);
        assert_eq!(get("HResult", "ERROR_DISK_FULL"), 0x8007_0070);
    }

    #[test]
    fn member_names_are_unique_javascript_identifiers_and_values_are_exact_numbers() {
        for set in sets() {
            let mut seen = std::collections::HashSet::new();
            for (m, _, v) in &set.members {
                assert!(seen.insert(m.clone()), "{}.{m} twice", set.name);
                assert!(
                    m.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                        && m.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                    "{}.{m} is not an identifier",
                    set.name
                );
                assert!(*v < (1 << 53), "{}.{m} does not fit a JS number", set.name);
            }
        }
    }
}
