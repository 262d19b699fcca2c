//! Where the reports of a command-line run go: `--format` on standard output, each `--report`
//! file, and the GitHub job summary.

use std::io::{self, Write};
use std::path::Path;

use crate::app::Fatal;
use crate::cli::{Args, FormatName};
use crate::report::{self, Format, Problem, ReportContext};

/// Where one report goes: standard output (`out` is `None`) or a file.
pub struct Sink {
    pub format: Box<dyn Format>,
    pub out: Option<Box<dyn Write>>,
    pub color: bool,
}

/// The reports of a run: `--format` on standard output (not with `--diff`, nor when `--fix`
/// prints the fixed standard input), each `--report`, and the GitHub job summary.
pub fn open_sinks(args: &Args, fixing_stdin: bool) -> Result<Vec<Sink>, Fatal> {
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

/// Says a problem on standard error and hands it to every report, where it happens among the
/// files.
pub fn report_problem(
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
