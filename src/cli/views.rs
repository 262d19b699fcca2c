//! `--inspect` and `--route`: what the model says of each file, instead of linting.

use std::io::Write;

use crate::app::{FAILURE, Fatal, SUCCESS, output_error};
use crate::cli::file_run::read_input;
use crate::cli::{Args, FormatName};
use crate::route_query;
use crate::walk;
use crate::workspace::{Workspace, load_profile};

/// `--inspect` and `--route`: what the model says of each file, instead of linting.
pub fn views(
    args: &Args,
    workspace: &Workspace,
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
    for input in inputs {
        let (name, bytes) = match read_input(input, args) {
            Ok(read) => read,
            Err(message) => {
                eprintln!("error: {message}");
                failures.push(message);
                continue;
            }
        };
        let loaded = load_profile(&input.path, bytes);
        if input.only_if_openvpn && !loaded.looks_like_openvpn() {
            continue;
        }
        let (profile, tunnel) = match workspace.tunnel_view(loaded, &input.relative) {
            Ok(view) => view,
            Err(e) => {
                let message = format!("`{name}`: {}", e.message);
                eprintln!("error: {message}");
                failures.push(message);
                continue;
            }
        };
        if args.inspect {
            values.push(crate::inspect::to_json(&profile, &name, &tunnel));
            continue;
        }
        for address in &args.route {
            let answer =
                route_query::answer(&profile, &tunnel, address).expect("checked to be an address");
            if json {
                let mut value = route_query::to_json(&answer);
                value["path"] = serde_json::json!(name);
                values.push(value);
            } else {
                text.push_str(&route_query::human(&name, &answer));
            }
        }
    }
    if args.inspect || json {
        text = serde_json::to_string_pretty(&values).expect("JSON values serialize");
        text.push('\n');
    }
    let mut stdout = std::io::stdout().lock();
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
