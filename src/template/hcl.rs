//! Terraform's native syntax, read as far as profiles need: the attributes and blocks of a
//! `.tf` file with the byte range of every expression, every template in them (quoted strings
//! and heredocs, `<<` and `<<-`, any delimiter, the closing one indented or not) and every
//! `templatefile(PATH, VARS)` call; and a template's text as Go's `hclsyntax` makes it.
//!
//! Our own reader rather than `hcl-edit`: `hcl-edit` turns CRLF into LF in `<<-` heredocs and
//! treats whitespace-only lines differently from `hclsyntax`, which is what Terraform runs; and
//! a profile's findings need the byte of every literal piece, which `hclsyntax` keeps in its
//! per-line literal tokens. `tests/terraform_differential.rs` compares this reader with
//! `hclsyntax` itself.

use std::ops::Range;

/// A `.tf` file's top level.
#[derive(Debug, Default, Clone)]
pub struct Body {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: String,
    /// The expression after `=`, trailing spaces and comments left out.
    pub expr: Range<usize>,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub kind: String,
    pub labels: Vec<String>,
    pub body: Body,
}

/// A template written in a `.tf` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSpan {
    /// From the opening `"` or `<<` to the end of the closing quote or delimiter line.
    pub span: Range<usize>,
    /// The template's text: between the quotes, or the heredoc's lines.
    pub content: Range<usize>,
    pub form: Form,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Quoted,
    /// `<<ID`.
    Heredoc,
    /// `<<-ID`: the common indentation is removed.
    FlushHeredoc,
}

/// A `templatefile(PATH, VARS)` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateFileCall {
    pub span: Range<usize>,
    pub path: Range<usize>,
    pub vars: Option<Range<usize>>,
}

/// What reading a `.tf` file finds.
#[derive(Debug, Default, Clone)]
pub struct File {
    pub body: Body,
    /// Every outermost template, in file order.
    pub templates: Vec<TemplateSpan>,
    pub calls: Vec<TemplateFileCall>,
}

/// Reads a `.tf` file; a mistake that stops the reading is reported with its 1-based line.
pub fn parse(text: &str) -> Result<File, String> {
    let mut reader = Reader {
        text: text.as_bytes(),
        at: 0,
        templates: Vec::new(),
        calls: Vec::new(),
        depth: 0,
    };
    let body = reader.body(false)?;
    Ok(File {
        body,
        templates: reader.templates,
        calls: reader.calls,
    })
}

/// 1-based line of a byte.
pub fn line_of(text: &[u8], at: usize) -> usize {
    memchr::memchr_iter(b'\n', &text[..at.min(text.len())]).count() + 1
}

struct Reader<'a> {
    text: &'a [u8],
    at: usize,
    templates: Vec<TemplateSpan>,
    calls: Vec<TemplateFileCall>,
    /// How many templates enclose the reader (only outermost ones are recorded).
    depth: usize,
}

