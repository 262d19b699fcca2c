//! `docs/src/rules/`: one Markdown page per built-in rule and an index, generated from the rule
//! files (`rules/<id>.toml` is the single source: summary, why, examples, fix safety, params),
//! and listed in the book's `docs/src/SUMMARY.md` ([`summary_entries`]).
//!
//! The pages are committed and published with the book (mdBook, `docs/`) on GitHub Pages; SARIF's
//! `helpUri` and the human report point at them there ([`rule_url`]). `tests/rule_docs.rs` fails
//! while a page or the book's list of them is stale; `OVPN6_UPDATE_DOCS=1 cargo test --test
//! rule_docs` rewrites them.

use std::collections::BTreeSet;

use crate::explain::fix_safety;
use crate::rules::{AppliesTo, BUILTIN, Condition, Params, Rule};

/// The folder of the pages, relative to the repository root.
pub const DIR: &str = "docs/src/rules";

/// Where the book is published: the GitHub Pages site of the repository in `Cargo.toml`
/// (`https://github.com/OWNER/NAME` is served at `https://OWNER.github.io/NAME/`). The book is
/// published from `main`, so the links carry no version.
pub const BOOK_URL: &str = "https://ovpn6-lint.github.io/ovpn6-lint";

/// The command that regenerates the pages; stale-page failures name it.
pub const UPDATE_COMMAND: &str = "OVPN6_UPDATE_DOCS=1 cargo test --test rule_docs";

/// The book's page of a built-in rule; `None` for a rule from `rule-dirs`, which has no page.
pub fn rule_url(rule: &Rule) -> Option<String> {
    BUILTIN
        .iter()
        .any(|(name, _)| *name == rule.origin)
        .then(|| format!("{BOOK_URL}/rules/{}.html", rule.id))
}

/// The lines of `docs/src/SUMMARY.md` that list the rule pages under the index, in order.
pub fn summary_entries(rules: &[Rule]) -> String {
    rules
        .iter()
        .map(|rule| format!("  - [`{id}`](rules/{id}.md)\n", id = rule.id))
        .collect()
}

