//! Differential test: `ovpn6-lint --inspect` against the real `openvpn` binary.
//!
//! Every fixture `tests/differential/NNN-*.conf` is read twice:
//!
//! * by OpenVPN itself (2.6.x), always inside a fresh network namespace
//!   (`unshare -n`: only a loopback interface that is down, so nothing can leave
//!   the machine and no route or device outlives the run), and
//! * by `ovpn6-lint --inspect FIXTURE` (run in the fixture's folder),
//!
//! and the two views must agree. All mismatches are collected and printed as one
//! table (fixture, field, what OpenVPN says, what ovpn6-lint says) before failing.
//!
//! How OpenVPN is asked:
//!
//! * **Pass 1** runs the fixture unchanged, in its folder:
//!   `openvpn --config FIXTURE --verb 4 --mute 0 --suppress-timestamps
//!   --ifconfig-noexec --route-noexec --script-security 1`. OpenVPN parses the file,
//!   validates the options, and prints all settings ("Current Parameter Settings:");
//!   anything fatal before that dump is a refusal of the file (the verdict). Errors
//!   after the dump are run-time failures (e.g. the junk certificates that the
//!   client/server fixtures carry only to satisfy the TLS option checks) and count
//!   as "accepted", with one exception found in pass 2 below. From the dump we read the
//!   role (mode/pull), dev, dev-type,
//!   ifconfig-ipv6 (local as written, netbits, remote), route-nopull and the
//!   pull filters. The process is killed as soon as the dump is complete.
//! * **Pass 2**: OpenVPN 2.6 never prints its route-ipv6 list, and a client only
//!   builds routes after the server's PUSH_REPLY. So the IPv6 route directives of
//!   the fixture (`route-ipv6`, `route-ipv6-gateway`, `route-metric`,
//!   `redirect-gateway`, `redirect-private`, `block-ipv6`, `ignore-unknown-option`,
//!   `setenv FORWARD_COMPATIBLE`, and their `setenv opt` forms) are copied verbatim
//!   (following `config` includes and `cd`, skipping inline blocks; the line reader
//!   below is a port of OpenVPN's `read_config_file`/`parse_line`) into a new config,
//!   together with the effective `ifconfig-ipv6` read from pass 1 (so a
//!   `server-ipv6` derived remote is used as the route gateway, like OpenVPN does).
//!   That config runs in peer-to-peer mode on `--dev null` (or a tap device when the
//!   fixture's device is a tap, because tap needs route gateways); OpenVPN logs
//!   `add_route_ipv6(NET/BITS -> GW metric M) dev null` for every route it installs
//!   (the kernel call then fails harmlessly in the empty namespace) and
//!   `ROUTE: failed to parse/resolve route for host/network: SPEC` for every route
//!   it rejects at setup.
//!   When pass 2 stops with `init_tun: problem converting IPv6 ifconfig addresses`, the
//!   file's own `ifconfig-ipv6` (loaded, but not convertible by `inet_pton()`, such as a
//!   local address with a `%zone`) keeps OpenVPN from starting on any platform: the verdict
//!   is then "refused" (at tunnel start), whatever pass 1 said.
//! * **Pass 2b** is pass 2 without the `route-ipv6` lines: whatever routes it adds
//!   come from `redirect-gateway/redirect-private ipv6`; they are the last routes of
//!   pass 2, and the rest are the config's own routes, in order.
//! * `block-ipv6` is printed nowhere by OpenVPN 2.6; it is inferred: the file is
//!   accepted and an effective `block-ipv6` line (no argument) exists.
//!
//! The fixtures' expected OpenVPN verdicts are listed in
//! `tests/differential/README.md`; a fixture whose OpenVPN verdict differs from its
//! README row is reported too (so a fixture cannot silently stop testing what it
//! claims).
//!
//! Environment:
//! * `OVPN6_REQUIRE_OPENVPN=1`: fail (instead of skipping) when `openvpn`, `unshare`
//!   or root privileges are missing.
//! * `OPENVPN=/path/to/openvpn`: the binary to use (default: from PATH, /usr/sbin, /sbin).
//! * `OVPN6_DIFF_FILTER=text`: only run fixtures whose file name contains `text`.
//! * `OVPN6_DIFF_ORACLE_ONLY=1`: do not run ovpn6-lint; print what OpenVPN says about
//!   each fixture (and still check the README verdicts).

mod common;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{Read, Write as _};
use std::net::Ipv6Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use common::find_openvpn;

const WORKERS: usize = 4;
const MIN_FIXTURES: usize = 80;
/// Upper bound for one OpenVPN run, a hang guard: a run is killed as soon as the wanted output
/// has been seen (well under a second), so only a run that hangs reaches it, however loaded
/// the machine is.
const RUN_DEADLINE: Duration = Duration::from_secs(180);

// ------------------------------------------------------------------ fixtures

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("differential")
}

fn is_fixture_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() > 9 && b[..3].iter().all(u8::is_ascii_digit) && b[3] == b'-' && name.ends_with(".conf")
}

fn fixtures() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(fixture_dir())
        .expect("tests/differential must exist")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| is_fixture_name(n))
        .collect();
    v.sort();
    v
}

/// `fixture name -> expected OpenVPN verdict` ("accept"/"refuse") from README.md.
fn readme_expectations() -> HashMap<String, String> {
    let text = std::fs::read_to_string(fixture_dir().join("README.md")).unwrap_or_default();
    let mut map = HashMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | `name` | verdict | what |
        if cells.len() >= 4 {
            let name = cells[1].trim_matches('`');
            if is_fixture_name(name) && (cells[2] == "accept" || cells[2] == "refuse") {
                map.insert(name.to_string(), cells[2].to_string());
            }
        }
    }
    map
}

#[test]
fn differential_fixture_count() {
    let n = fixtures().len();
    assert!(
        n >= MIN_FIXTURES,
        "only {n} differential fixtures in tests/differential (expected at least {MIN_FIXTURES})"
    );
}

#[test]
fn differential_fixtures_are_documented() {
    let fx = fixtures();
    let readme = readme_expectations();
    let missing: Vec<&String> = fx.iter().filter(|f| !readme.contains_key(*f)).collect();
    let mut stale: Vec<&String> = readme.keys().filter(|k| !fx.contains(k)).collect();
    stale.sort();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "tests/differential/README.md is out of date.\n  fixtures without a row: {missing:?}\n  rows without a fixture: {stale:?}"
    );
}

// ------------------------------------------------------------------ OpenVPN's line reader (port)

const OPTION_LINE_SIZE: usize = 256;
const MAX_PARMS: usize = 16;

fn cstr(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(i) => &b[..i],
        None => b,
    }
}

