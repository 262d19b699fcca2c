//! `allowed-directives`: every directive of the profile must be in the list a client accepts
//! (`names`); inline blocks count as their directive (`<ca>` is `ca`). `notes` adds a sentence
//! to the finding for particular names.

use std::collections::BTreeMap;

use super::check::{Check, CheckArgs, Context, Finding, FindingFix, LoadError};
use super::params::Params;
use super::placement;

#[derive(Debug)]
pub struct AllowedDirectives {
    /// Sorted, for a binary search per directive.
    names: Vec<String>,
    notes: BTreeMap<String, String>,
}

impl AllowedDirectives {
    pub fn load(args: &CheckArgs, _params: &Params) -> Result<Self, LoadError> {
        args.only(&["names", "notes"])?;
        let mut names = args.required(&args.names, "names")?.get_ref().clone();
        names.sort_unstable();
        let notes = args
            .notes
            .as_ref()
            .map(|n| n.get_ref().clone())
            .unwrap_or_default();
        if let (Some(spanned), Some(name)) =
            (&args.notes, notes.keys().find(|name| names.contains(name)))
        {
            return Err(LoadError::at(
                spanned.span(),
                format!("`{name}` has a note but is in `names`: notes are for names not allowed"),
            ));
        }
        Ok(Self { names, notes })
    }
}

impl Check for AllowedDirectives {
    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        let profile = cx.profile;
        for option in &profile.model.options {
            // As written: `setenv opt NAME` is a `setenv` line to a client that reads it.
            let directive = profile.directive(option.id);
            let name = directive.name();
            if self
                .names
                .binary_search_by(|n| n.as_str().cmp(name))
                .is_ok()
            {
                continue;
            }
            let note = self
                .notes
                .get(name)
                .map(|text| format!(": {text}"))
                .unwrap_or_default();
            let mut finding = Finding::at(option.loc.clone())
                .var("name", name)
                .var("note", note);
            if directive.block.is_none() && !option.in_connection {
                finding = finding.fix(FindingFix::new(
                    format!("delete the `{name}` line"),
                    placement::delete_line_of(profile, &option.loc),
                ));
            }
            out.push(finding);
        }
    }

    fn vars(&self) -> &'static [&'static str] {
        &["name", "note"]
    }
}
