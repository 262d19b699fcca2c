//! `legacy-ipv6-lines`: the `ifconfig-ipv6` and `route-ipv6` lines of AWS's legacy leak advice
//! where the endpoint makes them wrong. An endpoint that assigns IPv6 itself
//! (`traffic-ip-address-type` `ipv6` or `dual-stack`) pushes an `ifconfig-ipv6` that replaces
//! the profile's, and OpenVPN installs the profile's `route-ipv6` lines next to the pushed
//! routes; with a split tunnel, a static route into global unicast (2000::/3) pulls IPv6
//! internet traffic into a tunnel that does not carry it.

use ipnet::Ipv6Net;

use super::check::{Check, CheckArgs, Context, Finding, FindingFix, LoadError};
use super::params::Params;
use super::placement;
use crate::model::Status;
use crate::model::tunnel::TunnelAddress;

#[derive(Debug)]
pub struct LegacyIpv6Lines;

impl LegacyIpv6Lines {
    pub fn load(args: &CheckArgs, _params: &Params) -> Result<Self, LoadError> {
        args.only(&[])?;
        Ok(Self)
    }
}

impl Check for LegacyIpv6Lines {
    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        let params = cx.params;
        let traffic = params.traffic_ip_address_type;
        let assigns_ipv6 = traffic.carries_ipv6();
        if !assigns_ipv6 && !params.split_tunnel {
            return;
        }
        let profile = cx.profile;
        let model = &profile.model;
        let global: Ipv6Net = "2000::/3".parse().expect("a valid literal prefix");
        let replaced = matches!(cx.tunnel().address, Some(TunnelAddress::Assumed(_)));
        // The installed routes follow their lines' order: one pass over both.
        let mut routes = model.routes_ipv6.iter().peekable();
        for (index, option) in model.options.iter().enumerate() {
            if option.status != Status::Applied || option.in_connection {
                continue;
            }
            let reason = match option.name.as_str() {
                "route-ipv6" => {
                    let network = routes
                        .next_if(|r| r.option.option == index)
                        .map(|r| r.network);
                    let into_global =
                        network.is_some_and(|net| net.contains(&global) || global.contains(&net));
                    if params.split_tunnel && into_global {
                        let carried = if assigns_ipv6 {
                            "only the endpoint's own routes"
                        } else {
                            "no IPv6 at all (traffic IP address type `ipv4`)"
                        };
                        format!(
                            "with a split tunnel this route pulls global IPv6 into a tunnel that \
                             carries {carried}: the user's IPv6 internet breaks"
                        )
                    } else if assigns_ipv6 {
                        format!(
                            "legacy `route-ipv6` for a `{}` endpoint, which pushes its own IPv6 \
                             routes: OpenVPN installs this one next to them",
                            traffic.as_str()
                        )
                    } else {
                        continue;
                    }
                }
                "ifconfig-ipv6" if assigns_ipv6 => {
                    let effect = if replaced {
                        "the pushed address replaces this one, so the line only misleads"
                    } else {
                        "this line stands in for it only because the profile blocks the push"
                    };
                    format!(
                        "legacy `ifconfig-ipv6` for a `{}` endpoint, which assigns the tunnel's \
                         IPv6 address itself: {effect}",
                        traffic.as_str()
                    )
                }
                _ => continue,
            };
            let written = String::from_utf8_lossy(
                &profile.sources[option.loc.source].text()[option.loc.span.clone()],
            );
            let written = written.trim();
            out.push(
                Finding::at(option.loc.clone())
                    .var("reason", reason)
                    .var("line", written)
                    .fix(FindingFix::new(
                        format!("delete `{written}`"),
                        placement::delete_line_of(profile, &option.loc),
                    )),
            );
        }
    }

    fn reads_endpoint_facts(&self) -> bool {
        true
    }

    fn vars(&self) -> &'static [&'static str] {
        &["reason", "line"]
    }
}