/// C `isspace` in the C locale, plus NUL (OpenVPN's `space()`).
fn is_space(c: u8) -> bool {
    matches!(c, 0 | b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `fgets(buf, size, fp)`: up to `size - 1` bytes, or through the first `\n`.
fn fgets(data: &[u8], pos: &mut usize, size: usize) -> Option<Vec<u8>> {
    if *pos >= data.len() {
        return None;
    }
    let max = (size - 1).min(data.len() - *pos);
    let window = &data[*pos..*pos + max];
    let n = match window.iter().position(|&c| c == b'\n') {
        Some(i) => i + 1,
        None => max,
    };
    let chunk = data[*pos..*pos + n].to_vec();
    *pos += n;
    Some(chunk)
}

/// Port of OpenVPN 2.6 `options.c:parse_line()`. `None` = the line is an error.
fn parse_line(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    #[derive(PartialEq, Clone, Copy)]
    enum St {
        Init,
        Dq,
        Uq,
        Sq,
    }
    let line = cstr(line);
    let mut state = St::Init;
    let mut backslash = false;
    let mut parm: Vec<u8> = Vec::new();
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut i = 0;
    loop {
        let c = line.get(i).copied().unwrap_or(0);
        let mut ch: u8 = 0;
        if !backslash && c == b'\\' && state != St::Sq {
            backslash = true;
        } else {
            let mut done = false;
            match state {
                St::Init => {
                    if !is_space(c) {
                        if c == b';' || c == b'#' {
                            break;
                        }
                        if !backslash && c == b'"' {
                            state = St::Dq;
                        } else if !backslash && c == b'\'' {
                            state = St::Sq;
                        } else {
                            ch = c;
                            state = St::Uq;
                        }
                    }
                }
                St::Uq => {
                    if !backslash && is_space(c) {
                        done = true;
                    } else {
                        ch = c;
                    }
                }
                St::Dq => {
                    if !backslash && c == b'"' {
                        done = true;
                    } else {
                        ch = c;
                    }
                }
                St::Sq => {
                    if c == b'\'' {
                        done = true;
                    } else {
                        ch = c;
                    }
                }
            }
            if done {
                out.push(std::mem::take(&mut parm));
                state = St::Init;
            }
            if backslash && ch != 0 && !(ch == b'\\' || ch == b'"' || is_space(ch)) {
                return None;
            }
            backslash = false;
        }
        if ch != 0 {
            if parm.len() >= 256 {
                return None;
            }
            parm.push(ch);
        }
        if out.len() >= MAX_PARMS || c == 0 {
            break;
        }
        i += 1;
    }
    if state != St::Init {
        return None;
    }
    Some(out)
}

/// The raw lines fed to pass 2 and 2b, plus what the reader learnt on the way.
#[derive(Default)]
struct Extract {
    all: Vec<u8>,
    without_routes: Vec<u8>,
    block_ipv6: bool,
    problems: Vec<String>,
}

const RELEVANT: &[&[u8]] = &[
    b"route-ipv6",
    b"route-ipv6-gateway",
    b"route-metric",
    b"redirect-gateway",
    b"redirect-private",
    b"block-ipv6",
    b"ignore-unknown-option",
];

/// Port of OpenVPN's `read_config_file` (enough of it to find the effective
/// lines): BOM on line 1 of each file, 256-byte lines, inline blocks, `config`
/// includes (relative to the process cwd, which `cd` changes).
fn extract(path: &Path, cwd: &mut PathBuf, level: usize, ex: &mut Extract) {
    if level > 10 {
        ex.problems.push("include depth".into());
        return;
    }
    let full = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let data = match std::fs::read(&full) {
        Ok(d) => d,
        Err(e) => {
            ex.problems
                .push(format!("cannot read {}: {e}", full.display()));
            return;
        }
    };
    let mut pos = 0;
    let mut line_num = 0;
    while let Some(mut line) = fgets(&data, &mut pos, OPTION_LINE_SIZE + 1) {
        line_num += 1;
        if line_num == 1 && line.starts_with(b"\xef\xbb\xbf") {
            line.drain(..3);
        }
        let Some(mut p) = parse_line(&line) else {
            continue;
        };
        if p.is_empty() {
            continue;
        }
        if p[0].len() >= 3 && p[0].starts_with(b"--") {
            p[0].drain(..2);
        }
        if p.len() == 1 && p[0].len() >= 2 && p[0][0] == b'<' && p[0][p[0].len() - 1] == b'>' {
            let mut close = b"</".to_vec();
            close.extend_from_slice(&p[0][1..p[0].len() - 1]);
            close.push(b'>');
            // read_inline_file: chunks of up to 255 bytes, prefix match after whitespace
            while let Some(chunk) = fgets(&data, &mut pos, OPTION_LINE_SIZE) {
                let c = cstr(&chunk);
                let start = c.iter().position(|&b| !is_space(b)).unwrap_or(c.len());
                if c[start..].starts_with(&close) {
                    break;
                }
            }
            continue;
        }
        let mut q: &[Vec<u8>] = &p;
        let setenv_opt_alone;
        if q[0] == b"setenv" && q.len() > 1 && q[1] == b"opt" {
            if q.len() > 2 {
                q = &q[2..];
            } else {
                setenv_opt_alone = vec![b"setenv opt".to_vec()];
                q = &setenv_opt_alone;
            }
        }
        if q[0] == b"cd" && q.len() == 2 {
            let dir = PathBuf::from(String::from_utf8_lossy(&q[1]).into_owned());
            *cwd = if dir.is_absolute() {
                dir
            } else {
                cwd.join(dir)
            };
            continue;
        }
        if q[0] == b"config" && q.len() == 2 {
            let inc = PathBuf::from(String::from_utf8_lossy(&q[1]).into_owned());
            extract(&inc, cwd, level + 1, ex);
            continue;
        }
        let forward_compat = q[0] == b"setenv" && q.len() > 1 && q[1] == b"FORWARD_COMPATIBLE";
        if !forward_compat && !RELEVANT.contains(&q[0].as_slice()) {
            continue;
        }
        // The line as written (OpenVPN tokenises it again); if the added newline
        // would push it over the 255-byte limit (a last line without newline),
        // the words are written out again, quoted where needed.
        let mut raw = cstr(&line).to_vec();
        while matches!(raw.last(), Some(b'\r' | b'\n')) {
            raw.pop();
        }
        if raw.len() + 1 >= OPTION_LINE_SIZE {
            raw = serialize(&p);
        }
        raw.push(b'\n');
        ex.all.extend_from_slice(&raw);
        if q[0] != b"route-ipv6" {
            ex.without_routes.extend_from_slice(&raw);
        }
        if q[0] == b"block-ipv6" && q.len() == 1 {
            ex.block_ipv6 = true;
        }
    }
}

/// Words back to a config line that `parse_line` reads as the same words.
fn serialize(words: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        let plain = !w.is_empty()
            && !matches!(w[0], b'#' | b';' | b'\'')
            && !w.iter().any(|&c| is_space(c) || c == b'"' || c == b'\\');
        if plain {
            out.extend_from_slice(w);
        } else {
            out.push(b'"');
            for &c in w {
                if c == b'"' || c == b'\\' {
                    out.push(b'\\');
                }
                out.push(c);
            }
            out.push(b'"');
        }
    }
    out
}

/// The harness's own port of `parse_line`, against the behaviours listed in the
/// project's OpenVPN reference notes (section 1); it only decides which lines
/// pass 2 copies (OpenVPN tokenises the copied lines itself).
#[test]
fn differential_harness_tokenizer_port() {
    let t = |line: &[u8]| -> Option<Vec<String>> {
        parse_line(line).map(|v| {
            v.into_iter()
                .map(|w| String::from_utf8(w).unwrap())
                .collect()
        })
    };
    let w = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(
        t(b"route-ipv6 2001:db8::/48 # x\n"),
        w(&["route-ipv6", "2001:db8::/48"])
    );
    assert_eq!(t(b"  ;comment\n"), w(&[]));
    assert_eq!(t(b"a b;c\n"), w(&["a", "b;c"]));
    assert_eq!(t(b"x ab\"c d\"\n"), w(&["x", "ab\"c", "d\""]));
    assert_eq!(
        t(b"i \"2001:db8::1/64\"2001:db8::2\n"),
        w(&["i", "2001:db8::1/64", "2001:db8::2"])
    );
    assert_eq!(t(b"p \"abc\"#x\n"), w(&["p", "abc"]));
    assert_eq!(t(b"p 'a\\b'\n"), w(&["p", "a\\b"]));
    assert_eq!(t(b"p \"\" ''\n"), w(&["p", "", ""]));
    assert_eq!(t(b"p \"x\\\\\" \"q\\\"\"\n"), w(&["p", "x\\", "q\""]));
    assert_eq!(t(b"p a\\ b\n"), w(&["p", "a b"]));
    assert_eq!(t(b"p \\#x\n"), w(&["p"]));
    assert_eq!(t(b"p x\\:y\n"), None);
    assert_eq!(t(b"p \"a\\x\"\n"), None);
    assert_eq!(t(b"p \"open\n"), None);
    assert_eq!(t(b"p 'open\n"), None);
    assert_eq!(t(b"dev null\rverb 4\r"), w(&["dev", "null", "verb", "4"]));
    assert_eq!(t(b"route-ipv6 x\0 y z\n"), w(&["route-ipv6", "x"]));
    let many = b"a b c d e f g h i j k l m n o p q r\n";
    assert_eq!(t(many).map(|v| v.len()), Some(16));
    // serialize() gives back the same words
    for line in [
        &b"p \"a b\" '' \"#x\" 'q\\\"' x\\\\y\n"[..],
        b"p ;x \"'s\"\n",
    ] {
        let words = parse_line(line).unwrap();
        assert_eq!(parse_line(&serialize(&words)), Some(words));
    }
}

// ------------------------------------------------------------------ running openvpn

struct Env {
    openvpn: PathBuf,
}

/// `Ok(env)` when OpenVPN can be run in a throwaway network namespace,
/// otherwise the reason why not.
fn check_env() -> Result<Env, String> {
    let openvpn = find_openvpn().ok_or("`openvpn` not found (apt-get install openvpn)")?;
    match Command::new(&openvpn)
        .arg("--version")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .output()
    {
        Ok(o) if String::from_utf8_lossy(&o.stdout).starts_with("OpenVPN ") => {}
        Ok(_) => {
            return Err(format!(
                "`{} --version` did not print an OpenVPN banner",
                openvpn.display()
            ));
        }
        Err(e) => return Err(format!("cannot run {}: {e}", openvpn.display())),
    }
    match Command::new("unshare")
        .args(["-n", "true"])
        .stderr(Stdio::null())
        .status()
    {
        Ok(s) if s.success() => Ok(Env { openvpn }),
        Ok(_) => Err("`unshare -n` failed (root / CAP_SYS_ADMIN needed)".into()),
        Err(e) => Err(format!("`unshare` not available: {e}")),
    }
}

/// Runs `openvpn ARGS` (stderr merged into stdout) in a new network namespace,
/// in `cwd`; returns the log lines. Stops the process as soon as `stop` says
/// the wanted output has been seen, or at the deadline.
fn run_openvpn(env: &Env, cwd: &Path, args: &[&str], stop: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut cmd = Command::new("unshare");
    cmd.arg("-n")
        .arg("sh")
        .arg("-c")
        .arg("exec \"$0\" \"$@\" 2>&1")
        .arg(&env.openvpn)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child: Child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return vec![format!("HARNESS: cannot spawn openvpn: {e}")],
    };
    let mut stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            match stdout.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    while let Some(i) = buf.iter().position(|&c| c == b'\n') {
                        let line: Vec<u8> = buf.drain(..=i).collect();
                        let s = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
                        if tx.send(s).is_err() {
                            return;
                        }
                    }
                }
            }
        }
        if !buf.is_empty() {
            let _ = tx.send(String::from_utf8_lossy(&buf).into_owned());
        }
    });
    let deadline = Instant::now() + RUN_DEADLINE;
    let mut lines = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                let done = stop(&line);
                lines.push(line);
                if done {
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                lines.push("HARNESS: deadline reached, openvpn killed".into());
                break;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    drop(rx);
    let _ = reader.join();
    lines
}

