//! Linking a profile to its endpoint, and judging it with the endpoint's facts.
//!
//! First match wins: the `aws-endpoint` param set for the file, then a literal endpoint id in
//! the host name of the profile's `remote` that the AWS CLI output knows. A linked endpoint's
//! known facts replace the defaults of `traffic-ip-address-type` and `split-tunnel`; a param
//! set for the file still wins, as an explicit override should, and a contradiction is said.

use std::path::Path;
use std::sync::Arc;

use super::TerraformContext;
use super::load::{Entry, Registry};
use super::{Endpoint, Fact, Place};
use crate::model::{LinkedEndpoint, Loc, Profile};
use crate::rules::params::Params;

/// How a profile found its endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// The `aws-endpoint` param set for the file.
    Param,
    /// The endpoint id in its `remote` host name, known from AWS CLI output.
    RemoteId,
    /// Its `remote` is a Terraform template value that refers to
    /// `aws_ec2_client_vpn_endpoint.NAME` of the same module (directly in a heredoc, or through
    /// the `templatefile` argument that feeds it).
    Template,
}

impl How {
    pub fn describe(self) -> &'static str {
        match self {
            How::Param => "the `aws-endpoint` param",
            How::RemoteId => "the endpoint id in `remote`, known from `aws-endpoints`",
            How::Template => "`remote` refers to the Terraform resource",
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            How::Param => "aws-endpoint",
            How::RemoteId => "remote",
            How::Template => "terraform",
        }
    }
}

/// The endpoint of `profile` (with its file's `params`), if anything links it; first match wins:
/// the `aws-endpoint` param, the endpoint id in `remote` that CLI output describes, a `remote`
/// that a Terraform template fills from `aws_ec2_client_vpn_endpoint.NAME`.
pub fn find(
    registry: &Registry,
    profile: &Profile,
    params: &Params,
    context: &dyn TerraformContext,
) -> Option<(Arc<Entry>, How)> {
    if let Some(link) = &params.aws_endpoint {
        // Checked at load: every param names an endpoint the registry holds.
        return registry.get(&link.target).map(|entry| (entry, How::Param));
    }
    if !registry.is_empty()
        && let Some(aws) = crate::model::aws::endpoint(profile)
        && let Some(entry) = registry.by_id(&aws.id)
    {
        return Some((entry, How::RemoteId));
    }
    let path = profile.top().path.as_path();
    for host in remote_hosts(profile) {
        for name in crate::template::unknown_names(host) {
            // In a heredoc of a `.tf` file the placeholder's expression is the name, its
            // punctuation written as `_` (`replace_aws_ec2_client_vpn_endpoint.vpn.dns_name…`).
            if let Some(resource) = referenced_endpoint_in(name, true)
                && path.extension().is_some_and(|e| e == "tf")
                && let Some(entry) = registry.in_module(folder_of(path), resource, context)
            {
                return Some((entry, How::Template));
            }
            // In a `templatefile` target it is a variable: its calls say what they pass.
            for (module, expression) in context.templatefile_arguments(path, name) {
                if let Some(resource) = referenced_endpoint(&expression)
                    && let Some(entry) = registry.in_module(&module, resource, context)
                {
                    return Some((entry, How::Template));
                }
            }
        }
    }
    None
}

/// The host words of the profile's `remote` lines that OpenVPN applies and that hold an
/// unknown value (a template's placeholder).
fn remote_hosts(profile: &Profile) -> impl Iterator<Item = &str> {
    profile
        .model
        .options
        .iter()
        .filter(|o| o.name == "remote" && o.status == crate::model::Status::Applied)
        .filter_map(|o| profile.option_words(o).get(1).map(|w| w.text()))
        .filter(|host| crate::template::is_unknown_word(host))
}

/// The `NAME` of `aws_ec2_client_vpn_endpoint.NAME` in an expression's text, anywhere in it
/// (`replace(aws_ec2_client_vpn_endpoint.vpn.dns_name, "*.", "")`).
pub fn referenced_endpoint(expression: &str) -> Option<&str> {
    referenced_endpoint_in(expression, false)
}

/// [`referenced_endpoint`]; `sanitized`: the text is an unknown value's name, where `_` stands
/// for any punctuation, so it may also come before the resource type.
fn referenced_endpoint_in(expression: &str, sanitized: bool) -> Option<&str> {
    const RESOURCE: &str = "aws_ec2_client_vpn_endpoint.";
    let at = expression.find(RESOURCE)?;
    let before = expression[..at].chars().next_back();
    let glued = |c: char| c.is_alphanumeric() || c == '.' || (c == '_' && !sanitized);
    if before.is_some_and(glued) {
        return None;
    }
    let rest = &expression[at + RESOURCE.len()..];
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    }
}