/// A rule's page. `text` is its rule file, read for the `[params]` it names.
pub fn rule_page(rule: &Rule, text: &str) -> String {
    let doc = &rule.doc;
    let mut out = format!(
        "# `{}`\n\n{}\n\n{}\n\n",
        rule.id,
        generated_from(&format!("rules/{}.toml", rule.id)),
        doc.summary
    );
    out.push_str("| severity | applies to | fix | tags |\n|---|---|---|---|\n");
    let tags = if doc.tags.is_empty() {
        "".to_owned()
    } else {
        doc.tags
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    out.push_str(&format!(
        "| {} | {} | {} | {tags} |\n",
        rule.severity.as_str(),
        applies_to(&rule.applies_to),
        rule.fix
            .as_ref()
            .map_or("none", |f| f.applicability.as_str()),
    ));
    if let Some(score) = doc.security_severity {
        out.push_str(&format!(
            "\nCode scanning ranks its alerts with a security severity of {score:.1}.\n"
        ));
    }
    out.push_str(&format!("\n## Why is this bad?\n\n{}\n", doc.why));
    for (heading, example) in [("Example", &doc.bad), ("Use instead", &doc.good)] {
        out.push_str(&format!(
            "\n## {heading}\n\n```text\n{}\n```\n",
            example.trim_matches('\n')
        ));
    }
    out.push_str(&format!("\n## Fix safety\n\n{}\n", fix_safety(rule)));
    out.push_str(&params_section(rule, text));
    out.push_str(&format!(
        "\n## Configuration\n\n\
         - Turn it off: `--ignore {id}`, or `ignore = [\"{id}\"]` under `[rules]` in \
         `.ovpn6-lint.toml`.\n\
         - Change its severity: `severity = {{ {id} = \"warning\" }}` under `[rules]`.\n\
         - Silence one finding: `# ovpn6-lint: disable={id} -- why` at the end of the line, \
         `# ovpn6-lint: disable-next-line={id}` above it, or `# ovpn6-lint: disable-file={id}`.\n\
         - Read this page in a terminal: `ovpn6-lint --explain {id}`.\n",
        id = rule.id
    ));
    out
}

/// The index: every rule with its severity, fix and summary, linking to its page.
pub fn index_page(rules: &[Rule]) -> String {
    let mut out = format!(
        "# Rules\n\n{}\n\nEvery rule is a TOML file in [`rules/`]({}/tree/main/rules); the file name is \
         the rule id, which never changes once released. `ovpn6-lint --list-rules` lists them \
         and `ovpn6-lint --explain ID` prints a page in the terminal.\n\n",
        generated_from("rules/*.toml"),
        env!("CARGO_PKG_REPOSITORY")
    );
    out.push_str("| id | severity | applies to | fix | what it finds |\n|---|---|---|---|---|\n");
    for rule in rules {
        out.push_str(&format!(
            "| [`{id}`]({id}.md) | {} | {} | {} | {} |\n",
            rule.severity.as_str(),
            applies_to(&rule.applies_to),
            rule.fix
                .as_ref()
                .map_or("none", |f| f.applicability.as_str()),
            rule.doc.summary.replace('|', "\\|"),
            id = rule.id,
        ));
    }
    out
}

fn generated_from(source: &str) -> String {
    format!(
        "<!-- Generated from {source} by `{UPDATE_COMMAND}`: edit the rule file, not this page. -->"
    )
}

fn applies_to(applies_to: &AppliesTo) -> String {
    match applies_to {
        AppliesTo::Param(name) => format!("the roles in `{name}` (clients by default)"),
        other => other.describe(),
    }
}

/// The `[params]` the rule reads (`$name` in its check or fix, `{name}` in what its fix
/// inserts, `applies-to = "$name"`) and the conditions it runs under.
fn params_section(rule: &Rule, text: &str) -> String {
    let defaults = Params::default();
    let mut names = BTreeSet::new();
    if let AppliesTo::Param(name) = &rule.applies_to {
        names.insert(name.clone());
    }
    if let Ok(table) = toml::from_str::<toml::Table>(text) {
        for key in ["check", "fix"] {
            if let Some(value) = table.get(key) {
                param_refs(value, &defaults, &mut names);
            }
        }
    }
    let mut conditions = Vec::new();
    let fix_unsafe_when = rule.fix.iter().flat_map(|f| &f.unsafe_when);
    for (lead, list) in [
        ("Runs only when", rule.when.iter().collect::<Vec<_>>()),
        ("Stays silent when", rule.unless.iter().collect()),
        ("Its fix is unsafe when", fix_unsafe_when.collect()),
    ] {
        for condition in list {
            let (text, param) = condition_doc(*condition);
            names.insert(param.to_owned());
            conditions.push(format!("- {lead} {text}.\n"));
        }
    }
    if names.is_empty() {
        return "\n## Parameters\n\nThis rule reads no `[params]`.\n".to_owned();
    }
    let mut out = String::from(
        "\n## Parameters\n\nSet in `[params]` of `.ovpn6-lint.toml` (or per folder in \
         `[[overrides]]`):\n\n",
    );
    for name in &names {
        match default_of(name, &defaults) {
            Some(value) => out.push_str(&format!("- `{name}` (default: `{value}`)\n")),
            None => out.push_str(&format!("- `{name}`\n")),
        }
    }
    if !conditions.is_empty() {
        out.push_str("\nHow they decide:\n\n");
        out.push_str(&conditions.concat());
    }
    out
}

fn param_refs(value: &toml::Value, defaults: &Params, names: &mut BTreeSet<String>) {
    match value {
        toml::Value::String(text) => {
            if let Some(name) = text.strip_prefix('$') {
                names.insert(name.to_owned());
            }
            for piece in text.split('{').skip(1) {
                if let Some((name, _)) = piece.split_once('}')
                    && defaults.text(name).is_some()
                {
                    names.insert(name.to_owned());
                }
            }
        }
        toml::Value::Array(items) => items
            .iter()
            .for_each(|item| param_refs(item, defaults, names)),
        toml::Value::Table(table) => table
            .values()
            .for_each(|item| param_refs(item, defaults, names)),
        _ => {}
    }
}

/// What a condition means, and the param that decides it.
fn condition_doc(condition: Condition) -> (&'static str, &'static str) {
    match condition {
        Condition::ServerPushesIfconfigIpv6 => (
            "the server pushes an `ifconfig-ipv6` (its config is paired with `server`, or \
             `server-pushes-ipv6`/`traffic-ip-address-type` say so) and nothing in the profile \
             (`pull-filter`) stops it",
            "server",
        ),
        Condition::ServerPushesRoutesIpv6 => (
            "IPv6 routes the server pushes reach the profile (nothing in it, `route-nopull` or \
             `pull-filter`, stops them)",
            "server",
        ),
        Condition::Openvpn3Clients => (
            "`clients` lists an OpenVPN 3 client (`openvpn3`, `openvpn-connect`, `openvpn3-linux`)",
            "clients",
        ),
        Condition::Openvpn2 => (
            "the finding is for the clients that read the profile as OpenVPN 2 (`openvpn2`, `aws-vpn-client`)",
            "clients",
        ),
        Condition::Openvpn3 => (
            "the finding is for OpenVPN 3 clients (`openvpn-connect`, `openvpn3-linux`)",
            "clients",
        ),
        Condition::OpenvpnConnect => ("the finding is for OpenVPN Connect", "clients"),
        Condition::Openvpn3Linux => ("the finding is for openvpn3-linux", "clients"),
        Condition::NoIpv6Tunnel => (
            "an OpenVPN 3 client builds no IPv6 tunnel: the server pushes no `ifconfig-ipv6` \
             that reaches it, or `block-ipv6` turns it off",
            "server",
        ),
        Condition::AwsVpnClient => (
            "the profile's clients include the AWS VPN Client (`clients`, or by default for a \
             profile whose every `remote` is an AWS Client VPN endpoint)",
            "clients",
        ),
        Condition::Ipv6Routed => (
            "the tunnel's routes (the profile's and what reaches it of the server's) cover \
             `required-coverage`",
            "required-coverage",
        ),
        Condition::SplitTunnel => (
            "the endpoint is a split tunnel: traffic outside its routes leaves locally by design",
            "split-tunnel",
        ),
        Condition::EndpointAssignsIpv6 => (
            "the AWS Client VPN endpoint's traffic IP address type is `ipv6` or `dual-stack`",
            "traffic-ip-address-type",
        ),
        Condition::AwsProfile => (
            "every `remote` of the profile names an AWS Client VPN endpoint",
            "traffic-ip-address-type",
        ),
        Condition::ServerConfigNearby => (
            "no `server` is set and the profile's folder holds a server config",
            "server",
        ),
        Condition::EndpointUnlinked => (
            "no endpoint definition decided the profile's facts (`aws-endpoint`, or an endpoint \
             id in `remote` that `aws-endpoints` describes)",
            "aws-endpoint",
        ),
    }
}

fn default_of(name: &str, params: &Params) -> Option<String> {
    let list = |items: Vec<String>| format!("[{}]", items.join(", "));
    if let Some(roles) = params.roles(name) {
        return Some(list(
            roles.iter().map(|r| format!("{:?}", r.as_str())).collect(),
        ));
    }
    if let Some(prefixes) = params.prefixes(name) {
        return Some(list(prefixes.iter().map(|p| format!("\"{p}\"")).collect()));
    }
    match name {
        "tunnel-addresses" => Some(list(
            params
                .tunnel_addresses
                .as_args()
                .split(' ')
                .map(|a| format!("\"{a}\""))
                .collect(),
        )),
        "server-pushes-ipv6" => Some(params.server_pushes_ipv6.to_string()),
        "traffic-ip-address-type" => {
            Some(format!("\"{}\"", params.traffic_ip_address_type.as_str()))
        }
        "split-tunnel" => Some(params.split_tunnel.to_string()),
        "server" => Some("none".to_owned()),
        "clients" => Some(list(
            params
                .clients
                .iter()
                .map(|c| format!("\"{}\"", c.as_str()))
                .collect(),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load_rule;

    #[test]
    fn the_book_is_at_the_pages_site_of_the_repository() {
        let repository = env!("CARGO_PKG_REPOSITORY");
        let (owner, name) = repository
            .strip_prefix("https://github.com/")
            .and_then(|path| path.split_once('/'))
            .expect("a GitHub repository");
        assert_eq!(BOOK_URL, format!("https://{owner}.github.io/{name}"));
    }

    #[test]
    fn only_built_in_rules_link_to_a_page() {
        let (name, text) = BUILTIN[0];
        let params = Params::default();
        let builtin = load_rule(name, text, &params).unwrap();
        let url = rule_url(&builtin).unwrap();
        assert_eq!(
            url,
            format!(
                "https://ovpn6-lint.github.io/ovpn6-lint/rules/{}.html",
                builtin.id
            )
        );
        let own = load_rule("policy/ovpn6/own.toml", text, &params).unwrap();
        assert_eq!(rule_url(&own), None);
    }
}
