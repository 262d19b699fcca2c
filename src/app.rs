//! One run of the command: a thin driver over the [`crate::workspace`] layer. Arguments
//! choose the settings, the walk finds the files, each file is linted through the workspace,
//! fixed when asked, and reported; the exit policy turns the outcome into the exit status.
//! `main` only prints failures.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use codespan_reporting::diagnostic::{Diagnostic as Rendered, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term;

use crate::baseline::Baseline;
use crate::changed_lines::ChangedFiles;
use crate::cli::file_run::FileRun;
use crate::cli::sinks::{open_sinks, report_problem};
use crate::cli::views::views;
use crate::cli::{Args, ColorChoice, FormatName};
use crate::config::FailOn;
use crate::diagnostic::Severity;
use crate::engine::Detail;
use crate::fix;
use crate::report::{self, Problem, ProblemKind, ReportContext};
use crate::walk;
use crate::workspace::{ConfigChoice, NearbyServers, Settings, Workspace, WorkspaceError};

/// Exit statuses.
pub const SUCCESS: u8 = 0;
pub const FINDINGS: u8 = 1;
pub const FAILURE: u8 = 2;

/// A failure that stops the run before linting (exit status 2), already rendered for stderr:
/// it starts with `error:` like every tool error.
#[derive(Debug)]
pub struct Fatal(pub String);

impl Fatal {
    /// `error: {message}`.
    pub fn error(message: impl std::fmt::Display) -> Self {
        Fatal(format!("error: {message}"))
    }
}

