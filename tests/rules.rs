//! Every built-in rule's fixtures, `tests/rules/<rule-id>/`, run through the binary (the layout
//! is described in `tests/rules/README.md`):
//!
//! - every `bad*.ovpn` fires the rule;
//! - every `good*.ovpn` and `fixed*.ovpn` lints clean (only the rule, plus `case.toml`'s
//!   `select`, runs);
//! - `--fix` on a copy of `bad<x>.ovpn` gives `fixed<x>.ovpn` byte for byte (with
//!   `--unsafe-fixes` when `case.toml` lists the file, and then plain `--fix` changes nothing),
//!   and fixing again changes nothing; a bad file without a fixed file is left as it is.
//!
//! One test per rule, so a failure names the rule; each lists every failing fixture at once.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use common::{fired, ovpn6_lint, repo, rule_file, rule_ids, stderr_of, stdout_of};
use serde::Deserialize;

macro_rules! rule_fixtures {
    ($($test:ident => $id:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check_rule($id);
            }
        )*
        /// The rules that have a test above.
        const TESTED: &[&str] = &[$($id),*];
    };
}

rule_fixtures! {
    aws_vpn_client_unsupported_directive => "aws-vpn-client-unsupported-directive",
    block_ipv6_without_routes => "block-ipv6-without-routes",
    deprecated_tun_ipv6 => "deprecated-tun-ipv6",
    duplicate_ifconfig_ipv6 => "duplicate-ifconfig-ipv6",
    incomplete_ipv6_routes => "incomplete-ipv6-routes",
    invalid_ipv6_directive => "invalid-ipv6-directive",
    legacy_ipv6_workaround => "legacy-ipv6-workaround",
    ipv6_directive_ignored => "ipv6-directive-ignored",
    missing_ifconfig_ipv6 => "missing-ifconfig-ipv6",
    openvpn3_push_only_option => "openvpn3-push-only-option",
    openvpn3_refused_profile => "openvpn3-refused-profile",
    openvpn3_ipv6_not_pushed => "openvpn3-ipv6-not-pushed",
    redundant_route_ipv6 => "redundant-route-ipv6",
    route_ipv6_dropped => "route-ipv6-dropped",
    route_ipv6_host_bits => "route-ipv6-host-bits",
    route_ipv6_hostname => "route-ipv6-hostname",
    route_ipv6_implicit_prefix => "route-ipv6-implicit-prefix",
    server_redirect_without_ipv6 => "server-redirect-without-ipv6",
    syntax_error => "syntax-error",
    tap_route_without_gateway => "tap-route-without-gateway",
    template_not_judged => "template-not-judged",
    tunnel_address_out_of_range => "tunnel-address-out-of-range",
    unused_suppression => "unused-suppression",
}

#[test]
fn every_rule_in_rules_has_a_test_and_a_fixture_folder() {
    let ids = rule_ids();
    let tested: BTreeSet<String> = TESTED.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        ids.iter().cloned().collect::<BTreeSet<_>>(),
        tested,
        "add a line to `rule_fixtures!` for each rule in rules/"
    );
    let folders: BTreeSet<String> = fs::read_dir(fixtures_root())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        folders, tested,
        "tests/rules/ must hold one folder per rule, named by its id"
    );
    for id in &ids {
        let dir = fixtures_root().join(id);
        for required in ["bad.ovpn", "good.ovpn"] {
            assert!(dir.join(required).is_file(), "{id}: missing {required}");
        }
        if rule_has_fix(id) {
            assert!(
                dir.join("fixed.ovpn").is_file(),
                "{id}: the rule has a fix, so it needs fixed.ovpn"
            );
        }
    }
}

#[test]
fn every_fixture_file_has_a_known_name_and_every_fixed_file_a_bad_file() {
    for id in rule_ids() {
        let dir = fixtures_root().join(&id);
        for entry in fs::read_dir(&dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let known = name == "case.toml"
                || name == CONFIG
                || (name.ends_with(".ovpn")
                    && (name.starts_with("bad") || name.starts_with("good")))
                || (name.starts_with("fixed") && name.ends_with(".ovpn"));
            assert!(known, "{id}: unexpected file `{name}`");
            if let Some(suffix) = name.strip_prefix("fixed") {
                assert!(
                    dir.join(format!("bad{suffix}")).is_file(),
                    "{id}: `{name}` has no `bad{suffix}`"
                );
            }
        }
        let case = Case::load(&id);
        for name in &case.file.unsafe_fixes {
            assert!(
                dir.join(name).is_file() && name.starts_with("bad"),
                "{id}: case.toml lists `{name}`, which is not a bad file here"
            );
        }
    }
}

