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

mod filters;
mod instrument;
pub mod lexer;
mod trace;
mod values;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior};

use super::ansible_vars::{VarValue, Variables};
use super::{Piece, PieceKind, Rendered};
use instrument::{Instrumented, Table};
use lexer::Whitespace;
use trace::{File, line_of};

/// How many minijinja instructions a render may run (loops, recursion, growth) before it is
/// stopped as runaway. The role fixtures and the real role templates we tried need 300 to
/// 3,000; the output is also bounded (16 MB).
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

/// How many files one render may read through includes.
const MAX_FILES: usize = 100;

/// Renders a template as Ansible would with the given variables, unknown values as the
/// linter's convention says, and the map back to the template.
pub fn render(template: &Jinja2Template<'_>) -> Result<Rendered, RenderError> {
    let error_at = |offset: Option<usize>, message: String| RenderError {
        path: template.path.to_path_buf(),
        line: offset.map(|offset| line_of(template.text, offset)),
        message,
    };
    if let Some(offset) = instrument::holds_reserved(template.text) {
        return Err(error_at(Some(offset), RESERVED.to_string()));
    }
    let header = read_header(template.text).map_err(|message| error_at(Some(0), message))?;
    let body = header.body_start..template_end(template.text, header.body_start, &header);

    // The template and everything it includes, each split into segments.
    let mut files = vec![File {
        name: template.path.display().to_string(),
        path: template.path.to_path_buf(),
        text: template.text.to_string(),
        anchor: None,
    }];
    let mut segments = vec![
        lexer::segments(template.text, body, header.whitespace)
            .map_err(|error| error_at(Some(error.offset), error.message))?,
    ];
    let mut next = 0;
    while next < files.len() {
        let file = files[next].clone();
        let references = instrument::references(&file.text, &segments[next])
            .map_err(|error| file_error(&file, error.offset, error.message))?;
        for reference in references {
            if files
                .iter()
                .skip(1)
                .any(|known| known.name == reference.name)
            {
                continue;
            }
            if files.len() >= MAX_FILES {
                return Err(file_error(
                    &file,
                    reference.tag.start,
                    format!("more than {MAX_FILES} templates are included"),
                ));
            }
            let included = (template.load_include)(&reference.name).map_err(|refusal| {
                file_error(
                    &file,
                    reference.tag.start,
                    format!("`{}` is not read: {refusal}", reference.name),
                )
            })?;
            if let Some(offset) = instrument::holds_reserved(&included.text) {
                return Err(RenderError {
                    path: included.path.clone(),
                    line: Some(line_of(&included.text, offset)),
                    message: RESERVED.to_string(),
                });
            }
            let end = template_end(&included.text, 0, &header);
            let included_segments = lexer::segments(&included.text, 0..end, header.whitespace)
                .map_err(|error| RenderError {
                    path: included.path.clone(),
                    line: Some(line_of(&included.text, error.offset)),
                    message: error.message,
                })?;
            files.push(File {
                name: reference.name.clone(),
                path: included.path,
                text: included.text,
                anchor: Some(file.anchor.clone().unwrap_or(reference.tag.clone())),
            });
            segments.push(included_segments);
        }
        next += 1;
    }

    let recorder = Arc::new(values::Recorder::default());
    let mut env = Environment::new();
    env.set_syntax(
        SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()
            .expect("the default syntax with keep_trailing_newline is valid"),
    );
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_fuel(Some(template.fuel));
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    filters::install(&mut env, recorder.clone());
    instrument::install_guards(&mut env, recorder.clone());
    let (mut used_filters, mut used_tests) = (Vec::new(), Vec::new());
    for (file, file_segments) in files.iter().zip(&segments) {
        let (filters, tests) = instrument::names_used(&file.text, file_segments);
        used_filters.extend(filters);
        used_tests.extend(tests);
    }
    for name in template.variables.names() {
        if let Some(variable) = template.variables.get(name) {
            names_in_value(
                &variable.value,
                header.whitespace,
                &mut used_filters,
                &mut used_tests,
            );
        }
    }
    used_filters.sort();
    used_filters.dedup();
    used_tests.sort();
    used_tests.dedup();
    filters::install_unknown(&mut env, &used_filters, &used_tests);

    let mut table = Table::default();
    let mut instrumented: Vec<Instrumented> = Vec::new();
    for (index, (file, file_segments)) in files.iter().zip(&segments).enumerate() {
        let rewritten = instrument::instrument(&env, index, &file.text, file_segments, &mut table)
            .map_err(|error| file_error(file, error.offset, error.message))?;
        instrumented.push(rewritten);
    }
    recorder.set_literals(
        table
            .marks
            .iter()
            .map(|mark| match mark {
                instrument::Mark::Literal { file, source } => {
                    files[*file].text[source.clone()].to_string()
                }
                instrument::Mark::Expression { .. } => String::new(),
            })
            .collect(),
    );
    let names: Vec<String> = files
        .iter()
        .enumerate()
        .map(|(index, file)| {
            if index == 0 {
                MAIN.to_string()
            } else {
                file.name.clone()
            }
        })
        .collect();
    for ((name, rewritten), file) in names.iter().zip(&instrumented).zip(&files) {
        env.add_template_owned(name.clone(), rewritten.source.clone())
            .map_err(|error| engine_error(&error, &files, &names, file))?;
    }

    let env = Arc::new(env);
    let root = values::Root::new(template.variables.clone(), env.clone(), recorder.clone());
    let output = env
        .get_template(MAIN)
        .and_then(|main| main.render(Value::from_object(root)))
        .map_err(|error| {
            let mut located = engine_error(&error, &files, &names, &files[0]);
            if error.kind() == ErrorKind::OutOfFuel {
                located.message = format!(
                    "the render was stopped after {} steps: a loop or recursion that does not end soon enough",
                    template.fuel
                );
            }
            located
        })?;
    let recorded = recorder.take();
    if let Some(error) = recorded.error {
        return Err(error);
    }
    let traced = trace::trace(&output, &table, &files, template.variables, &recorded);
    let mut rendered = Rendered {
        text: traced.text,
        pieces: traced.pieces,
        unknown_conditions: traced.unknown_conditions,
    };
    restore_trailing_newlines(&mut rendered, template.text, header.body_start);
    Ok(rendered)
}

