//! Templates through the workspace (design §10): which documents are templates, each rendered
//! with the values the repository gives, and each profile it renders linted with the settings
//! of the template's path, its findings and fixes brought back to the template's own bytes.
//! The command line and the language server both come here, so they agree on templates.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::engine::Detail;
use crate::template::{self, detect::Language, document, placeholder::Syntax};
use crate::walk;

use super::Workspace;
use super::document::load_rendered;

/// A template's profiles linted, in the template's coordinates.
#[derive(Debug)]
pub struct TemplateLinted {
    pub linted: document::Linted,
    /// Said about the template without failing (a `templatefile` target that is missing, a
    /// param that contradicts a linked endpoint), each once.
    pub warnings: Vec<String>,
    /// The config's own `include` names the file: it is a profile, whatever it renders.
    pub named_by_include: bool,
}

impl TemplateLinted {
    /// Whether the template is reported: it renders a profile, or `include` names it.
    pub fn is_profile(&self) -> bool {
        self.linted.profiles > 0 || self.named_by_include
    }
}

/// What fixing a template came to, in the template's coordinates.
#[derive(Debug)]
pub struct TemplateFixed {
    pub fixed: document::Fixed,
    pub warnings: Vec<String>,
    pub named_by_include: bool,
}

impl TemplateFixed {
    /// As [`TemplateLinted::is_profile`].
    pub fn is_profile(&self) -> bool {
        self.fixed.linted.profiles > 0 || self.named_by_include
    }
}

impl Workspace {
    /// The language of `path` holding `text` when it is a template: by its name, or, when
    /// `may_be_templatefile_target`, Terraform's for a file a `templatefile` call names. (The
    /// index of `templatefile` calls walks the repository once: asked only when the walk met
    /// Terraform files or the file is named.)
    pub fn template_language(
        &self,
        path: &Path,
        text: &[u8],
        may_be_templatefile_target: bool,
    ) -> Option<Language> {
        let by_name = if template::detect::is_template_name(path) {
            template::detect::language_of(path, text)
        } else {
            None
        };
        by_name.or_else(|| {
            (may_be_templatefile_target
                && memchr::memmem::find(text, b"${").is_some()
                && self.templates.is_templatefile_target(path))
            .then_some(Language::Placeholders(Syntax::Dollar))
        })
    }

    /// The documents `path` holding `text` renders in `language`, and what was said reading it.
    pub fn render_template(
        &self,
        path: &Path,
        text: &[u8],
        language: Language,
    ) -> Result<template::repository::Read, String> {
        // A role's template also takes the `template-vars` and `template-values` of its path.
        let relative = walk::relative_to(&self.config.root, path);
        let params = self
            .config
            .for_file(&relative)
            .map_or_else(|_| self.config.params.clone(), |file| file.params);
        let config_file = self.config_file.as_ref().map_or_else(
            || self.config.root.join(crate::config::FILE_NAME),
            |file| file.path.clone(),
        );
        let role = template::ansible::RoleSettings {
            template_vars: &params.template_vars,
            template_values: &params.template_values,
            config_file: &config_file,
        };
        template::render(path, text, language, &self.templates, &role)
    }

    /// Lints each profile the template `path` (`relative` to the config's root, reported as
    /// `name`) holding `text` renders. An error is a tool error, already naming the file.
    pub fn lint_template(
        &self,
        path: &Path,
        relative: &Path,
        name: &str,
        text: &[u8],
        language: Language,
        detail: Detail,
    ) -> Result<TemplateLinted, String> {
        let run = TemplateRun::new(self, path, relative, name, language, detail)?;
        let documents = run.render(text)?;
        let linted = document::lint(
            path,
            text,
            &documents,
            &self.whole_file_rules,
            run.named_by_include,
            &|path: &Path, bytes: Vec<u8>| run.lint(path, bytes),
        );
        Ok(TemplateLinted {
            linted,
            warnings: run.warnings(),
            named_by_include: run.named_by_include,
        })
    }

    /// The fixes of the template `path` holding `text` that land in its literal text, applied
    /// until stable (safe ones only, or unsafe ones too); nothing is written.
    #[allow(clippy::too_many_arguments)]
    pub fn fix_template(
        &self,
        path: &Path,
        relative: &Path,
        name: &str,
        text: Vec<u8>,
        language: Language,
        with_unsafe: bool,
        detail: Detail,
    ) -> Result<TemplateFixed, String> {
        let run = TemplateRun::new(self, path, relative, name, language, detail)?;
        let fixed = document::fix(
            path,
            text,
            with_unsafe,
            &|bytes: &[u8]| run.render(bytes),
            &self.whole_file_rules,
            run.named_by_include,
            &|path: &Path, bytes: Vec<u8>| run.lint(path, bytes),
        )?;
        Ok(TemplateFixed {
            fixed,
            warnings: run.warnings(),
            named_by_include: run.named_by_include,
        })
    }

