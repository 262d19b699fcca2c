//! What OpenVPN 3 core (OpenVPN Connect, openvpn3-linux) makes of a profile, beside the
//! OpenVPN 2.6 reading in [`crate::model`], which stays as it is.
//!
//! OpenVPN 3 reads the text its own way (`openvpn/common/options.hpp`, `ProfileMerge`): lines
//! of at most 511 bytes before the newline, `#` and `;` start a comment anywhere outside
//! quotes, a backslash escapes the next character also inside quotes, inline blocks end at a
//! line that is exactly `</tag>`, and `setenv opt NAME ...` is the option `NAME` with only its
//! "unknown" verdict relaxed. It then sorts the options ([`options`]): push-only, server-only,
//! removed and unknown options make it refuse the profile. This module reads the top-level
//! file only: OpenVPN 3 has no `config` includes.

pub mod options;
pub mod tunnel;

use std::net::Ipv6Addr;

use ipnet::Ipv6Net;

use super::{Loc, PullFilterAction};
use crate::syntax::Span;
use options::Kind;

/// OpenVPN 3 refuses a line longer than this, counting its newline (`MAX_LINE_SIZE`).
pub const MAX_LINE_BYTES: usize = 512;
/// OpenVPN 3 refuses an option name longer than this (`MAX_DIRECTIVE_SIZE`).
const MAX_NAME_BYTES: usize = 64;

/// One option as OpenVPN 3 reads it (inline blocks included, their body not kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Option3 {
    pub name: String,
    pub args: Vec<String>,
    /// The whole line.
    pub loc: Loc,
    /// Where each word is, the name first (without a `setenv opt` prefix).
    pub spans: Vec<Span>,
    /// Written as `setenv opt NAME ...`.
    pub via_setenv_opt: bool,
}

/// Why OpenVPN 3 refuses a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// The text: a line too long, a block not closed, a name too long, no `client`.
    Text,
    /// "Option allowed only to be pushed by the server".
    PushOnly,
    /// "Server only option", a removed option, an OpenVPN 2 command-line operation, the
    /// management interface, or an option the client cannot support.
    NotForClients,
    /// "UNKNOWN/UNSUPPORTED OPTIONS".
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub loc: Loc,
    pub kind: RefusalKind,
    /// The option, for option refusals.
    pub name: Option<String>,
    pub message: String,
}

/// A `route-ipv6` line as OpenVPN 3 installs it (`TunProp::add_routes()`), when it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route3 {
    /// `None` when OpenVPN 3 drops the line (not an address, host bits set, a gateway other
    /// than `vpn_gateway`/`net_gateway`, a bad metric), with why.
    pub network: Result<Ipv6Net, String>,
    /// `net_gateway`: an exclude route, outside the tunnel.
    pub excluded: bool,
    pub loc: Loc,
}

/// A `redirect-gateway` or `redirect-private` line, the profile's or a pushed one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect3 {
    pub gateway: bool,
    pub flags: Vec<String>,
    pub loc: Loc,
}

/// `RedirectGatewayFlags` (`openvpn/client/rgopt.hpp`) over every redirect line, profile and
/// push together: the `redirect-gateway` lines' flags, then the `redirect-private` ones, which
/// also turn rerouting off. Returns the line that asks for IPv6 when IPv6 is rerouted.
pub fn reroutes_ipv6<'a>(
    redirects: impl IntoIterator<Item = &'a Redirect3> + Clone,
) -> Option<&'a Redirect3> {
    let mut reroute = false;
    let mut ipv6 = false;
    let mut asked = None;
    for gateway in [true, false] {
        for line in redirects
            .clone()
            .into_iter()
            .filter(|r| r.gateway == gateway)
        {
            reroute = gateway;
            for flag in &line.flags {
                match flag.as_str() {
                    "ipv6" => {
                        ipv6 = true;
                        asked.get_or_insert(line);
                    }
                    "!ipv6" => ipv6 = false,
                    _ => {}
                }
            }
        }
    }
    asked.filter(|_| reroute && ipv6)
}

