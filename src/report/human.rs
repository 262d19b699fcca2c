//! `--format human`: rustc-style diagnostics rendered by codespan-reporting, then a closing
//! count of errors, warnings and fixable findings. A run in which something could not be
//! linted never closes with "All checks passed".

use std::io::{self, Write};

use codespan_reporting::diagnostic::{
    Diagnostic as Rendered, Label, LabelStyle, Severity as RenderedSeverity,
};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::termcolor::{Ansi, NoColor};
use codespan_reporting::term::{self, Config, Styles, StylesWriter};

use super::{Checked, Counts, Format, Problem, ProblemKind, ReportContext, SourceText};
use crate::diagnostic::{Applicability, Severity};

#[derive(Default)]
pub struct Human {
    counts: Counts,
    /// The same counts with unsafe fixes counted as fixable, for the hint about them.
    with_unsafe: Counts,
    files: usize,
    /// Paths that could not be linted, and problems of walked paths (the messages are on
    /// standard error).
    not_linted: usize,
    path_problems: usize,
    /// `--quiet`: findings only, no closing count.
    quiet: bool,
}

impl Human {
    /// `quiet`: findings only, no closing count (`--quiet`).
    pub fn new(quiet: bool) -> Self {
        Self {
            quiet,
            ..Self::default()
        }
    }
}

impl Format for Human {
    fn problem(
        &mut self,
        problem: &Problem,
        _cx: &ReportContext,
        _out: &mut dyn Write,
    ) -> io::Result<()> {
        match problem.kind {
            ProblemKind::ToolError => self.not_linted += 1,
            ProblemKind::Path => self.path_problems += 1,
        }
        Ok(())
    }

    fn file(&mut self, file: &Checked, cx: &ReportContext, out: &mut dyn Write) -> io::Result<()> {
        self.files += 1;
        self.counts.add(file, cx.unsafe_fixes);
        self.with_unsafe.add(file, true);
        let config = Config::default();
        let styles = Styles::default();
        if file.diagnostics.is_empty() {
            return Ok(());
        }
        let mut database = SimpleFiles::new();
        let shown: Vec<Shown> = file.sources.iter().map(Shown::new).collect();
        let ids: Vec<usize> = file
            .sources
            .iter()
            .zip(&shown)
            .map(|(source, shown)| database.add(source.path.clone(), shown.text.clone()))
            .collect();
        for diagnostic in &file.diagnostics {
            let at = |loc: &crate::model::Loc| {
                let map = &shown[loc.source];
                map.offset(loc.span.start)..map.offset(loc.span.end)
            };
            let mut labels = vec![
                Label::new(
                    LabelStyle::Primary,
                    ids[diagnostic.loc.source],
                    at(&diagnostic.loc),
                )
                .with_message(&diagnostic.label),
            ];
            labels.extend(diagnostic.labels.iter().map(|label| {
                Label::new(LabelStyle::Secondary, ids[label.loc.source], at(&label.loc))
                    .with_message(&label.message)
            }));
            let mut notes = Vec::new();
            if let Some(fix) = &diagnostic.fix {
                let suffix = match fix.applicability {
                    Applicability::Safe => " (fixable with `--fix`)",
                    Applicability::Unsafe => " (fixable with `--fix --unsafe-fixes`)",
                    Applicability::DisplayOnly => "",
                };
                notes.push(format!("help: {}{suffix}", fix.description));
            }
            if let Some(note) = &diagnostic.note {
                notes.push(format!("note: {note}"));
            }
            // As clippy does: where to read more, for the rules that have a page.
            if let Some(url) = cx
                .rules
                .iter()
                .find(|rule| rule.id == diagnostic.rule)
                .and_then(crate::docs::rule_url)
            {
                notes.push(format!("help: for further information visit {url}"));
            }
            let rendered = Rendered::new(severity(diagnostic.severity))
                .with_code(&diagnostic.rule)
                .with_message(&diagnostic.message)
                .with_labels(labels)
                .with_notes(notes);
            let result = if cx.color {
                let mut writer = StylesWriter::new(Ansi::new(&mut *out), &styles);
                term::emit_to_write_style(&mut writer, &config, &database, &rendered)
            } else {
                let mut writer = NoColor::new(&mut *out);
                term::emit_to_io_write(&mut writer, &config, &database, &rendered)
            };
            result.map_err(io::Error::other)?;
        }
        Ok(())
    }

