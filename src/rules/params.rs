//! `[params]`: the values rules refer to by name (`$required-coverage`), validated once.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv6Addr;

use ipnet::Ipv6Net;

use crate::model::Role;
pub use crate::model::aws::TrafficType;
pub use crate::model::tunnel::Assumption;

/// The OpenVPN clients a repository's profiles serve. `openvpn3` in `clients` means both
/// OpenVPN 3 families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Client {
    /// OpenVPN 2 (`openvpn`, Tunnelblick, the community GUI).
    Openvpn2,
    /// The AWS-provided client ("AWS VPN Client"), which accepts only the directives AWS lists.
    AwsVpnClient,
    /// OpenVPN Connect on Windows, macOS, iOS and Android (OpenVPN 3 core).
    OpenvpnConnect,
    /// openvpn3-linux (OpenVPN 3 core on Linux).
    Openvpn3Linux,
}

impl Client {
    /// As written in `clients`.
    pub fn as_str(self) -> &'static str {
        match self {
            Client::Openvpn2 => "openvpn2",
            Client::AwsVpnClient => "aws-vpn-client",
            Client::OpenvpnConnect => "openvpn-connect",
            Client::Openvpn3Linux => "openvpn3-linux",
        }
    }

    /// How the client reads a profile and builds its tunnel.
    pub fn view(self) -> ClientView {
        match self {
            Client::Openvpn2 | Client::AwsVpnClient => ClientView::Openvpn2,
            Client::OpenvpnConnect => ClientView::OpenvpnConnect,
            Client::Openvpn3Linux => ClientView::Openvpn3Linux,
        }
    }
}

/// The clients that read a profile, and build its tunnel, the same way: the rules judge a
/// profile once per view its clients have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClientView {
    /// OpenVPN 2.6 (also the AWS VPN Client, built on it).
    Openvpn2,
    /// OpenVPN 3 core where `block-ipv6` installs blocking routes (Windows, macOS).
    OpenvpnConnect,
    /// OpenVPN 3 core on Linux, where `block-ipv6` blocks nothing.
    Openvpn3Linux,
}

impl ClientView {
    pub fn is_openvpn3(self) -> bool {
        self != ClientView::Openvpn2
    }

    /// The views of `clients`, each once, in a fixed order.
    pub fn of(clients: &[Client]) -> Vec<ClientView> {
        let mut views: Vec<ClientView> = clients.iter().map(|c| c.view()).collect();
        views.sort();
        views.dedup();
        views
    }
}

/// `server = "PATH"`: a server config in the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Relative to the folder of the config file that sets it.
    pub path: std::path::PathBuf,
    /// As written in the config.
    pub written: String,
    /// Where the config file sets it.
    pub span: std::ops::Range<usize>,
}

/// `aws-endpoint = "…"`: the AWS Client VPN endpoint the profiles connect to, defined in the
/// repository or known from AWS CLI output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointLink {
    pub target: EndpointTarget,
    /// As written in the config.
    pub written: String,
    /// Where the config file sets it.
    pub span: std::ops::Range<usize>,
}

/// What an `aws-endpoint` param names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointTarget {
    /// `"infra/vpn.tf#NAME"` or `"cfn/vpn.yaml#LogicalId"`: a definition in a file, relative to
    /// the folder of the config file (joined to it here).
    Definition {
        path: std::path::PathBuf,
        name: String,
    },
    /// `"cvpn-endpoint-0123…"`: an endpoint of the `aws-endpoints` CLI output.
    Id(String),
}

/// `aws-endpoints = ["aws/endpoints.json", …]`: a file of AWS CLI output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliOutputFile {
    /// Joined to the folder of the config file.
    pub path: std::path::PathBuf,
    pub written: String,
    pub span: std::ops::Range<usize>,
}

/// What the `ifconfig-ipv6` fix inserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TunnelAddresses {
    pub local: Ipv6Addr,
    pub bits: Option<u8>,
    pub remote: Ipv6Addr,
    /// Written once: every leaky profile's fix inserts it.
    args: String,
}

