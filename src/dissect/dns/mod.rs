//! DNS messages (RFC 1035), as carried on UDP port 53, by mDNS on 5353 (RFC 6762) and by
//! LLMNR on 5355 (RFC 4795), and over TCP and TLS with a two-byte length before each message.
//!
//! ```text
//! RFC 1035 section 4.1.1:
//!   ID(16) | QR(1) Opcode(4) AA(1) TC(1) RD(1) RA(1) Z(1) AD(1) CD(1) RCODE(4) |
//!   QDCOUNT(16) ANCOUNT(16) NSCOUNT(16) ARCOUNT(16)
//!   then the questions, answers, authority and additional records (`record.rs`)
//! RFC 7766 section 8: over TCP each message is preceded by its length, two bytes.
//! RFC 4795 section 2.1.1: LLMNR's header has C (conflict) where DNS has AA, and T
//!   (tentative) where DNS has RD; it has no RA, Z, AD or CD.
//! ```
//! The invariant: a [`Message`] is checked whole when parsed (every name, record and length
//! lies inside it, names are bounded and their compression pointers point backwards), so its
//! fields and summary are read from the bytes again with nothing left to fail; tshark's field
//! names, values and Info column are reproduced.

pub mod answer;
pub mod domain;
pub mod record;
mod svcb;

use std::fmt;

use super::Content;
use super::error::{Error, IResult, be16, into_error};
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use crate::dispatch::Next;
use crate::osi::Protocol;
use record::{Entry, walk};

pub const HEADER_LEN: usize = 12;

mod field {
    use std::ops::Range;
    pub const ID: Range<usize> = 0..2;
    pub const FLAGS: Range<usize> = 2..4;
    pub const COUNTS: usize = 4;
}

mod flag {
    pub const RESPONSE: u16 = 0x8000;
    pub const OPCODE_SHIFT: u16 = 11;
    pub const AUTHORITATIVE: u16 = 0x0400;
    pub const TRUNCATED: u16 = 0x0200;
    pub const RECURSION_DESIRED: u16 = 0x0100;
    pub const RECURSION_AVAILABLE: u16 = 0x0080;
    pub const Z: u16 = 0x0040;
    pub const AUTHENTICATED: u16 = 0x0020;
    pub const CHECKING_DISABLED: u16 = 0x0010;
    pub const RCODE: u16 = 0x000f;
}

/// The opcode of a dynamic update (RFC 2136), whose sections have other names.
const UPDATE: u16 = 5;

/// Which protocol carries the message: their header bits and classes differ a little.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Dns,
    Mdns,
    Llmnr,
}

/// One DNS message, checked whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    /// The layer's bytes: the length before the message over TCP, then the message.
    bytes: &'a [u8],
    /// How many bytes of `bytes` the length prefix takes (0 or 2).
    prefix: usize,
    kind: Kind,
    /// The capture holds only the first bytes of the header (an ICMP error quotes 8 bytes of
    /// a datagram): the fields that fit are shown, as tshark shows them.
    cut: bool,
    /// Over TCP, a message put together from several segments: each one's frame and the bytes
    /// it gave (`tcp.segment`); empty for a message read from one segment.
    segments: Vec<(u64, usize)>,
    /// Over TLS, `segments` are the frames of the records that gave its bytes (`tls.segment`).
    over_tls: bool,
}

/// What tracking matched a message with (`track/dns.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Matched {
    /// A response to the request in `request_frame`, `time_ns` after it.
    Response { request_frame: u64, time_ns: i64 },
    /// A response no request in its conversation asked for.
    Unsolicited,
}

/// The stateless chain's entry for DNS on UDP port 53.
pub fn dissect(input: &[u8]) -> Result<(Content<'_>, Next<'_>), Error> {
    dissect_kind(input, Kind::Dns)
}

/// The stateless chain's entry for mDNS on UDP port 5353.
pub fn dissect_mdns(input: &[u8]) -> Result<(Content<'_>, Next<'_>), Error> {
    dissect_kind(input, Kind::Mdns)
}

