//! The JSON of `aws ec2 describe-client-vpn-endpoints` (`ClientVpnEndpoints[]`) and
//! `aws ec2 describe-client-vpn-routes` (`Routes[]`), as the param `aws-endpoints` names them.
//!
//! A CLI older than AWS's 2025-08 model leaves `TrafficIpAddressType` out without a word, so a
//! missing field is unknown, never `ipv4`.

use std::path::Path;

use super::marked::{self, Node};
use super::{Endpoint, Fact, Place, ReadError, Route, parse_cidr};
use crate::model::aws::TrafficType;

/// What one file of CLI output holds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Output {
    pub endpoints: Vec<Endpoint>,
    /// Routes by endpoint id, in file order (`deleting` and `failed` ones left out).
    pub routes: Vec<(String, Route)>,
}

/// Reads one file of CLI output; `path` is how reports name it.
pub fn read(path: &Path, text: &str) -> Result<Output, ReadError> {
    let root = marked::load(text)?;
    let place = |node: &Node| Place {
        path: path.to_path_buf(),
        line: marked::line(node),
    };
    let endpoints = marked::get(&root, "ClientVpnEndpoints");
    let routes = marked::get(&root, "Routes");
    if endpoints.is_none() && routes.is_none() {
        return Err(ReadError::new(
            "is not the output of `aws ec2 describe-client-vpn-endpoints` or \
             `describe-client-vpn-routes` (no `ClientVpnEndpoints` or `Routes` list)",
            Some(marked::line(&root)),
        ));
    }
    let mut output = Output::default();
    for (list, key) in [(endpoints, "ClientVpnEndpoints"), (routes, "Routes")] {
        let Some(list) = list else { continue };
        let Some(items) = marked::items(list) else {
            return Err(ReadError::new(
                format!("`{key}` is not a list"),
                Some(marked::line(list)),
            ));
        };
        for item in items {
            let id = marked::get(item, "ClientVpnEndpointId")
                .and_then(marked::as_str)
                .ok_or_else(|| {
                    ReadError::new(
                        format!("an entry of `{key}` has no `ClientVpnEndpointId`"),
                        Some(marked::line(item)),
                    )
                })?;
            if key == "Routes" {
                let status = marked::get(item, "Status")
                    .and_then(|s| marked::get(s, "Code"))
                    .and_then(marked::as_str);
                if matches!(status, Some("deleting" | "failed")) {
                    continue;
                }
                let destination = match marked::get(item, "DestinationCidr") {
                    Some(node) => match marked::as_str(node).and_then(parse_cidr) {
                        Some(net) => Fact::Known {
                            value: net,
                            place: place(node),
                            written: true,
                        },
                        None => Fact::Unknown {
                            why: "`DestinationCidr` is not a CIDR block".to_owned(),
                            place: place(node),
                        },
                    },
                    None => Fact::Unknown {
                        why: "the route has no `DestinationCidr`".to_owned(),
                        place: place(item),
                    },
                };
                output.routes.push((id.to_owned(), Route { destination }));
                continue;
            }
            let traffic_type = match marked::get(item, "TrafficIpAddressType") {
                Some(node) => match marked::as_str(node).and_then(TrafficType::parse) {
                    Some(value) => Fact::Known {
                        value,
                        place: place(node),
                        written: true,
                    },
                    None => Fact::Unknown {
                        why: format!("`TrafficIpAddressType` is not {}", TrafficType::NAMES),
                        place: place(node),
                    },
                },
                None => Fact::Unknown {
                    why: "the output has no `TrafficIpAddressType`: an AWS CLI older than the \
                          2025-08 API leaves it out"
                        .to_owned(),
                    place: place(item),
                },
            };
            let split_tunnel = match marked::get(item, "SplitTunnel") {
                Some(node) => match marked::as_bool(node) {
                    Some(value) => Fact::Known {
                        value,
                        place: place(node),
                        written: true,
                    },
                    None => Fact::Unknown {
                        why: "`SplitTunnel` is not true or false".to_owned(),
                        place: place(node),
                    },
                },
                None => Fact::Unknown {
                    why: "the output has no `SplitTunnel`".to_owned(),
                    place: place(item),
                },
            };
            output.endpoints.push(Endpoint {
                name: id.to_owned(),
                id: Some(id.to_owned()),
                defined: place(item),
                traffic_type,
                split_tunnel,
                routes: Vec::new(),
            });
        }
    }
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENDPOINTS: &str = r#"{
    "ClientVpnEndpoints": [
        {
            "ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0",
            "SplitTunnel": false,
            "TrafficIpAddressType": "dual-stack"
        },
        {
            "ClientVpnEndpointId": "cvpn-endpoint-0fedcba9876543210",
            "SplitTunnel": true
        }
    ]
}
"#;

    #[test]
    fn endpoints_with_their_lines_and_a_missing_traffic_type_unknown() {
        let output = read(Path::new("aws/endpoints.json"), ENDPOINTS).unwrap();
        let [first, second] = output.endpoints.as_slice() else {
            panic!("{output:?}")
        };
        assert_eq!(first.id.as_deref(), Some("cvpn-endpoint-0123456789abcdef0"));
        assert_eq!(first.traffic_type.value(), Some(TrafficType::DualStack));
        assert_eq!(first.traffic_type.place().line, 6);
        assert_eq!(first.split_tunnel.value(), Some(false));
        assert_eq!(second.traffic_type.value(), None);
        assert!(matches!(&second.traffic_type, Fact::Unknown { why, .. } if why.contains("older")));
        assert_eq!(second.split_tunnel.value(), Some(true));
    }

    #[test]
    fn crlf_reads_the_same() {
        let crlf = ENDPOINTS.replace('\n', "\r\n");
        assert_eq!(
            read(Path::new("e.json"), &crlf).unwrap(),
            read(Path::new("e.json"), ENDPOINTS).unwrap()
        );
    }

    #[test]
    fn routes_skip_deleting_and_failed() {
        let text = r#"{"Routes": [
  {"ClientVpnEndpointId": "cvpn-endpoint-01", "DestinationCidr": "2001:db8::/32", "Status": {"Code": "active"}},
  {"ClientVpnEndpointId": "cvpn-endpoint-01", "DestinationCidr": "2001:db9::/32", "Status": {"Code": "deleting"}},
  {"ClientVpnEndpointId": "cvpn-endpoint-01", "DestinationCidr": "10.0.0.0/16", "Status": {"Code": "failed"}}
]}"#;
        let output = read(Path::new("r.json"), text).unwrap();
        assert_eq!(output.routes.len(), 1);
        assert_eq!(
            output.routes[0].1.destination.value(),
            Some("2001:db8::/32".parse().unwrap())
        );
        assert_eq!(output.routes[0].1.destination.place().line, 2);
    }

    #[test]
    fn other_json_is_an_error_with_a_line() {
        let error = read(Path::new("p.json"), r#"{"Version": "2012-10-17"}"#).unwrap_err();
        assert!(error.message.contains("describe-client-vpn"), "{error:?}");
        let error = read(Path::new("p.json"), "{\n  \"ClientVpnEndpoints\": [\n").unwrap_err();
        assert!(error.message.starts_with("does not parse"), "{error:?}");
        assert!(error.line.is_some());
    }
}
