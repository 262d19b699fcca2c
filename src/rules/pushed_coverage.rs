//! `pushed-coverage`: what a server pushes. When the pushed `redirect-gateway`/
//! `redirect-private` flags (combined over every push line) or a pushed `route 0.0.0.0 0.0.0.0`
//! make an IPv4 full tunnel, pushed IPv6 routes must cover the required prefixes too.

use super::check::{Check, CheckArgs, Context, Finding, FindingFix, LoadError, Prefixes};
use super::params::Params;
use super::routes_cover::Uncovered;
use crate::diagnostic::Applicability;
use crate::model::address::AddressSpec;
use crate::prefix::PrefixSet;

#[derive(Debug)]
pub struct PushedCoverage {
    prefixes: Prefixes,
}

impl PushedCoverage {
    pub fn load(args: &CheckArgs, params: &Params) -> Result<Self, LoadError> {
        args.only(&["prefixes"])?;
        Ok(Self {
            prefixes: Prefixes::load(args.required(&args.prefixes, "prefixes")?, params)?,
        })
    }
}

impl Check for PushedCoverage {
    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        let pushes = &cx.profile.model.pushes;
        let mut full_tunnel_at = None;
        let (mut redirect_ipv4, mut redirect_ipv6) = (false, false);
        let mut routes = Vec::new();
        for push in pushes {
            let (name, args) = (push.words[0].as_str(), &push.words[1..]);
            match name {
                "redirect-gateway" | "redirect-private" => {
                    redirect_ipv4 |= name == "redirect-gateway";
                    for flag in args {
                        match flag.as_str() {
                            "ipv6" => redirect_ipv6 = true,
                            "!ipv4" => redirect_ipv4 = false,
                            _ => {}
                        }
                    }
                    if redirect_ipv4 {
                        full_tunnel_at.get_or_insert(push.loc.clone());
                    }
                }
                "route" if args.len() >= 2 && args[0] == "0.0.0.0" && args[1] == "0.0.0.0" => {
                    full_tunnel_at.get_or_insert(push.loc.clone());
                }
                "route-ipv6" if !args.is_empty() => {
                    let spec = AddressSpec::parse(&args[0]);
                    if let (Some(address), Some(bits)) = (spec.address(), spec.bits)
                        && bits > 0
                        && let Ok(net) = ipnet::Ipv6Net::new(address, bits)
                    {
                        routes.push(net.trunc());
                    }
                }
                _ => {}
            }
        }
        let (Some(loc), false) = (full_tunnel_at, redirect_ipv6) else {
            return;
        };
        let covered = PrefixSet::from_prefixes(routes);
        let required = self.prefixes.get(cx.params);
        let uncovered = Uncovered::find(&covered, required);
        if uncovered.is_empty() {
            return;
        }
        let lines: Vec<String> = required
            .iter()
            .map(|net| format!("`push \"route-ipv6 {net}\"`"))
            .collect();
        out.push(
            Finding::at(loc).var("uncovered", uncovered.describe()).fix(
                FindingFix::new(
                    format!(
                        "push IPv6 into the tunnel too: add `ipv6` to the pushed redirect flags \
                         (with `server-ipv6`), or add {}",
                        lines.join(" and ")
                    ),
                    Vec::new(),
                )
                .at_most(Applicability::DisplayOnly),
            ),
        );
    }

    fn vars(&self) -> &'static [&'static str] {
        &["uncovered"]
    }
}
