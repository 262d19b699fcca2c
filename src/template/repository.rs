//! What a repository's Terraform knows, gathered once per run and only when a template or a
//! `.tf` file is met: which `templatefile` calls name a file (and with which `VARS`), which
//! folders are child modules (and the arguments their `module` blocks pass), and each module's
//! values. Files are read through [`crate::walk`]; a path that leaves the repository (absolute,
//! `..` past the root, a link out of it) is never read, and the reader says so.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::document::Document;
use super::hcl::{self, Form};
use super::terraform::{self, Known, Place, Scope};
use crate::walk;

/// One run's view of the repository's Terraform.
pub struct Repository {
    /// The config's folder: the repository of a file in no git checkout below it.
    root: PathBuf,
    /// By the canonical root of each repository met (the nearest folder with a `.git`).
    indexes: Mutex<HashMap<PathBuf, Arc<Index>>>,
    scopes: Mutex<HashMap<PathBuf, Arc<Scope>>>,
}

#[derive(Default)]
struct Index {
    /// `templatefile` calls by the canonical path of their target.
    calls: HashMap<PathBuf, Vec<Call>>,
    /// Child modules by canonical folder: the `module` block that calls each.
    children: HashMap<PathBuf, ModuleCall>,
}

struct Call {
    caller: PathBuf,
    text: Arc<str>,
    vars: Option<Range<usize>>,
}

struct ModuleCall {
    caller: PathBuf,
    text: Arc<str>,
    arguments: Vec<(String, Range<usize>)>,
}

/// A template's documents, and what was said about reading it.
pub struct Read {
    pub documents: Vec<Document>,
    /// Not fatal: a `templatefile` target that is missing or outside the repository.
    pub warnings: Vec<String>,
}

