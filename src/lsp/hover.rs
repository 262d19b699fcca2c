//! Hover: on an IPv6 directive, what it does in the tunnel view (the routes it adds, which part
//! of each required prefix — 2000::/3 by default — they carry, and what the whole profile still
//! leaves outside); on an IPv6 address anywhere in the file, the `--route` answer.

use std::fmt::Write as _;
use std::net::Ipv6Addr;
use std::ops::Range;
use std::path::Path;

use ipnet::Ipv6Net;

use crate::model::tunnel::{Effect, Origin, Tunnel, TunnelAddress};
use crate::model::{DropReason, OptionLine, Profile};
use crate::prefix::{PrefixSet, join};
use crate::report::display_path;
use crate::route_query;
use crate::workspace::{Workspace, load_profile};

/// Markdown for the place at byte `offset` of `path` holding `text`, and the bytes it is about.
pub fn hover(
    workspace: &Workspace,
    path: &Path,
    text: Vec<u8>,
    offset: usize,
) -> Option<(String, Range<usize>)> {
    // A template's lines are not one profile's: its tunnel view is not shown.
    if workspace.template_language(path, &text, true).is_some() {
        return None;
    }
    let input = workspace.explicit_input(path);
    let params = workspace.config.for_file(&input.relative).ok()?.params;
    let (profile, tunnel) = workspace
        .tunnel_view(load_profile(path, text), &input.relative)
        .ok()?;
    let top = profile.top().text();
    let mut parts = Vec::new();
    let mut about = None;
    let on_line =
        profile.model.options.iter().enumerate().find(|(_, o)| {
            o.loc.source == 0 && o.loc.span.start <= offset && offset <= o.loc.span.end
        });
    if let Some((index, option)) = on_line {
        let line = &top[option.loc.span.clone()];
        if memchr::memmem::find(line, b"ipv6").is_some() {
            parts.push(directive(
                &profile,
                &tunnel,
                index,
                option,
                &params.required_coverage,
            ));
            about = Some(option.loc.span.clone());
        }
    }
    if let Some(span) = address_at(top, offset)
        && let Ok(address) = std::str::from_utf8(&top[span.clone()])
        && let Some(answer) = route_query::answer(&profile, &tunnel, address)
    {
        let name = display_path(path);
        let line = route_query::human(&name, &answer);
        let said = line
            .trim_end()
            .strip_prefix(&format!("{name}: "))
            .unwrap_or(line.trim_end());
        parts.push(format!("`--route {address}`: {said}"));
        about.get_or_insert(span);
    }
    (!parts.is_empty()).then(|| (parts.join("\n\n---\n\n"), about.unwrap_or(offset..offset)))
}