/// `params` with the endpoint's known facts in place of the defaults, and a sentence for each
/// param that contradicts the endpoint (`config_place` names a config span as `file:line`).
pub fn apply(
    params: &Params,
    endpoint: &Endpoint,
    config_place: &dyn Fn(&std::ops::Range<usize>) -> String,
) -> (Params, Vec<String>) {
    let mut applied = params.clone();
    let mut disagreements = Vec::new();
    let mut contradicts =
        |param: String, at: &std::ops::Range<usize>, fact: String, place: &Place| {
            disagreements.push(format!(
            "{param} at {} contradicts the endpoint `{}`, whose {fact} at {place}; the param wins",
            config_place(at),
            endpoint.name
        ));
        };
    match (
        &params.traffic_ip_address_type_set,
        endpoint.traffic_type.value(),
    ) {
        (Some(at), Some(fact)) if fact != params.traffic_ip_address_type => contradicts(
            format!(
                "`traffic-ip-address-type = \"{}\"`",
                params.traffic_ip_address_type.as_str()
            ),
            at,
            format!("traffic IP address type is `{}`", fact.as_str()),
            endpoint.traffic_type.place(),
        ),
        (None, Some(fact)) => {
            applied.traffic_ip_address_type = fact;
            applied.traffic_from_endpoint = true;
        }
        _ => {}
    }
    match (&params.split_tunnel_set, endpoint.split_tunnel.value()) {
        (Some(at), Some(fact)) if fact != params.split_tunnel => contradicts(
            format!("`split-tunnel = {}`", params.split_tunnel),
            at,
            format!("split tunnel is {}", if fact { "on" } else { "off" }),
            endpoint.split_tunnel.place(),
        ),
        (None, Some(fact)) => applied.split_tunnel = fact,
        _ => {}
    }
    applied.endpoint_routes = endpoint
        .routes
        .iter()
        .filter_map(|route| match route.destination.value()? {
            ipnet::IpNet::V6(net) => Some(net),
            ipnet::IpNet::V4(_) => None,
        })
        .collect();
    (applied, disagreements)
}

/// `profile` with the files of its endpoint's facts among its sources, so findings that depend
/// on a fact can point at the line that decided it. `params` are those [`apply`] gave.
pub fn attach(
    mut profile: Profile,
    registry: &Registry,
    endpoint: &Endpoint,
    params: &Params,
) -> Profile {
    let mut linked = LinkedEndpoint {
        name: endpoint.name.clone(),
        facts: Vec::new(),
        unknown: Vec::new(),
    };
    let at = |profile: &mut Profile, place: &Place| -> Option<Loc> {
        // Not the profile's own file: in a `.tf` heredoc that is the rendered profile, whose
        // bytes are not the definition's.
        let known = profile
            .sources
            .iter()
            .skip(1)
            .position(|s| s.path == place.path);
        let source = match known {
            Some(index) => index + 1,
            None => {
                let parsed = registry.file(&place.path)?.clone();
                profile.add_source(place.path.clone(), parsed)
            }
        };
        let text = profile.sources[source].text();
        let lines = profile.sources[source].lines();
        let line = place.line.saturating_sub(1).min(lines.line_count() - 1);
        Some(Loc {
            source,
            span: trimmed(text, lines.line_span(line)),
        })
    };
    if params.traffic_ip_address_type_set.is_none() {
        match &endpoint.traffic_type {
            Fact::Known {
                value,
                place,
                written,
            } => {
                let message = if *written {
                    format!(
                        "the endpoint's traffic IP address type is `{}`",
                        value.as_str()
                    )
                } else {
                    format!(
                        "no traffic IP address type is set: the endpoint's is `{}`, the default",
                        value.as_str()
                    )
                };
                linked
                    .facts
                    .extend(at(&mut profile, place).map(|loc| (loc, message)));
            }
            Fact::Unknown { why, place } => linked.unknown.push(format!(
                "its traffic IP address type is unknown ({why}, at {place}), so it is taken as \
                 `{}`",
                params.traffic_ip_address_type.as_str()
            )),
        }
    }
    if params.split_tunnel_set.is_none() {
        match &endpoint.split_tunnel {
            Fact::Known {
                value,
                place,
                written,
            } => {
                let state = if *value { "on" } else { "off" };
                let message = if *written {
                    format!("the endpoint's split tunnel is {state}")
                } else {
                    format!("split tunnel is not set: it is {state}, the default")
                };
                linked
                    .facts
                    .extend(at(&mut profile, place).map(|loc| (loc, message)));
            }
            Fact::Unknown { why, place } => linked.unknown.push(format!(
                "whether it is a split tunnel is unknown ({why}, at {place}), so it is taken as \
                 {}",
                if params.split_tunnel { "on" } else { "off" }
            )),
        }
    }
    if params.split_tunnel {
        for route in &endpoint.routes {
            if let Fact::Known { value, place, .. } = &route.destination {
                let message = format!("the endpoint routes {value} into the tunnel");
                linked
                    .facts
                    .extend(at(&mut profile, place).map(|loc| (loc, message)));
            }
        }
    }
    profile.endpoint = Some(linked);
    profile
}

/// The line without its indentation and line ending.
fn trimmed(text: &[u8], line: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let bytes = &text[line.clone()];
    let start = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let end = bytes.len()
        - bytes
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    if start >= end {
        return line.start..line.start;
    }
    line.start + start..line.start + end
}

