//! CloudFormation templates, YAML (with the `!Ref`/`!Sub`/`!GetAtt` short forms) or JSON (what
//! CDK synthesizes into `cdk.out/`): `AWS::EC2::ClientVpnEndpoint` (`TrafficIpAddressType`,
//! `SplitTunnel`) and `AWS::EC2::ClientVpnRoute` (`ClientVpnEndpointId`,
//! `DestinationCidrBlock`).
//!
//! A `Ref` to a template parameter takes the parameter's `Default`; any other intrinsic
//! function (`!If`, `!Sub`, `!FindInMap`…) is unknown. The route resource's schema says IPv4;
//! an IPv6 destination is read if present, and nothing more is claimed.

use std::path::Path;

use super::marked::{self, Node};
use super::{Endpoint, Fact, Place, ReadError, Route, parse_cidr};
use crate::model::aws::TrafficType;

const ENDPOINT_TYPE: &str = "AWS::EC2::ClientVpnEndpoint";
const ROUTE_TYPE: &str = "AWS::EC2::ClientVpnRoute";

/// Every endpoint the template defines, by logical id, with the routes that name it.
pub fn read(path: &Path, text: &str) -> Result<Vec<Endpoint>, ReadError> {
    let root = marked::load(text)?;
    let Some(resources) = marked::get(&root, "Resources") else {
        return Err(ReadError::new(
            "is not a CloudFormation template (no `Resources` section)",
            Some(marked::line(&root)),
        ));
    };
    let parameters = marked::get(&root, "Parameters");
    let cx = Reader { path, parameters };
    let mut endpoints = Vec::new();
    let mut routes: Vec<(String, Route)> = Vec::new();
    for (key, resource) in marked::entries(resources) {
        let Some(id) = marked::as_str(key) else {
            continue;
        };
        let kind = marked::get(resource, "Type").and_then(marked::as_str);
        let properties = marked::get(resource, "Properties");
        match kind {
            Some(ENDPOINT_TYPE) => endpoints.push(cx.endpoint(id, key, properties)),
            Some(ROUTE_TYPE) => {
                let Some(properties) = properties else {
                    continue;
                };
                let Some(target) =
                    marked::get(properties, "ClientVpnEndpointId").and_then(referenced_resource)
                else {
                    continue;
                };
                let destination = match marked::get(properties, "DestinationCidrBlock") {
                    Some(node) => cx.value(node, "DestinationCidrBlock", parse_cidr),
                    None => Fact::Unknown {
                        why: "the route has no `DestinationCidrBlock`".to_owned(),
                        place: cx.place(resource),
                    },
                };
                routes.push((target.to_owned(), Route { destination }));
            }
            _ => {}
        }
    }
    super::assign_routes(&mut endpoints, &routes);
    Ok(endpoints)
}

/// The logical id that `!Ref X` / `{"Ref": "X"}` names.
fn referenced_resource<'n>(node: &'n Node<'_>) -> Option<&'n str> {
    match marked::tag(node) {
        Some("Ref") => marked::as_str(marked::untagged(node)),
        Some(_) => None,
        None => marked::get(node, "Ref").and_then(marked::as_str),
    }
}

struct Reader<'a, 'n> {
    path: &'a Path,
    parameters: Option<&'n Node<'n>>,
}