/// What one IPv6 directive does in the tunnel view.
fn directive(
    profile: &Profile,
    tunnel: &Tunnel,
    index: usize,
    option: &OptionLine,
    required: &[Ipv6Net],
) -> String {
    let top = profile.top().text();
    let line_text = String::from_utf8_lossy(&top[option.loc.span.clone()]);
    let mut out = format!("**`{}`** in the tunnel view:\n", line_text.trim());
    let on_this_line = |loc: &crate::model::Loc| {
        loc.source == option.loc.source
            && option.loc.span.start <= loc.span.start
            && loc.span.start < option.loc.span.end.max(option.loc.span.start + 1)
    };
    let routes: Vec<_> = tunnel
        .routes
        .iter()
        .filter(|r| match &r.origin {
            Origin::RouteLine(i) => *i == index,
            Origin::TunnelPrefix(loc)
            | Origin::Redirect(loc)
            | Origin::Openvpn3Line(loc)
            | Origin::Block(loc) => on_this_line(loc),
            Origin::Pushed(_) | Origin::Assumed(_) => false,
        })
        .collect();
    for route in &routes {
        let effect = match route.effect {
            Effect::Installed => "installed: traffic to it goes into the tunnel",
            Effect::CompetesWithLanDefault => {
                "a length-0 route: it competes with the LAN's default route, and which one \
                 carries traffic depends on their metrics and the order they arrived in"
            }
            Effect::NoTapGateway => {
                "not installed: on tap a route needs a gateway (its own, `route-ipv6-gateway`, \
                 or the tunnel's remote address) or metric 0"
            }
            Effect::Blocked => {
                "a blocking route: traffic to it is dropped, neither tunnelled nor leaked"
            }
        };
        let _ = writeln!(out, "- route `{}`: {effect}", route.network);
    }
    for dropped in &profile.model.dropped_routes_ipv6 {
        if dropped.loc == option.loc || on_this_line(&dropped.loc) {
            let why = match &dropped.reason {
                DropReason::BadAddress => "its network is not an IPv6 address".to_owned(),
                DropReason::BadBits { .. } => "its `/bits` is not a number up to 128".to_owned(),
                DropReason::NegativeMetric(metric) => format!("its metric `{metric}` is negative"),
                DropReason::TapWithoutGateway => {
                    "on tap it has no gateway and a metric other than 0".to_owned()
                }
                DropReason::Name => "it names a host, resolved (or not) when connecting".to_owned(),
            };
            let _ = writeln!(out, "- OpenVPN adds no route for `{}`: {why}", dropped.spec);
        }
    }
    if let Some(TunnelAddress::Own(loc)) = &tunnel.address
        && on_this_line(loc)
    {
        let _ = writeln!(out, "- the tunnel's IPv6 address comes from this line");
    }
    let carried = PrefixSet::from_prefixes(
        routes
            .iter()
            .filter(|r| r.effect == Effect::Installed)
            .map(|r| r.network),
    );
    for net in required {
        let mine: Vec<Ipv6Net> = carried.covered_within(net).collect();
        if !mine.is_empty() {
            let _ = writeln!(
                out,
                "- of `{net}`, this line carries {} ({})",
                listed(&mine),
                share(&mine, net)
            );
        }
        let outside: Vec<Ipv6Net> = tunnel.covered().uncovered(net).take(9).collect();
        if outside.is_empty() {
            let _ = writeln!(
                out,
                "- with every route of the profile, all of `{net}` goes into the tunnel"
            );
        } else {
            let _ = writeln!(
                out,
                "- with every route of the profile, {} of `{net}` stays outside the tunnel: \
                 traffic to it leaves through the local network",
                listed(&outside)
            );
        }
    }
    out
}

/// Prefixes in backticks; the first eight and "more" after them.
fn listed(nets: &[Ipv6Net]) -> String {
    if nets.len() > 8 {
        format!("`{}` and more", join(&nets[..8]).replace(", ", "`, `"))
    } else {
        format!("`{}`", join(nets).replace(", ", "`, `"))
    }
}

/// How much of `whole` the prefixes are, as a share: "1/2 of it", "12.5% of it".
fn share(parts: &[Ipv6Net], whole: &Ipv6Net) -> String {
    let size = |net: &Ipv6Net| 2f64.powi(128 - i32::from(net.prefix_len()));
    let fraction = parts.iter().map(size).sum::<f64>() / size(whole);
    let denominator = (1.0 / fraction).round();
    if fraction >= 1.0 {
        "all of it".to_owned()
    } else if (fraction * denominator - 1.0).abs() < 1e-12 {
        format!("1/{denominator} of it")
    } else {
        format!("{:.3}% of it", fraction * 100.0)
    }
}

/// The IPv6 address under `offset` (a `/bits` after it is left out), if there is one.
fn address_at(text: &[u8], offset: usize) -> Option<Range<usize>> {
    let in_word = |b: u8| b.is_ascii_hexdigit() || b == b':' || b == b'.';
    let mut start = offset.min(text.len());
    while start > 0 && in_word(text[start - 1]) {
        start -= 1;
    }
    let mut end = offset.min(text.len());
    while end < text.len() && in_word(text[end]) {
        end += 1;
    }
    let word = std::str::from_utf8(&text[start..end]).ok()?;
    word.parse::<Ipv6Addr>().ok()?;
    Some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_under_the_cursor_stops_at_its_prefix_length() {
        let text = b"route-ipv6 2000::/4 # or 2001:db8::1";
        assert_eq!(address_at(text, 13), Some(11..17));
        assert_eq!(address_at(text, 30), Some(25..36));
        assert_eq!(address_at(text, 2), None);
    }

    #[test]
    fn shares_are_fractions_when_they_are_one_over_a_power_of_two() {
        let whole: Ipv6Net = "2000::/3".parse().unwrap();
        assert_eq!(share(&["2000::/4".parse().unwrap()], &whole), "1/2 of it");
        assert_eq!(share(&[whole], &whole), "all of it");
    }
}
