//! Properties of the reader on arbitrary input: it never panics, every span lies on the input,
//! and every word's span, read again on its own, gives back the same word.

use std::path::Path;

use ovpn6_lint::syntax::{parse, tokenizer::tokenize};
use proptest::prelude::*;

/// Bytes that exercise the tokenizer: words, quotes, escapes, comments, line ends, BOM, NUL.
fn config_like() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop::sample::select(vec![
        &b"route-ipv6"[..],
        b"ifconfig-ipv6",
        b"2000::/3",
        b"fd00::1",
        b" ",
        b"\t",
        b"\n",
        b"\r\n",
        b"\r",
        b"\"",
        b"'",
        b"\\",
        b"#",
        b";",
        b"<ca>",
        b"</ca>",
        b"<connection>",
        b"</connection>",
        b"<key>",
        b"</key>",
        b"remote x",
        b"\0",
        b"\xEF\xBB\xBF",
        b"\x0b",
        b"--",
        b"setenv opt ",
        b"config x",
        b"\xff",
        b"a",
    ]);
    prop::collection::vec(pieces, 0..80).prop_map(|parts| parts.concat())
}

fn check_spans(text: &[u8]) {
    let parsed = parse(text);
    for directive in parsed.directives() {
        assert!(directive.line.start <= directive.line.end && directive.line.end <= text.len());
        for (index, word) in directive.words().iter().enumerate() {
            assert!(
                word.span().start <= word.span().end && word.span().end <= text.len(),
                "{word:?}"
            );
            if directive.block.is_some() {
                continue; // The opener's text is the tag, not the word as written.
            }
            let again = tokenize(&text[word.span()], 0);
            assert_eq!(
                again.words.len(),
                1,
                "{:?} from {:?}",
                word,
                String::from_utf8_lossy(&text[word.span()])
            );
            let is_name = index == 0;
            let stripped_dashes = is_name && again.words[0].text() == format!("--{}", word.text());
            assert!(
                again.words[0].text() == word.text() || stripped_dashes,
                "{:?} vs {:?}",
                again.words[0].text(),
                word.text()
            );
        }
    }
    for block in &parsed.blocks {
        assert!(
            block.body.end <= text.len() && block.open.end <= block.body.start.max(block.open.end)
        );
    }
    for comment in &parsed.comments {
        assert!(comment.end <= text.len());
    }
    for error in &parsed.errors {
        assert!(error.span.end <= text.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(text in prop::collection::vec(any::<u8>(), 0..600)) {
        check_spans(&text);
        let _ = ovpn6_lint::model::load(Path::new("x.ovpn"), text, &|_| Err(std::io::ErrorKind::NotFound.into()));
    }

    #[test]
    fn a_prefix_ending_at_a_line_end_reads_only_directives_of_the_whole(
        text in config_like(),
        cut in any::<prop::sample::Index>(),
    ) {
        let line_ends: Vec<usize> = (0..text.len()).filter(|&i| text[i] == b'\n').collect();
        prop_assume!(!line_ends.is_empty());
        let end = line_ends[cut.index(line_ends.len())] + 1;
        let whole = parse(text.as_slice());
        let whole: Vec<(&str, std::ops::Range<usize>)> =
            whole.directives().map(|d| (d.name(), d.line.clone())).collect();
        for directive in parse(&text[..end]).directives() {
            prop_assert!(
                whole.contains(&(directive.name(), directive.line.clone())),
                "{:?} at {:?} is not a directive of the whole text",
                directive.name(),
                directive.line
            );
        }
    }

    #[test]
    fn config_like_bytes_keep_exact_spans(text in config_like()) {
        check_spans(&text);
        let _ = ovpn6_lint::model::load(Path::new("x.ovpn"), text, &|_| Err(std::io::ErrorKind::NotFound.into()));
    }
}
