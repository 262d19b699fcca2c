//! The Jinja2 renderer: whitespace rules, unknown values, the map back to the template, and
//! bad input. (Agreement with ansible-core on known values is tests/jinja2_ansible.rs.)

use std::path::{Path, PathBuf};

use ovpn6_lint::template::ansible_vars::{VarSource, VarValue, Variables};
use ovpn6_lint::template::jinja2::{self, Included, Jinja2Template, RenderError};
use ovpn6_lint::template::{Origin, PieceKind, Rendered, UnknownCondition, unknown_word};

const TEMPLATE: &str = "roles/vpn/templates/server.conf.j2";
const DEFAULTS: &str = "roles/vpn/defaults/main.yml";

fn variables(defaults: &str) -> Variables {
    Variables::layered(&[VarSource::File {
        path: Path::new(DEFAULTS),
        text: defaults,
    }])
    .unwrap()
}

fn render_full(
    text: &str,
    defaults: &str,
    includes: &[(&str, &str)],
    fuel: u64,
) -> Result<Rendered, RenderError> {
    let variables = variables(defaults);
    let load_include = |name: &str| -> Result<Included, String> {
        includes
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(known, text)| Included {
                path: PathBuf::from("roles/vpn/templates").join(known),
                text: text.to_string(),
            })
            .ok_or_else(|| "it is outside the repository".to_string())
    };
    let rendered = jinja2::render(&Jinja2Template {
        path: Path::new(TEMPLATE),
        text,
        variables: &variables,
        load_include: &load_include,
        fuel,
    })?;
    check_map(text, &rendered);
    Ok(rendered)
}

fn render(text: &str, defaults: &str) -> Rendered {
    render_full(text, defaults, &[], jinja2::DEFAULT_FUEL).unwrap_or_else(|e| panic!("{e}"))
}

fn render_error(text: &str, defaults: &str, fuel: u64) -> RenderError {
    match render_full(text, defaults, &[], fuel) {
        Ok(rendered) => panic!("rendered {:?}", rendered.text),
        Err(error) => error,
    }
}

/// The map's invariants: pieces cover the text in order, each literal is a copy of its template
/// slice, and every value points at a whole `{{ }}` tag (or an `{% include %}`).
fn check_map(template: &str, rendered: &Rendered) {
    let mut end = 0;
    for piece in &rendered.pieces {
        assert_eq!(
            piece.rendered.start, end,
            "pieces are contiguous: {rendered:#?}"
        );
        assert!(piece.rendered.end > piece.rendered.start, "no empty piece");
        end = piece.rendered.end;
        let text = &rendered.text[piece.rendered.clone()];
        let source = &template[piece.source.clone()];
        match &piece.kind {
            PieceKind::Literal => assert_eq!(text, source, "a literal is a copy of the template"),
            PieceKind::Value { .. } => assert!(
                (source.starts_with("{{") && source.ends_with("}}"))
                    || source.starts_with("{% include")
                    || source.starts_with("{% import"),
                "a value points at its placeholder: {source:?}"
            ),
            PieceKind::Unknown { name } => {
                assert_eq!(text, unknown_word(name));
                assert!(
                    source.starts_with("{{") && source.ends_with("}}"),
                    "{source:?}"
                );
            }
        }
    }
    assert_eq!(end, rendered.text.len(), "pieces cover the text");
}

fn tag(template: &str, tag: &str) -> std::ops::Range<usize> {
    let start = template.find(tag).unwrap();
    start..start + tag.len()
}

#[test]
fn trim_blocks_is_on_and_the_header_can_turn_it_off() {
    let body = "{% if tun %}\ndev tun\n{% endif %}\nproto udp\n";
    assert_eq!(render(body, "tun: yes").text, "dev tun\nproto udp\n");
    let header = format!("#jinja2: trim_blocks: False, lstrip_blocks: True\n  {body}");
    assert_eq!(render(&header, "tun: yes").text, "\ndev tun\n\nproto udp\n");
}

