//! ovpn6-lint: finds OpenVPN configurations that leak IPv6, reading them exactly as OpenVPN 2.6
//! does.
//!
//! Data flows one way: bytes ([`syntax`]) → directives → [`model`] (what OpenVPN will do) →
//! rules → diagnostics → reports and fixes. Everything here is pure except the walker and the
//! fixer, which touch files.

pub mod add_suppressions;
pub mod app;
pub mod baseline;
pub mod changed_lines;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod docs;
pub mod endpoint;
pub mod engine;
pub mod explain;
pub mod fix;
pub mod generate;
pub mod inspect;
pub mod lsp;
pub mod model;
pub mod parallel;
pub mod prefix;
pub mod report;
pub mod route_query;
pub mod rules;
pub mod schema;
pub mod selection;
pub mod suppression;
pub mod syntax;
pub mod template;
pub mod walk;
pub mod workspace;
