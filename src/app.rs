//! One run of the command: arguments resolved into settings (config, rules, inputs), files
//! linted, fixed when asked, reported. Returns the exit status; `main` only prints failures.

use std::collections::{BTreeSet, HashMap};
use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use codespan_reporting::diagnostic::{Diagnostic as Rendered, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term;

use crate::add_suppressions;
use crate::baseline::Baseline;
use crate::changed_lines::ChangedFiles;
use crate::cli::{Args, ColorChoice, FormatName};
use crate::config::{Config, FailOn, FileConfig};
use crate::diagnostic::Severity;
use crate::engine::{Detail, Engine, FileSettings, RuleChoices};
use crate::fix;
use crate::model::{self, Profile};
use crate::report::{self, Checked, Format, Problem, ProblemKind, ReportContext};
use crate::route_query;
use crate::rules::{self, Rule};
use crate::selection::{RuleSelection, UnknownRule};
use crate::walk;

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
    let (config, config_file) = load_config(&args, &cwd, color)?;
    let all_rules = load_rules(&config, color)?;

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
    let selection = RuleSelection::new(
        &all_rules,
        &config,
        args.select.clone(),
        args.ignore.clone(),
    )
    .map_err(|UnknownRule(id)| Fatal(unknown_rule(&id, &all_rules)))?;
    let reachable = selection.reachable(&all_rules, &config);
    let engine = Engine {
        rules: all_rules
            .into_iter()
            .filter(|rule| reachable.contains(&rule.id))
            .collect(),
    };
    let whole_file_rules: BTreeSet<String> = engine
        .rules
        .iter()
        .filter(|rule| rule.check.judges_whole_profile())
        .map(|rule| rule.id.clone())
        .collect();

    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let servers = load_servers(&config, config_file.as_ref(), &cwd, color)?;
    let mut found = walk::inputs(&paths, &config, args.force_exclude);
    add_clients_of_linted_servers(&mut found, &config, &servers, &cwd);
    add_templates_of_changed_values(&mut found, &config, &cwd);
    let walk::Found {
        inputs,
        errors: walk_errors,
        conf_files,
    } = found;

    if args.inspect || !args.route.is_empty() {
        let failures = walk_errors.into_iter().map(|e| e.message).collect();
        return views(&args, &config, &servers, &inputs, failures);
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
            ChangedFiles::from_git(&cwd, base)
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
        config: &config,
        engine: &engine,
        servers: &servers,
        conf_files_by_folder: by_folder(conf_files),
        nearby: Default::default(),
        layers: Layers::new(&config, &selection, &engine),
        changed: changed.as_ref().map(|changed| (changed, &whole_file_rules)),
        baseline_dir: baseline_file.as_deref().map(|file| {
            file.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf()
        }),
        templates: crate::template::repository::Repository::new(&config.root),
        walked_terraform: inputs
            .iter()
            .any(|i| !i.explicit && i.path.extension().is_some_and(|x| x == "tf")),
    };
    let cx = ReportContext {
        rules: &engine.rules,
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

/// Says a problem on standard error and hands it to every report, where it happens among the
/// files.
fn report_problem(
    problem: &Problem,
    sinks: &mut [Sink],
    stdout: &mut dyn Write,
    cx: &ReportContext,
) -> io::Result<()> {
    eprintln!("error: {}", problem.message);
    let plain = ReportContext {
        color: false,
        ..*cx
    };
    let mut result = Ok(());
    for sink in sinks {
        let cx = if sink.color { cx } else { &plain };
        let out: &mut dyn Write = match &mut sink.out {
            Some(out) => out,
            None => &mut *stdout,
        };
        result = result.and(sink.format.problem(problem, cx, out));
    }
    result
}

fn walk_problem(error: walk::WalkError) -> Problem {
    Problem {
        path: Some(report::display_path(&error.path)),
        message: error.message,
        kind: ProblemKind::ToolError,
    }
}

/// `--inspect` and `--route`: what the model says of each file, instead of linting.
fn views(
    args: &Args,
    config: &Config,
    servers: &Servers,
    inputs: &[walk::Input],
    mut failures: Vec<String>,
) -> Result<u8, Fatal> {
    let json = args.format == FormatName::Json;
    if !args.inspect && !matches!(args.format, FormatName::Human | FormatName::Json) {
        return Err(Fatal::error(
            "`--route` answers as `--format human` or `--format json`",
        ));
    }
    if let Some(bad) = args
        .route
        .iter()
        .find(|a| a.parse::<std::net::IpAddr>().is_err())
    {
        return Err(Fatal::error(format!(
            "`--route {bad}`: not an IP address (write one like `2001:db8::1`)"
        )));
    }
    let mut values = Vec::new();
    let mut text = String::new();
    let templates = crate::template::repository::Repository::new(&config.root);
    for input in inputs {
        let (name, bytes) = match read_input(input, args) {
            Ok(read) => read,
            Err(message) => {
                eprintln!("error: {message}");
                failures.push(message);
                continue;
            }
        };
        let language = crate::template::detect::language_of(&input.path, &bytes).or_else(|| {
            (memchr::memmem::find(&bytes, b"${").is_some()
                && templates.is_templatefile_target(&input.path))
            .then_some(crate::template::detect::Language::Placeholders(
                crate::template::placeholder::Syntax::Dollar,
            ))
        });
        // A template's views are those of each profile it renders, with where its values
        // came from.
        let documents = match language {
            None => None,
            Some(language) => {
                match crate::template::render(&input.path, &bytes, language, &templates) {
                    Ok(read) => Some(read.documents),
                    Err(message) => {
                        let message = format!("`{name}`: {message}");
                        eprintln!("error: {message}");
                        failures.push(message);
                        continue;
                    }
                }
            }
        };
        let profiles: Vec<(Profile, Option<crate::template::Rendered>)> = match documents {
            None => vec![(load_profile(&input.path, bytes), None)],
            Some(documents) => documents
                .into_iter()
                .map(|d| {
                    let profile = load_rendered(&input.path, d.rendered.text.clone().into_bytes());
                    (profile, Some(d.rendered))
                })
                .filter(|(profile, _)| profile.reads_as_profile())
                .collect(),
        };
        if profiles.is_empty() {
            continue;
        }
        for (loaded, rendered) in profiles {
            if input.only_if_openvpn && rendered.is_none() && !loaded.looks_like_openvpn() {
                continue;
            }
            let file = match config.for_file(&input.relative) {
                Ok(file) => file,
                Err(e) => {
                    let message = format!("`{name}`: {}", e.message);
                    eprintln!("error: {message}");
                    failures.push(message);
                    continue;
                }
            };
            let params = &file.params;
            let profile = servers.pair(loaded, params);
            let tunnel = rules::tunnel_of(&profile, params);
            if args.inspect {
                let mut value = crate::inspect::to_json(&profile, &name, &tunnel);
                if let Some(rendered) = &rendered {
                    let template = bytes_of(&input.path);
                    crate::template::document::map_inspect_lines(&mut value, rendered, &template);
                    value["template"] =
                        crate::template::document::inspect_json(rendered, &template);
                }
                values.push(value);
                continue;
            }
            for address in &args.route {
                let mut answer = route_query::answer(&profile, &tunnel, address)
                    .expect("checked to be an address");
                if let (Some(rendered), Some(place)) = (&rendered, &mut answer.at)
                    && place.path == name
                {
                    (place.line, place.column) = crate::template::document::template_place(
                        rendered,
                        &bytes_of(&input.path),
                        place.line,
                        place.column,
                    );
                }
                if json {
                    let mut value = route_query::to_json(&answer);
                    value["path"] = serde_json::json!(name);
                    values.push(value);
                } else {
                    text.push_str(&route_query::human(&name, &answer));
                }
            }
        }
    }
    if args.inspect || json {
        text = serde_json::to_string_pretty(&values).expect("JSON values serialize");
        text.push('\n');
    }
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(output_error)?;
    Ok(if failures.is_empty() {
        SUCCESS
    } else {
        FAILURE
    })
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
    if args.statistics {
        sinks.push(Sink {
            format: Box::new(report::statistics::Statistics::new(
                args.format == FormatName::Json,
            )),
            out: None,
            color: false,
        });
    } else if !(args.diff || (args.fix || args.add_suppressions.is_some()) && fixing_stdin) {
        sinks.push(Sink {
            format: format_for(args.format, args),
            out: None,
            color: true,
        });
    }
    for request in &args.report {
        let (name, path) = request
            .split_once('=')
            .ok_or_else(|| Fatal::error(format!("--report takes FORMAT=PATH, not `{request}`")))?;
        let format = format_for(parse_format_name(name)?, args);
        let file = std::fs::File::create(path)
            .map_err(|e| Fatal::error(format!("cannot write report `{path}`: {e}")))?;
        sinks.push(Sink {
            format,
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
                Fatal::error(format!(
                    "cannot open GITHUB_STEP_SUMMARY `{}`: {e}",
                    path.display()
                ))
            })?;
        let used = file.metadata().map_or(0, |m| m.len() as usize);
        sinks.push(Sink {
            format: Box::new(
                report::github::JobSummary::new(report::github::SUMMARY_LIMIT.saturating_sub(used))
                    .with_run_url(github_run_url()),
            ),
            out: Some(Box::new(io::BufWriter::new(file))),
            color: false,
        });
    }
    Ok(sinks)
}

/// What a run needs to check one file; shared by the worker threads.
struct FileRun<'a> {
    args: &'a Args,
    /// How much of each finding the reports show.
    detail: Detail,
    config: &'a Config,
    engine: &'a Engine,
    servers: &'a Servers,
    /// The `.conf` files of each folder walked, in path order.
    /// (Keyed by text: a `Path` hashes component by component.)
    conf_files_by_folder: HashMap<OsString, Vec<PathBuf>>,
    /// Per folder, the server config it holds, as `server` would name it; looked for once.
    nearby: Mutex<HashMap<OsString, Option<String>>>,
    layers: Layers<'a>,
    /// `--diff-base`: what changed, and the rules whose findings count in any changed file.
    changed: Option<(&'a ChangedFiles, &'a BTreeSet<String>)>,
    /// The folder of the baseline file read or written: baseline paths are relative to it.
    baseline_dir: Option<PathBuf>,
    /// What the repository's Terraform knows, read when a template needs it.
    templates: crate::template::repository::Repository,
    /// The walk found `.tf` files: a `${` in a profile may make it a `templatefile` target.
    walked_terraform: bool,
}

/// The settings of a file: the config's overrides that match it laid over the top level.
struct Layered {
    file: FileConfig,
    choices: RuleChoices,
}

/// [`Layered`] settings, worked out once per set of matching overrides (most files match none,
/// or the same few).
struct Layers<'a> {
    config: &'a Config,
    selection: &'a RuleSelection,
    engine: &'a Engine,
    top: Arc<Layered>,
    /// By the indices of the matching overrides.
    cache: Mutex<HashMap<Vec<usize>, LayeredOrClash>>,
}

