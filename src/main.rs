//! The `ovpn6-lint` command: arguments in, exit status out.

use std::process::ExitCode;

use clap::Parser;
use ovpn6_lint::{app, cli};

fn main() -> ExitCode {
    let args = cli::Args::parse();
    match app::run(args) {
        Ok(status) => ExitCode::from(status),
        Err(app::Fatal(message)) => {
            eprintln!("{message}");
            ExitCode::from(app::FAILURE)
        }
    }
}
