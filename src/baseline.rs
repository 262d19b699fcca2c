//! Baselines: `--write-baseline FILE` records today's findings; `--baseline FILE` (or the
//! config's `baseline = "…"`) reports only findings that are not in it, so a repository with
//! old findings can switch the linter on and still fail on new ones.
//!
//! A finding is recorded by rule, path and the SARIF content fingerprint
//! ([`crate::report::sarif::content_fingerprints`]): a hash of the rule and the trimmed text of
//! the flagged lines, with `:n` for the n-th such finding in the file. Line numbers play no
//! part, so edits elsewhere in a file do not bring old findings back; editing the flagged line
//! itself does, as it should. Paths are relative to the baseline file's folder, `/`-separated,
//! so a baseline means the same from every working directory.
//!
//! The file is JSON, sorted, one entry per finding, so it diffs well in review:
//!
//! ```text
//! { "version": 1,
//!   "findings": [ { "path", "rule", "fingerprint",
//!                   "message" } ] }     the message is for readers; it is not matched
//! ```
//!
//! Pure: the caller reads and writes the file.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::report::Checked;
use crate::report::sarif::content_fingerprints;

/// The version of the file's layout.
pub const VERSION: u32 = 1;

/// One recorded finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub path: String,
    pub rule: String,
    pub fingerprint: String,
    pub message: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

/// The entries of a file's findings, for `--write-baseline`.
pub fn entries(path: &str, file: &Checked) -> Vec<Entry> {
    file.diagnostics
        .iter()
        .zip(content_fingerprints(file))
        .map(|(d, fingerprint)| Entry {
            path: path.to_owned(),
            rule: d.rule.clone(),
            fingerprint,
            message: d.message.clone(),
        })
        .collect()
}

/// The baseline file's text: entries sorted, pretty-printed, with a final newline.
pub fn render(mut entries: Vec<Entry>) -> String {
    entries.sort();
    entries.dedup();
    let file = BaselineFile {
        version: VERSION,
        findings: entries,
    };
    let mut text = serde_json::to_string_pretty(&file).expect("entries serialize");
    text.push('\n');
    text
}

/// A baseline being matched against a run.
#[derive(Debug, Default)]
pub struct Baseline {
    /// (path, rule, fingerprint) → whether a finding of this run matched it.
    entries: BTreeMap<(String, String, String), bool>,
    /// The paths of the files this run linted.
    linted: BTreeSet<String>,
    matched: usize,
}

