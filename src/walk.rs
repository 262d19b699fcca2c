//! Which files to lint, and reading them: the config file nearest the current directory,
//! directories walked honouring `.gitignore`/`.ignore` and the config's `include`/`exclude`,
//! files named on the command line, and clear errors for what cannot be read.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::config::{self, Config};

/// A file to lint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub path: PathBuf,
    /// `path` relative to the config's root, as include, exclude and per-path settings see it.
    pub relative: PathBuf,
    /// A symbolic link (to a file that may also be named some other way).
    pub link: bool,
    /// Named on the command line (as opposed to found in a directory).
    pub explicit: bool,
    /// A `.conf` that is linted only if it looks like OpenVPN
    /// ([`crate::model::Profile::looks_like_openvpn`]): an nginx.conf is not an error. The
    /// check is made on the profile read for linting.
    pub only_if_openvpn: bool,
}

/// What [`inputs`] finds.
#[derive(Debug, Default)]
pub struct Found {
    /// The files to lint, sorted ([`sort_key`]), each once.
    pub inputs: Vec<Input>,
    /// The paths that cannot be walked, sorted the same way.
    pub errors: Vec<WalkError>,
    /// Every `.conf` file seen in the folders walked (ignored ones aside), whether linted or
    /// not: where a client's server config may be.
    pub conf_files: Vec<PathBuf>,
}

/// A path named or found that cannot be linted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkError {
    pub path: PathBuf,
    pub message: String,
}

/// The order files are linted and reported in: paths compared as bytes with the separator
/// lowest, so a folder's files stay together (and much cheaper than comparing components).
pub fn sort_key(path: &Path) -> Vec<u8> {
    let mut key = path.as_os_str().as_encoded_bytes().to_vec();
    key.iter_mut().filter(|b| **b == b'/').for_each(|b| *b = 0);
    key
}

/// The nearest `.ovpn6-lint.toml` from `start` up to the repository root (the first folder
/// with a `.git`), or none.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    for dir in start.ancestors() {
        let candidate = dir.join(config::FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if dir.join(".git").exists() {
            break;
        }
    }
    None
}

/// Reads a text file that the user pointed at (a config, a rule file).
pub fn read_text(path: &Path) -> Result<String, String> {
    let bytes = read_file(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|_| format!("`{}` is not valid UTF-8", path.display()))
}

