//! Ansible variables: YAML variable files read as Ansible's PyYAML reads them (YAML 1.1 scalars:
//! `yes`/`no`/`on`/`off` are booleans, `0755` is octal, `1e3` is a string), each top-level
//! variable with the file and line that set it, layered in precedence order (later wins).
//!
//! The maintained Rust YAML crates resolve scalars by YAML 1.2, where `yes` is a string; so the
//! file is parsed with `saphyr` with scalar resolution turned off and every plain scalar is
//! resolved here by PyYAML's `SafeLoader` rules. Values that are themselves templates
//! (`"{{ prefix }}/64"`) are kept as text; the Jinja2 renderer renders them when a template reads
//! them, as Ansible does.

use std::fmt;
use std::path::{Path, PathBuf};

use saphyr::{MarkedYaml, ScalarStyle, YamlData, YamlLoader};
use saphyr_parser::Parser;

use super::Origin;

/// A value as Ansible holds it after reading YAML (Python's `None`, `bool`, `int`, `float`, `str`,
/// `list`, `dict`).
#[derive(Debug, Clone, PartialEq)]
pub enum VarValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Text; rendered as a template when it holds `{{`, `{%` or `{#`.
    Text(String),
    /// Text tagged `!unsafe`: never rendered as a template.
    Unsafe(String),
    /// A value the repository does not give in clear (an `!vault` block): unknown.
    Secret,
    List(Vec<VarValue>),
    /// Keys in file order; a later duplicate key replaces the earlier one, as in PyYAML.
    Map(Vec<(VarValue, VarValue)>),
}

/// One variable and where it was set.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub value: VarValue,
    pub origin: Origin,
}

/// Where variables come from, lowest precedence first when given to [`Variables::layered`].
#[derive(Debug, Clone)]
pub enum VarSource<'a> {
    /// A YAML variables file (a role's `defaults/main.yml`, a `template-vars` file, a role's
    /// `vars/main.yml`): a mapping of variable names at the top.
    File { path: &'a Path, text: &'a str },
    /// Values given inline (the config's `template-values`), set in `path` at `line`.
    Inline {
        path: &'a Path,
        line: Option<usize>,
        values: Vec<(String, VarValue)>,
    },
}

/// The variables a template sees: for each name, the value of the source with the highest
/// precedence that sets it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Variables {
    by_name: std::collections::HashMap<String, Variable>,
}

/// A variables file that cannot be read as Ansible would read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarsError {
    pub path: PathBuf,
    /// 1-based.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for VarsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for VarsError {}