#[test]
fn whitespace_control_markers_apply() {
    let rendered = render(
        "a  {%- if t -%}  \n b {{- v -}}  c{% endif %}\n",
        "t: true\nv: 1",
    );
    assert_eq!(rendered.text, "ab1c\n");
}

#[test]
fn a_loop_body_repeats_pieces_that_point_at_the_same_template_bytes() {
    let template = "{% for r in routes %}\nroute-ipv6 {{ r }}\n{% endfor %}\n";
    let rendered = render(template, "routes: ['2001:db8::/32', '2001:db8:1::/48']");
    assert_eq!(
        rendered.text,
        "route-ipv6 2001:db8::/32\nroute-ipv6 2001:db8:1::/48\n"
    );
    let placeholder = tag(template, "{{ r }}");
    let values: Vec<_> = rendered
        .pieces
        .iter()
        .filter(|piece| piece.source == placeholder)
        .collect();
    assert_eq!(values.len(), 2);
    // A loop variable's value comes from the list it walks.
    let PieceKind::Value { origin } = &values[0].kind else {
        panic!("{:?}", values[0])
    };
    assert_eq!(
        *origin,
        Origin {
            name: "routes".to_string(),
            path: PathBuf::from(DEFAULTS),
            line: Some(1)
        }
    );
    let literal = tag(template, "route-ipv6 ");
    assert_eq!(
        rendered
            .pieces
            .iter()
            .filter(|piece| piece.source == literal)
            .count(),
        2
    );
}

#[test]
fn a_value_points_at_the_line_that_set_it() {
    let template = "port {{ port }}\n";
    let rendered = render(template, "# defaults\nproto: udp\nport: 1194\n");
    assert_eq!(rendered.text, "port 1194\n");
    let value = &rendered.pieces[1];
    assert_eq!(value.source, tag(template, "{{ port }}"));
    assert_eq!(
        value.kind,
        PieceKind::Value {
            origin: Origin {
                name: "port".to_string(),
                path: PathBuf::from(DEFAULTS),
                line: Some(3)
            }
        }
    );
}

#[test]
fn an_unknown_value_is_one_word_at_its_placeholder() {
    let template = "server-ipv6 {{ net }}\nroute {{ extra.routes | join(' ') }}\n";
    let rendered = render(template, "");
    assert_eq!(
        rendered.text,
        format!(
            "server-ipv6 {}\nroute {}\n",
            unknown_word("net"),
            unknown_word("extra")
        )
    );
    assert_eq!(rendered.pieces[1].source, tag(template, "{{ net }}"));
    assert_eq!(
        rendered.pieces[1].kind,
        PieceKind::Unknown {
            name: "net".to_string()
        }
    );
    assert!(rendered.unknown_conditions.is_empty());
}

#[test]
fn a_missing_key_of_a_known_mapping_is_unknown() {
    let rendered = render("{{ srv.port }} {{ srv.missing }}", "srv: {port: 1}");
    assert_eq!(rendered.text, format!("1 {}", unknown_word("srv.missing")));
}

#[test]
fn a_condition_on_an_unknown_value_is_false_whatever_its_form() {
    let template = "{% if x %}A{% endif %}{% if not x %}B{% endif %}\
                    {% if x != 'udp' %}C{% elif y %}D{% else %}E{% endif %}\
                    {% if x is defined %}F{% endif %}{% if x is not defined %}G{% endif %}|";
    let rendered = render(template, "y: true");
    // The elif on the known `y` runs: only the `if` it belongs to is unknown.
    assert_eq!(rendered.text, "D|");
    let sources: Vec<_> = rendered
        .unknown_conditions
        .iter()
        .map(|condition| &template[condition.source.clone()])
        .collect();
    assert_eq!(
        sources,
        [
            "{% if x %}",
            "{% if not x %}",
            "{% if x != 'udp' %}",
            "{% if x is defined %}",
            "{% if x is not defined %}"
        ]
    );
    assert!(rendered.unknown_conditions.iter().all(|c| c.names == ["x"]));
}

