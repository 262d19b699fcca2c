//! Rewrites a template so that its output can be traced and its unknown values handled:
//! every literal slice and every `{{ }}` is framed by private markers that carry an id into a
//! table of [`Mark`]s, whitespace markers are removed (the lexer has already applied them), and
//! each expression is guarded: when a name it reads is unknown, `{% if %}`/`{% elif %}` is
//! false (and recorded), `{% for %}` iterates nothing, and `{{ }}`/`{% set %}` give an unknown
//! value — without running the expression, so no filter or operator ever sees an unknown value.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;
use std::sync::Arc;

use minijinja::value::{Rest, Value};
use minijinja::{Environment, State};

use super::lexer::Segment;
use super::values::{Recorder, unknown, unknown_name};

/// Opens a traced piece: followed by the decimal id of its [`Mark`] and [`MARK_ID_END`].
pub(super) const MARK_OPEN: char = '\u{E000}';
pub(super) const MARK_ID_END: char = '\u{E001}';
/// Closes the innermost open piece.
pub(super) const MARK_CLOSE: char = '\u{E002}';

/// Whether a text holds a character the tracer reserves for its markers (private-use
/// characters no profile holds); such a template or value is refused rather than mistraced.
pub(super) fn holds_reserved(text: &str) -> Option<usize> {
    text.find([MARK_OPEN, MARK_ID_END, MARK_CLOSE])
}

const KNOWN: &str = "__ovpn6_known";
const UNKNOWN: &str = "__ovpn6_unknown";
const CONDITION: &str = "__ovpn6_condition";
const MISSING: &str = "__ovpn6_missing";
const LITERAL: &str = "__ovpn6_literal";

/// What produced a traced piece of output.
#[derive(Debug, Clone)]
pub(super) enum Mark {
    /// Literal template text: `source` in file `file`.
    Literal { file: usize, source: Range<usize> },
    /// A `{{ }}` tag: `tag` in file `file`; `expression` as written; `reads` the variables it
    /// reads, in order, seen through `{% for %}`/`{% set %}` bindings.
    Expression {
        file: usize,
        tag: Range<usize>,
        expression: String,
        reads: Vec<String>,
    },
}

/// A template rewritten for tracing. Each tag starts on the line it starts on in the template
/// (empty comments carry the newlines), so minijinja's error lines are the template's.
#[derive(Debug, Default)]
pub(super) struct Instrumented {
    pub source: String,
    /// 1-based line the end of `source` is on.
    line: usize,
}

impl Instrumented {
    /// Pads with newlines (in a comment) up to the line of `offset` in the template.
    fn reach(&mut self, template: &str, offset: usize) {
        if self.line == 0 {
            self.line = 1;
        }
        let line = super::trace::line_of(template, offset);
        if line > self.line {
            self.source.push_str("{#");
            for _ in self.line..line {
                self.source.push('\n');
            }
            self.source.push_str("#}");
            self.line = line;
        }
    }

    fn push(&mut self, text: &str) {
        self.line = self.line.max(1) + text.bytes().filter(|&b| b == b'\n').count();
        self.source.push_str(text);
    }
}

/// A template that names another one (`{% include 'x.j2' %}`).
#[derive(Debug, Clone)]
pub(super) struct Reference {
    pub name: String,
    pub tag: Range<usize>,
}

/// A tag this module cannot rewrite.
#[derive(Debug, Clone)]
pub(super) struct TagError {
    pub offset: usize,
    pub message: String,
}

/// Everything the instrumenter learns about the templates of one render.
#[derive(Debug, Default)]
pub(super) struct Table {
    pub marks: Vec<Mark>,
    /// Condition ids: the file and the tag of each `{% if %}`/`{% elif %}`/`{% for %}`.
    pub conditions: Vec<(usize, Range<usize>)>,
}

/// The filters and tests named by the tags of `source`, as registered (dotted names mangled).
pub(super) fn names_used(source: &str, segments: &[Segment]) -> (Vec<String>, Vec<String>) {
    let mut filters = Vec::new();
    let mut tests = Vec::new();
    for segment in segments {
        let inner = match segment {
            Segment::Expression { inner, .. } | Segment::Statement { inner, .. } => inner,
            Segment::Text(_) => continue,
        };
        let scanned = scan(&source[inner.clone()]);
        filters.extend(scanned.filters);
        tests.extend(scanned.tests);
    }
    (filters, tests)
}

