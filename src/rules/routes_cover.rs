//! `routes-cover`: the effective IPv6 route set must cover every listed prefix; the fix adds
//! routes for what is left uncovered, and never deletes one.

use ipnet::Ipv6Net;

use super::check::{Check, CheckArgs, Context, Finding, FindingFix, LoadError, Prefixes};
use super::params::Params;
use super::{placement, where_to_point};
use crate::diagnostic::Label;
use crate::model::{DevType, Model, RouteIpv6};
use crate::prefix::PrefixSet;

/// More remainder prefixes than this, and the fix adds the required prefix itself.
const MAX_REMAINDER_ROUTES: usize = 4;

#[derive(Debug)]
pub struct RoutesCover {
    prefixes: Prefixes,
}

impl RoutesCover {
    pub fn load(args: &CheckArgs, params: &Params) -> Result<Self, LoadError> {
        args.only(&["prefixes"])?;
        Ok(Self {
            prefixes: Prefixes::load(args.required(&args.prefixes, "prefixes")?, params)?,
        })
    }
}

impl Check for RoutesCover {
    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        let model = &cx.profile.model;
        let covered = cx.coverage();
        let required = self.prefixes.get(cx.params);
        let gaps: Vec<(Ipv6Net, Vec<Ipv6Net>)> = required
            .iter()
            .map(|net| (*net, covered.uncovered(net)))
            .filter(|(_, holes)| !holes.is_empty())
            .collect();
        if gaps.is_empty() {
            return;
        }
        let remainder: Vec<Ipv6Net> = gaps
            .iter()
            .flat_map(|(_, holes)| holes.iter().copied())
            .collect();
        let added: Vec<Ipv6Net> = if remainder.len() <= MAX_REMAINDER_ROUTES {
            remainder.clone()
        } else {
            gaps.iter().map(|(net, _)| *net).collect()
        };
        let lines: Vec<String> = added
            .iter()
            .map(|net| format!("route-ipv6 {net}"))
            .collect();
        let edits = placement::anchor(cx.profile)
            .map(|anchor| {
                vec![placement::insert_after(
                    &cx.profile.top().text,
                    &anchor,
                    &lines,
                )]
            })
            .unwrap_or_default();

        // On tap, added routes need a gateway too: without `ifconfig-ipv6` or
        // `route-ipv6-gateway` they would not count either, so the fix waits for one.
        let no_tap_gateway = model.dev_type == DevType::Tap
            && model.ifconfig_ipv6.is_none()
            && model.route_ipv6_gateway.is_none();
        let fix = if no_tap_gateway {
            FindingFix::new(
                format!(
                    "add `ifconfig-ipv6` first (on tap, routes need its gateway), then {}",
                    lines.join(" and ")
                ),
                edits,
            )
            .at_most(crate::diagnostic::Applicability::DisplayOnly)
        } else {
            let quoted: Vec<String> = lines.iter().map(|l| format!("`{l}`")).collect();
            FindingFix::new(format!("add {}", quoted.join(" and ")), edits)
        };
        let last_route = model
            .routes_ipv6
            .iter()
            .filter_map(|r| r.option.as_ref())
            .next_back();
        let loc = last_route.map_or_else(
            || where_to_point(cx.profile),
            |r| cx.profile.route_line(r).loc.clone(),
        );
        let mut finding = Finding::at(loc)
            .var("uncovered", join(&remainder))
            .var("required", join(required))
            .var("add", lines.join(", "))
            .fix(fix);
        for route in model
            .routes_ipv6
            .iter()
            .filter(|r| !counts_as_coverage(r, model))
        {
            if let Some(source) = &route.option {
                finding.labels.push(Label {
                    loc: cx.profile.route_line(source).loc.clone(),
                    message: if route.network.prefix_len() == 0 {
                        "a length-0 route loses to the LAN's router-advertised default route"
                            .to_owned()
                    } else {
                        "on tap this route has no gateway, so OpenVPN does not install it"
                            .to_owned()
                    },
                });
            }
        }
        out.push(finding);
    }

    fn vars(&self) -> &'static [&'static str] {
        &["uncovered", "required", "add"]
    }
}

/// The addresses the profile's own routes send into the tunnel: installed `route-ipv6` routes
/// and redirect's routes, without length-0 routes and routes tap cannot install.
pub fn coverage(model: &Model) -> PrefixSet {
    PrefixSet::from_prefixes(
        model
            .routes_ipv6
            .iter()
            .chain(&model.redirect_routes_ipv6)
            .filter(|route| counts_as_coverage(route, model))
            .map(|route| route.network),
    )
}

fn counts_as_coverage(route: &RouteIpv6, model: &Model) -> bool {
    route.network.prefix_len() > 0 && !(model.dev_type == DevType::Tap && tap_drops(route))
}

/// On tap OpenVPN needs a gateway, unless the metric is 0.
pub fn tap_drops(route: &RouteIpv6) -> bool {
    route.gateway.is_none() && route.metric != Some(0)
}

pub fn join(nets: &[Ipv6Net]) -> String {
    nets.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
