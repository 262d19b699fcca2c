//! `--inspect`: the model of each file as JSON, with the field names of design §5.

use serde_json::{Value, json};

use crate::model::{DroppedRoute, Problem, Profile};

/// The JSON object for one profile; `path` is how the report names it.
pub fn to_json(profile: &Profile, path: &str) -> Value {
    let model = &profile.model;
    let line = |loc: &crate::model::Loc| profile.line_of(loc);
    let located = |loc: &crate::model::Loc, mut value: Value| {
        value["line"] = json!(line(loc));
        if loc.source != 0 {
            value["file"] = json!(profile.sources[loc.source].path.display().to_string());
        }
        value
    };
    let dropped = |routes: &[DroppedRoute]| -> Vec<Value> {
        routes
            .iter()
            .map(|r| located(&r.loc, json!({ "spec": r.spec })))
            .collect()
    };
    let problems = |problems: &[Problem]| -> Vec<Value> {
        problems
            .iter()
            .map(|p| located(&p.loc, json!({ "message": p.message })))
            .collect()
    };
    json!({
        "path": path,
        "role": model.role,
        "dev": model.dev.as_ref().map(|d| &d.value),
        "dev_type": model.dev_type,
        "ifconfig_ipv6": model.ifconfig_ipv6.as_ref().map(|i| located(&i.loc, json!({
            "local": i.local, "bits": i.bits, "remote": i.remote,
        }))),
        "routes_ipv6": model.routes_ipv6.iter().map(|r| {
            let value = json!({
                "network": r.network.to_string(),
                "gateway": r.gateway.map(|g| g.to_string()),
                "metric": r.metric,
            });
            match &r.option {
                Some(source) => located(&profile.route_line(source).loc, value),
                None => value,
            }
        }).collect::<Vec<_>>(),
        "dropped_routes_ipv6": dropped(&model.dropped_routes_ipv6),
        "named_routes_ipv6": dropped(&model.named_routes_ipv6),
        "redirect_ipv6": model.redirect.ipv6,
        "block_ipv6": model.block_ipv6.is_some(),
        "route_nopull": model.route_nopull.is_some(),
        "pull_filters": model.pull_filters.iter().map(|f| located(&f.loc, json!({
            "action": f.action, "text": f.text,
        }))).collect::<Vec<_>>(),
        "errors": problems(&model.errors),
        "ignored": problems(&model.ignored),
    })
}
