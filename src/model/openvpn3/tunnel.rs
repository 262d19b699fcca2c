//! The IPv6 tunnel OpenVPN 3 builds from a profile and its server's push
//! (`openvpn/tun/client/tunprop.hpp`, then the platform's tun setup): the profile's
//! `route-ipv6` lines and `redirect-gateway ipv6` count only when the server pushes an
//! `ifconfig-ipv6`; `redirect-gateway ipv6` installs `::/1` and `8000::/1`; `block-ipv6` turns
//! the tunnel's IPv6 off and, on OpenVPN Connect (Windows, macOS), installs blocking routes
//! for 2000::/4, 3000::/4 and fc00::/7, while openvpn3-linux blocks nothing
//! (`openvpn/tun/linux/client/tunnetlink.hpp`: "fixme -- Process block-ipv6").

use ipnet::Ipv6Net;

use super::{Openvpn3, Redirect3, Route3, reroutes_ipv6, route_network};
use crate::model::pushed::Blocked;
use crate::model::tunnel::{
    ClientDrop, Effect, Origin, Server, Tunnel, TunnelAddress, TunnelRoute,
};
use crate::model::{Loc, PullFilterAction};

/// The routes of `redirect-gateway ipv6` under OpenVPN 3.
pub const REDIRECT_ROUTES: [&str; 2] = ["::/1", "8000::/1"];
/// The blocking routes OpenVPN Connect installs for `block-ipv6`
/// (`tun/win/client/tunsetup.hpp`, `tun/mac/client/tunsetup.hpp`).
pub const BLOCK_ROUTES: [&str; 3] = ["2000::/4", "3000::/4", "fc00::/7"];

/// Options `route-nopull` makes OpenVPN 3 ignore when pushed (`client/optfilt.hpp`).
const ROUTE_NOPULL: &[&str] = &[
    "block-ipv6",
    "client-nat",
    "dhcp-option",
    "dhcp-renew",
    "dhcp-pre-release",
    "dhcp-release",
    "ip-win32",
    "route",
    "route-ipv6",
    "route-metric",
    "redirect-gateway",
    "redirect-private",
    "register-dns",
    "route-delay",
    "route-method",
    "tap-sleep",
];

/// Which OpenVPN 3 platform builds the tunnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// OpenVPN Connect: Windows, macOS (and the mobile apps, whose `block-ipv6` is the same
    /// request to the OS).
    Connect,
    Linux,
}

/// What reaches the client of the server's options.
struct Push {
    address: Option<TunnelAddress>,
    routes: Vec<(Ipv6Net, Origin)>,
    redirects: Vec<Redirect3>,
    block_ipv6: Option<Loc>,
    blocked: Vec<Blocked>,
    /// A `pull-filter reject` line that matched a pushed option: the client gives up.
    rejected_by: Option<Loc>,
}

