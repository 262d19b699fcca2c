//! `--format json`: one JSON document with every diagnostic and its fix, for scripts.
//!
//! The field names are stable; new fields may be added, none is renamed or removed:
//!
//! ```text
//! { "version": 1, "files": <files linted>, "diagnostics": [
//!   { "rule", "severity": "error|warning|note",
//!     "path": <top-level file>, "file": <file the finding is in; differs for `config` includes>,
//!     "line", "column", "end_line", "end_column",      1-based, columns in characters, end exclusive
//!     "message", "label",
//!     "fix": null | { "description", "applicability": "safe|unsafe|display-only",
//!                     "edits": [ { "start", "end",       byte offsets into the top-level file
//!                                  "replacement",
//!                                  "line", "column", "end_line", "end_column" } ] } } ] }
//! ```
//!
//! No source text is written: only the rules' messages and the fixes' replacement text.

use std::io::{self, Write};

use serde::Serialize;

use super::{Checked, Format, Range, ReportContext, SourceText};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};

/// The version of the document's layout; it changes only when a field changes meaning.
pub const JSON_VERSION: u32 = 1;

/// Writes the document as files arrive: the header first, each diagnostic when its file is
/// checked, the file count last.
#[derive(Default)]
pub struct Json {
    files: usize,
    diagnostics: usize,
}

impl Format for Json {
    fn file(&mut self, file: &Checked, _cx: &ReportContext, out: &mut dyn Write) -> io::Result<()> {
        if self.files == 0 {
            write!(
                out,
                "{{\n  \"version\": {JSON_VERSION},\n  \"diagnostics\": ["
            )?;
        }
        self.files += 1;
        for d in &file.diagnostics {
            out.write_all(if self.diagnostics == 0 { b"\n" } else { b",\n" })?;
            let text = serde_json::to_string_pretty(&JsonDiagnostic::new(file, d))?;
            for (i, line) in text.lines().enumerate() {
                write!(out, "{}    {line}", if i == 0 { "" } else { "\n" })?;
            }
            self.diagnostics += 1;
        }
        Ok(())
    }

    fn finish(&mut self, _cx: &ReportContext, out: &mut dyn Write) -> io::Result<()> {
        if self.files == 0 {
            write!(
                out,
                "{{\n  \"version\": {JSON_VERSION},\n  \"diagnostics\": ["
            )?;
        }
        let close = if self.diagnostics == 0 { "]" } else { "\n  ]" };
        writeln!(out, "{close},\n  \"files\": {}\n}}", self.files)
    }
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    severity: Severity,
    path: &'a str,
    file: &'a str,
    #[serde(flatten)]
    range: JsonRange,
    message: &'a str,
    label: &'a str,
    fix: Option<JsonFix<'a>>,
}

impl<'a> JsonDiagnostic<'a> {
    fn new(file: &'a Checked, d: &'a Diagnostic) -> Self {
        Self {
            rule: &d.rule,
            severity: d.severity,
            path: &file.path,
            file: file.path_of(&d.loc),
            range: file.range(&d.loc).into(),
            message: &d.message,
            label: &d.label,
            fix: d
                .fix
                .as_ref()
                .map(|fix| JsonFix::new(&file.sources[0], fix)),
        }
    }
}

#[derive(Serialize)]
struct JsonRange {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

impl From<Range> for JsonRange {
    fn from(range: Range) -> Self {
        Self {
            line: range.line,
            column: range.column,
            end_line: range.end_line,
            end_column: range.end_column,
        }
    }
}

#[derive(Serialize)]
struct JsonFix<'a> {
    description: &'a str,
    applicability: Applicability,
    edits: Vec<JsonEdit<'a>>,
}

