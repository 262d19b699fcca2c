//! Snapshot tests (insta) of what a user reads: the human report (`--color never`) and the short
//! report of a leaky AWS Client VPN profile and of a profile that fires most rules, the json and
//! github reports of the first, and the `--diff` and `--fix` of the second. Inputs are in
//! `tests/reports/`; the expected outputs are committed in `tests/snapshots/`. After an intended
//! change run `cargo insta review` (or `INSTA_UPDATE=always cargo test --test snapshots`) and
//! read every changed snapshot.

mod common;

use std::fs;
use std::path::PathBuf;

use common::{ovpn6_lint, repo};

fn reports_dir() -> PathBuf {
    repo().join("tests").join("reports")
}

/// Standard output of the binary run in `tests/reports/` without a config.
fn report(args: &[&str]) -> String {
    let output = ovpn6_lint(&reports_dir())
        .arg("--no-config")
        .args(args)
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("reports are UTF-8")
}

#[test]
fn human_report_of_a_leaky_aws_profile() {
    insta::assert_snapshot!(
        "human_leaky_aws",
        report(&["--color", "never", "leaky-aws.ovpn"])
    );
}

#[test]
fn short_report_of_a_leaky_aws_profile() {
    insta::assert_snapshot!(
        "short_leaky_aws",
        report(&["--format", "short", "leaky-aws.ovpn"])
    );
}

#[test]
fn json_report_of_a_leaky_aws_profile() {
    insta::assert_snapshot!(
        "json_leaky_aws",
        report(&["--format", "json", "leaky-aws.ovpn"])
    );
}

#[test]
fn github_report_of_a_leaky_aws_profile() {
    insta::assert_snapshot!(
        "github_leaky_aws",
        report(&["--format", "github", "leaky-aws.ovpn"])
    );
}

#[test]
fn human_report_of_a_profile_that_fires_most_rules() {
    insta::assert_snapshot!(
        "human_many_rules",
        report(&["--color", "never", "many-rules.ovpn"])
    );
}

#[test]
fn short_report_of_a_profile_that_fires_most_rules() {
    insta::assert_snapshot!(
        "short_many_rules",
        report(&["--format", "short", "many-rules.ovpn"])
    );
}

#[test]
fn human_report_of_both_profiles_counts_across_files() {
    insta::assert_snapshot!(
        "human_both_summary",
        closing_lines(&report(&[
            "--color",
            "never",
            "leaky-aws.ovpn",
            "many-rules.ovpn"
        ]))
    );
}

/// The report's closing lines: everything after the last diagnostic.
fn closing_lines(report: &str) -> String {
    let lines: Vec<&str> = report.lines().collect();
    let last_blank = lines.iter().rposition(|l| l.is_empty()).unwrap_or(0);
    lines[last_blank + 1..].join("\n")
}

#[test]
fn diff_with_unsafe_fixes_of_a_profile_that_fires_most_rules() {
    insta::assert_snapshot!(
        "diff_many_rules",
        report(&["--diff", "--unsafe-fixes", "many-rules.ovpn"])
    );
}

#[test]
fn fix_with_unsafe_fixes_of_a_profile_that_fires_most_rules() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("many-rules.ovpn");
    fs::copy(reports_dir().join("many-rules.ovpn"), &copy).unwrap();
    let output = ovpn6_lint(dir.path())
        .args([
            "--no-config",
            "--fix",
            "--unsafe-fixes",
            "--color",
            "never",
            "many-rules.ovpn",
        ])
        .output()
        .unwrap();
    insta::assert_snapshot!(
        "fix_many_rules_report",
        String::from_utf8(output.stdout).unwrap()
    );
    insta::assert_snapshot!("fix_many_rules_file", fs::read_to_string(&copy).unwrap());
}
