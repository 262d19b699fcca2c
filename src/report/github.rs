//! `--format github`: GitHub Actions workflow commands (`::error file=...,line=...::message`),
//! which the runner turns into annotations on the pull request, and [`write_job_summary`], the
//! Markdown written to `$GITHUB_STEP_SUMMARY`.
//!
//! Problems that kept a path from being linted become `::error` annotations too, so a failed run
//! never looks clean in the pull request.
//!
//! Values are escaped as `@actions/core` escapes them (`packages/core/src/command.ts`): the
//! message escapes `%`, CR and LF; properties also `:` and `,`, which separate them.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::io::{self, Write};

use super::{Checked, Format, Problem, ReportContext};
use crate::diagnostic::Severity;

/// GitHub keeps at most 1 MiB of a step's summary.
pub const SUMMARY_LIMIT: usize = 1024 * 1024;

/// The job summary lists at most this many findings: it is an overview, and the annotations
/// and the SARIF report hold every finding.
pub const SUMMARY_LISTED: usize = 100;

pub struct Github;

impl Format for Github {
    fn file(&mut self, file: &Checked, _cx: &ReportContext, out: &mut dyn Write) -> io::Result<()> {
        for d in &file.diagnostics {
            let range = file.range(&d.loc);
            let mut properties = vec![
                ("file", file.path_of(&d.loc).to_owned()),
                ("line", range.line.to_string()),
                ("endLine", range.end_line.max(range.line).to_string()),
            ];
            // The runner takes columns only for a one-line span.
            if range.end_line <= range.line {
                properties.push(("col", range.column.to_string()));
                properties.push(("endColumn", range.end_column.max(range.column).to_string()));
            }
            properties.push(("title", format!("ovpn6-lint({})", d.rule)));
            let properties: Vec<String> = properties
                .iter()
                .map(|(key, value)| format!("{key}={}", escape_property(value)))
                .collect();
            writeln!(
                out,
                "::{} {}::{}",
                command(d.severity),
                properties.join(","),
                escape_data(&d.message)
            )?;
        }
        Ok(())
    }

    fn finish(&mut self, _cx: &ReportContext, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    fn problem(
        &mut self,
        problem: &Problem,
        _cx: &ReportContext,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let file = match &problem.path {
            Some(path) => format!("file={},", escape_property(path)),
            None => String::new(),
        };
        writeln!(
            out,
            "::error {file}title=ovpn6-lint::{}",
            escape_data(&problem.message)
        )
    }
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// `escapeData` of `@actions/core`: for the message after `::`.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// `escapeProperty` of `@actions/core`: for `key=value` properties.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The job summary as a format: counts per severity and per rule, the paths that could not be
/// linted, then the first [`SUMMARY_LISTED`] findings with `path:line`, cut short (with a note
/// saying how many were left out, and where they all are) to stay within `limit` bytes. Only
/// the findings' lines are kept, never a file's text.
pub struct JobSummary {
    limit: usize,
    /// Files linted, and how many of them have findings.
    files: usize,
    files_with_findings: usize,
    problems: Vec<String>,
    /// This workflow run's page, whose annotations hold every finding.
    run_url: Option<String>,
    per_severity: BTreeMap<Reverse<Severity>, usize>,
    per_rule: BTreeMap<(Reverse<Severity>, String), usize>,
    findings: Vec<String>,
    findings_len: usize,
    left_out: usize,
}

impl JobSummary {
    /// `limit`: what is left of [`SUMMARY_LIMIT`] when the step's summary already holds text.
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            files: 0,
            files_with_findings: 0,
            problems: Vec::new(),
            run_url: None,
            per_severity: BTreeMap::new(),
            per_rule: BTreeMap::new(),
            findings: Vec::new(),
            findings_len: 0,
            left_out: 0,
        }
    }

    /// Links the run's page (`$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID`)
    /// where the summary leaves findings out.
    pub fn with_run_url(mut self, url: Option<String>) -> Self {
        self.run_url = url;
        self
    }

