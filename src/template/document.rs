//! Documents: the profiles one template file renders (the whole file, or each profile heredoc
//! of a `.tf`), linted through the ordinary pipeline (syntax, model, rules) and brought back to
//! the template's own bytes: every span through the map once, fixes only where they land in
//! literal text, notes that say what unknown values and conditions could change.
//!
//! Pure: the caller passes the function that lints a rendered text, and writes nothing.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use super::{Rendered, UnknownCondition};
use crate::diagnostic::{Applicability, Diagnostic, Edit};
use crate::model::{Loc, Profile};
use crate::report::{SourceText, display_path, mask_secrets};
use crate::syntax::Span;

/// One profile a template renders.
#[derive(Debug, Clone)]
pub struct Document {
    pub rendered: Rendered,
    /// Why no fix of this document may be applied to the template, if none may (a profile in
    /// a quoted string, whose line breaks are escapes).
    pub fixes_refused: Option<String>,
}

/// Reads a rendered text as the profile at a path and lints it.
pub type Lint<'a> = dyn Fn(&Path, Vec<u8>) -> (Profile, Vec<Diagnostic>) + 'a;

/// Reads a template's text into its documents, or says why it cannot.
pub type Render<'a> = dyn Fn(&[u8]) -> Result<Vec<Document>, String> + 'a;

/// A template's documents, linted, in the template's coordinates.
#[derive(Debug)]
pub struct Linted {
    /// The template (secrets masked) first, then the files its documents include.
    pub sources: Vec<SourceText>,
    /// Findings of every document, in document order.
    pub diagnostics: Vec<Diagnostic>,
    /// What would make OpenVPN refuse the rendered profiles, counted over all of them (a fix
    /// may not add any).
    pub errors: usize,
    /// The documents that read as profiles ([`Profile::reads_as_profile`]).
    pub profiles: usize,
}

/// Lints each document that reads as a profile (every document when `every_document`: the
/// config's `include` names the file) and maps its findings to the template.
/// `whole_profile_rules` are the rules whose findings say something is missing: their notes
/// name the lines that are only unknown values and the conditions taken as false.
pub fn lint(
    path: &Path,
    template: &[u8],
    documents: &[Document],
    whole_profile_rules: &BTreeSet<String>,
    every_document: bool,
    lint: &Lint,
) -> Linted {
    let mut secrets: Vec<Span> = crate::syntax::parse(template.to_vec())
        .blocks
        .iter()
        .filter(|b| b.is_secret())
        .map(|b| b.body.clone())
        .collect();
    let mut included = Vec::new();
    let mut diagnostics = Vec::new();
    let mut errors = 0;
    let mut profiles = 0;
    for document in documents {
        let rendered = &document.rendered;
        let (profile, found) = lint(path, rendered.text.clone().into_bytes());
        if !every_document && !profile.reads_as_profile() {
            continue;
        }
        profiles += 1;
        errors += profile.model.errors.len();
        secrets.extend(
            profile
                .top()
                .parsed
                .blocks
                .iter()
                .filter(|b| b.is_secret())
                .map(|b| rendered.source_span(b.body.clone())),
        );
        let first_include = 1 + included.len();
        let note = unknown_note(&profile, rendered, template);
        let map = |loc: &Loc| match loc.source {
            0 => Loc {
                source: 0,
                span: rendered.source_span(loc.span.clone()),
            },
            n => Loc {
                source: first_include + n - 1,
                span: loc.span.clone(),
            },
        };
        for mut diagnostic in found {
            diagnostic.loc = map(&diagnostic.loc);
            for label in &mut diagnostic.labels {
                label.loc = map(&label.loc);
            }
            if let Some(fix) = &mut diagnostic.fix
                && !fix.edits.is_empty()
            {
                let edits: Result<Vec<Edit>, String> = match &document.fixes_refused {
                    Some(why) => Err(why.clone()),
                    None => fix
                        .edits
                        .iter()
                        .map(|edit| edit_in_template(rendered, template, edit))
                        .collect(),
                };
                match edits {
                    Ok(edits) => fix.edits = edits,
                    Err(why) => {
                        fix.edits.clear();
                        fix.applicability = Applicability::DisplayOnly;
                        fix.description =
                            format!("{} (not applied to the template: {why})", fix.description);
                    }
                }
            }
            if let Some(note) = &note
                && whole_profile_rules.contains(&diagnostic.rule)
            {
                let text = match &diagnostic.note {
                    Some(old) => format!("{old}\n{note}"),
                    None => note.clone(),
                };
                diagnostic.note = Some(Arc::from(text));
            }
            diagnostics.push(diagnostic);
        }
        for source in profile.sources.into_iter().skip(1) {
            let (source_path, parsed) = source.into_parts();
            let bodies: Vec<Span> = parsed
                .blocks
                .iter()
                .filter(|b| b.is_secret())
                .map(|b| b.body.clone())
                .collect();
            included.push(SourceText::new(
                display_path(&source_path),
                mask_secrets(parsed.into_bytes(), &bodies),
            ));
        }
    }
    let mut sources = vec![SourceText::new(
        display_path(path),
        mask_secrets(template.to_vec(), &secrets),
    )];
    sources.extend(included);
    Linted {
        sources,
        diagnostics,
        errors,
        profiles,
    }
}

