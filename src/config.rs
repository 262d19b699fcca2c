//! `.ovpn6-lint.toml`: which files, which rules, which params, per-glob overrides. Read in two
//! steps like rule files: a serde mirror that rejects unknown keys, then validated settings.
//! Every mistake comes back with a span into the file.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::Severity;
use crate::model::Role;
use crate::rules::params::{self, Params};

/// The config file's name, looked for from the current directory up to the repository root.
pub const FILE_NAME: &str = ".ovpn6-lint.toml";

#[derive(Debug, Clone)]
pub struct Config {
    /// The folder globs are relative to.
    pub root: PathBuf,
    pub include: GlobSet,
    /// The `include` globs as written.
    pub include_patterns: Vec<String>,
    /// The config file sets `include` (else a `.conf` is linted only when it looks like OpenVPN).
    pub include_configured: bool,
    pub exclude: GlobSet,
    pub fail_on: Option<FailOn>,
    pub rule_dirs: Vec<PathBuf>,
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    pub severity: BTreeMap<String, Spanned<Severity>>,
    pub params: Params,
    pub overrides: Vec<Override>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    At(Severity),
    Never,
}

impl FailOn {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "never" => Some(FailOn::Never),
            other => Severity::parse(other).map(FailOn::At),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Override {
    pub files: GlobSet,
    pub params: Params,
    pub role: Option<Role>,
}

/// A config file that cannot be used.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub message: String,
    pub span: Option<Range<usize>>,
}

pub const DEFAULT_INCLUDE: &[&str] = &["**/*.ovpn", "**/*.conf"];

impl Config {
    /// No config file: the defaults.
    pub fn default_at(root: PathBuf) -> Self {
        Self {
            root,
            include: globs(DEFAULT_INCLUDE).expect("valid literal globs"),
            include_patterns: DEFAULT_INCLUDE.iter().map(|p| p.to_string()).collect(),
            include_configured: false,
            exclude: GlobSet::empty(),
            fail_on: None,
            rule_dirs: Vec::new(),
            select: None,
            ignore: Vec::new(),
            severity: BTreeMap::new(),
            params: Params::default(),
            overrides: Vec::new(),
        }
    }

    /// Reads a config file's text; `root` is its folder.
    pub fn parse(text: &str, root: PathBuf) -> Result<Self, ConfigError> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| ConfigError {
            message: e.message().to_owned(),
            span: e.span(),
        })?;
        let mut config = Config::default_at(root.clone());
        if let Some(include) = &file.include {
            config.include = spanned_globs(include)?;
            config.include_patterns.clone_from(include.get_ref());
            config.include_configured = true;
        }
        if let Some(exclude) = &file.exclude {
            config.exclude = spanned_globs(exclude)?;
        }
        if let Some(fail_on) = &file.fail_on {
            config.fail_on = Some(FailOn::parse(fail_on.get_ref()).ok_or_else(|| {
                error(
                    fail_on.span(),
                    "fail-on must be `error`, `warning`, `note` or `never`",
                )
            })?);
        }
        config.rule_dirs = file.rule_dirs.iter().map(|d| root.join(d)).collect();
        if let Some(rules) = file.rules {
            config.select = rules.select;
            config.ignore = rules.ignore.unwrap_or_default();
            for (id, severity) in rules.severity.unwrap_or_default() {
                let parsed = Severity::parse(severity.get_ref()).ok_or_else(|| {
                    error(
                        severity.span(),
                        "severity must be `error`, `warning` or `note`",
                    )
                })?;
                config
                    .severity
                    .insert(id, Spanned::new(severity.span(), parsed));
            }
        }
        if let Some(table) = &file.params {
            config.params = apply_params(Params::default(), table)?;
        }
        for over in &file.overrides {
            let role = match &over.role {
                Some(role) => Some(params::parse_role(role.get_ref()).ok_or_else(|| {
                    error(role.span(), "role must be `client`, `server` or `p2p`")
                })?),
                None => None,
            };
            config.overrides.push(Override {
                files: spanned_globs(&over.files)?,
                params: match &over.params {
                    Some(table) => apply_params(config.params.clone(), table)?,
                    None => config.params.clone(),
                },
                role,
            });
        }
        Ok(config)
    }

    /// What a folder is searched for, for the warning when nothing was linted.
    pub fn include_description(&self) -> String {
        if self.include_patterns.is_empty() {
            return "nothing: `include` is empty".to_owned();
        }
        format!("`{}`", self.include_patterns.join("`, `"))
    }

    /// The params and role for a file, after every matching override (later ones win).
    pub fn for_file(&self, relative: &Path) -> (&Params, Option<Role>) {
        let mut params = &self.params;
        let mut role = None;
        for over in &self.overrides {
            if over.files.is_match(relative) {
                params = &over.params;
                role = over.role.or(role);
            }
        }
        (params, role)
    }
}

fn error(span: Range<usize>, message: impl Into<String>) -> ConfigError {
    ConfigError {
        message: message.into(),
        span: Some(span),
    }
}

fn globs(patterns: &[&str]) -> Result<GlobSet, globset::Error> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        builder.add(Glob::new(pattern)?);
    }
    builder.build()
}

fn spanned_globs(patterns: &Spanned<Vec<String>>) -> Result<GlobSet, ConfigError> {
    let refs: Vec<&str> = patterns.get_ref().iter().map(String::as_str).collect();
    globs(&refs).map_err(|e| error(patterns.span(), format!("bad glob: {e}")))
}

