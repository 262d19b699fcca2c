//! Templates (design §10): profiles inside Go, Jinja2 and `${}` templates are found by the
//! walk, read with every placeholder an unknown value, judged on the template's own lines, and
//! fixed only where a fix lands in the template's literal text.

mod common;

use std::fs;
use std::path::PathBuf;

use common::{repo, run};

/// A scratch repository holding `files`.
fn scratch(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/data/templates").join(name)
}

/// `path:line:col: severity[rule]` of each finding of a `--format short` report.
fn places(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|line| line.split_once(" "))
        .map(|(at, rest)| {
            let rule = rest.split_once(' ').map_or(rest, |(r, _)| r);
            format!("{at} {rule}")
        })
        .collect()
}

#[test]
fn walking_templates_never_reports_a_placeholder_as_refused_or_malformed() {
    let out = run(
        &repo(),
        &["--no-config", "--format", "short", "tests/data/templates"],
    );
    assert_eq!(out.code, 1, "{out:?}");
    for refused in [
        "invalid-ipv6-directive",
        "syntax-error",
        "route-ipv6-dropped",
    ] {
        assert!(!out.stdout.contains(refused), "{}", out.stdout);
    }
    assert_eq!(
        places(&out.stdout),
        [
            "tests/data/templates/aws-client.ovpn.tpl:1:1: error[incomplete-ipv6-routes]",
            "tests/data/templates/aws-client.ovpn.tpl:1:1: error[missing-ifconfig-ipv6]",
            "tests/data/templates/client.ovpn.tmpl:2:1: error[missing-ifconfig-ipv6]",
            // The route line of the template, under placeholders of other lengths.
            "tests/data/templates/client.ovpn.tmpl:9:1: error[incomplete-ipv6-routes]",
            // A shell script's here-document, `$server` and `${PORT:-1194}` unknown.
            "tests/data/templates/make-client.sh:6:1: error[missing-ifconfig-ipv6]",
            "tests/data/templates/make-client.sh:9:1: error[incomplete-ipv6-routes]",
            "tests/data/templates/server.conf.j2:13:6: warning[server-redirect-without-ipv6]",
        ]
    );
    // Neither the nginx template nor the shell script reads as a profile.
    assert!(!out.stdout.contains("nginx"));
    assert!(!out.stdout.contains("not-a-profile"));
}

