//! What can stop the workspace layer from resolving its settings: typed, so the command line
//! renders each with a snippet of the file at fault and the language server turns it into a
//! diagnostic on that file.

use std::ops::Range;
use std::path::PathBuf;

/// Settings that cannot be resolved: the config file, a rule file, a server config it names.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WorkspaceError {
    /// A file the settings need cannot be read or listed; the message names it.
    #[error("{0}")]
    Unreadable(String),
    /// A mistake at a place in the config file or a rule file.
    #[error("{}", .0.message)]
    InFile(FileError),
    /// `params.server` names a file that cannot be paired, and there is no config file to
    /// point into (the message starts with `params.server:`).
    #[error("{0}")]
    Server(String),
    /// Two rule files give the same id.
    #[error("rule id `{id}` in `{origin}` is already taken")]
    RuleIdTaken { id: String, origin: String },
    /// An id in the config or on the command line names no rule.
    #[error("{}", unknown_rule_message(id, closest.as_deref()))]
    UnknownRule {
        id: String,
        /// The known id it is closest to, when one is close.
        closest: Option<String>,
    },
}

/// A mistake in a file of the settings, with the file's text so it can be shown.
#[derive(Debug, Clone)]
pub struct FileError {
    /// The file's name as shown: its path, or `rules/ID.toml` for a built-in rule.
    pub name: String,
    /// Where it is on disk (none for a built-in rule).
    pub path: Option<PathBuf>,
    pub text: String,
    pub message: String,
    /// Bytes of `text`, when the mistake has a place.
    pub span: Option<Range<usize>>,
}

fn unknown_rule_message(id: &str, closest: Option<&str>) -> String {
    match closest {
        Some(known) => {
            format!("unknown rule `{id}` (did you mean `{known}`?); `--list-rules` lists them")
        }
        None => format!("unknown rule `{id}`; `--list-rules` lists them"),
    }
}
