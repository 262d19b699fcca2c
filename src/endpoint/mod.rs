//! AWS Client VPN endpoints as the repository defines them: the two facts of an endpoint that
//! decide whether its profiles leak (traffic IP address type, split tunnel) and the routes of
//! its route table, read from Terraform, CloudFormation or the AWS CLI's JSON, each with the
//! place that decided it.
//!
//! Reading is pure: the caller reads the files (inside the repository only) and hands their
//! text to [`terraform::read`], [`cloudformation::read`] or [`aws_cli::read`]. A value the file
//! does not give — an expression the reader cannot evaluate, a field an old CLI left out — is
//! [`Fact::Unknown`], never a guess.

pub mod aws_cli;
pub mod cloudformation;
pub mod link;
pub mod load;
pub mod terraform;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ipnet::IpNet;

use crate::model::aws::TrafficType;

/// What the repository's Terraform knows beyond one module's files, for the reader of
/// endpoint definitions and for links through templates: the values a module folder sees (its
/// defaults, its tfvars as a root module, or the `module` block arguments as a child), and what
/// each `templatefile` call passes a template's variable.
pub trait TerraformContext {
    /// The values `folder`'s module sees, with where each was set.
    fn module_scope(&self, folder: &Path) -> Arc<crate::template::terraform::Scope>;
    /// For a `templatefile` target and one of its variables: each call's module folder and the
    /// expression it passes.
    fn templatefile_arguments(&self, path: &Path, variable: &str) -> Vec<(PathBuf, String)>;
}

impl TerraformContext for crate::template::repository::Repository {
    fn module_scope(&self, folder: &Path) -> Arc<crate::template::terraform::Scope> {
        crate::template::repository::Repository::module_scope(self, folder)
    }

    fn templatefile_arguments(&self, path: &Path, variable: &str) -> Vec<(PathBuf, String)> {
        crate::template::repository::Repository::templatefile_arguments(self, path, variable)
    }
}

/// One endpoint, as one file defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// How a link names it: `NAME` of `resource "aws_ec2_client_vpn_endpoint" "NAME"`, a
    /// CloudFormation logical id, or the endpoint id in CLI output.
    pub name: String,
    /// `cvpn-endpoint-…`, when the file knows it (CLI output does; a definition does not).
    pub id: Option<String>,
    /// The resource's first line, or the endpoint's object in CLI output.
    pub defined: Place,
    pub traffic_type: Fact<TrafficType>,
    pub split_tunnel: Fact<bool>,
    /// Routes of its route table found in the same file: a lower bound, since associating a
    /// subnet adds the VPC's route without a resource of its own.
    pub routes: Vec<Route>,
}

/// A route of an endpoint's route table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub destination: Fact<IpNet>,
}

/// A line of a file that defines an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// As the config names it (relative to the config's folder).
    pub path: PathBuf,
    /// 1-based.
    pub line: usize,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}",
            crate::report::display_path(&self.path),
            self.line
        )
    }
}

/// What a file says of one setting, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact<T> {
    /// Written in the file (`written`), or left out so that the API's default applies.
    Known {
        value: T,
        place: Place,
        written: bool,
    },
    /// The file sets it to something the linter cannot evaluate, or an old CLI left it out.
    Unknown { why: String, place: Place },
}

impl<T: Copy> Fact<T> {
    pub fn value(&self) -> Option<T> {
        match self {
            Fact::Known { value, .. } => Some(*value),
            Fact::Unknown { .. } => None,
        }
    }
}

impl<T> Fact<T> {
    pub fn place(&self) -> &Place {
        match self {
            Fact::Known { place, .. } | Fact::Unknown { place, .. } => place,
        }
    }
}

/// A definition that cannot be read: a parse error, or not the kind of file it was named as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub message: String,
    /// 1-based, when the error has a place.
    pub line: Option<usize>,
}

impl ReadError {
    pub fn new(message: impl Into<String>, line: Option<usize>) -> Self {
        Self {
            message: message.into(),
            line,
        }
    }
}

