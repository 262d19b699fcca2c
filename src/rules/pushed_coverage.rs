//! `pushed-coverage`: what a server pushes. When the pushed `redirect-gateway`/
//! `redirect-private` flags (combined over every push line) or a pushed `route 0.0.0.0 0.0.0.0`
//! make an IPv4 full tunnel, pushed IPv6 routes must cover the required prefixes too.

use super::check::{Check, CheckArgs, Context, Finding, FindingFix, LoadError, Prefixes};
use super::params::Params;
use crate::diagnostic::Applicability;
use crate::model::pushed::Received;
use crate::prefix::{PrefixSet, Uncovered};

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
        let pushed = Received::read(&cx.profile.model.pushes, None);
        let (Some(loc), None) = (pushed.ipv4_full_tunnel, pushed.redirect_ipv6) else {
            return;
        };
        let covered = PrefixSet::from_prefixes(pushed.routes.iter().map(|(net, _)| *net));
        let required = self.prefixes.get(cx.params);
        let uncovered = Uncovered::find(&covered, required);
        if uncovered.is_empty() {
            return;
        }
        let mut finding = Finding::at(loc).var("uncovered", uncovered.describe());
        if cx.shows_fixes() {
            let lines: Vec<String> = required
                .iter()
                .map(|net| format!("`push \"route-ipv6 {net}\"`"))
                .collect();
            finding = finding.fix(
                FindingFix::new(
                    format!(
                        "push IPv6 into the tunnel too: add `ipv6` to the pushed redirect flags \
                         (with `server-ipv6`), or add {}",
                        lines.join(" and ")
                    ),
                    Vec::new(),
                )
                .at_most(Applicability::DisplayOnly),
            );
        }
        out.push(finding);
    }

    fn judges_whole_profile(&self) -> bool {
        true
    }

    fn vars(&self) -> &'static [&'static str] {
        &["uncovered"]
    }
}
