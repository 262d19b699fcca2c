//! `schemas/ovpn6-lint.schema.json`, the JSON Schema of `.ovpn6-lint.toml` that editors use, is
//! what the config types generate, accepts the book's configuration example, and rejects
//! what the linter rejects. `OVPN6_UPDATE_SCHEMA=1 cargo test --test config_schema` rewrites it.

mod common;

use serde_json::Value;

fn schema() -> Value {
    serde_json::from_str(&ovpn6_lint::schema::json()).expect("the schema is JSON")
}

/// A TOML document as the JSON value a schema validator sees.
fn toml_as_json(text: &str) -> Value {
    let table: toml::Table = toml::from_str(text).expect("valid TOML");
    serde_json::to_value(table).expect("TOML converts to JSON")
}

fn errors(text: &str) -> Vec<String> {
    let schema = schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    validator
        .iter_errors(&toml_as_json(text))
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[test]
fn committed_schema_is_the_generated_one() {
    let path = common::repo().join(ovpn6_lint::schema::PATH);
    let generated = ovpn6_lint::schema::json();
    if std::env::var_os("OVPN6_UPDATE_SCHEMA").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale; run `OVPN6_UPDATE_SCHEMA=1 cargo test --test config_schema`",
        ovpn6_lint::schema::PATH
    );
}

#[test]
fn the_books_configuration_example_is_valid() {
    let page = std::fs::read_to_string(common::repo().join("docs/src/configuration.md")).unwrap();
    // The first TOML example with a `[params]` table: the one that shows every key.
    let example = page
        .split("```toml\n")
        .skip(1)
        .map(|rest| &rest[..rest.find("```").expect("a closed TOML block")])
        .find(|block| block.contains("[params]"))
        .expect("a TOML example with [params] in the configuration page");
    assert!(example.contains("[params]"), "{example}");
    assert_eq!(errors(example), Vec::<String>::new(), "{example}");
    // And the linter itself accepts it.
    ovpn6_lint::config::Config::parse(example, ".".into()).expect("the linter reads it");
}

#[test]
fn mistakes_the_linter_rejects_are_schema_errors() {
    for text in [
        "unknown-key = 1\n",
        "fail-on = \"warn\"\n",
        "[rules]\nseverity = { syntax-error = \"fatal\" }\n",
        "[params]\nleak-roles = [\"router\"]\n",
        "[params]\nserver-pushes-ipv6 = \"yes\"\n",
        "[params]\nclients = [\"openvpn4\"]\n",
        "[params]\ntunnel-addresses = [\"fd00::1\"]\n",
        "[[overrides]]\nrole = \"client\"\n",
        "[[overrides]]\nfiles = [\"a/**\"]\nrole = \"router\"\n",
    ] {
        assert!(!errors(text).is_empty(), "the schema accepts {text:?}");
        assert!(
            ovpn6_lint::config::Config::parse(text, ".".into()).is_err(),
            "the linter accepts {text:?}"
        );
    }
}

#[test]
fn extra_params_are_prefix_lists_for_your_own_rules() {
    assert_eq!(
        errors("[params]\noffice-prefixes = [\"2001:db8::/32\"]\n"),
        Vec::<String>::new()
    );
    assert!(!errors("[params]\noffice-prefixes = 3\n").is_empty());
}