    fn header(&self) -> String {
        let linted = plural(self.files, "file");
        let total: usize = self.per_severity.values().sum();
        let mut text = String::from("## ovpn6-lint\n\n");
        if !self.problems.is_empty() {
            text.push_str(&format!(
                "**{} could not be linted**: this run is not a pass.\n\n",
                plural(self.problems.len(), "path")
            ));
            for problem in self.problems.iter().take(SUMMARY_LISTED) {
                text.push_str(&format!("- {problem}\n"));
            }
            if self.problems.len() > SUMMARY_LISTED {
                text.push_str(&format!(
                    "- and {} more (see the log)\n",
                    self.problems.len() - SUMMARY_LISTED
                ));
            }
            text.push('\n');
        }
        if total == 0 {
            text.push_str(&format!("No findings in {linted}.\n"));
            return text;
        }
        let with_findings = plural(self.files_with_findings, "file");
        if self.files_with_findings == self.files {
            text.push_str(&format!("{} in {linted}.\n\n", plural(total, "finding")));
        } else {
            text.push_str(&format!(
                "{} in {with_findings} ({linted} linted).\n\n",
                plural(total, "finding")
            ));
        }
        text.push_str("| Severity | Findings |\n| --- | ---: |\n");
        for (Reverse(severity), count) in &self.per_severity {
            text.push_str(&format!("| {} | {count} |\n", severity.as_str()));
        }
        text.push_str("\n| Rule | Severity | Findings |\n| --- | --- | ---: |\n");
        for ((Reverse(severity), rule), count) in &self.per_rule {
            text.push_str(&format!(
                "| {} | {} | {count} |\n",
                markdown_text(rule),
                severity.as_str()
            ));
        }
        text.push_str("\n### Findings\n\n");
        text
    }
}

impl Format for JobSummary {
    fn file(
        &mut self,
        file: &Checked,
        _cx: &ReportContext,
        _out: &mut dyn Write,
    ) -> io::Result<()> {
        self.files += 1;
        if !file.diagnostics.is_empty() {
            self.files_with_findings += 1;
        }
        for d in &file.diagnostics {
            *self.per_severity.entry(Reverse(d.severity)).or_insert(0) += 1;
            *self
                .per_rule
                .entry((Reverse(d.severity), d.rule.clone()))
                .or_insert(0) += 1;
            if self.findings_len > self.limit || self.findings.len() >= SUMMARY_LISTED {
                self.left_out += 1;
                continue;
            }
            let line = format!(
                "- **{}** {}:{} {} ({})\n",
                d.severity.as_str(),
                markdown_text(file.path_of(&d.loc)),
                file.range(&d.loc).line,
                markdown_text(&d.message),
                markdown_text(&d.rule),
            );
            self.findings_len += line.len();
            self.findings.push(line);
        }
        Ok(())
    }

    fn finish(&mut self, _cx: &ReportContext, out: &mut dyn Write) -> io::Result<()> {
        let header = self.header();
        // Room for the closing note, written when findings are left out.
        let reserve = 400;
        let mut budget = self.limit.saturating_sub(header.len() + reserve);
        let mut shown = 0;
        for line in &self.findings {
            if line.len() > budget {
                break;
            }
            budget -= line.len();
            shown += 1;
        }
        let left_out = self.left_out + self.findings.len() - shown;
        out.write_all(header.as_bytes())?;
        for line in &self.findings[..shown] {
            out.write_all(line.as_bytes())?;
        }
        if left_out > 0 {
            let log = match &self.run_url {
                Some(url) => format!("[this run's annotations]({url})"),
                None => "the step's log".to_owned(),
            };
            write!(
                out,
                "\n{} not shown. Every finding is in {log} and in the SARIF report \
                 (code scanning, when uploaded).\n",
                plural(left_out, "more finding"),
            )?;
        }
        Ok(())
    }

    fn problem(
        &mut self,
        problem: &Problem,
        _cx: &ReportContext,
        _out: &mut dyn Write,
    ) -> io::Result<()> {
        self.problems.push(markdown_text(&problem.message));
        Ok(())
    }
}

/// The job summary of `files` within `limit` bytes.
pub fn job_summary(files: &[Checked], limit: usize) -> String {
    let mut summary = JobSummary::new(limit);
    let cx = ReportContext {
        rules: &[],
        color: false,
        unsafe_fixes: false,
    };
    let mut out = Vec::new();
    summary
        .write(files, &cx, &mut out)
        .expect("writing to memory");
    String::from_utf8(out).expect("the summary is UTF-8")
}