impl Reader<'_> {
    fn fail<T>(&self, at: usize, what: &str) -> Result<T, String> {
        Err(format!("line {}: {what}", line_of(self.text, at)))
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    /// Skips spaces, tabs, comments, and line breaks when `lines`.
    fn skip_blank(&mut self, lines: bool) -> Result<(), String> {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' => self.at += 1,
                b'\r' | b'\n' if lines => self.at += 1,
                b'#' => self.skip_line(),
                b'/' if self.text.get(self.at + 1) == Some(&b'/') => self.skip_line(),
                b'/' if self.text.get(self.at + 1) == Some(&b'*') => {
                    let start = self.at;
                    match memchr::memmem::find(&self.text[self.at + 2..], b"*/") {
                        Some(end) => self.at += 2 + end + 2,
                        None => return self.fail(start, "a `/*` comment is never closed"),
                    }
                }
                _ => break,
            }
        }
        Ok(())
    }

    fn skip_line(&mut self) {
        self.at =
            memchr::memchr(b'\n', &self.text[self.at..]).map_or(self.text.len(), |i| self.at + i);
    }

    fn identifier(&mut self) -> Option<String> {
        let start = self.at;
        while let Some(b) = self.peek() {
            if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || (b >= 0x80) {
                self.at += 1;
            } else {
                break;
            }
        }
        (self.at > start && !self.text[start].is_ascii_digit())
            .then(|| String::from_utf8_lossy(&self.text[start..self.at]).into_owned())
    }

    /// A body: attributes and blocks, up to `}` (when `nested`) or the end.
    fn body(&mut self, nested: bool) -> Result<Body, String> {
        let mut body = Body::default();
        loop {
            self.skip_blank(true)?;
            let Some(b) = self.peek() else {
                if nested {
                    return self.fail(self.at, "a block is never closed with `}`");
                }
                return Ok(body);
            };
            if b == b'}' {
                if nested {
                    self.at += 1;
                    return Ok(body);
                }
                return self.fail(self.at, "a `}` closes no block");
            }
            let start = self.at;
            let Some(name) = self.identifier() else {
                return self.fail(start, "expected an attribute or a block");
            };
            self.skip_blank(false)?;
            if self.peek() == Some(b'=') && self.text.get(self.at + 1) != Some(&b'=') {
                self.at += 1;
                self.skip_blank(false)?;
                let expr = self.expression()?;
                body.attributes.push(Attribute { name, expr });
                continue;
            }
            let mut labels = Vec::new();
            loop {
                self.skip_blank(false)?;
                match self.peek() {
                    Some(b'"') => {
                        let label_start = self.at;
                        // A label is a name, not a template.
                        self.depth += 1;
                        let read = self.quoted();
                        self.depth -= 1;
                        read?;
                        labels.push(
                            String::from_utf8_lossy(&self.text[label_start + 1..self.at - 1])
                                .into_owned(),
                        );
                    }
                    Some(b'{') => {
                        self.at += 1;
                        break;
                    }
                    _ => {
                        let label_start = self.at;
                        match self.identifier() {
                            Some(label) => labels.push(label),
                            None => {
                                return self.fail(label_start, "expected `=` or a block's `{`");
                            }
                        }
                    }
                }
            }
            let inner = self.body(true)?;
            body.blocks.push(Block {
                kind: name,
                labels,
                body: inner,
            });
        }
    }

    /// An expression, up to the end of its line outside brackets (or a block's `}`).
    fn expression(&mut self) -> Result<Range<usize>, String> {
        let start = self.at;
        let mut end = self.at;
        let mut brackets: Vec<u8> = Vec::new();
        while let Some(b) = self.peek() {
            match b {
                b'\n' if brackets.is_empty() => break,
                b'}' if brackets.is_empty() => break,
                b'\r' | b' ' | b'\t' | b'\n' => {
                    self.at += 1;
                    continue;
                }
                b'#' => {
                    self.skip_line();
                    continue;
                }
                b'/' if matches!(self.text.get(self.at + 1), Some(b'/' | b'*')) => {
                    self.skip_blank(false)?;
                    continue;
                }
                b'(' | b'[' | b'{' => {
                    brackets.push(b);
                    self.at += 1;
                }
                b')' | b']' | b'}' => {
                    let open = brackets.pop();
                    let expected = match b {
                        b')' => b'(',
                        b']' => b'[',
                        _ => b'{',
                    };
                    if open != Some(expected) {
                        return self
                            .fail(self.at, &format!("`{}` closes nothing here", char::from(b)));
                    }
                    self.at += 1;
                }
                b'"' => self.quoted()?,
                b'<' if self.text[self.at..].starts_with(b"<<") && self.heredoc()? => {}
                _ if b.is_ascii_alphabetic() || b == b'_' => {
                    let word_start = self.at;
                    let word = self.identifier().unwrap_or_default();
                    if word == "templatefile" {
                        self.templatefile_call(word_start)?;
                    }
                }
                _ => self.at += 1,
            }
            end = self.at;
        }
        if !brackets.is_empty() {
            return self.fail(start, "a bracket is never closed");
        }
        Ok(start..end)
    }

    /// `templatefile(PATH, VARS)`: records the arguments' ranges, reading them as expressions.
    fn templatefile_call(&mut self, start: usize) -> Result<(), String> {
        self.skip_blank(false)?;
        if self.peek() != Some(b'(') {
            return Ok(());
        }
        self.at += 1;
        let mut arguments = Vec::new();
        loop {
            self.skip_blank(true)?;
            let argument_start = self.at;
            let mut depth = 0usize;
            loop {
                match self.peek() {
                    None => return self.fail(start, "a `templatefile(` call is never closed"),
                    Some(b'"') => self.quoted()?,
                    Some(b'<') if self.text[self.at..].starts_with(b"<<") => {
                        if !self.heredoc()? {
                            self.at += 1;
                        }
                    }
                    Some(b'(' | b'[' | b'{') => {
                        depth += 1;
                        self.at += 1;
                    }
                    Some(b')' | b']' | b'}') if depth > 0 => {
                        depth -= 1;
                        self.at += 1;
                    }
                    Some(b',' | b')') if depth == 0 => break,
                    Some(b'#') => self.skip_line(),
                    Some(_) => self.at += 1,
                }
            }
            let mut argument_end = self.at;
            while argument_end > argument_start && self.text[argument_end - 1].is_ascii_whitespace()
            {
                argument_end -= 1;
            }
            if argument_end > argument_start {
                arguments.push(argument_start..argument_end);
            }
            let closing = self.peek() == Some(b')');
            self.at += 1;
            if closing {
                break;
            }
        }
        if let Some(path) = arguments.first() {
            self.calls.push(TemplateFileCall {
                span: start..self.at,
                path: path.clone(),
                vars: arguments.get(1).cloned(),
            });
        }
        Ok(())
    }

    /// A quoted template, `"` to `"`, interpolations skipped as expressions.
    fn quoted(&mut self) -> Result<(), String> {
        let start = self.at;
        self.at += 1;
        self.depth += 1;
        loop {
            match self.peek() {
                None | Some(b'\n') => {
                    self.depth -= 1;
                    return self.fail(start, "a quoted string is never closed");
                }
                Some(b'\\') => self.at += 2,
                Some(b'"') => {
                    self.at += 1;
                    break;
                }
                Some(b'$' | b'%') if self.text.get(self.at + 1) == Some(&self.text[self.at]) => {
                    self.at += 2;
                }
                Some(b'$' | b'%') if self.text.get(self.at + 1) == Some(&b'{') => {
                    self.at += 2;
                    self.interpolation(start)?;
                }
                Some(_) => self.at += 1,
            }
        }
        self.depth -= 1;
        if self.depth == 0 {
            self.templates.push(TemplateSpan {
                span: start..self.at,
                content: start + 1..self.at - 1,
                form: Form::Quoted,
            });
        }
        Ok(())
    }

    /// The rest of `${…}` or `%{…}` after its opening, to its `}`.
    fn interpolation(&mut self, template_start: usize) -> Result<(), String> {
        let mut depth = 0usize;
        loop {
            match self.peek() {
                None => return self.fail(template_start, "a `${` is never closed"),
                Some(b'"') => self.quoted()?,
                Some(b'{') => {
                    depth += 1;
                    self.at += 1;
                }
                Some(b'}') if depth == 0 => {
                    self.at += 1;
                    return Ok(());
                }
                Some(b'}') => {
                    depth -= 1;
                    self.at += 1;
                }
                Some(b'<') if self.text[self.at..].starts_with(b"<<") => {
                    if !self.heredoc()? {
                        self.at += 1;
                    }
                }
                Some(_) => self.at += 1,
            }
        }
    }

    /// A heredoc at `<<`; `false` (nothing read) when `<<` opens none (a shift).
    fn heredoc(&mut self) -> Result<bool, String> {
        let start = self.at;
        let mut at = start + 2;
        let flush = self.text.get(at) == Some(&b'-');
        if flush {
            at += 1;
        }
        let id_start = at;
        while at < self.text.len()
            && (self.text[at].is_ascii_alphanumeric() || matches!(self.text[at], b'_' | b'-'))
        {
            at += 1;
        }
        let id = &self.text[id_start..at];
        if id.is_empty() || id[0].is_ascii_digit() {
            return Ok(false);
        }
        let content_start = if self.text[at..].starts_with(b"\r\n") {
            at + 2
        } else if self.text[at..].starts_with(b"\n") {
            at + 1
        } else {
            return Ok(false);
        };
        // The closing line: optional spaces, the delimiter, then the end of the line.
        let mut line = content_start;
        loop {
            if line >= self.text.len() {
                return self.fail(
                    start,
                    &format!(
                        "the heredoc `<<{}{}` is never closed",
                        if flush { "-" } else { "" },
                        String::from_utf8_lossy(id)
                    ),
                );
            }
            let line_end =
                memchr::memchr(b'\n', &self.text[line..]).map_or(self.text.len(), |i| line + i);
            let content = &self.text[line..line_end];
            let content = content.strip_suffix(b"\r").unwrap_or(content);
            let trimmed_start = content
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t'))
                .unwrap_or(content.len());
            if &content[trimmed_start..] == id {
                self.at = line + trimmed_start + id.len();
                if self.depth == 0 {
                    self.templates.push(TemplateSpan {
                        span: start..self.at,
                        content: content_start..line,
                        form: if flush {
                            Form::FlushHeredoc
                        } else {
                            Form::Heredoc
                        },
                    });
                }
                self.scan_template_calls(content_start..line)?;
                return Ok(true);
            }
            line = line_end + 1;
        }
    }

    /// Interpolations inside a heredoc may call `templatefile` too (rare): not followed.
    fn scan_template_calls(&mut self, _content: Range<usize>) -> Result<(), String> {
        Ok(())
    }
}

