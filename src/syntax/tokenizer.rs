//! OpenVPN's `parse_line()` as a state machine over one line's bytes, keeping the byte span of
//! every word.
//!
//! The port is exact for OpenVPN 2.6: comments start only where a word could start, a closing
//! quote ends the word at once, backslashes escape only `\`, `"` and whitespace outside single
//! quotes, and at most [`MAX_WORDS`] words are kept (the rest of the line is dropped silently).

use super::Span;

/// OpenVPN keeps at most this many words of a line (`MAX_PARMS`).
pub const MAX_WORDS: usize = 16;
/// OpenVPN's `OPTION_PARM_SIZE`: a word may hold at most 256 bytes.
const MAX_WORD_LEN: usize = 256;

/// One word of a line as the reader keeps it: where it was written, and where its text is.
/// No word is copied: a word written as it reads (no quotes, no escapes, valid UTF-8), which is
/// nearly every word, is its own text in the file; the others are unescaped, one after another,
/// into the file's one string of unescaped words. File offsets fit in `u32` (a file read has
/// fewer than 4 GiB).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredWord {
    /// Where the word was written, quotes and backslashes included.
    pub(super) span: std::ops::Range<u32>,
    /// Where its text is: in the file, or in the string of unescaped words.
    pub(super) text: std::ops::Range<u32>,
    /// The text is in the string of unescaped words.
    pub(super) unescaped: bool,
}

impl StoredWord {
    fn new(span: Span, text: Span, unescaped: bool) -> Self {
        Self {
            span: offset_u32(span.start)..offset_u32(span.end),
            text: offset_u32(text.start)..offset_u32(text.end),
            unescaped,
        }
    }

    pub fn span(&self) -> Span {
        self.span.start as usize..self.span.end as usize
    }

    /// Its text, given the file as text (when it is valid UTF-8) and the unescaped words.
    pub fn text<'a>(&self, file: Option<&'a str>, unescaped: &'a str) -> &'a str {
        let range = self.text.start as usize..self.text.end as usize;
        if self.unescaped {
            &unescaped[range]
        } else {
            // A word is its own text only in a file that is valid UTF-8.
            &file.expect("a word read from the file has a file of text")[range]
        }
    }

    /// Drops `front` bytes from the start of its text and `back` from the end: a leading `--`
    /// from an option name, the `<` and `>` around an inline block's tag.
    pub(super) fn trim_text(&mut self, front: u32, back: u32) {
        self.text = self.text.start + front..self.text.end - back;
    }
}

/// A file offset as [`StoredWord`] keeps it.
fn offset_u32(offset: usize) -> u32 {
    u32::try_from(offset).expect("a file read is smaller than 4 GiB")
}

/// A word of [`tokenize`]: its unescaped text and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub span: Span,
}

impl Token {
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// The words of one line, where its comment starts, and the error that makes OpenVPN stop.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TokenizedLine {
    pub words: Vec<Token>,
    /// The `#` or `;` (or the backslash before it) that starts a comment.
    pub comment_start: Option<usize>,
    pub error: Option<TokenError>,
}

/// What [`tokenize_into`] finds besides the words: where the comment starts, and the error
/// that makes OpenVPN stop.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LineEnd {
    /// The `#` or `;` (or the backslash before it) that starts a comment.
    pub comment_start: Option<usize>,
    pub error: Option<TokenError>,
}

/// Why OpenVPN refuses a line as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// A backslash before something other than `\`, `"` or whitespace, at this offset.
    BadBackslash(usize),
    /// A double quote opened at this offset never closes.
    UnclosedDoubleQuote(usize),
    /// A single quote opened at this offset never closes.
    UnclosedSingleQuote(usize),
    /// A word grew past 256 bytes; it starts at this offset.
    WordTooLong(usize),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Initial,
    Unquoted,
    DoubleQuoted,
    SingleQuoted,
}

