//! AWS Client VPN profiles judged with their own endpoint's facts, read from Terraform,
//! CloudFormation or AWS CLI output in the same repository: the link (param or endpoint id in
//! `remote`), findings that point at the line that decided a fact, params that win and say so,
//! re-linting a changed definition's profiles, and every bad input as a config error.

mod common;

use std::fs;

use common::{fired, ovpn6_lint, stderr_of, stdout_of};

const OFFICE_ID: &str = "cvpn-endpoint-0123456789abcdef0";
const LAB_ID: &str = "cvpn-endpoint-0fedcba987654321f";

/// An AWS export for the endpoint `id`, with `extra` lines.
fn export(id: &str, extra: &str) -> String {
    format!(
        "client\ndev tun\nproto udp\nremote {id}.prod.clientvpn.eu-west-1.amazonaws.com 443\n\
         remote-random-hostname\nnobind\n{extra}"
    )
}

/// The lines AWS's legacy advice adds.
const LEGACY: &str = "ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\nroute-ipv6 2000::/3\n";

const TWO_ENDPOINTS_TF: &str = r#"variable "lab_traffic" {
  type    = string
  default = "dual-stack"
}

resource "aws_ec2_client_vpn_endpoint" "office" {
  description = "IPv4 traffic, full tunnel: the API's defaults"
}

resource "aws_ec2_client_vpn_endpoint" "lab" {
  traffic_ip_address_type = var.lab_traffic
  split_tunnel            = true
}

resource "aws_ec2_client_vpn_route" "lab_v6" {
  client_vpn_endpoint_id = aws_ec2_client_vpn_endpoint.lab.id
  destination_cidr_block = "2001:db8:1000::/40"
}
"#;

const LINKED: &str = r#"[[overrides]]
files = ["profiles/office.ovpn"]
params = { aws-endpoint = "infra/main.tf#office" }

[[overrides]]
files = ["profiles/lab.ovpn"]
params = { aws-endpoint = "infra/main.tf#lab" }
"#;