/// The include-like references of a template.
pub(super) fn references(source: &str, segments: &[Segment]) -> Result<Vec<Reference>, TagError> {
    let mut references = Vec::new();
    for segment in segments {
        let Segment::Statement { tag, inner } = segment else {
            continue;
        };
        let text = source[inner.clone()].trim();
        let keyword = first_word(text);
        if !matches!(keyword, "include" | "import" | "from" | "extends") {
            continue;
        }
        let rest = text[keyword.len()..].trim_start();
        match string_literal(rest) {
            Some(name) => references.push(Reference {
                name,
                tag: tag.clone(),
            }),
            None => {
                return Err(TagError {
                    offset: tag.start,
                    message: format!(
                        "`{{% {keyword} %}}` names its template with an expression; only a quoted name can be followed"
                    ),
                });
            }
        }
    }
    Ok(references)
}

/// Rewrites the segments of file `file` into an instrumented template, adding its marks and
/// conditions to `table`. `env` must already know every filter and test the file names.
pub(super) fn instrument(
    env: &Environment<'static>,
    file: usize,
    source: &str,
    segments: &[Segment],
    table: &mut Table,
) -> Result<Instrumented, TagError> {
    let mut out = Instrumented::default();
    let mut bindings: HashMap<String, Vec<String>> = HashMap::new();
    let mut blocks: Vec<Block> = Vec::new();
    // Open block tags (keyword, offset), so that a block left open is reported at its tag.
    let mut open: Vec<(String, usize)> = Vec::new();
    for segment in segments {
        match segment {
            Segment::Text(range) => {
                let id = table.marks.len();
                table.marks.push(Mark::Literal {
                    file,
                    source: range.clone(),
                });
                // Literal text goes through a function, so that the output it adds is counted
                // against the render's size bound like the output of expressions.
                out.reach(source, range.start);
                out.push(&format!("{{{{ {LITERAL}({id}) }}}}"));
            }
            Segment::Expression { tag, inner } => {
                let text = &source[inner.clone()];
                let guard = Guard::new(env, text, tag.start)?;
                let id = table.marks.len();
                table.marks.push(Mark::Expression {
                    file,
                    tag: tag.clone(),
                    expression: text.trim().to_string(),
                    reads: through_bindings(&guard.reads, &bindings),
                });
                out.reach(source, tag.start);
                out.push(&format!(
                    "{MARK_OPEN}{id}{MARK_ID_END}{{{{ {} }}}}{MARK_CLOSE}",
                    guard.value(&guard.rewritten)
                ));
            }
            Segment::Statement { tag, inner } => {
                let text = source[inner.clone()].trim();
                let mut rewritten =
                    rewrite_statement(env, text, tag, file, table, &mut bindings, &mut blocks)?;
                track_blocks(text, &mut rewritten, &mut blocks);
                match_blocks(source, text, tag.start, &mut open)?;
                out.reach(source, tag.start);
                out.push(&format!("{{% {rewritten} %}}"));
            }
        }
    }
    if let Some((keyword, offset)) = open.pop() {
        return Err(TagError {
            offset,
            message: format!(
                "`{{% {keyword} %}}` is not closed: no `{{% end{keyword} %}}` follows"
            ),
        });
    }
    Ok(out)
}

/// Checks that each `{% end… %}` closes the innermost open block.
fn match_blocks(
    source: &str,
    text: &str,
    offset: usize,
    open: &mut Vec<(String, usize)>,
) -> Result<(), TagError> {
    let keyword = first_word(text);
    let opens = matches!(
        keyword,
        "for" | "if" | "macro" | "call" | "filter" | "block" | "with" | "autoescape"
    ) || (keyword == "set"
        && !tokens(text)
            .iter()
            .any(|t| t.depth == 0 && t.text(text) == "="));
    if opens {
        open.push((keyword.to_string(), offset));
        return Ok(());
    }
    let Some(closed) = keyword.strip_prefix("end") else {
        return Ok(());
    };
    match open.pop() {
        Some((opened, _)) if opened == closed => Ok(()),
        Some((opened, at)) => Err(TagError {
            offset,
            message: format!(
                "`{{% {keyword} %}}` does not close the `{{% {opened} %}}` on line {}",
                super::trace::line_of(source, at)
            ),
        }),
        None => Err(TagError {
            offset,
            message: format!("`{{% {keyword} %}}` closes no open block"),
        }),
    }
}