/// A token of a template, as `hclsyntax` splits one: literal text ends at every line break.
#[derive(Debug, Clone)]
pub enum Token {
    Literal(Vec<Segment>),
    /// `${ expr }`.
    Interpolation(Tag),
    /// `%{ if … }`, `%{ else }`, `%{ endif }`, `%{ for … }`, `%{ endfor }`.
    Directive(Tag),
}

/// Part of a literal token: bytes copied from the file, or an escape and what it stands for.
#[derive(Debug, Clone)]
pub enum Segment {
    Copied(Range<usize>),
    Escape { source: Range<usize>, text: String },
}

#[derive(Debug, Clone)]
pub struct Tag {
    /// From `${`/`%{` to `}`.
    pub span: Range<usize>,
    /// The expression or directive, without strip markers, trimmed.
    pub inner: Range<usize>,
    pub strip_before: bool,
    pub strip_after: bool,
}

impl Segment {
    fn text<'a>(&'a self, file: &'a str) -> &'a str {
        match self {
            Segment::Copied(range) => &file[range.clone()],
            Segment::Escape { text, .. } => text,
        }
    }
}

/// The text of a literal token.
pub fn literal_text(segments: &[Segment], file: &str) -> String {
    segments.iter().map(|s| s.text(file)).collect()
}

