//! `cargo xtask check-pure`: checks that csc-core stays a pure computation
//! that runs unchanged on wasm32, with nothing from the platform in it.
//!
//! Two checks, both reported together so one run shows every problem:
//!
//! - csc-core's test binaries are built for wasm32-unknown-unknown and their
//!   imports are read. Rust code and wasm-bindgen glue never import from the
//!   module `"env"`; the linker puts a symbol there when it was not found in
//!   Rust code, which means C code, or an OS call such as a clock, leaked in.
//!   The test binaries are used because a library built as a cdylib exports
//!   nothing, so the linker would drop the very code we want to inspect.
//! - csc-core's normal (non-dev) dependency tree for wasm32 must contain no
//!   platform crate: the core receives time, randomness and I/O from outside.

use std::{
    fmt, fs,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::Stdio,
};

use anyhow::{Context, Result, bail};
use serde_json::Value;
use wasmparser::{Parser, Payload};

use crate::process;

/// Crates that mean csc-core depends on a platform: async runtimes, browser
/// bindings, OS randomness, OS calls.
const FORBIDDEN_CRATES: &[&str] = &[
    "tokio",
    "web-sys",
    "getrandom",
    "js-sys",
    "wasm-bindgen",
    "mio",
    "libc",
];

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Runs both purity checks and fails listing every problem found.
pub(crate) fn check_pure(root: &Path) -> Result<()> {
    let binaries = build_core_tests_for_wasm(root)?;
    if binaries.is_empty() {
        bail!(
            "building csc-core's tests for {WASM_TARGET} produced no .wasm executable, \
             so there was nothing to check; does csc-core still have tests?"
        );
    }

    let mut problems = Vec::new();
    for path in &binaries {
        let bytes = fs::read(path).with_context(|| format!("could not read {}", path.display()))?;
        let imports =
            imports(&bytes).with_context(|| format!("could not parse {}", path.display()))?;
        let from_env: Vec<String> = imports
            .iter()
            .filter(|import| import.module == "env")
            .map(ToString::to_string)
            .collect();
        if !from_env.is_empty() {
            problems.push(format!(
                "{} imports from \"env\": {}\n  An import from \"env\" is a symbol the linker did \
                 not find in Rust code: C code, or an OS call such as a clock, leaked into the \
                 pure core. Nothing provides it in a browser, so the module would not even load. \
                 Find the dependency that brings it and remove it, or pass the capability in \
                 from the platform side.",
                path.display(),
                from_env.join(", ")
            ));
        }
    }

    let tree = process::stdout_of(process::cargo().current_dir(root).args([
        "tree",
        "-p",
        "csc-core",
        "-e",
        "normal",
        "--target",
        WASM_TARGET,
        "--prefix",
        "none",
    ]))?;
    let forbidden = forbidden_crates(&tree);
    if !forbidden.is_empty() {
        problems.push(format!(
            "csc-core depends on platform crates on {WASM_TARGET}: {}\n  The core must stay \
             pure: take time, randomness and I/O as inputs instead. (`cargo tree -p csc-core \
             -e normal --target {WASM_TARGET} -i <crate>` shows the path.)",
            forbidden.join(", ")
        ));
    }

    if !problems.is_empty() {
        bail!("csc-core is not pure:\n{}", problems.join("\n"));
    }
    println!(
        "check-pure: checked {} wasm binaries: no imports from \"env\"; \
         dependency tree free of {}",
        binaries.len(),
        FORBIDDEN_CRATES.join(", ")
    );
    Ok(())
}

/// Builds csc-core's test binaries for wasm32 without running them and
/// returns the `.wasm` files produced.
fn build_core_tests_for_wasm(root: &Path) -> Result<Vec<PathBuf>> {
    let mut command = process::cargo();
    command.current_dir(root).args([
        "test",
        "-p",
        "csc-core",
        "--target",
        WASM_TARGET,
        "--no-run",
        "--message-format=json",
    ]);
    let line = process::describe(&command);
    eprintln!("$ {line}");
    // stdout is JSON for us to read; stderr (progress) flows to the terminal.
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("could not start `{line}`"))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut messages = BuildMessages::default();
    for json in BufReader::new(stdout).lines() {
        let json = json.with_context(|| format!("could not read the output of `{line}`"))?;
        // With JSON output, compiler errors and warnings arrive inside the
        // JSON rather than on stderr; show them as they come, or a failed
        // build would be silent.
        if let Some(diagnostic) = messages.add(&json) {
            eprint!("{diagnostic}");
        }
    }
    let status = child
        .wait()
        .with_context(|| format!("could not wait for `{line}`"))?;
    if !status.success() {
        bail!("`{line}` failed ({status})");
    }
    Ok(messages
        .executables
        .into_iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == "wasm"))
        .collect())
}

/// What we need from cargo's `--message-format=json` output.
#[derive(Debug, Default, PartialEq)]
struct BuildMessages {
    /// The `executable` of every compiler artifact that has one.
    executables: Vec<PathBuf>,
    /// The rendered text of every compiler diagnostic.
    diagnostics: Vec<String>,
}

impl BuildMessages {
    /// Parses all of cargo's JSON lines.
    #[cfg(test)]
    fn parse(json_lines: &str) -> Self {
        let mut messages = Self::default();
        for line in json_lines.lines() {
            messages.add(line);
        }
        messages
    }

