//! `--format sarif` against the official SARIF 2.1.0 schema (tests/data), and the parts of the
//! log GitHub code scanning relies on: every rule in the driver, rule indexes, regions,
//! fingerprints, fixes, an empty `results` when clean, and no secret anywhere.
//!
//! The logs are also written to `target/tmp/sarif/` so `scripts/validate-sarif` can hand
//! them to Microsoft's SARIF multitool.

use std::io;
use std::path::Path;

use ovpn6_lint::engine::{Engine, FileSettings};
use ovpn6_lint::report::sarif::Sarif;
use ovpn6_lint::report::{Checked, Format, Problem, ProblemKind, ReportContext};
use ovpn6_lint::rules::{BUILTIN, Params, load_rule};
use serde_json::Value;

/// Fires most built-in rules, with safe, unsafe and display-only fixes, a secret key block and
/// a finding in an included file.
const LEAKY: &str = "\
client
dev tun
tun-ipv6
config inc.conf
ifconfig-ipv6 2001:db8::2 fd15:53b6:dead::1
ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1
route-ipv6 2000::/4
route-ipv6 2000::/4
route-ipv6 2000::/3#all
<key>
SECRET-KEY-MATERIAL-1234567890
</key>
";

const INCLUDED: &str = "route-ipv6 3000::1/5\n";

const CLEAN: &str = "\
client
dev tun
ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1
route-ipv6 2000::/4
route-ipv6 3000::/4
";

fn engine(params: &Params) -> Engine {
    let rules = BUILTIN
        .iter()
        .map(|(name, text)| {
            load_rule(name, text, params).unwrap_or_else(|e| panic!("{name}: {}", e.message))
        })
        .collect();
    Engine { rules }
}

/// Lints `text` as the file at `path`; `config` lines read `include`.
fn check(engine: &Engine, params: &Params, path: &str, text: &str, include: &str) -> Checked {
    let include = include.as_bytes().to_vec();
    let read = move |_: &Path| -> io::Result<Vec<u8>> { Ok(include.clone()) };
    let profile = ovpn6_lint::model::load(Path::new(path), text.as_bytes().to_vec(), &read);
    let settings = FileSettings {
        params,
        role: None,
        nearby_server: None,
        detail: Default::default(),
    };
    let diagnostics = engine.lint(&profile, &settings);
    Checked::new(path.to_owned(), profile, diagnostics)
}

fn render(files: &[Checked], engine: &Engine, category: Option<&str>) -> String {
    let cx = ReportContext {
        rules: &engine.rules,
        color: false,
        unsafe_fixes: false,
    };
    let mut out = Vec::new();
    Sarif::new(category.map(str::to_owned))
        .write(files, &cx, &mut out)
        .expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("SARIF is UTF-8")
}

fn validate(log: &Value) {
    let schema: Value =
        serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).expect("schema is JSON");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
}

/// Keeps a copy for `scripts/validate-sarif`.
fn keep(name: &str, text: &str) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sarif");
    std::fs::create_dir_all(&dir).expect("create target/tmp/sarif");
    std::fs::write(dir.join(name), text).expect("write SARIF copy");
}

fn leaky_log() -> (String, Value) {
    let params = Params::default();
    let engine = engine(&params);
    let file = check(
        &engine,
        &params,
        "profiles/office vpn/client.ovpn",
        LEAKY,
        INCLUDED,
    );
    let text = render(&[file], &engine, Some("ovpn6-lint"));
    let log = serde_json::from_str(&text).expect("SARIF is JSON");
    (text, log)
}

#[test]
fn a_leaky_profile_gives_a_schema_valid_log() {
    let (text, log) = leaky_log();
    keep("leaky.sarif", &text);
    validate(&log);
    assert_eq!(
        log["$schema"],
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    );
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"].as_array().map(Vec::len), Some(1));
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert!(results.len() >= 4, "{text}");
}

