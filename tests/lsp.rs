//! `ovpn6-lint --lsp` spoken to over an in-memory connection (two pipes into [`serve`]): the
//! framing and its errors, the lifecycle, pushed and pulled diagnostics, code actions, hover,
//! settings changes, and the same findings as the command line on every fixture.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, channel};
use std::thread::JoinHandle;
use std::time::Duration;

use gen_lsp_types::{Position, Range};
use ovpn6_lint::lsp::serve;
use ovpn6_lint::lsp::text::{Encoding, LineIndex, apply_change};
use serde_json::{Value, json};

/// How long a test waits for one message before it fails (a hang, not a speed check).
const PATIENCE: Duration = Duration::from_secs(120);

const LEAKY: &str = "client\ndev tun\nremote vpn.example.com 1194\nifconfig-ipv6 fd00::2/64 fd00::1\nroute-ipv6 2000::/4\n";

/// A client that speaks to a server running in this process.
struct Session {
    to_server: std::io::PipeWriter,
    inbox: Receiver<Value>,
    server: Option<JoinHandle<u8>>,
    next_id: i64,
    /// Messages read while waiting for something else.
    held: Vec<Value>,
}

fn push_client() -> Value {
    json!({ "textDocument": { "publishDiagnostics": {
        "relatedInformation": true, "codeDescriptionSupport": true } } })
}

fn pull_client() -> Value {
    json!({
        "textDocument": { "diagnostic": { "relatedInformation": true,
                                          "codeDescriptionSupport": true } },
        "workspace": {
            "diagnostics": { "refreshSupport": true },
            "didChangeWatchedFiles": { "dynamicRegistration": true },
        },
    })
}

impl Session {
    fn connect() -> Self {
        let (from_client, to_server) = std::io::pipe().unwrap();
        let (from_server, to_client) = std::io::pipe().unwrap();
        let server = std::thread::spawn(move || serve(BufReader::new(from_client), to_client));
        let (sender, inbox) = channel();
        std::thread::spawn(move || {
            let mut input = BufReader::new(from_server);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if input.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("every frame has a length")];
                input.read_exact(&mut body).unwrap();
                if sender.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        Self {
            to_server,
            inbox,
            server: Some(server),
            next_id: 0,
            held: Vec::new(),
        }
    }

    /// Connected, initialized with `capabilities` and these workspace folders.
    fn start(capabilities: Value, folders: &[&Path]) -> (Self, Value) {
        let mut session = Self::connect();
        let folders: Vec<Value> = folders
            .iter()
            .map(|f| json!({ "uri": uri(f), "name": "folder" }))
            .collect();
        let reply = session.request(
            "initialize",
            json!({ "processId": null, "rootUri": null, "capabilities": capabilities,
                    "workspaceFolders": folders }),
        );
        session.notify("initialized", json!({}));
        (session, reply)
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.to_server.write_all(bytes).unwrap();
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.send_raw(frame.as_bytes());
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn send_request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        id
    }

    /// The whole response to a request.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.wait(|m| m["id"] == json!(id) && m.get("method").is_none())
    }

    /// The next message the server sends; its own requests are answered.
    fn next(&mut self) -> Value {
        let message = self
            .inbox
            .recv_timeout(PATIENCE)
            .expect("the server answers in time");
        if message.get("method").is_some() && message.get("id").is_some() {
            let id = message["id"].clone();
            self.send(&json!({ "jsonrpc": "2.0", "id": id, "result": null }));
        }
        message
    }

    /// The first message (held or new) that `wanted` accepts; the others are held.
    fn wait(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(at) = self.held.iter().position(&wanted) {
            return self.held.remove(at);
        }
        loop {
            let message = self.next();
            if wanted(&message) {
                return message;
            }
            self.held.push(message);
        }
    }

