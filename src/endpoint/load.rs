//! Reads, once per run, the files that define the endpoints a config links to: the modules and
//! templates that `aws-endpoint` params name and the CLI output that `aws-endpoints` names. The
//! one place endpoint definitions are read from disk; a file outside the repository (absolute,
//! `..` past the root, a symbolic link out of it) is not read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::{Endpoint, Kind, ReadError, TerraformContext, aws_cli, cloudformation, terraform};
use crate::config::Config;
use crate::rules::params::{CliOutputFile, EndpointLink, EndpointTarget};
use crate::syntax::Parsed;

/// The endpoints a run can link profiles to, and the text of the files that define them.
#[derive(Debug, Default)]
pub struct Registry {
    entries: Vec<Arc<Entry>>,
    /// Every file read, by the path its places name, parsed once for labels that point into it
    /// (a heredoc's `<key>` block stays masked in reports).
    files: Vec<(PathBuf, Parsed)>,
    /// CLI routes read before their endpoint was.
    pending: Vec<(String, super::Route)>,
    /// CLI routes whose endpoint no file describes.
    pub unmatched_routes: usize,
    /// The repository (the config's folder) and the folder paths are shown from.
    root: PathBuf,
    base: PathBuf,
    /// Terraform modules read because a template in them refers to one of their endpoints
    /// (`${aws_ec2_client_vpn_endpoint.NAME.dns_name}`), by folder: read once, when first asked.
    modules: Mutex<HashMap<PathBuf, Arc<Module>>>,
    /// The files of those modules, by the path their places name.
    module_files: Mutex<HashMap<PathBuf, Parsed>>,
}

/// A Terraform module read for its endpoints (its files go to `module_files`).
#[derive(Debug, Default)]
struct Module {
    entries: Vec<Arc<Entry>>,
}

/// An endpoint and the file that defines it (as the config names it, joined to its folder).
#[derive(Debug, Clone)]
pub struct Entry {
    pub file: PathBuf,
    pub endpoint: Endpoint,
    /// Defined by CLI output: linked by its id.
    pub from_cli: bool,
}

/// Why the endpoints cannot be read: a config error at `span`.
#[derive(Debug, Clone)]
pub struct LoadError {
    pub message: String,
    pub span: std::ops::Range<usize>,
}

impl Registry {
    /// No endpoint is configured (a template may still refer to one of its module's).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The endpoint an `aws-endpoint` param names.
    pub fn get(&self, target: &EndpointTarget) -> Option<Arc<Entry>> {
        self.entries
            .iter()
            .find(|entry| match target {
                EndpointTarget::Definition { path, name } => {
                    !entry.from_cli && entry.file == *path && entry.endpoint.name == *name
                }
                EndpointTarget::Id(id) => {
                    entry.from_cli && entry.endpoint.id.as_deref() == Some(id)
                }
            })
            .cloned()
    }

    /// The CLI output's endpoint with this id.
    pub fn by_id(&self, id: &str) -> Option<Arc<Entry>> {
        self.get(&EndpointTarget::Id(id.to_owned()))
    }

    /// The endpoint `name` of the Terraform module in `folder`, read (inside the repository
    /// only) when first asked for; `None` when the module defines none of that name, or one
    /// cannot be read (the `.tf` file's own lint reports why).
    pub fn in_module(
        &self,
        folder: &Path,
        name: &str,
        context: &dyn TerraformContext,
    ) -> Option<Arc<Entry>> {
        let key = folder.canonicalize().ok()?;
        let module = {
            let mut modules = self.modules.lock().unwrap_or_else(|e| e.into_inner());
            match modules.get(&key) {
                Some(module) => Arc::clone(module),
                None => {
                    let (module, files) = self.read_module(folder, context);
                    let module = Arc::new(module);
                    modules.insert(key, Arc::clone(&module));
                    self.module_files
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .extend(files);
                    module
                }
            }
        };
        let mut named = module.entries.iter().filter(|e| e.endpoint.name == name);
        match (named.next(), named.next()) {
            (Some(entry), None) => Some(Arc::clone(entry)),
            _ => None,
        }
    }