impl Baseline {
    /// Reads a baseline file's text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: BaselineFile =
            serde_json::from_str(text).map_err(|e| format!("not a baseline file: {e}"))?;
        if file.version != VERSION {
            return Err(format!(
                "baseline version {} is not supported (this ovpn6-lint writes version {VERSION}); \
                 write it again with --write-baseline",
                file.version
            ));
        }
        Ok(Self {
            entries: file
                .findings
                .into_iter()
                .map(|e| ((e.path, e.rule, e.fingerprint), false))
                .collect(),
            ..Self::default()
        })
    }

    /// Drops the findings of a file that the baseline records; `path` is the file's path
    /// relative to the baseline's folder.
    pub fn filter(&mut self, path: &str, file: &mut Checked) {
        self.linted.insert(path.to_owned());
        if file.diagnostics.is_empty() {
            return;
        }
        let fingerprints = content_fingerprints(file);
        let mut fingerprints = fingerprints.into_iter();
        let before = file.diagnostics.len();
        file.diagnostics.retain(|d| {
            let fingerprint = fingerprints.next().expect("one per diagnostic");
            let key = (path.to_owned(), d.rule.clone(), fingerprint);
            match self.entries.get_mut(&key) {
                Some(used) => {
                    *used = true;
                    false
                }
                None => true,
            }
        });
        self.matched += before - file.diagnostics.len();
    }

    /// Findings left out because the baseline records them.
    pub fn matched(&self) -> usize {
        self.matched
    }

    /// Entries of the files linted in this run that matched no finding: fixed (or edited)
    /// since the baseline was written, so the file can shrink. Entries of files not linted in
    /// this run are not counted.
    pub fn stale(&self) -> usize {
        self.entries
            .iter()
            .filter(|((path, _, _), used)| !**used && self.linted.contains(path))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Diagnostic, Severity};
    use crate::model::Loc;
    use crate::report::SourceText;

    fn checked(text: &str, findings: &[(&str, &str)]) -> Checked {
        Checked {
            path: "a.ovpn".to_owned(),
            sources: vec![SourceText::new(
                "a.ovpn".to_owned(),
                text.as_bytes().to_vec(),
            )],
            diagnostics: findings
                .iter()
                .map(|(rule, line)| {
                    let start = text.find(line).unwrap();
                    Diagnostic {
                        rule: (*rule).to_owned(),
                        severity: Severity::Error,
                        message: format!("{rule} here"),
                        loc: Loc {
                            source: 0,
                            span: start..start + line.len(),
                        },
                        label: String::new(),
                        labels: Vec::new(),
                        note: None,
                        fix: None,
                    }
                })
                .collect(),
        }
    }

    #[test]
    fn a_baseline_survives_lines_inserted_above_a_finding() {
        let before = checked(
            "client\nroute-ipv6 2000::/4\n",
            &[("r", "route-ipv6 2000::/4")],
        );
        let text = render(entries("vpn/a.ovpn", &before));
        let mut baseline = Baseline::parse(&text).unwrap();
        let mut after = checked(
            "client\nverb 3\n  route-ipv6 2000::/4\n",
            &[("r", "route-ipv6 2000::/4")],
        );
        baseline.filter("vpn/a.ovpn", &mut after);
        assert!(after.diagnostics.is_empty());
        assert_eq!((baseline.matched(), baseline.stale()), (1, 0));
    }

    #[test]
    fn a_fixed_finding_leaves_a_stale_entry_and_a_new_one_is_reported() {
        let before = checked(
            "client\nroute-ipv6 2000::/4\nroute-ipv6 2000::/4\n",
            &[("r", "route-ipv6 2000::/4"), ("r", "route-ipv6 2000::/4")],
        );
        let mut baseline = Baseline::parse(&render(entries("a.ovpn", &before))).unwrap();
        // One of the two equal findings is gone, and a new one appeared.
        let mut after = checked(
            "client\nroute-ipv6 2000::/4\ntun-ipv6\n",
            &[("r", "route-ipv6 2000::/4"), ("t", "tun-ipv6")],
        );
        baseline.filter("a.ovpn", &mut after);
        let left: Vec<&str> = after.diagnostics.iter().map(|d| d.rule.as_str()).collect();
        assert_eq!(left, ["t"]);
        assert_eq!((baseline.matched(), baseline.stale()), (1, 1));
    }

    #[test]
    fn entries_of_files_not_linted_are_not_stale() {
        let before = checked("tun-ipv6\n", &[("t", "tun-ipv6")]);
        let baseline = Baseline::parse(&render(entries("b.ovpn", &before))).unwrap();
        assert_eq!(baseline.stale(), 0);
    }

    #[test]
    fn the_file_is_sorted_versioned_json() {
        let file = checked(
            "tun-ipv6\nroute-ipv6 ::/0\n",
            &[("z", "tun-ipv6"), ("a", "route-ipv6 ::/0")],
        );
        let mut all = entries("b.ovpn", &file);
        all.extend(entries("a.ovpn", &file));
        let text = render(all.clone());
        all.reverse();
        assert_eq!(render(all), text, "order of arrival does not matter");
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["version"], 1);
        let keys: Vec<(String, String)> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["path"].to_string(), e["rule"].to_string()))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert!(text.ends_with("}\n"));
        assert!(Baseline::parse(&text.replace("\"version\": 1", "\"version\": 9")).is_err());
        assert!(Baseline::parse("{}").is_err());
    }
}
