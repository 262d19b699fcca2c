//! What every check kind shares: its arguments as written, the context it runs in, and the
//! findings it returns.

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::ops::Range;

use ipnet::Ipv6Net;
use serde::Deserialize;
use toml::Spanned;

use super::params::{Client, ClientView, Params};
use crate::diagnostic::{Applicability, Edit, Label};
use crate::model::aws::AwsEndpoint;
use crate::model::tunnel::{Server, Tunnel};
use crate::model::{Loc, Profile, Role};
use crate::syntax::Span;

/// A check kind: judges one profile and returns findings. Implementations are pure.
pub trait Check: Debug + Send + Sync {
    fn run(&self, cx: &Context, out: &mut Vec<Finding>);
    /// The `{variables}` its findings fill in message templates.
    fn vars(&self) -> &'static [&'static str];
    /// Whether it judges the profile as a whole (something missing from it, what its routes
    /// cover): its findings then point at an anchor line, not at a line that is at fault.
    fn judges_whole_profile(&self) -> bool {
        false
    }
    /// Whether its verdict reads the AWS endpoint's facts (traffic type, split tunnel) beyond
    /// the rule's `when`/`unless` conditions.
    fn reads_endpoint_facts(&self) -> bool {
        false
    }
}

/// A rule file that cannot be used, with the span of the mistake in that file.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub message: String,
    pub span: Option<Range<usize>>,
}

impl LoadError {
    pub fn at(span: Range<usize>, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            span: Some(span),
        }
    }
}

/// How much of each finding a run shows, so that nothing is worked out for nobody.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detail {
    /// Everything: the label under the caret, secondary labels, the note and the fix (the
    /// human, JSON, SARIF and GitHub reports, `--fix`, `--diff`, baselines).
    #[default]
    Full,
    /// The message alone (`--format short`): labels, notes and fixes are not worked out.
    Message,
}

/// Everything a check sees of one file.
pub struct Context<'a> {
    pub profile: &'a Profile,
    pub params: &'a Params,
    pub role: Role,
    /// A server config in the profile's folder, when no `server` is set.
    pub nearby_server: Option<&'a str>,
    /// How much of a finding the run shows ([`Context::shows_fixes`]).
    pub detail: Detail,
    /// Which clients' reading of the profile the rules judge now.
    pub view: ClientView,
    tunnel: OnceCell<Tunnel>,
    aws: OnceCell<Option<AwsEndpoint>>,
    anchor: OnceCell<Option<Span>>,
    templated: OnceCell<bool>,
}

impl<'a> Context<'a> {
    pub fn new(profile: &'a Profile, params: &'a Params, role: Role) -> Self {
        Self {
            profile,
            params,
            role,
            nearby_server: None,
            detail: Detail::Full,
            view: ClientView::Openvpn2,
            tunnel: OnceCell::new(),
            aws: OnceCell::new(),
            anchor: OnceCell::new(),
            templated: OnceCell::new(),
        }
    }

    /// Whether the run shows findings' labels and fixes. When it does not, the engine drops
    /// them, so a check whose fix or labels cost something to work out may skip them (the
    /// message, and every variable a message template may use, are always needed).
    pub fn shows_fixes(&self) -> bool {
        self.detail == Detail::Full
    }

    /// The tunnel view ([`Tunnel`]) of the clients judged now, worked out once for all the
    /// rules that ask.
    pub fn tunnel(&self) -> &Tunnel {
        self.tunnel
            .get_or_init(|| tunnel_for(self.profile, self.params, self.view))
    }

    /// The AWS Client VPN endpoint of the profile, if every `remote` names one.
    pub fn aws_endpoint(&self) -> Option<&AwsEndpoint> {
        self.aws
            .get_or_init(|| crate::model::aws::endpoint(self.profile))
            .as_ref()
    }

    /// The clients this profile serves.
    pub fn clients(&self) -> &[Client] {
        self.params.clients_for(self.aws_endpoint().is_some())
    }

    /// The line new IPv6 lines go after ([`super::placement::anchor`]), found once for all the
    /// fixes that add lines.
    pub fn anchor(&self) -> Option<&Span> {
        self.anchor
            .get_or_init(|| super::placement::anchor(self.profile, self.templated()))
            .as_ref()
    }

    /// Whether the top-level file holds template markers
    /// ([`super::placement::has_template_markers`]), looked for once.
    pub fn templated(&self) -> bool {
        *self
            .templated
            .get_or_init(|| super::placement::has_template_markers(self.profile.top().text()))
    }
}

/// The tunnel that `view`'s clients build from a profile under a config's params.
pub fn tunnel_for(profile: &Profile, params: &Params, view: ClientView) -> Tunnel {
    use crate::model::openvpn3::tunnel::{Platform, build};
    let platform = match view {
        ClientView::Openvpn2 => return tunnel_of(profile, params),
        ClientView::OpenvpnConnect => Platform::Connect,
        ClientView::Openvpn3Linux => Platform::Linux,
    };
    build(profile.openvpn3(), server_of(profile, params), platform)
}

