//! Leak-lab test: `ovpn6-lint --route` against what a real kernel does with a real OpenVPN.
//!
//! Every profile `tests/leak-lab/*.ovpn` (against the lab's `ipv4` server) and
//! `tests/leak-lab/dual-stack/*.ovpn` (against its `dual-stack` server) names its probe
//! addresses in `# lab-probe: ADDR...` lines. For each profile:
//!
//! * `scripts/leak-lab --json --server KIND PROFILE ADDR...` runs the real `openvpn` client
//!   with the profile against a real `openvpn` server in throwaway network namespaces (nothing
//!   is linked to this machine's network) and reports, per address, where the kernel routes it
//!   (`via`: tunnel, local or unreachable) and whether a probe packet leaked through the LAN;
//! * `ovpn6-lint --config DIR/.ovpn6-lint.toml --route ADDR... --format json PROFILE` says
//!   where the linter's model sends each address;
//!
//! and the two must agree on `via` for every address (IPv4 addresses, which `--route` does not
//! judge, are skipped; where `--route` says `depends_on_order`, either kernel answer is
//! accepted). The lab also checks itself: an address routed to the LAN must leak, one routed
//! into the tunnel must not, and one routed into a tun device must be seen entering it.
//!
//! A second test runs `ovpn6-lint --fix` on a copy of each profile; every copy it changes is
//! run in the lab again, and no probe address inside 2000::/3 (the default required coverage)
//! may leak.
//!
//! Both need root, `openvpn`, `ip`, `openssl`, `python3` and `/dev/net/tun`; without them they
//! print why and pass, unless `OVPN6_REQUIRE_OPENVPN=1` (as in CI) makes that a failure.
//! `OVPN6_LAB_FILTER=text` runs only the profiles whose path contains `text`. The table of
//! what the kernel did and the run times are printed (`cargo test --test leak_lab --
//! --nocapture` shows them).

mod common;

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::Ipv6Addr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::find_openvpn;

use serde_json::Value;

/// Lab runs at a time. A run mostly waits (TLS handshake, packets), but the machine may have
/// only two cores.
const WORKERS: usize = 3;
const MIN_FIXTURES: usize = 20;
const MIN_PROBES: usize = 5;
/// How long the lab waits for the router advertisement and for the tunnel: far above the
/// 0.1-3 s they take, so that only a lab that hangs reaches it, however loaded the machine.
const LAB_TIMEOUT_SECONDS: &str = "180";

struct Fixture {
    /// Path relative to `tests/leak-lab`, e.g. `dual-stack/route-nopull.ovpn`.
    name: String,
    path: PathBuf,
    server: &'static str,
    config: PathBuf,
    probes: Vec<String>,
}

fn lab_dir() -> PathBuf {
    common::repo().join("tests").join("leak-lab")
}

fn probes_of(text: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(text)
        .lines()
        .filter_map(|l| {
            l.trim_start_matches('\u{feff}')
                .strip_prefix("# lab-probe:")
        })
        .flat_map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

fn fixtures() -> Vec<Fixture> {
    let mut list = Vec::new();
    for (sub, server) in [("", "ipv4"), ("dual-stack", "dual-stack")] {
        let dir = lab_dir().join(sub);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("tests/leak-lab exists")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".ovpn"))
            .collect();
        names.sort();
        for n in names {
            let path = dir.join(&n);
            let probes = probes_of(&std::fs::read(&path).expect("readable fixture"));
            list.push(Fixture {
                name: if sub.is_empty() {
                    n
                } else {
                    format!("{sub}/{n}")
                },
                path,
                server,
                config: dir.join(".ovpn6-lint.toml"),
                probes,
            });
        }
    }
    let filter = std::env::var("OVPN6_LAB_FILTER").unwrap_or_default();
    list.retain(|f| f.name.contains(&filter));
    list
}

#[test]
fn leak_lab_fixtures_have_probes_and_a_server_kind() {
    let all = fixtures();
    assert!(
        all.len() >= MIN_FIXTURES || std::env::var_os("OVPN6_LAB_FILTER").is_some(),
        "only {} leak-lab profiles (expected at least {MIN_FIXTURES})",
        all.len()
    );
    for f in &all {
        assert!(
            f.probes.len() >= MIN_PROBES,
            "{}: {} probe addresses in `# lab-probe:` lines (expected at least {MIN_PROBES})",
            f.name,
            f.probes.len()
        );
        assert!(f.config.is_file(), "{}: no {}", f.name, f.config.display());
    }
}

