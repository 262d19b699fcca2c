//! Knowing an AWS Client VPN profile: every `remote` names an AWS Client VPN endpoint.

use super::{Loc, Model, Profile, Status};

/// The AWS Client VPN endpoint a profile connects to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsEndpoint {
    /// `cvpn-endpoint-0123456789abcdef0`, without a leading random label.
    pub id: String,
    /// `eu-west-1`, `us-gov-west-1`.
    pub region: String,
    /// The first `remote` line.
    pub loc: Loc,
}

/// The endpoint of a profile whose every `remote` (top level and in `<connection>` blocks) is
/// an AWS Client VPN endpoint name; `None` for any other profile.
pub fn endpoint(profile: &Profile) -> Option<AwsEndpoint> {
    let model: &Model = &profile.model;
    let mut found: Option<AwsEndpoint> = None;
    for option in model
        .options
        .iter()
        .filter(|o| o.name == "remote" && o.status == Status::Applied)
    {
        let host = profile.option_words(option).get(1)?;
        let (id, region) = parse_host(host.text())?;
        found.get_or_insert_with(|| AwsEndpoint {
            id: id.to_owned(),
            region: region.to_owned(),
            loc: option.loc.clone(),
        });
    }
    found
}

/// `[label.]cvpn-endpoint-<hex>.prod.clientvpn.<region>.amazonaws.com[.]` → (id, region).
fn parse_host(host: &str) -> Option<(&str, &str)> {
    let host = host.strip_suffix('.').unwrap_or(host);
    let start = host.find("cvpn-endpoint-")?;
    if start > 0 && !host[..start].ends_with('.') {
        return None;
    }
    let rest = &host[start..];
    let (id, rest) = rest.split_once('.')?;
    let hex = id.strip_prefix("cvpn-endpoint-")?;
    if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let region = rest
        .strip_prefix("prod.clientvpn.")?
        .strip_suffix(".amazonaws.com")?;
    let is_region = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    is_region.then_some((id, region))
}

/// What an AWS Client VPN endpoint's tunnel carries (`TrafficIpAddressType` in the API,
/// `traffic_ip_address_type` in Terraform).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrafficType {
    /// IPv4 only: the endpoint routes no IPv6, so profiles carry the legacy IPv6 lines.
    Ipv4,
    /// The endpoint assigns IPv6 client addresses itself and pushes the IPv6 settings.
    Ipv6,
    DualStack,
}

impl TrafficType {
    pub const NAMES: &'static str = "`ipv4`, `ipv6` or `dual-stack`";

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ipv4" => Some(TrafficType::Ipv4),
            "ipv6" => Some(TrafficType::Ipv6),
            "dual-stack" => Some(TrafficType::DualStack),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TrafficType::Ipv4 => "ipv4",
            TrafficType::Ipv6 => "ipv6",
            TrafficType::DualStack => "dual-stack",
        }
    }

    /// The endpoint assigns and pushes IPv6 itself.
    pub fn carries_ipv6(self) -> bool {
        self != TrafficType::Ipv4
    }
}

/// What the `ifconfig-ipv6` fix inserts.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_names_in_any_region_with_or_without_a_label() {
        let id = "cvpn-endpoint-0123456789abcdef0";
        for (host, region) in [
            (
                format!("{id}.prod.clientvpn.eu-west-1.amazonaws.com"),
                "eu-west-1",
            ),
            (
                format!("{id}.prod.clientvpn.us-gov-west-1.amazonaws.com"),
                "us-gov-west-1",
            ),
            (
                format!("abc123.{id}.prod.clientvpn.ap-southeast-2.amazonaws.com"),
                "ap-southeast-2",
            ),
            (
                format!("{id}.prod.clientvpn.us-east-1.amazonaws.com."),
                "us-east-1",
            ),
        ] {
            assert_eq!(parse_host(&host), Some((id, region)), "{host}");
        }
    }

    #[test]
    fn other_hosts_are_not_endpoints() {
        for host in [
            "vpn.example.com",
            "cvpn-endpoint-0123.prod.clientvpn.eu-west-1.amazonaws.com.evil.example",
            "xcvpn-endpoint-0123.prod.clientvpn.eu-west-1.amazonaws.com",
            "cvpn-endpoint-xyz.prod.clientvpn.eu-west-1.amazonaws.com",
            "cvpn-endpoint-0123.test.clientvpn.eu-west-1.amazonaws.com",
            "cvpn-endpoint-.prod.clientvpn.eu-west-1.amazonaws.com",
            "cvpn-endpoint-0123.prod.clientvpn..amazonaws.com",
            "203.0.113.7",
        ] {
            assert_eq!(parse_host(host), None, "{host}");
        }
    }
}
