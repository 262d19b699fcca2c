//! No report format, job summary, `--report` file or `--diff` ever prints the body of an inline
//! secret block, whatever fires next to it, also inside `<connection>`.

use std::fs;
use std::process::Command;

use ovpn6_lint::syntax::SECRET_TAGS;

/// A marker per secret kind, so a leak names the block it came from.
fn marker(tag: &str) -> String {
    format!("MARKER-{}-a1b2c3", tag.to_uppercase())
}

/// Lines that fire (nearly) every rule, each followed by a secret block.
const FIRING_LINES: &[&str] = &[
    "tun-ipv6",
    "ifconfig-ipv6 fd00::2 fd00::1",
    "ifconfig-ipv6 2001:db8::2 2001:db8::1",
    "route-ipv6 2000::/4",
    "route-ipv6 2000::/4",
    "route-ipv6 3000::/4#x",
    "route-ipv6 2001:db8::1/32",
    "route-ipv6 2001:db8:42::",
    "route-ipv6 office.example.com/48",
    "setenv opt block-ipv6 yes",
    "block-ipv6",
    "Route-IPv6 2000::/3",
    "route-ipv6 fc00::/7 # ovpn6-lint: disable=tun-ipv6",
    "push \"redirect-gateway def1\"",
    "auth-user-pass \"C:\\Users\\x\"",
];

fn profile(line_ending: &str) -> String {
    let mut text = String::from("client\ndev tap\nremote vpn.example.com 443\n");
    for (i, line) in FIRING_LINES.iter().enumerate() {
        text.push_str(line);
        text.push('\n');
        let tag = SECRET_TAGS[i % SECRET_TAGS.len()];
        text.push_str(&format!(
            "<{tag}>\n{}\n{} second line\n</{tag}>\n",
            marker(tag),
            marker(tag)
        ));
    }
    for tag in SECRET_TAGS {
        text.push_str(&format!("<{tag}>\n{}\n</{tag}>\n", marker(tag)));
    }
    text.push_str("<connection>\nremote a 1194\n");
    for tag in ["tls-auth", "tls-crypt", "tls-crypt-v2"] {
        text.push_str(&format!(
            "<{tag}>\n{}-IN-CONNECTION\n</{tag}>\n",
            marker(tag)
        ));
    }
    text.push_str("route-ipv6 2000::/3\n</connection>\n");
    // Last: a secret block that never ends.
    text.push_str(&format!("<key>\n{}-UNTERMINATED\n", marker("key")));
    text.replace('\n', line_ending)
}

#[test]
fn no_format_report_summary_or_diff_contains_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("leaky.ovpn"), profile("\n")).unwrap();
    fs::write(dir.path().join("leaky-crlf.ovpn"), profile("\r\n")).unwrap();
    fs::write(
        dir.path().join("server.conf"),
        profile("\n").replace("client\n", "server 10.8.0.0 255.255.255.0\n"),
    )
    .unwrap();
    let summary = dir.path().join("summary.md");
    let mut runs: Vec<Vec<&str>> = Vec::new();
    for format in ["human", "short", "json", "sarif", "github"] {
        runs.push(vec!["--format", format]);
    }
    runs.push(vec!["--color", "always"]);
    runs.push(vec!["--diff"]);
    runs.push(vec!["--diff", "--unsafe-fixes"]);
    runs.push(vec!["--inspect"]);
    runs.push(vec![
        "--format",
        "github",
        "--report",
        "human=r.txt",
        "--report",
        "short=r.short",
        "--report",
        "json=r.json",
        "--report",
        "sarif=r.sarif",
        "--report",
        "github=r.github",
    ]);
    let mut checked = 0;
    for extra in &runs {
        let output = Command::new(env!("CARGO_BIN_EXE_ovpn6-lint"))
            .args([
                "--no-config",
                "leaky.ovpn",
                "leaky-crlf.ovpn",
                "server.conf",
            ])
            .args(extra)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let mut texts = vec![
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ];
        for file in [
            "r.txt",
            "r.short",
            "r.json",
            "r.sarif",
            "r.github",
            "summary.md",
        ] {
            if let Ok(text) = fs::read_to_string(dir.path().join(file)) {
                texts.push(text);
            }
        }
        assert!(
            texts[0].len() > 100,
            "{extra:?} printed almost nothing: {}",
            texts[1]
        );
        for text in &texts {
            let leaked: Vec<&str> = text.lines().filter(|l| l.contains("MARKER-")).collect();
            assert!(leaked.is_empty(), "{extra:?} printed a secret: {leaked:?}");
            checked += 1;
        }
    }
    assert!(checked > 20);
    // The findings really are next to the secrets: most rules fire.
    let output = Command::new(env!("CARGO_BIN_EXE_ovpn6-lint"))
        .args([
            "--no-config",
            "--format",
            "json",
            "leaky.ovpn",
            "server.conf",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rules: std::collections::BTreeSet<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["rule"].as_str())
        .collect();
    assert!(rules.len() >= 12, "only {rules:?} fired");
}
