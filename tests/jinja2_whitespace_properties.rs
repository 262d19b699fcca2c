//! Property test of the Jinja2 renderer's own whitespace handling (the tracer applies
//! `trim_blocks`, `lstrip_blocks` and `-`/`+` itself, to know which template bytes reach the
//! output): on random templates of text, `{{ }}`, `{% if %}` blocks and comments with random
//! whitespace markers, the traced render must equal minijinja's own render of the same
//! template with the same settings (plus Ansible's trailing-newline rule), and the map's
//! invariants must hold.

use std::path::Path;

use minijinja::Environment;
use minijinja::syntax::SyntaxConfig;
use ovpn6_lint::template::PieceKind;
use ovpn6_lint::template::ansible_vars::{VarSource, Variables};
use ovpn6_lint::template::jinja2::{self, Included, Jinja2Template};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Node {
    Text(String),
    Value {
        open: &'static str,
        close: &'static str,
    },
    Comment {
        open: &'static str,
        close: &'static str,
    },
    If {
        condition: bool,
        markers: [(&'static str, &'static str); 2],
        body: Vec<Node>,
    },
}

fn marker() -> impl Strategy<Value = &'static str> {
    prop_oneof![4 => Just(""), 1 => Just("-"), 1 => Just("+")]
}

/// Text, mostly whitespace around newlines: what the whitespace rules act on.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ \t\na-c]{0,6}",
        "[ \t\n]{1,4}",
        Just("\n".to_string()),
        Just("\n  ".to_string()),
        Just("  ".to_string()),
        "\n[ \t]{0,2}[a-c]\n[ \t]{0,2}",
    ]
}

fn node() -> impl Strategy<Value = Node> {
    let leaf = prop_oneof![
        3 => text().prop_map(Node::Text),
        1 => (prop_oneof![Just(""), Just("-")], prop_oneof![Just(""), Just("-")])
            .prop_map(|(open, close)| Node::Value { open, close }),
        1 => (marker(), marker()).prop_map(|(open, close)| Node::Comment { open, close }),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        (
            any::<bool>(),
            [(marker(), marker()), (marker(), marker())],
            prop::collection::vec(inner, 0..5),
        )
            .prop_map(|(condition, markers, body)| Node::If {
                condition,
                markers,
                body,
            })
    })
}

fn write(nodes: &[Node], out: &mut String) {
    for node in nodes {
        match node {
            Node::Text(text) => out.push_str(text),
            Node::Value { open, close } => out.push_str(&format!("{{{{{open} s {close}}}}}")),
            Node::Comment { open, close } => out.push_str(&format!("{{#{open} c {close}#}}")),
            Node::If {
                condition,
                markers: [(o1, c1), (o2, c2)],
                body,
            } => {
                let name = if *condition { "t" } else { "f" };
                out.push_str(&format!("{{%{o1} if {name} {c1}%}}"));
                write(body, out);
                out.push_str(&format!("{{%{o2} endif {c2}%}}"));
            }
        }
    }
}

fn trailing_newlines(text: &str) -> usize {
    text.bytes().rev().take_while(|&b| b == b'\n').count()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn traced_whitespace_equals_minijinjas(
        nodes in prop::collection::vec(node(), 0..8),
        trim_blocks in any::<bool>(),
        lstrip_blocks in any::<bool>(),
    ) {
        let mut body = String::new();
        write(&nodes, &mut body);
        let python = |flag: bool| if flag { "True" } else { "False" };
        let template = format!(
            "#jinja2: trim_blocks: {}, lstrip_blocks: {}\n{body}",
            python(trim_blocks),
            python(lstrip_blocks)
        );

        let mut env = Environment::new();
        env.set_syntax(
            SyntaxConfig::builder()
                .trim_blocks(trim_blocks)
                .lstrip_blocks(lstrip_blocks)
                .build()
                .unwrap(),
        );
        let mut expected = env
            .render_str(&body, minijinja::context! { s => "S", t => true, f => false })
            .unwrap();
        // Ansible puts back the trailing newlines the render lost.
        for _ in trailing_newlines(&expected)..trailing_newlines(&body) {
            expected.push('\n');
        }

        let variables = Variables::layered(&[VarSource::File {
            path: Path::new("defaults/main.yml"),
            text: "s: S\nt: true\nf: false\n",
        }])
        .unwrap();
        let no_includes = |_: &str| -> Result<Included, String> { Err("none".to_string()) };
        let rendered = jinja2::render(&Jinja2Template {
            path: Path::new("t.j2"),
            text: &template,
            variables: &variables,
            load_include: &no_includes,
            fuel: jinja2::DEFAULT_FUEL,
        })
        .unwrap();
        prop_assert_eq!(&rendered.text, &expected, "template {:?}", template);

        let mut end = 0;
        for piece in &rendered.pieces {
            prop_assert_eq!(piece.rendered.start, end);
            end = piece.rendered.end;
            let text = &rendered.text[piece.rendered.clone()];
            let source = &template[piece.source.clone()];
            match &piece.kind {
                PieceKind::Literal => prop_assert_eq!(text, source),
                PieceKind::Value { .. } => {
                    prop_assert_eq!(text, "S");
                    prop_assert!(source.starts_with("{{") && source.ends_with("}}"));
                }
                PieceKind::Unknown { .. } => prop_assert!(false, "nothing is unknown here"),
            }
        }
        prop_assert_eq!(end, rendered.text.len());
    }
}

