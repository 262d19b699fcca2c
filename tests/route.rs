//! `--route ADDR`: where an address goes, for every route shape the rules know. Each case is a
//! small profile and the answers expected for a handful of addresses: `via`, and the 1-based
//! line that decides (or none).

mod common;

use std::fs;

use common::{ovpn6_lint, stderr_of, stdout_of};
use serde_json::Value;

const HEAD: &str = "client\ndev tun\nremote vpn.example.com 1194\n";

/// Runs `--route` for `addresses` on `profile` (with `config` as `.ovpn6-lint.toml`, if any);
/// returns the JSON answers.
fn route(profile: &[u8], config: Option<&str>, addresses: &[&str]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("p.ovpn"), profile).unwrap();
    let mut command = ovpn6_lint(dir.path());
    match config {
        Some(text) => {
            fs::write(dir.path().join("lint.toml"), text).unwrap();
            command.args(["--config", "lint.toml"]);
        }
        None => {
            command.arg("--no-config");
        }
    }
    for address in addresses {
        command.args(["--route", address]);
    }
    let output = command
        .args(["--format", "json", "p.ovpn"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let answers: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answers.len(), addresses.len());
    answers
}

/// `(address, via, line)` for each answer.
fn summary(answers: &[Value]) -> Vec<(String, String, Option<u64>)> {
    answers
        .iter()
        .map(|a| {
            (
                a["address"].as_str().unwrap().to_owned(),
                a["via"].as_str().unwrap().to_owned(),
                a["line"].as_u64(),
            )
        })
        .collect()
}

fn expect(profile: &str, config: Option<&str>, cases: &[(&str, &str, Option<u64>)]) {
    let addresses: Vec<&str> = cases.iter().map(|c| c.0).collect();
    let got = summary(&route(profile.as_bytes(), config, &addresses));
    let want: Vec<(String, String, Option<u64>)> = cases
        .iter()
        .map(|(a, v, l)| (a.to_string(), v.to_string(), *l))
        .collect();
    assert_eq!(got, want, "{profile}");
}

#[test]
fn the_aws_guide_example_leaves_3000_4_outside() {
    let profile =
        format!("{HEAD}ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\nroute-ipv6 2000::/4\n");
    expect(
        &profile,
        None,
        &[
            ("2001:db8::1", "tunnel", Some(5)),
            ("3000::1", "local", None),
            ("3fff:ffff::1", "local", None),
            ("fd15:53b6:dead::99", "tunnel", Some(4)),
            ("fc00::1", "local", None),
        ],
    );
}

#[test]
fn halves_cover_the_whole_and_the_longest_prefix_decides() {
    let profile = format!(
        "{HEAD}ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\nroute-ipv6 2000::/4\nroute-ipv6 3000::/4\nroute-ipv6 2001:db8::/32\n"
    );
    expect(
        &profile,
        None,
        &[
            ("2001:db8::1", "tunnel", Some(7)),
            ("2001:db9::1", "tunnel", Some(5)),
            ("3000::1", "tunnel", Some(6)),
            ("4000::1", "local", None),
            ("::1", "local", None),
        ],
    );
}

#[test]
fn a_default_route_depends_on_the_lan_default_route() {
    let profile =
        format!("{HEAD}ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\nroute-ipv6 ::/0\n");
    let answers = route(
        profile.as_bytes(),
        None,
        &["2001:db8::1", "fd15:53b6:dead::5"],
    );
    assert_eq!(answers[0]["via"], "local");
    assert_eq!(answers[0]["depends_on_order"], true);
    assert_eq!(answers[0]["line"], 5);
    assert_eq!(answers[0]["route"], "::/0");
    assert_eq!(answers[1]["via"], "tunnel");
    assert_eq!(answers[1]["depends_on_order"], false);
}

