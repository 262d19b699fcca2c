//! Differential test: the OpenVPN 3 model (`ovpn6_lint::model::openvpn3`) against OpenVPN 3 core
//! itself, run as the `ov3lint` oracle (`../shared/oracle/openvpn3/`, built by `.ci/run`: the
//! core's own code up to the point where a client opens a socket, then a simulated push).
//!
//! Every fixture `tests/data/openvpn3/NN-*.ovpn` gets a `<ca>` block (`test-ca.pem`, a public
//! test certificate) appended and is read by both:
//!
//! * **the options verdict**: whether OpenVPN 3 accepts the profile, and which options it
//!   refuses as push-only, as not for clients (server-only, removed, management) or as unknown
//!   ("UNKNOWN/UNSUPPORTED OPTIONS"), must be the same;
//! * **the installed IPv6 routes**: for each server push below, the IPv6 routes the Linux
//!   client would add (`netlink route add ...`, in order) and whether it sets an IPv6 address
//!   on the tunnel must equal the model's openvpn3-linux tunnel
//!   (`ovpn6_lint::model::openvpn3::tunnel::build`). A push the client gives up on
//!   (`pull-filter reject`) must leave the model without a tunnel too.
//!
//! Every mismatch is collected and printed before failing.
//!
//! Environment:
//! * `OVPN6_OV3LINT=/path/to/ov3lint`: the oracle (default: `target/ov3lint/build/ov3lint`
//!   when it exists, as `.ci/run` builds it).
//! * `OVPN6_REQUIRE_OV3LINT=1`: fail instead of skipping when the oracle is missing.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use ovpn6_lint::model::openvpn3::tunnel::{Platform, build};
use ovpn6_lint::model::openvpn3::{self, RefusalKind};
use ovpn6_lint::model::tunnel::{Effect, Server};
use ovpn6_lint::model::{Loc, Pushed};

/// What the servers push (CSV, as in a PUSH_REPLY).
const PUSHES: &[(&str, &str)] = &[
    (
        "ipv4-only",
        "topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0",
    ),
    (
        "ipv6",
        "topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,\
         ifconfig-ipv6 fd00:1::1000/64 fd00:1::1",
    ),
    (
        "ipv6-routes",
        "topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,\
         ifconfig-ipv6 fd00:1::1000/64 fd00:1::1,route-ipv6 2000::/3",
    ),
    (
        "ipv6-redirect",
        "topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,\
         ifconfig-ipv6 fd00:1::1000/64 fd00:1::1,redirect-gateway def1 ipv6",
    ),
    (
        "ipv6-routes-block",
        "topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,\
         ifconfig-ipv6 fd00:1::1000/64 fd00:1::1,route-ipv6 3000::/4,block-ipv6",
    ),
];

/// At least this many fixtures, so that the test cannot quietly judge nothing.
const MIN_FIXTURES: usize = 40;

fn oracle() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("OVPN6_OV3LINT") {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    Some(common::repo().join("target/ov3lint/build/ov3lint")).filter(|p| p.is_file())
}

/// The verdict and the refused options, as `(category, option)` pairs.
#[derive(Debug, PartialEq, Eq)]
struct Verdict {
    accepted: bool,
    refused: Vec<(&'static str, String)>,
}

/// The IPv6 tunnel the Linux client builds.
#[derive(Debug, PartialEq, Eq)]
struct Ipv6Tunnel {
    /// `None`: the client gives up on the push.
    address: Option<bool>,
    routes: Vec<String>,
}

fn category(header: &str) -> Option<&'static str> {
    match header {
        "Option allowed only to be pushed by the server" => Some("push-only"),
        "Server only option"
        | "Removed deprecated option"
        | "OpenVPN 2.x command line operation"
        | "OpenVPN management interface is not supported by this client" => Some("not-for-clients"),
        "UNKNOWN/UNSUPPORTED OPTIONS" => Some("unknown"),
        _ => None,
    }
}

fn run_oracle(oracle: &Path, profile: &Path, push: Option<&str>) -> (i32, String) {
    let mut command = Command::new(oracle);
    command.arg("--no-cert");
    if let Some(push) = push {
        command.args(["--push", push]);
    }
    let output = command.arg(profile).output().expect("ov3lint runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn oracle_verdict(code: i32, out: &str) -> Verdict {
    let mut refused = Vec::new();
    let mut current = None;
    for line in out.lines() {
        let Some(log) = line.strip_prefix("  log| ") else {
            continue;
        };
        if log.starts_with(|c: char| c.is_ascii_digit()) {
            if let (Some(category), Some(name)) = (
                current,
                log.split_once(" [")
                    .and_then(|(_, rest)| rest.split_once(']'))
                    .map(|(name, _)| name),
            ) {
                refused.push((category, name.to_owned()));
            }
        } else {
            current = category(log);
        }
    }
    refused.sort();
    Verdict {
        accepted: code == 0,
        refused,
    }
}

fn oracle_tunnel(code: i32, out: &str) -> Ipv6Tunnel {
    if code != 0 {
        return Ipv6Tunnel {
            address: None,
            routes: Vec::new(),
        };
    }
    let mut address = false;
    let mut routes = Vec::new();
    for line in out.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["netlink", "iface", _, "add", net] if net.contains(':') => address = true,
            ["netlink", "route", "add", "dev", _, net, ..] if net.contains(':') => {
                routes.push((*net).to_owned());
            }
            _ => {}
        }
    }
    Ipv6Tunnel {
        address: Some(address),
        routes,
    }
}

