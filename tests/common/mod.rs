//! What the integration tests share: the one way they run the `ovpn6-lint` binary, and where
//! the repository's rule files and fixtures are.
//!
//! Every run starts from a clean environment for colours and CI (`NO_COLOR`, `CLICOLOR_FORCE`,
//! `GITHUB_STEP_SUMMARY` removed), so a developer's shell cannot change what a test sees.

#![allow(dead_code)] // Each test crate uses a different part of this module.

use std::path::{Path, PathBuf};

/// A command for the `ovpn6-lint` binary Cargo built for these tests, run in `dir`.
pub fn ovpn6_lint(dir: &Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_ovpn6-lint"));
    command
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_ACTIONS");
    command
}

/// What one run of the binary came to.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the binary in `dir` with `args`, to the end.
pub fn run(dir: &Path, args: &[&str]) -> Run {
    let output = ovpn6_lint(dir).args(args).output().unwrap();
    Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The repository root (where `Cargo.toml` is).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The ids of the built-in rules: the file names in `rules/`, sorted.
pub fn rule_ids() -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(repo().join("rules"))
        .expect("rules/ exists")
        .map(|entry| entry.expect("readable rules/").file_name())
        .filter_map(|name| name.to_str()?.strip_suffix(".toml").map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

/// A built-in rule file, parsed as plain TOML.
pub fn rule_file(id: &str) -> toml::Table {
    let path = repo().join("rules").join(format!("{id}.toml"));
    let text = std::fs::read_to_string(&path).expect("rule file is readable");
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The ids in `--format short` output (`path:line:col: severity[id] message`), in order.
pub fn fired(short_report: &str) -> Vec<String> {
    short_report
        .lines()
        .filter_map(|line| {
            let (_, rest) = line.split_once('[')?;
            let (id, _) = rest.split_once("] ")?;
            Some(id.to_owned())
        })
        .collect()
}

/// Standard output as text.
pub fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The `openvpn` binary: `$OPENVPN`, else the first on `PATH` or in the usual sbin folders.
pub fn find_openvpn() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("OPENVPN") {
        return Some(PathBuf::from(p));
    }
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from));
    dirs.into_iter()
        .map(|d| d.join("openvpn"))
        .find(|p| p.is_file())
}
