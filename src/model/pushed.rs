//! What a server's pushed options give a client, read as an OpenVPN 2.6 client reads a
//! PUSH_REPLY: each option first through the client's `pull-filter`s, then through
//! `route-nopull`'s permission mask, then parsed.

use ipnet::Ipv6Net;

use super::address::{AddressSpec, Host};
use super::{Loc, Model, PullFilterAction, Pushed};

/// The pushed settings that decide where IPv6 goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    /// `route-ipv6` networks, host bits cleared, with the push line.
    pub routes: Vec<(Ipv6Net, Loc)>,
    /// A pushed `redirect-gateway`/`redirect-private` with `ipv6`.
    pub redirect_ipv6: Option<Loc>,
    /// A pushed IPv4 full tunnel: `redirect-gateway` (flags combined over every push, `!ipv4`
    /// clears it) or `route 0.0.0.0 0.0.0.0`.
    pub ipv4_full_tunnel: Option<Loc>,
    /// A pushed `ifconfig-ipv6`, or the pool every client gets one from.
    pub ifconfig_ipv6: Option<Loc>,
    pub block_ipv6: Option<Loc>,
    /// Pushed options the client's own lines removed.
    pub blocked: Vec<Blocked>,
}

/// A pushed option that a `pull-filter` or `route-nopull` of the client removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// The option's name (`route-ipv6`).
    pub option: String,
    /// Its network, for a `route-ipv6`.
    pub network: Option<Ipv6Net>,
    pub pushed: Loc,
    /// The `pull-filter` or `route-nopull` line.
    pub by: Loc,
}

/// Options in OpenVPN's `OPT_P_ROUTE` class, which `route-nopull` refuses when pushed.
const ROUTE_CLASS: &[&str] = &[
    "route",
    "route-ipv6",
    "redirect-gateway",
    "redirect-private",
    "block-ipv6",
    "route-gateway",
    "route-metric",
];

impl Received {
    /// What `client` makes of `pushes` (`None`: a server reading its own push lines).
    pub fn read<'a>(pushes: impl IntoIterator<Item = &'a Pushed>, client: Option<&Model>) -> Self {
        let mut received = Received::default();
        let mut redirect_ipv4 = false;
        for push in pushes {
            let Some(name) = push.words.first().map(String::as_str) else {
                continue;
            };
            if let Some(by) = client.and_then(|model| blocker(model, push)) {
                received.blocked.push(Blocked {
                    option: name.to_owned(),
                    network: (name == "route-ipv6")
                        .then(|| push.words.get(1).and_then(|w| network(w)))
                        .flatten(),
                    pushed: push.loc.clone(),
                    by,
                });
                continue;
            }
            let args = &push.words[1..];
            match name {
                "route-ipv6" => {
                    if let Some(net) = args.first().and_then(|a| network(a)) {
                        received.routes.push((net, push.loc.clone()));
                    }
                }
                "redirect-gateway" | "redirect-private" => {
                    redirect_ipv4 |= name == "redirect-gateway";
                    for flag in args {
                        match flag.as_str() {
                            "ipv6" => {
                                received.redirect_ipv6.get_or_insert(push.loc.clone());
                            }
                            "!ipv4" => redirect_ipv4 = false,
                            _ => {}
                        }
                    }
                    if redirect_ipv4 {
                        received.ipv4_full_tunnel.get_or_insert(push.loc.clone());
                    }
                }
                "route" if args.len() >= 2 && args[0] == "0.0.0.0" && args[1] == "0.0.0.0" => {
                    received.ipv4_full_tunnel.get_or_insert(push.loc.clone());
                }
                "ifconfig-ipv6" if args.len() == 2 => {
                    received.ifconfig_ipv6 = Some(push.loc.clone());
                }
                "block-ipv6" if args.is_empty() => {
                    received.block_ipv6.get_or_insert(push.loc.clone());
                }
                _ => {}
            }
        }
        received
    }
}

/// The client line that removes a pushed option: the first `pull-filter` whose text starts
/// the option decides (`accept` keeps it); then `route-nopull` refuses route options.
fn blocker(model: &Model, push: &Pushed) -> Option<Loc> {
    if let Some(filter) = model.pull_filters.iter().find(|f| f.matches(&push.text))
        && filter.action != PullFilterAction::Accept
    {
        return Some(filter.loc.clone());
    }
    let name = push.words.first()?;
    match &model.route_nopull {
        Some(loc) if ROUTE_CLASS.contains(&name.as_str()) => Some(loc.clone()),
        _ => None,
    }
}

/// A pushed `route-ipv6` network as the client installs it (a name is looked up at connect
/// time: not judged).
fn network(spec: &str) -> Option<Ipv6Net> {
    let spec = AddressSpec::parse(spec);
    match (spec.host, spec.bits) {
        (Host::Address(address), Some(bits)) => Ipv6Net::new(address, bits).ok().map(|n| n.trunc()),
        _ => None,
    }
}