// ------------------------------------------------------------------ what OpenVPN says

#[derive(Debug, Clone, PartialEq)]
struct Ifconfig6 {
    local: String,
    bits: u32,
    remote: String,
}

#[derive(Debug, Clone, PartialEq)]
struct Route6 {
    net: Ipv6Addr,
    bits: u8,
    gw: Option<Ipv6Addr>,
    metric: Option<i64>,
}

#[derive(Debug, Default)]
struct OvpnFacts {
    accepted: bool,
    error: String,
    role: String,
    dev: Option<String>,
    dev_type: String,
    ifconfig: Option<Ifconfig6>,
    routes: Vec<Route6>,
    rejected: Vec<String>,
    redirect_ipv6: bool,
    block_ipv6: bool,
    route_nopull: bool,
    pull_filters: Vec<(String, String)>,
    /// problems of the harness itself (not a disagreement)
    harness: Vec<String>,
}

/// Drops a leading "YYYY-MM-DD HH:MM:SS " timestamp.
fn strip_timestamp(l: &str) -> &str {
    let b = l.as_bytes();
    let is_ts = b.len() > 20
        && b[..20].iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 | 19 => c == b' ',
            13 | 16 => c == b':',
            _ => c.is_ascii_digit(),
        });
    if is_ts { &l[20..] } else { l }
}

