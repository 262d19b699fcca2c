//! Terraform templates rendered with what the repository knows: the heredocs and quoted strings
//! of a `.tf` file with their module's values, and `templatefile` targets with the `VARS` map
//! of each call.
//!
//! Values, as Terraform gives them: `var.*` take their defaults, in a root module overridden by
//! `terraform.tfvars`, `terraform.tfvars.json`, then `*.auto.tfvars(.json)` in lexical order
//! (never in a child module, whose variables take the literal arguments of the `module` block
//! that calls it, else their defaults); `local.*` their literal values; a `templatefile`
//! template sees only its `VARS` map. Anything else is unknown: one word, conditions on it are
//! false, loops over it run no iteration. Pure: the caller reads the files.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::hcl::{self, Form, Token};
use super::placeholder::names_in;
use super::{Origin, Piece, PieceKind, Rendered, UnknownCondition, unknown_word};

/// A value Terraform knows before it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    String(String),
    Number(String),
    Bool(bool),
    List(Vec<Value>),
}

impl Value {
    /// As `${…}` writes it; a list is not text (Terraform refuses to interpolate one).
    fn text(&self) -> Option<String> {
        match self {
            Value::String(s) | Value::Number(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::List(_) => None,
        }
    }
}

/// A known value and where it was set.
#[derive(Debug, Clone, PartialEq)]
pub struct Known {
    pub value: Value,
    pub origin: Origin,
}

/// The names a template can use, with their values where the repository gives them: `var.x`,
/// `local.x` in a module; the keys of `VARS` in a `templatefile` template. A name in `names`
/// without a value is declared but unknown.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub values: HashMap<String, Known>,
}

impl Scope {
    fn get(&self, name: &str) -> Option<&Known> {
        self.values.get(name)
    }
}

/// Where an expression's text sits, for values' origins.
pub struct Place<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

impl Place<'_> {
    fn origin(&self, name: &str, at: usize) -> Origin {
        Origin {
            name: name.to_owned(),
            path: self.path.to_path_buf(),
            line: Some(hcl::line_of(self.text.as_bytes(), at)),
        }
    }
}

/// The literal value of an expression (`"text"`, `1194`, `true`, `["a", "b"]`), or a
/// reference to a known value in `scope`.
pub fn evaluate(expr: &str, scope: &Scope) -> Option<Value> {
    let expr = expr.trim();
    match expr {
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        _ => {}
    }
    if !expr.is_empty()
        && expr.starts_with(|c: char| c.is_ascii_digit() || c == '-')
        && expr.parse::<f64>().is_ok()
    {
        return Some(Value::Number(expr.to_owned()));
    }
    if let Some(inner) = expr.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
        if inner.contains("${") || inner.contains("%{") {
            return None;
        }
        return Some(Value::String(unquote(inner)));
    }
    if let Some(inner) = expr.strip_prefix('[').and_then(|e| e.strip_suffix(']')) {
        return split_top_level(inner, ',')
            .into_iter()
            .filter(|item| !item.trim().is_empty())
            .map(|item| evaluate(item, scope))
            .collect::<Option<Vec<Value>>>()
            .map(Value::List);
    }
    let is_reference = expr
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if is_reference {
        return scope.get(expr).map(|known| known.value.clone());
    }
    None
}

fn unquote(inner: &str) -> String {
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out.replace("$${", "${").replace("%%{", "%{")
}

