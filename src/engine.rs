//! Runs the enabled rules over one profile: roles and conditions, message templates, fix
//! applicability, then suppression comments. Pure: it sees a [`Profile`], never a file.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::diagnostic::{Applicability, Diagnostic, Fix, Label, Severity};
use crate::model::{Loc, Profile, Role};
pub use crate::rules::Detail;
use crate::rules::params::{Client, ClientView};
use crate::rules::placement;
use crate::rules::{
    AppliesTo, Condition, Context, Finding, Params, Rule, UNUSED_SUPPRESSION, render,
};
use crate::suppression::{self, Scope, Suppression};
use crate::syntax::OPTION_LINE_SIZE;

/// How a run is configured for one file: which rules, at which severity, with which params.
#[derive(Debug, Clone)]
pub struct FileSettings<'a> {
    pub params: &'a Params,
    /// Forces the role (a template without a `client` line).
    pub role: Option<Role>,
    /// A server config in the profile's folder, as `server` would name it, when no `server`
    /// is set (for the `server-config-nearby` notes).
    pub nearby_server: Option<&'a str>,
    /// How much of each finding the run shows.
    pub detail: Detail,
}

/// The rules of a run, after `select`/`ignore` and severity overrides: every rule that is on
/// for at least one file.
#[derive(Debug)]
pub struct Engine {
    pub rules: Vec<Rule>,
}

/// Per-file changes to the run's rules (from `[[overrides]]`): rules that are off for the file,
/// and severities that differ from the rule's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleChoices {
    pub off: BTreeSet<String>,
    pub severity: BTreeMap<String, Severity>,
}

impl RuleChoices {
    fn on(&self, rule: &Rule) -> bool {
        !self.off.contains(&rule.id)
    }
}

impl Engine {
    /// Whether some of `diagnostics` would say more if a server config in the profile's
    /// folder were known (their rule has a `server-config-nearby` note).
    pub fn wants_nearby_server(&self, diagnostics: &[Diagnostic]) -> bool {
        self.rules
            .iter()
            .filter(|rule| {
                rule.notes
                    .iter()
                    .any(|note| note.when.contains(&Condition::ServerConfigNearby))
            })
            .any(|rule| diagnostics.iter().any(|d| d.rule == rule.id))
    }

    pub fn lint(&self, profile: &Profile, settings: &FileSettings) -> Vec<Diagnostic> {
        self.lint_with(profile, settings, &RuleChoices::default())
    }

