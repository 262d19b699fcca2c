//! The `ovpn6-lint` command: arguments in, exit status out.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(2).collect();
    let mut out = Vec::new();
    for path in &paths {
        let text = std::fs::read(path).unwrap();
        let profile = ovpn6_lint::model::load(Path::new(path), text, &|p| std::fs::read(p));
        out.push(ovpn6_lint::inspect::to_json(&profile, path));
    }
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
    ExitCode::SUCCESS
}
