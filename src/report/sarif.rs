//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it.
//!
//! One run. The driver lists every rule of the run (not only those that fired) with its
//! documentation; each result has one location with a `%SRCROOT%`-relative, percent-encoded
//! URI, a full region (1-based, end exclusive, columns in Unicode code points), partial
//! fingerprints, and its fix when the fix can be applied. Fingerprints are computed from the
//! masked text ([`SourceText::shown`](super::SourceText::shown)), so no secret feeds them.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::json;
use serde_sarif::sarif;

use super::{Checked, Format, Problem, ProblemKind, Range, ReportContext};
use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity};
use crate::explain::fix_safety;
use crate::model::Loc;
use crate::rules::Rule;

/// The `$schema` of the logs we write: the OASIS SARIF 2.1.0 schema, Errata 01.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The base URI id every relative result URI is resolved against.
pub const SRCROOT: &str = "%SRCROOT%";

/// The partial fingerprint GitHub computes from the line at a result's start.
pub const LINE_HASH: &str = "primaryLocationLineHash";

/// Our own partial fingerprint: the rule and the flagged text, so it survives line shifts.
pub const CONTENT_HASH: &str = "ovpn6LintContentHash/v1";

/// GitHub's documented limit for a rule's full description (SARIF support for code scanning:
/// "limited to 1000"); short descriptions are held to it too.
const DESCRIPTION_LIMIT: usize = 1000;

/// Builds the log as files arrive: each result is serialized when its file is checked (its
/// fingerprints need the file's text, which is not kept), and the log is written at the end,
/// when the invocation's outcome is known (`invocations` precedes `results` in the log).
pub struct Sarif {
    /// `--sarif-category`: GitHub keeps one set of alerts per category (`run.automationDetails.id`).
    category: Option<String>,
    rule_index: Option<HashMap<String, usize>>,
    results: usize,
    /// The serialized results, comma-separated.
    buffer: Vec<u8>,
    /// Tool errors and path problems, as `toolExecutionNotifications`.
    notifications: Vec<sarif::Notification>,
    /// A tool error happened: `executionSuccessful` is false.
    failed: bool,
}

impl Format for Sarif {
    fn file(&mut self, file: &Checked, cx: &ReportContext, _out: &mut dyn Write) -> io::Result<()> {
        let rule_index = self.rule_index.get_or_insert_with(|| {
            cx.rules
                .iter()
                .enumerate()
                .map(|(i, rule)| (rule.id.clone(), i))
                .collect()
        });
        let mut fingerprints = Fingerprints::new(file);
        for diagnostic in &file.diagnostics {
            let index = rule_index.get(diagnostic.rule.as_str()).copied();
            let result = result(file, diagnostic, index, &mut fingerprints);
            self.buffer
                .extend_from_slice(if self.results == 0 { b"\n" } else { b",\n" });
            serde_json::to_writer(&mut self.buffer, &result)?;
            self.results += 1;
        }
        Ok(())
    }

    fn finish(&mut self, cx: &ReportContext, out: &mut dyn Write) -> io::Result<()> {
        let empty = serde_json::to_string_pretty(&self.log(&[], cx))?;
        // `"results"` appears once as a key; in any text it would be escaped (`\"results\"`).
        const EMPTY_RESULTS: &str = "\"results\": []";
        let at = empty
            .find(EMPTY_RESULTS)
            .expect("a run always has a results array")
            + EMPTY_RESULTS.len()
            - 1;
        out.write_all(&empty.as_bytes()[..at])?;
        out.write_all(&self.buffer)?;
        if self.results > 0 {
            out.write_all(b"\n")?;
        }
        out.write_all(&empty.as_bytes()[at..])?;
        writeln!(out)
    }

    fn problem(
        &mut self,
        problem: &Problem,
        _cx: &ReportContext,
        _out: &mut dyn Write,
    ) -> io::Result<()> {
        self.failed |= problem.kind == ProblemKind::ToolError;
        let mut notification = sarif::Notification::builder()
            .message(message(&problem.message))
            .level(json!("error"))
            .build();
        if let Some(path) = &problem.path {
            let physical = sarif::PhysicalLocation::builder()
                .artifact_location(artifact_location(path))
                .build();
            notification.locations = Some(vec![
                sarif::Location::builder()
                    .physical_location(physical)
                    .build(),
            ]);
        }
        self.notifications.push(notification);
        Ok(())
    }
}

