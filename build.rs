//! Compiles the rule files in `rules/` into the binary as a list of (file name, text).

use std::fmt::Write;
use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=rules");
    let mut names: Vec<_> = std::fs::read_dir("rules")
        .expect("rules/ exists")
        .map(|entry| {
            entry
                .expect("readable rules/")
                .file_name()
                .into_string()
                .expect("UTF-8 file name")
        })
        .filter(|name| name.ends_with(".toml"))
        .collect();
    names.sort();
    let mut out = String::from("[\n");
    for name in &names {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("rules")
            .join(name);
        writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .expect("write to string");
    }
    out.push(']');
    let ids: Vec<String> = names
        .iter()
        .map(|n| format!("{:?}", n.trim_end_matches(".toml")))
        .collect();
    let ids_dest =
        Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR set by cargo")).join("builtin_ids.rs");
    std::fs::write(ids_dest, format!("[{}]", ids.join(", "))).expect("OUT_DIR writable");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR set by cargo"))
        .join("builtin_rules.rs");
    std::fs::write(dest, out).expect("OUT_DIR writable");
}
