//! Differential test: the text ovpn6-lint reads from every template of a Terraform file
//! (heredocs `<<`/`<<-` with any delimiter, quoted strings) against Go's `hclsyntax`, the parser
//! Terraform itself runs.
//!
//! `tests/differential/hcl/main.go` prints, for each outermost template of a file, its text with
//! every interpolation and every whole `%{ if }`/`%{ for }` block written as U+0001, keyed by the
//! template's first byte; `ovpn6_lint::template::hcl::skeleton` must print the same for every
//! fixture in `tests/differential/hcl/fixtures` and `tests/data/terraform`.
//!
//! The helper is built offline from Debian's packages (`golang-go`,
//! `golang-github-hashicorp-hcl-v2-dev`) with `GO111MODULE=off GOPATH=/usr/share/gocode`. Without
//! them the test says so and passes; with `OVPN6_REQUIRE_HCLSYNTAX=1` (CI) it fails instead.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use ovpn6_lint::template::hcl;

const GOPATH: &str = "/usr/share/gocode";

/// Builds the helper, or says why it cannot be.
fn helper() -> Result<PathBuf, String> {
    if !Path::new(GOPATH)
        .join("src/github.com/hashicorp/hcl/v2/hclsyntax")
        .is_dir()
    {
        return Err(format!(
            "Go's hcl library is not in {GOPATH} (apt-get install golang-go \
             golang-github-hashicorp-hcl-v2-dev)"
        ));
    }
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hcl-templates");
    let build = Command::new("go")
        .args(["build", "-o"])
        .arg(&out)
        .arg("main.go")
        .current_dir(common::repo().join("tests/differential/hcl"))
        .env("GO111MODULE", "off")
        .env("GOPATH", GOPATH)
        .env(
            "GOCACHE",
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("go-cache"),
        )
        .output()
        .map_err(|e| format!("cannot run `go` ({e}); apt-get install golang-go"))?;
    if !build.status.success() {
        return Err(format!(
            "`go build` of the hclsyntax helper failed: {}",
            String::from_utf8_lossy(&build.stderr)
        ));
    }
    Ok(out)
}

fn fixtures() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [
        "tests/differential/hcl/fixtures",
        "tests/data/terraform/root",
        "tests/data/terraform/root/modules/vpn",
    ] {
        for entry in std::fs::read_dir(common::repo().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|x| x == "tf") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn heredoc_and_string_text_agrees_with_hclsyntax() {
    let helper = match helper() {
        Ok(helper) => helper,
        Err(why) if std::env::var_os("OVPN6_REQUIRE_HCLSYNTAX").is_some() => {
            panic!("OVPN6_REQUIRE_HCLSYNTAX is set, but {why}")
        }
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let mut mismatches = Vec::new();
    let files = fixtures();
    assert!(files.len() >= 9, "{files:?}");
    for file in &files {
        let output = Command::new(&helper).arg(file).output().unwrap();
        assert!(
            output.status.success(),
            "{}: {}",
            file.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let go: BTreeMap<String, String> = serde_json::from_slice(&output.stdout).unwrap();
        let text = std::fs::read_to_string(file).unwrap();
        let parsed = hcl::parse(&text).unwrap();
        let ours: BTreeMap<String, String> = parsed
            .templates
            .iter()
            .map(|t| (t.span.start.to_string(), hcl::skeleton(&text, t)))
            .collect();
        // Every template hclsyntax sees, we see alike (a quoted string that is only `${x}` is
        // one interpolation to both).
        for (start, theirs) in &go {
            let mine = ours.get(start);
            if mine != Some(theirs) {
                mismatches.push(format!(
                    "{} at byte {start}:\n  hclsyntax: {theirs:?}\n  ovpn6-lint: {mine:?}",
                    file.display()
                ));
            }
        }
        for start in ours.keys().filter(|s| !go.contains_key(*s)) {
            mismatches.push(format!(
                "{} at byte {start}: a template hclsyntax does not see",
                file.display()
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
