//! The workspace layer: what is resolved once for a folder of profiles (the config file, the
//! rules, the settings of each path, the server configs that clients pair with), and the
//! questions every front end asks of it: lint this document (path and text), its fixes, where
//! an address goes in it. The command line ([`crate::app`]) and the language server
//! (`--lsp`) are thin drivers over it, so they cannot disagree.
//!
//! Resolving is two steps, as ripgrep turns low-level arguments into high-level ones:
//! [`Settings::load`] reads the config and the rules (enough for `--explain` and
//! `--list-rules`), then [`Workspace::new`] applies the rule selection and reads the servers.

mod document;
mod endpoints;
mod error;
mod settings;
mod templates;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::Config;
use crate::engine::Engine;
use crate::rules::Rule;
use crate::selection::{RuleSelection, UnknownRule};
use crate::walk;

pub use document::{
    DocumentError, FixError, Linted, NearbyServers, Reading, View, load_profile, load_rendered,
};
pub use endpoints::Endpoints;
pub use error::{FileError, WorkspaceError};
pub use settings::{ConfigChoice, ConfigFile, Layered, Servers, unknown_rule};
pub use templates::{TemplateFixed, TemplateLinted};

/// The config and every rule loaded, before the rule selection: the first step of resolving.
#[derive(Debug)]
pub struct Settings {
    pub config: Config,
    pub config_file: Option<ConfigFile>,
    /// The built-in rules, then those of `rule-dirs`, with the config's severities.
    pub rules: Vec<Rule>,
}

impl Settings {
    pub fn load(choice: &ConfigChoice) -> Result<Self, WorkspaceError> {
        let (config, config_file) = settings::load_config(choice)?;
        let rules = settings::load_rules(&config, config_file.as_ref())?;
        Ok(Self {
            config,
            config_file,
            rules,
        })
    }
}

/// Everything resolved once: shared by every document linted (and by worker threads).
#[derive(Debug)]
pub struct Workspace {
    /// The folder paths are shown from (the working directory, or an editor's workspace
    /// folder).
    pub base: PathBuf,
    pub config: Config,
    pub config_file: Option<ConfigFile>,
    pub selection: RuleSelection,
    /// The rules on for at least one file.
    pub engine: Engine,
    /// The ids of the rules that judge a profile as a whole (a missing directive), not a line.
    pub whole_file_rules: BTreeSet<String>,
    pub servers: Servers,
    /// The AWS endpoints profiles are linked to, and their facts.
    pub endpoints: Endpoints,
    /// What the repository's Terraform knows, read when a template needs it.
    pub templates: crate::template::repository::Repository,
    layers: settings::Layers,
}

impl Workspace {
    /// The second step: the rule selection (the config's, then `select`/`ignore` given here)
    /// and the server configs.
    pub fn new(
        settings: Settings,
        select: Option<Vec<String>>,
        ignore: Vec<String>,
        base: PathBuf,
    ) -> Result<Self, WorkspaceError> {
        let Settings {
            config,
            config_file,
            rules: all_rules,
        } = settings;
        let selection = RuleSelection::new(&all_rules, &config, select, ignore)
            .map_err(|UnknownRule(id)| unknown_rule(&id, &all_rules))?;
        let reachable = selection.reachable(&all_rules, &config);
        let engine = Engine {
            rules: all_rules
                .into_iter()
                .filter(|rule| reachable.contains(&rule.id))
                .collect(),
        };
        let whole_file_rules: BTreeSet<String> = engine
            .rules
            .iter()
            .filter(|rule| rule.check.judges_whole_profile())
            .map(|rule| rule.id.clone())
            .collect();
        let servers = settings::load_servers(&config, config_file.as_ref(), &base)?;
        let templates = crate::template::repository::Repository::new(&config.root);
        let endpoints = Endpoints::load(&config, config_file.as_ref(), &base, &templates)?;
        Ok(Self {
            layers: settings::Layers::new(&config),
            templates,
            base,
            config,
            config_file,
            selection,
            engine,
            whole_file_rules,
            servers,
            endpoints,
        })
    }

    /// Both steps, with the config's own rule selection: what an editor's folder gets.
    pub fn open(choice: &ConfigChoice, base: PathBuf) -> Result<Self, WorkspaceError> {
        Self::new(Settings::load(choice)?, None, Vec::new(), base)
    }

    /// The settings for a path relative to the config's root; an error says which
    /// `[[overrides]]` entries clash for it.
    pub fn layered(&self, relative: &Path) -> Result<Arc<Layered>, String> {
        self.layers
            .get(&self.config, &self.selection, &self.engine, relative)
    }

    /// When a server config is linted (pre-commit passes only the changed file; a pull request
    /// may touch only the server), its clients are linted too: their findings depend on it.
    pub fn add_clients_of_linted_servers(&self, found: &mut walk::Found) {
        let (config, servers, cwd) = (&self.config, &self.servers, &self.base);
        let inputs = &mut found.inputs;
        let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        let linted: Vec<&PathBuf> = servers
            .by_path
            .iter()
            .map(|(path, _)| path)
            .filter(|server| inputs.iter().any(|i| same(&i.path, server)))
            .collect();
        if linted.is_empty() {
            return;
        }
        let everything = walk::inputs(std::slice::from_ref(&config.root), config, false);
        for mut candidate in everything.inputs {
            let Ok(file) = config.for_file(&candidate.relative) else {
                continue;
            };
            let is_client = file
                .params
                .server
                .as_ref()
                .is_some_and(|s| linted.iter().any(|path| **path == s.path));
            if is_client && !inputs.iter().any(|i| same(&i.path, &candidate.path)) {
                if let Ok(shown) = candidate.path.strip_prefix(cwd) {
                    candidate.path = shown.to_path_buf();
                }
                inputs.push(candidate);
            }
        }
    }

    /// Whether `path` is a file whose change changes findings of other documents: the config
    /// file, a server config that clients pair with, a file that defines a linked endpoint, or
    /// one that may give templates their values (a `.tf`, tfvars or YAML vars file: the
    /// repository's Terraform is read once per workspace).
    pub fn is_setting_file(&self, path: &Path) -> bool {
        let same = |a: &Path, b: &Path| {
            a == b
                || match (a.canonicalize(), b.canonicalize()) {
                    (Ok(a), Ok(b)) => a == b,
                    _ => false,
                }
        };
        self.config_file
            .as_ref()
            .is_some_and(|file| same(&file.path, path))
            || self
                .servers
                .by_path
                .iter()
                .any(|(server, _)| same(server, path))
            || self.endpoints.registry.defines(path)
            || crate::template::detect::gives_values(path)
            || path.extension().is_some_and(|x| x == "tf")
    }
}
