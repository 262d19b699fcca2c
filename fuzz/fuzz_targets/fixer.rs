//! Fuzzes the fixer: a fixed output reads back without new reader errors, and fixing it again
//! changes nothing.
#![no_main]

mod common;

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use ovpn6_lint::fix::fix_file;

fuzz_target!(|input: (bool, &[u8])| {
    let (with_unsafe, data) = input;
    let path = Path::new("f.ovpn");
    let Ok(once) = fix_file(path, data.to_vec(), with_unsafe, &common::lint) else { return };
    let before = ovpn6_lint::syntax::parse(data).errors.len();
    let fixed = once.profile.top().text().to_vec();
    assert!(ovpn6_lint::syntax::parse(fixed.as_slice()).errors.len() <= before, "the fix added reader errors");
    let twice = fix_file(path, fixed.clone(), with_unsafe, &common::lint).expect("fixes again");
    assert_eq!(twice.profile.top().text(), fixed.as_slice(), "fixing twice changed the file");
});
