//! One document through the workspace: a path and its text (the file on disk, standard input,
//! or an editor's unsaved buffer) linted with the settings that apply to that path, fixed, or
//! asked where an address goes. The command line and the language server both come here.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::diagnostic::Diagnostic;
use crate::engine::{Detail, FileSettings};
use crate::fix;
use crate::model::{self, Profile, tunnel::Tunnel};
use crate::report;
use crate::route_query;
use crate::rules;
use crate::walk;

use super::Workspace;
use super::settings::Layered;

/// A document that cannot be linted with the workspace's settings.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DocumentError {
    /// The `[[overrides]]` entries that match its path cannot be laid together.
    #[error("{0}")]
    OverridesClash(String),
    /// A template that cannot be rendered, or whose fixes would break it (the message names
    /// the file, and the line where there is one).
    #[error("{0}")]
    Template(String),
}

/// A linted document: its profile (the text, includes, paired server) and the findings.
#[derive(Debug)]
pub struct Linted {
    /// For a template, the template's own text read as it stands: only its text is meant
    /// (the profiles it renders are in no single [`Profile`]).
    pub profile: Profile,
    pub diagnostics: Vec<Diagnostic>,
    /// For a template (design §10): the files its findings are in, as reports show them (the
    /// template, secrets masked, then what its rendered profiles include); `None` for a
    /// profile, whose findings are in `profile`'s sources.
    pub template_sources: Option<Vec<report::SourceText>>,
}

/// How the command line reads a document that is no template (see [`Workspace::reading`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// A profile, as always.
    Profile,
    /// A file with a template's name and no placeholders, named on the command line but not by
    /// `include`: linted when it reads as a profile ([`Profile::reads_as_profile`]).
    IfItReadsAsProfile,
    /// Walked as a possible template (`client.ovpn.bak`) and none, or a vars file named so
    /// that its templates are linted: not itself linted.
    Skipped,
}

impl Workspace {
    /// Lints `path` holding `text`, as the command line would lint that file named on it, with
    /// every detail of each finding. `None` when the document is a `.conf` that does not read
    /// as OpenVPN (an nginx.conf).
    pub fn lint_document(
        &self,
        path: &Path,
        text: Vec<u8>,
    ) -> Result<Option<Linted>, DocumentError> {
        let input = self.explicit_input(path);
        if let Some(language) = self.template_language(path, &text, true) {
            let name = report::display_path(path);
            let linted = self
                .lint_template(path, &input.relative, &name, &text, language, Detail::Full)
                .map_err(DocumentError::Template)?;
            if !linted.is_profile() {
                return Ok(None);
            }
            return Ok(Some(Linted {
                profile: template_as_text(path, text),
                diagnostics: linted.linted.diagnostics,
                template_sources: Some(linted.linted.sources),
            }));
        }
        let Some(loaded) = self.load_untemplated(&input, text) else {
            return Ok(None);
        };
        let layered = self
            .layered(&input.relative)
            .map_err(DocumentError::OverridesClash)?;
        let nearby = NearbyServers::default();
        let nearby_server = || nearby.find(&input, &self.config.root);
        let (profile, diagnostics) =
            self.lint_loaded(loaded, &layered, Detail::Full, path, &nearby_server);
        Ok(Some(Linted {
            profile,
            diagnostics,
            template_sources: None,
        }))
    }

    /// How a document that is no template is read (the command line's rule for a file it
    /// meets, which the language server follows for the file named).
    pub fn reading(&self, input: &walk::Input) -> Reading {
        use crate::template::detect::{gives_values, is_template_name};
        // Only a file with a template's name or a vars file can be here without `include`
        // naming it (the walk matched the others already).
        let template_name = is_template_name(&input.path);
        let maybe_not_included = template_name || input.explicit && gives_values(&input.path);
        let included = !maybe_not_included || self.config.include.is_match(&input.relative);
        if included {
            Reading::Profile
        } else if !input.explicit || gives_values(&input.path) {
            Reading::Skipped
        } else {
            Reading::IfItReadsAsProfile
        }
    }

    /// A document that is no template read as a profile, or `None` when it is not linted: a
    /// `.conf` that does not read as OpenVPN (an nginx.conf), or as [`Workspace::reading`]
    /// says.
    fn load_untemplated(&self, input: &walk::Input, text: Vec<u8>) -> Option<Profile> {
        let reading = self.reading(input);
        if reading == Reading::Skipped {
            return None;
        }
        let loaded = load_profile(&input.path, text);
        let skipped = input.only_if_openvpn && !loaded.looks_like_openvpn()
            || reading == Reading::IfItReadsAsProfile && !loaded.reads_as_profile();
        (!skipped).then_some(loaded)
    }

