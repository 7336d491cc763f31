//! `allow_from`: the peers a listening socket serves (a TCP server link, the HIS orders listener).
//!
//! ```toml
//! allow_from = ["192.168.10.21", "10.1.2.0/24", "fd00::/8"]
//! ```
//!
//! Each entry is an IPv4 or IPv6 address (one host) or a CIDR range. An empty list (the default)
//! serves any peer. A peer outside the list is logged, counted and closed before a byte is read.
//! An IPv4 peer reaching an IPv6 socket (`::ffff:a.b.c.d`) is matched as the IPv4 address.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::Deserialize;

/// One allowed address or CIDR range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerRange {
    network: IpAddr,
    prefix: u8,
}

impl PeerRange {
    /// Whether `ip` is in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_matches(&net.octets(), &ip.octets(), self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_matches(&net.octets(), &ip.octets(), self.prefix)
            }
            _ => false,
        }
    }
}

/// Whether the first `prefix` bits of `a` and `b` are equal.
fn prefix_matches(a: &[u8], b: &[u8], prefix: u8) -> bool {
    let whole = usize::from(prefix / 8);
    let rest = prefix % 8;
    if a.get(..whole) != b.get(..whole) {
        return false;
    }
    if rest == 0 {
        return true;
    }
    let mask = 0xFFu8 << (8 - rest);
    match (a.get(whole), b.get(whole)) {
        (Some(x), Some(y)) => x & mask == y & mask,
        _ => false,
    }
}

impl FromStr for PeerRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s.trim(), None),
        };
        let network: IpAddr = addr
            .parse()
            .map_err(|_| format!("{s:?} is not an IP address or CIDR range"))?;
        let network = network.to_canonical();
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|&p| p <= bits)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {bits}"))?,
        };
        Ok(Self { network, prefix })
    }
}

impl fmt::Display for PeerRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// The peers a listener serves; empty: any peer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(try_from = "Vec<String>")]
pub struct AllowFrom(Vec<PeerRange>);

impl AllowFrom {
    /// Any peer.
    pub fn any() -> Self {
        Self::default()
    }

    /// Whether a peer at `ip` is served.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.0.is_empty() || self.0.iter().any(|r| r.contains(ip))
    }

    /// True when every peer is served (no list).
    pub fn is_any(&self) -> bool {
        self.0.is_empty()
    }
}

impl TryFrom<Vec<String>> for AllowFrom {
    type Error = String;

    fn try_from(entries: Vec<String>) -> Result<Self, String> {
        entries
            .iter()
            .map(|e| e.parse())
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

impl fmt::Display for AllowFrom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("any peer");
        }
        let ranges: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&ranges.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(entries: &[&str]) -> AllowFrom {
        AllowFrom::try_from(entries.iter().map(|e| (*e).to_owned()).collect::<Vec<_>>()).unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_and_ranges_by_hand() {
        let a = allow(&["192.168.10.21", "10.1.2.0/24", "fd00::/8"]);
        assert!(a.allows(ip("192.168.10.21")));
        assert!(!a.allows(ip("192.168.10.22")));
        // 10.1.2.0/24: 10.1.2.0 to 10.1.2.255.
        assert!(a.allows(ip("10.1.2.0")) && a.allows(ip("10.1.2.255")));
        assert!(!a.allows(ip("10.1.3.0")) && !a.allows(ip("10.1.1.255")));
        // fd00::/8: the first byte is 0xfd.
        assert!(a.allows(ip("fd12::1")) && !a.allows(ip("fe80::1")));
        // An IPv4 peer on an IPv6 socket.
        assert!(a.allows(ip("::ffff:10.1.2.7")));
        // A prefix that is not a whole number of bytes: 172.16.0.0/12 is 172.16.0.0 to 172.31.255.255.
        let b = allow(&["172.16.0.0/12"]);
        assert!(b.allows(ip("172.31.255.255")) && !b.allows(ip("172.32.0.0")));
        assert!(AllowFrom::any().allows(ip("203.0.113.9")));
    }

    #[test]
    fn bad_entries_say_which() {
        let err = |e: &str| AllowFrom::try_from(vec![e.to_owned()]).unwrap_err();
        assert_eq!(
            err("analyzer-1"),
            "\"analyzer-1\" is not an IP address or CIDR range"
        );
        assert_eq!(
            err("10.0.0.0/33"),
            "\"10.0.0.0/33\": the prefix length must be 0 to 32"
        );
        assert_eq!(
            err("fd00::/129"),
            "\"fd00::/129\": the prefix length must be 0 to 128"
        );
    }
}
