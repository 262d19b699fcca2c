//! Reads the private markers back out of an instrumented render: the rendered text, and the
//! [`Piece`]s that say which template bytes produced each part of it.

use std::ops::Range;
use std::path::PathBuf;

use super::instrument::{MARK_CLOSE, MARK_ID_END, MARK_OPEN, Mark, Table};
use super::values::Recorded;
use crate::template::ansible_vars::Variables;
use crate::template::{Origin, Piece, PieceKind, UnknownCondition, is_unknown_word, unknown_word};

/// A template file of the render: the template itself (index 0) or one it includes.
#[derive(Debug, Clone)]
pub(super) struct File {
    /// The name as written in the including tag (or the template's path).
    pub name: String,
    pub path: PathBuf,
    pub text: String,
    /// For an included file, the tag in the template that (through any chain) includes it:
    /// every piece it produces points there.
    pub anchor: Option<Range<usize>>,
}

/// The traced output of a render.
#[derive(Debug, Default)]
pub(super) struct Traced {
    pub text: String,
    pub pieces: Vec<Piece>,
    pub unknown_conditions: Vec<UnknownCondition>,
}

/// Splits `output` at its markers into pieces.
pub(super) fn trace(
    output: &str,
    table: &Table,
    files: &[File],
    variables: &Variables,
    recorded: &Recorded,
) -> Traced {
    let mut traced = Traced::default();
    // Output of an included file produced inside a `{{ }}` of the template (a macro of an
    // imported file) points at that `{{ }}`; other output of an included file, at the tag that
    // includes it.
    let anchor = |file: &File, stack: &[usize]| -> Option<Range<usize>> {
        file.anchor.as_ref()?;
        let called_from = stack
            .iter()
            .rev()
            .find_map(|id| match table.marks.get(*id) {
                Some(Mark::Expression { file: 0, tag, .. }) => Some(tag.clone()),
                _ => None,
            });
        called_from.or_else(|| file.anchor.clone())
    };
    for (stack, text) in runs(output) {
        let mark = stack.last().copied();
        let (source, kind, text) = match mark.and_then(|id| table.marks.get(id)) {
            Some(Mark::Literal { file, source }) => {
                let file = &files[*file];
                let file_anchor = anchor(file, &stack);
                let copied = file.text.get(source.clone()) == Some(text.as_str());
                match &file_anchor {
                    None if copied => (source.clone(), PieceKind::Literal, text),
                    anchor => {
                        let origin = Origin {
                            name: file.name.clone(),
                            path: file.path.clone(),
                            line: Some(line_of(&file.text, source.start)),
                        };
                        let source = anchor.clone().unwrap_or_else(|| source.clone());
                        (source, PieceKind::Value { origin }, text)
                    }
                }
            }
            Some(Mark::Expression {
                file,
                tag,
                expression,
                reads,
            }) => {
                let file = &files[*file];
                let source = anchor(file, &stack).unwrap_or_else(|| tag.clone());
                if is_unknown_word(&text) {
                    let name = recorded
                        .words
                        .get(&text)
                        .cloned()
                        .unwrap_or_else(|| expression.clone());
                    let word = unknown_word(&name);
                    (source, PieceKind::Unknown { name }, word)
                } else {
                    let origin = reads
                        .iter()
                        .find_map(|name| variables.get(name))
                        .map(|variable| variable.origin.clone())
                        .unwrap_or_else(|| Origin {
                            name: expression.clone(),
                            path: file.path.clone(),
                            line: Some(line_of(&file.text, tag.start)),
                        });
                    (source, PieceKind::Value { origin }, text)
                }
            }
            None => {
                let origin = Origin {
                    name: "template output".to_string(),
                    path: files[0].path.clone(),
                    line: None,
                };
                (0..0, PieceKind::Value { origin }, text)
            }
        };
        if text.is_empty() {
            continue;
        }
        let start = traced.text.len();
        traced.text.push_str(&text);
        traced.pieces.push(Piece {
            rendered: start..traced.text.len(),
            source,
            kind,
        });
    }
    for (id, names) in &recorded.conditions {
        let Some((file, tag)) = table.conditions.get(*id) else {
            continue;
        };
        let source = files[*file].anchor.clone().unwrap_or_else(|| tag.clone());
        match traced
            .unknown_conditions
            .iter_mut()
            .find(|condition| condition.source == source)
        {
            Some(condition) => {
                for name in names {
                    if !condition.names.contains(name) {
                        condition.names.push(name.clone());
                    }
                }
            }
            None => traced.unknown_conditions.push(UnknownCondition {
                source,
                names: names.clone(),
            }),
        }
    }
    traced
        .unknown_conditions
        .sort_by_key(|condition| (condition.source.start, condition.source.end));
    traced
}

/// The output split into runs of text, each with the marks open around it (innermost last).
fn runs(output: &str) -> Vec<(Vec<usize>, String)> {
    let mut runs: Vec<(Vec<usize>, String)> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut chars = output.chars();
    while let Some(c) = chars.next() {
        match c {
            MARK_OPEN => {
                let mut id = 0usize;
                for digit in chars.by_ref() {
                    if digit == MARK_ID_END {
                        break;
                    }
                    // A marker is only ever written by the instrumenter; anything else here
                    // (a value built from these characters) reads as no mark, never a panic.
                    id = id
                        .saturating_mul(10)
                        .saturating_add(digit.to_digit(10).unwrap_or(0) as usize);
                }
                stack.push(id);
                runs.push((stack.clone(), String::new()));
            }
            MARK_CLOSE => {
                stack.pop();
                runs.push((stack.clone(), String::new()));
            }
            c => match runs.last_mut() {
                Some((_, text)) => text.push(c),
                None => runs.push((Vec::new(), c.to_string())),
            },
        }
    }
    runs.retain(|(_, text)| !text.is_empty());
    runs
}

/// The 1-based line of a byte offset.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
