//! One run of the command: arguments resolved into settings (config, rules, inputs), files
//! linted, fixed when asked, reported. Returns the exit status; `main` only prints failures.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use codespan_reporting::diagnostic::{Diagnostic as Rendered, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term;

use crate::cli::{Args, ColorChoice, FormatName};
use crate::config::{Config, FailOn};
use crate::diagnostic::Severity;
use crate::engine::{Engine, FileSettings};
use crate::fix;
use crate::model::{self, Profile};
use crate::report::{self, Checked, Format, ReportContext};
use crate::rules::{self, Rule};
use crate::walk;

/// Exit statuses.
pub const SUCCESS: u8 = 0;
pub const FINDINGS: u8 = 1;
pub const FAILURE: u8 = 2;

/// A failure that stops the run before linting (exit status 2), already rendered for stderr.
#[derive(Debug)]
pub struct Fatal(pub String);

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
        .map_err(|e| Fatal(format!("cannot read the current directory: {e}")))?;
    let config = load_config(&args, &cwd, color)?;
    let all_rules = load_rules(&config, color)?;

    if let Some(id) = &args.explain {
        let rule = all_rules
            .iter()
            .find(|r| &r.id == id)
            .ok_or_else(|| Fatal(unknown_rule(id, &all_rules)))?;
        print!("{}", crate::explain::explain(rule));
        return Ok(SUCCESS);
    }
    if args.list_rules {
        let text = if args.format == FormatName::Json {
            crate::explain::list_json(&all_rules)
        } else {
            crate::explain::list_table(&all_rules)
        };
        print!("{text}");
        return Ok(SUCCESS);
    }
    let rules = enabled_rules(all_rules, &args, &config)?;
    let engine = Engine { rules };

    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let (inputs, mut failures) = walk::inputs(&paths, &config, args.force_exclude);
    for failure in &failures {
        eprintln!("error: {failure}");
    }

    if args.inspect {
        let mut out = Vec::new();
        for input in &inputs {
            match read_input(input, &args) {
                Ok((name, text)) => {
                    let profile = load_profile(&input.path, text);
                    out.push(crate::inspect::to_json(&profile, &name));
                }
                Err(message) => {
                    eprintln!("error: {message}");
                    failures.push(message);
                }
            }
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&out).expect("JSON values serialize")
        );
        return Ok(if failures.is_empty() {
            SUCCESS
        } else {
            FAILURE
        });
    }

    let run = FileRun {
        args: &args,
        config: &config,
        engine: &engine,
    };
    let cx = ReportContext {
        rules: &engine.rules,
        color,
        unsafe_fixes: args.unsafe_fixes,
    };
    let plain = ReportContext { color: false, ..cx };
    let mut sinks = open_sinks(&args, is_stdin(&paths))?;
    let mut stdout = io::BufWriter::new(io::stdout());
    let mut diff_found = false;
    let mut fix_totals = fix::Totals::default();
    let mut worst: Option<Severity> = None;
    let mut write_error = None;
    crate::parallel::for_each_ordered(
        &inputs,
        crate::parallel::default_threads(),
        |input| run.check(input),
        |outcome| {
            if let Some(message) = outcome.warning {
                eprintln!("warning: {message}");
            }
            if let Some(message) = outcome.failure {
                eprintln!("error: {message}");
                failures.push(message);
            }
            diff_found |= outcome.diff.is_some();
            fix_totals.add(outcome.fixed);
            let mut result = Ok(());
            for bytes in [outcome.diff.as_deref(), outcome.fixed_text.as_deref()]
                .into_iter()
                .flatten()
            {
                result = result.and(stdout.write_all(bytes));
            }
            if let Some(checked) = &outcome.checked {
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
    if args.fix && args.format == FormatName::Human && !is_stdin(&paths) {
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

    if !failures.is_empty() {
        return Ok(FAILURE);
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

/// Where one report goes: standard output (`out` is `None`) or a file.
struct Sink {
    format: Box<dyn Format>,
    out: Option<Box<dyn Write>>,
    color: bool,
}

/// The reports of a run: `--format` on standard output (not with `--diff`, nor when `--fix`
/// prints the fixed standard input), each `--report`, and the GitHub job summary.
fn open_sinks(args: &Args, fixing_stdin: bool) -> Result<Vec<Sink>, Fatal> {
    let mut sinks = Vec::new();
    if !(args.diff || args.fix && fixing_stdin) {
        sinks.push(Sink {
            format: format_for(args.format, args),
            out: None,
            color: true,
        });
    }
    for request in &args.report {
        let (name, path) = request
            .split_once('=')
            .ok_or_else(|| Fatal(format!("--report takes FORMAT=PATH, not `{request}`")))?;
        let file = std::fs::File::create(path)
            .map_err(|e| Fatal(format!("cannot write report `{path}`: {e}")))?;
        sinks.push(Sink {
            format: format_for(parse_format_name(name)?, args),
            out: Some(Box::new(io::BufWriter::new(file))),
            color: false,
        });
    }
    if args.format == FormatName::Github
        && let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY")
    {
        let path = Path::new(&path);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| {
                Fatal(format!(
                    "cannot open GITHUB_STEP_SUMMARY `{}`: {e}",
                    path.display()
                ))
            })?;
        let used = file.metadata().map_or(0, |m| m.len() as usize);
        sinks.push(Sink {
            format: Box::new(report::github::JobSummary::new(
                report::github::SUMMARY_LIMIT.saturating_sub(used),
            )),
            out: Some(Box::new(io::BufWriter::new(file))),
            color: false,
        });
    }
    Ok(sinks)
}

/// What a run needs to check one file; shared by the worker threads.
struct FileRun<'a> {
    args: &'a Args,
    config: &'a Config,
    engine: &'a Engine,
}

/// What checking one file came to, for the thread that reports.
#[derive(Default)]
struct FileOutcome {
    checked: Option<Checked>,
    failure: Option<String>,
    /// Said about the file on standard error, without failing the run.
    warning: Option<String>,
    /// `--diff` output.
    diff: Option<Vec<u8>>,
    /// `--fix` of standard input: the fixed text goes to standard output, as ruff does.
    fixed_text: Option<Vec<u8>>,
    fixed: usize,
}

impl FileRun<'_> {
    fn check(&self, input: &walk::Input) -> FileOutcome {
        let args = self.args;
        let (name, text) = match read_input(input, args) {
            Ok(read) => read,
            Err(message) => {
                return FileOutcome {
                    failure: Some(message),
                    ..FileOutcome::default()
                };
            }
        };
        let warning = memchr::memchr(0, &text).map(|_| {
            format!("`{name}` holds NUL bytes (a binary file?); OpenVPN ignores the rest of a line after a NUL")
        });
        let relative = match (&args.stdin_filename, input.path.as_os_str() == "-") {
            (Some(stdin_name), true) => walk::relative_to(&self.config.root, Path::new(stdin_name)),
            _ => input.relative.clone(),
        };
        if input.path.as_os_str() == "-"
            && args.force_exclude
            && self.config.exclude.is_match(&relative)
        {
            return FileOutcome::default();
        }
        let (params, role) = self.config.for_file(&relative);
        let settings = FileSettings { params, role };
        let lint = |path: &Path, text: Vec<u8>| {
            let profile = load_profile(path, text);
            let diagnostics = self.engine.lint(&profile, &settings);
            (profile, diagnostics)
        };
        if !(args.fix || args.diff) {
            let (profile, diagnostics) = lint(&input.path, text);
            return FileOutcome {
                checked: Some(Checked::new(name, profile, diagnostics)),
                warning,
                ..FileOutcome::default()
            };
        }
        let outcome = match fix::fix_file(&input.path, text, args.unsafe_fixes, &lint) {
            Ok(outcome) => outcome,
            Err(message) => {
                return FileOutcome {
                    failure: Some(message),
                    ..FileOutcome::default()
                };
            }
        };
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
            result.fixed_text = Some(outcome.profile.top().text.clone());
        } else if outcome.fixed > 0
            && let Err(message) = fix::write_atomically(
                &input.path,
                &outcome.original,
                &outcome.profile.top().text,
                &self.config.root,
            )
        {
            // Nothing was written: report the findings of the file as it still is.
            let (profile, diagnostics) = lint(&input.path, outcome.original);
            result.fixed = 0;
            result.failure = Some(message);
            result.checked = Some(Checked::new(name, profile, diagnostics));
            return result;
        }
        result.checked = Some(Checked::new(name, outcome.profile, outcome.diagnostics));
        result
    }
}

fn is_stdin(paths: &[PathBuf]) -> bool {
    paths.iter().any(|p| p.as_os_str() == "-")
}

fn output_error(error: io::Error) -> Fatal {
    Fatal(format!("cannot write the report: {error}"))
}

fn format_for(name: FormatName, args: &Args) -> Box<dyn Format> {
    match name {
        FormatName::Human => Box::new(report::human::Human::default()),
        FormatName::Short => Box::new(report::short::Short),
        FormatName::Json => Box::new(report::json::Json::default()),
        FormatName::Sarif => Box::new(report::sarif::Sarif::new(args.sarif_category.clone())),
        FormatName::Github => Box::new(report::github::Github),
    }
}

fn parse_format_name(name: &str) -> Result<FormatName, Fatal> {
    use clap::ValueEnum;
    FormatName::from_str(name, false).map_err(|_| {
        Fatal(format!(
            "unknown report format `{name}` (human, short, json, sarif, github)"
        ))
    })
}

fn load_profile(path: &Path, text: Vec<u8>) -> Profile {
    model::load(path, text, &|include| walk::read_file(include))
}

/// The name reports use and the bytes of one input.
fn read_input(input: &walk::Input, args: &Args) -> Result<(String, Vec<u8>), String> {
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

fn load_config(args: &Args, cwd: &Path, color: bool) -> Result<Config, Fatal> {
    let path = if args.no_config {
        None
    } else if let Some(path) = &args.config {
        Some(path.clone())
    } else {
        walk::find_config(cwd)
    };
    let Some(path) = path else {
        return Ok(Config::default_at(PathBuf::from(".")));
    };
    let text = walk::read_text(&path).map_err(Fatal)?;
    let root = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    Config::parse(&text, root).map_err(|e| {
        Fatal(render_file_error(
            &path.display().to_string(),
            &text,
            &e.message,
            e.span,
            color,
        ))
    })
}

fn load_rules(config: &Config, color: bool) -> Result<Vec<Rule>, Fatal> {
    let params = &config.params;
    let mut rules = Vec::new();
    for (name, text) in rules::BUILTIN {
        let rule = rules::load_rule(name, text, params).map_err(|e| {
            Fatal(render_file_error(
                &format!("rules/{name}"),
                text,
                &e.message,
                e.span,
                color,
            ))
        })?;
        rules.push(rule);
    }
    for dir in &config.rule_dirs {
        for path in walk::rule_files(dir).map_err(Fatal)? {
            let text = walk::read_text(&path).map_err(Fatal)?;
            let origin = path.display().to_string();
            let rule = rules::load_rule(&origin, &text, params)
                .map_err(|e| Fatal(render_file_error(&origin, &text, &e.message, e.span, color)))?;
            if rules.iter().any(|r: &Rule| r.id == rule.id) {
                return Err(Fatal(format!(
                    "error: rule id `{}` in `{origin}` is already taken",
                    rule.id
                )));
            }
            rules.push(rule);
        }
    }
    if let Some(id) = config
        .severity
        .keys()
        .find(|id| !rules.iter().any(|r| &r.id == *id))
    {
        return Err(Fatal(unknown_rule(id, &rules)));
    }
    for rule in &mut rules {
        if let Some(severity) = config.severity.get(&rule.id) {
            rule.severity = *severity.get_ref();
        }
    }
    Ok(rules)
}

fn enabled_rules(rules: Vec<Rule>, args: &Args, config: &Config) -> Result<Vec<Rule>, Fatal> {
    let select = args.select.clone().or_else(|| config.select.clone());
    let ignore: Vec<String> = config.ignore.iter().chain(&args.ignore).cloned().collect();
    for id in select.iter().flatten().chain(&ignore) {
        if id != "all" && !rules.iter().any(|r| &r.id == id) {
            return Err(Fatal(unknown_rule(id, &rules)));
        }
    }
    Ok(rules
        .into_iter()
        .filter(|rule| {
            let selected = select
                .as_ref()
                .is_none_or(|s| s.iter().any(|id| id == "all" || id == &rule.id));
            selected && !ignore.iter().any(|id| id == "all" || id == &rule.id)
        })
        .collect())
}

fn unknown_rule(id: &str, rules: &[Rule]) -> String {
    let closest = rules
        .iter()
        .map(|r| (edit_distance(id, &r.id), r.id.as_str()))
        .min()
        .filter(|(distance, known)| *distance <= known.len() / 3 || known.contains(id));
    match closest {
        Some((_, known)) => format!(
            "error: unknown rule `{id}` (did you mean `{known}`?); `--list-rules` lists them"
        ),
        None => format!("error: unknown rule `{id}`; `--list-rules` lists them"),
    }
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
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