/// The job summary in at most [`SUMMARY_LIMIT`] bytes.
pub fn write_job_summary(
    files: &[Checked],
    cx: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    JobSummary::new(SUMMARY_LIMIT).write(files, cx, out)
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// Text that Markdown and the HTML GitHub renders it to show as written: HTML's `&`, `<`, `>`
/// become entities; Markdown's inline punctuation (emphasis, code, links, tables, math) is
/// backslash-escaped; control characters (a newline in a file name) show as their Unicode
/// control pictures, so one finding stays one line.
pub fn markdown_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '{' | '}' | '!' | '|' | '~' | '$'
            | '#' => {
                escaped.push('\\');
                escaped.push(c);
            }
            '\u{0}'..='\u{1f}' => {
                escaped.push(char::from_u32(0x2400 + u32::from(c)).unwrap_or('\u{fffd}'))
            }
            '\u{7f}' => escaped.push('\u{2421}'),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;
    use crate::model::Loc;
    use crate::report::SourceText;

    fn checked(
        path: &str,
        text: &str,
        findings: &[(Severity, &str, std::ops::Range<usize>, &str)],
    ) -> Checked {
        Checked {
            path: path.to_owned(),
            sources: vec![SourceText::new(path.to_owned(), text.as_bytes().to_vec())],
            diagnostics: findings
                .iter()
                .map(|(severity, rule, span, message)| Diagnostic {
                    rule: (*rule).to_owned(),
                    severity: *severity,
                    message: (*message).to_owned(),
                    loc: Loc {
                        source: 0,
                        span: span.clone(),
                    },
                    label: String::new(),
                    labels: Vec::new(),
                    note: None,
                    fix: None,
                })
                .collect(),
        }
    }

    fn context() -> ReportContext<'static> {
        ReportContext {
            rules: &[],
            color: false,
            unsafe_fixes: false,
        }
    }

    fn commands(files: &[Checked]) -> String {
        let mut out = Vec::new();
        Github.write(files, &context(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_command_per_finding_with_position_and_title() {
        let file = checked(
            "vpn/client.ovpn",
            "client\ntun-ipv6\n",
            &[
                (
                    Severity::Warning,
                    "deprecated-tun-ipv6",
                    7..15,
                    "`tun-ipv6` is ignored since OpenVPN 2.4",
                ),
                (Severity::Note, "some-note", 0..6, "n"),
            ],
        );
        assert_eq!(
            commands(&[file]),
            "::warning file=vpn/client.ovpn,line=2,endLine=2,col=1,endColumn=9,\
             title=ovpn6-lint(deprecated-tun-ipv6)::`tun-ipv6` is ignored since OpenVPN 2.4\n\
             ::notice file=vpn/client.ovpn,line=1,endLine=1,col=1,endColumn=7,title=ovpn6-lint(some-note)::n\n"
        );
    }

    #[test]
    fn a_span_over_several_lines_gives_no_columns() {
        let file = checked(
            "a.conf",
            "<connection>\nremote x\n</connection>\n",
            &[(Severity::Error, "r", 0..30, "m")],
        );
        assert_eq!(
            commands(&[file]),
            "::error file=a.conf,line=1,endLine=3,title=ovpn6-lint(r)::m\n"
        );
    }

    #[test]
    fn file_names_are_escaped_like_the_actions_toolkit_does() {
        assert_eq!(escape_property("my vpn/a b.conf"), "my vpn/a b.conf");
        assert_eq!(escape_property("100%.conf"), "100%25.conf");
        assert_eq!(escape_property("a,b.conf"), "a%2Cb.conf");
        assert_eq!(escape_property("c:d.conf"), "c%3Ad.conf");
        assert_eq!(escape_property("new\nline\r.conf"), "new%0Aline%0D.conf");
        // `%` first, so an escape is never escaped twice.
        assert_eq!(escape_property("%3A"), "%253A");
    }

    #[test]
    fn messages_escape_percent_and_line_breaks_but_keep_colons_and_commas() {
        assert_eq!(escape_data("a: b, 100%\r\nnext"), "a: b, 100%25%0D%0Anext");
        let file = checked(
            "x,y:z %.conf",
            "tun-ipv6\n",
            &[(Severity::Error, "r", 0..8, "fd00::1, then\nmore")],
        );
        assert_eq!(
            commands(&[file]),
            "::error file=x%2Cy%3Az %25.conf,line=1,endLine=1,col=1,endColumn=9,title=ovpn6-lint(r)::fd00::1, then%0Amore\n"
        );
    }

    #[test]
    fn summary_counts_per_severity_and_rule_and_lists_findings() {
        let file = checked(
            "a.conf",
            "client\ntun-ipv6\n",
            &[
                (
                    Severity::Warning,
                    "deprecated-tun-ipv6",
                    7..15,
                    "`tun-ipv6` is ignored",
                ),
                (
                    Severity::Error,
                    "missing-ifconfig-ipv6",
                    0..6,
                    "no `ifconfig-ipv6`",
                ),
                (Severity::Error, "missing-ifconfig-ipv6", 0..6, "again"),
            ],
        );
        let summary = job_summary(&[file], SUMMARY_LIMIT);
        assert!(summary.contains("3 findings in 1 file."), "{summary}");
        assert!(
            summary.contains("| error | 2 |\n| warning | 1 |\n"),
            "{summary}"
        );
        assert!(
            summary.contains("| missing-ifconfig-ipv6 | error | 2 |"),
            "{summary}"
        );
        assert!(
            summary.contains(
                "- **warning** a.conf:2 \\`tun-ipv6\\` is ignored (deprecated-tun-ipv6)\n"
            ),
            "{summary}"
        );
    }

    #[test]
    fn a_clean_run_says_so() {
        let file = checked("a.conf", "client\n", &[]);
        assert_eq!(
            job_summary(&[file], SUMMARY_LIMIT),
            "## ovpn6-lint\n\nNo findings in 1 file.\n"
        );
    }

    #[test]
    fn summary_escapes_markdown_and_html_in_paths_and_messages() {
        assert_eq!(
            markdown_text("a|b <script> `x` *y* [l](u) & $m$"),
            "a\\|b &lt;script&gt; \\`x\\` \\*y\\* \\[l\\]\\(u\\) &amp; \\$m\\$"
        );
        assert_eq!(
            markdown_text("two\nlines\r.conf"),
            "two\u{240a}lines\u{240d}.conf"
        );
        let file = checked(
            "x|y\n<z>.conf",
            "tun-ipv6\n",
            &[(Severity::Error, "r", 0..8, "m|n")],
        );
        let summary = job_summary(&[file], SUMMARY_LIMIT);
        assert!(
            summary.contains("- **error** x\\|y\u{240a}&lt;z&gt;.conf:1 m\\|n (r)\n"),
            "{summary}"
        );
    }

    #[test]
    fn summary_stays_under_the_limit_and_says_how_many_findings_are_left_out() {
        let findings: Vec<_> = (0..1000)
            .map(|_| (Severity::Error, "r", 0..8, "a long enough message"))
            .collect();
        let file = checked("a.conf", "tun-ipv6\n", &findings);
        let limit = 4096;
        let summary = job_summary(&[file], limit);
        assert!(summary.len() <= limit, "{}", summary.len());
        let listed = summary
            .lines()
            .filter(|line| line.starts_with("- "))
            .count();
        assert!(listed > 10 && listed < 1000);
        assert!(
            summary.contains(&format!("{} more findings not shown", 1000 - listed)),
            "{summary}"
        );
    }

    #[test]
    fn the_full_size_summary_fits_in_one_mebibyte() {
        let message = "m".repeat(200);
        let findings: Vec<_> = (0..10_000)
            .map(|_| (Severity::Warning, "r", 0..8, message.as_str()))
            .collect();
        let file = checked("a.conf", "tun-ipv6\n", &findings);
        let mut out = Vec::new();
        write_job_summary(&[file], &context(), &mut out).unwrap();
        assert!(out.len() < SUMMARY_LIMIT);
        assert!(
            String::from_utf8(out)
                .unwrap()
                .contains("more findings not shown")
        );
    }
}
