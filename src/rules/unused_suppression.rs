//! `unused-suppression`: the engine's own check of suppression comments. The engine knows which
//! suppressions were used, so it reports them itself; this kind only lets the rule be loaded,
//! documented and configured like the others.

use super::check::{Check, CheckArgs, Context, Finding, LoadError};
use super::params::Params;

#[derive(Debug)]
pub struct UnusedSuppression;

impl UnusedSuppression {
    pub fn load(args: &CheckArgs, _params: &Params) -> Result<Self, LoadError> {
        args.only(&[])?;
        Ok(Self)
    }
}

impl Check for UnusedSuppression {
    fn run(&self, _cx: &Context, _out: &mut Vec<Finding>) {}

    fn vars(&self) -> &'static [&'static str] {
        &["ids", "reason"]
    }
}
