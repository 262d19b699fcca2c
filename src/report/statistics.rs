//! `--statistics`: how many findings each rule has, most first, like ruff's `--statistics`:
//!
//! ```text
//!   3  missing-ifconfig-ipv6   [*] A client profile has no `ifconfig-ipv6` ...
//!   1  route-ipv6-hostname         A `route-ipv6` network is a name ...
//! ```
//!
//! `[*]` marks rules with findings that `--fix` can fix. With `--format json`, a list of
//! `{"rule", "severity", "count", "fixable"}` objects in the same order.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{Checked, Format, Problem, ProblemKind, ReportContext};
use crate::diagnostic::Severity;

#[derive(Default)]
pub struct Statistics {
    /// Write JSON instead of the table.
    json: bool,
    per_rule: BTreeMap<String, Count>,
    files: usize,
    not_linted: usize,
}

#[derive(Debug, Clone, Copy, Serialize)]
struct Count {
    severity: Severity,
    count: usize,
    fixable: usize,
}

#[derive(Serialize)]
struct Row<'a> {
    rule: &'a str,
    severity: Severity,
    count: usize,
    fixable: usize,
}

impl Statistics {
    pub fn new(json: bool) -> Self {
        Self {
            json,
            ..Self::default()
        }
    }
}

impl Format for Statistics {
    fn file(&mut self, file: &Checked, cx: &ReportContext, _out: &mut dyn Write) -> io::Result<()> {
        self.files += 1;
        for d in &file.diagnostics {
            let count = self.per_rule.entry(d.rule.clone()).or_insert(Count {
                severity: d.severity,
                count: 0,
                fixable: 0,
            });
            count.severity = count.severity.max(d.severity);
            count.count += 1;
            count.fixable += usize::from(d.fixable(cx.unsafe_fixes));
        }
        Ok(())
    }

    fn problem(
        &mut self,
        problem: &Problem,
        _cx: &ReportContext,
        _out: &mut dyn Write,
    ) -> io::Result<()> {
        self.not_linted += usize::from(problem.kind == ProblemKind::ToolError);
        Ok(())
    }

    fn finish(&mut self, cx: &ReportContext, out: &mut dyn Write) -> io::Result<()> {
        let mut rows: Vec<Row> = self
            .per_rule
            .iter()
            .map(|(rule, c)| Row {
                rule,
                severity: c.severity,
                count: c.count,
                fixable: c.fixable,
            })
            .collect();
        rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.rule.cmp(b.rule)));
        if self.json {
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            return writeln!(out);
        }
        let count_width = rows.first().map_or(1, |r| r.count.to_string().len());
        let id_width = rows.iter().map(|r| r.rule.len()).max().unwrap_or(0);
        for row in &rows {
            let summary = cx
                .rules
                .iter()
                .find(|rule| rule.id == row.rule)
                .map_or("", |rule| rule.doc.summary.lines().next().unwrap_or(""));
            let fixable = if row.fixable > 0 { "[*]" } else { "   " };
            writeln!(
                out,
                "{:>count_width$}  {:<id_width$}  {fixable} {summary}",
                row.count, row.rule
            )?;
        }
        if rows.is_empty() && self.not_linted == 0 {
            let files = self.files;
            writeln!(
                out,
                "No findings in {files} file{} linted.",
                if files == 1 { "" } else { "s" }
            )?;
        }
        if self.not_linted > 0 {
            writeln!(
                out,
                "{} path{} could not be linted (see the errors).",
                self.not_linted,
                if self.not_linted == 1 { "" } else { "s" }
            )?;
        }
        Ok(())
    }
}
