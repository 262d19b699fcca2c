//! `.ovpn6-lint.toml`: which files, which rules, which params, per-glob overrides. Read in two
//! steps like rule files: a serde mirror that rejects unknown keys, then validated settings.
//! Every mistake comes back with a span into the file.

use std::collections::{BTreeMap, BTreeSet};
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
    /// `baseline`, joined to the config's folder.
    pub baseline: Option<PathBuf>,
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    pub severity: BTreeMap<String, Spanned<Severity>>,
    pub params: Params,
    pub overrides: Vec<Override>,
    /// The `[params]` keys that are not built in, in the order written (top level, then each
    /// override): a rule file must declare each of them ([`Config::check_custom_params`]).
    pub custom_params: Vec<CustomParam>,
}

/// A `[params]` key that no built-in param has: a prefix list for an organisation's rules, or
/// a misspelt name.
#[derive(Debug, Clone)]
pub struct CustomParam {
    pub name: String,
    /// The key as written in the config file.
    pub span: Range<usize>,
    /// Why its value is not a list of prefixes, if it is not.
    pub problem: Option<ConfigError>,
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

/// One `[[overrides]]` entry. Its `params` and `rules` are kept as layers: a file that matches
/// several entries gets each of them in turn, later entries winning key by key.
#[derive(Debug, Clone)]
pub struct Override {
    pub files: GlobSet,
    /// The `params` table as written (checked at load on top of the top-level params).
    pub params: Option<ParamsTable>,
    pub role: Option<Role>,
    pub rules: Option<RuleLayer>,
}

/// A `rules = { select, ignore, severity }` table.
#[derive(Debug, Clone, Default)]
pub struct RuleLayer {
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    pub severity: BTreeMap<String, Spanned<Severity>>,
}

/// What the config says for one file: every matching override laid over the top level.
#[derive(Debug, Clone)]
pub struct FileConfig {
    pub params: Params,
    pub role: Option<Role>,
    /// The matching overrides' `rules` tables, in order.
    pub rules: Vec<RuleLayer>,
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
            baseline: None,
            select: None,
            ignore: Vec::new(),
            severity: BTreeMap::new(),
            params: Params::default(),
            overrides: Vec::new(),
            custom_params: Vec::new(),
        }
    }

    /// Reads a config file's text; `root` is its folder. Its custom params are checked only
    /// once the rule files are read: call [`Config::check_custom_params`] before linting.
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
        // Every path in the config is relative to its folder, whatever the working directory.
        config.rule_dirs = file.rule_dirs.iter().map(|d| root.join(d)).collect();
        config.baseline = file.baseline.as_ref().map(|b| root.join(b));
        if let Some(rules) = file.rules {
            let layer = rule_layer(rules)?;
            config.select = layer.select;
            config.ignore = layer.ignore;
            config.severity = layer.severity;
        }
        if let Some(table) = &file.params {
            config.params = apply_params(Params::default(), table, &root)?;
            config.custom_params.extend(custom_params(text, table));
        }
        for over in &file.overrides {
            let role = match &over.role {
                Some(role) => Some(params::parse_role(role.get_ref()).ok_or_else(|| {
                    error(role.span(), "role must be `client`, `server` or `p2p`")
                })?),
                None => None,
            };
            if let Some(table) = &over.params {
                // Mistakes in the table show at load time, with their span.
                apply_params(config.params.clone(), table, &root)?;
                config.custom_params.extend(custom_params(text, table));
            }
            config.overrides.push(Override {
                files: spanned_globs(&over.files)?,
                params: over.params.clone(),
                role,
                rules: over.rules.clone().map(rule_layer).transpose()?,
            });
        }
        Ok(config)
    }

    /// Every custom param must be one that a rule refers to (`declared`: the `$name`s of the
    /// built-in rules and of the `rule-dirs` files), else it is an unknown param, most likely
    /// a misspelt built-in one; a declared one must hold a list of prefixes. Until this has
    /// passed, a custom param whose value is not such a list is left out of the params.
    pub fn check_custom_params(&self, declared: &BTreeSet<String>) -> Result<(), ConfigError> {
        if let Some(unknown) = self
            .custom_params
            .iter()
            .find(|p| !declared.contains(&p.name))
        {
            let known = params::BUILT_IN_NAMES
                .iter()
                .copied()
                .chain(declared.iter().map(String::as_str));
            let message = match nearest(&unknown.name, known) {
                Some(name) => format!("unknown param `{}` (did you mean `{name}`?)", unknown.name),
                None => format!(
                    "unknown param `{}`: no built-in param has this name and no rule of \
                     `rule-dirs` refers to `${}`",
                    unknown.name, unknown.name
                ),
            };
            return Err(error(unknown.span.clone(), message));
        }
        match self.custom_params.iter().find_map(|p| p.problem.clone()) {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// What a folder is searched for, for the warning when nothing was linted.
    pub fn include_description(&self) -> String {
        if self.include_patterns.is_empty() {
            return "nothing: `include` is empty".to_owned();
        }
        format!("`{}`", self.include_patterns.join("`, `"))
    }

    /// The indices of the overrides whose `files` match a path relative to [`Config::root`].
    pub fn matching(&self, relative: &Path) -> Vec<usize> {
        let candidate = globset::Candidate::new(relative);
        (0..self.overrides.len())
            .filter(|&i| self.overrides[i].files.is_match_candidate(&candidate))
            .collect()
    }

    /// The top level with the overrides `matching` laid over it in order: each `params` table
    /// changes only the keys it names, the last `role` wins, and `rules` tables stack.
    /// Params that are fine one table at a time can clash when laid together (a
    /// `tunnel-addresses` outside a later `tunnel-ranges`): that is an error with a span.
    pub fn layered(&self, matching: &[usize]) -> Result<FileConfig, ConfigError> {
        let mut layered = FileConfig {
            params: self.params.clone(),
            role: None,
            rules: Vec::new(),
        };
        for &i in matching {
            let over = &self.overrides[i];
            if let Some(table) = &over.params {
                layered.params = apply_params(layered.params, table, &self.root)?;
            }
            layered.role = over.role.or(layered.role);
            layered.rules.extend(over.rules.clone());
        }
        Ok(layered)
    }

    /// Every `server` the config names: at the top level and in each override.
    pub fn servers(&self) -> Vec<params::ServerConfig> {
        let in_overrides = self.overrides.iter().filter_map(|over| {
            let table = over.params.as_ref()?;
            table.get("server")?;
            apply_params(Params::default(), table, &self.root)
                .ok()?
                .server
        });
        self.params
            .server
            .iter()
            .cloned()
            .chain(in_overrides)
            .collect()
    }

    /// Every `aws-endpoint` and every `aws-endpoints` file the config names: at the top level
    /// and in each override.
    pub fn endpoint_sources(&self) -> (Vec<params::EndpointLink>, Vec<params::CliOutputFile>) {
        let layers =
            std::iter::once(self.params.clone()).chain(self.overrides.iter().filter_map(|over| {
                let table = over.params.as_ref()?;
                (table.contains_key("aws-endpoint") || table.contains_key("aws-endpoints"))
                    .then(|| apply_params(Params::default(), table, &self.root).ok())?
            }));
        let (mut links, mut files) = (Vec::new(), Vec::new());
        for params in layers {
            links.extend(params.aws_endpoint);
            for file in params.aws_endpoints {
                if !files
                    .iter()
                    .any(|f: &params::CliOutputFile| f.path == file.path)
                {
                    files.push(file);
                }
            }
        }
        (links, files)
    }

    /// [`Config::layered`] for a path relative to [`Config::root`].
    pub fn for_file(&self, relative: &Path) -> Result<FileConfig, ConfigError> {
        self.layered(&self.matching(relative))
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
pub type ParamsTable = BTreeMap<String, Spanned<toml::Value>>;

/// Validates a `[rules]` table or an override's `rules`.
fn rule_layer(table: RulesTable) -> Result<RuleLayer, ConfigError> {
    let mut layer = RuleLayer {
        select: table.select,
        ignore: table.ignore.unwrap_or_default(),
        severity: BTreeMap::new(),
    };
    for (id, severity) in table.severity.unwrap_or_default() {
        let parsed = Severity::parse(severity.get_ref()).ok_or_else(|| {
            error(
                severity.span(),
                "severity must be `error`, `warning` or `note`",
            )
        })?;
        layer
            .severity
            .insert(id, Spanned::new(severity.span(), parsed));
    }
    Ok(layer)
}

/// The keys of a `[params]` table that are not built-in params. `text` is the config file, in
/// which each key is found on its value's line.
fn custom_params(text: &str, table: &ParamsTable) -> Vec<CustomParam> {
    let mut found: Vec<CustomParam> = table
        .iter()
        .filter(|(key, _)| !params::BUILT_IN_NAMES.contains(&key.as_str()))
        .map(|(key, value)| {
            let before = &text[..value.span().start];
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let span = before[line_start..]
                .rfind(key.as_str())
                .map_or(value.span(), |at| {
                    line_start + at..line_start + at + key.len()
                });
            let problem = value
                .get_ref()
                .as_array()
                .and_then(|items| items.iter().map(|i| i.as_str()).collect::<Option<Vec<_>>>())
                .ok_or_else(|| format!("params.{key} must be a list of strings"))
                .and_then(|items| {
                    items
                        .iter()
                        .try_for_each(|p| params::parse_prefix(p).map(drop))
                        .map_err(|m| format!("params.{key}: {m}"))
                })
                .err()
                .map(|message| error(value.span(), message));
            CustomParam {
                name: key.clone(),
                span,
                problem,
            }
        })
        .collect();
    found.sort_by_key(|p| p.span.start);
    found
}

/// The name in `known` nearest to `name`, if it is near enough to be a likely misspelling.
fn nearest<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    known
        .map(|k| (strsim::levenshtein(name, k), k))
        .min()
        .filter(|(distance, k)| *distance <= k.len() / 3 || k.contains(name) || name.contains(k))
        .map(|(_, k)| k)
}

/// Validates `[params]` over a base (defaults, or the top-level params for an override).
/// `root` is the config file's folder, which `server` is relative to.
fn apply_params(
    mut params: Params,
    table: &ParamsTable,
    root: &Path,
) -> Result<Params, ConfigError> {
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
            "traffic-ip-address-type" => {
                params.traffic_ip_address_type = value
                    .get_ref()
                    .as_str()
                    .and_then(params::TrafficType::parse)
                    .ok_or_else(|| {
                        error(
                            span.clone(),
                            format!(
                                "params.traffic-ip-address-type must be {} (the AWS Client VPN \
                                 endpoint's traffic IP address type)",
                                params::TrafficType::NAMES
                            ),
                        )
                    })?;
                params.traffic_ip_address_type_set = Some(span.clone());
            }
            "split-tunnel" => {
                params.split_tunnel = value.get_ref().as_bool().ok_or_else(|| {
                    error(
                        span.clone(),
                        "params.split-tunnel must be true or false (the AWS Client VPN endpoint's \
                         split-tunnel setting)",
                    )
                })?;
                params.split_tunnel_set = Some(span.clone());
            }
            "aws-endpoint" => {
                let written = value.get_ref().as_str().ok_or_else(|| {
                    error(
                        span.clone(),
                        "params.aws-endpoint must be a string: \"PATH#NAME\" (a Terraform \
                         resource or CloudFormation logical id) or an endpoint id \
                         \"cvpn-endpoint-…\"",
                    )
                })?;
                let target = params::parse_endpoint_target(written, root)
                    .map_err(|m| error(span.clone(), format!("params.aws-endpoint: {m}")))?;
                params.aws_endpoint = Some(params::EndpointLink {
                    target,
                    written: written.to_owned(),
                    span: span.clone(),
                });
            }
            "aws-endpoints" => {
                params.aws_endpoints = strings(key, value)?
                    .into_iter()
                    .map(|written| params::CliOutputFile {
                        path: root.join(&written),
                        written,
                        span: span.clone(),
                    })
                    .collect();
            }
            "server" => {
                let written = value.get_ref().as_str().ok_or_else(|| {
                    error(
                        span.clone(),
                        "params.server must be the path of a server config, relative to this \
                         file's folder",
                    )
                })?;
                params.server = Some(params::ServerConfig {
                    path: root.join(written),
                    written: written.to_owned(),
                    span: span.clone(),
                });
            }
            "clients" => {
                params.clients_configured = true;
                let mut clients = Vec::new();
                for c in strings(key, value)? {
                    let named = params::parse_client(&c).ok_or_else(|| {
                        error(
                            span.clone(),
                            format!(
                                "params.clients: unknown client `{c}` ({})",
                                params::CLIENT_NAMES
                            ),
                        )
                    })?;
                    clients.extend(
                        named
                            .iter()
                            .filter(|n| !clients.contains(*n))
                            .copied()
                            .collect::<Vec<_>>(),
                    );
                }
                params.clients = clients;
            }
            "template-vars" => {
                params.template_vars = strings(key, value)
                    .map_err(|_| {
                        error(
                            span.clone(),
                            "params.template-vars must be a list of YAML variables files, \
                             relative to this file's folder",
                        )
                    })?
                    .iter()
                    .map(|p| root.join(p))
                    .collect();
            }
            "template-values" => {
                let table = value.get_ref().as_table().ok_or_else(|| {
                    error(
                        span.clone(),
                        "params.template-values must be a table of variables \
                         (`{ openvpn_ipv6 = true }`)",
                    )
                })?;
                params.template_values =
                    table.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            }
            // Kept when it is a list of prefixes; `check_custom_params` reports the rest.
            other => {
                if let Ok(list) = prefixes(other, value) {
                    params.extra_prefixes.insert(other.to_owned(), list);
                }
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
    baseline: Option<String>,
    rules: Option<RulesTable>,
    #[schemars(with = "Option<crate::schema::ParamsSchema>")]
    params: Option<ParamsTable>,
    /// Per-glob changes; later entries win.
    #[serde(default)]
    overrides: Vec<OverrideTable>,
}

/// Which rules run, and at which severity.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
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
    rules: Option<RulesTable>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, PathBuf::from("."))
    }

    #[test]
    fn template_params_are_read_relative_to_the_config_and_laid_over_by_overrides() {
        let config = Config::parse(
            "[params]\ntemplate-vars = [\"inventory/group_vars/all.yml\"]\n\
             template-values = { openvpn_ipv6 = true, port = 1194 }\n\
             [[overrides]]\nfiles = [\"roles/office/**\"]\n\
             params = { template-values = { openvpn_ipv6 = false } }\n",
            PathBuf::from("repo"),
        )
        .unwrap();
        let top = config
            .for_file(Path::new("roles/home/templates/c.j2"))
            .unwrap();
        assert_eq!(
            top.params.template_vars,
            [PathBuf::from("repo/inventory/group_vars/all.yml")]
        );
        assert_eq!(top.params.template_values.len(), 2);
        let office = config
            .for_file(Path::new("roles/office/templates/c.j2"))
            .unwrap();
        assert_eq!(
            office.params.template_values,
            [("openvpn_ipv6".to_owned(), toml::Value::Boolean(false))]
        );
        assert!(parse("[params]\ntemplate-values = [1]").is_err());
        assert!(parse("[params]\ntemplate-vars = \"x.yml\"").is_err());
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
        let file = config.for_file(Path::new("providers/x.ovpn")).unwrap();
        assert!(file.params.server_pushes_ipv6);
        assert_eq!(file.role, None);
        assert_eq!(
            config
                .for_file(Path::new("terraform/a/b.ovpn.tpl"))
                .unwrap()
                .role,
            Some(Role::Client)
        );
    }

    #[test]
    fn a_file_matching_two_overrides_gets_the_params_of_both() {
        let config = parse(
            r#"
[params]
required-coverage = ["2000::/3", "fc00::/7"]
[[overrides]]
files = ["providers/**"]
params = { server-pushes-ipv6 = true }
[[overrides]]
files = ["providers/eu/**"]
params = { required-coverage = ["2000::/3"] }
[[overrides]]
files = ["**/legacy/**"]
params = { server-pushes-ipv6 = false }
"#,
        )
        .unwrap();
        let eu = config.for_file(Path::new("providers/eu/a.ovpn")).unwrap();
        assert!(
            eu.params.server_pushes_ipv6,
            "the first override still counts"
        );
        assert_eq!(eu.params.required_coverage.len(), 1, "the second one too");
        let us = config.for_file(Path::new("providers/us/a.ovpn")).unwrap();
        assert!(us.params.server_pushes_ipv6);
        assert_eq!(us.params.required_coverage.len(), 2, "the top level's");
        let legacy = config
            .for_file(Path::new("providers/eu/legacy/a.ovpn"))
            .unwrap();
        assert!(!legacy.params.server_pushes_ipv6, "later entries win");
        assert_eq!(legacy.params.required_coverage.len(), 1);
    }

    #[test]
    fn override_rules_are_read_and_checked() {
        let config = parse(
            r#"
[[overrides]]
files = ["legacy/**"]
rules = { ignore = ["deprecated-tun-ipv6"], severity = { missing-ifconfig-ipv6 = "warning" } }
"#,
        )
        .unwrap();
        let file = config.for_file(Path::new("legacy/a.ovpn")).unwrap();
        let [layer] = file.rules.as_slice() else {
            panic!("{:?}", file.rules)
        };
        assert_eq!(layer.ignore, ["deprecated-tun-ipv6"]);
        assert_eq!(
            *layer.severity["missing-ifconfig-ipv6"].get_ref(),
            Severity::Warning
        );
        let text = "[[overrides]]\nfiles = [\"a\"]\nrules = { severity = { x = \"loud\" } }\n";
        let e = parse(text).unwrap_err();
        assert_eq!(&text[e.span.unwrap()], "\"loud\"");
        assert!(parse("[[overrides]]\nfiles = [\"a\"]\nrules = { selekt = [] }\n").is_err());
    }

    #[test]
    fn layered_params_that_clash_are_an_error() {
        let config = parse(
            r#"
[[overrides]]
files = ["a/**"]
params = { tunnel-ranges = ["100::/64"] }
[[overrides]]
files = ["**/b/**"]
params = { tunnel-addresses = ["fd00::2", "fd00::1"] }
"#,
        )
        .unwrap();
        assert!(config.for_file(Path::new("x/b/c.ovpn")).is_ok());
        assert!(config.for_file(Path::new("a/b/c.ovpn")).is_err());
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
