//! `openvpn-refuses`: what makes OpenVPN refuse the file. `what = "syntax"` for the text
//! (quotes, backslashes, line length, blocks, includes), `what = "ipv6-directive"` for IPv6
//! directives it cannot accept.

use super::check::{Check, CheckArgs, Context, Finding, LoadError};
use super::params::Params;
use crate::model::ProblemKind;

#[derive(Debug)]
pub struct OpenvpnRefuses {
    kind: ProblemKind,
}

impl OpenvpnRefuses {
    pub fn load(args: &CheckArgs, _params: &Params) -> Result<Self, LoadError> {
        args.only(&["what"])?;
        let value = args.required(&args.what, "what")?;
        let kind = match value.get_ref().as_str() {
            "syntax" => ProblemKind::Syntax,
            "ipv6-directive" => ProblemKind::Directive,
            other => {
                return Err(LoadError::at(
                    value.span(),
                    format!(
                        "unknown `what` for openvpn-refuses: `{other}` (one of: syntax, ipv6-directive)"
                    ),
                ));
            }
        };
        Ok(Self { kind })
    }
}

impl Check for OpenvpnRefuses {
    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        for problem in cx
            .profile
            .model
            .errors
            .iter()
            .filter(|p| p.kind == self.kind)
        {
            out.push(Finding::at(problem.loc.clone()).var("reason", &problem.message));
        }
    }

    fn vars(&self) -> &'static [&'static str] {
        &["reason"]
    }
}