    /// Takes in one line of cargo's JSON output, ignoring lines that are not
    /// JSON. Returns the text of a compiler diagnostic, if the line is one.
    fn add(&mut self, line: &str) -> Option<&str> {
        let value: Value = serde_json::from_str(line).ok()?;
        match value["reason"].as_str()? {
            "compiler-artifact" => {
                let path = value["executable"].as_str()?;
                self.executables.push(PathBuf::from(path));
                None
            }
            "compiler-message" => {
                let text = value["message"]["rendered"].as_str()?;
                self.diagnostics.push(text.to_owned());
                self.diagnostics.last().map(String::as_str)
            }
            _ => None,
        }
    }
}

/// One import of a wasm module.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Import {
    module: String,
    name: String,
}

impl fmt::Display for Import {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.module, self.name)
    }
}

/// Every import of the wasm module in `bytes`.
fn imports(bytes: &[u8]) -> Result<Vec<Import>> {
    let mut found = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        if let Payload::ImportSection(section) = payload? {
            for import in section {
                let import = import?;
                found.push(Import {
                    module: import.module.to_owned(),
                    name: import.name.to_owned(),
                });
            }
        }
    }
    Ok(found)
}

/// The forbidden crates named in `cargo tree --prefix none` output, sorted
/// and without repeats.
fn forbidden_crates(tree: &str) -> Vec<&str> {
    let mut found: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| FORBIDDEN_CRATES.contains(name))
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal wasm module with one type `() -> ()` and one function
    /// import `module.name` of that type, written out by hand.
    fn module_importing(module: &str, name: &str) -> Vec<u8> {
        // Lengths are single-byte LEB128 numbers, so keep the names short.
        assert!(module.len() < 64 && name.len() < 64);
        let mut import_section = vec![1, u8::try_from(module.len()).unwrap()];
        import_section.extend_from_slice(module.as_bytes());
        import_section.push(u8::try_from(name.len()).unwrap());
        import_section.extend_from_slice(name.as_bytes());
        import_section.extend_from_slice(&[0x00, 0x00]); // a function of type 0

        let mut bytes = b"\0asm".to_vec();
        bytes.extend_from_slice(&[1, 0, 0, 0]); // version 1
        bytes.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]); // type section: () -> ()
        bytes.push(2); // import section
        bytes.push(u8::try_from(import_section.len()).unwrap());
        bytes.extend_from_slice(&import_section);
        bytes
    }

    #[test]
    fn an_import_from_env_is_found_in_a_hand_built_module() {
        let bytes = module_importing("env", "f");
        assert_eq!(bytes.len(), 25);
        let imports = imports(&bytes).unwrap();
        assert_eq!(
            imports,
            [Import {
                module: "env".into(),
                name: "f".into()
            }]
        );
        assert_eq!(imports[0].to_string(), "env.f");
    }

    #[test]
    fn wasm_bindgen_imports_are_read_with_their_own_module_name() {
        let bytes = module_importing("__wbindgen_placeholder__", "__wbindgen_describe");
        let imports = imports(&bytes).unwrap();
        assert_eq!(imports[0].module, "__wbindgen_placeholder__");
    }

    #[test]
    fn a_module_without_imports_has_none() {
        let bytes = b"\0asm\x01\0\0\0";
        assert!(imports(bytes).unwrap().is_empty());
    }

    #[test]
    fn bytes_that_are_not_wasm_are_an_error() {
        assert!(imports(b"not wasm at all").is_err());
    }

    #[test]
    fn executables_are_taken_from_compiler_artifacts_only() {
        let output = r#"
{"reason":"compiler-artifact","package_id":"bitflags","target":{"kind":["lib"]},"filenames":["/t/libbitflags.rlib"],"executable":null,"fresh":true}
{"reason":"build-script-executed","package_id":"x","out_dir":"/t/out"}
{"reason":"compiler-artifact","package_id":"csc-core","target":{"kind":["lib"],"test":true},"executable":"/t/wasm32-unknown-unknown/debug/deps/csc_core-0123.wasm","fresh":false}
not json: cargo never prints this, but it must not break the parse
{"reason":"compiler-artifact","package_id":"csc-core","target":{"kind":["test"]},"executable":"/t/wasm32-unknown-unknown/debug/deps/plan-4567.wasm","fresh":false}
{"reason":"build-finished","success":true}
"#;
        let messages = BuildMessages::parse(output);
        assert_eq!(
            messages.executables,
            [
                PathBuf::from("/t/wasm32-unknown-unknown/debug/deps/csc_core-0123.wasm"),
                PathBuf::from("/t/wasm32-unknown-unknown/debug/deps/plan-4567.wasm"),
            ]
        );
        assert!(messages.diagnostics.is_empty());
    }

    #[test]
    fn compiler_diagnostics_are_kept_to_be_shown() {
        let output = r#"{"reason":"compiler-message","package_id":"csc-core","message":{"rendered":"error[E0425]: cannot find value `x`\n","level":"error"}}"#;
        let messages = BuildMessages::parse(output);
        assert_eq!(
            messages.diagnostics,
            ["error[E0425]: cannot find value `x`\n"]
        );
        assert!(messages.executables.is_empty());
    }

    #[test]
    fn platform_crates_in_the_tree_are_reported_once_each() {
        let tree = "\
csc-core v0.0.0 (/work/main/crates/csc-core)
bitflags v2.13.2
getrandom v0.4.3
libc v0.2.180
getrandom v0.4.3 (*)
wasm-bindgen-shared v0.2.130
";
        assert_eq!(forbidden_crates(tree), ["getrandom", "libc"]);
    }

    #[test]
    fn a_tree_of_pure_crates_passes() {
        let tree = "\
csc-core v0.0.0 (/work/main/crates/csc-core)
bitflags v2.13.2
thiserror v2.0.21
thiserror-impl v2.0.21 (proc-macro)
";
        assert!(forbidden_crates(tree).is_empty());
    }
}