    /// The next `publishDiagnostics` for `uri` at `version`.
    fn published(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let message = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == json!(version)
        });
        message["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn open(&mut self, path: &Path, text: &str) -> String {
        let uri = uri(path);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "openvpn", "version": 1,
                                      "text": text } }),
        );
        uri
    }

    fn change(&mut self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version },
                    "contentChanges": changes }),
        );
    }

    /// `shutdown`, `exit`, and the server's exit status.
    fn finish(mut self) -> u8 {
        let reply = self.request("shutdown", Value::Null);
        assert_eq!(reply["result"], Value::Null);
        self.notify("exit", Value::Null);
        self.server.take().unwrap().join().unwrap()
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn rules_of(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

/// A folder with a leaky client profile in it.
fn leaky_folder() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    // No config above it: a folder of its own, with a `.git` to stop the search.
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let path = dir.path().join("leaky.ovpn");
    std::fs::write(&path, LEAKY).unwrap();
    (dir, path)
}

#[test]
fn malformed_frames_get_the_errors_the_specification_asks_for_and_the_server_stays_up() {
    let (mut session, _) = Session::start(push_client(), &[]);
    session.send_raw(b"Content-Length: 9\r\n\r\n{\"id\": 1,");
    let parse_error = session.wait(|m| m["error"]["code"] == -32700);
    assert_eq!(parse_error["id"], Value::Null);
    session.send(&json!([1, 2, 3]));
    let not_a_message = session.wait(|m| m["error"]["code"] == -32600);
    assert_eq!(not_a_message["id"], Value::Null);
    session.notify("$/somethingNobodyKnows", json!({}));
    session.notify("custom/unknown", json!({ "x": 1 }));
    let unknown = session.request("custom/request", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    // Still up: a real request is answered.
    let hover = session.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": "file:///nowhere.ovpn" },
                "position": { "line": 0, "character": 0 } }),
    );
    assert_eq!(hover["result"], Value::Null);
    assert_eq!(session.finish(), 0);
}

#[test]
fn after_shutdown_a_request_is_invalid_and_exit_ends_with_status_0() {
    let (mut session, _) = Session::start(push_client(), &[]);
    assert_eq!(
        session.request("shutdown", Value::Null)["result"],
        Value::Null
    );
    let late = session.request("textDocument/hover", json!({}));
    assert_eq!(late["error"]["code"], -32600);
    session.notify("exit", Value::Null);
    assert_eq!(session.server.take().unwrap().join().unwrap(), 0);
}

#[test]
fn exit_without_shutdown_ends_with_status_1() {
    let (mut session, _) = Session::start(push_client(), &[]);
    session.notify("exit", Value::Null);
    assert_eq!(session.server.take().unwrap().join().unwrap(), 1);
}

#[test]
fn a_request_before_initialize_is_refused() {
    let mut session = Session::connect();
    let early = session.request("textDocument/hover", json!({}));
    assert_eq!(early["error"]["code"], -32002);
}

#[test]
fn position_encoding_is_utf16_unless_the_client_offers_utf8() {
    // `é` is one UTF-16 unit and two bytes: the address after it starts at 4 or at 5.
    let text = format!("{LEAKY}# é 3000::1\n");
    let hover_start = |capabilities: Value, encoding: &str| {
        let (dir, path) = leaky_folder();
        let (mut session, reply) = Session::start(capabilities, &[dir.path()]);
        assert_eq!(
            reply["result"]["capabilities"]["positionEncoding"],
            encoding
        );
        let uri = session.open(&path, &text);
        let hover = session.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri },
                    "position": { "line": 5, "character": 7 } }),
        );
        assert_eq!(session.finish(), 0);
        hover["result"]["range"]["start"]["character"].clone()
    };
    assert_eq!(hover_start(push_client(), "utf-16"), 4);
    let offers = json!({ "general": { "positionEncodings": ["utf-8", "utf-16"] } });
    assert_eq!(hover_start(offers, "utf-8"), 5);
}

#[test]
fn a_push_client_gets_the_findings_with_rule_code_page_and_fix_and_never_a_pull_provider() {
    let (dir, path) = leaky_folder();
    let (mut session, reply) = Session::start(push_client(), &[dir.path()]);
    assert!(reply["result"]["capabilities"]["diagnosticProvider"].is_null());
    let uri = session.open(&path, LEAKY);
    let diagnostics = session.published(&uri, 1);
    assert_eq!(rules_of(&diagnostics), ["incomplete-ipv6-routes"]);
    let finding = &diagnostics[0];
    assert_eq!(finding["source"], "ovpn6-lint");
    assert_eq!(finding["severity"], 1);
    assert_eq!(
        finding["range"],
        json!({ "start": { "line": 4, "character": 0 }, "end": { "line": 4, "character": 19 } })
    );
    assert!(
        finding["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .ends_with("/rules/incomplete-ipv6-routes.html")
    );
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .starts_with("IPv6 routes leave 3000::/4 outside the tunnel")
    );
    assert_eq!(session.finish(), 0);
}

