//! Reports: one format per file, all rendered from the same [`Checked`] files.
//!
//! Source text reaches a report only through [`SourceText::shown`], which masks the bodies of
//! inline secret blocks, so no format can print a key.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;
pub mod short;
pub mod statistics;

use std::io::{self, Write};

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Loc, Profile};
use crate::rules::Rule;
use crate::syntax::{LineIndex, Span};

/// One linted file, as reports see it.
#[derive(Debug)]
pub struct Checked {
    /// How reports name the top-level file (relative to where the run started, `/`-separated).
    pub path: String,
    /// The top-level file and its includes, with secrets masked.
    pub sources: Vec<SourceText>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// Takes the profile's text (masking its secrets in place); a clean file keeps none.
    pub fn new(path: String, profile: Profile, diagnostics: Vec<Diagnostic>) -> Self {
        if diagnostics.is_empty() {
            return Self {
                path,
                sources: Vec::new(),
                diagnostics,
            };
        }
        let sources = profile
            .sources
            .into_iter()
            .enumerate()
            .map(|(i, source)| {
                let (source_path, parsed) = source.into_parts();
                let secrets: Vec<Span> = parsed
                    .blocks
                    .iter()
                    .filter(|b| b.is_secret())
                    .map(|b| b.body.clone())
                    .collect();
                let shown_path = if i == 0 {
                    path.clone()
                } else {
                    display_path(&source_path)
                };
                SourceText::new(shown_path, mask_secrets(parsed.into_bytes(), &secrets))
            })
            .collect();
        Self {
            path,
            sources,
            diagnostics,
        }
    }

    /// 1-based (line, column) of the start and end of a place. Columns count characters.
    pub fn range(&self, loc: &Loc) -> Range {
        let source = &self.sources[loc.source];
        let (line, column) = source.line_col(loc.span.start);
        let (end_line, end_column) = source.line_col(loc.span.end.max(loc.span.start));
        Range {
            line,
            column,
            end_line,
            end_column,
        }
    }

    pub fn path_of(&self, loc: &Loc) -> &str {
        &self.sources[loc.source].path
    }
}

/// 1-based line and column numbers; the end is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// A source file as reports may show it.
#[derive(Debug, Clone)]
pub struct SourceText {
    pub path: String,
    /// The file's bytes with every secret block body masked (same length, same line breaks).
    pub shown: Vec<u8>,
    /// Worked out on first use: the short and JSON formats need only a few line numbers.
    lines: std::sync::OnceLock<LineIndex>,
}

impl SourceText {
    pub fn new(path: String, shown: Vec<u8>) -> Self {
        Self {
            path,
            shown,
            lines: std::sync::OnceLock::new(),
        }
    }

    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.shown))
    }

    /// 1-based line and 1-based character column.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let (line, byte_column) = match self.lines.get() {
            Some(lines) => lines.line_col(offset),
            // Findings sit near the top of a profile: counting beats building an index.
            None if offset <= 16 * 1024 => {
                let before = &self.shown[..offset.min(self.shown.len())];
                let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
                (
                    memchr::memchr_iter(b'\n', before).count() + 1,
                    before.len() - line_start + 1,
                )
            }
            None => self.lines().line_col(offset),
        };
        let mut start = offset + 1 - byte_column;
        if start == 0 && self.shown.starts_with(b"\xEF\xBB\xBF") && offset >= 3 {
            start = 3; // The byte order mark takes no column.
        }
        let prefix = &self.shown[start..offset.min(self.shown.len())];
        (line, String::from_utf8_lossy(prefix).chars().count() + 1)
    }

    /// The text of 0-based `line`, ending removed, lossily decoded.
    pub fn line_text(&self, line: usize) -> String {
        let span = self.lines().line_span(line);
        let bytes = &self.shown[span];
        let trimmed = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let trimmed = trimmed.strip_suffix(b"\r").unwrap_or(trimmed);
        String::from_utf8_lossy(trimmed).into_owned()
    }
}

/// Replaces every byte of the secret bodies but line breaks with `*`.
pub fn mask_secrets(text: Vec<u8>, bodies: &[Span]) -> Vec<u8> {
    let mut shown = text;
    for body in bodies {
        for byte in &mut shown[body.clone()] {
            // A select rather than a branch, so the loop runs on vectors.
            let keep = *byte == b'\n' || *byte == b'\r';
            *byte = if keep { *byte } else { b'*' };
        }
    }
    shown
}

pub fn display_path(path: &std::path::Path) -> String {
    let text = path.to_string_lossy();
    if !text.contains('\\') {
        // The common case, in one allocation.
        return text.strip_prefix("./").unwrap_or(&text).to_owned();
    }
    let text = text.replace('\\', "/");
    text.strip_prefix("./").map(str::to_owned).unwrap_or(text)
}

/// Totals for closing lines and job summaries.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub fixable: usize,
}

impl Counts {
    pub fn add(&mut self, file: &Checked, with_unsafe: bool) {
        for d in &file.diagnostics {
            match d.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Note => self.notes += 1,
            }
            if d.fixable(with_unsafe) {
                self.fixable += 1;
            }
        }
    }

    pub fn total(&self) -> usize {
        self.errors + self.warnings + self.notes
    }
}

/// Something that kept a path from being linted, or the whole run from doing its job: not a
/// finding of a rule, but never to be mistaken for a clean result either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The path it concerns, as reports name paths; `None` for the run as a whole.
    pub path: Option<String>,
    pub message: String,
    pub kind: ProblemKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// The tool could not do its job (exit status 2): a missing path, an unreadable file.
    ToolError,
    /// A problem of one path found by walking a folder (a dangling symbolic link): reported
    /// like an error-level finding of that path, without failing the run.
    Path,
}

/// What every format needs besides the files.
pub struct ReportContext<'a> {
    pub rules: &'a [Rule],
    pub color: bool,
    /// `--unsafe-fixes` was given: count unsafe fixes as fixable.
    pub unsafe_fixes: bool,
}

/// A report format. Files arrive one at a time, in report order, as soon as they are checked,
/// so a report never holds the text of more than one file; whole-run totals wait for `finish`.
pub trait Format {
    fn file(&mut self, file: &Checked, cx: &ReportContext, out: &mut dyn Write) -> io::Result<()>;

    /// Whether it shows more of a finding than its message (labels, notes, fixes): when no
    /// report does, they are not worked out.
    fn shows_details(&self) -> bool {
        true
    }

    fn finish(&mut self, cx: &ReportContext, out: &mut dyn Write) -> io::Result<()>;

    /// A [`Problem`], in report order with the files. Standard error always carries it too, so
    /// a format that has no place for it need not write it; it must still not look clean.
    fn problem(
        &mut self,
        _problem: &Problem,
        _cx: &ReportContext,
        _out: &mut dyn Write,
    ) -> io::Result<()> {
        Ok(())
    }

    /// A whole report at once.
    fn write(
        &mut self,
        files: &[Checked],
        cx: &ReportContext,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        for file in files {
            self.file(file, cx, out)?;
        }
        self.finish(cx, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_keeps_length_and_line_breaks() {
        let text = b"<key>\r\nSECRET\r\n</key>\n";
        let shown = mask_secrets(text.to_vec(), std::slice::from_ref(&(7..15)));
        assert_eq!(shown, b"<key>\r\n******\r\n</key>\n");
    }
}