#[test]
fn the_schema_check_rejects_a_broken_log() {
    let (_, mut log) = leaky_log();
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    let outcome = std::panic::catch_unwind(|| validate(&log));
    assert!(
        outcome.is_err(),
        "a region with startLine 0 must fail the schema"
    );
}

#[test]
fn a_clean_profile_gives_a_schema_valid_log_with_empty_results() {
    let params = Params::default();
    let engine = engine(&params);
    let file = check(&engine, &params, "client.ovpn", CLEAN, "");
    assert!(file.diagnostics.is_empty(), "{:?}", file.diagnostics);
    let text = render(&[file], &engine, None);
    keep("clean.sarif", &text);
    let log: Value = serde_json::from_str(&text).expect("SARIF is JSON");
    validate(&log);
    let run = &log["runs"][0];
    assert_eq!(run["results"], serde_json::json!([]));
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    assert!(run.get("automationDetails").is_none());
}

#[test]
fn a_failed_run_gives_a_schema_valid_log_that_records_the_failure() {
    let params = Params::default();
    let engine = engine(&params);
    let file = check(&engine, &params, "client.ovpn", LEAKY, INCLUDED);
    let cx = ReportContext {
        rules: &engine.rules,
        color: false,
        unsafe_fixes: false,
    };
    let mut sarif = Sarif::new(None);
    let mut out = Vec::new();
    let problems = [
        Problem {
            path: Some("profiles/missing.ovpn".to_owned()),
            message: "`profiles/missing.ovpn` does not exist".to_owned(),
            kind: ProblemKind::ToolError,
        },
        Problem {
            path: Some("/abs/dangling.ovpn".to_owned()),
            message: "`/abs/dangling.ovpn` is a symbolic link whose target does not exist"
                .to_owned(),
            kind: ProblemKind::Path,
        },
    ];
    sarif.problem(&problems[0], &cx, &mut out).unwrap();
    sarif.file(&file, &cx, &mut out).unwrap();
    sarif.problem(&problems[1], &cx, &mut out).unwrap();
    sarif.finish(&cx, &mut out).unwrap();
    let text = String::from_utf8(out).expect("SARIF is UTF-8");
    keep("failed.sarif", &text);
    let log: Value = serde_json::from_str(&text).expect("SARIF is JSON");
    validate(&log);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notifications = invocation["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    assert_eq!(notifications.len(), 2);
    assert_eq!(
        notifications[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "file:///abs/dangling.ovpn"
    );
    assert!(!log["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn the_driver_lists_every_rule_with_its_documentation() {
    let (_, log) = leaky_log();
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "ovpn6-lint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["informationUri"], env!("CARGO_PKG_REPOSITORY"));
    let rules = driver["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), BUILTIN.len());
    for rule in rules {
        let id = rule["id"].as_str().expect("id");
        for field in ["shortDescription", "fullDescription"] {
            let text = rule[field]["text"].as_str().unwrap_or_default();
            assert!(
                !text.is_empty() && text.chars().count() <= 1000,
                "{id} {field}"
            );
        }
        let markdown = rule["help"]["markdown"].as_str().expect("help.markdown");
        assert!(
            markdown.contains("## Example") && markdown.contains("## Fix safety"),
            "{id}"
        );
        assert!(
            rule["help"]["text"].as_str().is_some_and(|t| !t.is_empty()),
            "{id}"
        );
        assert!(
            ["error", "warning", "note"]
                .contains(&rule["defaultConfiguration"]["level"].as_str().unwrap_or(""))
        );
        assert!(
            ["very-high", "high"].contains(&rule["properties"]["precision"].as_str().unwrap_or(""))
        );
        assert!(
            rule["name"]
                .as_str()
                .is_some_and(|n| n.starts_with(char::is_uppercase) && !n.contains('-'))
        );
    }
    let routes = rules
        .iter()
        .find(|r| r["id"] == "incomplete-ipv6-routes")
        .expect("rule");
    assert_eq!(routes["name"], "IncompleteIpv6Routes");
    assert_eq!(routes["properties"]["security-severity"], "7.5");
    assert_eq!(routes["properties"]["problem.severity"], "error");
    assert_eq!(
        routes["properties"]["tags"],
        serde_json::json!(["security", "ipv6-leak"])
    );
}

#[test]
fn results_point_at_their_rule_with_full_regions_and_fingerprints() {
    let (_, log) = leaky_log();
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    for result in run["results"].as_array().expect("results") {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(
            result["message"]["text"]
                .as_str()
                .is_some_and(|t| t.ends_with('.'))
        );
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let region = &location["region"];
        let number = |key: &str| {
            region[key]
                .as_u64()
                .unwrap_or_else(|| panic!("{key} in {region}"))
        };
        let (line, column, end_line, end_column) = (
            number("startLine"),
            number("startColumn"),
            number("endLine"),
            number("endColumn"),
        );
        assert!(line >= 1 && column >= 1 && end_line >= line);
        assert!(end_line > line || end_column >= column, "{region}");
        let hash = result["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .expect("line hash");
        let (hex, count) = hash.split_once(':').expect("hex:count");
        assert!(
            u64::from_str_radix(hex, 16).is_ok() && count.parse::<u32>().is_ok(),
            "{hash}"
        );
        assert!(result["partialFingerprints"]["ovpn6LintContentHash/v1"].is_string());
    }
}

#[test]
fn uris_are_percent_encoded_and_name_the_file_the_finding_is_in() {
    let (_, log) = leaky_log();
    let uris: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        uris.contains(&"profiles/office%20vpn/client.ovpn"),
        "{uris:?}"
    );
    assert!(uris.iter().any(|u| u.ends_with("inc.conf")), "{uris:?}");
    assert!(uris.iter().all(|u| !u.contains(' ')));
}

#[test]
fn applicable_fixes_become_sarif_fixes_and_display_only_ones_do_not() {
    let (_, log) = leaky_log();
    let results = log["runs"][0]["results"].as_array().expect("results");
    let fixes: Vec<&Value> = results.iter().filter_map(|r| r["fixes"].get(0)).collect();
    assert!(!fixes.is_empty());
    for fix in &fixes {
        assert!(fix["description"]["text"].is_string());
        assert_ne!(fix["properties"]["applicability"], "display-only");
        let change = &fix["artifactChanges"][0];
        assert_eq!(
            change["artifactLocation"]["uri"],
            "profiles/office%20vpn/client.ovpn"
        );
        for replacement in change["replacements"].as_array().expect("replacements") {
            let region = &replacement["deletedRegion"];
            assert!(
                region["startLine"].is_u64() && region["endColumn"].is_u64(),
                "{region}"
            );
        }
    }
    let dropped = results
        .iter()
        .find(|r| r["ruleId"] == "route-ipv6-dropped")
        .expect("route-ipv6-dropped fires");
    assert!(dropped.get("fixes").is_none());
}

#[test]
fn odd_file_names_and_line_endings_give_valid_uris_and_regions() {
    let params = Params::default();
    let engine = engine(&params);
    let path = "odd dir/\u{fc}n,i%c#o?d:e [1] ;=+&.ovpn";
    let text = "\u{feff}client\r\ndev tun\r\ntun-ipv6\r\nroute-ipv6 2000::/4";
    let file = check(&engine, &params, path, text, "");
    assert!(!file.diagnostics.is_empty());
    let text = render(&[file], &engine, None);
    keep("odd.sarif", &text);
    let log: Value = serde_json::from_str(&text).expect("SARIF is JSON");
    validate(&log);
    let location = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "odd%20dir/%C3%BCn%2Ci%25c%23o%3Fd%3Ae%20%5B1%5D%20%3B%3D%2B%26.ovpn"
    );
}

#[test]
fn the_category_becomes_the_automation_id() {
    let (_, log) = leaky_log();
    assert_eq!(log["runs"][0]["automationDetails"]["id"], "ovpn6-lint/");
}

#[test]
fn no_secret_reaches_the_log() {
    let (text, _) = leaky_log();
    assert!(!text.contains("SECRET-KEY-MATERIAL"));
}
