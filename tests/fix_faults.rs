//! Faults during `--fix`: the file is either what it was or the complete fixed text, never a
//! mix, never lost, and a failed write says so with exit status 2.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use ovpn6_lint::fix::{WriteStep, write_atomically, write_atomically_observed};

const LEAKY: &[u8] =
    b"client\r\ndev tun\r\nremote vpn.example.com 443\r\n<key>\r\nSECRET\r\n</key>\r\n";

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_ovpn6-lint")
}

fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".ovpn6-lint-"))
        .collect()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

#[test]
fn a_file_changed_since_it_was_read_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.ovpn");
    fs::write(&path, b"client\ndev tun\nverb 4\n").unwrap();
    let error = write_atomically(
        &path,
        b"client\ndev tun\n",
        b"client\ndev tun\nroute-ipv6 2000::/3\n",
        dir.path(),
    )
    .unwrap_err();
    assert!(
        error.contains("changed while it was being fixed"),
        "{error}"
    );
    assert_eq!(fs::read(&path).unwrap(), b"client\ndev tun\nverb 4\n");
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn a_symlink_out_of_the_repository_is_not_written_through_and_stays_a_symlink() {
    let outside = tempfile::tempdir().unwrap();
    let repo = tempfile::tempdir().unwrap();
    let target = outside.path().join("real.ovpn");
    fs::write(&target, LEAKY).unwrap();
    let link = repo.path().join("link.ovpn");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let output = Command::new(binary())
        .args(["--no-config", "--fix", "link.ovpn"])
        .current_dir(repo.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("outside the repository"));
    assert_eq!(fs::read(&target).unwrap(), LEAKY);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn the_mode_of_a_fixed_file_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.ovpn");
    fs::write(&path, LEAKY).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    write_atomically(&path, LEAKY, b"changed\n", dir.path()).unwrap();
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(leftovers(dir.path()).is_empty());
}

/// A read-only file system: as root, in a private mount namespace with a read-only tmpfs;
/// otherwise with permission bits (which root would ignore).
#[test]
fn a_read_only_place_gives_exit_2_an_unchanged_file_and_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    if is_root() {
        let script = r#"
            set -e
            mount -t tmpfs none "$1"
            printf 'client\r\ndev tun\r\nremote vpn.example.com 443\r\n' > "$1/p.ovpn"
            mount -o remount,ro "$1"
            status=0
            "$2" --no-config --fix "$1/p.ovpn" >/dev/null 2>"$1.err" || status=$?
            echo "status=$status"
            cat "$1.err"
            od -c "$1/p.ovpn" | head -3
            echo "files: $(ls -A "$1" | tr '\n' ' ')"
        "#;
        fs::create_dir_all(dir.path().join("ro")).unwrap();
        let output = Command::new("unshare")
            .args(["-m", "sh", "-c", script, "sh"])
            .arg(dir.path().join("ro"))
            .arg(binary())
            .output();
        let output = output.expect("unshare runs (util-linux)");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            !text.is_empty(),
            "could not mount a read-only tmpfs: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(text.contains("status=2"), "{text}");
        assert!(text.contains("cannot write"), "{text}");
        assert!(
            text.contains("c   l   i   e   n   t  \\r  \\n"),
            "file changed: {text}"
        );
        let files = text
            .lines()
            .find_map(|l| l.strip_prefix("files: "))
            .unwrap_or_default();
        assert_eq!(files.trim(), "p.ovpn", "a temporary file was left: {text}");
    } else {
        let path = dir.path().join("p.ovpn");
        fs::write(&path, LEAKY).unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o555)).unwrap();
        let output = Command::new(binary())
            .args(["--no-config", "--fix"])
            .arg(&path)
            .output()
            .unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(fs::read(&path).unwrap(), LEAKY);
        assert!(leftovers(dir.path()).is_empty());
    }
}

/// Kill `--fix` at many moments while it works on a large file: afterwards the file is always
/// either the original or the complete fixed text (the rename is the only commit point).
/// Set in a child run of this test binary: the [`WriteStep`] after which the child kills itself.
const KILL_AFTER: &str = "OVPN6_FIX_FAULTS_KILL_AFTER";