fn model_verdict(read: &openvpn3::Openvpn3) -> Verdict {
    let mut refused: Vec<(&'static str, String)> = read
        .refusals
        .iter()
        .filter_map(|r| {
            let category = match r.kind {
                RefusalKind::PushOnly => "push-only",
                RefusalKind::NotForClients => "not-for-clients",
                RefusalKind::Unknown => "unknown",
                RefusalKind::Text => return None,
            };
            Some((category, r.name.clone()?))
        })
        .collect();
    refused.sort();
    Verdict {
        accepted: read.accepted(),
        refused,
    }
}

fn model_tunnel(read: &openvpn3::Openvpn3, csv: &str) -> Ipv6Tunnel {
    let pushes: Vec<Pushed> = csv
        .split(',')
        .map(|piece| Pushed {
            text: piece.trim_start().to_owned(),
            words: piece.split_whitespace().map(str::to_owned).collect(),
            loc: Loc {
                source: 0,
                span: 0..0,
            },
        })
        .collect();
    let tunnel = build(read, Server::Pushes(&pushes), Platform::Linux);
    let gave_up = tunnel.routes.is_empty()
        && tunnel.address.is_none()
        && tunnel
            .client_drops
            .iter()
            .any(|d| d.why.contains("gives up"));
    Ipv6Tunnel {
        address: (!gave_up).then_some(tunnel.address.is_some()),
        routes: tunnel
            .routes
            .iter()
            .filter(|r| r.effect != Effect::Blocked)
            .map(|r| r.network.to_string())
            .collect(),
    }
}

#[test]
fn the_openvpn3_model_agrees_with_openvpn3_core() {
    let Some(oracle) = oracle() else {
        assert!(
            std::env::var("OVPN6_REQUIRE_OV3LINT").as_deref() != Ok("1"),
            "OVPN6_REQUIRE_OV3LINT is set but the ov3lint oracle is missing: build it with \
             ../shared/oracle/openvpn3/build.sh target/ov3lint and set OVPN6_OV3LINT"
        );
        eprintln!(
            "skipped: the OpenVPN 3 oracle (ov3lint) is not built; set OVPN6_OV3LINT to its path \
             (../shared/oracle/openvpn3/build.sh builds it)"
        );
        return;
    };
    let data = common::repo().join("tests/data/openvpn3");
    let ca = std::fs::read_to_string(data.join("test-ca.pem")).expect("test CA");
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&data)
        .expect("tests/data/openvpn3")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ovpn"))
        .collect();
    fixtures.sort();
    assert!(
        fixtures.len() >= MIN_FIXTURES,
        "{} fixtures",
        fixtures.len()
    );
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let mut mismatches = String::new();
    let mut compared_routes = 0;
    for fixture in &fixtures {
        let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
        let mut text = std::fs::read(fixture).expect("readable fixture");
        text.extend(format!("<ca>\n{ca}</ca>\n").as_bytes());
        let profile = scratch.path().join(&name);
        std::fs::write(&profile, &text).expect("writable scratch");

        let read = openvpn3::read(&text);
        let (code, out) = run_oracle(&oracle, &profile, None);
        let (said, ours) = (oracle_verdict(code, &out), model_verdict(&read));
        if said != ours {
            writeln!(
                mismatches,
                "{name}: options verdict\n  OpenVPN 3: {said:?}\n  model:     {ours:?}\n{out}"
            )
            .unwrap();
            continue;
        }
        if !said.accepted {
            continue;
        }
        for (push_name, csv) in PUSHES {
            let (code, out) = run_oracle(&oracle, &profile, Some(csv));
            let (said, ours) = (oracle_tunnel(code, &out), model_tunnel(&read, csv));
            compared_routes += 1;
            if said != ours {
                writeln!(
                    mismatches,
                    "{name} with the {push_name} push: IPv6 tunnel\n  OpenVPN 3: {said:?}\n  \
                     model:     {ours:?}\n{out}"
                )
                .unwrap();
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "the model and OpenVPN 3 disagree:\n{mismatches}"
    );
    eprintln!(
        "{} fixtures agree with OpenVPN 3 ({compared_routes} pushes compared)",
        fixtures.len()
    );
}
