//! Templates: profiles written inside another language (a Terraform heredoc or `templatefile`
//! template, a Jinja2 template of an Ansible role), rendered with the values the repository
//! gives, with a map from every byte of the rendered profile back to the template.
//!
//! A renderer turns a template into a [`Rendered`]: the profile text the linter judges, and the
//! [`Piece`]s that say which bytes of the template produced each part of it. Spans go through the
//! map once, when a finding is reported or a fix is applied, so findings point at the template's
//! own lines and fixes edit only [`PieceKind::Literal`] text.
//!
//! A value the repository does not give is *unknown*: it is rendered as one word made by
//! [`unknown_word`] (never split, never judged as an address, never counted as missing), a
//! condition that depends on one is taken as false and recorded in
//! [`Rendered::unknown_conditions`], and a loop over one runs no iteration.

pub mod ansible;
pub mod ansible_vars;
pub mod detect;
pub mod document;
pub mod hcl;
pub mod jinja2;
pub mod placeholder;
pub mod repository;
pub mod shell;
pub mod terraform;

use std::ops::Range;
use std::path::PathBuf;

/// Whether a Jinja2 file read placeholder-only (every placeholder unknown, every control line
/// dropped) reads as a profile ([`crate::model::Profile::reads_as_profile`]).
fn placeholder_reading_is_profile(path: &std::path::Path, text: &str) -> bool {
    if !repository::may_hold_profile(text, hcl::Form::Heredoc) {
        return false;
    }
    let rendered = placeholder::read(text, placeholder::Syntax::Jinja2);
    let no_includes = |_: &std::path::Path| Err(std::io::Error::other("not read"));
    crate::model::load(path, rendered.text.into_bytes(), &no_includes).reads_as_profile()
}

/// A rendered profile and where each of its bytes came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// The profile text, as OpenVPN would read it once the template is rendered.
    pub text: String,
    /// Ordered and contiguous: the first starts at 0, each starts where the one before ends, the
    /// last ends at `text.len()`. A template byte may produce several pieces (a loop body).
    pub pieces: Vec<Piece>,
    /// Conditions (`{% if %}`, `%{ if }`) taken as false because they depend on unknown values.
    pub unknown_conditions: Vec<UnknownCondition>,
}

/// A run of rendered bytes and the template bytes that produced them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Bytes of [`Rendered::text`].
    pub rendered: Range<usize>,
    /// Bytes of the template file: for a literal, the same text; for a value, the whole
    /// placeholder (`{{ port }}`, `${var.port}`).
    pub source: Range<usize>,
    pub kind: PieceKind,
}

/// What a piece of rendered text is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PieceKind {
    /// Copied byte for byte from the template (after the template language's own whitespace
    /// rules): an edit inside it can be made in the template.
    Literal,
    /// The value of a placeholder that the repository gives.
    Value { origin: Origin },
    /// A placeholder whose value the repository does not give; its text is [`unknown_word`].
    Unknown { name: String },
}

/// The profiles a template file renders, what was said while reading it (a `templatefile`
/// target outside the repository), or why it cannot be read (with its line).
pub fn render(
    path: &std::path::Path,
    text: &[u8],
    language: detect::Language,
    repository: &repository::Repository,
    role: &ansible::RoleSettings<'_>,
) -> Result<repository::Read, String> {
    let text = std::str::from_utf8(text).map_err(|e| {
        let line = memchr::memchr_iter(b'\n', &text[..e.valid_up_to()]).count() + 1;
        format!("line {line}: not valid UTF-8, so it cannot be read as a template")
    })?;
    let documents = match language {
        detect::Language::Terraform => return repository.terraform_file(path, text),
        detect::Language::Shell => shell::documents(text),
        detect::Language::Placeholders(placeholder::Syntax::Jinja2) => {
            let root = repository.repository_of(path);
            match ansible::render(path, text, &root, role) {
                Ok(documents) => documents,
                // A template that is not about OpenVPN is never reported, even when broken
                // (a README in a `templates/` folder): only one whose placeholder-only reading
                // reads as a profile is.
                Err(_) if !placeholder_reading_is_profile(path, text) => Vec::new(),
                Err(why) => return Err(why),
            }
        }
        detect::Language::Placeholders(syntax) => {
            let called = (syntax == placeholder::Syntax::Dollar)
                .then(|| repository.templatefile_target(path, text))
                .flatten()
                .transpose()?;
            called.unwrap_or_else(|| {
                vec![document::Document {
                    rendered: placeholder::read(text, syntax),
                    fixes_refused: None,
                }]
            })
        }
    };
    Ok(repository::Read {
        documents,
        warnings: Vec::new(),
    })
}

