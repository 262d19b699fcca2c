//! Byte offsets to 1-based line and column numbers, computed only when a report needs them.

use memchr::memchr_iter;

/// The start offset of every line of one text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    /// Lines end at `\n`; a lone `\r` does not end a line (OpenVPN reads a CR-only file as one line).
    pub fn new(text: &[u8]) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr_iter(b'\n', text).map(|i| i + 1));
        Self {
            starts,
            len: text.len(),
        }
    }

    /// The 0-based line that holds `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset) - 1
    }

    /// 1-based line and 1-based byte column of `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.line_of(offset.min(self.len));
        (line + 1, offset.min(self.len) - self.starts[line] + 1)
    }

    /// The span of 0-based `line`, line ending included.
    pub fn line_span(&self, line: usize) -> std::ops::Range<usize> {
        let end = self.starts.get(line + 1).copied().unwrap_or(self.len);
        self.starts[line]..end
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based() {
        let index = LineIndex::new(b"ab\ncd\r\nef");
        assert_eq!(index.line_col(0), (1, 1));
        assert_eq!(index.line_col(4), (2, 2));
        assert_eq!(index.line_col(7), (3, 1));
        assert_eq!(index.line_col(9), (3, 3));
        assert_eq!(index.line_span(1), 3..7);
        assert_eq!(index.line_count(), 3);
    }

    #[test]
    fn carriage_return_alone_does_not_end_a_line() {
        assert_eq!(LineIndex::new(b"a\rb\r").line_count(), 1);
    }
}