impl Sarif {
    pub fn new(category: Option<String>) -> Self {
        Self {
            category,
            rule_index: None,
            results: 0,
            buffer: Vec::new(),
            notifications: Vec::new(),
            failed: false,
        }
    }

    /// The whole log, as data.
    pub fn log(&self, files: &[Checked], cx: &ReportContext) -> sarif::Sarif {
        let rule_index: HashMap<&str, usize> = cx
            .rules
            .iter()
            .enumerate()
            .map(|(i, rule)| (rule.id.as_str(), i))
            .collect();
        let mut results = Vec::new();
        for file in files {
            let mut fingerprints = Fingerprints::new(file);
            for diagnostic in &file.diagnostics {
                results.push(result(
                    file,
                    diagnostic,
                    rule_index.get(diagnostic.rule.as_str()).copied(),
                    &mut fingerprints,
                ));
            }
        }
        let driver = sarif::ToolComponent::builder()
            .name(env!("CARGO_PKG_NAME"))
            .version(env!("CARGO_PKG_VERSION"))
            .semantic_version(env!("CARGO_PKG_VERSION"))
            .information_uri(env!("CARGO_PKG_REPOSITORY"))
            .rules(cx.rules.iter().map(descriptor).collect::<Vec<_>>())
            .build();
        let base = sarif::ArtifactLocation::builder()
            .description(message(
                "The directory ovpn6-lint ran in; result paths are relative to it",
            ))
            .build();
        let run = sarif::Run::builder()
            .tool(driver)
            .invocations(vec![self.invocation()])
            .original_uri_base_ids(BTreeMap::from([(SRCROOT.to_owned(), base)]))
            .column_kind(json!("unicodeCodePoints"))
            .results(results);
        let run = match &self.category {
            Some(category) => run.automation_details(automation_details(category)).build(),
            None => run.build(),
        };
        sarif::Sarif::builder()
            .schema(SCHEMA_URI)
            .version(json!("2.1.0"))
            .runs(vec![run])
            .build()
    }
}

impl Sarif {
    /// Whether the run did its job, and what kept paths from being linted.
    fn invocation(&self) -> sarif::Invocation {
        let mut invocation = sarif::Invocation::builder()
            .execution_successful(!self.failed)
            .build();
        if !self.notifications.is_empty() {
            invocation.tool_execution_notifications = Some(self.notifications.clone());
        }
        invocation
    }
}

/// GitHub reads the category as everything before the last `/` of the id, and
/// codeql-action's `upload-sarif` appends a `/` to a category that lacks one; so do we.
fn automation_details(category: &str) -> sarif::RunAutomationDetails {
    let id = if category.ends_with('/') {
        category.to_owned()
    } else {
        format!("{category}/")
    };
    sarif::RunAutomationDetails::builder().id(id).build()
}

fn descriptor(rule: &Rule) -> sarif::ReportingDescriptor {
    let doc = &rule.doc;
    let mut properties = BTreeMap::new();
    properties.insert("precision".to_owned(), json!(precision(rule)));
    // GitHub ranks alerts of rules not tagged `security` by `problem.severity`.
    let problem_severity = match rule.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "recommendation",
    };
    properties.insert("problem.severity".to_owned(), json!(problem_severity));
    if let Some(score) = doc.security_severity {
        properties.insert("security-severity".to_owned(), json!(format!("{score:.1}")));
    }
    let properties = sarif::PropertyBag::builder().additional_properties(properties);
    let properties = if doc.tags.is_empty() {
        properties.build()
    } else {
        properties.tags(doc.tags.clone()).build()
    };
    let descriptor = sarif::ReportingDescriptor::builder()
        .id(&rule.id)
        .name(upper_camel_case(&rule.id))
        .short_description(plain(truncate(
            &sentence(&unwrap(&doc.summary)),
            DESCRIPTION_LIMIT,
        )))
        .full_description(plain(truncate(
            &sentence(&unwrap(&doc.why)),
            DESCRIPTION_LIMIT,
        )))
        .help(
            sarif::MultiformatMessageString::builder()
                .text(help_text(rule))
                .markdown(help_markdown(rule))
                .build(),
        )
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(json!(rule.severity.as_str()))
                .build(),
        )
        .properties(properties);
    // A rule from `rule-dirs` has no page to point at.
    match crate::docs::rule_url(rule) {
        Some(url) => descriptor.help_uri(url).build(),
        None => descriptor.build(),
    }
}