// ------------------------------------------------------------------ environment

/// `Ok` when the lab can run here, otherwise why not.
fn check_env() -> Result<(), String> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if !root {
        return Err("not root".into());
    }
    find_openvpn().ok_or("`openvpn` not found (apt-get install openvpn)")?;
    if !Path::new("/dev/net/tun").exists() {
        return Err("no /dev/net/tun".into());
    }
    for (tool, arg) in [
        ("python3", "--version"),
        ("openssl", "version"),
        ("ip", "-V"),
    ] {
        let ok = Command::new(tool)
            .arg(arg)
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            return Err(format!("`{tool}` not available"));
        }
    }
    Ok(())
}

/// Runs `body` when the lab can run; otherwise skips loudly, or fails under
/// `OVPN6_REQUIRE_OPENVPN`.
fn when_lab_runs(test: &str, body: impl FnOnce()) {
    match check_env() {
        Ok(()) => body(),
        Err(why) => {
            let msg = format!(
                "{test} DID NOT RUN: {why}. The leak lab needs root, `openvpn` (2.6), `ip`, \
                 `openssl`, `python3` and /dev/net/tun. Set OVPN6_REQUIRE_OPENVPN=1 to make this \
                 a failure."
            );
            if std::env::var_os("OVPN6_REQUIRE_OPENVPN").is_some() {
                panic!("{msg}");
            }
            let _ = writeln!(std::io::stderr(), "\n*** {msg}\n");
        }
    }
}

// ------------------------------------------------------------------ running the two sides

/// What the lab says about one address.
#[derive(Debug, Clone)]
struct Kernel {
    via: String,
    leaked: bool,
    entered_tunnel: bool,
    dev: String,
    metric: String,
}

fn run_lab(path: &Path, server: &str, probes: &[String]) -> Result<Vec<Kernel>, String> {
    let out = Command::new("python3")
        .arg(common::repo().join("scripts").join("leak-lab"))
        .args([
            "--json",
            "--timeout",
            LAB_TIMEOUT_SECONDS,
            "--server",
            server,
        ])
        .arg(path)
        .args(probes)
        .output()
        .map_err(|e| format!("cannot run scripts/leak-lab: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "scripts/leak-lab failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let json: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("scripts/leak-lab printed no JSON ({e})"))?;
    let items = json.as_array().ok_or("scripts/leak-lab: not an array")?;
    if items.len() != probes.len() {
        return Err(format!(
            "scripts/leak-lab answered {} of {} addresses",
            items.len(),
            probes.len()
        ));
    }
    Ok(items
        .iter()
        .map(|i| Kernel {
            via: i["via"].as_str().unwrap_or("?").to_owned(),
            leaked: i["leaked"].as_bool().unwrap_or(false),
            entered_tunnel: i["entered_tunnel"].as_bool().unwrap_or(false),
            dev: i["dev"].as_str().unwrap_or("-").to_owned(),
            metric: i["metric"]
                .as_u64()
                .map_or_else(|| "-".to_owned(), |m| m.to_string()),
        })
        .collect())
}

/// What `--route` says about one address.
#[derive(Debug, Clone)]
struct Model {
    via: String,
    line: Option<u64>,
    depends_on_order: bool,
}

fn run_route(f: &Fixture) -> Result<Vec<Model>, String> {
    let dir = f.path.parent().expect("fixture in a folder");
    let mut cmd = common::ovpn6_lint(dir);
    cmd.arg("--config").arg(&f.config);
    for a in &f.probes {
        cmd.args(["--route", a]);
    }
    cmd.args(["--format", "json"]).arg(&f.path);
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run ovpn6-lint: {e}"))?;
    let json: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "`ovpn6-lint --route` printed no JSON array ({e}; exit {}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )
    })?;
    let items = json
        .as_array()
        .ok_or("`ovpn6-lint --route`: not an array")?;
    if items.len() != f.probes.len() {
        return Err(format!(
            "`ovpn6-lint --route` answered {} of {} addresses",
            items.len(),
            f.probes.len()
        ));
    }
    let mut models = Vec::new();
    for (i, a) in items.iter().zip(&f.probes) {
        if i["address"].as_str() != Some(a.as_str()) {
            return Err(format!(
                "`ovpn6-lint --route`: answer {} is for {:?}, expected {a}",
                models.len(),
                i["address"]
            ));
        }
        models.push(Model {
            via: i["via"].as_str().unwrap_or("?").to_owned(),
            line: i["line"].as_u64(),
            depends_on_order: i["depends_on_order"].as_bool().unwrap_or(false),
        });
    }
    Ok(models)
}

