//! Applying fixes: non-overlapping edits, re-lint, repeat until nothing changes (bounded);
//! the unified diff `--diff` prints; and the atomic write `--fix` does.
//!
//! Every byte outside the edits is kept. A fix is refused if it would add an OpenVPN error the
//! file did not have. Writes go to a temporary file in the same folder, are synced, keep the
//! file's permissions, and are renamed over the original only if it has not changed meanwhile:
//! the rename is the only commit point.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::diagnostic::Diagnostic;
use crate::model::Profile;
use crate::report::mask_secrets;

/// More passes than this means two fixes undo each other: a bug, reported as an error.
pub const MAX_PASSES: usize = 10;

/// What fixing one file came to.
pub struct Outcome {
    pub original: Vec<u8>,
    /// The profile of the fixed text (the original when nothing was fixed).
    pub profile: Profile,
    /// What is left after fixing.
    pub diagnostics: Vec<Diagnostic>,
    pub fixed: usize,
}

/// Reads and lints a text as the file at a path.
pub type Lint<'a> = dyn Fn(&Path, Vec<u8>) -> (Profile, Vec<Diagnostic>) + 'a;

/// Fixes `text` in memory.
pub fn fix_file(
    path: &Path,
    text: Vec<u8>,
    with_unsafe: bool,
    lint: &Lint,
) -> Result<Outcome, String> {
    let original = text.clone();
    let (mut profile, mut diagnostics) = lint(path, text);
    let errors_before = profile.model.errors.len();
    let mut fixed = 0;
    for _ in 0..MAX_PASSES {
        let (new_text, applied) = apply(profile.top().text(), &diagnostics, with_unsafe);
        if applied == 0 {
            if profile.model.errors.len() > errors_before {
                return Err(format!(
                    "`{}`: the fixes would add an OpenVPN error ({}); the file was not changed",
                    path.display(),
                    profile
                        .model
                        .errors
                        .last()
                        .map_or("", |e| e.message.as_str())
                ));
            }
            return Ok(Outcome {
                original,
                profile,
                diagnostics,
                fixed,
            });
        }
        fixed += applied;
        (profile, diagnostics) = lint(path, new_text);
    }
    Err(format!(
        "`{}`: fixes did not settle after {MAX_PASSES} passes; the file was not changed (please report this)",
        path.display()
    ))
}

/// Applies the fixable diagnostics' edits that do not overlap, earliest first.
/// Returns the new text and how many fixes went in.
pub fn apply(text: &[u8], diagnostics: &[Diagnostic], with_unsafe: bool) -> (Vec<u8>, usize) {
    let mut fixes: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.fixable(with_unsafe))
        .filter_map(|d| d.fix.as_ref())
        .collect();
    // At one point, the earlier text goes first: `ifconfig-ipv6` before `route-ipv6`.
    fixes.sort_by(|a, b| {
        let key = |f: &&crate::diagnostic::Fix| (f.edits[0].span.start, f.edits[0].span.end);
        key(a)
            .cmp(&key(b))
            .then_with(|| a.edits[0].replacement.cmp(&b.edits[0].replacement))
    });
    let mut out = Vec::with_capacity(text.len() + 256);
    let mut cursor = 0;
    let mut applied = 0;
    // `cursor` is where the last applied edit ended; an edit starting at or before it overlaps
    // (two insertions at one point would have no defined order, so they wait a pass).
    let mut last_end: Option<usize> = None;
    for fix in fixes {
        let first = fix.edits[0].span.start;
        if last_end.is_some_and(|end| first <= end) {
            continue;
        }
        if fix
            .edits
            .iter()
            .any(|e| e.span.end > text.len() || e.span.start > e.span.end)
        {
            continue;
        }
        for edit in &fix.edits {
            out.extend_from_slice(&text[cursor..edit.span.start]);
            out.extend_from_slice(edit.replacement.as_bytes());
            cursor = edit.span.end;
        }
        last_end = fix.edits.last().map(|e| e.span.end);
        applied += 1;
    }
    out.extend_from_slice(&text[cursor..]);
    (out, applied)
}