/// The functions the rewritten tags call.
pub(super) fn install_guards(env: &mut Environment<'static>, recorder: Arc<Recorder>) {
    env.add_function(KNOWN, |args: Rest<Value>| unknown_names(&args).is_empty());
    env.add_function(UNKNOWN, |args: Rest<Value>| {
        match unknown_names(&args).into_iter().next() {
            Some(name) => unknown(name),
            None => Value::UNDEFINED,
        }
    });
    let conditions = recorder.clone();
    env.add_function(CONDITION, move |id: usize, args: Rest<Value>| {
        let names = unknown_names(&args);
        if names.is_empty() {
            true
        } else {
            conditions.condition(id, names);
            false
        }
    });
    env.add_function(MISSING, |_: &State, label: String| unknown(label));
    let literals = recorder.clone();
    env.add_function(LITERAL, move |id: usize| {
        let text = literals.literal(id);
        Value::from(format!("{MARK_OPEN}{id}{MARK_ID_END}{text}{MARK_CLOSE}"))
    });
}

/// An expression or statement with dotted filter and test names mangled as registered.
pub(super) fn mangle_names(text: &str) -> String {
    scan(text).rewritten
}

/// The label of a registered filter or test name (dotted names are mangled to register them).
pub(super) fn display_name(registered: &str) -> String {
    registered.replace(DOT, ".")
}

const DOT: &str = "__";