#[test]
fn a_loop_over_an_unknown_value_runs_no_iteration_and_is_recorded() {
    let template = "{% for r in routes %}\nroute-ipv6 {{ r }}\n{% endfor %}\nend\n";
    let rendered = render(template, "");
    assert_eq!(rendered.text, "end\n");
    assert_eq!(
        rendered.unknown_conditions,
        [UnknownCondition {
            source: tag(template, "{% for r in routes %}"),
            names: vec!["routes".to_string()]
        }]
    );
}

#[test]
fn filters_on_unknown_values_give_unknown_values_but_default_gives_the_default() {
    let rendered = render(
        "{{ net | upper }} {{ proto | default('udp') }} {{ mtu | d(1500) | int }} {{ (n | default(1)) + 1 }}",
        "",
    );
    assert_eq!(rendered.text, format!("{} udp 1500 2", unknown_word("net")));
}

#[test]
fn filters_and_tests_not_implemented_give_unknown_values() {
    let template = "{{ net | ansible.utils.ipaddr('network') }}\n\
                    {% if net is ansible.utils.ipv6 %}v6{% endif %}{% if net is match('fd') %}fd{% endif %}\n\
                    {{ [1, 2] | flatten | length }}\n";
    let rendered = render(template, "net: fd00::/64");
    let lines: Vec<&str> = rendered.text.lines().collect();
    // trim_blocks eats the newline after the second line's last `{% endif %}`.
    assert_eq!(lines.len(), 2, "{:?}", rendered.text);
    assert!(ovpn6_lint::template::is_unknown_word(lines[0]), "{lines:?}");
    assert!(ovpn6_lint::template::is_unknown_word(lines[1]), "{lines:?}");
    assert_eq!(rendered.unknown_conditions.len(), 2);
}

#[test]
fn values_that_are_templates_are_rendered_and_unknown_when_they_use_unknowns() {
    let defaults = "prefix: 'fd00:1'\nnet: \"{{ prefix }}::/64\"\nport: \"{{ base + 1 }}\"\nbase: 1193\nother: \"{{ missing }}/64\"\n";
    let rendered = render(
        "{{ net }} {{ port }} {{ port is number }} {{ other }}",
        defaults,
    );
    assert_eq!(
        rendered.text,
        format!("fd00:1::/64 1194 True {}", unknown_word("other"))
    );
}

#[test]
fn yaml_1_1_booleans_reach_the_template_as_booleans() {
    let defaults = "a: yes\nb: no\nc: on\nd: off\ne: 'yes'\nf: y\n";
    let rendered = render(
        "{{ a }} {{ b }} {{ c }} {{ d }} {{ e }} {{ e | bool }} {{ f }} {{ f | bool }}",
        defaults,
    );
    assert_eq!(rendered.text, "True False True False yes True y False");
}

#[test]
fn layering_takes_the_last_source_that_sets_a_name() {
    let variables = Variables::layered(&[
        VarSource::File {
            path: Path::new(DEFAULTS),
            text: "proto: udp\nport: 1194\n",
        },
        VarSource::File {
            path: Path::new("group_vars/vpn.yml"),
            text: "port: 443\n",
        },
        VarSource::File {
            path: Path::new("roles/vpn/vars/main.yml"),
            text: "proto: tcp\n",
        },
        VarSource::Inline {
            path: Path::new("ovpn6-lint.toml"),
            line: Some(7),
            values: vec![("port".to_string(), VarValue::Int(8443))],
        },
    ])
    .unwrap();
    let no_includes = |_: &str| -> Result<Included, String> { Err("none".to_string()) };
    let rendered = jinja2::render(&Jinja2Template {
        path: Path::new(TEMPLATE),
        text: "{{ proto }} {{ port }}",
        variables: &variables,
        load_include: &no_includes,
        fuel: jinja2::DEFAULT_FUEL,
    })
    .unwrap();
    assert_eq!(rendered.text, "tcp 8443");
    let PieceKind::Value { origin } = &rendered.pieces[2].kind else {
        panic!()
    };
    assert_eq!(origin.path, PathBuf::from("ovpn6-lint.toml"));
    assert_eq!(origin.line, Some(7));
}