/// Splits `line` (one line as OpenVPN read it, line ending included, already cut at the first
/// NUL) into words. `offset` is where `line` starts in the file, so spans are file offsets.
pub fn tokenize(line: &[u8], offset: usize) -> TokenizedLine {
    let mut words = Vec::new();
    let mut unescaped = String::new();
    let line_text = std::str::from_utf8(line).ok();
    let end = tokenize_into(
        line,
        &Line {
            text: line_text,
            offset: 0,
            file_offset: offset,
        },
        &mut words,
        &mut unescaped,
    );
    TokenizedLine {
        words: tokens(&words, line_text, &unescaped),
        comment_start: end.comment_start,
        error: end.error,
    }
}

/// Stored words as [`Token`]s, `text` being the line they were read from.
fn tokens(words: &[StoredWord], text: Option<&str>, unescaped: &str) -> Vec<Token> {
    words
        .iter()
        .map(|word| Token {
            text: word.text(text, unescaped).to_owned(),
            span: word.span(),
        })
        .collect()
}

/// Where a line is, for [`tokenize_into`].
pub struct Line<'a> {
    /// The text that holds the line when it is valid UTF-8: the whole file (the reader checks it
    /// once), or the line alone. Word texts are ranges of it.
    pub text: Option<&'a str>,
    /// Where the line starts in `text`.
    pub offset: usize,
    /// Where the line starts in the file: spans are file offsets.
    pub file_offset: usize,
}

/// [`tokenize`], appending the words to `words` (the reader keeps one list for a whole file)
/// and the text of words that differ from how they were written to `unescaped`. After an error,
/// the words pushed for this line are not to be taken.
pub fn tokenize_into(
    line: &[u8],
    at: &Line,
    words: &mut Vec<StoredWord>,
    unescaped: &mut String,
) -> LineEnd {
    tokenize_plain(line, at, words, unescaped)
        .unwrap_or_else(|| tokenize_any(line, at, words, unescaped))
}

/// A word's text as a range of the line's text (`at.text`) when the bytes that make it are its
/// text and valid UTF-8; else it is appended to `unescaped`, invalid UTF-8 shown with
/// replacement characters.
fn store(
    written: Span,
    text: &[u8],
    line: &[u8],
    at: &Line,
    words: &mut Vec<StoredWord>,
    unescaped: &mut String,
) {
    let span = at.file_offset + written.start..at.file_offset + written.end.min(line.len());
    let in_file = at.text.and_then(|file| {
        let range = at.offset + written.start..at.offset + written.start + text.len();
        (line.get(written.start..written.start + text.len()) == Some(text)
            && file.is_char_boundary(range.start)
            && file.is_char_boundary(range.end))
        .then_some(range)
    });
    let word = match in_file {
        Some(range) => StoredWord::new(span, range, false),
        None => {
            if unescaped.capacity() == 0 {
                // Room for the quoted words of most files at once, rather than growing for each.
                unescaped.reserve(256);
            }
            let start = unescaped.len();
            unescaped.push_str(&String::from_utf8_lossy(text));
            StoredWord::new(span, start..unescaped.len(), true)
        }
    };
    words.push(word);
}