/// What `--inspect` adds for a rendered template: each value with where it came from (or
/// `"unknown"`), and the conditions taken as false.
pub fn inspect_json(rendered: &Rendered, template: &[u8]) -> serde_json::Value {
    use super::PieceKind;
    let placeholder = |source: &std::ops::Range<usize>| {
        String::from_utf8_lossy(template.get(source.clone()).unwrap_or_default()).into_owned()
    };
    let values: Vec<serde_json::Value> = rendered
        .pieces
        .iter()
        .filter_map(|piece| {
            let line = line_number(template, piece.source.start);
            match &piece.kind {
                PieceKind::Literal => None,
                PieceKind::Value { origin } if origin.path.as_os_str().is_empty() => None,
                PieceKind::Value { origin } => Some(serde_json::json!({
                    "placeholder": placeholder(&piece.source),
                    "line": line,
                    "value": &rendered.text[piece.rendered.clone()],
                    "from": {
                        "name": origin.name,
                        "path": display_path(&origin.path),
                        "line": origin.line,
                    },
                })),
                PieceKind::Unknown { name } => Some(serde_json::json!({
                    "placeholder": placeholder(&piece.source),
                    "line": line,
                    "name": name,
                    "value": "unknown",
                })),
            }
        })
        .collect();
    let conditions: Vec<serde_json::Value> = rendered
        .unknown_conditions
        .iter()
        .map(|c| {
            serde_json::json!({
                "condition": placeholder(&c.source),
                "line": line_number(template, c.source.start),
                "unknown": c.names,
                "taken_as": false,
            })
        })
        .collect();
    serde_json::json!({ "values": values, "unknown_conditions": conditions })
}

/// The template's 1-based line and column for a 1-based line and column of the rendered text
/// (`--route` and `--inspect` work on the rendered profile).
pub fn template_place(
    rendered: &Rendered,
    template: &[u8],
    line: usize,
    column: usize,
) -> (usize, usize) {
    let text = rendered.text.as_bytes();
    let line_start = if line <= 1 {
        0
    } else {
        memchr::memchr_iter(b'\n', text)
            .nth(line - 2)
            .map_or(text.len(), |i| i + 1)
    };
    let offset = rendered.text[line_start..]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(text.len(), |(i, _)| line_start + i);
    let at = rendered
        .source_span(offset..offset)
        .start
        .min(template.len());
    let start = memchr::memrchr(b'\n', &template[..at]).map_or(0, |i| i + 1);
    (
        line_number(template, at),
        String::from_utf8_lossy(&template[start..at])
            .chars()
            .count()
            + 1,
    )
}

/// Every `"line"` of an `--inspect` view of a rendered profile, as the template's line.
pub fn map_inspect_lines(value: &mut serde_json::Value, rendered: &Rendered, template: &[u8]) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if key == "template" {
                    continue;
                }
                if key == "line"
                    && let Some(line) = item.as_u64()
                {
                    *item =
                        serde_json::json!(template_place(rendered, template, line as usize, 1).0);
                } else {
                    map_inspect_lines(item, rendered, template);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                map_inspect_lines(item, rendered, template);
            }
        }
        _ => {}
    }
}

/// What fixing a template came to.
#[derive(Debug)]
pub struct Fixed {
    pub text: Vec<u8>,
    pub linted: Linted,
    pub fixed: usize,
}

