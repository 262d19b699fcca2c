//! Splits a Jinja2 template into literal text and tags, with byte ranges into the template, and
//! applies Jinja2's whitespace rules (`-`/`+` markers, `trim_blocks`, `lstrip_blocks`) to the
//! literal text itself, so that every literal byte that reaches the output is a known slice of
//! the template. A port of the parts of Jinja2's `Lexer.tokeniter` that decide which bytes of
//! text survive.

use std::ops::Range;

/// Jinja2's whitespace options (Ansible's defaults: `trim_blocks` on, `lstrip_blocks` off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Whitespace {
    pub trim_blocks: bool,
    pub lstrip_blocks: bool,
}

/// A part of the template, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Literal text that reaches the output (never empty).
    Text(Range<usize>),
    /// `{{ … }}`: `inner` is the expression, without delimiters and whitespace markers.
    Expression {
        tag: Range<usize>,
        inner: Range<usize>,
    },
    /// `{% … %}`: `inner` is the statement.
    Statement {
        tag: Range<usize>,
        inner: Range<usize>,
    },
}

/// A tag that does not close, or a `{% raw %}` without `{% endraw %}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    /// Byte offset of the tag that is not closed.
    pub offset: usize,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagKind {
    Expression,
    Statement,
    Comment,
}

#[derive(Debug)]
struct Tag {
    kind: TagKind,
    range: Range<usize>,
    inner: Range<usize>,
    /// `-`, `+` or none, right after the opening delimiter.
    open_marker: Option<u8>,
    /// `-`, `+` or none, right before the closing delimiter.
    close_marker: Option<u8>,
}

/// Splits `source[range]` into segments with the whitespace rules applied.
pub fn segments(
    source: &str,
    range: Range<usize>,
    whitespace: Whitespace,
) -> Result<Vec<Segment>, LexError> {
    let bytes = source.as_bytes();
    let end = range.end;
    let mut pos = range.start;
    let mut segments = Vec::new();
    // Whether the text after the previous tag starts a line (Jinja2's `line_starting`).
    let mut line_starting = true;
    // How the previous tag ends: its close marker and whether it is a block or comment.
    let mut previous: Option<(Option<u8>, TagKind)> = None;
    loop {
        let tag = next_tag(source, pos, end)?;
        let text_end = tag.as_ref().map_or(end, |tag| tag.range.start);
        let mut text = pos..text_end;
        // Whitespace after the previous tag.
        if let Some((close_marker, kind)) = previous {
            if close_marker == Some(b'-') {
                while text.start < text.end && bytes[text.start].is_ascii_whitespace() {
                    text.start += 1;
                }
            } else if whitespace.trim_blocks
                && kind != TagKind::Expression
                && close_marker.is_none()
            {
                if source[text.clone()].starts_with("\r\n") {
                    text.start += 2;
                } else if source[text.clone()].starts_with('\n') {
                    text.start += 1;
                }
            }
            line_starting = text.start > range.start && bytes[text.start - 1] == b'\n';
        }
        // Whitespace before this tag.
        if let Some(tag) = &tag {
            if tag.open_marker == Some(b'-') {
                while text.end > text.start && bytes[text.end - 1].is_ascii_whitespace() {
                    text.end -= 1;
                }
            } else if whitespace.lstrip_blocks
                && tag.kind != TagKind::Expression
                && tag.open_marker.is_none()
            {
                let line_start = source[text.clone()]
                    .rfind('\n')
                    .map(|at| text.start + at + 1);
                if let Some(line_start) = line_start.or(line_starting.then_some(text.start)) {
                    let rest = &bytes[line_start..text.end];
                    if !rest.is_empty() && rest.iter().all(|b| matches!(b, b' ' | b'\t')) {
                        text.end = line_start;
                    }
                }
            }
        }
        if !text.is_empty() {
            segments.push(Segment::Text(text));
        }
        let Some(tag) = tag else { break };
        pos = tag.range.end;
        match tag.kind {
            TagKind::Expression => segments.push(Segment::Expression {
                tag: tag.range.clone(),
                inner: tag.inner.clone(),
            }),
            TagKind::Comment => {}
            TagKind::Statement if source[tag.inner.clone()].trim() == "raw" => {
                let (content, endraw) = raw_block(source, &tag, end)?;
                if !content.is_empty() {
                    segments.push(Segment::Text(content));
                }
                pos = endraw.range.end;
                previous = Some((endraw.close_marker, TagKind::Statement));
                continue;
            }
            TagKind::Statement => segments.push(Segment::Statement {
                tag: tag.range.clone(),
                inner: tag.inner.clone(),
            }),
        }
        previous = Some((tag.close_marker, tag.kind));
    }
    Ok(segments)
}