/// The process is killed (SIGKILL: no destructor, no clean-up) at each point of the fixer's
/// write path in turn, through its fault-injection seam: before the rename the file is the
/// original, from the rename on it is the complete result, the original is never written in
/// place (between two points, where no kill lands), and a later `--fix` still works. The kills
/// land where chosen, so the outcome does not depend on the machine's speed or load.
#[test]
fn an_interrupted_fix_leaves_the_original_or_the_complete_result() {
    if let Ok(step) = std::env::var(KILL_AFTER) {
        return write_and_get_killed(&step);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut original = b"client\ndev tun\nremote vpn.example.com 443\n<ca>\n".to_vec();
    let line = b"MIIBszCCAVmgAwIBAgIUBGZ3dW1teS1jYS1mb3ItZXhhbXBsZXMwCgYIKoZIzj0E\n";
    while original.len() < 200_000 {
        original.extend_from_slice(line);
    }
    original.extend_from_slice(b"</ca>\n");
    let path = dir.path().join("big.ovpn");
    // The complete result, as the linter's own `--fix` writes it.
    fs::write(&path, &original).unwrap();
    let fix = || {
        Command::new(binary())
            .args(["--no-config", "--fix"])
            .arg(&path)
            .stdout(Stdio::null())
            .status()
            .unwrap()
    };
    assert_eq!(fix().code(), Some(0));
    let fixed = fs::read(&path).unwrap();
    assert_ne!(fixed, original);
    fs::write(dir.path().join("fixed.bin"), &fixed).unwrap();

    // A second name for the original file: whatever the fixer does, it must never write into
    // the original in place (a kill during such a write would leave a mix), only replace it.
    let same_inode = dir.path().join("original-inode");
    for step in WriteStep::ALL {
        fs::write(&path, &original).unwrap();
        let _ = fs::remove_file(&same_inode);
        fs::hard_link(&path, &same_inode).unwrap();
        let child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "an_interrupted_fix_leaves_the_original_or_the_complete_result",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(KILL_AFTER, format!("{step:?}"))
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&child.status),
            Some(9),
            "killed after {step:?}: {}",
            String::from_utf8_lossy(&child.stderr)
        );
        let now = fs::read(&path).unwrap();
        let committed = step as usize >= WriteStep::Renamed as usize;
        if committed {
            assert!(
                now == fixed,
                "killed after {step:?}: not the complete result"
            );
        } else {
            assert!(now == original, "killed after {step:?}: not the original");
        }
        assert!(
            fs::read(&same_inode).unwrap() == original,
            "killed after {step:?}: the original file was written in place"
        );
        // A killed process cannot remove its temporary file; it never replaces the profile.
        let left = leftovers(dir.path());
        let temp_exists = !committed && step != WriteStep::Checked;
        assert_eq!(
            left.len(),
            usize::from(temp_exists),
            "after {step:?}: {left:?}"
        );
        // The next run is not confused by what the killed one left behind.
        assert_eq!(fix().code(), Some(0), "--fix after a kill after {step:?}");
        assert!(fs::read(&path).unwrap() == fixed, "after {step:?}");
        for name in left {
            fs::remove_file(dir.path().join(name)).unwrap();
        }
    }
}

/// The child's side: write `fixed.bin` over `big.ovpn` in the current folder, as `--fix`
/// does, and SIGKILL this process after `step`.
fn write_and_get_killed(step: &str) {
    let original = fs::read("big.ovpn").unwrap();
    let fixed = fs::read("fixed.bin").unwrap();
    let result = write_atomically_observed(
        Path::new("big.ovpn"),
        &original,
        &fixed,
        Path::new("."),
        &mut |passed| {
            if format!("{passed:?}") == step {
                let _ = Command::new("kill")
                    .args(["-KILL", &std::process::id().to_string()])
                    .status();
                // Not reached: SIGKILL cannot be caught.
                std::process::abort();
            }
        },
    );
    panic!("the write finished ({result:?}) without passing {step}");
}

#[test]
fn the_same_file_named_three_ways_is_fixed_once() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.ovpn"), b"client\ndev tun\n").unwrap();
    std::os::unix::fs::symlink("a.ovpn", dir.path().join("link.ovpn")).unwrap();
    let output = Command::new(binary())
        .args(["--no-config", "--fix", "a.ovpn", "./a.ovpn", "link.ovpn"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("Fixed 2 findings in 1 file"));
    let fixed = fs::read_to_string(dir.path().join("a.ovpn")).unwrap();
    assert_eq!(fixed.matches("ifconfig-ipv6").count(), 1, "{fixed}");
}