/// Splits at `separator` outside brackets and strings.
fn split_top_level(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quote = false;
    let mut escaped = false;
    let mut start = 0;
    for (at, c) in text.char_indices() {
        if quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quote = false;
            }
            continue;
        }
        match c {
            '"' => quote = true,
            '[' | '{' | '(' => depth += 1,
            ']' | '}' | ')' => depth -= 1,
            _ if c == separator && depth == 0 => {
                parts.push(&text[start..at]);
                start = at + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// The entries of an object constructor `{ a = 1, b = var.x }`: each key with its expression
/// and the expression's offset in `text`. `None` when `expr` is not one.
pub fn object_entries(expr: &str) -> Option<Vec<(String, Range<usize>)>> {
    let trimmed_start = expr.len() - expr.trim_start().len();
    let body = expr.trim();
    let inner = body.strip_prefix('{')?.strip_suffix('}')?;
    let base = trimmed_start + 1;
    let mut entries = Vec::new();
    let mut offset = 0;
    for line in split_top_level(inner, '\n') {
        for entry in split_top_level(line, ',') {
            let entry_at = base + offset + (entry.as_ptr() as usize - line.as_ptr() as usize);
            let Some(eq) = entry.find(['=', ':']) else {
                continue;
            };
            let key = entry[..eq].trim().trim_matches('"');
            if key.is_empty() {
                continue;
            }
            let value = &entry[eq + 1..];
            let value_start = entry_at + eq + 1 + (value.len() - value.trim_start().len());
            let value_end = value_start + value.trim().len();
            entries.push((key.to_owned(), value_start..value_end));
        }
        offset += line.len() + 1;
    }
    Some(entries)
}

/// The most text a template may render: a profile is a few kilobytes; more is a loop that
/// runs away (nested `%{ for }` over long lists).
pub const MAX_RENDERED: usize = 1 << 20;

/// Renders a template of `file` (its `content`, read as `form`) with `scope`; a render that
/// grows past [`MAX_RENDERED`] is stopped and reported with the line of its template's start.
pub fn render(
    file: &str,
    content: Range<usize>,
    form: Form,
    scope: &Scope,
) -> Result<Rendered, String> {
    let start = content.start;
    let tokens = hcl::tokens(file, content, form);
    let mut out = Output {
        file,
        rendered: Rendered::default(),
        overflow: false,
    };
    out.tokens(&tokens, scope);
    if out.overflow {
        return Err(format!(
            "line {}: the template renders more than {} KiB (a loop that runs away?); it was \
             not judged",
            hcl::line_of(file.as_bytes(), start),
            MAX_RENDERED / 1024
        ));
    }
    Ok(out.rendered)
}

struct Output<'a> {
    file: &'a str,
    rendered: Rendered,
    /// The text grew past [`MAX_RENDERED`]: nothing more is rendered.
    overflow: bool,
}

impl Output<'_> {
    fn push(&mut self, text: &str, source: Range<usize>, kind: PieceKind) {
        if text.is_empty() || self.overflow {
            return;
        }
        if self.rendered.text.len() + text.len() > MAX_RENDERED {
            self.overflow = true;
            return;
        }
        let start = self.rendered.text.len();
        self.rendered.text.push_str(text);
        let end = self.rendered.text.len();
        if kind == PieceKind::Literal
            && let Some(last) = self.rendered.pieces.last_mut()
            && last.kind == PieceKind::Literal
            && last.source.end == source.start
        {
            last.source.end = source.end;
            last.rendered.end = end;
            return;
        }
        self.rendered.pieces.push(Piece {
            rendered: start..end,
            source,
            kind,
        });
    }

    fn tokens(&mut self, tokens: &[Token], scope: &Scope) {
        let mut index = 0;
        while index < tokens.len() {
            match &tokens[index] {
                Token::Literal(segments) => {
                    for segment in segments {
                        match segment {
                            hcl::Segment::Copied(range) => {
                                let text = &self.file[range.clone()];
                                self.push(text, range.clone(), PieceKind::Literal);
                            }
                            hcl::Segment::Escape { source, text } => {
                                let kind = PieceKind::Value {
                                    origin: Origin {
                                        name: self.file[source.clone()].to_owned(),
                                        path: PathBuf::new(),
                                        line: None,
                                    },
                                };
                                self.push(text, source.clone(), kind);
                            }
                        }
                    }
                    index += 1;
                }
                Token::Interpolation(tag) => {
                    let expr = &self.file[tag.inner.clone()];
                    match scope
                        .get(expr.trim())
                        .and_then(|k| k.value.text().map(|t| (t, k.origin.clone())))
                        .or_else(|| {
                            // A literal in the template itself: `${"x"}`.
                            evaluate(expr, &Scope::default())
                                .and_then(|v| v.text())
                                .map(|t| {
                                    (
                                        t,
                                        Origin {
                                            name: expr.to_owned(),
                                            path: PathBuf::new(),
                                            line: None,
                                        },
                                    )
                                })
                        }) {
                        Some((text, origin)) => {
                            self.push(&text, tag.span.clone(), PieceKind::Value { origin });
                        }
                        None => {
                            let word = unknown_word(expr);
                            self.push(
                                &word,
                                tag.span.clone(),
                                PieceKind::Unknown {
                                    name: expr.to_owned(),
                                },
                            );
                        }
                    }
                    index += 1;
                }
                Token::Directive(tag) => {
                    let text = self.file[tag.inner.clone()].trim().to_owned();
                    let keyword = text.split_whitespace().next().unwrap_or_default();
                    let end = matching_end(tokens, index, self.file);
                    match keyword {
                        "if" => {
                            let condition = text["if".len()..].trim();
                            let (then, otherwise) = split_else(tokens, index + 1, end, self.file);
                            match condition_value(condition, scope) {
                                Some(true) => self.tokens(&tokens[then], scope),
                                Some(false) => {
                                    if let Some(otherwise) = otherwise {
                                        self.tokens(&tokens[otherwise], scope);
                                    }
                                }
                                None => {
                                    self.rendered.unknown_conditions.push(UnknownCondition {
                                        source: tag.span.clone(),
                                        names: names_in(condition),
                                    });
                                    if let Some(otherwise) = otherwise {
                                        self.tokens(&tokens[otherwise], scope);
                                    }
                                }
                            }
                        }
                        "for" => {
                            let spec = text["for".len()..].trim();
                            let body = index + 1..end;
                            match spec.split_once(" in ") {
                                Some((names, list)) => {
                                    let names: Vec<&str> =
                                        names.split(',').map(str::trim).collect();
                                    match evaluate(list, scope) {
                                        Some(Value::List(items)) => {
                                            let origin =
                                                scope.get(list.trim()).map(|k| k.origin.clone());
                                            for (i, item) in items.into_iter().enumerate() {
                                                if self.overflow {
                                                    break;
                                                }
                                                let mut inner = scope.clone();
                                                let name =
                                                    names.last().copied().unwrap_or_default();
                                                let item_origin =
                                                    origin.clone().unwrap_or(Origin {
                                                        name: list.trim().to_owned(),
                                                        path: PathBuf::new(),
                                                        line: None,
                                                    });
                                                inner.values.insert(
                                                    name.to_owned(),
                                                    Known {
                                                        value: item,
                                                        origin: Origin {
                                                            name: format!(
                                                                "{}[{i}]",
                                                                item_origin.name
                                                            ),
                                                            ..item_origin
                                                        },
                                                    },
                                                );
                                                if names.len() == 2 {
                                                    inner.values.insert(
                                                        names[0].to_owned(),
                                                        Known {
                                                            value: Value::Number(i.to_string()),
                                                            origin: Origin {
                                                                name: names[0].to_owned(),
                                                                path: PathBuf::new(),
                                                                line: None,
                                                            },
                                                        },
                                                    );
                                                }
                                                let from = self.rendered.pieces.len();
                                                self.tokens(&tokens[body.clone()], &inner);
                                                // A loop's body is never edited: the loop
                                                // may run another number of times.
                                                let tag_text =
                                                    self.file[tag.span.clone()].to_owned();
                                                for piece in &mut self.rendered.pieces[from..] {
                                                    if piece.kind == PieceKind::Literal {
                                                        piece.kind = PieceKind::Value {
                                                            origin: Origin {
                                                                name: tag_text.clone(),
                                                                path: PathBuf::new(),
                                                                line: None,
                                                            },
                                                        };
                                                    }
                                                }
                                            }
                                        }
                                        _ => self.rendered.unknown_conditions.push(
                                            UnknownCondition {
                                                source: tag.span.clone(),
                                                names: names_in(list),
                                            },
                                        ),
                                    }
                                }
                                None => self.rendered.unknown_conditions.push(UnknownCondition {
                                    source: tag.span.clone(),
                                    names: names_in(spec),
                                }),
                            }
                        }
                        _ => {}
                    }
                    index = end + 1;
                }
            }
        }
    }
}

