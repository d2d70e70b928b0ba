//! `cargo xtask setup`: installs what the test suite needs, idempotently.
//!
//! Each [`Step`] knows how to tell whether its tool is already there and how
//! to install it; adding a tool (chromium, trunk, wasm-pack…) means adding one
//! entry to [`steps`]. Nothing here prompts, so it is safe under `CI=true`.

use std::{fs, path::Path, process::Command};

use anyhow::{Context, Result, bail};

use crate::process;

/// The wasm-bindgen-cli version to install. It must equal the `wasm-bindgen`
/// crate pinned in the workspace `Cargo.toml`: the CLI, the test runner and
/// the crate refuse to work together otherwise ("schema version" errors).
pub(crate) const WASM_BINDGEN_VERSION: &str = "0.2.130";

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// The wasm-pack version that builds the npm package (TOOLCHAIN.md: installs here with
/// `--locked`).
const WASM_PACK_VERSION: &str = "0.15.1";

/// The Trunk version that builds the web app (TOOLCHAIN.md: 0.22 needs a newer rustc; this
/// must equal `trunk-version` in Trunk.toml).
pub(crate) const TRUNK_VERSION: &str = "0.21.14";

/// One thing to install.
#[derive(Debug)]
struct Step {
    /// What is installed, as shown after "ok:".
    name: String,
    /// Whether it is already there; `false` also when the check cannot run.
    is_installed: fn() -> bool,
    /// Installs it; only called when `is_installed` said no.
    install: fn() -> Result<()>,
}

fn steps() -> Vec<Step> {
    vec![
        Step {
            name: format!("Rust target {WASM_TARGET}"),
            is_installed: wasm_target_is_installed,
            install: || process::run(Command::new("rustup").args(["target", "add", WASM_TARGET])),
        },
        Step {
            name: format!(
                "wasm-bindgen-cli {WASM_BINDGEN_VERSION} (wasm-bindgen, wasm-bindgen-test-runner)"
            ),
            is_installed: wasm_bindgen_cli_is_installed,
            // No `--locked`: the locked dependency set needs a crate missing
            // from this machine's registry mirror (see TOOLCHAIN.md).
            // `--force` because we only get here when the binaries on PATH are
            // missing or report another version, whatever cargo's own install
            // records say.
            install: || {
                process::run(process::cargo().args([
                    "install",
                    "wasm-bindgen-cli",
                    "--version",
                    WASM_BINDGEN_VERSION,
                    "--force",
                ]))
            },
        },
        Step {
            name: format!("wasm-pack {WASM_PACK_VERSION}"),
            is_installed: || {
                process::probe(Command::new("wasm-pack").arg("--version"))
                    .is_some_and(|output| reports_version(&output, WASM_PACK_VERSION))
            },
            install: || {
                process::run(process::cargo().args([
                    "install",
                    "wasm-pack",
                    "--version",
                    WASM_PACK_VERSION,
                    "--locked",
                    "--force",
                ]))
            },
        },
        Step {
            name: format!("trunk {TRUNK_VERSION}"),
            is_installed: || {
                process::probe(Command::new("trunk").arg("--version"))
                    .is_some_and(|output| reports_version(&output, TRUNK_VERSION))
            },
            // About 7 minutes on two cores, once.
            install: || {
                process::run(process::cargo().args([
                    "install",
                    "trunk",
                    "--version",
                    TRUNK_VERSION,
                    "--locked",
                    "--force",
                ]))
            },
        },
        Step {
            name: format!(
                "Debian packages for the WebDAV tests: {}",
                DEBIAN_PACKAGES.join(", ")
            ),
            is_installed: || DEBIAN_PROGRAMS.iter().all(|p| on_path(p)),
            install: install_debian_packages,
        },
    ]
}

/// Debian packages the tests use: litmus (the WebDAV compliance suite), two independent WebDAV
/// servers for interop tests (Apache httpd with mod_dav, rclone's `serve webdav`), and Chromium
/// with its WebDriver for the browser tests.
const DEBIAN_PACKAGES: &[&str] = &["litmus", "rclone", "apache2", "chromium", "chromium-driver"];

/// The programs those packages put on PATH.
const DEBIAN_PROGRAMS: &[&str] = &["litmus", "rclone", "apache2", "chromium", "chromedriver"];

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        || Path::new("/usr/sbin").join(program).is_file()
}

