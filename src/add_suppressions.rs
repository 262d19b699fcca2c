//! `--add-suppressions[=REASON]` (ruff's `--add-noqa`): a suppression comment for every current
//! finding, so a repository can switch the linter on and fix its old findings one by one.
//!
//! Each finding's line gets `# ovpn6-lint: disable=RULE[,RULE] -- REASON` at its end, before its
//! line ending, which stays as it was. When that would break OpenVPN's 256-byte line limit
//! (ending and a BOM on line 1 included), or the line already has a comment (a second `#` would
//! be part of it), the comment goes on a new line before it as `disable-next-line=`, with the
//! line's own ending. Lines of inline blocks are never edited (a comment inside `<ca>` would be
//! read as certificate data): a finding on a block's opening line gets the line before it, one
//! inside a block is left and reported. So are findings in included files (which are never
//! edited) and `unused-suppression` findings (which `--fix` deletes). After the comments,
//! linting again finds nothing new to suppress: running it twice changes nothing the second time.
//!
//! Pure: a profile and its findings in, edits out.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Edit};
use crate::model::Profile;
use crate::rules::UNUSED_SUPPRESSION;
use crate::syntax::OPTION_LINE_SIZE;

/// What adding suppressions to one file comes to.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Added {
    /// Insertions into the top-level file, sorted, not overlapping.
    pub edits: Vec<Edit>,
    /// How many findings the new comments suppress.
    pub suppressed: usize,
    /// Why some findings got no comment.
    pub skipped: Vec<String>,
}

/// The comments that suppress `diagnostics` (the findings of `profile`), with an optional reason.
pub fn add(profile: &Profile, diagnostics: &[Diagnostic], reason: Option<&str>) -> Added {
    let top = profile.top();
    let text = &top.text();
    let lines = top.lines();
    let mut added = Added::default();
    // 0-based line → the rules to suppress on it.
    let mut by_line: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for d in diagnostics {
        if d.rule == UNUSED_SUPPRESSION {
            continue;
        }
        let line = profile.sources[d.loc.source]
            .lines()
            .line_of(d.loc.span.start);
        if d.loc.source != 0 {
            added.skipped.push(format!(
                "`{}` in an included file (line {}): included files are never edited",
                d.rule,
                line + 1
            ));
            continue;
        }
        by_line.entry(line).or_default().push(&d.rule);
    }
    let reason = reason.map_or_else(String::new, |r| format!(" -- {r}"));
    for (line, mut rules) in by_line {
        rules.sort_unstable();
        rules.dedup();
        let count = diagnostics
            .iter()
            .filter(|d| d.loc.source == 0 && lines.line_of(d.loc.span.start) == line)
            .filter(|d| d.rule != UNUSED_SUPPRESSION)
            .count();
        let ids = rules.join(",");
        let span = lines.line_span(line);
        let content_end = span.end
            - if text[span.clone()].ends_with(b"\r\n") {
                2
            } else {
                usize::from(text[span.clone()].ends_with(b"\n"))
            };
        let ending = &text[content_end..span.end];
        let bom = if line == 0 && top.parsed.bom { 3 } else { 0 };
        match block_at(profile, span.clone()) {
            Some(BlockLine::Inside) => {
                added.skipped.push(format!(
                    "`{ids}` on line {} inside an inline block: a comment there would be read as \
                     the block's content",
                    line + 1
                ));
                continue;
            }
            Some(BlockLine::Opening) => {}
            None => {
                let has_comment = top.parsed.comments.iter().any(|c| span.contains(&c.start));
                let comment = format!(" # ovpn6-lint: disable={ids}{reason}");
                let length = bom + (content_end - span.start) + comment.len() + ending.len();
                if !has_comment && length < OPTION_LINE_SIZE {
                    added.edits.push(Edit::insert(content_end, comment));
                    added.suppressed += count;
                    continue;
                }
            }
        }
        // On a line of its own before the finding's line.
        let ending = match ending {
            b"" if text.windows(2).any(|w| w == b"\r\n") => "\r\n",
            b"" => "\n",
            _ => std::str::from_utf8(ending).expect("a line ending is ASCII"),
        };
        let comment = format!("# ovpn6-lint: disable-next-line={ids}{reason}{ending}");
        if bom + comment.len() >= OPTION_LINE_SIZE {
            added.skipped.push(format!(
                "`{ids}` on line {}: the comment would be 256 bytes or longer (shorten the reason)",
                line + 1
            ));
            continue;
        }
        added.edits.push(Edit::insert(span.start.max(bom), comment));
        added.suppressed += count;
    }
    added
}

enum BlockLine {
    /// The line that opens a block (`<connection>`): the line before it is outside.
    Opening,
    /// A body or closing line.
    Inside,
}

fn block_at(profile: &Profile, line: std::ops::Range<usize>) -> Option<BlockLine> {
    let parsed = &profile.top().parsed;
    parsed.blocks.iter().find_map(|block| {
        let end = block.close.as_ref().map_or(usize::MAX, |c| c.end);
        if line.contains(&block.open.start) {
            Some(BlockLine::Opening)
        } else if block.open.start < line.end && line.start < end {
            Some(BlockLine::Inside)
        } else {
            None
        }
    })
}

/// `text` with sorted, non-overlapping insertions applied.
pub fn apply(text: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + edits.len() * 64);
    let mut cursor = 0;
    for edit in edits {
        out.extend_from_slice(&text[cursor..edit.span.start]);
        out.extend_from_slice(edit.replacement.as_bytes());
        cursor = edit.span.end;
    }
    out.extend_from_slice(&text[cursor..]);
    out
}