/// What kind of file defines endpoints, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Terraform,
    CloudFormation,
}

impl Kind {
    /// `.tf` is Terraform; `.yaml`, `.yml`, `.json` and `.template` are CloudFormation.
    pub fn of(path: &std::path::Path) -> Option<Kind> {
        match path.extension()?.to_str()? {
            "tf" => Some(Kind::Terraform),
            "yaml" | "yml" | "json" | "template" => Some(Kind::CloudFormation),
            _ => None,
        }
    }
}

/// Gives each endpoint the routes that name it (`(endpoint name, route)`, in file order).
pub(crate) fn assign_routes(endpoints: &mut [Endpoint], routes: &[(String, Route)]) {
    for endpoint in endpoints {
        endpoint.routes = routes
            .iter()
            .filter(|(target, _)| *target == endpoint.name)
            .map(|(_, route)| route.clone())
            .collect();
    }
}

/// The line (1-based) of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    memchr::memchr_iter(b'\n', &text.as_bytes()[..offset.min(text.len())]).count() + 1
}

/// A CIDR block as AWS writes one, IPv4 or IPv6.
pub(crate) fn parse_cidr(text: &str) -> Option<IpNet> {
    text.trim().parse().ok()
}

/// Reading YAML and JSON with the line of every node (saphyr: JSON is YAML, and it keeps tags
/// such as CloudFormation's `!Ref`).
pub(crate) mod marked {
    use saphyr::{LoadableYamlNode, MarkedYaml, YamlData};

    use super::ReadError;

    pub type Node<'a> = MarkedYaml<'a>;

    /// The first document of `text`.
    pub fn load(text: &str) -> Result<Node<'_>, ReadError> {
        let mut documents = MarkedYaml::load_from_str(text).map_err(|e| {
            ReadError::new(
                format!("does not parse: {}", e.info()),
                Some(e.marker().line()),
            )
        })?;
        if documents.is_empty() {
            return Err(ReadError::new("is empty", None));
        }
        Ok(documents.swap_remove(0))
    }

    /// 1-based.
    pub fn line(node: &Node) -> usize {
        node.span.start.line().max(1)
    }

    pub fn get<'n, 'a>(node: &'n Node<'a>, key: &str) -> Option<&'n Node<'a>> {
        untagged(node).data.as_mapping_get(key)
    }

    /// The node under a tag (`!Ref x` is the scalar `x` tagged `!Ref`).
    pub fn untagged<'n, 'a>(node: &'n Node<'a>) -> &'n Node<'a> {
        match &node.data {
            YamlData::Tagged(_, inner) => inner,
            _ => node,
        }
    }

    /// The tag's name without `!` (`Ref`, `Sub`), if the node has one.
    pub fn tag<'n>(node: &'n Node<'_>) -> Option<&'n str> {
        match &node.data {
            YamlData::Tagged(tag, _) => Some(tag.suffix.as_str()),
            _ => None,
        }
    }

    pub fn as_str<'n>(node: &'n Node<'_>) -> Option<&'n str> {
        match &node.data {
            YamlData::Value(saphyr::Scalar::String(text)) => Some(text),
            _ => None,
        }
    }

    /// `true`/`false`, also written as strings (CloudFormation and the CLI accept both).
    pub fn as_bool(node: &Node) -> Option<bool> {
        match &node.data {
            YamlData::Value(saphyr::Scalar::Boolean(value)) => Some(*value),
            YamlData::Value(saphyr::Scalar::String(text)) => {
                match text.to_ascii_lowercase().as_str() {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    pub fn entries<'n, 'a>(node: &'n Node<'a>) -> Vec<(&'n Node<'a>, &'n Node<'a>)> {
        match &untagged(node).data {
            YamlData::Mapping(map) => map.iter().collect(),
            _ => Vec::new(),
        }
    }

    pub fn items<'n, 'a>(node: &'n Node<'a>) -> Option<&'n [Node<'a>]> {
        match &untagged(node).data {
            YamlData::Sequence(items) => Some(items),
            _ => None,
        }
    }
}