#[test]
fn a_pull_client_gets_reports_with_inter_file_dependencies_and_no_push() {
    let (dir, path) = leaky_folder();
    let (mut session, reply) = Session::start(pull_client(), &[dir.path()]);
    let provider = &reply["result"]["capabilities"]["diagnosticProvider"];
    assert_eq!(provider["interFileDependencies"], true);
    let uri = session.open(&path, LEAKY);
    let report = session.request(
        "textDocument/diagnostic",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(report["result"]["kind"], "full");
    let items = report["result"]["items"].as_array().unwrap();
    assert_eq!(rules_of(items), ["incomplete-ipv6-routes"]);
    assert!(session.finish() == 0);
}

#[test]
fn pushing_and_pulling_never_happen_together() {
    let (dir, path) = leaky_folder();
    let (mut session, _) = Session::start(pull_client(), &[dir.path()]);
    let uri = session.open(&path, LEAKY);
    session.request(
        "textDocument/diagnostic",
        json!({ "textDocument": { "uri": uri } }),
    );
    // A hover afterwards: by the time it is answered, a push would have been sent.
    session.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 4, "character": 3 } }),
    );
    let held = std::mem::take(&mut session.held);
    assert!(
        held.iter()
            .all(|m| m["method"] != "textDocument/publishDiagnostics"),
        "{held:?}"
    );
    session.finish();
}

/// The scenario of an editor: open a leaky profile, see the finding, apply the quick fix, see
/// it go; change the config, see the re-lint.
#[test]
fn the_quick_fix_removes_the_finding_and_a_config_change_relints() {
    let (dir, path) = leaky_folder();
    let (mut session, _) = Session::start(push_client(), &[dir.path()]);
    let uri = session.open(&path, LEAKY);
    let diagnostics = session.published(&uri, 1);
    assert_eq!(rules_of(&diagnostics), ["incomplete-ipv6-routes"]);

    let actions = session.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": diagnostics[0]["range"],
                "context": { "diagnostics": diagnostics } }),
    );
    let actions = actions["result"].as_array().unwrap().clone();
    let fix = actions
        .iter()
        .find(|a| a["isPreferred"] == true)
        .expect("a preferred quick fix");
    assert_eq!(fix["kind"], "quickfix");
    assert!(
        fix["title"]
            .as_str()
            .unwrap()
            .contains("route-ipv6 3000::/4")
    );
    let suppress = actions
        .iter()
        .find(|a| a["title"] == "Suppress `incomplete-ipv6-routes` on this line")
        .expect("a suppression action");
    assert_eq!(suppress["kind"], "quickfix");

    // Apply the fix as an editor does: its edits become a didChange.
    let edits = fix["edit"]["changes"][&uri].as_array().unwrap();
    let changes: Vec<Value> = edits
        .iter()
        .map(|e| json!({ "range": e["range"], "text": e["newText"] }))
        .collect();
    session.change(&uri, 2, json!(changes));
    assert_eq!(session.published(&uri, 2), Vec::<Value>::new());

    // Back to the leak, then the config makes the rule a note: the document is linted again.
    session.change(&uri, 3, json!([{ "text": LEAKY }]));
    assert_eq!(
        rules_of(&session.published(&uri, 3)),
        ["incomplete-ipv6-routes"]
    );
    std::fs::write(
        dir.path().join(".ovpn6-lint.toml"),
        "[rules]\nseverity = { incomplete-ipv6-routes = \"note\" }\n",
    )
    .unwrap();
    let relinted = session.published(&uri, 3);
    assert_eq!(relinted[0]["severity"], 3, "{relinted:?}");
    assert_eq!(session.finish(), 0);
}

#[test]
fn a_watched_config_change_refreshes_a_pull_client() {
    let (dir, path) = leaky_folder();
    let (mut session, _) = Session::start(pull_client(), &[dir.path()]);
    session.wait(|m| m["method"] == "client/registerCapability");
    let uri = session.open(&path, LEAKY);
    let pull = |session: &mut Session| {
        session.request(
            "textDocument/diagnostic",
            json!({ "textDocument": { "uri": uri } }),
        )["result"]["items"]
            .as_array()
            .unwrap()
            .clone()
    };
    assert_eq!(pull(&mut session)[0]["severity"], 1);
    let config = dir.path().join(".ovpn6-lint.toml");
    std::fs::write(&config, "[rules]\nignore = [\"incomplete-ipv6-routes\"]\n").unwrap();
    session.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": self::uri(&config), "type": 1 }] }),
    );
    session.wait(|m| m["method"] == "workspace/diagnostic/refresh");
    assert_eq!(pull(&mut session), Vec::<Value>::new());
    session.finish();
}

