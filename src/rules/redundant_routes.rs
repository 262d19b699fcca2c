//! `redundant-routes`: a route equal to, or inside, another with the same gateway and metric.
//! Deleting an exact duplicate is safe; deleting a contained route is at most unsafe, since a
//! more specific tunnel route can beat a LAN route the linter cannot see.

use super::check::{Check, CheckArgs, Context, Finding, FindingFix, LoadError};
use super::params::Params;
use super::placement;
use crate::diagnostic::{Applicability, Label};
use crate::prefix::find_redundant;

#[derive(Debug)]
pub struct RedundantRoutes;

impl RedundantRoutes {
    pub fn load(args: &CheckArgs, _params: &Params) -> Result<Self, LoadError> {
        args.only(&[])?;
        Ok(Self)
    }
}

impl Check for RedundantRoutes {
    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        let profile = cx.profile;
        let routes = &profile.model.routes_ipv6;
        // Routes make each other redundant only with the same gateway and metric. A length-0
        // route is no coverage (the LAN's default route wins), so nothing inside it is
        // redundant.
        let mut keyed = Vec::with_capacity(routes.len());
        keyed.extend(
            routes
                .iter()
                .enumerate()
                .filter(|(_, r)| r.network.prefix_len() > 0)
                .map(|(index, r)| ((r.gateway, r.metric), index, r.network)),
        );
        let found = find_redundant(&mut keyed);
        for redundant in found {
            let (route, container) = (&routes[redundant.index], &routes[redundant.container]);
            let (source, container_source) = (&route.option, &container.option);
            let loc = &profile.route_line(source).loc;
            let edits = placement::delete_line_of(profile, loc);
            let (relation, applicability) = if redundant.exact {
                ("repeats", Applicability::Safe)
            } else {
                ("lies inside", Applicability::Unsafe)
            };
            let mut finding = Finding::at(loc.clone())
                .var("route", route.network.to_string())
                .var("container", container.network.to_string())
                .var("relation", relation)
                .fix(FindingFix::new("delete this route", edits).at_most(applicability));
            finding.labels.push(Label {
                loc: profile.route_line(container_source).loc.clone(),
                message: format!("{} is already routed here", container.network),
            });
            out.push(finding);
        }
    }

    fn vars(&self) -> &'static [&'static str] {
        &["route", "container", "relation"]
    }
}
