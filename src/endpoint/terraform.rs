//! Terraform: `resource "aws_ec2_client_vpn_endpoint"` (`traffic_ip_address_type`, absent =
//! `ipv4`, the API's default; `split_tunnel`, default `false`) and `aws_ec2_client_vpn_route`
//! (`client_vpn_endpoint_id`, `destination_cidr_block`) in the `.tf` files of one module.
//!
//! Values are literals, or `var.*`/`local.*` that the module gives a literal for: a variable's
//! `default`, overridden by the root module's tfvars (`terraform.tfvars`,
//! `terraform.tfvars.json`, then `*.auto.tfvars(.json)` in lexical order — the caller passes
//! them in that order); a local's literal. Anything else is unknown, and says why.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Block, BlockLabel, Body};

use super::marked;
use super::{Endpoint, Fact, Place, ReadError, Route, line_of, parse_cidr};
use crate::model::aws::TrafficType;

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
}

/// A file of the module that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleError {
    pub path: PathBuf,
    pub error: ReadError,
}

/// Every endpoint the module defines, named by its resource name, each with the routes that
/// refer to it; `in_file` of each endpoint is the file that defines it.
pub fn read(module: &Module) -> Result<Vec<Endpoint>, ModuleError> {
    let mut parsed = Vec::new();
    for (path, text) in &module.files {
        let body = parse(path, text)?;
        parsed.push((path.as_path(), text.as_str(), body));
    }
    let mut values = Values::default();
    for (path, text, body) in &parsed {
        for block in body.blocks() {
            let labels = labels(block);
            match (block.ident.as_str(), labels.as_slice()) {
                ("variable", [name]) => {
                    if let Some(default) = block.body.get_attribute("default") {
                        values
                            .variables
                            .insert(name.to_string(), literal(&default.value, path, text));
                    }
                }
                ("locals", []) => {
                    for attribute in block.body.attributes() {
                        values.locals.insert(
                            attribute.key.as_str().to_owned(),
                            literal(&attribute.value, path, text),
                        );
                    }
                }
                _ => {}
            }
        }
    }
    for (path, text) in &module.tfvars {
        for (name, value) in tfvars(path, text)? {
            values.variables.insert(name, value);
        }
    }
    let mut endpoints = Vec::new();
    let mut routes: Vec<(String, Route)> = Vec::new();
    for (path, text, body) in &parsed {
        let place = |span: Option<std::ops::Range<usize>>| Place {
            path: path.to_path_buf(),
            line: line_of(text, span.map_or(0, |s| s.start)),
        };
        for block in body.blocks().filter(|b| b.ident.as_str() == "resource") {
            let labels = labels(block);
            let [kind, name] = labels.as_slice() else {
                continue;
            };
            let attribute = |key: &str| block.body.get_attribute(key);
            match *kind {
                ENDPOINT_TYPE => {
                    let defined = place(block.span());
                    let fact_of = |key: &str| {
                        attribute(key).map(|a| {
                            let resolved = values.resolve(&a.value, path, text);
                            (resolved, place(a.span()))
                        })
                    };
                    let traffic_type = match fact_of("traffic_ip_address_type") {
                        None => Fact::Known {
                            value: TrafficType::Ipv4,
                            place: defined.clone(),
                            written: false,
                        },
                        Some((resolved, at)) => resolved.fact(at, "traffic_ip_address_type", |v| {
                            v.as_str().and_then(TrafficType::parse)
                        }),
                    };
                    let split_tunnel = match fact_of("split_tunnel") {
                        None => Fact::Known {
                            value: false,
                            place: defined.clone(),
                            written: false,
                        },
                        Some((resolved, at)) => resolved.fact(at, "split_tunnel", Literal::as_bool),
                    };
                    endpoints.push(Endpoint {
                        name: name.to_string(),
                        id: None,
                        defined,
                        traffic_type,
                        split_tunnel,
                        routes: Vec::new(),
                    });
                }
                ROUTE_TYPE => {
                    let Some(target) = attribute("client_vpn_endpoint_id")
                        .and_then(|a| referenced_endpoint(&a.value))
                    else {
                        continue;
                    };
                    let destination = match attribute("destination_cidr_block") {
                        Some(a) => values.resolve(&a.value, path, text).fact(
                            place(a.span()),
                            "destination_cidr_block",
                            |v| v.as_str().and_then(parse_cidr),
                        ),
                        None => Fact::Unknown {
                            why: "the route has no `destination_cidr_block`".to_owned(),
                            place: place(block.span()),
                        },
                    };
                    routes.push((target, Route { destination }));
                }
                _ => {}
            }
        }
    }
    for endpoint in &mut endpoints {
        endpoint.routes = routes
            .iter()
            .filter(|(target, _)| *target == endpoint.name)
            .map(|(_, route)| route.clone())
            .collect();
    }
    Ok(endpoints)
}

