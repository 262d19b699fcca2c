//! The file reader: lines as `fgets()` cuts them, the BOM, inline blocks and `<connection>`
//! bodies, as OpenVPN 2.6's `read_config_file()`, `read_inline_file()` and
//! `read_config_string()` do it.

use compact_str::CompactString;
use memchr::memchr;

use super::tokenizer::{Line, StoredWord, TokenError, tokenize_into};
use super::{File, InlineBlock, Parsed, Span, StoredDirective, SyntaxError, SyntaxErrorKind};

/// OpenVPN refuses a line of this many bytes or more (line ending and BOM included).
pub const OPTION_LINE_SIZE: usize = 256;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads one file, which the result keeps. Never fails: problems are collected in
/// [`Parsed::errors`].
pub fn parse(text: impl Into<Vec<u8>>) -> Parsed {
    // UTF-8 is checked once for the whole file; words are then slices of it, not decoded again.
    let file = File::read(text.into());
    let text = file.bytes();
    // Room for the lists up front, judged from the size (counting lines would cost more than
    // the growth it spares): growing them instead would allocate and copy each of them five or
    // six times in a profile of a hundred lines, and touch twice the memory of a big file.
    // Room left unused is never touched. A directive takes 24 bytes or more in nearly every
    // file (`route-ipv6 2001:db8::/32` is 24), a word 12, a comment 48.
    let mut parsed = Parsed {
        directives: Vec::with_capacity(text.len() / 24 + 8),
        words: Vec::with_capacity(text.len() / 12 + 16),
        comments: Vec::with_capacity(text.len() / 48 + 8),
        bom: text.starts_with(BOM),
        ..Parsed::default()
    };
    read_lines(
        text,
        file.text(),
        0..text.len(),
        Mode::File,
        None,
        &mut parsed,
    );
    parsed.file = file;
    parsed
}

/// Top-level files and `<connection>` bodies cut lines differently.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `fgets(line, 257)`: chunks of at most 256 bytes including the `\n`; a chunk whose C
    /// string length is 256 is fatal.
    File,
    /// `buf_parse(buf, '\n', line, 256)`: the `\n` is dropped, a line of 256 bytes or more is
    /// cut at 255 and goes on two bytes later ([`buf_parse_line`]).
    ConnectionBody,
}

