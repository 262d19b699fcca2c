//! `--diff-base REF`: which lines changed since a git revision, so a pull request is judged on
//! what it changed (reviewdog's "only what this PR touched").
//!
//! git does the version control, as a subprocess: `git diff --name-only REF` and
//! `git ls-files --others` name the changed and new files, and `git show REF:path` gives a
//! changed file's old text, which is compared with its current text by `similar` (the diff
//! library `--diff` uses already), so no diff output is parsed by hand. A file that did not
//! exist in REF, or is not tracked yet, is changed as a whole.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use similar::{DiffOp, TextDiff};

/// What changed in one file since the base revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A new file: every line is new.
    Whole,
    /// The 0-based lines of the current text that were added or changed.
    Lines(BTreeSet<usize>),
}

impl Change {
    pub fn covers(&self, line: usize) -> bool {
        match self {
            Change::Whole => true,
            Change::Lines(lines) => lines.contains(&line),
        }
    }
}

/// The files changed since a revision, in one git work tree.
#[derive(Debug)]
pub struct ChangedFiles {
    /// The work tree's top folder, canonical.
    top: PathBuf,
    base: String,
    /// Paths relative to `top`, `/`-separated → whether the file is new.
    changed: HashMap<String, bool>,
}

impl ChangedFiles {
    /// Asks git, in `cwd`, what changed between `base` and the work tree.
    pub fn from_git(cwd: &Path, base: &str) -> Result<Self, String> {
        let top = git(cwd, &["rev-parse", "--show-toplevel"])?;
        let top = PathBuf::from(String::from_utf8_lossy(&top).trim_end_matches('\n'));
        let top = top
            .canonicalize()
            .map_err(|e| format!("cannot resolve `{}`: {e}", top.display()))?;
        let commit = format!("{base}^{{commit}}");
        git(&top, &["rev-parse", "--verify", "--quiet", &commit]).map_err(|_| {
            format!("`{base}` is not a commit of this repository (fetch it first?)")
        })?;
        let mut changed = HashMap::new();
        let diff = git(
            &top,
            &["diff", "--name-only", "-z", "--no-renames", base, "--"],
        )?;
        for path in names(&diff) {
            changed.insert(path, false);
        }
        let untracked = git(&top, &["ls-files", "--others", "--exclude-standard", "-z"])?;
        for path in names(&untracked) {
            changed.insert(path, true);
        }
        Ok(Self {
            top,
            base: base.to_owned(),
            changed,
        })
    }

    /// What changed in the file at `path` (as the run names it), whose current text is `text`;
    /// `None` when it did not change.
    pub fn change(&self, path: &Path, text: &[u8]) -> Result<Option<Change>, String> {
        let Some(relative) = path
            .canonicalize()
            .ok()
            .and_then(|p| p.strip_prefix(&self.top).ok().map(Path::to_path_buf))
        else {
            // Outside the work tree: git knows nothing of it, so it is all new.
            return Ok(Some(Change::Whole));
        };
        let relative = relative.to_string_lossy().replace('\\', "/");
        match self.changed.get(&relative) {
            None => Ok(None),
            Some(true) => Ok(Some(Change::Whole)),
            Some(false) => {
                let spec = format!("{}:{relative}", self.base);
                // Deleted and added again, or added in the work tree: not in the base.
                let Ok(old) = git(&self.top, &["show", &spec]) else {
                    return Ok(Some(Change::Whole));
                };
                Ok(Some(Change::Lines(changed_lines(&old, text))))
            }
        }
    }
}

/// The 0-based lines of `new` that are not in `old`.
pub fn changed_lines(old: &[u8], new: &[u8]) -> BTreeSet<usize> {
    let (old, new) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
    let diff = TextDiff::from_lines(old.as_ref(), new.as_ref());
    let mut lines = BTreeSet::new();
    for op in diff.ops() {
        match *op {
            DiffOp::Insert {
                new_index, new_len, ..
            }
            | DiffOp::Replace {
                new_index, new_len, ..
            } => lines.extend(new_index..new_index + new_len),
            DiffOp::Equal { .. } | DiffOp::Delete { .. } => {}
        }
    }
    lines
}

/// NUL-separated names, as `-z` writes them.
fn names(output: &[u8]) -> impl Iterator<Item = String> + '_ {
    output
        .split(|&b| b == 0)
        .filter(|name| !name.is_empty())
        .map(|name| String::from_utf8_lossy(name).into_owned())
}

/// Runs git in `dir`; its standard output, or what it said on failure.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(output.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_lines_are_the_added_and_replaced_lines_of_the_new_text() {
        let old = b"client\ndev tun\nroute-ipv6 2000::/4\n";
        let new = b"# new\nclient\ndev tap\nroute-ipv6 2000::/4\nverb 3\n";
        assert_eq!(
            changed_lines(old, new),
            BTreeSet::from([0, 2, 4]),
            "the comment, dev tap and verb 3"
        );
        assert!(changed_lines(old, old).is_empty());
        assert!(
            changed_lines(old, b"client\ndev tun\n").is_empty(),
            "a deletion adds no line"
        );
    }
}
