//! The README and the book show real output. Every fenced `console` block in `README.md` and in
//! `docs/src/**/*.md` whose first line is `$ ovpn6-lint ARGS` is run — the built binary, from the
//! repository root, with a controlled environment — and must show exactly what it prints
//! (standard output, then standard error). `UPDATE_README=1 cargo test --test readme` rewrites
//! stale blocks. A block that cannot run that way carries `<!-- console-check: skip (REASON) -->`
//! on the line before it; few do. The README's rule table is checked against the rule files, and
//! the book's copies of the README's pre-commit and Action snippets against the README's.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use ovpn6_lint::rules::{BUILTIN, Params, load_rule};

/// The comment that exempts the next console block, with a reason in parentheses.
const SKIP: &str = "<!-- console-check: skip (";

/// At most this many blocks may be exempt: a skipped block is an unchecked claim.
const MAX_SKIPPED: usize = 3;

/// The pages whose console blocks are checked: the README and every page of the book.
fn pages() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("docs/src") {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    let mut pages = vec![common::repo().join("README.md")];
    walk(&common::repo().join("docs/src"), &mut pages);
    pages.sort();
    pages
}

/// A fenced `console` block that starts with `$ ovpn6-lint `: where its text is in the page.
struct Block {
    /// Byte range of the block's body (the lines between the fences).
    body: std::ops::Range<usize>,
    line: usize,
    skipped: bool,
}

fn console_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut offset = 0;
    let mut previous = "";
    let mut lines = text.split_inclusive('\n').enumerate();
    while let Some((index, line)) = lines.next() {
        offset += line.len();
        if line.trim_end() != "```console" {
            if !line.trim().is_empty() {
                previous = line;
            }
            continue;
        }
        let body_start = offset;
        let mut body_end = offset;
        for (_, inner) in lines.by_ref() {
            offset += inner.len();
            if inner.trim_end() == "```" {
                break;
            }
            body_end = offset;
        }
        if text[body_start..body_end].starts_with("$ ovpn6-lint ") {
            blocks.push(Block {
                body: body_start..body_end,
                line: index + 1,
                skipped: previous.starts_with(SKIP),
            });
        }
        previous = "";
    }
    blocks
}

/// Runs the block's command in the repository root; returns what the block should hold.
fn run(command_line: &str) -> String {
    let words = command_line
        .strip_prefix("$ ovpn6-lint ")
        .expect("a console block's command");
    let args: Vec<&str> = words.split_whitespace().collect();
    assert!(
        !words.contains(['\'', '"', '\\', '|', '>', '<', '$', '*', '~', ';', '&']),
        "`{command_line}`: a checked console block's command is plain words (no quoting, \
         pipes or globs), as it is run without a shell"
    );
    let output = Command::new(env!("CARGO_BIN_EXE_ovpn6-lint"))
        .args(&args)
        .current_dir(common::repo())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_ACTIONS")
        .env("COLUMNS", "100")
        .output()
        .expect("run ovpn6-lint");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        matches!(output.status.code(), Some(0..=2)) && !stderr.contains("panicked"),
        "`{command_line}` failed: {:?}\n{stderr}",
        output.status
    );
    format!(
        "{command_line}\n{}{stderr}",
        String::from_utf8_lossy(&output.stdout)
    )
}

#[test]
fn every_console_block_shows_what_the_linter_prints() {
    let update = std::env::var_os("UPDATE_README").is_some();
    let mut stale = Vec::new();
    let mut checked = 0;
    let mut skipped = Vec::new();
    for page in pages() {
        let name = page
            .strip_prefix(common::repo())
            .unwrap()
            .display()
            .to_string();
        let mut text = std::fs::read_to_string(&page).unwrap();
        // Last block first, so rewriting one leaves the ranges of the others valid.
        let blocks = console_blocks(&text);
        let mut changed = false;
        for block in blocks.iter().rev() {
            let shown = &text[block.body.clone()];
            let command_line = shown.lines().next().unwrap();
            if block.skipped {
                skipped.push(format!("{name}:{}", block.line));
                continue;
            }
            assert_eq!(
                shown.lines().filter(|l| l.starts_with("$ ")).count(),
                1,
                "{name}:{}: a checked console block runs one command; mark it with `{SKIP}REASON) -->` \
                 if it cannot be checked",
                block.line
            );
            checked += 1;
            let expected = run(command_line);
            if shown == expected {
                continue;
            }
            if update {
                text.replace_range(block.body.clone(), &expected);
                changed = true;
            } else {
                stale.push(format!(
                    "{name}:{}: `{command_line}` prints\n{expected}\nbut the block shows\n{shown}",
                    block.line
                ));
            }
        }
        if changed {
            std::fs::write(&page, text).unwrap();
        }
    }
    assert!(checked >= 6, "only {checked} console blocks found");
    assert!(
        skipped.len() <= MAX_SKIPPED,
        "{} console blocks are exempt from the check (at most {MAX_SKIPPED}): {skipped:?}",
        skipped.len()
    );
    assert!(
        stale.is_empty(),
        "stale console blocks; run `UPDATE_README=1 cargo test --test readme`:\n\n{}",
        stale.join("\n\n")
    );
}