/// GitHub ranks alerts by `precision`. Rules tagged `correctness` state what OpenVPN does with
/// the text (reader and option parsing follow OpenVPN's own code), so their findings are
/// "very-high"; the others also rest on `[params]` (which prefixes must be covered, which
/// tunnel ranges are right), so "high".
fn precision(rule: &Rule) -> &'static str {
    if rule.doc.tags.iter().any(|tag| tag == "correctness") {
        "very-high"
    } else {
        "high"
    }
}

fn help_text(rule: &Rule) -> String {
    let doc = &rule.doc;
    let mut text = format!("{}\n\n{}\n", sentence(&unwrap(&doc.summary)), doc.why);
    for (heading, example) in [("Example", &doc.bad), ("Use instead", &doc.good)] {
        if !example.trim().is_empty() {
            text.push_str(&format!("\n{heading}:\n\n{}", indent(example)));
        }
    }
    text.push_str(&format!("\nFix safety: {}\n", fix_safety(rule)));
    text
}

fn help_markdown(rule: &Rule) -> String {
    let doc = &rule.doc;
    let mut text = format!("{}\n\n## Why is this bad?\n\n{}\n", doc.summary, doc.why);
    for (heading, example) in [("Example", &doc.bad), ("Use instead", &doc.good)] {
        if !example.trim().is_empty() {
            let fence = code_fence(example);
            text.push_str(&format!(
                "\n## {heading}\n\n{fence}\n{}\n{fence}\n",
                example.trim_end()
            ));
        }
    }
    text.push_str(&format!("\n## Fix safety\n\n{}\n", fix_safety(rule)));
    text
}

fn result(
    file: &Checked,
    d: &Diagnostic,
    rule_index: Option<usize>,
    fingerprints: &mut Fingerprints,
) -> sarif::Result {
    let range = shown_range(file, &d.loc);
    let mut primary = location(file, &d.loc);
    if !d.label.is_empty() {
        primary.message = Some(message(&d.label));
    }
    let related: Vec<sarif::Location> = d
        .labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let mut related = location(file, &label.loc);
            related.id = i64::try_from(i + 1).ok();
            related.message = Some(message(&label.message));
            related
        })
        .collect();
    let mut partial = BTreeMap::new();
    if let Some(hash) = fingerprints.line_hash(d.loc.source, range.line) {
        partial.insert(LINE_HASH.to_owned(), hash);
    }
    partial.insert(CONTENT_HASH.to_owned(), fingerprints.content_hash(d, range));

    let mut result = sarif::Result::builder()
        .rule_id(&d.rule)
        .level(level(d.severity))
        .message(message(&d.message))
        .locations(vec![primary])
        .partial_fingerprints(partial)
        .build();
    result.rule_index = rule_index.and_then(|i| i64::try_from(i).ok());
    if !related.is_empty() {
        result.related_locations = Some(related);
    }
    if let Some(fix) = d.fix.as_ref().filter(|fix| applicable(fix)) {
        result.fixes = Some(vec![sarif_fix(file, fix)]);
    }
    result
}

/// Display-only fixes are help for a person; SARIF consumers may apply `fixes`, so they are left out.
fn applicable(fix: &Fix) -> bool {
    fix.applicability != Applicability::DisplayOnly && !fix.edits.is_empty()
}

