//! Positions as the Language Server Protocol counts them: lines end at `\n`, `\r\n` or a lone
//! `\r`, and a column counts UTF-16 code units (the default) or bytes (UTF-8, when the client
//! offers it). Byte offsets, which the linter uses everywhere, are turned into positions here
//! and nowhere else; edits from the client are applied here too.

use gen_lsp_types::{Position, Range};

/// What a position's `character` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

/// The start of every line of one text, lines split as LSP says.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &[u8]) -> Self {
        let mut starts = vec![0];
        let mut i = 0;
        while let Some(found) = memchr::memchr2(b'\n', b'\r', &text[i..]) {
            let at = i + found;
            let next = if text[at] == b'\r' && text.get(at + 1) == Some(&b'\n') {
                at + 2
            } else {
                at + 1
            };
            starts.push(next);
            i = next;
        }
        Self {
            starts,
            len: text.len(),
        }
    }

    /// The position of a byte offset (clamped to the text).
    pub fn position(&self, text: &[u8], offset: usize, encoding: Encoding) -> Position {
        let offset = offset.min(self.len);
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let start = self.starts[line];
        let character = match encoding {
            Encoding::Utf8 => offset - start,
            Encoding::Utf16 => String::from_utf8_lossy(&text[start..offset])
                .encode_utf16()
                .count(),
        };
        Position::new(to_u32(line), to_u32(character))
    }

    pub fn range(&self, text: &[u8], span: &std::ops::Range<usize>, encoding: Encoding) -> Range {
        Range::new(
            self.position(text, span.start, encoding),
            self.position(text, span.end, encoding),
        )
    }

    /// The byte offset of a position: a line past the end is the end of the text, a column
    /// past the end of its line is the end of the line (before its line ending), and a column
    /// inside a character is that character's end.
    pub fn offset(&self, text: &[u8], position: Position, encoding: Encoding) -> usize {
        let line = position.line as usize;
        let Some(&start) = self.starts.get(line) else {
            return self.len;
        };
        let mut end = self.starts.get(line + 1).copied().unwrap_or(self.len);
        while end > start && matches!(text[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        let wanted = position.character as usize;
        match encoding {
            Encoding::Utf8 => (start + wanted).min(end),
            Encoding::Utf16 => {
                let line_text = String::from_utf8_lossy(&text[start..end]);
                if matches!(line_text, std::borrow::Cow::Owned(_)) {
                    // Not UTF-8 (a file read from disk): count bytes.
                    return (start + wanted).min(end);
                }
                let mut units = 0;
                for (at, c) in line_text.char_indices() {
                    if units >= wanted {
                        return start + at;
                    }
                    units += c.len_utf16();
                }
                end
            }
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Applies one change from `textDocument/didChange`: a range and its new text, or (no range)
/// the whole text.
pub fn apply_change(text: &mut String, range: Option<Range>, new_text: &str, encoding: Encoding) {
    let Some(range) = range else {
        new_text.clone_into(text);
        return;
    };
    let index = LineIndex::new(text.as_bytes());
    let start = index.offset(text.as_bytes(), range.start, encoding);
    let end = index
        .offset(text.as_bytes(), range.end, encoding)
        .max(start);
    // Offsets fall on character boundaries: the text is a String and offsets come from its
    // characters, or from byte counts the client gave for UTF-8.
    let (start, end) = (floor_char(text, start), floor_char(text, end));
    text.replace_range(start..end, new_text);
}

fn floor_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_at_lf_crlf_and_a_lone_cr() {
        let text = b"a\nb\r\nc\rd";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 4);
        assert_eq!(
            index.position(text, 7, Encoding::Utf16),
            Position::new(3, 0)
        );
        assert_eq!(
            index.position(text, 5, Encoding::Utf16),
            Position::new(2, 0)
        );
        assert_eq!(index.offset(text, Position::new(1, 9), Encoding::Utf8), 3);
    }

    #[test]
    fn utf16_columns_count_surrogate_pairs_twice_and_utf8_counts_bytes() {
        let text = "# 😀 é\nroute-ipv6 2000::/4".as_bytes();
        let index = LineIndex::new(text);
        let after_e = "# 😀 é".len();
        assert_eq!(
            index.position(text, after_e, Encoding::Utf16),
            Position::new(0, 6)
        );
        assert_eq!(
            index.position(text, after_e, Encoding::Utf8),
            Position::new(0, 9)
        );
        assert_eq!(
            index.offset(text, Position::new(0, 6), Encoding::Utf16),
            after_e
        );
        // Inside the surrogate pair: the end of the emoji.
        assert_eq!(index.offset(text, Position::new(0, 3), Encoding::Utf16), 6);
    }

    #[test]
    fn a_change_replaces_its_range_and_no_range_replaces_everything() {
        let mut text = "client\nroute-ipv6 2000::/4\n".to_owned();
        let range = Range::new(Position::new(1, 11), Position::new(1, 19));
        apply_change(&mut text, Some(range), "2000::/3", Encoding::Utf16);
        assert_eq!(text, "client\nroute-ipv6 2000::/3\n");
        apply_change(&mut text, None, "dev tun\n", Encoding::Utf16);
        assert_eq!(text, "dev tun\n");
    }
}