/// The stateless chain's entry for LLMNR on UDP port 5355.
pub fn dissect_llmnr(input: &[u8]) -> Result<(Content<'_>, Next<'_>), Error> {
    dissect_kind(input, Kind::Llmnr)
}

fn dissect_kind(input: &[u8], kind: Kind) -> Result<(Content<'_>, Next<'_>), Error> {
    let (trailer, message) = parse(input, kind).map_err(into_error)?;
    Ok((Content::Dns(message), Next::End { trailer }))
}

/// Parses a message carried alone (in a UDP datagram). A datagram holding less than the
/// header, but its ID at least, is a message cut short.
pub fn parse(input: &[u8], kind: Kind) -> IResult<'_, Message<'_>> {
    if (field::ID.end..HEADER_LEN).contains(&input.len()) {
        return Ok((&[], Message::new(input, 0, kind, true)));
    }
    let end = check(input).map_err(nom::Err::Error)?;
    Ok((&input[end..], Message::new(&input[..end], 0, kind, false)))
}

/// Parses a message behind its two-byte length, as over TCP and TLS (RFC 7766 section 8).
/// `Truncated` says how many more bytes the message needs.
pub fn parse_framed(input: &[u8]) -> IResult<'_, Message<'_>> {
    let Some(prefix) = input.get(..2) else {
        return Err(Error::truncated(2 - input.len()));
    };
    let len = usize::from(be16(prefix, 0));
    let Some(framed) = input.get(..2 + len) else {
        return Err(Error::truncated(2 + len - input.len()));
    };
    let end = check(&framed[2..]).map_err(|error| match error {
        Error::Truncated { needed } => {
            Error::malformed(format!("the message overruns its length of {len} by {needed} bytes"))
        }
        other => nom::Err::Error(other),
    })?;
    if end != len {
        return Err(Error::malformed(format!("{} bytes after the message, inside its length", len - end)));
    }
    Ok((&input[2 + len..], Message::new(framed, 2, Kind::Dns, false)))
}

/// Checks a message: where it ends.
fn check(message: &[u8]) -> Result<usize, Error> {
    if message.len() < HEADER_LEN {
        return Err(Error::Truncated { needed: HEADER_LEN - message.len() });
    }
    walk(message, HEADER_LEN, counts(message), |_| {})
}

fn counts(message: &[u8]) -> [u16; 4] {
    let at = |index: usize| be16(message, field::COUNTS + 2 * index);
    [at(0), at(1), at(2), at(3)]
}

impl<'a> Message<'a> {
    /// A message read from one piece of the capture.
    fn new(bytes: &'a [u8], prefix: usize, kind: Kind, cut: bool) -> Self {
        Self { bytes, prefix, kind, cut, segments: Vec::new(), over_tls: false }
    }

    /// Whether the message came with the two-byte length that frames it over TCP or TLS.
    pub fn is_length_framed(&self) -> bool {
        self.prefix > 0
    }

