//! `--generate-shell-completion SHELL` and `--generate-man-page`: shell completion scripts
//! (clap_complete) and the `ovpn6-lint.1` man page (clap_mangen), both from the clap
//! definitions in [`crate::cli`], so they never disagree with `--help`.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Args;

/// Writes the completion script for `shell`.
pub fn completion(shell: Shell, out: &mut dyn Write) {
    clap_complete::generate(shell, &mut Args::command(), "ovpn6-lint", out);
}

/// Writes the man page in roff.
pub fn man_page(out: &mut dyn Write) -> io::Result<()> {
    clap_mangen::Man::new(Args::command()).render(out)
}