/// Splits a template's text (`content` of `file`) into tokens, applies strip markers (`~`),
/// then, for a `<<-` heredoc, removes the common indentation — in `hclsyntax`'s order.
pub fn tokens(file: &str, content: Range<usize>, form: Form) -> Vec<Token> {
    let bytes = file.as_bytes();
    let mut tokens = Vec::new();
    let mut literal: Vec<Segment> = Vec::new();
    let push_copied = |literal: &mut Vec<Segment>, range: Range<usize>| {
        if let Some(Segment::Copied(last)) = literal.last_mut()
            && last.end == range.start
        {
            last.end = range.end;
            return;
        }
        literal.push(Segment::Copied(range));
    };
    let mut at = content.start;
    while at < content.end {
        let b = bytes[at];
        let next = bytes.get(at + 1).copied();
        if (b == b'$' || b == b'%') && next == Some(b) && bytes.get(at + 2) == Some(&b'{') {
            push_copied(&mut literal, at + 1..at + 3);
            at += 3;
        } else if (b == b'$' || b == b'%') && next == Some(b'{') {
            let end = tag_end(bytes, at + 2, content.end);
            let mut inner = at + 2..end.saturating_sub(1).max(at + 2);
            let strip_before = bytes.get(inner.start) == Some(&b'~');
            if strip_before {
                inner.start += 1;
            }
            let strip_after = inner.end > inner.start && bytes[inner.end - 1] == b'~';
            if strip_after {
                inner.end -= 1;
            }
            while inner.start < inner.end && bytes[inner.start].is_ascii_whitespace() {
                inner.start += 1;
            }
            while inner.end > inner.start && bytes[inner.end - 1].is_ascii_whitespace() {
                inner.end -= 1;
            }
            if !literal.is_empty() {
                tokens.push(Token::Literal(std::mem::take(&mut literal)));
            }
            let tag = Tag {
                span: at..end,
                inner,
                strip_before,
                strip_after,
            };
            tokens.push(if b == b'$' {
                Token::Interpolation(tag)
            } else {
                Token::Directive(tag)
            });
            at = end;
        } else if form == Form::Quoted && b == b'\\' && at + 1 < content.end {
            let (length, text) = unescape(&file[at..content.end]);
            literal.push(Segment::Escape {
                source: at..at + length,
                text,
            });
            at += length;
        } else if b == b'\n' {
            push_copied(&mut literal, at..at + 1);
            tokens.push(Token::Literal(std::mem::take(&mut literal)));
            at += 1;
        } else {
            let step = file[at..].chars().next().map_or(1, char::len_utf8);
            push_copied(&mut literal, at..at + step);
            at += step;
        }
    }
    if !literal.is_empty() {
        tokens.push(Token::Literal(literal));
    }
    strip(&mut tokens, file);
    if form == Form::FlushHeredoc {
        flush(&mut tokens, file);
    }
    tokens
}