fn sarif_fix(file: &Checked, fix: &Fix) -> sarif::Fix {
    // Edits always apply to the top-level file.
    let top = &file.sources[0];
    let replacements = fix
        .edits
        .iter()
        .map(|edit| {
            let len = top.shown.len();
            let start = edit.span.start.min(len);
            let (line, column) = top.line_col(start);
            let (end_line, end_column) = top.line_col(edit.span.end.clamp(start, len));
            let deleted = region(Range {
                line,
                column,
                end_line,
                end_column,
            });
            let replacement = sarif::Replacement::builder().deleted_region(deleted);
            if edit.replacement.is_empty() {
                replacement.build()
            } else {
                replacement
                    .inserted_content(
                        sarif::ArtifactContent::builder()
                            .text(&edit.replacement)
                            .build(),
                    )
                    .build()
            }
        })
        .collect::<Vec<_>>();
    let change = sarif::ArtifactChange::builder()
        .artifact_location(artifact_location(&top.path))
        .replacements(replacements)
        .build();
    let mut properties = BTreeMap::new();
    properties.insert(
        "applicability".to_owned(),
        json!(fix.applicability.as_str()),
    );
    sarif::Fix::builder()
        .description(message(&fix.description))
        .artifact_changes(vec![change])
        .properties(
            sarif::PropertyBag::builder()
                .additional_properties(properties)
                .build(),
        )
        .build()
}

fn location(file: &Checked, loc: &Loc) -> sarif::Location {
    let physical = sarif::PhysicalLocation::builder()
        .artifact_location(artifact_location(file.path_of(loc)))
        .region(region(shown_range(file, loc)))
        .build();
    sarif::Location::builder()
        .physical_location(physical)
        .build()
}

/// A path as reports name it, as an artifact location: relative paths under `%SRCROOT%`,
/// absolute ones as `file:` URIs (SARIF forbids a base id on an absolute URI).
fn artifact_location(path: &str) -> sarif::ArtifactLocation {
    let path = path.replace('\\', "/");
    let bytes = path.as_bytes();
    let drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if drive {
        return sarif::ArtifactLocation::builder()
            .uri(format!(
                "file:///{}:{}",
                &path[..1],
                encode_path(&path[2..])
            ))
            .build();
    }
    if path.starts_with("//") {
        return sarif::ArtifactLocation::builder()
            .uri(format!("file:{}", encode_path(&path)))
            .build();
    }
    if path.starts_with('/') {
        return sarif::ArtifactLocation::builder()
            .uri(format!("file://{}", encode_path(&path)))
            .build();
    }
    let mut relative = path.as_str();
    while let Some(rest) = relative.strip_prefix("./") {
        relative = rest;
    }
    sarif::ArtifactLocation::builder()
        .uri(encode_path(relative))
        .uri_base_id(SRCROOT)
        .build()
}

/// Percent-encodes a `/`-separated path for a URI (RFC 3986): only unreserved characters and
/// `/` stay as they are, every other byte of the UTF-8 becomes `%XX`. The sub-delimiters RFC
/// 3986 would allow are encoded too: a `:` in the first segment would read as a scheme, and
/// some consumers give `+`, `;`, `&` or `=` a meaning of their own.
pub fn encode_path(path: &str) -> String {
    const KEPT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~')
        .remove(b'/');
    utf8_percent_encode(path, KEPT).to_string()
}

/// The range a result shows: [`Checked::range`], with an end at the start of a later line
/// pulled back to the end of the line before, and a place past the final line break moved to
/// the end of the last line, so that viewers highlight only the lines the finding is on.
fn shown_range(file: &Checked, loc: &Loc) -> Range {
    let source = &file.sources[loc.source];
    let mut range = file.range(loc);
    let line_end = |line: usize| source.line_text(line - 1).chars().count() + 1;
    if range.line > 1
        && range.line == source.lines().line_count()
        && source.line_text(range.line - 1).is_empty()
    {
        range.line -= 1;
        range.column = line_end(range.line);
    }
    if range.end_line > range.line && range.end_column == 1 {
        range.end_line -= 1;
        range.end_column = line_end(range.end_line);
    }
    if range.end_line < range.line {
        range.end_line = range.line;
    }
    if range.end_line == range.line {
        range.end_column = range.end_column.max(range.column);
    }
    range
}

