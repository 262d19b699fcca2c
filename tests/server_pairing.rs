//! Clients judged with what their server config in the same repository pushes (`server`
//! param): pushed routes and addresses count, the client's `route-nopull` and `pull-filter`
//! apply on top, findings point at the server's lines, and a change to a server re-lints its
//! clients.

mod common;

use std::fs;
use std::path::Path;

use common::{fired, ovpn6_lint, stderr_of, stdout_of};

const CLIENT: &str = "client\ndev tun\nproto udp\nremote vpn.example.com 1194\nnobind\n";

/// A server with an IPv6 pool; `pushes` are its push lines.
fn server(pushes: &str) -> String {
    format!(
        "port 1194\nproto udp\ndev tun\nserver 10.8.0.0 255.255.255.0\nserver-ipv6 fd00:8::/64\n{pushes}keepalive 10 120\n"
    )
}

const PAIRED: &str = "\
[[overrides]]
files = [\"clients/**\"]
params = { server = \"servers/office.conf\" }
";

struct Repo {
    dir: tempfile::TempDir,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Repo {
    fn new(config: &str, server: &str, client: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let repo = Self { dir };
        fs::create_dir(repo.dir.path().join(".git")).unwrap();
        repo.write(".ovpn6-lint.toml", config);
        repo.write("servers/office.conf", server);
        repo.write("clients/laptop.ovpn", client);
        repo
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.dir.path().join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn run_in(&self, cwd: &str, args: &[&str]) -> Run {
        let output = ovpn6_lint(&self.dir.path().join(cwd))
            .args(args)
            .output()
            .unwrap();
        Run {
            code: output.status.code().unwrap(),
            stdout: stdout_of(&output),
            stderr: stderr_of(&output),
        }
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_in(".", args)
    }

    /// The rule ids the client gets.
    fn client_ids(&self) -> Vec<String> {
        let run = self.run(&["--format", "short", "clients/laptop.ovpn"]);
        assert!(run.code < 2, "{}", run.stderr);
        fired(&run.stdout)
    }
}

#[test]
fn a_server_that_pushes_ipv6_everywhere_makes_its_client_clean() {
    for pushes in [
        "push \"route-ipv6 2000::/3\"\n",
        "push \"redirect-gateway def1 ipv6\"\n",
        "push \"route-ipv6 2000::/4\"\npush \"route-ipv6 3000::/4\"\n",
    ] {
        let repo = Repo::new(PAIRED, &server(pushes), CLIENT);
        assert_eq!(repo.client_ids(), Vec::<String>::new(), "{pushes}");
    }
}

#[test]
fn unpaired_the_same_client_leaks() {
    let repo = Repo::new("", &server("push \"route-ipv6 2000::/3\"\n"), CLIENT);
    assert_eq!(
        repo.client_ids(),
        ["incomplete-ipv6-routes", "missing-ifconfig-ipv6"]
    );
}

#[test]
fn a_partial_push_is_named_with_the_servers_line() {
    let repo = Repo::new(
        PAIRED,
        &server("push \"redirect-gateway def1\"\npush \"route-ipv6 2000::/4\"\n"),
        CLIENT,
    );
    let run = repo.run(&["clients/laptop.ovpn"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains(
            "error[incomplete-ipv6-routes]: IPv6 routes leave 3000::/4 outside the tunnel"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("servers/office.conf:7:6"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("the server pushes only 2000::/4"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("missing-ifconfig-ipv6"),
        "the pool gives an address"
    );

    // SARIF: the server's line is a related location.
    let run = repo.run(&["--format", "sarif", "clients/laptop.ovpn"]);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "incomplete-ipv6-routes");
    let related = &result["relatedLocations"][0]["physicalLocation"];
    assert_eq!(
        related["artifactLocation"]["uri"], "servers/office.conf",
        "{result}"
    );
    assert_eq!(related["region"]["startLine"], 7);
}

#[test]
fn the_clients_route_nopull_and_pull_filter_apply_on_top() {
    let pushes = "push \"route-ipv6 2000::/3\"\n";
    for (extra, expected) in [
        ("route-nopull\n", vec!["incomplete-ipv6-routes"]),
        (
            "pull-filter ignore \"route-ipv6\"\n",
            vec!["incomplete-ipv6-routes"],
        ),
        (
            "pull-filter ignore \"ifconfig-ipv6\"\n",
            vec!["missing-ifconfig-ipv6"],
        ),
        (
            "pull-filter accept \"route-ipv6 2000::/3\"\npull-filter ignore \"route-ipv6\"\n",
            vec![],
        ),
    ] {
        let repo = Repo::new(PAIRED, &server(pushes), &format!("{CLIENT}{extra}"));
        assert_eq!(repo.client_ids(), expected, "{extra}");
    }
    // The finding points at the client's filter and says what to do.
    let repo = Repo::new(PAIRED, &server(pushes), &format!("{CLIENT}route-nopull\n"));
    let run = repo.run(&["clients/laptop.ovpn"]);
    assert!(
        run.stdout
            .contains("this line removes the IPv6 routes the server pushes"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("remove line 6"), "{}", run.stdout);
}

#[test]
fn a_server_that_pushes_no_ipv6_leaves_its_client_leaking() {
    let no_ipv6 =
        "port 1194\ndev tun\nserver 10.8.0.0 255.255.255.0\npush \"redirect-gateway def1\"\n";
    let repo = Repo::new(PAIRED, no_ipv6, CLIENT);
    assert_eq!(
        repo.client_ids(),
        ["incomplete-ipv6-routes", "missing-ifconfig-ipv6"]
    );
}

#[test]
fn push_remove_in_the_main_server_config_is_refused() {
    let repo = Repo::new(
        PAIRED,
        &server("push \"route-ipv6 2000::/3\"\npush-remove route-ipv6\n"),
        CLIENT,
    );
    let run = repo.run(&["--format", "short", "servers/office.conf"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains(
            "servers/office.conf:7:1: error[invalid-ipv6-directive] `push-remove` is only allowed in client-config-dir files"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn linting_only_the_server_lints_its_clients_too() {
    let repo = Repo::new(PAIRED, &server("push \"route-ipv6 2000::/4\"\n"), CLIENT);
    repo.write("other/unrelated.ovpn", CLIENT);
    let run = repo.run(&["--format", "short", "servers/office.conf"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "clients/laptop.ovpn:1:1: error[incomplete-ipv6-routes] IPv6 routes leave 3000::/4 outside the tunnel\n",
        "the client's findings under the client's path, and not the unrelated profile's"
    );
}

#[test]
fn a_missing_or_wrong_server_path_is_a_config_error() {
    let repo = Repo::new(
        "[params]\nserver = \"servers/nope.conf\"\n",
        &server(""),
        CLIENT,
    );
    let run = repo.run(&["clients/laptop.ovpn"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error: params.server: cannot read the server config"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nope.conf"), "{}", run.stderr);
    assert!(
        run.stderr.contains(".ovpn6-lint.toml:2:10"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("passed"), "{}", run.stdout);

    let repo = Repo::new(
        "[params]\nserver = \"clients/laptop.ovpn\"\n",
        &server(""),
        CLIENT,
    );
    let run = repo.run(&["clients/laptop.ovpn"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("is not a server config"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_server_path_is_relative_to_the_config_file_from_any_working_directory() {
    let repo = Repo::new(
        "[params]\nserver = \"../servers/office.conf\"\n",
        &server("push \"route-ipv6 2000::/3\"\n"),
        CLIENT,
    );
    // The config lives in cfg/, the run starts in clients/.
    let config = fs::read_to_string(repo.dir.path().join(".ovpn6-lint.toml")).unwrap();
    fs::remove_file(repo.dir.path().join(".ovpn6-lint.toml")).unwrap();
    repo.write("cfg/lint.toml", &config);
    let run = repo.run_in("clients", &["--config", "../cfg/lint.toml", "laptop.ovpn"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(Path::new(&repo.dir.path().join("servers/office.conf")).exists());
}

#[test]
fn suppressions_in_the_server_do_not_speak_for_its_clients() {
    let repo = Repo::new(
        PAIRED,
        &server(
            "push \"route-ipv6 2000::/4\"\n# ovpn6-lint: disable-file=incomplete-ipv6-routes\n",
        ),
        CLIENT,
    );
    assert_eq!(repo.client_ids(), ["incomplete-ipv6-routes"]);
}

#[test]
fn a_leaky_client_beside_a_server_config_is_told_about_server() {
    let repo = Repo::new("", &server("push \"route-ipv6 2000::/3\"\n"), CLIENT);
    repo.write("servers/laptop.ovpn", CLIENT);
    let run = repo.run(&["servers/laptop.ovpn"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout
            .matches("set `server = \"servers/office.conf\"` for the profile")
            .count(),
        2,
        "{}",
        run.stdout
    );
    // Not where no server config is beside it, nor once `server` is set.
    let run = repo.run(&["clients/laptop.ovpn"]);
    assert!(!run.stdout.contains("`server = "), "{}", run.stdout);
    // Nor for an AWS profile: its server is the endpoint.
    repo.write(
        "servers/aws.ovpn",
        &CLIENT.replace(
            "vpn.example.com",
            "cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com",
        ),
    );
    let run = repo.run(&["servers/aws.ovpn"]);
    assert_eq!(run.code, 1);
    assert!(!run.stdout.contains("`server = "), "{}", run.stdout);
}

#[test]
fn clients_found_in_a_walked_folder_are_told_about_the_server_beside_them() {
    let repo = Repo::new("", &server("push \"route-ipv6 2000::/3\"\n"), CLIENT);
    repo.write("servers/laptop.ovpn", CLIENT);
    // A `.conf` client: the walk knows the folder's `.conf` files, and the client itself is
    // no candidate.
    repo.write("servers/phone.conf", CLIENT);
    let run = repo.run(&["servers"]);
    assert_eq!(run.code, 1);
    for client in ["servers/laptop.ovpn", "servers/phone.conf"] {
        let said = run
            .stdout
            .split("\n\n")
            .filter(|finding| finding.contains(client))
            .filter(|finding| finding.contains("set `server = \"servers/office.conf\"`"))
            .count();
        assert_eq!(said, 2, "{client}:\n{}", run.stdout);
    }
}

#[test]
fn inspect_and_route_judge_the_client_with_its_server() {
    let repo = Repo::new(PAIRED, &server("push \"route-ipv6 2000::/4\"\n"), CLIENT);
    let run = repo.run(&["--inspect", "clients/laptop.ovpn"]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let tunnel = &json[0]["tunnel"];
    assert_eq!(tunnel["address"]["from"], "pushed");
    assert_eq!(tunnel["address"]["at"]["line"], 5);
    assert_eq!(tunnel["routes"][0]["network"], "2000::/4");
    assert_eq!(tunnel["routes"][0]["from"], "pushed");

    let run = repo.run(&[
        "--route",
        "2001:db8::1",
        "--route",
        "3000::1",
        "--format",
        "json",
        "clients/laptop.ovpn",
    ]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json[0]["via"], "tunnel");
    assert_eq!(json[0]["file"], "servers/office.conf");
    assert_eq!(json[0]["line"], 6);
    assert_eq!(json[1]["via"], "local");
}
