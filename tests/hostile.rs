//! Hostile input: whatever a repository holds ends in a clear diagnostic or error and the right
//! exit status, never a panic or a hang, with memory bounded.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;

/// A run that takes longer than this hangs: the slowest input here takes a few seconds of a
/// debug build, so the bound holds however loaded the machine is.
const HANG_GUARD: Duration = Duration::from_secs(600);

/// Runs the linter in `dir` with a hang guard and an address-space limit of 1 GiB.
fn lint(dir: &Path, args: &[&str]) -> Output {
    let binary = Command::cargo_bin("ovpn6-lint")
        .expect("binary")
        .get_program()
        .to_owned();
    let mut script = String::from("ulimit -v 1048576; exec \"$0\" --no-config --format short");
    for (i, _) in args.iter().enumerate() {
        script.push_str(&format!(" \"${}\"", i + 1));
    }
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(script)
        .arg(binary)
        .args(args)
        .current_dir(dir);
    let child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let output = wait_with_guard(child, HANG_GUARD);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    output
}

fn wait_with_guard(child: std::process::Child, limit: Duration) -> Output {
    // Read the pipes on another thread, so a chatty child never blocks on a full pipe.
    let pid = child.id();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || sender.send(child.wait_with_output()));
    match receiver.recv_timeout(limit) {
        Ok(output) => output.expect("output"),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("ovpn6-lint did not finish within {limit:?} (a hang)");
        }
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn random_bytes_are_read_without_panic() {
    let dir = tempfile::tempdir().unwrap();
    // A fixed pseudo-random sequence (xorshift), so the test is repeatable.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let bytes: Vec<u8> = (0..1_000_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    fs::write(dir.path().join("random.ovpn"), bytes).unwrap();
    let output = lint(dir.path(), &["random.ovpn"]);
    assert!(matches!(output.status.code(), Some(0 | 1)));
}

#[test]
fn invalid_utf8_is_reported_with_byte_exact_columns_and_lossy_text() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("latin1.ovpn"),
        b"client\ndev tun\n# caf\xe9\nroute-ipv6 \xff2000::/3\n",
    )
    .unwrap();
    let output = lint(dir.path(), &["latin1.ovpn"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("latin1.ovpn:4:12: error[route-ipv6-dropped]"),
        "{}",
        stdout(&output)
    );
    let human = Command::cargo_bin("ovpn6-lint")
        .unwrap()
        .args(["--no-config", "--color", "never", "latin1.ovpn"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&human.stdout).contains("route-ipv6 \u{fffd}2000::/3"));
}

#[test]
fn nul_bytes_cut_lines_like_openvpn() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nul.ovpn"), b"client\ndev tun\nifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\n\0route-ipv6 2000::/3\n").unwrap();
    let output = lint(dir.path(), &["nul.ovpn"]);
    // OpenVPN ignores everything after the NUL, so the route is not there.
    assert!(stdout(&output).contains("incomplete-ipv6-routes"));
}

#[test]
fn a_50_megabyte_line_is_one_syntax_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = b"client\ndev tun\nroute-ipv6 ".to_vec();
    text.resize(text.len() + 50_000_000, b'a');
    text.push(b'\n');
    fs::write(dir.path().join("long.ovpn"), text).unwrap();
    let output = lint(dir.path(), &["long.ovpn"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("long.ovpn:3:1: error[syntax-error] line is 50000012 bytes long")
    );
}

#[test]
fn twenty_megabytes_of_nul_stay_bounded() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nuls.ovpn"), vec![0u8; 20_000_000]).unwrap();
    let output = lint(dir.path(), &["nuls.ovpn"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("NUL"),
        "a binary file gets a clear note: {}",
        stderr(&output)
    );
}

#[test]
fn two_hundred_thousand_inline_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = b"client\ndev tun\n".to_vec();
    for _ in 0..200_000 {
        text.extend_from_slice(b"<ca>\nMIIB\n</ca>\n");
    }
    fs::write(dir.path().join("blocks.ovpn"), text).unwrap();
    let output = lint(dir.path(), &["blocks.ovpn"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("missing-ifconfig-ipv6"));
}

#[test]
fn routes_scattered_over_2000_3_leave_a_short_message() {
    // 100,000 /64 routes spread over 2000::/3 leave millions of holes between them (once a
    // 92 MB message and 27 s); the message names a few and counts the rest.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("client\ndev tun\nifconfig-ipv6 fd00::2 fd00::1\n");
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for _ in 0..100_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let network = (0x2000_u128 << 112) | (u128::from(state) << 61 >> 3);
        let network = std::net::Ipv6Addr::from(network & !((1 << 64) - 1));
        text.push_str(&format!("route-ipv6 {network}/64\n"));
    }
    fs::write(dir.path().join("scattered.ovpn"), text).unwrap();
    let output = lint(dir.path(), &["scattered.ovpn"]);
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    let finding = out
        .lines()
        .find(|l| l.contains("incomplete-ipv6-routes"))
        .expect("an incomplete-ipv6-routes finding");
    assert!(
        finding.len() < 1000,
        "{} bytes: {}",
        finding.len(),
        &finding[..1000]
    );
    assert!(
        finding.contains(" more prefixes outside the tunnel"),
        "{finding}"
    );
}