impl<'a> JsonFix<'a> {
    /// Edits always apply to the top-level file, `top`.
    fn new(top: &SourceText, fix: &'a Fix) -> Self {
        Self {
            description: &fix.description,
            applicability: fix.applicability,
            edits: fix
                .edits
                .iter()
                .map(|edit| JsonEdit::new(top, edit))
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    start: usize,
    end: usize,
    replacement: &'a str,
    #[serde(flatten)]
    range: JsonRange,
}

impl<'a> JsonEdit<'a> {
    fn new(top: &SourceText, edit: &'a Edit) -> Self {
        let len = top.shown.len();
        let start = edit.span.start.min(len);
        let end = edit.span.end.clamp(start, len);
        let (line, column) = top.line_col(start);
        let (end_line, end_column) = top.line_col(end);
        Self {
            start: edit.span.start,
            end: edit.span.end,
            replacement: &edit.replacement,
            range: JsonRange {
                line,
                column,
                end_line,
                end_column,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Label;
    use crate::model::Loc;

    fn source(path: &str, text: &str) -> SourceText {
        SourceText::new(path.to_owned(), text.as_bytes().to_vec())
    }

    fn render(files: &[Checked]) -> serde_json::Value {
        let cx = ReportContext {
            rules: &[],
            color: false,
            unsafe_fixes: false,
        };
        let mut out = Vec::new();
        Json::default().write(files, &cx, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    fn diagnostic(loc: Loc, fix: Option<Fix>) -> Diagnostic {
        Diagnostic {
            rule: "incomplete-ipv6-routes".to_owned(),
            severity: Severity::Error,
            message: "IPv6 routes leave 3000::/4 outside the tunnel".to_owned(),
            loc,
            label: "traffic to 3000::/4 bypasses the VPN".to_owned(),
            labels: vec![Label {
                loc: Loc {
                    source: 0,
                    span: 0..6,
                },
                message: "here".to_owned(),
            }],
            note: Some("why".into()),
            fix,
        }
    }

    #[test]
    fn a_diagnostic_has_every_documented_field_with_one_based_exclusive_ranges() {
        let top = "client\nroute-ipv6 2000::/4\n";
        let fix = Fix {
            description: "insert `route-ipv6 3000::/4`".to_owned(),
            applicability: Applicability::Safe,
            edits: vec![Edit::insert(27, "route-ipv6 3000::/4\n".to_owned())],
        };
        let file = Checked {
            path: "vpn/client.ovpn".to_owned(),
            sources: vec![source("vpn/client.ovpn", top)],
            diagnostics: vec![diagnostic(
                Loc {
                    source: 0,
                    span: 7..26,
                },
                Some(fix),
            )],
        };
        let json = render(&[file]);
        assert_eq!(
            json,
            serde_json::json!({
                "version": 1,
                "files": 1,
                "diagnostics": [{
                    "rule": "incomplete-ipv6-routes",
                    "severity": "error",
                    "path": "vpn/client.ovpn",
                    "file": "vpn/client.ovpn",
                    "line": 2, "column": 1, "end_line": 2, "end_column": 20,
                    "message": "IPv6 routes leave 3000::/4 outside the tunnel",
                    "label": "traffic to 3000::/4 bypasses the VPN",
                    "fix": {
                        "description": "insert `route-ipv6 3000::/4`",
                        "applicability": "safe",
                        "edits": [{
                            "start": 27, "end": 27,
                            "replacement": "route-ipv6 3000::/4\n",
                            "line": 3, "column": 1, "end_line": 3, "end_column": 1
                        }]
                    }
                }]
            })
        );
    }

    #[test]
    fn a_finding_in_an_include_names_both_files_and_no_fix_is_null() {
        let file = Checked {
            path: "client.ovpn".to_owned(),
            sources: vec![
                source("client.ovpn", "config inc.conf\n"),
                source("inc.conf", "tun-ipv6\n"),
            ],
            diagnostics: vec![diagnostic(
                Loc {
                    source: 1,
                    span: 0..8,
                },
                None,
            )],
        };
        let json = render(&[file]);
        let d = &json["diagnostics"][0];
        assert_eq!(d["path"], "client.ovpn");
        assert_eq!(d["file"], "inc.conf");
        assert_eq!(d["fix"], serde_json::Value::Null);
        assert_eq!(d["end_column"], 9);
    }

    #[test]
    fn display_only_and_unsafe_applicability_are_kebab_case() {
        for (applicability, text) in [
            (Applicability::DisplayOnly, "display-only"),
            (Applicability::Unsafe, "unsafe"),
        ] {
            let fix = Fix {
                description: "d".to_owned(),
                applicability,
                edits: Vec::new(),
            };
            let file = Checked {
                path: "a.conf".to_owned(),
                sources: vec![source("a.conf", "x\n")],
                diagnostics: vec![diagnostic(
                    Loc {
                        source: 0,
                        span: 0..1,
                    },
                    Some(fix),
                )],
            };
            assert_eq!(
                render(&[file])["diagnostics"][0]["fix"]["applicability"],
                text
            );
        }
    }

    #[test]
    fn secret_bodies_never_reach_the_document() {
        let text = "<key>\nSECRET\n</key>\n";
        let mut top = source("a.conf", text);
        let secret_body = 6..13;
        top.shown = super::super::mask_secrets(
            text.as_bytes().to_vec(),
            std::slice::from_ref(&secret_body),
        );
        let file = Checked {
            path: "a.conf".to_owned(),
            sources: vec![top],
            diagnostics: vec![diagnostic(
                Loc {
                    source: 0,
                    span: 6..12,
                },
                None,
            )],
        };
        let cx = ReportContext {
            rules: &[],
            color: false,
            unsafe_fixes: false,
        };
        let mut out = Vec::new();
        Json::default().write(&[file], &cx, &mut out).unwrap();
        assert!(!String::from_utf8(out).unwrap().contains("SECRET"));
    }

    #[test]
    fn a_clean_run_has_an_empty_list() {
        let file = Checked {
            path: "a.conf".to_owned(),
            sources: vec![source("a.conf", "client\n")],
            diagnostics: Vec::new(),
        };
        assert_eq!(
            render(&[file]),
            serde_json::json!({"version": 1, "files": 1, "diagnostics": []})
        );
    }
}