    fn read_module(
        &self,
        folder: &Path,
        context: &dyn TerraformContext,
    ) -> (Module, Vec<(PathBuf, Parsed)>) {
        let mut scratch = Registry {
            root: self.root.clone(),
            base: self.base.clone(),
            ..Registry::default()
        };
        let mut reader = Reader {
            root: &self.root,
            cwd: &self.base,
            registry: &mut scratch,
            context: Some(context),
        };
        let span = 0..0;
        let Ok(endpoints) = reader.terraform_folder(folder, &span) else {
            return (Module::default(), Vec::new());
        };
        let module = Module {
            entries: endpoints
                .into_iter()
                .map(|endpoint| {
                    Arc::new(Entry {
                        file: folder.join(endpoint.defined.path.file_name().unwrap_or_default()),
                        endpoint,
                        from_cli: false,
                    })
                })
                .collect(),
        };
        (module, scratch.files)
    }

    /// A file read, by the path its places name.
    pub fn file(&self, path: &Path) -> Option<Parsed> {
        if let Some((_, parsed)) = self.files.iter().find(|(p, _)| p == path) {
            return Some(parsed.clone());
        }
        self.module_files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
            .cloned()
    }

    /// Whether `path` (as linted) is one of the files read: linting it lints its profiles.
    pub fn defines(&self, path: &Path) -> bool {
        let canonical = path.canonicalize().ok();
        self.entries.iter().any(|entry| {
            entry.file == path || canonical.is_some() && entry.file.canonicalize().ok() == canonical
        })
    }

    /// The ids of the CLI output's endpoints that `path` defines.
    pub fn ids_defined_by(&self, path: &Path) -> Vec<&str> {
        let canonical = path.canonicalize().ok();
        self.entries
            .iter()
            .filter(|e| e.from_cli && e.file.canonicalize().ok() == canonical)
            .filter_map(|e| e.endpoint.id.as_deref())
            .collect()
    }
}

/// Reads what `config` links to. `cwd` makes the paths in messages and places look like the
/// linted files' (relative to the working directory); `context` gives Terraform modules their
/// values as the repository sets them (without it, each is read as a root module).
pub fn load(
    config: &Config,
    cwd: &Path,
    context: Option<&dyn TerraformContext>,
) -> Result<Registry, LoadError> {
    let (links, cli_files) = config.endpoint_sources();
    let mut registry = Registry {
        root: config.root.clone(),
        base: cwd.to_path_buf(),
        ..Registry::default()
    };
    let mut reader = Reader {
        root: &config.root,
        cwd,
        registry: &mut registry,
        context,
    };
    for file in &cli_files {
        reader.cli_output(file)?;
    }
    for link in &links {
        reader.link(link)?;
    }
    registry.attach_pending_routes();
    Ok(registry)
}

struct Reader<'a> {
    root: &'a Path,
    cwd: &'a Path,
    registry: &'a mut Registry,
    context: Option<&'a dyn TerraformContext>,
}

