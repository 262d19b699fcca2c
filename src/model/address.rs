//! How OpenVPN reads IPv6 addresses, prefixes and numbers: `get_ipv6_addr()`, `inet_pton()`,
//! `strtoul()` and `atoi()`, with their quiet defaults (no `/bits` is /64, an empty `/` is /0)
//! and C's integer rules (a negative `strtoul` wraps, `atoi` keeps the low 32 bits of a `long`).
//!
//! C's `long` is taken to be 64 bits wide, as on 64-bit Linux, macOS and the BSDs; 64-bit
//! Windows builds of OpenVPN have a 32-bit `long` and read out-of-range numbers differently.

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
    /// The zone after a `%` (`lo` in `fe80::1%lo`), when the host is an address that has one.
    pub zone: Option<String>,
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
                strtoul_exact(bits)
                    .filter(|&b| b <= 128)
                    .map(|b| u8::try_from(b).expect("at most 128")),
                BitsForm::Written,
            ),
        };
        let (host, zone) = classify_host(host_text);
        Self {
            host,
            host_text: host_text.to_owned(),
            zone,
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

/// What `getaddrinfo()` makes of the host part: glibc first reads it as a numeric address,
/// with an optional `%zone` (`gaih_inet()`); a zone it cannot read makes the lookup fail
/// without asking DNS. Only then is the text a name to look up.
fn classify_host(text: &str) -> (Host, Option<String>) {
    if let Some(address) = parse_numeric(text) {
        return (Host::Address(address), None);
    }
    if let Some((address, zone)) = text.split_once('%')
        && let Some(address) = parse_numeric(address)
    {
        return if zone_is_readable(&address, zone) {
            (Host::Address(address), Some(zone.to_owned()))
        } else {
            (Host::Invalid, None)
        };
    }
    (classify_name(text), None)
}

/// glibc's `__inet6_scopeid_pton()`: on a link-local unicast or an interface- or link-local
/// multicast address the zone may name an interface; any address takes a decimal interface
/// index that fits 32 bits. Whether the named interface exists is the host's business: this
/// only rejects what no host could read (a name Linux cannot give an interface).
fn zone_is_readable(address: &Ipv6Addr, zone: &str) -> bool {
    let [first, second, ..] = address.octets();
    let link_scoped = (first == 0xfe && second & 0xc0 == 0x80)
        || (first == 0xff && matches!(second & 0x0f, 1 | 2));
    let could_name_interface = !zone.is_empty()
        && zone.len() < IFNAMSIZ
        && zone != "."
        && zone != ".."
        && !zone
            .bytes()
            .any(|c| c == b'/' || c == b':' || c == 0x0b || c.is_ascii_whitespace());
    let is_index =
        zone.as_bytes().first().is_some_and(u8::is_ascii_digit) && zone.parse::<u32>().is_ok();
    (link_scoped && could_name_interface) || is_index
}

/// A text that is not an address: a name OpenVPN looks up, or neither.
fn classify_name(text: &str) -> Host {
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_';
    let has_letter = text.chars().any(|c| c.is_ascii_alphabetic() || c == '_');
    if !text.is_empty() && text.len() <= 253 && has_letter && text.chars().all(is_name_char) {
        Host::Name
    } else {
        Host::Invalid
    }
}

/// Linux's `IFNAMSIZ`: an interface name has at most 15 bytes.
const IFNAMSIZ: usize = 16;

/// `strtoul(text, &end, 10)` where OpenVPN then insists `*end == '\0'`: leading whitespace, an
/// optional sign, and digits, all of the text. A value past `unsigned long` saturates to its
/// maximum; a `-` negates the value modulo 2^64, so `-18446744073709551568` reads as 48.
fn strtoul_exact(text: &str) -> Option<u64> {
    let (negative, digits) = sign_and_digits(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(match digits.parse::<u64>() {
        Ok(value) if negative => value.wrapping_neg(),
        Ok(value) => value,
        Err(_) => u64::MAX,
    })
}

/// C's `atoi()`, which glibc implements as `(int) strtol(text, NULL, 10)`: leading whitespace,
/// an optional sign, then as many digits as there are (`abc` is 0, `7x` is 7). `strtol`
/// saturates at the range of a 64-bit `long`, and the cast keeps the low 32 bits, so
/// 2147483648 is -2147483648, 4294967296 is 0 and 4294967295 is -1.
pub fn atoi(text: &str) -> i32 {
    let (negative, rest) = sign_and_digits(text);
    let digits = &rest[..rest.bytes().take_while(u8::is_ascii_digit).count()];
    let magnitude = match digits.parse::<u64>() {
        Ok(value) => value,
        Err(_) if digits.is_empty() => 0,
        Err(_) => u64::MAX,
    };
    let long = if negative {
        0i64.checked_sub_unsigned(magnitude).unwrap_or(i64::MIN)
    } else {
        i64::try_from(magnitude).unwrap_or(i64::MAX)
    };
    // The C cast from `long` to `int`: the low 32 bits, read as two's complement.
    long as i32
}

/// C's number prefix: leading whitespace skipped, then an optional `+` or `-`; returns whether
/// the sign is `-` and the text after it.
fn sign_and_digits(text: &str) -> (bool, &str) {
    let trimmed = text.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    }
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
            "::/-18446744073709551616",
            "::/-99999999999999999999",
            "::/-18446744073709551487",
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
    fn negative_bits_wrap_modulo_2_to_the_64() {
        assert_eq!(
            AddressSpec::parse("::/-18446744073709551568").bits,
            Some(48)
        );
        assert_eq!(
            AddressSpec::parse("::/-18446744073709551488").bits,
            Some(128)
        );
        assert_eq!(
            AddressSpec::parse("::/-018446744073709551615").bits,
            Some(1)
        );
    }

    #[test]
    fn zones_follow_glibc() {
        let zoned = |spec: &str| {
            let spec = AddressSpec::parse(spec);
            (spec.address(), spec.zone)
        };
        let link_local: Ipv6Addr = "fe80::1".parse().unwrap();
        assert_eq!(
            zoned("fe80::1%lo/64"),
            (Some(link_local), Some("lo".to_owned()))
        );
        assert_eq!(
            zoned("fe80::1%enp0s31f6"),
            (Some(link_local), Some("enp0s31f6".to_owned()))
        );
        assert_eq!(zoned("ff02::1%lo").1, Some("lo".to_owned()));
        assert_eq!(zoned("2001:db8::%1/48").1, Some("1".to_owned()));
        assert_eq!(
            zoned("2001:db8::%4294967295").1,
            Some("4294967295".to_owned())
        );
        for spec in [
            "2001:db8::%lo/48",
            "ff05::%lo",
            "2001:db8::%4294967296",
            "2001:db8::%+1",
            "fe80::1%",
            "fe80::1%sixteen-bytes-xx",
            "fe80::1%a:b",
        ] {
            assert_eq!(AddressSpec::parse(spec).host, Host::Invalid, "{spec}");
        }
    }

    #[test]
    fn atoi_reads_like_c() {
        assert_eq!(atoi("7"), 7);
        assert_eq!(atoi("abc"), 0);
        assert_eq!(atoi("7x"), 7);
        assert_eq!(atoi("-1"), -1);
        assert_eq!(atoi(" +3"), 3);
        assert_eq!(atoi(""), 0);
        assert_eq!(atoi("+-1"), 0);
    }

    #[test]
    fn atoi_keeps_the_low_32_bits_of_a_saturated_long() {
        assert_eq!(atoi("2147483647"), i32::MAX);
        assert_eq!(atoi("2147483648"), i32::MIN);
        assert_eq!(atoi("4294967295"), -1);
        assert_eq!(atoi("4294967296"), 0);
        assert_eq!(atoi("-4294967295"), 1);
        assert_eq!(atoi("99999999999999999999"), -1);
        assert_eq!(atoi("-99999999999999999999"), 0);
        assert_eq!(atoi("9223372036854775807"), -1);
        assert_eq!(atoi("-9223372036854775808"), 0);
    }
}
