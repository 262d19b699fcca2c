//! Terraform: `resource "aws_ec2_client_vpn_endpoint"` (`traffic_ip_address_type`, absent =
//! `ipv4`, the API's default; `split_tunnel`, default `false`) and `aws_ec2_client_vpn_route`
//! (`client_vpn_endpoint_id`, `destination_cidr_block`) in the `.tf` files of one module.
//!
//! Read with the templates' own Terraform reader ([`crate::template::hcl`]) and values
//! ([`crate::template::terraform::module_scope`]), so an endpoint's facts and its profiles'
//! placeholders are evaluated alike: literals, or `var.*`/`local.*` that the module gives a
//! literal for — a variable's `default`, overridden by the root module's tfvars
//! (`terraform.tfvars`, `terraform.tfvars.json`, then `*.auto.tfvars(.json)` in lexical order:
//! the caller passes them in that order); a local's literal. Anything else is unknown, and says
//! why.

use std::path::{Path, PathBuf};

use super::{Endpoint, Fact, Place, ReadError, Route, line_of, parse_cidr};
use crate::model::aws::TrafficType;
use crate::template::hcl::{self, Block};
use crate::template::terraform::{self as values, Scope, Value};

const ENDPOINT_TYPE: &str = "aws_ec2_client_vpn_endpoint";
const ROUTE_TYPE: &str = "aws_ec2_client_vpn_route";

/// The files of one module, as the caller read them.
#[derive(Debug, Default)]
pub struct Module {
    /// Its `.tf` files: (path as reports name it, text).
    pub files: Vec<(PathBuf, String)>,
    /// Its tfvars files in the order Terraform applies them (later wins); empty for a child
    /// module, whose variables tfvars never set.
    pub tfvars: Vec<(PathBuf, String)>,
    /// The values the module sees, as the repository's Terraform gives them (a child module's
    /// `module` block arguments included); `None`: worked out from `files` and `tfvars` alone,
    /// as a root module.
    pub scope: Option<std::sync::Arc<Scope>>,
    /// The folder the scope's places are shown from (they are stripped of it).
    pub base: PathBuf,
}

/// A file of the module that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleError {
    pub path: PathBuf,
    pub error: ReadError,
}

/// Every endpoint the module defines, named by its resource name, each with the routes that
/// refer to it.
pub fn read(module: &Module) -> Result<Vec<Endpoint>, ModuleError> {
    let mut parsed = Vec::new();
    for (path, text) in &module.files {
        let file = hcl::parse(text).map_err(|why| ModuleError {
            path: path.clone(),
            error: parse_error(&why),
        })?;
        parsed.push((path.as_path(), text.as_str(), file));
    }
    for (path, text) in &module.tfvars {
        if path.extension().is_none_or(|e| e != "json") {
            hcl::parse(text).map_err(|why| ModuleError {
                path: path.clone(),
                error: parse_error(&why),
            })?;
        }
    }
    let own;
    let scope = match &module.scope {
        Some(scope) => scope.as_ref(),
        None => {
            own = values::module_scope(&module.files, &module.tfvars, None);
            &own
        }
    };
    let mut endpoints = Vec::new();
    let mut routes: Vec<(String, Route)> = Vec::new();
    for (path, text, file) in &parsed {
        let reader = Reader {
            path,
            text,
            scope,
            base: &module.base,
        };
        for block in file.body.blocks.iter().filter(|b| b.kind == "resource") {
            let [kind, name] = block.labels.as_slice() else {
                continue;
            };
            match kind.as_str() {
                ENDPOINT_TYPE => endpoints.push(reader.endpoint(name, block)),
                ROUTE_TYPE => {
                    let Some(target) = reader
                        .attribute(block, "client_vpn_endpoint_id")
                        .and_then(|(expr, _)| crate::endpoint::link::referenced_endpoint(expr))
                    else {
                        continue;
                    };
                    let destination = match reader.attribute(block, "destination_cidr_block") {
                        Some((expr, at)) => {
                            reader.fact(expr, at, "destination_cidr_block", |value| match value {
                                Value::String(text) => parse_cidr(text),
                                _ => None,
                            })
                        }
                        None => Fact::Unknown {
                            why: "the route has no `destination_cidr_block`".to_owned(),
                            place: reader.place(reader.start_of(block)),
                        },
                    };
                    routes.push((target.to_owned(), Route { destination }));
                }
                _ => {}
            }
        }
    }
    super::assign_routes(&mut endpoints, &routes);
    Ok(endpoints)
}

/// `line N: what` as the reader says it.
fn parse_error(why: &str) -> ReadError {
    let line = why
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(':'))
        .and_then(|(number, _)| number.parse().ok());
    let what = why.split_once(": ").map_or(why, |(_, what)| what);
    ReadError::new(format!("does not parse as Terraform: {what}"), line)
}