/// A full SARIF region; a zero-width range keeps `endColumn == startColumn`.
fn region(range: Range) -> sarif::Region {
    let number = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let end_column = if range.end_line == range.line {
        range.end_column.max(range.column)
    } else {
        range.end_column
    };
    sarif::Region::builder()
        .start_line(number(range.line))
        .start_column(number(range.column))
        .end_line(number(range.end_line.max(range.line)))
        .end_column(number(end_column))
        .build()
}

/// The content fingerprint ([`CONTENT_HASH`]) of each of a file's diagnostics, in order: the
/// baseline matches findings by it.
pub fn content_fingerprints(file: &Checked) -> Vec<String> {
    let mut fingerprints = Fingerprints::new(file);
    file.diagnostics
        .iter()
        .map(|d| fingerprints.content_hash(d, shown_range(file, &d.loc)))
        .collect()
}

/// Fingerprints for the results of one file; line hashes are computed once per source.
struct Fingerprints<'a> {
    file: &'a Checked,
    line_hashes: HashMap<usize, Vec<String>>,
    /// How often each (source, content hash) has been seen, for the occurrence index.
    seen: HashMap<(usize, u64), usize>,
}

impl<'a> Fingerprints<'a> {
    fn new(file: &'a Checked) -> Self {
        Self {
            file,
            line_hashes: HashMap::new(),
            seen: HashMap::new(),
        }
    }

    /// `primaryLocationLineHash` of 1-based `line`, as codeql-action would compute it.
    fn line_hash(&mut self, source: usize, line: usize) -> Option<String> {
        let shown = &self.file.sources[source].shown;
        let hashes = self
            .line_hashes
            .entry(source)
            .or_insert_with(|| line_hashes(shown));
        hashes.get(line.checked_sub(1)?).cloned()
    }

    /// FNV-1a 64 of the rule id and the trimmed text of the flagged lines, then `:n` for the
    /// n-th such finding in this source (like GitHub's own hash).
    fn content_hash(&mut self, d: &Diagnostic, range: Range) -> String {
        let source = &self.file.sources[d.loc.source];
        let mut hash = Fnv1a::new();
        hash.write(d.rule.as_bytes());
        hash.write(&[0]);
        for line in range.line..=range.end_line.max(range.line) {
            hash.write(source.line_text(line - 1).trim().as_bytes());
            hash.write(b"\n");
        }
        let value = hash.finish();
        let count = self.seen.entry((d.loc.source, value)).or_insert(0);
        *count += 1;
        format!("{value:016x}:{count}")
    }
}

struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The `primaryLocationLineHash` of every line of `text` (index 0 is line 1), computed exactly
/// as github/codeql-action's `src/fingerprints.ts` does when it uploads SARIF: the text is
/// decoded as UTF-8 and read in UTF-16 code units; spaces and tabs are skipped; CR, LF and
/// CRLF each end a line (so its line numbers can differ from ours in files with a lone CR,
/// exactly as they do for GitHub); the hash of a line is a polynomial rolling hash (base 37,
/// wrapping 64-bit) over the 100 units that start at the line's first non-blank unit, with
/// 65535 marking the end of the file and zeros after it; `:n` counts equal hashes in the file.
fn line_hashes(text: &[u8]) -> Vec<String> {
    let mut hasher = LineHasher::new();
    for unit in String::from_utf8_lossy(text).encode_utf16() {
        hasher.unit(u64::from(unit));
    }
    hasher.finish()
}

const BLOCK_SIZE: usize = 100;

struct LineHasher {
    window: [u64; BLOCK_SIZE],
    /// The line that starts at each window slot.
    starts: [Option<usize>; BLOCK_SIZE],
    index: usize,
    hash: u64,
    /// 37^BLOCK_SIZE, to take the unit leaving the window out of the hash.
    first_mod: u64,
    line: usize,
    at_line_start: bool,
    after_cr: bool,
    counts: HashMap<u64, usize>,
    hashes: Vec<String>,
}

impl LineHasher {
    const BASE: u64 = 37;
    const END_OF_FILE: u64 = 65535;

