//! The effective IPv6 view of one profile: what OpenVPN 2.6 will do with it.
//!
//! A [`Profile`] is a top-level file with the files it includes, each read by [`crate::syntax`],
//! and the [`Model`] derived from their directives in the order OpenVPN processes them. Rules
//! judge the model; they never re-parse text. Loading is pure: included files come through the
//! `load` function that the caller passes in.

pub mod address;
pub mod aws;
mod build;
pub mod openvpn3;
pub mod options;
pub mod pushed;
pub mod tunnel;

use std::net::Ipv6Addr;
use std::path::PathBuf;

use compact_str::CompactString;
use ipnet::Ipv6Net;
use serde::Serialize;

use crate::syntax::{Directive, LineIndex, Parsed, Span, Words};

pub use build::{MAX_INCLUDE_DEPTH, installs, load, load_rendered};

/// Index into [`Profile::sources`]; the top-level file is 0.
pub type SourceId = usize;

/// A place in one of a profile's files.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Loc {
    pub source: SourceId,
    pub span: Span,
}

/// One file of a profile.
#[derive(Debug)]
pub struct Source {
    /// As the user named it (top level) or as OpenVPN would open it (includes).
    pub path: PathBuf,
    /// The file read, and where its words are.
    pub parsed: Parsed,
    /// Line starts, worked out when first asked for (most clean files never need them).
    lines: std::sync::OnceLock<LineIndex>,
}

impl Source {
    pub fn new(path: PathBuf, parsed: Parsed) -> Self {
        Self {
            path,
            parsed,
            lines: std::sync::OnceLock::new(),
        }
    }

    /// The file as read.
    pub fn text(&self) -> &[u8] {
        self.parsed.bytes()
    }

    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(self.text()))
    }

    /// The parts reports keep.
    pub fn into_parts(self) -> (PathBuf, Parsed) {
        (self.path, self.parsed)
    }
}

/// A top-level file, its includes, and what OpenVPN makes of them.
#[derive(Debug)]
pub struct Profile {
    pub sources: Vec<Source>,
    pub model: Model,
    /// The client's server config, when the repository holds it (`server` param).
    pub server: Option<PairedServer>,
    /// The AWS Client VPN endpoint whose definition decided this profile's facts.
    pub endpoint: Option<LinkedEndpoint>,
    /// What OpenVPN 3 makes of the top-level file, read when first asked for.
    pub openvpn3: std::sync::OnceLock<openvpn3::Openvpn3>,
}

/// An AWS Client VPN endpoint linked to a profile: the files that define it follow the
/// profile's own in [`Profile::sources`], so findings can point at the line that decided a fact.
#[derive(Debug, Clone)]
pub struct LinkedEndpoint {
    /// As the definition names it (`office`, `OfficeVpn`, `cvpn-endpoint-…`), and where.
    pub name: String,
    /// Each fact that decided the verdict, at its line: "traffic IP address type `dual-stack`".
    pub facts: Vec<(Loc, String)>,
    /// Facts the definition does not give, each saying which setting and why, with its place
    /// (`infra/main.tf:22`).
    pub unknown: Vec<String>,
}

/// A client's server config: its files follow the client's own in [`Profile::sources`], so
/// findings can point into them; `pushes` is what it sends a client.
#[derive(Debug)]
pub struct PairedServer {
    /// The first of the server's files in [`Profile::sources`].
    pub first_source: SourceId,
    /// The server's `push` options, and an `ifconfig-ipv6` from its address pool
    /// (`server-ipv6`, `ifconfig-ipv6-pool`), with places in this profile's sources.
    pub pushes: Vec<Pushed>,
}

impl Profile {
    /// Whether the top-level file is an OpenVPN config: an option that only OpenVPN has starts
    /// in its first 64 KiB. A `.conf` that is not (an nginx.conf) is not linted.
    pub fn looks_like_openvpn(&self) -> bool {
        const HEAD: usize = 64 * 1024;
        self.top()
            .parsed
            .directives()
            .take_while(|d| d.line.start < HEAD)
            .any(|d| OPENVPN_MARKERS.contains(&d.name()))
    }