/// One `.tf` file of the module, with the module's values.
struct Reader<'a> {
    path: &'a Path,
    text: &'a str,
    scope: &'a Scope,
    base: &'a Path,
}

impl Reader<'_> {
    fn place(&self, at: usize) -> Place {
        Place {
            path: self.path.to_path_buf(),
            line: line_of(self.text, at),
        }
    }

    /// Where a block starts: its first attribute's line is inside it; the block's own line is
    /// found from the `resource` keyword before it.
    fn start_of(&self, block: &Block) -> usize {
        let inside = block
            .body
            .attributes
            .first()
            .map_or(self.text.len(), |a| a.expr.start);
        let labels = format!("\"{}\" \"{}\"", block.labels[0], block.labels[1]);
        self.text[..inside].rfind(&labels).unwrap_or(inside)
    }

    /// An attribute's expression text and where it starts.
    fn attribute<'b>(&'b self, block: &Block, name: &str) -> Option<(&'b str, usize)> {
        let attribute = block.body.attributes.iter().find(|a| a.name == name)?;
        Some((&self.text[attribute.expr.clone()], attribute.expr.start))
    }

    fn endpoint(&self, name: &str, block: &Block) -> Endpoint {
        let defined = self.place(self.start_of(block));
        let traffic_type = match self.attribute(block, "traffic_ip_address_type") {
            None => Fact::Known {
                value: TrafficType::Ipv4,
                place: defined.clone(),
                written: false,
            },
            Some((expr, at)) => {
                self.fact(expr, at, "traffic_ip_address_type", |value| match value {
                    Value::String(text) => TrafficType::parse(text),
                    _ => None,
                })
            }
        };
        let split_tunnel = match self.attribute(block, "split_tunnel") {
            None => Fact::Known {
                value: false,
                place: defined.clone(),
                written: false,
            },
            // Terraform converts "true"/"false" where a bool is expected.
            Some((expr, at)) => self.fact(expr, at, "split_tunnel", |value| match value {
                Value::Bool(value) => Some(*value),
                Value::String(text) if text == "true" => Some(true),
                Value::String(text) if text == "false" => Some(false),
                _ => None,
            }),
        };
        Endpoint {
            name: name.to_owned(),
            id: None,
            defined,
            traffic_type,
            split_tunnel,
            routes: Vec::new(),
        }
    }

    /// The fact an attribute's expression gives: its value where the module knows it (placed
    /// where it was set: the attribute, a variable's default, a tfvars line, a local), else
    /// unknown, placed at the attribute, saying why.
    fn fact<T>(
        &self,
        expr: &str,
        at: usize,
        key: &str,
        parse: impl Fn(&Value) -> Option<T>,
    ) -> Fact<T> {
        let reference = expr.trim();
        let (value, place) = match values::evaluate(reference, self.scope) {
            Some(value) => {
                let place = match self.scope.values.get(reference) {
                    Some(known) => Place {
                        path: known
                            .origin
                            .path
                            .strip_prefix(self.base)
                            .unwrap_or(&known.origin.path)
                            .to_path_buf(),
                        line: known.origin.line.unwrap_or(1),
                    },
                    None => self.place(at),
                };
                (value, place)
            }
            None => {
                return Fact::Unknown {
                    why: format!("`{key}`: {}", unknown_why(reference)),
                    place: self.place(at),
                };
            }
        };
        match parse(&value) {
            Some(parsed) => Fact::Known {
                value: parsed,
                place,
                written: true,
            },
            None => Fact::Unknown {
                why: format!(
                    "`{key}` is {}, which the linter does not know",
                    describe(&value)
                ),
                place,
            },
        }
    }
}