/// OpenVPN's state machine, byte by byte.
fn tokenize_any(
    line: &[u8],
    at: &Line,
    words: &mut Vec<StoredWord>,
    unescaped: &mut String,
) -> LineEnd {
    let offset = at.file_offset;
    let mut result = LineEnd::default();
    let first_word = words.len();
    let mut state = State::Initial;
    let mut backslash_at: Option<usize> = None;
    // The unescaped word, at most `MAX_WORD_LEN` bytes (longer is an error).
    let mut word = [0u8; MAX_WORD_LEN];
    let mut word_len = 0;
    let mut word_start = 0;

    // OpenVPN walks the C string including its terminating NUL, which ends the last word.
    for i in 0..=line.len() {
        let c = line.get(i).copied().unwrap_or(0);
        let mut out = 0u8;
        if backslash_at.is_none() && c == b'\\' && state != State::SingleQuoted {
            backslash_at = Some(i);
        } else {
            let escaped = backslash_at.is_some();
            let mut done_at = None;
            match state {
                State::Initial => {
                    if !is_space(c) {
                        if c == b'#' || c == b';' {
                            result.comment_start = Some(offset + backslash_at.unwrap_or(i));
                            break;
                        }
                        word_start = backslash_at.unwrap_or(i);
                        if !escaped && c == b'"' {
                            state = State::DoubleQuoted;
                        } else if !escaped && c == b'\'' {
                            state = State::SingleQuoted;
                        } else {
                            out = c;
                            state = State::Unquoted;
                        }
                    }
                }
                State::Unquoted => {
                    if !escaped && is_space(c) {
                        done_at = Some(i);
                    } else {
                        out = c;
                    }
                }
                State::DoubleQuoted => {
                    if !escaped && c == b'"' {
                        done_at = Some(i + 1);
                    } else {
                        out = c;
                    }
                }
                State::SingleQuoted => {
                    if c == b'\'' {
                        done_at = Some(i + 1);
                    } else {
                        out = c;
                    }
                }
            }
            if let Some(end) = done_at {
                store(
                    word_start..end,
                    &word[..word_len],
                    line,
                    at,
                    words,
                    unescaped,
                );
                word_len = 0;
                state = State::Initial;
            }
            if let Some(at) = backslash_at
                && out != 0
                && !(out == b'\\' || out == b'"' || is_space(out))
            {
                result.error = Some(TokenError::BadBackslash(offset + at));
                return result;
            }
            backslash_at = None;
        }
        if out != 0 {
            if word_len >= MAX_WORD_LEN {
                result.error = Some(TokenError::WordTooLong(offset + word_start));
                return result;
            }
            word[word_len] = out;
            word_len += 1;
        }
        if words.len() - first_word >= MAX_WORDS || c == 0 {
            break;
        }
    }
    result.error = match state {
        State::DoubleQuoted => Some(TokenError::UnclosedDoubleQuote(offset + word_start)),
        State::SingleQuoted => Some(TokenError::UnclosedSingleQuote(offset + word_start)),
        State::Initial | State::Unquoted => None,
    };
    result
}

/// The state machine above for a line whose words hold no quotes or backslashes, which is
/// most lines: words are runs of non-blanks, and a word that starts with `#` or `;` starts a
/// comment. `None` when a quote or a backslash comes before the comment: the state machine
/// reads that line.
fn tokenize_plain(
    line: &[u8],
    at: &Line,
    words: &mut Vec<StoredWord>,
    unescaped: &mut String,
) -> Option<LineEnd> {
    let offset = at.file_offset;
    let mut result = LineEnd::default();
    // Word bounds first: nothing is pushed before a quote sends the line to the state machine.
    let mut bounds = [(0, 0); MAX_WORDS];
    let mut count = 0;
    let mut i = 0;
    while count < MAX_WORDS {
        while i < line.len() && CLASSES[usize::from(line[i])] == Class::Blank {
            i += 1;
        }
        if i == line.len() {
            break;
        }
        if line[i] == b'#' || line[i] == b';' {
            result.comment_start = Some(offset + i);
            break;
        }
        let start = i;
        while i < line.len() {
            match CLASSES[usize::from(line[i])] {
                Class::Plain => i += 1,
                Class::Blank => break,
                Class::Quoting => return None,
            }
        }
        if i - start > MAX_WORD_LEN {
            result.error = Some(TokenError::WordTooLong(offset + start));
            return Some(result);
        }
        bounds[count] = (start, i);
        count += 1;
    }
    // Words end at blanks or at the line's end: in a valid line, each is its own text.
    for &(start, end) in &bounds[..count] {
        match at.text {
            Some(text)
                if text.is_char_boundary(at.offset + start)
                    && text.is_char_boundary(at.offset + end) =>
            {
                words.push(StoredWord::new(
                    offset + start..offset + end,
                    at.offset + start..at.offset + end,
                    false,
                ))
            }
            _ => store(start..end, &line[start..end], line, at, words, unescaped),
        }
    }
    Some(result)
}

/// What a byte is to [`tokenize_plain`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Plain,
    Blank,
    /// A quote or a backslash.
    Quoting,
}

/// Every byte's [`Class`], looked up rather than compared against each blank.
static CLASSES: [Class; 256] = {
    let mut classes = [Class::Plain; 256];
    let mut c = 0;
    while c < 256 {
        let byte = c as u8;
        classes[c] = if is_space(byte) {
            Class::Blank
        } else if matches!(byte, b'"' | b'\'' | b'\\') {
            Class::Quoting
        } else {
            Class::Plain
        };
        c += 1;
    }
    classes
};

