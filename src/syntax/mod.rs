//! Bytes to directives, read exactly as OpenVPN 2.6's `read_config_file()` reads them.
//!
//! Reading never fails: whatever makes OpenVPN refuse a file as text becomes a [`SyntaxError`]
//! and reading goes on, so one run reports every problem. Every word keeps its byte span in the
//! file; line and column numbers are computed only when a report is written ([`LineIndex`]).

use compact_str::CompactString;

mod line_index;
mod reader;
pub mod tokenizer;

pub use line_index::LineIndex;
pub use reader::{OPTION_LINE_SIZE, parse};
use tokenizer::StoredWord;

/// A byte range in one source file.
pub type Span = std::ops::Range<usize>;

/// One file as OpenVPN's reader sees it: the file, and where its words, blocks and comments are.
///
/// The words of every line live in one list; a directive is a range of it, and a word's text is
/// a range of the file (or, for a word written with quotes or escapes, of one string of
/// unescaped words): reading a file allocates a few lists, not one per line or word.
#[derive(Debug, Default, Clone)]
pub struct Parsed {
    /// The file, as text when it is all valid UTF-8 (checked once).
    file: File,
    /// The text of the words that are not written as they read, one after another.
    unescaped: String,
    /// Every line with words, in file order; inline block openers included, block bodies not.
    directives: Vec<StoredDirective>,
    /// The words of all directives, in file order.
    words: Vec<StoredWord>,
    pub blocks: Vec<InlineBlock>,
    /// Comments (`#`/`;` to the end of the line, line ending excluded), in file order.
    pub comments: Vec<Span>,
    pub errors: Vec<SyntaxError>,
    /// The file starts with a UTF-8 byte order mark, which OpenVPN skips.
    pub bom: bool,
}

/// A file's bytes; as a string when they are valid UTF-8, so that words are slices of it.
#[derive(Debug, Clone)]
enum File {
    Text(String),
    Bytes(Vec<u8>),
}

impl Default for File {
    fn default() -> Self {
        File::Text(String::new())
    }
}

impl File {
    fn read(bytes: Vec<u8>) -> Self {
        match String::from_utf8(bytes) {
            Ok(text) => File::Text(text),
            Err(error) => File::Bytes(error.into_bytes()),
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            File::Text(text) => text.as_bytes(),
            File::Bytes(bytes) => bytes,
        }
    }

    fn text(&self) -> Option<&str> {
        match self {
            File::Text(text) => Some(text),
            File::Bytes(_) => None,
        }
    }
}

impl Parsed {
    /// The file as read.
    pub fn bytes(&self) -> &[u8] {
        self.file.bytes()
    }

    /// The file, given back.
    pub fn into_bytes(self) -> Vec<u8> {
        match self.file {
            File::Text(text) => text.into_bytes(),
            File::Bytes(bytes) => bytes,
        }
    }

    /// Every line with words, in file order; inline block openers included, block bodies not.
    pub fn directives(&self) -> impl ExactSizeIterator<Item = Directive<'_>> {
        self.directives.iter().map(|stored| self.view(stored))
    }

    /// The directive at this index of [`Parsed::directives`].
    pub fn directive(&self, index: usize) -> Directive<'_> {
        self.view(&self.directives[index])
    }

    fn view<'a>(&'a self, stored: &StoredDirective) -> Directive<'a> {
        Directive {
            words: Words {
                parsed: self,
                stored: &self.words[stored.words.start as usize..stored.words.end as usize],
            },
            line: stored.line.clone(),
            connection: stored.connection,
            block: stored.block,
        }
    }

    fn word<'a>(&'a self, stored: &StoredWord) -> Word<'a> {
        Word {
            text: stored.text(self.file.text(), &self.unescaped),
            span: stored.span(),
        }
    }
}

/// A directive as [`Parsed`] keeps it: its words are a range of [`Parsed::words`] (`u32`, as a
/// file has fewer than 4 billion words: the reader takes at most 16 from a line of 256 bytes).
#[derive(Debug, Clone)]
struct StoredDirective {
    words: std::ops::Range<u32>,
    line: Span,
    connection: Option<usize>,
    block: Option<usize>,
}

/// One line with words, borrowed from its [`Parsed`].
#[derive(Debug, Clone)]
pub struct Directive<'a> {
    /// The words as OpenVPN passes them on: a leading `--` is already gone from the name.
    words: Words<'a>,
    /// From the first word's start to the last word's end (no comment, no line ending).
    pub line: Span,
    /// Index into [`Parsed::blocks`] of the `<connection>` whose body holds this line.
    pub connection: Option<usize>,
    /// Index into [`Parsed::blocks`] when this line opens an inline block (`<tag>`).
    pub block: Option<usize>,
}

impl<'a> Directive<'a> {
    /// The option name (`route-ipv6`), or the tag of an inline block.
    pub fn name(&self) -> &'a str {
        self.words.word(0).text()
    }

    /// All words: the name, then the arguments. Never empty.
    pub fn words(&self) -> Words<'a> {
        self.words
    }

    /// The words after the name.
    pub fn args(&self) -> Words<'a> {
        self.words.from(1)
    }
}