impl std::fmt::Debug for Repository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repository")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl Repository {
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            indexes: Mutex::new(HashMap::new()),
            scopes: Mutex::new(HashMap::new()),
        }
    }

    /// The repository a file belongs to: the nearest folder above it with a `.git`, else the
    /// config's folder when the file is below it, else the file's own folder.
    pub fn repository_of(&self, path: &Path) -> PathBuf {
        let folder = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let folder = folder
            .canonicalize()
            .unwrap_or_else(|_| folder.to_path_buf());
        if let Some(repository) = folder.ancestors().find(|dir| dir.join(".git").exists()) {
            return repository.to_path_buf();
        }
        match self.root.canonicalize() {
            Ok(root) if folder.starts_with(&root) => root,
            _ => folder,
        }
    }

    /// The index of the repository `path` belongs to, built the first time it is asked for.
    fn index(&self, path: &Path) -> Arc<Index> {
        let root = self.repository_of(path);
        let mut indexes = self.indexes.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(index) = indexes.get(&root) {
            return Arc::clone(index);
        }
        let index = Arc::new(self.build_index(&root));
        indexes.insert(root, Arc::clone(&index));
        index
    }

    fn build_index(&self, root: &Path) -> Index {
        {
            let mut index = Index::default();
            let mut pending = Vec::new();
            let cwd = std::env::current_dir().unwrap_or_default();
            for path in walk::terraform_files(root) {
                // Named as the linted files are: from the working directory.
                let path = path
                    .strip_prefix(&cwd)
                    .map_or(path.clone(), Path::to_path_buf);
                let Ok(bytes) = walk::read_file(&path) else {
                    continue;
                };
                // The cheap byte check: most `.tf` files call no template and no module.
                let calls = memchr::memmem::find(&bytes, b"templatefile").is_some();
                let modules = memchr::memmem::find(&bytes, b"module").is_some();
                if !calls && !modules {
                    continue;
                }
                let Ok(text) = String::from_utf8(bytes) else {
                    continue;
                };
                let Ok(parsed) = hcl::parse(&text) else {
                    continue;
                };
                let text: Arc<str> = Arc::from(text);
                let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
                for block in &parsed.body.blocks {
                    if block.kind != "module" {
                        continue;
                    }
                    let Some(source) = block.body.attributes.iter().find(|a| a.name == "source")
                    else {
                        continue;
                    };
                    let Some(terraform::Value::String(source)) =
                        terraform::evaluate(&text[source.expr.clone()], &Scope::default())
                    else {
                        continue;
                    };
                    if !(source.starts_with("./") || source.starts_with("../")) {
                        continue;
                    }
                    if let Ok(child) = dir.join(&source).canonicalize() {
                        index.children.insert(
                            child,
                            ModuleCall {
                                caller: path.clone(),
                                text: Arc::clone(&text),
                                arguments: block
                                    .body
                                    .attributes
                                    .iter()
                                    .filter(|a| {
                                        !matches!(
                                            a.name.as_str(),
                                            "source"
                                                | "version"
                                                | "providers"
                                                | "count"
                                                | "for_each"
                                                | "depends_on"
                                        )
                                    })
                                    .map(|a| (a.name.clone(), a.expr.clone()))
                                    .collect(),
                            },
                        );
                    }
                }
                for call in parsed.calls {
                    pending.push((path.clone(), Arc::clone(&text), call));
                }
            }
            // Targets resolve against root modules, known once every `module` block is.
            for (caller, text, call) in pending {
                let target =
                    self.target_with(&index.children, root, &caller, &text[call.path.clone()]);
                if let Ok(target) = target
                    && let Ok(canonical) = target.canonicalize()
                {
                    index.calls.entry(canonical).or_default().push(Call {
                        caller,
                        text: Arc::clone(&text),
                        vars: call.vars.clone(),
                    });
                }
            }
            index
        }
    }

    /// The root module a module's folder belongs to (itself unless a `module` block calls it).
    fn root_module(children: &HashMap<PathBuf, ModuleCall>, dir: &Path) -> PathBuf {
        let mut dir = dir.to_path_buf();
        for _ in 0..16 {
            let Ok(canonical) = dir.canonicalize() else {
                break;
            };
            match children.get(&canonical) {
                Some(call) => dir = call.caller.parent().unwrap_or(Path::new("")).to_path_buf(),
                None => break,
            }
        }
        dir
    }

    /// Where a `templatefile` PATH argument of the file `caller` points, or why it cannot be
    /// read: a literal path is relative to the root module's folder (Terraform's working
    /// directory), `${path.module}/…` to the caller's folder, `${path.root}/…` to the root
    /// module's.
    fn target_of(&self, caller: &Path, argument: &str) -> Result<PathBuf, String> {
        let root = self.repository_of(caller);
        self.target_with(&self.index(caller).children, &root, caller, argument)
    }

    fn target_with(
        &self,
        children: &HashMap<PathBuf, ModuleCall>,
        root: &Path,
        caller: &Path,
        argument: &str,
    ) -> Result<PathBuf, String> {
        let dir = caller.parent().unwrap_or(Path::new(""));
        let argument = argument.trim();
        let Some(inner) = argument.strip_prefix('"').and_then(|a| a.strip_suffix('"')) else {
            return Err(format!("`{argument}` is not a literal path"));
        };
        let (base, rest) = if let Some(rest) = inner.strip_prefix("${path.module}/") {
            (dir.to_path_buf(), rest)
        } else if let Some(rest) = inner.strip_prefix("${path.root}/") {
            (Self::root_module(children, dir), rest)
        } else if inner.contains("${") {
            return Err(format!("`{argument}` is not a literal path"));
        } else {
            (Self::root_module(children, dir), inner)
        };
        let target = base.join(rest);
        inside(root, &target).map(|()| target)
    }

    /// The values of the module in `dir`.
    pub fn module_scope(&self, dir: &Path) -> Arc<Scope> {
        let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        if let Some(scope) = self
            .scopes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Arc::clone(scope);
        }
        let tf_files = walk::folder_texts(dir, &|name| name.ends_with(".tf"));
        let arguments = self
            .index(&dir.join("x.tf"))
            .children
            .get(&key)
            .map(|call| {
                let caller_dir = call.caller.parent().unwrap_or(Path::new(""));
                let caller_scope = self.module_scope(caller_dir);
                let place = Place {
                    path: &call.caller,
                    text: &call.text,
                };
                let mut arguments = Scope::default();
                for (name, expr) in &call.arguments {
                    let text = &call.text[expr.clone()];
                    if let Some(value) = terraform::evaluate(text, &caller_scope) {
                        let origin = caller_scope
                            .values
                            .get(text.trim())
                            .map(|k| k.origin.clone())
                            .unwrap_or_else(|| super::Origin {
                                name: format!("module argument {name}"),
                                path: place.path.to_path_buf(),
                                line: Some(hcl::line_of(place.text.as_bytes(), expr.start)),
                            });
                        arguments
                            .values
                            .insert(name.clone(), Known { value, origin });
                    }
                }
                arguments
            });
        let tfvars = if arguments.is_some() {
            Vec::new()
        } else {
            let mut files = walk::folder_texts(dir, &|name| {
                name == "terraform.tfvars"
                    || name == "terraform.tfvars.json"
                    || name.ends_with(".auto.tfvars")
                    || name.ends_with(".auto.tfvars.json")
            });
            let names: Vec<String> = files
                .iter()
                .filter_map(|(p, _)| p.file_name()?.to_str().map(str::to_owned))
                .collect();
            let order = terraform::tfvars_order(&names);
            files.sort_by_key(|(p, _)| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                order.iter().position(|o| o == name)
            });
            files
        };
        let scope = Arc::new(terraform::module_scope(
            &tf_files,
            &tfvars,
            arguments.as_ref(),
        ));
        self.scopes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, Arc::clone(&scope));
        scope
    }

    /// The profiles a `.tf` file holds: its heredocs and quoted strings, with its module's
    /// values. A file that does not parse is an error with its line.
    pub fn terraform_file(&self, path: &Path, text: &str) -> Result<Read, String> {
        let parsed = match hcl::parse(text) {
            Ok(parsed) => parsed,
            // A `.tf` that is not about OpenVPN is never reported, even when it is broken.
            Err(_) if !may_hold_profile(text, Form::Heredoc) => {
                return Ok(Read {
                    documents: Vec::new(),
                    warnings: Vec::new(),
                });
            }
            Err(why) => return Err(format!("not valid Terraform: {why}")),
        };
        let mut warnings = Vec::new();
        for call in &parsed.calls {
            let line = hcl::line_of(text.as_bytes(), call.span.start);
            match self.target_of(path, &text[call.path.clone()]) {
                Ok(target) if !target.exists() && names_a_profile(&target) => {
                    warnings.push(format!(
                        "`{}` line {line}: the `templatefile` target `{}` does not exist",
                        path.display(),
                        target.display()
                    ))
                }
                Ok(_) => {}
                Err(why) if why.contains("outside the repository") => {
                    warnings.push(format!(
                        "`{}` line {line}: the `templatefile` target {why}",
                        path.display()
                    ));
                }
                Err(_) => {}
            }
        }
        let candidates: Vec<&hcl::TemplateSpan> = parsed
            .templates
            .iter()
            .filter(|t| may_hold_profile(&text[t.content.clone()], t.form))
            .collect();
        if candidates.is_empty() {
            return Ok(Read {
                documents: Vec::new(),
                warnings,
            });
        }
        let scope = self.module_scope(path.parent().unwrap_or(Path::new("")));
        let documents = candidates
            .into_iter()
            .map(|template| {
                Ok(Document {
                    rendered: terraform::render(
                        text,
                        template.content.clone(),
                        template.form,
                        &scope,
                    )?,
                    fixes_refused: (template.form == Form::Quoted).then(|| {
                        "the profile is a quoted string, whose line breaks are `\\n` escapes: \
                         edit it by hand, or write it as a heredoc"
                            .to_owned()
                    }),
                })
            })
            .collect::<Result<Vec<Document>, String>>()?;
        Ok(Read {
            documents,
            warnings,
        })
    }

    /// For a `templatefile` target, what each call passes for `variable`: the caller's module
    /// folder and the argument's expression text (`aws_ec2_client_vpn_endpoint.vpn.dns_name`).
    pub fn templatefile_arguments(&self, path: &Path, variable: &str) -> Vec<(PathBuf, String)> {
        let Ok(canonical) = path.canonicalize() else {
            return Vec::new();
        };
        let index = self.index(path);
        let Some(calls) = index.calls.get(&canonical) else {
            return Vec::new();
        };
        calls
            .iter()
            .filter_map(|call| {
                let vars = &call.text[call.vars.clone()?];
                let (_, value) = terraform::object_entries(vars)?
                    .into_iter()
                    .find(|(key, _)| key == variable)?;
                let folder = match call.caller.parent() {
                    Some(folder) if !folder.as_os_str().is_empty() => folder.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                Some((folder, vars[value].to_owned()))
            })
            .collect()
    }

    /// Whether a `templatefile` call names this file (of any extension).
    pub fn is_templatefile_target(&self, path: &Path) -> bool {
        path.canonicalize()
            .is_ok_and(|canonical| self.index(path).calls.contains_key(&canonical))
    }

    /// The documents of a template that `templatefile` calls name, one per call, each with its
    /// call's `VARS`; `None` when no call names it.
    pub fn templatefile_target(
        &self,
        path: &Path,
        text: &str,
    ) -> Option<Result<Vec<Document>, String>> {
        let canonical = path.canonicalize().ok()?;
        let index = self.index(path);
        let calls = index.calls.get(&canonical)?;
        Some(
            calls
                .iter()
                .map(|call| {
                    let module = self.module_scope(call.caller.parent().unwrap_or(Path::new("")));
                    let place = Place {
                        path: &call.caller,
                        text: &call.text,
                    };
                    let scope = terraform::call_scope(&place, call.vars.clone(), &module);
                    Ok(Document {
                        rendered: terraform::render(text, 0..text.len(), Form::Heredoc, &scope)?,
                        fixes_refused: None,
                    })
                })
                .collect(),
        )
    }
}