/// C's `isspace` in the C locale, plus the NUL that ends a C string.
pub const fn is_space(c: u8) -> bool {
    matches!(c, 0 | b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        let t = tokenize(line.as_bytes(), 0);
        assert_eq!(t.error, None, "unexpected error for {line:?}");
        t.words.into_iter().map(|w| w.text().to_owned()).collect()
    }

    fn error(line: &str) -> TokenError {
        tokenize(line.as_bytes(), 0).error.expect("an error")
    }

    #[test]
    fn splits_on_whitespace_including_cr_vt_ff() {
        assert_eq!(
            words("route-ipv6\t2000::/3 \x0bgw\x0c7\r\n"),
            ["route-ipv6", "2000::/3", "gw", "7"]
        );
    }

    #[test]
    fn comment_starts_at_the_start_of_any_word() {
        assert_eq!(
            words("route-ipv6 2000::/3 # note"),
            ["route-ipv6", "2000::/3"]
        );
        assert_eq!(
            words("route-ipv6 2000::/3 ;note"),
            ["route-ipv6", "2000::/3"]
        );
        assert_eq!(words("   ; indented"), Vec::<String>::new());
        let t = tokenize(b"a #c", 10);
        assert_eq!(t.comment_start, Some(12));
    }

    #[test]
    fn comment_characters_inside_a_word_are_literal() {
        assert_eq!(words("route-ipv6 2000::/3#x"), ["route-ipv6", "2000::/3#x"]);
        assert_eq!(words("a;b"), ["a;b"]);
    }

    #[test]
    fn comment_characters_inside_quotes_are_literal() {
        assert_eq!(
            words("pull-filter reject \"ifconfig-ipv6 #x\""),
            ["pull-filter", "reject", "ifconfig-ipv6 #x"]
        );
        assert_eq!(words("a ';b'"), ["a", ";b"]);
    }

    #[test]
    fn escaped_hash_at_word_start_is_still_a_comment() {
        let t = tokenize(b"a \\#b", 0);
        assert_eq!(t.words.len(), 1);
        assert_eq!(t.comment_start, Some(2));
        assert_eq!(t.error, None);
    }

    #[test]
    fn quotes_make_one_word_and_a_closing_quote_ends_it() {
        assert_eq!(
            words("\"2001:db8::1/64\"2001:db8::2"),
            ["2001:db8::1/64", "2001:db8::2"]
        );
        assert_eq!(words("\"abc\"#x"), ["abc"]);
        assert_eq!(words("'a b' \"c d\""), ["a b", "c d"]);
    }

    #[test]
    fn empty_quotes_make_an_empty_word() {
        assert_eq!(
            words("pull-filter ignore \"\""),
            ["pull-filter", "ignore", ""]
        );
        assert_eq!(words("x ''"), ["x", ""]);
    }

    #[test]
    fn quotes_inside_an_unquoted_word_are_literal() {
        assert_eq!(words("ab\"c d\""), ["ab\"c", "d\""]);
    }

    #[test]
    fn single_quotes_take_backslashes_literally() {
        assert_eq!(words("'a\\b'"), ["a\\b"]);
    }

    #[test]
    fn allowed_backslash_escapes() {
        assert_eq!(words("a\\\\b"), ["a\\b"]);
        assert_eq!(words("a\\\"b"), ["a\"b"]);
        assert_eq!(words("route-ipv6\\ 2001 x"), ["route-ipv6 2001", "x"]);
        assert_eq!(words("\"a\\\\\""), ["a\\"]);
        assert_eq!(words("\"a\\ b\""), ["a b"]);
    }

    #[test]
    fn backslash_before_whitespace_between_words_is_swallowed() {
        assert_eq!(words("a \\ b"), ["a", "b"]);
    }

    #[test]
    fn backslash_before_newline_puts_the_newline_in_the_word() {
        assert_eq!(words("a\\\n"), ["a\n"]);
    }

    #[test]
    fn other_backslashes_are_fatal() {
        assert_eq!(
            error("route-ipv6 2001:db8\\:1::/48"),
            TokenError::BadBackslash(19)
        );
        assert_eq!(error("\"a\\b\""), TokenError::BadBackslash(2));
    }

    #[test]
    fn unclosed_quotes_are_fatal() {
        assert_eq!(error("a \"b c"), TokenError::UnclosedDoubleQuote(2));
        assert_eq!(error("a 'b c"), TokenError::UnclosedSingleQuote(2));
    }

    #[test]
    fn only_sixteen_words_are_kept() {
        let line = (1..=20)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let t = tokenize(line.as_bytes(), 0);
        assert_eq!(t.words.len(), MAX_WORDS);
        assert_eq!(t.words[15].text, "16");
        // An unclosed quote past the sixteenth word is never seen.
        let line = format!(
            "{} \"open",
            (1..=16)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert_eq!(tokenize(line.as_bytes(), 0).error, None);
    }

    #[test]
    fn a_word_of_257_bytes_is_too_long() {
        let ok = "a".repeat(256);
        assert_eq!(words(&ok), std::slice::from_ref(&ok));
        assert_eq!(error(&"a".repeat(257)), TokenError::WordTooLong(0));
    }

    #[test]
    fn spans_cover_quotes_and_escapes() {
        let line = b"  \"a b\" \\\\c 'd'\n";
        let t = tokenize(line, 100);
        let spans: Vec<_> = t.words.iter().map(|w| w.span.clone()).collect();
        assert_eq!(spans, [102..107, 108..111, 112..115]);
    }

    /// The line as text when valid, as the reader passes it: the proptests compare both paths.
    fn at(line: &[u8], offset: usize) -> (Option<&str>, Line<'_>) {
        let text = std::str::from_utf8(line).ok();
        let at = Line {
            text,
            offset: 0,
            file_offset: offset,
        };
        (text, at)
    }

    fn plain(line: &[u8], offset: usize) -> Option<TokenizedLine> {
        let (text, at) = at(line, offset);
        let (mut words, mut unescaped) = (Vec::new(), String::new());
        tokenize_plain(line, &at, &mut words, &mut unescaped).map(|end| TokenizedLine {
            words: tokens(&words, text, &unescaped),
            comment_start: end.comment_start,
            error: end.error,
        })
    }

    fn any(line: &[u8], offset: usize) -> TokenizedLine {
        let (text, at) = at(line, offset);
        let (mut words, mut unescaped) = (Vec::new(), String::new());
        let end = tokenize_any(line, &at, &mut words, &mut unescaped);
        TokenizedLine {
            words: tokens(&words, text, &unescaped),
            comment_start: end.comment_start,
            error: end.error,
        }
    }

    proptest::proptest! {
        #[test]
        fn the_plain_path_agrees_with_the_state_machine(
            line in proptest::collection::vec(proptest::sample::select(b"ab#; \t\r\n\x0b\x0c<>/:x".to_vec()), 0..300)
        ) {
            let plain = plain(&line, 7).expect("no quotes: the plain path reads it");
            let any = any(&line, 7);
            proptest::prop_assert_eq!(plain.error, any.error);
            if plain.error.is_none() {
                proptest::prop_assert_eq!(plain, any);
            }
        }

        #[test]
        fn the_plain_path_leaves_quotes_to_the_state_machine(
            line in proptest::collection::vec(proptest::sample::select(b"ab#; \t<x\"'\\".to_vec()), 0..40)
        ) {
            let any = any(&line, 7);
            match plain(&line, 7) {
                None => proptest::prop_assert!(
                    line.iter().any(|c| matches!(c, b'"' | b'\'' | b'\\'))
                ),
                // A quote only inside a comment: both stop at the comment.
                Some(plain) => {
                    proptest::prop_assert_eq!(plain.error, any.error);
                    if plain.error.is_none() {
                        proptest::prop_assert_eq!(plain, any);
                    }
                }
            }
        }
    }

    #[test]
    fn blank_and_comment_lines_have_no_words() {
        assert!(words("").is_empty());
        assert!(words("   \r\n").is_empty());
        assert!(words("# x").is_empty());
    }
}