/// The tunnel view of a profile under a config's params, as OpenVPN 2.6 builds it.
pub fn tunnel_of(profile: &Profile, params: &Params) -> Tunnel {
    Tunnel::new(&profile.model, server_of(profile, params))
}

/// What the server pushes comes from its paired config, else from
/// `traffic-ip-address-type`/`server-pushes-ipv6`, else nothing.
fn server_of<'a>(profile: &'a Profile, params: &'a Params) -> Server<'a> {
    let server_pushes = profile.server.as_ref().map(|s| s.pushes.as_slice());
    match (server_pushes, params.assumed_pushes()) {
        (Some(pushes), _) => Server::Pushes(pushes),
        (None, Some(why)) => Server::Assumed {
            why,
            // A split tunnel pushes only its route table's routes: those the repository shows.
            routes: if params.split_tunnel {
                &params.endpoint_routes
            } else {
                &params.required_coverage
            },
        },
        (None, None) => Server::Unknown,
    }
}

/// One thing a check found.
#[derive(Debug, Clone, Default)]
pub struct Finding {
    pub loc: Option<Loc>,
    pub vars: BTreeMap<&'static str, String>,
    pub labels: Vec<Label>,
    pub fix: Option<FindingFix>,
}

impl Finding {
    pub fn at(loc: Loc) -> Self {
        Self {
            loc: Some(loc),
            ..Self::default()
        }
    }

    pub fn var(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.vars.insert(name, value.into());
        self
    }

    pub fn fix(mut self, fix: FindingFix) -> Self {
        self.fix = Some(fix);
        self
    }
}

/// The edits a check proposes. The rule file's applicability caps `at_most`.
#[derive(Debug, Clone)]
pub struct FindingFix {
    pub description: String,
    pub edits: Vec<Edit>,
    pub at_most: Applicability,
}

impl FindingFix {
    pub fn new(description: impl Into<String>, edits: Vec<Edit>) -> Self {
        Self {
            description: description.into(),
            edits,
            at_most: Applicability::Safe,
        }
    }

    pub fn at_most(mut self, applicability: Applicability) -> Self {
        self.at_most = self.at_most.min(applicability);
        self
    }
}

/// The `[check]` table of a rule file: the union of every kind's arguments, each kind taking
/// the ones it needs and refusing the others.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CheckArgs {
    pub kind: Spanned<String>,
    /// A directive name.
    pub name: Option<Spanned<String>>,
    /// A regular-expression-free pattern: the directive's arguments must start with it.
    pub args_prefix: Option<Spanned<String>>,
    /// Prefixes: a list, or `"$param"`.
    pub prefixes: Option<Spanned<ListOrParam>>,
    /// Ranges an address must lie in: a list, or `"$param"`.
    pub ranges: Option<Spanned<ListOrParam>>,
    /// The line a fix inserts, with `{param}` placeholders.
    pub insert: Option<Spanned<String>>,
    /// Which of OpenVPN's quiet behaviours (`openvpn-drops`) or refusals (`openvpn-refuses`).
    pub what: Option<Spanned<String>>,
    /// Directive names (`allowed-directives`).
    pub names: Option<Spanned<Vec<String>>>,
    /// A sentence per directive name (`allowed-directives`).
    pub notes: Option<Spanned<BTreeMap<String, String>>>,
    #[serde(default)]
    pub when: Vec<Spanned<String>>,
    #[serde(default)]
    pub unless: Vec<Spanned<String>>,
}

impl CheckArgs {
    /// Refuses arguments that this kind does not take.
    pub fn only(&self, allowed: &[&str]) -> Result<(), LoadError> {
        let given: [(&str, Option<Range<usize>>); 8] = [
            ("name", self.name.as_ref().map(Spanned::span)),
            ("args-prefix", self.args_prefix.as_ref().map(Spanned::span)),
            ("prefixes", self.prefixes.as_ref().map(Spanned::span)),
            ("ranges", self.ranges.as_ref().map(Spanned::span)),
            ("insert", self.insert.as_ref().map(Spanned::span)),
            ("what", self.what.as_ref().map(Spanned::span)),
            ("names", self.names.as_ref().map(Spanned::span)),
            ("notes", self.notes.as_ref().map(Spanned::span)),
        ];
        for (key, span) in given {
            if let Some(span) = span
                && !allowed.contains(&key)
            {
                return Err(LoadError::at(
                    span,
                    format!(
                        "check kind `{}` takes no `{key}`{}",
                        self.kind.get_ref(),
                        if allowed.is_empty() {
                            String::new()
                        } else {
                            format!(" (it takes: {})", allowed.join(", "))
                        }
                    ),
                ));
            }
        }
        Ok(())
    }

