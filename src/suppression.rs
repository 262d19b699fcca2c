//! Suppression comments: `# ovpn6-lint: disable=ID[,ID] -- reason` on the line it suppresses,
//! `disable-next-line=` on the line before, `disable-file=` anywhere. `;` works like `#`, since
//! OpenVPN ignores both.

use crate::diagnostic::Edit;
use crate::model::{Loc, Profile};
use crate::rules::placement;

const MARKER: &str = "ovpn6-lint:";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub ids: Vec<String>,
    pub scope: Scope,
    /// The comment.
    pub loc: Loc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A 0-based line of the comment's file.
    Line(usize),
    File,
}

/// Every suppression comment of a profile's files, in order.
pub fn collect(profile: &Profile) -> Vec<Suppression> {
    let mut out = Vec::new();
    let marker = memchr::memmem::Finder::new(MARKER);
    // A paired server's comments speak for the server, not for its clients.
    for (source_id, source) in profile.own_sources().iter().enumerate() {
        // Most files have no suppression at all: one search of the file says so.
        if marker.find(source.text()).is_none() {
            continue;
        }
        for span in &source.parsed.comments {
            let comment = &source.text()[span.clone()];
            // Most comments are prose: no text is decoded unless the marker is there.
            if marker.find(comment).is_none() {
                continue;
            }
            let text = String::from_utf8_lossy(comment);
            let Some((scope, ids)) = parse(&text) else {
                continue;
            };
            let line = source.lines().line_of(span.start);
            out.push(Suppression {
                ids,
                scope: match scope {
                    "disable" => Scope::Line(line),
                    "disable-next-line" => Scope::Line(line + 1),
                    _ => Scope::File,
                },
                loc: Loc {
                    source: source_id,
                    span: span.clone(),
                },
            });
        }
    }
    out
}

/// `# ovpn6-lint: disable=a,b -- why` to (`disable`, [a, b]).
fn parse(comment: &str) -> Option<(&str, Vec<String>)> {
    let body = comment.trim_start_matches(['#', ';']).trim_start();
    let rest = body.strip_prefix(MARKER)?.trim_start();
    let rest = rest.split(" --").next().unwrap_or(rest);
    let (scope, ids) = rest.split_once('=')?;
    let scope = scope.trim();
    if !matches!(scope, "disable" | "disable-next-line" | "disable-file") {
        return None;
    }
    let ids: Vec<String> = ids
        .split(',')
        .map(|id| id.trim())
        .take_while(|id| !id.is_empty())
        .map(|id| id.split_whitespace().next().unwrap_or_default().to_owned())
        .collect();
    (!ids.is_empty()).then_some((scope, ids))
}

/// An edit that removes a suppression comment: the whole line when the comment stands alone,
/// else the comment and the blanks before it.
pub fn delete(profile: &Profile, suppression: &Suppression) -> Edit {
    let text = &profile.top().text();
    let span = &suppression.loc.span;
    let start = placement::line_start(text, span.start);
    let before = &text[start..span.start];
    if before.iter().all(|b| b.is_ascii_whitespace()) {
        return placement::delete_line(text, &(start..span.end));
    }
    let blanks = before
        .iter()
        .rev()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    Edit::delete(span.start - blanks..span.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_scopes_ids_and_reasons() {
        assert_eq!(
            parse("# ovpn6-lint: disable=a,b -- because"),
            Some(("disable", vec!["a".to_owned(), "b".to_owned()]))
        );
        assert_eq!(
            parse("; ovpn6-lint: disable-file=x"),
            Some(("disable-file", vec!["x".to_owned()]))
        );
        assert_eq!(
            parse("#ovpn6-lint:disable-next-line=y"),
            Some(("disable-next-line", vec!["y".to_owned()]))
        );
        assert_eq!(parse("# ovpn6-lint: enable=a"), None);
        assert_eq!(parse("# a comment"), None);
        assert_eq!(parse("# ovpn6-lint: disable="), None);
    }
}