pub fn run(args: Args) -> Result<u8, Fatal> {
    // Before the config is read: a broken config must not stop packaging or completion setup.
    if let Some(shell) = args.generate_shell_completion {
        crate::generate::completion(shell, &mut std::io::stdout());
        return Ok(SUCCESS);
    }
    if args.generate_man_page {
        crate::generate::man_page(&mut std::io::stdout())
            .map_err(|e| Fatal(format!("cannot write the man page: {e}")))?;
        return Ok(SUCCESS);
    }
    let color = use_color(args.color);
    let cwd = std::env::current_dir()
        .map_err(|e| Fatal::error(format!("cannot read the current directory: {e}")))?;
    let config_choice = if args.no_config {
        ConfigChoice::Defaults
    } else if let Some(path) = &args.config {
        ConfigChoice::File(path.clone())
    } else {
        ConfigChoice::Nearest(cwd.clone())
    };
    let settings = Settings::load(&config_choice).map_err(|e| fatal(e, color))?;
    let all_rules = &settings.rules;

    refuse_ignored_format(&args)?;
    if let Some(Some(reason)) = &args.add_suppressions
        && reason.contains(['\n', '\r'])
    {
        return Err(Fatal::error(
            "the reason of --add-suppressions must be one line",
        ));
    }
    if let Some(id) = &args.explain {
        let rule = all_rules
            .iter()
            .find(|r| &r.id == id)
            .ok_or_else(|| fatal(unknown_rule(id, all_rules), color))?;
        print!("{}", crate::explain::explain(rule));
        return Ok(SUCCESS);
    }
    if args.list_rules {
        let text = if args.format == FormatName::Json {
            crate::explain::list_json(all_rules)
        } else {
            crate::explain::list_table(all_rules)
        };
        print!("{text}");
        return Ok(SUCCESS);
    }
    let workspace = Workspace::new(settings, args.select.clone(), args.ignore.clone(), cwd)
        .map_err(|e| fatal(e, color))?;
    let config = &workspace.config;

    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut found = walk::inputs(&paths, config, args.force_exclude);
    workspace.add_clients_of_linted_servers(&mut found);
    workspace.add_profiles_of_linted_endpoints(&mut found);
    workspace.add_templates_of_changed_values(&mut found);
    let walk::Found {
        inputs,
        errors: walk_errors,
        conf_files,
    } = found;

    if args.inspect || !args.route.is_empty() {
        let failures = walk_errors.into_iter().map(|e| e.message).collect();
        return views(&args, &workspace, &inputs, failures);
    }

    // With --write-baseline, every finding is recorded: the config's baseline filters nothing.
    let baseline_file = match &args.write_baseline {
        Some(path) => Some(path.clone()),
        None => args.baseline.clone().or_else(|| config.baseline.clone()),
    };
    let mut baseline = match (&args.write_baseline, &baseline_file) {
        (None, Some(path)) => Some(
            walk::read_text(path)
                .and_then(|text| {
                    Baseline::parse(&text).map_err(|e| format!("`{}`: {e}", path.display()))
                })
                .map_err(|e| Fatal::error(format!("cannot use the baseline: {e}")))?,
        ),
        _ => None,
    };
    let changed = match &args.diff_base {
        Some(base) => Some(
            ChangedFiles::from_git(&workspace.base, base)
                .map_err(|e| Fatal::error(format!("--diff-base: {e}")))?,
        ),
        None => None,
    };
    let mut hidden_unchanged = 0;
    let mut recorded = Vec::new();
    // --add-suppressions: (comments' findings, files).
    let mut suppressed = (0, 0);
    let mut sinks = open_sinks(&args, is_stdin(&paths))?;
    // What the reports show of a finding decides what is worked out: `--format short` alone
    // shows messages, so labels, notes and fixes are not computed for it.
    let plain_run =
        !(args.fix || args.diff) && args.add_suppressions.is_none() && baseline_file.is_none();
    let detail = if plain_run && sinks.iter().all(|sink| !sink.format.shows_details()) {
        Detail::Message
    } else {
        Detail::Full
    };
    let run = FileRun {
        args: &args,
        detail,
        workspace: &workspace,
        nearby: NearbyServers::from_walk(conf_files),
        changed: changed
            .as_ref()
            .map(|changed| (changed, &workspace.whole_file_rules)),
        baseline_dir: baseline_file.as_deref().map(|file| {
            file.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf()
        }),
        walked_terraform: inputs
            .iter()
            .any(|i| !i.explicit && i.path.extension().is_some_and(|x| x == "tf")),
    };
    let cx = ReportContext {
        rules: &workspace.engine.rules,
        color,
        unsafe_fixes: args.unsafe_fixes,
    };
    let plain = ReportContext { color: false, ..cx };
    let mut stdout = io::BufWriter::new(io::stdout());
    let mut diff_found = false;
    let mut fix_totals = fix::Totals::default();
    let mut worst: Option<Severity> = None;
    let mut failed = false;
    let mut linted = 0;
    let mut write_error = None;
    // Walk errors come in path order with the files.
    let mut walk_errors = walk_errors.into_iter().peekable();
    crate::parallel::for_each_ordered(
        &inputs,
        // One file needs no threads, nor the cgroup files that say how many there may be.
        if inputs.len() > 1 {
            crate::parallel::default_threads()
        } else {
            1
        },
        |input| run.check(input),
        |mut outcome| {
            let mut result = Ok(());
            while let Some(error) =
                walk_errors.next_if(|e| walk::sort_key(&e.path) <= walk::sort_key(&outcome.path))
            {
                failed = true;
                let found = walk_problem(error);
                result = result.and(report_problem(&found, &mut sinks, &mut stdout, &cx));
            }
            if let Some(message) = outcome.warning {
                eprintln!("warning: {message}");
            }
            for message in &outcome.not_suppressed {
                eprintln!(
                    "warning: `{}`: no suppression for {message}",
                    report::display_path(&outcome.path)
                );
            }
            hidden_unchanged += outcome.hidden_unchanged;
            if outcome.suppressed > 0 {
                suppressed.0 += outcome.suppressed;
                suppressed.1 += 1;
            }
            if let Some(found) = outcome.problem {
                match found.kind {
                    ProblemKind::ToolError => failed = true,
                    ProblemKind::Path => worst = worst.max(Some(Severity::Error)),
                }
                result = result.and(report_problem(&found, &mut sinks, &mut stdout, &cx));
            }
            diff_found |= outcome.diff.is_some();
            fix_totals.add(outcome.fixed);
            for bytes in [outcome.diff.as_deref(), outcome.fixed_text.as_deref()]
                .into_iter()
                .flatten()
            {
                result = result.and(stdout.write_all(bytes));
            }
            if let Some(checked) = &mut outcome.checked {
                let key = outcome.baseline_key.take().unwrap_or_default();
                if let Some(baseline) = &mut baseline {
                    baseline.filter(&key, checked);
                } else if args.write_baseline.is_some() {
                    recorded.extend(crate::baseline::entries(&key, checked));
                }
                let checked = &*checked;
                linted += 1;
                worst = worst.max(checked.diagnostics.iter().map(|d| d.severity).max());
                fix_totals.remaining += checked.diagnostics.len();
                for sink in &mut sinks {
                    let cx = if sink.color { &cx } else { &plain };
                    let out: &mut dyn Write = match &mut sink.out {
                        Some(out) => out,
                        None => &mut stdout,
                    };
                    result = result.and(sink.format.file(checked, cx, out));
                }
            }
            if let Err(error) = result {
                write_error.get_or_insert(error);
            }
        },
    );
    for error in walk_errors {
        failed = true;
        if let Err(error) = report_problem(&walk_problem(error), &mut sinks, &mut stdout, &cx) {
            write_error.get_or_insert(error);
        }
    }
    // A file named on the command line and skipped (an nginx.conf that pre-commit passes, an
    // excluded file with --force-exclude) is skipped on purpose: only folders that yield
    // nothing are worth a warning.
    if linted == 0 && !paths.iter().any(|p| p.as_os_str() == "-" || p.is_file()) {
        eprintln!(
            "warning: no file was linted: check the paths, and `include`/`exclude` in the \
             config (a folder is searched for {})",
            config.include_description()
        );
    }
    for sink in &mut sinks {
        let cx = if sink.color { &cx } else { &plain };
        let out: &mut dyn Write = match &mut sink.out {
            Some(out) => out,
            None => &mut stdout,
        };
        let result = sink.format.finish(cx, out).and_then(|()| out.flush());
        if let Err(error) = result {
            write_error.get_or_insert(error);
        }
    }
    if args.add_suppressions.is_some() && !args.quiet && !is_stdin(&paths) {
        let (findings, files) = suppressed;
        eprintln!(
            "Added suppression comments for {findings} finding{} in {files} file{}.",
            if findings == 1 { "" } else { "s" },
            if files == 1 { "" } else { "s" }
        );
    }
    if args.fix && args.format == FormatName::Human && !args.quiet && !is_stdin(&paths) {
        let result = writeln!(stdout, "{}", fix_totals.summary());
        if let Err(error) = result {
            write_error.get_or_insert(error);
        }
    }
    if let Err(error) = stdout.flush() {
        write_error.get_or_insert(error);
    }
    if let Some(error) = write_error {
        return Err(output_error(error));
    }

    if failed {
        if let Some(path) = &args.write_baseline {
            eprintln!(
                "error: the baseline `{}` was not written: a run that could not lint everything \
                 would record an incomplete baseline",
                path.display()
            );
        }
        return Ok(FAILURE);
    }
    if let Some(path) = &args.write_baseline {
        let count = recorded.len();
        std::fs::write(path, crate::baseline::render(recorded)).map_err(|e| {
            Fatal::error(format!(
                "cannot write the baseline `{}`: {e}",
                path.display()
            ))
        })?;
        if !args.quiet {
            eprintln!(
                "Recorded {count} finding{} in the baseline `{}`.",
                if count == 1 { "" } else { "s" },
                path.display()
            );
        }
        return Ok(SUCCESS);
    }
    if let Some(base) = &args.diff_base
        && hidden_unchanged > 0
        && !args.quiet
    {
        eprintln!(
            "{hidden_unchanged} finding{} on lines unchanged since `{base}` not reported.",
            if hidden_unchanged == 1 { "" } else { "s" }
        );
    }
    if let (Some(baseline), Some(path)) = (&baseline, &baseline_file)
        && !args.quiet
    {
        let (matched, stale) = (baseline.matched(), baseline.stale());
        if matched > 0 {
            eprintln!(
                "{matched} finding{} recorded in the baseline `{}` not reported.",
                if matched == 1 { "" } else { "s" },
                path.display()
            );
        }
        if stale > 0 {
            eprintln!(
                "{stale} baseline entr{} match{} no finding any more: shrink the baseline with \
                 `--write-baseline {}`.",
                if stale == 1 { "y" } else { "ies" },
                if stale == 1 { "es" } else { "" },
                path.display()
            );
        }
    }
    if args.exit_zero {
        return Ok(SUCCESS);
    }
    if args.diff {
        return Ok(if diff_found { FINDINGS } else { SUCCESS });
    }
    let fail_on = match &args.fail_on {
        Some(text) => FailOn::parse(text).expect("clap checked the value"),
        None => config.fail_on.unwrap_or(FailOn::At(Severity::Warning)),
    };
    let failing = match fail_on {
        FailOn::Never => false,
        FailOn::At(level) => worst.is_some_and(|worst| worst >= level),
    };
    Ok(if failing { FINDINGS } else { SUCCESS })
}

