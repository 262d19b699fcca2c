//! `tap-gateway`: on a tap device OpenVPN installs a route only with a gateway (or metric 0);
//! routes whose gateway ends up unset or `::` are reported.

use super::check::{Check, CheckArgs, Context, Finding, LoadError};
use super::params::Params;
use crate::model::tunnel::{Effect, Origin};
use crate::model::{DevType, DropReason};

#[derive(Debug)]
pub struct TapGateway;

impl TapGateway {
    pub fn load(args: &CheckArgs, _params: &Params) -> Result<Self, LoadError> {
        args.only(&[])?;
        Ok(Self)
    }
}

impl Check for TapGateway {
    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        let model = &cx.profile.model;
        if model.dev_type != DevType::Tap {
            return;
        }
        for route in &model.dropped_routes_ipv6 {
            if route.reason == DropReason::TapWithoutGateway {
                out.push(Finding::at(route.loc.clone()).var("route", &route.spec));
            }
        }
        let redirect_dropped: Vec<String> = cx
            .tunnel()
            .routes
            .iter()
            .filter(|r| matches!(r.origin, Origin::Redirect(_)) && r.effect == Effect::NoTapGateway)
            .map(|r| r.network.to_string())
            .collect();
        if let (false, Some(line)) = (redirect_dropped.is_empty(), model.redirect.lines.last()) {
            out.push(Finding::at(line.clone()).var("route", redirect_dropped.join(", ")));
        }
    }

    fn vars(&self) -> &'static [&'static str] {
        &["route"]
    }
}
