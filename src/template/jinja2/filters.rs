//! Ansible's filters and tests over minijinja's builtins (`bool`, `default`, `join`, `ternary`,
//! `truthy`/`falsy`…, with Ansible's and Python's semantics where they differ from minijinja's),
//! output printed as Python prints it, and every other filter or test a template names
//! registered as one whose result is unknown (minijinja refuses a template that names a filter
//! it does not have).

use std::sync::Arc;

use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State};

use super::values::{Recorder, map_value, python_str, unknown, unknown_name};

/// minijinja's builtin filters (with the features this crate enables) that behave as Jinja2's.
const BUILTIN_FILTERS: &[&str] = &[
    "safe",
    "escape",
    "e",
    "lower",
    "upper",
    "title",
    "capitalize",
    "replace",
    "length",
    "count",
    "dictsort",
    "items",
    "reverse",
    "trim",
    "split",
    "lines",
    "round",
    "abs",
    "float",
    "attr",
    "first",
    "last",
    "min",
    "max",
    "sort",
    "list",
    "batch",
    "slice",
    "sum",
    "indent",
    "select",
    "reject",
    "selectattr",
    "rejectattr",
    "map",
    "groupby",
    "unique",
    "chain",
    "zip",
    "pprint",
    "format",
];

/// Filters this module defines (Ansible's, or Jinja2's where minijinja's differ).
const ANSIBLE_FILTERS: &[&str] = &[
    "bool",
    "default",
    "d",
    "join",
    "ternary",
    "string",
    "int",
    "mandatory",
    "basename",
    "dirname",
    "dict2items",
    "items2dict",
    "combine",
    "comment",
];

const BUILTIN_TESTS: &[&str] = &[
    "undefined",
    "defined",
    "none",
    "safe",
    "escaped",
    "boolean",
    "odd",
    "even",
    "divisibleby",
    "number",
    "integer",
    "int",
    "float",
    "string",
    "sequence",
    "iterable",
    "mapping",
    "startingwith",
    "endingwith",
    "lower",
    "upper",
    "sameas",
    "eq",
    "equalto",
    "ne",
    "lt",
    "lessthan",
    "le",
    "gt",
    "greaterthan",
    "ge",
    "in",
    "true",
    "false",
    "filter",
    "test",
];

const ANSIBLE_TESTS: &[&str] = &["truthy", "falsy", "contains"];

/// Whether this renderer implements the filter `name`.
pub(super) fn implements_filter(name: &str) -> bool {
    BUILTIN_FILTERS.contains(&name) || ANSIBLE_FILTERS.contains(&name)
}

/// Whether this renderer implements the test `name`.
pub(super) fn implements_test(name: &str) -> bool {
    BUILTIN_TESTS.contains(&name) || ANSIBLE_TESTS.contains(&name)
}

/// Ansible's filters, tests and output formatting.
pub(super) fn install(env: &mut Environment<'static>, recorder: Arc<Recorder>) {
    env.set_formatter(move |out, _state, value| {
        let text = if let Some(name) = unknown_name(value) {
            recorder.word(name)
        } else {
            python_str(value, true)
        };
        if !recorder.write(text.len()) {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "the rendered text grew past {} MB",
                    super::values::MAX_OUTPUT_BYTES >> 20
                ),
            ));
        }
        out.write_str(&text).map_err(Error::from)
    });
    env.add_filter("bool", ansible_bool);
    env.add_filter("default", default);
    env.add_filter("d", default);
    env.add_filter("join", join);
    env.add_filter("ternary", ternary);
    env.add_filter("string", |value: Value| python_str(&value, false));
    env.add_filter("int", int);
    env.add_filter("mandatory", |value: Value| value);
    env.add_filter("basename", |path: String| {
        path.rsplit('/').next().unwrap_or_default().to_string()
    });
    env.add_filter("dirname", dirname);
    env.add_filter("dict2items", dict2items);
    env.add_filter("items2dict", items2dict);
    env.add_filter("combine", combine);
    env.add_filter("comment", comment);
    // A key a known mapping lacks is an unknown value; `is defined` says what Ansible says.
    env.add_test("defined", |value: Value| {
        !value.is_undefined() && unknown_name(&value).is_none()
    });
    env.add_test("undefined", |value: Value| {
        value.is_undefined() || unknown_name(&value).is_some()
    });
    env.add_test(
        "truthy",
        |value: Value, convert_bool: Option<bool>, kwargs: Kwargs| {
            Ok::<_, Error>(truthy(
                &value,
                convert_bool_argument(convert_bool, &kwargs)?,
            ))
        },
    );
    env.add_test(
        "falsy",
        |value: Value, convert_bool: Option<bool>, kwargs: Kwargs| {
            Ok::<_, Error>(!truthy(
                &value,
                convert_bool_argument(convert_bool, &kwargs)?,
            ))
        },
    );
    env.add_test("contains", |container: Value, item: Value| {
        container
            .try_iter()
            .is_ok_and(|mut items| items.any(|candidate| candidate == item))
    });
}