    /// [`Engine::lint`] with some rules off, or at another severity, for this file.
    pub fn lint_with(
        &self,
        profile: &Profile,
        settings: &FileSettings,
        choices: &RuleChoices,
    ) -> Vec<Diagnostic> {
        let role = settings.role.unwrap_or(profile.model.role);
        let context = |view| {
            let mut cx = Context::new(profile, settings.params, role);
            cx.nearby_server = settings.nearby_server;
            cx.detail = settings.detail;
            cx.view = view;
            cx
        };
        let mut cx = context(ClientView::Openvpn2);
        let clients = cx.clients().to_vec();
        let views = ClientView::of(&clients);
        // Each view of the profile is judged; a finding that holds for only some of them
        // says for which clients.
        let mut found: Vec<(Diagnostic, Vec<ClientView>)> = Vec::new();
        for &view in &views {
            cx = context(view);
            for rule in &self.rules {
                if rule.id == UNUSED_SUPPRESSION || !choices.on(rule) || !applies(rule, &cx) {
                    continue;
                }
                if !rule.when.iter().all(|c| holds(*c, &cx))
                    || rule.unless.iter().any(|c| holds(*c, &cx))
                {
                    continue;
                }
                let mut findings = Vec::new();
                rule.check.run(&cx, &mut findings);
                for finding in findings {
                    let d = to_diagnostic(rule, finding, &cx, true);
                    match found.iter_mut().find(|(seen, _)| {
                        seen.rule == d.rule && seen.loc == d.loc && seen.message == d.message
                    }) {
                        Some((seen, seen_in)) => {
                            seen_in.push(view);
                            // Conditional notes differ by view: keep the sentences of both.
                            if let (Some(kept), Some(more)) = (&seen.note, &d.note)
                                && kept != more
                            {
                                let common = kept
                                    .bytes()
                                    .zip(more.bytes())
                                    .take_while(|(a, b)| a == b)
                                    .count();
                                let common = more[..common].rfind(". ").map_or(0, |i| i + 2);
                                seen.note = Some(format!("{kept} {}", &more[common..]).into());
                            }
                        }
                        None => found.push((d, vec![view])),
                    }
                }
            }
        }
        let mut diagnostics: Vec<Diagnostic> = found
            .into_iter()
            .map(|(mut d, seen_in)| {
                if seen_in.len() < views.len() {
                    d.message = format!("{} (for {})", d.message, client_names(&clients, &seen_in));
                }
                d
            })
            .collect();
        let suppressions = suppression::collect(profile);
        let mut used = vec![BTreeSet::new(); suppressions.len()];
        diagnostics.retain(|d| {
            if suppressions.is_empty() {
                return true;
            }
            let line = profile.sources[d.loc.source]
                .lines()
                .line_of(d.loc.span.start);
            let by = suppressions
                .iter()
                .position(|s| s.covers(&d.rule, d.loc.source, line));
            if let Some(index) = by {
                used[index].insert(d.rule.clone());
            }
            by.is_none()
        });
        if let Some(rule) = self
            .rules
            .iter()
            .find(|r| r.id == UNUSED_SUPPRESSION && choices.on(r))
        {
            for (suppression, used) in suppressions.iter().zip(&used) {
                if let Some(d) = self.unused(rule, suppression, used, &cx, choices) {
                    diagnostics.push(d);
                }
            }
        }
        if !choices.severity.is_empty() {
            for d in &mut diagnostics {
                if let Some(severity) = choices.severity.get(&d.rule) {
                    d.severity = *severity;
                }
            }
        }
        diagnostics.sort_by(|a, b| {
            (a.loc.source, a.loc.span.start, &a.rule).cmp(&(
                b.loc.source,
                b.loc.span.start,
                &b.rule,
            ))
        });
        diagnostics
    }

    /// An `unused-suppression` diagnostic for ids that suppressed nothing. Ids of rules that are
    /// not enabled in this run are left alone: nobody can tell whether they would have fired.
    fn unused(
        &self,
        rule: &Rule,
        suppression: &Suppression,
        used: &BTreeSet<String>,
        cx: &Context,
        choices: &RuleChoices,
    ) -> Option<Diagnostic> {
        let profile = cx.profile;
        let known = |id: &str| {
            crate::rules::BUILTIN_IDS.contains(&id) || self.rules.iter().any(|r| r.id == id)
        };
        let enabled =
            |id: &str| id == "all" || self.rules.iter().any(|r| r.id == id && choices.on(r));
        let mut unknown = Vec::new();
        let mut unused = Vec::new();
        for id in &suppression.ids {
            if id != "all" && !known(id) {
                unknown.push(id.as_str());
            } else if enabled(id) && !used.contains(id) && (id != "all" || used.is_empty()) {
                unused.push(id.as_str());
            }
        }
        if unknown.is_empty() && unused.is_empty() {
            return None;
        }
        let mut parts = Vec::new();
        if !unused.is_empty() {
            parts.push(format!(
                "suppression of `{}` suppresses nothing",
                unused.join("`, `")
            ));
        }
        if !unknown.is_empty() {
            parts.push(format!("`{}` is not a rule id", unknown.join("`, `")));
        }
        let reason = parts.join("; ");
        let all_unneeded = unknown.len() + unused.len() == suppression.ids.len();
        let edits = if all_unneeded && suppression.loc.source == 0 {
            vec![suppression::delete(profile, suppression)]
        } else {
            Vec::new()
        };
        let finding = Finding::at(suppression.loc.clone())
            .var("reason", reason)
            .var(
                "ids",
                unused
                    .iter()
                    .chain(&unknown)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", "),
            );
        let fix = crate::rules::FindingFix::new("delete the suppression comment", edits);
        // Deleting a suppression comment stays safe in a refused file or a template.
        Some(to_diagnostic(rule, finding.fix(fix), cx, false))
    }
}