/// Some words of a directive, borrowed from their [`Parsed`].
#[derive(Clone, Copy)]
pub struct Words<'a> {
    parsed: &'a Parsed,
    stored: &'a [StoredWord],
}

impl<'a> Words<'a> {
    pub fn len(&self) -> usize {
        self.stored.len()
    }

    pub fn is_empty(&self) -> bool {
        self.stored.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<Word<'a>> {
        self.stored
            .get(index)
            .map(|stored| self.parsed.word(stored))
    }

    /// The word at `index`, which must be one of them.
    pub fn word(&self, index: usize) -> Word<'a> {
        self.parsed.word(&self.stored[index])
    }

    /// The words from `index` on (none when `index` is past the end).
    pub fn from(&self, index: usize) -> Words<'a> {
        Words {
            parsed: self.parsed,
            stored: self.stored.get(index..).unwrap_or_default(),
        }
    }

    pub fn iter(&self) -> WordsIter<'a> {
        WordsIter {
            parsed: self.parsed,
            stored: self.stored.iter(),
        }
    }
}

impl<'a> IntoIterator for Words<'a> {
    type Item = Word<'a>;
    type IntoIter = WordsIter<'a>;

    fn into_iter(self) -> WordsIter<'a> {
        self.iter()
    }
}

/// The words of [`Words::iter`], in order.
pub struct WordsIter<'a> {
    parsed: &'a Parsed,
    stored: std::slice::Iter<'a, StoredWord>,
}

impl<'a> Iterator for WordsIter<'a> {
    type Item = Word<'a>;

    fn next(&mut self) -> Option<Word<'a>> {
        self.stored.next().map(|stored| self.parsed.word(stored))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.stored.size_hint()
    }
}

impl ExactSizeIterator for WordsIter<'_> {}

impl std::fmt::Debug for Words<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// One word: its text as OpenVPN sees it and where it was written, borrowed from its [`Parsed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word<'a> {
    text: &'a str,
    span: Span,
}

impl<'a> Word<'a> {
    /// The word as OpenVPN sees it: quotes removed, escapes resolved, a leading `--` gone from
    /// an option name; invalid UTF-8 shown with replacement characters.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Where the word was written in the file, quotes and backslashes included.
    pub fn span(&self) -> Span {
        self.span.clone()
    }
}

/// An inline block: `<tag>`, a raw body, `</tag>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineBlock {
    /// Held inline (tags are short): reading a block allocates nothing for it.
    pub tag: CompactString,
    /// The `<tag>` word.
    pub open: Span,
    /// The raw body between the opening and the closing line.
    pub body: Span,
    /// The closing line, when there is one.
    pub close: Option<Span>,
    /// Index of the `<connection>` block this block is nested in.
    pub connection: Option<usize>,
}

impl InlineBlock {
    /// Blocks whose bodies are secrets: no report or diff may ever print them.
    pub fn is_secret(&self) -> bool {
        SECRET_TAGS.contains(&self.tag.as_str())
    }
}

/// Tags whose bodies hold keys or passwords.
pub const SECRET_TAGS: &[&str] = &[
    "key",
    "tls-auth",
    "tls-crypt",
    "tls-crypt-v2",
    "secret",
    "pkcs12",
    "auth-user-pass",
    "http-proxy-user-pass",
    "auth-gen-token-secret",
];

/// What makes OpenVPN refuse a file as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    pub kind: SyntaxErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyntaxErrorKind {
    /// A line of 256 bytes or more, counting its line ending and a BOM.
    LineTooLong {
        len: usize,
    },
    BadBackslash,
    UnclosedQuote {
        quote: char,
    },
    WordTooLong,
    /// An inline block with no closing tag; OpenVPN reads to the end of the file looking for it.
    MissingEndTag {
        tag: String,
    },
    /// A byte order mark at the start of a line other than the first.
    MisplacedBom,
}

impl SyntaxError {
    pub fn message(&self) -> String {
        match &self.kind {
            SyntaxErrorKind::LineTooLong { len } => format!(
                "line is {len} bytes long; OpenVPN refuses lines of 256 bytes or more \
                 (counting the line ending)"
            ),
            SyntaxErrorKind::BadBackslash => {
                "a backslash may only escape `\\`, `\"` or whitespace; \
                 OpenVPN refuses anything else"
                    .to_owned()
            }
            SyntaxErrorKind::UnclosedQuote { quote } => {
                format!("quote `{quote}` is never closed on this line")
            }
            SyntaxErrorKind::WordTooLong => {
                "word is longer than 256 bytes, which OpenVPN refuses".to_owned()
            }
            SyntaxErrorKind::MissingEndTag { tag } => {
                format!("inline block `<{tag}>` has no `</{tag}>` line; OpenVPN refuses the file")
            }
            SyntaxErrorKind::MisplacedBom => "a byte order mark is only skipped at the start of \
                 the file; here it becomes part of the option name"
                .to_owned(),
        }
    }
}
