//! `addresses-within`: the addresses in a directive's arguments must lie in one of `ranges`;
//! for `ifconfig-ipv6` the fix writes the configured tunnel addresses instead.

use std::net::Ipv6Addr;

use super::check::{Check, CheckArgs, Context, Finding, FindingFix, LoadError, Prefixes};
use super::params::Params;
use crate::diagnostic::Edit;
use crate::model::{Loc, Status};
use crate::prefix::join;

#[derive(Debug)]
pub struct AddressesWithin {
    name: String,
    ranges: Prefixes,
}

impl AddressesWithin {
    pub fn load(args: &CheckArgs, params: &Params) -> Result<Self, LoadError> {
        args.only(&["name", "ranges"])?;
        Ok(Self {
            name: args.required(&args.name, "name")?.get_ref().clone(),
            ranges: Prefixes::load(args.required(&args.ranges, "ranges")?, params)?,
        })
    }
}

impl Check for AddressesWithin {
    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        let ranges = self.ranges.get(cx.params);
        let profile = cx.profile;
        for option in profile
            .model
            .options
            .iter()
            .filter(|o| o.name == self.name && o.status == Status::Applied && !o.in_connection)
        {
            let words = profile.option_words(option);
            let outside: Vec<(usize, Ipv6Addr)> = words
                .from(1)
                .iter()
                .enumerate()
                .filter_map(|(i, word)| {
                    let host = word.text().split('/').next().unwrap_or_default();
                    host.parse::<Ipv6Addr>().ok().map(|a| (i + 1, a))
                })
                .filter(|(_, address)| !ranges.iter().any(|r| r.contains(address)))
                .collect();
            let Some(&(first, _)) = outside.first() else {
                continue;
            };
            let loc = |i: usize| Loc {
                source: option.loc.source,
                span: words.word(i).span(),
            };
            let mut finding = Finding::at(loc(first))
                .var("name", &self.name)
                .var(
                    "addresses",
                    outside
                        .iter()
                        .map(|(_, a)| a.to_string())
                        .collect::<Vec<_>>()
                        .join(" and "),
                )
                .var("ranges", join(ranges));
            if self.name == "ifconfig-ipv6" && words.len() == 3 && cx.shows_fixes() {
                let replacement = cx.params.tunnel_addresses.as_args();
                let edits = if option.loc.source == 0 {
                    vec![Edit {
                        span: words.word(1).span().start..words.word(2).span().end,
                        replacement: replacement.clone(),
                    }]
                } else {
                    Vec::new()
                };
                finding = finding.fix(FindingFix::new(
                    format!("use `ifconfig-ipv6 {replacement}`"),
                    edits,
                ));
            }
            out.push(finding);
        }
    }

    fn vars(&self) -> &'static [&'static str] {
        &["name", "addresses", "ranges"]
    }
}