/// The rule files (`*.toml`) of a `rule-dirs` folder, sorted by name.
pub fn rule_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = fs::read_dir(dir)
        .map_err(|e| format!("cannot read rule folder `{}`: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// The files to lint under `paths`.
pub fn inputs(paths: &[PathBuf], config: &Config, force_exclude: bool) -> Found {
    let mut lists = Lists::default();
    for path in paths {
        if path.as_os_str() == "-" {
            lists.inputs.push(Input {
                path: path.clone(),
                relative: path.clone(),
                link: false,
                explicit: true,
                only_if_openvpn: false,
            });
            continue;
        }
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk_dir(path, config, &mut lists),
            Ok(_) => {
                let input = explicit_input(path, config);
                if force_exclude && config.exclude.is_match(&input.relative) {
                    continue;
                }
                lists.inputs.push(input);
            }
            Err(error) => lists.errors.push(WalkError {
                path: path.clone(),
                message: describe_error(path, &error),
            }),
        }
    }
    let Lists {
        inputs: mut found,
        mut errors,
        mut conf_files,
    } = lists;
    found.sort_by_cached_key(|input| sort_key(&input.path));
    errors.sort_by_cached_key(|error| sort_key(&error.path));
    conf_files.sort_by_cached_key(|path| sort_key(path));
    // The same file named twice (`a.ovpn ./a.ovpn`, a folder and a file in it, a symlink and its
    // target) is linted, and fixed, once.
    let named_several = paths.len() > 1;
    if !named_several && !found.iter().any(|input| input.link) {
        // One path walked names each file once: only a link can repeat one.
        return Found {
            inputs: found,
            errors,
            conf_files,
        };
    }
    let mut seen = std::collections::HashSet::new();
    found.retain(|input| {
        let identity = if named_several || input.link {
            input
                .path
                .canonicalize()
                .unwrap_or_else(|_| input.path.clone())
        } else {
            input.path.clone()
        };
        seen.insert(identity)
    });
    Found {
        inputs: found,
        errors,
        conf_files,
    }
}

/// What a walk collects, in the order found.
#[derive(Default)]
struct Lists {
    inputs: Vec<Input>,
    errors: Vec<WalkError>,
    conf_files: Vec<PathBuf>,
}

impl Lists {
    fn append(&mut self, other: &mut Lists) {
        self.inputs.append(&mut other.inputs);
        self.errors.append(&mut other.errors);
        self.conf_files.append(&mut other.conf_files);
    }
}

/// Walks `dir` on every core (the caller sorts what is found).
fn walk_dir(dir: &Path, config: &Config, lists: &mut Lists) {
    let shared = Mutex::new(Lists::default());
    // Everything found lies under `dir`: its relative path is worked out once.
    let dir_relative = relative_by_text(&config.root, dir);
    let mut visitors = Visitors {
        config,
        dir,
        dir_relative: dir_relative.as_deref(),
        shared: &shared,
    };
    ignore::WalkBuilder::new(dir)
        .hidden(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build_parallel()
        .visit(&mut visitors);
    lists.append(&mut shared.into_inner().unwrap_or_else(|e| e.into_inner()));
}

/// Makes one [`Visitor`] per walking thread.
struct Visitors<'a> {
    config: &'a Config,
    dir: &'a Path,
    dir_relative: Option<&'a Path>,
    shared: &'a Mutex<Lists>,
}

impl<'s> ignore::ParallelVisitorBuilder<'s> for Visitors<'s> {
    fn build(&mut self) -> Box<dyn ignore::ParallelVisitor + 's> {
        Box::new(Visitor {
            config: self.config,
            dir: self.dir,
            dir_relative: self.dir_relative,
            found: Lists::default(),
            shared: self.shared,
        })
    }
}

/// One walking thread's findings, kept apart and handed over when the thread is done: no lock
/// per file.
struct Visitor<'a> {
    config: &'a Config,
    dir: &'a Path,
    dir_relative: Option<&'a Path>,
    found: Lists,
    shared: &'a Mutex<Lists>,
}

impl ignore::ParallelVisitor for Visitor<'_> {
    fn visit(&mut self, entry: Result<ignore::DirEntry, ignore::Error>) -> ignore::WalkState {
        match entry {
            Ok(entry) => {
                if is_file(&entry) && is_conf(entry.path()) {
                    self.found.conf_files.push(entry.path().to_path_buf());
                }
                if let Some(input) = keep(&entry, self.config, self.dir, self.dir_relative) {
                    self.found.inputs.push(input);
                }
            }
            Err(error) => self.found.errors.push(WalkError {
                path: error_path(&error).unwrap_or(self.dir).to_path_buf(),
                message: format!("cannot walk `{}`: {error}", self.dir.display()),
            }),
        }
        ignore::WalkState::Continue
    }
}

impl Drop for Visitor<'_> {
    fn drop(&mut self) {
        self.shared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .append(&mut self.found);
    }
}

/// The path a walk error is about, when it names one.
fn error_path(error: &ignore::Error) -> Option<&Path> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

