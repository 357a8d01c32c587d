//! What a DNS response resolved: the name the client asked for, the CNAME chain its answer
//! section follows from it, and the addresses (A and AAAA records) at the chain's end.
//!
//! ```text
//! RFC 1034 section 3.6.2: when a name is an alias (CNAME), the answer section holds the CNAME
//!   record, then the records of the canonical name it points to, possibly through further aliases.
//! RFC 1035 section 4.1.1: ANCOUNT counts the answer section, the records right after the questions.
//! ```
//! Only the answer section counts (not authority or additional records), only records of class
//! IN, and the chain is followed at most [`MAX_CHAIN`] links, so that a hostile response of
//! aliases pointing at each other costs a bounded walk.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::Message;
use super::record::{Entry, Record, rtype};

/// The most CNAME links followed from the name asked for (resolvers give up near here too).
pub const MAX_CHAIN: usize = 16;

/// The class of Internet records (RFC 1035 section 3.2.4), without mDNS's cache-flush bit.
const CLASS_IN: u16 = 1;

/// A successful answer: the name asked for, the name its addresses belong to, and them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    pub asked: String,
    /// The end of the CNAME chain; `asked` itself when there is none.
    pub canonical: String,
    pub addresses: Vec<IpAddr>,
}

impl<'a> Record<'a> {
    /// The address an A or AAAA record holds.
    pub fn address(&self) -> Option<IpAddr> {
        let data = self.data();
        match self.rtype {
            rtype::A => <[u8; 4]>::try_from(data).ok().map(|octets| IpAddr::V4(Ipv4Addr::from(octets))),
            rtype::AAAA => <[u8; 16]>::try_from(data).ok().map(|octets| IpAddr::V6(Ipv6Addr::from(octets))),
            _ => None,
        }
    }

    /// The canonical name a CNAME record points to.
    pub fn alias_target(&self) -> Option<super::domain::Name<'a>> {
        (self.rtype == rtype::CNAME).then(|| self.name_at(0)).flatten().map(|(name, _)| name)
    }
}

impl Message<'_> {
    /// What a standard query's successful response resolved, if its answer section names any
    /// address for the name asked (through its aliases).
    pub fn resolution(&self) -> Option<Resolution> {
        if self.cut || !self.is_response() || self.opcode() != 0 || self.rcode() != 0 {
            return None;
        }
        let answers = usize::from(super::counts(self.message())[1]);
        let mut asked = None;
        let mut records: Vec<(String, Record<'_>)> = Vec::new();
        let mut seen = 0usize;
        self.entries(|entry| match entry {
            Entry::Question(question) if asked.is_none() => asked = Some(question.name.to_string()),
            Entry::Question(_) => {}
            Entry::Record(record) => {
                let internet = record.rclass & 0x7fff == CLASS_IN;
                let wanted = matches!(record.rtype, rtype::A | rtype::AAAA | rtype::CNAME);
                if seen < answers && internet && wanted {
                    records.push((record.name.to_string(), record));
                }
                seen += 1;
            }
        });
        let asked = asked?;
        let mut canonical = asked.clone();
        for _ in 0..MAX_CHAIN {
            let target = records
                .iter()
                .find(|(owner, record)| {
                    record.rtype == rtype::CNAME && owner.eq_ignore_ascii_case(&canonical)
                })
                .and_then(|(_, record)| record.alias_target());
            match target {
                Some(target) => canonical = target.to_string(),
                None => break,
            }
        }
        let addresses: Vec<IpAddr> = records
            .iter()
            .filter(|(owner, _)| owner.eq_ignore_ascii_case(&canonical))
            .filter_map(|(_, record)| record.address())
            .collect();
        (!addresses.is_empty()).then_some(Resolution { asked, canonical, addresses })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Kind, parse};
    use super::*;

    /// A response to `www.a.test` A: `www.a.test` CNAME `web.a.test`, `web.a.test` A 10.0.0.2,
    /// and in the additional section `other.a.test` A 10.0.0.9, which must not count.
    fn response(rcode: u8) -> Vec<u8> {
        let mut bytes = vec![
            0x12,
            0x34, // ID
            0x81,
            0x80 | rcode, // flags: response, RD, RA, rcode
            0,
            1, // QDCOUNT
            0,
            2, // ANCOUNT
            0,
            0, // NSCOUNT
            0,
            1, // ARCOUNT
        ];
        // Question at 12: www.a.test A IN.
        bytes.extend([3, b'w', b'w', b'w', 1, b'a', 4, b't', b'e', b's', b't', 0, 0, 1, 0, 1]);
        // Answer: pointer to 12, CNAME, IN, TTL 60, RDLENGTH 6: web + pointer to 16 (a.test).
        bytes.extend([0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6, 3, b'w', b'e', b'b', 0xc0, 16]);
        // Answer: pointer to web.a.test (at 40), A, IN, TTL 60, RDLENGTH 4, 10.0.0.2.
        bytes.extend([0xc0, 40, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 2]);
        // Additional: other.a.test A 10.0.0.9.
        bytes.extend([5, b'o', b't', b'h', b'e', b'r', 0xc0, 16, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 9]);
        bytes
    }

    #[test]
    fn an_answer_is_followed_through_its_alias_to_its_address() {
        let bytes = response(0);
        let (_, message) = parse(&bytes, Kind::Dns).unwrap();
        let resolution = message.resolution().expect("an address");
        assert_eq!(resolution.asked, "www.a.test");
        assert_eq!(resolution.canonical, "web.a.test");
        assert_eq!(resolution.addresses, [IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2))]);
    }

    #[test]
    fn an_error_response_and_a_query_resolve_nothing() {
        let bytes = response(3);
        let (_, message) = parse(&bytes, Kind::Dns).unwrap();
        assert_eq!(message.resolution(), None, "NXDOMAIN");
        let mut query = response(0);
        query[2] = 0x01;
        let (_, message) = parse(&query, Kind::Dns).unwrap();
        assert_eq!(message.resolution(), None, "a query");
    }

    #[test]
    fn an_address_for_another_name_is_not_the_answer() {
        // The A record owned by www.a.test (a pointer to 12), which is an alias of web.a.test:
        // the chain ends at web.a.test, which has no address.
        let mut bytes = response(0);
        assert_eq!(bytes[46..48], [0xc0, 40]);
        bytes[47] = 12;
        let (_, message) = parse(&bytes, Kind::Dns).unwrap();
        assert_eq!(message.resolution(), None);
    }

    #[test]
    fn aliases_that_point_at_each_other_end_the_walk() {
        // www.a.test CNAME www.a.test (a loop onto itself), then an A record for it.
        let mut bytes = vec![0, 1, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0];
        bytes.extend([3, b'w', b'w', b'w', 1, b'a', 4, b't', b'e', b's', b't', 0, 0, 1, 0, 1]);
        bytes.extend([0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 2, 0xc0, 12]);
        bytes.extend([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 3]);
        let (_, message) = parse(&bytes, Kind::Dns).unwrap();
        let resolution = message.resolution().expect("the loop is walked a bounded number of times");
        assert_eq!(resolution.canonical, "www.a.test");
        assert_eq!(resolution.addresses, [IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3))]);
    }
}
