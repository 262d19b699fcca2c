//! Where fixes put and take lines (design §6): new lines go after the anchor and take its line
//! ending; a deleted line takes its ending with it; nothing is ever placed inside an inline
//! block, a `<connection>`, an included file or a template block.

use crate::diagnostic::Edit;
use crate::model::{OptionLine, Profile, Status};
use crate::syntax::Span;

/// Options whose lines anchor new IPv6 lines.
const ANCHOR_OPTIONS: &[&str] = &[
    "ifconfig-ipv6",
    "route-ipv6",
    "route-ipv6-gateway",
    "redirect-gateway",
    "redirect-private",
    "block-ipv6",
];

/// Whether the text holds a template marker: `{{`, `{%` (Jinja, Go templates) or `${`
/// (Terraform, shell).
pub fn has_template_markers(text: &[u8]) -> bool {
    memchr::memchr2_iter(b'{', b'$', text).any(|i| {
        matches!(
            (text[i], text.get(i + 1)),
            (b'{', Some(b'{' | b'%')) | (b'$', Some(b'{'))
        )
    })
}

/// The line new IPv6 lines go after: the last effective top-level IPv6 directive of the
/// top-level file, else its top-level `dev` line, else the last top-level line before the first
/// inline block. Lines inside or after a template block (`{%`) are not anchors. `templated`:
/// the top-level file holds template markers.
pub fn anchor(profile: &Profile, templated: bool) -> Option<Span> {
    let source = profile.top();
    let template_start = if templated {
        memchr::memmem::find(source.text(), b"{%").unwrap_or(usize::MAX)
    } else {
        usize::MAX
    };
    let candidates = || {
        profile.model.options.iter().filter(move |o| {
            o.loc.source == 0
                && !o.in_connection
                && o.status == Status::Applied
                && o.loc.span.end < template_start
                && !(templated && has_template_markers(&source.text()[o.loc.span.clone()]))
        })
    };
    let last_of = |names: &[&str]| -> Option<&OptionLine> {
        candidates()
            .rfind(|o| names.contains(&o.name.as_str()) && profile.directive(o.id).block.is_none())
    };
    if let Some(option) = last_of(ANCHOR_OPTIONS).or_else(|| last_of(&["dev"])) {
        return Some(option.loc.span.clone());
    }
    let first_block = source
        .parsed
        .blocks
        .first()
        .map_or(usize::MAX, |block| block.open.start);
    candidates()
        .rfind(|o| o.loc.span.end <= first_block && profile.directive(o.id).block.is_none())
        .map(|o| o.loc.span.clone())
}

/// An edit that inserts `lines` after the line `anchor` (a line span without its ending).
/// Each new line takes the anchor's line ending; after a last line without one, the new lines
/// go before the end of the file so that it still ends without one.
pub fn insert_after(text: &[u8], anchor: &Span, lines: &[String]) -> Edit {
    let end = content_end(text, anchor.end);
    let (ending, ending_len) = line_ending_at(text, end);
    if ending_len == 0 {
        let ending = dominant_ending(text);
        let joined: String = lines.iter().map(|l| format!("{ending}{l}")).collect();
        Edit::insert(end, joined)
    } else {
        let joined: String = lines.iter().map(|l| format!("{l}{ending}")).collect();
        Edit::insert(end + ending_len, joined)
    }
}

/// Where the content of the physical line holding `offset` ends (before `\r\n` or `\n`).
pub fn content_end(text: &[u8], offset: usize) -> usize {
    let newline = memchr::memchr(b'\n', &text[offset..]).map_or(text.len(), |i| offset + i);
    if newline > offset && newline < text.len() && newline > 0 && text[newline - 1] == b'\r' {
        newline - 1
    } else {
        newline
    }
}

/// The edit that deletes the line at `loc`, or none when it is in an included file (fixes
/// never edit those).
pub fn delete_line_of(profile: &Profile, loc: &crate::model::Loc) -> Vec<Edit> {
    if loc.source == 0 {
        vec![delete_line(profile.top().text(), &loc.span)]
    } else {
        Vec::new()
    }
}

/// An edit that deletes the line `line` (without its ending) together with one line ending.
pub fn delete_line(text: &[u8], line: &Span) -> Edit {
    let line = &(line.start..content_end(text, line.end));
    let (_, ending_len) = line_ending_at(text, line.end);
    let mut start = line_start(text, line.start);
    if start == 0 && text.starts_with(b"\xEF\xBB\xBF") {
        start = 3; // The BOM stays.
    }
    if ending_len > 0 {
        Edit::delete(start..line.end + ending_len)
    } else {
        // The last line, with no ending: take the previous line's ending instead.
        let mut begin = start;
        if begin > 0 && text[begin - 1] == b'\n' {
            begin -= 1;
            if begin > 0 && text[begin - 1] == b'\r' {
                begin -= 1;
            }
        }
        Edit::delete(begin..line.end)
    }
}

/// Where the physical line holding `offset` starts.
pub fn line_start(text: &[u8], offset: usize) -> usize {
    memchr::memrchr(b'\n', &text[..offset]).map_or(0, |i| i + 1)
}

/// The ending right after a line's content: `\r\n`, `\n`, or none.
fn line_ending_at(text: &[u8], end: usize) -> (&'static str, usize) {
    match &text[end..] {
        [b'\r', b'\n', ..] => ("\r\n", 2),
        [b'\n', ..] => ("\n", 1),
        _ => ("", 0),
    }
}

/// The line ending most lines of the file use.
pub fn dominant_ending(text: &[u8]) -> &'static str {
    let lf = memchr::memchr_iter(b'\n', text).count();
    let crlf = memchr::memmem::find_iter(text, b"\r\n").count();
    if crlf * 2 > lf { "\r\n" } else { "\n" }
}

/// Where to put text so that it lands inside a word, before a closing quote.
pub fn end_inside_word(text: &[u8], word: &Span) -> usize {
    match text.get(word.end.wrapping_sub(1)) {
        Some(b'"' | b'\'') if word.end - word.start >= 2 => word.end - 1,
        _ => word.end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str, edit: &Edit) -> String {
        let mut out = text.to_owned();
        out.replace_range(edit.span.clone(), &edit.replacement);
        out
    }

    #[test]
    fn inserted_lines_take_the_anchor_ending() {
        let text = "dev tun\r\nverb 3\n";
        let edit = insert_after(text.as_bytes(), &(0..7), &["route-ipv6 2000::/3".into()]);
        assert_eq!(
            apply(text, &edit),
            "dev tun\r\nroute-ipv6 2000::/3\r\nverb 3\n"
        );
    }

    #[test]
    fn a_file_without_final_newline_keeps_its_last_line_intact() {
        let text = "client\ndev tun";
        let edit = insert_after(text.as_bytes(), &(7..14), &["a".into(), "b".into()]);
        assert_eq!(apply(text, &edit), "client\ndev tun\na\nb");
    }

    #[test]
    fn deleting_a_line_takes_its_ending() {
        let text = "a\r\nb\r\nc";
        assert_eq!(
            apply(text, &delete_line(text.as_bytes(), &(3..4))),
            "a\r\nc"
        );
        assert_eq!(
            apply(text, &delete_line(text.as_bytes(), &(6..7))),
            "a\r\nb"
        );
    }

    #[test]
    fn word_end_stays_inside_quotes() {
        assert_eq!(end_inside_word(b"\"2000::\"", &(0..8)), 7);
        assert_eq!(end_inside_word(b"2000::", &(0..6)), 6);
    }
}