    pub fn required<'a, T>(
        &self,
        value: &'a Option<Spanned<T>>,
        key: &str,
    ) -> Result<&'a Spanned<T>, LoadError> {
        value.as_ref().ok_or_else(|| {
            LoadError::at(
                self.kind.span(),
                format!("check kind `{}` needs `{key}`", self.kind.get_ref()),
            )
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ListOrParam {
    Param(String),
    List(Vec<String>),
}

/// Prefixes written in a rule file, or the name of a `[params]` list read per file.
#[derive(Debug, Clone)]
pub enum Prefixes {
    Literal(Vec<Ipv6Net>),
    Param(String),
}

impl Prefixes {
    pub fn load(value: &Spanned<ListOrParam>, params: &Params) -> Result<Self, LoadError> {
        match value.get_ref() {
            ListOrParam::Param(text) => {
                let name = text.strip_prefix('$').ok_or_else(|| {
                    LoadError::at(
                        value.span(),
                        format!("expected a list of prefixes or `$param`, not `{text}`"),
                    )
                })?;
                if params.prefixes(name).is_none() {
                    return Err(LoadError::at(
                        value.span(),
                        format!("`${name}` is not a `[params]` list of prefixes"),
                    ));
                }
                Ok(Prefixes::Param(name.to_owned()))
            }
            ListOrParam::List(items) => items
                .iter()
                .map(|item| super::params::parse_prefix(item))
                .collect::<Result<Vec<_>, _>>()
                .map(Prefixes::Literal)
                .map_err(|message| LoadError::at(value.span(), message)),
        }
    }

    pub fn get<'a>(&'a self, params: &'a Params) -> &'a [Ipv6Net] {
        match self {
            Prefixes::Literal(list) => list,
            Prefixes::Param(name) => params.prefixes(name).unwrap_or_default(),
        }
    }
}

/// Facts a rule can be conditioned on with `when` / `unless`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// The server pushes an `ifconfig-ipv6` (its config is paired, or `server-pushes-ipv6` /
    /// `traffic-ip-address-type` say so) and nothing in the profile stops it.
    ServerPushesIfconfigIpv6,
    /// IPv6 routes the server pushes reach the profile.
    ServerPushesRoutesIpv6,
    /// `clients` lists an OpenVPN 3 client (`openvpn3`, `openvpn-connect`, `openvpn3-linux`).
    Openvpn3Clients,
    /// The clients judged now read the profile as OpenVPN 2 (`openvpn2`, `aws-vpn-client`).
    Openvpn2,
    /// The clients judged now run OpenVPN 3 core (OpenVPN Connect or openvpn3-linux).
    Openvpn3,
    /// The clients judged now are OpenVPN Connect (Windows, macOS, iOS, Android).
    OpenvpnConnect,
    /// The clients judged now are openvpn3-linux.
    Openvpn3Linux,
    /// The clients judged now run OpenVPN 3 and build no IPv6 tunnel: the server pushes no
    /// `ifconfig-ipv6` that reaches them, or `block-ipv6` turns it off.
    NoIpv6Tunnel,
    /// The profile's clients include the AWS VPN Client (`clients`, or by default for an AWS
    /// profile).
    AwsVpnClient,
    /// The tunnel's routes (the profile's and what reaches it of the server's) cover
    /// `required-coverage`.
    Ipv6Routed,
    /// `split-tunnel` is set: traffic outside the endpoint's routes leaves locally by design.
    SplitTunnel,
    /// `traffic-ip-address-type` is `ipv6` or `dual-stack`: the endpoint assigns IPv6 itself.
    EndpointAssignsIpv6,
    /// Every `remote` names an AWS Client VPN endpoint.
    AwsProfile,
    /// No `server` is set, and the profile's folder holds a server config.
    ServerConfigNearby,
    /// No endpoint definition (`aws-endpoint`, or an endpoint id that `aws-endpoints` knows)
    /// decided the profile's facts.
    EndpointUnlinked,
}

pub const CONDITIONS: &[(&str, Condition)] = &[
    (
        "server-pushes-ifconfig-ipv6",
        Condition::ServerPushesIfconfigIpv6,
    ),
    (
        "server-pushes-routes-ipv6",
        Condition::ServerPushesRoutesIpv6,
    ),
    ("openvpn3-clients", Condition::Openvpn3Clients),
    ("openvpn2", Condition::Openvpn2),
    ("openvpn3", Condition::Openvpn3),
    ("openvpn-connect", Condition::OpenvpnConnect),
    ("openvpn3-linux", Condition::Openvpn3Linux),
    ("no-ipv6-tunnel", Condition::NoIpv6Tunnel),
    ("aws-vpn-client", Condition::AwsVpnClient),
    ("ipv6-routed", Condition::Ipv6Routed),
    ("split-tunnel", Condition::SplitTunnel),
    ("endpoint-assigns-ipv6", Condition::EndpointAssignsIpv6),
    ("aws-profile", Condition::AwsProfile),
    ("server-config-nearby", Condition::ServerConfigNearby),
    ("endpoint-unlinked", Condition::EndpointUnlinked),
];

pub fn conditions(values: &[Spanned<String>]) -> Result<Vec<Condition>, LoadError> {
    values
        .iter()
        .map(|value| {
            CONDITIONS
                .iter()
                .find(|(name, _)| name == value.get_ref())
                .map(|(_, condition)| *condition)
                .ok_or_else(|| {
                    LoadError::at(
                        value.span(),
                        format!(
                            "unknown condition `{}`; the conditions are: {}",
                            value.get_ref(),
                            CONDITIONS
                                .iter()
                                .map(|(n, _)| *n)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })
        })
        .collect()
}