    /// When a file that gives templates their values is named (pre-commit passes only the
    /// changed file): a Terraform module's `.tf` or tfvars file, a role's `defaults/main.yml`
    /// or `vars/main.yml`, a `template-vars` file, the templates that use it are linted too,
    /// under their own paths.
    pub fn add_templates_of_changed_values(&self, found: &mut walk::Found) {
        let (config, cwd) = (&self.config, &self.base);
        let named: Vec<PathBuf> = found
            .inputs
            .iter()
            .filter(|i| i.explicit && i.path.as_os_str() != "-")
            .map(|i| i.path.clone())
            .collect();
        let before = found.inputs.len();
        // A `template-vars` file (of the top level or of an override) gives values to every
        // Jinja2 template of the repository it applies to.
        let same_file = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        let template_vars: Vec<PathBuf> = std::iter::once(config.params.template_vars.clone())
            .chain(
                (0..config.overrides.len())
                    .filter_map(|i| config.layered(&[i]).ok().map(|f| f.params.template_vars)),
            )
            .flatten()
            .collect();
        let jinja2_templates = || -> Vec<PathBuf> {
            walk::inputs(std::slice::from_ref(&config.root), config, false)
                .inputs
                .into_iter()
                // Named as the linted files are: from the working directory.
                .map(|input| {
                    input
                        .path
                        .strip_prefix(cwd)
                        .map_or_else(|_| input.path.clone(), Path::to_path_buf)
                })
                .filter(|path| {
                    path.extension()
                        .is_some_and(|x| x == "j2" || x == "jinja" || x == "jinja2")
                        || template::repository::role_template(path)
                })
                .collect()
        };
        let named_vars = named
            .iter()
            .any(|path| template_vars.iter().any(|vars| same_file(vars, path)));
        let vars_dependents = if named_vars {
            jinja2_templates()
        } else {
            Vec::new()
        };
        for path in named {
            let dependents = template::repository::dependents(&path);
            for dependent in dependents
                .into_iter()
                .chain(vars_dependents.iter().cloned())
            {
                let same = |i: &walk::Input| i.path == dependent;
                if found.inputs.iter().any(same) {
                    continue;
                }
                found.inputs.push(walk::Input {
                    relative: walk::relative_to(&config.root, &dependent),
                    path: dependent,
                    link: false,
                    explicit: false,
                    only_if_openvpn: false,
                });
            }
        }
        if found.inputs.len() > before {
            found
                .inputs
                .sort_by_cached_key(|input| walk::sort_key(&input.path));
        }
    }
}

/// One template being linted or fixed: its settings, and what was said while rendering and
/// linting it.
struct TemplateRun<'a> {
    workspace: &'a Workspace,
    path: &'a Path,
    name: &'a str,
    language: Language,
    detail: Detail,
    layered: std::sync::Arc<super::Layered>,
    named_by_include: bool,
    warnings: Mutex<Vec<String>>,
}

impl<'a> TemplateRun<'a> {
    fn new(
        workspace: &'a Workspace,
        path: &'a Path,
        relative: &Path,
        name: &'a str,
        language: Language,
        detail: Detail,
    ) -> Result<Self, String> {
        let layered = workspace
            .layered(relative)
            .map_err(|message| format!("`{name}`: {message}"))?;
        let config = &workspace.config;
        Ok(Self {
            workspace,
            path,
            name,
            language,
            detail,
            layered,
            // A file the config's own `include` names is a profile, whatever it renders.
            named_by_include: config.include_configured && config.include.is_match(relative),
            warnings: Mutex::new(Vec::new()),
        })
    }

    fn said(&self, more: impl IntoIterator<Item = String>) {
        self.warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(more);
    }

    fn render(&self, bytes: &[u8]) -> Result<Vec<document::Document>, String> {
        let read = self
            .workspace
            .render_template(self.path, bytes, self.language)
            .map_err(|e| format!("`{}`: {e}", self.name))?;
        self.said(read.warnings);
        Ok(read.documents)
    }

    /// A rendered profile linted as the file at `path` would be: paired with its server and
    /// linked to its endpoint (a template's folder is not searched for a server config).
    fn lint(
        &self,
        path: &Path,
        bytes: Vec<u8>,
    ) -> (crate::model::Profile, Vec<crate::diagnostic::Diagnostic>) {
        let loaded = load_rendered(path, bytes);
        let disagreements = self
            .workspace
            .endpoint_disagreements(&loaded, &self.layered);
        if !disagreements.is_empty() {
            self.said([format!("`{}`: {}", self.name, disagreements.join("\n"))]);
        }
        self.workspace
            .lint_loaded(loaded, &self.layered, self.detail, path, &|| None)
    }

    /// What was said, each once, in the order first said.
    fn warnings(&self) -> Vec<String> {
        let said = std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|e| e.into_inner()));
        let mut unique: Vec<String> = Vec::new();
        for message in said {
            if !unique.contains(&message) {
                unique.push(message);
            }
        }
        unique
    }
}