    /// The fixes of `path` holding `text` applied until the text is stable: safe ones only, or
    /// unsafe ones too; `None` as for [`Workspace::lint_document`].
    pub fn fix_document(
        &self,
        path: &Path,
        text: Vec<u8>,
        with_unsafe: bool,
    ) -> Result<Option<fix::Outcome>, FixError> {
        let input = self.explicit_input(path);
        if let Some(language) = self.template_language(path, &text, true) {
            let name = report::display_path(path);
            let original = text.clone();
            let fixed = self
                .fix_template(
                    path,
                    &input.relative,
                    &name,
                    text,
                    language,
                    with_unsafe,
                    Detail::Full,
                )
                .map_err(|e| FixError::Document(DocumentError::Template(e)))?;
            if !fixed.is_profile() {
                return Ok(None);
            }
            let fixed = fixed.fixed;
            return Ok(Some(fix::Outcome {
                original,
                profile: template_as_text(path, fixed.text),
                diagnostics: fixed.linted.diagnostics,
                fixed: fixed.fixed,
            }));
        }
        let Some(loaded) = self.load_untemplated(&input, text) else {
            return Ok(None);
        };
        let layered = self
            .layered(&input.relative)
            .map_err(|e| FixError::Document(DocumentError::OverridesClash(e)))?;
        let nearby = NearbyServers::default();
        let nearby_server = || nearby.find(&input, &self.config.root);
        let lint = |path: &Path, text: Vec<u8>| {
            self.lint_loaded(
                load_profile(path, text),
                &layered,
                Detail::Full,
                path,
                &nearby_server,
            )
        };
        let text = loaded.top().text().to_vec();
        fix::fix_file(path, text, with_unsafe, &lint)
            .map(Some)
            .map_err(FixError::DidNotSettle)
    }

    /// Where traffic to `address` goes for `path` holding `text` (`--route`); `None` when
    /// `address` is no IP address.
    pub fn route_in_document(
        &self,
        path: &Path,
        text: Vec<u8>,
        address: &str,
    ) -> Result<Option<route_query::Answer>, crate::config::ConfigError> {
        let input = self.explicit_input(path);
        let (profile, tunnel) = self.tunnel_view(load_profile(path, text), &input.relative)?;
        Ok(route_query::answer(&profile, &tunnel, address))
    }

    /// The profile paired with its server, and its tunnel as the rules see it, with the
    /// settings of a path relative to the config's root (`--route`, hover).
    pub fn tunnel_view(
        &self,
        loaded: Profile,
        relative: &Path,
    ) -> Result<(Profile, Tunnel), crate::config::ConfigError> {
        let view = self.view(loaded, relative)?;
        Ok((view.profile, view.tunnel))
    }

    /// What `--inspect` and `--route` show of a profile: paired with its server, linked to its
    /// endpoint, its tunnel as the rules see it, and the params it is judged with.
    pub fn view(
        &self,
        loaded: Profile,
        relative: &Path,
    ) -> Result<View, crate::config::ConfigError> {
        let file = self.config.for_file(relative)?;
        let linked = self
            .endpoints
            .resolve(&loaded, &file.params, &self.templates);
        let params = linked.as_ref().map_or(&file.params, |l| &l.params);
        let profile = self.servers.pair(loaded, params);
        let profile = match &linked {
            Some(l) => crate::endpoint::link::attach(
                profile,
                &self.endpoints.registry,
                &l.entry.endpoint,
                params,
            ),
            None => profile,
        };
        let tunnel = rules::tunnel_of(&profile, params);
        Ok(View {
            endpoint: linked.as_ref().map(crate::endpoint::link::to_json),
            params: params.clone(),
            profile,
            tunnel,
        })
    }

    /// Sentences for the params set for `profile`'s path that contradict its linked endpoint.
    pub fn endpoint_disagreements(&self, profile: &Profile, layered: &Layered) -> Vec<String> {
        self.endpoints
            .resolve(profile, &layered.file.params, &self.templates)
            .map(|l| l.disagreements)
            .unwrap_or_default()
    }

    /// Lints a loaded profile with the settings of its path: paired with its server, and,
    /// for a client whose leak findings would say more, told of a server config in its folder
    /// (`nearby_server` finds it, only when asked).
    pub fn lint_loaded(
        &self,
        profile: Profile,
        layered: &Layered,
        detail: Detail,
        path: &Path,
        nearby_server: &dyn Fn() -> Option<String>,
    ) -> (Profile, Vec<Diagnostic>) {
        let linked = self
            .endpoints
            .resolve(&profile, &layered.file.params, &self.templates);
        let params = linked.as_ref().map_or(&layered.file.params, |l| &l.params);
        let settings = FileSettings {
            params,
            role: layered.file.role,
            nearby_server: None,
            detail,
        };
        let profile = self.servers.pair(profile, params);
        let profile = match &linked {
            Some(l) => crate::endpoint::link::attach(
                profile,
                &self.endpoints.registry,
                &l.entry.endpoint,
                params,
            ),
            None => profile,
        };
        let mut diagnostics = self.engine.lint_with(&profile, &settings, &layered.choices);
        // Leak findings of a client whose folder holds a server config suggest pairing in
        // their note (not for AWS profiles: their server is the endpoint; nor when no
        // report shows notes).
        if params.server.is_none()
            && detail == Detail::Full
            && path.as_os_str() != "-"
            && self.engine.wants_nearby_server(&diagnostics)
            && model::aws::endpoint(&profile).is_none()
            && let Some(server) = nearby_server()
        {
            let settings = FileSettings {
                nearby_server: Some(&server),
                ..settings.clone()
            };
            diagnostics = self.engine.lint_with(&profile, &settings, &layered.choices);
        }
        (profile, diagnostics)
    }