#[test]
fn a_bad_config_is_a_diagnostic_on_the_config_file_and_a_message_and_the_server_goes_on() {
    let (dir, path) = leaky_folder();
    let config = dir.path().join(".ovpn6-lint.toml");
    std::fs::write(&config, "[rules]\nselect = 3\n").unwrap();
    let (mut session, _) = Session::start(push_client(), &[dir.path()]);
    let on_config = session.wait(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri(&config)
    });
    let diagnostic = &on_config["params"]["diagnostics"][0];
    assert_eq!(diagnostic["range"]["start"]["line"], 1);
    let message = session.wait(|m| m["method"] == "window/showMessage");
    assert!(
        message["params"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot be used")
    );
    // The profile says it was not linted, and why.
    let uri = session.open(&path, LEAKY);
    let diagnostics = session.published(&uri, 1);
    assert_eq!(rules_of(&diagnostics), ["not-linted"]);
    // Fixed: the config's diagnostic goes, and the profile is linted.
    std::fs::write(&config, "[rules]\nselect = [\"all\"]\n").unwrap();
    session.wait(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == self::uri(&config)
            && m["params"]["diagnostics"] == json!([])
    });
    assert_eq!(
        rules_of(&session.published(&uri, 1)),
        ["incomplete-ipv6-routes"]
    );
    assert_eq!(session.finish(), 0);
}

#[test]
fn fix_all_applies_the_safe_fixes_of_the_document() {
    let (dir, path) = leaky_folder();
    let (mut session, _) = Session::start(push_client(), &[dir.path()]);
    let uri = session.open(&path, LEAKY);
    session.published(&uri, 1);
    let actions = session.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri },
                "range": { "start": { "line": 0, "character": 0 },
                           "end": { "line": 0, "character": 0 } },
                "context": { "diagnostics": [], "only": ["source.fixAll"] } }),
    );
    let actions = actions["result"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["kind"], "source.fixAll.ovpn6-lint");
    let edit = &actions[0]["edit"]["changes"][&uri][0];
    assert_eq!(edit["newText"], format!("{LEAKY}route-ipv6 3000::/4\n"));
    session.finish();
}

#[test]
fn hover_on_route_ipv6_says_which_part_of_2000_3_it_carries_and_what_stays_outside() {
    let (dir, path) = leaky_folder();
    let (mut session, _) = Session::start(push_client(), &[dir.path()]);
    let uri = session.open(&path, LEAKY);
    let hover = session.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 4, "character": 2 } }),
    );
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("of `2000::/3`, this line carries `2000::/4` (1/2 of it)"),
        "{text}"
    );
    assert!(
        text.contains("`3000::/4` of `2000::/3` stays outside the tunnel"),
        "{text}"
    );
    // On the address: the `--route` answer too.
    let hover = session.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 4, "character": 13 } }),
    );
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("`--route 2000::`: 2000::: tunnel (into the VPN)"),
        "{text}"
    );
    session.finish();
}

#[test]
fn hover_on_an_address_in_a_comment_gives_the_route_answer() {
    let (dir, path) = leaky_folder();
    let (mut session, _) = Session::start(push_client(), &[dir.path()]);
    let text = format!("{LEAKY}# who answers 3000::1?\n");
    let uri = session.open(&path, &text);
    let hover = session.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 5, "character": 16 } }),
    );
    let value = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        value.starts_with("`--route 3000::1`: 3000::1: local (outside the VPN)"),
        "{value}"
    );
    assert_eq!(
        hover["result"]["range"],
        json!({ "start": { "line": 5, "character": 14 }, "end": { "line": 5, "character": 21 } })
    );
    session.finish();
}

#[test]
fn a_lone_carriage_return_ends_a_line_for_positions() {
    let (dir, path) = leaky_folder();
    let (mut session, _) = Session::start(push_client(), &[dir.path()]);
    // OpenVPN reads `\r` alone as part of a line (one comment here); LSP counts it as a line
    // end, so the finding is on the seventh line.
    let text = format!("# a comment\r# and more of it\n{LEAKY}");
    let uri = session.open(&path, &text);
    let diagnostics = session.published(&uri, 1);
    assert_eq!(rules_of(&diagnostics), ["incomplete-ipv6-routes"]);
    assert_eq!(diagnostics[0]["range"]["start"]["line"], 6);
    session.finish();
}

