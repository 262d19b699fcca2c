//! Jinja2 templates rendered as Ansible's `template` module renders them, with a map from every
//! rendered byte back to the template.
//!
//! Rendering uses `minijinja` (by Jinja2's author) with Ansible's settings: `trim_blocks` on, the
//! `#jinja2:` first-line header honoured, Ansible's trailing-newline rule, Python's way of
//! printing values (`True`, `['a', 'b']`), Ansible's `bool`, `default`, `ternary` filters and
//! `truthy`/`falsy` tests. minijinja keeps no map from output to template, so, as sqlfluff's
//! `JinjaTracer` does, the template is first split here into literal text and tags
//! ([`lexer`]), every literal slice and every `{{ }}` is framed by private markers
//! ([`instrument`]), and the markers are read back out of the output into [`Piece`]s
//! ([`trace`]).
//!
//! A value the [`Variables`] do not give is unknown ([`values`]): printed as
//! [`unknown_word`](super::unknown_word), a condition that depends on it is false (whatever its
//! form) and recorded, a loop over it runs no iteration, and an expression that uses it, or uses a
//! filter or test this renderer does not implement, is unknown as a whole. Ansible itself fails
//! on undefined variables; this is the linter's documented convention.

pub mod lexer;

use std::fmt;
use std::path::{Path, PathBuf};

use super::Rendered;
use super::ansible_vars::Variables;

/// How many minijinja instructions a render may run (loops, recursion, growth) before it is
/// stopped as runaway. Real profiles need a few thousand.
pub const DEFAULT_FUEL: u64 = 1_000_000;

/// A template to render and what it may read.
pub struct Jinja2Template<'a> {
    /// The template file, for messages and [`Origin`](super::Origin)s.
    pub path: &'a Path,
    pub text: &'a str,
    /// The role's variables, layered by [`Variables::layered`].
    pub variables: &'a Variables,
    /// Reads a template named by `{% include %}`, `{% import %}`, `{% from %}` or
    /// `{% extends %}`, as written in the tag. The caller resolves the name (an Ansible role
    /// looks in its `templates/` folder) and refuses, with a message, a path that leaves the
    /// repository; the refusal becomes a [`RenderError`] at the tag's line.
    pub load_include: &'a dyn Fn(&str) -> Result<Included, String>,
    /// See [`DEFAULT_FUEL`].
    pub fuel: u64,
}

/// A template read for an include.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Included {
    pub path: PathBuf,
    pub text: String,
}

/// A template that cannot be rendered: a syntax error, an include refused or missing, a render
/// that ran out of fuel, a variable whose value loops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError {
    /// The file at fault (the template, an included template, or a variables file).
    pub path: PathBuf,
    /// 1-based.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for RenderError {}

/// Renders a template as Ansible would with the given variables, unknown values as the
/// linter's convention says, and the map back to the template.
pub fn render(template: &Jinja2Template<'_>) -> Result<Rendered, RenderError> {
    let _ = template;
    unimplemented!("jinja2: api only; the renderer follows")
}