    /// The message, past any length prefix.
    fn message(&self) -> &'a [u8] {
        &self.bytes[self.prefix..]
    }

    /// The same message, put together from the TCP `segments` given (frame, bytes).
    pub fn with_segments(mut self, segments: Vec<(u64, usize)>) -> Self {
        self.segments = segments;
        self
    }

    /// The same message over TLS, put together from the plaintext of the records of the
    /// `segments` given (frame, bytes), as Wireshark lists them (`tls.segment`).
    pub fn with_tls_segments(self, segments: Vec<(u64, usize)>) -> Self {
        Self { over_tls: true, ..self.with_segments(segments) }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn id(&self) -> u16 {
        be16(self.message(), field::ID.start)
    }

    /// The flags; none in a message cut short before them.
    pub fn flags(&self) -> u16 {
        self.message().get(field::FLAGS).map_or(0, |flags| be16(flags, 0))
    }

    pub fn is_response(&self) -> bool {
        self.flags() & flag::RESPONSE != 0
    }

    pub fn opcode(&self) -> u16 {
        self.flags() >> flag::OPCODE_SHIFT & 0xf
    }

    pub fn rcode(&self) -> u16 {
        self.flags() & flag::RCODE
    }

    /// Every question and record, in message order.
    pub fn entries(&self, mut each: impl FnMut(Entry<'a>)) {
        let message = self.message();
        // Checked when parsed: the walk cannot fail.
        let _ = walk(message, HEADER_LEN, counts(message), &mut each);
    }

    fn flag_fields(&self, out: &mut Emitter<'_>) {
        let flags = self.flags();
        let range = field::FLAGS;
        let bit = |mask: u16| Value::Bool(flags & mask != 0);
        let response = flags & flag::RESPONSE != 0;
        out.at(name::FLAGS, range.clone(), Value::hex16(flags));
        out.at(name::FLAGS_RESPONSE, range.clone(), bit(flag::RESPONSE));
        out.at(name::FLAGS_OPCODE, range.clone(), Value::Uint(self.opcode().into()));
        if self.kind == Kind::Llmnr {
            out.at(name::FLAGS_CONFLICT, range.clone(), bit(flag::AUTHORITATIVE));
            out.at(name::FLAGS_TRUNCATED, range.clone(), bit(flag::TRUNCATED));
            out.at(name::FLAGS_TENTATIVE, range.clone(), bit(flag::RECURSION_DESIRED));
            if response {
                out.at(name::FLAGS_RCODE, range, Value::Uint(self.rcode().into()));
            }
            return;
        }
        if response {
            out.at(name::FLAGS_AUTHORITATIVE, range.clone(), bit(flag::AUTHORITATIVE));
        }
        out.at(name::FLAGS_TRUNCATED, range.clone(), bit(flag::TRUNCATED));
        out.at(name::FLAGS_RECDESIRED, range.clone(), bit(flag::RECURSION_DESIRED));
        if response {
            out.at(name::FLAGS_RECAVAIL, range.clone(), bit(flag::RECURSION_AVAILABLE));
        }
        out.at(name::FLAGS_Z, range.clone(), bit(flag::Z));
        if response || flags & flag::AUTHENTICATED != 0 {
            out.at(name::FLAGS_AUTHENTICATED, range.clone(), bit(flag::AUTHENTICATED));
        }
        out.at(name::FLAGS_CHECKDISABLE, range.clone(), bit(flag::CHECKING_DISABLED));
        if response {
            out.at(name::FLAGS_RCODE, range, Value::Uint(self.rcode().into()));
        }
    }

    pub fn fields(&self, out: &mut Emitter<'_>, tracked: &Tracked<'_>) {
        if self.over_tls {
            use super::tls::name as tls;
            let names = [tls::SEGMENT, tls::SEGMENT_COUNT, tls::REASSEMBLED_LENGTH];
            super::tcp::reassembly_fields_named(out, &self.segments, names);
        } else {
            super::tcp::reassembly_fields(out, &self.segments);
        }
        if self.prefix > 0 {
            out.at(name::LENGTH, 0..2, Value::Uint(be16(self.bytes, 0).into()));
        }
        let mut out = out.nested(self.prefix);
        let message = self.message();
        out.at(name::ID, field::ID, Value::hex16(self.id()));
        if self.cut {
            if message.len() >= field::FLAGS.end {
                self.flag_fields(&mut out);
            }
            return;
        }
        self.flag_fields(&mut out);
        let count_names = if self.opcode() == UPDATE {
            [name::COUNT_ZONES, name::COUNT_PREREQUISITES, name::COUNT_UPDATES, name::COUNT_ADD_RR]
        } else {
            [name::COUNT_QUERIES, name::COUNT_ANSWERS, name::COUNT_AUTH_RR, name::COUNT_ADD_RR]
        };
        for (index, (count_name, count)) in count_names.into_iter().zip(counts(message)).enumerate() {
            let at = field::COUNTS + 2 * index;
            out.at(count_name, at..at + 2, Value::Uint(count.into()));
        }
        let multicast = self.kind == Kind::Mdns;
        self.entries(|entry| match entry {
            Entry::Question(question) => question.fields(&mut out, multicast),
            Entry::Record(record) => record.fields(&mut out, multicast),
        });
        match tracked.annotation {
            super::Annotation::Dns(Matched::Response { request_frame, time_ns }) => {
                out.computed(name::RESPONSE_TO, Value::Uint(*request_frame));
                out.computed(name::TIME, Value::Seconds(*time_ns));
            }
            super::Annotation::Dns(Matched::Unsolicited) => {
                out.computed(name::UNSOLICITED, Value::Bool(true))
            }
            _ => {}
        }
    }

    /// tshark's Info column: `Standard query response 0x1234 A example.com A 1.2.3.4 OPT`.
    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        match opcode_name(self.opcode()) {
            Some(opcode) => out.write_str(opcode)?,
            None => write!(out, "Unknown operation ({})", self.opcode())?,
        }
        if self.is_response() {
            out.write_str(" response")?;
        }
        write!(out, " 0x{:04x}", self.id())?;
        if self.cut {
            return write!(out, " (cut short: {} of {HEADER_LEN} header bytes)", self.bytes.len());
        }
        if self.is_response() && self.rcode() != 0 {
            match rcode_name(self.rcode()) {
                Some(rcode) => write!(out, " {rcode}")?,
                None => write!(out, " Unknown error ({})", self.rcode())?,
            }
        }
        let multicast = self.kind == Kind::Mdns;
        let mut result = Ok(());
        self.entries(|entry| {
            if result.is_ok() {
                result = match &entry {
                    Entry::Question(question) => question.summary(out, multicast),
                    Entry::Record(record) => record.summary(out, multicast),
                };
            }
        });
        result
    }
}

