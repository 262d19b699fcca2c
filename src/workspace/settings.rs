//! What is resolved once for a workspace: the config file (found, named or none), the rules
//! (built-in and `rule-dirs`, with the config's severities), the server configs that `server`
//! params name, and the settings of each path (the config's `[[overrides]]` laid over its top
//! level), worked out once per set of matching overrides.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::config::{Config, FileConfig};
use crate::engine::{Engine, RuleChoices};
use crate::model::{self, Profile};
use crate::rules::{self, Rule};
use crate::selection::RuleSelection;
use crate::walk;

use super::error::{FileError, WorkspaceError};

/// Which config file applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigChoice {
    /// None: the defaults (`--no-config`).
    Defaults,
    /// This file (`--config`).
    File(PathBuf),
    /// The nearest `.ovpn6-lint.toml` from this folder up to the repository root.
    Nearest(PathBuf),
}

/// The config file's path and text, for errors that point into it after it has been read.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub text: String,
}

pub fn load_config(choice: &ConfigChoice) -> Result<(Config, Option<ConfigFile>), WorkspaceError> {
    let path = match choice {
        ConfigChoice::Defaults => None,
        ConfigChoice::File(path) => Some(path.clone()),
        ConfigChoice::Nearest(start) => walk::find_config(start),
    };
    let Some(path) = path else {
        return Ok((Config::default_at(PathBuf::from(".")), None));
    };
    let text = walk::read_text(&path).map_err(WorkspaceError::Unreadable)?;
    let root = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let config = Config::parse(&text, root).map_err(|e| {
        WorkspaceError::InFile(FileError {
            name: path.display().to_string(),
            path: Some(path.clone()),
            text: text.clone(),
            message: e.message,
            span: e.span,
        })
    })?;
    Ok((config, Some(ConfigFile { path, text })))
}

/// The server configs that `server` params name, each read once.
#[derive(Debug, Default)]
pub struct Servers {
    pub by_path: Vec<(PathBuf, Profile)>,
}

impl Servers {
    /// `client` paired with the server its params name, if any (a server is no one's client).
    pub fn pair(&self, client: Profile, params: &rules::Params) -> Profile {
        if client.model.role == model::Role::Server {
            return client;
        }
        let server = params
            .server
            .as_ref()
            .and_then(|s| self.by_path.iter().find(|(path, _)| *path == s.path));
        match server {
            Some((_, server)) => client.pair(server),
            None => client,
        }
    }
}

/// Reads every server config named in the config; one that cannot be read or is no server
/// config is a config error pointing at the line that names it. The servers' paths are shown
/// from `base` (the working directory), like the linted files.
pub fn load_servers(
    config: &Config,
    file: Option<&ConfigFile>,
    base: &Path,
) -> Result<Servers, WorkspaceError> {
    let mut by_path: Vec<(PathBuf, Profile)> = Vec::new();
    for server in &config.servers() {
        if by_path.iter().any(|(path, _)| *path == server.path) {
            continue;
        }
        let fail = |message: String| {
            let message = format!("params.server: {message}");
            match file {
                Some(file) => WorkspaceError::InFile(FileError {
                    name: file.path.display().to_string(),
                    path: Some(file.path.clone()),
                    text: file.text.clone(),
                    message,
                    span: Some(server.span.clone()),
                }),
                None => WorkspaceError::Server(message),
            }
        };
        let text = walk::read_file(&server.path).map_err(|e| {
            fail(format!(
                "cannot read the server config `{}`: {e}",
                server.path.display()
            ))
        })?;
        // Named in reports as from the working directory, like the linted files.
        let shown = server.path.strip_prefix(base).unwrap_or(&server.path);
        let profile = super::load_profile(shown, text);
        if !profile.is_server() {
            return Err(fail(format!(
                "`{}` is not a server config (no `server`, `server-ipv6`, `mode server` or \
                 `push` line)",
                server.path.display()
            )));
        }
        by_path.push((server.path.clone(), profile));
    }
    Ok(Servers { by_path })
}