impl TunnelAddresses {
    pub fn new(local: Ipv6Addr, bits: Option<u8>, remote: Ipv6Addr) -> Self {
        let args = match bits {
            Some(bits) => format!("{local}/{bits} {remote}"),
            None => format!("{local} {remote}"),
        };
        Self {
            local,
            bits,
            remote,
            args,
        }
    }

    /// The two arguments of an `ifconfig-ipv6` line.
    pub fn as_args(&self) -> String {
        self.args.clone()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub required_coverage: Vec<Ipv6Net>,
    pub tunnel_ranges: Vec<Ipv6Net>,
    pub tunnel_addresses: TunnelAddresses,
    pub leak_roles: Vec<Role>,
    pub server_pushes_ipv6: bool,
    pub traffic_ip_address_type: TrafficType,
    /// The endpoint is a split tunnel: it pushes only its route table's routes.
    pub split_tunnel: bool,
    /// Where the config sets `traffic-ip-address-type` and `split-tunnel` for the file, when
    /// it does: an explicit param wins over the linked endpoint's facts.
    pub traffic_ip_address_type_set: Option<std::ops::Range<usize>>,
    pub split_tunnel_set: Option<std::ops::Range<usize>>,
    /// The IPv6 routes of a linked split-tunnel endpoint's route table that the repository
    /// shows (a lower bound: a subnet association adds the VPC's route unseen).
    pub endpoint_routes: Vec<Ipv6Net>,
    /// `traffic_ip_address_type` comes from the linked endpoint's definition.
    pub traffic_from_endpoint: bool,
    pub aws_endpoint: Option<EndpointLink>,
    pub aws_endpoints: Vec<CliOutputFile>,
    pub clients: Vec<Client>,
    /// `clients` was set in the config (else AWS profiles also get `aws-vpn-client`).
    pub clients_configured: bool,
    /// The server config that the profiles' server runs, in this repository.
    pub server: Option<ServerConfig>,
    /// Further prefix lists an organisation's rules refer to.
    pub extra_prefixes: BTreeMap<String, Vec<Ipv6Net>>,
    /// `template-vars`: YAML variables files for Jinja2 templates, in order (like inventory
    /// `group_vars`), relative to the folder of the config file that sets them.
    pub template_vars: Vec<std::path::PathBuf>,
    /// `template-values`: variables given inline (like extra vars), highest precedence.
    pub template_values: Vec<(String, toml::Value)>,
}

/// The params every run has, whatever rules are loaded.
pub const BUILT_IN_NAMES: &[&str] = &[
    "required-coverage",
    "tunnel-ranges",
    "tunnel-addresses",
    "leak-roles",
    "server-pushes-ipv6",
    "traffic-ip-address-type",
    "split-tunnel",
    "server",
    "clients",
    "aws-endpoint",
    "aws-endpoints",
    "template-vars",
    "template-values",
];

/// The params a rule file refers to (every `"$name"` value in it); `None` when the file is not
/// TOML (loading it reports that).
pub fn referenced_by(rule_file: &str) -> Option<BTreeSet<String>> {
    fn collect(value: &toml::Value, names: &mut BTreeSet<String>) {
        match value {
            toml::Value::String(text) => {
                if let Some(name) = text.strip_prefix('$') {
                    names.insert(name.to_owned());
                }
            }
            toml::Value::Array(items) => items.iter().for_each(|i| collect(i, names)),
            toml::Value::Table(table) => table.values().for_each(|i| collect(i, names)),
            _ => {}
        }
    }
    let table: toml::Table = toml::from_str(rule_file).ok()?;
    let mut names = BTreeSet::new();
    table.values().for_each(|v| collect(v, &mut names));
    Some(names)
}

impl Default for Params {
    fn default() -> Self {
        Self {
            required_coverage: vec!["2000::/3".parse().expect("literal")],
            tunnel_ranges: vec![
                "100::/64".parse().expect("literal"),
                "fc00::/7".parse().expect("literal"),
            ],
            tunnel_addresses: TunnelAddresses::new(
                "fd15:53b6:dead::2".parse().expect("literal"),
                None,
                "fd15:53b6:dead::1".parse().expect("literal"),
            ),
            leak_roles: vec![Role::Client],
            server_pushes_ipv6: false,
            traffic_ip_address_type: TrafficType::Ipv4,
            split_tunnel: false,
            traffic_ip_address_type_set: None,
            split_tunnel_set: None,
            endpoint_routes: Vec::new(),
            traffic_from_endpoint: false,
            aws_endpoint: None,
            aws_endpoints: Vec::new(),
            clients: vec![Client::Openvpn2],
            clients_configured: false,
            server: None,
            extra_prefixes: BTreeMap::new(),
            template_vars: Vec::new(),
            template_values: Vec::new(),
        }
    }
}

impl Params {
    /// A list of prefixes by param name.
    pub fn prefixes(&self, name: &str) -> Option<&[Ipv6Net]> {
        match name {
            "required-coverage" => Some(&self.required_coverage),
            "tunnel-ranges" => Some(&self.tunnel_ranges),
            _ => self.extra_prefixes.get(name).map(Vec::as_slice),
        }
    }