    /// Whether a rendered template reads as an OpenVPN profile, the one test that decides
    /// whether a template (a heredoc, a `templatefile` target, a Jinja2 or Go template) is
    /// judged: at least three directives that only OpenVPN configs have, one of them `client`,
    /// `pull`, `tls-client`, `remote`, `dev`, `server` or `mode`. Shell scripts, cloud-init,
    /// JSON policies and nginx templates never pass it.
    pub fn reads_as_profile(&self) -> bool {
        const DECISIVE: &[&str] = &[
            "client",
            "pull",
            "tls-client",
            "remote",
            "dev",
            "server",
            "mode",
        ];
        let mut known = 0;
        let mut decisive = false;
        for directive in self.top().parsed.directives() {
            let name = directive.name();
            if DECISIVE.contains(&name) {
                decisive = true;
                known += 1;
            } else if OPENVPN_MARKERS.contains(&name) {
                known += 1;
            }
            if known >= 3 && decisive {
                return true;
            }
        }
        false
    }

    /// Whether a config can serve as a client's server: it is one (`server`, `server-ipv6`,
    /// `mode server`) or pushes something.
    pub fn is_server(&self) -> bool {
        self.model.role == Role::Server || !self.model.pushes.is_empty()
    }

    /// Adds a file that defines this profile's endpoint to its sources; its id.
    pub fn add_source(&mut self, path: PathBuf, parsed: Parsed) -> SourceId {
        self.sources.push(Source::new(path, parsed));
        self.sources.len() - 1
    }

    /// This client with `server`'s files and pushes, as OpenVPN gives them to it.
    pub fn pair(mut self, server: &Profile) -> Profile {
        let first_source = self.sources.len();
        self.sources.extend(
            server
                .sources
                .iter()
                .map(|source| Source::new(source.path.clone(), source.parsed.clone())),
        );
        let moved = |loc: &Loc| Loc {
            source: loc.source + first_source,
            span: loc.span.clone(),
        };
        let mut pushes: Vec<Pushed> = server
            .model
            .pushes
            .iter()
            .map(|push| Pushed {
                text: push.text.clone(),
                words: push.words.clone(),
                loc: moved(&push.loc),
            })
            .collect();
        // Every client gets an address from the pool, pushed as `ifconfig-ipv6`.
        let pool = server
            .model
            .ifconfig_ipv6
            .as_ref()
            .filter(|i| i.derived_from_server_ipv6)
            .map(|i| i.loc.clone())
            .or_else(|| {
                server
                    .model
                    .applied("ifconfig-ipv6-pool")
                    .map(|o| o.loc.clone())
                    .next()
            });
        if let Some(loc) = pool {
            pushes.insert(
                0,
                Pushed {
                    text: "ifconfig-ipv6 (from the pool)".to_owned(),
                    words: vec![
                        "ifconfig-ipv6".to_owned(),
                        "pool".to_owned(),
                        "pool".to_owned(),
                    ],
                    loc: moved(&loc),
                },
            );
        }
        self.server = Some(PairedServer {
            first_source,
            pushes,
        });
        self
    }

    /// The profile's own files: the top-level file and its includes, not a paired server's.
    pub fn own_sources(&self) -> &[Source] {
        let end = self
            .server
            .as_ref()
            .map_or(self.sources.len(), |s| s.first_source);
        &self.sources[..end]
    }

    pub fn top(&self) -> &Source {
        &self.sources[0]
    }

    /// The profile as OpenVPN 3 core reads it (OpenVPN Connect, openvpn3-linux).
    pub fn openvpn3(&self) -> &openvpn3::Openvpn3 {
        self.openvpn3
            .get_or_init(|| openvpn3::read(self.top().text()))
    }

