//! `--explain ID` and `--list-rules`: a rule's documentation, from its rule file.

use serde_json::json;

use crate::diagnostic::Applicability;
use crate::rules::{AppliesTo, Rule};

/// What, why, a bad and a good example, and fix safety, as plain text.
pub fn explain(rule: &Rule) -> String {
    let mut out = format!("# {} ({})\n\n", rule.id, rule.severity.as_str());
    let applies_to = match &rule.applies_to {
        AppliesTo::Param(name) => {
            format!("the roles listed in the `{name}` param (clients by default)")
        }
        other => other.describe(),
    };
    out.push_str(&format!(
        "{}\n\nApplies to: {applies_to}.\n\n",
        rule.doc.summary
    ));
    out.push_str(&format!("## Why is this bad?\n\n{}\n\n", rule.doc.why));
    out.push_str(&format!("## Example\n\n{}\n", indent(&rule.doc.bad)));
    out.push_str(&format!("## Use instead\n\n{}\n", indent(&rule.doc.good)));
    let safety = rule
        .doc
        .fix_safety
        .as_deref()
        .unwrap_or("This rule has no automatic fix.");
    out.push_str(&format!("## Fix safety\n\n{safety}\n"));
    out
}

/// The rule file's `fix-safety`, else what its fix's applicability means.
pub fn fix_safety(rule: &Rule) -> String {
    if let Some(text) = &rule.doc.fix_safety {
        return text.clone();
    }
    match rule.fix.as_ref().map(|fix| fix.applicability) {
        None => "This rule has no automatic fix.",
        Some(Applicability::Safe) => "Safe: `--fix` applies the fix.",
        Some(Applicability::Unsafe) => {
            "Unsafe: only `--fix --unsafe-fixes` applies the fix; review it."
        }
        Some(Applicability::DisplayOnly) => {
            "Display-only: the fix is shown as help and never applied."
        }
    }
    .to_owned()
}

fn indent(example: &str) -> String {
    example
        .trim_matches('\n')
        .lines()
        .map(|l| format!("    {l}\n"))
        .collect()
}

/// One line per rule: id, severity, applies to, fixable.
pub fn list_table(rules: &[Rule]) -> String {
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(2).max(2);
    let mut out = format!(
        "{:width$}  {:8}  {:12}  {}\n",
        "id", "severity", "applies to", "fix"
    );
    for rule in rules {
        out.push_str(&format!(
            "{:width$}  {:8}  {:12}  {}\n",
            rule.id,
            rule.severity.as_str(),
            rule.applies_to.describe(),
            rule.fix
                .as_ref()
                .map_or("none", |f| f.applicability.as_str())
        ));
    }
    out
}

pub fn list_json(rules: &[Rule]) -> String {
    let list: Vec<_> = rules
        .iter()
        .map(|rule| {
            json!({
                "id": rule.id,
                "severity": rule.severity,
                "applies_to": rule.applies_to.describe(),
                "fix": rule.fix.as_ref().map(|f| f.applicability),
                "summary": rule.doc.summary,
            })
        })
        .collect();
    format!(
        "{}\n",
        serde_json::to_string_pretty(&list).expect("JSON values serialize")
    )
}

/// The README's rule table, generated from the rule files (a test keeps the README in sync).
pub fn markdown_table(rules: &[Rule]) -> String {
    let mut out = String::from(
        "| id | severity | applies to | fix | what it finds |\n|---|---|---|---|---|\n",
    );
    for rule in rules {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            rule.id,
            rule.severity.as_str(),
            rule.applies_to
                .describe()
                .replace('$', "")
                .replace("leak-roles", "`leak-roles`"),
            rule.fix
                .as_ref()
                .map_or("none", |f| f.applicability.as_str()),
            rule.doc.summary.replace('|', "\\|")
        ));
    }
    out
}
