//! One file of a command-line run: read (a file or standard input), linted through the
//! workspace, then, as the run asks, fixed (`--fix`, `--diff`) or given suppression comments
//! (`--add-suppressions`), the result written back in place, and narrowed to changed lines
//! (`--diff-base`) or keyed for a baseline. Runs on the worker threads; what it comes to
//! ([`FileOutcome`]) goes to the thread that reports.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use crate::add_suppressions;
use crate::changed_lines::ChangedFiles;
use crate::cli::Args;
use crate::engine::Detail;
use crate::fix;
use crate::model::Profile;
use crate::report::{self, Checked, Problem, ProblemKind};
use crate::walk;
use crate::workspace::{NearbyServers, Reading, Workspace, load_profile};

/// What a run needs to check one file; shared by the worker threads.
pub struct FileRun<'a> {
    pub args: &'a Args,
    /// How much of each finding the reports show.
    pub detail: Detail,
    pub workspace: &'a Workspace,
    /// Per folder, the server config it holds, as `server` would name it; looked for once.
    pub nearby: NearbyServers,
    /// `--diff-base`: what changed, and the rules whose findings count in any changed file.
    pub changed: Option<(&'a ChangedFiles, &'a BTreeSet<String>)>,
    /// The folder of the baseline file read or written: baseline paths are relative to it.
    pub baseline_dir: Option<PathBuf>,
    /// The walk found `.tf` files: a `${` in a profile may make it a `templatefile` target.
    pub walked_terraform: bool,
}

/// What checking one file came to, for the thread that reports.
#[derive(Default)]
pub struct FileOutcome {
    /// The input's path (walk errors are reported in path order with the files).
    pub path: PathBuf,
    /// `--diff-base`: findings left out because their lines did not change.
    pub hidden_unchanged: usize,
    /// The path relative to the baseline's folder, when there is a baseline.
    pub baseline_key: Option<String>,
    pub checked: Option<Checked>,
    pub problem: Option<Problem>,
    /// Said about the file on standard error, without failing the run.
    pub warning: Option<String>,
    /// `--add-suppressions`: how many findings the new comments suppress, and which findings
    /// got none.
    pub suppressed: usize,
    pub not_suppressed: Vec<String>,
    /// `--diff` output.
    pub diff: Option<Vec<u8>>,
    /// `--fix` of standard input: the fixed text goes to standard output, as ruff does.
    pub fixed_text: Option<Vec<u8>>,
    pub fixed: usize,
}