/// `utf8` is `text` as a string, when all of it is valid UTF-8.
fn read_lines(
    text: &[u8],
    utf8: Option<&str>,
    range: Span,
    mode: Mode,
    connection: Option<usize>,
    parsed: &mut Parsed,
) {
    let mut pos = range.start;
    let end = range.end;
    let mut first = true;
    while pos < end {
        let (mut line, next) = match mode {
            Mode::File => fgets_c_string(text, pos, end, OPTION_LINE_SIZE + 1),
            Mode::ConnectionBody => {
                let (chunk, next) = buf_parse_line(text, pos, end);
                (cut_at_nul(text, chunk), next)
            }
        };
        let mut resume = next;

        if mode == Mode::File && line.len() == OPTION_LINE_SIZE {
            let physical_end = line_end(text, pos, end);
            // OpenVPN stops here. Go on with the whole physical line, so its words are still seen.
            parsed.errors.push(SyntaxError {
                span: pos..content_end(text, pos, physical_end),
                kind: SyntaxErrorKind::LineTooLong {
                    len: physical_end - pos,
                },
            });
            line = cut_at_nul(text, pos..physical_end);
            resume = physical_end;
        }
        let first_line = mode == Mode::File && first;
        if first_line && text[line.clone()].starts_with(BOM) {
            line.start += BOM.len();
        }
        first = false;

        let first_word = parsed.words.len();
        let tokens = tokenize_into(
            &text[line.clone()],
            &Line {
                text: utf8,
                offset: line.start,
                file_offset: line.start,
            },
            &mut parsed.words,
            &mut parsed.unescaped,
        );
        if let Some(start) = tokens.comment_start {
            parsed
                .comments
                .push(start..content_end(text, start, line.end));
        }
        pos = resume;
        if let Some(error) = tokens.error {
            // OpenVPN stops at this line; its words are not taken.
            parsed.words.truncate(first_word);
            parsed.errors.push(token_error(error, text, line.end));
            continue;
        }
        if parsed.words.len() == first_word {
            continue;
        }

        let words = &mut parsed.words[first_word..];
        let name = words[0].text(utf8, &parsed.unescaped);
        if name.len() >= 3 && name.starts_with("--") {
            // OpenVPN takes the option name without its leading `--`.
            words[0].trim_text(2, 0);
        }
        if words[0]
            .text(utf8, &parsed.unescaped)
            .starts_with('\u{feff}')
            && !first_line
        {
            parsed.errors.push(SyntaxError {
                span: words[0].span().start..words[0].span().start + BOM.len(),
                kind: SyntaxErrorKind::MisplacedBom,
            });
        }
        let line_span = words[0].span().start..words[words.len() - 1].span().end;
        let tag = inline_tag(words, utf8, &parsed.unescaped);
        let mut directive = StoredDirective {
            words: index_u32(first_word)..index_u32(parsed.words.len()),
            line: line_span,
            connection,
            block: None,
        };
        if let Some(tag) = tag {
            let body_start = pos;
            let (body, close) = read_inline_body(text, body_start, end, &tag, mode);
            let index = parsed.blocks.len();
            let opener = &mut parsed.words[first_word];
            if close.is_none() {
                parsed.errors.push(SyntaxError {
                    span: opener.span(),
                    kind: SyntaxErrorKind::MissingEndTag {
                        tag: tag.to_string(),
                    },
                });
            }
            let open = opener.span();
            // The opener stands for its tag.
            opener.trim_text(1, 1);
            let is_connection = tag == "connection" && connection.is_none();
            parsed.blocks.push(InlineBlock {
                tag,
                open,
                body: body.clone(),
                close: close.clone(),
                connection,
            });
            directive.block = Some(index);
            pos = close.map_or(end, |c| c.end);
            parsed.directives.push(directive);
            if is_connection {
                read_lines(text, utf8, body, Mode::ConnectionBody, Some(index), parsed);
            }
            continue;
        }
        parsed.directives.push(directive);
    }
}

/// A word list's index as [`StoredDirective`] keeps it.
fn index_u32(index: usize) -> u32 {
    u32::try_from(index).expect("a file has fewer than 4 billion words")
}

/// `<tag>` alone on a line opens an inline block (checked after `--` stripping).
fn inline_tag(words: &[StoredWord], file: Option<&str>, unescaped: &str) -> Option<CompactString> {
    let [word] = words else {
        return None;
    };
    let text = word.text(file, unescaped);
    (text.len() >= 2 && text.starts_with('<') && text.ends_with('>'))
        .then(|| CompactString::from(&text[1..text.len() - 1]))
}

/// Reads a block body from `start` up to the first line that, after leading whitespace, starts
/// with `</tag>`. `read_inline_file()` reads lines in pieces of at most 255 bytes (`fgets()` in
/// a file, `buf_parse()` in a `<connection>` body, which loses the 2 bytes after each piece),
/// so the tag counts only at the start of such a piece; the search jumps from one `<` to the
/// next rather than reading the body line by line (certificate bodies are most of a profile,
/// and base64 has no `<`).
/// Returns the body and the closing line, or the rest of the text and `None`.
fn read_inline_body(
    text: &[u8],
    start: usize,
    end: usize,
    tag: &str,
    mode: Mode,
) -> (Span, Option<Span>) {
    let tag = tag.as_bytes();
    let close_len = tag.len() + 3;
    let is_close_tag = |at: usize| {
        let rest = &text[at..end];
        rest.len() >= close_len
            && rest[1] == b'/'
            && rest[2..].starts_with(tag)
            && rest[2 + tag.len()] == b'>'
    };
    let mut from = start;
    while let Some(found) = memchr(b'<', &text[from..end]) {
        let at = from + found;
        if is_close_tag(at)
            && let Some(piece_start) = piece_start_before(text, start, at, close_len, mode)
        {
            let next = match mode {
                Mode::File => fgets(text, piece_start, end, OPTION_LINE_SIZE).1,
                Mode::ConnectionBody => buf_parse_line(text, piece_start, end).1,
            };
            return (start..piece_start, Some(piece_start..next));
        }
        from = at + 1;
    }
    (start..end, None)
}