impl<'n> Reader<'_, 'n> {
    fn place(&self, node: &Node) -> Place {
        Place {
            path: self.path.to_path_buf(),
            line: marked::line(node),
        }
    }

    /// `key` is the logical id's node: its line is the resource's first.
    fn endpoint(&self, id: &str, key: &Node, properties: Option<&Node>) -> Endpoint {
        let defined = self.place(key);
        let property = |name: &str| properties.and_then(|p| marked::get(p, name));
        let traffic_type = match property("TrafficIpAddressType") {
            Some(node) => self.value(node, "TrafficIpAddressType", TrafficType::parse),
            None => Fact::Known {
                value: TrafficType::Ipv4,
                place: defined.clone(),
                written: false,
            },
        };
        let split_tunnel = match property("SplitTunnel") {
            Some(node) => self.value(node, "SplitTunnel", |text| {
                match text.to_ascii_lowercase().as_str() {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => None,
                }
            }),
            None => Fact::Known {
                value: false,
                place: defined.clone(),
                written: false,
            },
        };
        Endpoint {
            name: id.to_owned(),
            id: None,
            defined,
            traffic_type,
            split_tunnel,
            routes: Vec::new(),
        }
    }

    /// A property's value: a literal, or a `Ref` to a parameter with a `Default`.
    fn value<T>(&self, node: &Node, property: &str, parse: impl Fn(&str) -> Option<T>) -> Fact<T> {
        let literal = |node: &Node| -> Option<String> {
            marked::as_str(node)
                .map(str::to_owned)
                .or_else(|| marked::as_bool(node).map(|b| b.to_string()))
        };
        let (text, at) = match self.reference(node) {
            Some(parameter) => {
                let default = self
                    .parameters
                    .and_then(|p| marked::get(p, parameter))
                    .and_then(|p| marked::get(p, "Default"));
                match default.and_then(|d| literal(d).map(|text| (text, d))) {
                    Some(found) => found,
                    None => {
                        return Fact::Unknown {
                            why: format!(
                                "`{property}` refers to the parameter `{parameter}`, which has \
                                 no default"
                            ),
                            place: self.place(node),
                        };
                    }
                }
            }
            None if marked::tag(node).is_some() || !marked::entries(node).is_empty() => {
                return Fact::Unknown {
                    why: format!(
                        "`{property}` is an intrinsic function the linter does not evaluate"
                    ),
                    place: self.place(node),
                };
            }
            None => match literal(node) {
                Some(text) => (text, node),
                None => {
                    return Fact::Unknown {
                        why: format!("`{property}` is not a string"),
                        place: self.place(node),
                    };
                }
            },
        };
        match parse(&text) {
            Some(value) => Fact::Known {
                value,
                place: self.place(at),
                written: true,
            },
            None => Fact::Unknown {
                why: format!("`{property}` is `{text}`, which the linter does not know"),
                place: self.place(at),
            },
        }
    }

    /// The parameter that `!Ref P` / `{"Ref": "P"}` names (pseudo parameters are not ours).
    fn reference<'x>(&self, node: &'x Node<'_>) -> Option<&'x str> {
        referenced_resource(node).filter(|name| !name.starts_with("AWS::"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Traffic:
    Type: String
    Default: dual-stack
Resources:
  OfficeVpn:
    Type: AWS::EC2::ClientVpnEndpoint
    Properties:
      TrafficIpAddressType: !Ref Traffic
      SplitTunnel: true
      ServerCertificateArn: !Sub 'arn:aws:acm:${AWS::Region}:1:certificate/x'
  LabVpn:
    Type: AWS::EC2::ClientVpnEndpoint
    Properties:
      TrafficIpAddressType: !If [IsProd, ipv4, dual-stack]
  OfficeRoute:
    Type: AWS::EC2::ClientVpnRoute
    Properties:
      ClientVpnEndpointId: !Ref OfficeVpn
      DestinationCidrBlock: 2001:db8::/56
";

    #[test]
    fn yaml_short_forms_a_parameter_default_and_routes() {
        let endpoints = read(Path::new("cfn/vpn.yaml"), YAML).unwrap();
        let office = &endpoints[0];
        assert_eq!(office.name, "OfficeVpn");
        assert_eq!(office.defined.line, 7);
        assert_eq!(office.traffic_type.value(), Some(TrafficType::DualStack));
        // The parameter's default decided it.
        assert_eq!(office.traffic_type.place().line, 5);
        assert_eq!(office.split_tunnel.value(), Some(true));
        assert_eq!(office.routes.len(), 1);
        assert_eq!(
            office.routes[0].destination.value(),
            Some("2001:db8::/56".parse().unwrap())
        );
        let lab = &endpoints[1];
        assert!(
            matches!(&lab.traffic_type, Fact::Unknown { why, .. } if why.contains("intrinsic"))
        );
        // Absent: the API's default, placed at the resource's first line.
        assert_eq!(
            lab.split_tunnel,
            Fact::Known {
                value: false,
                place: Place {
                    path: "cfn/vpn.yaml".into(),
                    line: 13
                },
                written: false
            }
        );
    }

    #[test]
    fn json_as_cdk_synthesizes_it() {
        let json = r#"{
 "Resources": {
  "Vpn1234": {
   "Type": "AWS::EC2::ClientVpnEndpoint",
   "Properties": {
    "SplitTunnel": "false",
    "TrafficIpAddressType": "ipv6"
   }
  },
  "Route": {
   "Type": "AWS::EC2::ClientVpnRoute",
   "Properties": {"ClientVpnEndpointId": {"Ref": "Vpn1234"}, "DestinationCidrBlock": "10.0.0.0/16"}
  }
 }
}"#;
        for text in [json.to_owned(), json.replace('\n', "\r\n")] {
            let endpoints = read(Path::new("cdk.out/Stack.template.json"), &text).unwrap();
            assert_eq!(endpoints[0].traffic_type.value(), Some(TrafficType::Ipv6));
            assert_eq!(endpoints[0].traffic_type.place().line, 7);
            assert_eq!(endpoints[0].split_tunnel.value(), Some(false));
            assert_eq!(endpoints[0].routes.len(), 1);
        }
    }

    #[test]
    fn not_a_template_or_not_yaml_is_an_error() {
        let error = read(Path::new("x.yaml"), "a: 1\n").unwrap_err();
        assert!(error.message.contains("no `Resources`"), "{error:?}");
        let error = read(Path::new("x.yaml"), "Resources:\n  a: [1,\n").unwrap_err();
        assert!(error.line.is_some(), "{error:?}");
    }
}
