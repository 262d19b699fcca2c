//! Which files are templates and in which language: by name first (`*.tftpl`, `*.j2`), then,
//! for names several languages use (`.tpl`, `.tmpl`, `client.ovpn.tmpl`, a role's
//! `templates/`), by syntax. A cheap byte check comes before any parse.

use std::path::Path;

use super::placeholder::Syntax;

/// How a template file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// A `.tf` file: its heredocs and quoted strings.
    Terraform,
    /// A shell script: its here-documents, placeholder-only.
    Shell,
    /// Placeholders of this syntax: `${}` ones rendered with the `VARS` of the `templatefile`
    /// calls that name the file, the others (and `${}` ones no call names) unknown.
    Placeholders(Syntax),
}

/// Whether a walked file may be a template that holds a profile, by its path (relative to the
/// walk's root): it is then opened, and judged only if it renders a profile.
pub fn is_template_name(path: &Path) -> bool {
    // Bytes, not components: this runs on every file linted.
    let bytes = path.as_os_str().as_encoded_bytes();
    let name_start = bytes
        .iter()
        .rposition(|&b| std::path::is_separator(char::from(b)))
        .map_or(0, |i| i + 1);
    let name = &bytes[name_start..];
    let extension = match name.iter().rposition(|&b| b == b'.') {
        Some(dot) if dot > 0 => &name[dot + 1..],
        _ => &[][..],
    };
    if matches!(
        extension,
        b"tf" | b"tftpl" | b"j2" | b"jinja" | b"jinja2" | b"tpl" | b"tmpl" | b"sh" | b"bash"
    ) {
        return true;
    }
    let inner = |part: &[u8]| name.windows(part.len()).any(|w| w == part);
    if !matches!(extension, b"ovpn" | b"conf") && (inner(b".ovpn.") || inner(b".conf.")) {
        return true;
    }
    // A `templates` folder: its name ends just before a separator.
    let folders = &bytes[..name_start];
    memchr::memchr_iter(b's', folders).any(|end| {
        end >= 8
            && &folders[end - 8..=end] == b"templates"
            && folders
                .get(end + 1)
                .is_some_and(|&b| std::path::is_separator(char::from(b)))
            && (end == 8 || std::path::is_separator(char::from(folders[end - 9])))
    })
}

/// Whether a file gives templates their values rather than holding a profile: tfvars, YAML
/// vars files. Named on the command line, it is not judged; its templates are.
pub fn gives_values(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name.ends_with(".tfvars")
        || name.ends_with(".tfvars.json")
        || name.ends_with(".yml")
        || name.ends_with(".yaml")
}

/// The language of a template file, or `None` for a file that is not one by its name.
pub fn language_of(path: &Path, text: &[u8]) -> Option<Language> {
    if !is_template_name(path) {
        return None;
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let syntax = match extension {
        "tf" => return Some(Language::Terraform),
        "sh" | "bash" => return Some(Language::Shell),
        "tftpl" => Syntax::Dollar,
        "j2" | "jinja" | "jinja2" => Syntax::Jinja2,
        "tpl" | "tmpl" => syntax_of(text),
        // `client.ovpn.bak`, a role's `templates/README`: a template only if it holds one.
        _ if has_placeholders(text) => syntax_of(text),
        _ => return None,
    };
    Some(Language::Placeholders(syntax))
}

/// The cheap byte check: whether a text holds the opening of any placeholder or tag.
pub fn has_placeholders(text: &[u8]) -> bool {
    memchr::memmem::find(text, b"{{").is_some()
        || memchr::memmem::find(text, b"{%").is_some()
        || memchr::memmem::find(text, b"${").is_some()
        || memchr::memmem::find(text, b"%{").is_some()
}

/// Go (`{{ .Field }}`, `{{ end }}`), Jinja2 (`{{ name }}`, `{% %}`), or `${ }`/`%{ }`
/// (Terraform, shell) — the last also for a template with no placeholder at all.
pub fn syntax_of(text: &[u8]) -> Syntax {
    let mut go = false;
    let mut jinja = false;
    for at in memchr::memmem::find_iter(text, b"{{") {
        let inner = &text[at + 2..];
        let inner = inner.strip_prefix(b"-").unwrap_or(inner);
        let start = inner
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t'))
            .unwrap_or(inner.len());
        let inner = &inner[start..];
        if inner.starts_with(b".")
            || inner.starts_with(b"$")
            || inner.starts_with(b"/*")
            || inner.starts_with(b"end ")
            || inner.starts_with(b"end}")
            || inner.starts_with(b"range ")
            || inner.starts_with(b"if .")
            || inner.starts_with(b"if not .")
        {
            go = true;
        } else {
            jinja = true;
        }
    }
    if memchr::memmem::find(text, b"{%").is_some() || memchr::memmem::find(text, b"{#").is_some() {
        jinja = true;
    }
    if go && !jinja {
        Syntax::Go
    } else if jinja || go {
        Syntax::Jinja2
    } else {
        Syntax::Dollar
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_may_hold_templates() {
        for name in [
            "client.ovpn.tftpl",
            "roles/vpn/templates/server.conf.j2",
            "x.jinja2",
            "client.ovpn.tmpl",
            "conf/openvpn-client-config.tpl",
            "roles/vpn/templates/client",
        ] {
            assert!(is_template_name(Path::new(name)), "{name}");
        }
        for name in ["client.ovpn", "server.conf", "main.rs", "templates"] {
            assert!(!is_template_name(Path::new(name)), "{name}");
        }
    }

    #[test]
    fn syntax_decides_shared_extensions() {
        assert_eq!(
            syntax_of(b"dev {{ .Device }}\n{{ if .X }}a{{ end }}"),
            Syntax::Go
        );
        assert_eq!(
            syntax_of(b"dev {{ dev }}\n{% if x %}a{% endif %}"),
            Syntax::Jinja2
        );
        assert_eq!(syntax_of(b"proto ${proto}\n"), Syntax::Dollar);
        assert_eq!(syntax_of(b"client\n"), Syntax::Dollar);
        // A backup of a profile is no template; a `.tpl` is one whatever it holds.
        assert_eq!(language_of(Path::new("a.ovpn.bak"), b"client\n"), None);
        assert!(language_of(Path::new("a.ovpn.bak"), b"dev {{ d }}\n").is_some());
        assert!(language_of(Path::new("a.tpl"), b"client\n").is_some());
    }
}