#[test]
fn a_hash_glued_to_the_prefix_drops_the_route_and_says_where() {
    let profile = format!(
        "{HEAD}ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\nroute-ipv6 2000::/3#all\n"
    );
    expect(
        &profile,
        None,
        &[
            ("2001:db8::1", "local", Some(5)),
            ("3000::1", "local", Some(5)),
            ("fc00::1", "local", None),
            ("fd15:53b6:dead::1", "tunnel", Some(4)),
            ("::ffff:10.0.0.1", "local", None),
        ],
    );
    let answers = route(profile.as_bytes(), None, &["2001:db8::1"]);
    assert!(
        answers[0]["reason"].as_str().unwrap().contains("drops"),
        "{}",
        answers[0]
    );
}

#[test]
fn a_route_without_bits_is_a_64_and_host_bits_are_cleared() {
    let profile = format!(
        "{HEAD}ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\nroute-ipv6 2001:db8:1::\nroute-ipv6 2001:db8:2::1/48\n"
    );
    expect(
        &profile,
        None,
        &[
            ("2001:db8:1::ffff", "tunnel", Some(5)),
            ("2001:db8:1:1::1", "local", None),
            ("2001:db8:2:ffff::1", "tunnel", Some(6)),
            ("2001:db8:3::1", "local", None),
            ("3000::1", "local", None),
        ],
    );
}

#[test]
fn gateway_and_metric_are_routes_like_any_other_and_a_negative_metric_drops() {
    let profile = format!(
        "{HEAD}ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\nroute-ipv6 2000::/4 fd15:53b6:dead::1 10\nroute-ipv6 3000::/4 default -1\n"
    );
    expect(
        &profile,
        None,
        &[
            ("2001:db8::1", "tunnel", Some(5)),
            ("3000::1", "local", Some(6)),
            ("fc00::1", "local", None),
            ("fd15:53b6:dead::1", "tunnel", Some(4)),
            ("10.1.2.3", "not-judged", None),
        ],
    );
}

#[test]
fn redirect_gateway_ipv6_adds_four_routes_but_not_the_default() {
    let profile = format!(
        "{HEAD}ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\nredirect-gateway def1 ipv6\n"
    );
    expect(
        &profile,
        None,
        &[
            ("2001:db8::1", "tunnel", Some(5)),
            ("3000::1", "tunnel", Some(5)),
            ("fc00::1", "tunnel", Some(5)),
            ("::2", "tunnel", Some(5)),
            ("4000::1", "local", None),
            ("fe80::1", "local", None),
        ],
    );
}

#[test]
fn routes_without_ifconfig_ipv6_still_go_into_the_tunnel_on_tun() {
    let profile = format!("{HEAD}route-ipv6 2000::/3\n");
    expect(
        &profile,
        None,
        &[
            ("2001:db8::1", "tunnel", Some(4)),
            ("3000::1", "tunnel", Some(4)),
            ("fc00::1", "local", None),
            ("fd15:53b6:dead::1", "local", None),
            ("4000::1", "local", None),
        ],
    );
}

#[test]
fn on_tap_a_route_without_a_gateway_is_not_installed() {
    let profile = "client\ndev tap\nremote vpn.example.com 1194\nroute-ipv6 2000::/3\nroute-ipv6 fc00::/7 default 0\n";
    expect(
        profile,
        None,
        &[
            ("2001:db8::1", "local", Some(4)),
            ("3000::1", "local", Some(4)),
            ("fd00::1", "tunnel", Some(5)),
            ("fc00::1", "tunnel", Some(5)),
            ("4000::1", "local", None),
        ],
    );
}

#[test]
fn crlf_and_inline_blocks_change_no_answer() {
    let profile = format!(
        "{HEAD}<ca>\n-----BEGIN CERTIFICATE-----\nroute-ipv6 3000::/4\n-----END CERTIFICATE-----\n</ca>\nifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\nroute-ipv6 2000::/4\n"
    )
    .replace('\n', "\r\n");
    expect(
        &profile,
        None,
        &[
            ("2001:db8::1", "tunnel", Some(10)),
            ("3000::1", "local", None),
            ("fd15:53b6:dead::9", "tunnel", Some(9)),
            ("fc00::1", "local", None),
            ("2fff::1", "tunnel", Some(10)),
        ],
    );
}

