//! The option names the model knows, and which of them OpenVPN accepts where.

/// Options OpenVPN 2.6 accepts as inline blocks (`OPT_P_INLINE`).
pub const INLINE_TAGS: &[&str] = &[
    "ca",
    "cert",
    "key",
    "extra-certs",
    "dh",
    "pkcs12",
    "secret",
    "tls-auth",
    "tls-crypt",
    "tls-crypt-v2",
    "crl-verify",
    "auth-user-pass",
    "auth-gen-token-secret",
    "http-proxy-user-pass",
    "peer-fingerprint",
    "verify-hash",
    "connection",
];

/// Inline blocks allowed inside a `<connection>` body.
pub const CONNECTION_INLINE_TAGS: &[&str] = &["tls-auth", "tls-crypt", "tls-crypt-v2"];

/// The IPv6 directives: mistakes in these are what the IPv6 rules report.
pub const IPV6_OPTIONS: &[&str] = &[
    "ifconfig-ipv6",
    "route-ipv6",
    "route-ipv6-gateway",
    "redirect-gateway",
    "redirect-private",
    "block-ipv6",
    "server-ipv6",
    "ifconfig-ipv6-pool",
    "ifconfig-ipv6-push",
    "iroute-ipv6",
    "tun-ipv6",
];

/// Options that only client-connect scripts and `client-config-dir` files may use.
pub const INSTANCE_ONLY_OPTIONS: &[&str] = &["ifconfig-ipv6-push", "iroute-ipv6", "push-remove"];

/// Other options the model reads; a wrong argument count in these is reported too, since the
/// model cannot know what the line meant.
pub const MODEL_OPTIONS: &[&str] = &[
    "pull-filter",
    "route-nopull",
    "route-metric",
    "dev",
    "dev-type",
    "push",
    "client",
    "pull",
    "--",
];

pub fn is_ipv6_option(name: &str) -> bool {
    IPV6_OPTIONS.contains(&name)
}

/// The IPv6 option a misspelt name was meant to be: a case slip (`Route-IPv6`), a single
/// leading dash (`-route-ipv6`) or a byte order mark glued to the front.
pub fn misspelt_ipv6_option(name: &str) -> Option<&'static str> {
    if is_ipv6_option(name) {
        return None;
    }
    let stripped = name.trim_start_matches('\u{feff}').trim_start_matches('-');
    IPV6_OPTIONS
        .iter()
        .copied()
        .find(|known| known.eq_ignore_ascii_case(stripped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_case_slips_dashes_and_boms() {
        assert_eq!(misspelt_ipv6_option("Route-IPv6"), Some("route-ipv6"));
        assert_eq!(misspelt_ipv6_option("-route-ipv6"), Some("route-ipv6"));
        assert_eq!(
            misspelt_ipv6_option("\u{feff}ifconfig-ipv6"),
            Some("ifconfig-ipv6")
        );
        assert_eq!(misspelt_ipv6_option("route-ipv6"), None);
        assert_eq!(misspelt_ipv6_option("route"), None);
    }
}