impl FileRun<'_> {
    pub fn check(&self, input: &walk::Input) -> FileOutcome {
        let mut outcome = self.check_text(input);
        outcome.path.clone_from(&input.path);
        if let (Some((changed, whole_file)), Some(checked)) = (self.changed, &mut outcome.checked)
            && !checked.diagnostics.is_empty()
        {
            let before = checked.diagnostics.len();
            match changed.change(&input.path, &checked.sources[0].shown) {
                Ok(None) => checked.diagnostics.clear(),
                Ok(Some(change)) => {
                    let lines = checked.sources[0].lines();
                    checked.diagnostics.retain(|d| {
                        // A finding in an included file counts with its changed includer.
                        d.loc.source != 0
                            || whole_file.contains(&d.rule)
                            || change.covers(lines.line_of(d.loc.span.start))
                    });
                }
                Err(message) => {
                    outcome.problem = Some(tool_error(&checked.path, message));
                }
            }
            outcome.hidden_unchanged = before - checked.diagnostics.len();
        }
        if let Some(dir) = &self.baseline_dir {
            let path = match (&self.args.stdin_filename, input.path.as_os_str() == "-") {
                (Some(name), true) => Path::new(name),
                _ => &input.path,
            };
            outcome.baseline_key = Some(report::display_path(&walk::relative_to(dir, path)));
        }
        outcome
    }

    fn check_text(&self, input: &walk::Input) -> FileOutcome {
        let args = self.args;
        let (name, text) = match read_input(input, args) {
            Ok(read) => read,
            Err(message) => {
                // A dangling link in a folder is a problem of that path, not of the run.
                let dangling = !input.explicit && input.link && !input.path.exists();
                let kind = if dangling {
                    ProblemKind::Path
                } else {
                    ProblemKind::ToolError
                };
                return FileOutcome {
                    problem: Some(Problem {
                        path: Some(report::display_path(&input.path)),
                        message,
                        kind,
                    }),
                    ..FileOutcome::default()
                };
            }
        };
        let workspace = self.workspace;
        // Any file a `templatefile` call names is a Terraform template.
        let may_be_templatefile_target = input.explicit || self.walked_terraform;
        if let Some(language) =
            workspace.template_language(&input.path, &text, may_be_templatefile_target)
        {
            return self.check_template(input, name, text, language);
        }
        let reading = workspace.reading(input);
        if reading == Reading::Skipped {
            return FileOutcome::default();
        }
        let holds_nul = memchr::memchr(0, &text).is_some();
        let loaded = load_profile(&input.path, text);
        if input.only_if_openvpn && !loaded.looks_like_openvpn()
            || reading == Reading::IfItReadsAsProfile && !loaded.reads_as_profile()
        {
            return FileOutcome::default();
        }
        let warning = holds_nul.then(|| {
            format!("`{name}` holds NUL bytes (a binary file?); OpenVPN ignores the rest of a line after a NUL")
        });
        let relative = match (&args.stdin_filename, input.path.as_os_str() == "-") {
            (Some(stdin_name), true) => {
                walk::relative_to(&workspace.config.root, Path::new(stdin_name))
            }
            _ => input.relative.clone(),
        };
        if input.path.as_os_str() == "-"
            && args.force_exclude
            && workspace.config.exclude.is_match(&relative)
        {
            return FileOutcome::default();
        }
        let layered = match workspace.layered(&relative) {
            Ok(layered) => layered,
            Err(message) => {
                return FileOutcome {
                    problem: Some(tool_error(&name, format!("`{name}`: {message}"))),
                    ..FileOutcome::default()
                };
            }
        };
        let disagreements = workspace.endpoint_disagreements(&loaded, &layered);
        let warning = if disagreements.is_empty() {
            warning
        } else {
            let said = format!("`{name}`: {}", disagreements.join("\n"));
            Some(warning.map_or_else(|| said.clone(), |w| format!("{w}\n{said}")))
        };
        let nearby_server = || self.nearby.find(input, &workspace.config.root);
        let lint_loaded = |profile: Profile| {
            workspace.lint_loaded(profile, &layered, self.detail, &input.path, &nearby_server)
        };
        let lint = |path: &Path, text: Vec<u8>| lint_loaded(load_profile(path, text));
        if let Some(reason) = &args.add_suppressions {
            let (profile, diagnostics) = lint_loaded(loaded);
            let added = add_suppressions::add(&profile, &diagnostics, reason.as_deref());
            let mut result = FileOutcome {
                warning,
                suppressed: added.suppressed,
                not_suppressed: added.skipped,
                ..FileOutcome::default()
            };
            if added.edits.is_empty() {
                result.checked = Some(Checked::new(name, profile, diagnostics));
                return result;
            }
            let original = &profile.top().text();
            let new = add_suppressions::apply(original, &added.edits);
            if input.path.as_os_str() == "-" {
                result.fixed_text = Some(new.clone());
            } else if let Err(message) =
                fix::write_atomically(&input.path, original, &new, &workspace.config.root)
            {
                result.suppressed = 0;
                result.problem = Some(tool_error(&name, message));
                result.checked = Some(Checked::new(name, profile, diagnostics));
                return result;
            }
            let (profile, diagnostics) = lint(&input.path, new);
            result.checked = Some(Checked::new(name, profile, diagnostics));
            return result;
        }
        if !(args.fix || args.diff) {
            let (profile, diagnostics) = lint_loaded(loaded);
            return FileOutcome {
                checked: Some(Checked::new(name, profile, diagnostics)),
                warning,
                ..FileOutcome::default()
            };
        }
        let text = loaded.top().text().to_vec();
        let outcome = match fix::fix_file(&input.path, text, args.unsafe_fixes, &lint) {
            Ok(outcome) => outcome,
            Err(message) => {
                return FileOutcome {
                    problem: Some(tool_error(&name, message)),
                    ..FileOutcome::default()
                };
            }
        };
        let warning = warning.or_else(|| unsafe_only_fixes(&name, &outcome, args));
        let mut result = FileOutcome {
            fixed: outcome.fixed,
            warning,
            ..FileOutcome::default()
        };
        let is_stdin = input.path.as_os_str() == "-";
        if args.diff {
            result.diff = fix::unified_diff(&name, &outcome.original, &outcome.profile)
                .map(String::into_bytes);
        } else if is_stdin {
            result.fixed_text = Some(outcome.profile.top().text().to_vec());
        } else if outcome.fixed > 0
            && let Err(message) = fix::write_atomically(
                &input.path,
                &outcome.original,
                outcome.profile.top().text(),
                &workspace.config.root,
            )
        {
            // Nothing was written: report the findings of the file as it still is.
            let (profile, diagnostics) = lint(&input.path, outcome.original);
            result.fixed = 0;
            result.problem = Some(tool_error(&name, message));
            result.checked = Some(Checked::new(name, profile, diagnostics));
            return result;
        }
        result.checked = Some(Checked::new(name, outcome.profile, outcome.diagnostics));
        result
    }
}