const RESERVED: &str = "the text holds a private-use character (U+E000 to U+E002) that the \
     renderer reserves to trace its output; no profile holds one";

/// The name the template itself is registered under (one no include can write).
const MAIN: &str = "\u{0}template";

/// A `#jinja2:` first line: Ansible reads `key: value` pairs from it and drops it.
struct Header {
    whitespace: Whitespace,
    keep_trailing_newline: bool,
    body_start: usize,
}

fn read_header(text: &str) -> Result<Header, String> {
    let mut header = Header {
        whitespace: Whitespace {
            trim_blocks: true,
            lstrip_blocks: false,
        },
        keep_trailing_newline: false,
        body_start: 0,
    };
    let Some(line) = text.strip_prefix("#jinja2:") else {
        return Ok(header);
    };
    let Some(eol) = line.find('\n') else {
        return Err("the `#jinja2:` line has no newline after it".to_string());
    };
    header.body_start = "#jinja2:".len() + eol + 1;
    for pair in line[..eol].trim_end_matches('\r').split(',') {
        let Some((key, value)) = pair.split_once(':') else {
            return Err(format!(
                "`{}` in the `#jinja2:` line is not `key: value`",
                pair.trim()
            ));
        };
        if key.trim() == "newline_sequence" {
            // Ansible writes what Jinja2 outputs; only the default keeps the template's bytes.
            if matches!(value.trim(), "'\\n'" | "\"\\n\"") {
                continue;
            }
            return Err(format!(
                "`newline_sequence: {}` in the `#jinja2:` line is not supported (only '\\n' is)",
                value.trim()
            ));
        }
        let flag = match value.trim() {
            "True" => true,
            "False" => false,
            other => {
                return Err(format!(
                    "`{}: {other}` in the `#jinja2:` line: only True or False is supported",
                    key.trim()
                ));
            }
        };
        match key.trim() {
            "trim_blocks" => header.whitespace.trim_blocks = flag,
            "lstrip_blocks" => header.whitespace.lstrip_blocks = flag,
            "keep_trailing_newline" => header.keep_trailing_newline = flag,
            other => {
                return Err(format!(
                    "`{other}` in the `#jinja2:` line is not supported here (trim_blocks, lstrip_blocks and keep_trailing_newline are)"
                ));
            }
        }
    }
    Ok(header)
}