/// The configured clients whose view is one of `views`, as `clients` names them.
pub fn client_names(clients: &[Client], views: &[ClientView]) -> String {
    clients
        .iter()
        .filter(|c| views.contains(&c.view()))
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn applies(rule: &Rule, cx: &Context) -> bool {
    match &rule.applies_to {
        AppliesTo::Any => true,
        AppliesTo::Roles(roles) => roles.contains(&cx.role),
        AppliesTo::Param(name) => cx
            .params
            .roles(name)
            .is_some_and(|roles| roles.contains(&cx.role)),
    }
}

/// Whether a `when`/`unless` fact holds for this profile.
pub fn holds(condition: Condition, cx: &Context) -> bool {
    use crate::model::tunnel::TunnelAddress;
    match condition {
        Condition::ServerPushesIfconfigIpv6 => matches!(
            cx.tunnel().address,
            Some(TunnelAddress::Pushed(_) | TunnelAddress::Assumed(_))
        ),
        Condition::ServerPushesRoutesIpv6 => cx.tunnel().receives_pushed_routes(),
        Condition::Openvpn3Clients => cx.clients().iter().any(|c| c.view().is_openvpn3()),
        Condition::Openvpn2 => cx.view == ClientView::Openvpn2,
        Condition::Openvpn3 => cx.view.is_openvpn3(),
        Condition::OpenvpnConnect => cx.view == ClientView::OpenvpnConnect,
        Condition::Openvpn3Linux => cx.view == ClientView::Openvpn3Linux,
        Condition::NoIpv6Tunnel => cx.view.is_openvpn3() && cx.tunnel().address.is_none(),
        Condition::AwsVpnClient => cx.clients().contains(&Client::AwsVpnClient),
        Condition::Ipv6Routed => {
            let covered = cx.tunnel().covered();
            cx.params
                .required_coverage
                .iter()
                .all(|net| covered.covers(net))
        }
        Condition::SplitTunnel => cx.params.split_tunnel,
        Condition::EndpointAssignsIpv6 => cx.params.traffic_ip_address_type.carries_ipv6(),
        Condition::AwsProfile => cx.aws_endpoint().is_some(),
        Condition::ServerConfigNearby => cx.nearby_server.is_some(),
        Condition::EndpointUnlinked => cx.profile.endpoint.is_none(),
    }
}

/// A finding as a diagnostic. With `file_limits_fixes`, the fixes of a file OpenVPN refuses or
/// of a template are at most unsafe.
fn to_diagnostic(
    rule: &Rule,
    finding: Finding,
    cx: &Context,
    file_limits_fixes: bool,
) -> Diagnostic {
    let lookup = |name: &str| finding.vars.get(name).map(|v| Cow::Borrowed(v.as_str()));
    let message = render(&rule.message, lookup);
    let loc = finding.loc.unwrap_or(Loc {
        source: 0,
        span: 0..0,
    });
    if cx.detail == Detail::Message {
        return Diagnostic {
            rule: rule.id.clone(),
            severity: rule.severity,
            message,
            loc,
            label: String::new(),
            labels: Vec::new(),
            note: None,
            fix: None,
        };
    }
    let label = render(&rule.label, lookup);
    let fix = match (&rule.fix, finding.fix) {
        (Some(spec), Some(found)) => {
            let mut applicability = spec.applicability.min(found.at_most);
            let file_needs_unsafe =
                file_limits_fixes && (!cx.profile.model.errors.is_empty() || cx.templated());
            if spec.unsafe_when.iter().any(|c| holds(*c, cx)) || file_needs_unsafe {
                applicability = applicability.min(Applicability::Unsafe);
            }
            if spec.display_only_when.iter().any(|c| holds(*c, cx)) {
                applicability = Applicability::DisplayOnly;
            }
            if found.edits.is_empty()
                || found
                    .edits
                    .iter()
                    .any(|e| makes_long_line(cx.profile.top().text(), e))
            {
                applicability = Applicability::DisplayOnly;
            }
            Some(Fix {
                description: spec
                    .description
                    .as_deref()
                    .map_or(found.description, |d| render(d, lookup)),
                applicability,
                edits: found.edits,
            })
        }
        _ => None,
    };
    Diagnostic {
        rule: rule.id.clone(),
        severity: rule.severity,
        message,
        loc,
        label,
        labels: finding
            .labels
            .into_iter()
            .map(|l| Label {
                loc: l.loc,
                message: l.message,
            })
            .chain(endpoint_facts(rule, cx).into_iter().flat_map(|linked| {
                linked.facts.iter().map(|(loc, message)| Label {
                    loc: loc.clone(),
                    message: message.clone(),
                })
            }))
            .collect(),
        note: Some(note(rule, cx)),
        fix,
    }
}

/// The rule's note, with the sentences of its conditional notes that hold, and what is unknown
/// of the profile's endpoint when the verdict reads its facts.
fn note(rule: &Rule, cx: &Context) -> Arc<str> {
    let mut extras = rule
        .notes
        .iter()
        .filter(|extra| extra.when.iter().all(|c| holds(*c, cx)))
        .peekable();
    let unknown = endpoint_facts(rule, cx).filter(|linked| !linked.unknown.is_empty());
    if extras.peek().is_none() && unknown.is_none() {
        return Arc::clone(&rule.doc.note);
    }
    let mut note = rule.doc.note.to_string();
    for extra in extras {
        note.push(' ');
        note.push_str(&render(&extra.text, |name| {
            (name == "nearby-server").then(|| Cow::Borrowed(cx.nearby_server.unwrap_or_default()))
        }));
    }
    if let Some(linked) = unknown {
        note.push_str(&format!(
            " Of the endpoint `{}`: {}.",
            linked.name,
            linked.unknown.join("; ")
        ));
    }
    note.into()
}

/// The profile's linked endpoint, when the rule's verdict depends on its facts: its conditions
/// name the split tunnel or the endpoint's IPv6, or its check reads them.
fn endpoint_facts<'p>(rule: &Rule, cx: &Context<'p>) -> Option<&'p crate::model::LinkedEndpoint> {
    let linked = cx.profile.endpoint.as_ref()?;
    let reads =
        |c: &Condition| matches!(c, Condition::SplitTunnel | Condition::EndpointAssignsIpv6);
    let in_fix = rule
        .fix
        .iter()
        .flat_map(|f| f.unsafe_when.iter().chain(&f.display_only_when));
    let depends = rule
        .when
        .iter()
        .chain(&rule.unless)
        .chain(in_fix)
        .any(reads)
        || rule.check.reads_endpoint_facts();
    depends.then_some(linked)
}

/// An edit must not make any line 256 bytes or longer (its ending, and a BOM on line 1, count).
fn makes_long_line(text: &[u8], edit: &crate::diagnostic::Edit) -> bool {
    let start = placement::line_start(text, edit.span.start);
    let end =
        memchr::memchr(b'\n', &text[edit.span.end..]).map_or(text.len(), |i| edit.span.end + i + 1);
    // The lines of the edited text, measured piece by piece rather than built.
    let pieces = [
        &text[start..edit.span.start],
        edit.replacement.as_bytes(),
        &text[edit.span.end..end],
    ];
    let mut line = 0;
    for piece in pieces {
        for chunk in piece.split_inclusive(|&b| b == b'\n') {
            line += chunk.len();
            if line >= OPTION_LINE_SIZE {
                return true;
            }
            if chunk.ends_with(b"\n") {
                line = 0;
            }
        }
    }
    false
}

impl Suppression {
    fn covers(&self, rule: &str, source: usize, line: usize) -> bool {
        let id_matches = self.ids.iter().any(|id| id == rule || id == "all");
        id_matches
            && match self.scope {
                Scope::File => true,
                Scope::Line(target) => self.loc.source == source && target == line,
            }
    }
}