#[test]
fn an_include_maps_to_its_tag() {
    let template = "a\n{% include 'part.j2' %}\nb {{ x }}\n";
    let rendered = render_full(
        template,
        "x: 1\ny: 2",
        &[("part.j2", "part {{ y }}\n")],
        jinja2::DEFAULT_FUEL,
    )
    .unwrap();
    assert_eq!(rendered.text, "a\npart 2b 1\n");
    let include = tag(template, "{% include 'part.j2' %}");
    let included: Vec<_> = rendered
        .pieces
        .iter()
        .filter(|p| p.source == include)
        .collect();
    assert_eq!(included.len(), 2, "{:#?}", rendered.pieces);
    let PieceKind::Value { origin } = &included[0].kind else {
        panic!()
    };
    assert_eq!(origin.path, PathBuf::from("roles/vpn/templates/part.j2"));
}

#[test]
fn a_syntax_error_says_where() {
    let error = render_error("a\nb\n{% if x %}\nc\n", "", jinja2::DEFAULT_FUEL);
    assert!(error.message.contains("not closed"), "{error}");
    assert_eq!(error.path, PathBuf::from(TEMPLATE));
    assert_eq!(error.line, Some(3), "{error}");
    let error = render_error("a\n{{ x\nb\n", "", jinja2::DEFAULT_FUEL);
    assert_eq!(error.line, Some(2), "{error}");
    let error = render_error("a\n\n{{ x + }}\n", "", jinja2::DEFAULT_FUEL);
    assert_eq!(error.line, Some(3), "{error}");
    let error = render_error("#jinja2: variable_start_string: '[['\nx\n", "", 10);
    assert_eq!(error.line, Some(1), "{error}");
}

#[test]
fn a_runaway_render_is_stopped_with_its_line() {
    let template =
        "ok\n{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}\n";
    let error = render_error(template, "", 10_000);
    assert!(error.message.contains("stopped"), "{error}");
    assert_eq!(error.line, Some(2), "{error}");
}

#[test]
fn an_include_the_caller_refuses_is_an_error_at_the_tag() {
    let error = render_error(
        "a\n{% include '../../../etc/passwd' %}\n",
        "",
        jinja2::DEFAULT_FUEL,
    );
    assert_eq!(error.line, Some(2));
    assert!(error.message.contains("outside the repository"), "{error}");
}

#[test]
fn a_value_that_refers_to_itself_is_an_error_at_its_line() {
    let error = render_error(
        "{{ a }}",
        "a: \"{{ b }}\"\nb: \"{{ a }}\"\n",
        jinja2::DEFAULT_FUEL,
    );
    assert_eq!(error.path, PathBuf::from(DEFAULTS));
    assert!(error.line.is_some());
    assert!(error.message.contains("refers to itself"), "{error}");
}

#[test]
fn the_else_of_a_loop_over_an_unknown_value_does_not_run_either() {
    let template = "{% for r in routes %}route {{ r }}\n{% else %}no routes\n{% endfor %}\
                    {% for r in [] %}x{% else %}empty\n{% endfor %}";
    let rendered = render(template, "");
    assert_eq!(rendered.text, "empty\n");
    assert_eq!(rendered.unknown_conditions.len(), 1);
    let known = render(template, "routes: []");
    assert_eq!(known.text, "no routes\nempty\n");
    assert!(known.unknown_conditions.is_empty());
}

#[test]
fn values_that_are_templates_follow_trim_blocks_too() {
    let defaults = "lines: \"{% for n in [1, 2] %}\\nr{{ n }}\\n{% endfor %}\"\n";
    assert_eq!(render("{{ lines }}|", defaults).text, "r1\nr2\n|");
}

#[test]
fn the_header_accepts_the_default_newline_sequence_only() {
    let ok = "#jinja2: newline_sequence: '\\n', trim_blocks: True\nx\n";
    assert_eq!(render(ok, "").text, "x\n");
    let error = render_error("#jinja2: newline_sequence: '\\r\\n'\nx\n", "", 10);
    assert!(error.message.contains("newline_sequence"), "{error}");
}