#[test]
fn a_leak_finding_names_the_lines_that_are_only_unknown_values_and_the_conditions() {
    let out = run(
        &repo(),
        &["--no-config", "tests/data/templates/client.ovpn.tmpl"],
    );
    assert!(
        out.stdout.contains(
            "the verdict holds unless `{{ .CustomConfig }}` (line 10) adds the missing IPv6 lines"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "`{{- range $server := .Hosts }}` (line 5), `{{- if .PasswdAuth }}` (line 11) \
             depend on values the repository does not give"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn a_named_template_that_is_no_profile_is_skipped_silently() {
    let out = run(
        &repo(),
        &[
            "--no-config",
            "tests/data/templates/nginx.conf.j2",
            "tests/data/templates/templates-not-a-profile.sh.tpl",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stderr, "");
}

#[test]
fn fixes_go_into_the_template_with_its_indentation_and_line_endings() {
    let template = fs::read(fixture("client.ovpn.tmpl")).unwrap();
    let crlf = String::from_utf8(template.clone())
        .unwrap()
        .replace('\n', "\r\n");
    let dir = scratch(&[
        ("client.ovpn.tmpl", &template),
        ("crlf/client.ovpn.tmpl", crlf.as_bytes()),
        (
            "indented/client.ovpn.tpl",
            b"  client\n  dev ${dev}\n  remote ${host} 443\n  route-ipv6 2000::/3\n",
        ),
    ]);
    let out = run(dir.path(), &["--no-config", "--fix", "."]);
    assert_eq!(out.code, 0, "{out:?}");
    let fixed = fs::read_to_string(dir.path().join("client.ovpn.tmpl")).unwrap();
    assert!(
        fixed.contains(
            "route-ipv6 2000::/4\nifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\n\
             route-ipv6 3000::/4\n{{ .CustomConfig }}\n"
        ),
        "{fixed}"
    );
    let fixed_crlf = fs::read_to_string(dir.path().join("crlf/client.ovpn.tmpl")).unwrap();
    assert_eq!(fixed_crlf, fixed.replace('\n', "\r\n"));
    let indented = fs::read_to_string(dir.path().join("indented/client.ovpn.tpl")).unwrap();
    assert_eq!(
        indented,
        "  client\n  dev ${dev}\n  remote ${host} 443\n  route-ipv6 2000::/3\n  \
         ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\n"
    );
    // Every placeholder and every other byte is kept.
    let again = run(dir.path(), &["--no-config", "--format", "short", "."]);
    assert_eq!(again.code, 0, "{again:?}");
}

#[test]
fn diff_shows_the_template_change_and_writes_nothing() {
    let out = run(
        &repo(),
        &[
            "--no-config",
            "--diff",
            "tests/data/templates/aws-client.ovpn.tpl",
        ],
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains(
            " dev tun\n+ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\n+route-ipv6 2000::/3\n \
             proto ${transport_protocol}\n"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn suppression_comments_work_in_templates() {
    let dir = scratch(&[(
        "client.ovpn.j2",
        b"# ovpn6-lint: disable-file=missing-ifconfig-ipv6 -- the server pushes it\n\
          client\ndev {{ dev }}\nremote {{ host }} 1194\nroute-ipv6 2000::/3\n",
    )]);
    let out = run(dir.path(), &["--no-config", "--format", "short", "."]);
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn secrets_in_a_template_never_reach_a_report() {
    let dir = scratch(&[(
        "client.ovpn.tmpl",
        b"client\ndev tun\nremote {{ .Host }} 1194\n<key>\nSECRET-KEY-TEXT\n</key>\n\
          route-ipv6 2000::/4 {{ .Gw }}\nroute-ipv6 2000::/4\n",
    )]);
    for format in ["human", "sarif", "json", "github"] {
        let out = run(dir.path(), &["--no-config", "--format", format, "."]);
        assert!(
            !out.stdout.contains("SECRET-KEY-TEXT"),
            "{format}: {}",
            out.stdout
        );
    }
}

#[test]
fn jinja2_comments_carry_suppressions() {
    let dir = scratch(&[(
        "client.ovpn.j2",
        b"{# ovpn6-lint: disable-file=missing-ifconfig-ipv6 -- the server pushes it #}\n\
          client\ndev {{ dev }}\nremote {{ host }} 1194\n\
          route-ipv6 2000::/4 {# ovpn6-lint: disable=incomplete-ipv6-routes -- office link #}\n",
    )]);
    let out = run(dir.path(), &["--no-config", "--format", "short", "."]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "", "{out:?}");
}

#[test]
fn sarif_and_baselines_use_the_templates_lines() {
    let out = run(
        &repo(),
        &[
            "--no-config",
            "--format",
            "sarif",
            "tests/data/templates/client.ovpn.tmpl",
        ],
    );
    let sarif: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let places: Vec<(String, u64)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let location = &r["locations"][0]["physicalLocation"];
            (
                location["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                location["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            ("tests/data/templates/client.ovpn.tmpl".to_owned(), 2),
            ("tests/data/templates/client.ovpn.tmpl".to_owned(), 9),
        ]
    );
    let template = fs::read(fixture("client.ovpn.tmpl")).unwrap();
    let dir = scratch(&[("client.ovpn.tmpl", &template)]);
    let out = run(
        dir.path(),
        &["--no-config", "--write-baseline", "baseline.json", "."],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let out = run(
        dir.path(),
        &[
            "--no-config",
            "--baseline",
            "baseline.json",
            "--format",
            "short",
            ".",
        ],
    );
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out:?}");
}

#[test]
fn naming_a_changed_role_or_template_vars_file_lints_the_templates_that_use_it() {
    let dir = scratch(&[
        (
            ".ovpn6-lint.toml",
            b"[params]\ntemplate-vars = [\"inventory/group_vars/all.yml\"]\n",
        ),
        ("inventory/group_vars/all.yml", b"openvpn_port: 1194\n"),
        (
            "roles/vpn/defaults/main.yml",
            b"openvpn_server: vpn.example.com\n",
        ),
        (
            "roles/vpn/templates/client.ovpn.j2",
            b"client\ndev tun\nremote {{ openvpn_server }} {{ openvpn_port }}\n",
        ),
        ("other/notes.ovpn", b"client\ndev tun\nremote x 1\n"),
    ]);
    for changed in [
        "inventory/group_vars/all.yml",
        "roles/vpn/defaults/main.yml",
    ] {
        let out = run(dir.path(), &["--format", "short", changed]);
        assert_eq!(out.code, 1, "{changed}: {out:?}");
        let files: std::collections::BTreeSet<&str> = out
            .stdout
            .lines()
            .map(|l| l.split(':').next().unwrap())
            .collect();
        assert_eq!(
            files,
            std::collections::BTreeSet::from(["roles/vpn/templates/client.ovpn.j2"]),
            "{changed}: {out:?}"
        );
    }
}

#[test]
fn a_role_template_is_rendered_with_its_roles_values_in_ansibles_order() {
    let template: &[u8] = b"client\ndev tun\nremote {{ server }} 1194\n\
        {% if ipv6 | bool %}\nifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\n\
        route-ipv6 2000::/3\n{% endif %}\n";
    let leaky = |config: &[u8], vars: Option<&[u8]>| {
        let mut files: Vec<(&str, &[u8])> = vec![
            (".ovpn6-lint.toml", config),
            ("group_vars/all.yml", b"ipv6: on\n"),
            (
                "roles/vpn/defaults/main.yml",
                b"server: vpn.example.com\nipv6: no\n",
            ),
            ("roles/vpn/templates/client.ovpn.j2", template),
        ];
        if let Some(vars) = vars {
            files.push(("roles/vpn/vars/main.yml", vars));
        }
        let dir = scratch(&files);
        let out = run(dir.path(), &["--format", "short", "."]);
        out.code == 1
    };
    // defaults/main.yml: `no` is false (YAML 1.1, as Ansible reads it).
    assert!(leaky(b"", None));
    // a template-vars file lies above the defaults: `on` is true.
    assert!(!leaky(
        b"[params]\ntemplate-vars = [\"group_vars/all.yml\"]\n",
        None
    ));
    // vars/main.yml lies above template-vars.
    assert!(leaky(
        b"[params]\ntemplate-vars = [\"group_vars/all.yml\"]\n",
        Some(b"ipv6: off\n")
    ));
    // template-values lie above everything.
    assert!(!leaky(
        b"[params]\ntemplate-values = { ipv6 = true }\n",
        Some(b"ipv6: off\n")
    ));
}

#[test]
fn a_template_vars_file_outside_the_repository_is_not_read() {
    let dir = scratch(&[
        (
            ".ovpn6-lint.toml",
            b"[params]\ntemplate-vars = [\"/etc/hostname\"]\n",
        ),
        (
            "roles/vpn/templates/client.ovpn.j2",
            b"client\ndev tun\nremote {{ server }} 1194\n",
        ),
    ]);
    let out = run(dir.path(), &["--format", "short", "."]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("`/etc/hostname` is outside the repository; it was not read"),
        "{}",
        out.stderr
    );
}

/// A template linked to an AWS Client VPN endpoint (issue 25) is judged with that endpoint's
/// facts, as the profile it renders would be: on a dual-stack split-tunnel endpoint the legacy
/// IPv6 lines are reported at the template's own lines, `--route` gives the split tunnel's
/// caveat and `--inspect` the link.
#[test]
fn a_template_linked_to_an_endpoint_is_judged_with_its_facts() {
    let template = "client\ndev tun\nproto udp\nremote ${endpoint_dns} 443\nremote-random-hostname\n\
                    nobind\nifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\nroute-ipv6 2000::/3\nverb 3\n";
    let dir = scratch(&[
        (
            "infra/main.tf",
            b"resource \"aws_ec2_client_vpn_endpoint\" \"lab\" {\n  client_cidr_block = \"10.200.0.0/22\"\n  traffic_ip_address_type = \"dual-stack\"\n  split_tunnel = true\n}\n",
        ),
        ("profiles/lab.ovpn.tftpl", template.as_bytes()),
        (
            ".ovpn6-lint.toml",
            b"[[overrides]]\nfiles = [\"profiles/lab.ovpn.tftpl\"]\nparams = { aws-endpoint = \"infra/main.tf#lab\" }\n",
        ),
    ]);
    let linked = run(dir.path(), &["--format", "short", "profiles/"]);
    assert_eq!(
        places(&linked.stdout),
        [
            "profiles/lab.ovpn.tftpl:7:1: warning[legacy-ipv6-workaround]",
            "profiles/lab.ovpn.tftpl:8:1: warning[legacy-ipv6-workaround]",
        ],
        "{linked:?}"
    );
    assert_eq!(linked.code, 1, "{linked:?}");
    let route = run(
        dir.path(),
        &["--route", "fc00::1", "profiles/lab.ovpn.tftpl"],
    );
    assert!(
        route
            .stdout
            .contains("the endpoint's route table also holds the route"),
        "{route:?}"
    );
    let inspect = run(dir.path(), &["--inspect", "profiles/lab.ovpn.tftpl"]);
    let inspect: serde_json::Value = serde_json::from_str(&inspect.stdout).unwrap();
    assert_eq!(inspect[0]["endpoint"]["file"], "infra/main.tf", "{inspect}");
    assert!(inspect[0]["template"].is_object(), "{inspect}");
    // Without the link the same template is an IPv4 AWS profile's, judged otherwise.
    fs::remove_file(dir.path().join(".ovpn6-lint.toml")).unwrap();
    let unlinked = run(dir.path(), &["--format", "short", "profiles/"]);
    assert_ne!(
        places(&unlinked.stdout),
        places(&linked.stdout),
        "{unlinked:?}"
    );
}

/// With several client families (issue 26), `--route` answers a template once per family,
/// each at the template's own line.
#[test]
fn route_answers_a_template_per_client_family() {
    let dir = scratch(&[
        (
            "client.ovpn.tftpl",
            b"client\ndev tun\nremote ${host} 1194\nifconfig-ipv6 fd00::2/64 fd00::1\nroute-ipv6 2000::/3\n",
        ),
        (
            ".ovpn6-lint.toml",
            b"[params]\nclients = [\"openvpn2\", \"openvpn-connect\"]\n",
        ),
    ]);
    let out = run(dir.path(), &["--route", "3000::1", "client.ovpn.tftpl"]);
    assert_eq!(out.code, 0, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{out:?}");
    assert!(
        lines[0].starts_with("client.ovpn.tftpl (openvpn2): 3000::1: tunnel")
            && lines[0].ends_with("--> client.ovpn.tftpl:5:1"),
        "{out:?}"
    );
    assert!(
        lines[1].starts_with("client.ovpn.tftpl (openvpn-connect): 3000::1: local"),
        "{out:?}"
    );
}

#[test]
fn a_broken_jinja2_file_is_reported_only_when_it_reads_as_a_profile() {
    // A README in a `templates/` folder, whose `{{` is not Jinja2 that minijinja accepts.
    let notes: &[u8] = b"# Sources\n\nclient templates use {{ server }} and {% if x %} blocks,\n\
        remote hosts and dev names come from {{ vars | missing filter( }}\n";
    let broken_profile: &[u8] = b"client\ndev tun\nremote {{ server }} 1194\n\
        {% if ipv6 %}\nroute-ipv6 2000::/3\n";
    let dir = scratch(&[
        ("roles/vpn/templates/NOTES.md", notes),
        ("roles/vpn/defaults/main.yml", b"server: vpn.example.com\n"),
    ]);
    let out = run(dir.path(), &["--format", "short", "."]);
    assert_ne!(out.code, 2, "{out:?}");
    assert!(!out.stderr.contains("NOTES.md"), "{out:?}");
    let dir = scratch(&[
        ("roles/vpn/templates/client.ovpn.j2", broken_profile),
        ("roles/vpn/defaults/main.yml", b"server: vpn.example.com\n"),
    ]);
    let out = run(dir.path(), &["--format", "short", "."]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("client.ovpn.j2"), "{out:?}");
}
