//! Fuzzes the model and the rules: any bytes give a model and diagnostics without panic, and
//! every diagnostic points into its file.
#![no_main]

mod common;

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (profile, diagnostics) = common::lint(Path::new("f.ovpn"), data.to_vec());
    for d in &diagnostics {
        assert!(d.loc.span.end <= profile.sources[d.loc.source].text().len());
    }
});