/// A `[params]` table: each value keeps its span, so errors point at the key's line.
type ParamsTable = BTreeMap<String, Spanned<toml::Value>>;

/// Validates `[params]` over a base (defaults, or the top-level params for an override).
fn apply_params(mut params: Params, table: &ParamsTable) -> Result<Params, ConfigError> {
    let strings = |key: &str, value: &Spanned<toml::Value>| -> Result<Vec<String>, ConfigError> {
        value
            .get_ref()
            .as_array()
            .and_then(|items| {
                items
                    .iter()
                    .map(|i| i.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
            })
            .ok_or_else(|| {
                error(
                    value.span(),
                    format!("params.{key} must be a list of strings"),
                )
            })
    };
    let prefixes =
        |key: &str, value: &Spanned<toml::Value>| -> Result<Vec<ipnet::Ipv6Net>, ConfigError> {
            strings(key, value)?
                .iter()
                .map(|p| {
                    params::parse_prefix(p)
                        .map_err(|m| error(value.span(), format!("params.{key}: {m}")))
                })
                .collect()
        };
    for (key, value) in table {
        let span = value.span();
        match key.as_str() {
            "required-coverage" => params.required_coverage = prefixes(key, value)?,
            "tunnel-ranges" => params.tunnel_ranges = prefixes(key, value)?,
            // Checked below, against the final tunnel-ranges whatever the key order.
            "tunnel-addresses" => {}
            "leak-roles" => {
                params.leak_roles = strings(key, value)?
                    .iter()
                    .map(|r| {
                        params::parse_role(r).ok_or_else(|| {
                            error(
                                span.clone(),
                                format!("params.leak-roles: unknown role `{r}`"),
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?;
            }
            "server-pushes-ipv6" => {
                params.server_pushes_ipv6 = value.get_ref().as_bool().ok_or_else(|| {
                    error(
                        span.clone(),
                        "params.server-pushes-ipv6 must be true or false",
                    )
                })?;
            }
            "clients" => {
                params.clients = strings(key, value)?
                    .iter()
                    .map(|c| {
                        params::parse_client(c).ok_or_else(|| {
                            error(
                                span.clone(),
                                format!(
                                    "params.clients: unknown client `{c}` (openvpn2, openvpn3)"
                                ),
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?;
            }
            other => {
                params
                    .extra_prefixes
                    .insert(other.to_owned(), prefixes(other, value)?);
            }
        }
    }
    if let Some(value) = table.get("tunnel-addresses") {
        params.tunnel_addresses = params::parse_tunnel_addresses(
            &strings("tunnel-addresses", value)?,
            &params.tunnel_ranges,
        )
        .map_err(|m| error(value.span(), format!("params.tunnel-addresses: {m}")))?;
    }
    Ok(params)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    include: Option<Spanned<Vec<String>>>,
    exclude: Option<Spanned<Vec<String>>>,
    fail_on: Option<Spanned<String>>,
    #[serde(default)]
    rule_dirs: Vec<String>,
    rules: Option<RulesTable>,
    params: Option<ParamsTable>,
    #[serde(default)]
    overrides: Vec<OverrideTable>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RulesTable {
    select: Option<Vec<String>>,
    ignore: Option<Vec<String>>,
    severity: Option<BTreeMap<String, Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct OverrideTable {
    files: Spanned<Vec<String>>,
    params: Option<ParamsTable>,
    role: Option<Spanned<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, PathBuf::from("."))
    }

    #[test]
    fn the_design_example_parses() {
        let config = parse(
            r#"
include = ["**/*.ovpn", "**/*.conf"]
exclude = ["third_party/**"]
fail-on = "warning"
[rules]
select = ["all"]
ignore = []
severity = { tunnel-address-out-of-range = "warning" }
[params]
required-coverage = ["2000::/3", "fc00::/7"]
tunnel-ranges = ["100::/64", "fc00::/7"]
tunnel-addresses = ["fd15:53b6:dead::2", "fd15:53b6:dead::1"]
leak-roles = ["client"]
server-pushes-ipv6 = false
clients = ["openvpn2"]
[[overrides]]
files = ["providers/**"]
params = { server-pushes-ipv6 = true }
[[overrides]]
files = ["terraform/**/*.ovpn.tpl"]
role = "client"
"#,
        )
        .unwrap();
        assert_eq!(config.params.required_coverage.len(), 2);
        let (params, role) = config.for_file(Path::new("providers/x.ovpn"));
        assert!(params.server_pushes_ipv6);
        assert_eq!(role, None);
        assert_eq!(
            config.for_file(Path::new("terraform/a/b.ovpn.tpl")).1,
            Some(Role::Client)
        );
    }

    #[test]
    fn unknown_keys_point_at_the_key() {
        let text = "incldue = []\n";
        let e = parse(text).unwrap_err();
        assert!(e.message.contains("incldue"));
        assert_eq!(&text[e.span.unwrap()], "incldue");
    }

    #[test]
    fn params_are_validated() {
        assert!(parse("[params]\nrequired-coverage = [\"2001::/3\"]").is_err());
        assert!(parse("[params]\ntunnel-addresses = [\"2001:db8::1\", \"fd00::1\"]").is_err());
        assert!(parse("[params]\nclients = [\"openvpn4\"]").is_err());
        assert!(parse("[params]\nserver-pushes-ipv6 = \"yes\"").is_err());
        assert!(parse("fail-on = \"sometimes\"").is_err());
    }
}