    /// `path` as if named on the command line.
    pub fn explicit_input(&self, path: &Path) -> walk::Input {
        walk::explicit_input(path, &self.config)
    }
}

/// A profile as `--inspect` and `--route` see it.
#[derive(Debug)]
pub struct View {
    pub profile: Profile,
    pub tunnel: Tunnel,
    /// The params of its path, with its linked endpoint's facts applied.
    pub params: rules::Params,
    /// `--inspect`'s `endpoint` object, when an endpoint is linked.
    pub endpoint: Option<serde_json::Value>,
}

/// Why the fixes of a document could not be worked out.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FixError {
    #[error(transparent)]
    Document(#[from] DocumentError),
    /// Applying the fixes and linting again did not settle (a bug in a rule's fix).
    #[error("{0}")]
    DidNotSettle(String),
}

/// A profile read from `text`, its includes read from disk.
pub fn load_profile(path: &Path, text: Vec<u8>) -> Profile {
    model::load(path, text, &|include| walk::read_file(include))
}

/// A template's own text in a [`Profile`], for its text only: nothing is read besides it.
fn template_as_text(path: &Path, text: Vec<u8>) -> Profile {
    model::load(path, text, &|_| {
        Err(std::io::Error::other("a template's includes are not read"))
    })
}

/// A rendered template's profile, its includes read from disk: its unknown values are not
/// judged.
pub fn load_rendered(path: &Path, text: Vec<u8>) -> Profile {
    model::load_rendered(path, text, &|include| walk::read_file(include))
}

/// Per folder, the server config it holds (as `server` would name it), looked for once.
#[derive(Debug, Default)]
pub struct NearbyServers {
    /// The `.conf` files of each folder walked, in path order.
    /// (Keyed by text: a `Path` hashes component by component.)
    conf_files_by_folder: HashMap<OsString, Vec<PathBuf>>,
    cache: Mutex<HashMap<OsString, Option<String>>>,
}

impl NearbyServers {
    /// With the `.conf` files a walk saw.
    pub fn from_walk(conf_files: Vec<PathBuf>) -> Self {
        Self {
            conf_files_by_folder: by_folder(conf_files),
            cache: Mutex::default(),
        }
    }

    /// A server config (a `.conf` of at most 64 KiB that is one) in the folder of `input`. The
    /// `.conf` files of a folder the walk went through are known; the folder of a file named on
    /// the command line is read.
    pub fn find(&self, input: &walk::Input, root: &Path) -> Option<String> {
        const MAX_SIZE: u64 = 64 * 1024;
        let folder = input.path.parent()?;
        let known =
            |cache: &HashMap<OsString, Option<String>>| cache.get(folder.as_os_str()).cloned();
        if let Some(server) = known(&self.cache.lock().unwrap_or_else(|e| e.into_inner())) {
            return server;
        }
        let read;
        let candidates: &[PathBuf] = if input.explicit {
            read = conf_files_in(folder);
            &read
        } else {
            self.conf_files_by_folder
                .get(folder.as_os_str())
                .map_or(&[], Vec::as_slice)
        };
        let server = candidates
            .iter()
            // A client is no server: the file itself need not be read again.
            .filter(|candidate| **candidate != input.path)
            .find(|candidate| {
                std::fs::metadata(candidate).is_ok_and(|m| m.is_file() && m.len() <= MAX_SIZE)
                    && walk::read_file(candidate)
                        .is_ok_and(|text| load_profile(candidate, text).is_server())
            })
            .map(|server| report::display_path(&walk::relative_to(root, server)));
        // Reading is done without the lock; two threads that look at once find the same.
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(folder.as_os_str().to_owned(), server.clone());
        server
    }
}

/// The `.conf` files of `folder`, sorted.
fn conf_files_in(folder: &Path) -> Vec<PathBuf> {
    let read = if folder.as_os_str().is_empty() {
        std::fs::read_dir(".")
    } else {
        std::fs::read_dir(folder)
    };
    let Ok(entries) = read else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            Path::new(&e.file_name())
                .extension()
                .is_some_and(|x| x == "conf")
        })
        .map(|e| folder.join(e.file_name()))
        .collect();
    files.sort();
    files
}

/// `.conf` files by their folder, each folder's in the order given.
fn by_folder(conf_files: Vec<PathBuf>) -> HashMap<OsString, Vec<PathBuf>> {
    let mut folders: HashMap<OsString, Vec<PathBuf>> = HashMap::new();
    for file in conf_files {
        let folder = file
            .parent()
            .unwrap_or(Path::new(""))
            .as_os_str()
            .to_owned();
        folders.entry(folder).or_default().push(file);
    }
    folders
}