/// A profile's endpoint and the params it is judged with.
#[derive(Debug)]
pub struct Linked {
    pub entry: Arc<Entry>,
    pub how: How,
    /// The file's params with the endpoint's facts applied.
    pub params: Params,
    /// Params set for the file that contradict the endpoint, one sentence each.
    pub disagreements: Vec<String>,
}

/// Links `profile` (with its file's `params`) to its endpoint, if anything links it.
/// `config` is the config file (path as shown, text), for the places of contradicting params.
pub fn resolve(
    registry: &Registry,
    profile: &Profile,
    params: &Params,
    config: Option<(&str, &str)>,
    context: &dyn TerraformContext,
) -> Option<Linked> {
    let (entry, how) = find(registry, profile, params, context)?;
    let config_place = |span: &std::ops::Range<usize>| match config {
        Some((path, text)) => format!("{path}:{}", super::line_of(text, span.start)),
        None => "the config".to_owned(),
    };
    let (params, disagreements) = apply(params, &entry.endpoint, &config_place);
    Some(Linked {
        entry,
        how,
        params,
        disagreements,
    })
}

/// `--inspect`: the link, each fact, and where it came from or why it is unknown.
pub fn to_json(linked: &Linked) -> serde_json::Value {
    use serde_json::json;
    fn fact<T>(
        fact: &Fact<T>,
        show: impl Fn(&T) -> serde_json::Value,
        set: bool,
    ) -> serde_json::Value {
        let place = fact.place();
        let mut value = match fact {
            Fact::Known { value, written, .. } => json!({
                "value": show(value),
                "source": if *written { "written" } else { "default" },
            }),
            Fact::Unknown { why, .. } => json!({ "value": null, "unknown": why }),
        };
        value["file"] = json!(crate::report::display_path(&place.path));
        value["line"] = json!(place.line);
        if set {
            value["overridden_by_param"] = json!(true);
        }
        value
    }
    let endpoint = &linked.entry.endpoint;
    json!({
        "name": endpoint.name,
        "id": endpoint.id,
        "linked_by": linked.how.as_str(),
        "file": crate::report::display_path(&endpoint.defined.path),
        "line": endpoint.defined.line,
        "traffic_ip_address_type": fact(
            &endpoint.traffic_type,
            |t| json!(t.as_str()),
            linked.params.traffic_ip_address_type_set.is_some(),
        ),
        "split_tunnel": fact(
            &endpoint.split_tunnel,
            |b| json!(b),
            linked.params.split_tunnel_set.is_some(),
        ),
        "routes": endpoint.routes.iter().map(|r| fact(&r.destination, |n| json!(n.to_string()), false)).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_is_found_through_functions_and_in_unknown_names() {
        for (text, expected) in [
            ("aws_ec2_client_vpn_endpoint.vpn.dns_name", Some("vpn")),
            (
                "replace(aws_ec2_client_vpn_endpoint.office-1.dns_name, \"*.\", \"\")",
                Some("office-1"),
            ),
            (
                "trimprefix(aws_ec2_client_vpn_endpoint.lab.dns_name, \"*.\")",
                Some("lab"),
            ),
            ("data.aws_ec2_client_vpn_endpoint.vpn.dns_name", None),
            ("my_aws_ec2_client_vpn_endpoint.vpn", None),
            ("aws_ec2_client_vpn_endpoint.", None),
            ("var.endpoint", None),
        ] {
            assert_eq!(referenced_endpoint(text), expected, "{text}");
        }
        // As `unknown_word` writes an expression: punctuation becomes `_`.
        let word = crate::template::unknown_word(
            "replace(aws_ec2_client_vpn_endpoint.vpn.dns_name, \"*.\", \"\")",
        );
        let name = crate::template::unknown_names(&word).next().unwrap();
        assert_eq!(referenced_endpoint_in(name, true), Some("vpn"));
        assert_eq!(
            referenced_endpoint_in("data.aws_ec2_client_vpn_endpoint.x", true),
            None
        );
    }

    #[test]
    fn a_module_is_read_once_when_a_template_asks_for_one_of_its_endpoints() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("vpn");
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(
            folder.join("main.tf"),
            "resource \"aws_ec2_client_vpn_endpoint\" \"vpn\" {\n  traffic_ip_address_type = \"dual-stack\"\n}\n",
        )
        .unwrap();
        let config = crate::config::Config::default_at(dir.path().to_path_buf());
        let context = crate::template::repository::Repository::new(dir.path());
        let registry = super::super::load::load(&config, dir.path(), Some(&context)).unwrap();
        assert!(registry.is_empty());
        let entry = registry.in_module(&folder, "vpn", &context).unwrap();
        assert_eq!(
            entry.endpoint.traffic_type.value(),
            Some(crate::model::aws::TrafficType::DualStack)
        );
        assert!(registry.in_module(&folder, "other", &context).is_none());
        assert!(registry.file(Path::new("vpn/main.tf")).is_some());
        // Outside the repository: not read.
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(
            outside.path().join("main.tf"),
            "resource \"aws_ec2_client_vpn_endpoint\" \"vpn\" {}\n",
        )
        .unwrap();
        assert!(
            registry
                .in_module(outside.path(), "vpn", &context)
                .is_none()
        );
    }
}
