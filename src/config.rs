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

/// The JSON Schema of the config file, generated from the mirror below (see [`crate::schema`]).
/// Draft 7: what Taplo and the JSON Schema Store read most widely.
pub fn schema() -> schemars::Schema {
    schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<ConfigFile>()
}

/// `.ovpn6-lint.toml`: which files to lint, which rules, the values rules use, and per-glob
/// changes.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "ovpn6-lint configuration")]
struct ConfigFile {
    /// Globs of the files to lint (default `["**/*.ovpn", "**/*.conf"]`; a `.conf` is then
    /// linted only if it looks like OpenVPN).
    #[schemars(with = "Option<Vec<String>>")]
    include: Option<Spanned<Vec<String>>>,
    /// Globs of files and folders not to lint.
    #[schemars(with = "Option<Vec<String>>")]
    exclude: Option<Spanned<Vec<String>>>,
    /// The lowest severity that makes the exit status 1 (default `warning`).
    #[schemars(with = "Option<crate::schema::FailOnName>")]
    fail_on: Option<Spanned<String>>,
    /// Folders of your own rule files, relative to this file.
    #[serde(default)]
    rule_dirs: Vec<String>,
    rules: Option<RulesTable>,
    #[schemars(with = "Option<crate::schema::ParamsSchema>")]
    params: Option<ParamsTable>,
    /// Per-glob changes; later entries win.
    #[serde(default)]
    overrides: Vec<OverrideTable>,
}

/// Which rules run, and at which severity.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RulesTable {
    /// Rule ids to run (`all` for every rule).
    select: Option<Vec<String>>,
    /// Rule ids not to run.
    ignore: Option<Vec<String>>,
    /// A severity per rule id.
    #[schemars(with = "Option<BTreeMap<String, crate::schema::SeverityName>>")]
    severity: Option<BTreeMap<String, Spanned<String>>>,
}

/// Changes for the files matching `files`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct OverrideTable {
    /// Globs of the files this entry applies to.
    #[schemars(with = "Vec<String>")]
    files: Spanned<Vec<String>>,
    /// `[params]` values for these files, over the top-level ones.
    #[schemars(with = "Option<crate::schema::ParamsSchema>")]
    params: Option<ParamsTable>,
    /// The role of these files, for templates without a `client` line.
    #[schemars(with = "Option<crate::schema::RoleName>")]
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
