//! The client's address when shequ runs behind reverse proxies. The
//! address a proxy forwards is believed only when the connecting peer is
//! one of `trusted_proxies`; the client is then the rightmost hop of the
//! chain that is not itself a trusted proxy, since every hop to its left
//! was written by someone we do not trust (the client included).

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, HeaderName};
use ipnet::IpNet;

/// Which header the trusted proxies write the chain into. Only one is read:
/// a proxy passes the other one through untouched, so reading both would
/// let a client put any address it likes in the one its proxy ignores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, HAProxy, Caddy,
    /// Traefik and most load balancers).
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1`.
    Forwarded,
}

impl ForwardedHeader {
    /// Parses the `forwarded_header` setting.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(Self::XForwardedFor),
            "forwarded" => Ok(Self::Forwarded),
            other => Err(format!(
                "forwarded_header {other:?} is not known; use \"x-forwarded-for\" or \"forwarded\""
            )),
        }
    }

    fn name(self) -> HeaderName {
        match self {
            Self::XForwardedFor => HeaderName::from_static("x-forwarded-for"),
            Self::Forwarded => HeaderName::from_static("forwarded"),
        }
    }
}

/// The proxies whose forwarded addresses are believed.
#[derive(Debug, Clone)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
    header: ForwardedHeader,
}

impl Default for TrustedProxies {
    /// Trusts nobody: the connecting peer is the client.
    fn default() -> Self {
        Self {
            nets: Vec::new(),
            header: ForwardedHeader::XForwardedFor,
        }
    }
}

impl TrustedProxies {
    /// Parses the `trusted_proxies` setting: addresses (`10.0.0.2`, `::1`)
    /// or CIDR blocks (`10.0.0.0/8`, `fd00::/8`).
    pub fn parse(entries: &[String], header: &str) -> Result<Self, String> {
        let nets = entries
            .iter()
            .map(|e| {
                let e = e.trim();
                e.parse::<IpNet>()
                    .map(|n| n.trunc())
                    .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!(
                            "trusted_proxies: {e:?} is neither an address nor a CIDR block \
                             (e.g. \"10.0.0.2\" or \"10.0.0.0/8\")"
                        )
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            nets,
            header: ForwardedHeader::parse(header)?,
        })
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|n| n.contains(&ip))
    }

    /// The client's address for a request that came from `peer`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d.
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        let hops = match self.header {
            ForwardedHeader::XForwardedFor => x_forwarded_for(headers, self.header.name()),
            ForwardedHeader::Forwarded => forwarded(headers, self.header.name()),
        };
        // Nearest hop first: each trusted proxy vouches for the hop it
        // received the request from.
        for hop in hops.iter().rev() {
            match hop {
                Some(ip) => {
                    client = ip.to_canonical();
                    if !self.trusts(client) {
                        return client;
                    }
                }
                // "unknown", an obfuscated name or garbage: nothing further
                // left can be believed, so the last proxy that spoke is the
                // best we know.
                None => return client,
            }
        }
        // Every hop is one of ours (or there is no header): the leftmost.
        client
    }
}

/// Every `X-Forwarded-For` line, in order (proxies may add a line rather
/// than extend the last one).
fn x_forwarded_for(headers: &HeaderMap, name: HeaderName) -> Vec<Option<IpAddr>> {
    headers
        .get_all(name)
        .iter()
        .flat_map(|v| match v.to_str() {
            Ok(s) => s.split(',').map(hop).collect::<Vec<_>>(),
            Err(_) => vec![None],
        })
        .collect()
}

/// The `for=` of every element of every `Forwarded` line, in order.
fn forwarded(headers: &HeaderMap, name: HeaderName) -> Vec<Option<IpAddr>> {
    headers
        .get_all(name)
        .iter()
        .flat_map(|v| match v.to_str() {
            Ok(s) => split_unquoted(s, ',')
                .into_iter()
                .map(|element| {
                    split_unquoted(element, ';').into_iter().find_map(|pair| {
                        let (k, v) = pair.split_once('=')?;
                        k.trim().eq_ignore_ascii_case("for").then(|| hop(v))
                    })?
                })
                .collect::<Vec<_>>(),
            Err(_) => vec![None],
        })
        .collect()
}

/// Splits at `sep` outside double quotes (a quoted `for` may hold `:`,
/// and in principle `,` or `;`).
fn split_unquoted(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in s.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            parts.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&s[start..]);
    parts
}

/// One hop: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:80`,
/// optionally quoted.
fn hop(s: &str) -> Option<IpAddr> {
    let s = s.trim().trim_matches('"');
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Some(sa.ip());
    }
    s.strip_prefix('[')?.strip_suffix(']')?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn proxies(entries: &[&str]) -> TrustedProxies {
        let entries: Vec<String> = entries.iter().map(|s| (*s).to_owned()).collect();
        TrustedProxies::parse(&entries, "x-forwarded-for").expect("parse")
    }

    fn headers(name: &str, lines: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for l in lines {
            h.append(
                HeaderName::from_bytes(name.as_bytes()).expect("name"),
                HeaderValue::from_str(l).expect("value"),
            );
        }
        h
    }

    fn xff(lines: &[&str]) -> HeaderMap {
        headers("x-forwarded-for", lines)
    }

    #[test]
    fn a_spoofed_header_from_an_untrusted_peer_is_ignored() {
        let none = TrustedProxies::default();
        let h = xff(&["1.1.1.1"]);
        assert_eq!(none.client(ip("198.51.100.20"), &h), ip("198.51.100.20"));
        let p = proxies(&["10.0.0.0/8"]);
        assert_eq!(p.client(ip("198.51.100.20"), &h), ip("198.51.100.20"));
    }

    #[test]
    fn a_trusted_peer_is_believed_for_the_rightmost_untrusted_hop() {
        let p = proxies(&["10.0.0.2"]);
        assert_eq!(
            p.client(ip("10.0.0.2"), &xff(&["203.0.113.5"])),
            ip("203.0.113.5")
        );
        // The client wrote the left part itself; the proxy appended what
        // it saw.
        assert_eq!(
            p.client(ip("10.0.0.2"), &xff(&["6.6.6.6, 10.0.0.2, 203.0.113.5"])),
            ip("203.0.113.5")
        );
        // No header: the proxy itself.
        assert_eq!(p.client(ip("10.0.0.2"), &HeaderMap::new()), ip("10.0.0.2"));
    }

    #[test]
    fn cidr_blocks_and_single_addresses_match() {
        let p = proxies(&["10.0.0.0/8", "192.0.2.1", "fd00::/8", " 172.16.5.9/16 "]);
        for trusted in [
            "10.0.0.1",
            "10.255.255.255",
            "192.0.2.1",
            "fd12::1",
            "172.16.200.1",
        ] {
            assert!(p.trusts(ip(trusted)), "{trusted}");
        }
        for not in [
            "11.0.0.1",
            "9.255.255.255",
            "192.0.2.2",
            "fe80::1",
            "172.17.0.1",
        ] {
            assert!(!p.trusts(ip(not)), "{not}");
        }
        // An IPv4 peer seen through a dual-stack socket.
        assert_eq!(
            p.client(ip("::ffff:10.1.2.3"), &xff(&["203.0.113.5"])),
            ip("203.0.113.5")
        );
        assert_eq!(
            p.client(ip("::ffff:198.51.100.1"), &xff(&["203.0.113.5"])),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn a_chain_of_several_proxies_is_walked_back_to_the_client() {
        // client → CDN (192.0.2.1) → load balancer (10.0.0.3) → nginx
        // (10.0.0.2) → shequ.
        let p = proxies(&["10.0.0.0/8", "192.0.2.1"]);
        let chain = xff(&["203.0.113.5, 192.0.2.1, 10.0.0.3"]);
        assert_eq!(p.client(ip("10.0.0.2"), &chain), ip("203.0.113.5"));
        // The same chain as one line per proxy.
        let lines = xff(&["203.0.113.5", "192.0.2.1", "10.0.0.3"]);
        assert_eq!(p.client(ip("10.0.0.2"), &lines), ip("203.0.113.5"));
        // A client claiming to be further away gains nothing.
        let spoof = xff(&["1.1.1.1, 192.0.2.1, 203.0.113.5, 192.0.2.1, 10.0.0.3"]);
        assert_eq!(p.client(ip("10.0.0.2"), &spoof), ip("203.0.113.5"));
        // Only trusted hops: the leftmost.
        assert_eq!(
            p.client(ip("10.0.0.2"), &xff(&["192.0.2.1, 10.0.0.3"])),
            ip("192.0.2.1")
        );
        // Garbage to the right of the client: the last proxy that spoke.
        assert_eq!(
            p.client(ip("10.0.0.2"), &xff(&["203.0.113.5, unknown, 10.0.0.3"])),
            ip("10.0.0.3")
        );
        // Ports and brackets some proxies add.
        assert_eq!(
            p.client(ip("10.0.0.2"), &xff(&["[2001:db8::7]:4711, 10.0.0.3:80"])),
            ip("2001:db8::7")
        );
    }

    #[test]
    fn the_forwarded_header_is_read_when_configured_and_only_then() {
        let entries = vec!["10.0.0.0/8".to_owned()];
        let fwd = TrustedProxies::parse(&entries, "Forwarded").expect("parse");
        let h = headers(
            "forwarded",
            &[
                r#"for=198.51.100.1;proto=http, For="[2001:db8:cafe::17]:4711";by=10.0.0.3, for=10.0.0.3"#,
            ],
        );
        assert_eq!(fwd.client(ip("10.0.0.2"), &h), ip("2001:db8:cafe::17"));
        let quoted_v4 = headers("forwarded", &[r#"for="203.0.113.9:5000""#]);
        assert_eq!(fwd.client(ip("10.0.0.2"), &quoted_v4), ip("203.0.113.9"));
        let hidden = headers("forwarded", &["for=203.0.113.9, for=_hidden, for=10.0.0.3"]);
        assert_eq!(fwd.client(ip("10.0.0.2"), &hidden), ip("10.0.0.3"));
        // The header the proxy does not write is the client's to forge.
        let mut both = xff(&["1.1.1.1"]);
        both.extend(headers("forwarded", &["for=203.0.113.9"]));
        assert_eq!(fwd.client(ip("10.0.0.2"), &both), ip("203.0.113.9"));
        assert_eq!(
            proxies(&["10.0.0.0/8"]).client(ip("10.0.0.2"), &both),
            ip("1.1.1.1")
        );
    }

    #[test]
    fn bad_settings_are_refused_with_the_entry_named() {
        let e = TrustedProxies::parse(&["10.0.0/8".to_owned()], "x-forwarded-for")
            .expect_err("bad cidr");
        assert!(e.contains("\"10.0.0/8\""), "{e}");
        let e = TrustedProxies::parse(&[], "x-real-ip").expect_err("bad header");
        assert!(e.contains("x-real-ip"), "{e}");
    }
}