fn in_2000_3(address: &str) -> bool {
    address
        .parse::<Ipv6Addr>()
        .is_ok_and(|a| u128::from(a) >> 125 == 0b001)
}

/// Runs `job` for every fixture on WORKERS threads; results in fixture order, with run times.
fn for_each_fixture<T: Send + 'static>(
    list: Vec<Fixture>,
    job: fn(&Fixture) -> T,
) -> Vec<(Fixture, T, Duration)> {
    let list = Arc::new(list);
    let next = Arc::new(AtomicUsize::new(0));
    let results = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (list, next, results) = (list.clone(), next.clone(), results.clone());
            std::thread::spawn(move || {
                loop {
                    let idx = next.fetch_add(1, Ordering::SeqCst);
                    let Some(f) = list.get(idx) else { break };
                    let started = Instant::now();
                    let out = job(f);
                    results.lock().unwrap().push((idx, out, started.elapsed()));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("worker thread panicked");
    }
    let mut results = std::mem::take(&mut *results.lock().unwrap());
    results.sort_by_key(|r| r.0);
    let list = Arc::try_unwrap(list).unwrap_or_else(|_| panic!("workers still hold the list"));
    list.into_iter()
        .zip(results)
        .map(|(f, (_, out, took))| (f, out, took))
        .collect()
}

// ------------------------------------------------------------------ the tests

type Answers = (Result<Vec<Kernel>, String>, Result<Vec<Model>, String>);

#[test]
fn leak_lab_kernel_agrees_with_route() {
    when_lab_runs("leak_lab_kernel_agrees_with_route", || {
        let started = Instant::now();
        let list = fixtures();
        let n = list.len();
        let results = for_each_fixture(list, |f| -> Answers {
            (run_lab(&f.path, f.server, &f.probes), run_route(f))
        });
        let mut table = String::from(
            "fixture | server | address | kernel via | dev | metric | leaked | in tunnel | --route via | line\n",
        );
        let mut problems = Vec::new();
        let mut times = String::new();
        for (f, (lab, route), took) in &results {
            let _ = writeln!(times, "  {:>5.1}s  {}", took.as_secs_f64(), f.name);
            let lab = match lab {
                Ok(l) => l,
                Err(e) => {
                    problems.push(format!("{}: {e}", f.name));
                    continue;
                }
            };
            if let Err(e) = route {
                problems.push(format!("{}: {e}", f.name));
            }
            for (i, (a, k)) in f.probes.iter().zip(lab).enumerate() {
                let m = route.as_ref().ok().map(|r| &r[i]);
                let _ = writeln!(
                    table,
                    "{} | {} | {a} | {} | {} | {} | {} | {} | {} | {}",
                    f.name,
                    f.server,
                    k.via,
                    k.dev,
                    k.metric,
                    if k.leaked { "LEAKED" } else { "no" },
                    if k.entered_tunnel { "yes" } else { "no" },
                    m.map_or("?".into(), |m| {
                        if m.depends_on_order {
                            format!("{} (depends on order)", m.via)
                        } else {
                            m.via.clone()
                        }
                    }),
                    m.and_then(|m| m.line)
                        .map_or("-".to_owned(), |l| l.to_string()),
                );
                // The lab checks itself: the LAN route leaks, the tunnel does not, and on a tun
                // device the probe is seen entering the tunnel. (On a tap device an IPv6 packet
                // waits for the gateway to answer neighbour discovery first, which the lab's
                // ipv4 server never does.)
                if (k.via == "local") != k.leaked {
                    problems.push(format!(
                        "{}: {a}: the kernel routes it {} but the probe {} (lab problem)",
                        f.name,
                        k.via,
                        if k.leaked { "leaked" } else { "did not leak" }
                    ));
                }
                if k.via == "tunnel" && k.dev.starts_with("tun") && !k.entered_tunnel {
                    problems.push(format!(
                        "{}: {a}: the kernel routes it into {} but the probe never entered it (lab problem)",
                        f.name, k.dev
                    ));
                }
                let Some(m) = m else { continue };
                let agrees = m.via == "not-judged"
                    || m.via == k.via
                    || (m.depends_on_order && (k.via == "tunnel" || k.via == "local"));
                if !agrees {
                    problems.push(format!(
                        "{}: {a}: the kernel routes it {} (dev {}, metric {}), `--route` says {} (line {})",
                        f.name,
                        k.via,
                        k.dev,
                        k.metric,
                        m.via,
                        m.line.map_or("-".to_owned(), |l| l.to_string())
                    ));
                }
            }
        }
        let summary = format!(
            "leak lab: {n} profiles, {} addresses, {} problems, {:.1}s",
            results.iter().map(|r| r.0.probes.len()).sum::<usize>(),
            problems.len(),
            started.elapsed().as_secs_f64()
        );
        println!("{table}\nrun time per profile:\n{times}{summary}");
        assert!(
            problems.is_empty(),
            "\n{}\n\n{table}\n{summary}",
            problems.join("\n")
        );
    });
}

#[test]
fn leak_lab_profiles_fixed_by_the_linter_do_not_leak() {
    when_lab_runs("leak_lab_profiles_fixed_by_the_linter_do_not_leak", || {
        let started = Instant::now();
        let work = tempfile::tempdir().expect("temp dir");
        let work_path = work.path().to_path_buf();
        let list: Vec<Fixture> = fixtures()
            .into_iter()
            .enumerate()
            .map(|(i, mut f)| {
                // Each copy in its own folder, under its own name (the fixer writes next
                // to it).
                let dir = work_path.join(i.to_string());
                std::fs::create_dir_all(&dir).expect("temp dir");
                let copy = dir.join(f.path.file_name().expect("file name"));
                std::fs::copy(&f.path, &copy).expect("copy fixture");
                f.path = copy;
                f
            })
            .collect();
        let n = list.len();
        let results = for_each_fixture(list, |f| -> Result<Option<Vec<String>>, String> {
            let before = std::fs::read(&f.path).expect("copy exists");
            let out = common::ovpn6_lint(f.path.parent().unwrap())
                .arg("--config")
                .arg(&f.config)
                .args(["--fix", "--exit-zero", "--format", "short"])
                .arg(&f.path)
                .output()
                .map_err(|e| format!("cannot run ovpn6-lint --fix: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "`ovpn6-lint --fix` failed ({}): {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
            if std::fs::read(&f.path).expect("fixed copy exists") == before {
                return Ok(None);
            }
            let lab = run_lab(&f.path, f.server, &f.probes)?;
            Ok(Some(
                f.probes
                    .iter()
                    .zip(lab)
                    .filter(|(a, k)| k.leaked && in_2000_3(a))
                    .map(|(a, k)| format!("{a} (via {} dev {})", k.via, k.dev))
                    .collect(),
            ))
        });
        let mut problems = Vec::new();
        let mut report = String::new();
        for (f, result, took) in &results {
            let what = match result {
                Err(e) => {
                    problems.push(format!("{}: {e}", f.name));
                    "error".to_owned()
                }
                Ok(None) => "unchanged by --fix".to_owned(),
                Ok(Some(leaks)) if leaks.is_empty() => "fixed: no leak".to_owned(),
                Ok(Some(leaks)) => {
                    problems.push(format!(
                        "{}: still leaks after --fix: {}",
                        f.name,
                        leaks.join(", ")
                    ));
                    "fixed: STILL LEAKS".to_owned()
                }
            };
            let _ = writeln!(report, "  {:>5.1}s  {}: {what}", took.as_secs_f64(), f.name);
        }
        let summary = format!(
            "leak lab after --fix: {n} profiles, {} problems, {:.1}s",
            problems.len(),
            started.elapsed().as_secs_f64()
        );
        println!("{report}{summary}");
        assert!(
            problems.is_empty(),
            "\n{}\n\n{report}{summary}",
            problems.join("\n")
        );
    });
}