    pub fn directive(&self, id: DirectiveId) -> Directive<'_> {
        self.sources[id.source].parsed.directive(id.index)
    }

    /// The words of an option, without a `setenv opt` prefix.
    pub fn option_words(&self, option: &OptionLine) -> Words<'_> {
        self.directive(option.id).words().from(option.skip)
    }

    /// The `route-ipv6` line a route comes from.
    pub fn route_line(&self, route: &RouteSource) -> &OptionLine {
        &self.model.options[route.option]
    }

    /// The network word of a route's `route-ipv6` line, and where it is.
    pub fn route_network(&self, route: &RouteSource) -> (&str, Loc) {
        let line = self.route_line(route);
        let word = self.option_words(line).word(1);
        let loc = Loc {
            source: line.id.source,
            span: word.span(),
        };
        (word.text(), loc)
    }

    /// 1-based line of a place.
    pub fn line_of(&self, loc: &Loc) -> usize {
        self.sources[loc.source].lines().line_of(loc.span.start) + 1
    }
}

/// Identifies a directive: which file, which line of [`Parsed::directives`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DirectiveId {
    pub source: SourceId,
    pub index: usize,
}

/// One option as OpenVPN processed it, in processing order (includes expanded in place).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionLine {
    pub id: DirectiveId,
    /// 2 when written as `setenv opt NAME ...`.
    pub skip: usize,
    pub name: CompactString,
    pub status: Status,
    /// Where the whole line is.
    pub loc: Loc,
    pub in_connection: bool,
}

impl OptionLine {
    pub fn via_setenv_opt(&self) -> bool {
        self.skip == 2
    }
}

/// What OpenVPN did with an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Applied,
    /// Warned about and skipped (relaxed by `setenv opt`, `ignore-unknown-option` or
    /// `setenv FORWARD_COMPATIBLE 1`).
    Ignored,
    /// Makes OpenVPN refuse the file.
    Refused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Client,
    Server,
    P2p,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Server => "server",
            Role::P2p => "p2p",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DevType {
    Tun,
    Tap,
    Null,
    Unknown,
}

/// What OpenVPN will do with one profile's IPv6 (design §5).
#[derive(Debug, Clone)]
pub struct Model {
    pub role: Role,
    pub dev: Option<Located<String>>,
    pub dev_type: DevType,
    /// The `ifconfig-ipv6` in effect (the last one, or what `server-ipv6` derives).
    pub ifconfig_ipv6: Option<IfconfigIpv6>,
    /// Routes OpenVPN installs from `route-ipv6` lines, in config order.
    pub routes_ipv6: Vec<RouteIpv6>,
    /// Routes OpenVPN loads and never installs.
    pub dropped_routes_ipv6: Vec<DroppedRoute>,
    /// Routes whose network is a DNS name, installed only if it resolves when connecting.
    pub named_routes_ipv6: Vec<DroppedRoute>,
    /// The metric of routes that name none: `route-metric`, `None` when unset or 0.
    pub default_metric: Option<i64>,
    pub redirect: Redirect,
    pub block_ipv6: Option<Loc>,
    pub route_nopull: Option<Loc>,
    pub route_ipv6_gateway: Option<Located<Ipv6Addr>>,
    pub pull_filters: Vec<PullFilter>,
    /// `push "..."` options of a server, split as a client splits them.
    pub pushes: Vec<Pushed>,
    pub options: Vec<OptionLine>,
    /// What makes OpenVPN refuse the profile (reader and IPv6 directives only).
    pub errors: Vec<Problem>,
    /// IPv6 lines OpenVPN only warns about and skips.
    pub ignored: Vec<Problem>,
    /// Lines of a rendered template whose effect on IPv6 depends on a value the repository
    /// does not give (a line that is only an unknown value may add any directive): a verdict
    /// that something is missing holds unless one of them supplies it.
    pub unknown_lines: Vec<Loc>,
}

