//! `template-only`: a file made of template placeholders and inline blocks only (an AWS
//! Terraform template `${original_client_config}` with its `<cert>`), which reads as a
//! peer-to-peer config and would otherwise pass unjudged. The finding sits on the first
//! placeholder.

use super::check::{Check, CheckArgs, Context, Finding, FindingFix, LoadError};
use super::params::Params;
use super::placement::has_template_markers;
use crate::model::Loc;

#[derive(Debug)]
pub struct TemplateOnly;

impl TemplateOnly {
    pub fn load(args: &CheckArgs, _params: &Params) -> Result<Self, LoadError> {
        args.only(&[])?;
        Ok(Self)
    }
}

impl Check for TemplateOnly {
    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        let top = cx.profile.top();
        let parsed = &top.parsed;
        // A rendered template holds unknown values where its placeholders were.
        let placeholder = |d: &crate::syntax::Directive| {
            let line = &top.text()[d.line.clone()];
            has_template_markers(line)
                || crate::template::is_unknown_word(&String::from_utf8_lossy(line))
        };
        let only_placeholders = parsed
            .directives()
            .all(|d| d.block.is_some() || placeholder(&d));
        let first = parsed.directives().find(|d| placeholder(d));
        if let (true, Some(first)) = (only_placeholders, first) {
            let finding = Finding::at(Loc {
                source: 0,
                span: first.line.clone(),
            })
            // The rule file's description says what to do; there is nothing to edit.
            .fix(FindingFix::new("", Vec::new()));
            out.push(finding);
        }
    }

    fn vars(&self) -> &'static [&'static str] {
        &[]
    }
}