/// Whether a walked entry is a file to lint. `dir` is the folder walked, and `dir_relative` its
/// path relative to the config's root when that needs no links resolved.
fn keep(
    entry: &ignore::DirEntry,
    config: &Config,
    dir: &Path,
    dir_relative: Option<&Path>,
) -> Option<Input> {
    if !is_file(entry) {
        return None;
    }
    let path = entry.path();
    let relative = match (dir_relative, under(path, dir)) {
        (Some(base), Some(rest)) => base.join(rest),
        _ => relative_to(&config.root, path),
    };
    let candidate = globset::Candidate::new(&relative);
    // Templates are walked by default; a config's own `include` decides alone.
    let included = config.include.is_match_candidate(&candidate)
        || (!config.include_configured && crate::template::detect::is_template_name(&relative));
    if !included || config.exclude.is_match_candidate(&candidate) {
        return None;
    }
    Some(Input {
        path: path.to_path_buf(),
        relative,
        link: entry.path_is_symlink(),
        explicit: false,
        only_if_openvpn: is_conf(path) && !config.include_configured,
    })
}

/// A file, or a link (to a file, or dangling: reading it says which).
fn is_file(entry: &ignore::DirEntry) -> bool {
    entry
        .file_type()
        .is_some_and(|t| t.is_file() || t.is_symlink())
}

/// A file named on the command line (or opened in an editor), as the walk lists it.
pub fn explicit_input(path: &Path, config: &Config) -> Input {
    let relative = relative_to(&config.root, path);
    // An explicit `.conf` is linted when it looks like OpenVPN or the user's own
    // `include` names it: pre-commit passes every staged nginx.conf too.
    let included_by_user = config.include_configured && config.include.is_match(&relative);
    Input {
        path: path.to_path_buf(),
        relative,
        link: fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()),
        explicit: true,
        only_if_openvpn: is_conf(path) && !included_by_user,
    }
}

fn is_conf(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "conf")
}

/// Reads an input. A regular file found by the walk (not a link) needs no check of what it is,
/// which spares a path lookup per file.
pub fn read_input(input: &Input) -> io::Result<Vec<u8>> {
    if input.explicit || input.link {
        return read_file(&input.path);
    }
    let mut text = Vec::with_capacity(16 * 1024);
    fs::File::open(&input.path)?
        .take(u64::MAX)
        .read_to_end(&mut text)?;
    Ok(text)
}

/// The Terraform files (`*.tf`) under `root`, ignore files honoured, sorted: where
/// `templatefile` calls and `module` blocks are looked for.
pub fn terraform_files(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(root)
        .hidden(false)
        .filter_entry(|e| e.file_name() != ".git" && e.file_name() != ".terraform")
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(ignore::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|x| x == "tf"))
        .collect();
    files.sort();
    files
}

/// The files of `folder` whose names `keep` accepts, read as text (unreadable or non-UTF-8
/// ones left out), sorted by name.
pub fn folder_texts(folder: &Path, keep: &dyn Fn(&str) -> bool) -> Vec<(PathBuf, String)> {
    let read = if folder.as_os_str().is_empty() {
        fs::read_dir(".")
    } else {
        fs::read_dir(folder)
    };
    let Ok(entries) = read else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| keep(name))
        .collect();
    names.sort();
    names
        .into_iter()
        .filter_map(|name| {
            let path = folder.join(&name);
            let text = String::from_utf8(read_file(&path).ok()?).ok()?;
            Some((path, text))
        })
        .collect()
}

/// Reads a file, refusing what is not a regular file (a FIFO would block, a directory fails late).
pub fn read_file(path: &Path) -> io::Result<Vec<u8>> {
    let meta = fs::metadata(path)?;
    if meta.is_dir() {
        return Err(io::Error::other("is a directory"));
    }
    if !meta.is_file() {
        return Err(io::Error::other(
            "is not a regular file (a FIFO, socket or device)",
        ));
    }
    // `fs::read` would ask for the size and position again; the metadata already has them.
    // Reading at most that many bytes spares the read that finds the end, too. (A file that
    // grows meanwhile is read as it was; `--fix` compares again before it writes.)
    let mut text = Vec::with_capacity(meta.len() as usize);
    fs::File::open(path)?
        .take(meta.len())
        .read_to_end(&mut text)?;
    Ok(text)
}