fn keyword_of<'a>(token: &Token, file: &'a str) -> Option<&'a str> {
    match token {
        Token::Directive(tag) => file[tag.inner.clone()].split_whitespace().next(),
        _ => None,
    }
}

/// The index of the `endif`/`endfor` closing the directive at `open` (the end when none).
fn matching_end(tokens: &[Token], open: usize, file: &str) -> usize {
    let mut depth = 0;
    for (index, token) in tokens.iter().enumerate().skip(open) {
        match keyword_of(token, file) {
            Some("if" | "for") => depth += 1,
            Some("endif" | "endfor") => {
                depth -= 1;
                if depth == 0 {
                    return index;
                }
            }
            _ => {}
        }
    }
    tokens.len()
}

/// The `then` tokens and the `else` tokens of an `if` whose body is `start..end`.
fn split_else(
    tokens: &[Token],
    start: usize,
    end: usize,
    file: &str,
) -> (Range<usize>, Option<Range<usize>>) {
    let mut depth = 0;
    for index in start..end.min(tokens.len()) {
        match keyword_of(&tokens[index], file) {
            Some("if" | "for") => depth += 1,
            Some("endif" | "endfor") => depth -= 1,
            Some("else") if depth == 0 => {
                return (start..index, Some(index + 1..end.min(tokens.len())));
            }
            _ => {}
        }
    }
    (start..end.min(tokens.len()), None)
}