#[test]
fn unterminated_secret_block_never_prints_its_body() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("open.ovpn"),
        b"client\ndev tun\n<key>\nTOPSECRET-MARKER\n",
    )
    .unwrap();
    let output = lint(dir.path(), &["open.ovpn"]);
    assert!(stdout(&output).contains("inline block `<key>` has no `</key>` line"));
    let human = Command::cargo_bin("ovpn6-lint")
        .unwrap()
        .args(["--no-config", "--color", "never", "open.ovpn"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&human.stdout).contains("TOPSECRET"));
}

#[test]
fn include_cycles_and_depth_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a.ovpn"),
        b"client\ndev tun\nconfig b.inc\n",
    )
    .unwrap();
    fs::write(dir.path().join("b.inc"), b"config a.ovpn\n").unwrap();
    let output = lint(dir.path(), &["a.ovpn"]);
    assert!(
        stdout(&output).contains("include cycle"),
        "{}",
        stdout(&output)
    );
    for i in 0..12 {
        fs::write(
            dir.path().join(format!("d{i}.inc")),
            format!("config d{}.inc\n", i + 1),
        )
        .unwrap();
    }
    fs::write(
        dir.path().join("deep.ovpn"),
        b"client\ndev tun\nconfig d0.inc\n",
    )
    .unwrap();
    let output = lint(dir.path(), &["deep.ovpn"]);
    assert!(
        stdout(&output).contains("deeper than OpenVPN's limit"),
        "{}",
        stdout(&output)
    );
}

#[cfg(unix)]
#[test]
fn directories_fifos_and_broken_links_are_clear_errors_and_others_still_linted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("ok.ovpn"), b"client\ndev tun\n").unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(d.join("pipe.ovpn"))
            .status()
            .unwrap()
            .success()
    );
    std::os::unix::fs::symlink("missing.ovpn", d.join("dangling.ovpn")).unwrap();
    std::os::unix::fs::symlink("loop-b.ovpn", d.join("loop-a.ovpn")).unwrap();
    std::os::unix::fs::symlink("loop-a.ovpn", d.join("loop-b.ovpn")).unwrap();
    let output = lint(d, &["pipe.ovpn", "dangling.ovpn", "loop-a.ovpn", "ok.ovpn"]);
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    assert!(
        errors.contains("`pipe.ovpn` cannot be read: is not a regular file"),
        "{errors}"
    );
    assert!(
        errors.contains("`dangling.ovpn` is a symbolic link whose target does not exist"),
        "{errors}"
    );
    assert!(errors.contains("loop-a.ovpn"), "{errors}");
    assert!(stdout(&output).contains("ok.ovpn:1:1: error[missing-ifconfig-ipv6]"));
}

#[cfg(unix)]
#[test]
fn non_utf8_file_names_are_linted_and_shown_lossily() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.ovpn");
    fs::write(dir.path().join(name), b"client\ndev tun\n").unwrap();
    let output = lint(dir.path(), &["."]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("caf\u{fffd}.ovpn:1:1"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_file_that_vanishes_is_an_error_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("here.ovpn"), b"client\ndev tun\n").unwrap();
    let output = lint(dir.path(), &["gone.ovpn", "here.ovpn"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("`gone.ovpn` does not exist"));
    assert!(stdout(&output).contains("here.ovpn"));
}

/// Runs the linter in `dir` with `args` (no address-space limit: a config is read before
/// anything else), under the hang guard.
fn run_guarded(dir: &Path, args: &[&str]) -> Output {
    let binary = Command::cargo_bin("ovpn6-lint")
        .unwrap()
        .get_program()
        .to_owned();
    let child = Command::new(binary)
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_with_guard(child, HANG_GUARD)
}

#[test]
fn huge_and_deeply_nested_config_files_fail_in_bounded_time() {
    let dir = tempfile::tempdir().unwrap();
    let deep = |key: &str| format!("{key} = {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
    fs::write(dir.path().join("nested.toml"), deep("x")).unwrap();
    let output = run_guarded(dir.path(), &["--config", "nested.toml", "."]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));

    let huge = format!("include = [{}]\n", vec!["\"**/*.ovpn\""; 200_000].join(","));
    fs::write(dir.path().join("huge.toml"), huge).unwrap();
    let output = run_guarded(
        dir.path(),
        &["--config", "huge.toml", "--format", "short", "."],
    );
    assert!(matches!(output.status.code(), Some(0..=2)));

    // The same for a rule file in rule-dirs.
    fs::create_dir_all(dir.path().join("policy")).unwrap();
    fs::write(dir.path().join("policy/deep.toml"), deep("id")).unwrap();
    fs::write(dir.path().join("rules.toml"), "rule-dirs = [\"policy\"]\n").unwrap();
    let output = run_guarded(dir.path(), &["--config", "rules.toml", "."]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("policy/deep.toml"),
        "{}",
        stderr(&output)
    );
}
