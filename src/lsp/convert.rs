//! Findings as LSP diagnostics: the rule id as `code` (with its page as `codeDescription`),
//! secondary labels (a paired server's line, an include) as `relatedInformation`, byte spans
//! as positions in the negotiated encoding. Findings in an included file sit on the document's
//! first line and say where they are.

use std::path::{Path, PathBuf};

use gen_lsp_types::{
    Code, CodeDescription, Diagnostic as LspDiagnostic, DiagnosticRelatedInformation,
    DiagnosticSeverity, DiagnosticTag, Location, Position, Range, Uri,
};

use super::text::{Encoding, LineIndex};
use crate::diagnostic::Severity;
use crate::model::Loc;
use crate::rules::{Rule, UNUSED_SUPPRESSION};
use crate::workspace::{FileError, Linted};

/// The `source` of every diagnostic the server sends.
pub const SOURCE: &str = "ovpn6-lint";

/// What the client can show, and how it counts columns.
#[derive(Debug, Clone, Copy)]
pub struct Shown {
    pub encoding: Encoding,
    pub related_information: bool,
    pub code_description: bool,
}

/// The diagnostics of one linted document (a profile, or a template in its own lines).
/// `base` is where relative source paths start.
pub fn diagnostics(
    linted: &Linted,
    rules: &[Rule],
    base: &Path,
    shown: Shown,
) -> Vec<LspDiagnostic> {
    let (profile, findings) = (&linted.profile, &linted.diagnostics);
    let top = profile.top().text();
    let index = LineIndex::new(top);
    // The path and text of each file the findings are in: the document first.
    let sources: Vec<(&Path, &[u8])> = match &linted.template_sources {
        Some(sources) => std::iter::once((profile.top().path.as_path(), top))
            .chain(
                sources
                    .iter()
                    .skip(1)
                    .map(|s| (Path::new(&s.path), s.shown.as_slice())),
            )
            .collect(),
        None => profile
            .sources
            .iter()
            .map(|s| (s.path.as_path(), s.text()))
            .collect(),
    };
    let mut indexes: Vec<Option<LineIndex>> = (0..sources.len()).map(|_| None).collect();
    let mut location = |loc: &Loc| -> Option<Location> {
        let (path, text) = *sources.get(loc.source)?;
        let index = indexes[loc.source].get_or_insert_with(|| LineIndex::new(text));
        let uri = uri_of(&absolute(base, path))?;
        Some(Location::new(
            uri,
            index.range(text, &loc.span, shown.encoding),
        ))
    };
    findings
        .iter()
        .map(|d| {
            let rule = rules.iter().find(|r| r.id == d.rule);
            let mut message = d.message.clone();
            if !d.label.is_empty() && d.label != d.message {
                message.push('\n');
                message.push_str(&d.label);
            }
            let range = if d.loc.source == 0 {
                index.range(top, &d.loc.span, shown.encoding)
            } else {
                // In an included file: on the document's first line, saying where.
                if let Some((path, text)) = sources.get(d.loc.source) {
                    let start = d.loc.span.start.min(text.len());
                    let line = memchr::memchr_iter(b'\n', &text[..start]).count() + 1;
                    message = format!("{} line {line}: {message}", path.display());
                }
                Range::new(Position::new(0, 0), Position::new(0, 0))
            };
            let mut related: Vec<DiagnosticRelatedInformation> = Vec::new();
            if shown.related_information {
                if d.loc.source != 0
                    && let Some(at) = location(&d.loc)
                {
                    related.push(DiagnosticRelatedInformation::new(at, d.label.clone()));
                }
                for label in &d.labels {
                    if let Some(at) = location(&label.loc) {
                        related.push(DiagnosticRelatedInformation::new(at, label.message.clone()));
                    }
                }
            }
            let code_description = rule
                .filter(|_| shown.code_description)
                .and_then(crate::docs::rule_url)
                .and_then(|url| Uri::parse(&url).ok())
                .map(CodeDescription::new);
            LspDiagnostic::new(
                range,
                Some(severity(d.severity)),
                Some(Code::String(d.rule.clone())),
                code_description,
                Some(SOURCE.to_owned()),
                message.into(),
                (d.rule == UNUSED_SUPPRESSION).then(|| vec![DiagnosticTag::Unnecessary]),
                (!related.is_empty()).then_some(related),
                None,
            )
        })
        .collect()
}

pub fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::Error,
        Severity::Warning => DiagnosticSeverity::Warning,
        Severity::Note => DiagnosticSeverity::Information,
    }
}

/// A mistake in the config file (or a rule file) as a diagnostic on that file.
pub fn file_error(error: &FileError, encoding: Encoding) -> LspDiagnostic {
    let text = error.text.as_bytes();
    let range = match &error.span {
        Some(span) => LineIndex::new(text).range(text, span, encoding),
        None => Range::new(Position::new(0, 0), Position::new(0, 0)),
    };
    LspDiagnostic::new(
        range,
        Some(DiagnosticSeverity::Error),
        Some(Code::String("config".to_owned())),
        None,
        Some(SOURCE.to_owned()),
        error.message.clone().into(),
        None,
        None,
        None,
    )
}

/// A diagnostic on a document's first line: why it was not linted.
pub fn not_linted(message: String, related: Option<Location>) -> LspDiagnostic {
    LspDiagnostic::new(
        Range::new(Position::new(0, 0), Position::new(0, 0)),
        Some(DiagnosticSeverity::Error),
        Some(Code::String("not-linted".to_owned())),
        None,
        Some(SOURCE.to_owned()),
        message.into(),
        None,
        related.map(|at| vec![DiagnosticRelatedInformation::new(at, "here".to_owned())]),
        None,
    )
}

pub fn absolute(base: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

/// A `file:` URI for an absolute path.
pub fn uri_of(path: &Path) -> Option<Uri> {
    Uri::from_file_path(path).ok()
}