/// A condition's value where its inputs are known: `x`, `!x`, `a == b`, `a != b`, `a && b`,
/// `a || b`.
fn condition_value(condition: &str, scope: &Scope) -> Option<bool> {
    let condition = condition.trim();
    if let Some(inner) = condition
        .strip_prefix('(')
        .and_then(|c| c.strip_suffix(')'))
    {
        return condition_value(inner, scope);
    }
    for (operator, is_and) in [("||", false), ("&&", true)] {
        let parts = split_top_level_str(condition, operator);
        if parts.len() > 1 {
            let values: Vec<Option<bool>> =
                parts.iter().map(|p| condition_value(p, scope)).collect();
            return if is_and {
                if values.contains(&Some(false)) {
                    Some(false)
                } else {
                    values
                        .into_iter()
                        .collect::<Option<Vec<bool>>>()
                        .map(|_| true)
                }
            } else if values.contains(&Some(true)) {
                Some(true)
            } else {
                values
                    .into_iter()
                    .collect::<Option<Vec<bool>>>()
                    .map(|_| false)
            };
        }
    }
    for (operator, equal) in [("==", true), ("!=", false)] {
        if let Some((left, right)) = condition.split_once(operator) {
            let (left, right) = (evaluate(left, scope)?, evaluate(right, scope)?);
            let same = match (&left, &right) {
                (Value::Number(a), Value::Number(b)) => {
                    a.parse::<f64>().ok() == b.parse::<f64>().ok()
                }
                _ => left == right,
            };
            return Some(same == equal);
        }
    }
    if let Some(inner) = condition.strip_prefix('!') {
        return condition_value(inner, scope).map(|v| !v);
    }
    match evaluate(condition, scope)? {
        Value::Bool(b) => Some(b),
        Value::String(s) if s == "true" || s == "false" => Some(s == "true"),
        _ => None,
    }
}

