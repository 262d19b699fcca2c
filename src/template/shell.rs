//! Shell scripts that write profiles with here-documents (`cat > client.ovpn <<EOF … EOF`),
//! read placeholder-only: every expansion (`$VAR`, `${VAR}`, `$(command)`, `` `command` ``) is
//! an unknown value; a quoted delimiter (`<<'EOF'`) expands nothing; `<<-` drops the leading
//! tabs of the body's lines, as the shell does.

use std::ops::Range;

use super::document::Document;
use super::hcl::Form;
use super::{Piece, PieceKind, Rendered, unknown_word};

/// The here-documents of a script that may hold a profile, each read as one document.
pub fn documents(script: &str) -> Vec<Document> {
    here_documents(script)
        .into_iter()
        .filter(|doc| super::repository::may_hold_profile(&script[doc.body.clone()], Form::Heredoc))
        .map(|doc| Document {
            rendered: render(script, &doc),
            fixes_refused: None,
        })
        .collect()
}

struct HereDocument {
    body: Range<usize>,
    strip_tabs: bool,
    expands: bool,
}

fn here_documents(script: &str) -> Vec<HereDocument> {
    let bytes = script.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = memchr::memmem::find(&bytes[at..], b"<<") {
        let start = at + offset;
        at = start + 2;
        if bytes.get(at) == Some(&b'<') {
            at += 1; // a here-string
            continue;
        }
        let strip_tabs = bytes.get(at) == Some(&b'-');
        let mut i = at + usize::from(strip_tabs);
        while matches!(bytes.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        let quote = match bytes.get(i) {
            Some(&q @ (b'\'' | b'"')) => {
                i += 1;
                Some(q)
            }
            _ => None,
        };
        let word_start = i;
        while bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            i += 1;
        }
        let word = &script[word_start..i];
        if word.is_empty() || quote.is_some_and(|q| bytes.get(i) != Some(&q)) {
            continue;
        }
        let Some(line_end) = memchr::memchr(b'\n', &bytes[i..]).map(|n| i + n) else {
            break;
        };
        let body_start = line_end + 1;
        let mut line = body_start;
        let mut body_end = None;
        while line < bytes.len() {
            let end = memchr::memchr(b'\n', &bytes[line..]).map_or(bytes.len(), |n| line + n);
            let mut text = &script[line..end];
            text = text.strip_suffix('\r').unwrap_or(text);
            if strip_tabs {
                text = text.trim_start_matches('\t');
            }
            if text == word {
                body_end = Some((line, end));
                break;
            }
            line = end + 1;
        }
        let Some((end, next)) = body_end else {
            break;
        };
        found.push(HereDocument {
            body: body_start..end,
            strip_tabs,
            expands: quote.is_none(),
        });
        at = next;
    }
    found
}

fn render(script: &str, doc: &HereDocument) -> Rendered {
    let bytes = script.as_bytes();
    let mut out = Rendered::default();
    let literal = |out: &mut Rendered, range: Range<usize>| {
        if range.is_empty() {
            return;
        }
        let start = out.text.len();
        out.text.push_str(&script[range.clone()]);
        if let Some(last) = out.pieces.last_mut()
            && last.kind == PieceKind::Literal
            && last.source.end == range.start
        {
            last.source.end = range.end;
            last.rendered.end = out.text.len();
            return;
        }
        out.pieces.push(Piece {
            rendered: start..out.text.len(),
            source: range,
            kind: PieceKind::Literal,
        });
    };
    let mut at = doc.body.start;
    let mut line_start = true;
    let mut text_start = at;
    while at < doc.body.end {
        let b = bytes[at];
        if line_start && doc.strip_tabs && b == b'\t' {
            literal(&mut out, text_start..at);
            while at < doc.body.end && bytes[at] == b'\t' {
                at += 1;
            }
            text_start = at;
            line_start = false;
            continue;
        }
        line_start = b == b'\n';
        let expansion = if doc.expands {
            expansion_end(bytes, at, doc.body.end)
        } else {
            None
        };
        match expansion {
            Some(end) => {
                literal(&mut out, text_start..at);
                let name = script[at..end]
                    .trim_start_matches('$')
                    .trim_matches(['{', '}', '(', ')', '`']);
                let start = out.text.len();
                out.text.push_str(&unknown_word(name));
                out.pieces.push(Piece {
                    rendered: start..out.text.len(),
                    source: at..end,
                    kind: PieceKind::Unknown {
                        name: name.to_owned(),
                    },
                });
                at = end;
                text_start = at;
            }
            None => at += 1,
        }
    }
    literal(&mut out, text_start..doc.body.end);
    out
}

/// The end of the expansion starting at `at`, if one does.
fn expansion_end(bytes: &[u8], at: usize, limit: usize) -> Option<usize> {
    let closing = |open: u8, close: u8, from: usize| {
        let mut depth = 0usize;
        for (i, &b) in bytes[from..limit].iter().enumerate() {
            if b == open {
                depth += 1;
            } else if b == close {
                if depth == 0 {
                    return Some(from + i + 1);
                }
                depth -= 1;
            } else if b == b'\n' {
                return None;
            }
        }
        None
    };
    match (bytes[at], bytes.get(at + 1).copied()) {
        (b'\\', Some(b'$' | b'`' | b'\\')) => None,
        (b'$', Some(b'{')) => closing(b'{', b'}', at + 2),
        (b'$', Some(b'(')) => closing(b'(', b')', at + 2),
        (b'$', Some(c)) if c.is_ascii_alphabetic() || c == b'_' => {
            let len = bytes[at + 1..limit]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                .count();
            Some(at + 1 + len)
        }
        (b'$', Some(c)) if c.is_ascii_digit() || matches!(c, b'@' | b'*' | b'#' | b'?') => {
            Some(at + 2)
        }
        (b'`', _) => closing(0, b'`', at + 1),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn here_documents_with_expansions_are_profiles_of_unknown_values() {
        let script = "#!/bin/sh\ncat > client.ovpn <<EOF\nclient\ndev tun\nremote $SERVER ${PORT}\nroute-ipv6 $(get_net)\nEOF\ncat <<'RAW'\nclient\nremote $x 1\ndev tun\nRAW\necho <<<no\n";
        let docs = documents(script);
        assert_eq!(docs.len(), 2);
        assert_eq!(
            docs[0].rendered.text,
            format!(
                "client\ndev tun\nremote {} {}\nroute-ipv6 {}\n",
                unknown_word("SERVER"),
                unknown_word("PORT"),
                unknown_word("get_net")
            )
        );
        assert_eq!(docs[1].rendered.text, "client\nremote $x 1\ndev tun\n");
        let tabs = "cat <<-END\n\tclient\n\tdev tun\n\tremote a 1\n\tEND\n";
        let docs = documents(tabs);
        assert_eq!(docs[0].rendered.text, "client\ndev tun\nremote a 1\n");
        assert_eq!(&tabs[docs[0].rendered.pieces[0].source.clone()], "client\n");
    }
}
