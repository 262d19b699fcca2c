//! `--generate-shell-completion` and `--generate-man-page` write what shells and `man` read,
//! generated from the same clap definitions as `--help`.

mod common;

use std::process::Command;

use common::{ovpn6_lint, stdout_of};

fn generated(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    // A broken config in the folder must not matter.
    std::fs::write(dir.path().join(".ovpn6-lint.toml"), "nonsense = [").unwrap();
    let output = ovpn6_lint(dir.path()).args(args).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{args:?}");
    stdout_of(&output)
}

#[test]
fn completions_for_each_shell_name_the_options() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = generated(&["--generate-shell-completion", shell]);
        // fish writes `-l fail-on`, the others `--fail-on`.
        for option in ["fix", "fail-on", "format", "explain", "unsafe-fixes"] {
            assert!(script.contains(option), "{shell} completion lacks {option}");
        }
    }
}

#[test]
fn bash_completion_is_valid_bash_and_completes_formats() {
    let script = generated(&["--generate-shell-completion", "bash"]);
    assert!(script.contains("sarif") && script.contains("github"));
    let Ok(status) = Command::new("bash").args(["-n", "-c", &script]).status() else {
        eprintln!("no bash: syntax not checked");
        return;
    };
    assert!(status.success(), "bash -n rejects the completion script");
}

#[test]
fn man_page_is_roff_with_every_option() {
    let page = generated(&["--generate-man-page"]);
    assert!(page.contains(".TH ovpn6-lint 1"), "{page}");
    for option in ["fix", "fail\\-on", "report", "stdin\\-filename"] {
        assert!(page.contains(option), "man page lacks {option}");
    }
    assert!(page.contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn generating_takes_no_other_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let output = ovpn6_lint(dir.path())
        .args(["--generate-shell-completion", "bash", "--fix"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
