//! Fuzzes the model and the rules: any bytes give a model and diagnostics without panic, and
//! every diagnostic points into its file.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ovpn6_lint::engine::{Engine, FileSettings};
use ovpn6_lint::model;
use ovpn6_lint::rules::{BUILTIN, Params, load_rule};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let params = Params::default();
        Engine { rules: BUILTIN.iter().map(|(n, t)| load_rule(n, t, &params).expect("rule loads")).collect() }
    })
}

fuzz_target!(|data: &[u8]| {
    let profile = model::load(Path::new("f.ovpn"), data.to_vec(), &|_| Err(std::io::ErrorKind::NotFound.into()));
    let params = Params::default();
    let diagnostics = engine().lint(&profile, &FileSettings { params: &params, role: None });
    for d in &diagnostics {
        assert!(d.loc.span.end <= profile.sources[d.loc.source].text.len());
    }
});