/// Pieces of Jinja2 syntax, glued at random, so that odd inputs reach every part of the tracer.
fn jinja_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("{{"),
        Just("}}"),
        Just("{%"),
        Just("%}"),
        Just("{#"),
        Just("#}"),
        Just("-"),
        Just("+"),
        Just(" if "),
        Just(" for x in "),
        Just(" endif "),
        Just(" endfor "),
        Just(" else "),
        Just(" set "),
        Just(" = "),
        Just(" raw "),
        Just(" endraw "),
        Just(" include 'a' "),
        Just(" x "),
        Just(" y.z "),
        Just(" | "),
        Just("default"),
        Just("bool"),
        Just("ipaddr"),
        Just(" is "),
        Just(" not "),
        Just("defined"),
        Just("("),
        Just(")"),
        Just("["),
        Just("]"),
        Just("'"),
        Just("\""),
        Just("\n"),
        Just(" "),
        Just("é"),
        Just("⟪"),
        Just("\u{E000}"),
        Just("\u{E002}"),
        Just("#jinja2: trim_blocks: False\n"),
        Just("1"),
        Just("~"),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Any text is rendered or refused with a message; never a panic, and a render keeps the
    /// map's invariants.
    #[test]
    fn any_template_renders_or_is_refused(
        template in prop_oneof![jinja_soup(), any::<String>()],
        defaults in prop_oneof![Just("x: 1\ny: {z: yes}\n"), Just("")],
    ) {
        let variables = Variables::layered(&[VarSource::File {
            path: Path::new("defaults/main.yml"),
            text: defaults,
        }])
        .unwrap();
        let include = |_: &str| -> Result<Included, String> {
            Ok(Included { path: "a".into(), text: "{{ x }}\n".to_string() })
        };
        let result = jinja2::render(&Jinja2Template {
            path: Path::new("t.j2"),
            text: &template,
            variables: &variables,
            load_include: &include,
            fuel: 10_000,
        });
        if let Ok(rendered) = result {
            let mut end = 0;
            for piece in &rendered.pieces {
                prop_assert_eq!(piece.rendered.start, end);
                prop_assert!(piece.rendered.end > piece.rendered.start);
                prop_assert!(piece.source.end <= template.len());
                end = piece.rendered.end;
                if piece.kind == PieceKind::Literal {
                    prop_assert_eq!(
                        &rendered.text[piece.rendered.clone()],
                        &template[piece.source.clone()]
                    );
                }
            }
            prop_assert_eq!(end, rendered.text.len());
        }
    }

    /// Any text given as a variables file is read or refused with a line; never a panic.
    #[test]
    fn any_vars_file_is_read_or_refused(text in prop_oneof![
        any::<String>(),
        prop::collection::vec(
            prop_oneof![Just("a: "), Just("- "), Just("yes"), Just("{"), Just("}"), Just("["),
                Just("]"), Just("\n"), Just("  "), Just("&x "), Just("*x"), Just("<<: "),
                Just("!vault "), Just("!!int "), Just("0x"), Just("1_0"), Just(":"), Just("'")],
            0..30,
        )
        .prop_map(|pieces| pieces.concat()),
    ]) {
        let _ = ovpn6_lint::template::ansible_vars::read_vars_file(Path::new("v.yml"), &text);
    }
}