/// Settings, or why the matching overrides cannot be laid together.
type LayeredOrClash = Result<Arc<Layered>, String>;

impl<'a> Layers<'a> {
    fn new(config: &'a Config, selection: &'a RuleSelection, engine: &'a Engine) -> Self {
        let file = config
            .layered(&[])
            .expect("the top level alone was checked at load");
        Self {
            config,
            selection,
            engine,
            top: Arc::new(Layered {
                file,
                choices: RuleChoices::default(),
            }),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The settings for a path relative to the config's root.
    fn get(&self, relative: &Path) -> Result<Arc<Layered>, String> {
        let matching = self.config.matching(relative);
        if matching.is_empty() {
            return Ok(Arc::clone(&self.top));
        }
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let entry = cache.entry(matching).or_insert_with_key(|matching| {
            let layered = self.config.layered(matching).map(|file| Layered {
                choices: self.selection.choices(&self.engine.rules, &file.rules),
                file,
            });
            layered.map(Arc::new).map_err(|e| {
                let entries: Vec<String> = matching.iter().map(|i| format!("#{}", i + 1)).collect();
                format!(
                    "the config's [[overrides]] entries {} clash: {}",
                    entries.join(", "),
                    e.message
                )
            })
        });
        entry.clone()
    }
}

/// What checking one file came to, for the thread that reports.
#[derive(Default)]
struct FileOutcome {
    /// The input's path (walk errors are reported in path order with the files).
    path: PathBuf,
    /// `--diff-base`: findings left out because their lines did not change.
    hidden_unchanged: usize,
    /// The path relative to the baseline's folder, when there is a baseline.
    baseline_key: Option<String>,
    checked: Option<Checked>,
    problem: Option<Problem>,
    /// Said about the file on standard error, without failing the run.
    warning: Option<String>,
    /// `--add-suppressions`: how many findings the new comments suppress, and which findings
    /// got none.
    suppressed: usize,
    not_suppressed: Vec<String>,
    /// `--diff` output.
    diff: Option<Vec<u8>>,
    /// `--fix` of standard input: the fixed text goes to standard output, as ruff does.
    fixed_text: Option<Vec<u8>>,
    fixed: usize,
}

impl FileRun<'_> {
    /// A server config (a `.conf` of at most 64 KiB that is one) in the folder of `input`. The
    /// `.conf` files of a folder the walk went through are known; the folder of a file named on
    /// the command line is read.
    fn nearby_server(&self, input: &walk::Input) -> Option<String> {
        const MAX_SIZE: u64 = 64 * 1024;
        let folder = input.path.parent()?;
        let known =
            |cache: &HashMap<OsString, Option<String>>| cache.get(folder.as_os_str()).cloned();
        if let Some(server) = known(&self.nearby.lock().unwrap_or_else(|e| e.into_inner())) {
            return server;
        }
        let read;
        let candidates: &[PathBuf] = if input.explicit {
            read = conf_files_in(folder);
            &read
        } else {
            self.conf_files_by_folder
                .get(folder.as_os_str())
                .map_or(&[], Vec::as_slice)
        };
        let server = candidates
            .iter()
            // A client is no server: the file itself need not be read again.
            .filter(|candidate| **candidate != input.path)
            .find(|candidate| {
                std::fs::metadata(candidate).is_ok_and(|m| m.is_file() && m.len() <= MAX_SIZE)
                    && walk::read_file(candidate)
                        .is_ok_and(|text| load_profile(candidate, text).is_server())
            })
            .map(|server| report::display_path(&walk::relative_to(&self.config.root, server)));
        // Reading is done without the lock; two threads that look at once find the same.
        self.nearby
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(folder.as_os_str().to_owned(), server.clone());
        server
    }

    fn check(&self, input: &walk::Input) -> FileOutcome {
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
        let template_name = crate::template::detect::is_template_name(&input.path);
        let by_name = if template_name {
            crate::template::detect::language_of(&input.path, &text)
        } else {
            None
        };
        if let Some(language) = by_name.or_else(|| {
            // Any file a `templatefile` call names is a Terraform template.
            // (Looked for when the walk met Terraform files or the file is named: the
            // index of `templatefile` calls walks the repository once.)
            ((input.explicit || self.walked_terraform)
                && memchr::memmem::find(&text, b"${").is_some()
                && self.templates.is_templatefile_target(&input.path))
            .then_some(crate::template::detect::Language::Placeholders(
                crate::template::placeholder::Syntax::Dollar,
            ))
        }) {
            return self.check_template(input, name, text, language);
        }
        // Only a file with a template's name or a vars file can be here without `include`
        // naming it (the walk matched the others already).
        let maybe_not_included =
            template_name || input.explicit && crate::template::detect::gives_values(&input.path);
        let included = !maybe_not_included || self.config.include.is_match(&input.relative);
        if !included && (!input.explicit || crate::template::detect::gives_values(&input.path)) {
            // Walked as a possible template (`client.ovpn.bak`) and none; or a vars file,
            // whose templates were added to the run.
            return FileOutcome::default();
        }
        let only_if_profile = !included && template_name;
        let holds_nul = memchr::memchr(0, &text).is_some();
        let loaded = load_profile(&input.path, text);
        if input.only_if_openvpn && !loaded.looks_like_openvpn()
            || only_if_profile && !loaded.reads_as_profile()
        {
            return FileOutcome::default();
        }
        let warning = holds_nul.then(|| {
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
        let layered = match self.layers.get(&relative) {
            Ok(layered) => layered,
            Err(message) => {
                return FileOutcome {
                    problem: Some(tool_error(&name, format!("`{name}`: {message}"))),
                    ..FileOutcome::default()
                };
            }
        };
        let params = &layered.file.params;
        let settings = FileSettings {
            params,
            role: layered.file.role,
            nearby_server: None,
            detail: self.detail,
        };
        let lint_loaded = |profile: Profile| {
            let path = &input.path;
            let profile = self.servers.pair(profile, params);
            let mut diagnostics = self.engine.lint_with(&profile, &settings, &layered.choices);
            // Leak findings of a client whose folder holds a server config suggest pairing in
            // their note (not for AWS profiles: their server is the endpoint; nor when no
            // report shows notes).
            if params.server.is_none()
                && self.detail == Detail::Full
                && path.as_os_str() != "-"
                && self.engine.wants_nearby_server(&diagnostics)
                && model::aws::endpoint(&profile).is_none()
                && let Some(server) = self.nearby_server(input)
            {
                let settings = FileSettings {
                    nearby_server: Some(&server),
                    ..settings.clone()
                };
                diagnostics = self.engine.lint_with(&profile, &settings, &layered.choices);
            }
            (profile, diagnostics)
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
                fix::write_atomically(&input.path, original, &new, &self.config.root)
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
                &self.config.root,
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
    /// A template (design §10): each profile it renders is linted, and findings, fixes and
    /// secrets are brought back to the template's own bytes by [`crate::template::document`].
    /// A template that renders no profile is skipped silently.
    fn check_template(
        &self,
        input: &walk::Input,
        name: String,
        text: Vec<u8>,
        language: crate::template::detect::Language,
    ) -> FileOutcome {
        use crate::template::{self, document};
        let args = self.args;
        let layered = match self.layers.get(&input.relative) {
            Ok(layered) => layered,
            Err(message) => {
                return FileOutcome {
                    problem: Some(tool_error(&name, format!("`{name}`: {message}"))),
                    ..FileOutcome::default()
                };
            }
        };
        let params = &layered.file.params;
        let settings = FileSettings {
            params,
            role: layered.file.role,
            nearby_server: None,
            detail: self.detail,
        };
        let lint = |path: &Path, bytes: Vec<u8>| {
            let profile = self.servers.pair(load_rendered(path, bytes), params);
            let diagnostics = self.engine.lint_with(&profile, &settings, &layered.choices);
            (profile, diagnostics)
        };
        // A file the config's own `include` names is a profile, whatever it renders.
        let named_by_include =
            self.config.include_configured && self.config.include.is_match(&input.relative);
        let whole_profile_rules: BTreeSet<String> = self
            .engine
            .rules
            .iter()
            .filter(|rule| rule.check.judges_whole_profile())
            .map(|rule| rule.id.clone())
            .collect();
        let warnings = Mutex::new(Vec::new());
        let render = |bytes: &[u8]| {
            let read = template::render(&input.path, bytes, language, &self.templates)
                .map_err(|e| format!("`{name}`: {e}"))?;
            warnings
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(read.warnings);
            Ok(read.documents)
        };
        let said = || {
            let mut said = warnings.lock().unwrap_or_else(|e| e.into_inner());
            said.dedup();
            (!said.is_empty()).then(|| said.join("\nwarning: "))
        };
        let fail = |message: String| FileOutcome {
            problem: Some(tool_error(&name, message)),
            ..FileOutcome::default()
        };
        if args.add_suppressions.is_some() {
            warnings
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(format!(
                    "`{name}`: --add-suppressions does not write into templates yet; its findings \
                 are reported"
                ));
        }
        if !(args.fix || args.diff) {
            let documents = match render(&text) {
                Ok(documents) => documents,
                Err(message) => return fail(message),
            };
            let linted = document::lint(
                &input.path,
                &text,
                &documents,
                &whole_profile_rules,
                named_by_include,
                &lint,
            );
            if linted.profiles == 0 && !named_by_include {
                return FileOutcome {
                    warning: said(),
                    ..FileOutcome::default()
                };
            }
            return FileOutcome {
                warning: said(),
                checked: Some(Checked {
                    path: name,
                    sources: linted.sources,
                    diagnostics: linted.diagnostics,
                }),
                ..FileOutcome::default()
            };
        }
        let fixed = match document::fix(
            &input.path,
            text.clone(),
            args.unsafe_fixes,
            &render,
            &whole_profile_rules,
            named_by_include,
            &lint,
        ) {
            Ok(fixed) => fixed,
            Err(message) => return fail(message),
        };
        if fixed.linted.profiles == 0 && !named_by_include {
            return FileOutcome::default();
        }
        let mut result = FileOutcome {
            fixed: fixed.fixed,
            warning: said(),
            ..FileOutcome::default()
        };
        if args.diff {
            let old = document::lint(
                &input.path,
                &text,
                &render(&text).unwrap_or_default(),
                &whole_profile_rules,
                named_by_include,
                &lint,
            );
            result.diff =
                fix::diff_texts(&name, &old.sources[0].shown, &fixed.linted.sources[0].shown)
                    .map(String::into_bytes);
        } else if fixed.fixed > 0
            && let Err(message) =
                fix::write_atomically(&input.path, &text, &fixed.text, &self.config.root)
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

/// The `.conf` files of `folder`, sorted.
fn conf_files_in(folder: &Path) -> Vec<PathBuf> {
    let read = if folder.as_os_str().is_empty() {
        std::fs::read_dir(".")
    } else {
        std::fs::read_dir(folder)
    };
    let Ok(entries) = read else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            Path::new(&e.file_name())
                .extension()
                .is_some_and(|x| x == "conf")
        })
        .map(|e| folder.join(e.file_name()))
        .collect();
    files.sort();
    files
}

/// `.conf` files by their folder, each folder's in the order given.
fn by_folder(conf_files: Vec<PathBuf>) -> HashMap<OsString, Vec<PathBuf>> {
    let mut folders: HashMap<OsString, Vec<PathBuf>> = HashMap::new();
    for file in conf_files {
        let folder = file
            .parent()
            .unwrap_or(Path::new(""))
            .as_os_str()
            .to_owned();
        folders.entry(folder).or_default().push(file);
    }
    folders
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

/// This workflow run's page on GitHub, from the variables every runner sets.
fn github_run_url() -> Option<String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    Some(format!(
        "{}/{}/actions/runs/{}",
        var("GITHUB_SERVER_URL")?,
        var("GITHUB_REPOSITORY")?,
        var("GITHUB_RUN_ID")?
    ))
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

fn output_error(error: io::Error) -> Fatal {
    Fatal::error(format!("cannot write the report: {error}"))
}

fn format_for(name: FormatName, args: &Args) -> Box<dyn Format> {
    match name {
        FormatName::Human => Box::new(report::human::Human::new(args.quiet)),
        FormatName::Short => Box::new(report::short::Short),
        FormatName::Json => Box::new(report::json::Json::default()),
        FormatName::Sarif => Box::new(report::sarif::Sarif::new(args.sarif_category.clone())),
        FormatName::Github => Box::new(report::github::Github),
    }
}

fn parse_format_name(name: &str) -> Result<FormatName, Fatal> {
    use clap::ValueEnum;
    FormatName::from_str(name, false).map_err(|_| {
        Fatal::error(format!(
            "unknown report format `{name}` (human, short, json, sarif, github)"
        ))
    })
}

/// A file's bytes again, for showing a template's placeholders (empty when it cannot be read).
fn bytes_of(path: &Path) -> Vec<u8> {
    walk::read_file(path).unwrap_or_default()
}

/// A rendered template's profile: its unknown values are not judged.
fn load_rendered(path: &Path, text: Vec<u8>) -> Profile {
    model::load_rendered(path, text, &|include| walk::read_file(include))
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

/// The config file's path and text, for errors that point into it after it has been read.
struct ConfigFile {
    path: PathBuf,
    text: String,
}

fn load_config(
    args: &Args,
    cwd: &Path,
    color: bool,
) -> Result<(Config, Option<ConfigFile>), Fatal> {
    let path = if args.no_config {
        None
    } else if let Some(path) = &args.config {
        Some(path.clone())
    } else {
        walk::find_config(cwd)
    };
    let Some(path) = path else {
        return Ok((Config::default_at(PathBuf::from(".")), None));
    };
    let text = walk::read_text(&path).map_err(Fatal::error)?;
    let root = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let config = Config::parse(&text, root).map_err(|e| {
        Fatal(render_file_error(
            &path.display().to_string(),
            &text,
            &e.message,
            e.span,
            color,
        ))
    })?;
    Ok((config, Some(ConfigFile { path, text })))
}
/// The server configs that `server` params name, each read once.
struct Servers {
    by_path: Vec<(PathBuf, Profile)>,
}

impl Servers {
    /// `client` paired with the server its params name, if any (a server is no one's client).
    fn pair(&self, client: Profile, params: &rules::Params) -> Profile {
        if client.model.role == model::Role::Server {
            return client;
        }
        let server = params
            .server
            .as_ref()
            .and_then(|s| self.by_path.iter().find(|(path, _)| *path == s.path));
        match server {
            Some((_, server)) => client.pair(server),
            None => client,
        }
    }
}

/// Reads every server config named in the config; one that cannot be read or is no server
/// config is a config error pointing at the line that names it.
fn load_servers(
    config: &Config,
    file: Option<&ConfigFile>,
    cwd: &Path,
    color: bool,
) -> Result<Servers, Fatal> {
    let mut by_path: Vec<(PathBuf, Profile)> = Vec::new();
    for server in &config.servers() {
        if by_path.iter().any(|(path, _)| *path == server.path) {
            continue;
        }
        let fail = |message: String| {
            let message = format!("params.server: {message}");
            Fatal(match file {
                Some(file) => render_file_error(
                    &file.path.display().to_string(),
                    &file.text,
                    &message,
                    Some(server.span.clone()),
                    color,
                ),
                None => format!("error: {message}"),
            })
        };
        let text = walk::read_file(&server.path).map_err(|e| {
            fail(format!(
                "cannot read the server config `{}`: {e}",
                server.path.display()
            ))
        })?;
        // Named in reports as from the working directory, like the linted files.
        let shown = server.path.strip_prefix(cwd).unwrap_or(&server.path);
        let profile = load_profile(shown, text);
        if !profile.is_server() {
            return Err(fail(format!(
                "`{}` is not a server config (no `server`, `server-ipv6`, `mode server` or \
                 `push` line)",
                server.path.display()
            )));
        }
        by_path.push((server.path.clone(), profile));
    }
    Ok(Servers { by_path })
}

/// When a file that gives templates their values is named (pre-commit passes only the changed
/// file): a Terraform module's `.tf` or tfvars file, a role's `defaults/main.yml` or
/// `vars/main.yml`, the templates that use it are linted too, under their own paths.
fn add_templates_of_changed_values(found: &mut walk::Found, config: &Config, cwd: &Path) {
    let named: Vec<PathBuf> = found
        .inputs
        .iter()
        .filter(|i| i.explicit && i.path.as_os_str() != "-")
        .map(|i| i.path.clone())
        .collect();
    let before = found.inputs.len();
    // A `template-vars` file (of the top level or of an override) gives values to every
    // Jinja2 template of the repository it applies to.
    let same_file = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    let template_vars: Vec<PathBuf> = std::iter::once(config.params.template_vars.clone())
        .chain(
            (0..config.overrides.len())
                .filter_map(|i| config.layered(&[i]).ok().map(|f| f.params.template_vars)),
        )
        .flatten()
        .collect();
    let jinja2_templates = || -> Vec<PathBuf> {
        walk::inputs(std::slice::from_ref(&config.root), config, false)
            .inputs
            .into_iter()
            // Named as the linted files are: from the working directory.
            .map(|input| {
                input
                    .path
                    .strip_prefix(cwd)
                    .map_or_else(|_| input.path.clone(), Path::to_path_buf)
            })
            .filter(|path| {
                path.extension()
                    .is_some_and(|x| x == "j2" || x == "jinja" || x == "jinja2")
                    || crate::template::repository::role_template(path)
            })
            .collect()
    };
    let mut named_vars = false;
    for path in &named {
        if template_vars.iter().any(|vars| same_file(vars, path)) {
            named_vars = true;
        }
    }
    let vars_dependents = if named_vars {
        jinja2_templates()
    } else {
        Vec::new()
    };
    for path in named {
        let dependents = crate::template::repository::dependents(&path);
        for dependent in dependents
            .into_iter()
            .chain(vars_dependents.iter().cloned())
        {
            let same = |i: &walk::Input| i.path == dependent;
            if found.inputs.iter().any(same) {
                continue;
            }
            found.inputs.push(walk::Input {
                relative: walk::relative_to(&config.root, &dependent),
                path: dependent,
                link: false,
                explicit: false,
                only_if_openvpn: false,
            });
        }
    }
    if found.inputs.len() > before {
        found
            .inputs
            .sort_by_cached_key(|input| walk::sort_key(&input.path));
    }
}

/// When a server config is linted (pre-commit passes only the changed file; a pull request
/// may touch only the server), its clients are linted too: their findings depend on it.
fn add_clients_of_linted_servers(
    found: &mut walk::Found,
    config: &Config,
    servers: &Servers,
    cwd: &Path,
) {
    let inputs = &mut found.inputs;
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    let linted: Vec<&PathBuf> = servers
        .by_path
        .iter()
        .map(|(path, _)| path)
        .filter(|server| inputs.iter().any(|i| same(&i.path, server)))
        .collect();
    if linted.is_empty() {
        return;
    }
    let everything = walk::inputs(std::slice::from_ref(&config.root), config, false);
    for mut candidate in everything.inputs {
        let Ok(file) = config.for_file(&candidate.relative) else {
            continue;
        };
        let is_client = file
            .params
            .server
            .as_ref()
            .is_some_and(|s| linted.iter().any(|path| **path == s.path));
        if is_client && !inputs.iter().any(|i| same(&i.path, &candidate.path)) {
            if let Ok(shown) = candidate.path.strip_prefix(cwd) {
                candidate.path = shown.to_path_buf();
            }
            inputs.push(candidate);
        }
    }
}

/// The rules of the run: the built-in ones, then those of `rule-dirs`.
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
        for path in walk::rule_files(dir).map_err(Fatal::error)? {
            let text = walk::read_text(&path).map_err(Fatal::error)?;
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

fn unknown_rule(id: &str, rules: &[Rule]) -> String {
    let closest = rules
        .iter()
        .map(|r| (strsim::levenshtein(id, &r.id), r.id.as_str()))
        .min()
        .filter(|(distance, known)| *distance <= known.len() / 3 || known.contains(id));
    match closest {
        Some((_, known)) => format!(
            "error: unknown rule `{id}` (did you mean `{known}`?); `--list-rules` lists them"
        ),
        None => format!("error: unknown rule `{id}`; `--list-rules` lists them"),
    }
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
