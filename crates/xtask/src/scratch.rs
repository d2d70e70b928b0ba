//! A scratch temporary folder for a whole xtask command.
//!
//! Browsers driven through chromedriver keep a profile in the temporary folder that nothing
//! removes, Chromium leaves its singleton folders there when it is stopped, and a failing test
//! may leave its own work folder. Over many runs these filled the disk of the machine that CI
//! shares with development. So the long commands run again as a child with `TMPDIR` pointing at
//! a folder of their own, which is removed when the child ends, however it ends.

use std::{env, fs, path::Path, process::ExitCode};

/// Set in the child to the scratch folder: the command is already inside one.
pub(crate) const MARK: &str = "XTASK_SCRATCH";

/// Runs this same command line again inside a fresh scratch folder and returns its exit code.
pub(crate) fn rerun_inside() -> ExitCode {
    match rerun() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn rerun() -> anyhow::Result<ExitCode> {
    use anyhow::Context;

    let folder = env::temp_dir().join(format!("xtask-{}", std::process::id()));
    fs::create_dir_all(&folder)
        .with_context(|| format!("could not create the scratch folder {}", folder.display()))?;
    let program = env::current_exe().context("could not find xtask's own executable")?;
    // The same arguments, less the program's name.
    let mut args = env::args_os();
    args.next();
    let mut child = std::process::Command::new(program);
    child.args(args).env(MARK, &folder).env("TMPDIR", &folder);
    // A CI run builds once from a fresh clone: incremental state would only take disk (it was
    // 14 GB of a development target folder).
    if env::var_os("CI").is_some() && env::var_os("CARGO_INCREMENTAL").is_none() {
        child.env("CARGO_INCREMENTAL", "0");
    }
    let status = child.status().context("could not start xtask again")?;
    remove(&folder);
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}

/// Removes the scratch folder; what cannot be removed (a file system a test left mounted) is
/// reported and left.
fn remove(folder: &Path) {
    if let Err(error) = fs::remove_dir_all(folder) {
        eprintln!(
            "warning: could not remove the scratch folder {}: {error}",
            folder.display()
        );
    }
}