/// Why an expression has no value before Terraform runs.
fn unknown_why(expr: &str) -> String {
    let is_reference = expr
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'));
    match expr.split_once('.') {
        Some(("var", name)) if is_reference => {
            format!("the variable `var.{name}` has no default and no tfvars file sets it")
        }
        Some(("local", name)) if is_reference => {
            format!("the local value `local.{name}` is not a literal in this module")
        }
        _ if is_reference => format!("`{expr}` is not known before `terraform apply`"),
        _ => "an expression the linter does not evaluate".to_owned(),
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => format!("\"{text}\""),
        Value::Number(number) => number.clone(),
        Value::Bool(value) => value.to_string(),
        Value::List(_) => "a list".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIN: &str = r#"variable "traffic" {
  type    = string
  default = "ipv4"
}

variable "split" {
  type = bool
}

locals {
  office_split = true
}

resource "aws_ec2_client_vpn_endpoint" "office" {
  description             = "office"
  traffic_ip_address_type = "dual-stack"
  split_tunnel            = local.office_split
}

resource "aws_ec2_client_vpn_endpoint" "lab" {
  traffic_ip_address_type = var.traffic
  split_tunnel            = var.split
}

resource "aws_ec2_client_vpn_endpoint" "legacy" {
  description = "nothing set: the API's defaults"
}

resource "aws_ec2_client_vpn_route" "office_v6" {
  client_vpn_endpoint_id = aws_ec2_client_vpn_endpoint.office.id
  destination_cidr_block = "2001:db8:1000::/40"
  target_vpc_subnet_id   = aws_subnet.a.id
}
"#;

    fn module(main: &str, tfvars: &[(&str, &str)]) -> Module {
        Module {
            files: vec![("infra/main.tf".into(), main.to_owned())],
            tfvars: tfvars
                .iter()
                .map(|(p, t)| (PathBuf::from(p), t.to_string()))
                .collect(),
            ..Module::default()
        }
    }

    fn by_name<'a>(endpoints: &'a [Endpoint], name: &str) -> &'a Endpoint {
        endpoints.iter().find(|e| e.name == name).unwrap()
    }

    #[test]
    fn literals_locals_defaults_and_routes() {
        let endpoints = read(&module(MAIN, &[])).unwrap();
        assert_eq!(endpoints.len(), 3);
        let office = by_name(&endpoints, "office");
        assert_eq!(office.defined.line, 14);
        assert_eq!(office.traffic_type.value(), Some(TrafficType::DualStack));
        assert_eq!(office.traffic_type.place().line, 16);
        assert_eq!(office.split_tunnel.value(), Some(true));
        assert_eq!(
            office.split_tunnel.place().line,
            11,
            "the local's line decided it"
        );
        assert_eq!(
            office.routes[0].destination.value(),
            Some("2001:db8:1000::/40".parse().unwrap())
        );
        let lab = by_name(&endpoints, "lab");
        assert_eq!(lab.traffic_type.value(), Some(TrafficType::Ipv4));
        assert_eq!(lab.traffic_type.place().line, 3, "the variable's default");
        let Fact::Unknown { why, place } = &lab.split_tunnel else {
            panic!("{lab:?}")
        };
        assert!(
            why.contains("var.split") && why.contains("no default"),
            "{why}"
        );
        assert_eq!(place.line, 22);
        let legacy = by_name(&endpoints, "legacy");
        assert_eq!(
            legacy.traffic_type,
            Fact::Known {
                value: TrafficType::Ipv4,
                place: Place {
                    path: "infra/main.tf".into(),
                    line: 25
                },
                written: false
            }
        );
        assert_eq!(legacy.split_tunnel.value(), Some(false));
    }

    #[test]
    fn tfvars_override_defaults_in_order() {
        let endpoints = read(&module(
            MAIN,
            &[
                (
                    "infra/terraform.tfvars",
                    "traffic = \"ipv6\"\nsplit = false\n",
                ),
                (
                    "infra/b.auto.tfvars.json",
                    "{\n  \"traffic\": \"dual-stack\"\n}\n",
                ),
            ],
        ))
        .unwrap();
        let lab = by_name(&endpoints, "lab");
        assert_eq!(lab.traffic_type.value(), Some(TrafficType::DualStack));
        assert_eq!(
            lab.traffic_type.place(),
            &Place {
                path: "infra/b.auto.tfvars.json".into(),
                line: 2
            }
        );
        assert_eq!(lab.split_tunnel.value(), Some(false));
        assert_eq!(lab.split_tunnel.place().line, 2);
    }

    #[test]
    fn crlf_reads_the_same() {
        let lf = read(&module(MAIN, &[])).unwrap();
        let crlf = read(&module(&MAIN.replace('\n', "\r\n"), &[])).unwrap();
        assert_eq!(lf, crlf);
    }

    #[test]
    fn expressions_are_unknown_and_say_so() {
        let main = r#"resource "aws_ec2_client_vpn_endpoint" "x" {
  traffic_ip_address_type = lookup(var.types, terraform.workspace)
  split_tunnel            = "maybe"
}
"#;
        let endpoints = read(&module(main, &[])).unwrap();
        assert!(
            matches!(&endpoints[0].traffic_type, Fact::Unknown { why, .. } if why.contains("does not evaluate"))
        );
        assert!(
            matches!(&endpoints[0].split_tunnel, Fact::Unknown { why, .. } if why.contains("\"maybe\""))
        );
    }

    #[test]
    fn a_file_that_does_not_parse_names_its_line() {
        let error = read(&module("resource \"a\" \"b\" {\n  x = \"open\n}\n", &[])).unwrap_err();
        assert_eq!(error.path, PathBuf::from("infra/main.tf"));
        assert!(
            error
                .error
                .message
                .starts_with("does not parse as Terraform"),
            "{error:?}"
        );
        assert_eq!(error.error.line, Some(2), "{error:?}");
    }
}