    fn new() -> Self {
        Self {
            window: [0; BLOCK_SIZE],
            starts: [None; BLOCK_SIZE],
            index: 0,
            hash: 0,
            first_mod: (0..BLOCK_SIZE).fold(1u64, |acc, _| acc.wrapping_mul(Self::BASE)),
            line: 0,
            at_line_start: true,
            after_cr: false,
            counts: HashMap::new(),
            hashes: Vec::new(),
        }
    }

    fn unit(&mut self, mut unit: u64) {
        const TAB: u64 = 0x09;
        const LF: u64 = 0x0a;
        const CR: u64 = 0x0d;
        const SPACE: u64 = 0x20;
        if unit == SPACE || unit == TAB || (self.after_cr && unit == LF) {
            self.after_cr = false;
            return;
        }
        self.after_cr = unit == CR;
        if unit == CR {
            unit = LF;
        }
        self.emit();
        if self.at_line_start {
            self.at_line_start = false;
            self.line += 1;
            self.starts[self.index] = Some(self.line);
        }
        if unit == LF {
            self.at_line_start = true;
        }
        self.roll(unit);
    }

    /// When the unit about to leave the window started a line, the window holds that line's
    /// 100 units: record its hash.
    fn emit(&mut self) {
        if let Some(line) = self.starts[self.index].take() {
            let count = self.counts.entry(self.hash).or_insert(0);
            *count += 1;
            debug_assert_eq!(line, self.hashes.len() + 1);
            self.hashes.push(format!("{:x}:{count}", self.hash));
        }
    }

    fn roll(&mut self, unit: u64) {
        let leaving = std::mem::replace(&mut self.window[self.index], unit);
        self.hash = Self::BASE
            .wrapping_mul(self.hash)
            .wrapping_add(unit)
            .wrapping_sub(self.first_mod.wrapping_mul(leaving));
        self.index = (self.index + 1) % BLOCK_SIZE;
    }

    fn finish(mut self) -> Vec<String> {
        self.unit(Self::END_OF_FILE);
        for _ in 0..BLOCK_SIZE {
            self.emit();
            self.roll(0);
        }
        self.hashes
    }
}

fn level(severity: Severity) -> sarif::ResultLevel {
    match severity {
        Severity::Error => sarif::ResultLevel::Error,
        Severity::Warning => sarif::ResultLevel::Warning,
        Severity::Note => sarif::ResultLevel::Note,
    }
}

/// A message whose text is one sentence that stands alone (GitHub shows only the first).
fn message(text: &str) -> sarif::Message {
    sarif::Message::builder().text(sentence(text)).build()
}

fn plain(text: String) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder()
        .text(text)
        .build()
}

/// Ends `text` with a period unless it already ends a sentence.
fn sentence(text: &str) -> String {
    let text = text.trim_end();
    if text.ends_with(['.', '!', '?']) {
        text.to_owned()
    } else {
        format!("{text}.")
    }
}

