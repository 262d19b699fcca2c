//! `forbid-directive`: a directive must not appear (optionally only with arguments that start
//! with a given text); the fix deletes the line.

use super::check::{Check, CheckArgs, Context, Finding, FindingFix, LoadError};
use super::params::Params;
use super::placement;
use crate::model::Status;

#[derive(Debug)]
pub struct ForbidDirective {
    name: String,
    args_prefix: Option<String>,
}

impl ForbidDirective {
    pub fn load(args: &CheckArgs, _params: &Params) -> Result<Self, LoadError> {
        args.only(&["name", "args-prefix"])?;
        Ok(Self {
            name: args.required(&args.name, "name")?.get_ref().clone(),
            args_prefix: args.args_prefix.as_ref().map(|p| p.get_ref().clone()),
        })
    }
}

impl Check for ForbidDirective {
    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        let profile = cx.profile;
        for option in &profile.model.options {
            if option.name != self.name || option.status != Status::Applied || option.in_connection
            {
                continue;
            }
            let words = profile.option_words(option);
            let args = words
                .from(1)
                .iter()
                .map(|word| word.text())
                .collect::<Vec<_>>()
                .join(" ");
            if self
                .args_prefix
                .as_ref()
                .is_some_and(|prefix| !args.starts_with(prefix.as_str()))
            {
                continue;
            }
            let edits = placement::delete_line_of(profile, &option.loc);
            let written = String::from_utf8_lossy(
                &profile.sources[option.loc.source].text()[option.loc.span.clone()],
            );
            out.push(
                Finding::at(option.loc.clone())
                    .var("name", &self.name)
                    .var("line", written.trim())
                    .fix(FindingFix::new(
                        format!("delete `{}`", written.trim()),
                        edits,
                    )),
            );
        }
    }

    fn vars(&self) -> &'static [&'static str] {
        &["name", "line"]
    }
}
