//! The JSON Schema of `.ovpn6-lint.toml`, for editors (Taplo / Even Better TOML complete and
//! check the file with it). It is generated with schemars from the config file's serde mirror
//! in [`crate::config`]; this module holds what the mirror keeps as plain text or as a free
//! TOML table (severity and role names, and the `[params]` that `config.rs` validates by hand),
//! described as types. `schemas/ovpn6-lint.schema.json` is the committed copy: a test fails
//! while it is stale (`OVPN6_UPDATE_SCHEMA=1 cargo test --test config_schema` rewrites it).

use std::collections::BTreeMap;

use schemars::JsonSchema;

/// The committed schema's path, relative to the repository root.
pub const PATH: &str = "schemas/ovpn6-lint.schema.json";

/// The schema as pretty JSON text, ending in a newline.
pub fn json() -> String {
    let mut schema = crate::config::schema();
    schema.insert(
        "$id".to_owned(),
        format!(
            "{}/raw/main/{PATH}",
            env!("CARGO_PKG_REPOSITORY").trim_end_matches('/')
        )
        .into(),
    );
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    text
}

/// A rule's severity.
#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(dead_code)] // Only its schema is used.
pub enum SeverityName {
    Error,
    Warning,
    Note,
}

/// The lowest severity that makes the exit status 1.
#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(dead_code)]
pub enum FailOnName {
    Error,
    Warning,
    Note,
    Never,
}

/// A profile's role.
#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(dead_code)]
pub enum RoleName {
    Client,
    Server,
    P2p,
}

/// An OpenVPN client family.
#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(dead_code)]
pub enum ClientName {
    /// OpenVPN 2 (`openvpn`, Tunnelblick, the community GUI).
    Openvpn2,
    /// The AWS-provided client (AWS VPN Client).
    AwsVpnClient,
    /// Both OpenVPN 3 families: `openvpn-connect` and `openvpn3-linux`.
    Openvpn3,
    /// OpenVPN Connect on Windows, macOS, iOS and Android (OpenVPN 3 core).
    OpenvpnConnect,
    /// openvpn3-linux (OpenVPN 3 core on Linux).
    Openvpn3Linux,
}

/// What an AWS Client VPN endpoint's tunnel carries (its traffic IP address type).
#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(dead_code)]
pub enum TrafficTypeName {
    Ipv4,
    Ipv6,
    DualStack,
}

/// Values that rules refer to by name (`$required-coverage`). Keys not listed here are lists of
/// IPv6 prefixes for your own rules.
#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(dead_code)]
pub struct ParamsSchema {
    /// Prefixes the profile's IPv6 routes must cover (default `["2000::/3"]`; add `"fc00::/7"`
    /// to tunnel unique-local too).
    required_coverage: Option<Vec<String>>,
    /// Where tunnel addresses may lie (default `["100::/64", "fc00::/7"]`).
    tunnel_ranges: Option<Vec<String>>,
    /// What the `ifconfig-ipv6` fix inserts: a local address (optionally /64../124) and a
    /// remote address, both inside `tunnel-ranges`.
    #[schemars(length(min = 2, max = 2))]
    tunnel_addresses: Option<Vec<String>>,
    /// Which profiles the leak rules judge (default `["client"]`).
    leak_roles: Option<Vec<RoleName>>,
    /// The server pushes `ifconfig-ipv6` and IPv6 routes: the leak rules then stay silent
    /// unless the profile stops them.
    server_pushes_ipv6: Option<bool>,
    /// The AWS Client VPN endpoint's traffic IP address type (default `"ipv4"`): `ipv6` and
    /// `dual-stack` endpoints assign and push IPv6 themselves.
    traffic_ip_address_type: Option<TrafficTypeName>,
    /// The AWS Client VPN endpoint is a split tunnel (default `false`).
    split_tunnel: Option<bool>,
    /// This repository's server config for these profiles, relative to the config file's
    /// folder: they are judged with what it pushes.
    server: Option<String>,
    /// The AWS Client VPN endpoint these profiles connect to: `"PATH#NAME"` (a Terraform
    /// `aws_ec2_client_vpn_endpoint` resource or a CloudFormation logical id, the path relative
    /// to the config file's folder) or an endpoint id `"cvpn-endpoint-…"` known from
    /// `aws-endpoints`. Its traffic IP address type and split tunnel are then read from there.
    aws_endpoint: Option<String>,
    /// Files of AWS CLI output (`aws ec2 describe-client-vpn-endpoints` and
    /// `describe-client-vpn-routes`), relative to the config file's folder.
    aws_endpoints: Option<Vec<String>>,
    /// The OpenVPN clients that use these profiles (default `["openvpn2"]`; profiles whose
    /// every `remote` is an AWS Client VPN endpoint default to `["openvpn2", "aws-vpn-client"]`).
    clients: Option<Vec<ClientName>>,
    /// YAML variables files for Jinja2 templates, in order (like inventory `group_vars`),
    /// relative to the config file's folder: above a role's `defaults/main.yml`, below its
    /// `vars/main.yml`.
    template_vars: Option<Vec<String>>,
    /// Variables for templates given inline (like extra vars): above every other source.
    template_values: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(flatten)]
    extra_prefixes: BTreeMap<String, Vec<String>>,
}
