//! A rule's documentation is tested like its code: for every rule file in `rules/`, its own
//! `bad` example must fire the rule and its `good` example must not, with whatever params make
//! the rule apply (`when = ["openvpn3-clients"]` needs `clients = ["openvpn3"]`; an example's
//! `# .ovpn6-lint.toml: [params] …` comment lines add their own). And
//! `--explain` prints that same text, and `docs/src/rules/` holds the pages generated from it,
//! each listed in the book's `docs/src/SUMMARY.md` (`OVPN6_UPDATE_DOCS=1 cargo test --test
//! rule_docs` regenerates them).

mod common;

use std::fs;

use common::{fired, ovpn6_lint, rule_file, rule_ids, stderr_of, stdout_of};

/// The `[params]` lines that make a `when` condition hold.
fn params_for(condition: &str) -> &'static str {
    match condition {
        "openvpn3-clients" => "clients = [\"openvpn2\", \"openvpn3\"]",
        "server-pushes-ifconfig-ipv6" | "server-pushes-routes-ipv6" => "server-pushes-ipv6 = true",
        "aws-vpn-client" => "clients = [\"openvpn2\", \"aws-vpn-client\"]",
        // The default clients read as OpenVPN 2.
        "openvpn2" => "",
        "openvpn3" | "no-ipv6-tunnel" => "clients = [\"openvpn3\"]",
        other => panic!("teach tests/rule_docs.rs which params make `{other}` hold"),
    }
}

/// Lints `example` as `example.ovpn` with the params the rule needs; returns the short report.
fn lint_example(id: &str, example: &str) -> String {
    let rule = rule_file(id);
    let conditions: Vec<&str> = rule["check"]
        .get("when")
        .and_then(|w| w.as_array())
        .map(|list| list.iter().filter_map(|c| c.as_str()).collect())
        .unwrap_or_default();
    let dir = tempfile::tempdir().unwrap();
    let mut params: Vec<&str> = conditions.iter().map(|c| params_for(c)).collect();
    // An example may say which params it is for: `# .ovpn6-lint.toml: [params] KEY = VALUE`.
    params.extend(
        example
            .lines()
            .filter_map(|line| line.strip_prefix("# .ovpn6-lint.toml: [params] ")),
    );
    fs::write(
        dir.path().join(".ovpn6-lint.toml"),
        format!("[params]\n{}\n", params.join("\n")),
    )
    .unwrap();
    fs::write(dir.path().join("example.ovpn"), example).unwrap();
    let output = ovpn6_lint(dir.path())
        .args(["--format", "short", "--config", ".ovpn6-lint.toml"])
        .arg("example.ovpn")
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{id}: linting an example failed: {}",
        stderr_of(&output)
    );
    stdout_of(&output)
}

fn doc<'a>(rule: &'a toml::Table, key: &str) -> &'a str {
    rule.get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("the rule file has no `{key}` text"))
}

