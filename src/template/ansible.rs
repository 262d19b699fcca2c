//! Ansible roles: the variables a role's Jinja2 template sees — the role's `defaults/main.yml`
//! < the `template-vars` files (in order, like inventory `group_vars`) < the role's
//! `vars/main.yml` < `template-values` (inline, like extra vars) — and the templates it
//! includes, read from the role's `templates/` folder. A `template-vars` file or an include
//! outside the repository is never read, and the render says so.

use std::path::{Path, PathBuf};

use super::ansible_vars::{VarSource, VarValue, Variables};
use super::document::Document;
use super::jinja2::{self, Included, Jinja2Template};
use super::repository::inside;
use super::{Origin, Piece, PieceKind, Rendered};
use crate::walk;

/// What a template's render may read besides the template, for one file's settings.
pub struct RoleSettings<'a> {
    /// `template-vars`, in order.
    pub template_vars: &'a [PathBuf],
    /// `template-values`.
    pub template_values: &'a [(String, toml::Value)],
    /// The config file that sets them (for the values' origins).
    pub config_file: &'a Path,
}

/// The role a template belongs to: the folder above the nearest `templates/` folder it is in.
pub fn role_of(template: &Path) -> Option<PathBuf> {
    let mut dir = template.parent()?;
    loop {
        if dir.file_name().is_some_and(|n| n == "templates") {
            return dir.parent().map(Path::to_path_buf);
        }
        dir = dir.parent()?;
        if dir.as_os_str().is_empty() {
            return None;
        }
    }
}

/// Renders a Jinja2 template with its role's variables.
pub fn render(
    path: &Path,
    text: &str,
    root: &Path,
    settings: &RoleSettings<'_>,
) -> Result<Vec<Document>, String> {
    let role = role_of(path);
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    let mut read = |file: &Path, required: bool| -> Result<(), String> {
        inside(root, file)?;
        match walk::read_file(file) {
            Ok(bytes) => {
                let text = String::from_utf8(bytes)
                    .map_err(|_| format!("`{}` is not valid UTF-8", file.display()))?;
                files.push((file.to_path_buf(), text));
                Ok(())
            }
            Err(_) if !required => Ok(()),
            Err(e) => Err(walk::describe_error(file, &e)),
        }
    };
    let role_file = |folder: &str| -> Option<PathBuf> {
        let role = role.as_ref()?;
        ["main.yml", "main.yaml"]
            .iter()
            .map(|name| role.join(folder).join(name))
            .find(|p| p.is_file())
    };
    let mut order = Vec::new();
    if let Some(defaults) = role_file("defaults") {
        order.push(defaults);
    }
    order.extend(settings.template_vars.iter().cloned());
    if let Some(vars) = role_file("vars") {
        order.push(vars);
    }
    for file in &order {
        let required = settings.template_vars.contains(file);
        read(file, required)?;
    }
    let mut sources: Vec<VarSource<'_>> = files
        .iter()
        .map(|(path, text)| VarSource::File { path, text })
        .collect();
    if !settings.template_values.is_empty() {
        sources.push(VarSource::Inline {
            path: settings.config_file,
            line: None,
            values: settings
                .template_values
                .iter()
                .map(|(name, value)| (name.clone(), VarValue::from_toml(value)))
                .collect(),
        });
    }
    let variables = Variables::layered(&sources).map_err(|e| e.to_string())?;
    let templates = role
        .as_ref()
        .map(|r| r.join("templates"))
        .or_else(|| path.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let load_include = |name: &str| -> Result<Included, String> {
        let target = templates.join(name);
        inside(root, &target)?;
        let bytes = walk::read_file(&target).map_err(|e| walk::describe_error(&target, &e))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| format!("`{}` is not valid UTF-8", target.display()))?;
        Ok(Included { path: target, text })
    };
    let rendered = jinja2::render(&Jinja2Template {
        path,
        text,
        variables: &variables,
        load_include: &load_include,
        fuel: jinja2::DEFAULT_FUEL,
    })
    .map_err(|e| e.to_string())?;
    Ok(vec![Document {
        rendered: with_suppressions(rendered, text),
        fixes_refused: None,
    }])
}

/// Ansible leaves `{# … #}` comments out of the rendered file; a `{# ovpn6-lint: … #}` one is
/// put back where it stands, as the OpenVPN comment it stands for (on its own line when it
/// is one), so suppressions work in Jinja2 templates.
fn with_suppressions(rendered: Rendered, template: &str) -> Rendered {
    let mut comments = Vec::new();
    let mut at = 0;
    while let Some(offset) = template[at..].find("{#") {
        let start = at + offset;
        let Some(length) = template[start..].find("#}") else {
            break;
        };
        let end = start + length + 2;
        let inner = template[start + 2..end - 2]
            .trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace());
        if inner.starts_with("ovpn6-lint:") {
            let own_line = start == 0 || template[..start].ends_with('\n');
            comments.push((
                start..end,
                format!("# {inner}{}", if own_line { "\n" } else { "" }),
            ));
        }
        at = end;
    }
    if comments.is_empty() {
        return rendered;
    }
    let Rendered {
        text,
        pieces,
        unknown_conditions,
    } = rendered;
    let mut out = Rendered {
        text: String::with_capacity(text.len()),
        pieces: Vec::with_capacity(pieces.len() + comments.len()),
        unknown_conditions,
    };
    let mut comments = comments.into_iter().peekable();
    let insert = |out: &mut Rendered, source: std::ops::Range<usize>, comment: &str| {
        let start = out.text.len();
        out.text.push_str(comment);
        out.pieces.push(Piece {
            rendered: start..out.text.len(),
            source,
            kind: PieceKind::Value {
                origin: Origin {
                    name: "{# … #}".to_owned(),
                    path: PathBuf::new(),
                    line: None,
                },
            },
        });
    };
    for piece in pieces {
        while let Some((source, comment)) =
            comments.next_if(|(source, _)| source.end <= piece.source.start)
        {
            insert(&mut out, source, &comment);
        }
        let start = out.text.len();
        out.text.push_str(&text[piece.rendered.clone()]);
        out.pieces.push(Piece {
            rendered: start..out.text.len(),
            ..piece
        });
    }
    for (source, comment) in comments {
        insert(&mut out, source, &comment);
    }
    out
}
