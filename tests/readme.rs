//! The README shows the rule table and the output of its first command; both must stay true.

use std::process::Command;

use ovpn6_lint::rules::{BUILTIN, Params, load_rule};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md")
}

/// Checks that the README's section `name` is `expected`; with `UPDATE_README=1`, writes it.
fn check_section(name: &str, expected: &str, what: &str) {
    let readme = readme();
    let shown = section(&readme, name);
    if shown == expected {
        return;
    }
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = readme.replacen(&shown, expected, 1);
        std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"), updated)
            .expect("write README.md");
        return;
    }
    assert_eq!(
        shown, expected,
        "README's {what} is stale; run `UPDATE_README=1 cargo test --test readme`"
    );
}

/// The text between `<!-- NAME:start -->` and `<!-- NAME:end -->`.
fn section(text: &str, name: &str) -> String {
    let start = format!("<!-- {name}:start -->\n");
    let end = format!("<!-- {name}:end -->");
    let from = text
        .find(&start)
        .unwrap_or_else(|| panic!("README has no {start}"))
        + start.len();
    let to = text[from..]
        .find(&end)
        .unwrap_or_else(|| panic!("README has no {end}"))
        + from;
    text[from..to].to_owned()
}

#[test]
fn readme_rule_table_matches_the_rule_files() {
    let params = Params::default();
    let rules: Vec<_> = BUILTIN
        .iter()
        .map(|(name, text)| load_rule(name, text, &params).expect("rule loads"))
        .collect();
    check_section(
        "rules",
        &ovpn6_lint::explain::markdown_table(&rules),
        "rule table",
    );
}

#[test]
fn readme_example_output_matches_the_linter() {
    let output = Command::new(env!("CARGO_BIN_EXE_ovpn6-lint"))
        .args(["--no-config", "--format", "short", "examples/"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run ovpn6-lint");
    assert_eq!(output.status.code(), Some(1));
    let expected = format!(
        "```console\n$ ovpn6-lint --format short examples/\n{}```\n",
        String::from_utf8_lossy(&output.stdout)
    );
    check_section("examples-output", &expected, "example output");
}