#[test]
fn the_quick_start_lints_the_examples_with_findings() {
    // The README says so: "It exits with status 1, because there are findings".
    let output = Command::new(env!("CARGO_BIN_EXE_ovpn6-lint"))
        .args(["--format", "short", "examples/"])
        .current_dir(common::repo())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let readme = readme();
    assert!(readme.contains("$ ovpn6-lint --format short examples/\n"));
    assert!(readme.contains("cargo run --release -- examples/     # lint the bundled example profiles\ncargo test                           # run the tests\n"));
}

#[test]
fn console_blocks_are_found_and_exemptions_need_the_marker() {
    let page = "text\n\n```console\n$ ovpn6-lint a.ovpn\nout\n```\n\n<!-- console-check: skip (root) -->\n\
                ```console\n$ ovpn6-lint --fix b.ovpn\n```\n\n```console\n$ sudo other\n```\n";
    let blocks = console_blocks(page);
    assert_eq!(blocks.len(), 2);
    assert_eq!(&page[blocks[0].body.clone()], "$ ovpn6-lint a.ovpn\nout\n");
    assert_eq!((blocks[0].line, blocks[0].skipped), (3, false));
    assert_eq!(&page[blocks[1].body.clone()], "$ ovpn6-lint --fix b.ovpn\n");
    assert!(blocks[1].skipped);
}

fn readme() -> String {
    std::fs::read_to_string(common::repo().join("README.md")).expect("README.md")
}

/// The text between `<!-- NAME:start -->` and `<!-- NAME:end -->`.
fn section(text: &str, name: &str) -> Option<(usize, String)> {
    let start = format!("<!-- {name}:start -->\n");
    let end = format!("<!-- {name}:end -->");
    let from = text.find(&start)? + start.len();
    let to = text[from..].find(&end)? + from;
    Some((from, text[from..to].to_owned()))
}

#[test]
fn readme_rule_table_matches_the_rule_files() {
    let params = Params::default();
    let rules: Vec<_> = BUILTIN
        .iter()
        .map(|(name, text)| load_rule(name, text, &params).expect("rule loads"))
        .collect();
    let expected = ovpn6_lint::explain::markdown_table(&rules);
    let readme = readme();
    let (from, shown) = section(&readme, "rules").expect("README has a rules:start/end section");
    if shown == expected {
        return;
    }
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!(
            "{}{expected}{}",
            &readme[..from],
            &readme[from + shown.len()..]
        );
        std::fs::write(common::repo().join("README.md"), updated).unwrap();
        return;
    }
    assert_eq!(
        shown, expected,
        "README's rule table is stale; run `UPDATE_README=1 cargo test --test readme`"
    );
}

/// scripts/ci-pre-commit and scripts/ci-action check the README's snippets; the book's CI page
/// shows the same ones.
#[test]
fn the_books_ci_snippets_are_the_readmes() {
    let readme = readme();
    let page =
        std::fs::read_to_string(common::repo().join("docs/src/ci-and-pre-commit.md")).unwrap();
    for name in ["pre-commit-example", "action-example"] {
        let (_, in_readme) = section(&readme, name).expect("the README's snippet");
        let (_, in_book) = section(&page, name).expect("the book's snippet");
        assert_eq!(
            in_book, in_readme,
            "{name} differs between README.md and the book"
        );
    }
}
