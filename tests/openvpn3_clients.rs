//! The client families (`clients`): OpenVPN Connect and openvpn3-linux get findings, fixes and
//! `--route` answers that are true for OpenVPN 3, and never advice another finding calls
//! fatal. The cases are the ones issue 26 found, each run through the binary.

mod common;

use std::fs;

use common::{fired, ovpn6_lint, stderr_of, stdout_of};

const ROUTE_ONLY: &str = "client\ndev tun\nremote vpn.example.com 1194\nroute-ipv6 2000::/3\n";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Lints `profile` as `p.ovpn` in a fresh folder with `config` as `.ovpn6-lint.toml`.
fn run(config: &str, profile: &str, args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    fs::write(dir.path().join(".ovpn6-lint.toml"), config).unwrap();
    fs::write(dir.path().join("p.ovpn"), profile).unwrap();
    let output = ovpn6_lint(dir.path())
        .args(args)
        .arg("p.ovpn")
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap(),
        stdout: stdout_of(&output),
        stderr: stderr_of(&output),
    }
}

fn ids(config: &str, profile: &str) -> Vec<String> {
    let run = run(config, profile, &["--format", "short"]);
    assert!(run.code < 2, "{}", run.stderr);
    fired(&run.stdout)
}

fn clients(list: &str) -> String {
    format!("[params]\nclients = [{list}]\n")
}

#[test]
fn openvpn3_without_a_pushed_ipv6_is_told_what_protects_and_not_to_add_ifconfig_ipv6() {
    let config = clients("\"openvpn3\"");
    assert_eq!(ids(&config, ROUTE_ONLY), ["openvpn3-ipv6-not-pushed"]);
    let human = run(&config, ROUTE_ONLY, &[]);
    assert!(human.stdout.contains("only a server"), "{}", human.stdout);
    assert!(human.stdout.contains("On OpenVPN Connect, `block-ipv6`"));
    assert!(
        human
            .stdout
            .contains("On openvpn3-linux, `block-ipv6` does not help")
    );
    // No fix, safe or unsafe, inserts the line OpenVPN 3 refuses.
    let diff = run(&config, ROUTE_ONLY, &["--diff", "--unsafe-fixes"]);
    assert!(!diff.stdout.contains("ifconfig-ipv6"), "{}", diff.stdout);
    // The route goes nowhere: OpenVPN 3 drops the line.
    let route = run(&config, ROUTE_ONLY, &["--route", "2001:db8::1"]);
    assert!(
        route.stdout.contains(": local (outside the VPN): "),
        "{}",
        route.stdout
    );
    assert!(route.stdout.contains("pushes no `ifconfig-ipv6`"));
    // Against a server that pushes IPv6, the profile's route counts and nothing is wrong.
    let pushes = format!("{config}server-pushes-ipv6 = true\n");
    assert!(ids(&pushes, ROUTE_ONLY).is_empty());
}

#[test]
fn with_several_families_each_finding_says_which_it_is_for() {
    let config = clients("\"openvpn2\", \"openvpn3\"");
    let short = run(&config, ROUTE_ONLY, &["--format", "short"]).stdout;
    assert!(
        short.contains("error[missing-ifconfig-ipv6] no `ifconfig-ipv6` is in effect, so IPv6 has no tunnel to go into (for openvpn2)"),
        "{short}"
    );
    assert!(
        short.contains("(for openvpn-connect, openvpn3-linux)"),
        "{short}"
    );
    let route = run(&config, ROUTE_ONLY, &["--route", "2001:db8::1"]).stdout;
    assert!(
        route.contains("p.ovpn (openvpn2): 2001:db8::1: tunnel"),
        "{route}"
    );
    assert!(
        route.contains("p.ovpn (openvpn-connect, openvpn3-linux): 2001:db8::1: local"),
        "{route}"
    );
}

#[test]
fn a_hash_glued_to_a_route_is_a_comment_for_openvpn3() {
    let profile = "client\ndev tun\nremote vpn.example.com 1194\nroute-ipv6 2000::/3#x\n";
    let openvpn2 = ids(&clients("\"openvpn2\""), profile);
    assert!(
        openvpn2.contains(&"route-ipv6-dropped".to_owned()),
        "{openvpn2:?}"
    );
    // OpenVPN 3 installs 2000::/3 once the server pushes IPv6 (a split tunnel pushes no routes
    // of its own here, so the profile's line decides).
    let config = format!(
        "{}server-pushes-ipv6 = true\nsplit-tunnel = true\n",
        clients("\"openvpn3\"")
    );
    assert!(ids(&config, profile).is_empty());
    let route = run(&config, profile, &["--route", "2001:db8::1"]).stdout;
    assert!(
        route.contains("tunnel (into the VPN): this line's route 2000::/3"),
        "{route}"
    );
    assert!(route.contains("p.ovpn:4:1"), "{route}");
}