const CONFIG: &str = ".ovpn6-lint.toml";

fn fixtures_root() -> PathBuf {
    repo().join("tests").join("rules")
}

/// Whether the rule file declares a fix that `--fix` can apply (safe or unsafe).
fn rule_has_fix(id: &str) -> bool {
    rule_file(id)
        .get("fix")
        .and_then(|fix| fix.get("applicability"))
        .and_then(|a| a.as_str())
        .is_some_and(|a| a == "safe" || a == "unsafe")
}

/// `tests/rules/<id>/case.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct CaseFile {
    /// Rules to run besides the one under test.
    #[serde(default)]
    select: Vec<String>,
    /// Bad files whose fixed file needs `--unsafe-fixes`.
    #[serde(default)]
    unsafe_fixes: Vec<String>,
}

/// One rule's fixture folder and how to run the linter on it.
struct Case {
    id: String,
    dir: PathBuf,
    file: CaseFile,
}

impl Case {
    fn load(id: &str) -> Self {
        let dir = fixtures_root().join(id);
        let file = match fs::read_to_string(dir.join("case.toml")) {
            Ok(text) => toml::from_str(&text).unwrap_or_else(|e| panic!("{id}/case.toml: {e}")),
            Err(_) => CaseFile::default(),
        };
        Self {
            id: id.to_owned(),
            dir,
            file,
        }
    }