#[test]
fn rapid_edits_end_with_the_diagnostics_of_the_last_version() {
    let (dir, path) = leaky_folder();
    let (mut session, _) = Session::start(push_client(), &[dir.path()]);
    let uri = session.open(&path, LEAKY);
    for version in 2..=40 {
        let text = if version == 40 {
            format!("{LEAKY}route-ipv6 3000::/4\n")
        } else {
            format!("{LEAKY}# edit {version}\n")
        };
        session.change(&uri, version, json!([{ "text": text }]));
    }
    assert_eq!(session.published(&uri, 40), Vec::<Value>::new());
    // Never an older version after a newer one.
    let versions: Vec<i64> = session
        .held
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .map(|m| m["params"]["version"].as_i64().unwrap())
        .collect();
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    session.finish();
}

#[test]
fn a_50_mb_document_does_not_hold_up_a_request_on_another() {
    let (dir, path) = leaky_folder();
    let (mut session, _) = Session::start(push_client(), &[dir.path()]);
    let big_path = dir.path().join("big.ovpn");
    let mut big = String::with_capacity(50 << 20);
    big.push_str(LEAKY);
    while big.len() < 50 << 20 {
        big.push_str(
            "# a comment line that pads the profile out to fifty megabytes, as exports may\n",
        );
    }
    let big_uri = session.open(&big_path, &big);
    let uri = session.open(&path, LEAKY);
    let hover = session.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 4, "character": 2 } }),
    );
    assert!(hover["result"]["contents"]["value"].is_string());
    assert!(
        !session.held.iter().any(|m| m["params"]["uri"] == big_uri),
        "the hover waited for the big document's lint"
    );
    // The big one is linted in the end.
    session.published(&big_uri, 1);
    session.finish();
}

#[test]
fn each_workspace_folder_has_its_own_config() {
    let (first, first_path) = leaky_folder();
    let (second, second_path) = leaky_folder();
    std::fs::write(
        second.path().join(".ovpn6-lint.toml"),
        "[rules]\nignore = [\"incomplete-ipv6-routes\"]\n",
    )
    .unwrap();
    let (mut session, _) = Session::start(push_client(), &[first.path(), second.path()]);
    let first_uri = session.open(&first_path, LEAKY);
    let second_uri = session.open(&second_path, LEAKY);
    assert_eq!(
        rules_of(&session.published(&first_uri, 1)),
        ["incomplete-ipv6-routes"]
    );
    assert_eq!(session.published(&second_uri, 1), Vec::<Value>::new());
    session.finish();
}

/// What the command line reports for a file: (rule, severity, start byte, end byte, message).
type Finding = (String, String, usize, usize, String);

#[test]
fn the_server_and_the_command_line_give_the_same_findings_on_every_fixture() {
    let repo = common::repo();
    let mut fixtures: Vec<PathBuf> = Vec::new();
    for entry in walk(&repo.join("tests")) {
        let ext = entry.extension().and_then(|e| e.to_str());
        if matches!(ext, Some("ovpn" | "conf"))
            && std::fs::read(&entry).is_ok_and(|b| String::from_utf8(b).is_ok())
        {
            fixtures.push(entry);
        }
    }
    fixtures.sort();
    assert!(
        fixtures.len() > 300,
        "the fixtures are found: {}",
        fixtures.len()
    );
    let relative: Vec<PathBuf> = fixtures
        .iter()
        .map(|f| f.strip_prefix(&repo).unwrap().to_path_buf())
        .collect();

    let by_cli = cli_findings(&repo, &relative);
    let by_server = server_findings(&repo, &fixtures, &relative);
    // Files the command line added (the clients of a linted server) are not compared.
    let mut by_cli = by_cli;
    by_cli.retain(|path, _| relative.contains(path));
    let linted_with_findings = by_cli.len();
    assert!(linted_with_findings > 200, "{linted_with_findings}");
    for (path, cli) in &by_cli {
        assert_eq!(by_server.get(path), Some(cli), "{}", path.display());
    }
    assert_eq!(by_server.len(), by_cli.len());
}

