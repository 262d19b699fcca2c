//! What the model and fixer targets share: the built-in rules, loaded once, and a lint function.

use std::path::Path;
use std::sync::OnceLock;

use ovpn6_lint::diagnostic::Diagnostic;
use ovpn6_lint::engine::{Engine, FileSettings};
use ovpn6_lint::model::{self, Profile};
use ovpn6_lint::rules::{BUILTIN, Params, load_rule};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let params = Params::default();
        Engine { rules: BUILTIN.iter().map(|(n, t)| load_rule(n, t, &params).expect("rule loads")).collect() }
    })
}

/// Reads and lints `text` as the file at `path` with default params; includes are missing.
pub fn lint(path: &Path, text: Vec<u8>) -> (Profile, Vec<Diagnostic>) {
    let params = Params::default();
    let profile = model::load(path, text, &|_| Err(std::io::ErrorKind::NotFound.into()));
    let diagnostics = engine().lint(&profile, &FileSettings { params: &params, role: None, nearby_server: None, detail: Default::default() });
    (profile, diagnostics)
}
