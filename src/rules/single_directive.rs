//! `single-directive`: a directive should appear once, since the last one overrides the others;
//! the fix deletes the earlier ones.

use super::check::{Check, CheckArgs, Context, Finding, FindingFix, LoadError};
use super::params::Params;
use super::placement;
use crate::diagnostic::Label;
use crate::model::Status;

#[derive(Debug)]
pub struct SingleDirective {
    name: String,
}

impl SingleDirective {
    pub fn load(args: &CheckArgs, _params: &Params) -> Result<Self, LoadError> {
        args.only(&["name"])?;
        Ok(Self {
            name: args.required(&args.name, "name")?.get_ref().clone(),
        })
    }
}

impl Check for SingleDirective {
    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        let profile = cx.profile;
        let lines: Vec<_> = profile
            .model
            .options
            .iter()
            .filter(|o| o.name == self.name && o.status == Status::Applied && !o.in_connection)
            .collect();
        let Some((last, earlier)) = lines.split_last() else {
            return;
        };
        for option in earlier {
            let edits = placement::delete_line_of(profile, &option.loc);
            let mut finding = Finding::at(option.loc.clone())
                .var("name", &self.name)
                .var("winner", profile.line_of(&last.loc).to_string())
                .fix(FindingFix::new("delete this line", edits));
            finding.labels.push(Label {
                loc: last.loc.clone(),
                message: "this later line is the one OpenVPN uses".to_owned(),
            });
            out.push(finding);
        }
    }

    fn vars(&self) -> &'static [&'static str] {
        &["name", "winner"]
    }
}
