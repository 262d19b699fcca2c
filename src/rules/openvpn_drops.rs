//! `openvpn-drops`: what OpenVPN accepts when loading and then quietly ignores or alters.
//! `what` picks the behaviour: `route-dropped`, `route-name`, `implicit-prefix`, `host-bits`,
//! `ignored-directive`.

use super::check::{Check, CheckArgs, Context, Finding, FindingFix, LoadError};
use super::params::Params;
use super::placement;
use crate::diagnostic::{Applicability, Edit};
use crate::model::DropReason;
use crate::model::address::BitsForm;

#[derive(Debug, Clone, Copy)]
enum What {
    RouteDropped,
    RouteName,
    ImplicitPrefix,
    HostBits,
    IgnoredDirective,
}

const WHATS: &[(&str, What)] = &[
    ("route-dropped", What::RouteDropped),
    ("route-name", What::RouteName),
    ("implicit-prefix", What::ImplicitPrefix),
    ("host-bits", What::HostBits),
    ("ignored-directive", What::IgnoredDirective),
];

#[derive(Debug)]
pub struct OpenvpnDrops {
    what: What,
}

impl OpenvpnDrops {
    pub fn load(args: &CheckArgs, _params: &Params) -> Result<Self, LoadError> {
        args.only(&["what"])?;
        let value = args.required(&args.what, "what")?;
        let what = WHATS
            .iter()
            .find(|(name, _)| name == value.get_ref())
            .map(|(_, what)| *what)
            .ok_or_else(|| {
                LoadError::at(
                    value.span(),
                    format!(
                        "unknown `what` for openvpn-drops: `{}` (one of: {})",
                        value.get_ref(),
                        WHATS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                    ),
                )
            })?;
        Ok(Self { what })
    }
}

impl Check for OpenvpnDrops {
    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        let model = &cx.profile.model;
        match self.what {
            What::RouteDropped => {
                for route in &model.dropped_routes_ipv6 {
                    let (reason, help) = match &route.reason {
                        DropReason::BadAddress => (
                            format!("`{}` is not an IPv6 address", route.spec.split('/').next().unwrap_or_default()),
                            "write the network as an IPv6 prefix, such as `2000::/3`".to_owned(),
                        ),
                        DropReason::BadBits { hash_glued: true } => (
                            "the `#` is glued to the prefix, so it is part of the word, not a comment".to_owned(),
                            "put a space before the `#` to make it a comment".to_owned(),
                        ),
                        DropReason::BadBits { hash_glued: false } => (
                            "the prefix length is not a number from 0 to 128".to_owned(),
                            "write a prefix length from 1 to 128".to_owned(),
                        ),
                        DropReason::NegativeMetric(metric) => (
                            format!("the metric `{metric}` is negative"),
                            "use a metric of 0 or more, or leave it out".to_owned(),
                        ),
                        DropReason::Name | DropReason::TapWithoutGateway => continue,
                    };
                    out.push(
                        Finding::at(route.network_loc.clone())
                            .var("spec", &route.spec)
                            .var("reason", reason)
                            .fix(
                                FindingFix::new(help, Vec::new())
                                    .at_most(Applicability::DisplayOnly),
                            ),
                    );
                }
            }
            What::RouteName => {
                for route in &model.named_routes_ipv6 {
                    out.push(
                        Finding::at(route.network_loc.clone())
                            .var("spec", &route.spec)
                            .fix(
                                FindingFix::new("write the network as an IPv6 prefix", Vec::new())
                                    .at_most(Applicability::DisplayOnly),
                            ),
                    );
                }
            }
            What::ImplicitPrefix => {
                for route in &model.routes_ipv6 {
                    let source = &route.option;
                    let (spec, network_loc) = cx.profile.route_network(source);
                    let fix = match source.bits_form {
                        BitsForm::Written => continue,
                        BitsForm::Missing => FindingFix::new(
                            "write `/64`, the length OpenVPN uses",
                            edit_if_top(network_loc.source, || {
                                let at = placement::end_inside_word(
                                    cx.profile.top().text(),
                                    &network_loc.span,
                                );
                                Edit::insert(at, "/64".to_owned())
                            }),
                        ),
                        BitsForm::Empty => FindingFix::new(
                            "write the prefix length you mean; OpenVPN reads an empty one as 0",
                            Vec::new(),
                        )
                        .at_most(Applicability::DisplayOnly),
                    };
                    out.push(
                        Finding::at(network_loc.clone())
                            .var("spec", spec)
                            .var("installed", route.network.to_string())
                            .fix(fix),
                    );
                }
            }
            What::HostBits => {
                for route in &model.routes_ipv6 {
                    let source = &route.option;
                    if source.written_address == route.network.addr() {
                        continue;
                    }
                    let (spec, network_loc) = cx.profile.route_network(source);
                    let masked = match source.bits_form {
                        BitsForm::Written => route.network.to_string(),
                        _ => route.network.addr().to_string(),
                    };
                    let edits = edit_if_top(network_loc.source, || {
                        let text = &cx.profile.top().text();
                        let span = &network_loc.span;
                        let end = placement::end_inside_word(text, span);
                        let start = if end < span.end {
                            span.start + 1
                        } else {
                            span.start
                        };
                        let suffix = match source.bits_form {
                            BitsForm::Empty => "/",
                            _ => "",
                        };
                        Edit {
                            span: start..end,
                            replacement: format!("{masked}{suffix}"),
                        }
                    });
                    out.push(
                        Finding::at(network_loc.clone())
                            .var("spec", spec)
                            .var("installed", route.network.to_string())
                            .fix(FindingFix::new(format!("write `{masked}`"), edits)),
                    );
                }
            }
            What::IgnoredDirective => {
                for problem in &model.ignored {
                    out.push(Finding::at(problem.loc.clone()).var("reason", &problem.message));
                }
            }
        }
    }

    fn vars(&self) -> &'static [&'static str] {
        &["spec", "reason", "installed"]
    }
}

/// Fixes edit only the top-level file.
fn edit_if_top(source: usize, edit: impl FnOnce() -> Edit) -> Vec<Edit> {
    if source == 0 {
        vec![edit()]
    } else {
        Vec::new()
    }
}
