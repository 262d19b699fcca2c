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
        let required = self.prefixes.get(cx.params);
        let uncovered = Uncovered::find(cx.coverage(), required);
        if uncovered.is_empty() {
            return;
        }
        let added = if uncovered.count <= MAX_REMAINDER_ROUTES {
            &uncovered.first
        } else {
            &uncovered.required
        };
        let lines: Vec<String> = added
            .iter()
            .map(|net| format!("route-ipv6 {net}"))
            .collect();
        let edits = cx
            .anchor()
            .map(|anchor| {
                vec![placement::insert_after(
                    &cx.profile.top().text,
                    anchor,
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
            .var("uncovered", uncovered.describe())
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

/// At most this many uncovered prefixes are named in a message; the rest are counted.
const MAX_LISTED: usize = 8;
// The fix adds the remainder routes from `Uncovered::first`, so it must hold them all.
const _: () = assert!(MAX_REMAINDER_ROUTES <= MAX_LISTED);

/// What the routes leave of the required prefixes. Routes scattered over a wide prefix can
/// leave millions of holes, so only the first few are kept.
pub struct Uncovered {
    /// The first holes, in address order: all of them when there are at most [`MAX_LISTED`].
    pub first: Vec<Ipv6Net>,
    /// How many holes there are in all.
    pub count: usize,
    /// The required prefixes that have holes.
    pub required: Vec<Ipv6Net>,
}

impl Uncovered {
    pub fn find(covered: &PrefixSet, required: &[Ipv6Net]) -> Self {
        let mut found = Self {
            first: Vec::new(),
            count: 0,
            required: Vec::new(),
        };
        for net in required {
            let before = found.count;
            for hole in covered.uncovered(net) {
                if found.first.len() < MAX_LISTED {
                    found.first.push(hole);
                }
                found.count += 1;
            }
            if found.count > before {
                found.required.push(*net);
            }
        }
        found
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The holes for a message: `3000::/4`, or the first few and how many more.
    pub fn describe(&self) -> String {
        let listed = join(&self.first);
        match self.count - self.first.len() {
            0 => listed,
            1 => format!("{listed} and 1 more prefix"),
            more => format!("{listed} and {more} more prefixes"),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn net(text: &str) -> Ipv6Net {
        text.parse().expect("a valid prefix")
    }

    #[test]
    fn uncovered_names_every_hole_when_there_are_few() {
        let covered = PrefixSet::from_prefixes([net("2000::/4")]);
        let found = Uncovered::find(&covered, &[net("2000::/3"), net("fc00::/7")]);
        assert_eq!(found.first, [net("3000::/4"), net("fc00::/7")]);
        assert_eq!(found.count, 2);
        assert_eq!(found.required, [net("2000::/3"), net("fc00::/7")]);
        assert_eq!(found.describe(), "3000::/4, fc00::/7");
    }

    #[test]
    fn uncovered_keeps_the_first_holes_and_counts_the_rest() {
        // Every other /16 of 2000::/8 is routed: 128 holes, and 2100::/8 to 3fff::/16 beyond.
        let routes = (0..128u128).map(|i| {
            Ipv6Net::new(((0x2000_u128 + 2 * i) << 112).into(), 16).expect("a valid prefix")
        });
        let covered = PrefixSet::from_prefixes(routes);
        let required = [net("2000::/3")];
        let found = Uncovered::find(&covered, &required);
        let all: Vec<Ipv6Net> = covered.uncovered(&required[0]).collect();
        assert_eq!(found.first, all[..MAX_LISTED]);
        assert_eq!(found.count, all.len());
        assert_eq!(found.required, required);
        let more = all.len() - MAX_LISTED;
        assert!(
            found
                .describe()
                .ends_with(&format!("2001::/16, 2003::/16, 2005::/16, 2007::/16, 2009::/16, 200b::/16, 200d::/16, 200f::/16 and {more} more prefixes")),
            "{}",
            found.describe()
        );
    }

    #[test]
    fn one_more_hole_is_one_more_prefix() {
        let found = Uncovered {
            first: vec![net("2000::/4"); MAX_LISTED],
            count: MAX_LISTED + 1,
            required: vec![net("2000::/3")],
        };
        assert!(found.describe().ends_with(" and 1 more prefix"));
    }
}