/// From `("name", value, "name", value…)`: the names whose values are unknown or undefined.
fn unknown_names(args: &[Value]) -> Vec<String> {
    let mut names = Vec::new();
    for pair in args.chunks(2) {
        let [name, value] = pair else { continue };
        let name = match unknown_name(value) {
            Some(unknown) => unknown.to_string(),
            None if value.is_undefined() => name.as_str().unwrap_or_default().to_string(),
            None => continue,
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The guard of one expression: the names it reads (a name read only through `| default` is
/// not one: an unknown value there takes the default) and the filters and tests it names that
/// this renderer does not implement.
struct Guard {
    rewritten: String,
    reads: Vec<String>,
    args: String,
}

impl Guard {
    fn new(env: &Environment<'static>, text: &str, offset: usize) -> Result<Guard, TagError> {
        let scanned = scan(text);
        let compiled = env
            .compile_expression(scanned.rewritten.as_str())
            .map_err(|error| TagError {
                offset,
                message: error
                    .detail()
                    .map_or_else(|| error.to_string(), str::to_string),
            })?;
        let mut reads: Vec<String> = compiled.undeclared_variables(false).into_iter().collect();
        reads.sort_by_key(|name| (first_use(text, name), name.clone()));
        let mut args = String::new();
        for name in &reads {
            if scanned.defaulted.contains(name) {
                continue;
            }
            let _ = write!(args, ", \"{name}\", {name}");
        }
        let unimplemented = scanned
            .filters
            .iter()
            .any(|name| !super::filters::implements_filter(name))
            || scanned
                .tests
                .iter()
                .any(|name| !super::filters::implements_test(name));
        if unimplemented {
            let label = quote(text.trim());
            let _ = write!(args, ", {label}, {MISSING}({label})");
        }
        Ok(Guard {
            rewritten: scanned.rewritten,
            reads,
            args: args.trim_start_matches(", ").to_string(),
        })
    }

    /// `expression`, or the unknown value it reads.
    fn value(&self, expression: &str) -> String {
        if self.args.is_empty() {
            return format!("({expression})");
        }
        format!(
            "(({expression}) if {KNOWN}({args}) else {UNKNOWN}({args}))",
            args = self.args
        )
    }

    /// The condition `expression`, false and recorded as condition `id` when it reads an
    /// unknown value.
    fn condition(&self, id: usize, expression: &str) -> String {
        let args = if self.args.is_empty() {
            String::new()
        } else {
            format!(", {}", self.args)
        };
        format!("{CONDITION}({id}{args}) and ({expression})")
    }
}

/// An open block tag, as far as rewriting needs to know.
enum Block {
    /// A `{% for %}` over a value that may be unknown: its `{% else %}` (run when the loop runs
    /// no iteration) must not run when the value is unknown.
    For {
        guard_args: String,
        in_else: bool,
    },
    Other,
}

/// Keeps the stack of open blocks, and guards the `{% else %}` of a loop.
fn track_blocks(text: &str, rewritten: &mut String, blocks: &mut Vec<Block>) {
    let keyword = first_word(text);
    match keyword {
        "if" | "macro" | "call" | "filter" | "block" | "with" | "autoescape" => {
            blocks.push(Block::Other)
        }
        "set"
            if !tokens(text)
                .iter()
                .any(|t| t.depth == 0 && t.text(text) == "=") =>
        {
            blocks.push(Block::Other)
        }
        "else" => {
            if let Some(Block::For {
                guard_args,
                in_else,
            }) = blocks.last_mut()
                && !guard_args.is_empty()
            {
                *in_else = true;
                *rewritten = format!("else %}}{{% if {KNOWN}({guard_args})");
            }
        }
        "endfor" => {
            if let Some(Block::For { in_else: true, .. }) = blocks.last() {
                *rewritten = "endif %}{% endfor".to_string();
            }
            blocks.pop();
        }
        _ if keyword.starts_with("end") => {
            blocks.pop();
        }
        _ => {}
    }
}

fn rewrite_statement(
    env: &Environment<'static>,
    text: &str,
    tag: &Range<usize>,
    file: usize,
    table: &mut Table,
    bindings: &mut HashMap<String, Vec<String>>,
    blocks: &mut Vec<Block>,
) -> Result<String, TagError> {
    let keyword = first_word(text);
    let rest = text[keyword.len()..].trim_start();
    let mut condition_id = || {
        table.conditions.push((file, tag.clone()));
        table.conditions.len() - 1
    };
    Ok(match keyword {
        "if" | "elif" => {
            let guard = Guard::new(env, rest, tag.start)?;
            format!(
                "{keyword} {}",
                guard.condition(condition_id(), &guard.rewritten)
            )
        }
        "for" => {
            let tokens = tokens(rest);
            let Some(in_at) = tokens
                .iter()
                .find(|token| token.depth == 0 && token.text(rest) == "in")
                .map(|token| token.range.clone())
            else {
                return Err(TagError {
                    offset: tag.start,
                    message: "`{% for %}` without `in`".to_string(),
                });
            };
            let targets = &rest[..in_at.start];
            let after = &rest[in_at.end..];
            let after_tokens = tokens_from(rest, in_at.end);
            let filter_at = after_tokens
                .iter()
                .find(|token| token.depth == 0 && token.text(rest) == "if")
                .map(|token| token.range.start - in_at.end);
            let recursive_at = after_tokens
                .iter()
                .rev()
                .find(|token| token.depth == 0 && token.text(rest) == "recursive")
                .map(|token| token.range.start - in_at.end);
            let iterable_end = filter_at.or(recursive_at).unwrap_or(after.len());
            let iterable = &after[..iterable_end];
            let id = condition_id();
            let guard = Guard::new(env, iterable, tag.start)?;
            blocks.push(Block::For {
                guard_args: guard.args.clone(),
                in_else: false,
            });
            let reads = through_bindings(&guard.reads, bindings);
            for target in identifiers(targets) {
                bindings.insert(target, reads.clone());
            }
            let iterable = format!(
                "(({}) if {CONDITION}({id}{}) else [])",
                guard.rewritten,
                if guard.args.is_empty() {
                    String::new()
                } else {
                    format!(", {}", guard.args)
                }
            );
            let mut rewritten = format!("for {} in {iterable}", targets.trim());
            if let Some(filter_at) = filter_at {
                let filter_end = recursive_at
                    .filter(|&at| at > filter_at)
                    .unwrap_or(after.len());
                let filter = &after[filter_at + 2..filter_end];
                let filter_guard = Guard::new(env, filter, tag.start)?;
                let _ = write!(
                    rewritten,
                    " if {}",
                    filter_guard.condition(id, &filter_guard.rewritten)
                );
            }
            if recursive_at.is_some() {
                rewritten.push_str(" recursive");
            }
            rewritten
        }
        "set" => {
            let tokens = tokens(rest);
            match tokens
                .iter()
                .find(|token| token.depth == 0 && token.text(rest) == "=")
            {
                Some(equals) => {
                    let targets = &rest[..equals.range.start];
                    let value = &rest[equals.range.end..];
                    let guard = Guard::new(env, value, tag.start)?;
                    let reads = through_bindings(&guard.reads, bindings);
                    for target in identifiers(targets) {
                        bindings.insert(target, reads.clone());
                    }
                    format!("set {} = {}", targets.trim(), guard.value(&guard.rewritten))
                }
                None => format!("set {}", scan(rest).rewritten),
            }
        }
        _ => {
            let scanned = scan(rest);
            if scanned.rewritten.is_empty() {
                keyword.to_string()
            } else {
                format!("{keyword} {}", scanned.rewritten)
            }
        }
    })
}

/// Names read, with loop and `set` targets replaced by what they were bound from.
fn through_bindings(reads: &[String], bindings: &HashMap<String, Vec<String>>) -> Vec<String> {
    let mut resolved = Vec::new();
    for name in reads {
        match bindings.get(name) {
            Some(sources) => resolved.extend(sources.iter().cloned()),
            None => resolved.push(name.clone()),
        }
    }
    let mut seen = HashSet::new();
    resolved.retain(|name| seen.insert(name.clone()));
    resolved
}

fn first_use(text: &str, name: &str) -> usize {
    tokens(text)
        .iter()
        .find(|token| token.text(text) == name)
        .map_or(usize::MAX, |token| token.range.start)
}

fn first_word(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The text of a leading `'…'` or `"…"` literal.
fn string_literal(text: &str) -> Option<String> {
    let quote = text.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
    let mut value = String::new();
    let mut chars = text[1..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => value.push(chars.next()?),
            c if c == quote => return Some(value),
            c => value.push(c),
        }
    }
    None
}

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn identifiers(text: &str) -> Vec<String> {
    tokens(text)
        .iter()
        .map(|token| token.text(text))
        .filter(|word| word.starts_with(|c: char| c.is_alphabetic() || c == '_'))
        .map(str::to_string)
        .collect()
}

/// One token of an expression: a string literal, a name, a number, or one punctuation byte.
#[derive(Debug, Clone)]
struct Token {
    range: Range<usize>,
    /// Bracket depth before the token.
    depth: usize,
}

impl Token {
    fn text<'a>(&self, source: &'a str) -> &'a str {
        &source[self.range.clone()]
    }
}

fn tokens(text: &str) -> Vec<Token> {
    tokens_from(text, 0)
}

fn tokens_from(text: &str, start: usize) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut depth = 0usize;
    let mut at = start;
    while at < bytes.len() {
        let byte = bytes[at];
        let begin = at;
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' => {
                at += 1;
                continue;
            }
            b'\'' | b'"' => {
                at += 1;
                while at < bytes.len() && bytes[at] != byte {
                    if bytes[at] == b'\\' {
                        at += 1;
                    }
                    at += 1;
                }
                at = (at + 1).min(bytes.len());
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'0'..=b'9' | 0x80.. => {
                while at < bytes.len()
                    && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_' || bytes[at] >= 0x80)
                {
                    at += 1;
                }
            }
            b'=' if bytes.get(at + 1) == Some(&b'=') => at += 2,
            b'!' | b'<' | b'>' if bytes.get(at + 1) == Some(&b'=') => at += 2,
            _ => at += 1,
        }
        let token_depth = depth;
        match byte {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        tokens.push(Token {
            range: begin..at,
            depth: token_depth,
        });
    }
    tokens
}

/// An expression with dotted filter and test names mangled, the names it uses, and the
/// variables it reads only through `| default`.
#[derive(Debug, Default)]
struct Scanned {
    rewritten: String,
    filters: Vec<String>,
    tests: Vec<String>,
    defaulted: HashSet<String>,
}

fn scan(text: &str) -> Scanned {
    let tokens = tokens(text);
    let mut scanned = Scanned::default();
    let mut plain_reads = HashSet::new();
    let mut copied = 0;
    let mut index = 0;
    while index < tokens.len() {
        let token_text = tokens[index].text(text);
        let previous = index.checked_sub(1).map(|i| tokens[i].text(text));
        let is_name = token_text.starts_with(|c: char| c.is_alphabetic() || c == '_');
        let after_is = matches!(previous, Some("is")) && token_text != "not";
        let after_is_not =
            matches!(previous, Some("not")) && index >= 2 && tokens[index - 2].text(text) == "is";
        let names_filter = matches!(previous, Some("|")) || after_is || after_is_not;
        if names_filter && is_name {
            // A dotted name: name (. name)*
            let mut end = index;
            while tokens.get(end + 1).is_some_and(|t| t.text(text) == ".")
                && tokens.get(end + 2).is_some_and(|t| {
                    t.text(text)
                        .starts_with(|c: char| c.is_alphabetic() || c == '_')
                })
            {
                end += 2;
            }
            let range = tokens[index].range.start..tokens[end].range.end;
            let name: String = tokens[index..=end]
                .iter()
                .map(|t| t.text(text))
                .collect::<String>()
                .replace('.', DOT);
            scanned.rewritten.push_str(&text[copied..range.start]);
            scanned.rewritten.push_str(&name);
            copied = range.end;
            if matches!(previous, Some("|")) {
                scanned.filters.push(name);
            } else {
                scanned.tests.push(name);
            }
            index = end + 1;
            continue;
        }
        if is_name && !matches!(previous, Some(".")) && !is_keyword(token_text) {
            // Follow `.attr` and `[…]` to see whether the value goes through `| default`.
            let mut next = index + 1;
            loop {
                match tokens.get(next).map(|t| t.text(text)) {
                    Some(".") => next += 2,
                    Some("[") => {
                        let depth = tokens[next].depth;
                        next += 1;
                        while next < tokens.len()
                            && !(tokens[next].depth == depth + 1 && tokens[next].text(text) == "]")
                        {
                            next += 1;
                        }
                        next += 1;
                    }
                    _ => break,
                }
            }
            let defaulted = tokens.get(next).is_some_and(|t| t.text(text) == "|")
                && tokens
                    .get(next + 1)
                    .is_some_and(|t| matches!(t.text(text), "default" | "d"));
            if defaulted {
                scanned.defaulted.insert(token_text.to_string());
            } else if tokens.get(index + 1).is_none_or(|t| t.text(text) != "=") {
                plain_reads.insert(token_text.to_string());
            }
        }
        index += 1;
    }
    scanned.rewritten.push_str(&text[copied..]);
    scanned.defaulted.retain(|name| !plain_reads.contains(name));
    scanned
}

fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "and"
            | "or"
            | "not"
            | "in"
            | "is"
            | "if"
            | "else"
            | "true"
            | "false"
            | "none"
            | "True"
            | "False"
            | "None"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_finds_filters_tests_and_defaulted_names() {
        let scanned = scan(
            "net | ansible.utils.ipaddr('net') is not ansible.utils.ipv6 and x|d(1) and y.z | default(2) | bool",
        );
        assert_eq!(
            scanned.filters,
            ["ansible__utils__ipaddr", "d", "default", "bool"]
        );
        assert_eq!(scanned.tests, ["ansible__utils__ipv6"]);
        assert!(
            scanned
                .rewritten
                .contains("| ansible__utils__ipaddr('net') is not ansible__utils__ipv6")
        );
        let mut defaulted: Vec<_> = scanned.defaulted.into_iter().collect();
        defaulted.sort();
        assert_eq!(defaulted, ["x", "y"]);
        assert!(scan("x | default(1) ~ x").defaulted.is_empty());
    }

    #[test]
    fn references_need_a_quoted_name() {
        let source = "{% include 'a.j2' %}{% from \"m.j2\" import x %}";
        let segments = super::super::lexer::segments(
            source,
            0..source.len(),
            super::super::lexer::Whitespace {
                trim_blocks: true,
                lstrip_blocks: false,
            },
        )
        .unwrap();
        let names: Vec<_> = references(source, &segments)
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, ["a.j2", "m.j2"]);
        let source = "{% include name %}";
        let segments = super::super::lexer::segments(
            source,
            0..source.len(),
            super::super::lexer::Whitespace {
                trim_blocks: true,
                lstrip_blocks: false,
            },
        )
        .unwrap();
        assert!(references(source, &segments).is_err());
    }
}