fn first_error(log: &[String]) -> String {
    let prefixes = ["Options error: ", "Options warning: ", "ERROR: "];
    for p in prefixes {
        if let Some(l) = log
            .iter()
            .map(|l| strip_timestamp(l))
            .find(|l| l.starts_with(p))
        {
            return l[p.len()..].to_string();
        }
    }
    if let Some(i) = log
        .iter()
        .position(|l| l.contains("Exiting due to fatal error"))
        .filter(|&i| i > 0)
    {
        return log[i - 1].clone();
    }
    log.last().cloned().unwrap_or_else(|| "no output".into())
}

fn unquote(v: &str) -> Option<String> {
    let v = v
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .unwrap_or(v);
    if v == "[UNDEF]" {
        None
    } else {
        Some(v.to_string())
    }
}

/// OpenVPN `tun.c:dev_type_enum()`.
fn dev_type_of(dev: Option<&str>, dev_type: Option<&str>) -> String {
    for t in ["tun", "tap", "null"] {
        let hit = match (dev, dev_type) {
            (None, _) => false,
            (Some(_), Some(dt)) => dt == t,
            (Some(d), None) => d.starts_with(t),
        };
        if hit {
            return t.to_string();
        }
    }
    "unknown".to_string()
}

fn parse_add_route(line: &str) -> Option<Route6> {
    // add_route_ipv6(2000::/4 -> fd00::1 metric -1) dev null
    let rest = line.strip_prefix("add_route_ipv6(")?;
    let (net, rest) = rest.split_once(" -> ")?;
    let (gw, rest) = rest.split_once(" metric ")?;
    let (metric, _) = rest.split_once(')')?;
    let (net, bits) = parse_prefix(net)?;
    let gw: Ipv6Addr = gw.parse().ok()?;
    let metric: i64 = metric.parse().ok()?;
    Some(Route6 {
        net,
        bits,
        gw: if gw.is_unspecified() { None } else { Some(gw) },
        metric: if metric < 0 { None } else { Some(metric) },
    })
}

/// Routes OpenVPN installs (in order) and route specs it rejects, from a pass-2 log.
fn routes_from_log(log: &[String]) -> (Vec<Route6>, Vec<String>, Vec<String>) {
    let mut routes: Vec<Route6> = Vec::new();
    let mut rejected = Vec::new();
    let mut problems = Vec::new();
    for l in log {
        if l.starts_with("add_route_ipv6(") {
            match parse_add_route(l) {
                Some(r) => routes.push(r),
                None => problems.push(format!("unparsed route log line: {l}")),
            }
        } else if l.contains("Not installing IPv6 route to") {
            // tap without gateway: logged by add_route_ipv6, then not installed
            if let Some(r) = routes.pop() {
                rejected.push(format!("{}/{}", r.net, r.bits));
            }
        } else if let Some(i) = l.find("ROUTE: failed to parse/resolve route for host/network: ") {
            let spec = &l[i + "ROUTE: failed to parse/resolve route for host/network: ".len()..];
            rejected.push(spec.to_string());
        } else if l.starts_with("Options error:")
            || l.starts_with("Options warning: Bad")
            || l.starts_with("HARNESS:")
        {
            problems.push(l.clone());
        }
    }
    (routes, rejected, problems)
}

/// What `init_tun()` prints before it exits for `ifconfig-ipv6` addresses it cannot convert.
const INIT_TUN_REFUSAL: &str = "init_tun: problem converting IPv6 ifconfig addresses";

fn pass2_stop(l: &str) -> bool {
    l.contains(" link remote:")
        || l.contains("Initialization Sequence Completed")
        || l.contains("Exiting due to fatal error")
}

fn ask_openvpn(env: &Env, fixture: &str, work: &Path) -> OvpnFacts {
    ask_openvpn_in(env, &fixture_dir(), fixture, work)
}

/// What OpenVPN makes of the file `fixture` in the folder `dir`.
fn ask_openvpn_in(env: &Env, dir: &Path, fixture: &str, work: &Path) -> OvpnFacts {
    let dir = dir.to_path_buf();
    let mut f = OvpnFacts::default();

    // ---- pass 1: the fixture as written
    let mut dumping = false;
    let seen_dump = std::cell::Cell::new(false);
    let stop = |l: &str| {
        if l.starts_with("Current Parameter Settings:") {
            seen_dump.set(true);
        }
        seen_dump.get()
            && (l.starts_with("library versions:") || l.contains("Exiting due to fatal error"))
    };
    let log1 = run_openvpn(
        env,
        &dir,
        &[
            // before --config, so that messages about the file have no timestamps;
            // the rest after it, so that the file cannot override them
            "--suppress-timestamps",
            "--config",
            fixture,
            "--verb",
            "4",
            "--mute",
            "0",
            "--ifconfig-noexec",
            "--route-noexec",
            "--script-security",
            "1",
        ],
        &stop,
    );
    let mut settings: HashMap<String, String> = HashMap::new();
    let mut in_filters = false;
    for l in &log1 {
        if l.starts_with("Current Parameter Settings:") {
            dumping = true;
            continue;
        }
        if !dumping {
            continue;
        }
        if l == "  Pull filters:" {
            in_filters = true;
            continue;
        }
        if in_filters {
            let filter = l
                .strip_prefix("    ")
                .and_then(|r| r.split_once(' '))
                .and_then(|(action, text)| {
                    let t = text.strip_prefix('"')?.strip_suffix('"')?;
                    Some((action.to_string(), t.to_string()))
                });
            if let Some(pf) = filter {
                f.pull_filters.push(pf);
                continue;
            }
            in_filters = false;
        }
        if let Some((k, v)) = l.strip_prefix("  ").and_then(|r| r.split_once(" = ")) {
            settings
                .entry(k.to_string())
                .or_insert_with(|| v.to_string());
        }
    }
    f.accepted = dumping;
    if !f.accepted {
        f.error = first_error(&log1);
        return f;
    }
    let get = |k: &str| settings.get(k).and_then(|v| unquote(v));
    f.role = if get("mode").as_deref() == Some("1") {
        "server".into()
    } else if get("pull").as_deref() == Some("ENABLED")
        || get("client").as_deref() == Some("ENABLED")
    {
        "client".into()
    } else {
        "p2p".into()
    };
    f.dev = get("dev");
    f.dev_type = dev_type_of(f.dev.as_deref(), get("dev_type").as_deref());
    f.route_nopull = get("route_nopull").as_deref() == Some("ENABLED");
    if let Some(local) = get("ifconfig_ipv6_local") {
        f.ifconfig = Some(Ifconfig6 {
            local,
            bits: get("ifconfig_ipv6_netbits")
                .and_then(|b| b.parse().ok())
                .unwrap_or(0),
            remote: get("ifconfig_ipv6_remote").unwrap_or_default(),
        });
    }

    // ---- pass 2 / 2b: the IPv6 route directives alone, peer-to-peer
    let mut ex = Extract::default();
    let mut cwd = dir.clone();
    extract(Path::new(fixture), &mut cwd, 0, &mut ex);
    f.harness.extend(ex.problems.iter().cloned());
    f.block_ipv6 = ex.block_ipv6;
    let mut tail = Vec::new();
    if let Some(i) = &f.ifconfig {
        tail = format!("ifconfig-ipv6 {}/{} {}\n", i.local, i.bits, i.remote).into_bytes();
    }
    let _ = std::fs::create_dir_all(work);
    let mut p2 = ex.all.clone();
    p2.extend_from_slice(&tail);
    let mut p2b = ex.without_routes.clone();
    p2b.extend_from_slice(&tail);
    std::fs::write(work.join("p2.conf"), &p2).expect("write p2.conf");
    std::fs::write(work.join("p2b.conf"), &p2b).expect("write p2b.conf");
    let mut args = vec![
        "--suppress-timestamps",
        "--config",
        "",
        "--dev",
        "null",
        "--verb",
        "4",
        "--mute",
        "0",
        "--ifconfig-noexec",
        "--script-security",
        "1",
    ];
    if f.dev_type == "tap" {
        args.extend(["--dev-type", "tap"]);
    }
    args[2] = "p2.conf";
    let log2 = run_openvpn(env, work, &args, &pass2_stop);
    args[2] = "p2b.conf";
    let log2b = run_openvpn(env, work, &args, &pass2_stop);
    // init_tun() converts the loaded ifconfig-ipv6 addresses with inet_pton() and exits when
    // it cannot (an address that getaddrinfo read, e.g. one with a %zone): OpenVPN refuses
    // to start with this file, on every platform, whatever the certificates.
    if let Some(stop) = log2.iter().find(|l| l.contains(INIT_TUN_REFUSAL)) {
        f.accepted = false;
        f.error = format!("at tunnel start: {stop}");
        return f;
    }
    let (all, rejected, problems) = routes_from_log(&log2);
    let (redir, _, problems_b) = routes_from_log(&log2b);
    f.harness.extend(problems);
    f.harness.extend(problems_b);
    if !log2.iter().any(|l| pass2_stop(l)) {
        f.harness
            .push(format!("pass 2 did not finish: {}", first_error(&log2)));
    }
    if redir.len() > all.len() {
        f.harness
            .push("pass 2b added more routes than pass 2".into());
    }
    let n_cfg = all.len().saturating_sub(redir.len());
    f.routes = all[..n_cfg].to_vec();
    f.redirect_ipv6 = !redir.is_empty();
    f.rejected = rejected;
    f
}

