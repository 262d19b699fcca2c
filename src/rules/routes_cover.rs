//! `routes-cover`: the effective IPv6 route set must cover every listed prefix; the fix adds
//! routes for what is left uncovered, and never deletes one.

use super::check::{Check, CheckArgs, Context, Finding, FindingFix, LoadError, Prefixes};
use super::params::Params;
use super::{placement, where_to_point};
use crate::diagnostic::{Applicability, Label};
use crate::model::tunnel::{Effect, Origin};
use crate::model::{DevType, Loc};
use crate::prefix::{MAX_LISTED, Uncovered, join};

/// More remainder prefixes than this, and the fix adds the required prefix itself.
const MAX_REMAINDER_ROUTES: usize = 4;
// The fix adds the remainder routes from `Uncovered::first`, so it must hold them all.
const _: () = assert!(MAX_REMAINDER_ROUTES <= MAX_LISTED);

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
        let tunnel = cx.tunnel();
        let required = self.prefixes.get(cx.params);
        let uncovered = Uncovered::find(tunnel.covered(), required);
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
        // The last route line the clients judged now read.
        let last_route = if cx.view.is_openvpn3() {
            cx.profile
                .openvpn3()
                .routes_ipv6
                .last()
                .map(|r| r.loc.clone())
        } else {
            model
                .routes_ipv6
                .last()
                .map(|r| cx.profile.route_line(&r.option).loc.clone())
        };
        let loc = last_route.unwrap_or_else(|| where_to_point(cx.profile));
        let mut finding = Finding::at(loc)
            .var("uncovered", uncovered.describe())
            .var("required", join(required))
            .var("add", lines.join(", "));
        // The fix and the labels only when a report shows them (`--format short` does not).
        if cx.shows_fixes() {
            let edits = cx
                .anchor()
                .map(|anchor| {
                    vec![placement::insert_after(
                        cx.profile.top().text(),
                        anchor,
                        &lines,
                    )]
                })
                .unwrap_or_default();

            let quoted: Vec<String> = lines.iter().map(|l| format!("`{l}`")).collect();
            let blockers: Vec<&Loc> = tunnel.blocked.iter().map(|b| &b.by).collect();
            let fix = if let Some(&by) = blockers.first() {
                // The server pushes the routes: the profile's own line removes them.
                FindingFix::new(
                    format!(
                        "let the server's routes through: remove line {} (or add {})",
                        cx.profile.line_of(by),
                        quoted.join(" and ")
                    ),
                    Vec::new(),
                )
                .at_most(Applicability::DisplayOnly)
            } else if model.dev_type == DevType::Tap
                && tunnel.address.is_none()
                && model.route_ipv6_gateway.is_none()
            {
                // On tap, added routes need a gateway too: without `ifconfig-ipv6` or
                // `route-ipv6-gateway` they would not count either, so the fix waits for one.
                FindingFix::new(
                    format!(
                        "add `ifconfig-ipv6` first (on tap, routes need its gateway), then {}",
                        lines.join(" and ")
                    ),
                    edits,
                )
                .at_most(Applicability::DisplayOnly)
            } else if tunnel
                .routes
                .iter()
                .any(|r| matches!(r.origin, Origin::Pushed(_)))
            {
                FindingFix::new(
                    format!("add {}, or have the server push it", quoted.join(" and ")),
                    edits,
                )
            } else {
                FindingFix::new(format!("add {}", quoted.join(" and ")), edits)
            };
            finding = finding.fix(fix);
            for route in tunnel
                .routes
                .iter()
                .filter(|r| r.effect != Effect::Installed)
            {
                let loc = match &route.origin {
                    Origin::RouteLine(option) => &model.options[*option].loc,
                    Origin::Pushed(loc) => loc,
                    _ => continue,
                };
                finding.labels.push(Label {
                    loc: loc.clone(),
                    message: match route.effect {
                        Effect::CompetesWithLanDefault => {
                            "a length-0 route competes with the LAN's \
                            router-advertised default route, and need not win"
                                .to_owned()
                        }
                        _ => "on tap this route has no gateway, so OpenVPN does not install it"
                            .to_owned(),
                    },
                });
            }
            for by in blockers.into_iter().take(1) {
                finding.labels.push(Label {
                    loc: by.clone(),
                    message: "this line removes the IPv6 routes the server pushes".to_owned(),
                });
            }
            for route in &tunnel.routes {
                if let (Origin::Pushed(loc), true) = (&route.origin, route.network.prefix_len() > 0)
                    && loc.source != 0
                    && !finding.labels.iter().any(|l| &l.loc == loc)
                {
                    finding.labels.push(Label {
                        loc: loc.clone(),
                        message: format!("the server pushes only {}", route.network),
                    });
                }
            }
        }
        out.push(finding);
    }

    fn judges_whole_profile(&self) -> bool {
        true
    }

    fn vars(&self) -> &'static [&'static str] {
        &["uncovered", "required", "add"]
    }
}