/// The tunnel OpenVPN 3 builds on `platform`.
pub fn build(read: &Openvpn3, server: Server, platform: Platform) -> Tunnel {
    let push = received(read, server);
    if let Some(by) = push.rejected_by {
        // `pull-filter reject` throws: the client gives up the connection, no tunnel at all.
        let drop = ClientDrop {
            network: None,
            loc: by,
            why: "this `pull-filter reject` matches what the server pushes, so the client \
                  gives up the connection"
                .to_owned(),
        };
        return Tunnel::from_routes(Vec::new(), None, push.blocked, vec![drop]);
    }
    let mut routes = Vec::new();
    let mut drops = Vec::new();
    let block = read.block_ipv6.clone().or(push.block_ipv6.clone());
    let ipv6 = push.address.is_some();
    let why_off = |block: &Option<Loc>| -> Option<String> {
        if block.is_some() {
            Some(match platform {
                Platform::Connect => "`block-ipv6` turns the tunnel's IPv6 off (OpenVPN Connect blocks 2000::/4, 3000::/4 and fc00::/7 instead)".to_owned(),
                Platform::Linux => "`block-ipv6` turns the tunnel's IPv6 off, and openvpn3-linux blocks nothing".to_owned(),
            })
        } else if !ipv6 {
            Some(
                "OpenVPN 3 drops a profile's IPv6 routes when the server pushes no `ifconfig-ipv6`"
                    .to_owned(),
            )
        } else {
            None
        }
    };
    let off = why_off(&block);
    for route in &read.routes_ipv6 {
        match (&route.network, &off) {
            (Ok(network), None) if !route.excluded => routes.push(TunnelRoute {
                network: *network,
                origin: Origin::Openvpn3Line(route.loc.clone()),
                effect: effect(network),
            }),
            (Ok(_), None) => drops.push(drop(
                route,
                "`net_gateway` sends it outside the tunnel".to_owned(),
            )),
            (Ok(_), Some(why)) => drops.push(drop(route, why.clone())),
            (Err(why), _) => drops.push(drop(route, format!("OpenVPN 3 drops the line: {why}"))),
        }
    }
    if off.is_none() {
        for (network, origin) in &push.routes {
            routes.push(TunnelRoute {
                network: *network,
                origin: origin.clone(),
                effect: effect(network),
            });
        }
    }
    let own = read.redirects.len();
    let redirect = reroutes_ipv6(read.redirects.iter().chain(&push.redirects)).map(|line| {
        if read
            .redirects
            .iter()
            .take(own)
            .any(|r| std::ptr::eq(r, line))
        {
            Origin::Openvpn3Line(line.loc.clone())
        } else {
            Origin::Pushed(line.loc.clone())
        }
    });
    if let Some(origin) = redirect {
        match &off {
            None => routes.extend(REDIRECT_ROUTES.iter().map(|net| TunnelRoute {
                network: net.parse().expect("a valid literal prefix"),
                origin: origin.clone(),
                effect: Effect::Installed,
            })),
            Some(why) => {
                if let Origin::Openvpn3Line(loc) = origin {
                    drops.push(ClientDrop {
                        network: None,
                        loc,
                        why: format!("`redirect-gateway ipv6` redirects nothing: {why}"),
                    });
                }
            }
        }
    }
    match (&block, platform) {
        (Some(loc), Platform::Connect) => {
            routes.extend(BLOCK_ROUTES.iter().map(|net| TunnelRoute {
                network: net.parse().expect("a valid literal prefix"),
                origin: Origin::Block(loc.clone()),
                effect: Effect::Blocked,
            }));
        }
        (Some(loc), Platform::Linux) => drops.push(ClientDrop {
            network: None,
            loc: loc.clone(),
            why: "`block-ipv6` blocks nothing on openvpn3-linux".to_owned(),
        }),
        (None, _) => {}
    }
    let address = if block.is_some() { None } else { push.address };
    Tunnel::from_routes(routes, address, push.blocked, drops)
}

fn effect(network: &Ipv6Net) -> Effect {
    if network.prefix_len() == 0 {
        Effect::CompetesWithLanDefault
    } else {
        Effect::Installed
    }
}

fn drop(route: &Route3, why: String) -> ClientDrop {
    ClientDrop {
        network: route.network.clone().ok(),
        loc: route.loc.clone(),
        why,
    }
}