/// A `pull-filter` as OpenVPN 3 matches it: the words of its text, all equal but the last,
/// which must start the pushed option's word at that place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullFilter3 {
    pub action: PullFilterAction,
    pub words: Vec<String>,
    pub loc: Loc,
}

impl PullFilter3 {
    /// `pull_filter_matches_()`; an empty text matches nothing.
    pub fn matches(&self, pushed: &[String]) -> bool {
        let Some((last, before)) = self.words.split_last() else {
            return false;
        };
        pushed.len() >= self.words.len()
            && pushed[before.len()].starts_with(last.as_str())
            && before.iter().zip(pushed).all(|(a, b)| a == b)
    }
}

/// OpenVPN 3's reading of one profile.
#[derive(Debug, Clone, Default)]
pub struct Openvpn3 {
    pub options: Vec<Option3>,
    /// What makes OpenVPN 3 refuse the profile; empty when it accepts it.
    pub refusals: Vec<Refusal>,
    pub routes_ipv6: Vec<Route3>,
    /// `redirect-gateway` (`true`) and `redirect-private` lines with their flags.
    pub redirects: Vec<Redirect3>,
    pub block_ipv6: Option<Loc>,
    pub route_nopull: Option<Loc>,
    pub pull_filters: Vec<PullFilter3>,
}

/// Reads `text` (the top-level file, source 0) as OpenVPN 3 does.
pub fn read(text: &[u8]) -> Openvpn3 {
    let mut read = Openvpn3::default();
    let at = |span: Span| Loc { source: 0, span };
    let mut open_block: Option<(String, Span)> = None;
    // The file reader drops a UTF-8 byte order mark (`openvpn/common/file.hpp`).
    let mut start = if text.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    while start < text.len() {
        let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |i| start + i + 1);
        let raw = &text[start..end];
        let mut content_end = end;
        while content_end > start && matches!(text[content_end - 1], b'\n' | b'\r') {
            content_end -= 1;
        }
        let line = start..content_end;
        if raw.len() > MAX_LINE_BYTES {
            read.refusals.push(Refusal {
                loc: at(line),
                kind: RefusalKind::Text,
                name: None,
                message: format!(
                    "this line is {} bytes long: OpenVPN 3 refuses lines longer than 511 bytes \
                     (\"ERR_PROFILE_LINE_TOO_LONG\")",
                    raw.len() - usize::from(raw.ends_with(b"\n"))
                ),
            });
            // OpenVPN 3 stops reading the profile here.
            return read;
        }
        start = end;
        if let Some((tag, _)) = &open_block {
            if text[line.clone()] == *format!("</{tag}>").as_bytes() {
                open_block = None;
            }
            continue;
        }
        let words = split(text, line.clone());
        let Some(first) = words.first() else {
            continue;
        };
        let first_text = &first.0;
        let is_open_tag = first_text.len() >= 3
            && first_text.starts_with('<')
            && !first_text.starts_with("</")
            && first_text.ends_with('>');
        if is_open_tag {
            let tag = first_text[1..first_text.len() - 1].to_owned();
            if words.len() > 1 {
                read.refusals.push(Refusal {
                    loc: at(line.clone()),
                    kind: RefusalKind::Text,
                    name: None,
                    message: format!("OpenVPN 3 refuses words after `<{tag}>` on its line"),
                });
            }
            read.options.push(Option3 {
                name: tag.clone(),
                args: Vec::new(),
                loc: at(line.clone()),
                spans: vec![first.1.clone()],
                via_setenv_opt: false,
            });
            open_block = Some((tag, line));
            continue;
        }
        let via_setenv_opt = words.len() >= 3 && words[0].0 == "setenv" && words[1].0 == "opt";
        let words = if via_setenv_opt {
            &words[2..]
        } else {
            &words[..]
        };
        read.options.push(Option3 {
            name: words[0].0.clone(),
            args: words[1..].iter().map(|w| w.0.clone()).collect(),
            loc: at(line),
            spans: words.iter().map(|w| w.1.clone()).collect(),
            via_setenv_opt,
        });
    }
    if let Some((tag, line)) = open_block {
        read.refusals.push(Refusal {
            loc: at(line),
            kind: RefusalKind::Text,
            name: None,
            message: format!(
                "`<{tag}>` is never closed by a line `</{tag}>`: OpenVPN 3 refuses the profile"
            ),
        });
        return read;
    }
    read.judge();
    read
}

