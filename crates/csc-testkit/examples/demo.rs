//! A walk through the sync engine on a small share (in-memory cache and server): offline edits
//! on this device, edits on the server from another device, then `Synchronize` — the plan with
//! every item's Windows OFFLINEFILES_SYNC_STATE, the progress callbacks and events as the engine
//! carries it out, the conflict store, and a second sync whose conflict handler resolves the
//! conflict.
//!
//! Run: `cargo xtask run` (or `cargo run -p csc-testkit --example demo -- [options]`).
//!
//! Options:
//!   --control 0xVALUE   a Windows dwSyncControl value (default 0x0000000E: SYNCIN | SYNCOUT |
//!                       PINNEWFILES, CR_DEFAULT)
//!   --resolve CODE      how the second sync resolves the conflict: an
//!                       OFFLINEFILES_SYNC_CONFLICT_RESOLVE number (default 3, KEEPALLCHANGES)

use std::process::ExitCode;

use csc_core::engine::{
    ConflictHandler, ConflictInfo, PinOptions, SyncErrorInfo, SyncOptions, SyncProgress,
};
use csc_core::events::{Event, EventFilter, HResult};
use csc_core::win::{ConflictResolve, OpResponse, PinControlFlags, SyncControl};
use csc_core::{Action, HandlerAnswer, ItemPath, Outcome, Plan};
use csc_testkit::mem::run as block;
use csc_testkit::p;
use csc_testkit::rig::Rig;

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
    if resolve.is_sentinel() {
        return Err(ConflictResolve::NumCodes.name().to_owned()
            + " (8) is a sentinel, not a resolution: give 0 to 7");
    }

    let rig = Rig::new();
    let server = &rig.remote;
    server.put_file(&p("docs/report.txt"), b"Q3 report, draft 1");
    server.put_file(&p("docs/budget.csv"), b"rent,1200");
    server.put_file(&p("docs/old-notes.txt"), b"to be deleted");
    server.put_file(&p("photos/cat.jpg"), b"a cat");
    rig.pin_deep(&p("docs"));
    rig.refresh();
    let names_only = PinOptions {
        deep: false,
        flags: PinControlFlags::FORUSER,
    };
    block(rig.engine.pin(&[p("photos/cat.jpg")], names_only, &mut ()))
        .map_err(|e| e.to_string())?;
    println!(
        "A share at {}: docs/ pinned and cached in full, photos/cat.jpg pinned but not yet filled.",
        rig.engine.share().state.share.url
    );

    println!(
        "Offline on this device: edit docs/report.txt, create docs/ideas.txt, delete docs/old-notes.txt."
    );
    let e = &rig.engine;
    let fail = |e: csc_core::engine::EngineError| e.to_string();
    block(e.transition_offline()).map_err(fail)?;
    block(e.write_file(&p("docs/report.txt"), b"Q3 report, draft 2 (offline)")).map_err(fail)?;
    block(e.write_file(&p("docs/ideas.txt"), b"sync engine in Rust")).map_err(fail)?;
    block(e.delete(&p("docs/old-notes.txt"))).map_err(fail)?;
    println!(
        "On the server, from another device: edit docs/report.txt and docs/budget.csv, add docs/minutes.txt."
    );
    server.put_file(&p("docs/report.txt"), b"Q3 report, draft 2 (colleague)");
    server.put_file(&p("docs/budget.csv"), b"rent,1250");
    server.put_file(&p("docs/minutes.txt"), b"meeting minutes");
    println!("Back online.");
    block(e.transition_online()).map_err(fail)?;
    let events = e
        .subscribe(EventFilter::default(), 256)
        .map_err(|e| e.to_string())?;
    let _ = std::iter::from_fn(|| e.poll_event(events)).count();

    let names: Vec<&str> = control.flags.windows_names().collect();
    println!(
        "\nSynchronize(\"\", dwSyncControl = {:#010x}: {} | {})",
        control.to_windows(),
        names.join(" | "),
        control.policy.name()
    );
    let plan = block(e.preview(&[ItemPath::root()], control)).map_err(fail)?;
    show(&plan);
    let opts = SyncOptions::new(vec![ItemPath::root()], control);
    let summary = block(e.synchronize(&opts, &mut (), &mut Printer)).map_err(fail)?;
    println!(
        "  result 0x{:08X}: {} items, {} failed, {} conflicts left for the user",
        summary.result.0, summary.items, summary.failed, summary.conflicts
    );
    print_events(&rig, events);
    for r in rig.local.conflicts() {
        println!(
            "  conflict store: {} ({} {:?}), detected at {} ms",
            r.path,
            u32::from(r.state),
            r.state,
            r.detected.0
        );
    }

    let Some(conflict) = rig.local.conflicts().first().map(|r| r.path.clone()) else {
        println!("\nNo conflict was left for the user.");
        return finish(&rig, control);
    };
    println!(
        "\nSecond Synchronize: a conflict handler answers {} ({}) for {conflict}.",
        u32::from(resolve),
        resolve.name()
    );
    let mut handler = Answer(resolve);
    block(e.synchronize(&opts, &mut handler, &mut Printer)).map_err(fail)?;
    print_events(&rig, events);
    finish(&rig, control)
}

/// Prints both sides and checks that one more sync has nothing to do.
fn finish(rig: &Rig, control: SyncControl) -> Result<(), String> {
    // A kept-both copy made in the cache goes to the server on the next sync.
    let opts = SyncOptions::new(vec![ItemPath::root()], control);
    block(rig.engine.synchronize(&opts, &mut (), &mut ())).map_err(|e| e.to_string())?;
    println!("\nAfter the syncs:");
    for (path, content) in rig.remote.contents() {
        println!(
            "  server  {path:<34} {:?}",
            String::from_utf8_lossy(&content)
        );
    }
    for (path, content) in rig.local.contents() {
        println!(
            "  cache   {path:<34} {:?}",
            String::from_utf8_lossy(&content)
        );
    }
    let third =
        block(rig.engine.preview(&[ItemPath::root()], control)).map_err(|e| e.to_string())?;
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

/// Answers every conflict the same way.
struct Answer(ConflictResolve);

impl ConflictHandler for Answer {
    async fn resolve(&mut self, _c: &ConflictInfo) -> HandlerAnswer {
        HandlerAnswer::new(self.0)
    }
}

/// Prints the progress callbacks.
struct Printer;

impl SyncProgress for Printer {
    fn item_result(
        &mut self,
        path: &ItemPath,
        result: HResult,
        error: Option<&SyncErrorInfo>,
    ) -> OpResponse {
        let why = error.map_or(String::new(), |i| format!(": {}", i.description));
        println!("  progress  {path:<26} 0x{:08X}{why}", result.0);
        OpResponse::Continue
    }
}

fn print_events(rig: &Rig, id: csc_core::events::SubscriberId) {
    let mut seen = Vec::new();
    while let Some(event) = rig.engine.poll_event(id) {
        seen.push(match &event {
            Event::SyncFileResult { .. } | Event::SyncBegin { .. } | Event::SyncEnd { .. } => {
                format!("{:?}", event.id())
            }
            other => match other.item() {
                Some(item) => format!("{:?}({})", other.id(), item.path),
                None => format!("{:?}", other.id()),
            },
        });
    }
    println!("  events    {}", seen.join(", "));
}

fn show(plan: &Plan) {
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