/// The server's options after the profile's `pull-filter` and `route-nopull`.
fn received(read: &Openvpn3, server: Server) -> Push {
    let mut push = Push {
        address: None,
        routes: Vec::new(),
        redirects: Vec::new(),
        block_ipv6: None,
        blocked: Vec::new(),
        rejected_by: None,
    };
    match server {
        Server::Unknown => {}
        Server::Assumed { why, routes } => {
            let words = |text: &str| text.split(' ').map(str::to_owned).collect::<Vec<_>>();
            match remover(read, &words("ifconfig-ipv6 fd00::2/64 fd00::1")) {
                None => push.address = Some(TunnelAddress::Assumed(why)),
                Some((by, true)) => push.rejected_by = Some(by),
                Some(_) => {}
            }
            for net in routes {
                match remover(read, &words(&format!("route-ipv6 {net}"))) {
                    None => push.routes.push((*net, Origin::Assumed(why))),
                    Some((by, rejects)) => push.blocked.push(Blocked {
                        option: "route-ipv6".to_owned(),
                        network: Some(*net),
                        pushed: None,
                        by: if rejects {
                            push.rejected_by.get_or_insert(by).clone()
                        } else {
                            by
                        },
                    }),
                }
            }
        }
        Server::Pushes(pushes) => {
            for pushed in pushes {
                let Some(name) = pushed.words.first().map(String::as_str) else {
                    continue;
                };
                let args = &pushed.words[1..];
                if let Some((by, rejects)) = remover(read, &pushed.words) {
                    if rejects {
                        push.rejected_by.get_or_insert(by.clone());
                    }
                    push.blocked.push(Blocked {
                        option: name.to_owned(),
                        network: (name == "route-ipv6")
                            .then(|| route_network(args).ok())
                            .flatten(),
                        pushed: Some(pushed.loc.clone()),
                        by,
                    });
                    continue;
                }
                match name {
                    "ifconfig-ipv6" if args.len() == 2 => {
                        push.address = Some(TunnelAddress::Pushed(pushed.loc.clone()));
                    }
                    "route-ipv6" if !args.is_empty() => {
                        if let Ok(net) = route_network(args)
                            && args.get(1).is_none_or(|t| t != "net_gateway")
                        {
                            push.routes.push((net, Origin::Pushed(pushed.loc.clone())));
                        }
                    }
                    "redirect-gateway" | "redirect-private" => push.redirects.push(Redirect3 {
                        gateway: name == "redirect-gateway",
                        flags: args.to_vec(),
                        loc: pushed.loc.clone(),
                    }),
                    "block-ipv6" => {
                        push.block_ipv6.get_or_insert(pushed.loc.clone());
                    }
                    _ => {}
                }
            }
        }
    }
    push
}

/// The profile line that removes a pushed option, and whether it is a `pull-filter reject`:
/// the first matching `pull-filter` decides (`accept` keeps it), then `route-nopull`.
fn remover(read: &Openvpn3, pushed: &[String]) -> Option<(Loc, bool)> {
    if let Some(filter) = read.pull_filters.iter().find(|f| f.matches(pushed)) {
        return (filter.action != PullFilterAction::Accept).then(|| {
            (
                filter.loc.clone(),
                filter.action == PullFilterAction::Reject,
            )
        });
    }
    let name = pushed.first()?;
    match &read.route_nopull {
        Some(loc) if ROUTE_NOPULL.contains(&name.as_str()) => Some((loc.clone(), false)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::openvpn3::read;
    use crate::model::tunnel::{Assumption, Via};

    fn routes(tunnel: &Tunnel) -> Vec<String> {
        tunnel
            .routes
            .iter()
            .map(|r| r.network.to_string())
            .collect()
    }

    const PUSHES_IPV6: Server = Server::Assumed {
        why: Assumption::ServerPushesIpv6,
        routes: &[],
    };

    #[test]
    fn profile_routes_count_only_when_ipv6_is_pushed() {
        let read = read(b"client\nroute-ipv6 2000::/3\nredirect-gateway ipv6\n");
        let alone = build(&read, Server::Unknown, Platform::Linux);
        assert!(routes(&alone).is_empty());
        assert_eq!(alone.client_drops.len(), 2);
        let pushed = build(&read, PUSHES_IPV6, Platform::Linux);
        assert_eq!(routes(&pushed), ["2000::/3", "::/1", "8000::/1"]);
    }

    #[test]
    fn block_ipv6_blocks_on_connect_and_nothing_on_linux() {
        let text = b"client\nblock-ipv6\n";
        let profile = crate::model::load(std::path::Path::new("p.ovpn"), text.to_vec(), &|_| {
            Err(std::io::ErrorKind::NotFound.into())
        });
        let read = read(text);
        let connect = build(&read, Server::Unknown, Platform::Connect);
        let lookup = connect.lookup(&profile.model, "2001:db8::1".parse().unwrap());
        assert_eq!(lookup.via, Via::Blocked);
        let linux = build(&read, PUSHES_IPV6, Platform::Linux);
        assert!(routes(&linux).is_empty());
        assert!(linux.address.is_none());
    }
}
