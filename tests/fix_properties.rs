//! Properties of `--fix` on configs built from real directives: fixing twice equals fixing
//! once, lines outside the edits keep every byte (line endings, BOM, secret bodies included),
//! and a fix never adds an OpenVPN error.

use std::path::Path;

use ovpn6_lint::engine::{Engine, FileSettings};
use ovpn6_lint::fix::fix_file;
use ovpn6_lint::model;
use ovpn6_lint::rules::{BUILTIN, Params, load_rule};
use proptest::prelude::*;

const LINES: &[&str] = &[
    "client",
    "dev tun",
    "dev tap",
    "proto udp",
    "remote vpn.example.com 443",
    "nobind",
    "verb 3",
    "# a comment",
    "; another",
    "",
    "ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1",
    "ifconfig-ipv6 fd00::2/64 fd00::1",
    "ifconfig-ipv6 2001:db8::2 2001:db8::1",
    "route-ipv6 2000::/3",
    "route-ipv6 2000::/4",
    "route-ipv6 2000::/4 # office",
    "route-ipv6 3000::/4",
    "route-ipv6 2001:db8::1/32",
    "route-ipv6 2001:db8:42::",
    "route-ipv6 \"2001:db8:43::\"",
    "route-ipv6 ::/0",
    "route-ipv6 fc00::/7 default 5",
    "route-ipv6 2000::/3#x",
    "redirect-gateway ipv6",
    "block-ipv6",
    "tun-ipv6",
    "pull-filter ignore route-ipv6",
    "route-ipv6 2000::/4 # ovpn6-lint: disable=incomplete-ipv6-routes",
    "# ovpn6-lint: disable-next-line=route-ipv6-host-bits",
    "<ca>\nMIIB\n</ca>",
    "<key>\nSECRET-KEY-BODY\n</key>",
    "<connection>\nremote a 1194\n</connection>",
];

fn engine() -> Engine {
    let params = Params::default();
    Engine {
        rules: BUILTIN
            .iter()
            .map(|(name, text)| load_rule(name, text, &params).expect("rule loads"))
            .collect(),
    }
}

fn config() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(prop::sample::select(LINES), 0..14),
        prop::bool::ANY,
        prop::bool::ANY,
        prop::bool::ANY,
    )
        .prop_map(|(lines, crlf, bom, final_newline)| {
            let ending = if crlf { "\r\n" } else { "\n" };
            let mut text = if bom {
                "\u{feff}".to_owned()
            } else {
                String::new()
            };
            let body = lines
                .iter()
                .map(|l| l.replace('\n', ending))
                .collect::<Vec<_>>()
                .join(ending);
            text.push_str(&body);
            if final_newline && !body.is_empty() {
                text.push_str(ending);
            }
            text.into_bytes()
        })
}

/// Lines without their endings (endings are checked on their own: deleting the last line of a
/// file without a final newline moves the end of the file, not a line).
fn lines(text: &[u8]) -> Vec<&[u8]> {
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    text.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect()
}

/// What a fix may delete or write: IPv6 route and address lines, `tun-ipv6`, and comments.
fn is_fix_line(line: &[u8]) -> bool {
    let text = String::from_utf8_lossy(line);
    let text = text.trim_start_matches('\u{feff}').trim();
    text.is_empty()
        || ["route-ipv6", "ifconfig-ipv6", "tun-ipv6", "#", ";"]
            .iter()
            .any(|p| text.starts_with(p))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn fixing_is_idempotent_and_keeps_every_other_byte(text in config(), with_unsafe in prop::bool::ANY) {
        let engine = engine();
        let params = Params::default();
        let settings = FileSettings {
            params: &params,
            role: None,
            nearby_server: None,
        detail: Default::default(),
        };
        let lint = |path: &Path, text: Vec<u8>| {
            let profile = model::load(path, text, &|_| Err(std::io::ErrorKind::NotFound.into()));
            let diagnostics = engine.lint(&profile, &settings);
            (profile, diagnostics)
        };
        let path = Path::new("p.ovpn");
        let Ok(once) = fix_file(path, text.clone(), with_unsafe, &lint) else {
            // Refusing is allowed (a fix would add an error); writing nothing loses nothing.
            return Ok(());
        };
        let fixed = once.profile.top().text().to_vec();
        let twice = fix_file(path, fixed.clone(), with_unsafe, &lint).expect("a fixed file fixes again");
        prop_assert_eq!(twice.profile.top().text(), fixed.as_slice(), "fixing twice changed the file");
        prop_assert!(once.profile.model.errors.len() <= lint(path, text.clone()).0.model.errors.len());

        // Every line a fix may not touch is still there, byte for byte, in the same order.
        let kept = |text: &[u8]| -> Vec<Vec<u8>> {
            lines(text).into_iter().filter(|l| !is_fix_line(l)).map(<[u8]>::to_vec).collect()
        };
        prop_assert_eq!(kept(&text), kept(&fixed));
        // The BOM and the presence of a final newline stay as they were.
        prop_assert_eq!(text.starts_with(b"\xEF\xBB\xBF"), fixed.starts_with(b"\xEF\xBB\xBF"));
        // (Deleting the last line of a file that ends in a blank line leaves that blank line's
        // ending last; the file then reads the same either way.)
        let ends_blank = text.ends_with(b"\n\n") || text.windows(2).rev().nth(1).is_some_and(|w| w == b"\n\n");
        if !text.is_empty() && !fixed.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&fixed).is_empty() && !text.windows(2).any(|w| w == b"\n\n" || w == b"\n\r") && !ends_blank {
            prop_assert_eq!(text.ends_with(b"\n"), fixed.ends_with(b"\n"));
        }
        // New lines use the file's line ending. (When a fix deletes the last line ending a
        // CRLF file had, nothing tells later fixes what it was; such a file is left alone.)
        let crlf_only = |t: &[u8]| t.windows(2).any(|w| w == b"\r\n") && !t.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r') && !t.starts_with(b"\n");
        if crlf_only(&text) && fixed.windows(2).filter(|w| w == b"\r\n").count() > 0 {
            prop_assert!(!fixed.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'), "an LF line ending in a CRLF file");
        }
        let secret = b"SECRET-KEY-BODY";
        prop_assert_eq!(
            text.windows(secret.len()).filter(|w| w == secret).count(),
            fixed.windows(secret.len()).filter(|w| w == secret).count()
        );
    }
}