/// Joins hard-wrapped lines; paragraphs stay apart.
fn unwrap(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .map(|paragraph| paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|paragraph| !paragraph.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// At most `limit` characters: cut after the last whole sentence that fits, else at a space.
fn truncate(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let head: String = text.chars().take(limit - 1).collect();
    if let Some(end) = head.rfind(". ") {
        return head[..=end].to_owned();
    }
    let cut = head.rfind(' ').unwrap_or(head.len());
    format!("{}…", &head[..cut])
}

fn upper_camel_case(id: &str) -> String {
    id.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn indent(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|line| format!("    {line}\n"))
        .collect()
}

/// A backtick fence longer than any run of backticks in `text`.
fn code_fence(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::SourceText;

    fn hashes(text: &str) -> Vec<String> {
        line_hashes(text.as_bytes())
    }

    // Expected values: github/codeql-action `src/fingerprints.test.ts`, test "hash".
    #[test]
    fn line_hashes_match_codeql_action_test_vectors() {
        assert_eq!(hashes(""), ["c129715d7a2bc9a3:1"]);
        assert_eq!(
            hashes(" a\nb\n  \t\tc\n d"),
            [
                "271789c17abda88f:1",
                "54703d4cd895b18:1",
                "180aee12dab6264:1",
                "a23a3dc5e078b07b:1"
            ]
        );
        assert_eq!(
            hashes(" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End"),
            [
                "8b7cf3e952e7aeb2:1",
                "b1ae1287ec4718d9:1",
                "bff680108adb0fcc:1",
                "c6805c5e1288b612:1",
                "b86d3392aea1be30:1",
                "e6ceba753e1a442:1"
            ]
        );
        let with_final_newline = [
            "e9496ae3ebfced30:1",
            "fb7c023a8b9ccb3f:1",
            "ce8ba1a563dcdaca:1",
            "e20e36e16fcb0cc8:1",
            "b3edc88f2938467e:1",
            "c8e28b0b4002a3a0:1",
            "c129715d7a2bc9a3:1",
        ];
        for text in [
            " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
            " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
            " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
            " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
        ] {
            assert_eq!(hashes(text), with_final_newline, "{text:?}");
        }
        assert_eq!(
            hashes(&"Lorem ipsum dolor sit amet.\n".repeat(10)),
            [
                "a7f2ff13bc495cf2:1",
                "a7f2ff13bc495cf2:2",
                "a7f2ff13bc495cf2:3",
                "a7f2ff13bc495cf2:4",
                "a7f2ff13bc495cf2:5",
                "a7f2ff13bc495cf2:6",
                "a7f2ff1481e87703:1",
                "a9cf91f7bbf1862b:1",
                "55ec222b86bcae53:1",
                "cc97dc7b1d7d8f7b:1",
                "c129715d7a2bc9a3:1"
            ]
        );
        assert_eq!(
            hashes("x = 2\nx = 1\nprint(x)\nx = 3\nprint(x)\nx = 4\nprint(x)\n"),
            [
                "e54938cc54b302f1:1",
                "bb609acbe9138d60:1",
                "1131fd5871777f34:1",
                "5c482a0f8b35ea28:1",
                "54517377da7028d2:1",
                "2c644846cb18d53e:1",
                "f1b89f20de0d133:1",
                "c129715d7a2bc9a3:1"
            ]
        );
    }

    #[test]
    fn uris_percent_encode_everything_but_unreserved_characters_and_slashes() {
        assert_eq!(encode_path("vpn/client.ovpn"), "vpn/client.ovpn");
        assert_eq!(encode_path("my vpn/a b.conf"), "my%20vpn/a%20b.conf");
        assert_eq!(encode_path("100%.conf"), "100%25.conf");
        assert_eq!(encode_path("a,b:c.conf"), "a%2Cb%3Ac.conf");
        assert_eq!(encode_path("x#y?z.conf"), "x%23y%3Fz.conf");
        assert_eq!(encode_path("new\nline.conf"), "new%0Aline.conf");
        assert_eq!(
            encode_path("café/Zürich.ovpn"),
            "caf%C3%A9/Z%C3%BCrich.ovpn"
        );
        assert_eq!(encode_path("a~b_c-d.e"), "a~b_c-d.e");
    }

    #[test]
    fn relative_paths_sit_under_srcroot_and_absolute_ones_are_file_uris() {
        let relative = artifact_location("./vpn dir/client.ovpn");
        assert_eq!(relative.uri.as_deref(), Some("vpn%20dir/client.ovpn"));
        assert_eq!(relative.uri_base_id.as_deref(), Some(SRCROOT));
        let absolute = artifact_location("/etc/openvpn/client.conf");
        assert_eq!(
            absolute.uri.as_deref(),
            Some("file:///etc/openvpn/client.conf")
        );
        assert_eq!(absolute.uri_base_id, None);
        let windows = artifact_location("C:\\vpn\\a b.ovpn");
        assert_eq!(windows.uri.as_deref(), Some("file:///C:/vpn/a%20b.ovpn"));
    }

    fn checked(text: &str) -> Checked {
        Checked {
            path: "a.conf".to_owned(),
            sources: vec![SourceText::new(
                "a.conf".to_owned(),
                text.as_bytes().to_vec(),
            )],
            diagnostics: Vec::new(),
        }
    }

    fn range_of(text: &str, span: std::ops::Range<usize>) -> (usize, usize, usize, usize) {
        let r = shown_range(&checked(text), &Loc { source: 0, span });
        (r.line, r.column, r.end_line, r.end_column)
    }

    #[test]
    fn regions_are_one_based_and_end_exclusive() {
        let text = "client\nroute-ipv6 2000::/4\n";
        assert_eq!(range_of(text, 7..17), (2, 1, 2, 11));
        // Columns count characters, not bytes.
        assert_eq!(range_of("# é\nx ü y\n", 5..9), (2, 1, 2, 4));
    }

    #[test]
    fn a_zero_width_region_has_equal_start_and_end() {
        assert_eq!(range_of("client\n", 3..3), (1, 4, 1, 4));
        let r = region(Range {
            line: 1,
            column: 4,
            end_line: 1,
            end_column: 4,
        });
        assert_eq!((r.start_column, r.end_column), (Some(4), Some(4)));
    }

    #[test]
    fn a_region_ending_at_a_line_break_ends_on_its_own_line() {
        // The span covers `tun-ipv6\n`: the region ends after `6`, not at column 1 of line 3.
        assert_eq!(range_of("client\ntun-ipv6\ndev tun\n", 7..16), (2, 1, 2, 9));
        assert_eq!(range_of("client\r\ntun-ipv6\r\n", 8..18), (2, 1, 2, 9));
    }

    #[test]
    fn a_place_past_the_final_line_break_moves_to_the_last_line() {
        assert_eq!(range_of("client\n", 7..7), (1, 7, 1, 7));
        assert_eq!(range_of("", 0..0), (1, 1, 1, 1));
    }

    #[test]
    fn messages_end_with_a_period_once() {
        assert_eq!(
            sentence("routes leave 3000::/4 outside"),
            "routes leave 3000::/4 outside."
        );
        assert_eq!(sentence("already done."), "already done.");
        assert_eq!(sentence("ends in code `x`"), "ends in code `x`.");
    }

    #[test]
    fn rule_names_are_upper_camel_case() {
        assert_eq!(upper_camel_case("route-ipv6-dropped"), "RouteIpv6Dropped");
        assert_eq!(upper_camel_case("syntax-error"), "SyntaxError");
    }

    #[test]
    fn long_descriptions_are_cut_at_a_sentence() {
        let text = format!(
            "{} Second.",
            "word ".repeat(300).trim_end().to_owned() + "."
        );
        let cut = truncate(&text, DESCRIPTION_LIMIT);
        assert!(cut.chars().count() <= DESCRIPTION_LIMIT);
        let no_sentence = "word ".repeat(300);
        let cut = truncate(&no_sentence, DESCRIPTION_LIMIT);
        assert!(cut.chars().count() <= DESCRIPTION_LIMIT && cut.ends_with('…'));
    }

    #[test]
    fn code_fences_outgrow_backticks_in_the_example() {
        assert_eq!(code_fence("dev tun\n"), "```");
        assert_eq!(code_fence("a ```` b"), "`````");
    }

    #[test]
    fn content_hash_survives_line_shifts_and_counts_repeats() {
        let diagnostic = |start: usize| Diagnostic {
            rule: "deprecated-tun-ipv6".to_owned(),
            severity: Severity::Warning,
            message: "m".to_owned(),
            loc: Loc {
                source: 0,
                span: start..start + 8,
            },
            label: String::new(),
            labels: Vec::new(),
            note: None,
            fix: None,
        };
        let hash_at = |text: &str, starts: &[usize]| {
            let file = checked(text);
            let mut fingerprints = Fingerprints::new(&file);
            starts
                .iter()
                .map(|&start| {
                    let d = diagnostic(start);
                    let range = shown_range(&file, &d.loc);
                    fingerprints.content_hash(&d, range)
                })
                .collect::<Vec<_>>()
        };
        let before = hash_at("tun-ipv6\n", &[0]);
        let after = hash_at("client\n\ntun-ipv6\n", &[8]);
        assert_eq!(before, after);
        let twice = hash_at("tun-ipv6\ntun-ipv6\n", &[0, 9]);
        assert!(twice[0].ends_with(":1") && twice[1].ends_with(":2"));
        assert_eq!(twice[0][..16], twice[1][..16]);
    }
}