// ------------------------------------------------------------------ what ovpn6-lint says

fn parse_prefix(s: &str) -> Option<(Ipv6Addr, u8)> {
    let (a, b) = s.split_once('/')?;
    let addr: Ipv6Addr = a.parse().ok()?;
    let bits: u8 = b.parse().ok()?;
    (bits <= 128).then_some((addr, bits))
}

fn run_inspect(fixture: &str) -> Result<serde_json::Value, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_ovpn6-lint"))
        .arg("--inspect")
        .arg(fixture)
        .current_dir(fixture_dir())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run ovpn6-lint: {e}"))?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "no JSON from `ovpn6-lint --inspect` (exit {:?}): {e}; stderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).trim()
        )
    })?;
    match v {
        serde_json::Value::Array(mut a) if a.len() == 1 => Ok(a.remove(0)),
        other => Err(format!(
            "expected a JSON array with one object, got: {}",
            short(&other.to_string())
        )),
    }
}

// ------------------------------------------------------------------ comparison

struct Mismatch {
    fixture: String,
    field: String,
    openvpn: String,
    lint: String,
}

fn short(s: &str) -> String {
    const MAX: usize = 300;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(MAX).collect::<String>())
    }
}

fn fmt_route(r: &Route6) -> String {
    let gw = r.gw.map(|g| g.to_string()).unwrap_or_else(|| "-".into());
    let m = r
        .metric
        .map(|m| m.to_string())
        .unwrap_or_else(|| "-".into());
    format!("{}/{} via {gw} metric {m}", r.net, r.bits)
}

fn fmt_routes(v: &[Route6]) -> String {
    if v.is_empty() {
        "(none)".into()
    } else {
        v.iter().map(fmt_route).collect::<Vec<_>>().join("; ")
    }
}

