//! Running child processes in the three ways xtask needs: with their output
//! flowing straight to the terminal, with a small output captured, and teed
//! (shown and kept) for output that must be both seen and parsed.

use std::{
    ffi::OsStr,
    io::{self, BufRead, BufReader, Read, Write},
    process::{Command, Stdio},
    thread,
};

use anyhow::{Context, Result, bail};

/// A `cargo` command. Plain `cargo` from `PATH` rather than `$CARGO`, so that
/// the rustup proxy still honours `rust-toolchain.toml` for every child.
pub(crate) fn cargo() -> Command {
    Command::new("cargo")
}

/// The command line as a user would type it, for messages.
pub(crate) fn describe(command: &Command) -> String {
    let mut words = vec![command.get_program().to_string_lossy().into_owned()];
    words.extend(command.get_args().map(quote));
    words.join(" ")
}

fn quote(arg: &OsStr) -> String {
    let arg = arg.to_string_lossy();
    if arg.is_empty() || arg.contains(char::is_whitespace) {
        format!("'{arg}'")
    } else {
        arg.into_owned()
    }
}

/// Runs `command` with inherited stdin, stdout and stderr, and fails unless
/// it exits successfully.
pub(crate) fn run(command: &mut Command) -> Result<()> {
    let line = describe(command);
    eprintln!("$ {line}");
    let status = command
        .status()
        .with_context(|| format!("could not start `{line}`"))?;
    if !status.success() {
        bail!("`{line}` failed ({status})");
    }
    Ok(())
}

/// The stdout of `command` if it starts and exits successfully, else `None`.
///
/// For probes such as `wasm-bindgen --version`, where a missing program is an
/// answer rather than an error.
pub(crate) fn probe(command: &mut Command) -> Option<String> {
    let output = command.stderr(Stdio::null()).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Runs `command`, capturing its stdout (stderr still flows to the terminal),
/// and fails unless it exits successfully. Returns the captured stdout.
pub(crate) fn stdout_of(command: &mut Command) -> Result<String> {
    let line = describe(command);
    eprintln!("$ {line}");
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("could not start `{line}`"))?;
    if !output.status.success() {
        bail!("`{line}` failed ({})", output.status);
    }
    String::from_utf8(output.stdout).with_context(|| format!("`{line}` printed invalid UTF-8"))
}

/// Runs `command` with both stdout and stderr copied to ours line by line as
/// they arrive, and also kept. Fails unless it exits successfully; returns
/// everything it printed (stdout first, then stderr).
pub(crate) fn tee(command: &mut Command) -> Result<String> {
    let line = describe(command);
    eprintln!("$ {line}");
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start `{line}`"))?;
    // One thread per pipe: reading both from one thread could deadlock when
    // the child fills the pipe we are not reading.
    let out = child.stdout.take().expect("stdout is piped");
    let err = child.stderr.take().expect("stderr is piped");
    let out = thread::spawn(move || copy_lines(out, io::stdout()));
    let err = thread::spawn(move || copy_lines(err, io::stderr()));
    let status = child
        .wait()
        .with_context(|| format!("could not wait for `{line}`"))?;
    let mut text = out.join().expect("stdout copier does not panic")?;
    text.push_str(&err.join().expect("stderr copier does not panic")?);
    if !status.success() {
        bail!("`{line}` failed ({status})");
    }
    Ok(text)
}

fn copy_lines(from: impl Read, mut to: impl Write) -> io::Result<String> {
    let mut reader = BufReader::new(from);
    let mut kept = String::new();
    let mut buffer = Vec::new();
    // Bytes rather than `lines()`: a child printing invalid UTF-8 should not
    // stop the copy.
    while reader.read_until(b'\n', &mut buffer)? > 0 {
        to.write_all(&buffer)?;
        to.flush()?;
        kept.push_str(&String::from_utf8_lossy(&buffer));
        buffer.clear();
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_is_described_as_typed_with_odd_arguments_quoted() {
        let mut command = Command::new("cargo");
        command.args(["test", "--", "two words", ""]);
        assert_eq!(describe(&command), "cargo test -- 'two words' ''");
    }
}