/// Whether a path stays inside the repository: not absolute, no `..` past the root, no
/// link out of it.
pub fn inside(root: &Path, path: &Path) -> Result<(), String> {
    let leaves = || {
        Err(format!(
            "`{}` is outside the repository; it was not read",
            path.display()
        ))
    };
    let relative = walk::relative_to(root, path);
    if relative.is_absolute() || relative.components().next() == Some(Component::ParentDir) {
        return leaves();
    }
    let mut depth = 0usize;
    for component in relative.components() {
        match component {
            Component::ParentDir if depth == 0 => return leaves(),
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            _ => {}
        }
    }
    if let (Ok(root), Ok(target)) = (root.canonicalize(), path.canonicalize())
        && !target.starts_with(&root)
    {
        return leaves();
    }
    Ok(())
}

/// Whether a path's name says it is about OpenVPN (`client.ovpn.tftpl`, `vpn.conf.tpl`).
fn names_a_profile(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    name.contains("ovpn") || name.contains("vpn") || name.contains(".conf")
}

/// Whether a file sits in an Ansible role's `templates/` folder.
pub fn role_template(path: &Path) -> bool {
    path.parent().is_some_and(|dir| {
        dir.ancestors()
            .any(|a| a.file_name().is_some_and(|n| n == "templates"))
    })
}