fn fmt_list(v: &[String]) -> String {
    if v.is_empty() {
        "(none)".into()
    } else {
        v.iter()
            .map(|s| format!("{s:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn json_str(v: &serde_json::Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// The model's routes_ipv6, or a description of why it could not be read.
fn lint_routes(j: &serde_json::Value) -> Result<Vec<Route6>, String> {
    let arr = j
        .get("routes_ipv6")
        .and_then(|v| v.as_array())
        .ok_or("routes_ipv6 missing")?;
    let mut out = Vec::new();
    for r in arr {
        let net = r.get("network").and_then(|v| v.as_str()).unwrap_or("");
        let (net, bits) = parse_prefix(net).ok_or_else(|| format!("bad network {net:?}"))?;
        let gw = match r.get("gateway") {
            None | Some(serde_json::Value::Null) => None,
            Some(g) => {
                let s = g.as_str().unwrap_or("");
                let a: Ipv6Addr = s.parse().map_err(|_| format!("bad gateway {s:?}"))?;
                if a.is_unspecified() { None } else { Some(a) }
            }
        };
        let metric = match r.get("metric") {
            None | Some(serde_json::Value::Null) => None,
            Some(m) => Some(m.as_i64().ok_or_else(|| format!("bad metric {m}"))?),
        };
        out.push(Route6 {
            net,
            bits,
            gw,
            metric,
        });
    }
    Ok(out)
}

fn same_spec(a: &str, b: &str) -> bool {
    a == b || matches!((parse_prefix(a), parse_prefix(b)), (Some(x), Some(y)) if x == y)
}

fn compare(fixture: &str, o: &OvpnFacts, j: &serde_json::Value, out: &mut Vec<Mismatch>) {
    let mut push = |field: &str, ov: String, li: String| {
        out.push(Mismatch {
            fixture: fixture.into(),
            field: field.into(),
            openvpn: ov,
            lint: li,
        });
    };
    let errors: Vec<String> = j
        .get("errors")
        .and_then(|e| e.as_array())
        .map(|a| {
            a.iter()
                .map(|e| {
                    let line = e.get("line").map(|l| l.to_string()).unwrap_or_default();
                    let msg = e.get("message").and_then(|m| m.as_str()).unwrap_or("");
                    format!("line {line}: {msg}")
                })
                .collect()
        })
        .unwrap_or_default();
    let lint_accepts = errors.is_empty();
    if o.accepted != lint_accepts {
        push(
            "verdict",
            if o.accepted {
                "accepted".into()
            } else {
                format!("refused: {}", o.error)
            },
            if lint_accepts {
                "accepted (no errors)".into()
            } else {
                format!("refused: {}", errors.join(" | "))
            },
        );
        return;
    }
    if !o.accepted {
        return; // for refused files only the verdict is compared
    }

    // role, dev, dev_type
    let role = j
        .get("role")
        .and_then(json_str)
        .unwrap_or_else(|| "(missing)".into());
    if role != o.role {
        push("role", o.role.clone(), role);
    }
    let dev = j.get("dev").and_then(json_str);
    if dev != o.dev {
        push("dev", format!("{:?}", o.dev), format!("{dev:?}"));
    }
    let dev_type = j
        .get("dev_type")
        .and_then(json_str)
        .unwrap_or_else(|| "(missing)".into());
    if dev_type != o.dev_type {
        push("dev_type", o.dev_type.clone(), dev_type);
    }

    // ifconfig-ipv6: local and remote as written, bits as a number
    let lint_if = match j.get("ifconfig_ipv6") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => Some(Ifconfig6 {
            local: v.get("local").and_then(json_str).unwrap_or_default(),
            bits: v.get("bits").and_then(|b| b.as_u64()).unwrap_or(u64::MAX) as u32,
            remote: v.get("remote").and_then(json_str).unwrap_or_default(),
        }),
    };
    let fmt_if = |i: &Option<Ifconfig6>| match i {
        None => "(none)".to_string(),
        Some(i) => format!("local {} bits {} remote {}", i.local, i.bits, i.remote),
    };
    if lint_if != o.ifconfig {
        push("ifconfig_ipv6", fmt_if(&o.ifconfig), fmt_if(&lint_if));
    }

    // routes, in order, compared semantically
    match lint_routes(j) {
        Ok(r) => {
            if r != o.routes {
                push("routes_ipv6", fmt_routes(&o.routes), fmt_routes(&r));
            }
        }
        Err(e) => push(
            "routes_ipv6",
            fmt_routes(&o.routes),
            format!("unreadable: {e}"),
        ),
    }

    // routes rejected at setup = dropped ∪ named (as a multiset of specs)
    let mut lint_rej: Vec<String> = Vec::new();
    for key in ["dropped_routes_ipv6", "named_routes_ipv6"] {
        if let Some(a) = j.get(key).and_then(|v| v.as_array()) {
            lint_rej.extend(a.iter().filter_map(|r| r.get("spec").and_then(json_str)));
        }
    }
    let mut left = lint_rej.clone();
    let mut unmatched = false;
    for spec in &o.rejected {
        match left.iter().position(|l| same_spec(l, spec)) {
            Some(i) => {
                left.remove(i);
            }
            None => unmatched = true,
        }
    }
    if unmatched || !left.is_empty() {
        push(
            "rejected routes (dropped+named)",
            fmt_list(&o.rejected),
            fmt_list(&lint_rej),
        );
    }

    let b = |k: &str| j.get(k).and_then(|v| v.as_bool());
    for (key, ov) in [
        ("redirect_ipv6", o.redirect_ipv6),
        ("block_ipv6", o.block_ipv6),
        ("route_nopull", o.route_nopull),
    ] {
        let lv = b(key);
        if lv != Some(ov) {
            push(
                key,
                ov.to_string(),
                lv.map(|v| v.to_string())
                    .unwrap_or_else(|| "(missing)".into()),
            );
        }
    }

    let lint_pf: Vec<(String, String)> = j
        .get("pull_filters")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .map(|p| {
                    (
                        p.get("action").and_then(json_str).unwrap_or_default(),
                        p.get("text").and_then(json_str).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if lint_pf != o.pull_filters {
        let f = |v: &[(String, String)]| {
            if v.is_empty() {
                "(none)".to_string()
            } else {
                v.iter()
                    .map(|(a, t)| format!("{a} {t:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        push("pull_filters", f(&o.pull_filters), f(&lint_pf));
    }
}

fn describe(o: &OvpnFacts) -> String {
    let mut s = String::new();
    if !o.accepted {
        let _ = write!(s, "REFUSED: {}", o.error);
        return s;
    }
    let _ = write!(
        s,
        "accepted role={} dev={:?} type={}",
        o.role, o.dev, o.dev_type
    );
    if let Some(i) = &o.ifconfig {
        let _ = write!(
            s,
            "\n    ifconfig-ipv6 local={} bits={} remote={}",
            i.local, i.bits, i.remote
        );
    }
    let _ = write!(s, "\n    routes: {}", fmt_routes(&o.routes));
    if !o.rejected.is_empty() {
        let _ = write!(s, "\n    rejected: {}", fmt_list(&o.rejected));
    }
    let _ = write!(
        s,
        "\n    redirect_ipv6={} block_ipv6={} route_nopull={}",
        o.redirect_ipv6, o.block_ipv6, o.route_nopull
    );
    for (a, t) in &o.pull_filters {
        let _ = write!(s, "\n    pull-filter {a} {t:?}");
    }
    for h in &o.harness {
        let _ = write!(s, "\n    HARNESS: {h}");
    }
    s
}

fn print_table(rows: &[Mismatch]) -> String {
    let headers = ["fixture", "field", "openvpn says", "ovpn6-lint says"];
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|m| {
            [
                m.fixture.clone(),
                m.field.clone(),
                short(&m.openvpn),
                short(&m.lint),
            ]
        })
        .collect();
    let mut width = headers.map(|h| h.chars().count());
    for c in &cells {
        for (i, w) in width.iter_mut().enumerate().take(2) {
            *w = (*w).max(c[i].chars().count());
        }
    }
    // keep the two value columns readable: at most 60 wide, wrapped
    width[2] = width[2]
        .max(
            cells
                .iter()
                .map(|c| c[2].chars().count())
                .max()
                .unwrap_or(0),
        )
        .min(60);
    width[3] = width[3]
        .max(
            cells
                .iter()
                .map(|c| c[3].chars().count())
                .max()
                .unwrap_or(0),
        )
        .min(60);
    // greedy word wrap; words longer than the column are cut
    let wrap = |s: &str, w: usize| -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut cur = String::new();
        for word in s.split(' ') {
            let mut word: Vec<char> = word.chars().collect();
            loop {
                let cur_len = cur.chars().count();
                let need = if cur.is_empty() {
                    word.len()
                } else {
                    cur_len + 1 + word.len()
                };
                if need <= w {
                    if !cur.is_empty() {
                        cur.push(' ');
                    }
                    cur.extend(word.iter());
                    break;
                }
                if !cur.is_empty() {
                    lines.push(std::mem::take(&mut cur));
                    continue;
                }
                let rest = word.split_off(w);
                lines.push(word.iter().collect());
                word = rest;
            }
        }
        lines.push(cur);
        lines
    };
    let mut out = String::new();
    let sep: String = width
        .iter()
        .map(|w| "-".repeat(w + 2))
        .collect::<Vec<_>>()
        .join("+");
    let row = |c: [&str; 4], out: &mut String| {
        let cols: Vec<Vec<String>> = (0..4).map(|i| wrap(c[i], width[i])).collect();
        let h = cols.iter().map(Vec::len).max().unwrap_or(1);
        for k in 0..h {
            let parts: Vec<String> = (0..4)
                .map(|i| {
                    let t = cols[i].get(k).map(String::as_str).unwrap_or("");
                    format!(" {t:<w$} ", w = width[i])
                })
                .collect();
            let _ = writeln!(out, "{}", parts.join("|").trim_end());
        }
    };
    row(headers, &mut out);
    let _ = writeln!(out, "{sep}");
    for c in &cells {
        row([&c[0], &c[1], &c[2], &c[3]], &mut out);
    }
    out
}

// ------------------------------------------------------------------ the test

#[test]
fn differential_against_real_openvpn() {
    let env = match check_env() {
        Ok(e) => e,
        Err(why) => {
            let msg = format!(
                "differential test DID NOT RUN: {why}. It needs root, `unshare` and `openvpn` (2.6) \
                 (apt-get install openvpn). Set OVPN6_REQUIRE_OPENVPN=1 to make this a failure."
            );
            if std::env::var_os("OVPN6_REQUIRE_OPENVPN").is_some() {
                panic!("{msg}");
            }
            // written to the real stderr, so that it shows even when the test
            // harness captures the output of passing tests
            let _ = writeln!(std::io::stderr(), "\n*** {msg}\n");
            return;
        }
    };
    let oracle_only = std::env::var_os("OVPN6_DIFF_ORACLE_ONLY").is_some();
    let filter = std::env::var("OVPN6_DIFF_FILTER").unwrap_or_default();
    let list: Vec<String> = fixtures()
        .into_iter()
        .filter(|f| f.contains(&filter))
        .collect();
    assert!(
        !list.is_empty(),
        "no fixture matches OVPN6_DIFF_FILTER={filter:?}"
    );
    let expect = readme_expectations();
    let started = Instant::now();
    let work_root =
        std::env::temp_dir().join(format!("ovpn6-lint-differential-{}", std::process::id()));

    let next = Arc::new(AtomicUsize::new(0));
    let list = Arc::new(list);
    type Results = Vec<(usize, OvpnFacts, Vec<Mismatch>)>;
    let results: Arc<Mutex<Results>> = Arc::new(Mutex::new(Vec::new()));
    let env = Arc::new(env);
    let expect = Arc::new(expect);
    let mut handles = Vec::new();
    for _ in 0..WORKERS {
        let (next, list, results, env, expect, work_root) = (
            next.clone(),
            list.clone(),
            results.clone(),
            env.clone(),
            expect.clone(),
            work_root.clone(),
        );
        handles.push(std::thread::spawn(move || {
            loop {
                let idx = next.fetch_add(1, Ordering::SeqCst);
                if idx >= list.len() {
                    break;
                }
                let fx = &list[idx];
                let work = work_root.join(format!("{idx}"));
                let facts = ask_openvpn(&env, fx, &work);
                let mut mism = Vec::new();
                let verdict = if facts.accepted { "accept" } else { "refuse" };
                match expect.get(fx) {
                    Some(e) if e == verdict => {}
                    Some(e) => mism.push(Mismatch {
                        fixture: fx.clone(),
                        field: "README verdict".into(),
                        openvpn: if facts.accepted {
                            "accept".into()
                        } else {
                            format!("refuse: {}", facts.error)
                        },
                        lint: format!("(README expects {e}: the fixture is wrong)"),
                    }),
                    None => {}
                }
                for h in &facts.harness {
                    mism.push(Mismatch {
                        fixture: fx.clone(),
                        field: "harness".into(),
                        openvpn: h.clone(),
                        lint: "(harness problem, not a disagreement)".into(),
                    });
                }
                if !oracle_only {
                    match run_inspect(fx) {
                        Ok(j) => compare(fx, &facts, &j, &mut mism),
                        Err(e) => mism.push(Mismatch {
                            fixture: fx.clone(),
                            field: "inspect".into(),
                            openvpn: if facts.accepted {
                                "accepted".into()
                            } else {
                                "refused".into()
                            },
                            lint: e,
                        }),
                    }
                }
                results.lock().unwrap().push((idx, facts, mism));
            }
        }));
    }
    for h in handles {
        h.join().expect("worker thread panicked");
    }
    let _ = std::fs::remove_dir_all(&work_root);

    let mut results = std::mem::take(&mut *results.lock().unwrap());
    results.sort_by_key(|r| r.0);
    let accepted = results.iter().filter(|r| r.1.accepted).count();
    let mut rows: Vec<Mismatch> = Vec::new();
    let mut bad_fixtures = 0;
    for (idx, facts, mism) in results {
        if oracle_only {
            println!("{}: {}", list[idx], describe(&facts));
        }
        if !mism.is_empty() {
            bad_fixtures += 1;
        }
        rows.extend(mism);
    }
    let summary = format!(
        "differential: {} fixtures ({} accepted, {} refused by openvpn){}, {} mismatches in {} fixtures, {:.1}s",
        list.len(),
        accepted,
        list.len() - accepted,
        if oracle_only {
            ", ovpn6-lint not run (OVPN6_DIFF_ORACLE_ONLY)"
        } else {
            ""
        },
        rows.len(),
        bad_fixtures,
        started.elapsed().as_secs_f64()
    );
    if rows.is_empty() {
        println!("{summary}");
        return;
    }
    let table = print_table(&rows);
    panic!("\n{table}\n{summary}\n");
}

/// Leaky profiles as users have them: `--fix` must turn each into one that OpenVPN accepts,
/// with an `ifconfig-ipv6` inside 100::/64 or fc00::/7 and routes (none of length 0) that
/// cover 2000::/3.
const LEAKY_PROFILES: &[(&str, &[u8])] = &[
    ("aws-export.ovpn", b"client\ndev tun\nproto udp\nremote cvpn-endpoint-0123456789abcdef0.prod.clientvpn.us-east-1.amazonaws.com 443\nremote-random-hostname\nresolv-retry infinite\nnobind\nremote-cert-tls server\ncipher AES-256-GCM\nverb 3\n<ca>\njunk\n</ca>\n<cert>\njunk\n</cert>\n<key>\njunk\n</key>\nreneg-sec 0\n"),
    ("aws-export-crlf.ovpn", b"client\r\ndev tun\r\nproto tcp\r\nremote vpn.example.com 443\r\nnobind\r\n<ca>\r\njunk\r\n</ca>\r\n<cert>\r\njunk\r\n</cert>\r\n<key>\r\njunk\r\n</key>\r\n"),
    ("bom-no-final-newline.ovpn", b"\xEF\xBB\xBFclient\ndev tun\nremote vpn.example.com 1194\n<ca>\njunk\n</ca>\n<cert>\njunk\n</cert>\n<key>\njunk\n</key>\nverb 3"),
    ("guide-example.ovpn", b"client\ndev tun\nremote vpn.example.com 443\nifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\nroute-ipv6 2000::/4\n<ca>\njunk\n</ca>\n<cert>\njunk\n</cert>\n<key>\njunk\n</key>\n"),
    ("default-route-only.ovpn", b"client\ndev tun\nremote vpn.example.com 443\nifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\nroute-ipv6 ::/0\n<ca>\njunk\n</ca>\n<cert>\njunk\n</cert>\n<key>\njunk\n</key>\n"),
    ("implicit-and-host-bits.ovpn", b"client\ndev tun\nremote vpn.example.com 443\nifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\nroute-ipv6 2000::1/4\nroute-ipv6 2001:db8:42::\ntun-ipv6\n<ca>\njunk\n</ca>\n<cert>\njunk\n</cert>\n<key>\njunk\n</key>\n"),
];

#[test]
fn fixed_profiles_are_accepted_by_openvpn_and_route_ipv6_into_the_tunnel() {
    let env = match check_env() {
        Ok(e) => e,
        Err(why) => {
            let msg = format!("fixed-profile test DID NOT RUN: {why}");
            if std::env::var_os("OVPN6_REQUIRE_OPENVPN").is_some() {
                panic!("{msg}");
            }
            let _ = writeln!(std::io::stderr(), "\n*** {msg}\n");
            return;
        }
    };
    let dir = std::env::temp_dir().join(format!("ovpn6-lint-fixed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let ula: (Ipv6Addr, u8) = ("fc00::".parse().unwrap(), 7);
    let discard: (Ipv6Addr, u8) = ("100::".parse().unwrap(), 64);
    let inside = |address: Ipv6Addr, (net, bits): (Ipv6Addr, u8)| {
        let mask = if bits == 0 {
            0
        } else {
            u128::MAX << (128 - u32::from(bits))
        };
        u128::from(address) & mask == u128::from(net) & mask
    };
    let mut problems = Vec::new();
    for (name, text) in LEAKY_PROFILES {
        std::fs::write(dir.join(name), text).expect("write profile");
        let status = Command::new(env!("CARGO_BIN_EXE_ovpn6-lint"))
            .args([
                "--no-config",
                "--fix",
                "--fail-on",
                "error",
                "--format",
                "short",
                name,
            ])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .status()
            .expect("run ovpn6-lint --fix");
        if status.code() != Some(0) {
            problems.push(format!("{name}: `--fix` left errors ({status})"));
        }
        let facts = ask_openvpn_in(&env, &dir, name, &dir.join(format!("{name}.work")));
        if !facts.accepted {
            problems.push(format!(
                "{name}: OpenVPN refuses the fixed file: {}",
                facts.error
            ));
            continue;
        }
        match &facts.ifconfig {
            Some(i) => {
                let local: Option<Ipv6Addr> = i.local.parse().ok();
                if !local.is_some_and(|a| inside(a, ula) || inside(a, discard)) {
                    problems.push(format!(
                        "{name}: ifconfig-ipv6 local {} is outside 100::/64 and fc00::/7",
                        i.local
                    ));
                }
            }
            None => problems.push(format!("{name}: no ifconfig-ipv6 installed")),
        }
        let usable: Vec<&Route6> = facts.routes.iter().filter(|r| r.bits > 0).collect();
        let covers_half = |half: (Ipv6Addr, u8)| {
            usable
                .iter()
                .any(|r| r.bits <= half.1 && inside(half.0, (r.net, r.bits)))
        };
        // 2000::/3 is covered when both of its halves are (each route the fixer adds is at
        // least as wide as a half here).
        let halves = [
            ("2000::".parse().unwrap(), 4),
            ("3000::".parse().unwrap(), 4),
        ];
        if !halves.iter().all(|h| covers_half(*h)) {
            problems.push(format!(
                "{name}: installed routes {:?} do not cover 2000::/3",
                facts.routes
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `--add-suppressions` on the leaky profiles, plus one whose route line is too long for a
/// comment at its end (the comment goes on the line before) and one with a comment already:
/// every finding is suppressed, OpenVPN still loads each profile with the same IPv6 settings,
/// and a second run changes nothing.
#[test]
fn profiles_with_added_suppressions_are_accepted_by_openvpn_and_unchanged_by_a_second_run() {
    let env = match check_env() {
        Ok(e) => e,
        Err(why) => {
            let msg = format!("add-suppressions test DID NOT RUN: {why}");
            if std::env::var_os("OVPN6_REQUIRE_OPENVPN").is_some() {
                panic!("{msg}");
            }
            let _ = writeln!(std::io::stderr(), "\n*** {msg}\n");
            return;
        }
    };
    let dir = std::env::temp_dir().join(format!("ovpn6-lint-suppressed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let long_route = format!(
        "client\r\ndev tun\r\nremote vpn.example.com 443 # office\r\nroute-ipv6 2000::/4{}\r\n<ca>\r\njunk\r\n</ca>\r\n",
        " ".repeat(200)
    );
    let mut profiles: Vec<(&str, &[u8])> = LEAKY_PROFILES.to_vec();
    profiles.push(("long-route-crlf.ovpn", long_route.as_bytes()));
    let lint = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ovpn6-lint"))
            .arg("--no-config")
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("run ovpn6-lint")
    };
    let mut problems = Vec::new();
    for (name, text) in &profiles {
        std::fs::write(dir.join(name), text).expect("write profile");
        let before = ask_openvpn_in(&env, &dir, name, &dir.join(format!("{name}.work0")));
        let output = lint(&["--add-suppressions=legacy profile", name]);
        if output.status.code() != Some(0) {
            problems.push(format!(
                "{name}: --add-suppressions exited {:?}: {}",
                output.status.code(),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let once = std::fs::read(dir.join(name)).expect("read profile");
        if once == *text {
            problems.push(format!("{name}: no comment was added"));
        }
        let output = lint(&["--fail-on", "note", "--format", "short", name]);
        if output.status.code() != Some(0) || !output.stdout.is_empty() {
            problems.push(format!(
                "{name}: findings left after --add-suppressions: {}",
                String::from_utf8_lossy(&output.stdout)
            ));
        }
        lint(&["--add-suppressions=legacy profile", name]);
        if std::fs::read(dir.join(name)).expect("read profile") != once {
            problems.push(format!(
                "{name}: a second --add-suppressions changed the file"
            ));
        }
        let after = ask_openvpn_in(&env, &dir, name, &dir.join(format!("{name}.work1")));
        if before.accepted && !after.accepted {
            problems.push(format!(
                "{name}: OpenVPN refuses the file with suppressions: {}",
                after.error
            ));
        }
        if before.routes != after.routes || before.ifconfig != after.ifconfig {
            problems.push(format!(
                "{name}: the comments changed what OpenVPN does: {:?} {:?} became {:?} {:?}",
                before.ifconfig, before.routes, after.ifconfig, after.routes
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
