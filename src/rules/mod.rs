//! Rule files (TOML, one rule each) to validated [`Rule`]s, in two steps: a serde mirror of
//! the file that rejects unknown keys, then a rule whose check is one of the engine's kinds
//! (one file each in this folder). Every mistake is caught at load time with a span into the
//! rule file.

mod addresses_within;
mod allowed_directives;
mod check;
mod forbid_directive;
mod legacy_ipv6_lines;
mod openvpn3_refuses;
mod openvpn_drops;
mod openvpn_refuses;
pub mod params;
pub mod placement;
mod pushed_coverage;
mod redundant_routes;
mod require_directive;
mod routes_cover;
mod single_directive;
mod tap_gateway;
mod template_only;
mod unused_suppression;

use std::borrow::Cow;
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

pub use check::{
    Check, CheckArgs, Condition, Context, Detail, Finding, FindingFix, LoadError, tunnel_for,
    tunnel_of,
};
pub use params::Params;

use crate::diagnostic::{Applicability, Severity};
use crate::model::Role;

/// The built-in rules, compiled into the binary: (file name, text).
pub const BUILTIN: &[(&str, &str)] = &include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// The ids of the built-in rules.
pub const BUILTIN_IDS: &[&str] = &include!(concat!(env!("OUT_DIR"), "/builtin_ids.rs"));

/// The id of the engine's own rule that judges suppression comments.
pub const UNUSED_SUPPRESSION: &str = "unused-suppression";

/// A validated rule, ready to run.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub severity: Severity,
    pub applies_to: AppliesTo,
    pub check: Box<dyn Check>,
    pub message: String,
    pub label: String,
    pub when: Vec<Condition>,
    pub unless: Vec<Condition>,
    pub fix: Option<FixSpec>,
    /// Notes added to a finding when their conditions hold.
    pub notes: Vec<ConditionalNote>,
    pub doc: RuleDoc,
    /// Where the rule came from (a built-in file name or a path), for messages.
    pub origin: String,
}

#[derive(Debug, Clone)]
pub struct FixSpec {
    pub applicability: Applicability,
    /// Overrides the check's description of the fix (the `= help:` line).
    pub description: Option<String>,
    /// Conditions under which the fix is at most unsafe.
    pub unsafe_when: Vec<Condition>,
    /// Conditions under which the fix is only shown, never applied.
    pub display_only_when: Vec<Condition>,
}

/// A sentence for the `= note:` of a finding, when every condition holds.
#[derive(Debug, Clone)]
pub struct ConditionalNote {
    pub when: Vec<Condition>,
    pub text: String,
}

/// The documentation in a rule file: `--explain`, SARIF help and the README table read it.
#[derive(Debug, Clone)]
pub struct RuleDoc {
    pub summary: String,
    pub why: String,
    /// The first sentence of `why`, on one line: the `= note:` of every diagnostic.
    pub note: Arc<str>,
    pub bad: String,
    pub good: String,
    pub fix_safety: Option<String>,
    pub tags: Vec<String>,
    pub security_severity: Option<f64>,
}

/// Which profiles a rule judges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppliesTo {
    Any,
    Roles(Vec<Role>),
    /// A `[params]` list of role names, read per file.
    Param(String),
}

impl AppliesTo {
    pub fn describe(&self) -> String {
        match self {
            AppliesTo::Any => "any".to_owned(),
            AppliesTo::Roles(roles) => roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            AppliesTo::Param(name) => format!("${name}"),
        }
    }
}

