//! The command line as a user meets it (design §2–§4, §6): every flag of `src/cli.rs`, every exit
//! status, config discovery, file selection, standard input, fixes on disk and colours.
//!
//! Each test builds a scratch repository in a temporary folder (with a `.git` folder, so config
//! discovery and `.gitignore` stop there) and runs the binary in it through `common::ovpn6_lint`.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::PathBuf;

use common::{fired, ovpn6_lint};
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------------
// Profiles

/// An AWS Client VPN profile with the IPv6 lines the AWS guide recommends: lints clean.
const CLEAN: &str = "\
client
dev tun
proto udp
remote cvpn-endpoint-0f3c2a1b4d5e6f789.prod.clientvpn.eu-west-1.amazonaws.com 443
remote-random-hostname
resolv-retry infinite
nobind
remote-cert-tls server
cipher AES-256-GCM
verb 3
reneg-sec 0
ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1
route-ipv6 2000::/3
";

/// The AWS guide's first example without tunnel addresses: two errors, both safely fixable.
const LEAKY: &str = "\
client
dev tun
proto udp
remote cvpn-endpoint-0f3c2a1b4d5e6f789.prod.clientvpn.eu-west-1.amazonaws.com 443
nobind
remote-cert-tls server
route-ipv6 2000::/4
";

/// What `--fix` makes of [`LEAKY`].
const LEAKY_FIXED: &str = "\
client
dev tun
proto udp
remote cvpn-endpoint-0f3c2a1b4d5e6f789.prod.clientvpn.eu-west-1.amazonaws.com 443
nobind
remote-cert-tls server
route-ipv6 2000::/4
ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1
route-ipv6 3000::/4
";

/// Clean but for one warning (`deprecated-tun-ipv6`, safely fixable). Not an AWS profile: the
/// AWS VPN Client does not support `tun-ipv6` (`aws-vpn-client-unsupported-directive`).
fn warning_only() -> String {
    CLEAN
        .replace("dev tun\n", "dev tun\ntun-ipv6\n")
        .replace(AWS_REMOTE, "vpn.example.com")
}

const AWS_REMOTE: &str = "cvpn-endpoint-0f3c2a1b4d5e6f789.prod.clientvpn.eu-west-1.amazonaws.com";

/// Clean but for global tunnel addresses (`tunnel-address-out-of-range`, an unsafe fix).
fn out_of_range() -> String {
    CLEAN.replace(
        "fd15:53b6:dead::2 fd15:53b6:dead::1",
        "2001:db8:cafe::2 2001:db8:cafe::1",
    )
}

/// A server that pushes an IPv4 full tunnel and nothing for IPv6.
const SERVER: &str = "\
port 1194
proto udp
dev tun
server 10.8.0.0 255.255.255.0
push \"redirect-gateway def1 bypass-dhcp\"
keepalive 10 120
";

/// An nginx config: a `.conf` that is not OpenVPN (its regex would be an OpenVPN syntax error).
const NGINX: &str = "\
server {
    listen 80;
    server_name example.com;
    location ~ \\.php$ {
        fastcgi_pass unix:/run/php/php-fpm.sock;
    }
}
";

// ---------------------------------------------------------------------------------------------
// Harness

/// A scratch repository in a temporary folder.
struct Repo {
    dir: TempDir,
}

/// What one run of the binary came to.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The rule ids in a `--format short` report.
    fn ids(&self) -> Vec<String> {
        fired(&self.stdout)
    }
}