/// The templates whose values a changed file gives: for a module's `.tf` or tfvars file, the
/// module's other `.tf` files and the `templatefile` targets they name (any path a literal or
/// `${path.module}/` argument gives, inside the folder's reach); for a role's
/// `defaults/main.yml` or `vars/main.yml`, the files under the role's `templates/`.
pub fn dependents(changed: &Path) -> Vec<PathBuf> {
    let name = changed
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let dir = changed.parent().unwrap_or(Path::new(""));
    let mut found = Vec::new();
    if name.ends_with(".tf") || name.ends_with(".tfvars") || name.ends_with(".tfvars.json") {
        for (path, text) in walk::folder_texts(dir, &|n| n.ends_with(".tf")) {
            if path != changed {
                found.push(path.clone());
            }
            let Ok(parsed) = hcl::parse(&text) else {
                continue;
            };
            for call in parsed.calls {
                let argument = text[call.path.clone()].trim();
                let Some(inner) = argument.strip_prefix('"').and_then(|a| a.strip_suffix('"'))
                else {
                    continue;
                };
                let relative = inner.strip_prefix("${path.module}/").unwrap_or(inner);
                if relative.contains("${") || Path::new(relative).is_absolute() {
                    continue;
                }
                let target = dir.join(relative);
                if target.is_file() && !relative.split('/').any(|c| c == "..") {
                    found.push(target);
                }
            }
        }
    } else if matches!(name, "main.yml" | "main.yaml")
        && dir
            .file_name()
            .is_some_and(|d| d == "defaults" || d == "vars")
    {
        let templates = dir.parent().unwrap_or(Path::new("")).join("templates");
        let mut stack = vec![templates];
        while let Some(folder) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            for entry in entries.filter_map(Result::ok) {
                let path = entry.path();
                match entry.file_type() {
                    Ok(t) if t.is_dir() => stack.push(path),
                    Ok(t) if t.is_file() => found.push(path),
                    _ => {}
                }
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// The cheap check before rendering a template of a `.tf` file (or reporting a template that
/// cannot be rendered): three lines at least (or
/// `\n` escapes), and a word that starts every profile.
pub fn may_hold_profile(content: &str, form: Form) -> bool {
    let lines = match form {
        Form::Quoted => content.matches("\\n").count(),
        _ => content.matches('\n').count(),
    };
    lines >= 2
        && [
            "client",
            "remote",
            "dev",
            "server",
            "pull",
            "mode",
            "tls-client",
        ]
        .iter()
        .any(|word| content.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_path_out_of_the_repository_is_refused_however_it_leaves() {
        let outside = tempfile::tempdir().unwrap();
        let repository = tempfile::tempdir().unwrap();
        let root = repository.path();
        std::fs::create_dir(root.join("m")).unwrap();
        std::fs::write(root.join("m/ok.tftpl"), "client\n").unwrap();
        std::fs::write(outside.path().join("secret"), "key\n").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), root.join("m/link.tftpl"))
            .unwrap();
        assert_eq!(inside(root, &root.join("m/ok.tftpl")), Ok(()));
        assert_eq!(inside(root, &root.join("m/../m/ok.tftpl")), Ok(()));
        for out in [
            PathBuf::from("/etc/passwd"),
            root.join("m/../../x"),
            root.join("m/link.tftpl"),
        ] {
            let refused = inside(root, &out).unwrap_err();
            assert!(
                refused.ends_with("is outside the repository; it was not read"),
                "{refused}"
            );
        }
    }
}