pub fn describe_error(path: &Path, error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound if fs::symlink_metadata(path).is_ok() => {
            format!(
                "`{}` is a symbolic link whose target does not exist",
                path.display()
            )
        }
        io::ErrorKind::NotFound => format!("`{}` does not exist", path.display()),
        io::ErrorKind::PermissionDenied => {
            format!("`{}` cannot be read: permission denied", path.display())
        }
        _ => format!("`{}` cannot be read: {error}", path.display()),
    }
}

/// `path` relative to `root` (the config's folder), for glob matching: a file outside `root`
/// gets `..` components (`../providers/a.ovpn`), so the config's globs mean the same whatever
/// the working directory.
pub fn relative_to(root: &Path, path: &Path) -> PathBuf {
    if let Some(relative) = relative_by_text(root, path) {
        return relative;
    }
    let path = clean(path);
    // A path that does not exist (yet) is taken as written.
    let (Ok(root), Ok(canonical)) = (clean(root).canonicalize(), path.canonicalize()) else {
        return path;
    };
    match canonical.strip_prefix(&root) {
        Ok(stripped) => stripped.to_path_buf(),
        Err(_) => pathdiff::diff_paths(&canonical, &root).unwrap_or(canonical),
    }
}

/// [`relative_to`] when `path` is written under `root` (no links resolved), else `None`.
fn relative_by_text(root: &Path, path: &Path) -> Option<PathBuf> {
    // The common case: no config file, so the root is the current folder.
    if root == Path::new(".") && path.is_relative() {
        return Some(path.strip_prefix(".").unwrap_or(path).to_path_buf());
    }
    clean(path)
        .strip_prefix(clean(root))
        .ok()
        .map(Path::to_path_buf)
}

/// `path` after `dir`, by text: the walker builds paths by joining names onto `dir` (and
/// `Path::strip_prefix`, which compares components, cost more than the rest of the walk).
fn under<'a>(path: &'a Path, dir: &Path) -> Option<&'a Path> {
    let (path, dir) = (path.to_str()?, dir.to_str()?);
    let mut rest = path.strip_prefix(dir)?;
    if !dir.ends_with(std::path::is_separator) {
        rest = rest.strip_prefix(std::path::is_separator)?;
    }
    Some(Path::new(rest))
}

/// `path` without `.` components.
fn clean(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_strips_the_walked_folder_by_text() {
        fn rest(path: &'static str, dir: &str) -> Option<&'static Path> {
            under(Path::new(path), Path::new(dir))
        }
        assert_eq!(rest("repo/a/b.ovpn", "repo"), Some(Path::new("a/b.ovpn")));
        assert_eq!(rest("repo/a.ovpn", "repo/"), Some(Path::new("a.ovpn")));
        assert_eq!(rest("/abs/x.ovpn", "/abs"), Some(Path::new("x.ovpn")));
        assert_eq!(rest("./x.ovpn", "."), Some(Path::new("x.ovpn")));
        assert_eq!(rest("repo2/a.ovpn", "repo"), None);
    }

    #[test]
    fn walked_files_get_the_same_relative_path_as_named_files() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a").join("b");
        fs::create_dir_all(&nested).unwrap();
        fs::write(nested.join("c.ovpn"), "client\n").unwrap();
        for root in [
            dir.path().to_path_buf(),
            dir.path().join("a"),
            PathBuf::from("."),
        ] {
            let config = Config::default_at(root.clone());
            let found = inputs(&[dir.path().to_path_buf()], &config, false);
            assert!(found.errors.is_empty(), "{:?}", found.errors);
            let [input] = found.inputs.as_slice() else {
                panic!("{:?}", found.inputs)
            };
            assert_eq!(
                input.relative,
                relative_to(&root, &input.path),
                "root {root:?}"
            );
        }
    }
}