fn install_debian_packages() -> Result<()> {
    let root = process::probe(Command::new("id").arg("-u")).is_some_and(|o| o.trim() == "0");
    let apt = |args: &[&str]| {
        let mut c = if root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    let mut install = apt(&["install", "-y", "--no-install-recommends"]);
    install.args(DEBIAN_PACKAGES);
    if process::run(&mut install).is_ok() {
        return Ok(());
    }
    // A fresh machine may have no package lists yet.
    process::run(&mut apt(&["update"])).context(
        "apt-get update failed: the Debian packages need root (or sudo) and the Debian mirror",
    )?;
    let mut install = apt(&["install", "-y", "--no-install-recommends"]);
    install.args(DEBIAN_PACKAGES);
    process::run(&mut install)
}

/// Runs every setup step, after checking that the pinned version agrees with
/// the workspace manifest.
pub(crate) fn setup(root: &Path) -> Result<()> {
    let manifest_path = root.join("Cargo.toml");
    let manifest = fs::read_to_string(&manifest_path)
        .with_context(|| format!("could not read {}", manifest_path.display()))?;
    check_wasm_bindgen_pin(&manifest, WASM_BINDGEN_VERSION)
        .with_context(|| format!("in {}", manifest_path.display()))?;

    for step in steps() {
        if (step.is_installed)() {
            println!("ok: {}", step.name);
            continue;
        }
        println!("installing: {}", step.name);
        (step.install)().with_context(|| format!("could not install {}", step.name))?;
        if !(step.is_installed)() {
            bail!("installed {} but it still does not check out", step.name);
        }
        println!("installed: {}", step.name);
    }
    npm_packages(root)
}

/// The npm packages of the end-to-end tests and the package build (`tests/package-lock.json`:
/// playwright-core, which drives Debian's Chromium and downloads no browser of its own, and
/// binaryen, whose wasm-opt wasm-pack uses), installed with `npm ci` when `tests/node_modules`
/// does not hold the locked versions.
fn npm_packages(root: &Path) -> Result<()> {
    let tests = root.join("tests");
    let lock = fs::read_to_string(tests.join("package-lock.json"))
        .context("could not read tests/package-lock.json")?;
    let mut wanted = Vec::new();
    let mut missing = false;
    for package in NPM_PACKAGES {
        let version = locked_version(&lock, package)
            .with_context(|| format!("tests/package-lock.json does not lock {package}"))?;
        let installed =
            fs::read_to_string(tests.join(format!("node_modules/{package}/package.json")))
                .ok()
                .and_then(|text| package_version(&text));
        missing |= installed.as_deref() != Some(version.as_str());
        wanted.push(format!("{package} {version}"));
    }
    let name = format!("npm packages for the tests ({})", wanted.join(", "));
    if !missing {
        println!("ok: {name}");
        return Ok(());
    }
    if !on_path("npm") {
        bail!(
            "npm is not on PATH: install Node.js 20 or later with npm (Debian: apt-get install nodejs npm)"
        );
    }
    println!("installing: {name}");
    process::run(
        Command::new("npm")
            .current_dir(&tests)
            .args(["ci", "--no-audit", "--no-fund"]),
    )
    .with_context(|| format!("could not install {name}"))?;
    println!("installed: {name}");
    Ok(())
}

/// The npm packages `tests/package-lock.json` must lock and `tests/node_modules` must hold.
const NPM_PACKAGES: &[&str] = &["playwright-core", "binaryen"];

/// The version `package-lock.json` locks for `package`.
fn locked_version(lock: &str, package: &str) -> Option<String> {
    let at = lock.find(&format!("\"node_modules/{package}\""))?;
    package_version(&lock[at..])
}

/// The first `"version": "…"` in a piece of JSON.
fn package_version(json: &str) -> Option<String> {
    let rest = &json[json.find("\"version\"")? + "\"version\"".len()..];
    let rest = &rest[rest.find('"')? + 1..];
    Some(rest[..rest.find('"')?].to_owned())
}

fn wasm_target_is_installed() -> bool {
    process::probe(Command::new("rustup").args(["target", "list", "--installed"]))
        .is_some_and(|list| list.lines().any(|line| line.trim() == WASM_TARGET))
}

fn wasm_bindgen_cli_is_installed() -> bool {
    ["wasm-bindgen", "wasm-bindgen-test-runner"]
        .iter()
        .all(|program| {
            process::probe(Command::new(program).arg("--version"))
                .is_some_and(|output| reports_version(&output, WASM_BINDGEN_VERSION))
        })
}

/// Whether `--version` output such as `wasm-bindgen 0.2.130` names exactly
/// `version` (so that 0.2.1300 does not pass for 0.2.130).
fn reports_version(output: &str, version: &str) -> bool {
    output.split_whitespace().any(|word| word == version)
}

/// Checks that `[workspace.dependencies]` in `manifest` pins `wasm-bindgen`
/// exactly to `expected`, as in `wasm-bindgen = "=0.2.130"`.
///
/// A textual look rather than a TOML parser: the line has one agreed form,
/// and a dependency for one line is not worth it.
fn check_wasm_bindgen_pin(manifest: &str, expected: &str) -> Result<()> {
    let fix = "make them equal: edit `WASM_BINDGEN_VERSION` in crates/xtask/src/setup.rs \
               or the `wasm-bindgen` entry in the workspace Cargo.toml";
    let Some(requirement) = wasm_bindgen_requirement(manifest) else {
        bail!(
            "no `wasm-bindgen = \"={expected}\"` line in [workspace.dependencies] of the \
             workspace Cargo.toml; xtask installs wasm-bindgen-cli {expected}, which must equal \
             that crate version: add the line there"
        );
    };
    let Some(version) = requirement.strip_prefix('=') else {
        bail!(
            "the workspace Cargo.toml has `wasm-bindgen = \"{requirement}\"`, which is not an \
             exact pin; the crate must equal wasm-bindgen-cli exactly: write \"={expected}\" there"
        );
    };
    if version.trim() != expected {
        bail!(
            "the workspace Cargo.toml pins wasm-bindgen {version} but xtask installs \
             wasm-bindgen-cli {expected}; {fix}"
        );
    }
    Ok(())
}

/// The version requirement of `wasm-bindgen` in `[workspace.dependencies]`,
/// whether written as a string or as an inline table with `version = "…"`.
fn wasm_bindgen_requirement(manifest: &str) -> Option<&str> {
    let mut in_workspace_dependencies = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_workspace_dependencies = line == "[workspace.dependencies]";
            continue;
        }
        if !in_workspace_dependencies {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim() != "wasm-bindgen" {
            continue;
        }
        let value = value.trim();
        let value = match value.strip_prefix('{') {
            Some(table) => table
                .split_once("version")?
                .1
                .trim_start()
                .strip_prefix('=')?,
            None => value,
        };
        return value.trim_start().strip_prefix('"')?.split('"').next();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"
[workspace]
members = ["crates/*"]

[workspace.dependencies]
wasm-bindgen = "=0.2.130"
wasm-bindgen-test = "=0.3.80"
"#;

    #[test]
    fn the_pinned_version_matching_the_manifest_passes() {
        check_wasm_bindgen_pin(MANIFEST, "0.2.130").unwrap();
    }

    #[test]
    fn a_pin_that_differs_from_the_manifest_fails_naming_both_places_to_fix() {
        let message = check_wasm_bindgen_pin(MANIFEST, "0.2.131")
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("0.2.130") && message.contains("0.2.131"),
            "{message}"
        );
        assert!(message.contains("crates/xtask/src/setup.rs"), "{message}");
        assert!(message.contains("Cargo.toml"), "{message}");
    }

    #[test]
    fn a_manifest_without_an_exact_pin_fails() {
        let loose = MANIFEST.replace("\"=0.2.130\"", "\"0.2.130\"");
        let message = check_wasm_bindgen_pin(&loose, "0.2.130")
            .unwrap_err()
            .to_string();
        assert!(message.contains("not an exact pin"), "{message}");
    }

    #[test]
    fn a_manifest_without_wasm_bindgen_fails() {
        let manifest = "[workspace.dependencies]\nwasm-bindgen-test = \"=0.3.80\"\n";
        assert!(check_wasm_bindgen_pin(manifest, "0.2.130").is_err());
    }

    #[test]
    fn wasm_bindgen_outside_workspace_dependencies_is_ignored() {
        let manifest = "[dependencies]\nwasm-bindgen = \"=0.2.130\"\n";
        assert_eq!(wasm_bindgen_requirement(manifest), None);
    }

    #[test]
    fn an_inline_table_entry_is_understood() {
        let manifest = "[workspace.dependencies]\nwasm-bindgen = { version = \"=0.2.130\", default-features = false }\n";
        assert_eq!(wasm_bindgen_requirement(manifest), Some("=0.2.130"));
    }

    #[test]
    fn the_pinned_version_matches_this_workspace_manifest() {
        let manifest = include_str!("../../../Cargo.toml");
        check_wasm_bindgen_pin(manifest, WASM_BINDGEN_VERSION).unwrap();
    }

    #[test]
    fn the_locked_npm_version_is_read_from_the_lock_file() {
        let lock = r#"{"packages": {"": {"devDependencies": {"playwright-core": "1.65.1"}},
            "node_modules/playwright-core": {"version": "1.65.1", "dev": true}}}"#;
        assert_eq!(
            locked_version(lock, "playwright-core").as_deref(),
            Some("1.65.1")
        );
        assert_eq!(locked_version(lock, "left-pad"), None);
        assert_eq!(
            package_version(r#"{"name": "playwright-core", "version": "1.64.0"}"#).as_deref(),
            Some("1.64.0")
        );
    }

    #[test]
    fn this_repository_locks_every_npm_package_setup_checks() {
        let lock = include_str!("../../../tests/package-lock.json");
        for package in NPM_PACKAGES {
            assert!(
                locked_version(lock, package).is_some(),
                "{package} is not locked"
            );
        }
        assert_eq!(locked_version(lock, "binaryen").as_deref(), Some("132.0.0"));
    }

    #[test]
    fn version_output_must_name_the_exact_version() {
        assert!(reports_version("wasm-bindgen 0.2.130\n", "0.2.130"));
        assert!(!reports_version("wasm-bindgen 0.2.1300\n", "0.2.130"));
        assert!(!reports_version("wasm-bindgen 0.2.129\n", "0.2.130"));
    }
}
