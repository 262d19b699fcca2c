//! Terraform (design §10): profiles in heredocs and quoted strings of `.tf` files and in
//! `templatefile` targets, rendered with the values the repository gives (variable defaults,
//! tfvars in Terraform's order for a root module, `module` arguments for a child, locals, the
//! `VARS` of each call), judged and fixed on the template's own lines.
//!
//! The fixture `tests/data/terraform/root` is a root module with a child module in
//! `modules/vpn`.

mod common;

use std::fs;
use std::path::Path;

use common::{repo, run};

/// A scratch repository holding a copy of the fixture module.
fn copy_of_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    copy(&repo().join("tests/data/terraform/root"), dir.path());
    dir
}

fn copy(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            fs::create_dir_all(&target).unwrap();
            copy(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn inspect(dir: &Path, file: &str) -> serde_json::Value {
    let out = run(dir, &["--no-config", "--inspect", file]);
    assert_eq!(out.code, 0, "{out:?}");
    let views: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    views[0].clone()
}

/// `{placeholder: (value, from path)}` of an `--inspect` view.
fn values(view: &serde_json::Value) -> Vec<(String, String, String)> {
    view["template"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["placeholder"].as_str().unwrap().to_owned(),
                v["value"].as_str().unwrap().to_owned(),
                v["from"]["path"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_fixture_module_lints_with_its_own_values() {
    let out = run(
        &repo(),
        &[
            "--no-config",
            "--format",
            "short",
            "tests/data/terraform/root",
        ],
    );
    assert_eq!(
        out.stdout,
        "tests/data/terraform/root/client.ovpn.tftpl:1:1: error[missing-ifconfig-ipv6] no \
         `ifconfig-ipv6` is in effect, so IPv6 has no tunnel to go into\n\
         tests/data/terraform/root/modules/vpn/site.ovpn.tpl:1:1: error[missing-ifconfig-ipv6] \
         no `ifconfig-ipv6` is in effect, so IPv6 has no tunnel to go into\n",
        "{out:?}"
    );
    // The heredoc of main.tf is clean: `b.auto.tfvars` (read after `a.auto.tfvars`) sets
    // `ipv6 = true`, which adds `route-ipv6 3000::/4`. The cloud-init heredoc is never judged.
    assert!(!out.stdout.contains("main.tf"));
    // A `templatefile` target outside the repository is not read, and the run says so.
    assert!(
        out.stderr.contains(
            "`tests/data/terraform/root/modules/vpn/main.tf` line 7: the `templatefile` target \
             `/etc/openvpn/client.conf` is outside the repository; it was not read"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn tfvars_apply_in_terraforms_order_to_the_root_module_only() {
    // Root module: terraform.tfvars (443) < terraform.tfvars.json (8443) < a.auto.tfvars (9443).
    let root = inspect(&repo(), "tests/data/terraform/root/client.ovpn.tftpl");
    let root_values = values(&root);
    assert!(
        root_values.contains(&(
            "${port}".into(),
            "9443".into(),
            "tests/data/terraform/root/a.auto.tfvars".into()
        )),
        "{root_values:?}"
    );
    // `host = var.endpoint` has no value anywhere: unknown, one word.
    assert!(
        root["template"]["values"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["placeholder"] == "${host}" && v["value"] == "unknown"),
        "{root}"
    );
    // The loop over a known list ran: its route is in the model.
    assert_eq!(root["routes_ipv6"][0]["network"], "2000::/3", "{root}");
    // Child module: the `module` block's argument, else the default; never the root's tfvars.
    let child = inspect(
        &repo(),
        "tests/data/terraform/root/modules/vpn/site.ovpn.tpl",
    );
    assert_eq!(
        values(&child),
        [
            (
                "${proto}".into(),
                "udp6".into(),
                "tests/data/terraform/root/main.tf".into()
            ),
            (
                "${port}".into(),
                "1194".into(),
                "tests/data/terraform/root/modules/vpn/variables.tf".into()
            ),
        ]
    );
}

#[test]
fn a_heredoc_finding_points_at_its_line_and_its_fix_keeps_the_heredoc_indentation() {
    let dir = copy_of_fixture();
    // Without b.auto.tfvars, `var.ipv6` is false (a.auto.tfvars): 3000::/4 is not routed.
    fs::remove_file(dir.path().join("b.auto.tfvars")).unwrap();
    let out = run(dir.path(), &["--no-config", "--format", "short", "main.tf"]);
    assert!(
        out.stdout.contains(
            "main.tf:15:5: error[incomplete-ipv6-routes] IPv6 routes leave 3000::/4 outside the \
             tunnel\n"
        ),
        "{out:?}"
    );
    let out = run(dir.path(), &["--no-config", "--fix", "main.tf"]);
    assert_eq!(out.code, 0, "{out:?}");
    let fixed = fs::read_to_string(dir.path().join("main.tf")).unwrap();
    assert!(
        fixed.contains("    route-ipv6 2000::/4\n    route-ipv6 3000::/4\n    %{ if var.ipv6 ~}\n"),
        "{fixed}"
    );
}

#[test]
fn a_fix_never_goes_into_a_loop_body() {
    let dir = copy_of_fixture();
    let out = run(dir.path(), &["--no-config", "--fix", "client.ovpn.tftpl"]);
    assert_eq!(out.code, 0, "{out:?}");
    let fixed = fs::read_to_string(dir.path().join("client.ovpn.tftpl")).unwrap();
    assert!(
        fixed.contains(
            "%{ endfor ~}\nifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\n${extra}\n"
        ),
        "{fixed}"
    );
}

#[test]
fn quoted_string_profiles_are_judged_and_their_fixes_are_display_only() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    let tf = "resource \"local_file\" \"c\" {\n  content = \"client\\ndev tun\\nremote vpn.example.com 1194\\nroute-ipv6 2000::/3\\n\"\n}\n";
    fs::write(dir.path().join("c.tf"), tf).unwrap();
    let out = run(dir.path(), &["--no-config", "--fix", "."]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(fs::read_to_string(dir.path().join("c.tf")).unwrap(), tf);
    let out = run(dir.path(), &["--no-config", "c.tf"]);
    assert!(
        out.stdout.contains("error[missing-ifconfig-ipv6]")
            && out.stdout.contains("2 │   content = \"client")
            && out
                .stdout
                .contains("not applied to the template: the profile is a quoted string"),
        "{}",
        out.stdout
    );
}

#[test]
fn heredocs_with_crlf_and_other_delimiters_keep_their_line_endings_when_fixed() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    let tf = "locals {\r\n  p = <<-CONFIG\r\n      client\r\n      dev tun\r\n\r\n      remote ${var.host} 443\r\n      CONFIG\r\n}\r\n";
    fs::write(dir.path().join("crlf.tf"), tf).unwrap();
    let out = run(dir.path(), &["--no-config", "--format", "short", "crlf.tf"]);
    assert!(out.stdout.starts_with("crlf.tf:3:7: error["), "{out:?}");
    let out = run(dir.path(), &["--no-config", "--fix", "crlf.tf"]);
    assert_eq!(out.code, 0, "{out:?}");
    let fixed = fs::read_to_string(dir.path().join("crlf.tf")).unwrap();
    assert_eq!(
        fixed,
        "locals {\r\n  p = <<-CONFIG\r\n      client\r\n      dev tun\r\n      ifconfig-ipv6 \
         fd15:53b6:dead::2 fd15:53b6:dead::1\r\n      route-ipv6 2000::/3\r\n\r\n      remote \
         ${var.host} 443\r\n      CONFIG\r\n}\r\n"
    );
}

#[test]
fn a_tf_file_that_does_not_parse_is_reported_when_it_is_about_openvpn_only() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    fs::write(
        dir.path().join("broken.tf"),
        "locals {\n  p = <<EOT\nclient\ndev tun\nremote x 1\n",
    )
    .unwrap();
    fs::create_dir(dir.path().join("web")).unwrap();
    fs::write(
        dir.path().join("web/other.tf"),
        "resource \"x\" {\n  a = (\n}\n",
    )
    .unwrap();
    fs::write(dir.path().join("ok.ovpn"), "client\ndev tun\nremote x 1\nifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\nroute-ipv6 2000::/3\n").unwrap();
    let out = run(dir.path(), &["--no-config", "--format", "short", "."]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains(
            "error: `broken.tf`: not valid Terraform: line 2: the heredoc `<<EOT` is never closed"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("other.tf"), "{}", out.stderr);
    // The rest of the run went on.
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let named = run(dir.path(), &["--no-config", "web/other.tf"]);
    assert_eq!(
        named.code, 0,
        "not about OpenVPN: skipped silently: {named:?}"
    );
}

#[test]
fn naming_a_changed_vars_file_lints_the_templates_that_use_it() {
    let dir = copy_of_fixture();
    fs::remove_file(dir.path().join("b.auto.tfvars")).unwrap();
    for changed in ["a.auto.tfvars", "variables.tf"] {
        let out = run(dir.path(), &["--no-config", "--format", "short", changed]);
        assert_eq!(
            out.stdout,
            "client.ovpn.tftpl:1:1: error[missing-ifconfig-ipv6] no `ifconfig-ipv6` is in effect, \
             so IPv6 has no tunnel to go into\n\
             main.tf:15:5: error[incomplete-ipv6-routes] IPv6 routes leave 3000::/4 outside the \
             tunnel\n",
            "{changed}: {out:?}"
        );
    }
}

#[test]
fn a_line_inserted_inside_a_flush_heredoc_keeps_every_indentation() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    let tf = "locals {\n  p = <<-EOT\n    client\n    dev tun\n    remote x 1\n    ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\n    route-ipv6 2000::/4\n    verb 3\n  EOT\n}\n";
    fs::write(dir.path().join("p.tf"), tf).unwrap();
    let out = run(dir.path(), &["--no-config", "--fix", "p.tf"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        fs::read_to_string(dir.path().join("p.tf")).unwrap(),
        tf.replace(
            "    route-ipv6 2000::/4\n",
            "    route-ipv6 2000::/4\n    route-ipv6 3000::/4\n"
        )
    );
}

#[test]
fn a_repository_outside_the_working_directory_is_its_own_root() {
    let dir = copy_of_fixture();
    let elsewhere = tempfile::tempdir().unwrap();
    let out = run(
        elsewhere.path(),
        &[
            "--no-config",
            "--format",
            "short",
            dir.path().to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, 1, "{out:?}");
    // The literal `templatefile` path resolved inside the copy: its VARS were used.
    assert!(
        out.stdout
            .contains("client.ovpn.tftpl:1:1: error[missing-ifconfig-ipv6]"),
        "{out:?}"
    );
    assert_eq!(
        out.stderr.matches("outside the repository").count(),
        1,
        "only /etc/openvpn/client.conf: {}",
        out.stderr
    );
}

#[test]
fn route_and_inspect_answer_in_the_templates_lines() {
    let out = run(
        &repo(),
        &[
            "--no-config",
            "--route",
            "2001:db8::1",
            "tests/data/terraform/root/main.tf",
        ],
    );
    assert!(
        out.stdout.contains(
            "tests/data/terraform/root/main.tf: 2001:db8::1: tunnel (into the VPN): `route-ipv6` \
             2000::/4 holds it --> tests/data/terraform/root/main.tf:15:5\n"
        ),
        "{out:?}"
    );
    let out = run(
        &repo(),
        &[
            "--no-config",
            "--inspect",
            "tests/data/terraform/root/main.tf",
        ],
    );
    let views: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let view = views
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["path"] == "tests/data/terraform/root/main.tf")
        .unwrap();
    assert_eq!(view["routes_ipv6"][0]["line"], 15, "{view}");
    assert_eq!(view["ifconfig_ipv6"]["line"], 14, "{view}");
}
