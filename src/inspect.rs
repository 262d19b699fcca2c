//! `--inspect`: the model of each file as JSON, with the field names of design §5.

use serde_json::{Value, json};

use crate::model::tunnel::{Effect, Origin, Tunnel, TunnelAddress};
use crate::model::{DroppedRoute, Loc, Problem, Profile, aws};

/// The JSON object for one profile; `path` is how the report names it, `tunnel` its tunnel
/// view under the file's params.
pub fn to_json(profile: &Profile, path: &str, tunnel: &Tunnel) -> Value {
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
            located(&profile.route_line(&r.option).loc, value)
        }).collect::<Vec<_>>(),
        "dropped_routes_ipv6": dropped(&model.dropped_routes_ipv6),
        "named_routes_ipv6": dropped(&model.named_routes_ipv6),
        "redirect_ipv6": model.redirect.ipv6,
        "block_ipv6": model.block_ipv6.is_some(),
        "route_nopull": model.route_nopull.is_some(),
        "pull_filters": model.pull_filters.iter().map(|f| located(&f.loc, json!({
            "action": f.action, "text": f.text,
        }))).collect::<Vec<_>>(),
        "aws_endpoint": aws::endpoint(profile).map(|e| located(&e.loc, json!({
            "endpoint": e.id, "region": e.region,
        }))),
        "tunnel": tunnel_json(profile, tunnel),
        "errors": problems(&model.errors),
        "ignored": problems(&model.ignored),
    })
}

/// The tunnel view: where the tunnel's address and each route into it come from.
fn tunnel_json(profile: &Profile, tunnel: &Tunnel) -> Value {
    let place = |loc: &Loc| {
        json!({
            "file": profile.sources[loc.source].path.display().to_string(),
            "line": profile.line_of(loc),
        })
    };
    let address = tunnel.address.as_ref().map(|address| match address {
        TunnelAddress::Own(loc) => json!({ "from": "profile", "at": place(loc) }),
        TunnelAddress::Pushed(loc) => json!({ "from": "pushed", "at": place(loc) }),
        TunnelAddress::Assumed(why) => json!({ "from": "assumed", "by": why.describe() }),
    });
    let routes: Vec<Value> = tunnel
        .routes
        .iter()
        .map(|route| {
            let (from, at) = match &route.origin {
                Origin::RouteLine(option) => {
                    ("route-ipv6", place(&profile.model.options[*option].loc))
                }
                Origin::TunnelPrefix(loc) => ("ifconfig-ipv6", place(loc)),
                Origin::Redirect(loc) => ("redirect-gateway", place(loc)),
                Origin::Pushed(loc) => ("pushed", place(loc)),
                Origin::Assumed(why) => ("assumed", json!({ "by": why.describe() })),
                Origin::Openvpn3Line(loc) => ("openvpn3-line", place(loc)),
                Origin::Block(loc) => ("block-ipv6", place(loc)),
            };
            json!({
                "network": route.network.to_string(),
                "from": from,
                "at": at,
                "installed": match route.effect {
                    Effect::Installed => "yes",
                    Effect::CompetesWithLanDefault => "competes-with-lan-default",
                    Effect::NoTapGateway => "no-tap-gateway",
                    Effect::Blocked => "blocking",
                },
            })
        })
        .collect();
    let blocked: Vec<Value> = tunnel
        .blocked
        .iter()
        .map(|b| json!({ "option": b.option, "network": b.network.map(|n| n.to_string()), "by": place(&b.by) }))
        .collect();
    json!({ "address": address, "routes": routes, "blocked_pushes": blocked })
}