/// Registers each filter and test the template names that this renderer does not implement as
/// one whose result is unknown. (Expressions that use one are unknown as a whole before they
/// run; these registrations only let minijinja compile the template.)
pub(super) fn install_unknown(
    env: &mut Environment<'static>,
    filters: &[String],
    tests: &[String],
) {
    for name in filters.iter().filter(|name| !implements_filter(name)) {
        let label = format!("| {}", super::instrument::display_name(name));
        env.add_filter(name.clone(), move |_: &State, _: Rest<Value>| {
            unknown(label.clone())
        });
    }
    for name in tests.iter().filter(|name| !implements_test(name)) {
        env.add_test(name.clone(), |_: &State, _: Rest<Value>| false);
    }
}

/// Ansible's `bool`: true for `yes`, `on`, `true`, `1` (any case) and `True`/`1`, false for
/// `no`, `off`, `false`, `0`; any other value is compared with 1 (deprecated in Ansible).
fn ansible_bool(value: Value) -> Value {
    if unknown_name(&value).is_some() {
        return value;
    }
    let text = match value.kind() {
        ValueKind::String => value.as_str().unwrap_or_default().to_lowercase(),
        ValueKind::Bool => if value.is_true() { "true" } else { "false" }.to_string(),
        ValueKind::Number if value.is_integer() => value.to_string(),
        ValueKind::Number => {
            return Value::from(f64::try_from(value).is_ok_and(|number| number == 1.0));
        }
        _ => return Value::from(false),
    };
    Value::from(matches!(text.as_str(), "yes" | "on" | "true" | "1"))
}

/// Jinja2's `default(value, default='', boolean=false)`: the default for an undefined (or
/// unknown) value, or, with `boolean`, for any false one.
fn default(value: Value, fallback: Option<Value>, boolean: Option<bool>) -> Value {
    let missing = value.is_undefined()
        || unknown_name(&value).is_some()
        || (boolean.unwrap_or(false) && !value.is_true());
    if missing {
        fallback.unwrap_or_else(|| Value::from(""))
    } else {
        value
    }
}

/// Jinja2's `join(value, d='', attribute=None)`, items printed as Python's `str()` does.
fn join(
    state: &State,
    value: Value,
    separator: Option<String>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    if unknown_name(&value).is_some() {
        return Ok(value);
    }
    let attribute: Option<String> = kwargs.get("attribute")?;
    kwargs.assert_all_used()?;
    let _ = state;
    if let Some(text) = value.as_str() {
        let separator = separator.unwrap_or_default();
        return Ok(Value::from(
            text.chars()
                .map(String::from)
                .collect::<Vec<_>>()
                .join(&separator),
        ));
    }
    let items = value.try_iter()?;
    let mut parts = Vec::new();
    for item in items {
        let item = match &attribute {
            Some(attribute) => attribute
                .split('.')
                .try_fold(item, |value, part| value.get_attr(part))?,
            None => item,
        };
        if unknown_name(&item).is_some() {
            return Ok(item);
        }
        parts.push(python_str(&item, false));
    }
    Ok(Value::from(parts.join(&separator.unwrap_or_default())))
}