impl Repo {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join(".git")).unwrap();
        Self { dir }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Writes a file, creating its folders.
    fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, contents).unwrap();
        path
    }

    fn read(&self, relative: &str) -> Vec<u8> {
        fs::read(self.path(relative)).unwrap()
    }

    /// Runs the binary in the repository root.
    fn run(&self, args: &[&str]) -> Run {
        self.run_in(".", args, &[], None)
    }

    /// Runs the binary in a subfolder, with extra environment and standard input.
    fn run_in(&self, cwd: &str, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
        let mut command = ovpn6_lint(&self.path(cwd));
        command.args(args);
        for (key, value) in env {
            command.env(key, value);
        }
        if let Some(input) = stdin {
            command.write_stdin(input);
        }
        let output = command.output().unwrap();
        Run {
            code: output.status.code().expect("exited, not killed"),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

fn has_ansi(text: &str) -> bool {
    text.contains("\x1b[")
}

// ---------------------------------------------------------------------------------------------
// Exit status 0 and 1

#[test]
fn a_clean_profile_exits_0_and_says_so() {
    let repo = Repo::new();
    repo.write("office.ovpn", CLEAN);
    let run = repo.run(&["--no-config", "office.ovpn"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("All checks passed"), "{}", run.stdout);
    assert_eq!(run.stderr, "");
}

#[test]
fn findings_exit_1_and_are_reported_on_stdout() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    let run = repo.run(&["--no-config", "--format", "short", "office.ovpn"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        "office.ovpn:1:1: error[missing-ifconfig-ipv6] no `ifconfig-ipv6` is in effect, so IPv6 has no tunnel to go into\n\
         office.ovpn:7:1: error[incomplete-ipv6-routes] IPv6 routes leave 3000::/4 outside the tunnel\n"
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn paths_default_to_the_current_folder_and_reports_are_sorted_by_path() {
    let repo = Repo::new();
    repo.write("zz/last.ovpn", LEAKY);
    repo.write("aa/first.ovpn", LEAKY);
    repo.write("mm/clean.ovpn", CLEAN);
    let run = repo.run(&["--no-config", "--format", "short"]);
    assert_eq!(run.code, 1);
    let paths: Vec<&str> = run
        .stdout
        .lines()
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "aa/first.ovpn",
            "aa/first.ovpn",
            "zz/last.ovpn",
            "zz/last.ovpn"
        ]
    );
}

#[test]
fn a_file_named_twice_is_linted_once() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    let run = repo.run(&[
        "--no-config",
        "--format",
        "short",
        "office.ovpn",
        "office.ovpn",
    ]);
    assert_eq!(run.ids().len(), 2, "{}", run.stdout);
}

#[test]
fn help_and_version_exit_0() {
    let repo = Repo::new();
    let help = repo.run(&["--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("--fail-on"));
    assert!(help.stdout.contains("Exit status"));
    let version = repo.run(&["--version"]);
    assert_eq!(version.code, 0);
    assert!(
        version.stdout.starts_with("ovpn6-lint "),
        "{}",
        version.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// Exit status 2: the tool could not do its job

#[test]
fn bad_arguments_exit_2() {
    let repo = Repo::new();
    repo.write("office.ovpn", CLEAN);
    for args in [
        &["--no-config", "--format", "xml", "office.ovpn"][..],
        &["--no-config", "--fail-on", "sometimes", "office.ovpn"],
        &["--no-config", "--color", "sometimes", "office.ovpn"],
        &["--no-config", "--no-such-flag", "office.ovpn"],
        &["--no-config", "--fix", "--diff", "office.ovpn"],
        &["--no-config", "--config", "x.toml", "office.ovpn"],
        &["--no-config", "--explain", "syntax-error", "--list-rules"],
        &["--no-config", "--explain", "syntax-error", "--inspect"],
    ] {
        let run = repo.run(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(!run.stderr.is_empty(), "{args:?}: no message");
    }
}

#[test]
fn an_unknown_rule_in_select_or_ignore_exits_2_and_suggests_the_id() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    for flag in ["--select", "--ignore"] {
        let run = repo.run(&["--no-config", flag, "incomplete-ipv6-route", "office.ovpn"]);
        assert_eq!(run.code, 2, "{flag}: {run:?}");
        assert!(
            run.stderr.contains("unknown rule `incomplete-ipv6-route`")
                && run.stderr.contains("incomplete-ipv6-routes"),
            "{flag}: {}",
            run.stderr
        );
        assert_eq!(run.stdout, "", "{flag}: nothing is linted");
    }
}

#[test]
fn a_broken_config_file_exits_2_pointing_at_the_mistake() {
    let repo = Repo::new();
    repo.write("office.ovpn", CLEAN);
    repo.write(
        ".ovpn6-lint.toml",
        "fail-on = \"warning\"\nincldue = [\"**/*.ovpn\"]\n",
    );
    let run = repo.run(&["office.ovpn"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("incldue"), "{}", run.stderr);
    assert!(
        run.stderr.contains(".ovpn6-lint.toml:2:1"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
}

#[test]
fn a_config_with_toml_syntax_errors_or_bad_values_exits_2() {
    let repo = Repo::new();
    repo.write("office.ovpn", CLEAN);
    for config in [
        "include = [\"**/*.ovpn\"\n",
        "fail-on = \"sometimes\"\n",
        "[rules]\nseverity = { deprecated-tun-ipv6 = \"fatal\" }\n",
        "[rules]\nseverity = { no-such-rule = \"note\" }\n",
        "[params]\nrequired-coverage = [\"2001::/3\"]\n",
        "[params]\nclients = [\"openvpn4\"]\n",
        "[params]\nleak-roles = [\"laptop\"]\n",
        "[[overrides]]\nfiles = [\"a/**\"]\nrole = \"router\"\n",
    ] {
        repo.write(".ovpn6-lint.toml", config);
        let run = repo.run(&["office.ovpn"]);
        assert_eq!(run.code, 2, "{config}: {run:?}");
        assert!(run.stderr.contains("error"), "{config}: {}", run.stderr);
    }
}

#[test]
fn a_bad_param_exits_2_pointing_at_its_value() {
    let repo = Repo::new();
    repo.write("office.ovpn", CLEAN);
    repo.write(
        ".ovpn6-lint.toml",
        "[params]\nrequired-coverage = [\"2000::/3\"]\ntunnel-addresses = [\"2001:db8::1\", \"fd00::1\"]\n",
    );
    let run = repo.run(&["office.ovpn"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("tunnel-addresses"), "{}", run.stderr);
    assert!(run.stderr.contains("2001:db8::1"), "{}", run.stderr);
}

#[test]
fn a_bad_param_span_points_at_the_offending_line() {
    let repo = Repo::new();
    repo.write("office.ovpn", CLEAN);
    repo.write(
        ".ovpn6-lint.toml",
        "[params]\nrequired-coverage = [\"2000::/3\"]\ntunnel-addresses = [\"2001:db8::1\", \"fd00::1\"]\n",
    );
    let run = repo.run(&["office.ovpn"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(".ovpn6-lint.toml:3:"),
        "the span should be on line 3 (tunnel-addresses):\n{}",
        run.stderr
    );
}

#[test]
fn a_broken_rule_file_in_rule_dirs_exits_2_pointing_into_it() {
    let repo = Repo::new();
    repo.write("office.ovpn", CLEAN);
    repo.write(".ovpn6-lint.toml", "rule-dirs = [\"policy\"]\n");
    repo.write(
        "policy/no-pull-filter.toml",
        r#"id = "no-pull-filter"
severity = "error"
applies-to = "client"
message = "`pull-filter` is not allowed"
summary = "s"
why = "w"
bad = "pull-filter ignore route-ipv6\n"
good = "client\n"

[check]
kind = "forbid-everything"
"#,
    );
    let run = repo.run(&["office.ovpn"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("unknown check kind"), "{}", run.stderr);
    assert!(
        run.stderr.contains("no-pull-filter.toml:11:8"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
}

#[test]
fn rule_files_are_refused_for_unknown_keys_bad_prefixes_and_taken_ids() {
    let repo = Repo::new();
    repo.write("office.ovpn", CLEAN);
    repo.write(".ovpn6-lint.toml", "rule-dirs = [\"policy\"]\n");
    let rule = |id: &str, check: &str| {
        format!(
            "id = \"{id}\"\nseverity = \"error\"\napplies-to = \"client\"\nmessage = \"m\"\n\
             summary = \"s\"\nwhy = \"w\"\nbad = \"\"\ngood = \"\"\n\n[check]\n{check}"
        )
    };
    for (text, expected) in [
        (
            rule("x", "kind = \"routes-cover\"\nprefixes = [\"fc01::/7\"]\n"),
            "fc01::/7",
        ),
        (
            rule(
                "x",
                "kind = \"routes-cover\"\nprefixes = \"$no-such-param\"\n",
            ),
            "no-such-param",
        ),
        (
            rule(
                "x",
                "kind = \"forbid-directive\"\nname = \"pull-filter\"\ncolour = 1\n",
            ),
            "colour",
        ),
        (
            rule(
                "incomplete-ipv6-routes",
                "kind = \"forbid-directive\"\nname = \"pull-filter\"\n",
            ),
            "already taken",
        ),
    ] {
        repo.write("policy/rule.toml", &text);
        let run = repo.run(&["office.ovpn"]);
        assert_eq!(run.code, 2, "{text}: {run:?}");
        assert!(run.stderr.contains(expected), "{text}:\n{}", run.stderr);
    }
}

#[test]
fn a_missing_rule_dir_exits_2() {
    let repo = Repo::new();
    repo.write("office.ovpn", CLEAN);
    repo.write(".ovpn6-lint.toml", "rule-dirs = [\"policy\"]\n");
    let run = repo.run(&["office.ovpn"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("policy"), "{}", run.stderr);
}

#[test]
fn a_missing_path_exits_2_while_the_other_files_are_still_reported() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    let run = repo.run(&[
        "--no-config",
        "--format",
        "short",
        "nowhere.ovpn",
        "office.ovpn",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("nowhere.ovpn"), "{}", run.stderr);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    assert_eq!(
        run.ids(),
        ["missing-ifconfig-ipv6", "incomplete-ipv6-routes"]
    );
}

#[test]
fn unreadable_files_exit_2_while_the_other_files_are_still_reported() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    std::os::unix::fs::symlink(repo.path("gone.ovpn"), repo.path("dangling.ovpn")).unwrap();
    let fifo = repo.path("pipe.ovpn");
    let made_fifo = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    let locked = repo.write("locked.ovpn", LEAKY);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let root_reads_anything = fs::read(&locked).is_ok();

    let mut args = vec![
        "--no-config",
        "--format",
        "short",
        "dangling.ovpn",
        "office.ovpn",
    ];
    if made_fifo {
        args.push("pipe.ovpn");
    }
    if !root_reads_anything {
        args.push("locked.ovpn");
    }
    let run = repo.run(&args);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("dangling.ovpn"), "{}", run.stderr);
    if made_fifo {
        assert!(run.stderr.contains("pipe.ovpn"), "{}", run.stderr);
    }
    if !root_reads_anything {
        assert!(run.stderr.contains("permission denied"), "{}", run.stderr);
    }
    assert!(run.stdout.contains("office.ovpn:1:1:"), "{}", run.stdout);
}

/// A dangling link in a linted folder is a problem of that path (issue 17), not a failure of
/// the whole run: it is reported like an error-level finding, and the rest is reported too.
#[test]
fn a_dangling_symlink_found_by_walking_is_a_finding_level_problem_of_that_path() {
    let repo = Repo::new();
    repo.write("vpn/office.ovpn", LEAKY);
    std::os::unix::fs::symlink(repo.path("vpn/gone.ovpn"), repo.path("vpn/dangling.ovpn")).unwrap();
    let run = repo.run(&["--no-config", "--format", "short", "vpn"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("dangling.ovpn"), "{}", run.stderr);
    assert!(
        run.stdout.contains("vpn/office.ovpn:1:1:"),
        "{}",
        run.stdout
    );
    // Alone in its folder, it still fails by fail-on and never reads as a pass.
    repo.write("vpn/office.ovpn", CLEAN);
    let run = repo.run(&["--no-config", "vpn"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!run.stdout.contains("passed"), "{}", run.stdout);
    let run = repo.run(&["--no-config", "--format", "github", "vpn"]);
    assert!(
        run.stdout
            .contains("::error file=vpn/dangling.ovpn,title=ovpn6-lint::`vpn/dangling.ovpn` is a symbolic link"),
        "{}",
        run.stdout
    );
    let run = repo.run(&["--no-config", "--exit-zero", "vpn"]);
    assert_eq!(run.code, 0, "{run:?}");
}

// ---------------------------------------------------------------------------------------------
// --fail-on and --exit-zero

#[test]
fn fail_on_sets_the_lowest_severity_that_exits_1() {
    let repo = Repo::new();
    repo.write("warn.ovpn", warning_only());
    repo.write("error.ovpn", LEAKY);
    let code = |level: &str, file: &str| repo.run(&["--no-config", "--fail-on", level, file]).code;
    assert_eq!(code("error", "warn.ovpn"), 0);
    assert_eq!(code("warning", "warn.ovpn"), 1);
    assert_eq!(code("note", "warn.ovpn"), 1);
    assert_eq!(code("never", "warn.ovpn"), 0);
    assert_eq!(code("error", "error.ovpn"), 1);
    assert_eq!(code("never", "error.ovpn"), 0);
    // The default is `warning`.
    assert_eq!(repo.run(&["--no-config", "warn.ovpn"]).code, 1);
}

#[test]
fn fail_on_note_counts_rules_lowered_to_note() {
    let repo = Repo::new();
    repo.write("warn.ovpn", warning_only());
    repo.write(
        ".ovpn6-lint.toml",
        "[rules]\nseverity = { deprecated-tun-ipv6 = \"note\" }\n",
    );
    let run = repo.run(&["--format", "short", "warn.ovpn"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("note[deprecated-tun-ipv6]"),
        "{}",
        run.stdout
    );
    assert_eq!(repo.run(&["--fail-on", "note", "warn.ovpn"]).code, 1);
}

#[test]
fn fail_on_in_the_config_applies_and_the_flag_overrides_it() {
    let repo = Repo::new();
    repo.write("warn.ovpn", warning_only());
    repo.write(".ovpn6-lint.toml", "fail-on = \"error\"\n");
    assert_eq!(repo.run(&["warn.ovpn"]).code, 0);
    assert_eq!(repo.run(&["--fail-on", "warning", "warn.ovpn"]).code, 1);
}

#[test]
fn exit_zero_exits_0_with_findings_but_2_when_the_tool_fails() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    let run = repo.run(&[
        "--no-config",
        "--exit-zero",
        "--format",
        "short",
        "office.ovpn",
    ]);
    assert_eq!(run.code, 0);
    assert_eq!(run.ids().len(), 2, "findings are still reported");
    let run = repo.run(&["--no-config", "--exit-zero", "office.ovpn", "nowhere.ovpn"]);
    assert_eq!(run.code, 2, "{run:?}");
}

// ---------------------------------------------------------------------------------------------
// --select and --ignore, `[rules]`

#[test]
fn select_runs_only_the_named_rules_and_all_runs_every_rule() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    let ids = |args: &[&str]| {
        let mut all = vec!["--no-config", "--format", "short"];
        all.extend_from_slice(args);
        all.push("office.ovpn");
        repo.run(&all).ids()
    };
    assert_eq!(
        ids(&["--select", "incomplete-ipv6-routes"]),
        ["incomplete-ipv6-routes"]
    );
    assert_eq!(
        ids(&["--select", "incomplete-ipv6-routes,missing-ifconfig-ipv6"]),
        ["missing-ifconfig-ipv6", "incomplete-ipv6-routes"]
    );
    assert_eq!(
        ids(&[
            "--select",
            "missing-ifconfig-ipv6",
            "--select",
            "syntax-error"
        ]),
        ["missing-ifconfig-ipv6"]
    );
    assert_eq!(ids(&["--select", "all"]).len(), 2);
    assert_eq!(ids(&["--select", "syntax-error"]), Vec::<String>::new());
}

#[test]
fn ignore_drops_rules_and_wins_over_select() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    let run = repo.run(&[
        "--no-config",
        "--format",
        "short",
        "--ignore",
        "missing-ifconfig-ipv6",
        "office.ovpn",
    ]);
    assert_eq!(run.ids(), ["incomplete-ipv6-routes"]);
    let run = repo.run(&[
        "--no-config",
        "--format",
        "short",
        "--select",
        "all",
        "--ignore",
        "missing-ifconfig-ipv6,incomplete-ipv6-routes",
        "office.ovpn",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.ids(), Vec::<String>::new());
}

#[test]
fn config_rules_select_and_ignore_apply_and_the_select_flag_replaces_them() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    repo.write(
        ".ovpn6-lint.toml",
        "[rules]\nselect = [\"missing-ifconfig-ipv6\", \"incomplete-ipv6-routes\"]\nignore = [\"missing-ifconfig-ipv6\"]\n",
    );
    let run = repo.run(&["--format", "short", "office.ovpn"]);
    assert_eq!(run.ids(), ["incomplete-ipv6-routes"]);
    let run = repo.run(&[
        "--format",
        "short",
        "--select",
        "syntax-error",
        "office.ovpn",
    ]);
    assert_eq!(run.ids(), Vec::<String>::new());
}

#[test]
fn config_severity_changes_what_is_reported() {
    let repo = Repo::new();
    repo.write("office.ovpn", out_of_range());
    repo.write(
        ".ovpn6-lint.toml",
        "[rules]\nseverity = { tunnel-address-out-of-range = \"warning\" }\n",
    );
    let run = repo.run(&["--format", "short", "office.ovpn"]);
    assert!(
        run.stdout.contains("warning[tunnel-address-out-of-range]"),
        "{}",
        run.stdout
    );
    assert_eq!(repo.run(&["--fail-on", "error", "office.ovpn"]).code, 0);
}

// ---------------------------------------------------------------------------------------------
// --config, --no-config and discovery of .ovpn6-lint.toml

/// A config that switches off the two rules [`LEAKY`] fires.
const QUIET: &str = "[rules]\nignore = [\"missing-ifconfig-ipv6\", \"incomplete-ipv6-routes\"]\n";

#[test]
fn the_config_in_the_current_folder_is_used() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    repo.write(".ovpn6-lint.toml", QUIET);
    assert_eq!(repo.run(&["office.ovpn"]).code, 0);
    assert_eq!(repo.run(&["--no-config", "office.ovpn"]).code, 1);
}

#[test]
fn the_nearest_config_up_to_the_repository_root_is_used() {
    let repo = Repo::new();
    repo.write("vpn/eu/office.ovpn", LEAKY);
    repo.write(".ovpn6-lint.toml", QUIET);
    let run = repo.run_in("vpn/eu", &["office.ovpn"], &[], None);
    assert_eq!(run.code, 0, "{run:?}");
    // A nearer config wins over the one at the root.
    repo.write("vpn/.ovpn6-lint.toml", "fail-on = \"warning\"\n");
    let run = repo.run_in("vpn/eu", &["office.ovpn"], &[], None);
    assert_eq!(run.code, 1, "{run:?}");
}

#[test]
fn a_config_above_the_repository_root_is_not_used() {
    let outer = tempfile::tempdir().unwrap();
    fs::write(outer.path().join(".ovpn6-lint.toml"), QUIET).unwrap();
    let repo_dir = outer.path().join("repo");
    fs::create_dir_all(repo_dir.join(".git")).unwrap();
    fs::write(repo_dir.join("office.ovpn"), LEAKY).unwrap();
    let output = ovpn6_lint(&repo_dir).arg("office.ovpn").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn config_names_the_file_to_use() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    repo.write("ci/lint.toml", QUIET);
    repo.write(".ovpn6-lint.toml", "fail-on = \"warning\"\n");
    assert_eq!(
        repo.run(&["--config", "ci/lint.toml", "office.ovpn"]).code,
        0
    );
    let run = repo.run(&["--config", "ci/missing.toml", "office.ovpn"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("ci/missing.toml"), "{}", run.stderr);
}

#[test]
fn overrides_change_params_and_role_per_glob() {
    let repo = Repo::new();
    repo.write("aws/office.ovpn", LEAKY);
    repo.write("providers/mullvad.ovpn", LEAKY);
    // A template without a `client` line is a p2p config unless an override says otherwise.
    repo.write(
        "terraform/office.ovpn.tpl",
        LEAKY
            .replace("client\n", "")
            .replace("remote cvpn", "remote ${endpoint} # cvpn"),
    );
    repo.write(
        ".ovpn6-lint.toml",
        r#"include = ["**/*.ovpn", "**/*.ovpn.tpl"]

[[overrides]]
files = ["providers/**"]
params = { server-pushes-ipv6 = true }

[[overrides]]
files = ["terraform/**/*.ovpn.tpl"]
role = "client"
"#,
    );
    let run = repo.run(&["--format", "short"]);
    let files: Vec<&str> = run
        .stdout
        .lines()
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "aws/office.ovpn",
            "aws/office.ovpn",
            "terraform/office.ovpn.tpl",
            "terraform/office.ovpn.tpl"
        ],
        "{}",
        run.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// Which files: include, exclude, --force-exclude, .gitignore, .conf sniffing

#[test]
fn walking_lints_ovpn_files_and_openvpn_conf_files_only() {
    let repo = Repo::new();
    repo.write("vpn/office.ovpn", LEAKY);
    repo.write("server/server.conf", SERVER);
    repo.write("web/nginx.conf", NGINX);
    repo.write("README.md", "client\ndev tun\n");
    repo.write("vpn/office.ovpn.bak", LEAKY);
    let run = repo.run(&["--no-config", "--format", "short", "."]);
    assert_eq!(run.stderr, "");
    let mut files: Vec<&str> = run
        .stdout
        .lines()
        .map(|l| l.split(':').next().unwrap())
        .collect();
    files.dedup();
    assert_eq!(
        files,
        ["server/server.conf", "vpn/office.ovpn"],
        "{}",
        run.stdout
    );
}

#[test]
fn an_explicit_nginx_conf_is_skipped_without_an_error() {
    let repo = Repo::new();
    repo.write("nginx.conf", NGINX);
    let run = repo.run(&["--no-config", "--format", "short", "nginx.conf"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "");
}

#[test]
fn an_explicit_openvpn_conf_is_linted() {
    let repo = Repo::new();
    repo.write("server.conf", SERVER);
    let run = repo.run(&["--no-config", "--format", "short", "server.conf"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.ids(), ["server-redirect-without-ipv6"]);
}

#[test]
fn gitignored_files_are_not_walked() {
    let repo = Repo::new();
    repo.write(".gitignore", "generated/\n");
    repo.write("generated/office.ovpn", LEAKY);
    repo.write("vpn/office.ovpn", CLEAN);
    let run = repo.run(&["--no-config", "--format", "short"]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn exclude_skips_walked_files_but_not_files_named_on_the_command_line() {
    let repo = Repo::new();
    repo.write("third_party/vendor.ovpn", LEAKY);
    repo.write("vpn/office.ovpn", CLEAN);
    repo.write(".ovpn6-lint.toml", "exclude = [\"third_party/**\"]\n");
    assert_eq!(repo.run(&["."]).code, 0);
    let named = repo.run(&["--format", "short", "third_party/vendor.ovpn"]);
    assert_eq!(
        named.code, 1,
        "a file named explicitly is linted: {named:?}"
    );
    let forced = repo.run(&[
        "--force-exclude",
        "third_party/vendor.ovpn",
        "vpn/office.ovpn",
    ]);
    assert_eq!(forced.code, 0, "{forced:?}");
    assert_eq!(forced.stderr, "");
}

#[test]
fn dot_ignore_files_are_honoured_too() {
    let repo = Repo::new();
    repo.write(".ignore", "archive/\n");
    repo.write("archive/old.ovpn", LEAKY);
    repo.write("vpn/office.ovpn", CLEAN);
    let run = repo.run(&["--no-config", "--format", "short"]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn exclude_globs_are_relative_to_the_config_folder_from_any_subfolder() {
    let repo = Repo::new();
    repo.write(".ovpn6-lint.toml", "exclude = [\"third_party/**\"]\n");
    repo.write("third_party/vendor.ovpn", LEAKY);
    let run = repo.run_in("third_party", &["."], &[], None);
    assert_eq!(run.code, 0, "{run:?}");
    let run = repo.run_in(
        "third_party",
        &["--force-exclude", "vendor.ovpn"],
        &[],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn include_decides_which_walked_files_are_linted() {
    let repo = Repo::new();
    repo.write("terraform/office.ovpn.tpl", LEAKY);
    repo.write("vpn/office.ovpn", CLEAN);
    let run = repo.run(&["--format", "short", "."]);
    assert_eq!(run.code, 1, "templates are walked by default: {run:?}");
    assert!(
        run.stdout.starts_with("terraform/office.ovpn.tpl:"),
        "{}",
        run.stdout
    );
    repo.write(".ovpn6-lint.toml", "include = [\"**/*.ovpn\"]\n");
    assert_eq!(
        repo.run(&["."]).code,
        0,
        "a config's own `include` decides alone"
    );
    repo.write(".ovpn6-lint.toml", "include = [\"**/*.ovpn.tpl\"]\n");
    let run = repo.run(&["--format", "short", "."]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.starts_with("terraform/office.ovpn.tpl:"),
        "{}",
        run.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// Standard input

#[test]
fn stdin_is_linted_and_named_by_stdin_filename() {
    let repo = Repo::new();
    let run = repo.run_in(
        ".",
        &[
            "--no-config",
            "--format",
            "short",
            "--stdin-filename",
            "vpn/office.ovpn",
            "-",
        ],
        &[],
        Some(LEAKY),
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout
            .starts_with("vpn/office.ovpn:1:1: error[missing-ifconfig-ipv6]"),
        "{}",
        run.stdout
    );
    let unnamed = repo.run_in(
        ".",
        &["--no-config", "--format", "short", "-"],
        &[],
        Some(LEAKY),
    );
    assert!(unnamed.stdout.starts_with("-:1:1:"), "{}", unnamed.stdout);
}

#[test]
fn fix_on_stdin_prints_the_fixed_text() {
    let repo = Repo::new();
    let run = repo.run_in(".", &["--no-config", "--fix", "-"], &[], Some(LEAKY));
    assert_eq!(run.stdout, LEAKY_FIXED, "{run:?}");
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn stdin_filename_picks_the_per_glob_overrides() {
    let repo = Repo::new();
    repo.write(
        ".ovpn6-lint.toml",
        "[[overrides]]\nfiles = [\"providers/**\"]\nparams = { server-pushes-ipv6 = true }\n",
    );
    let run = repo.run_in(
        ".",
        &[
            "--format",
            "short",
            "--stdin-filename",
            "providers/mullvad.ovpn",
            "-",
        ],
        &[],
        Some(LEAKY),
    );
    assert_eq!(run.code, 0, "{run:?}");
}

// ---------------------------------------------------------------------------------------------
// --explain, --list-rules, --inspect

#[test]
fn explain_prints_a_rules_documentation() {
    let repo = Repo::new();
    let run = repo.run(&["--no-config", "--explain", "incomplete-ipv6-routes"]);
    assert_eq!(run.code, 0);
    for heading in [
        "incomplete-ipv6-routes",
        "Why",
        "route-ipv6 2000::/4",
        "Fix safety",
    ] {
        assert!(run.stdout.contains(heading), "{heading}:\n{}", run.stdout);
    }
    let unknown = repo.run(&["--no-config", "--explain", "incomplete-ipv6-route"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("incomplete-ipv6-routes"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn list_rules_prints_every_rule_with_severity_scope_and_fix() {
    let repo = Repo::new();
    let run = repo.run(&["--no-config", "--list-rules"]);
    assert_eq!(run.code, 0);
    for id in common::rule_ids() {
        assert!(run.stdout.contains(&id), "{id} missing:\n{}", run.stdout);
    }
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("tunnel-address-out-of-range "))
        .unwrap();
    let columns: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        columns,
        [
            "tunnel-address-out-of-range",
            "error",
            "$leak-roles",
            "unsafe"
        ]
    );
}

#[test]
fn list_rules_as_json_is_machine_readable() {
    let repo = Repo::new();
    let run = repo.run(&["--no-config", "--list-rules", "--format", "json"]);
    assert_eq!(run.code, 0);
    let list: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    let list = list.as_array().unwrap();
    let ids: Vec<&str> = list.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, common::rule_ids());
    let rule = list
        .iter()
        .find(|r| r["id"] == "route-ipv6-host-bits")
        .unwrap();
    assert_eq!(rule["severity"], "warning");
    assert_eq!(rule["fix"], "safe");
    assert_eq!(rule["applies_to"], "any");
    assert!(rule["summary"].as_str().unwrap().contains("bits"));
    let unfixable = list.iter().find(|r| r["id"] == "syntax-error").unwrap();
    assert!(unfixable["fix"].is_null());
}

#[test]
fn inspect_prints_the_effective_ipv6_view_as_json() {
    let repo = Repo::new();
    repo.write(
        "vpn/office.ovpn",
        "\
client
dev tun
pull-filter ignore route-ipv6
ifconfig-ipv6 fd15:53b6:dead::2/64 fd15:53b6:dead::1
route-ipv6 2000::/4
route-ipv6 2001:db8::1/32 fd15:53b6:dead::3 10
route-ipv6 2001:db8:42::
route-ipv6 3000::/4#x
route-ipv6 office-v6.example/48
",
    );
    let run = repo.run(&["--no-config", "--inspect", "vpn/office.ovpn"]);
    assert_eq!(run.code, 0, "{run:?}");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    let file = &json[0];
    assert_eq!(file["path"], "vpn/office.ovpn");
    assert_eq!(file["role"], "client");
    assert_eq!(file["dev"], "tun");
    assert_eq!(
        file["ifconfig_ipv6"],
        serde_json::json!({"local": "fd15:53b6:dead::2", "bits": 64, "remote": "fd15:53b6:dead::1", "line": 4})
    );
    let routes: Vec<(&str, &serde_json::Value, &serde_json::Value, u64)> = file["routes_ipv6"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["network"].as_str().unwrap(),
                &r["gateway"],
                &r["metric"],
                r["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(routes.len(), 3);
    assert_eq!(routes[0].0, "2000::/4");
    assert_eq!(routes[1].0, "2001:db8::/32", "host bits cleared");
    assert_eq!(routes[1].1, "fd15:53b6:dead::3");
    assert_eq!(routes[1].2, 10);
    assert_eq!(routes[2].0, "2001:db8:42::/64", "no length is /64");
    assert_eq!(routes[2].3, 7);
    assert_eq!(
        file["dropped_routes_ipv6"],
        serde_json::json!([{"spec": "3000::/4#x", "line": 8}])
    );
    assert_eq!(
        file["named_routes_ipv6"],
        serde_json::json!([{"spec": "office-v6.example/48", "line": 9}])
    );
    assert_eq!(file["redirect_ipv6"], false);
    assert_eq!(file["block_ipv6"], false);
    assert_eq!(file["route_nopull"], false);
    assert_eq!(
        file["pull_filters"],
        serde_json::json!([{"action": "ignore", "text": "route-ipv6", "line": 3}])
    );
    assert_eq!(file["errors"], serde_json::json!([]));
}

#[test]
fn inspect_lists_errors_and_exits_2_for_a_missing_file() {
    let repo = Repo::new();
    repo.write(
        "broken.ovpn",
        "client\ndev tun\nifconfig-ipv6 fd00::2/48 fd00::1\n",
    );
    let run = repo.run(&["--no-config", "--inspect", "broken.ovpn", "nowhere.ovpn"]);
    assert_eq!(run.code, 2, "{run:?}");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(json[0]["errors"][0]["line"], 3);
}

#[test]
fn inspect_keeps_a_zoned_ifconfig_ipv6_and_says_why_openvpn_stops() {
    let repo = Repo::new();
    repo.write(
        "zoned.ovpn",
        "client\ndev tun\nifconfig-ipv6 fe80::2%tun0/64 fe80::1\nroute-ipv6 2000::/3\n",
    );
    let run = repo.run(&["--no-config", "--inspect", "zoned.ovpn"]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    let file = &json[0];
    assert_eq!(
        file["ifconfig_ipv6"],
        serde_json::json!({"local": "fe80::2%tun0", "bits": 64, "remote": "fe80::1", "line": 3})
    );
    assert_eq!(file["routes_ipv6"][0]["gateway"], "fe80::1");
    let message = file["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("zone `%tun0`") && message.contains("init_tun"),
        "{message}"
    );
}

#[test]
fn a_backslash_joined_option_name_is_reported_as_one_word() {
    let repo = Repo::new();
    repo.write(
        "joined.ovpn",
        "client\ndev tun\nifconfig-ipv6 fd00::2 fd00::1\nroute-ipv6\\ 2000::/3\n",
    );
    let run = repo.run(&[
        "--no-config",
        "--select",
        "syntax-error",
        "--format",
        "short",
        "joined.ovpn",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.starts_with("joined.ovpn:4:1: error[syntax-error] the backslash before the space makes the whole line one word: `route-ipv6 2000::/3`"),
        "{}",
        run.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// --diff

#[test]
fn diff_prints_the_fix_as_a_unified_diff_exits_1_and_writes_nothing() {
    let repo = Repo::new();
    let path = repo.write("office.ovpn", LEAKY);
    let before = fs::metadata(&path).unwrap();
    let run = repo.run(&["--no-config", "--diff", "office.ovpn"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        "\
--- a/office.ovpn
+++ b/office.ovpn
@@ -5,3 +5,5 @@
 nobind
 remote-cert-tls server
 route-ipv6 2000::/4
+ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1
+route-ipv6 3000::/4
"
    );
    assert_eq!(repo.read("office.ovpn"), LEAKY.as_bytes());
    let after = fs::metadata(&path).unwrap();
    assert_eq!(
        (before.ino(), before.mtime_nsec()),
        (after.ino(), after.mtime_nsec())
    );
    let leftovers: Vec<_> = fs::read_dir(repo.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "no temporary files: {leftovers:?}"); // .git, office.ovpn
}

#[test]
fn diff_exits_0_when_there_is_nothing_to_fix() {
    let repo = Repo::new();
    repo.write("office.ovpn", CLEAN);
    repo.write(
        "display-only.ovpn",
        format!("{CLEAN}route-ipv6 office-v6.corp.example.com/48\n"),
    );
    let run = repo.run(&["--no-config", "--diff", "office.ovpn", "display-only.ovpn"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "");
}

#[test]
fn diff_shows_unsafe_fixes_only_with_unsafe_fixes() {
    let repo = Repo::new();
    repo.write("office.ovpn", out_of_range());
    let safe = repo.run(&["--no-config", "--diff", "office.ovpn"]);
    assert_eq!(safe.code, 0, "{safe:?}");
    assert_eq!(safe.stdout, "");
    let run = repo.run(&["--no-config", "--diff", "--unsafe-fixes", "office.ovpn"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("-ifconfig-ipv6 2001:db8:cafe::2 2001:db8:cafe::1\n")
    );
    assert!(
        run.stdout
            .contains("+ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\n")
    );
    assert_eq!(repo.read("office.ovpn"), out_of_range().as_bytes());
}

#[test]
fn diff_with_exit_zero_exits_0() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    let run = repo.run(&["--no-config", "--diff", "--exit-zero", "office.ovpn"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("--- a/office.ovpn"));
}

#[test]
fn no_report_or_diff_shows_the_body_of_a_secret_block() {
    let repo = Repo::new();
    let secret = "SECRETKEYMATERIAL0123456789";
    let profile = LEAKY.replace(
        "nobind\n",
        &format!("nobind\n<key>\n-----BEGIN PRIVATE KEY-----\n{secret}\n-----END PRIVATE KEY-----\n</key>\n"),
    );
    repo.write("office.ovpn", &profile);
    for args in [
        &["--no-config", "--diff", "office.ovpn"][..],
        &["--no-config", "--color", "never", "office.ovpn"],
        &["--no-config", "--format", "short", "office.ovpn"],
    ] {
        let run = repo.run(args);
        assert!(!run.stdout.contains(secret), "{args:?}:\n{}", run.stdout);
    }
    // A broken block: the report points at it, still without the key.
    repo.write(
        "broken.ovpn",
        format!("client\ndev tun\n<key>\n{secret}\n-----END PRIVATE KEY-----\n"),
    );
    let run = repo.run(&["--no-config", "--color", "never", "broken.ovpn"]);
    assert!(run.stdout.contains("syntax-error"), "{}", run.stdout);
    assert!(!run.stdout.contains(secret), "{}", run.stdout);
}

// ---------------------------------------------------------------------------------------------
// --fix and --unsafe-fixes

#[test]
fn fix_applies_safe_fixes_reports_what_is_left_and_exits_by_it() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    let run = repo.run(&["--no-config", "--fix", "--color", "never", "office.ovpn"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(repo.read("office.ovpn"), LEAKY_FIXED.as_bytes());
    assert!(
        run.stdout
            .contains("Fixed 2 findings in 1 file; 0 remaining."),
        "{}",
        run.stdout
    );
}

#[test]
fn fix_leaves_unsafe_fixes_to_unsafe_fixes() {
    let repo = Repo::new();
    repo.write("office.ovpn", out_of_range());
    let run = repo.run(&["--no-config", "--fix", "--format", "short", "office.ovpn"]);
    assert_eq!(run.code, 1, "the unsafe finding remains: {run:?}");
    assert_eq!(run.ids(), ["tunnel-address-out-of-range"]);
    assert_eq!(repo.read("office.ovpn"), out_of_range().as_bytes());
    let run = repo.run(&["--no-config", "--fix", "--unsafe-fixes", "office.ovpn"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(repo.read("office.ovpn"), CLEAN.as_bytes());
}

#[test]
fn fix_keeps_the_file_mode_crlf_and_bom() {
    let repo = Repo::new();
    let crlf = |s: &str| s.replace('\n', "\r\n");
    let original = format!("\u{feff}{}", crlf(LEAKY));
    let path = repo.write("office.ovpn", &original);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    let run = repo.run(&["--no-config", "--fix", "office.ovpn"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        String::from_utf8(repo.read("office.ovpn")).unwrap(),
        format!("\u{feff}{}", crlf(LEAKY_FIXED))
    );
    let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn fix_keeps_a_missing_final_newline() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY.trim_end());
    repo.run(&["--no-config", "--fix", "office.ovpn"]);
    assert_eq!(
        String::from_utf8(repo.read("office.ovpn")).unwrap(),
        LEAKY_FIXED.trim_end()
    );
}

#[test]
fn fix_does_not_rewrite_a_file_it_does_not_change() {
    let repo = Repo::new();
    let path = repo.write(
        "office.ovpn",
        format!("{CLEAN}route-ipv6 office-v6.corp.example.com/48\n"),
    );
    let before = fs::metadata(&path).unwrap();
    let run = repo.run(&["--no-config", "--fix", "office.ovpn"]);
    assert_eq!(run.code, 1, "the display-only finding remains: {run:?}");
    let after = fs::metadata(&path).unwrap();
    assert_eq!(
        (before.ino(), before.mtime_nsec()),
        (after.ino(), after.mtime_nsec())
    );
}

#[test]
fn fix_writes_through_a_symlink_inside_the_repository_only() {
    let repo = Repo::new();
    repo.write("profiles/office.ovpn", LEAKY);
    std::os::unix::fs::symlink("profiles/office.ovpn", repo.path("office.ovpn")).unwrap();
    repo.write(".ovpn6-lint.toml", "");
    let run = repo.run(&["--fix", "office.ovpn"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        fs::symlink_metadata(repo.path("office.ovpn"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(repo.read("profiles/office.ovpn"), LEAKY_FIXED.as_bytes());

    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("shared.ovpn"), LEAKY).unwrap();
    std::os::unix::fs::symlink(outside.path().join("shared.ovpn"), repo.path("shared.ovpn"))
        .unwrap();
    let run = repo.run(&["--fix", "shared.ovpn"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("outside the repository"),
        "{}",
        run.stderr
    );
    assert_eq!(
        fs::read(outside.path().join("shared.ovpn")).unwrap(),
        LEAKY.as_bytes()
    );
}

#[test]
fn fix_never_edits_an_included_file() {
    let repo = Repo::new();
    repo.write(
        "common.conf",
        "dev tun\nroute-ipv6 2000::/4\nroute-ipv6 2000::/4\n",
    );
    repo.write(
        "office.ovpn",
        "client\nconfig common.conf\nifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\n",
    );
    let run = repo.run(&["--no-config", "--fix", "--format", "short", "office.ovpn"]);
    assert_eq!(
        repo.read("common.conf"),
        b"dev tun\nroute-ipv6 2000::/4\nroute-ipv6 2000::/4\n"
    );
    assert!(
        run.ids().contains(&"redundant-route-ipv6".to_owned()),
        "{}",
        run.stdout
    );
    // The missing route is added to the top-level file instead.
    assert_eq!(
        String::from_utf8(repo.read("office.ovpn")).unwrap(),
        "client\nconfig common.conf\nifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\nroute-ipv6 3000::/4\n"
    );
}

#[test]
fn files_openvpn_would_refuse_are_fixed_only_with_unsafe_fixes() {
    let repo = Repo::new();
    let broken = LEAKY.replace("nobind\n", "nobind\nverify-x509-name \"server name\n");
    repo.write("office.ovpn", &broken);
    let run = repo.run(&["--no-config", "--diff", "office.ovpn"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{run:?}");
    let run = repo.run(&["--no-config", "--fix", "--unsafe-fixes", "office.ovpn"]);
    assert_eq!(run.code, 1, "the syntax error remains: {run:?}");
    assert!(
        String::from_utf8(repo.read("office.ovpn"))
            .unwrap()
            .contains("route-ipv6 3000::/4\n")
    );
}

#[test]
fn an_edit_that_would_make_a_line_of_256_bytes_is_not_applied() {
    let repo = Repo::new();
    let line = "ifconfig-ipv6 2001:db8::2 2001:db8::1 # global addresses from the old setup ";
    let line = format!("{line}{}", "-".repeat(250 - line.len()));
    let profile = CLEAN.replace("ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1", &line);
    repo.write("office.ovpn", &profile);
    let run = repo.run(&[
        "--no-config",
        "--fix",
        "--unsafe-fixes",
        "--format",
        "short",
        "office.ovpn",
    ]);
    assert_eq!(run.ids(), ["tunnel-address-out-of-range"], "{run:?}");
    assert_eq!(repo.read("office.ovpn"), profile.as_bytes());
}

#[test]
fn diff_of_stdin_is_named_by_stdin_filename() {
    let repo = Repo::new();
    let run = repo.run_in(
        ".",
        &[
            "--no-config",
            "--diff",
            "--stdin-filename",
            "vpn/office.ovpn",
            "-",
        ],
        &[],
        Some(LEAKY),
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout
            .starts_with("--- a/vpn/office.ovpn\n+++ b/vpn/office.ovpn\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn fix_settles_on_a_tap_profile_without_a_gateway() {
    let repo = Repo::new();
    let tap = "client\ndev tap\nremote vpn.example.com 1194\nroute-ipv6 2000::/3\n";
    repo.write("office.ovpn", tap);
    let run = repo.run(&["--no-config", "--fix", "--format", "short", "office.ovpn"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        String::from_utf8(repo.read("office.ovpn")).unwrap(),
        format!("{tap}ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\n")
    );
    // Alone, the route fix cannot help on tap: it must not loop either.
    repo.write("office.ovpn", tap);
    let run = repo.run(&[
        "--no-config",
        "--fix",
        "--select",
        "incomplete-ipv6-routes",
        "office.ovpn",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(repo.read("office.ovpn"), tap.as_bytes());
}

#[test]
fn templates_are_fixed_only_with_unsafe_fixes() {
    let repo = Repo::new();
    let template = LEAKY.replace("remote cvpn", "remote {{ endpoint }} # cvpn");
    repo.write("office.ovpn", &template);
    repo.run(&["--no-config", "--fix", "office.ovpn"]);
    assert_eq!(repo.read("office.ovpn"), template.as_bytes());
    repo.run(&["--no-config", "--fix", "--unsafe-fixes", "office.ovpn"]);
    assert_ne!(repo.read("office.ovpn"), template.as_bytes());
}

#[test]
fn the_ifconfig_ipv6_fix_is_unsafe_when_openvpn3_clients_use_the_profiles() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    repo.write(
        ".ovpn6-lint.toml",
        "[params]\nclients = [\"openvpn2\", \"openvpn3\"]\n",
    );
    let run = repo.run(&["--fix", "--format", "short", "office.ovpn"]);
    // The OpenVPN 2 finding says it is for openvpn2; the OpenVPN 3 clients get their own.
    assert_eq!(
        run.ids(),
        ["missing-ifconfig-ipv6", "openvpn3-ipv6-not-pushed"],
        "{run:?}"
    );
    assert!(run.stdout.contains("(for openvpn2)"), "{run:?}");
    assert!(
        run.stdout.contains("(for openvpn-connect, openvpn3-linux)"),
        "{run:?}"
    );
    assert!(
        !String::from_utf8(repo.read("office.ovpn"))
            .unwrap()
            .contains("ifconfig-ipv6")
    );
}

#[test]
fn the_fix_inserts_the_configured_tunnel_addresses() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    repo.write(
        ".ovpn6-lint.toml",
        "[params]\ntunnel-addresses = [\"fd00:a75::2/64\", \"fd00:a75::1\"]\n",
    );
    let run = repo.run(&["--fix", "office.ovpn"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        String::from_utf8(repo.read("office.ovpn"))
            .unwrap()
            .contains("\nifconfig-ipv6 fd00:a75::2/64 fd00:a75::1\n")
    );
}

// ---------------------------------------------------------------------------------------------
// server-pushes-ipv6 and what stops the pushed settings

#[test]
fn server_pushes_ipv6_silences_the_leak_rules_unless_something_stops_the_push() {
    let repo = Repo::new();
    repo.write(".ovpn6-lint.toml", "[params]\nserver-pushes-ipv6 = true\n");
    let bare = "client\ndev tun\nremote vpn.example.com 1194\n";
    let ids = |extra: &str| {
        repo.write("provider.ovpn", format!("{bare}{extra}"));
        let mut ids = repo.run(&["--format", "short", "provider.ovpn"]).ids();
        ids.sort();
        ids
    };
    assert_eq!(ids(""), Vec::<String>::new());
    // route-nopull blocks pushed routes and redirect-gateway, not a pushed ifconfig-ipv6.
    assert_eq!(ids("route-nopull\n"), ["incomplete-ipv6-routes"]);
    assert_eq!(
        ids("pull-filter ignore route-ipv6\n"),
        ["incomplete-ipv6-routes"]
    );
    assert_eq!(
        ids("pull-filter reject redirect-gateway\n"),
        ["incomplete-ipv6-routes"]
    );
    assert_eq!(
        ids("pull-filter ignore ifconfig-ipv6\n"),
        ["missing-ifconfig-ipv6"]
    );
    // OpenVPN matches by prefix: `route` also stops `route-ipv6`, `""` stops everything.
    assert_eq!(
        ids("pull-filter ignore route\n"),
        ["incomplete-ipv6-routes"]
    );
    assert_eq!(
        ids("pull-filter ignore \"\"\n"),
        ["incomplete-ipv6-routes", "missing-ifconfig-ipv6"]
    );
    // The first matching filter wins.
    assert_eq!(
        ids("pull-filter accept route-ipv6\npull-filter ignore route\n"),
        Vec::<String>::new()
    );
}

// ---------------------------------------------------------------------------------------------
// --color, NO_COLOR, CLICOLOR_FORCE

#[test]
fn color_never_and_always_are_obeyed_whatever_the_environment() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    let run = |color: &str, env: &[(&str, &str)]| {
        repo.run_in(
            ".",
            &["--no-config", "--color", color, "office.ovpn"],
            env,
            None,
        )
    };
    assert!(!has_ansi(&run("never", &[]).stdout));
    assert!(!has_ansi(&run("never", &[("CLICOLOR_FORCE", "1")]).stdout));
    assert!(has_ansi(&run("always", &[]).stdout));
    assert!(has_ansi(&run("always", &[("NO_COLOR", "1")]).stdout));
}

#[test]
fn color_auto_is_plain_in_a_pipe_and_honours_no_color_and_clicolor_force() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    let run = |env: &[(&str, &str)]| repo.run_in(".", &["--no-config", "office.ovpn"], env, None);
    assert!(!has_ansi(&run(&[]).stdout), "stdout is a pipe here");
    assert!(has_ansi(&run(&[("CLICOLOR_FORCE", "1")]).stdout));
    assert!(!has_ansi(&run(&[("CLICOLOR_FORCE", "0")]).stdout));
    assert!(!has_ansi(
        &run(&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]).stdout
    ));
    // An empty NO_COLOR does not count (no-color.org).
    assert!(has_ansi(
        &run(&[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")]).stdout
    ));
}

#[test]
fn short_reports_never_have_colour() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    let run = repo.run(&[
        "--no-config",
        "--format",
        "short",
        "--color",
        "always",
        "office.ovpn",
    ]);
    assert!(!has_ansi(&run.stdout), "{}", run.stdout);
}

// ---------------------------------------------------------------------------------------------
// Rule packs: rule-dirs

/// An organisation's policy: unique-local IPv6 must be tunnelled too, and no `pull-filter`.
fn write_policy(repo: &Repo) {
    repo.write(
        ".ovpn6-lint.toml",
        "rule-dirs = [\"policy/ovpn6\"]\n\n[params]\nula-coverage = [\"fc00::/7\"]\n",
    );
    repo.write(
        "policy/ovpn6/tunnel-unique-local.toml",
        r#"id = "tunnel-unique-local"
severity = "error"
applies-to = "client"
message = "unique-local IPv6 ({uncovered}) is not routed into the tunnel"
label = "add `route-ipv6 fc00::/7`"
summary = "Company policy: fc00::/7 goes into the tunnel too."
why = "Internal services are reached over unique-local IPv6 only through the VPN."
bad = """
client
dev tun
ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1
route-ipv6 2000::/3
"""
good = """
client
dev tun
ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1
route-ipv6 2000::/3
route-ipv6 fc00::/7
"""

[check]
kind = "routes-cover"
prefixes = "$ula-coverage"

[fix]
applicability = "safe"
"#,
    );
    repo.write(
        "policy/ovpn6/no-pull-filter.toml",
        r#"id = "no-pull-filter"
severity = "warning"
applies-to = "any"
message = "`pull-filter` is not allowed: it can drop the IPv6 settings the server pushes"
summary = "Company policy: no `pull-filter`."
why = "A pull-filter can silently drop pushed IPv6 routes."
bad = "pull-filter ignore route-ipv6\n"
good = "client\n"

[check]
kind = "forbid-directive"
name = "pull-filter"
"#,
    );
}

#[test]
fn a_rule_pack_in_rule_dirs_is_loaded_and_fires() {
    let repo = Repo::new();
    write_policy(&repo);
    repo.write(
        "office.ovpn",
        CLEAN.replace("verb 3\n", "verb 3\npull-filter ignore route-ipv6\n"),
    );
    let run = repo.run(&["--format", "short", "office.ovpn"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.ids(),
        ["no-pull-filter", "tunnel-unique-local"],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            // The tunnel's own /64 (from `ifconfig-ipv6`) is routed into the tunnel.
            .contains("unique-local IPv6 (fc00::/7 except fd15:53b6:dead::/64) is not routed"),
        "{}",
        run.stdout
    );

    let listed = repo.run(&["--list-rules"]);
    assert!(listed.stdout.contains("tunnel-unique-local"));
    assert!(listed.stdout.contains("no-pull-filter"));
    let explained = repo.run(&["--explain", "tunnel-unique-local"]);
    assert_eq!(explained.code, 0);
    assert!(explained.stdout.contains("Company policy"));

    let fixed = repo.run(&["--fix", "--select", "tunnel-unique-local", "office.ovpn"]);
    assert_eq!(fixed.code, 0, "{fixed:?}");
    assert!(
        String::from_utf8(repo.read("office.ovpn"))
            .unwrap()
            .ends_with("route-ipv6 2000::/3\nroute-ipv6 fc00::/7\n")
    );
}

#[test]
fn a_rule_pack_can_refer_to_a_param_and_be_suppressed() {
    let repo = Repo::new();
    write_policy(&repo);
    let rule = repo.path("policy/ovpn6/tunnel-unique-local.toml");
    let text = fs::read_to_string(&rule).unwrap();
    fs::write(
        &rule,
        text.replace("prefixes = [\"fc00::/7\"]", "prefixes = \"$ula-coverage\""),
    )
    .unwrap();
    repo.write(
        "office.ovpn",
        CLEAN.replace(
            "2000::/3\n",
            "2000::/3 # ovpn6-lint: disable=tunnel-unique-local\n",
        ),
    );
    let run = repo.run(&["--format", "short", "office.ovpn"]);
    assert_eq!(run.code, 0, "{run:?}");
}

// ---------------------------------------------------------------------------------------------
// --report and the other formats

#[test]
fn report_writes_extra_uncoloured_reports_to_files() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    let short = repo.run(&["--no-config", "--format", "short", "office.ovpn"]);
    let run = repo.run(&[
        "--no-config",
        "--color",
        "always",
        "--report",
        "short=short.txt",
        "--report",
        "human=human.txt",
        "office.ovpn",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        has_ansi(&run.stdout),
        "standard output keeps --color always"
    );
    assert_eq!(
        fs::read_to_string(repo.path("short.txt")).unwrap(),
        short.stdout
    );
    let human = fs::read_to_string(repo.path("human.txt")).unwrap();
    assert!(human.contains("error[missing-ifconfig-ipv6]"), "{human}");
    assert!(!has_ansi(&human), "report files are never coloured");
}

#[test]
fn short_output_alone_works_out_less_but_a_detailed_report_beside_it_gets_everything() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    // `--format short` alone shows messages only (labels, notes and fixes are not worked out);
    // a JSON report written in the same run still carries them.
    let short = repo.run(&["--no-config", "--format", "short", "office.ovpn"]);
    let run = repo.run(&[
        "--no-config",
        "--format",
        "short",
        "--report",
        "json=report.json",
        "office.ovpn",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout, short.stdout);
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(repo.path("report.json")).unwrap()).unwrap();
    let alone = repo.run(&["--no-config", "--format", "json", "office.ovpn"]);
    let alone: serde_json::Value = serde_json::from_str(&alone.stdout).unwrap();
    assert_eq!(json, alone, "the report is the one a JSON run writes");
    let finding = &json["diagnostics"][0];
    assert!(
        finding["fix"]["edits"]
            .as_array()
            .is_some_and(|e| !e.is_empty()),
        "{json}"
    );
    assert!(
        finding["label"].as_str().is_some_and(|l| !l.is_empty()),
        "{json}"
    );
}

#[test]
fn a_report_that_cannot_be_written_exits_2() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    let run = repo.run(&[
        "--no-config",
        "--report",
        "short=no/such/dir/short.txt",
        "office.ovpn",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("no/such/dir/short.txt"),
        "{}",
        run.stderr
    );
}

#[test]
fn report_needs_format_equals_path() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    for request in ["short", "xml=out.xml"] {
        let run = repo.run(&["--no-config", "--report", request, "office.ovpn"]);
        assert_eq!(run.code, 2, "{request}: {run:?}");
        assert!(
            run.stderr.contains(request.split('=').next().unwrap()),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn json_format_lists_every_diagnostic_with_rule_severity_place_and_fix() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    let run = repo.run(&["--no-config", "--format", "json", "office.ovpn"]);
    assert_eq!(run.code, 1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    let text = json.to_string();
    for needle in [
        "missing-ifconfig-ipv6",
        "incomplete-ipv6-routes",
        "office.ovpn",
        "error",
        "route-ipv6 3000::/4",
        "safe",
    ] {
        assert!(text.contains(needle), "{needle} missing from {text}");
    }
}

#[test]
fn sarif_format_is_sarif_2_1_0_with_the_category() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    let run = repo.run(&[
        "--no-config",
        "--format",
        "sarif",
        "--sarif-category",
        "ovpn6/eu",
        "office.ovpn",
    ]);
    assert_eq!(run.code, 1);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let run0 = &sarif["runs"][0];
    // GitHub reads the category as what comes before the last `/` of the id.
    let id = run0["automationDetails"]["id"].as_str().unwrap();
    assert!(id == "ovpn6/eu" || id == "ovpn6/eu/", "{id}");
    assert_eq!(run0["results"].as_array().unwrap().len(), 2);
    assert_eq!(run0["results"][0]["ruleId"], "missing-ifconfig-ipv6");
}

#[test]
fn sarif_of_a_clean_run_has_an_empty_results_array() {
    let repo = Repo::new();
    repo.write("office.ovpn", CLEAN);
    let run = repo.run(&["--no-config", "--format", "sarif", "office.ovpn"]);
    assert_eq!(run.code, 0);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn github_format_writes_workflow_commands() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    let run = repo.run(&["--no-config", "--format", "github", "office.ovpn"]);
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        lines[0].starts_with("::error file=office.ovpn,line=1,"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("missing-ifconfig-ipv6"), "{}", lines[0]);
}

#[test]
fn github_format_appends_a_job_summary_when_asked() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    let summary = repo.write("summary.md", "# Earlier step\n");
    let run = repo.run_in(
        ".",
        &["--no-config", "--format", "github", "office.ovpn"],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
        None,
    );
    assert_eq!(run.code, 1);
    let text = fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("# Earlier step\n"),
        "appended, not replaced"
    );
    assert!(text.len() > "# Earlier step\n".len(), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Honest runs: a failure never looks like success (issue 17)

#[test]
fn a_missing_path_never_says_passed() {
    let repo = Repo::new();
    let run = repo.run(&["--no-config", "/nonexistent-for-ovpn6-lint"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(!run.stdout.contains("passed"), "{}", run.stdout);
    assert!(run.stdout.contains("could not be linted"), "{}", run.stdout);
    assert!(
        run.stderr
            .starts_with("error: `/nonexistent-for-ovpn6-lint` does not exist"),
        "{}",
        run.stderr
    );
    // Next to a clean file too.
    repo.write("office.ovpn", CLEAN);
    let run = repo.run(&["--no-config", "office.ovpn", "nowhere.ovpn"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(!run.stdout.contains("passed"), "{}", run.stdout);
}

#[test]
fn walk_errors_are_reported_in_path_order_with_the_findings() {
    let repo = Repo::new();
    repo.write("a.ovpn", LEAKY);
    repo.write("z.ovpn", LEAKY);
    let run = repo.run(&[
        "--no-config",
        "--format",
        "github",
        "z.ovpn",
        "m.ovpn",
        "a.ovpn",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    let files: Vec<&str> = run
        .stdout
        .lines()
        .map(|line| line.split([',', ':']).nth(2).unwrap_or(line))
        .collect();
    assert_eq!(
        files,
        [
            "error file=a.ovpn",
            "error file=a.ovpn",
            "error file=m.ovpn",
            "error file=z.ovpn",
            "error file=z.ovpn"
        ],
        "{}",
        run.stdout
    );
}

#[test]
fn a_run_that_lints_no_file_says_so_on_stderr() {
    let repo = Repo::new();
    fs::create_dir(repo.path("empty")).unwrap();
    repo.write("backups/office.ovpn.bak", LEAKY);
    for folder in ["empty", "backups"] {
        let run = repo.run(&["--no-config", folder]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(
            run.stderr.contains("warning: no file was linted"),
            "{folder}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("`**/*.ovpn`"), "{}", run.stderr);
        assert!(!run.stdout.contains("passed"), "{}", run.stdout);
    }
}

#[test]
fn sarif_of_a_failed_run_records_the_failure() {
    let repo = Repo::new();
    repo.write("office.ovpn", LEAKY);
    let run = repo.run(&[
        "--no-config",
        "--format",
        "sarif",
        "office.ovpn",
        "nowhere.ovpn",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "{invocation}");
    let notification = &invocation["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "error");
    assert!(
        notification["message"]["text"]
            .as_str()
            .unwrap()
            .contains("`nowhere.ovpn` does not exist"),
        "{notification}"
    );
    assert_eq!(
        notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "nowhere.ovpn"
    );
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);
    // A run that did its job says so.
    let run = repo.run(&["--no-config", "--format", "sarif", "office.ovpn"]);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true, "{invocation}");
    assert!(invocation.get("toolExecutionNotifications").is_none());
}

#[test]
fn github_format_annotates_tool_errors() {
    let repo = Repo::new();
    repo.write("office.ovpn", CLEAN);
    let run = repo.run(&[
        "--no-config",
        "--format",
        "github",
        "office.ovpn",
        "nowhere.ovpn",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.stdout,
        "::error file=nowhere.ovpn,title=ovpn6-lint::`nowhere.ovpn` does not exist\n"
    );
}

/// Lints `vpn/` with `--format github` as a pull request's run would (exit 1: findings);
/// returns the job summary it wrote.
fn job_summary_of_vpn(repo: &Repo) -> String {
    let summary = repo.write("summary.md", "");
    let run = repo.run_in(
        ".",
        &["--no-config", "--format", "github", "vpn"],
        &[
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_REPOSITORY", "octo/vpn"),
            ("GITHUB_RUN_ID", "42"),
        ],
        None,
    );
    assert_eq!(run.code, 1, "{run:?}");
    fs::read_to_string(&summary).unwrap()
}

#[test]
fn the_job_summary_counts_files_with_findings_and_files_linted() {
    let repo = Repo::new();
    for name in ["a", "b", "c"] {
        repo.write(&format!("vpn/{name}.ovpn"), LEAKY);
    }
    repo.write("vpn/d.ovpn", CLEAN);
    let text = job_summary_of_vpn(&repo);
    assert!(
        text.contains("6 findings in 3 files (4 files linted)."),
        "{text}"
    );
}

#[test]
fn the_job_summary_lists_a_capped_number_of_findings_and_links_the_run() {
    let repo = Repo::new();
    for i in 0..150 {
        repo.write(&format!("vpn/{i:03}.ovpn"), LEAKY);
    }
    let text = job_summary_of_vpn(&repo);
    let listed = text.lines().filter(|l| l.starts_with("- **")).count();
    assert_eq!(listed, 100, "{text}");
    assert!(text.contains("200 more findings not shown"), "{text}");
    assert!(
        text.contains("(https://github.com/octo/vpn/actions/runs/42)"),
        "{text}"
    );
}

#[test]
fn fix_says_why_it_left_a_templates_findings_alone() {
    let repo = Repo::new();
    // A profile (not a template by its name: those are rendered, and fixed in their literal
    // text, see tests/templates.rs) that holds template markers.
    let template = LEAKY.replace("remote cvpn", "remote ${endpoint} # cvpn");
    repo.write("office.ovpn", &template);
    repo.write(
        ".ovpn6-lint.toml",
        "[[overrides]]\nfiles = [\"*.ovpn\"]\nrole = \"client\"\n",
    );
    let run = repo.run(&["--fix", "office.ovpn"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(repo.read("office.ovpn"), template.as_bytes());
    assert!(
        run.stderr.contains(
            "warning: `office.ovpn`: 2 fixable findings not fixed: it holds template markers"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--fix --unsafe-fixes"),
        "{}",
        run.stderr
    );
}

#[test]
fn every_tool_error_starts_with_error() {
    let repo = Repo::new();
    repo.write("office.ovpn", CLEAN);
    repo.write("policy.toml", "rule-dirs = [\"policy\"]\n");
    let runs = [
        repo.run(&["--config", "policy.toml", "office.ovpn"]),
        repo.run(&["--no-config", "--report", "short", "office.ovpn"]),
        repo.run(&["--no-config", "--report", "xml=x.xml", "office.ovpn"]),
        repo.run(&["--no-config", "--report", "short=no/dir/x", "office.ovpn"]),
        repo.run(&["--config", "absent.toml", "office.ovpn"]),
    ];
    for run in runs {
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    }
}

#[test]
fn inspect_and_list_rules_refuse_a_format_they_cannot_write() {
    let repo = Repo::new();
    repo.write("office.ovpn", CLEAN);
    for args in [
        &["--inspect", "--format", "short", "office.ovpn"][..],
        &["--list-rules", "--format", "sarif"][..],
        &["--explain", "missing-ifconfig-ipv6", "--format", "github"][..],
    ] {
        let run = repo.run(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.starts_with("error: --"), "{}", run.stderr);
        assert_eq!(run.stdout, "");
    }
    let run = repo.run(&["--inspect", "--format", "json", "office.ovpn"]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn diff_of_an_absolute_path_names_the_path_as_it_is() {
    let repo = Repo::new();
    let path = repo.write("office.ovpn", LEAKY);
    let path = path.to_str().unwrap();
    let run = repo.run(&["--no-config", "--diff", path]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.starts_with(&format!("--- {path}\n+++ {path}\n")),
        "{}",
        run.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// Every path in a config is relative to the config file's folder (issue 17)

#[test]
fn config_paths_are_relative_to_its_folder_from_any_working_directory() {
    let repo = Repo::new();
    repo.write("providers/mullvad.ovpn", LEAKY);
    repo.write("aws/office.ovpn", LEAKY);
    repo.write(
        "cfg/lint.toml",
        "rule-dirs = [\"policy\"]\n\n\
         [[overrides]]\nfiles = [\"../providers/**\"]\nparams = { server-pushes-ipv6 = true }\n",
    );
    repo.write(
        "cfg/policy/org-no-nobind.toml",
        "id = \"org-no-nobind\"\nseverity = \"warning\"\napplies-to = \"any\"\n\
         message = \"no nobind\"\nsummary = \"s\"\nwhy = \"w\"\nbad = \"nobind\\n\"\n\
         good = \"dev tun\\n\"\n[check]\nkind = \"forbid-directive\"\nname = \"nobind\"\n",
    );
    repo.write("sub/.keep", "");
    // The override silences the leak rules in providers/; the rule folder's rule fires in both.
    let expected = [
        ("aws/office.ovpn", "missing-ifconfig-ipv6"),
        ("aws/office.ovpn", "org-no-nobind"),
        ("aws/office.ovpn", "incomplete-ipv6-routes"),
        ("providers/mullvad.ovpn", "org-no-nobind"),
    ];
    for (cwd, config, paths) in [
        (".", "cfg/lint.toml", ["aws", "providers"]),
        ("sub", "../cfg/lint.toml", ["../aws", "../providers"]),
        ("cfg", "lint.toml", ["../aws", "../providers"]),
    ] {
        let args = ["--config", config, "--format", "short", paths[0], paths[1]];
        let run = repo.run_in(cwd, &args, &[], None);
        assert_eq!(run.code, 1, "{cwd}: {run:?}");
        let lines: Vec<(&str, String)> = run
            .stdout
            .lines()
            .map(|l| l.trim_start_matches("../"))
            .map(|l| l.split(':').next().unwrap())
            .zip(run.ids())
            .collect();
        let expected: Vec<(&str, String)> = expected
            .iter()
            .map(|(p, id)| (*p, id.to_string()))
            .collect();
        assert_eq!(lines, expected, "{cwd}: {}", run.stdout);
    }
}

// ---------------------------------------------------------------------------------------------
// Per-file rule selection and layered params in [[overrides]] (issue 17)

#[test]
fn overrides_select_ignore_and_change_severity_per_folder_later_entries_winning() {
    let repo = Repo::new();
    repo.write("aws/office.ovpn", LEAKY);
    // A suppression of a rule that is off for the file is not "unused".
    repo.write(
        "legacy/old.ovpn",
        format!("{LEAKY}# ovpn6-lint: disable-file=missing-ifconfig-ipv6\n"),
    );
    repo.write("legacy/keep/old.ovpn", LEAKY);
    repo.write(
        ".ovpn6-lint.toml",
        r#"[rules]
ignore = ["deprecated-tun-ipv6"]

[[overrides]]
files = ["legacy/**"]
rules = { ignore = ["missing-ifconfig-ipv6"], severity = { incomplete-ipv6-routes = "note" } }

[[overrides]]
files = ["legacy/keep/**"]
rules = { select = ["missing-ifconfig-ipv6"] }
"#,
    );
    let run = repo.run(&["--format", "short"]);
    // `path severity[id]` of each finding.
    let lines: Vec<String> = run
        .stdout
        .lines()
        .map(|l| {
            let path = &l[..l.find(':').unwrap()];
            let (_, rest) = l.split_once(": ").unwrap();
            format!("{path} {}", &rest[..=rest.find(']').unwrap()])
        })
        .collect();
    assert_eq!(
        lines,
        [
            "aws/office.ovpn error[missing-ifconfig-ipv6]",
            "aws/office.ovpn error[incomplete-ipv6-routes]",
            // The later entry's select replaces the set: only missing-ifconfig-ipv6, still at
            // its own severity.
            "legacy/keep/old.ovpn error[missing-ifconfig-ipv6]",
            "legacy/old.ovpn note[incomplete-ipv6-routes]",
        ],
        "{}",
        run.stdout
    );
    // --ignore on the command line has the last word.
    let run = repo.run(&["--format", "short", "--ignore", "missing-ifconfig-ipv6"]);
    assert!(
        !run.stdout.contains("missing-ifconfig-ipv6"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_unknown_rule_in_an_overrides_rules_exits_2_and_suggests_the_id() {
    let repo = Repo::new();
    repo.write("office.ovpn", CLEAN);
    repo.write(
        ".ovpn6-lint.toml",
        "[[overrides]]\nfiles = [\"*\"]\nrules = { ignore = [\"missing-ifconfig\"] }\n",
    );
    let run = repo.run(&["office.ovpn"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains(
            "error: unknown rule `missing-ifconfig` (did you mean `missing-ifconfig-ipv6`?)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_file_matching_two_overrides_gets_the_params_of_both() {
    let repo = Repo::new();
    // Leaks 3000::/4; with fc00::/7 required as well, that is reported too.
    let profile = LEAKY.replace(
        "route-ipv6 2000::/4",
        "ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\nroute-ipv6 2000::/4",
    );
    repo.write("eu/office.ovpn", &profile);
    repo.write(
        ".ovpn6-lint.toml",
        r#"[[overrides]]
files = ["eu/**"]
params = { required-coverage = ["2000::/3", "fc00::/7"] }

[[overrides]]
files = ["**/*.ovpn"]
params = { tunnel-ranges = ["fc00::/7"] }
"#,
    );
    let run = repo.run(&["--format", "short"]);
    assert_eq!(run.ids(), ["incomplete-ipv6-routes"], "{}", run.stdout);
    assert!(run.stdout.contains("fc00::/7"), "{}", run.stdout);
}

// ---------------------------------------------------------------------------------------------
// --statistics and --quiet (issue 17)

#[test]
fn statistics_counts_findings_per_rule_most_first() {
    let repo = Repo::new();
    repo.write("a.ovpn", LEAKY);
    repo.write("b.ovpn", LEAKY);
    repo.write("c.ovpn", warning_only());
    let run = repo.run(&["--no-config", "--statistics"]);
    assert_eq!(run.code, 1, "{run:?}");
    let rows: Vec<Vec<&str>> = run
        .stdout
        .lines()
        .map(|l| l.split_whitespace().take(3).collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["2", "incomplete-ipv6-routes", "[*]"],
            ["2", "missing-ifconfig-ipv6", "[*]"],
            ["1", "deprecated-tun-ipv6", "[*]"],
        ],
        "{}",
        run.stdout
    );
    let run = repo.run(&["--no-config", "--statistics", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(
        json[2],
        serde_json::json!({"rule": "deprecated-tun-ipv6", "severity": "warning", "count": 1, "fixable": 1})
    );
    let run = repo.run(&["--no-config", "--statistics", "--format", "sarif"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.starts_with("error: --statistics"),
        "{}",
        run.stderr
    );
}

#[test]
fn quiet_prints_the_findings_and_no_summary() {
    let repo = Repo::new();
    repo.write("a.ovpn", LEAKY);
    repo.write("clean.ovpn", CLEAN);
    let run = repo.run(&["--no-config", "--quiet", "a.ovpn"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("error[missing-ifconfig-ipv6]"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("Found"), "{}", run.stdout);
    let run = repo.run(&["--no-config", "-q", "clean.ovpn"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{run:?}");
    let run = repo.run(&["--no-config", "-q", "--fix", "a.ovpn"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{run:?}");
}

// ---------------------------------------------------------------------------------------------
// Baselines (issue 17)

#[test]
fn a_baseline_hides_recorded_findings_survives_edits_elsewhere_and_reports_stale_entries() {
    let repo = Repo::new();
    for name in ["a", "b", "c"] {
        repo.write(&format!("vpn/{name}.ovpn"), LEAKY);
    }
    let run = repo.run(&["--no-config", "--write-baseline", "baseline.json", "vpn"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("Recorded 6 findings in the baseline `baseline.json`"),
        "{}",
        run.stderr
    );
    let text = String::from_utf8(repo.read("baseline.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["version"], 1);
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 6);
    assert_eq!(findings[0]["path"], "vpn/a.ovpn");
    assert!(findings.iter().all(|f| f.get("line").is_none()), "{text}");

    // Nothing new: clean, and it says how many findings the baseline hid.
    let run = repo.run(&[
        "--no-config",
        "--baseline",
        "baseline.json",
        "--format",
        "short",
        "vpn",
    ]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{run:?}");
    assert!(
        run.stderr.contains("6 findings recorded in the baseline"),
        "{}",
        run.stderr
    );

    // Lines inserted above the findings of a.ovpn; b.ovpn fixed; c.ovpn gains a new finding.
    repo.write(
        "vpn/a.ovpn",
        format!(
            "# Office VPN\nverb 3\n{}",
            LEAKY.replace("nobind\n", "nobind\nkeepalive 10 60\n")
        ),
    );
    repo.write("vpn/b.ovpn", LEAKY_FIXED);
    repo.write(
        "vpn/c.ovpn",
        LEAKY.replace("dev tun\n", "dev tun\ntun-ipv6\n"),
    );
    let run = repo.run(&[
        "--no-config",
        "--baseline",
        "baseline.json",
        "--format",
        "short",
        "vpn",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    // `tun-ipv6` is new in c.ovpn, an AWS profile: deprecated, and unknown to the AWS client.
    assert_eq!(
        run.ids(),
        [
            "aws-vpn-client-unsupported-directive",
            "deprecated-tun-ipv6"
        ],
        "{}",
        run.stdout
    );
    assert!(run.stdout.starts_with("vpn/c.ovpn:3:1:"), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("2 baseline entries match no finding any more"),
        "{}",
        run.stderr
    );
    // Linting one file does not call the other files' entries stale.
    let run = repo.run(&["--no-config", "--baseline", "baseline.json", "vpn/a.ovpn"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stderr.contains("match no finding"), "{}", run.stderr);
}

#[test]
fn the_configs_baseline_is_relative_to_the_config_and_applies_from_any_folder() {
    let repo = Repo::new();
    repo.write("vpn/a.ovpn", LEAKY);
    fs::create_dir(repo.path("ci")).unwrap();
    let run = repo.run(&["--no-config", "--write-baseline", "ci/baseline.json", "vpn"]);
    assert_eq!(run.code, 0, "{run:?}");
    repo.write(".ovpn6-lint.toml", "baseline = \"ci/baseline.json\"\n");
    for cwd in [".", "vpn", "ci"] {
        let run = repo.run_in(cwd, &["--format", "short"], &[], None);
        assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{cwd}: {run:?}");
    }
    // A baseline that cannot be read is a tool error, not a silent pass.
    repo.write(".ovpn6-lint.toml", "baseline = \"ci/missing.json\"\n");
    let run = repo.run(&["vpn"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.starts_with("error: cannot use the baseline"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// --add-suppressions (issue 17)

#[test]
fn add_suppressions_comments_every_finding_in_place_and_a_second_run_changes_nothing() {
    let repo = Repo::new();
    let long = format!("route-ipv6 2000::/4{}", " ".repeat(220));
    let text = format!(
        "\u{feff}client\r\ndev tun\r\ntun-ipv6 # old\r\nremote vpn.example.com 443\r\n{long}\r\n\
         <connection>\r\nremote b.example.com\r\nroute-ipv6 2000::/4\r\n</connection>\r\n"
    );
    repo.write("a.ovpn", &text);
    let run = repo.run(&["--no-config", "--add-suppressions=legacy", "a.ovpn"]);
    assert_eq!(run.code, 1, "{run:?}");
    let once = String::from_utf8(repo.read("a.ovpn")).unwrap();
    assert_eq!(
        once,
        format!(
            "\u{feff}client # ovpn6-lint: disable=missing-ifconfig-ipv6 -- legacy\r\ndev tun\r\n\
             # ovpn6-lint: disable-next-line=deprecated-tun-ipv6 -- legacy\r\ntun-ipv6 # old\r\n\
             remote vpn.example.com 443\r\n\
             # ovpn6-lint: disable-next-line=incomplete-ipv6-routes -- legacy\r\n{long}\r\n\
             <connection>\r\nremote b.example.com\r\nroute-ipv6 2000::/4\r\n</connection>\r\n"
        )
    );
    // The finding inside <connection> (OpenVPN refuses route-ipv6 there) is left, and said so.
    assert_eq!(run.stdout.matches("error[").count(), 1, "{}", run.stdout);
    assert!(
        run.stderr.contains("warning: `a.ovpn`: no suppression for `invalid-ipv6-directive` on line 8 inside an inline block"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("Added suppression comments for 3 findings in 1 file."),
        "{}",
        run.stderr
    );
    let run = repo.run(&["--no-config", "--add-suppressions=legacy", "a.ovpn"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(String::from_utf8(repo.read("a.ovpn")).unwrap(), once);
}

#[test]
fn add_suppressions_without_a_reason_and_never_swallowing_a_path() {
    let repo = Repo::new();
    repo.write("vpn/a.ovpn", LEAKY);
    // `--add-suppressions vpn` names a folder to lint, not a reason.
    let run = repo.run(&["--no-config", "--add-suppressions", "vpn"]);
    assert_eq!(run.code, 0, "{run:?}");
    let text = String::from_utf8(repo.read("vpn/a.ovpn")).unwrap();
    assert!(
        text.starts_with("client # ovpn6-lint: disable=missing-ifconfig-ipv6\n"),
        "{text}"
    );
    assert!(
        text.contains("route-ipv6 2000::/4 # ovpn6-lint: disable=incomplete-ipv6-routes\n"),
        "{text}"
    );
    let run = repo.run(&["--no-config", "--add-suppressions=a\nb", "vpn"]);
    assert_eq!(run.code, 2, "{run:?}");
}

// ---------------------------------------------------------------------------------------------
// --diff-base: only what changed since a git revision (issue 17)

/// Runs git in the scratch repository (which `Repo::new` made with a bare `.git` folder).
fn git(repo: &Repo, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(repo.path("."))
        .stdout(std::process::Stdio::null())
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn diff_base_reports_only_findings_on_lines_changed_since_the_revision() {
    let repo = Repo::new();
    fs::remove_dir(repo.path(".git")).unwrap();
    git(&repo, &["init", "-q"]);
    // Three leaky files; b also has host bits in a route (a line-level finding).
    repo.write("vpn/a.ovpn", LEAKY);
    repo.write("vpn/b.ovpn", format!("{LEAKY}route-ipv6 2001:db8::1/64\n"));
    repo.write("vpn/c.ovpn", LEAKY);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    git(&repo, &["tag", "base"]);
    // One commit touches b only: a new line with a finding of its own.
    repo.write(
        "vpn/b.ovpn",
        format!("{LEAKY}route-ipv6 2001:db8::1/64\ntun-ipv6\n"),
    );
    git(&repo, &["commit", "-q", "-am", "touch b"]);

    let run = repo.run(&[
        "--no-config",
        "--format",
        "short",
        "--diff-base",
        "base",
        "vpn",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    let files: BTreeSet<&str> = run
        .stdout
        .lines()
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(files, BTreeSet::from(["vpn/b.ovpn"]), "{}", run.stdout);
    // The whole-profile findings of the changed file count; the host bits on an unchanged
    // line do not; the new line's finding does.
    assert_eq!(
        run.ids(),
        [
            "missing-ifconfig-ipv6",
            "incomplete-ipv6-routes",
            "aws-vpn-client-unsupported-directive",
            "deprecated-tun-ipv6"
        ],
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("findings on lines unchanged since `base` not reported"),
        "{}",
        run.stderr
    );
    // A new, untracked file counts as a whole; against HEAD, nothing else changed.
    repo.write("vpn/d.ovpn", LEAKY);
    let run = repo.run(&[
        "--no-config",
        "--format",
        "short",
        "--diff-base",
        "HEAD",
        "vpn",
    ]);
    let files: BTreeSet<&str> = run
        .stdout
        .lines()
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(files, BTreeSet::from(["vpn/d.ovpn"]), "{}", run.stdout);
    // A revision that does not exist is a tool error.
    let run = repo.run(&["--no-config", "--diff-base", "no-such-ref", "vpn"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.starts_with("error: --diff-base: `no-such-ref`"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_template_of_placeholders_only_is_reported_as_not_judged() {
    let repo = Repo::new();
    repo.write(
        "terraform/client.ovpn.tpl",
        "${original_client_config}\n<cert>\n${client_cert}\n</cert>\n<key>\n${client_key}\n</key>\n",
    );
    repo.write(".ovpn6-lint.toml", "include = [\"**/*.ovpn.tpl\"]\n");
    let run = repo.run(&[]);
    assert_eq!(run.code, 0, "a note: {run:?}");
    assert!(
        run.stdout.contains("note[template-not-judged]"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("help: set `role = \"client\"`"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("passed"), "{}", run.stdout);
    // With its role set, it is judged as a client.
    repo.write(
        ".ovpn6-lint.toml",
        "include = [\"**/*.ovpn.tpl\"]\n[[overrides]]\nfiles = [\"terraform/**\"]\nrole = \"client\"\n",
    );
    let run = repo.run(&["--format", "short"]);
    assert_eq!(
        run.ids(),
        ["incomplete-ipv6-routes", "missing-ifconfig-ipv6"],
        "{}",
        run.stdout
    );
}