/// What the command line, run from the repository root on `relative`, reports for each file.
fn cli_findings(repo: &Path, relative: &[PathBuf]) -> BTreeMap<PathBuf, Vec<Finding>> {
    // The command line, run from the repository root on every fixture.
    let output = common::ovpn6_lint(repo)
        .args(["--format", "json", "--exit-zero"])
        .args(relative)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    let mut by_cli: BTreeMap<PathBuf, Vec<Finding>> = BTreeMap::new();
    for d in report["diagnostics"].as_array().unwrap() {
        let path = PathBuf::from(d["path"].as_str().unwrap());
        let file = PathBuf::from(d["file"].as_str().unwrap());
        let text = std::fs::read(repo.join(&file)).unwrap();
        // Reports count lines at `\n` and columns in characters (a byte order mark takes none).
        let offset = |line: &Value, column: &Value| {
            let line = line.as_u64().unwrap() as usize;
            let mut start: usize = text
                .split_inclusive(|b| *b == b'\n')
                .take(line - 1)
                .map(<[u8]>::len)
                .sum();
            if start == 0 && text.starts_with("\u{FEFF}".as_bytes()) {
                start = 3;
            }
            let rest = String::from_utf8_lossy(&text[start..]);
            let chars = column.as_u64().unwrap() as usize - 1;
            start + rest.chars().take(chars).map(char::len_utf8).sum::<usize>()
        };
        let mut message = d["message"].as_str().unwrap().to_owned();
        let label = d["label"].as_str().unwrap_or_default();
        if !label.is_empty() && label != message {
            message = format!("{message}\n{label}");
        }
        let (start, end) = if file == path {
            (
                offset(&d["line"], &d["column"]),
                offset(&d["end_line"], &d["end_column"]),
            )
        } else {
            message = format!("{} line {}: {message}", file.display(), d["line"]);
            (0, 0)
        };
        by_cli.entry(path).or_default().push((
            d["rule"].as_str().unwrap().to_owned(),
            d["severity"].as_str().unwrap().to_owned(),
            start,
            end,
            message,
        ));
    }

    by_cli
}

/// What the server, with the repository as its workspace folder, publishes for each of
/// `fixtures` (shown as `relative`), opened with its text.
fn server_findings(
    repo: &Path,
    fixtures: &[PathBuf],
    relative: &[PathBuf],
) -> BTreeMap<PathBuf, Vec<Finding>> {
    // The server, with the repository as its workspace folder, on the same paths and texts.
    let (mut session, _) = Session::start(push_client(), &[repo]);
    let mut by_server: BTreeMap<PathBuf, Vec<Finding>> = BTreeMap::new();
    let severity = |n: &Value| match n.as_u64() {
        Some(1) => "error",
        Some(2) => "warning",
        _ => "note",
    };
    for (fixture, shown) in fixtures.iter().zip(relative) {
        let text = std::fs::read_to_string(fixture).unwrap();
        let uri = session.open(fixture, &text);
        let diagnostics = session.published(&uri, 1);
        session.notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": uri } }),
        );
        let index = LineIndex::new(text.as_bytes());
        // The byte order mark takes no column in reports: offsets in it are the offset after it.
        let bom = if text.starts_with('\u{FEFF}') { 3 } else { 0 };
        let offset = |p: &Value| {
            bom.max(index.offset(
                text.as_bytes(),
                Position::new(
                    p["line"].as_u64().unwrap() as u32,
                    p["character"].as_u64().unwrap() as u32,
                ),
                Encoding::Utf16,
            ))
        };
        let findings = diagnostics
            .iter()
            .map(|d| {
                let message = d["message"]
                    .as_str()
                    .unwrap()
                    .replace(&format!("{}/", repo.display()), "");
                (
                    d["code"].as_str().unwrap().to_owned(),
                    severity(&d["severity"]).to_owned(),
                    offset(&d["range"]["start"]),
                    offset(&d["range"]["end"]),
                    message,
                )
            })
            .collect::<Vec<_>>();
        if !findings.is_empty() {
            by_server.insert(shown.clone(), findings);
        }
    }
    session.finish();
    by_server
}