/// Totals for the closing line of `--fix`.
#[derive(Debug, Default)]
pub struct Totals {
    pub fixes: usize,
    pub files: usize,
    /// Findings left after fixing.
    pub remaining: usize,
}

impl Totals {
    pub fn add(&mut self, fixed: usize) {
        if fixed > 0 {
            self.fixes += fixed;
            self.files += 1;
        }
    }

    /// `Fixed 3 findings in 2 files; 1 remaining.`
    pub fn summary(&self) -> String {
        let remaining = self.remaining;
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        format!(
            "Fixed {} in {}; {remaining} remaining.",
            plural(self.fixes, "finding"),
            plural(self.files, "file")
        )
    }
}

/// The unified diff from `original` to the fixed profile's text, secret bodies masked on both
/// sides; `None` when nothing changed.
pub fn unified_diff(name: &str, original: &[u8], fixed: &Profile) -> Option<String> {
    let new = fixed.top().text();
    if original == new {
        return None;
    }
    let old_parsed = crate::syntax::parse(original);
    let secret_bodies = |parsed: &crate::syntax::Parsed| -> Vec<_> {
        parsed
            .blocks
            .iter()
            .filter(|b| b.is_secret())
            .map(|b| b.body.clone())
            .collect()
    };
    let old_shown = String::from_utf8_lossy(&mask_secrets(
        original.to_vec(),
        &secret_bodies(&old_parsed),
    ))
    .into_owned();
    let new_shown = String::from_utf8_lossy(&mask_secrets(
        new.to_vec(),
        &secret_bodies(&fixed.top().parsed),
    ))
    .into_owned();
    diff_texts(name, old_shown.as_bytes(), new_shown.as_bytes())
}

/// The unified diff between two texts already masked for showing; `None` when they are equal.
pub fn diff_texts(name: &str, old_shown: &[u8], new_shown: &[u8]) -> Option<String> {
    if old_shown == new_shown {
        return None;
    }
    let old_shown = String::from_utf8_lossy(old_shown);
    let new_shown = String::from_utf8_lossy(new_shown);
    let diff = TextDiff::from_lines(&old_shown, &new_shown);
    // `a/` and `b/` prefix a relative path as git writes it; an absolute path stands as it is
    // (`a//etc/x` would name no file).
    let (old_name, new_name) = if name.starts_with('/') {
        (name.to_owned(), name.to_owned())
    } else {
        (format!("a/{name}"), format!("b/{name}"))
    };
    let mut out = String::new();
    let _ = write!(
        StringWriter(&mut out),
        "{}",
        diff.unified_diff()
            .context_radius(3)
            .header(&old_name, &new_name)
    );
    Some(out)
}

struct StringWriter<'a>(&'a mut String);

