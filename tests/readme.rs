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
        let start = format!("<!-- {name}:start -->\n");
        let from = readme.find(&start).expect("checked by section()") + start.len();
        let updated = format!(
            "{}{expected}{}",
            &readme[..from],
            &readme[from + shown.len()..]
        );
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

/// Runs the linter in the repository root with its own `.ovpn6-lint.toml`, as the README's
/// quick start does; checks the exit status and returns the output as a console block.
fn console(args: &[&str], code: i32) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_ovpn6-lint"))
        .args(["--color", "never"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("run ovpn6-lint");
    assert_eq!(output.status.code(), Some(code), "{args:?}");
    format!(
        "```console\n$ ovpn6-lint {}\n{}```\n",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout)
    )
}

#[test]
fn readme_example_output_matches_the_linter() {
    let expected = console(&["--format", "short", "examples/"], 1);
    check_section("examples-output", &expected, "example output");
    let expected = console(&["examples/aws-client-vpn-export.ovpn"], 1);
    check_section("export-output", &expected, "output for the AWS export");
    let expected = console(&["examples/dual-stack/"], 0);
    check_section(
        "dual-stack-output",
        &expected,
        "output for the dual-stack export",
    );
    let expected = console(
        &[
            "--route",
            "2001:db8::1",
            "--route",
            "3000::1",
            "examples/aws-guide-example-crlf.ovpn",
        ],
        0,
    );
    check_section("route-output", &expected, "`--route` output");
}