#[test]
fn every_rules_bad_example_fires_it_with_a_filled_in_message() {
    let mut failures = Vec::new();
    for id in rule_ids() {
        let rule = rule_file(&id);
        let report = lint_example(&id, doc(&rule, "bad"));
        let own: Vec<&str> = report
            .lines()
            .filter(|line| line.contains(&format!("[{id}] ")))
            .collect();
        if own.is_empty() {
            failures.push(format!(
                "{id}: its `bad` example does not fire it:\n{report}"
            ));
        }
        for line in own {
            if line.contains('{') {
                failures.push(format!("{id}: a template variable is left in `{line}`"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn no_rules_good_example_fires_it() {
    let mut failures = Vec::new();
    for id in rule_ids() {
        let rule = rule_file(&id);
        let report = lint_example(&id, doc(&rule, "good"));
        if fired(&report).contains(&id) {
            failures.push(format!("{id}: its `good` example fires it:\n{report}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn explain_prints_the_rule_files_summary_why_and_examples() {
    let dir = tempfile::tempdir().unwrap();
    for id in rule_ids() {
        let rule = rule_file(&id);
        let output = ovpn6_lint(dir.path())
            .args(["--no-config", "--explain", &id])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "--explain {id}");
        let text = stdout_of(&output);
        // Compare words, not layout: --explain may re-wrap and indent.
        let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let shown = words(&text);
        assert!(text.contains(&id), "--explain {id} does not name the rule");
        for key in ["summary", "why", "bad", "good"] {
            assert!(
                shown.contains(&words(doc(&rule, key))),
                "--explain {id} does not show the rule file's `{key}`:\n{text}"
            );
        }
        if let Some(safety) = rule.get("fix-safety").and_then(|v| v.as_str()) {
            assert!(
                shown.contains(&words(safety)),
                "--explain {id} does not show `fix-safety`"
            );
        }
    }
}

/// `docs/src/rules/<id>.md` and `docs/src/rules/README.md` are what the rule files generate, and
/// no page is left for a rule that is gone. With `OVPN6_UPDATE_DOCS=1` the pages are written
/// instead.
#[test]
fn docs_pages_are_generated_from_the_rule_files() {
    use ovpn6_lint::docs;
    use ovpn6_lint::rules::{BUILTIN, Params, load_rule};

    let params = Params::default();
    let dir = common::repo().join(docs::DIR);
    let mut expected = std::collections::BTreeMap::new();
    let mut rules = Vec::new();
    for (name, text) in BUILTIN {
        let rule = load_rule(name, text, &params).expect("built-in rule loads");
        expected.insert(format!("{}.md", rule.id), docs::rule_page(&rule, text));
        rules.push(rule);
    }
    expected.insert("README.md".to_owned(), docs::index_page(&rules));

    if std::env::var_os("OVPN6_UPDATE_DOCS").is_some() {
        fs::create_dir_all(&dir).unwrap();
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".md") && !expected.contains_key(&name) {
                fs::remove_file(&path).unwrap();
            }
        }
        for (name, page) in &expected {
            fs::write(dir.join(name), page).unwrap();
        }
        return;
    }
    let mut stale = Vec::new();
    for (name, page) in &expected {
        if fs::read_to_string(dir.join(name)).ok().as_deref() != Some(page.as_str()) {
            stale.push(format!("{}/{name} is missing or stale", docs::DIR));
        }
    }
    for entry in fs::read_dir(&dir).into_iter().flatten() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") && !expected.contains_key(&name) {
            stale.push(format!("{}/{name} belongs to no rule", docs::DIR));
        }
    }
    assert!(
        stale.is_empty(),
        "{}\nregenerate the pages with `{}`",
        stale.join("\n"),
        docs::UPDATE_COMMAND
    );
}

/// The book lists every rule page, in order, right under the rules index: the lines after
/// `- [Rules](rules/README.md)` in `docs/src/SUMMARY.md` that are indented under it.
#[test]
fn the_books_summary_lists_every_rule_page() {
    use ovpn6_lint::docs;
    use ovpn6_lint::rules::{BUILTIN, Params, load_rule};

    let params = Params::default();
    let rules: Vec<_> = BUILTIN
        .iter()
        .map(|(name, text)| load_rule(name, text, &params).expect("built-in rule loads"))
        .collect();
    let expected = docs::summary_entries(&rules);
    let path = common::repo().join("docs/src/SUMMARY.md");
    let summary = fs::read_to_string(&path).unwrap();
    let index = "- [Rules](rules/README.md)\n";
    let from = summary
        .find(index)
        .unwrap_or_else(|| panic!("SUMMARY.md has no line `{}`", index.trim_end()))
        + index.len();
    let listed_len: usize = summary[from..]
        .split_inclusive('\n')
        .take_while(|line| line.starts_with("  - "))
        .map(str::len)
        .sum();
    let listed = &summary[from..from + listed_len];
    if listed == expected {
        return;
    }
    if std::env::var_os("OVPN6_UPDATE_DOCS").is_some() {
        let updated = format!(
            "{}{expected}{}",
            &summary[..from],
            &summary[from + listed_len..]
        );
        fs::write(&path, updated).unwrap();
        return;
    }
    assert_eq!(
        listed,
        expected,
        "docs/src/SUMMARY.md does not list the rule pages; run `{}`",
        docs::UPDATE_COMMAND
    );
}

#[test]
fn sarif_rules_link_to_their_page_in_the_book() {
    let dir = tempfile::tempdir().unwrap();
    let output = ovpn6_lint(dir.path())
        .args(["--no-config", "--format", "sarif", "-"])
        .write_stdin("client\n")
        .output()
        .unwrap();
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), rule_ids().len());
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        assert_eq!(
            rule["helpUri"].as_str(),
            Some(format!("https://ovpn6-lint.github.io/ovpn6-lint/rules/{id}.html").as_str()),
            "{id}"
        );
        // mdBook turns docs/src/rules/ID.md into rules/ID.html.
        assert!(
            common::repo()
                .join(format!("docs/src/rules/{id}.md"))
                .is_file()
        );
    }
}
