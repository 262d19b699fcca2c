//! What a template reads: the role's variables (rendered lazily when they are themselves
//! templates, as Ansible does), an unknown value for every name the variables do not give, and
//! values printed as Python prints them (`True`, `['a', 'b']`), which is what Ansible's output
//! holds.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use minijinja::value::{Enumerator, Object, ObjectRepr, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State};

use super::RenderError;
use super::instrument;
use super::lexer::{self, Segment, Whitespace};
use crate::template::ansible_vars::{VarValue, Variable, Variables};
use crate::template::unknown_word;

/// How deep values that are templates may refer to other such values.
const VALUE_DEPTH_LIMIT: usize = 32;

/// A value the repository does not give. Attributes, items, calls and method calls on it are
/// unknown too; it is false and iterates as empty.
#[derive(Debug)]
pub(super) struct Unknown {
    pub name: String,
}

impl Object for Unknown {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Iterable
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let name = match key.as_str() {
            Some(key) => format!("{}.{key}", self.name),
            None => format!("{}[{key}]", self.name),
        };
        Some(unknown(name))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Empty
    }

    fn is_true(self: &Arc<Self>) -> bool {
        false
    }

    fn call(self: &Arc<Self>, _: &mut State<'_, '_>, _: &[Value]) -> Result<Value, Error> {
        Ok(unknown(format!("{}()", self.name)))
    }

    fn call_method(
        self: &Arc<Self>,
        _: &mut State<'_, '_>,
        method: &str,
        _: &[Value],
    ) -> Result<Value, Error> {
        Ok(unknown(format!("{}.{method}()", self.name)))
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&unknown_word(&self.name))
    }
}

pub(super) fn unknown(name: impl Into<String>) -> Value {
    Value::from_object(Unknown { name: name.into() })
}

/// The name of an unknown value, if `value` is one.
pub(super) fn unknown_name(value: &Value) -> Option<&str> {
    value
        .downcast_object_ref::<Unknown>()
        .map(|unknown| unknown.name.as_str())
}

/// A mapping the variables give: a key it lacks is an unknown value (named by its path,
/// `server.port`), not an undefined one, so it prints as one and is never taken as empty.
#[derive(Debug)]
pub(super) struct KnownMap {
    path: String,
    entries: indexmap::IndexMap<Value, Value>,
}