/// Where Jinja2 stops reading: before one trailing newline unless `keep_trailing_newline`.
fn template_end(text: &str, start: usize, header: &Header) -> usize {
    let end = text.len();
    if header.keep_trailing_newline || end <= start {
        return end;
    }
    if text.ends_with("\r\n") && end - 2 >= start {
        end - 2
    } else if text.ends_with('\n') || text.ends_with('\r') {
        end - 1
    } else {
        end
    }
}

/// Ansible adds back the newlines that end the template and that the render lost.
fn restore_trailing_newlines(rendered: &mut Rendered, text: &str, body_start: usize) {
    let body = &text[body_start..];
    let wanted = trailing_newlines(body);
    let have = trailing_newlines(&rendered.text);
    if wanted <= have {
        return;
    }
    let newline = text.len() - 1..text.len();
    for _ in have..wanted {
        let start = rendered.text.len();
        rendered.text.push('\n');
        rendered.pieces.push(Piece {
            rendered: start..start + 1,
            source: newline.clone(),
            kind: PieceKind::Literal,
        });
    }
}

/// Python's count of `\n` at the end (Ansible's `_count_newlines_from_end`).
fn trailing_newlines(text: &str) -> usize {
    text.bytes().rev().take_while(|&b| b == b'\n').count()
}

/// Filters and tests named by variable values that are templates.
fn names_in_value(
    value: &VarValue,
    whitespace: Whitespace,
    filters: &mut Vec<String>,
    tests: &mut Vec<String>,
) {
    match value {
        VarValue::Text(text) if values::is_template(text) => {
            if let Ok(segments) = lexer::segments(text, 0..text.len(), whitespace) {
                let (used_filters, used_tests) = instrument::names_used(text, &segments);
                filters.extend(used_filters);
                tests.extend(used_tests);
            }
        }
        VarValue::List(items) => {
            for item in items {
                names_in_value(item, whitespace, filters, tests);
            }
        }
        VarValue::Map(entries) => {
            for (key, item) in entries {
                names_in_value(key, whitespace, filters, tests);
                names_in_value(item, whitespace, filters, tests);
            }
        }
        _ => {}
    }
}

fn file_error(file: &File, offset: usize, message: String) -> RenderError {
    RenderError {
        path: file.path.clone(),
        line: Some(line_of(&file.text, offset)),
        message,
    }
}

/// A minijinja error placed in the template (or included file) it happened in; the
/// instrumented templates keep the template's line numbers.
fn engine_error(
    error: &minijinja::Error,
    files: &[File],
    names: &[String],
    fallback: &File,
) -> RenderError {
    let index = error
        .name()
        .and_then(|name| names.iter().position(|known| known == name));
    let message = match error.detail() {
        Some(detail) => format!("{}: {detail}", error.kind()),
        None => error.kind().to_string(),
    };
    let Some(index) = index else {
        return RenderError {
            path: fallback.path.clone(),
            line: None,
            message,
        };
    };
    RenderError {
        path: files[index].path.clone(),
        line: error.line(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::ansible_vars::VarSource;

    fn no_includes(name: &str) -> Result<Included, String> {
        Err(format!("no template `{name}` in this test"))
    }

    fn render_with(text: &str, vars: &str) -> Result<Rendered, RenderError> {
        let variables = Variables::layered(&[VarSource::File {
            path: Path::new("defaults/main.yml"),
            text: vars,
        }])
        .unwrap();
        render(&Jinja2Template {
            path: Path::new("templates/server.conf.j2"),
            text,
            variables: &variables,
            load_include: &no_includes,
            fuel: DEFAULT_FUEL,
        })
    }

    #[test]
    fn smoke() {
        let rendered = render_with(
            "port {{ port }}\n{% if ipv6 %}\nserver-ipv6 {{ net }}\n{% endif %}\nproto {{ proto | default('udp') }}\n",
            "port: 1194\nipv6: yes\n",
        )
        .unwrap();
        assert_eq!(
            rendered.text,
            "port 1194\nserver-ipv6 \u{27EA}net\u{27EB}\nproto udp\n"
        );
        eprintln!("{:#?}", rendered.pieces);
    }
}
