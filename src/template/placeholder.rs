//! Placeholder-only reading: a template whose values the linter does not work out (a Go
//! template of a web UI, a shell `${VAR}` heredoc, a Jinja2 template without its role, any
//! template language not rendered otherwise) becomes profile text in which every placeholder is
//! an unknown value, every condition is taken as false (its `else` runs) and every loop runs no
//! iteration (its `else` runs), each recorded so findings can say what it could change.
//!
//! The template language's own whitespace rules apply before anything is dropped: Jinja2 with
//! Ansible's `trim_blocks` (the newline after a `{% %}` or `{# #}` tag goes) and `-` markers,
//! Go's `{{-`/`-}}`, and Terraform's `~` (which trims only the rest of that line and its
//! newline, or the line before, as `hclsyntax` does with its per-line literal tokens).

use std::ops::Range;

use super::{Piece, PieceKind, Rendered, UnknownCondition, unknown_word};

/// The placeholder syntax of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// `{{ value }}`, `{% statement %}`, `{# comment #}`.
    Jinja2,
    /// `{{ .Value }}`, `{{ if .X }}`, `{{/* comment */}}`.
    Go,
    /// `${value}`, `%{ if x }` (Terraform templates), and shell `${VAR}`.
    Dollar,
}

/// Reads `template` with every placeholder unknown.
pub fn read(template: &str, syntax: Syntax) -> Rendered {
    let tokens = trimmed(template, scan(template, syntax), syntax);
    let mut out = Output {
        template,
        rendered: Rendered::default(),
        frames: Vec::new(),
    };
    for token in &tokens {
        match token {
            Token::Text(range) => out.literal(range.clone()),
            Token::Tag(tag) => out.tag(tag, syntax),
        }
    }
    out.rendered
}

/// A name a condition or loop depends on: identifiers of its text, keywords and literals left
/// out.
pub fn names_in(expression: &str) -> Vec<String> {
    const KEYWORDS: &[&str] = &[
        "if",
        "elif",
        "else",
        "endif",
        "for",
        "in",
        "endfor",
        "not",
        "and",
        "or",
        "is",
        "defined",
        "undefined",
        "none",
        "None",
        "true",
        "false",
        "True",
        "False",
        "range",
        "with",
        "end",
        "eq",
        "ne",
        "lt",
        "le",
        "gt",
        "ge",
        "len",
        "index",
        "bool",
        "length",
    ];
    let mut names: Vec<String> = Vec::new();
    let mut rest = expression;
    while let Some(start) =
        rest.find(|c: char| c.is_alphabetic() || c == '_' || c == '.' || c == '$')
    {
        let tail = &rest[start..];
        let len = tail
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '$')))
            .unwrap_or(tail.len());
        let word = tail[..len].trim_matches('.');
        let quoted = rest[..start].matches(['"', '\'']).count() % 2 == 1;
        if !word.is_empty()
            && !quoted
            && !KEYWORDS.contains(&word)
            && !word.starts_with(|c: char| c.is_ascii_digit())
            && !names.iter().any(|n| n == word)
        {
            names.push(word.to_owned());
        }
        rest = &tail[len..];
    }
    names
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagKind {
    Value,
    Statement,
    Comment,
}

#[derive(Debug, Clone)]
struct Tag {
    /// The whole tag, delimiters included.
    span: Range<usize>,
    /// Between the delimiters and trim markers.
    inner: Range<usize>,
    kind: TagKind,
    trim_before: bool,
    trim_after: bool,
    /// Jinja2's `+%}`: `trim_blocks` does not apply.
    keep_newline: bool,
}

#[derive(Debug, Clone)]
enum Token {
    Text(Range<usize>),
    Tag(Tag),
}