impl Rendered {
    /// A rendered text that is the template itself, byte for byte (a plain profile).
    pub fn literal(text: String) -> Self {
        let len = text.len();
        Self {
            pieces: if len == 0 {
                Vec::new()
            } else {
                vec![Piece {
                    rendered: 0..len,
                    source: 0..len,
                    kind: PieceKind::Literal,
                }]
            },
            text,
            unknown_conditions: Vec::new(),
        }
    }

    /// The template bytes that produced `span` of the rendered text, for reports: text from a
    /// placeholder points at the whole placeholder.
    pub fn source_span(&self, span: Range<usize>) -> Range<usize> {
        let Some(first) = self.piece_at(span.start) else {
            return 0..0;
        };
        let start = first.source_of(span.start, false);
        if span.end <= span.start {
            return start..start;
        }
        let last = self.piece_at(span.end - 1).unwrap_or(first);
        let end = last.source_of(span.end, true);
        if end < start {
            // A loop repeats template bytes: stay within the first piece.
            return start..first.source.end.max(start);
        }
        start..end
    }

    /// Where an edit of `span` of the rendered text goes in the template, or why it cannot:
    /// only text copied once from the template (not a value, nor a loop body) can be edited,
    /// and the template bytes skipped between its pieces must be whitespace the template
    /// language strips (a `<<-` heredoc's indentation).
    pub fn literal_span(
        &self,
        span: Range<usize>,
        template: &[u8],
    ) -> Result<Range<usize>, String> {
        let copied_once = |piece: &Piece| {
            self.pieces
                .iter()
                .filter(|other| {
                    other.source.start < piece.source.end.max(piece.source.start + 1)
                        && piece.source.start < other.source.end.max(other.source.start + 1)
                })
                .count()
                == 1
        };
        let check = |piece: &Piece| -> Result<(), String> {
            match &piece.kind {
                PieceKind::Literal if copied_once(piece) => Ok(()),
                PieceKind::Literal => {
                    Err("the text is repeated by a loop of the template".to_owned())
                }
                PieceKind::Value { origin } if origin.name.starts_with("%{ for") => Err(format!(
                    "the text is the body of `{}`, a loop of the template",
                    origin.name
                )),
                PieceKind::Value { origin } => Err(format!(
                    "the text comes from the value of `{}`, not from the template's own text",
                    origin.name
                )),
                PieceKind::Unknown { name } => Err(format!(
                    "the text comes from `{name}`, a value the repository does not give"
                )),
            }
        };
        if span.start >= span.end {
            // An insertion goes before the piece that starts there when that piece starts a
            // line of the template (whatever the piece is: the text before a placeholder is
            // not the placeholder), else inside a literal piece, else after the last piece
            // when no template syntax follows it (after a loop's body is inside the loop).
            let at = span.start;
            let starts_line =
                |source: usize| source == 0 || template.get(source - 1) == Some(&b'\n');
            if let Some(next) = self.pieces.iter().find(|p| p.rendered.start == at)
                && (starts_line(next.source.start) || matches!(next.kind, PieceKind::Literal))
            {
                if matches!(next.kind, PieceKind::Literal) {
                    check(next)?;
                }
                return Ok(next.source.start..next.source.start);
            }
            if let Some(inside) = self
                .pieces
                .iter()
                .find(|p| p.rendered.start < at && at < p.rendered.end)
            {
                check(inside)?;
                let at = inside.source.start + (at - inside.rendered.start);
                return Ok(at..at);
            }
            let last = self
                .pieces
                .last()
                .filter(|p| p.rendered.end == at)
                .ok_or_else(|| "the template renders no text here".to_owned())?;
            check(last)?;
            let rest = template.get(last.source.end..).unwrap_or_default();
            let rest = &rest[rest.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
            if closes_a_block(rest) {
                return Err("the place is inside a block of the template".to_owned());
            }
            return Ok(last.source.end..last.source.end);
        }
        let first = self.piece_index(span.start);
        let last = self.piece_index(span.end - 1);
        let mut previous_end: Option<usize> = None;
        for piece in &self.pieces[first..=last] {
            check(piece)?;
            if let Some(end) = previous_end {
                let between = template.get(end..piece.source.start).unwrap_or_default();
                if piece.source.start < end || !between.iter().all(u8::is_ascii_whitespace) {
                    return Err(
                        "the text spans template syntax that the edit would break".to_owned()
                    );
                }
            }
            previous_end = Some(piece.source.end);
        }
        let start =
            self.pieces[first].source.start + (span.start - self.pieces[first].rendered.start);
        let end = self.pieces[last].source.start + (span.end - self.pieces[last].rendered.start);
        Ok(start..end)
    }

    fn piece_index(&self, at: usize) -> usize {
        self.pieces
            .partition_point(|p| p.rendered.start <= at)
            .saturating_sub(1)
    }

    /// The piece holding rendered byte `at` (the last piece for the end of the text).
    fn piece_at(&self, at: usize) -> Option<&Piece> {
        self.pieces.get(self.piece_index(at))
    }
}

/// Whether a template text starts with a tag that closes or divides a block (`%{ endfor }`,
/// `{% else %}`, `{{- end }}`): text just before it is inside that block.
fn closes_a_block(text: &[u8]) -> bool {
    let Some(rest) = [&b"%{"[..], b"{%", b"{{"]
        .iter()
        .find_map(|open| text.strip_prefix(*open))
    else {
        return false;
    };
    let start = rest
        .iter()
        .position(|b| !matches!(b, b'~' | b'-' | b' ' | b'\t'))
        .unwrap_or(rest.len());
    let word = &rest[start..];
    word.starts_with(b"end") || word.starts_with(b"else") || word.starts_with(b"elif")
}

impl Piece {
    /// The template byte for rendered byte `at` of this piece; `end` when it closes a span.
    fn source_of(&self, at: usize, end: bool) -> usize {
        match self.kind {
            PieceKind::Literal => {
                (self.source.start + at.saturating_sub(self.rendered.start)).min(self.source.end)
            }
            _ if end => self.source.end,
            _ => self.source.start,
        }
    }
}

/// Where a value came from: the file and line that set it, and the name it was set under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The name in the template language (`port`, `var.port`, `local.cidr`).
    pub name: String,
    /// The file that set it (a role's `defaults/main.yml`, `variables.tf`, `terraform.tfvars`).
    pub path: PathBuf,
    /// The 1-based line that set it, when the reader knows it.
    pub line: Option<usize>,
}