/// The serde mirror of a rule file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RuleFile {
    id: Spanned<String>,
    severity: Spanned<String>,
    applies_to: Spanned<String>,
    message: Spanned<String>,
    label: Option<Spanned<String>>,
    check: CheckArgs,
    fix: Option<FixFile>,
    #[serde(default)]
    notes: Vec<NoteFile>,
    summary: String,
    why: String,
    bad: String,
    good: String,
    fix_safety: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    security_severity: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FixFile {
    applicability: Spanned<String>,
    description: Option<String>,
    #[serde(default)]
    unsafe_when: Vec<Spanned<String>>,
    #[serde(default)]
    display_only_when: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct NoteFile {
    when: Vec<Spanned<String>>,
    text: String,
}

/// Reads and validates one rule file. `origin` names it in errors.
pub fn load_rule(origin: &str, text: &str, params: &Params) -> Result<Rule, LoadError> {
    let file: RuleFile = toml::from_str(text).map_err(|e| LoadError {
        message: e.message().to_owned(),
        span: e.span(),
    })?;
    let fail = |span: std::ops::Range<usize>, message: String| LoadError {
        message,
        span: Some(span),
    };

    let id = file.id.get_ref().clone();
    if !is_kebab_case(&id) {
        return Err(fail(
            file.id.span(),
            format!("rule id `{id}` must be kebab-case (`a-z`, `0-9`, `-`)"),
        ));
    }
    let severity = Severity::parse(file.severity.get_ref()).ok_or_else(|| {
        fail(
            file.severity.span(),
            format!(
                "unknown severity `{}`: use `error`, `warning` or `note`",
                file.severity.get_ref()
            ),
        )
    })?;
    let applies_to = parse_applies_to(&file.applies_to, params)?;
    let when = check::conditions(&file.check.when)?;
    let unless = check::conditions(&file.check.unless)?;
    let kind = file.check.kind.get_ref().clone();
    let kind_span = file.check.kind.span();
    let load = KINDS
        .iter()
        .find(|(name, _)| *name == kind)
        .map(|(_, load)| load);
    let Some(load) = load else {
        let names: Vec<&str> = KINDS.iter().map(|(name, _)| *name).collect();
        return Err(fail(
            kind_span,
            format!(
                "unknown check kind `{kind}`; the kinds are: {}",
                names.join(", ")
            ),
        ));
    };
    let check = load(&file.check, params)?;

    let message = file.message.get_ref().clone();
    check_template(&message, check.vars(), file.message.span())?;
    let label = match &file.label {
        Some(label) => {
            check_template(label.get_ref(), check.vars(), label.span())?;
            label.get_ref().clone()
        }
        None => String::new(),
    };
    let fix = match &file.fix {
        Some(fix) => Some(FixSpec {
            applicability: Applicability::parse(fix.applicability.get_ref()).ok_or_else(|| {
                fail(
                    fix.applicability.span(),
                    format!(
                        "unknown fix applicability `{}`: use `safe`, `unsafe` or `display-only`",
                        fix.applicability.get_ref()
                    ),
                )
            })?,
            description: fix.description.clone(),
            unsafe_when: check::conditions(&fix.unsafe_when)?,
            display_only_when: check::conditions(&fix.display_only_when)?,
        }),
        None => None,
    };
    let security_severity = match &file.security_severity {
        Some(value) if !(0.0..=10.0).contains(value.get_ref()) => {
            return Err(fail(
                value.span(),
                "security-severity must be from 0.0 to 10.0".to_owned(),
            ));
        }
        Some(value) => Some(*value.get_ref()),
        None => None,
    };
    let notes = file
        .notes
        .iter()
        .map(|note| {
            Ok(ConditionalNote {
                when: check::conditions(&note.when)?,
                text: note.text.split_whitespace().collect::<Vec<_>>().join(" "),
            })
        })
        .collect::<Result<_, LoadError>>()?;
    Ok(Rule {
        id,
        severity,
        applies_to,
        check,
        message,
        label,
        when,
        unless,
        fix,
        notes,
        doc: RuleDoc {
            summary: file.summary.trim().to_owned(),
            why: file.why.trim().to_owned(),
            note: first_sentence(&file.why).into(),
            bad: file.bad,
            good: file.good,
            fix_safety: file.fix_safety.map(|s| s.trim().to_owned()),
            tags: file.tags,
            security_severity,
        },
        origin: origin.to_owned(),
    })
}

/// Where to point when something is missing: the `client` line, else the first line with words.
pub fn where_to_point(profile: &crate::model::Profile) -> crate::model::Loc {
    let options = &profile.model.options;
    let top = || options.iter().filter(|o| o.loc.source == 0);
    top()
        .find(|o| o.name == "client" || o.name == "pull")
        .or_else(|| top().find(|o| !o.in_connection))
        .map(|o| o.loc.clone())
        .unwrap_or(crate::model::Loc {
            source: 0,
            span: 0..0,
        })
}

/// Fills `{param}` placeholders of a fix template from `[params]`.
pub fn fill_params(template: &str, params: &Params) -> Result<String, String> {
    if let Some(name) = template_vars(template).find(|name| params.text(name).is_none()) {
        return Err(format!("`{{{name}}}` is not a `[params]` value"));
    }
    Ok(render(template, |name| params.text(name).map(Cow::Owned)))
}

/// Reads a `[check]` table into one check kind.
type Loader = fn(&CheckArgs, &Params) -> Result<Box<dyn Check>, LoadError>;

/// The check kinds a rule file may name, each with its loader.
pub const KINDS: &[(&str, Loader)] = &[
    ("require-directive", |a, p| {
        Ok(Box::new(require_directive::RequireDirective::load(a, p)?))
    }),
    ("forbid-directive", |a, p| {
        Ok(Box::new(forbid_directive::ForbidDirective::load(a, p)?))
    }),
    ("routes-cover", |a, p| {
        Ok(Box::new(routes_cover::RoutesCover::load(a, p)?))
    }),
    ("addresses-within", |a, p| {
        Ok(Box::new(addresses_within::AddressesWithin::load(a, p)?))
    }),
    ("single-directive", |a, p| {
        Ok(Box::new(single_directive::SingleDirective::load(a, p)?))
    }),
    ("redundant-routes", |a, p| {
        Ok(Box::new(redundant_routes::RedundantRoutes::load(a, p)?))
    }),
    ("openvpn-drops", |a, p| {
        Ok(Box::new(openvpn_drops::OpenvpnDrops::load(a, p)?))
    }),
    ("openvpn3-refuses", |a, p| {
        Ok(Box::new(openvpn3_refuses::Openvpn3Refuses::load(a, p)?))
    }),
    ("openvpn-refuses", |a, p| {
        Ok(Box::new(openvpn_refuses::OpenvpnRefuses::load(a, p)?))
    }),
    ("pushed-coverage", |a, p| {
        Ok(Box::new(pushed_coverage::PushedCoverage::load(a, p)?))
    }),
    ("tap-gateway", |a, p| {
        Ok(Box::new(tap_gateway::TapGateway::load(a, p)?))
    }),
    ("legacy-ipv6-lines", |a, p| {
        Ok(Box::new(legacy_ipv6_lines::LegacyIpv6Lines::load(a, p)?))
    }),
    ("allowed-directives", |a, p| {
        Ok(Box::new(allowed_directives::AllowedDirectives::load(a, p)?))
    }),
    ("template-only", |a, p| {
        Ok(Box::new(template_only::TemplateOnly::load(a, p)?))
    }),
    ("unused-suppression", |a, p| {
        Ok(Box::new(unused_suppression::UnusedSuppression::load(a, p)?))
    }),
];

fn parse_applies_to(value: &Spanned<String>, params: &Params) -> Result<AppliesTo, LoadError> {
    let text = value.get_ref();
    if text == "any" {
        return Ok(AppliesTo::Any);
    }
    if let Some(name) = text.strip_prefix('$') {
        if params.roles(name).is_none() {
            return Err(LoadError {
                message: format!("`${name}` is not a `[params]` list of roles"),
                span: Some(value.span()),
            });
        }
        return Ok(AppliesTo::Param(name.to_owned()));
    }
    let roles = text
        .split(',')
        .map(|part| params::parse_role(part.trim()))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| LoadError {
            message: format!(
                "applies-to must be `any`, `client`, `server`, `p2p` (comma-separated) or a `$param`, not `{text}`"
            ),
            span: Some(value.span()),
        })?;
    Ok(AppliesTo::Roles(roles))
}