impl Model {
    /// Every option with this name that OpenVPN applied.
    pub fn applied<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a OptionLine> + 'a {
        self.options
            .iter()
            .filter(move |o| o.name == name && o.status == Status::Applied)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub loc: Loc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfconfigIpv6 {
    /// As written, `/bits` removed (OpenVPN keeps the text).
    pub local: String,
    pub local_address: Option<Ipv6Addr>,
    pub bits: u8,
    pub remote: String,
    pub remote_address: Ipv6Addr,
    /// The `ifconfig-ipv6` or `server-ipv6` line.
    pub loc: Loc,
    pub local_span: Option<Loc>,
    pub remote_span: Option<Loc>,
    pub derived_from_server_ipv6: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteIpv6 {
    /// Host bits cleared, as OpenVPN installs it.
    pub network: Ipv6Net,
    /// The gateway OpenVPN uses; `None` where it ends up `::`.
    pub gateway: Option<Ipv6Addr>,
    /// The metric OpenVPN uses; `None` for "no metric" (-1).
    pub metric: Option<i64>,
    /// The route line.
    pub option: RouteSource,
}

/// Where a `route-ipv6` came from and how its network was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSource {
    /// Index into [`Model::options`] of the `route-ipv6` line ([`Profile::route_line`]).
    pub option: usize,
    pub bits_form: address::BitsForm,
    /// The network as written, before OpenVPN cleared its host bits.
    pub written_address: Ipv6Addr,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedRoute {
    pub spec: String,
    pub loc: Loc,
    pub network_loc: Loc,
    pub reason: DropReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DropReason {
    /// Not an IPv6 address (and not a name).
    BadAddress,
    /// `/bits` not a number up to 128; `hash_glued` when a `#` is stuck to it.
    BadBits {
        hash_glued: bool,
    },
    NegativeMetric(String),
    /// On a tap device, no gateway and a metric other than 0.
    TapWithoutGateway,
    /// A DNS name, resolved (or not) when connecting.
    Name,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redirect {
    /// Some `redirect-gateway`/`redirect-private` line carries `ipv6`.
    pub ipv6: bool,
    /// IPv4 redirect in effect (`!ipv4` turns it off).
    pub ipv4: bool,
    pub lines: Vec<Loc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PullFilterAction {
    Accept,
    Ignore,
    Reject,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullFilter {
    pub action: PullFilterAction,
    pub text: String,
    pub loc: Loc,
}

impl PullFilter {
    /// OpenVPN matches a pushed option by prefix (`strncmp` with the filter's length).
    pub fn matches(&self, pushed: &str) -> bool {
        pushed.trim_start().starts_with(&self.text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// The option as the client receives it, leading spaces removed (what `pull-filter` reads).
    pub text: String,
    pub words: Vec<String>,
    pub loc: Loc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub loc: Loc,
    pub kind: ProblemKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// OpenVPN refuses the text (quotes, backslashes, line length, blocks, includes).
    Syntax,
    /// An IPv6 directive OpenVPN refuses or ignores.
    Directive,
}

/// Options that only OpenVPN configs have.
const OPENVPN_MARKERS: &[&str] = &[
    "client",
    "pull",
    "dev",
    "dev-type",
    "remote",
    "tls-client",
    "tls-server",
    "ifconfig-ipv6",
    "route-ipv6",
    "redirect-gateway",
    "server-ipv6",
    "proto",
    "ca",
    "secret",
    "tls-auth",
    "cipher",
    "auth-user-pass",
    "nobind",
    "persist-tun",
    "persist-key",
    "topology",
    "block-ipv6",
    "verb",
    "up",
    "down",
    "script-security",
    "explicit-exit-notify",
    "keepalive",
    "comp-lzo",
    "compress",
    "route",
    "ifconfig",
    "key-direction",
    "ping",
    "ping-restart",
    "resolv-retry",
    "remote-cert-tls",
    "tls-crypt",
    "data-ciphers",
    "auth-nocache",
    "mssfix",
    "tun-mtu",
    "push",
    "route-nopull",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(text: &[u8]) -> Profile {
        load(std::path::Path::new("x.conf"), text.to_vec(), &|_| {
            Err(std::io::Error::other("no includes here"))
        })
    }

    #[test]
    fn nginx_is_not_openvpn() {
        assert!(!profile(b"server {\n  listen 80;\n}\n").looks_like_openvpn());
        assert!(profile(b"# a client\nclient\ndev tun\n").looks_like_openvpn());
        // Only the first 64 KiB count.
        let late = format!("{}dev tun\n", "# filler\n".repeat(8000));
        assert!(!profile(late.as_bytes()).looks_like_openvpn());
    }
}