/// Ansible's `ternary(true_val, false_val, none_val=None)`.
fn ternary(value: Value, if_true: Value, if_false: Value, if_none: Option<Value>) -> Value {
    if unknown_name(&value).is_some() {
        return value;
    }
    match if_none {
        Some(if_none) if value.is_none() => if_none,
        _ if value.is_true() => if_true,
        _ => if_false,
    }
}

/// Jinja2's `int(value, default=0, base=10)`.
fn int(value: Value, fallback: Option<Value>, base: Option<u32>) -> Value {
    let fallback = fallback.unwrap_or_else(|| Value::from(0));
    match value.kind() {
        ValueKind::Bool => Value::from(i64::from(value.is_true())),
        ValueKind::Number if value.is_integer() => value,
        ValueKind::Number => f64::try_from(value)
            .map(|number| Value::from(number.trunc() as i64))
            .unwrap_or(fallback),
        ValueKind::String => {
            let text = value.as_str().unwrap_or_default().trim().replace('_', "");
            let base = base.unwrap_or(10);
            i64::from_str_radix(text.trim_start_matches('+'), base)
                .map(Value::from)
                .or_else(|_| text.parse::<f64>().map(|n| Value::from(n.trunc() as i64)))
                .unwrap_or(fallback)
        }
        _ => fallback,
    }
}

/// Python's `os.path.dirname`.
fn dirname(path: String) -> String {
    match path.rfind('/') {
        Some(0) => "/".to_string(),
        Some(at) => {
            let head = &path[..at];
            let trimmed = head.trim_end_matches('/');
            if trimmed.is_empty() { head } else { trimmed }.to_string()
        }
        None => String::new(),
    }
}

/// The `key_name`/`value_name` arguments of `dict2items` and `items2dict` (default `key`,
/// `value`); no other argument is accepted.
fn key_and_value_names(kwargs: &Kwargs) -> Result<(String, String), Error> {
    let key_name: String = kwargs
        .get::<Option<String>>("key_name")?
        .unwrap_or("key".into());
    let value_name: String = kwargs
        .get::<Option<String>>("value_name")?
        .unwrap_or("value".into());
    kwargs.assert_all_used()?;
    Ok((key_name, value_name))
}

/// Ansible's `dict2items(key_name='key', value_name='value')`.
fn dict2items(value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    if unknown_name(&value).is_some() {
        return Ok(value);
    }
    let (key_name, value_name) = key_and_value_names(&kwargs)?;
    if value.kind() != ValueKind::Map {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "dict2items requires a dictionary",
        ));
    }
    let mut items = Vec::new();
    for key in value.try_iter()? {
        let item = value.get_item(&key)?;
        items.push(map_value([
            (Value::from(key_name.as_str()), key),
            (Value::from(value_name.as_str()), item),
        ]));
    }
    Ok(Value::from(items))
}

/// Ansible's `items2dict(key_name='key', value_name='value')`.
fn items2dict(value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    if unknown_name(&value).is_some() {
        return Ok(value);
    }
    let (key_name, value_name) = key_and_value_names(&kwargs)?;
    let mut entries = Vec::new();
    for item in value.try_iter()? {
        entries.push((item.get_attr(&key_name)?, item.get_attr(&value_name)?));
    }
    Ok(map_value(entries))
}

/// Ansible's `combine(*dicts)`, shallow (`recursive`/`list_merge` give an unknown value).
fn combine(value: Value, others: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let options: Vec<&str> = kwargs.args().collect();
    if !options.is_empty() {
        return Ok(unknown("| combine(…)"));
    }
    let mut entries: Vec<(Value, Value)> = Vec::new();
    for map in std::iter::once(&value).chain(others.iter()) {
        if unknown_name(map).is_some() {
            return Ok(map.clone());
        }
        for key in map.try_iter()? {
            let item = map.get_item(&key)?;
            entries.retain(|(earlier, _)| *earlier != key);
            entries.push((key, item));
        }
    }
    Ok(map_value(entries))
}

/// `convert_bool`, given by position or by name.
fn convert_bool_argument(positional: Option<bool>, kwargs: &Kwargs) -> Result<bool, Error> {
    let named: Option<bool> = kwargs.get("convert_bool")?;
    kwargs.assert_all_used()?;
    Ok(named.or(positional).unwrap_or(false))
}