/// The end of a `${…}`/`%{…}` whose inside starts at `from` (after its `}`).
fn tag_end(bytes: &[u8], from: usize, limit: usize) -> usize {
    let mut depth = 0usize;
    let mut quote = false;
    let mut at = from;
    while at < limit {
        let b = bytes[at];
        if quote {
            if b == b'\\' {
                at += 1;
            } else if b == b'"' {
                quote = false;
            }
        } else if b == b'"' {
            quote = true;
        } else if b == b'{' {
            depth += 1;
        } else if b == b'}' {
            if depth == 0 {
                return at + 1;
            }
            depth -= 1;
        }
        at += 1;
    }
    limit
}

/// A quoted string's escape at the start of `text`: its length and what it stands for.
fn unescape(text: &str) -> (usize, String) {
    let mut chars = text.chars();
    chars.next();
    let Some(c) = chars.next() else {
        return (1, "\\".to_owned());
    };
    let simple = match c {
        'n' => Some("\n"),
        'r' => Some("\r"),
        't' => Some("\t"),
        '"' => Some("\""),
        '\\' => Some("\\"),
        _ => None,
    };
    if let Some(s) = simple {
        return (2, s.to_owned());
    }
    let digits = match c {
        'u' => 4,
        'U' => 8,
        _ => return (1 + c.len_utf8(), c.to_string()),
    };
    let hex = text.get(2..2 + digits).unwrap_or_default();
    match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
        Some(decoded) if hex.len() == digits => (2 + digits, decoded.to_string()),
        _ => (2, c.to_string()),
    }
}

