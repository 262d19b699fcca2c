//! `--inspect` and `--route`: what the model says of each file, instead of linting.

use std::io::Write;

use crate::app::{FAILURE, Fatal, SUCCESS, output_error};
use crate::cli::file_run::read_input;
use crate::cli::{Args, FormatName};
use crate::model::Profile;
use crate::route_query;
use crate::template::{Rendered, document};
use crate::walk;
use crate::workspace::{Workspace, load_profile, load_rendered};

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
        // A template's views are those of each profile it renders, with where its values
        // came from.
        let profiles: Vec<(Profile, Option<Rendered>)> =
            match workspace.template_language(&input.path, &bytes, true) {
                None => vec![(load_profile(&input.path, bytes.clone()), None)],
                Some(language) => match workspace.render_template(&input.path, &bytes, language) {
                    Ok(read) => read
                        .documents
                        .into_iter()
                        .map(|d| {
                            let profile =
                                load_rendered(&input.path, d.rendered.text.clone().into_bytes());
                            (profile, Some(d.rendered))
                        })
                        .filter(|(profile, _)| profile.reads_as_profile())
                        .collect(),
                    Err(message) => {
                        let message = format!("`{name}`: {message}");
                        eprintln!("error: {message}");
                        failures.push(message);
                        continue;
                    }
                },
            };
        for (loaded, rendered) in profiles {
            if input.only_if_openvpn && rendered.is_none() && !loaded.looks_like_openvpn() {
                continue;
            }
            let view = match workspace.view(loaded, &input.relative) {
                Ok(view) => view,
                Err(e) => {
                    let message = format!("`{name}`: {}", e.message);
                    eprintln!("error: {message}");
                    failures.push(message);
                    continue;
                }
            };
            if args.inspect {
                let mut value = crate::inspect::to_json(&view.profile, &name, &view.tunnel);
                if let Some(endpoint) = view.endpoint {
                    value["endpoint"] = endpoint;
                }
                if let Some(rendered) = &rendered {
                    document::map_inspect_lines(&mut value, rendered, &bytes);
                    value["template"] = document::inspect_json(rendered, &bytes);
                }
                values.push(value);
                continue;
            }
            let params = &view.params;
            for address in &args.route {
                for (clients, mut answer) in route_query::answers(&view.profile, params, address) {
                    // A split tunnel's route table is known only as far as the repository
                    // shows it.
                    if view.endpoint.is_some() && params.split_tunnel && answer.via == "local" {
                        answer.why.push_str(
                            "; this could change with routes the repository does not show: the \
                             endpoint's route table also holds the route of every associated \
                             subnet's VPC",
                        );
                    }
                    // A template's answer is at the template's own line.
                    if let (Some(rendered), Some(place)) = (&rendered, &mut answer.at)
                        && place.path == name
                    {
                        (place.line, place.column) =
                            document::template_place(rendered, &bytes, place.line, place.column);
                    }
                    let mut value = route_query::to_json(&answer);
                    value["path"] = serde_json::json!(name);
                    if json {
                        if let Some(clients) = clients {
                            value["clients"] = serde_json::json!(clients);
                        }
                        values.push(value);
                    } else {
                        let named = clients.map_or(name.clone(), |c| format!("{name} ({c})"));
                        text.push_str(&route_query::human(&named, &answer));
                    }
                }
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
