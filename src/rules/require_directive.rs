//! `require-directive`: a directive must be in effect; the fix inserts a line after the anchor.

use super::check::{Check, CheckArgs, Context, Finding, FindingFix, LoadError};
use super::params::Params;
use super::{placement, where_to_point};

#[derive(Debug)]
pub struct RequireDirective {
    name: String,
    /// The line the fix inserts, with `{param}` placeholders.
    insert: Option<String>,
}

impl RequireDirective {
    pub fn load(args: &CheckArgs, params: &Params) -> Result<Self, LoadError> {
        args.only(&["name", "insert"])?;
        let name = args.required(&args.name, "name")?.get_ref().clone();
        let insert = match &args.insert {
            Some(template) => {
                super::fill_params(template.get_ref(), params)
                    .map_err(|message| LoadError::at(template.span(), message))?;
                Some(template.get_ref().clone())
            }
            None => None,
        };
        Ok(Self { name, insert })
    }

    fn in_effect(&self, cx: &Context) -> bool {
        let model = &cx.profile.model;
        match self.name.as_str() {
            // `server-ipv6` also puts an `ifconfig-ipv6` in effect; so does one whose addresses
            // are template values the repository does not give (never counted as missing).
            "ifconfig-ipv6" => {
                model.ifconfig_ipv6.is_some()
                    || !model.unknown_lines.is_empty()
                        && model.applied("ifconfig-ipv6").any(|o| !o.in_connection)
            }
            name => model.applied(name).any(|o| !o.in_connection),
        }
    }
}

impl Check for RequireDirective {
    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        if self.in_effect(cx) {
            return;
        }
        let mut finding = Finding::at(where_to_point(cx.profile)).var("name", &self.name);
        if let Some(template) = &self.insert {
            let line = super::fill_params(template, cx.params).expect("validated at load");
            finding = finding.var("insert", &line);
            if cx.shows_fixes() {
                let text = cx.profile.top().text();
                let edits = cx
                    .anchor()
                    .map(|anchor| {
                        vec![placement::insert_after(
                            text,
                            anchor,
                            std::slice::from_ref(&line),
                        )]
                    })
                    .unwrap_or_default();
                finding = finding.fix(FindingFix::new(format!("add `{line}`"), edits));
            }
        }
        out.push(finding);
    }

    fn judges_whole_profile(&self) -> bool {
        true
    }

    fn vars(&self) -> &'static [&'static str] {
        &["name", "insert"]
    }
}
