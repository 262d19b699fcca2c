//! What a rule reports: a [`Diagnostic`] at a place, with an optional [`Fix`] made of plain
//! [`Edit`]s and an [`Applicability`].

use serde::Serialize;

use crate::model::Loc;
use crate::syntax::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "note" => Some(Severity::Note),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// How safe a fix is to apply without a person looking at it. Ordered from least to most safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Shown as help, never applied.
    DisplayOnly,
    /// Applied with `--unsafe-fixes`: it may change what the profile does beyond the finding.
    Unsafe,
    /// Applied by `--fix`.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::DisplayOnly => "display-only",
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "display-only" => Some(Applicability::DisplayOnly),
            "unsafe" => Some(Applicability::Unsafe),
            "safe" => Some(Applicability::Safe),
            _ => None,
        }
    }
}

/// Replace the bytes of `span` in the top-level file with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

impl Edit {
    pub fn insert(at: usize, text: String) -> Self {
        Self {
            span: at..at,
            replacement: text,
        }
    }

    pub fn delete(span: Span) -> Self {
        Self {
            span,
            replacement: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, in the imperative ("insert `route-ipv6 3000::/4`").
    pub description: String,
    pub applicability: Applicability,
    /// Non-overlapping, sorted by start; empty for a display-only suggestion.
    pub edits: Vec<Edit>,
}

/// A secondary place that explains the finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub loc: Loc,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub loc: Loc,
    /// Says what is wrong at `loc`, under the caret.
    pub label: String,
    pub labels: Vec<Label>,
    /// Why this matters (the rule's `why`, first paragraph).
    pub note: Option<std::sync::Arc<str>>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    pub fn fixable(&self, with_unsafe: bool) -> bool {
        self.fix.as_ref().is_some_and(|fix| {
            !fix.edits.is_empty()
                && match fix.applicability {
                    Applicability::Safe => true,
                    Applicability::Unsafe => with_unsafe,
                    Applicability::DisplayOnly => false,
                }
        })
    }
}