/// Ansible's `comment(style='plain')` with its predefined styles (other options give an
/// unknown value).
fn comment(text: Value, style: Option<String>, kwargs: Kwargs) -> Result<Value, Error> {
    if unknown_name(&text).is_some() {
        return Ok(text);
    }
    let style = match style {
        Some(style) => style,
        None => kwargs
            .get::<Option<String>>("style")?
            .unwrap_or("plain".into()),
    };
    if kwargs.args().any(|name| name != "style") {
        return Ok(unknown("| comment(…)"));
    }
    let (beginning, decoration, end) = match style.as_str() {
        "plain" => ("", "# ", ""),
        "erlang" => ("", "% ", ""),
        "c" => ("", "// ", ""),
        "cblock" => ("/*", " * ", " */"),
        "xml" => ("<!--", " - ", "-->"),
        other => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("comment: invalid style {other:?}"),
            ));
        }
    };
    let prefix = decoration.trim_end();
    let text = python_str(&text, false);
    let mut out = String::new();
    if !beginning.is_empty() {
        out.push_str(beginning);
        out.push('\n');
    }
    if !prefix.is_empty() {
        out.push_str(prefix);
        out.push('\n');
    }
    let decorated = format!(
        "{decoration}{}",
        text.replace('\n', &format!("\n{decoration}"))
    );
    out.push_str(&decorated.replace(
        &format!("{decoration}\n"),
        &format!("{}\n", decoration.trim_end()),
    ));
    out.push('\n');
    out.push_str(prefix);
    if !end.is_empty() {
        out.push('\n');
        out.push_str(end);
    }
    Ok(Value::from(out))
}

/// Ansible's `truthy` test: Python's truthiness, after `boolean()` with `convert_bool`.
fn truthy(value: &Value, convert_bool: bool) -> bool {
    if !convert_bool {
        return value.is_true();
    }
    match value.kind() {
        ValueKind::String => matches!(
            value
                .as_str()
                .unwrap_or_default()
                .trim()
                .to_lowercase()
                .as_str(),
            "y" | "yes" | "on" | "1" | "true" | "t"
        ),
        ValueKind::Bool => value.is_true(),
        ValueKind::Number => f64::try_from(value.clone()).is_ok_and(|number| number == 1.0),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(source: &str) -> String {
        let mut env = Environment::new();
        install(&mut env, Arc::default());
        env.render_str(source, minijinja::context! {}).unwrap()
    }

    #[test]
    fn bool_is_ansibles() {
        assert_eq!(
            render(
                "{{ 'yes'|bool }} {{ 'On'|bool }} {{ 'TRUE'|bool }} {{ '1'|bool }} {{ 1|bool }} {{ true|bool }}"
            ),
            "True True True True True True"
        );
        assert_eq!(
            render(
                "{{ 'no'|bool }} {{ 'off'|bool }} {{ 'y'|bool }} {{ 2|bool }} {{ none|bool }} {{ 'x'|bool }}"
            ),
            "False False False False False False"
        );
    }

    #[test]
    fn default_join_ternary_and_truthiness() {
        assert_eq!(render("{{ missing | default('udp') }}"), "udp");
        assert_eq!(
            render("{{ '' | default('x', true) }}|{{ '' | d('x') }}"),
            "x|"
        );
        assert_eq!(
            render("{{ [1, true, none, 'a'] | join(',') }}"),
            "1,True,None,a"
        );
        assert_eq!(
            render("{{ true | ternary('a', 'b') }}{{ none | ternary('a', 'b', 'c') }}"),
            "ac"
        );
        assert_eq!(
            render(
                "{{ 'yes' is truthy }} {{ '' is falsy }} {{ 'yes' is truthy(convert_bool=true) }} {{ 'no' is truthy(convert_bool=true) }}"
            ),
            "True True True False"
        );
        assert_eq!(
            render("{{ true | string }} {{ '08' | int }} {{ 'x' | int(5) }}"),
            "True 8 5"
        );
        assert_eq!(
            render("{{ '/etc/openvpn/a.conf' | basename }} {{ '/etc/openvpn/a.conf' | dirname }}"),
            "a.conf /etc/openvpn"
        );
    }
}