/// Applies the fixes that land in the template's literal text, re-rendering and re-linting
/// until nothing changes (bounded, as for profiles). `render` reads the template again; a fix
/// after which it no longer renders, or that adds an OpenVPN error, leaves the file unchanged.
pub fn fix(
    path: &Path,
    template: Vec<u8>,
    with_unsafe: bool,
    render: &Render,
    whole_profile_rules: &BTreeSet<String>,
    every_document: bool,
    lint_text: &Lint,
) -> Result<Fixed, String> {
    let documents = render(&template)?;
    let mut linted = lint(
        path,
        &template,
        &documents,
        whole_profile_rules,
        every_document,
        lint_text,
    );
    let errors_before = linted.errors;
    let mut text = template;
    let mut fixed = 0;
    for _ in 0..crate::fix::MAX_PASSES {
        let (new_text, applied) = crate::fix::apply(&text, &linted.diagnostics, with_unsafe);
        if applied == 0 {
            if linted.errors > errors_before {
                return Err(format!(
                    "`{}`: the fixes would add an OpenVPN error; the file was not changed",
                    path.display()
                ));
            }
            return Ok(Fixed {
                text,
                linted,
                fixed,
            });
        }
        let documents = render(&new_text).map_err(|e| {
            format!(
                "`{}`: after the fixes the template would not render ({e}); the file was not \
                 changed",
                path.display()
            )
        })?;
        fixed += applied;
        linted = lint(
            path,
            &new_text,
            &documents,
            whole_profile_rules,
            every_document,
            lint_text,
        );
        text = new_text;
    }
    Err(format!(
        "`{}`: fixes did not settle after {} passes; the file was not changed (please report \
         this)",
        path.display(),
        crate::fix::MAX_PASSES
    ))
}

/// The note a missing-something finding gets in a rendered template: which lines that are
/// only unknown values, or hold them, could supply what is missing, and which conditions were
/// taken as false.
fn unknown_note(profile: &Profile, rendered: &Rendered, template: &[u8]) -> Option<String> {
    const MAX_NAMED: usize = 3;
    let mut parts = Vec::new();
    let lines: Vec<String> = profile
        .model
        .unknown_lines
        .iter()
        .filter(|loc| loc.source == 0)
        .map(|loc| quote_line(template, rendered.source_span(loc.span.clone()).start))
        .collect();
    if !lines.is_empty() {
        parts.push(format!(
            "In the template, the verdict holds unless {} add{} the missing IPv6 lines \
             (a value the repository does not give).",
            listed(&lines, MAX_NAMED),
            if lines.len() == 1 { "s" } else { "" },
        ));
    }
    let conditions: Vec<String> = rendered
        .unknown_conditions
        .iter()
        .map(|c| describe_condition(c, template))
        .collect();
    if !conditions.is_empty() {
        parts.push(format!(
            "{} depend{} on values the repository does not give and {} taken as false; \
             {} could change this finding.",
            listed(&conditions, MAX_NAMED),
            if conditions.len() == 1 { "s" } else { "" },
            if conditions.len() == 1 { "was" } else { "were" },
            if conditions.len() == 1 { "it" } else { "they" },
        ));
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn listed(items: &[String], max: usize) -> String {
    let mut shown = items[..items.len().min(max)].join(", ");
    if items.len() > max {
        shown.push_str(&format!(" and {} more", items.len() - max));
    }
    shown
}

fn describe_condition(condition: &UnknownCondition, template: &[u8]) -> String {
    let tag = String::from_utf8_lossy(&template[condition.source.clone()]);
    let line = line_number(template, condition.source.start);
    format!("`{}` (line {line})", shorten(tag.trim()))
}

/// `` `{{ extra }}` (line 12) ``: the template line holding byte `at`.
fn quote_line(template: &[u8], at: usize) -> String {
    let start = memchr::memrchr(b'\n', &template[..at]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &template[at..]).map_or(template.len(), |i| at + i);
    let text = String::from_utf8_lossy(&template[start..end]);
    format!(
        "`{}` (line {})",
        shorten(text.trim()),
        line_number(template, at)
    )
}

fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        return text.to_owned();
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}…")
}

fn line_number(text: &[u8], at: usize) -> usize {
    memchr::memchr_iter(b'\n', &text[..at.min(text.len())]).count() + 1
}