fn split_top_level_str<'a>(text: &'a str, operator: &str) -> Vec<&'a str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quote = false;
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        if quote {
            if b == b'"' {
                quote = false;
            }
        } else if b == b'"' {
            quote = true;
        } else if b == b'(' {
            depth += 1;
        } else if b == b')' {
            depth -= 1;
        } else if depth == 0 && text[at..].starts_with(operator) {
            parts.push(&text[start..at]);
            at += operator.len();
            start = at;
            continue;
        }
        at += 1;
    }
    parts.push(&text[start..]);
    parts
}

/// The values of a module's folder, from its `.tf` files (`variable` defaults, `locals`) and,
/// for a root module, its tfvars files (already in Terraform's order); for a child module,
/// `arguments` are the literal arguments of the `module` block that calls it.
pub fn module_scope(
    tf_files: &[(PathBuf, String)],
    tfvars: &[(PathBuf, String)],
    arguments: Option<&Scope>,
) -> Scope {
    let mut scope = Scope::default();
    let mut locals = Vec::new();
    for (path, text) in tf_files {
        let Ok(parsed) = hcl::parse(text) else {
            continue;
        };
        let place = Place { path, text };
        for block in &parsed.body.blocks {
            match (block.kind.as_str(), block.labels.as_slice()) {
                ("variable", [name]) => {
                    let key = format!("var.{name}");
                    if let Some(value) = arguments.and_then(|a| a.get(name)) {
                        scope.values.insert(key, value.clone());
                        continue;
                    }
                    if let Some(default) =
                        block.body.attributes.iter().find(|a| a.name == "default")
                        && let Some(value) =
                            evaluate(&text[default.expr.clone()], &Scope::default())
                    {
                        scope.values.insert(
                            key.clone(),
                            Known {
                                value,
                                origin: place.origin(&key, default.expr.start),
                            },
                        );
                    }
                }
                ("locals", []) => {
                    for attribute in &block.body.attributes {
                        locals.push((path, text, attribute.clone()));
                    }
                }
                _ => {}
            }
        }
    }
    if arguments.is_none() {
        for (path, text) in tfvars {
            for (name, value, at) in tfvars_values(path, text) {
                let key = format!("var.{name}");
                if scope.values.contains_key(&key) || declared(tf_files, &name) {
                    let place = Place { path, text };
                    scope.values.insert(
                        key.clone(),
                        Known {
                            value,
                            origin: place.origin(&key, at),
                        },
                    );
                }
            }
        }
    }
    // Locals may refer to variables and to each other: a few rounds settle them.
    for _ in 0..4 {
        for (path, text, attribute) in &locals {
            let key = format!("local.{}", attribute.name);
            if scope.values.contains_key(&key) {
                continue;
            }
            if let Some(value) = evaluate(&text[attribute.expr.clone()], &scope) {
                let place = Place { path, text };
                scope.values.insert(
                    key.clone(),
                    Known {
                        value,
                        origin: place.origin(&key, attribute.expr.start),
                    },
                );
            }
        }
    }
    scope
}

fn declared(tf_files: &[(PathBuf, String)], name: &str) -> bool {
    let needle = format!("variable \"{name}\"");
    tf_files.iter().any(|(_, text)| text.contains(&needle))
}

/// A tfvars file's assignments: HCL (`name = value`) or JSON (`{"name": value}`).
fn tfvars_values(path: &Path, text: &str) -> Vec<(String, Value, usize)> {
    if path.extension().is_some_and(|e| e == "json") {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text)
        else {
            return Vec::new();
        };
        return map
            .into_iter()
            .filter_map(|(name, value)| {
                let at = text.find(&format!("\"{name}\"")).unwrap_or(0);
                json_value(&value).map(|v| (name, v, at))
            })
            .collect();
    }
    let Ok(parsed) = hcl::parse(text) else {
        return Vec::new();
    };
    parsed
        .body
        .attributes
        .iter()
        .filter_map(|a| {
            evaluate(&text[a.expr.clone()], &Scope::default())
                .map(|v| (a.name.clone(), v, a.expr.start))
        })
        .collect()
}