    fn finish(&mut self, cx: &ReportContext, out: &mut dyn Write) -> io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        let mut counts = self.counts;
        counts.errors += self.path_problems;
        let mut with_unsafe = self.with_unsafe;
        with_unsafe.errors += self.path_problems;
        if self.not_linted == 0 {
            return write_summary(self.files, counts, with_unsafe, cx, out);
        }
        let not_linted = plural(self.not_linted, "path");
        if counts.total() == 0 {
            return writeln!(
                out,
                "No findings in {} linted, but {not_linted} could not be linted (see the errors).",
                plural(self.files, "file")
            );
        }
        write_summary(self.files, counts, with_unsafe, cx, out)?;
        writeln!(out, "{not_linted} could not be linted (see the errors).")
    }
}

fn severity(severity: Severity) -> RenderedSeverity {
    match severity {
        Severity::Error => RenderedSeverity::Error,
        Severity::Warning => RenderedSeverity::Warning,
        Severity::Note => RenderedSeverity::Note,
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// `Found 2 errors, 1 warning (2 fixable with `--fix`).`, or that all checks passed (never for
/// zero files: nothing was checked).
pub fn write_summary(
    files: usize,
    counts: Counts,
    with_unsafe: Counts,
    cx: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    if counts.total() == 0 {
        if files == 0 {
            return writeln!(out, "No file was linted.");
        }
        return writeln!(out, "All checks passed ({} linted).", plural(files, "file"));
    }
    let parts: Vec<String> = [
        (counts.errors, "error"),
        (counts.warnings, "warning"),
        (counts.notes, "note"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, word)| plural(n, word))
    .collect();
    let flag = if cx.unsafe_fixes {
        "`--fix --unsafe-fixes`"
    } else {
        "`--fix`"
    };
    let fixable = if counts.fixable > 0 {
        format!(" ({} fixable with {flag})", counts.fixable)
    } else {
        String::new()
    };
    let hidden = if cx.unsafe_fixes {
        0
    } else {
        with_unsafe.fixable - counts.fixable
    };
    let unsafe_hint = if hidden > 0 {
        format!("\n{hidden} more fixable with `--unsafe-fixes`.")
    } else {
        String::new()
    };
    writeln!(out, "Found {}{fixable}.{unsafe_hint}", parts.join(", "))
}

/// A source as codespan sees it: valid UTF-8, with a map from file offsets to text offsets.
struct Shown {
    text: String,
    /// (file offset, text offset) at each point where they start to differ; empty when equal.
    breaks: Vec<(usize, usize)>,
}

impl Shown {
    fn new(source: &SourceText) -> Self {
        if let Ok(text) = std::str::from_utf8(&source.shown) {
            return Self {
                text: text.to_owned(),
                breaks: Vec::new(),
            };
        }
        let mut text = String::with_capacity(source.shown.len());
        let mut breaks = Vec::new();
        let mut offset = 0;
        for chunk in source.shown.utf8_chunks() {
            text.push_str(chunk.valid());
            offset += chunk.valid().len();
            for _ in chunk.invalid() {
                // Each invalid byte shows as one U+FFFD.
                breaks.push((offset, text.len()));
                text.push('\u{fffd}');
                offset += 1;
                breaks.push((offset, text.len()));
            }
        }
        Self { text, breaks }
    }

    fn offset(&self, file_offset: usize) -> usize {
        match self.breaks.partition_point(|&(at, _)| at <= file_offset) {
            0 => file_offset,
            i => {
                let (at, shown) = self.breaks[i - 1];
                (shown + (file_offset - at)).min(self.text.len())
            }
        }
    }
}