    /// A list of roles by param name.
    pub fn roles(&self, name: &str) -> Option<&[Role]> {
        (name == "leak-roles").then_some(self.leak_roles.as_slice())
    }

    /// The clients a profile serves: `clients` as configured; by default, AWS profiles also
    /// serve the AWS VPN Client.
    pub fn clients_for(&self, aws_profile: bool) -> &[Client] {
        const AWS_DEFAULT: &[Client] = &[Client::Openvpn2, Client::AwsVpnClient];
        if aws_profile && !self.clients_configured {
            AWS_DEFAULT
        } else {
            &self.clients
        }
    }

    /// Why the linter takes it that the server pushes IPv6, if it does.
    pub fn assumed_pushes(&self) -> Option<Assumption> {
        if self.traffic_ip_address_type.carries_ipv6() {
            Some(if self.traffic_from_endpoint {
                Assumption::EndpointTrafficType(self.traffic_ip_address_type)
            } else {
                Assumption::TrafficType(self.traffic_ip_address_type)
            })
        } else if self.server_pushes_ipv6 {
            Some(Assumption::ServerPushesIpv6)
        } else {
            None
        }
    }

    /// The value of a param as text, for `{param}` placeholders in fix templates.
    pub fn text(&self, name: &str) -> Option<String> {
        match name {
            "tunnel-addresses" => Some(self.tunnel_addresses.as_args()),
            _ => self.prefixes(name).map(|list| {
                list.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            }),
        }
    }
}

/// `"PATH#NAME"` (relative to `root`, the config's folder) or `"cvpn-endpoint-<hex>"`.
pub fn parse_endpoint_target(text: &str, root: &std::path::Path) -> Result<EndpointTarget, String> {
    if let Some(hex) = text.strip_prefix("cvpn-endpoint-") {
        return if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(EndpointTarget::Id(text.to_owned()))
        } else {
            Err(format!(
                "`{text}` is not an endpoint id (`cvpn-endpoint-` and hex digits)"
            ))
        };
    }
    match text.rsplit_once('#') {
        Some((path, name)) if !path.is_empty() && !name.is_empty() => {
            Ok(EndpointTarget::Definition {
                path: root.join(path),
                name: name.to_owned(),
            })
        }
        _ => Err(format!(
            "`{text}` names no endpoint: write \"PATH#NAME\" (`infra/vpn.tf#office`, \
             `cfn/vpn.yaml#OfficeVpn`) or an endpoint id (`cvpn-endpoint-0123…`)"
        )),
    }
}

pub fn parse_role(text: &str) -> Option<Role> {
    match text {
        "client" => Some(Role::Client),
        "server" => Some(Role::Server),
        "p2p" => Some(Role::P2p),
        _ => None,
    }
}