/// Splits a template into literal text and tags. An unclosed tag is literal text.
fn scan(template: &str, syntax: Syntax) -> Vec<Token> {
    let bytes = template.as_bytes();
    let mut tokens = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    while i + 1 < bytes.len() {
        let (open, close, kind): (&[u8], &[u8], TagKind) = match (syntax, bytes[i], bytes[i + 1]) {
            (Syntax::Dollar, b'$', b'$') | (Syntax::Dollar, b'%', b'%')
                if bytes.get(i + 2) == Some(&b'{') =>
            {
                // `$${` and `%%{` are the literal `${` and `%{`: the first byte goes.
                push_text(&mut tokens, text_start..i);
                text_start = i + 1;
                i += 3;
                continue;
            }
            (Syntax::Dollar, b'$', b'{') => (b"${", b"}", TagKind::Value),
            (Syntax::Dollar, b'%', b'{') => (b"%{", b"}", TagKind::Statement),
            (Syntax::Jinja2 | Syntax::Go, b'{', b'{') => (b"{{", b"}}", TagKind::Value),
            (Syntax::Jinja2, b'{', b'%') => (b"{%", b"%}", TagKind::Statement),
            (Syntax::Jinja2, b'{', b'#') => (b"{#", b"#}", TagKind::Comment),
            _ => {
                i += 1;
                continue;
            }
        };
        let Some(end) = closing(bytes, i + open.len(), close, syntax, kind) else {
            i += 1;
            continue;
        };
        let mut inner = i + open.len()..end;
        let marker = |b: u8| match syntax {
            Syntax::Dollar => b == b'~',
            _ => b == b'-',
        };
        // Go wants a space after `{{-` and before `-}}` (`{{-3}}` is the number -3).
        let spaced =
            |at: usize| syntax != Syntax::Go || bytes.get(at).is_some_and(u8::is_ascii_whitespace);
        let trim_before =
            inner.start < inner.end && marker(bytes[inner.start]) && spaced(inner.start + 1);
        if trim_before {
            inner.start += 1;
        }
        let trim_after = inner.start < inner.end
            && marker(bytes[inner.end - 1])
            && (inner.end - 1 == 0 || spaced(inner.end - 2));
        let keep_newline =
            syntax == Syntax::Jinja2 && inner.start < inner.end && bytes[inner.end - 1] == b'+';
        if trim_after || keep_newline {
            inner.end -= 1;
        }
        if syntax == Syntax::Jinja2 && inner.start < inner.end && bytes[inner.start] == b'+' {
            inner.start += 1;
        }
        let mut kind = kind;
        let text = template[inner.clone()].trim();
        if syntax == Syntax::Go {
            if text.starts_with("/*") {
                kind = TagKind::Comment;
            } else if matches!(
                first_word(text),
                "if" | "else"
                    | "end"
                    | "range"
                    | "with"
                    | "define"
                    | "block"
                    | "break"
                    | "continue"
            ) {
                kind = TagKind::Statement;
            }
        }
        push_text(&mut tokens, text_start..i);
        let span = i..end + close.len();
        let raw =
            syntax == Syntax::Jinja2 && kind == TagKind::Statement && first_word(text) == "raw";
        tokens.push(Token::Tag(Tag {
            span: span.clone(),
            inner,
            kind,
            trim_before,
            trim_after,
            keep_newline,
        }));
        i = span.end;
        text_start = i;
        if raw {
            // `{% raw %}…{% endraw %}`: the body is literal text.
            if let Some(at) = find_endraw(template, i) {
                push_text(&mut tokens, i..at);
                i = at;
                text_start = at;
            }
        }
    }
    push_text(&mut tokens, text_start..bytes.len());
    tokens
}

fn push_text(tokens: &mut Vec<Token>, range: Range<usize>) {
    if range.start < range.end {
        tokens.push(Token::Text(range));
    }
}

/// Where a tag's closing delimiter starts: quoted strings and, in `${ }`, nested braces are
/// skipped.
fn closing(
    bytes: &[u8],
    from: usize,
    close: &[u8],
    syntax: Syntax,
    kind: TagKind,
) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut i = from;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(q) = quote {
            if b == b'\\' {
                i += 2;
                continue;
            }
            if b == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if kind != TagKind::Comment && (b == b'"' || (b == b'\'' && syntax != Syntax::Dollar)) {
            quote = Some(b);
        } else if syntax == Syntax::Dollar && b == b'{' {
            depth += 1;
        } else if bytes[i..].starts_with(close) {
            if depth == 0 {
                return Some(i);
            }
            depth -= 1;
        } else if syntax == Syntax::Dollar && b == b'\n' && depth == 0 && kind == TagKind::Value {
            // A shell `${` never spans lines in a profile; give up on this one.
            return None;
        }
        i += 1;
    }
    None
}