struct Repo {
    dir: tempfile::TempDir,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Repo {
    fn new(files: &[(&str, &str)]) -> Self {
        let repo = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        fs::create_dir(repo.dir.path().join(".git")).unwrap();
        for (path, text) in files {
            repo.write(path, text);
        }
        repo
    }

    /// The Terraform module with two endpoints, a profile for each, and the links.
    fn two_endpoints(office: &str, lab: &str) -> Self {
        Self::new(&[
            (".ovpn6-lint.toml", LINKED),
            ("infra/main.tf", TWO_ENDPOINTS_TF),
            ("profiles/office.ovpn", office),
            ("profiles/lab.ovpn", lab),
        ])
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.dir.path().join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn run(&self, args: &[&str]) -> Run {
        let output = ovpn6_lint(self.dir.path()).args(args).output().unwrap();
        Run {
            code: output.status.code().unwrap(),
            stdout: stdout_of(&output),
            stderr: stderr_of(&output),
        }
    }

    /// The rule ids `path` gets.
    fn ids(&self, path: &str) -> Vec<String> {
        let run = self.run(&["--format", "short", path]);
        assert!(run.code < 2, "{}", run.stderr);
        fired(&run.stdout)
    }
}

#[test]
fn two_endpoints_each_profile_judged_by_its_own() {
    let repo = Repo::two_endpoints(&export(OFFICE_ID, ""), &export(LAB_ID, LEGACY));
    assert_eq!(
        repo.ids("profiles/office.ovpn"),
        ["incomplete-ipv6-routes", "missing-ifconfig-ipv6"]
    );
    // dual-stack with a split tunnel: the legacy lines are harmful, nothing leaks by design.
    assert_eq!(
        repo.ids("profiles/lab.ovpn"),
        ["legacy-ipv6-workaround", "legacy-ipv6-workaround"]
    );
    // Without the links the lab profile would be judged as an `ipv4` endpoint's: clean.
    repo.write(".ovpn6-lint.toml", "");
    assert_eq!(repo.ids("profiles/lab.ovpn"), Vec::<String>::new());
}

#[test]
fn findings_point_at_the_line_that_decided_the_fact() {
    let repo = Repo::two_endpoints(&export(OFFICE_ID, ""), &export(LAB_ID, LEGACY));
    let run = repo.run(&["profiles/office.ovpn", "profiles/lab.ovpn"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let out = &run.stdout;
    // The office endpoint sets nothing: the resource's first line, and the defaults said.
    assert!(out.contains("┌─ infra/main.tf:6:1"), "{out}");
    assert!(
        out.contains("no traffic IP address type is set: the endpoint's is `ipv4`, the default"),
        "{out}"
    );
    // The lab's traffic type comes from the variable's default.
    assert!(out.contains("┌─ infra/main.tf:3:3"), "{out}");
    assert!(
        out.contains("the endpoint's traffic IP address type is `dual-stack`"),
        "{out}"
    );
    assert!(out.contains("the endpoint's split tunnel is on"), "{out}");
    assert!(
        out.contains("the endpoint routes 2001:db8:1000::/40 into the tunnel"),
        "{out}"
    );
    // Linked: the note no longer tells the user to set the traffic type by hand.
    assert!(!out.contains("nothing links it"), "{out}");

    let run = repo.run(&["--format", "sarif", "profiles/office.ovpn"]);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let related = &sarif["runs"][0]["results"][0]["relatedLocations"];
    let uris: Vec<&str> = related
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.contains(&"infra/main.tf"), "{related}");
}

#[test]
fn tfvars_override_the_default_and_an_unset_variable_is_unknown() {
    let repo = Repo::two_endpoints(&export(OFFICE_ID, ""), &export(LAB_ID, LEGACY));
    repo.write("infra/terraform.tfvars", "lab_traffic = \"ipv4\"\n");
    // ipv4 and a split tunnel: the legacy lines are what keeps the global IPv6 in.
    assert_eq!(
        repo.ids("profiles/lab.ovpn"),
        ["legacy-ipv6-workaround"],
        "a split tunnel's static route to 2000::/3 is still flagged"
    );
    let run = repo.run(&["profiles/lab.ovpn"]);
    assert!(
        run.stdout.contains("┌─ infra/terraform.tfvars:1:1"),
        "{}",
        run.stdout
    );

    // A variable with no default and no tfvars: unknown, said in the note with its place.
    repo.write(
        "infra/main.tf",
        &TWO_ENDPOINTS_TF.replace("  default = \"dual-stack\"\n", ""),
    );
    fs::remove_file(repo.dir.path().join("infra/terraform.tfvars")).unwrap();
    let run = repo.run(&["profiles/lab.ovpn"]);
    assert!(
        run.stdout.contains(
            "its traffic IP address type is unknown (`traffic_ip_address_type`: the variable \
             `var.lab_traffic` has no default and no tfvars file sets it, at infra/main.tf:10)"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn crlf_definitions_read_the_same() {
    let lf = Repo::two_endpoints(&export(OFFICE_ID, ""), &export(LAB_ID, LEGACY));
    let crlf = Repo::two_endpoints(&export(OFFICE_ID, ""), &export(LAB_ID, LEGACY));
    crlf.write("infra/main.tf", &TWO_ENDPOINTS_TF.replace('\n', "\r\n"));
    for profile in ["profiles/office.ovpn", "profiles/lab.ovpn"] {
        let a = lf.run(&["--format", "json", profile]);
        let b = crlf.run(&["--format", "json", profile]);
        assert_eq!(a.stdout, b.stdout, "{profile}");
    }
}

#[test]
fn a_param_that_contradicts_the_endpoint_wins_and_says_so() {
    let repo = Repo::two_endpoints(&export(OFFICE_ID, ""), &export(LAB_ID, LEGACY));
    repo.write(
        ".ovpn6-lint.toml",
        &format!(
            "{LINKED}\n[[overrides]]\nfiles = [\"profiles/lab.ovpn\"]\nparams = {{ traffic-ip-address-type = \"ipv4\" }}\n"
        ),
    );
    let run = repo.run(&["--format", "short", "profiles/lab.ovpn"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "`traffic-ip-address-type = \"ipv4\"` at .ovpn6-lint.toml:11 contradicts the \
             endpoint `lab`, whose traffic IP address type is `dual-stack` at infra/main.tf:3; \
             the param wins"
        ),
        "{}",
        run.stderr
    );
    // Judged as ipv4 (the param) with the endpoint's split tunnel.
    assert_eq!(fired(&run.stdout), ["legacy-ipv6-workaround"]);
}

#[test]
fn cloudformation_yaml_and_json() {
    let yaml = "\
Parameters:
  Traffic:
    Type: String
    Default: dual-stack
Resources:
  OfficeVpn:
    Type: AWS::EC2::ClientVpnEndpoint
    Properties:
      TrafficIpAddressType: !Ref Traffic
      ServerCertificateArn: !Sub 'arn:aws:acm:${AWS::Region}:1:certificate/x'
";
    let json = r#"{"Resources": {"Vpn": {"Type": "AWS::EC2::ClientVpnEndpoint", "Properties": {"SplitTunnel": false}}}}"#;
    let repo = Repo::new(&[
        (
            ".ovpn6-lint.toml",
            "[[overrides]]\nfiles = [\"a.ovpn\"]\nparams = { aws-endpoint = \"cfn/vpn.yaml#OfficeVpn\" }\n\
             [[overrides]]\nfiles = [\"b.ovpn\"]\nparams = { aws-endpoint = \"cdk.out/Stack.template.json#Vpn\" }\n",
        ),
        ("cfn/vpn.yaml", yaml),
        ("cdk.out/Stack.template.json", json),
        ("a.ovpn", &export(OFFICE_ID, LEGACY)),
        ("b.ovpn", &export(LAB_ID, "")),
    ]);
    assert_eq!(
        repo.ids("a.ovpn"),
        ["legacy-ipv6-workaround", "legacy-ipv6-workaround"]
    );
    let run = repo.run(&["a.ovpn"]);
    assert!(run.stdout.contains("┌─ cfn/vpn.yaml:4:"), "{}", run.stdout);
    assert_eq!(
        repo.ids("b.ovpn"),
        ["incomplete-ipv6-routes", "missing-ifconfig-ipv6"]
    );
}

const CLI_ENDPOINTS: &str = r#"{
    "ClientVpnEndpoints": [
        {
            "ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0",
            "SplitTunnel": false,
            "TrafficIpAddressType": "ipv4"
        },
        {
            "ClientVpnEndpointId": "cvpn-endpoint-0fedcba987654321f",
            "SplitTunnel": false,
            "TrafficIpAddressType": "dual-stack"
        }
    ]
}
"#;

#[test]
fn cli_output_links_profiles_by_the_endpoint_id_in_remote() {
    let labelled = export(LAB_ID, LEGACY).replace("remote cvpn", "remote abc123.cvpn");
    let repo = Repo::new(&[
        (
            ".ovpn6-lint.toml",
            "[params]\naws-endpoints = [\"aws/endpoints.json\"]\n",
        ),
        ("aws/endpoints.json", CLI_ENDPOINTS),
        ("office.ovpn", &export(OFFICE_ID, "")),
        ("lab.ovpn", &labelled),
    ]);
    assert_eq!(
        repo.ids("office.ovpn"),
        ["incomplete-ipv6-routes", "missing-ifconfig-ipv6"]
    );
    assert_eq!(
        repo.ids("lab.ovpn"),
        ["legacy-ipv6-workaround", "legacy-ipv6-workaround"]
    );
    let run = repo.run(&["--inspect", "lab.ovpn"]);
    let inspect: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let endpoint = &inspect[0]["endpoint"];
    assert_eq!(endpoint["linked_by"], "remote");
    assert_eq!(endpoint["id"], LAB_ID);
    assert_eq!(endpoint["traffic_ip_address_type"]["value"], "dual-stack");
    assert_eq!(
        endpoint["traffic_ip_address_type"]["file"],
        "aws/endpoints.json"
    );
    assert_eq!(endpoint["traffic_ip_address_type"]["line"], 11);
}

#[test]
fn an_old_cli_without_the_traffic_type_is_unknown_not_ipv4() {
    let old = CLI_ENDPOINTS
        .replace("            \"TrafficIpAddressType\": \"dual-stack\"\n", "")
        .replace(
            "\"SplitTunnel\": false,\n            \"TrafficIpAddressType\": \"ipv4\"",
            "\"SplitTunnel\": false",
        );
    let repo = Repo::new(&[
        (
            ".ovpn6-lint.toml",
            "[params]\naws-endpoints = [\"aws/endpoints.json\"]\n",
        ),
        ("aws/endpoints.json", &old),
        ("office.ovpn", &export(OFFICE_ID, "")),
    ]);
    let run = repo.run(&["office.ovpn"]);
    assert!(
        run.stdout
            .contains("its traffic IP address type is unknown")
            && run.stdout.contains("older"),
        "{}",
        run.stdout
    );
}

#[test]
fn split_tunnel_routes_answer_route_and_say_what_could_change() {
    let repo = Repo::two_endpoints(&export(OFFICE_ID, ""), &export(LAB_ID, ""));
    let run = repo.run(&[
        "--route",
        "2001:db8:1000::1",
        "--route",
        "2a00::1",
        "profiles/lab.ovpn",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].contains("2001:db8:1000::1: tunnel"),
        "{}",
        run.stdout
    );
    assert!(
        lines[0].contains("2001:db8:1000::/40 holds it"),
        "{}",
        run.stdout
    );
    assert!(lines[1].contains("2a00::1: local"), "{}", run.stdout);
    assert!(
        lines[1].contains("could change with routes the repository does not show"),
        "{}",
        run.stdout
    );
}

#[test]
fn linting_a_changed_definition_lints_its_profiles() {
    let repo = Repo::two_endpoints(&export(OFFICE_ID, ""), &export(LAB_ID, LEGACY));
    let run = repo.run(&["--format", "short", "infra/main.tf"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("profiles/office.ovpn:"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("profiles/lab.ovpn:"), "{}", run.stdout);

    let repo = Repo::new(&[
        (
            ".ovpn6-lint.toml",
            "[params]\naws-endpoints = [\"aws/endpoints.json\"]\n",
        ),
        ("aws/endpoints.json", CLI_ENDPOINTS),
        ("vpn/office.ovpn", &export(OFFICE_ID, "")),
        (
            "vpn/other.ovpn",
            &export("cvpn-endpoint-0aaaaaaaaaaaaaaaa", ""),
        ),
    ]);
    let run = repo.run(&["--format", "short", "aws/endpoints.json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("vpn/office.ovpn:"), "{}", run.stdout);
    assert!(!run.stdout.contains("vpn/other.ovpn:"), "{}", run.stdout);
}

/// A config error: exit 2, a message with the place, nothing written.
fn config_error(repo: &Repo, expected: &[&str]) {
    let before = fs::read(repo.dir.path().join("profiles/office.ovpn")).unwrap();
    let run = repo.run(&["--fix", "profiles/office.ovpn"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    for text in expected {
        assert!(
            run.stderr.contains(text),
            "missing {text:?} in:\n{}",
            run.stderr
        );
    }
    assert_eq!(
        fs::read(repo.dir.path().join("profiles/office.ovpn")).unwrap(),
        before
    );
}

#[test]
fn bad_definitions_are_config_errors_with_their_place() {
    let repo = Repo::two_endpoints(&export(OFFICE_ID, ""), &export(LAB_ID, ""));
    repo.write(
        "infra/broken.tf",
        "resource \"a\" \"b\" {\n  x = \"open\n}\n",
    );
    config_error(
        &repo,
        &[
            "`infra/broken.tf:2` does not parse as Terraform: a quoted string is never closed",
            ".ovpn6-lint.toml:3",
        ],
    );

    let repo = Repo::two_endpoints(&export(OFFICE_ID, ""), &export(LAB_ID, ""));
    repo.write(
        ".ovpn6-lint.toml",
        &LINKED.replace("main.tf#office", "main.tf#offce"),
    );
    config_error(
        &repo,
        &["`infra/main.tf` defines no endpoint `offce` (it defines `office`, `lab`)"],
    );

    let repo = Repo::two_endpoints(&export(OFFICE_ID, ""), &export(LAB_ID, ""));
    repo.write(
        "infra/main.tf",
        &format!(
            "{TWO_ENDPOINTS_TF}\nresource \"aws_ec2_client_vpn_endpoint\" \"office\" {{\n}}\n"
        ),
    );
    config_error(
        &repo,
        &["two endpoints are named `office`: at infra/main.tf:6 and at infra/main.tf:20"],
    );

    let repo = Repo::two_endpoints(&export(OFFICE_ID, ""), &export(LAB_ID, ""));
    repo.write(
        ".ovpn6-lint.toml",
        "[[overrides]]\nfiles = [\"profiles/office.ovpn\"]\nparams = { aws-endpoints = [\"policy.json\"] }\n",
    );
    repo.write(
        "policy.json",
        "{\"Version\": \"2012-10-17\", \"Statement\": []}\n",
    );
    config_error(
        &repo,
        &["`policy.json:1` is not the output of `aws ec2 describe-client-vpn-endpoints`"],
    );

    let repo = Repo::two_endpoints(&export(OFFICE_ID, ""), &export(LAB_ID, ""));
    repo.write(
        ".ovpn6-lint.toml",
        &LINKED.replace("infra/main.tf#office", "cvpn-endpoint-0123"),
    );
    config_error(
        &repo,
        &["no `aws-endpoints` file describes the endpoint `cvpn-endpoint-0123`"],
    );

    let repo = Repo::two_endpoints(&export(OFFICE_ID, ""), &export(LAB_ID, ""));
    repo.write(
        ".ovpn6-lint.toml",
        &LINKED.replace("infra/main.tf#office", "infra/main.tf"),
    );
    config_error(&repo, &["names no endpoint: write \"PATH#NAME\""]);
}

#[test]
fn definitions_outside_the_repository_are_not_read() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("vpn.tf"), TWO_ENDPOINTS_TF).unwrap();
    let absolute = format!("{}/vpn.tf#office", outside.path().display());
    for target in [absolute.as_str(), "../../outside.tf#office"] {
        let repo = Repo::two_endpoints(&export(OFFICE_ID, ""), &export(LAB_ID, ""));
        repo.write(
            ".ovpn6-lint.toml",
            &LINKED.replace("infra/main.tf#office", target),
        );
        fs::write(repo.dir.path().join("../outside.tf"), TWO_ENDPOINTS_TF).ok();
        let run = repo.run(&["profiles/office.ovpn"]);
        assert_eq!(run.code, 2, "{target}: {}", run.stderr);
        assert!(
            run.stderr.contains("outside the repository") || run.stderr.contains("does not exist"),
            "{target}: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("aws_ec2_client_vpn_endpoint"),
            "{}",
            run.stderr
        );
    }
    #[cfg(unix)]
    {
        let repo = Repo::two_endpoints(&export(OFFICE_ID, ""), &export(LAB_ID, ""));
        fs::remove_file(repo.dir.path().join("infra/main.tf")).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("vpn.tf"),
            repo.dir.path().join("infra/main.tf"),
        )
        .unwrap();
        let run = repo.run(&["profiles/office.ovpn"]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr.contains("outside the repository"),
            "{}",
            run.stderr
        );
    }
}

/// Two Terraform modules, no config at all: an `ipv4` endpoint whose profile is a heredoc
/// beside it, and a `dual-stack` split-tunnel endpoint whose profile is a `templatefile`
/// template fed the endpoint's DNS name.
fn terraform_repo(crlf: bool) -> Repo {
    let office = r#"resource "aws_ec2_client_vpn_endpoint" "vpn" {
  description = "office: ipv4, full tunnel"
}

resource "local_file" "profile" {
  filename = "office.ovpn"
  content  = <<-EOT
    client
    dev tun
    proto udp
    remote ${replace(aws_ec2_client_vpn_endpoint.vpn.dns_name, "*.", "")} 443
    nobind
  EOT
}
"#;
    let lab = r#"resource "aws_ec2_client_vpn_endpoint" "lab" {
  traffic_ip_address_type = "dual-stack"
  split_tunnel            = true
}

resource "aws_ec2_client_vpn_route" "v6" {
  client_vpn_endpoint_id = aws_ec2_client_vpn_endpoint.lab.id
  destination_cidr_block = "2001:db8:1000::/40"
}

resource "local_file" "profile" {
  filename = "lab.ovpn"
  content = templatefile("${path.module}/client.ovpn.tftpl", {
    endpoint = trimprefix(aws_ec2_client_vpn_endpoint.lab.dns_name, "*.")
  })
}
"#;
    let template =
        "client\ndev tun\nproto udp\nremote ${endpoint} 443\nnobind\nroute-ipv6 2000::/3\n";
    let eol = |text: &str| {
        if crlf {
            text.replace('\n', "\r\n")
        } else {
            text.to_owned()
        }
    };
    Repo::new(&[
        ("office/main.tf", &eol(office)),
        ("lab/main.tf", &eol(lab)),
        ("lab/client.ovpn.tftpl", &eol(template)),
    ])
}

#[test]
fn terraform_templates_link_to_their_module_endpoint_with_no_params() {
    for crlf in [false, true] {
        let repo = terraform_repo(crlf);
        let run = repo.run(&["--format", "short", "."]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert_eq!(
            run.stdout,
            "lab/client.ovpn.tftpl:6:1: warning[legacy-ipv6-workaround] with a split tunnel this \
             route pulls global IPv6 into a tunnel that carries only the endpoint's own routes: \
             the user's IPv6 internet breaks\n\
             office/main.tf:8:5: error[incomplete-ipv6-routes] IPv6 routes leave 2000::/3 outside \
             the tunnel\n\
             office/main.tf:8:5: error[missing-ifconfig-ipv6] no `ifconfig-ipv6` is in effect, so \
             IPv6 has no tunnel to go into\n",
            "crlf: {crlf}"
        );
        // The facts' lines, in the module that defines each endpoint.
        let run = repo.run(&["lab/client.ovpn.tftpl", "office/main.tf"]);
        assert!(run.stdout.contains("┌─ lab/main.tf:2:3"), "{}", run.stdout);
        assert!(
            run.stdout
                .contains("the endpoint's traffic IP address type is `dual-stack`"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("┌─ office/main.tf:1:1"),
            "{}",
            run.stdout
        );
        let run = repo.run(&["--inspect", "lab/client.ovpn.tftpl"]);
        let inspect: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(inspect[0]["endpoint"]["linked_by"], "terraform");
        assert_eq!(inspect[0]["endpoint"]["name"], "lab");
    }
}

#[test]
fn a_template_fix_lands_in_the_heredoc_and_the_fixed_module_still_links() {
    let repo = terraform_repo(false);
    let run = repo.run(&["--fix", "office/main.tf"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let fixed = fs::read_to_string(repo.dir.path().join("office/main.tf")).unwrap();
    assert!(
        fixed.contains("    dev tun\n    ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\n    route-ipv6 2000::/3\n"),
        "{fixed}"
    );
    assert_eq!(repo.ids("office/main.tf"), Vec::<String>::new());
}

#[test]
fn a_resource_the_module_does_not_define_links_nothing() {
    let repo = Repo::new(&[(
        "vpn/main.tf",
        "resource \"local_file\" \"p\" {\n  content = <<-EOT\n    client\n    dev tun\n    remote ${aws_ec2_client_vpn_endpoint.elsewhere.dns_name} 443\n  EOT\n}\n",
    )]);
    let run = repo.run(&["--inspect", "vpn/main.tf"]);
    let inspect: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(inspect[0]["endpoint"].is_null(), "{}", run.stdout);
}

#[test]
fn a_child_modules_endpoint_takes_the_module_blocks_arguments_not_tfvars() {
    let child = r#"variable "traffic" {
  type    = string
  default = "ipv4"
}

resource "aws_ec2_client_vpn_endpoint" "this" {
  traffic_ip_address_type = var.traffic
}

resource "local_file" "profile" {
  filename = "client.ovpn"
  content  = <<-EOT
    client
    dev tun
    remote ${aws_ec2_client_vpn_endpoint.this.dns_name} 443
    ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1
    route-ipv6 2000::/3
  EOT
}
"#;
    let repo = Repo::new(&[
        (
            "main.tf",
            "module \"vpn\" {\n  source  = \"./modules/vpn\"\n  traffic = \"dual-stack\"\n}\n",
        ),
        ("modules/vpn/main.tf", child),
        // Never applies to a child module.
        ("modules/vpn/terraform.tfvars", "traffic = \"ipv6\"\n"),
    ]);
    let run = repo.run(&["modules/vpn/main.tf"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("legacy `ifconfig-ipv6` for a `dual-stack` endpoint"),
        "{}",
        run.stdout
    );
    // The module block's argument decided it.
    assert!(run.stdout.contains("┌─ main.tf:3:"), "{}", run.stdout);
}