/// The clients one `clients` entry names: `openvpn3` is both OpenVPN 3 families.
pub fn parse_client(text: &str) -> Option<&'static [Client]> {
    match text {
        "openvpn2" => Some(&[Client::Openvpn2]),
        "openvpn3" => Some(&[Client::OpenvpnConnect, Client::Openvpn3Linux]),
        "openvpn-connect" => Some(&[Client::OpenvpnConnect]),
        "openvpn3-linux" => Some(&[Client::Openvpn3Linux]),
        "aws-vpn-client" => Some(&[Client::AwsVpnClient]),
        _ => None,
    }
}

/// What `clients` accepts, for messages.
pub const CLIENT_NAMES: &str =
    "openvpn2, aws-vpn-client, openvpn3, openvpn-connect, openvpn3-linux";

/// A canonical IPv6 prefix of length 1 or more (`2000::/3`, not `2001::/3` nor `::/0`).
pub fn parse_prefix(text: &str) -> Result<Ipv6Net, String> {
    let net: Ipv6Net = text
        .parse()
        .map_err(|_| format!("`{text}` is not an IPv6 prefix (like `2000::/3`)"))?;
    if net.trunc() != net {
        return Err(format!(
            "`{text}` has host bits set; write `{}`",
            net.trunc()
        ));
    }
    if net.prefix_len() == 0 {
        return Err(format!(
            "`{text}` has length 0; use a prefix of length 1 or more"
        ));
    }
    Ok(net)
}

/// `local[/bits] remote`, both inside `ranges`, bits from 64 to 124, the remote without bits.
pub fn parse_tunnel_addresses(
    items: &[String],
    ranges: &[Ipv6Net],
) -> Result<TunnelAddresses, String> {
    let [local, remote] = items else {
        return Err(
            "tunnel-addresses takes two addresses: local (optionally /64../124) and remote"
                .to_owned(),
        );
    };
    let (local_text, bits) = match local.split_once('/') {
        Some((address, bits)) => {
            let bits: u8 = bits
                .parse()
                .map_err(|_| format!("`{local}`: `/{bits}` is not a prefix length"))?;
            if !(64..=124).contains(&bits) {
                return Err(format!("`{local}`: OpenVPN takes /64 to /124"));
            }
            (address, Some(bits))
        }
        None => (local.as_str(), None),
    };
    let local_address: Ipv6Addr = local_text
        .parse()
        .map_err(|_| format!("`{local_text}` is not an IPv6 address"))?;
    if remote.contains('/') {
        return Err(format!("`{remote}`: the remote address takes no /bits"));
    }
    let remote_address: Ipv6Addr = remote
        .parse()
        .map_err(|_| format!("`{remote}` is not an IPv6 address"))?;
    for address in [local_address, remote_address] {
        if !ranges.iter().any(|range| range.contains(&address)) {
            return Err(format!("`{address}` is not inside tunnel-ranges"));
        }
    }
    Ok(TunnelAddresses::new(local_address, bits, remote_address))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_must_be_canonical_and_not_empty() {
        assert!(parse_prefix("2000::/3").is_ok());
        assert!(parse_prefix("2001::/3").unwrap_err().contains("2000::/3"));
        assert!(parse_prefix("::/0").is_err());
        assert!(parse_prefix("2000::").is_err());
    }

    #[test]
    fn tunnel_addresses_are_validated() {
        let ranges = Params::default().tunnel_ranges;
        let ok = |items: &[&str]| {
            parse_tunnel_addresses(
                &items.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                &ranges,
            )
        };
        assert!(ok(&["fd00::2", "fd00::1"]).is_ok());
        assert_eq!(
            ok(&["fd00::2/64", "fd00::1"]).unwrap().as_args(),
            "fd00::2/64 fd00::1"
        );
        assert!(ok(&["fd00::2/48", "fd00::1"]).is_err());
        assert!(ok(&["fd00::2", "fd00::1/64"]).is_err());
        assert!(ok(&["2001:db8::2", "fd00::1"]).is_err());
        assert!(ok(&["fd00::2"]).is_err());
    }
}
