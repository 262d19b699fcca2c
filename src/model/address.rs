//! How OpenVPN reads IPv6 addresses, prefixes and numbers: `get_ipv6_addr()`, `inet_pton()`,
//! `strtoul()` and `atoi()`, with their quiet defaults (no `/bits` is /64, an empty `/` is /0).

use std::net::Ipv6Addr;

/// What the part before the `/` of an address spec is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    Address(Ipv6Addr),
    /// A DNS name: OpenVPN looks it up when the option is used.
    Name,
    /// Neither an address nor a name: OpenVPN fails to resolve it.
    Invalid,
}

/// How the `/bits` of a spec was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitsForm {
    /// No `/`: OpenVPN uses 64.
    Missing,
    /// A `/` with nothing after it: `strtoul("")` is 0.
    Empty,
    Written,
}

/// An address spec (`2001:db8::1/64`) read as `get_ipv6_addr()` reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressSpec {
    pub host: Host,
    /// The text before the first `/`.
    pub host_text: String,
    /// `None` when the bits are not a number up to 128 (OpenVPN: "invalid '/bits' spec").
    pub bits: Option<u8>,
    pub bits_form: BitsForm,
}

impl AddressSpec {
    pub fn parse(spec: &str) -> Self {
        let (host_text, bits, bits_form) = match spec.split_once('/') {
            None => (spec, Some(64), BitsForm::Missing),
            Some((host, "")) => (host, Some(0), BitsForm::Empty),
            Some((host, bits)) => (
                host,
                strtoul_exact(bits).filter(|&b| b <= 128).map(|b| b as u8),
                BitsForm::Written,
            ),
        };
        Self {
            host: classify_host(host_text),
            host_text: host_text.to_owned(),
            bits,
            bits_form,
        }
    }

    pub fn address(&self) -> Option<Ipv6Addr> {
        match self.host {
            Host::Address(address) => Some(address),
            _ => None,
        }
    }
}

/// `inet_pton(AF_INET6, ...)`: a numeric address and nothing else.
pub fn parse_numeric(text: &str) -> Option<Ipv6Addr> {
    text.parse().ok()
}

fn classify_host(text: &str) -> Host {
    if let Some(address) = parse_numeric(text) {
        return Host::Address(address);
    }
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_';
    let has_letter = text.chars().any(|c| c.is_ascii_alphabetic() || c == '_');
    if !text.is_empty() && text.len() <= 253 && has_letter && text.chars().all(is_name_char) {
        Host::Name
    } else {
        Host::Invalid
    }
}

/// `strtoul(text, &end, 10)` where OpenVPN then insists `*end == '\0'`: leading whitespace, an
/// optional sign, and digits, all of the text. A negative number wraps to a huge value, which
/// callers then reject, except `-0`.
fn strtoul_exact(text: &str) -> Option<u64> {
    let trimmed = text.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (negative, digits) = match trimmed.as_bytes().first() {
        Some(b'+') => (false, &trimmed[1..]),
        Some(b'-') => (true, &trimmed[1..]),
        _ => (false, trimmed),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value = digits.parse::<u64>().unwrap_or(u64::MAX);
    match (negative, value) {
        (true, 0) => Some(0),
        (true, _) => Some(u64::MAX),
        (false, value) => Some(value),
    }
}

/// C's `atoi()`: leading whitespace, an optional sign, then as many digits as there are;
/// anything else reads as 0 (`abc` is 0, `7x` is 7).
pub fn atoi(text: &str) -> i64 {
    let trimmed = text.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (sign, rest) = match trimmed.as_bytes().first() {
        Some(b'-') => (-1, &trimmed[1..]),
        Some(b'+') => (1, &trimmed[1..]),
        _ => (1, trimmed),
    };
    let digits: &str = &rest[..rest.bytes().take_while(u8::is_ascii_digit).count()];
    let value = digits.parse::<i64>().unwrap_or(if digits.is_empty() {
        0
    } else {
        i64::from(i32::MAX)
    });
    (sign * value).clamp(i64::from(i32::MIN), i64::from(i32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_bits_means_64_and_empty_bits_mean_0() {
        let spec = AddressSpec::parse("2001:db8:4::");
        assert_eq!((spec.bits, spec.bits_form), (Some(64), BitsForm::Missing));
        let spec = AddressSpec::parse("2001:db8:1::/");
        assert_eq!((spec.bits, spec.bits_form), (Some(0), BitsForm::Empty));
    }

    #[test]
    fn bits_accept_plus_leading_zeros_and_minus_zero() {
        assert_eq!(AddressSpec::parse("::/+0100").bits, Some(100));
        assert_eq!(AddressSpec::parse("::/-0").bits, Some(0));
        assert_eq!(AddressSpec::parse("::/ 64").bits, Some(64));
    }

    #[test]
    fn bad_bits_are_rejected() {
        for spec in [
            "::/129",
            "::/48#c",
            "::/-1",
            "::/0x40",
            "::/+",
            "::/99999999999999999999",
        ] {
            assert_eq!(AddressSpec::parse(spec).bits, None, "{spec}");
        }
    }

    #[test]
    fn hosts_are_addresses_names_or_invalid() {
        assert!(matches!(
            AddressSpec::parse("2001:DB8::0001/64").host,
            Host::Address(_)
        ));
        assert!(matches!(
            AddressSpec::parse("::ffff:10.0.0.1/96").host,
            Host::Address(_)
        ));
        assert_eq!(AddressSpec::parse("default").host, Host::Name);
        assert_eq!(AddressSpec::parse("office-v6.example/48").host, Host::Name);
        assert_eq!(AddressSpec::parse("2001:db8:zz::/48").host, Host::Invalid);
        assert_eq!(AddressSpec::parse("1.2.3.4").host, Host::Invalid);
        assert_eq!(AddressSpec::parse("").host, Host::Invalid);
    }

    #[test]
    fn atoi_reads_like_c() {
        assert_eq!(atoi("7"), 7);
        assert_eq!(atoi("abc"), 0);
        assert_eq!(atoi("7x"), 7);
        assert_eq!(atoi("-1"), -1);
        assert_eq!(atoi(" +3"), 3);
        assert_eq!(atoi(""), 0);
    }
}