/// Every `{name}` in a template must be a variable the check provides.
fn check_template(
    template: &str,
    vars: &[&str],
    span: std::ops::Range<usize>,
) -> Result<(), LoadError> {
    for name in template_vars(template) {
        if !vars.contains(&name) {
            return Err(LoadError {
                message: format!(
                    "`{{{name}}}` is not a variable of this check kind; it provides: {}",
                    if vars.is_empty() {
                        "none".to_owned()
                    } else {
                        vars.join(", ")
                    }
                ),
                span: Some(span),
            });
        }
    }
    Ok(())
}

fn template_vars(template: &str) -> impl Iterator<Item = &str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
}

/// Fills `{name}` placeholders with what `lookup` knows; leaves the others as written.
pub fn render<'v>(template: &str, lookup: impl Fn(&str) -> Option<Cow<'v, str>>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after
            .split_once('}')
            .and_then(|(name, tail)| Some((lookup(name)?, tail)))
        {
            Some((value, tail)) => {
                out.push_str(&value);
                rest = tail;
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The first sentence of a rule's `why`, on one line.
fn first_sentence(why: &str) -> String {
    let mut sentence = String::new();
    for word in why.split_whitespace() {
        if !sentence.is_empty() {
            sentence.push(' ');
        }
        sentence.push_str(word);
        if word.ends_with('.') {
            break;
        }
    }
    sentence
}

fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Rule, LoadError> {
        load_rule("test.toml", text, &Params::default())
    }

    const MINIMAL: &str = r#"
id = "no-tun-ipv6"
severity = "warning"
applies-to = "any"
message = "`tun-ipv6` is ignored"
summary = "s"
why = "w"
bad = "tun-ipv6\n"
good = "dev tun\n"
[check]
kind = "forbid-directive"
name = "tun-ipv6"
"#;

    #[test]
    fn every_builtin_rule_loads_and_its_file_name_is_its_id() {
        let params = Params::default();
        for (name, text) in BUILTIN {
            let rule =
                load_rule(name, text, &params).unwrap_or_else(|e| panic!("{name}: {}", e.message));
            assert_eq!(format!("{}.toml", rule.id), *name);
        }
    }

    #[test]
    fn a_minimal_rule_loads() {
        let rule = load(MINIMAL).unwrap();
        assert_eq!(rule.id, "no-tun-ipv6");
        assert_eq!(rule.severity, Severity::Warning);
    }

    #[test]
    fn unknown_keys_are_errors_with_a_span() {
        let text = MINIMAL.replace("summary", "colour = \"red\"\nsummary");
        let error = load(&text).unwrap_err();
        assert!(error.message.contains("colour"), "{}", error.message);
        assert_eq!(&text[error.span.unwrap()], "colour");
    }

    #[test]
    fn unknown_check_kind_points_at_the_kind() {
        let text = MINIMAL.replace("\"forbid-directive\"", "\"forbid-everything\"");
        let error = load(&text).unwrap_err();
        assert!(error.message.contains("unknown check kind"));
        assert_eq!(&text[error.span.unwrap()], "\"forbid-everything\"");
    }

    #[test]
    fn bad_severity_and_applies_to_are_errors() {
        assert!(load(&MINIMAL.replace("\"warning\"", "\"fatal\"")).is_err());
        assert!(load(&MINIMAL.replace("\"any\"", "\"laptop\"")).is_err());
        assert!(load(&MINIMAL.replace("\"any\"", "\"$no-such-param\"")).is_err());
        assert!(load(&MINIMAL.replace("\"any\"", "\"client, server\"")).is_ok());
    }

    #[test]
    fn unknown_template_variables_are_errors() {
        let error = load(&MINIMAL.replace("is ignored", "is {nonsense}")).unwrap_err();
        assert!(error.message.contains("{nonsense}"));
    }

    #[test]
    fn bad_toml_is_an_error_with_a_span() {
        let error = load("id = \n").unwrap_err();
        assert!(error.span.is_some());
    }

    #[test]
    fn render_fills_known_placeholders_only() {
        let lookup = |name: &str| (name == "a").then_some(Cow::Borrowed("1"));
        assert_eq!(render("x {a} {b} {", lookup), "x 1 {b} {");
    }
}