/// Where the 255-byte piece that holds `at` starts, when only whitespace comes before `at` in
/// it and the `len` bytes at `at` fit in it: then OpenVPN sees the closing tag there. Pieces
/// follow each other in a file; in a `<connection>` body 2 lost bytes come between them.
fn piece_start_before(
    text: &[u8],
    body_start: usize,
    at: usize,
    len: usize,
    mode: Mode,
) -> Option<usize> {
    const PIECE: usize = OPTION_LINE_SIZE - 1;
    let stride = match mode {
        Mode::File => PIECE,
        Mode::ConnectionBody => PIECE + 2,
    };
    let line_start =
        memchr::memrchr(b'\n', &text[body_start..at]).map_or(body_start, |i| body_start + i + 1);
    let piece_start = line_start + (at - line_start) / stride * stride;
    let only_blanks = text[piece_start..at]
        .iter()
        .all(|&c| c.is_ascii_whitespace() || c == 0x0b);
    (only_blanks && at + len <= piece_start + PIECE).then_some(piece_start)
}

/// C's `fgets(buf, size)`: up to `size - 1` bytes, stopping after a `\n`.
fn fgets(text: &[u8], pos: usize, end: usize, size: usize) -> (Span, usize) {
    let limit = end.min(pos + size - 1);
    let stop = memchr(b'\n', &text[pos..limit]).map_or(limit, |i| pos + i + 1);
    (pos..stop, stop)
}

/// [`fgets`] and the C string it leaves in the buffer (up to the first NUL): one search for
/// both in the common case, a line without NUL.
fn fgets_c_string(text: &[u8], pos: usize, end: usize, size: usize) -> (Span, usize) {
    let limit = end.min(pos + size - 1);
    match memchr::memchr2(b'\n', 0, &text[pos..limit]) {
        Some(i) if text[pos + i] == b'\n' => (pos..pos + i + 1, pos + i + 1),
        Some(i) => (pos..pos + i, fgets(text, pos, end, size).1),
        None => (pos..limit, limit),
    }
}

/// OpenVPN's `buf_parse(buf, '\n', line, 256)` in `read_config_string()`: the line without its
/// `\n`, cut to 255 bytes. `buf_parse` stores 256 bytes, reads one more to find that the line
/// goes on, and then writes the terminating NUL over the 256th: a line of 256 bytes or more
/// keeps its first 255, loses the next two, and its rest is read as the next line.
fn buf_parse_line(text: &[u8], pos: usize, end: usize) -> (Span, usize) {
    let newline = memchr(b'\n', &text[pos..end]).map(|i| pos + i);
    let line_end = newline.unwrap_or(end);
    if line_end - pos >= OPTION_LINE_SIZE {
        let kept = pos + OPTION_LINE_SIZE - 1;
        (pos..kept, (kept + 2).min(end))
    } else {
        let next = newline.map_or(end, |n| n + 1);
        (pos..line_end, next)
    }
}

/// The text OpenVPN sees: everything before the first NUL.
fn cut_at_nul(text: &[u8], span: Span) -> Span {
    let end = memchr(0, &text[span.clone()]).map_or(span.end, |i| span.start + i);
    span.start..end
}

/// The end of the physical line that starts at `pos`, past its `\n`.
fn line_end(text: &[u8], pos: usize, end: usize) -> usize {
    memchr(b'\n', &text[pos..end]).map_or(end, |i| pos + i + 1)
}