impl Variables {
    /// Layers the sources in order: a variable set by a later source replaces an earlier one
    /// (role defaults < `template-vars` files < role vars < inline values).
    pub fn layered(sources: &[VarSource<'_>]) -> Result<Variables, VarsError> {
        let mut variables = Variables::default();
        for source in sources {
            match source {
                VarSource::File { path, text } => {
                    for (name, variable) in read_vars_file(path, text)? {
                        variables.by_name.insert(name, variable);
                    }
                }
                VarSource::Inline { path, line, values } => {
                    for (name, value) in values {
                        let origin = Origin {
                            name: name.clone(),
                            path: path.to_path_buf(),
                            line: *line,
                        };
                        variables.set(name.clone(), value.clone(), origin);
                    }
                }
            }
        }
        Ok(variables)
    }

    /// Sets one variable, replacing any earlier value.
    pub fn set(&mut self, name: String, value: VarValue, origin: Origin) {
        self.by_name.insert(name, Variable { value, origin });
    }

    pub fn get(&self, name: &str) -> Option<&Variable> {
        self.by_name.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }
}

impl VarValue {
    /// A value from TOML (the config's inline `template-values`): typed as written.
    pub fn from_toml(value: &toml::Value) -> VarValue {
        match value {
            toml::Value::String(text) => VarValue::Text(text.clone()),
            toml::Value::Integer(number) => VarValue::Int(*number),
            toml::Value::Float(number) => VarValue::Float(*number),
            toml::Value::Boolean(flag) => VarValue::Bool(*flag),
            toml::Value::Datetime(datetime) => VarValue::Text(datetime.to_string()),
            toml::Value::Array(items) => {
                VarValue::List(items.iter().map(Self::from_toml).collect())
            }
            toml::Value::Table(table) => VarValue::Map(
                table
                    .iter()
                    .map(|(key, value)| (VarValue::Text(key.clone()), Self::from_toml(value)))
                    .collect(),
            ),
        }
    }
}

/// Reads one variables file: its top-level mapping, each variable with the line of its key.
/// An empty file (or one holding only `---` or `null`) sets nothing, as in Ansible.
pub fn read_vars_file(path: &Path, text: &str) -> Result<Vec<(String, Variable)>, VarsError> {
    let error = |line: Option<usize>, message: String| VarsError {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut loader: YamlLoader<'_, MarkedYaml<'_>> = YamlLoader::default();
    loader.early_parse(false);
    loader.allow_duplicate_keys(true);
    let mut parser = Parser::new_from_str(text);
    if let Err(scan) = parser.load(&mut loader, false) {
        return Err(error(Some(scan.marker().line()), yaml_message(scan.info())));
    }
    if let Some(scan) = loader.error() {
        return Err(error(Some(scan.marker().line()), yaml_message(scan.info())));
    }
    let Some(document) = loader.into_documents().into_iter().next() else {
        return Ok(Vec::new());
    };
    let top = match &document.data {
        YamlData::Mapping(mapping) => mapping,
        YamlData::BadValue => return Ok(Vec::new()),
        YamlData::Representation(text, ScalarStyle::Plain, None)
            if matches!(text.as_ref(), "" | "~" | "null" | "Null" | "NULL") =>
        {
            return Ok(Vec::new());
        }
        _ => {
            return Err(error(
                Some(document.span.start.line()),
                "a variables file must be a mapping of variable names to values".to_string(),
            ));
        }
    };
    let mut variables: Vec<(String, Variable)> = Vec::new();
    for (key, value) in top.iter() {
        let line = key.span.start.line();
        let name = match convert(key, path)? {
            VarValue::Text(name) | VarValue::Unsafe(name) => name,
            other => {
                return Err(error(
                    Some(line),
                    format!("a variable name must be text, not {}", python_type(&other)),
                ));
            }
        };
        let variable = Variable {
            value: convert(value, path)?,
            origin: Origin {
                name: name.clone(),
                path: path.to_path_buf(),
                line: Some(line),
            },
        };
        variables.retain(|(earlier, _)| *earlier != name);
        variables.push((name, variable));
    }
    Ok(variables)
}

fn yaml_message(info: &str) -> String {
    format!("this YAML does not parse: {info}")
}

fn python_type(value: &VarValue) -> &'static str {
    match value {
        VarValue::Null => "null",
        VarValue::Bool(_) => "a boolean",
        VarValue::Int(_) => "an integer",
        VarValue::Float(_) => "a number",
        VarValue::Text(_) | VarValue::Unsafe(_) => "text",
        VarValue::Secret => "a vault secret",
        VarValue::List(_) => "a list",
        VarValue::Map(_) => "a mapping",
    }
}

fn convert(node: &MarkedYaml<'_>, path: &Path) -> Result<VarValue, VarsError> {
    let line = node.span.start.line();
    let error = |message: String| VarsError {
        path: path.to_path_buf(),
        line: Some(line),
        message,
    };
    Ok(match &node.data {
        YamlData::Representation(text, style, tag) => {
            let tag = tag
                .as_ref()
                .map(|tag| (tag.handle.as_str(), tag.suffix.as_str()));
            match tag {
                None if *style == ScalarStyle::Plain => resolve_plain_scalar(text),
                None => VarValue::Text(text.to_string()),
                Some(("!", "unsafe")) => VarValue::Unsafe(text.to_string()),
                Some(("!", "vault")) => VarValue::Secret,
                Some(("tag:yaml.org,2002:", "str")) => VarValue::Text(text.to_string()),
                Some(("tag:yaml.org,2002:", kind)) => {
                    let value = resolve_plain_scalar(text);
                    let fits = matches!(
                        (kind, &value),
                        ("bool", VarValue::Bool(_))
                            | ("int", VarValue::Int(_))
                            | ("float", VarValue::Float(_) | VarValue::Int(_))
                            | ("null", VarValue::Null)
                    );
                    match (kind, value) {
                        ("float", VarValue::Int(number)) => VarValue::Float(number as f64),
                        (_, value) if fits => value,
                        _ => return Err(error(format!("`{text}` is not a valid !!{kind}"))),
                    }
                }
                Some((handle, suffix)) => {
                    return Err(error(format!(
                        "the tag `{handle}{suffix}` is not one Ansible reads"
                    )));
                }
            }
        }
        YamlData::Value(_) => unreachable!("scalars are resolved here, not by saphyr"),
        YamlData::Sequence(items) => VarValue::List(
            items
                .iter()
                .map(|item| convert(item, path))
                .collect::<Result<_, _>>()?,
        ),
        YamlData::Mapping(mapping) => {
            let mut entries: Vec<(VarValue, VarValue)> = Vec::new();
            for (key, value) in mapping.iter() {
                let key = convert(key, path)?;
                let value = convert(value, path)?;
                if key == VarValue::Text("<<".to_string()) {
                    merge_keys(&mut entries, value, &error)?;
                    continue;
                }
                entries.retain(|(earlier, _)| *earlier != key);
                entries.push((key, value));
            }
            VarValue::Map(entries)
        }
        YamlData::Tagged(tag, inner) => match (tag.handle.as_str(), tag.suffix.as_str()) {
            ("tag:yaml.org,2002:", "seq" | "map") => convert(inner, path)?,
            (handle, suffix) => {
                return Err(error(format!(
                    "the tag `{handle}{suffix}` is not one Ansible reads"
                )));
            }
        },
        YamlData::Alias(_) => return Err(error("an alias to an unknown anchor".to_string())),
        YamlData::BadValue => VarValue::Null,
    })
}

/// `<<: *base` (or a list of them): the merged mappings' keys, unless the mapping sets them itself.
fn merge_keys(
    entries: &mut Vec<(VarValue, VarValue)>,
    merged: VarValue,
    error: &dyn Fn(String) -> VarsError,
) -> Result<(), VarsError> {
    let sources = match merged {
        VarValue::Map(map) => vec![map],
        VarValue::List(items) => items
            .into_iter()
            .map(|item| match item {
                VarValue::Map(map) => Ok(map),
                _ => Err(error("`<<` merges only mappings".to_string())),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(error("`<<` merges only mappings".to_string())),
    };
    for source in sources {
        for (key, value) in source {
            if !entries.iter().any(|(earlier, _)| *earlier == key) {
                entries.push((key, value));
            }
        }
    }
    Ok(())
}

/// PyYAML `SafeLoader`'s implicit resolvers (YAML 1.1), which Ansible's loader uses.
fn resolve_plain_scalar(text: &str) -> VarValue {
    match text {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return VarValue::Bool(true);
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return VarValue::Bool(false);
        }
        "" | "~" | "null" | "Null" | "NULL" => return VarValue::Null,
        _ => {}
    }
    if let Some(number) = yaml11_int(text) {
        return VarValue::Int(number);
    }
    if let Some(number) = yaml11_float(text) {
        return VarValue::Float(number);
    }
    VarValue::Text(text.to_string())
}

/// `[-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+ |
/// [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+` (sexagesimal).
fn yaml11_int(text: &str) -> Option<i64> {
    let (negative, digits) = split_sign(text);
    if digits.is_empty() {
        return None;
    }
    let magnitude = if let Some(binary) = digits.strip_prefix("0b") {
        parse_radix(binary, 2)?
    } else if let Some(hex) = digits.strip_prefix("0x") {
        parse_radix(hex, 16)?
    } else if digits == "0" {
        0
    } else if let Some(octal) = digits.strip_prefix('0') {
        parse_radix(octal, 8)?
    } else if digits.contains(':') {
        let mut parts = digits.split(':');
        let first = parts.next()?;
        if !first.starts_with(|c: char| matches!(c, '1'..='9')) {
            return None;
        }
        let mut value = parse_radix(first, 10)?;
        for part in parts {
            if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let sixty: i64 = part.parse().ok()?;
            if part.len() == 2 && part.as_bytes()[0] > b'5' {
                return None;
            }
            value = value.checked_mul(60)?.checked_add(sixty)?;
        }
        value
    } else if digits.starts_with(|c: char| matches!(c, '1'..='9')) {
        parse_radix(digits, 10)?
    } else {
        return None;
    };
    Some(if negative { -magnitude } else { magnitude })
}

fn split_sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

/// Digits in `radix` with `_` separators anywhere (as PyYAML allows), at least one digit.
fn parse_radix(digits: &str, radix: u32) -> Option<i64> {
    let cleaned: String = digits.chars().filter(|&c| c != '_').collect();
    if cleaned.is_empty() || !digits.chars().all(|c| c == '_' || c.is_digit(radix)) {
        return None;
    }
    i64::from_str_radix(&cleaned, radix).ok()
}

/// `[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)? | [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* |
/// [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)` — a dot is required: `1e3` is text.
fn yaml11_float(text: &str) -> Option<f64> {
    match text {
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let (negative, body) = split_sign(text);
    let sign = if negative { -1.0 } else { 1.0 };
    if matches!(body, ".inf" | ".Inf" | ".INF") {
        return Some(sign * f64::INFINITY);
    }
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let (whole, fraction) = mantissa.split_once('.')?;
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    // `.5` is a float, `-.5` and `+.5` are text: PyYAML's `\.[0-9][0-9_]*` form has no sign.
    if whole.is_empty()
        && (body.len() != text.len() || !fraction.starts_with(|c: char| c.is_ascii_digit()))
    {
        return None;
    }
    if !fraction.chars().all(|c| c == '_' || c.is_ascii_digit()) {
        return None;
    }
    let whole_value = if whole.contains(':') {
        if exponent.is_some() {
            return None;
        }
        yaml11_int(whole)? as f64
    } else if whole.is_empty() {
        0.0
    } else {
        if !whole.starts_with(|c: char| c.is_ascii_digit())
            || !whole.chars().all(|c| c == '_' || c.is_ascii_digit())
        {
            return None;
        }
        whole.replace('_', "").parse::<f64>().ok()?
    };
    let fraction_digits = fraction.replace('_', "");
    let fraction_value = if fraction_digits.is_empty() {
        0.0
    } else {
        format!("0.{fraction_digits}").parse::<f64>().ok()?
    };
    let mut value = whole_value + fraction_value;
    if let Some(exponent) = exponent {
        let (exp_negative, exp_digits) = split_sign(exponent);
        if exponent.len() == exp_digits.len()
            || exp_digits.is_empty()
            || !exp_digits.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let power: i32 = exp_digits.parse().ok()?;
        // Parse the whole literal again so the value is exactly what Python's float() gives.
        let literal = format!(
            "{}.{}e{}{}",
            whole.replace('_', "").trim_start_matches(':'),
            fraction_digits,
            if exp_negative { "-" } else { "" },
            power
        );
        value = literal.parse::<f64>().unwrap_or(value);
    }
    Some(sign * value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(yaml: &str) -> VarValue {
        let vars = read_vars_file(Path::new("v.yml"), &format!("x: {yaml}\n")).unwrap();
        vars.into_iter().next().unwrap().1.value
    }

    #[test]
    fn yaml11_booleans_are_those_of_pyyaml() {
        for text in [
            "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE",
        ] {
            assert_eq!(one(text), VarValue::Bool(true), "{text}");
        }
        for text in [
            "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE",
        ] {
            assert_eq!(one(text), VarValue::Bool(false), "{text}");
        }
        // PyYAML's SafeLoader does not resolve y/n, nor mixed case beyond the first letter.
        for text in ["y", "n", "Y", "N", "yEs", "oN"] {
            assert_eq!(one(text), VarValue::Text(text.to_string()), "{text}");
        }
        assert_eq!(one("'yes'"), VarValue::Text("yes".to_string()));
        assert_eq!(one("!!str yes"), VarValue::Text("yes".to_string()));
    }

    #[test]
    fn numbers_are_read_as_yaml_1_1() {
        assert_eq!(one("1194"), VarValue::Int(1194));
        assert_eq!(one("-12"), VarValue::Int(-12));
        assert_eq!(one("0755"), VarValue::Int(0o755));
        assert_eq!(one("0x1F"), VarValue::Int(31));
        assert_eq!(one("0b101"), VarValue::Int(5));
        assert_eq!(one("1_000"), VarValue::Int(1000));
        assert_eq!(one("1:30"), VarValue::Int(90));
        assert_eq!(one("1.5"), VarValue::Float(1.5));
        assert_eq!(one(".5"), VarValue::Float(0.5));
        assert_eq!(one("-.5"), VarValue::Text("-.5".to_string()));
        assert_eq!(one("1.0e+3"), VarValue::Float(1000.0));
        assert_eq!(one("1e3"), VarValue::Text("1e3".to_string()));
        assert_eq!(one("0o17"), VarValue::Text("0o17".to_string()));
        assert_eq!(one("08"), VarValue::Text("08".to_string()));
        assert_eq!(one("1.2.3.4"), VarValue::Text("1.2.3.4".to_string()));
        assert_eq!(one("fd00::/64"), VarValue::Text("fd00::/64".to_string()));
        assert_eq!(one("~"), VarValue::Null);
        assert_eq!(one(""), VarValue::Null);
    }

    #[test]
    fn lists_maps_tags_and_merge_keys() {
        let text = "base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  b: 3\n  l: [yes, 'no', 2]\ns: !unsafe '{{ x }}'\n";
        let vars = read_vars_file(Path::new("v.yml"), text).unwrap();
        let x = &vars.iter().find(|(name, _)| name == "x").unwrap().1;
        assert_eq!(x.origin.line, Some(2));
        let VarValue::Map(entries) = &x.value else {
            panic!("{x:?}")
        };
        assert!(entries.contains(&(VarValue::Text("a".into()), VarValue::Int(1))));
        assert!(entries.contains(&(VarValue::Text("b".into()), VarValue::Int(3))));
        assert!(entries.contains(&(
            VarValue::Text("l".into()),
            VarValue::List(vec![
                VarValue::Bool(true),
                VarValue::Text("no".into()),
                VarValue::Int(2)
            ])
        )));
        let s = &vars.iter().find(|(name, _)| name == "s").unwrap().1;
        assert_eq!(s.value, VarValue::Unsafe("{{ x }}".into()));
    }

    #[test]
    fn each_variable_keeps_its_file_and_line() {
        let text = "---\n# comment\nport: 1194\n\nproto: udp\n";
        let vars = read_vars_file(Path::new("roles/r/defaults/main.yml"), text).unwrap();
        let lines: Vec<_> = vars
            .iter()
            .map(|(name, v)| (name.as_str(), v.origin.line))
            .collect();
        assert_eq!(lines, [("port", Some(3)), ("proto", Some(5))]);
        assert_eq!(
            vars[0].1.origin.path,
            PathBuf::from("roles/r/defaults/main.yml")
        );
    }

    #[test]
    fn later_sources_win() {
        let defaults = "port: 1194\nproto: udp\nnet: fd00::/64\n";
        let group = "port: 443\n";
        let role_vars = "proto: tcp\n";
        let variables = Variables::layered(&[
            VarSource::File {
                path: Path::new("defaults/main.yml"),
                text: defaults,
            },
            VarSource::File {
                path: Path::new("group.yml"),
                text: group,
            },
            VarSource::File {
                path: Path::new("vars/main.yml"),
                text: role_vars,
            },
            VarSource::Inline {
                path: Path::new("ovpn6-lint.toml"),
                line: Some(4),
                values: vec![("net".to_string(), VarValue::Text("fd01::/64".into()))],
            },
        ])
        .unwrap();
        let port = variables.get("port").unwrap();
        assert_eq!(port.value, VarValue::Int(443));
        assert_eq!(port.origin.path, PathBuf::from("group.yml"));
        assert_eq!(
            variables.get("proto").unwrap().value,
            VarValue::Text("tcp".into())
        );
        let net = variables.get("net").unwrap();
        assert_eq!(net.value, VarValue::Text("fd01::/64".into()));
        assert_eq!(net.origin.line, Some(4));
    }

    #[test]
    fn a_file_that_does_not_parse_says_where() {
        let error = read_vars_file(Path::new("v.yml"), "a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert_eq!(error.path, PathBuf::from("v.yml"));
        assert!(error.line.is_some_and(|line| line >= 2), "{error}");
        assert!(error.message.contains("does not parse"), "{error}");
        let error = read_vars_file(Path::new("v.yml"), "- a\n- b\n").unwrap_err();
        assert_eq!(error.line, Some(1));
        assert!(error.message.contains("mapping"), "{error}");
    }

    #[test]
    fn inline_toml_values_keep_their_types() {
        let table: toml::Table = toml::from_str(
            "port = 443\nipv6 = true\nnet = \"fd00::/64\"\nroutes = [\"a\", \"b\"]\nserver = { name = \"x\" }\n",
        )
        .unwrap();
        let value = |key: &str| VarValue::from_toml(&table[key]);
        assert_eq!(value("port"), VarValue::Int(443));
        assert_eq!(value("ipv6"), VarValue::Bool(true));
        assert_eq!(value("net"), VarValue::Text("fd00::/64".into()));
        assert_eq!(
            value("routes"),
            VarValue::List(vec![VarValue::Text("a".into()), VarValue::Text("b".into())])
        );
        assert_eq!(
            value("server"),
            VarValue::Map(vec![(
                VarValue::Text("name".into()),
                VarValue::Text("x".into())
            )])
        );
    }

    #[test]
    fn a_vault_value_is_secret() {
        let text = "password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n";
        let vars = read_vars_file(Path::new("v.yml"), text).unwrap();
        assert_eq!(vars[0].1.value, VarValue::Secret);
    }

    #[test]
    fn empty_files_set_nothing() {
        assert!(read_vars_file(Path::new("v.yml"), "").unwrap().is_empty());
        assert!(
            read_vars_file(Path::new("v.yml"), "---\n")
                .unwrap()
                .is_empty()
        );
        assert!(
            read_vars_file(Path::new("v.yml"), "# only\n")
                .unwrap()
                .is_empty()
        );
    }
}