/// The rules of the run: the built-in ones, then those of `rule-dirs`. The config's params
/// that are not built in must be ones a rule refers to (checked against `config_file`).
pub fn load_rules(
    config: &Config,
    config_file: Option<&ConfigFile>,
) -> Result<Vec<Rule>, WorkspaceError> {
    let mut files = Vec::new();
    for dir in &config.rule_dirs {
        for path in walk::rule_files(dir).map_err(WorkspaceError::Unreadable)? {
            let text = walk::read_text(&path).map_err(WorkspaceError::Unreadable)?;
            files.push((path, text));
        }
    }
    if let Some(file) = config_file {
        check_custom_params(config, file, &files)?;
    }
    let params = &config.params;
    let mut rules = Vec::new();
    for (name, text) in rules::BUILTIN {
        let rule = rules::load_rule(name, text, params).map_err(|e| {
            WorkspaceError::InFile(FileError {
                name: format!("rules/{name}"),
                path: None,
                text: (*text).to_owned(),
                message: e.message,
                span: e.span,
            })
        })?;
        rules.push(rule);
    }
    for (path, text) in files {
        let origin = path.display().to_string();
        let rule = rules::load_rule(&origin, &text, params).map_err(|e| {
            WorkspaceError::InFile(FileError {
                name: origin.clone(),
                path: Some(path.clone()),
                text: text.clone(),
                message: e.message,
                span: e.span,
            })
        })?;
        if rules.iter().any(|r: &Rule| r.id == rule.id) {
            return Err(WorkspaceError::RuleIdTaken {
                id: rule.id,
                origin,
            });
        }
        rules.push(rule);
    }
    if let Some(id) = config
        .severity
        .keys()
        .find(|id| !rules.iter().any(|r| &r.id == *id))
    {
        return Err(unknown_rule(id, &rules));
    }
    for rule in &mut rules {
        if let Some(severity) = config.severity.get(&rule.id) {
            rule.severity = *severity.get_ref();
        }
    }
    Ok(rules)
}

/// An unknown rule id, with the known id it is closest to when one is close.
/// The config's params that are not built in must be ones the rules refer to. A rule file
/// that is not TOML declares nothing: loading it reports that first.
fn check_custom_params(
    config: &Config,
    config_file: &ConfigFile,
    files: &[(PathBuf, String)],
) -> Result<(), WorkspaceError> {
    let texts = rules::BUILTIN.iter().map(|(_, text)| *text);
    let mut declared = std::collections::BTreeSet::new();
    for text in texts.chain(files.iter().map(|(_, text)| text.as_str())) {
        match rules::params::referenced_by(text) {
            Some(names) => declared.extend(names),
            None => return Ok(()),
        }
    }
    config.check_custom_params(&declared).map_err(|e| {
        WorkspaceError::InFile(FileError {
            name: config_file.path.display().to_string(),
            path: Some(config_file.path.clone()),
            text: config_file.text.clone(),
            message: e.message,
            span: e.span,
        })
    })
}

pub fn unknown_rule(id: &str, rules: &[Rule]) -> WorkspaceError {
    let closest = rules
        .iter()
        .map(|r| (strsim::levenshtein(id, &r.id), r.id.as_str()))
        .min()
        .filter(|(distance, known)| *distance <= known.len() / 3 || known.contains(id));
    WorkspaceError::UnknownRule {
        id: id.to_owned(),
        closest: closest.map(|(_, known)| known.to_owned()),
    }
}

/// The settings of a file: the config's overrides that match it laid over the top level.
#[derive(Debug)]
pub struct Layered {
    pub file: FileConfig,
    pub choices: RuleChoices,
}

/// [`Layered`] settings, worked out once per set of matching overrides (most files match none,
/// or the same few).
#[derive(Debug)]
pub struct Layers {
    top: Arc<Layered>,
    /// By the indices of the matching overrides.
    cache: Mutex<HashMap<Vec<usize>, LayeredOrClash>>,
}

/// Settings, or why the matching overrides cannot be laid together.
type LayeredOrClash = Result<Arc<Layered>, String>;

impl Layers {
    pub fn new(config: &Config) -> Self {
        let file = config
            .layered(&[])
            .expect("the top level alone was checked at load");
        Self {
            top: Arc::new(Layered {
                file,
                choices: RuleChoices::default(),
            }),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The settings for a path relative to the config's root; an error says which overrides
    /// clash for it.
    pub fn get(
        &self,
        config: &Config,
        selection: &RuleSelection,
        engine: &Engine,
        relative: &Path,
    ) -> Result<Arc<Layered>, String> {
        let matching = config.matching(relative);
        if matching.is_empty() {
            return Ok(Arc::clone(&self.top));
        }
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let entry = cache.entry(matching).or_insert_with_key(|matching| {
            let layered = config.layered(matching).map(|file| Layered {
                choices: selection.choices(&engine.rules, &file.rules),
                file,
            });
            layered.map(Arc::new).map_err(|e| {
                let entries: Vec<String> = matching.iter().map(|i| format!("#{}", i + 1)).collect();
                format!(
                    "the config's [[overrides]] entries {} clash: {}",
                    entries.join(", "),
                    e.message
                )
            })
        });
        entry.clone()
    }
}