/// The `{# … #}` comments of a template (whole tags, delimiters included), for suppression
/// comments such as `{# ovpn6-lint: disable=… #}`. Comments inside `{% raw %}` are text, not
/// comments; a tag that does not close ends the search.
pub fn comments(source: &str) -> Vec<Range<usize>> {
    let mut comments = Vec::new();
    let mut pos = 0;
    while let Ok(Some(tag)) = next_tag(source, pos, source.len()) {
        pos = tag.range.end;
        match tag.kind {
            TagKind::Comment => comments.push(tag.range),
            TagKind::Statement if source[tag.inner.clone()].trim() == "raw" => {
                match raw_block(source, &tag, source.len()) {
                    Ok((_, endraw)) => pos = endraw.range.end,
                    Err(_) => break,
                }
            }
            _ => {}
        }
    }
    comments
}

/// The next `{{`, `{%` or `{#` tag at or after `pos`, read to its end.
fn next_tag(source: &str, pos: usize, end: usize) -> Result<Option<Tag>, LexError> {
    let bytes = source.as_bytes();
    let mut at = pos;
    while let Some(found) = memchr::memchr(b'{', &bytes[at..end]) {
        let start = at + found;
        let kind = match bytes.get(start + 1) {
            Some(b'{') if start + 1 < end => TagKind::Expression,
            Some(b'%') if start + 1 < end => TagKind::Statement,
            Some(b'#') if start + 1 < end => TagKind::Comment,
            _ => {
                at = start + 1;
                continue;
            }
        };
        let mut inner_start = start + 2;
        let open_marker = match bytes.get(inner_start) {
            Some(&marker @ (b'-' | b'+')) if inner_start < end => {
                inner_start += 1;
                Some(marker)
            }
            _ => None,
        };
        let close = match kind {
            TagKind::Comment => find_comment_end(bytes, inner_start, end),
            TagKind::Expression => find_tag_end(bytes, inner_start, end, b'}'),
            TagKind::Statement => find_tag_end(bytes, inner_start, end, b'%'),
        };
        let Some(close) = close else {
            let what = match kind {
                TagKind::Expression => "`{{` is not closed by `}}`",
                TagKind::Statement => "`{%` is not closed by `%}`",
                TagKind::Comment => "`{#` is not closed by `#}`",
            };
            return Err(LexError {
                offset: start,
                message: what.to_string(),
            });
        };
        let mut inner_end = close;
        let close_marker = match bytes.get(close.wrapping_sub(1)) {
            Some(&marker @ (b'-' | b'+')) if close > inner_start => {
                // `+` closes only blocks and comments; in `{{ a +}}` it would be an operator.
                if marker == b'-' || kind != TagKind::Expression {
                    inner_end -= 1;
                    Some(marker)
                } else {
                    None
                }
            }
            _ => None,
        };
        return Ok(Some(Tag {
            kind,
            range: start..close + 2,
            inner: inner_start..inner_end,
            open_marker,
            close_marker,
        }));
    }
    Ok(None)
}

/// The offset of the `#}` that closes a comment.
fn find_comment_end(bytes: &[u8], from: usize, end: usize) -> Option<usize> {
    memchr::memmem::find(&bytes[from..end], b"#}").map(|at| from + at)
}