fn walk_problem(error: walk::WalkError) -> Problem {
    Problem {
        path: Some(report::display_path(&error.path)),
        message: error.message,
        kind: ProblemKind::ToolError,
    }
}

/// `--inspect` writes JSON and `--list-rules` a table or JSON: a format they cannot write is
/// refused rather than silently ignored.
fn refuse_ignored_format(args: &Args) -> Result<(), Fatal> {
    let name = |format: FormatName| {
        use clap::ValueEnum;
        format
            .to_possible_value()
            .map_or_else(String::new, |v| v.get_name().to_owned())
    };
    let accepted = |what: &str, formats: &str| {
        Err(Fatal::error(format!(
            "{what} cannot write `--format {}`; it writes {formats}",
            name(args.format)
        )))
    };
    match args.format {
        FormatName::Human | FormatName::Json => Ok(()),
        _ if args.inspect => accepted("--inspect", "JSON (`--format json`, the default)"),
        _ if args.list_rules => accepted("--list-rules", "a table, or JSON with `--format json`"),
        _ if args.explain.is_some() => accepted("--explain", "text"),
        _ if args.statistics => accepted("--statistics", "a table, or JSON with `--format json`"),
        _ => Ok(()),
    }
}

fn is_stdin(paths: &[PathBuf]) -> bool {
    paths.iter().any(|p| p.as_os_str() == "-")
}

