//! `--route ADDR`: where one destination goes, answered from the tunnel view that the rules
//! read, so a rule and `--route` cannot disagree. One line per address for people, an array of
//! objects for machines.

use std::net::IpAddr;

use serde_json::{Value, json};

use crate::model::tunnel::{Assumption, Effect, Lookup, Miss, Origin, Tunnel, Via};
use crate::model::{DropReason, Loc, Profile};
use crate::report::display_path;

/// The answer for one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub address: String,
    /// `tunnel`, `local`, or `not-judged` (IPv4).
    pub via: &'static str,
    /// The line that decides, when one does.
    pub at: Option<Place>,
    /// The route that carries it, or the length-0 route that competes for it.
    pub route: Option<String>,
    pub why: String,
    /// A length-0 tunnel route competes with the LAN's default route at the same prefix: the
    /// kernel's choice depends on metrics and the order the routes arrived in.
    pub depends_on_order: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub path: String,
    pub line: usize,
    pub column: usize,
}

/// Answers `address` (as the user wrote it) for one profile; `None` when it is not an address.
pub fn answer(profile: &Profile, tunnel: &Tunnel, address: &str) -> Option<Answer> {
    let parsed: IpAddr = address.parse().ok()?;
    let IpAddr::V6(v6) = parsed else {
        return Some(Answer {
            address: address.to_owned(),
            via: "not-judged",
            at: None,
            route: None,
            why: "an IPv4 address: ovpn6-lint judges only where IPv6 goes".to_owned(),
            depends_on_order: false,
        });
    };
    let lookup = tunnel.lookup(&profile.model, v6);
    Some(describe(profile, &lookup))
}

fn describe(profile: &Profile, lookup: &Lookup) -> Answer {
    let place = |loc: &Loc| {
        let source = &profile.sources[loc.source];
        let (line, column) = source.lines().line_col(loc.span.start);
        Place {
            path: display_path(&source.path),
            line,
            column,
        }
    };
    let address = lookup.address.to_string();
    let route_place = |origin: &Origin| -> (Option<Place>, String) {
        match origin {
            Origin::RouteLine(option) => (
                Some(place(&profile.model.options[*option].loc)),
                "`route-ipv6`".to_owned(),
            ),
            Origin::TunnelPrefix(loc) => (
                Some(place(loc)),
                "the on-link prefix of the tunnel's `ifconfig-ipv6`".to_owned(),
            ),
            Origin::Redirect(loc) => (
                Some(place(loc)),
                "one of `redirect-gateway ipv6`'s four routes".to_owned(),
            ),
            Origin::Pushed(loc) => (Some(place(loc)), "a route the server pushes".to_owned()),
            Origin::Assumed(Assumption::EndpointTrafficType(traffic)) => (
                None,
                format!(
                    "a route the linked endpoint pushes (its traffic IP address type is `{}`)",
                    traffic.as_str()
                ),
            ),
            Origin::Assumed(why) => (
                None,
                format!("a route the server pushes (`{}`)", why.describe()),
            ),
            Origin::Openvpn3Line(loc) => (Some(place(loc)), "this line's route".to_owned()),
            Origin::Block(loc) => (
                Some(place(loc)),
                "OpenVPN Connect's blocking route for `block-ipv6`".to_owned(),
            ),
        }
    };
    match (lookup.via, lookup.route) {
        (Via::Blocked, Some(route)) => {
            let (at, what) = route_place(&route.origin);
            Answer {
                address,
                via: "blocked",
                at,
                route: Some(route.network.to_string()),
                why: format!(
                    "{what} {} drops it: it is neither tunnelled nor leaked",
                    route.network
                ),
                depends_on_order: false,
            }
        }
        (Via::Tunnel, Some(route)) => {
            let (at, what) = route_place(&route.origin);
            Answer {
                address,
                via: "tunnel",
                at,
                route: Some(route.network.to_string()),
                why: format!("{what} {} holds it", route.network),
                depends_on_order: false,
            }
        }
        (Via::Local, Some(route)) if route.effect == Effect::CompetesWithLanDefault => {
            let (at, what) = route_place(&route.origin);
            Answer {
                address,
                via: "local",
                at,
                route: Some(route.network.to_string()),
                why: format!(
                    "only {what} ::/0 holds it, next to the LAN's router-advertised default \
                     route: which one the kernel uses depends on their metrics and the order \
                     they arrived in{}",
                    match lookup.misses.first() {
                        Some(Miss::Dropped(dropped)) => format!(
                            " (OpenVPN drops `route-ipv6 {}` at line {})",
                            dropped.spec,
                            place(&dropped.loc).line
                        ),
                        _ => String::new(),
                    }
                ),
                depends_on_order: true,
            }
        }
        _ => {
            let (at, why) = match lookup.misses.first() {
                Some(Miss::Dropped(dropped)) => (
                    Some(place(&dropped.loc)),
                    match &dropped.reason {
                        DropReason::Name => format!(
                            "no route into the tunnel holds it; `{}` is a name, installed only \
                             for what DNS answers when connecting",
                            dropped.spec
                        ),
                        _ => format!(
                            "no route into the tunnel holds it: OpenVPN drops `route-ipv6 {}` \
                             here",
                            dropped.spec
                        ),
                    },
                ),
                Some(Miss::NotInstalled(route)) => {
                    let (at, what) = route_place(&route.origin);
                    (
                        at,
                        format!(
                            "no route into the tunnel holds it: {what} {} has no gateway on \
                             tap, so OpenVPN does not install it",
                            route.network
                        ),
                    )
                }
                Some(Miss::Blocked(blocked)) => (
                    Some(place(&blocked.by)),
                    format!(
                        "no route into the tunnel holds it: this line removes the server's \
                         pushed `route-ipv6 {}`",
                        blocked.network.map(|n| n.to_string()).unwrap_or_default()
                    ),
                ),
                Some(Miss::ClientDrop(drop)) => (
                    Some(place(&drop.loc)),
                    format!("no route into the tunnel holds it: {}", drop.why),
                ),
                None => (None, "no route into the tunnel holds it".to_owned()),
            };
            Answer {
                address,
                via: "local",
                at,
                route: None,
                why,
                depends_on_order: false,
            }
        }
    }
}