/// Templates (design §10): the server renders a template as the command line does, so both
/// report the same findings at the same places of the template's own lines.
#[test]
fn the_server_and_the_command_line_give_the_same_findings_on_templates() {
    let repo = common::repo();
    let mut fixtures: Vec<PathBuf> = Vec::new();
    for folder in [
        "tests/data/templates",
        "tests/data/terraform",
        "examples/terraform",
        "examples/ansible-role",
    ] {
        fixtures.extend(walk(&repo.join(folder)).into_iter().filter(|f| {
            let name = f.file_name().unwrap().to_str().unwrap();
            [".tf", ".tftpl", ".tpl", ".tmpl", ".j2", ".sh"]
                .iter()
                .any(|ext| name.ends_with(ext))
        }));
    }
    fixtures.sort();
    let relative: Vec<PathBuf> = fixtures
        .iter()
        .map(|f| f.strip_prefix(&repo).unwrap().to_path_buf())
        .collect();
    let by_cli = cli_findings(&repo, &relative);
    let by_server = server_findings(&repo, &fixtures, &relative);
    // Every kind of template has findings: a Terraform heredoc, a `templatefile` target, a
    // Jinja2 role template, a Go template and a shell here-document.
    for path in [
        "examples/terraform/main.tf",
        "examples/terraform/laptop.ovpn.tftpl",
        "examples/ansible-role/templates/client.ovpn.j2",
        "tests/data/templates/client.ovpn.tmpl",
        "tests/data/templates/make-client.sh",
    ] {
        assert!(
            by_cli.contains_key(Path::new(path)),
            "{path}: {:?}",
            by_cli.keys()
        );
    }
    for (path, cli) in &by_cli {
        assert_eq!(by_server.get(path), Some(cli), "{}", path.display());
    }
    assert_eq!(by_server.len(), by_cli.len(), "{:?}", by_server.keys());
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn edits_from_the_client_apply_in_the_negotiated_encoding() {
    let mut text = "# é\nroute-ipv6 2000::/4\n".to_owned();
    let range = Range::new(Position::new(0, 2), Position::new(0, 3));
    apply_change(&mut text, Some(range), "e", Encoding::Utf16);
    assert_eq!(text, "# e\nroute-ipv6 2000::/4\n");
}

#[test]
fn a_paired_servers_line_is_related_information() {
    let repo = common::repo();
    let (mut session, _) = Session::start(push_client(), &[&repo]);
    let path = repo.join("examples/self-hosted/laptop.ovpn");
    let uri = session.open(&path, &std::fs::read_to_string(&path).unwrap());
    let diagnostics = session.published(&uri, 1);
    assert_eq!(rules_of(&diagnostics), ["incomplete-ipv6-routes"]);
    let related = &diagnostics[0]["relatedInformation"][0];
    assert_eq!(
        related["location"]["uri"],
        self::uri(&repo.join("examples/self-hosted/server.conf"))
    );
    assert_eq!(related["location"]["range"]["start"]["line"], 8);
    assert_eq!(related["message"], "the server pushes only 2000::/4");
    session.finish();
}

#[test]
fn an_unsafe_fix_says_so_and_is_not_preferred() {
    let repo = common::repo();
    let (mut session, _) = Session::start(push_client(), &[&repo]);
    let path = repo.join("tests/rules/tunnel-address-out-of-range/bad.ovpn");
    let uri = session.open(&path, &std::fs::read_to_string(&path).unwrap());
    let diagnostics = session.published(&uri, 1);
    let finding = diagnostics
        .iter()
        .find(|d| d["code"] == "tunnel-address-out-of-range")
        .expect("the rule's bad example fires");
    let actions = session.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": finding["range"],
                "context": { "diagnostics": [finding], "only": ["quickfix"] } }),
    );
    let fix = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"].as_str().unwrap().contains("unsafe: review it"))
        .cloned()
        .expect("the unsafe fix is offered, labelled");
    assert_eq!(fix["kind"], "quickfix");
    assert!(fix.get("isPreferred").is_none(), "{fix}");
    // No source action when only quick fixes are asked for.
    assert!(
        actions["result"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["kind"] == "quickfix")
    );
    session.finish();
}

#[test]
fn the_suppression_action_silences_the_finding_on_its_line() {
    let (dir, path) = leaky_folder();
    let (mut session, _) = Session::start(push_client(), &[dir.path()]);
    let uri = session.open(&path, LEAKY);
    let diagnostics = session.published(&uri, 1);
    let actions = session.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": diagnostics[0]["range"],
                "context": { "diagnostics": diagnostics } }),
    );
    let suppress = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Suppress `incomplete-ipv6-routes` on this line")
        .cloned()
        .unwrap();
    let mut text = LEAKY.to_owned();
    let mut changes = Vec::new();
    for edit in suppress["edit"]["changes"][&uri].as_array().unwrap() {
        let range: Range = serde_json::from_value(edit["range"].clone()).unwrap();
        apply_change(
            &mut text,
            Some(range),
            edit["newText"].as_str().unwrap(),
            Encoding::Utf16,
        );
        changes.push(json!({ "range": edit["range"], "text": edit["newText"] }));
    }
    assert!(
        text.contains("# ovpn6-lint: disable=incomplete-ipv6-routes"),
        "{text}"
    );
    session.change(&uri, 2, json!(changes));
    assert_eq!(session.published(&uri, 2), Vec::<Value>::new());
    session.finish();
}