pub(crate) fn output_error(error: io::Error) -> Fatal {
    Fatal::error(format!("cannot write the report: {error}"))
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                false
            } else if std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0")
            {
                true
            } else {
                io::stdout().is_terminal()
            }
        }
    }
}

/// A settings error as the command line shows it: a mistake in a file with a snippet of that
/// file, anything else on one line starting with `error:`.
fn fatal(error: WorkspaceError, color: bool) -> Fatal {
    match error {
        WorkspaceError::InFile(e) => Fatal(render_file_error(
            &e.name, &e.text, &e.message, e.span, color,
        )),
        other => Fatal::error(other),
    }
}

fn unknown_rule(id: &str, rules: &[crate::rules::Rule]) -> WorkspaceError {
    crate::workspace::unknown_rule(id, rules)
}

/// A config or rule file error, rendered with codespan pointing into that file.
fn render_file_error(
    name: &str,
    text: &str,
    message: &str,
    span: Option<std::ops::Range<usize>>,
    color: bool,
) -> String {
    let file = SimpleFile::new(name, text);
    let mut diagnostic = Rendered::error().with_message(message);
    if let Some(span) = span {
        diagnostic = diagnostic.with_labels(vec![Label::primary((), span)]);
    } else {
        diagnostic = diagnostic.with_notes(vec![format!("in `{name}`")]);
    }
    let mut out = Vec::new();
    let config = term::Config::default();
    // Rendering into memory cannot fail but for a bad span, which then shows without a snippet.
    let _ = if color {
        let styles = term::Styles::default();
        let mut writer = term::StylesWriter::new(term::termcolor::Ansi::new(&mut out), &styles);
        term::emit_to_write_style(&mut writer, &config, &file, &diagnostic)
    } else {
        let mut writer = term::termcolor::NoColor::new(&mut out);
        term::emit_to_io_write(&mut writer, &config, &file, &diagnostic)
    };
    String::from_utf8_lossy(&out).trim_end().to_owned()
}
