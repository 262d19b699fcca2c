//! Differential test: the Jinja2 renderer against ansible-core itself.
//!
//! Every role under `tests/data/jinja2-roles/` (templates with `defaults/main.yml` and
//! `vars/main.yml`, every value known) is rendered twice: by Ansible's `template` module
//! (`tests/ansible/render_roles.py` runs `ansible-playbook` on localhost, connection local, no
//! facts, no network), and by `ovpn6_lint::template::jinja2::render` with the role's defaults
//! and vars layered as Ansible layers them. The two must agree byte for byte; all differences
//! are printed before failing.
//!
//! Environment:
//! * `OVPN6_ANSIBLE_PYTHON=/path/to/python`: a Python with ansible-core installed (default:
//!   `python3`).
//! * `OVPN6_REQUIRE_ANSIBLE=1`: fail (instead of skipping) when that Python has no ansible-core.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use ovpn6_lint::template::ansible_vars::{VarSource, Variables};
use ovpn6_lint::template::jinja2::{self, Included, Jinja2Template};
use ovpn6_lint::template::{PieceKind, Rendered};

fn roles_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/jinja2-roles")
}

/// Renders a role's template with the role's defaults and vars, as the linter does.
fn render_role_template(role: &Path, template: &str) -> Rendered {
    let read = |path: PathBuf| fs::read_to_string(&path).unwrap_or_default();
    let defaults_path = role.join("defaults/main.yml");
    let vars_path = role.join("vars/main.yml");
    let (defaults, vars) = (read(defaults_path.clone()), read(vars_path.clone()));
    let variables = Variables::layered(&[
        VarSource::File {
            path: &defaults_path,
            text: &defaults,
        },
        VarSource::File {
            path: &vars_path,
            text: &vars,
        },
    ])
    .unwrap();
    let templates = role.join("templates");
    let load_include = |name: &str| -> Result<Included, String> {
        if name.starts_with('/') || name.split('/').any(|part| part == "..") {
            return Err("it leaves the role's templates folder".to_string());
        }
        let path = templates.join(name);
        let text = fs::read_to_string(&path).map_err(|error| error.to_string())?;
        Ok(Included { path, text })
    };
    let path = templates.join(template);
    let text = fs::read_to_string(&path).unwrap();
    let rendered = jinja2::render(&Jinja2Template {
        path: &path,
        text: &text,
        variables: &variables,
        load_include: &load_include,
        fuel: jinja2::DEFAULT_FUEL,
    })
    .unwrap_or_else(|error| panic!("{error}"));
    for piece in &rendered.pieces {
        assert!(
            !matches!(piece.kind, PieceKind::Unknown { .. }),
            "every value of the role fixtures is known: {piece:?}"
        );
    }
    rendered
}

fn ansible_python() -> Result<String, String> {
    let python = std::env::var("OVPN6_ANSIBLE_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let probe = Command::new(&python)
        .args([
            "-c",
            "import ansible.release; print(ansible.release.__version__)",
        ])
        .output()
        .map_err(|error| format!("{python} cannot run: {error}"))?;
    if !probe.status.success() {
        return Err(format!(
            "{python} has no ansible-core (pip install ansible-core)"
        ));
    }
    Ok(python)
}

#[test]
fn role_templates_render_as_ansible_core_renders_them() {
    let python = match ansible_python() {
        Ok(python) => python,
        Err(why) => {
            let message = format!(
                "Jinja2 differential test DID NOT RUN: {why}. Set OVPN6_REQUIRE_ANSIBLE=1 to make this a failure."
            );
            if std::env::var_os("OVPN6_REQUIRE_ANSIBLE").is_some() {
                panic!("{message}");
            }
            let _ = writeln!(std::io::stderr(), "\n*** {message}\n");
            return;
        }
    };
    let out = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ansible/render_roles.py");
    let run = Command::new(&python)
        .arg(&script)
        .arg(roles_dir())
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "ansible-playbook failed:\n{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let mut compared = 0;
    let mut differences = Vec::new();
    for role in fs::read_dir(roles_dir()).unwrap() {
        let role = role.unwrap().path();
        let role_name = role.file_name().unwrap().to_string_lossy().to_string();
        for template in fs::read_dir(role.join("templates")).unwrap() {
            let name = template.unwrap().file_name().to_string_lossy().to_string();
            let Some(output_name) = name.strip_suffix(".j2") else {
                continue;
            };
            let expected = fs::read_to_string(out.path().join(&role_name).join(output_name))
                .unwrap_or_else(|error| {
                    panic!("Ansible wrote no {role_name}/{output_name}: {error}")
                });
            let ours = render_role_template(&role, &name).text;
            compared += 1;
            if ours != expected {
                differences.push(format!(
                    "{role_name}/{name}:\n--- ansible-core\n{expected:?}\n--- ovpn6-lint\n{ours:?}\n"
                ));
            }
        }
    }
    assert!(compared >= 4, "only {compared} templates compared");
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}
