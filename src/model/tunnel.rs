//! The tunnel view: the IPv6 routes into the tunnel once OpenVPN has applied a profile and
//! what its server pushes, what they cover, and where one address goes. Every rule and
//! `--route` read this one view, so they cannot disagree.

use std::net::Ipv6Addr;

use ipnet::Ipv6Net;

use super::address::AddressSpec;
use super::aws::TrafficType;
use super::pushed::{Blocked, Received, blocker};
use super::{DropReason, Loc, Model, Pushed, installs};
use crate::prefix::PrefixSet;

/// What the linter knows of the server a profile connects to.
#[derive(Debug, Clone, Copy)]
pub enum Server<'a> {
    /// Nothing: the profile is judged alone, as if the server pushed no IPv6.
    Unknown,
    /// The config says the server pushes an `ifconfig-ipv6` and routes for `routes` (empty
    /// for a split tunnel, whose routes the linter cannot see).
    Assumed {
        why: Assumption,
        routes: &'a [Ipv6Net],
    },
    /// The server's config is known: what its push lines (and address pool) give a client.
    Pushes(&'a [Pushed]),
}

/// The setting that says a server pushes IPv6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assumption {
    ServerPushesIpv6,
    TrafficType(TrafficType),
    /// The traffic type of the AWS endpoint linked to the profile (its definition says it).
    EndpointTrafficType(TrafficType),
}

impl Assumption {
    /// The setting as written in `[params]`.
    pub fn describe(self) -> String {
        match self {
            Assumption::ServerPushesIpv6 => "server-pushes-ipv6 = true".to_owned(),
            Assumption::TrafficType(t) => format!("traffic-ip-address-type = \"{}\"", t.as_str()),
            Assumption::EndpointTrafficType(t) => {
                format!(
                    "the linked endpoint's traffic IP address type is {}",
                    t.as_str()
                )
            }
        }
    }
}

/// One route into the tunnel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TunnelRoute {
    pub network: Ipv6Net,
    pub origin: Origin,
    pub effect: Effect,
}

/// Where a tunnel route comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A `route-ipv6` line: index into [`Model::options`].
    RouteLine(usize),
    /// The on-link prefix of the tunnel's own address (`ifconfig-ipv6 local/bits`).
    TunnelPrefix(Loc),
    /// One of the four routes of the profile's `redirect-gateway ipv6`.
    Redirect(Loc),
    /// A pushed `route-ipv6`, or one of a pushed `redirect-gateway ipv6`'s four routes.
    Pushed(Loc),
    /// A route the config says the server pushes.
    Assumed(Assumption),
    /// A `route-ipv6` or `redirect-gateway ipv6` line as OpenVPN 3 reads it.
    Openvpn3Line(Loc),
    /// One of the blocking routes OpenVPN Connect installs for `block-ipv6`.
    Block(Loc),
}

/// What the kernel does with a tunnel route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Installed,
    /// A length-0 route sits next to the LAN's router-advertised default route; which of the
    /// two carries traffic depends on their metrics and the order they arrived in.
    CompetesWithLanDefault,
    /// On tap, no gateway and a metric other than 0: OpenVPN does not install it.
    NoTapGateway,
    /// A blocking route: traffic to it is dropped, neither tunnelled nor leaked.
    Blocked,
}

/// Where the tunnel's IPv6 address comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TunnelAddress {
    /// The profile's `ifconfig-ipv6` (or what a server's `server-ipv6` derives).
    Own(Loc),
    Pushed(Loc),
    Assumed(Assumption),
}

/// The routes into the tunnel, in the order OpenVPN adds them.
#[derive(Debug, Clone)]
pub struct Tunnel {
    pub routes: Vec<TunnelRoute>,
    pub address: Option<TunnelAddress>,
    /// What the server pushes that the profile's `pull-filter`/`route-nopull` remove.
    pub blocked: Vec<Blocked>,
    /// Lines of the profile the client drops when it builds the tunnel (OpenVPN 3), with why.
    pub client_drops: Vec<ClientDrop>,
    /// Whether this is OpenVPN 2.6's view, whose dropped lines the [`Model`] lists.
    pub openvpn2: bool,
    covered: PrefixSet,
}

/// A profile line the client reads and then drops when it builds the tunnel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientDrop {
    /// The network it would have routed, when it names one.
    pub network: Option<Ipv6Net>,
    pub loc: Loc,
    pub why: String,
}

