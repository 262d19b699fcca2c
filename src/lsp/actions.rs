//! Code actions: each finding's fix (a safe one is a preferred `quickfix`; an unsafe one says
//! so in its title), "suppress this rule on this line" (the comment `--add-suppressions`
//! writes), and `source.fixAll.ovpn6-lint`, every safe fix applied until the text is stable —
//! the same fixer as `--fix`.

use std::collections::HashMap;

use gen_lsp_types::{
    CodeAction, CodeActionKind, CodeActionResponse, Diagnostic as LspDiagnostic, Position, Range,
    TextEdit, Uri, WorkspaceEdit,
};

use super::text::{Encoding, LineIndex};
use crate::add_suppressions;
use crate::diagnostic::{Applicability, Edit};
use crate::workspace::Linted;

/// The kind of the action that applies every safe fix.
pub const FIX_ALL: &str = "source.fixAll.ovpn6-lint";

/// The actions for the findings that touch `range` (bytes of the document), of the kinds
/// `only` asks for. `fixed_text` works out the whole document with every safe fix applied
/// (`None`: nothing to fix); it is called only when that action is wanted.
pub fn code_actions(
    uri: &Uri,
    linted: &Linted,
    shown: &[LspDiagnostic],
    range: std::ops::Range<usize>,
    only: Option<&[CodeActionKind]>,
    encoding: Encoding,
    fixed_text: impl FnOnce() -> Option<Vec<u8>>,
) -> Vec<CodeActionResponse> {
    let text = linted.profile.top().text();
    let index = LineIndex::new(text);
    let wanted = |kind: &str| {
        only.is_none_or(|only| {
            only.iter().any(|o| {
                let o = o.as_str();
                kind == o || kind.starts_with(&format!("{o}."))
            })
        })
    };
    let edit = |edits: &[Edit]| {
        let edits = edits
            .iter()
            .map(|e| TextEdit::new(index.range(text, &e.span, encoding), e.replacement.clone()))
            .collect();
        WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), edits)])),
            ..WorkspaceEdit::default()
        }
    };
    let mut actions = Vec::new();
    if wanted("quickfix") {
        for (finding, diagnostic) in linted.diagnostics.iter().zip(shown) {
            let span = &finding.loc.span;
            if finding.loc.source != 0 || span.start > range.end || range.start > span.end {
                continue;
            }
            if let Some(fix) = &finding.fix
                && !fix.edits.is_empty()
                && fix.applicability != Applicability::DisplayOnly
            {
                let safe = fix.applicability == Applicability::Safe;
                let title = if safe {
                    format!("{} ({})", capitalised(&fix.description), finding.rule)
                } else {
                    format!(
                        "{} ({}, unsafe: review it)",
                        capitalised(&fix.description),
                        finding.rule
                    )
                };
                actions.push(action(
                    title,
                    CodeActionKind::QuickFix,
                    Some(diagnostic.clone()),
                    safe,
                    edit(&fix.edits),
                ));
            }
            // Suppression comments are not written into templates (as `--add-suppressions`).
            let added = match &linted.template_sources {
                None => add_suppressions::add(&linted.profile, std::slice::from_ref(finding), None),
                Some(_) => add_suppressions::Added::default(),
            };
            if !added.edits.is_empty() {
                actions.push(action(
                    format!("Suppress `{}` on this line", finding.rule),
                    CodeActionKind::QuickFix,
                    Some(diagnostic.clone()),
                    false,
                    edit(&added.edits),
                ));
            }
        }
    }
    if wanted(FIX_ALL)
        && linted.diagnostics.iter().any(|d| d.fixable(false))
        && let Some(fixed) = fixed_text()
        && fixed != text
    {
        let whole = Range::new(
            Position::new(0, 0),
            index.position(text, text.len(), encoding),
        );
        let edits = vec![TextEdit::new(
            whole,
            String::from_utf8_lossy(&fixed).into_owned(),
        )];
        actions.push(action(
            "Fix every safe ovpn6-lint finding".to_owned(),
            CodeActionKind::new(FIX_ALL),
            None,
            false,
            WorkspaceEdit {
                changes: Some(HashMap::from([(uri.clone(), edits)])),
                ..WorkspaceEdit::default()
            },
        ));
    }
    actions
}

fn action(
    title: String,
    kind: CodeActionKind,
    diagnostic: Option<LspDiagnostic>,
    preferred: bool,
    edit: WorkspaceEdit,
) -> CodeActionResponse {
    CodeAction::new(
        title,
        Some(kind),
        diagnostic.map(|d| vec![d]),
        preferred.then_some(true),
        None,
        Some(edit),
        None,
        None,
        None,
    )
    .into()
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