impl FileRun<'_> {
    /// A template (design §10): each profile it renders is linted through the workspace, its
    /// findings, fixes and secrets brought back to the template's own bytes. A template that
    /// renders no profile is skipped silently.
    fn check_template(
        &self,
        input: &walk::Input,
        name: String,
        text: Vec<u8>,
        language: crate::template::detect::Language,
    ) -> FileOutcome {
        let (args, workspace) = (self.args, self.workspace);
        let (path, relative) = (&input.path, &input.relative);
        let mut warnings = Vec::new();
        if args.add_suppressions.is_some() {
            warnings.push(format!(
                "`{name}`: --add-suppressions does not write into templates yet; its findings \
                 are reported"
            ));
        }
        let said = |mut warnings: Vec<String>, more: Vec<String>| {
            for message in more {
                if !warnings.contains(&message) {
                    warnings.push(message);
                }
            }
            (!warnings.is_empty()).then(|| warnings.join("\nwarning: "))
        };
        let fail = |message: String| FileOutcome {
            problem: Some(tool_error(&name, message)),
            ..FileOutcome::default()
        };
        if !(args.fix || args.diff) {
            let linted = match workspace.lint_template(
                path,
                relative,
                &name,
                &text,
                language,
                self.detail,
            ) {
                Ok(linted) => linted,
                Err(message) => return fail(message),
            };
            let warning = said(warnings, linted.warnings.clone());
            if !linted.is_profile() {
                return FileOutcome {
                    warning,
                    ..FileOutcome::default()
                };
            }
            return FileOutcome {
                warning,
                checked: Some(Checked {
                    path: name,
                    sources: linted.linted.sources,
                    diagnostics: linted.linted.diagnostics,
                }),
                ..FileOutcome::default()
            };
        }
        let fixed = match workspace.fix_template(
            path,
            relative,
            &name,
            text.clone(),
            language,
            args.unsafe_fixes,
            self.detail,
        ) {
            Ok(fixed) => fixed,
            Err(message) => return fail(message),
        };
        if !fixed.is_profile() {
            return FileOutcome::default();
        }
        let mut result = FileOutcome {
            fixed: fixed.fixed.fixed,
            warning: said(warnings, fixed.warnings),
            ..FileOutcome::default()
        };
        let fixed = fixed.fixed;
        if args.diff {
            // The template as it is, secrets masked as in the fixed one.
            let old = match workspace.lint_template(
                path,
                relative,
                &name,
                &text,
                language,
                self.detail,
            ) {
                Ok(old) => old.linted,
                Err(message) => return fail(message),
            };
            result.diff =
                fix::diff_texts(&name, &old.sources[0].shown, &fixed.linted.sources[0].shown)
                    .map(String::into_bytes);
        } else if fixed.fixed > 0
            && let Err(message) =
                fix::write_atomically(path, &text, &fixed.text, &workspace.config.root)
        {
            return fail(message);
        }
        result.checked = Some(Checked {
            path: name,
            sources: fixed.linted.sources,
            diagnostics: fixed.linted.diagnostics,
        });
        result
    }
}

/// A tool error about the file reports name `name`.
fn tool_error(name: &str, message: String) -> Problem {
    Problem {
        path: Some(name.to_owned()),
        message,
        kind: ProblemKind::ToolError,
    }
}

/// Why `--fix` left fixable findings alone: the file holds template markers or OpenVPN would
/// refuse it, which makes every fix unsafe (design §6).
fn unsafe_only_fixes(name: &str, outcome: &fix::Outcome, args: &Args) -> Option<String> {
    if !args.fix || args.unsafe_fixes {
        return None;
    }
    let waiting = outcome
        .diagnostics
        .iter()
        .filter(|d| d.fixable(true) && !d.fixable(false))
        .count();
    if waiting == 0 {
        return None;
    }
    let why = if crate::rules::placement::has_template_markers(outcome.profile.top().text()) {
        "it holds template markers (`{{`, `{%`, `${`), so its fixes are unsafe"
    } else if !outcome.profile.model.errors.is_empty() {
        "OpenVPN would refuse it as it is, so its fixes are unsafe"
    } else {
        "they are unsafe"
    };
    Some(format!(
        "`{name}`: {waiting} fixable finding{} not fixed: {why}; review them with \
         `--diff --unsafe-fixes`, apply them with `--fix --unsafe-fixes`",
        if waiting == 1 { "" } else { "s" }
    ))
}

/// The name reports use and the bytes of one input.
pub fn read_input(input: &walk::Input, args: &Args) -> Result<(String, Vec<u8>), String> {
    if input.path.as_os_str() == "-" {
        let mut text = Vec::new();
        io::Read::read_to_end(&mut io::stdin(), &mut text)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        let name = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| "-".to_owned());
        return Ok((name, text));
    }
    let text = walk::read_input(input).map_err(|e| walk::describe_error(&input.path, &e))?;
    Ok((report::display_path(&input.path), text))
}
