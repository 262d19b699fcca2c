//! AWS Client VPN endpoints of every kind: traffic IP address type `ipv4`, `ipv6` or
//! `dual-stack`, full or split tunnel, exported profiles with and without the legacy IPv6
//! lines; the AWS VPN Client's directive list; and a `--fix` that never adds the legacy lines
//! where they do harm.

mod common;

use std::fs;
use std::path::Path;

use common::{fired, ovpn6_lint, stderr_of, stdout_of};

/// What `aws ec2 export-client-vpn-client-configuration` gives (mutual authentication).
const EXPORT: &str = "\
client
dev tun
proto udp
remote cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com 443
remote-random-hostname
resolv-retry infinite
nobind
remote-cert-tls server
cipher AES-256-GCM
verb 3
<ca>
-----BEGIN CERTIFICATE-----
MIIBszCCAVmgAwIBAgIUBGZ3dW1teS1jYS1mb3ItZXhhbXBsZXMwCgYIKoZIzj0E
-----END CERTIFICATE-----
</ca>
reneg-sec 0
";

const LEGACY_LINES: &str =
    "ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\nroute-ipv6 2000::/3\n";

struct Lint {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Lints `files` (name, bytes) in a fresh folder with `config` as `.ovpn6-lint.toml`.
fn lint(config: &str, files: &[(&str, &[u8])], args: &[&str]) -> Lint {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    fs::write(dir.path().join(".ovpn6-lint.toml"), config).unwrap();
    for (name, bytes) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
    let output = ovpn6_lint(dir.path()).args(args).output().unwrap();
    Lint {
        code: output.status.code().unwrap(),
        stdout: stdout_of(&output),
        stderr: stderr_of(&output),
    }
}

fn ids(config: &str, profile: &str) -> Vec<String> {
    let run = lint(
        config,
        &[("p.ovpn", profile.as_bytes())],
        &["--format", "short", "p.ovpn"],
    );
    assert!(run.code < 2, "{}", run.stderr);
    fired(&run.stdout)
}

fn params(traffic: &str, split: bool) -> String {
    format!("[params]\ntraffic-ip-address-type = \"{traffic}\"\nsplit-tunnel = {split}\n")
}

#[test]
fn each_endpoint_kind_gets_the_findings_that_are_true_for_it() {
    let bare = EXPORT.to_owned();
    let legacy = format!("{EXPORT}{LEGACY_LINES}");
    let leak = ["incomplete-ipv6-routes", "missing-ifconfig-ipv6"];
    let legacy_twice = ["legacy-ipv6-workaround", "legacy-ipv6-workaround"];
    let cases: [(&str, bool, &str, &[&str]); 12] = [
        // ipv4 full tunnel: the export leaks; the legacy lines are the fix.
        ("ipv4", false, &bare, &leak),
        ("ipv4", false, &legacy, &[]),
        // ipv4 split tunnel: IPv6 leaving locally is by design; a route into 2000::/3 breaks it.
        ("ipv4", true, &bare, &[]),
        ("ipv4", true, &legacy, &["legacy-ipv6-workaround"]),
        // ipv6 / dual-stack: the endpoint assigns and pushes IPv6; the legacy lines are legacy.
        ("ipv6", false, &bare, &[]),
        ("ipv6", false, &legacy, &legacy_twice),
        ("dual-stack", false, &bare, &[]),
        ("dual-stack", false, &legacy, &legacy_twice),
        ("ipv6", true, &bare, &[]),
        ("ipv6", true, &legacy, &legacy_twice),
        ("dual-stack", true, &bare, &[]),
        ("dual-stack", true, &legacy, &legacy_twice),
    ];
    for (traffic, split, profile, expected) in cases {
        assert_eq!(
            ids(&params(traffic, split), profile),
            expected,
            "traffic {traffic}, split {split}, legacy lines {}",
            profile.contains("ifconfig-ipv6")
        );
        let crlf = profile.replace('\n', "\r\n");
        assert_eq!(
            ids(&params(traffic, split), &crlf),
            expected,
            "CRLF: {traffic} {split}"
        );
    }
}

#[test]
fn the_default_is_an_ipv4_full_tunnel() {
    assert_eq!(
        ids("", EXPORT),
        ["incomplete-ipv6-routes", "missing-ifconfig-ipv6"]
    );
}

#[test]
fn messages_say_which_case_a_legacy_line_is() {
    let legacy = format!("{EXPORT}{LEGACY_LINES}");
    let run = lint(
        &params("dual-stack", false),
        &[("p.ovpn", legacy.as_bytes())],
        &["--format", "short", "p.ovpn"],
    );
    assert!(
        run.stdout
            .contains("legacy `ifconfig-ipv6` for a `dual-stack` endpoint"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("legacy `route-ipv6` for a `dual-stack` endpoint"),
        "{}",
        run.stdout
    );
    let run = lint(
        &params("ipv4", true),
        &[("p.ovpn", legacy.as_bytes())],
        &["--format", "short", "p.ovpn"],
    );
    assert!(
        run.stdout
            .contains("with a split tunnel this route pulls global IPv6"),
        "{}",
        run.stdout
    );
}

#[test]
fn leak_findings_on_an_aws_profile_name_the_traffic_type() {
    let run = lint("", &[("p.ovpn", EXPORT.as_bytes())], &["p.ovpn"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout.matches("set `traffic-ip-address-type`").count(),
        2,
        "{}",
        run.stdout
    );
    // Not for other servers.
    let other = EXPORT.replace(
        "cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com",
        "vpn.example.com",
    );
    let run = lint("", &[("p.ovpn", other.as_bytes())], &["p.ovpn"]);
    assert_eq!(run.code, 1);
    assert!(
        !run.stdout.contains("traffic-ip-address-type"),
        "{}",
        run.stdout
    );
}

/// `--fix` (and `--fix --unsafe-fixes` where nothing unsafe applies) leaves every byte of
/// `profile` as it was.
fn assert_fix_keeps_bytes(config: &str, profile: &[u8], args: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    fs::write(dir.path().join(".ovpn6-lint.toml"), config).unwrap();
    let path = dir.path().join("p.ovpn");
    fs::write(&path, profile).unwrap();
    let output = ovpn6_lint(dir.path())
        .args(["--fix"])
        .args(args)
        .arg("p.ovpn")
        .output()
        .unwrap();
    assert!(output.status.code().unwrap() < 2, "{}", stderr_of(&output));
    assert_eq!(
        String::from_utf8_lossy(&fs::read(Path::new(&path)).unwrap()),
        String::from_utf8_lossy(profile),
        "{config} {args:?}"
    );
}

#[test]
fn fix_never_adds_the_legacy_lines_for_an_endpoint_that_assigns_ipv6_or_a_split_tunnel() {
    let legacy = format!("{EXPORT}{LEGACY_LINES}");
    for (traffic, split) in [
        ("dual-stack", false),
        ("ipv6", false),
        ("dual-stack", true),
        ("ipv4", true),
    ] {
        let config = params(traffic, split);
        for profile in [EXPORT.to_owned(), EXPORT.replace('\n', "\r\n")] {
            assert_fix_keeps_bytes(&config, profile.as_bytes(), &[]);
            assert_fix_keeps_bytes(&config, profile.as_bytes(), &["--unsafe-fixes"]);
        }
        // Removing the legacy lines is unsafe: plain --fix keeps them.
        assert_fix_keeps_bytes(&config, legacy.as_bytes(), &[]);
    }
    // Even where the profile blocks what a dual-stack endpoint pushes, the leak findings'
    // fixes only say what to do (with `clients` set: the AWS VPN Client rule would delete the
    // unsupported `route-nopull` as an unsafe fix).
    for (blocker, fires) in [
        ("route-nopull\n", "incomplete-ipv6-routes"),
        (
            "pull-filter ignore \"ifconfig-ipv6\"\n",
            "missing-ifconfig-ipv6",
        ),
    ] {
        let profile = format!("{EXPORT}{blocker}");
        let config = format!("{}clients = [\"openvpn2\"]\n", params("dual-stack", false));
        assert_eq!(ids(&config, &profile), [fires], "{blocker}");
        assert_fix_keeps_bytes(&config, profile.as_bytes(), &["--unsafe-fixes"]);
    }
}

#[test]
fn unsafe_fixes_remove_the_legacy_lines_of_a_dual_stack_export() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    fs::write(
        dir.path().join(".ovpn6-lint.toml"),
        params("dual-stack", false),
    )
    .unwrap();
    fs::write(dir.path().join("p.ovpn"), format!("{EXPORT}{LEGACY_LINES}")).unwrap();
    let output = ovpn6_lint(dir.path())
        .args(["--fix", "--unsafe-fixes", "p.ovpn"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stdout_of(&output));
    assert_eq!(
        fs::read_to_string(dir.path().join("p.ovpn")).unwrap(),
        EXPORT
    );
}

#[test]
fn overrides_set_the_traffic_type_per_folder() {
    let config = "\
[[overrides]]
files = [\"dual-stack/**\"]
params = { traffic-ip-address-type = \"dual-stack\" }
[[overrides]]
files = [\"split/**\"]
params = { split-tunnel = true }
";
    let legacy = format!("{EXPORT}{LEGACY_LINES}");
    let run = lint(
        config,
        &[
            ("ipv4/leaky.ovpn", EXPORT.as_bytes()),
            ("ipv4/guarded.ovpn", legacy.as_bytes()),
            ("dual-stack/export.ovpn", EXPORT.as_bytes()),
            ("dual-stack/legacy.ovpn", legacy.as_bytes()),
            ("split/export.ovpn", EXPORT.as_bytes()),
        ],
        &["--format", "short", "."],
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    assert!(
        lines[0].starts_with("dual-stack/legacy.ovpn:"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("legacy-ipv6-workaround"));
    assert!(
        lines[1].starts_with("dual-stack/legacy.ovpn:"),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("ipv4/leaky.ovpn:"), "{}", lines[2]);
    assert!(lines[3].starts_with("ipv4/leaky.ovpn:"), "{}", lines[3]);
}

#[test]
fn bad_values_are_config_errors_that_point_at_the_line() {
    for (config, key) in [
        (
            "[params]\ntraffic-ip-address-type = \"dualstack\"\n",
            "traffic-ip-address-type",
        ),
        (
            "[params]\ntraffic-ip-address-type = 6\n",
            "traffic-ip-address-type",
        ),
        ("[params]\nsplit-tunnel = \"yes\"\n", "split-tunnel"),
        (
            "[[overrides]]\nfiles = [\"x/**\"]\nparams = { traffic-ip-address-type = \"IPv6\" }\n",
            "traffic-ip-address-type",
        ),
    ] {
        let run = lint(config, &[("p.ovpn", EXPORT.as_bytes())], &["p.ovpn"]);
        assert_eq!(run.code, 2, "{config}");
        assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
        assert!(
            run.stderr.contains(&format!("params.{key}")),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains(".ovpn6-lint.toml:"), "{}", run.stderr);
        if key == "traffic-ip-address-type" {
            assert!(
                run.stderr.contains("`ipv4`, `ipv6` or `dual-stack`"),
                "{}",
                run.stderr
            );
        }
        assert!(!run.stdout.contains("passed"), "{}", run.stdout);
    }
}

#[test]
fn inspect_shows_the_endpoint_and_where_the_tunnel_address_comes_from() {
    let govcloud = EXPORT.replace(
        "cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1",
        "abc.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.us-gov-west-1",
    );
    let run = lint(
        &params("dual-stack", false),
        &[("p.ovpn", govcloud.as_bytes())],
        &["--inspect", "p.ovpn"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let view = &json[0];
    assert_eq!(view["aws_endpoint"]["region"], "us-gov-west-1");
    assert_eq!(
        view["aws_endpoint"]["endpoint"],
        "cvpn-endpoint-0123456789abcdef0"
    );
    assert_eq!(view["aws_endpoint"]["line"], 4);
    assert_eq!(view["tunnel"]["address"]["from"], "assumed");
    assert_eq!(view["tunnel"]["routes"][0]["network"], "2000::/3");

    let other = lint(
        "",
        &[("p.ovpn", b"client\ndev tun\nremote vpn.example.com\n")],
        &["--inspect", "p.ovpn"],
    );
    let json: serde_json::Value = serde_json::from_str(&other.stdout).unwrap();
    assert!(json[0]["aws_endpoint"].is_null());
}

#[test]
fn the_aws_vpn_client_rule_says_how_to_turn_it_off() {
    let profile = format!("{EXPORT}{LEGACY_LINES}tun-mtu-extra 32\n");
    let run = lint("", &[("p.ovpn", profile.as_bytes())], &["p.ovpn"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains(
            "the AWS VPN Client does not support `tun-mtu-extra`: AWS VPN Client 6.0 removed it"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("set `clients = [\"openvpn2\"]`"),
        "{}",
        run.stdout
    );
    let explained = lint(
        "",
        &[],
        &["--explain", "aws-vpn-client-unsupported-directive"],
    );
    assert_eq!(explained.code, 0);
    assert!(
        explained.stdout.contains("clients = [\"openvpn2\"]"),
        "{}",
        explained.stdout
    );
    // With `clients` set, the AWS VPN Client is not assumed.
    let run = lint(
        "[params]\nclients = [\"openvpn2\"]\n",
        &[("p.ovpn", profile.as_bytes())],
        &["p.ovpn"],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn no_finding_recommends_what_the_aws_vpn_client_refuses() {
    // Leaky AWS exports: the help and notes must not suggest block-ipv6 or redirect-gateway.
    for profile in [
        EXPORT.to_owned(),
        format!("{EXPORT}route-ipv6 2000::/4\n"),
        format!("{EXPORT}ifconfig-ipv6 2001:db8::2 2001:db8::1\nroute-ipv6 2000::/3\n"),
    ] {
        for format in ["json", "human", "sarif"] {
            let run = lint(
                "",
                &[("p.ovpn", profile.as_bytes())],
                &["--format", format, "p.ovpn"],
            );
            assert_eq!(run.code, 1);
            let shown = if format == "sarif" {
                // The rule metadata documents every rule; what matters are the results.
                let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
                sarif["runs"][0]["results"].to_string()
            } else {
                run.stdout
            };
            for word in ["block-ipv6", "redirect-gateway"] {
                assert!(!shown.contains(word), "{word} in {format}: {shown}");
            }
        }
    }
}

#[test]
fn explain_and_list_rules_know_the_new_rules() {
    for id in [
        "legacy-ipv6-workaround",
        "aws-vpn-client-unsupported-directive",
    ] {
        let run = lint("", &[], &["--explain", id]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.contains(id), "{}", run.stdout);
        let listed = lint("", &[], &["--list-rules"]);
        assert!(listed.stdout.contains(id));
    }
}
