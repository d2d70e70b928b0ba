//! A walk through the sync core on a small share: offline edits on this device, edits on the
//! server from another device, then `Synchronize` — the classification of every changed item
//! (with its Windows OFFLINEFILES_SYNC_STATE), the plan, the conflict store, and a second sync
//! resolving the conflict.
//!
//! Run: `cargo xtask run` (or `cargo run -p csc-testkit --example demo -- [options]`).
//!
//! Options:
//!   --control 0xVALUE   a Windows dwSyncControl value (default 0x0000000E: SYNCIN | SYNCOUT |
//!                       PINNEWFILES, CR_DEFAULT)
//!   --resolve CODE      how the second sync resolves the conflict: an
//!                       OFFLINEFILES_SYNC_CONFLICT_RESOLVE number (default 3, KEEPALLCHANGES)

use std::process::ExitCode;

use csc_core::win::{ConflictResolve, SyncControl};
use csc_core::{Action, ConflictChange, HandlerAnswer, Outcome, Plan};
use csc_testkit::World;

fn main() -> ExitCode {
    // The first argument is the program's name.
    let args: Vec<String> = std::env::args().collect();
    match run(args.get(1..).unwrap_or_default().to_vec()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn parse_u32(text: &str) -> Result<u32, String> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| format!("{text:?} is not a number: write it in decimal or as 0x… hex"))
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut control = 0x0000_000E;
    let mut resolve = ConflictResolve::KeepAllChanges;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} needs a value (see the options in --help)"))
        };
        match arg.as_str() {
            "--control" => control = parse_u32(&value()?)?,
            "--resolve" => {
                resolve =
                    ConflictResolve::try_from(parse_u32(&value()?)?).map_err(|e| e.to_string())?;
            }
            "-h" | "--help" => {
                println!(
                    "usage: demo [--control 0xVALUE] [--resolve CODE]\n  --control  a Windows dwSyncControl value (default 0xE: SYNCIN|SYNCOUT|PINNEWFILES)\n  --resolve  the OFFLINEFILES_SYNC_CONFLICT_RESOLVE code for the second sync (default 3)"
                );
                return Ok(());
            }
            other => return Err(format!("unknown option {other:?}: try --help")),
        }
    }
    let control = SyncControl::from_windows(control).map_err(|e| e.to_string())?;

    let mut w = World::default();
    w.synced_dir("docs")
        .synced_file("docs/report.txt", "Q3 report, draft 1")
        .synced_file("docs/budget.csv", "rent,1200")
        .synced_file("docs/old-notes.txt", "to be deleted")
        .synced_dir("photos")
        .synced_file("photos/cat.jpg", "a cat");
    w.make_sparse("photos/cat.jpg");

    println!(
        "A share at {} with a pinned folder docs/.",
        w.share.share.url
    );
    println!(
        "Offline on this device: edit docs/report.txt, create docs/ideas.txt, delete docs/old-notes.txt."
    );
    w.local_write("docs/report.txt", "Q3 report, draft 2 (offline)")
        .local_write("docs/ideas.txt", "sync engine in Rust")
        .local_delete("docs/old-notes.txt");
    println!(
        "On the server, from another device: edit docs/report.txt and docs/budget.csv, add docs/minutes.txt."
    );
    w.remote_write("docs/report.txt", "Q3 report, draft 2 (colleague)")
        .remote_write("docs/budget.csv", "rent,1250")
        .remote_write("docs/minutes.txt", "meeting minutes");

    let names: Vec<&str> = control.flags.windows_names().collect();
    println!(
        "\nSynchronize(\"\", dwSyncControl = {:#010x}: {} | {})",
        control.to_windows(),
        names.join(" | "),
        control.policy.name()
    );
    let mut req = w.request(control);
    let plan = w.plan(&req).map_err(|e| e.to_string())?;
    show(&w, &plan);
    w.apply(&plan);

    let Some(conflict) = plan
        .items
        .iter()
        .find(|i| i.outcome == Outcome::Logged)
        .map(|i| i.path.clone())
    else {
        println!("\nNo conflict was left for the user.");
        return Ok(());
    };
    println!(
        "\nSecond Synchronize: a conflict handler answers {} ({}) for {conflict}.",
        u32::from(resolve),
        resolve.name()
    );
    req.answers.insert(conflict, HandlerAnswer::new(resolve));
    req.now = w.now;
    let plan = w.plan(&req).map_err(|e| e.to_string())?;
    show(&w, &plan);
    w.apply(&plan);

    println!("\nAfter both syncs:");
    for (path, hash) in w.remote_contents() {
        println!("  server  {path:<34} {:?}", w.label(hash));
    }
    for (path, hash) in w.local_contents() {
        println!("  cache   {path:<34} {:?}", w.label(hash));
    }
    let third = w.plan(&req).map_err(|e| e.to_string())?;
    println!(
        "  A third sync would change {}.",
        if third.is_noop() {
            "nothing"
        } else {
            "something"
        }
    );
    Ok(())
}

fn show(w: &World, plan: &Plan) {
    println!(
        "  {:<26} {:<52} {:<14} steps",
        "item", "OFFLINEFILES_SYNC_STATE", "outcome"
    );
    for item in &plan.items {
        let state = format!("{:>2} {:?}", u32::from(item.class.state), item.class.state);
        let outcome = match &item.outcome {
            Outcome::Resolved(r) => format!("{r:?}"),
            other => format!("{other:?}"),
        };
        let steps: Vec<String> = item
            .ops
            .iter()
            .map(|o| {
                format!(
                    "{}:{}",
                    o.operation
                        .name()
                        .trim_start_matches("OFFLINEFILES_SYNC_OPERATION_"),
                    step(&o.action)
                )
            })
            .collect();
        println!(
            "  {:<26} {state:<52} {outcome:<14} {}",
            item.path.as_str(),
            steps.join(", ")
        );
    }
    for change in &plan.conflicts {
        match change {
            ConflictChange::Added(r) => println!(
                "  conflict store: added {} ({:?}, local {:?} vs server {:?})",
                r.path,
                r.state,
                w.label(w.cache.get(&r.path).and_then(|e| e.local_view().hash)),
                w.label(w.remote.get(&r.path).and_then(|m| m.hash)),
            ),
            ConflictChange::Updated(r) => println!("  conflict store: updated {}", r.path),
            ConflictChange::Removed(path) => println!("  conflict store: removed {path}"),
        }
    }
}

fn step(action: &Action) -> String {
    match action {
        Action::Upload { path, .. } => format!("upload {path}"),
        Action::MakeRemoteDir { path } => format!("mkcol {path}"),
        Action::PushMeta { path, .. } => format!("push attributes {path}"),
        Action::DeleteRemote { path, .. } => format!("delete {path} on server"),
        Action::MoveRemote { from, to, .. } => format!("move {from} → {to} on server"),
        Action::Download { path, .. } => format!("download {path}"),
        Action::MakeLocalDir { path, .. } => format!("mkdir {path}"),
        Action::AdoptRemote { path, .. } => format!("record {path}"),
        Action::DeleteLocal { path } => format!("delete {path} from cache"),
        Action::MoveLocal { from, to } => format!("move {from} → {to} in cache"),
        Action::Pin { path, .. } => format!("pin {path}"),
    }
}
