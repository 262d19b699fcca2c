//! Command-line arguments as written (clap derive); no I/O here. [`crate::app`] turns them into
//! a run.

pub mod file_run;
pub mod sinks;
pub mod views;

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "ovpn6-lint",
    version,
    about = "Finds OpenVPN configurations that leak IPv6, reading them exactly as OpenVPN 2.6 does.",
    after_help = "Exit status: 0 no findings at or above --fail-on, 1 findings, 2 the tool could not do its job."
)]
pub struct Args {
    /// Files or directories to lint (default: `.`); `-` reads standard input.
    pub paths: Vec<PathBuf>,

    /// Report format on standard output.
    #[arg(long, value_enum, default_value_t = FormatName::Human)]
    pub format: FormatName,

    /// Also write a report to a file, e.g. `--report sarif=ovpn6-lint.sarif` (repeatable).
    #[arg(long, value_name = "FORMAT=PATH")]
    pub report: Vec<String>,

    /// Sets SARIF `automationDetails.id`, so several runs upload side by side.
    #[arg(long, value_name = "NAME")]
    pub sarif_category: Option<String>,

    /// Apply safe fixes in place, then report what is left.
    #[arg(long)]
    pub fix: bool,

    /// With --fix or --diff, also apply fixes marked unsafe.
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Print the unified diff --fix would apply; write nothing; exit 1 when it is not empty.
    #[arg(long, conflicts_with = "fix")]
    pub diff: bool,

    /// Rules to run (comma-separated ids, or `all`).
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    pub select: Option<Vec<String>>,

    /// Rules not to run (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    pub ignore: Vec<String>,

    /// The lowest severity that makes the exit status 1.
    #[arg(long, value_name = "LEVEL", value_parser = ["error", "warning", "note", "never"])]
    pub fail_on: Option<String>,

    /// Exit 0 even with findings (2 still means the tool failed).
    #[arg(long)]
    pub exit_zero: bool,

    /// Use this config file instead of the nearest `.ovpn6-lint.toml`.
    #[arg(long, value_name = "PATH", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Use no config file.
    #[arg(long)]
    pub no_config: bool,

    /// Apply the config's `exclude` to files named on the command line too (for pre-commit).
    #[arg(long)]
    pub force_exclude: bool,

    /// The name standard input (`-`) has in reports.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,

    /// When to use colours (honours NO_COLOR and CLICOLOR_FORCE).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Print a rule's documentation.
    #[arg(long, value_name = "ID", conflicts_with_all = ["list_rules", "inspect"])]
    pub explain: Option<String>,

    /// List the rules (with --format json for machines).
    #[arg(long)]
    pub list_rules: bool,

    /// Print the effective IPv6 view of each file as JSON instead of linting.
    #[arg(long)]
    pub inspect: bool,

    /// Instead of linting, say where traffic to ADDR goes: into the tunnel, or out through the
    /// local network, and which line decides (repeatable; --format json for machines).
    #[arg(
        long,
        value_name = "ADDR",
        conflicts_with_all = ["inspect", "fix", "diff", "explain", "list_rules"]
    )]
    pub route: Vec<String>,

    /// Print how many findings each rule has instead of the findings (a table, or JSON with
    /// --format json).
    #[arg(long)]
    pub statistics: bool,

    /// Print the findings only: no closing count or summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Report only findings that this baseline file does not record (default: the config's
    /// `baseline`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Add a suppression comment (`# ovpn6-lint: disable=RULE -- REASON`) for every finding, in
    /// place; `--add-suppressions=REASON` gives the reason.
    #[arg(
        long,
        value_name = "REASON",
        num_args = 0..=1,
        require_equals = true,
        conflicts_with_all = ["fix", "diff", "write_baseline"]
    )]
    pub add_suppressions: Option<Option<String>>,

    /// Report only findings on lines added or changed since this git revision (findings about
    /// a whole profile, such as a missing `ifconfig-ipv6`, count when the file changed).
    #[arg(long, value_name = "REF")]
    pub diff_base: Option<String>,

    /// Record every finding of this run in a baseline file, and exit 0 unless the tool failed.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["baseline", "diff", "diff_base"])]
    pub write_baseline: Option<PathBuf>,

    /// Run as a language server over standard input and output (for editors).
    #[arg(long, exclusive = true)]
    pub lsp: bool,

    /// Print a completion script for SHELL (bash, zsh, fish, powershell, elvish) and exit.
    #[arg(long, value_name = "SHELL", exclusive = true)]
    pub generate_shell_completion: Option<clap_complete::Shell>,

    /// Print the man page (roff) and exit; the release archives carry it as ovpn6-lint.1.
    #[arg(long, hide = true, exclusive = true)]
    pub generate_man_page: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatName {
    Human,
    Short,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