fn find_endraw(template: &str, from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(offset) = template[at..].find("{%") {
        let start = at + offset;
        let rest = template[start + 2..]
            .trim_start_matches(['-', '+'])
            .trim_start();
        if rest.starts_with("endraw") {
            return Some(start);
        }
        at = start + 2;
    }
    None
}

fn first_word(text: &str) -> &str {
    text.split(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or_default()
}

/// Applies the trim markers and Jinja2's `trim_blocks` to the text around tags.
fn trimmed(template: &str, mut tokens: Vec<Token>, syntax: Syntax) -> Vec<Token> {
    let bytes = template.as_bytes();
    for index in 0..tokens.len() {
        let Token::Tag(tag) = tokens[index].clone() else {
            continue;
        };
        if tag.trim_before
            && let Some(Token::Text(before)) = index.checked_sub(1).map(|i| &mut tokens[i])
        {
            before.end = match syntax {
                Syntax::Dollar => {
                    // The previous literal token: the whole line before (with its newline)
                    // when the tag starts a line, else this line's text before the tag.
                    let mut end = before.end;
                    let line_before = bytes[end - 1] == b'\n';
                    if line_before {
                        end -= 1;
                    }
                    while end > before.start
                        && bytes[end - 1].is_ascii_whitespace()
                        && bytes[end - 1] != b'\n'
                    {
                        end -= 1;
                    }
                    end
                }
                _ => {
                    let mut end = before.end;
                    while end > before.start && bytes[end - 1].is_ascii_whitespace() {
                        end -= 1;
                    }
                    end
                }
            };
        }
        let Some(Token::Text(after)) = tokens.get_mut(index + 1) else {
            continue;
        };
        if tag.trim_after {
            let mut start = after.start;
            match syntax {
                Syntax::Dollar => {
                    while start < after.end && matches!(bytes[start], b' ' | b'\t' | b'\r') {
                        start += 1;
                    }
                    if start < after.end && bytes[start] == b'\n' {
                        start += 1;
                    }
                }
                _ => {
                    let mut last_break = None;
                    while start < after.end && bytes[start].is_ascii_whitespace() {
                        if bytes[start] == b'\n' {
                            last_break = Some(start);
                        }
                        start += 1;
                    }
                    // An unknown value may end with a line break (a PEM block does): a `-}}`
                    // after one keeps the last break, so the next line stays a line.
                    if tag.kind == TagKind::Value
                        && let Some(at) = last_break
                    {
                        start = if at > after.start && bytes[at - 1] == b'\r' {
                            at - 1
                        } else {
                            at
                        };
                    }
                }
            }
            after.start = start;
        } else if syntax == Syntax::Jinja2 && tag.kind != TagKind::Value && !tag.keep_newline {
            if bytes[after.clone()].starts_with(b"\r\n") {
                after.start += 2;
            } else if bytes[after.clone()].starts_with(b"\n") {
                after.start += 1;
            }
        }
    }
    tokens.retain(|t| !matches!(t, Token::Text(r) if r.start >= r.end));
    tokens
}

/// One open block of the template.
#[derive(Debug)]
struct Frame {
    /// Whether the branch being read is rendered.
    emitting: bool,
    /// Whether an `else` renders: a condition or loop that was taken as false or empty.
    else_renders: bool,
}

struct Output<'a> {
    template: &'a str,
    rendered: Rendered,
    frames: Vec<Frame>,
}

