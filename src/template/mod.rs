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

pub mod ansible_vars;
pub mod jinja2;

use std::ops::Range;
use std::path::PathBuf;

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
    }
}