/// An edit of the rendered text as an edit of the template: only in literal text; whole lines
/// take the indentation of the line before them in the template (a heredoc's), and every line
/// ending is the template's.
fn edit_in_template(rendered: &Rendered, template: &[u8], edit: &Edit) -> Result<Edit, String> {
    let mut span = rendered.literal_span(edit.span.clone(), template)?;
    let text = rendered.text.as_bytes();
    let line_start = |at: usize| memchr::memrchr(b'\n', &template[..at]).map_or(0, |i| i + 1);
    let mut replacement = edit.replacement.clone();
    // The ending of the template line the edit is on (or of the line before, at the end).
    let probe = if span.start < template.len() {
        span.start
    } else {
        span.start.saturating_sub(1)
    };
    let crlf = memchr::memchr(b'\n', &template[probe..]).map_or_else(
        || template.ends_with(b"\r\n"),
        |i| i > 0 && template[probe + i - 1] == b'\r',
    );
    let starts_line = edit.span.start == 0 || text.get(edit.span.start - 1) == Some(&b'\n');
    let start_of_line = line_start(span.start);
    let indented_whole_line = starts_line
        && template[start_of_line..span.start]
            .iter()
            .all(|b| matches!(b, b' ' | b'\t'));
    if indented_whole_line {
        let insertion = span.is_empty();
        span.start = start_of_line;
        if insertion {
            span.end = start_of_line;
        }
        if !replacement.is_empty() {
            // The indentation of the line before, in the template (else this line's).
            let anchor = if edit.span.start == 0 {
                start_of_line
            } else {
                line_start(
                    rendered
                        .source_span(edit.span.start - 1..edit.span.start)
                        .start,
                )
            };
            let indent: String = template[anchor..]
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t'))
                .map(|&b| char::from(b))
                .collect();
            if !indent.is_empty() {
                replacement = replacement
                    .split_inclusive('\n')
                    .map(|line| format!("{indent}{line}"))
                    .collect();
            }
        }
    }
    if crlf {
        replacement = replacement.replace("\r\n", "\n").replace('\n', "\r\n");
    } else {
        replacement = replacement.replace("\r\n", "\n");
    }
    Ok(Edit { span, replacement })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::placeholder::{self, Syntax};

    fn profile_only(path: &Path, text: Vec<u8>) -> (Profile, Vec<Diagnostic>) {
        let profile =
            crate::model::load_rendered(path, text, &|_| Err(std::io::Error::other("none")));
        (profile, Vec::new())
    }

    fn document(template: &str, syntax: Syntax) -> Document {
        Document {
            rendered: placeholder::read(template, syntax),
            fixes_refused: None,
        }
    }

    #[test]
    fn secret_bodies_are_masked_in_the_template_as_shown() {
        let template =
            "client\ndev tun\nremote {{ .Host }} 1\n<key>\nSECRET\n{{ .More }}\n</key>\n";
        let linted = lint(
            Path::new("c.tmpl"),
            template.as_bytes(),
            &[document(template, Syntax::Go)],
            &BTreeSet::new(),
            false,
            &profile_only,
        );
        assert_eq!(linted.profiles, 1);
        let shown = String::from_utf8(linted.sources[0].shown.clone()).unwrap();
        assert!(
            !shown.contains("SECRET") && !shown.contains(".More"),
            "{shown}"
        );
        assert!(shown.contains("remote {{ .Host }} 1\n"));
    }

    #[test]
    fn a_text_that_is_no_profile_is_not_judged() {
        let template = "server {\n  listen {{ port }};\n}\n";
        let linted = lint(
            Path::new("n.conf.j2"),
            template.as_bytes(),
            &[document(template, Syntax::Jinja2)],
            &BTreeSet::new(),
            false,
            &profile_only,
        );
        assert_eq!(linted.profiles, 0);
    }

    #[test]
    fn edits_land_in_literal_text_only() {
        let template = "dev {{ d }}\n    route-ipv6 {{ r }}\n    verb 3\n";
        let rendered = placeholder::read(template, Syntax::Jinja2);
        let at_verb = rendered.text.find("verb").unwrap();
        // An inserted line before `verb 3` takes its neighbour's indentation.
        let edit = edit_in_template(
            &rendered,
            template.as_bytes(),
            &Edit::insert(at_verb - 4, "block-ipv6\n".into()),
        );
        let route_start = rendered.text.find("route-ipv6").unwrap();
        let unknown = route_start + rendered.text[route_start..].find('\u{27EA}').unwrap();
        assert!(edit.is_ok());
        // Deleting text that a placeholder produced cannot be done in the template.
        let why = edit_in_template(
            &rendered,
            template.as_bytes(),
            &Edit::delete(route_start..unknown + 3),
        )
        .unwrap_err();
        assert!(
            why.contains("`r`, a value the repository does not give"),
            "{why}"
        );
        // A whole indented line goes with its indentation.
        let line_end = rendered.text[route_start..].find('\n').unwrap() + route_start + 1;
        let line_start = rendered.text[..route_start].rfind('\n').unwrap() + 1;
        let deleted = rendered.literal_span(line_start..line_end, template.as_bytes());
        assert!(deleted.is_err(), "the line holds a placeholder");
        let verb_line = line_end..rendered.text.len();
        let edit =
            edit_in_template(&rendered, template.as_bytes(), &Edit::delete(verb_line)).unwrap();
        assert_eq!(&template[edit.span.clone()], "    verb 3\n");
    }
}