/// The offset of the `}}`/`%}` that closes a tag, outside string literals and brackets.
fn find_tag_end(bytes: &[u8], from: usize, end: usize, closer: u8) -> Option<usize> {
    let mut depth = 0usize;
    let mut at = from;
    while at < end {
        match bytes[at] {
            quote @ (b'\'' | b'"') => {
                at += 1;
                while at < end && bytes[at] != quote {
                    if bytes[at] == b'\\' {
                        at += 1;
                    }
                    at += 1;
                }
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b'}' if depth > 0 => depth -= 1,
            byte if byte == closer && depth == 0 && bytes.get(at + 1) == Some(&b'}') => {
                if at + 1 < end {
                    return Some(at);
                }
                return None;
            }
            _ => {}
        }
        at += 1;
    }
    None
}

/// The content of a `{% raw %}` block (whitespace markers applied) and its `{% endraw %}` tag.
fn raw_block(source: &str, raw: &Tag, end: usize) -> Result<(Range<usize>, Tag), LexError> {
    let bytes = source.as_bytes();
    let mut search = raw.range.end;
    loop {
        let Some(tag) = next_tag(source, search, end)? else {
            return Err(LexError {
                offset: raw.range.start,
                message: "`{% raw %}` is not closed by `{% endraw %}`".to_string(),
            });
        };
        if tag.kind == TagKind::Statement && source[tag.inner.clone()].trim() == "endraw" {
            let mut content = raw.range.end..tag.range.start;
            if raw.close_marker == Some(b'-') {
                while content.start < content.end && bytes[content.start].is_ascii_whitespace() {
                    content.start += 1;
                }
            }
            if tag.open_marker == Some(b'-') {
                while content.end > content.start && bytes[content.end - 1].is_ascii_whitespace() {
                    content.end -= 1;
                }
            }
            return Ok((content, tag));
        }
        search = tag.range.start + 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANSIBLE: Whitespace = Whitespace {
        trim_blocks: true,
        lstrip_blocks: false,
    };

    /// The literal text that survives, joined with `|` where tags were.
    fn texts(source: &str, whitespace: Whitespace) -> String {
        segments(source, 0..source.len(), whitespace)
            .unwrap()
            .iter()
            .map(|segment| match segment {
                Segment::Text(range) => source[range.clone()].to_string(),
                Segment::Expression { inner, .. } => format!("<{}>", source[inner.clone()].trim()),
                Segment::Statement { inner, .. } => format!("[{}]", source[inner.clone()].trim()),
            })
            .collect()
    }

    #[test]
    fn trim_blocks_eats_one_newline_after_a_block_but_not_after_an_expression() {
        let source = "{% if a %}\nx {{ b }}\n{% endif %}\n\ny\n";
        assert_eq!(texts(source, ANSIBLE), "[if a]x <b>\n[endif]\ny\n");
    }

    #[test]
    fn minus_strips_all_whitespace_and_plus_keeps_it() {
        let source = "a  \n {%- if x -%}  \n b {{- y -}}\t c {%+ endif +%}\nd";
        assert_eq!(texts(source, ANSIBLE), "a[if x]b<y>c [endif]\nd");
    }

    #[test]
    fn lstrip_blocks_removes_indentation_before_blocks_and_comments_only() {
        let whitespace = Whitespace {
            trim_blocks: true,
            lstrip_blocks: true,
        };
        let source = "  {% if a %}\n  x {% if b %}\n    {{ c }}\n  {# note #}\n  {%+ endif %}\n";
        assert_eq!(
            texts(source, whitespace),
            "[if a]  x [if b]    <c>\n  [endif]"
        );
    }

    #[test]
    fn comments_and_raw_blocks() {
        let source = "a{# {{ not }} #}\nb{% raw %}{{ kept }}{% endraw %}\nc";
        assert_eq!(texts(source, ANSIBLE), "ab{{ kept }}c");
    }

    #[test]
    fn tag_ends_inside_strings_and_brackets_do_not_close_the_tag() {
        let source = "{{ '}}' ~ {'k': 1}['k'] }}!";
        assert_eq!(texts(source, ANSIBLE), "<'}}' ~ {'k': 1}['k']>!");
    }

    #[test]
    fn crlf_after_a_block_is_one_newline() {
        assert_eq!(texts("{% if a %}\r\nx\r\n", ANSIBLE), "[if a]x\r\n");
    }

    #[test]
    fn comments_are_found_outside_raw_blocks() {
        let source = "a {# ovpn6-lint: disable=x #}\n{% raw %}{# text #}{% endraw %}{#- b -#}";
        let found: Vec<&str> = comments(source).into_iter().map(|r| &source[r]).collect();
        assert_eq!(found, ["{# ovpn6-lint: disable=x #}", "{#- b -#}"]);
    }

    #[test]
    fn an_unclosed_tag_is_an_error_at_its_start() {
        let error = segments("ab\n{{ x\n", 0..8, ANSIBLE).unwrap_err();
        assert_eq!(error.offset, 3);
        let error = segments("{% raw %}x", 0..10, ANSIBLE).unwrap_err();
        assert!(error.message.contains("endraw"));
    }
}