#[test]
fn a_route_inside_connection_is_refused_and_carries_nothing() {
    let profile = "client\ndev tun\n<connection>\nremote vpn.example.com 1194\nroute-ipv6 2000::/3\n</connection>\nifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\nroute-ipv6 2000::/4\n";
    expect(
        profile,
        None,
        &[
            ("2001:db8::1", "tunnel", Some(8)),
            ("3000::1", "local", None),
            ("fd15:53b6:dead::9", "tunnel", Some(7)),
            ("fc00::1", "local", None),
            ("::1", "local", None),
        ],
    );
}

const DUAL_STACK: &str = "[params]\ntraffic-ip-address-type = \"dual-stack\"\n";

#[test]
fn a_dual_stack_endpoint_pushes_routes_for_the_required_coverage() {
    let answers = route(
        HEAD.as_bytes(),
        Some(DUAL_STACK),
        &["2001:db8::1", "3000::1", "fc00::1"],
    );
    assert_eq!(
        summary(&answers),
        [
            ("2001:db8::1".to_owned(), "tunnel".to_owned(), None),
            ("3000::1".to_owned(), "tunnel".to_owned(), None),
            ("fc00::1".to_owned(), "local".to_owned(), None),
        ]
    );
    let reason = answers[0]["reason"].as_str().unwrap();
    assert!(reason.contains("traffic-ip-address-type"), "{reason}");
}

#[test]
fn route_nopull_and_pull_filter_remove_what_the_server_pushes() {
    for (line, at) in [
        ("route-nopull", 4),
        ("pull-filter ignore \"route-ipv6\"", 4),
        ("pull-filter ignore \"\"", 4),
        ("pull-filter reject redirect", 4),
    ] {
        let profile = format!("{HEAD}{line}\nroute-ipv6 fd00:1::/48\n");
        expect(
            &profile,
            Some(DUAL_STACK),
            &[
                ("2001:db8::1", "local", Some(at)),
                ("3000::1", "local", Some(at)),
                ("fd00:1::1", "tunnel", Some(5)),
                ("fd00:2::1", "local", None),
                ("4000::1", "local", None),
            ],
        );
    }
    // A filter that accepts first lets the pushes through.
    let profile = format!(
        "{HEAD}pull-filter accept route-ipv6\npull-filter accept redirect\npull-filter ignore \"\"\n"
    );
    expect(
        &profile,
        Some(DUAL_STACK),
        &[("2001:db8::1", "tunnel", None), ("4000::1", "local", None)],
    );
}

#[test]
fn a_split_tunnel_assumes_no_pushed_routes() {
    let config = "[params]\ntraffic-ip-address-type = \"dual-stack\"\nsplit-tunnel = true\n";
    expect(
        HEAD,
        Some(config),
        &[("2001:db8::1", "local", None), ("fd00::1", "local", None)],
    );
}

#[test]
fn human_output_is_one_line_per_address_with_a_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let profile =
        format!("{HEAD}ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\nroute-ipv6 2000::/4\n");
    fs::write(dir.path().join("p.ovpn"), profile).unwrap();
    let output = ovpn6_lint(dir.path())
        .args([
            "--no-config",
            "--route",
            "2001:db8::1",
            "--route",
            "3000::1",
        ])
        .arg("p.ovpn")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout_of(&output),
        "p.ovpn: 2001:db8::1: tunnel (into the VPN): `route-ipv6` 2000::/4 holds it --> p.ovpn:5:1\n\
         p.ovpn: 3000::1: local (outside the VPN): no route into the tunnel holds it\n"
    );
}

#[test]
fn a_bad_address_or_format_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("p.ovpn"), HEAD).unwrap();
    let run = |args: &[&str]| {
        ovpn6_lint(dir.path())
            .args(["--no-config"])
            .args(args)
            .arg("p.ovpn")
            .output()
            .unwrap()
    };
    let output = run(&["--route", "2001:db8::/32"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).starts_with("error: "),
        "{}",
        stderr_of(&output)
    );
    assert!(!stdout_of(&output).contains("passed"));
    let output = run(&["--route", "2001:db8::1", "--format", "sarif"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("--format json"),
        "{}",
        stderr_of(&output)
    );
}