/// The `aws_ec2_client_vpn_endpoint` resource a Terraform expression refers to, if any: the
/// `NAME` of `aws_ec2_client_vpn_endpoint.NAME.…` anywhere inside it (through function calls,
/// `replace(aws_ec2_client_vpn_endpoint.vpn.dns_name, "*.", "")`).
pub fn referenced_endpoint(expression: &Expression) -> Option<String> {
    match expression {
        Expression::Traversal(traversal) => {
            if let Expression::Variable(root) = &traversal.expr
                && root.as_str() == ENDPOINT_TYPE
                && let Some(first) = traversal.operators.first()
                && let TraversalOperator::GetAttr(name) = first.value()
            {
                return Some(name.as_str().to_owned());
            }
            referenced_endpoint(&traversal.expr)
        }
        Expression::FuncCall(call) => call.args.iter().find_map(referenced_endpoint),
        Expression::Parenthesis(inner) => referenced_endpoint(inner.inner()),
        _ => None,
    }
}

fn parse(path: &Path, text: &str) -> Result<Body, ModuleError> {
    hcl_edit::parser::parse_body(text).map_err(|e| ModuleError {
        path: path.to_path_buf(),
        error: ReadError::new(
            format!("does not parse as HCL: {}", e.message()),
            Some(e.location().line()),
        ),
    })
}

fn labels(block: &Block) -> Vec<&str> {
    block
        .labels
        .iter()
        .map(|label| match label {
            BlockLabel::Ident(ident) => ident.as_str(),
            BlockLabel::String(text) => text.as_str(),
        })
        .collect()
}

/// A literal value of the kinds these settings take.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Literal {
    String(String),
    Bool(bool),
}

impl Literal {
    fn as_str(&self) -> Option<&str> {
        match self {
            Literal::String(text) => Some(text),
            Literal::Bool(_) => None,
        }
    }

    /// Terraform converts `"true"`/`"false"` to a bool where one is expected.
    fn as_bool(&self) -> Option<bool> {
        match self {
            Literal::Bool(value) => Some(*value),
            Literal::String(text) => match text.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
        }
    }

    fn describe(&self) -> String {
        match self {
            Literal::String(text) => format!("\"{text}\""),
            Literal::Bool(value) => value.to_string(),
        }
    }
}

/// A value as far as the module gives it, and where.
#[derive(Debug, Clone)]
enum Resolved {
    Known(Literal, Place),
    Unknown(String),
}

impl Resolved {
    /// The fact for `key`; `at` is the attribute's line (an unknown value is placed there).
    fn fact<T>(self, at: Place, key: &str, parse: impl Fn(&Literal) -> Option<T>) -> Fact<T> {
        match self {
            Resolved::Known(literal, place) => match parse(&literal) {
                Some(value) => Fact::Known {
                    value,
                    place,
                    written: true,
                },
                None => Fact::Unknown {
                    why: format!(
                        "`{key}` is {}, which the linter does not know",
                        literal.describe()
                    ),
                    place,
                },
            },
            Resolved::Unknown(why) => Fact::Unknown {
                why: format!("`{key}`: {why}"),
                place: at,
            },
        }
    }
}

fn literal(expression: &Expression, path: &Path, text: &str) -> Resolved {
    let place = Place {
        path: path.to_path_buf(),
        line: line_of(text, expression.span().map_or(0, |s| s.start)),
    };
    match expression {
        Expression::String(value) => Resolved::Known(Literal::String(value.to_string()), place),
        Expression::Bool(value) => Resolved::Known(Literal::Bool(*value.value()), place),
        _ => Resolved::Unknown("not a literal".to_owned()),
    }
}