    /// The `.ovpn` files of this folder whose names start with `prefix`, sorted.
    fn files(&self, prefix: &str) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with(prefix) && n.ends_with(".ovpn"))
            .collect();
        names.sort();
        names
    }

    /// Arguments every run gets: which rules and which config.
    fn common_args(&self) -> Vec<String> {
        let mut select = vec![self.id.clone()];
        select.extend(self.file.select.iter().cloned());
        let mut args = vec![
            "--format".to_owned(),
            "short".to_owned(),
            "--color".to_owned(),
            "never".to_owned(),
            "--select".to_owned(),
            select.join(","),
        ];
        let config = self.dir.join(CONFIG);
        if config.is_file() {
            args.push("--config".to_owned());
            args.push(config.display().to_string());
        } else {
            args.push("--no-config".to_owned());
        }
        args
    }

    /// Lints `path`; returns (exit code, the rule ids found, the whole report), or a failure.
    fn lint(&self, path: &Path) -> Result<(i32, Vec<String>, String), String> {
        let output = ovpn6_lint(path.parent().unwrap())
            .args(self.common_args())
            .arg(path)
            .output()
            .unwrap();
        let stderr = stderr_of(&output);
        let code = output.status.code().unwrap_or(-1);
        if !stderr.is_empty() || !(code == 0 || code == 1) {
            return Err(format!(
                "linting `{}` failed (exit {code}): {stderr}",
                path.display()
            ));
        }
        let report = stdout_of(&output);
        Ok((code, fired(&report), report))
    }

    /// Runs `--fix` on `path` in place; returns the file's new bytes.
    fn fix(&self, path: &Path, with_unsafe: bool) -> Result<Vec<u8>, String> {
        let mut command = ovpn6_lint(path.parent().unwrap());
        command.arg("--fix").args(self.common_args());
        if with_unsafe {
            command.arg("--unsafe-fixes");
        }
        let output = command.arg(path).output().unwrap();
        let code = output.status.code().unwrap_or(-1);
        if !(code == 0 || code == 1) {
            return Err(format!(
                "--fix on `{}` failed (exit {code}): {}",
                path.display(),
                stderr_of(&output)
            ));
        }
        Ok(fs::read(path).unwrap())
    }

    fn check_bad(&self, name: &str) -> Vec<String> {
        let mut failures = Vec::new();
        let path = self.dir.join(name);
        match self.lint(&path) {
            Ok((code, ids, _)) if code == 1 && ids.contains(&self.id) => {}
            Ok((code, _, report)) => failures.push(format!(
                "{name}: must fire `{}` (exit 1); got exit {code}:\n{report}",
                self.id
            )),
            Err(e) => failures.push(format!("{name}: {e}")),
        }

        let original = fs::read(&path).unwrap();
        let fixed_name = name.replacen("bad", "fixed", 1);
        let expected = fs::read(self.dir.join(&fixed_name)).ok();
        let with_unsafe = self.file.unsafe_fixes.iter().any(|n| n == name);
        let temp = tempfile::tempdir().unwrap();
        let copy = temp.path().join(name);

        if with_unsafe {
            fs::write(&copy, &original).unwrap();
            match self.fix(&copy, false) {
                Ok(bytes) if bytes == original => {}
                Ok(bytes) => failures.push(format!(
                    "{name}: the fix is unsafe, but `--fix` without `--unsafe-fixes` changed the file:\n{}",
                    show_diff(&original, &bytes)
                )),
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }

        fs::write(&copy, &original).unwrap();
        let once = match self.fix(&copy, true) {
            Ok(bytes) => bytes,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                return failures;
            }
        };
        match &expected {
            Some(expected) if &once != expected => failures.push(format!(
                "{name}: `--fix{}` does not give {fixed_name}:\n{}",
                if with_unsafe { " --unsafe-fixes" } else { "" },
                show_diff(expected, &once)
            )),
            None if once != original => failures.push(format!(
                "{name}: there is no {fixed_name}, so `--fix --unsafe-fixes` must not change the file:\n{}",
                show_diff(&original, &once)
            )),
            _ => {}
        }
        match self.fix(&copy, true) {
            Ok(twice) if twice == once => {}
            Ok(twice) => failures.push(format!(
                "{name}: fixing twice differs from fixing once:\n{}",
                show_diff(&once, &twice)
            )),
            Err(e) => failures.push(format!("{name} (second fix): {e}")),
        }
        if expected.is_some() {
            match self.lint(&copy) {
                Ok((_, ids, report)) if ids.contains(&self.id) => failures.push(format!(
                    "{name}: after --fix the rule still fires:\n{report}"
                )),
                Ok(_) => {}
                Err(e) => failures.push(format!("{name} (after fix): {e}")),
            }
        }
        failures
    }

    /// Good and fixed files lint clean: exit 0 and no findings at all among the rules run.
    fn check_clean(&self, name: &str) -> Vec<String> {
        match self.lint(&self.dir.join(name)) {
            Ok((0, ids, _)) if ids.is_empty() => Vec::new(),
            Ok((code, _, report)) => vec![format!(
                "{name}: must lint clean (exit 0); got exit {code}:\n{report}"
            )],
            Err(e) => vec![format!("{name}: {e}")],
        }
    }
}

fn check_rule(id: &str) {
    let case = Case::load(id);
    let mut failures = Vec::new();
    for name in case.files("bad") {
        failures.extend(case.check_bad(&name));
    }
    for name in case.files("good").into_iter().chain(case.files("fixed")) {
        failures.extend(case.check_clean(&name));
    }
    assert!(
        failures.is_empty(),
        "{id}: {} fixture failure(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// A line diff of two texts with CR and BOM made visible.
fn show_diff(expected: &[u8], actual: &[u8]) -> String {
    let visible = |bytes: &[u8]| {
        String::from_utf8_lossy(bytes)
            .replace('\r', "\\r")
            .replace('\u{feff}', "<BOM>")
    };
    let (expected, actual) = (visible(expected), visible(actual));
    let diff = similar::TextDiff::from_lines(&expected, &actual);
    let mut out = diff
        .unified_diff()
        .context_radius(2)
        .header("expected", "actual")
        .to_string();
    if !actual.ends_with('\n') || !expected.ends_with('\n') {
        out.push_str(&format!(
            "(final newline: expected {}, actual {})\n",
            expected.ends_with('\n'),
            actual.ends_with('\n')
        ));
    }
    out
}