/// `~`: a tag's strip marker trims the whitespace of the literal token next to it — one token,
/// so at most the rest of a line and its line break.
fn strip(tokens: &mut [Token], file: &str) {
    for index in 0..tokens.len() {
        let (before, after) = match &tokens[index] {
            Token::Interpolation(tag) | Token::Directive(tag) => {
                (tag.strip_before, tag.strip_after)
            }
            Token::Literal(_) => continue,
        };
        if before
            && index > 0
            && let Token::Literal(segments) = &mut tokens[index - 1]
        {
            trim_end(segments, file);
        }
        if after && let Some(Token::Literal(segments)) = tokens.get_mut(index + 1) {
            trim_start(segments, file);
        }
    }
}

fn is_space(c: char) -> bool {
    c.is_whitespace()
}

fn trim_start(segments: &mut Vec<Segment>, file: &str) -> usize {
    let mut removed = 0;
    while let Some(first) = segments.first_mut() {
        match first {
            Segment::Copied(range) => {
                let text = &file[range.clone()];
                let kept = text.trim_start_matches(is_space);
                removed += text.chars().count() - kept.chars().count();
                range.start = range.end - kept.len();
                if !kept.is_empty() {
                    return removed;
                }
            }
            Segment::Escape { text, .. } => {
                if !text.chars().all(is_space) {
                    return removed;
                }
                removed += text.chars().count();
            }
        }
        segments.remove(0);
    }
    removed
}

fn trim_end(segments: &mut Vec<Segment>, file: &str) {
    while let Some(last) = segments.last_mut() {
        match last {
            Segment::Copied(range) => {
                let kept = file[range.clone()].trim_end_matches(is_space);
                range.end = range.start + kept.len();
                if !kept.is_empty() {
                    return;
                }
            }
            Segment::Escape { text, .. } => {
                if !text.chars().all(is_space) {
                    return;
                }
            }
        }
        segments.pop();
    }
}

/// `flushHeredocTemplateParts`: the smallest indentation among the literal tokens that start
/// a line (a token of spaces ending in a line break is a blank line and is neither counted nor
/// changed; a line starting with `${`/`%{` counts 0) is removed from each of them. Counted in
/// characters, after strip markers (a line whose break a `~}` took starts no line).
fn flush(tokens: &mut [Token], file: &str) {
    let mut min = usize::MAX;
    let mut adjust = Vec::new();
    let mut newline = true;
    for (index, token) in tokens.iter().enumerate() {
        if newline {
            newline = false;
            let spaces = match token {
                Token::Literal(segments) => {
                    let text = literal_text(segments, file);
                    let trimmed = text.trim_start_matches(is_space);
                    if trimmed.is_empty() && text.ends_with('\n') {
                        usize::MAX
                    } else {
                        adjust.push(index);
                        // `\r\n` is one character (a grapheme cluster) for hclsyntax.
                        let leading = &text[..text.len() - trimmed.len()];
                        leading.chars().count() - leading.matches("\r\n").count()
                    }
                }
                _ => 0,
            };
            min = min.min(spaces);
        }
        if let Token::Literal(segments) = token
            && literal_text(segments, file).ends_with('\n')
        {
            newline = true;
        }
    }
    if min == usize::MAX || min == 0 {
        return;
    }
    for index in adjust {
        if let Token::Literal(segments) = &mut tokens[index] {
            let mut left = min;
            while left > 0 {
                let Some(Segment::Copied(range)) = segments.first_mut() else {
                    break;
                };
                let text = &file[range.clone()];
                let cut: usize = text.chars().take(left).map(char::len_utf8).sum();
                left -= text[..cut].chars().count();
                range.start += cut;
                if range.start == range.end {
                    segments.remove(0);
                } else {
                    break;
                }
            }
        }
    }
}