/// What the module's variables and locals are, as literals.
#[derive(Debug, Default)]
struct Values {
    variables: HashMap<String, Resolved>,
    locals: HashMap<String, Resolved>,
}

impl Values {
    fn resolve(&self, expression: &Expression, path: &Path, text: &str) -> Resolved {
        if let Expression::Traversal(traversal) = expression
            && let Expression::Variable(root) = &traversal.expr
            && let [only] = traversal.operators.as_slice()
            && let TraversalOperator::GetAttr(name) = only.value()
        {
            let (table, what) = match root.as_str() {
                "var" => (&self.variables, "variable"),
                "local" => (&self.locals, "local value"),
                _ => {
                    return Resolved::Unknown(format!(
                        "`{}.{}` is not known before `terraform apply`",
                        root.as_str(),
                        name.as_str()
                    ));
                }
            };
            let name = name.as_str();
            return match table.get(name) {
                Some(Resolved::Known(literal, place)) => {
                    Resolved::Known(literal.clone(), place.clone())
                }
                Some(Resolved::Unknown(_)) => Resolved::Unknown(format!(
                    "the {what} `{}.{name}` is not set to a literal in this module",
                    root.as_str()
                )),
                None if what == "variable" => Resolved::Unknown(format!(
                    "the variable `var.{name}` has no default and no tfvars file sets it"
                )),
                None => Resolved::Unknown(format!("the module has no local value `local.{name}`")),
            };
        }
        match literal(expression, path, text) {
            known @ Resolved::Known(..) => known,
            Resolved::Unknown(_) => {
                Resolved::Unknown("an expression the linter does not evaluate".to_owned())
            }
        }
    }
}

/// The variables a tfvars file sets (HCL attributes, or a JSON object for `.json`).
fn tfvars(path: &Path, text: &str) -> Result<Vec<(String, Resolved)>, ModuleError> {
    if path.extension().is_some_and(|e| e == "json") {
        let root = marked::load(text).map_err(|error| ModuleError {
            path: path.to_path_buf(),
            error,
        })?;
        return Ok(marked::entries(&root)
            .into_iter()
            .filter_map(|(key, value)| {
                let place = Place {
                    path: path.to_path_buf(),
                    line: marked::line(value),
                };
                let literal = marked::as_str(value)
                    .map(|s| Literal::String(s.to_owned()))
                    .or_else(|| marked::as_bool(value).map(Literal::Bool));
                let resolved = match literal {
                    Some(literal) => Resolved::Known(literal, place),
                    None => Resolved::Unknown("not a literal".to_owned()),
                };
                Some((marked::as_str(key)?.to_owned(), resolved))
            })
            .collect());
    }
    let body = parse(path, text)?;
    Ok(body
        .attributes()
        .map(|a| (a.key.as_str().to_owned(), literal(&a.value, path, text)))
        .collect())
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
        let error = read(&module("resource \"a\" \"b\" {\n  x = \n}\n", &[])).unwrap_err();
        assert_eq!(error.path, PathBuf::from("infra/main.tf"));
        assert!(
            error.error.message.starts_with("does not parse as HCL"),
            "{error:?}"
        );
        assert!(error.error.line.is_some_and(|l| l >= 2), "{error:?}");
    }

    #[test]
    fn references_through_functions() {
        for text in [
            "aws_ec2_client_vpn_endpoint.vpn.dns_name",
            "replace(aws_ec2_client_vpn_endpoint.vpn.dns_name, \"*.\", \"\")",
            "trimprefix(aws_ec2_client_vpn_endpoint.vpn.dns_name, \"*.\")",
        ] {
            let expression: Expression = text.parse().unwrap();
            assert_eq!(
                referenced_endpoint(&expression).as_deref(),
                Some("vpn"),
                "{text}"
            );
        }
        let other: Expression = "aws_instance.vpn.public_dns".parse().unwrap();
        assert_eq!(referenced_endpoint(&other), None);
    }
}
