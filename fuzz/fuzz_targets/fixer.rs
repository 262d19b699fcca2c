//! Fuzzes the fixer: a fixed output reads back without new reader errors, and fixing it again
//! changes nothing.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ovpn6_lint::engine::{Engine, FileSettings};
use ovpn6_lint::fix::fix_file;
use ovpn6_lint::model;
use ovpn6_lint::rules::{BUILTIN, Params, load_rule};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let params = Params::default();
        Engine { rules: BUILTIN.iter().map(|(n, t)| load_rule(n, t, &params).expect("rule loads")).collect() }
    })
}

fuzz_target!(|input: (bool, &[u8])| {
    let (with_unsafe, data) = input;
    let params = Params::default();
    let settings = FileSettings { params: &params, role: None };
    let lint = |path: &Path, text: Vec<u8>| {
        let profile = model::load(path, text, &|_| Err(std::io::ErrorKind::NotFound.into()));
        let diagnostics = engine().lint(&profile, &settings);
        (profile, diagnostics)
    };
    let path = Path::new("f.ovpn");
    let Ok(once) = fix_file(path, data.to_vec(), with_unsafe, &lint) else { return };
    let before = ovpn6_lint::syntax::parse(data).errors.len();
    let fixed = once.profile.top().text.clone();
    assert!(ovpn6_lint::syntax::parse(&fixed).errors.len() <= before, "the fix added reader errors");
    let twice = fix_file(path, fixed.clone(), with_unsafe, &lint).expect("fixes again");
    assert_eq!(twice.profile.top().text, fixed, "fixing twice changed the file");
});