impl Openvpn3 {
    /// The option-by-option verdict of `ClientOptions`, and the IPv6 options it keeps.
    fn judge(&mut self) {
        if let Some(long) = self.options.iter().find(|o| o.name.len() > MAX_NAME_BYTES) {
            self.refusals.push(Refusal {
                loc: long.loc.clone(),
                kind: RefusalKind::Text,
                name: None,
                message: "an option name longer than 64 bytes: OpenVPN 3 refuses the profile"
                    .to_owned(),
            });
            return;
        }
        let ignored: Vec<&str> = self
            .options
            .iter()
            .filter(|o| o.name == "ignore-unknown-option")
            .flat_map(|o| o.args.iter().map(String::as_str))
            .collect();
        let mut refusals = Vec::new();
        for option in &self.options {
            let name = option.name.as_str();
            let (kind, message) = match options::kind(name) {
                Kind::Accepted => continue,
                Kind::PushOnly => (
                    RefusalKind::PushOnly,
                    format!(
                        "OpenVPN 3 refuses `{name}` in a profile: \"Option allowed only to be pushed by the server\""
                    ),
                ),
                Kind::ServerOnly => (
                    RefusalKind::NotForClients,
                    format!("OpenVPN 3 refuses `{name}`: \"Server only option\""),
                ),
                Kind::RemovedOrStandalone => (
                    RefusalKind::NotForClients,
                    format!(
                        "OpenVPN 3 refuses `{name}`, an option OpenVPN 2 removed or runs only from the command line"
                    ),
                ),
                Kind::Management => (
                    RefusalKind::NotForClients,
                    format!("OpenVPN 3 refuses `{name}`: its clients have no management interface"),
                ),
                Kind::Unsupported(why) => (
                    RefusalKind::NotForClients,
                    format!("OpenVPN 3 refuses `{name}`: {why}"),
                ),
                Kind::Unknown if option.via_setenv_opt || ignored.contains(&name) => continue,
                Kind::Unknown => (
                    RefusalKind::Unknown,
                    format!(
                        "OpenVPN 3 does not know `{name}` and refuses the profile (\"UNKNOWN/UNSUPPORTED OPTIONS\"); `ignore-unknown-option {name}` or `setenv opt {name} ...` lets it through"
                    ),
                ),
            };
            refusals.push(Refusal {
                loc: Loc {
                    source: 0,
                    span: option.spans[0].clone(),
                },
                kind,
                name: Some(name.to_owned()),
                message,
            });
        }
        let has = |name: &str| self.options.iter().any(|o| o.name == name);
        // `tls-client` with `pull` stands for `client`.
        let client = has("client") || (has("tls-client") && has("pull"));
        if !client {
            refusals.push(Refusal {
                loc: Loc {
                    source: 0,
                    span: 0..0,
                },
                kind: RefusalKind::Text,
                name: None,
                message:
                    "no `client` line: OpenVPN 3 runs only as a client and refuses the profile"
                        .to_owned(),
            });
        }
        self.refusals.extend(refusals);
        for option in &self.options {
            let loc = option.loc.clone();
            let args = &option.args;
            match option.name.as_str() {
                "route-ipv6" if !args.is_empty() => self.routes_ipv6.push(Route3 {
                    network: route_network(args),
                    excluded: args.get(1).is_some_and(|t| t == "net_gateway"),
                    loc,
                }),
                name @ ("redirect-gateway" | "redirect-private") => {
                    self.redirects.push(Redirect3 {
                        gateway: name == "redirect-gateway",
                        flags: args.clone(),
                        loc,
                    });
                }
                "block-ipv6" => {
                    self.block_ipv6.get_or_insert(loc);
                }
                "route-nopull" => {
                    self.route_nopull.get_or_insert(loc);
                }
                "pull-filter" if args.len() == 2 => {
                    let action = match args[0].as_str() {
                        "accept" => PullFilterAction::Accept,
                        "ignore" => PullFilterAction::Ignore,
                        "reject" => PullFilterAction::Reject,
                        _ => continue,
                    };
                    let text = args[1].as_bytes();
                    self.pull_filters.push(PullFilter3 {
                        action,
                        words: split(text, 0..text.len())
                            .into_iter()
                            .map(|w| w.0)
                            .collect(),
                        loc,
                    });
                }
                _ => {}
            }
        }
    }