/// A condition taken as false because it depends on values the repository does not give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCondition {
    /// The condition's tag in the template (`{% if use_ipv6 %}`).
    pub source: Range<usize>,
    /// The unknown names it depends on.
    pub names: Vec<String>,
}

/// The word an unknown value renders as: one word for OpenVPN's tokenizer (no whitespace, quote,
/// backslash, `#` or `;`), recognisable by [`is_unknown_word`], and readable in `--inspect`.
pub fn unknown_word(name: &str) -> String {
    let readable: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{UNKNOWN_OPEN}{readable}{UNKNOWN_CLOSE}")
}

/// Whether a word holds an unknown value (alone or glued to literal text: `⟪net⟫/64`).
pub fn is_unknown_word(word: &str) -> bool {
    word.contains(UNKNOWN_OPEN)
}

/// The names of the unknown values in a word (`⟪a⟫/⟪b⟫` → `a`, `b`), as [`unknown_word`] wrote
/// them.
pub fn unknown_names(word: &str) -> impl Iterator<Item = &str> {
    word.split(UNKNOWN_OPEN)
        .skip(1)
        .filter_map(|rest| rest.split_once(UNKNOWN_CLOSE).map(|(name, _)| name))
}

/// Whether a text may hold an unknown word: the cheap byte check before looking at words.
pub fn may_hold_unknown_word(text: &[u8]) -> bool {
    // U+27EA is E2 9F AA in UTF-8; E2 is rare in a profile, so memchr finds it fast.
    memchr::memchr_iter(0xE2, text).any(|at| text[at..].starts_with(&[0xE2, 0x9F, 0xAA]))
}

/// Brackets that no OpenVPN option uses, so an unknown value never reads as a known one.
const UNKNOWN_OPEN: char = '\u{27EA}';
const UNKNOWN_CLOSE: char = '\u{27EB}';

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_word_is_one_word_whatever_the_placeholder_says() {
        let word = unknown_word("x | default(\"a b\") # c; d");
        assert!(is_unknown_word(&word));
        assert!(
            !word.contains(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '\\' | '#' | ';'))
        );
        assert_eq!(unknown_word("net"), "\u{27EA}net\u{27EB}");
        let glued = format!("{}/{}", unknown_word("a"), unknown_word("b.c"));
        assert_eq!(unknown_names(&glued).collect::<Vec<_>>(), ["a", "b.c"]);
    }
}
