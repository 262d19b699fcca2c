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
    /// The push line, when the server's config is known.
    pub pushed: Option<Loc>,
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
            if let Some(by) = client.and_then(|model| blocker(model, &push.text)) {
                received.blocked.push(Blocked {
                    option: name.to_owned(),
                    network: (name == "route-ipv6")
                        .then(|| push.words.get(1).and_then(|w| network(w)))
                        .flatten(),
                    pushed: Some(push.loc.clone()),
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

/// The client line that removes a pushed option (`text`, as the client receives it): the
/// first `pull-filter` whose text starts the option decides (`accept` keeps it); then
/// `route-nopull` refuses route options.
pub fn blocker(model: &Model, text: &str) -> Option<Loc> {
    if let Some(filter) = model.pull_filters.iter().find(|f| f.matches(text))
        && filter.action != PullFilterAction::Accept
    {
        return Some(filter.loc.clone());
    }
    let name = text.split_whitespace().next()?;
    match &model.route_nopull {
        Some(loc) if ROUTE_CLASS.contains(&name) => Some(loc.clone()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Profile, load};

    fn profile(text: &str) -> Profile {
        load(
            std::path::Path::new("p.conf"),
            text.as_bytes().to_vec(),
            &|_| Err(std::io::ErrorKind::NotFound.into()),
        )
    }

    fn server_pushes(lines: &str) -> Vec<Pushed> {
        profile(&format!("mode server\n{lines}")).model.pushes
    }

    #[test]
    fn a_server_reads_its_own_pushes_with_redirect_flags_combined() {
        let pushes = server_pushes(
            "push \"redirect-gateway def1\"\npush \"redirect-gateway !ipv4 ipv6\"\npush \"route-ipv6 2000::/4,route-ipv6 3000::1/4\"\n",
        );
        let received = Received::read(&pushes, None);
        let nets: Vec<String> = received.routes.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(nets, ["2000::/4", "3000::/4"]);
        assert!(received.redirect_ipv6.is_some());
        // `!ipv4` on a later line clears the IPv4 redirect, but the first line made it.
        assert!(received.ipv4_full_tunnel.is_some());
    }

    #[test]
    fn the_first_matching_pull_filter_decides_and_route_nopull_keeps_the_address() {
        let pushes = server_pushes(
            "push \"ifconfig-ipv6 fd00::2/64 fd00::1\"\npush \"route-ipv6 2000::/3\"\npush \"block-ipv6\"\n",
        );
        let client = |lines: &str| profile(&format!("client\n{lines}")).model;

        let accepted = client("pull-filter accept \"route-ipv6 2000\"\npull-filter ignore \"\"\n");
        let received = Received::read(&pushes, Some(&accepted));
        assert_eq!(received.routes.len(), 1);
        assert!(received.ifconfig_ipv6.is_none());
        assert_eq!(received.blocked.len(), 2);

        let nopull = client("route-nopull\n");
        let received = Received::read(&pushes, Some(&nopull));
        assert!(
            received.ifconfig_ipv6.is_some(),
            "route-nopull keeps a pushed address"
        );
        assert!(received.routes.is_empty());
        assert!(received.block_ipv6.is_none());
        assert_eq!(
            received.blocked[0]
                .network
                .map(|n| n.to_string())
                .as_deref(),
            Some("2000::/3")
        );

        // `pull-filter ignore route` matches `route-ipv6` too: OpenVPN compares a prefix.
        let by_prefix = client("pull-filter ignore route\n");
        assert!(Received::read(&pushes, Some(&by_prefix)).routes.is_empty());
    }
}