fn opcode_name(opcode: u16) -> Option<&'static str> {
    Some(match opcode {
        0 => "Standard query",
        1 => "Inverse query",
        2 => "Server status request",
        4 => "Zone change notification",
        5 => "Dynamic update",
        6 => "DNS Stateful operations (DSO)",
        _ => return None,
    })
}

fn rcode_name(rcode: u16) -> Option<&'static str> {
    Some(match rcode {
        0 => "No error",
        1 => "Format error",
        2 => "Server failure",
        3 => "No such name",
        4 => "Not implemented",
        5 => "Refused",
        6 => "Name exists",
        7 => "RRset exists",
        8 => "RRset does not exist",
        9 => "Not authoritative",
        10 => "Name out of zone",
        11 => "DSO-Type not implemented",
        _ => return None,
    })
}

impl LayerHeader for Message<'_> {
    fn protocol(&self) -> Protocol {
        match self.kind {
            Kind::Dns => Protocol::Dns,
            Kind::Mdns => Protocol::Mdns,
            Kind::Llmnr => Protocol::Llmnr,
        }
    }

    fn header_len(&self) -> usize {
        self.bytes.len()
    }

    fn fields(&self, out: &mut Emitter<'_>, tracked: &Tracked<'_>) {
        Message::fields(self, out, tracked);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Message::summary(self, out)
    }

    fn also_emits(&self) -> &'static [&'static str] {
        match self.kind {
            // A message over TCP put together from segments lists them (`tcp.segment`), one
            // over TLS the records' frames (`tls.segment`).
            Kind::Dns => &["tcp", "tls"],
            Kind::Mdns | Kind::Llmnr => &["dns"],
        }
    }
}

pub mod name {
    //! The fields of a DNS message, by Wireshark's names (mDNS and LLMNR use the same).