fn json_value(value: &serde_json::Value) -> Option<Value> {
    match value {
        serde_json::Value::String(s) => Some(Value::String(s.clone())),
        serde_json::Value::Number(n) => Some(Value::Number(n.to_string())),
        serde_json::Value::Bool(b) => Some(Value::Bool(*b)),
        serde_json::Value::Array(items) => items
            .iter()
            .map(json_value)
            .collect::<Option<Vec<_>>>()
            .map(Value::List),
        _ => None,
    }
}

/// The tfvars files of a root module's folder, in the order Terraform reads them (later ones
/// win): `terraform.tfvars`, `terraform.tfvars.json`, then `*.auto.tfvars` and
/// `*.auto.tfvars.json` in lexical order of their names.
pub fn tfvars_order(names: &[String]) -> Vec<String> {
    let mut ordered = Vec::new();
    for fixed in ["terraform.tfvars", "terraform.tfvars.json"] {
        if names.iter().any(|n| n == fixed) {
            ordered.push(fixed.to_owned());
        }
    }
    let mut auto: Vec<String> = names
        .iter()
        .filter(|n| n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json"))
        .cloned()
        .collect();
    auto.sort();
    ordered.extend(auto);
    ordered
}

/// The scope a `templatefile` call gives its template: the keys of its `VARS` object, each
/// with its value where the caller's module knows it.
pub fn call_scope(caller: &Place<'_>, vars: Option<Range<usize>>, module: &Scope) -> Scope {
    let mut scope = Scope::default();
    let Some(vars) = vars else {
        return scope;
    };
    let expr = &caller.text[vars.clone()];
    let Some(entries) = object_entries(expr) else {
        return scope;
    };
    for (key, value_range) in entries {
        let value_text = &expr[value_range.clone()];
        if let Some(value) = evaluate(value_text, module) {
            let origin = match module.get(value_text.trim()) {
                Some(known) => known.origin.clone(),
                None => caller.origin(&key, vars.start + value_range.start),
            };
            scope.values.insert(key, Known { value, origin });
        }
    }
    scope
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(pairs: &[(&str, Value)]) -> Scope {
        Scope {
            values: pairs
                .iter()
                .map(|(name, value)| {
                    (
                        (*name).to_owned(),
                        Known {
                            value: value.clone(),
                            origin: Origin {
                                name: (*name).to_owned(),
                                path: PathBuf::from("variables.tf"),
                                line: Some(1),
                            },
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn known_values_render_and_unknown_ones_are_one_word() {
        let file = "client\nport ${port}\nremote ${host} ${port}\n";
        let values = scope(&[("port", Value::Number("1194".into()))]);
        let rendered = render(file, 0..file.len(), Form::Heredoc, &values).unwrap();
        assert_eq!(
            rendered.text,
            format!("client\nport 1194\nremote {} 1194\n", unknown_word("host"))
        );
        assert!(matches!(rendered.pieces[1].kind, PieceKind::Value { .. }));
        assert_eq!(&file[rendered.pieces[1].source.clone()], "${port}");
    }

    #[test]
    fn conditions_and_loops_are_evaluated_where_their_inputs_are_known() {
        let file = "a\n%{ if ipv6 ~}\nroute-ipv6 2000::/3\n%{ else ~}\nblock-ipv6\n%{ endif ~}\n%{ for r in routes ~}\nroute ${r}\n%{ endfor ~}\nz\n";
        let known = scope(&[
            ("ipv6", Value::Bool(true)),
            (
                "routes",
                Value::List(vec![Value::String("x".into()), Value::String("y".into())]),
            ),
        ]);
        let rendered = render(file, 0..file.len(), Form::Heredoc, &known).unwrap();
        assert_eq!(
            rendered.text,
            "a\nroute-ipv6 2000::/3\nroute x\nroute y\nz\n"
        );
        assert!(rendered.unknown_conditions.is_empty());
        let unknown = render(file, 0..file.len(), Form::Heredoc, &Scope::default()).unwrap();
        assert_eq!(unknown.text, "a\nblock-ipv6\nz\n");
        assert_eq!(unknown.unknown_conditions.len(), 2);
        assert_eq!(
            condition_value(
                "var.mode == \"full\"",
                &scope(&[("var.mode", Value::String("full".into()))])
            ),
            Some(true)
        );
        assert_eq!(
            condition_value("!x && y", &scope(&[("x", Value::Bool(true))])),
            Some(false)
        );
    }

    #[test]
    fn a_render_that_runs_away_is_stopped() {
        let file = "x\n%{ for a in l ~}\n%{ for b in l ~}\n%{ for c in l ~}\n%{ for d in l ~}\nroute-ipv6 2000::/3\n%{ endfor ~}\n%{ endfor ~}\n%{ endfor ~}\n%{ endfor ~}\n";
        let list = Value::List((0..100).map(|i| Value::Number(i.to_string())).collect());
        let error = render(file, 0..file.len(), Form::Heredoc, &scope(&[("l", list)])).unwrap_err();
        assert_eq!(
            error,
            "line 1: the template renders more than 1024 KiB (a loop that runs away?); it was not \
             judged"
        );
    }

    #[test]
    fn module_values_follow_terraforms_precedence() {
        let variables = (
            PathBuf::from("m/variables.tf"),
            "variable \"port\" {\n  default = 1194\n}\nvariable \"proto\" {\n  default = \"udp\"\n}\nlocals {\n  remote = var.proto\n}\n".to_owned(),
        );
        let tfvars = vec![
            (
                PathBuf::from("m/terraform.tfvars"),
                "port = 443\nproto = \"tcp\"\n".to_owned(),
            ),
            (
                PathBuf::from("m/b.auto.tfvars.json"),
                "{\"port\": 8443}".to_owned(),
            ),
        ];
        let root = module_scope(std::slice::from_ref(&variables), &tfvars, None);
        assert_eq!(
            root.get("var.port").unwrap().value,
            Value::Number("8443".into())
        );
        assert_eq!(
            root.get("var.proto").unwrap().value,
            Value::String("tcp".into())
        );
        assert_eq!(
            root.get("local.remote").unwrap().value,
            Value::String("tcp".into())
        );
        assert_eq!(
            root.get("var.port").unwrap().origin.path,
            PathBuf::from("m/b.auto.tfvars.json")
        );
        // A child module takes its caller's arguments, never tfvars.
        let arguments = scope(&[("proto", Value::String("udp6".into()))]);
        let child = module_scope(&[variables], &tfvars, Some(&arguments));
        assert_eq!(
            child.get("var.port").unwrap().value,
            Value::Number("1194".into())
        );
        assert_eq!(
            child.get("var.proto").unwrap().value,
            Value::String("udp6".into())
        );
        assert_eq!(
            tfvars_order(&[
                "b.auto.tfvars".into(),
                "terraform.tfvars.json".into(),
                "a.auto.tfvars.json".into(),
                "terraform.tfvars".into(),
            ]),
            [
                "terraform.tfvars",
                "terraform.tfvars.json",
                "a.auto.tfvars.json",
                "b.auto.tfvars"
            ]
        );
    }

    #[test]
    fn templatefile_vars_come_from_the_call() {
        let caller = "x = templatefile(\"c.tftpl\", {\n  port = var.port\n  host = \"vpn.example\"\n  other = aws_x.y.id\n})\n";
        let parsed = hcl::parse(caller).unwrap();
        let call = &parsed.calls[0];
        let module = scope(&[("var.port", Value::Number("1194".into()))]);
        let place = Place {
            path: Path::new("main.tf"),
            text: caller,
        };
        let vars = call_scope(&place, call.vars.clone(), &module);
        assert_eq!(
            vars.get("port").unwrap().value,
            Value::Number("1194".into())
        );
        assert_eq!(
            vars.get("host").unwrap().value,
            Value::String("vpn.example".into())
        );
        assert_eq!(vars.get("host").unwrap().origin.line, Some(3));
        assert!(vars.get("other").is_none());
    }
}