/// `end` moved back over a trailing `\n` and `\r`.
fn content_end(text: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && matches!(text[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    end
}

fn token_error(error: TokenError, text: &[u8], line_end: usize) -> SyntaxError {
    let to_line_end = |at: usize| at..content_end(text, at, line_end).max(at + 1);
    match error {
        TokenError::BadBackslash(at) => SyntaxError {
            span: at..(at + 2).min(line_end),
            kind: SyntaxErrorKind::BadBackslash,
        },
        TokenError::UnclosedDoubleQuote(at) => SyntaxError {
            span: to_line_end(at),
            kind: SyntaxErrorKind::UnclosedQuote { quote: '"' },
        },
        TokenError::UnclosedSingleQuote(at) => SyntaxError {
            span: to_line_end(at),
            kind: SyntaxErrorKind::UnclosedQuote { quote: '\'' },
        },
        TokenError::WordTooLong(at) => SyntaxError {
            span: to_line_end(at),
            kind: SyntaxErrorKind::WordTooLong,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(parsed: &Parsed) -> Vec<&str> {
        parsed.directives().map(|d| d.name()).collect()
    }

    fn kinds(parsed: &Parsed) -> Vec<&SyntaxErrorKind> {
        parsed.errors.iter().map(|e| &e.kind).collect()
    }

    #[test]
    fn reads_lines_and_skips_blank_and_comment_lines() {
        let parsed = parse(b"client\n\n# c\n; c\ndev tun\n");
        assert_eq!(names(&parsed), ["client", "dev"]);
        assert_eq!(parsed.comments, [8..11, 12..15]);
        assert!(parsed.errors.is_empty());
    }

    #[test]
    fn crlf_reads_like_lf_and_line_spans_exclude_the_ending() {
        let parsed = parse(b"dev tun\r\nroute-ipv6 2000::/3\r\n");
        assert_eq!(names(&parsed), ["dev", "route-ipv6"]);
        assert_eq!(parsed.directive(1).args().word(0).text(), "2000::/3");
        assert_eq!(parsed.directive(0).line, 0..7);
        let parsed = parse(b"  route-ipv6 2000::/3 # c\n");
        assert_eq!(parsed.directive(0).line, 2..21);
    }

    #[test]
    fn cr_only_file_is_one_line() {
        let parsed = parse(b"dev null\rverb 4\r");
        assert_eq!(parsed.directives.len(), 1);
        assert_eq!(parsed.directive(0).words().len(), 4);
    }

    #[test]
    fn bom_is_skipped_on_line_one_only() {
        let parsed = parse(b"\xEF\xBB\xBFdev tun\n\xEF\xBB\xBFroute-ipv6 2000::/3\n");
        assert!(parsed.bom);
        assert_eq!(parsed.directive(0).name(), "dev");
        assert_eq!(parsed.directive(0).words().word(0).span(), 3..6);
        assert_eq!(parsed.directive(1).name(), "\u{feff}route-ipv6");
        assert_eq!(kinds(&parsed), [&SyntaxErrorKind::MisplacedBom]);
    }

    #[test]
    fn line_limit_counts_the_line_ending_and_the_bom() {
        let ok = format!("{}\n", "#".repeat(254));
        assert!(parse(ok.as_bytes()).errors.is_empty());
        let lf = format!("{}\n", "#".repeat(255));
        assert_eq!(
            kinds(&parse(lf.as_bytes())),
            [&SyntaxErrorKind::LineTooLong { len: 256 }]
        );
        let crlf = format!("{}\r\n", "#".repeat(254));
        assert_eq!(parse(crlf.as_bytes()).errors.len(), 1);
        let bom = format!("\u{feff}{}\n", "#".repeat(252));
        assert_eq!(parse(bom.as_bytes()).errors.len(), 1);
        let last = "#".repeat(256);
        assert_eq!(parse(last.as_bytes()).errors.len(), 1);
        assert!(parse("#".repeat(255).as_bytes()).errors.is_empty());
    }

    #[test]
    fn a_long_line_is_still_read_whole() {
        let text = format!("route-ipv6 2000::/3 {}\ndev tun\n", " ".repeat(300));
        let parsed = parse(text.as_bytes());
        assert_eq!(names(&parsed), ["route-ipv6", "dev"]);
    }

    #[test]
    fn nul_ends_the_line() {
        let parsed = parse(b"route-ipv6 2000::/3\0 garbage \"\ndev tun\n");
        assert_eq!(parsed.directive(0).words().len(), 2);
        assert!(parsed.errors.is_empty());
        assert_eq!(names(&parsed), ["route-ipv6", "dev"]);
    }

    #[test]
    fn nul_hides_a_long_line_from_the_limit_and_splits_it() {
        // fgets reads 256 bytes, strlen stops at the NUL, and the rest is the next line.
        let text = format!("a\0{}dev tun\n", "x".repeat(254));
        let parsed = parse(text.as_bytes());
        assert!(parsed.errors.is_empty());
        assert_eq!(names(&parsed), ["a", "dev"]);
    }

    #[test]
    fn leading_double_dash_is_stripped_from_names_of_three_bytes_or_more() {
        let parsed = parse(b"--route-ipv6 2000::/3\n--\n-dev tun\n");
        assert_eq!(names(&parsed), ["route-ipv6", "--", "-dev"]);
    }

    #[test]
    fn inline_block_body_is_raw_and_closes_at_a_prefix_match() {
        let text = b"<ca>\n# not a comment\nroute-ipv6 x\n   </ca>junk\ndev tun\n";
        let parsed = parse(text);
        assert_eq!(names(&parsed), ["ca", "dev"]);
        let block = &parsed.blocks[0];
        assert_eq!(block.tag, "ca");
        assert_eq!(
            &text[block.body.clone()],
            b"# not a comment\nroute-ipv6 x\n"
        );
        assert_eq!(&text[block.close.clone().unwrap()], b"   </ca>junk\n");
        assert!(parsed.comments.is_empty());
    }

    #[test]
    fn inline_block_opens_with_quotes_dashes_and_a_comment() {
        assert_eq!(parse(b"  <ca>  # c\n</ca>\n").blocks.len(), 1);
        assert_eq!(parse(b"\"<ca>\"\n</ca>\n").blocks.len(), 1);
        assert_eq!(parse(b"--<ca>\n</ca>\n").blocks.len(), 1);
        assert_eq!(parse(b"<ca> foo\n").blocks.len(), 0);
        // A stray closing tag alone on a line opens a block named `/ca`, as in OpenVPN.
        assert_eq!(parse(b"</ca>\n").blocks[0].tag, "/ca");
    }

    #[test]
    fn closing_tag_counts_only_at_the_start_of_a_255_byte_chunk() {
        // 255 bytes, then `</ca>` on the same line: the second chunk starts with the tag.
        let text = format!("<ca>\n{}</ca>\n", "A".repeat(255));
        assert_eq!(
            parse(text.as_bytes()).blocks[0]
                .close
                .as_ref()
                .map(|c| c.start),
            Some(5 + 255)
        );
        // 254 bytes: the tag straddles the chunk boundary, so OpenVPN never sees it.
        let text = format!("<ca>\n{}</ca>\n", "A".repeat(254));
        assert!(parse(text.as_bytes()).blocks[0].close.is_none());
        // Blanks before the tag are skipped; anything else is not.
        assert!(parse(b"<ca>\n \t</ca>\n").blocks[0].close.is_some());
        assert!(parse(b"<ca>\nx</ca>\n").blocks[0].close.is_none());
        assert!(parse(b"<ca>\n\0</ca>\n").blocks[0].close.is_none());
    }

    #[test]
    fn closing_tag_in_a_connection_counts_at_the_start_of_a_buf_parse_piece() {
        let tls_auth_close = |line: &[u8]| {
            let mut text = b"<connection>\nremote a\n<tls-auth>\n".to_vec();
            text.extend_from_slice(line);
            text.extend_from_slice(b"\nblock-ipv6\n</tls-auth>\n</connection>\n");
            let parsed = parse(text.as_slice());
            parsed.blocks[1]
                .close
                .as_ref()
                .map(|close| text[close.clone()].to_vec())
        };
        // 255 bytes, then 2 lost bytes: the next piece starts with the tag.
        let mut line = vec![b'A'; 255];
        line.extend_from_slice(b"xy</tls-auth>");
        assert_eq!(tls_auth_close(&line), Some(b"</tls-auth>\n".to_vec()));
        // Right after 255 bytes, the `</` is lost: the tag on the later line closes.
        let mut line = vec![b'A'; 255];
        line.extend_from_slice(b"</tls-auth>");
        assert_eq!(tls_auth_close(&line), Some(b"</tls-auth>\n".to_vec()));
        let text = {
            let mut text = b"<connection>\nremote a\n<tls-auth>\n".to_vec();
            text.extend_from_slice(&[b'A'; 255]);
            text.extend_from_slice(b"xy</tls-auth>\nblock-ipv6\n</tls-auth>\n</connection>\n");
            text
        };
        assert!(names(&parse(text.as_slice())).contains(&"block-ipv6"));
    }

    #[test]
    fn inline_body_has_no_line_limit() {
        let text = format!("<ca>\n{}\n</ca>\n", "A".repeat(1000));
        let parsed = parse(text.as_bytes());
        assert!(parsed.errors.is_empty());
        assert_eq!(parsed.blocks[0].close.as_ref().map(|c| c.start), Some(1006));
    }

    #[test]
    fn closing_tag_is_case_sensitive_and_missing_end_tag_is_an_error() {
        let parsed = parse(b"<ca>\nx\n</CA>\ndev tun\n");
        assert_eq!(
            kinds(&parsed),
            [&SyntaxErrorKind::MissingEndTag { tag: "ca".into() }]
        );
        assert_eq!(names(&parsed), ["ca"]);
    }

    #[test]
    fn connection_body_is_read_as_directives() {
        let text = b"<connection>\nremote a 1194\nroute-ipv6 2000::/3\n</connection>\ndev tun\n";
        let parsed = parse(text);
        assert_eq!(
            names(&parsed),
            ["connection", "remote", "route-ipv6", "dev"]
        );
        assert_eq!(parsed.directive(2).connection, Some(0));
        assert_eq!(parsed.directive(3).connection, None);
        assert_eq!(
            &text[parsed.directive(2).words().word(1).span()],
            b"2000::/3"
        );
    }

    #[test]
    fn connection_body_line_of_256_bytes_or_more_keeps_255_and_loses_two() {
        // `#` and 254 `x`: 255 bytes kept; the space and the `b` are lost.
        let long = |tail_at: usize| {
            let mut text = b"<connection>\nremote a\n#".to_vec();
            text.extend(std::iter::repeat_n(b'x', tail_at - 1));
            text.extend_from_slice(b" block-ipv6\n</connection>\n");
            parse(text.as_slice())
        };
        assert_eq!(names(&long(255)), ["connection", "remote", "lock-ipv6"]);
        assert_eq!(names(&long(256)), ["connection", "remote", "block-ipv6"]);
        assert_eq!(names(&long(257)), ["connection", "remote", "block-ipv6"]);
        assert_eq!(names(&long(254)), ["connection", "remote", "ock-ipv6"]);
        // A line of exactly 256 bytes: the last byte and the `\n` are lost.
        let mut text = b"<connection>\nremote a\n#".to_vec();
        text.extend(std::iter::repeat_n(b'x', 254));
        text.extend_from_slice(b"y\ndev tun\n</connection>\n");
        let parsed = parse(text.as_slice());
        assert_eq!(names(&parsed), ["connection", "remote", "dev"]);
        assert_eq!(parsed.comments[0].len(), 255);
    }

    #[test]
    fn nested_connection_finds_no_end_tag() {
        let text =
            b"<connection>\nremote a\n<connection>\nremote b\n</connection>\n</connection>\n";
        let parsed = parse(text);
        assert!(parsed.errors.iter().any(|e| e.kind
            == SyntaxErrorKind::MissingEndTag {
                tag: "connection".into()
            }));
    }

    #[test]
    fn inline_block_inside_a_connection_is_read_from_the_body() {
        let text = b"<connection>\nremote a\n<tls-auth>\nKEY\n</tls-auth>\n</connection>\n";
        let parsed = parse(text);
        assert!(parsed.errors.is_empty());
        let inner = &parsed.blocks[1];
        assert_eq!(inner.tag, "tls-auth");
        assert_eq!(inner.connection, Some(0));
        assert!(inner.is_secret());
        assert_eq!(&text[inner.body.clone()], b"KEY\n");
    }

    #[test]
    fn token_errors_are_collected_and_reading_goes_on() {
        let parsed = parse(b"a \"b\nc 'd\ne \\x\ndev tun\n");
        assert_eq!(
            kinds(&parsed),
            [
                &SyntaxErrorKind::UnclosedQuote { quote: '"' },
                &SyntaxErrorKind::UnclosedQuote { quote: '\'' },
                &SyntaxErrorKind::BadBackslash
            ]
        );
        assert_eq!(names(&parsed), ["dev"]);
    }

    #[test]
    fn last_line_needs_no_newline() {
        let parsed = parse(b"dev tun\nroute-ipv6 2000::/3");
        assert_eq!(parsed.directive(1).line, 8..27);
    }
}