impl Reader<'_> {
    fn shown(&self, path: &Path) -> PathBuf {
        path.strip_prefix(self.cwd).unwrap_or(path).to_path_buf()
    }

    /// A file's text, if it lies inside the repository; it is kept for labels.
    fn read(&mut self, path: &Path, span: &std::ops::Range<usize>) -> Result<String, LoadError> {
        let fail = |message: String| LoadError {
            message,
            span: span.clone(),
        };
        let root = self.root.canonicalize().map_err(|e| {
            fail(format!(
                "cannot resolve the repository `{}`: {e}",
                self.root.display()
            ))
        })?;
        let canonical = path
            .canonicalize()
            .map_err(|e| fail(crate::walk::describe_error(path, &e)))?;
        if !canonical.starts_with(&root) {
            return Err(fail(format!(
                "`{}` is outside the repository (`{}`); it was not read",
                path.display(),
                canonical.display()
            )));
        }
        let bytes = crate::walk::read_file(&canonical)
            .map_err(|e| fail(crate::walk::describe_error(path, &e)))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| fail(format!("`{}` is not valid UTF-8", path.display())))?;
        let shown = self.shown(path);
        if self.registry.file(&shown).is_none() {
            self.registry
                .files
                .push((shown, crate::syntax::parse(text.clone().into_bytes())));
        }
        Ok(text)
    }

    fn error_in(&self, path: &Path, error: &ReadError, span: &std::ops::Range<usize>) -> LoadError {
        let place = match error.line {
            Some(line) => format!("{}:{line}", crate::report::display_path(&self.shown(path))),
            None => crate::report::display_path(&self.shown(path)),
        };
        LoadError {
            message: format!("`{place}` {}", error.message),
            span: span.clone(),
        }
    }

    fn cli_output(&mut self, file: &CliOutputFile) -> Result<(), LoadError> {
        let text = self.read(&file.path, &file.span)?;
        let output = aws_cli::read(&self.shown(&file.path), &text)
            .map_err(|e| self.error_in(&file.path, &e, &file.span))?;
        for endpoint in output.endpoints {
            if let Some(other) = self
                .registry
                .entries
                .iter()
                .find(|e| e.from_cli && e.endpoint.id == endpoint.id)
            {
                return Err(LoadError {
                    message: format!(
                        "the endpoint `{}` is described twice: at {} and at {}",
                        endpoint.name, other.endpoint.defined, endpoint.defined
                    ),
                    span: file.span.clone(),
                });
            }
            self.registry.entries.push(Arc::new(Entry {
                file: file.path.clone(),
                endpoint,
                from_cli: true,
            }));
        }
        for (id, route) in output.routes {
            // Routes may come in a file of their own, before or after their endpoint's.
            self.registry.pending_routes(id, route);
        }
        Ok(())
    }

    fn link(&mut self, link: &EndpointLink) -> Result<(), LoadError> {
        let fail = |message: String| LoadError {
            message: format!("params.aws-endpoint: {message}"),
            span: link.span.clone(),
        };
        let (path, name) = match &link.target {
            EndpointTarget::Id(id) => {
                self.registry.attach_pending_routes();
                return match self.registry.by_id(id) {
                    Some(_) => Ok(()),
                    None => Err(fail(format!(
                        "no `aws-endpoints` file describes the endpoint `{id}`"
                    ))),
                };
            }
            EndpointTarget::Definition { path, name } => (path, name),
        };
        let already = self
            .registry
            .entries
            .iter()
            .any(|e| !e.from_cli && e.file == *path);
        if !already {
            let endpoints = match Kind::of(path) {
                Some(Kind::Terraform) => self.terraform_module(path, &link.span)?,
                Some(Kind::CloudFormation) => {
                    let text = self.read(path, &link.span)?;
                    cloudformation::read(&self.shown(path), &text)
                        .map_err(|e| self.error_in(path, &e, &link.span))?
                }
                None => {
                    return Err(fail(format!(
                        "`{}` is neither Terraform (`.tf`) nor CloudFormation (`.yaml`, `.yml`, \
                         `.json`, `.template`)",
                        path.display()
                    )));
                }
            };
            for endpoint in endpoints {
                self.registry.entries.push(Arc::new(Entry {
                    file: path.clone(),
                    endpoint,
                    from_cli: false,
                }));
            }
        }
        self.registry.attach_pending_routes();
        let named: Vec<&Entry> = self
            .registry
            .entries
            .iter()
            .filter(|e| !e.from_cli && e.file == *path && e.endpoint.name == *name)
            .map(|e| &**e)
            .collect();
        match named.as_slice() {
            [_] => Ok(()),
            [] => {
                let defined: Vec<String> = self
                    .registry
                    .entries
                    .iter()
                    .filter(|e| !e.from_cli && e.file == *path)
                    .map(|e| format!("`{}`", e.endpoint.name))
                    .collect();
                Err(fail(format!(
                    "`{}` defines no endpoint `{name}` (it defines {})",
                    crate::report::display_path(&self.shown(path)),
                    if defined.is_empty() {
                        "none".to_owned()
                    } else {
                        defined.join(", ")
                    }
                )))
            }
            [first, second, ..] => Err(fail(format!(
                "two endpoints are named `{name}`: at {} and at {}",
                first.endpoint.defined, second.endpoint.defined
            ))),
        }
    }

    /// The endpoints defined in `path`, read with the rest of its module (variables, locals,
    /// and the root module's tfvars in Terraform's order).
    fn terraform_module(
        &mut self,
        path: &Path,
        span: &std::ops::Range<usize>,
    ) -> Result<Vec<Endpoint>, LoadError> {
        if !path.is_file() {
            // The named file must exist, even if a sibling defines the endpoint.
            self.read(path, span)?;
        }
        let folder = path.parent().unwrap_or(Path::new("."));
        let shown_path = self.shown(path);
        Ok(self
            .terraform_folder(folder, span)?
            .into_iter()
            .filter(|e| e.defined.path == shown_path)
            .collect())
    }

    /// Every endpoint the module in `folder` defines.
    fn terraform_folder(
        &mut self,
        folder: &Path,
        span: &std::ops::Range<usize>,
    ) -> Result<Vec<Endpoint>, LoadError> {
        let folder = if folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            folder
        };
        let mut names: Vec<PathBuf> = std::fs::read_dir(folder)
            .map_err(|e| LoadError {
                message: crate::walk::describe_error(folder, &e),
                span: span.clone(),
            })?
            .filter_map(|entry| Some(entry.ok()?.path()))
            .filter(|p| p.is_file())
            .collect();
        names.sort();
        let name_of = |p: &Path| {
            p.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_owned()
        };
        let mut module = terraform::Module {
            scope: self.context.map(|context| context.module_scope(folder)),
            base: self.cwd.to_path_buf(),
            ..terraform::Module::default()
        };
        for file in names.iter().filter(|p| name_of(p).ends_with(".tf")) {
            let text = self.read(file, span)?;
            module.files.push((self.shown(file), text));
        }
        let tfvars_order = |name: &str| match name {
            "terraform.tfvars" => Some((0, String::new())),
            "terraform.tfvars.json" => Some((1, String::new())),
            n if n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json") => {
                Some((2, n.to_owned()))
            }
            _ => None,
        };
        let mut tfvars: Vec<(_, &PathBuf)> = names
            .iter()
            .filter_map(|p| tfvars_order(&name_of(p)).map(|order| (order, p)))
            .collect();
        tfvars.sort();
        for (_, file) in tfvars {
            let text = self.read(file, span)?;
            module.tfvars.push((self.shown(file), text));
        }
        let endpoints =
            terraform::read(&module).map_err(|e| self.error_in(&e.path, &e.error, span))?;
        // A fact set outside the module (a `module` block's argument in its caller) points at
        // that file: read it too, for its label.
        let places = endpoints.iter().flat_map(|e| {
            [e.traffic_type.place(), e.split_tunnel.place()]
                .into_iter()
                .chain(e.routes.iter().map(|r| r.destination.place()))
        });
        let elsewhere: Vec<PathBuf> = places
            .map(|place| place.path.clone())
            .filter(|path| self.registry.file(path).is_none())
            .collect();
        for path in elsewhere {
            // Not read: no label there, the fact still holds.
            let _ = self.read(&self.cwd.join(&path), span);
        }
        Ok(endpoints)
    }
}

impl Registry {
    fn pending_routes(&mut self, id: String, route: super::Route) {
        self.pending.push((id, route));
    }

    /// Routes from CLI output go to their endpoint once both are read.
    fn attach_pending_routes(&mut self) {
        for (id, route) in std::mem::take(&mut self.pending) {
            match self
                .entries
                .iter_mut()
                .find(|e| e.from_cli && e.endpoint.id.as_deref() == Some(id.as_str()))
            {
                Some(entry) => Arc::make_mut(entry).endpoint.routes.push(route),
                None => self.unmatched_routes += 1,
            }
        }
    }
}
