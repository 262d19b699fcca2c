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
pub use tokenizer::Word;

/// A byte range in one source file.
pub type Span = std::ops::Range<usize>;

/// One file as OpenVPN's reader sees it.
///
/// The words of every line live in one list; a directive is a range of it, so reading a file
/// allocates a few growing lists, not one per line.
#[derive(Debug, Default, Clone)]
pub struct Parsed {
    /// Every line with words, in file order; inline block openers included, block bodies not.
    directives: Vec<StoredDirective>,
    /// The words of all directives, in file order.
    words: Vec<Word>,
    pub blocks: Vec<InlineBlock>,
    /// Comments (`#`/`;` to the end of the line, line ending excluded), in file order.
    pub comments: Vec<Span>,
    pub errors: Vec<SyntaxError>,
    /// The file starts with a UTF-8 byte order mark, which OpenVPN skips.
    pub bom: bool,
}

impl Parsed {
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
            words: &self.words[stored.words.start as usize..stored.words.end as usize],
            line: stored.line.clone(),
            connection: stored.connection,
            block: stored.block,
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive<'a> {
    /// The words as OpenVPN passes them on: a leading `--` is already gone from the name.
    words: &'a [Word],
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
        self.words[0].text()
    }

    /// All words: the name, then the arguments. Never empty.
    pub fn words(&self) -> &'a [Word] {
        self.words
    }

    /// The words after the name.
    pub fn args(&self) -> &'a [Word] {
        &self.words[1..]
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
