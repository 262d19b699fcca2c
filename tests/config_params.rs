//! `[params]` keys: a key that no built-in param has and no rule refers to is an unknown param,
//! reported like unknown keys and rule ids (exit 2, a span into the config, the nearest known
//! name); a key that a rule of `rule-dirs` refers to is that rule's list of prefixes.

mod common;

use std::fs;
use std::path::Path;

use common::{ovpn6_lint, stderr_of, stdout_of};

const PROFILE: &str = "client\ndev tun\nremote vpn.example.com 1194\n";

/// A folder with `office.ovpn`, this config and these rule files under `policy/`.
fn repo(config: &str, rule_files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(".ovpn6-lint.toml"), config).unwrap();
    fs::write(dir.path().join("office.ovpn"), PROFILE).unwrap();
    for (name, text) in rule_files {
        fs::create_dir_all(dir.path().join("policy")).unwrap();
        fs::write(dir.path().join("policy").join(name), text).unwrap();
    }
    dir
}

fn run(dir: &Path) -> (Option<i32>, String, String) {
    let output = ovpn6_lint(dir)
        .args(["--color", "never", "--format", "short", "office.ovpn"])
        .output()
        .unwrap();
    (output.status.code(), stdout_of(&output), stderr_of(&output))
}

/// A rule of an organisation's own that reads the prefixes of `$office-prefixes`.
const OFFICE_RULE: &str = r#"id = "tunnel-office"
severity = "error"
applies-to = "client"
message = "office IPv6 ({uncovered}) is not routed into the tunnel"
summary = "The office's prefixes go into the tunnel."
why = "The office is reached over IPv6 only through the VPN."
bad = "client\ndev tun\n"
good = "client\ndev tun\nroute-ipv6 2001:db8::/32\n"

[check]
kind = "routes-cover"
prefixes = "$office-prefixes"
"#;

#[test]
fn a_misspelt_param_in_an_override_is_unknown_and_the_builtin_name_is_suggested() {
    let config = "[params]\nrequired-coverage = [\"2000::/3\"]\n\n[[overrides]]\n\
                  files = [\"eu/**\"]\nparams = { traffic-ip-adress-type = \"dual-stack\" }\n";
    let dir = repo(config, &[]);
    let (code, stdout, stderr) = run(dir.path());
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains(
            "error: unknown param `traffic-ip-adress-type` (did you mean `traffic-ip-address-type`?)"
        ),
        "{stderr}"
    );
    // The span is the key, on line 6, column 12.
    assert!(stderr.contains(".ovpn6-lint.toml:6:12"), "{stderr}");
    assert!(
        stderr.contains("6 │ params = { traffic-ip-adress-type = \"dual-stack\" }"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("│{}{}\n", " ".repeat(12), "^".repeat(22))),
        "{stderr}"
    );
    // Not the old, misleading type error of a prefix list.
    assert!(!stderr.contains("must be a list of strings"), "{stderr}");
}

#[test]
fn a_misspelt_param_whose_value_is_a_prefix_list_is_unknown_too() {
    let dir = repo(
        "[params]\nrequired-coverge = [\"2000::/3\", \"fc00::/7\"]\n",
        &[],
    );
    let (code, _, stderr) = run(dir.path());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "error: unknown param `required-coverge` (did you mean `required-coverage`?)"
        ),
        "{stderr}"
    );
    assert!(stderr.contains(".ovpn6-lint.toml:2:1"), "{stderr}");
}

#[test]
fn an_unknown_param_near_no_known_name_says_no_rule_refers_to_it() {
    let dir = repo("[params]\nzebra = [\"fc00::/7\"]\n", &[]);
    let (code, _, stderr) = run(dir.path());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "error: unknown param `zebra`: no built-in param has this name and no rule of \
             `rule-dirs` refers to `$zebra`"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("did you mean"), "{stderr}");
}

#[test]
fn a_param_that_a_loaded_rule_file_refers_to_is_known_and_used() {
    let config = "rule-dirs = [\"policy\"]\n\n[params]\noffice-prefixes = [\"2001:db8::/32\"]\n";
    let dir = repo(config, &[("tunnel-office.toml", OFFICE_RULE)]);
    let (code, stdout, stderr) = run(dir.path());
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "office.ovpn:1:1: error[tunnel-office] office IPv6 (2001:db8::/32) is not routed into the tunnel"
        ),
        "{stdout}"
    );
}

#[test]
fn a_misspelt_custom_param_suggests_the_name_the_rule_file_declares() {
    let config = "rule-dirs = [\"policy\"]\n\n[params]\noffice-prefixes = [\"2001:db8::/32\"]\n\n\
                  [[overrides]]\nfiles = [\"*\"]\nparams = { office-prefix = [\"2001:db8::/48\"] }\n";
    let dir = repo(config, &[("tunnel-office.toml", OFFICE_RULE)]);
    let (code, _, stderr) = run(dir.path());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("error: unknown param `office-prefix` (did you mean `office-prefixes`?)"),
        "{stderr}"
    );
    assert!(stderr.contains(".ovpn6-lint.toml:8:12"), "{stderr}");
}

#[test]
fn a_declared_custom_param_that_is_not_a_prefix_list_is_a_type_error_with_a_span() {
    let config = "rule-dirs = [\"policy\"]\n\n[params]\noffice-prefixes = \"2001:db8::/32\"\n";
    let dir = repo(config, &[("tunnel-office.toml", OFFICE_RULE)]);
    let (code, _, stderr) = run(dir.path());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("error: params.office-prefixes must be a list of strings"),
        "{stderr}"
    );
    assert!(stderr.contains(".ovpn6-lint.toml:4:19"), "{stderr}");
}

#[test]
fn a_broken_rule_file_is_reported_before_the_params_it_might_declare() {
    let config = "rule-dirs = [\"policy\"]\n\n[params]\noffice-prefixes = [\"2001:db8::/32\"]\n";
    let dir = repo(config, &[("broken.toml", "id = \n")]);
    let (code, _, stderr) = run(dir.path());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("broken.toml"), "{stderr}");
    assert!(!stderr.contains("unknown param"), "{stderr}");
}

#[test]
fn every_builtin_param_is_known() {
    let config = "[params]\nrequired-coverage = [\"2000::/3\"]\ntunnel-ranges = [\"fc00::/7\"]\n\
                  tunnel-addresses = [\"fd15:53b6:dead::2\", \"fd15:53b6:dead::1\"]\n\
                  leak-roles = [\"client\"]\nserver-pushes-ipv6 = false\n\
                  traffic-ip-address-type = \"ipv4\"\nsplit-tunnel = false\n\
                  clients = [\"openvpn2\"]\n";
    let dir = repo(config, &[]);
    let (code, stdout, stderr) = run(dir.path());
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}