impl Object for KnownMap {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        if let Some(value) = self.entries.get(key) {
            return Some(value.clone());
        }
        Some(match key.as_str() {
            Some(text) => unknown(format!("{}.{text}", self.path)),
            None => unknown(format!("{}[{key}]", self.path)),
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.entries.keys().cloned().collect())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.entries.len())
    }

    /// Python's `dict.get(key, default=None)`: a default, not an unknown value.
    fn call_method(
        self: &Arc<Self>,
        _: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        match (method, args) {
            ("get", [key]) => Ok(self.entries.get(key).cloned().unwrap_or(Value::from(()))),
            ("get", [key, default]) => {
                Ok(self.entries.get(key).cloned().unwrap_or(default.clone()))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

/// What a render learns besides its output.
#[derive(Debug, Default)]
pub(super) struct Recorder {
    inner: Mutex<Recorded>,
    /// The text of each literal mark (empty for other marks), set before the render.
    literals: std::sync::OnceLock<Vec<String>>,
    /// Bytes written so far, against [`MAX_OUTPUT_BYTES`].
    written: std::sync::atomic::AtomicUsize,
}

/// How much text a render may write (a profile is a few kilobytes; inline keys add a few more).
pub(super) const MAX_OUTPUT_BYTES: usize = 16 << 20;

#[derive(Debug, Default)]
pub(super) struct Recorded {
    /// Condition tags (by instrumented id) taken as false, with the unknown names.
    pub conditions: Vec<(usize, Vec<String>)>,
    /// Each unknown word printed, and the name it stands for.
    pub words: HashMap<String, String>,
    /// A failure found where minijinja cannot return one (a variable whose value loops).
    pub error: Option<RenderError>,
}

impl Recorder {
    pub fn condition(&self, id: usize, names: Vec<String>) {
        let mut recorded = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match recorded
            .conditions
            .iter_mut()
            .find(|(known, _)| *known == id)
        {
            Some((_, earlier)) => {
                for name in names {
                    if !earlier.contains(&name) {
                        earlier.push(name);
                    }
                }
            }
            None => recorded.conditions.push((id, names)),
        }
    }

    pub fn word(&self, name: &str) -> String {
        let word = unknown_word(name);
        let mut recorded = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        recorded
            .words
            .entry(word.clone())
            .or_insert_with(|| name.to_string());
        word
    }

    pub fn set_literals(&self, literals: Vec<String>) {
        let _ = self.literals.set(literals);
    }

    pub fn literal(&self, id: usize) -> &str {
        self.literals
            .get()
            .and_then(|literals| literals.get(id))
            .map_or("", String::as_str)
    }

    /// Counts `bytes` more of output; false once the render has written too much.
    pub fn write(&self, bytes: usize) -> bool {
        let before = self
            .written
            .fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
        before + bytes <= MAX_OUTPUT_BYTES
    }

    pub fn fail(&self, error: RenderError) {
        let mut recorded = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        recorded.error.get_or_insert(error);
    }

    pub fn take(&self) -> Recorded {
        std::mem::take(&mut *self.inner.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// The root of the template's context: each name the variables give (rendered on first use
/// when it is a template), and an unknown value for every other name that is not one of the
/// environment's globals (`range`, `dict`…).
#[derive(Debug)]
pub(super) struct Root {
    variables: Variables,
    globals: HashSet<String>,
    env: Arc<Environment<'static>>,
    recorder: Arc<Recorder>,
    cache: Mutex<HashMap<String, Value>>,
    /// Names whose values are being rendered, innermost last: a name met again loops.
    rendering: Mutex<Vec<String>>,
}

impl Root {
    pub fn new(
        variables: Variables,
        env: Arc<Environment<'static>>,
        recorder: Arc<Recorder>,
    ) -> Root {
        let globals = env.globals().map(|(name, _)| name.to_string()).collect();
        Root {
            variables,
            globals,
            env,
            recorder,
            cache: Mutex::default(),
            rendering: Mutex::default(),
        }
    }

    fn resolve(self: &Arc<Self>, name: &str, variable: &Variable) -> Value {
        {
            let mut rendering = self.rendering.lock().unwrap_or_else(|e| e.into_inner());
            if rendering.iter().any(|earlier| earlier == name)
                || rendering.len() >= VALUE_DEPTH_LIMIT
            {
                let chain = rendering.join(" -> ");
                drop(rendering);
                self.recorder.fail(RenderError {
                    path: variable.origin.path.clone(),
                    line: variable.origin.line,
                    message: format!(
                        "the value of `{name}` refers to itself through other values ({chain} -> {name})"
                    ),
                });
                return unknown(name);
            }
            rendering.push(name.to_string());
        }
        let value = self.convert(name, variable, &variable.value);
        self.rendering
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop();
        value
    }

    fn convert(self: &Arc<Self>, name: &str, variable: &Variable, value: &VarValue) -> Value {
        match value {
            VarValue::Null => Value::from(()),
            VarValue::Bool(flag) => Value::from(*flag),
            VarValue::Int(number) => Value::from(*number),
            VarValue::Float(number) => Value::from(*number),
            VarValue::Text(text) | VarValue::Unsafe(text)
                if instrument::holds_reserved(text).is_some() =>
            {
                self.recorder.fail(RenderError {
                    path: variable.origin.path.clone(),
                    line: variable.origin.line,
                    message: format!(
                        "the value of `{name}` holds a private-use character (U+E000 to U+E002) that the renderer reserves"
                    ),
                });
                unknown(name)
            }
            VarValue::Text(text) if is_template(text) => self.render_value(name, variable, text),
            VarValue::Text(text) | VarValue::Unsafe(text) => Value::from(text.as_str()),
            VarValue::Secret => unknown(name),
            VarValue::List(items) => Value::from(
                items
                    .iter()
                    .enumerate()
                    .map(|(index, item)| self.convert(&format!("{name}[{index}]"), variable, item))
                    .collect::<Vec<_>>(),
            ),
            VarValue::Map(entries) => Value::from_object(KnownMap {
                path: name.to_string(),
                entries: entries
                    .iter()
                    .map(|(key, value)| {
                        let key = self.convert(name, variable, key);
                        let path = match key.as_str() {
                            Some(text) => format!("{name}.{text}"),
                            None => format!("{name}[{key}]"),
                        };
                        let value = self.convert(&path, variable, value);
                        (key, value)
                    })
                    .collect(),
            }),
        }
    }

    /// A value that is a template, rendered as Ansible 2.19 does: a lone `{{ expression }}` keeps
    /// its type (`"{{ port }}"` is a number), anything else is text. A value that uses an
    /// unknown value is unknown.
    fn render_value(self: &Arc<Self>, name: &str, variable: &Variable, text: &str) -> Value {
        let context = Value::from_dyn_object(self.clone());
        let whitespace = Whitespace {
            trim_blocks: true,
            lstrip_blocks: false,
        };
        let segments = lexer::segments(text, 0..text.len(), whitespace);
        let lone_expression = match segments.as_deref() {
            Ok([Segment::Expression { tag, inner }]) if *tag == (0..text.len()) => {
                Some(instrument::mangle_names(&text[inner.clone()]))
            }
            _ => None,
        };
        let result = match (&lone_expression, segments) {
            (Some(expression), _) => self
                .env
                .compile_expression(expression.as_str())
                .and_then(|compiled| compiled.eval(&context)),
            (None, Ok(segments)) => self
                .env
                .render_str(&whitespace_applied(text, &segments), &context)
                .map(Value::from),
            (None, Err(error)) => Err(Error::new(ErrorKind::SyntaxError, error.message)),
        };
        match result {
            Ok(value) => {
                if let Some(text) = value.as_str()
                    && crate::template::is_unknown_word(text)
                {
                    return unknown(name);
                }
                if value.is_undefined() {
                    return unknown(name);
                }
                value
            }
            Err(error) => {
                let uses_unknown = lone_expression
                    .and_then(|expression| self.env.compile_expression_owned(expression).ok())
                    .is_some_and(|compiled| {
                        compiled.undeclared_variables(false).iter().any(|used| {
                            unknown_name(&context.get_attr(used).unwrap_or_default()).is_some()
                        })
                    });
                if !uses_unknown {
                    self.recorder.fail(RenderError {
                        path: variable.origin.path.clone(),
                        line: variable.origin.line,
                        message: format!("the value of `{name}` cannot be rendered: {error}"),
                    });
                }
                unknown(name)
            }
        }
    }
}

impl Object for Root {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let name = key.as_str()?;
        if let Some(value) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
        {
            return Some(value.clone());
        }
        let value = match self.variables.get(name) {
            Some(variable) => self.resolve(name, variable),
            None if self.globals.contains(name) => return None,
            // The template module sets it (from ansible.cfg's `ansible_managed`, whose default
            // this is) unless the variables do.
            None if name == "ansible_managed" => Value::from("Ansible managed"),
            None => unknown(name),
        };
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string(), value.clone());
        Some(value)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Empty
    }
}

/// A value template with Jinja2's whitespace rules already applied (minijinja runs with them
/// off, since the instrumented templates carry them applied) and dotted filter names mangled.
fn whitespace_applied(text: &str, segments: &[Segment]) -> String {
    let mut applied = String::with_capacity(text.len());
    for segment in segments {
        match segment {
            Segment::Text(range) => {
                let literal = &text[range.clone()];
                if is_template(literal) {
                    let _ = write!(applied, "{{% raw %}}{literal}{{% endraw %}}");
                } else {
                    applied.push_str(literal);
                }
            }
            Segment::Expression { inner, .. } => {
                let _ = write!(
                    applied,
                    "{{{{ {} }}}}",
                    instrument::mangle_names(&text[inner.clone()])
                );
            }
            Segment::Statement { inner, .. } => {
                let _ = write!(
                    applied,
                    "{{% {} %}}",
                    instrument::mangle_names(&text[inner.clone()])
                );
            }
        }
    }
    applied
}

/// A mapping that keeps its keys in order, as Python's `dict` does.
pub(super) fn map_value(entries: impl IntoIterator<Item = (Value, Value)>) -> Value {
    Value::from_object(
        entries
            .into_iter()
            .collect::<indexmap::IndexMap<Value, Value>>(),
    )
}

/// Whether Ansible renders this text as a template.
pub(super) fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%") || text.contains("{#")
}

/// `str(value)` as Python prints it for Ansible's output; at the top of `{{ }}` a `None` prints
/// nothing (Ansible's `finalize`), inside a list it prints `None`.
pub(super) fn python_str(value: &Value, top_level: bool) -> String {
    match value.kind() {
        ValueKind::Undefined => String::new(),
        ValueKind::None if top_level => String::new(),
        ValueKind::String => value.as_str().unwrap_or_default().to_string(),
        _ => python_repr(value),
    }
}

/// `repr(value)` as Python writes it.
pub(super) fn python_repr(value: &Value) -> String {
    if let Some(name) = unknown_name(value) {
        return unknown_word(name);
    }
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => "None".to_string(),
        ValueKind::Bool => if value.is_true() { "True" } else { "False" }.to_string(),
        ValueKind::Number if value.is_integer() => value.to_string(),
        ValueKind::Number => python_float(f64::try_from(value.clone()).unwrap_or(f64::NAN)),
        ValueKind::String => python_quote(value.as_str().unwrap_or_default()),
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Vec<String> = value
                .try_iter()
                .map(|items| items.map(|item| python_repr(&item)).collect())
                .unwrap_or_default();
            format!("[{}]", items.join(", "))
        }
        ValueKind::Map => {
            let mut text = String::from("{");
            if let Ok(keys) = value.try_iter() {
                for (index, key) in keys.enumerate() {
                    if index > 0 {
                        text.push_str(", ");
                    }
                    let item = value.get_item(&key).unwrap_or_default();
                    let _ = write!(text, "{}: {}", python_repr(&key), python_repr(&item));
                }
            }
            text.push('}');
            text
        }
        _ => value.to_string(),
    }
}

/// Python's `repr(float)`: the shortest digits that read back, `1.0` not `1`, `1e+16`.
pub(super) fn python_float(number: f64) -> String {
    if number.is_nan() {
        return "nan".to_string();
    }
    if number.is_infinite() {
        return if number > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let magnitude = number.abs();
    if magnitude != 0.0 && !(1e-4..1e16).contains(&magnitude) {
        let scientific = format!("{number:e}");
        let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.abs());
    }
    let text = format!("{number}");
    if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    }
}

/// Python's `repr(str)`: single quotes unless the text holds one and no double quote.
fn python_quote(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push(quote);
    for c in text.chars() {
        match c {
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            c if c == quote => {
                quoted.push('\\');
                quoted.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(quoted, "\\x{:02x}", c as u32);
            }
            c => quoted.push(c),
        }
    }
    quoted.push(quote);
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_as_python_prints_them() {
        assert_eq!(python_str(&Value::from(true), true), "True");
        assert_eq!(python_str(&Value::from(()), true), "");
        assert_eq!(python_repr(&Value::from(())), "None");
        assert_eq!(python_str(&Value::from(1.0), true), "1.0");
        assert_eq!(python_str(&Value::from(0.1), true), "0.1");
        assert_eq!(python_float(1e16), "1e+16");
        assert_eq!(python_float(1.5e-5), "1.5e-05");
        let list = Value::from(vec![
            Value::from("a'b"),
            Value::from(2),
            Value::from(false),
            Value::from(()),
        ]);
        assert_eq!(python_str(&list, true), "[\"a'b\", 2, False, None]");
        let map = map_value([(Value::from("k"), Value::from("v"))]);
        assert_eq!(python_str(&map, true), "{'k': 'v'}");
    }

    #[test]
    fn an_unknown_value_stays_unknown_through_attributes_and_calls() {
        let env = Environment::new();
        let value = unknown("net");
        let rendered = env
            .render_str(
                "{{ x.prefix }} {{ x.get('a') }} {% for i in x %}never{% endfor %}{% if x %}no{% endif %}",
                minijinja::context! { x => value },
            )
            .unwrap();
        assert_eq!(
            rendered,
            format!(
                "{} {} ",
                unknown_word("net.prefix"),
                unknown_word("net.get()")
            )
        );
    }
}