/// Where one address goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup<'a> {
    pub address: Ipv6Addr,
    pub via: Via,
    /// The route that decides: the longest tunnel route that holds the address, or a
    /// length-0 route that competes with the LAN's default route.
    pub route: Option<&'a TunnelRoute>,
    /// Why no tunnel route carries it, when none does.
    pub misses: Vec<Miss<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Tunnel,
    /// Out through the local network, outside the VPN.
    Local,
    /// Dropped by a blocking route (OpenVPN Connect's `block-ipv6`): not leaked.
    Blocked,
}

/// A route that would have carried an address, and why it does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Miss<'a> {
    /// OpenVPN loads the line and never installs the route.
    Dropped(&'a super::DroppedRoute),
    /// A tunnel route that is not installed (tap without a gateway).
    NotInstalled(&'a TunnelRoute),
    /// The server pushes it; the profile's own line removes it.
    Blocked(&'a Blocked),
    /// The client drops the line when it builds the tunnel.
    ClientDrop(&'a ClientDrop),
}

/// The four routes `redirect-gateway ipv6` adds (`::/0` would lose to the LAN's default route).
pub const REDIRECT_IPV6_ROUTES: [&str; 4] = ["::/3", "2000::/4", "3000::/4", "fc00::/7"];

impl Tunnel {
    pub fn new(model: &Model, server: Server) -> Self {
        let mut blocked = Vec::new();
        let mut pushed_address = None;
        let mut pushed_routes = Vec::new();
        match server {
            Server::Unknown => {}
            Server::Assumed { why, routes } => {
                // Which options the server uses is not known: its address arrives as a pushed
                // `ifconfig-ipv6`, its routes as `route-ipv6` or `redirect-gateway ipv6`, so
                // the routes count only when the profile lets both through.
                if blocker(model, "ifconfig-ipv6").is_none() {
                    pushed_address = Some(TunnelAddress::Assumed(why));
                }
                let routes_blocked_by = blocker(model, "route-ipv6 2000::/3")
                    .or_else(|| blocker(model, "redirect-gateway ipv6"));
                match routes_blocked_by {
                    None => pushed_routes.extend(routes.iter().map(|net| TunnelRoute {
                        network: *net,
                        origin: Origin::Assumed(why),
                        effect: Effect::Installed,
                    })),
                    Some(by) => blocked.extend(routes.iter().map(|net| Blocked {
                        option: "route-ipv6".to_owned(),
                        network: Some(*net),
                        pushed: None,
                        by: by.clone(),
                    })),
                }
            }
            Server::Pushes(pushes) => {
                let received = Received::read(pushes, Some(model));
                pushed_address = received.ifconfig_ipv6.clone().map(TunnelAddress::Pushed);
                pushed_routes.extend(received.routes.iter().map(|(net, loc)| TunnelRoute {
                    network: *net,
                    origin: Origin::Pushed(loc.clone()),
                    effect: Effect::Installed,
                }));
                if let Some(loc) = &received.redirect_ipv6 {
                    pushed_routes.extend(redirect_routes().map(|network| TunnelRoute {
                        network,
                        origin: Origin::Pushed(loc.clone()),
                        effect: Effect::Installed,
                    }));
                }
                blocked = received.blocked;
            }
        }

        // A pushed `ifconfig-ipv6` replaces the profile's own.
        let address = pushed_address.or_else(|| {
            model
                .ifconfig_ipv6
                .as_ref()
                .map(|i| TunnelAddress::Own(i.loc.clone()))
        });
        // On tap a route needs a gateway: its own, `route-ipv6-gateway`, or the tunnel's
        // remote address, which a pushed `ifconfig-ipv6` supplies too.
        let address_pushed = matches!(
            address,
            Some(TunnelAddress::Pushed(_) | TunnelAddress::Assumed(_))
        );
        let default_gateway =
            (model.route_ipv6_gateway.is_some() || address.is_some()).then_some(SOME_GATEWAY);
        let default_metric = model.default_metric;
        let effect = |network: &Ipv6Net, gateway: Option<Ipv6Addr>, metric: Option<i64>| {
            if !installs(model.dev_type, gateway, metric) {
                Effect::NoTapGateway
            } else if network.prefix_len() == 0 {
                Effect::CompetesWithLanDefault
            } else {
                Effect::Installed
            }
        };

        let mut routes = Vec::with_capacity(model.routes_ipv6.len() + pushed_routes.len() + 5);
        for route in &model.routes_ipv6 {
            let option = &route.option;
            let gateway = route.gateway.or(address_pushed.then_some(SOME_GATEWAY));
            routes.push(TunnelRoute {
                network: route.network,
                origin: Origin::RouteLine(option.option),
                effect: effect(&route.network, gateway, route.metric),
            });
        }
        // Lines dropped on tap for want of a gateway get one from a pushed address.
        if address_pushed {
            for dropped in &model.dropped_routes_ipv6 {
                if dropped.reason == DropReason::TapWithoutGateway
                    && let Some(network) = intended_network(&dropped.spec)
                    && let Some(option) = model.options.iter().position(|o| o.loc == dropped.loc)
                {
                    routes.push(TunnelRoute {
                        network,
                        origin: Origin::RouteLine(option),
                        effect: effect(&network, Some(SOME_GATEWAY), default_metric),
                    });
                }
            }
        }
        if let Some(ifconfig) = &model.ifconfig_ipv6
            && !address_pushed
            && let Some(local) = ifconfig.local_address
            && let Ok(prefix) = Ipv6Net::new(local, ifconfig.bits)
        {
            let network = prefix.trunc();
            routes.push(TunnelRoute {
                network,
                origin: Origin::TunnelPrefix(ifconfig.loc.clone()),
                effect: effect(&network, Some(SOME_GATEWAY), Some(0)),
            });
        }
        for mut route in pushed_routes {
            route.effect = effect(&route.network, default_gateway, default_metric);
            routes.push(route);
        }
        if let Some(line) = model.redirect.lines.last().filter(|_| model.redirect.ipv6) {
            for network in redirect_routes() {
                routes.push(TunnelRoute {
                    network,
                    origin: Origin::Redirect(line.clone()),
                    effect: effect(&network, default_gateway, default_metric),
                });
            }
        }
        let mut tunnel = Tunnel::from_routes(routes, address, blocked, Vec::new());
        tunnel.openvpn2 = true;
        tunnel
    }

    /// A tunnel built by another reading than OpenVPN 2.6's ([`super::openvpn3`]).
    pub fn from_routes(
        routes: Vec<TunnelRoute>,
        address: Option<TunnelAddress>,
        blocked: Vec<Blocked>,
        client_drops: Vec<ClientDrop>,
    ) -> Self {
        let covered = PrefixSet::from_prefixes(
            routes
                .iter()
                .filter(|r| matches!(r.effect, Effect::Installed | Effect::Blocked))
                .map(|r| r.network),
        );
        Tunnel {
            routes,
            address,
            blocked,
            client_drops,
            openvpn2: false,
            covered,
        }
    }

    /// What leaves no longer through the local network: the installed routes of length 1
    /// or more, and blocking routes.
    pub fn covered(&self) -> &PrefixSet {
        &self.covered
    }

    /// Whether routes the server pushes reach the profile.
    pub fn receives_pushed_routes(&self) -> bool {
        self.routes
            .iter()
            .any(|r| matches!(r.origin, Origin::Pushed(_) | Origin::Assumed(_)))
    }

    /// Where `address` goes, and which route decides.
    pub fn lookup<'a>(&'a self, model: &'a Model, address: Ipv6Addr) -> Lookup<'a> {
        let holds = |net: &Ipv6Net| net.contains(&address);
        let best = self
            .routes
            .iter()
            .filter(|r| {
                matches!(r.effect, Effect::Installed | Effect::Blocked) && holds(&r.network)
            })
            .max_by_key(|r| r.network.prefix_len());
        if let Some(route) = best {
            return Lookup {
                address,
                via: if route.effect == Effect::Blocked {
                    Via::Blocked
                } else {
                    Via::Tunnel
                },
                route: Some(route),
                misses: Vec::new(),
            };
        }
        let competing = self
            .routes
            .iter()
            .find(|r| r.effect == Effect::CompetesWithLanDefault);
        let mut misses: Vec<Miss> = model
            .dropped_routes_ipv6
            .iter()
            .chain(&model.named_routes_ipv6)
            .filter(|_| self.openvpn2)
            .filter(|d| {
                d.reason == DropReason::Name
                    || intended_network(&d.spec).is_some_and(|net| holds(&net))
            })
            .filter(|d| {
                !self
                    .routes
                    .iter()
                    .any(|r| r.origin == route_origin(model, &d.loc))
            })
            .map(Miss::Dropped)
            .collect();
        misses.extend(
            self.routes
                .iter()
                .filter(|r| r.effect == Effect::NoTapGateway && holds(&r.network))
                .map(Miss::NotInstalled),
        );
        misses.extend(
            self.blocked
                .iter()
                .filter(|b| b.network.is_some_and(|net| holds(&net)))
                .map(Miss::Blocked),
        );
        misses.extend(
            self.client_drops
                .iter()
                .filter(|d| d.network.is_none_or(|net| holds(&net)))
                .map(Miss::ClientDrop),
        );
        Lookup {
            address,
            via: Via::Local,
            route: competing,
            misses,
        }
    }
}

/// Stands for "a gateway is set" when asking [`installs`].
const SOME_GATEWAY: Ipv6Addr = Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 1);

/// The origin a dropped line would have had, to skip lines a pushed address reinstated.
fn route_origin(model: &Model, loc: &Loc) -> Origin {
    match model.options.iter().position(|o| &o.loc == loc) {
        Some(index) => Origin::RouteLine(index),
        None => Origin::TunnelPrefix(loc.clone()),
    }
}

/// The four routes of `redirect-gateway ipv6`.
pub fn redirect_routes() -> impl Iterator<Item = Ipv6Net> {
    REDIRECT_IPV6_ROUTES
        .iter()
        .map(|net| net.parse().expect("a valid literal prefix"))
}

/// The network a dropped `route-ipv6` meant: `2000::/3#x` meant 2000::/3.
fn intended_network(spec: &str) -> Option<Ipv6Net> {
    let spec = spec.split('#').next().unwrap_or(spec);
    let parsed = AddressSpec::parse(spec);
    Ipv6Net::new(parsed.address()?, parsed.bits?)
        .ok()
        .map(|n| n.trunc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Profile, load};

    fn profile(text: &str) -> Profile {
        load(
            std::path::Path::new("p.ovpn"),
            text.as_bytes().to_vec(),
            &|_| Err(std::io::ErrorKind::NotFound.into()),
        )
    }

    fn via(tunnel: &Tunnel, model: &Model, address: &str) -> Via {
        tunnel.lookup(model, address.parse().unwrap()).via
    }

    #[test]
    fn the_longest_installed_prefix_decides() {
        let p = profile(
            "client\ndev tun\nifconfig-ipv6 fd00::2 fd00::1\nroute-ipv6 2000::/4\nroute-ipv6 2001:db8::/32\n",
        );
        let tunnel = Tunnel::new(&p.model, Server::Unknown);
        let lookup = tunnel.lookup(&p.model, "2001:db8::1".parse().unwrap());
        assert_eq!(lookup.route.unwrap().network.to_string(), "2001:db8::/32");
        assert_eq!(via(&tunnel, &p.model, "3000::1"), Via::Local);
        // The tunnel's own /64 is on-link on the tunnel.
        assert_eq!(via(&tunnel, &p.model, "fd00::99"), Via::Tunnel);
        assert!(tunnel.covered().covers(&"2000::/4".parse().unwrap()));
    }

    #[test]
    fn a_default_route_competes_and_does_not_cover() {
        let p = profile("client\ndev tun\nroute-ipv6 ::/0\n");
        let tunnel = Tunnel::new(&p.model, Server::Unknown);
        let lookup = tunnel.lookup(&p.model, "2001:db8::1".parse().unwrap());
        assert_eq!(lookup.via, Via::Local);
        assert_eq!(lookup.route.unwrap().effect, Effect::CompetesWithLanDefault);
        assert!(tunnel.covered().is_empty());
    }

    #[test]
    fn on_tap_a_pushed_address_gives_routes_their_gateway() {
        let p = profile("client\ndev tap\nroute-ipv6 2000::/3\n");
        let alone = Tunnel::new(&p.model, Server::Unknown);
        assert_eq!(via(&alone, &p.model, "2001:db8::1"), Via::Local);
        let assumed = Tunnel::new(
            &p.model,
            Server::Assumed {
                why: Assumption::ServerPushesIpv6,
                routes: &[],
            },
        );
        assert_eq!(via(&assumed, &p.model, "2001:db8::1"), Via::Tunnel);
        assert_eq!(
            assumed.address,
            Some(TunnelAddress::Assumed(Assumption::ServerPushesIpv6))
        );
    }

    #[test]
    fn assumed_routes_count_only_when_both_kinds_of_push_get_through() {
        let required = ["2000::/3".parse().unwrap()];
        let server = Server::Assumed {
            why: Assumption::TrafficType(TrafficType::DualStack),
            routes: &required,
        };
        for (lines, routed) in [
            ("", true),
            ("pull-filter ignore redirect-gateway\n", false),
            ("pull-filter ignore route-ipv6\n", false),
            ("route-nopull\n", false),
        ] {
            let p = profile(&format!("client\ndev tun\n{lines}"));
            let tunnel = Tunnel::new(&p.model, server);
            assert_eq!(tunnel.receives_pushed_routes(), routed, "{lines}");
            assert_eq!(tunnel.blocked.is_empty(), routed, "{lines}");
        }
    }
}