impl Output<'_> {
    fn emitting(&self) -> bool {
        self.frames.iter().all(|f| f.emitting)
    }

    fn literal(&mut self, source: Range<usize>) {
        if !self.emitting() || source.is_empty() {
            return;
        }
        let rendered = &mut self.rendered;
        let start = rendered.text.len();
        rendered.text.push_str(&self.template[source.clone()]);
        if let Some(last) = rendered.pieces.last_mut()
            && last.kind == PieceKind::Literal
            && last.source.end == source.start
        {
            last.source.end = source.end;
            last.rendered.end = rendered.text.len();
            return;
        }
        rendered.pieces.push(Piece {
            rendered: start..rendered.text.len(),
            source,
            kind: PieceKind::Literal,
        });
    }

    /// Text the template gives that is not copied from it (never edited by a fix).
    fn value(&mut self, text: &str, source: Range<usize>, name: &str) {
        if !self.emitting() {
            return;
        }
        let start = self.rendered.text.len();
        self.rendered.text.push_str(text);
        self.rendered.pieces.push(Piece {
            rendered: start..self.rendered.text.len(),
            source,
            kind: PieceKind::Value {
                origin: super::Origin {
                    name: name.to_owned(),
                    path: std::path::PathBuf::new(),
                    line: None,
                },
            },
        });
    }

    fn unknown(&mut self, name: &str, source: Range<usize>) {
        if !self.emitting() {
            return;
        }
        let start = self.rendered.text.len();
        self.rendered.text.push_str(&unknown_word(name));
        self.rendered.pieces.push(Piece {
            rendered: start..self.rendered.text.len(),
            source,
            kind: PieceKind::Unknown {
                name: name.to_owned(),
            },
        });
    }

    fn condition(&mut self, tag: &Tag, expression: &str) {
        if self.emitting() {
            self.rendered.unknown_conditions.push(UnknownCondition {
                source: tag.span.clone(),
                names: names_in(expression),
            });
        }
    }

    fn tag(&mut self, tag: &Tag, syntax: Syntax) {
        let text = self.template[tag.inner.clone()].trim();
        match tag.kind {
            TagKind::Comment if syntax == Syntax::Jinja2 && text.starts_with("ovpn6-lint:") => {
                // `{# ovpn6-lint: … #}` is a suppression comment: rendered as the OpenVPN
                // comment it stands for, on its own line when it is one.
                let own_line =
                    tag.span.start == 0 || self.template[..tag.span.start].ends_with('\n');
                let comment = format!("# {text}{}", if own_line { "\n" } else { "" });
                self.value(&comment, tag.span.clone(), "{# … #}");
            }
            TagKind::Comment => {}
            TagKind::Value => self.unknown(text, tag.span.clone()),
            TagKind::Statement => {
                let keyword = first_word(text);
                let rest = text[keyword.len()..].trim();
                match (syntax, keyword) {
                    (_, "if") | (Syntax::Go, "with") => {
                        self.condition(tag, rest);
                        self.frames.push(Frame {
                            emitting: false,
                            else_renders: true,
                        });
                    }
                    (_, "for") | (Syntax::Go, "range") => {
                        self.condition(tag, rest);
                        self.frames.push(Frame {
                            emitting: false,
                            else_renders: true,
                        });
                    }
                    (_, "elif") | (Syntax::Go, "else")
                        if keyword == "elif"
                            || rest.starts_with("if ")
                            || rest.starts_with("with ") =>
                    {
                        if let Some(frame) = self.frames.pop() {
                            let reached = self.emitting();
                            self.frames.push(Frame {
                                emitting: false,
                                ..frame
                            });
                            if reached {
                                let expression =
                                    rest.trim_start_matches("if ").trim_start_matches("with ");
                                self.condition(tag, expression);
                            }
                        }
                    }
                    (_, "else") => {
                        if let Some(frame) = self.frames.last_mut() {
                            frame.emitting = frame.else_renders;
                            frame.else_renders = false;
                        }
                    }
                    (Syntax::Jinja2, "macro" | "call" | "set") | (Syntax::Go, "define") => {
                        // A definition renders nothing where it stands (`{% set x = 1 %}` has
                        // no body: it is closed at once).
                        let has_body = keyword != "set" || !rest.contains('=');
                        if has_body {
                            self.frames.push(Frame {
                                emitting: false,
                                else_renders: false,
                            });
                        }
                    }
                    (Syntax::Jinja2, "include") => self.unknown(text, tag.span.clone()),
                    (Syntax::Jinja2, word) if word.starts_with("end") => {
                        self.frames.pop();
                    }
                    (Syntax::Dollar, "endif" | "endfor") | (Syntax::Go, "end") => {
                        self.frames.pop();
                    }
                    (Syntax::Jinja2, "block" | "filter" | "with" | "autoescape" | "trans")
                    | (Syntax::Go, "block") => self.frames.push(Frame {
                        emitting: true,
                        else_renders: false,
                    }),
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::is_unknown_word;

    fn text(template: &str, syntax: Syntax) -> String {
        let rendered = read(template, syntax);
        check_contiguous(&rendered);
        rendered.text
    }

    fn check_contiguous(rendered: &Rendered) {
        let mut at = 0;
        for piece in &rendered.pieces {
            assert_eq!(piece.rendered.start, at);
            at = piece.rendered.end;
        }
        assert_eq!(at, rendered.text.len());
    }

    #[test]
    fn a_placeholder_is_one_unknown_word_pointing_at_the_placeholder() {
        let rendered = read("server-ipv6 {{ net }}\n", Syntax::Jinja2);
        assert_eq!(
            rendered.text,
            format!("server-ipv6 {}\n", unknown_word("net"))
        );
        let piece = &rendered.pieces[1];
        assert_eq!(piece.source, 12..21);
        assert!(is_unknown_word(&rendered.text[piece.rendered.clone()]));
    }

    #[test]
    fn unknown_conditions_are_false_and_their_else_runs() {
        let template = "dev tun\n{% if ipv6 %}\nroute-ipv6 2000::/3\n{% else %}\nblock-ipv6\n{% endif %}\nverb 3\n";
        assert_eq!(
            text(template, Syntax::Jinja2),
            "dev tun\nblock-ipv6\nverb 3\n"
        );
        let rendered = read(template, Syntax::Jinja2);
        assert_eq!(rendered.unknown_conditions.len(), 1);
        assert_eq!(rendered.unknown_conditions[0].names, vec!["ipv6"]);
        // `not` does not make it true.
        assert_eq!(
            text("a\n{% if not x %}\nb\n{% endif %}\nc\n", Syntax::Jinja2),
            "a\nc\n"
        );
    }

    #[test]
    fn loops_over_unknown_values_run_no_iteration() {
        let template = "{% for r in routes %}\npush \"route-ipv6 {{ r }}\"\n{% endfor %}\nverb 3\n";
        assert_eq!(text(template, Syntax::Jinja2), "verb 3\n");
        let go = "x{{- range $s := .Hosts }}\nremote {{ $s.Host }}\n{{- end }}\n\nverb 4\n";
        assert_eq!(text(go, Syntax::Go), "x\n\nverb 4\n");
    }

    #[test]
    fn jinja2_trim_markers_and_trim_blocks() {
        assert_eq!(
            text("a  {%- if x %}b{% endif -%}  \n c", Syntax::Jinja2),
            "ac"
        );
        assert_eq!(text("a\n{# note #}\nb\n", Syntax::Jinja2), "a\nb\n");
        assert_eq!(text("a\n{% set x = 1 +%}\nb\n", Syntax::Jinja2), "a\n\nb\n");
        assert_eq!(
            text("{% raw %}{{ x }}{% endraw %}\n", Syntax::Jinja2),
            "{{ x }}"
        );
    }

    #[test]
    fn terraform_escapes_and_strip_markers() {
        assert_eq!(text("a $${x} %%{y}\n", Syntax::Dollar), "a ${x} %{y}\n");
        let template = "a\n%{ if x ~}\nb\n%{ else ~}\nc\n\nd\n%{ endif ~}\ne\n";
        assert_eq!(text(template, Syntax::Dollar), "a\nc\n\nd\ne\n");
        assert_eq!(
            text("a  \n${~ x}\n", Syntax::Dollar).matches('\n').count(),
            1
        );
    }

    #[test]
    fn condition_names_leave_out_keywords_and_strings() {
        assert_eq!(
            names_in("openvpn_ipv6_enabled | bool and x.y | length > 0 and 'lit' in z"),
            vec!["openvpn_ipv6_enabled", "x.y", "z"]
        );
        assert_eq!(names_in(".PasswdAuth"), vec!["PasswdAuth"]);
    }
}