impl std::io::Write for StringWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.push_str(&String::from_utf8_lossy(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Replaces `path`'s contents with `new` atomically. `original` is what was read: if the file
/// holds anything else now, someone changed it meanwhile and it is not overwritten. A symbolic
/// link is written through only when its target lies inside `root` (the repository).
pub fn write_atomically(
    path: &Path,
    original: &[u8],
    new: &[u8],
    root: &Path,
) -> Result<(), String> {
    write_atomically_observed(path, original, new, root, &mut |_| {})
}

/// A point in [`write_atomically`] that has just been passed, in order. Only
/// [`WriteStep::Renamed`] changes what the file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteStep {
    /// The file was re-read and is still what was linted.
    Checked,
    TempCreated,
    /// Half of the new text is in the temporary file.
    TempHalfWritten,
    TempWritten,
    PermissionsSet,
    TempSynced,
    /// The temporary file replaced the original: the commit point.
    Renamed,
    FolderSynced,
}

impl WriteStep {
    pub const ALL: [WriteStep; 8] = [
        WriteStep::Checked,
        WriteStep::TempCreated,
        WriteStep::TempHalfWritten,
        WriteStep::TempWritten,
        WriteStep::PermissionsSet,
        WriteStep::TempSynced,
        WriteStep::Renamed,
        WriteStep::FolderSynced,
    ];
}

/// [`write_atomically`], calling `after` as each [`WriteStep`] is passed: the fault-injection
/// seam through which `tests/fix_faults.rs` ends the process at each of them in turn.
pub fn write_atomically_observed(
    path: &Path,
    original: &[u8],
    new: &[u8],
    root: &Path,
    after: &mut dyn FnMut(WriteStep),
) -> Result<(), String> {
    if original == new {
        return Ok(());
    }
    let target = resolve_target(path, root)?;
    let current = fs::read(&target)
        .map_err(|e| format!("cannot re-read `{}` before writing: {e}", path.display()))?;
    if current != original {
        return Err(format!(
            "`{}` changed while it was being fixed; it was not overwritten",
            path.display()
        ));
    }
    after(WriteStep::Checked);
    let permissions = fs::metadata(&target)
        .map_err(|e| format!("cannot read the permissions of `{}`: {e}", path.display()))?
        .permissions();
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let fail = |what: &str, e: std::io::Error| {
        format!(
            "cannot write `{}` ({what}: {e}); it was not changed",
            path.display()
        )
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".ovpn6-lint-")
        .tempfile_in(dir)
        .map_err(|e| fail("creating a temporary file", e))?;
    after(WriteStep::TempCreated);
    let (first, second) = new.split_at(new.len() / 2);
    temp.write_all(first).map_err(|e| fail("writing", e))?;
    after(WriteStep::TempHalfWritten);
    temp.write_all(second).map_err(|e| fail("writing", e))?;
    after(WriteStep::TempWritten);
    temp.as_file()
        .set_permissions(permissions)
        .map_err(|e| fail("setting permissions", e))?;
    after(WriteStep::PermissionsSet);
    temp.as_file().sync_all().map_err(|e| fail("syncing", e))?;
    after(WriteStep::TempSynced);
    temp.persist(&target)
        .map_err(|e| fail("renaming", e.error))?;
    after(WriteStep::Renamed);
    if let Ok(dir) = fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    after(WriteStep::FolderSynced);
    Ok(())
}

/// The file to write: `path` itself, or a symbolic link's target inside `root`.
fn resolve_target(path: &Path, root: &Path) -> Result<PathBuf, String> {
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return Ok(path.to_path_buf());
    }
    let target = path
        .canonicalize()
        .map_err(|e| format!("cannot follow the symbolic link `{}`: {e}", path.display()))?;
    let root = root
        .canonicalize()
        .map_err(|e| format!("cannot resolve `{}`: {e}", root.display()))?;
    if target.starts_with(&root) {
        Ok(target)
    } else {
        Err(format!(
            "`{}` is a symbolic link to `{}`, outside the repository; it was not written through",
            path.display(),
            target.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Applicability, Edit, Fix, Severity};
    use crate::model::Loc;

    fn with_fix(edits: Vec<Edit>) -> Diagnostic {
        Diagnostic {
            rule: "r".into(),
            severity: Severity::Warning,
            message: String::new(),
            loc: Loc {
                source: 0,
                span: 0..0,
            },
            label: String::new(),
            labels: Vec::new(),
            note: None,
            fix: Some(Fix {
                description: String::new(),
                applicability: Applicability::Safe,
                edits,
            }),
        }
    }

    #[test]
    fn applies_non_overlapping_edits_and_keeps_other_bytes() {
        let text = b"abcdef";
        let diagnostics = [
            with_fix(vec![Edit::insert(1, "X".into())]),
            with_fix(vec![Edit::delete(3..4)]),
            with_fix(vec![Edit::delete(3..5)]),
        ];
        let (out, applied) = apply(text, &diagnostics, false);
        assert_eq!(out, b"aXbcef");
        assert_eq!(applied, 2);
    }

    #[test]
    fn two_insertions_at_one_point_wait_a_pass() {
        let diagnostics = [
            with_fix(vec![Edit::insert(1, "X".into())]),
            with_fix(vec![Edit::insert(1, "Y".into())]),
        ];
        assert_eq!(apply(b"ab", &diagnostics, false).1, 1);
    }
}