/// A template's text with each interpolation, and each whole `%{ if }…%{ endif }` or
/// `%{ for }…%{ endfor }`, written as U+0001: what `hclsyntax` gives as a template's parts,
/// for the differential test.
pub fn skeleton(file: &str, template: &TemplateSpan) -> String {
    let mut text = String::new();
    let mut depth = 0usize;
    for token in tokens(file, template.content.clone(), template.form) {
        match token {
            Token::Literal(segments) if depth == 0 => text.push_str(&literal_text(&segments, file)),
            Token::Literal(_) => {}
            Token::Interpolation(_) if depth == 0 => text.push('\u{1}'),
            Token::Interpolation(_) => {}
            Token::Directive(tag) => {
                let keyword = file[tag.inner.clone()]
                    .split_whitespace()
                    .next()
                    .unwrap_or_default();
                match keyword {
                    "if" | "for" => {
                        if depth == 0 {
                            text.push('\u{1}');
                        }
                        depth += 1;
                    }
                    "endif" | "endfor" => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_attributes_blocks_and_templates() {
        let file = "variable \"port\" {\n  default = 1194 # the port\n}\nlocals {\n  cidr = \"fd00::/64\"\n}\nresource \"local_file\" \"c\" {\n  content = <<-EOT\n    client\n  EOT\n  x = templatefile(\"${path.module}/c.tftpl\", { port = var.port })\n}\n";
        let parsed = parse(file).unwrap();
        assert_eq!(parsed.body.blocks.len(), 3);
        let variable = &parsed.body.blocks[0];
        assert_eq!(variable.labels, ["port"]);
        assert_eq!(&file[variable.body.attributes[0].expr.clone()], "1194");
        assert_eq!(parsed.calls.len(), 1);
        assert_eq!(
            &file[parsed.calls[0].path.clone()],
            "\"${path.module}/c.tftpl\""
        );
        assert_eq!(
            &file[parsed.calls[0].vars.clone().unwrap()],
            "{ port = var.port }"
        );
        let heredoc = parsed
            .templates
            .iter()
            .find(|t| t.form == Form::FlushHeredoc)
            .unwrap();
        assert_eq!(skeleton(file, heredoc), "client\n");
    }

    #[test]
    fn flush_heredocs_as_hclsyntax_reads_them() {
        // Checked against hclsyntax (tests/terraform_differential.rs does it on every fixture).
        let file = "a = <<-EOT\n    client\n      dev tun\n\n    ${x}\n    %{ if y ~}\n    yes\n    %{ endif ~}\n    after\n  EOT\n";
        let parsed = parse(file).unwrap();
        assert_eq!(
            skeleton(file, &parsed.templates[0]),
            "client\n  dev tun\n\n\u{1}\n\u{1}    after\n"
        );
        let crlf = "y = <<-EOT\r\n    a\r\n   \r\n      b\r\n    EOT\r\n";
        let parsed = parse(crlf).unwrap();
        assert_eq!(skeleton(crlf, &parsed.templates[0]), "a\r\n   \r\n  b\r\n");
        let dollar = "z = <<-X\n  a\n${v}\n  X\n";
        let parsed = parse(dollar).unwrap();
        assert_eq!(skeleton(dollar, &parsed.templates[0]), "  a\n\u{1}\n");
    }

    #[test]
    fn escapes_in_quoted_strings_and_templates() {
        let file = "c = \"client\\ndev $${x} %%{y}\\u0041\"\n";
        let parsed = parse(file).unwrap();
        assert_eq!(
            skeleton(file, &parsed.templates[0]),
            "client\ndev ${x} %{y}A"
        );
    }

    #[test]
    fn mistakes_say_their_line() {
        assert_eq!(
            parse("a = 1\nb = <<EOT\nx\n").unwrap_err(),
            "line 2: the heredoc `<<EOT` is never closed"
        );
        assert_eq!(
            parse("a = \"x\nb = 1\n").unwrap_err(),
            "line 1: a quoted string is never closed"
        );
        assert!(
            parse("resource \"x\" {\n a = 1\n")
                .unwrap_err()
                .starts_with("line ")
        );
    }
}
