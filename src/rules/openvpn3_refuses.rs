//! `openvpn3-refuses`: what makes OpenVPN 3 core (OpenVPN Connect, openvpn3-linux) refuse a
//! profile, from its own reading ([`crate::model::openvpn3`]). `what = "push-only"` for
//! options only a server may push (`ifconfig-ipv6`, `ifconfig`, `route-gateway`...);
//! `what = "profile"` for everything else: lines over 511 bytes, server-only and removed
//! options, and unknown options that no `ignore-unknown-option` or `setenv opt` covers. Only
//! client profiles are judged.

use super::check::{Check, CheckArgs, Context, Finding, LoadError};
use super::params::Params;
use crate::model::Role;
use crate::model::openvpn3::RefusalKind;

#[derive(Debug)]
pub struct Openvpn3Refuses {
    push_only: bool,
}

impl Openvpn3Refuses {
    pub fn load(args: &CheckArgs, _params: &Params) -> Result<Self, LoadError> {
        args.only(&["what"])?;
        let value = args.required(&args.what, "what")?;
        let push_only = match value.get_ref().as_str() {
            "push-only" => true,
            "profile" => false,
            other => {
                return Err(LoadError::at(
                    value.span(),
                    format!(
                        "unknown `what` for openvpn3-refuses: `{other}` (one of: push-only, profile)"
                    ),
                ));
            }
        };
        Ok(Self { push_only })
    }
}

impl Check for Openvpn3Refuses {
    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        let read = cx.profile.openvpn3();
        // Only a client's profile is imported into an OpenVPN 3 client: a server or
        // peer-to-peer config is not judged, a profile with a `client` line is (even when
        // OpenVPN 2.6 takes it for a server because of a server-only line).
        if cx.role != Role::Client && !read.options.iter().any(|o| o.name == "client") {
            return;
        }
        for refusal in read
            .refusals
            .iter()
            .filter(|r| (r.kind == RefusalKind::PushOnly) == self.push_only)
        {
            out.push(
                Finding::at(refusal.loc.clone())
                    .var("reason", &refusal.message)
                    .var("name", refusal.name.as_deref().unwrap_or_default()),
            );
        }
    }

    fn vars(&self) -> &'static [&'static str] {
        &["reason", "name"]
    }
}
