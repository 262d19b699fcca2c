//! The AWS Client VPN endpoints a workspace's config links profiles to (`aws-endpoint`,
//! `aws-endpoints`), read once, and the config file's text for the places of params that
//! contradict them.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::endpoint;
use crate::model::Profile;
use crate::report;
use crate::rules;
use crate::template::repository::Repository;
use crate::walk;

use super::Workspace;
use super::error::{FileError, WorkspaceError};
use super::settings::ConfigFile;

#[derive(Debug, Default)]
pub struct Endpoints {
    pub registry: endpoint::load::Registry,
    /// The config file as shown (from the workspace's base) and its text.
    config: Option<(String, String)>,
}

impl Endpoints {
    /// Reads what `aws-endpoint` and `aws-endpoints` name; a file that cannot be read, is not
    /// what it was named as, or lacks the named endpoint is an error at the param.
    pub fn load(
        config: &Config,
        file: Option<&ConfigFile>,
        base: &Path,
        templates: &Repository,
    ) -> Result<Self, WorkspaceError> {
        let registry =
            endpoint::load::load(config, base, Some(templates)).map_err(|e| match file {
                Some(file) => WorkspaceError::InFile(FileError {
                    name: file.path.display().to_string(),
                    path: Some(file.path.clone()),
                    text: file.text.clone(),
                    message: e.message,
                    span: Some(e.span),
                }),
                None => WorkspaceError::Unreadable(e.message),
            })?;
        Ok(Self {
            registry,
            config: file.map(|f| {
                let shown = f.path.strip_prefix(base).unwrap_or(&f.path);
                (report::display_path(shown), f.text.clone())
            }),
        })
    }

    /// The endpoint of `profile` judged with `params`, and the params it gives; `templates`
    /// is what the repository's Terraform knows (module values, `templatefile` calls).
    pub fn resolve(
        &self,
        profile: &Profile,
        params: &rules::Params,
        templates: &Repository,
    ) -> Option<endpoint::link::Linked> {
        let config = self.config.as_ref().map(|(p, t)| (p.as_str(), t.as_str()));
        endpoint::link::resolve(&self.registry, profile, params, config, templates)
    }
}

impl Workspace {
    /// When a file that defines endpoints is linted (pre-commit passes only changed files),
    /// the profiles linked to it are linted too: the params' links, and the AWS profiles whose
    /// `remote` names an endpoint id that changed CLI output describes.
    pub fn add_profiles_of_linted_endpoints(&self, found: &mut walk::Found) {
        let (config, registry, cwd) = (&self.config, &self.endpoints.registry, &self.base);
        let inputs = &mut found.inputs;
        let linted: Vec<PathBuf> = inputs
            .iter()
            .filter(|i| registry.defines(&i.path))
            .map(|i| i.path.clone())
            .collect();
        if linted.is_empty() {
            return;
        }
        let ids: Vec<&str> = linted
            .iter()
            .flat_map(|p| registry.ids_defined_by(p))
            .collect();
        let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        let everything = walk::inputs(std::slice::from_ref(&config.root), config, false);
        for mut candidate in everything.inputs {
            if inputs.iter().any(|i| same(&i.path, &candidate.path)) {
                continue;
            }
            let Ok(file) = config.for_file(&candidate.relative) else {
                continue;
            };
            let by_param = file.params.aws_endpoint.as_ref().is_some_and(|link| {
                registry
                    .get(&link.target)
                    .is_some_and(|entry| linted.iter().any(|p| same(p, &entry.file)))
            });
            let by_id = !ids.is_empty()
                && walk::read_file(&candidate.path).is_ok_and(|text| {
                    ids.iter()
                        .any(|id| memchr::memmem::find(&text, id.as_bytes()).is_some())
                });
            if by_param || by_id {
                if let Ok(shown) = candidate.path.strip_prefix(cwd) {
                    candidate.path = shown.to_path_buf();
                }
                inputs.push(candidate);
            }
        }
    }
}