/// The answers for `address` of each view of the profile's clients: one answer with no
/// client names when they all agree, else one per view, with the clients it is for.
pub fn answers(
    profile: &Profile,
    params: &crate::rules::Params,
    address: &str,
) -> Vec<(Option<String>, Answer)> {
    use crate::rules::params::ClientView;
    let clients = params.clients_for(crate::model::aws::endpoint(profile).is_some());
    let views = ClientView::of(clients);
    let mut answers: Vec<(Vec<ClientView>, Answer)> = Vec::new();
    for view in &views {
        let tunnel = crate::rules::tunnel_for(profile, params, *view);
        let Some(answer) = answer(profile, &tunnel, address) else {
            return Vec::new();
        };
        match answers.iter_mut().find(|(_, seen)| *seen == answer) {
            Some((seen_in, _)) => seen_in.push(*view),
            None => answers.push((vec![*view], answer)),
        }
    }
    let split = answers.len() > 1;
    answers
        .into_iter()
        .map(|(seen_in, answer)| {
            let names = split.then(|| crate::engine::client_names(clients, &seen_in));
            (names, answer)
        })
        .collect()
}

/// `PATH: ADDR: VIA: WHY --> path:line:col`, one line.
pub fn human(path: &str, answer: &Answer) -> String {
    let pointer = answer
        .at
        .as_ref()
        .map(|at| format!(" --> {}:{}:{}", at.path, at.line, at.column))
        .unwrap_or_default();
    let via = match answer.via {
        "tunnel" => "tunnel (into the VPN)",
        "local" => "local (outside the VPN)",
        "blocked" => "blocked (dropped, not leaked)",
        other => other,
    };
    format!(
        "{path}: {}: {via}: {}{pointer}\n",
        answer.address, answer.why
    )
}

pub fn to_json(answer: &Answer) -> Value {
    json!({
        "address": answer.address,
        "via": answer.via,
        "route": answer.route,
        "file": answer.at.as_ref().map(|at| &at.path),
        "line": answer.at.as_ref().map(|at| at.line),
        "column": answer.at.as_ref().map(|at| at.column),
        "reason": answer.why,
        "depends_on_order": answer.depends_on_order,
    })
}