#[test]
fn a_multi_line_tag_error_points_at_the_tag() {
    let error = render_error("a\nb\n{{ x |\n  nofilter( }}\n", "", jinja2::DEFAULT_FUEL);
    assert_eq!(error.line, Some(3), "{error}");
}

#[test]
fn a_key_a_known_mapping_lacks_is_not_defined() {
    let rendered = render(
        "{% for r in rs %}{% if r.proto is defined %}D{% else %}U{% endif %}{{ r.port is undefined }}{{ r.host is defined }}{% endfor %}",
        "rs: [{host: a}]",
    );
    assert_eq!(rendered.text, "UTrueTrue");
}

#[test]
fn an_imported_macro_maps_to_the_call() {
    let template = "{% import 'macros.j2' as m %}\n{{ m.remote(host) }}\n";
    let rendered = render_full(
        template,
        "host: vpn.example.net",
        &[(
            "macros.j2",
            "{% macro remote(h) %}remote {{ h }} 1194{% endmacro %}\n",
        )],
        jinja2::DEFAULT_FUEL,
    )
    .unwrap();
    assert_eq!(rendered.text, "remote vpn.example.net 1194\n");
    // The macro's text comes out of the `{{ }}` that calls it: that is where findings point.
    let call = tag(template, "{{ m.remote(host) }}");
    assert!(
        rendered
            .pieces
            .iter()
            .all(|piece| piece.source == call || piece.source.start >= call.end),
        "{:#?}",
        rendered.pieces
    );
}

#[test]
fn a_render_that_grows_too_large_is_stopped_with_its_line() {
    let template = "a\n{% for i in range(1000) %}{{ 'x' * 1000000 }}{% endfor %}\n";
    let error = render_error(template, "", jinja2::DEFAULT_FUEL);
    assert!(error.message.contains("grew past"), "{error}");
    assert_eq!(error.line, Some(2), "{error}");
    let literal = format!("{}\n", "y".repeat(10_000));
    let template = format!(
        "{{% for i in range(1000) %}}{{% for j in range(10) %}}{literal}{{% endfor %}}{{% endfor %}}"
    );
    let error = render_error(&template, "", jinja2::DEFAULT_FUEL);
    assert!(error.message.contains("grew past"), "{error}");
}

#[test]
fn a_block_left_open_or_closed_wrongly_is_reported_at_its_tag() {
    let error = render_error("a\n{% for r in rs %}\n{% if r %}\nx\n{% endif %}\n", "", 10);
    assert_eq!(error.line, Some(2), "{error}");
    assert!(error.message.contains("not closed"), "{error}");
    let error = render_error("{% if a %}\n{% endfor %}\n", "", 10);
    assert_eq!(error.line, Some(2), "{error}");
    assert!(error.message.contains("line 1"), "{error}");
}

#[test]
fn lstrip_blocks_strips_indentation_left_on_a_line_after_a_trimmed_newline() {
    let template = "#jinja2: trim_blocks: True, lstrip_blocks: True\n{% if t %}\n  {% endif %}x";
    assert_eq!(render(template, "t: true").text, "x");
}

#[test]
fn a_vault_value_is_unknown() {
    let defaults = "secret: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n";
    let rendered = render("auth-token {{ secret }}\n", defaults);
    assert_eq!(
        rendered.text,
        format!("auth-token {}\n", unknown_word("secret"))
    );
}

#[test]
fn a_reserved_character_in_the_template_or_a_value_is_refused_with_its_line() {
    let error = render_error("a\nb \u{E000}1\u{E001}\n", "", 10);
    assert_eq!(error.line, Some(2), "{error}");
    assert!(error.message.contains("private-use"), "{error}");
    let error = render_error("{{ v }}", "w: 1\nv: \"x\u{E002}\"\n", jinja2::DEFAULT_FUEL);
    assert_eq!(
        (error.path.to_str(), error.line),
        (Some(DEFAULTS), Some(2)),
        "{error}"
    );
}