    /// Whether OpenVPN 3 accepts the profile.
    pub fn accepted(&self) -> bool {
        self.refusals.is_empty()
    }
}

/// `TunProp::add_routes()`: the network of a `route-ipv6 NET [TARGET [METRIC]]` line, or why
/// the line is dropped.
fn route_network(args: &[String]) -> Result<Ipv6Net, String> {
    let spec = &args[0];
    let (address, bits) = match spec.split_once('/') {
        Some((address, bits)) => (address, Some(bits)),
        None => (spec.as_str(), None),
    };
    let address: Ipv6Addr = address
        .parse()
        .map_err(|_| format!("`{spec}` is not an IPv6 network"))?;
    let bits = match bits {
        None => 128,
        Some(bits) => bits
            .parse::<u8>()
            .ok()
            .filter(|b| *b <= 128 && bits.bytes().all(|c| c.is_ascii_digit()))
            .ok_or_else(|| format!("`{spec}` has no valid prefix length"))?,
    };
    let network = Ipv6Net::new(address, bits).map_err(|_| format!("`{spec}`: bad prefix"))?;
    if network.trunc() != network {
        return Err(format!(
            "`{spec}` has host bits set, which OpenVPN 3 refuses (\"route is not canonical\")"
        ));
    }
    if let Some(target) = args.get(1)
        && target != "vpn_gateway"
        && target != "net_gateway"
    {
        return Err(format!(
            "OpenVPN 3 takes only `vpn_gateway` or `net_gateway` after the network, not `{target}`"
        ));
    }
    if let Some(metric) = args.get(2)
        && !metric
            .parse::<i64>()
            .is_ok_and(|m| m == -1 || (0..=1_000_000).contains(&m))
    {
        return Err(format!(
            "metric `{metric}` is not a number from 0 to 1000000"
        ));
    }
    Ok(network)
}

/// `Split::by_space` with `LexComment`: words and their spans in `text[line]`.
fn split(text: &[u8], line: Span) -> Vec<(String, Span)> {
    let mut words = Vec::new();
    let mut word = Vec::new();
    let mut word_start: Option<usize> = None;
    let mut word_end = 0;
    let (mut squote, mut dquote, mut backslash) = (false, false, false);
    for i in line {
        let c = text[i];
        let ch = if backslash {
            backslash = false;
            Some(c)
        } else if c == b'\\' {
            backslash = true;
            None
        } else if c == b'"' && !squote {
            dquote = !dquote;
            None
        } else if c == b'\'' && !dquote {
            squote = !squote;
            None
        } else if (c == b'#' || c == b';') && !squote && !dquote {
            break;
        } else {
            Some(c)
        };
        let in_quote = squote || dquote;
        match ch {
            Some(ch) if is_space(ch) && !in_quote => {
                if let Some(begin) = word_start.take() {
                    words.push((String::from_utf8_lossy(&word).into_owned(), begin..word_end));
                    word.clear();
                }
            }
            Some(ch) => {
                word_start.get_or_insert(i);
                word.push(ch);
                word_end = i + 1;
            }
            None => {
                if in_quote || word_start.is_some() || c == b'"' || c == b'\'' {
                    word_start.get_or_insert(i);
                }
                word_end = i + 1;
            }
        }
    }
    if let Some(begin) = word_start {
        words.push((String::from_utf8_lossy(&word).into_owned(), begin..word_end));
    }
    words
}