#[test]
fn block_ipv6_protects_on_openvpn_connect_and_not_on_openvpn3_linux() {
    let profile = "client\ndev tun\nremote vpn.example.com 1194\nblock-ipv6\n";
    assert!(ids(&clients("\"openvpn-connect\""), profile).is_empty());
    let linux = ids(&clients("\"openvpn3-linux\""), profile);
    assert_eq!(
        linux,
        ["openvpn3-ipv6-not-pushed", "block-ipv6-without-routes"]
    );
    let human = run(&clients("\"openvpn3-linux\""), profile, &[]).stdout;
    assert!(
        human.contains("On openvpn3-linux it blocks nothing at all"),
        "{human}"
    );
    assert!(!human.contains("blocks IPv6 outright"), "{human}");
    let route = run(
        &clients("\"openvpn3\""),
        profile,
        &["--route", "2001:db8::1"],
    )
    .stdout;
    assert!(
        route.contains("(openvpn-connect): 2001:db8::1: blocked (dropped, not leaked)"),
        "{route}"
    );
    assert!(
        route.contains("(openvpn3-linux): 2001:db8::1: local (outside the VPN)"),
        "{route}"
    );
    // `--format json` says which clients each answer is for.
    let json = run(
        &clients("\"openvpn3\""),
        profile,
        &["--route", "2001:db8::1", "--format", "json"],
    )
    .stdout;
    let answers: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(answers[0]["clients"], "openvpn-connect");
    assert_eq!(answers[1]["via"], "local");
}

#[test]
fn openvpn3_refuses_unknown_options_and_lines_over_511_bytes() {
    let config = clients("\"openvpn3\"");
    let base = "client\ndev tun\nremote vpn.example.com 1194\nredirect-gateway def1 ipv6\n";
    let pushes = format!("{config}server-pushes-ipv6 = true\n");
    let line = |bytes: usize| format!("setenv NOTE {}\n", "a".repeat(bytes - 12));
    assert!(ids(&pushes, &format!("{base}{}", line(511))).is_empty());
    assert_eq!(
        ids(&pushes, &format!("{base}{}", line(512))),
        ["openvpn3-refused-profile"]
    );
    let unknown = format!("{base}route-ipv6-gateway fd00::1\n");
    let run_unknown = run(&pushes, &unknown, &["--format", "short"]).stdout;
    assert!(
        run_unknown.contains("OpenVPN 3 does not know `route-ipv6-gateway`"),
        "{run_unknown}"
    );
    let ignored =
        format!("{base}ignore-unknown-option route-ipv6-gateway\nroute-ipv6-gateway fd00::1\n");
    assert!(ids(&pushes, &ignored).is_empty());
    let setenv_opt = format!("{base}setenv opt route-ipv6-gateway fd00::1\n");
    assert!(ids(&pushes, &setenv_opt).is_empty());
    // A server-only line in a client profile is refused too (OpenVPN 2.6 takes the file for a
    // server's).
    let server_only = ids(&pushes, &format!("{base}server-ipv6 fd00:1::/64\n"));
    assert!(
        server_only.contains(&"openvpn3-refused-profile".to_owned()),
        "{server_only:?}"
    );
    // Push-only options are fatal even when ignored; `tun-ipv6` is ignored quietly.
    let push_only =
        format!("{base}ignore-unknown-option ifconfig-ipv6\nifconfig-ipv6 fd00::2 fd00::1\n");
    assert_eq!(ids(&pushes, &push_only), ["openvpn3-push-only-option"]);
    let tun_ipv6 = ids(&pushes, &format!("{base}tun-ipv6\n"));
    assert!(
        !tun_ipv6.iter().any(|id| id.starts_with("openvpn3")),
        "{tun_ipv6:?}"
    );
}

#[test]
fn clients_names_the_families_and_refuses_others() {
    let profile = ROUTE_ONLY;
    for good in [
        "\"openvpn2\"",
        "\"aws-vpn-client\"",
        "\"openvpn3\"",
        "\"openvpn-connect\", \"openvpn3-linux\"",
    ] {
        let run = run(&clients(good), profile, &[]);
        assert!(run.code < 2, "{good}: {}", run.stderr);
    }
    let bad = run(&clients("\"openvpn4\""), profile, &[]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("openvpn2, aws-vpn-client, openvpn3, openvpn-connect, openvpn3-linux"),
        "{}",
        bad.stderr
    );
}

#[test]
fn a_server_config_is_not_judged_as_an_openvpn3_profile() {
    let server = "server 10.8.0.0 255.255.255.0\nserver-ipv6 fd42:42:42::/64\ndev tun\npush \"redirect-gateway def1 ipv6\"\n";
    let found = ids(&clients("\"openvpn2\", \"openvpn3\""), server);
    assert!(
        !found.iter().any(|id| id.starts_with("openvpn3")),
        "{found:?}"
    );
}