    crate::registry::field_table! {
        protocol Dns;
        LENGTH "dns.length" Uint "message length (over TCP and TLS)";
        ID "dns.id" Hex "transaction ID";
        FLAGS "dns.flags" Hex "flags";
        FLAGS_RESPONSE "dns.flags.response" Bool "the message is a response";
        FLAGS_OPCODE "dns.flags.opcode" Uint "operation code";
        FLAGS_AUTHORITATIVE "dns.flags.authoritative" Bool "the server is an authority for the domain";
        FLAGS_CONFLICT "dns.flags.conflict" Bool "LLMNR: several responders answered";
        FLAGS_TRUNCATED "dns.flags.truncated" Bool "the message is truncated";
        FLAGS_RECDESIRED "dns.flags.recdesired" Bool "recursion desired";
        FLAGS_TENTATIVE "dns.flags.tentative" Bool "LLMNR: the name's uniqueness is not yet verified";
        FLAGS_RECAVAIL "dns.flags.recavail" Bool "recursion available";
        FLAGS_Z "dns.flags.z" Bool "reserved bit";
        FLAGS_AUTHENTICATED "dns.flags.authenticated" Bool "answer authenticated (AD)";
        FLAGS_CHECKDISABLE "dns.flags.checkdisable" Bool "checking disabled (CD)";
        FLAGS_RCODE "dns.flags.rcode" Uint "reply code";
        COUNT_QUERIES "dns.count.queries" Uint "questions";
        COUNT_ZONES "dns.count.zones" Uint "zones (update)";
        COUNT_ANSWERS "dns.count.answers" Uint "answer records";
        COUNT_PREREQUISITES "dns.count.prerequisites" Uint "prerequisites (update)";
        COUNT_AUTH_RR "dns.count.auth_rr" Uint "authority records";
        COUNT_UPDATES "dns.count.updates" Uint "updates (update)";
        COUNT_ADD_RR "dns.count.add_rr" Uint "additional records";
        QRY_NAME "dns.qry.name" Text "question name";
        QRY_NAME_LEN "dns.qry.name.len" Uint "question name length";
        COUNT_LABELS "dns.count.labels" Uint "question name label count";
        QRY_TYPE "dns.qry.type" Uint "question type" names DNS_TYPE;
        QRY_CLASS "dns.qry.class" Hex "question class" names DNS_CLASS;
        QRY_QU "dns.qry.qu" Bool "mDNS: unicast answer asked for (QU)";
        RESP_NAME "dns.resp.name" Text "record owner name";
        RESP_TYPE "dns.resp.type" Uint "record type" names DNS_TYPE;
        RESP_CLASS "dns.resp.class" Hex "record class" names DNS_CLASS;
        RESP_CACHE_FLUSH "dns.resp.cache_flush" Bool "mDNS: cache flush";
        RESP_TTL "dns.resp.ttl" Uint "time to live";
        RESP_LEN "dns.resp.len" Uint "record data length";
        RR_UDP_PAYLOAD_SIZE "dns.rr.udp_payload_size" Uint "EDNS: UDP payload size";
        RESP_EXT_RCODE "dns.resp.ext_rcode" Hex "EDNS: extended RCODE's higher bits";
        RESP_EDNS0_VERSION "dns.resp.edns0_version" Uint "EDNS version";
        RESP_Z "dns.resp.z" Hex "EDNS flags";
        RESP_Z_DO "dns.resp.z.do" Bool "EDNS: DNSSEC OK";
        RESP_Z_RESERVED "dns.resp.z.reserved" Hex "EDNS: reserved flags";
        OPT "dns.opt" Present "EDNS option";
        OPT_CODE "dns.opt.code" Uint "EDNS option code" names DNS_OPT_CODE;
        OPT_LEN "dns.opt.len" Uint "EDNS option length";
        OPT_DATA "dns.opt.data" Bytes "EDNS option data";
        OPT_PADDING "dns.opt.padding" Bytes "EDNS padding";
        A "dns.a" Ipv4 "address (A)";
        AAAA "dns.aaaa" Ipv6 "address (AAAA)";
        NS "dns.ns" Text "name server (NS)";
        CNAME "dns.cname" Text "canonical name (CNAME)";
        PTR_DOMAIN_NAME "dns.ptr.domain_name" Text "domain name (PTR)";
        MX_PREFERENCE "dns.mx.preference" Uint "MX preference";
        MX_MAIL_EXCHANGE "dns.mx.mail_exchange" Text "mail exchange (MX)";
        TXT_LENGTH "dns.txt.length" Uint "TXT string length";
        TXT "dns.txt" Text "TXT string";
        SOA_MNAME "dns.soa.mname" Text "SOA primary name server";
        SOA_RNAME "dns.soa.rname" Text "SOA responsible mailbox";
        SOA_SERIAL_NUMBER "dns.soa.serial_number" Uint "SOA serial number";
        SOA_REFRESH_INTERVAL "dns.soa.refresh_interval" Uint "SOA refresh interval";
        SOA_RETRY_INTERVAL "dns.soa.retry_interval" Uint "SOA retry interval";
        SOA_EXPIRE_LIMIT "dns.soa.expire_limit" Uint "SOA expire limit";
        SOA_MINIMUM_TTL "dns.soa.minimum_ttl" Uint "SOA minimum TTL";
        SRV_SERVICE "dns.srv.service" Text "SRV service";
        SRV_PROTO "dns.srv.proto" Text "SRV protocol";
        SRV_NAME "dns.srv.name" Text "SRV name";
        SRV_PRIORITY "dns.srv.priority" Uint "SRV priority";
        SRV_WEIGHT "dns.srv.weight" Uint "SRV weight";
        SRV_PORT "dns.srv.port" Uint "SRV port";
        SRV_TARGET "dns.srv.target" Text "SRV target";
        SVCB_SVCPRIORITY "dns.svcb.svcpriority" Uint "SVCB/HTTPS priority";
        SVCB_TARGETNAME "dns.svcb.targetname" Text "SVCB/HTTPS target name";
        SVCB_SVCPARAM "dns.svcb.svcparam" Present "SVCB/HTTPS SvcParam";
        SVCB_SVCPARAM_KEY "dns.svcb.svcparam.key" Uint "SvcParam key" names DNS_SVCB_KEY;
        SVCB_SVCPARAM_VALUE_LENGTH "dns.svcb.svcparam.value.length" Uint "SvcParam value length";
        SVCB_SVCPARAM_VALUE "dns.svcb.svcparam.value" Bytes "SvcParam value (unknown key)";
        SVCB_MANDATORY_KEY "dns.svcb.svcparam.mandatory.key" Uint "SvcParam mandatory key" names DNS_SVCB_KEY;
        SVCB_ALPN_LENGTH "dns.svcb.svcparam.alpn.length" Uint "SvcParam ALPN length";
        SVCB_ALPN "dns.svcb.svcparam.alpn" Text "SvcParam ALPN";
        SVCB_PORT "dns.svcb.svcparam.port" Uint "SvcParam port";
        SVCB_IPV4HINT_IP "dns.svcb.svcparam.ipv4hint.ip" Ipv4 "SvcParam IPv4 hint";
        SVCB_ECHCONFIG "dns.svcb.svcparam.echconfig" Bytes "SvcParam ECH configuration";
        SVCB_IPV6HINT_IP "dns.svcb.svcparam.ipv6hint.ip" Ipv6 "SvcParam IPv6 hint";
        DATA "dns.data" Bytes "record data of a type not decoded";
        UNDECODED_TYPE "dns.undecoded.type" Present "a record type not decoded";
        RESPONSE_TO "dns.response_to" Uint "the request this response answers (frame)";
        TIME "dns.time" Time "time since the request";
        UNSOLICITED "dns.unsolicited" Bool "a response no request asked for";
    }
}

#[cfg(test)]
mod tests;