#[test]
fn a_workspace_folder_added_later_brings_its_own_config() {
    let (dir, path) = leaky_folder();
    std::fs::write(
        dir.path().join(".ovpn6-lint.toml"),
        "[rules]\nignore = [\"incomplete-ipv6-routes\"]\n",
    )
    .unwrap();
    // Opened with no folder: the profile's own folder is searched for a config, and finds it.
    let (mut session, _) = Session::start(push_client(), &[]);
    let uri = session.open(&path, LEAKY);
    assert_eq!(session.published(&uri, 1), Vec::<Value>::new());
    std::fs::remove_file(dir.path().join(".ovpn6-lint.toml")).unwrap();
    session.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({ "event": { "added": [{ "uri": self::uri(dir.path()), "name": "p" }],
                           "removed": [] } }),
    );
    assert_eq!(
        rules_of(&session.published(&uri, 1)),
        ["incomplete-ipv6-routes"]
    );
    session.finish();
}

#[test]
fn a_change_to_the_paired_server_config_relints_its_clients() {
    let repo = common::repo();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(
        dir.path().join(".ovpn6-lint.toml"),
        "[params]\nserver = \"server.conf\"\n",
    )
    .unwrap();
    let server = dir.path().join("server.conf");
    let pushes_half =
        std::fs::read_to_string(repo.join("examples/self-hosted/server.conf")).unwrap();
    std::fs::write(&server, &pushes_half).unwrap();
    let client = dir.path().join("laptop.ovpn");
    let text = std::fs::read_to_string(repo.join("examples/self-hosted/laptop.ovpn")).unwrap();
    std::fs::write(&client, &text).unwrap();

    let (mut session, _) = Session::start(push_client(), &[dir.path()]);
    let uri = session.open(&client, &text);
    assert_eq!(
        rules_of(&session.published(&uri, 1)),
        ["incomplete-ipv6-routes"]
    );
    // The server now pushes all of 2000::/3: the client, unchanged, is linted again.
    std::fs::write(
        &server,
        pushes_half.replace(
            "push \"route-ipv6 2000::/4\"",
            "push \"route-ipv6 2000::/3\"",
        ),
    )
    .unwrap();
    assert_eq!(session.published(&uri, 1), Vec::<Value>::new());
    session.finish();
}

/// A template's "fix all" is the command line's `--fix` of it: the fixes land in the
/// template's literal lines and its placeholders are kept.
#[test]
fn fix_all_of_a_template_is_what_the_command_line_fixes() {
    const TEMPLATE: &str =
        "client\ndev tun\nremote {{ vpn_host }} 1194\nroute-ipv6 2000::/4\nverb 3\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let path = dir.path().join("client.ovpn.j2");
    std::fs::write(&path, TEMPLATE).unwrap();

    let (mut session, _) = Session::start(push_client(), &[dir.path()]);
    let uri = session.open(&path, TEMPLATE);
    assert_eq!(
        rules_of(&session.published(&uri, 1)),
        ["missing-ifconfig-ipv6", "incomplete-ipv6-routes"]
    );
    let actions = session.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri },
                "range": { "start": { "line": 3, "character": 0 },
                           "end": { "line": 3, "character": 0 } },
                "context": { "diagnostics": [] } }),
    );
    let actions = actions["result"].as_array().unwrap();
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    // No suppression comment is offered for a template (as `--add-suppressions`).
    assert!(
        titles.iter().all(|t| !t.starts_with("Suppress")),
        "{titles:?}"
    );
    let fix_all = actions
        .iter()
        .find(|a| a["kind"] == "source.fixAll.ovpn6-lint")
        .expect("a fix-all action");
    let fixed = fix_all["edit"]["changes"][&uri][0]["newText"]
        .as_str()
        .unwrap()
        .to_owned();
    session.finish();

    common::ovpn6_lint(dir.path())
        .args(["--fix", "client.ovpn.j2"])
        .assert()
        .success();
    let by_cli = std::fs::read_to_string(&path).unwrap();
    assert_ne!(by_cli, TEMPLATE, "the command line fixed it");
    assert!(by_cli.contains("remote {{ vpn_host }} 1194\n"), "{by_cli}");
    assert_eq!(fixed, by_cli);
}