/// `SpaceMatch::is_space()`.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(read: &Openvpn3) -> Vec<&str> {
        read.options.iter().map(|o| o.name.as_str()).collect()
    }

    #[test]
    fn comments_start_anywhere_outside_quotes() {
        let read = read(b"client\nroute-ipv6 2000::/3#x\nsetenv X \"a#b\" ;c\n");
        assert_eq!(names(&read), ["client", "route-ipv6", "setenv"]);
        assert_eq!(read.options[1].args, ["2000::/3"]);
        assert_eq!(read.options[2].args, ["X", "a#b"]);
        assert_eq!(read.routes_ipv6[0].network, Ok("2000::/3".parse().unwrap()));
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        assert!(read(b"\xEF\xBB\xBFclient\n").accepted());
    }

    #[test]
    fn a_line_of_511_bytes_is_read_and_512_refused() {
        let ok = format!("client\nsetenv X {}\n", "a".repeat(511 - 9));
        assert!(read(ok.as_bytes()).accepted());
        let long = format!("client\nsetenv X {}\n", "a".repeat(512 - 9));
        let refused = read(long.as_bytes());
        assert_eq!(refused.refusals[0].kind, RefusalKind::Text);
    }

    #[test]
    fn push_only_is_fatal_even_when_ignored_and_unknown_only_when_not_covered() {
        let read = read(
            b"client\nignore-unknown-option ifconfig-ipv6 foo\nsetenv opt ifconfig-ipv6 fd00::2/64 fd00::1\nfoo 1\nsetenv opt bar\nbaz\ntun-ipv6\nserver-ipv6 fd00::/64\n",
        );
        let refused: Vec<(RefusalKind, Option<&str>)> = read
            .refusals
            .iter()
            .map(|r| (r.kind, r.name.as_deref()))
            .collect();
        assert_eq!(
            refused,
            [
                (RefusalKind::PushOnly, Some("ifconfig-ipv6")),
                (RefusalKind::Unknown, Some("baz")),
                (RefusalKind::NotForClients, Some("server-ipv6")),
            ]
        );
    }

    #[test]
    fn routes_with_host_bits_or_a_gateway_address_are_dropped() {
        let read = read(
            b"client\nroute-ipv6 2001:db8::1/32\nroute-ipv6 2000::/3 fd00::1\nroute-ipv6 3000::/4 vpn_gateway 5\nroute-ipv6 4000::/4 net_gateway\n",
        );
        let ok: Vec<bool> = read.routes_ipv6.iter().map(|r| r.network.is_ok()).collect();
        assert_eq!(ok, [false, false, true, true]);
        assert!(read.routes_ipv6[3].excluded);
    }

    #[test]
    fn pull_filters_match_whole_words_and_a_prefix_of_the_last() {
        let filter = |text: &str| PullFilter3 {
            action: PullFilterAction::Ignore,
            words: split(text.as_bytes(), 0..text.len())
                .into_iter()
                .map(|w| w.0)
                .collect(),
            loc: Loc {
                source: 0,
                span: 0..0,
            },
        };
        let pushed =
            |text: &str| -> Vec<String> { text.split_whitespace().map(str::to_owned).collect() };
        assert!(filter("route").matches(&pushed("route-ipv6 2000::/3")));
        assert!(filter("route-ipv6 2000").matches(&pushed("route-ipv6 2000::/3")));
        assert!(!filter("route-ipv6 3000").matches(&pushed("route-ipv6 2000::/3")));
        assert!(!filter("").matches(&pushed("route-ipv6 2000::/3")));
    }
}
