//! The NetBIOS name service (UDP port 137), as tshark's `nbns` shows it: name queries and
//! their answers, node status, registrations, releases and refreshes.
//!
//! ```text
//! RFC 1002 section 4.2.1, every message: NAME_TRN_ID(2)
//!   flags(2): R(1) OPCODE(4) AA(1) TC(1) RD(1) RA(1) 0(2) B(1) RCODE(4)
//!   QDCOUNT(2) ANCOUNT(2) NSCOUNT(2) ARCOUNT(2)
//! then the questions: QUESTION_NAME QUESTION_TYPE(2) QUESTION_CLASS(2)
//! then the resource records: RR_NAME RR_TYPE(2) RR_CLASS(2) TTL(4) RDLENGTH(2) RDATA
//! section 4.2.1.3, NB (0x20) RDATA: NB_FLAGS(2: G, ONT) NB_ADDRESS(4), repeated
//! section 4.2.18, NBSTAT (0x21) RDATA: NUM_NAMES(1), NODE_NAME(16) NAME_FLAGS(2) each,
//!   STATISTICS (unit id(6), jumpers(1), test result(1), version(2), period(2), ...)
//! section 4.2.16, a WACK's RDATA: the flags of the request it acknowledges
//! RFC 1001 section 14.1, a name: one 32-byte label, each nibble of the 16-byte name as
//!   'A' + nibble, then the scope's labels; RFC 1002 4.1: a name may be a DNS pointer
//! ```
//! Names are DNS names, read by `dns::domain` with its bounds: at most 255 bytes, and a
//! compression pointer only backwards (a registration's record points at its question). The
//! invariant: every question and record the counts announce lies within the datagram, else
//! the message is malformed or truncated; what follows the last is the frame's trailer.

use std::fmt;
use std::net::Ipv4Addr;
use std::ops::Range;

use super::Content;
use super::dns::domain::{self, Name};
use super::error::{Error, IResult, be16, be32, into_error};
use super::field::{Emitter, Value};
use super::layer::{LayerHeader, Tracked};
use crate::dispatch::Next;
use crate::osi::Protocol;

/// The header every message starts with.
pub const HEADER_LEN: usize = 12;
const NETBIOS_NAME_LEN: usize = 16;

const T_NB: u16 = 0x20;
const T_NBSTAT: u16 = 0x21;
const OPCODE_WACK: u16 = 7;
const F_RESPONSE: u16 = 0x8000;

/// A checked message: the header and every question and record its counts announce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    bytes: &'a [u8],
}

/// One question or resource record, where it sits in the message.
#[derive(Clone, Debug)]
enum Entry<'a> {
    Question {
        name: Name<'a>,
        at: Range<usize>,
        qtype: u16,
        qclass: u16,
    },
    Record {
        section: Section,
        name: Name<'a>,
        at: Range<usize>,
        rtype: u16,
        rclass: u16,
        rdata: Range<usize>,
    },
}

/// The section a record is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Section {
    Answer,
    Authority,
    Additional,
}

/// Reads a message as the stateless chain's entry for the NetBIOS name service.
pub fn dissect(input: &[u8]) -> Result<(Content<'_>, Next<'_>), Error> {
    let (rest, message) = parse(input).map_err(into_error)?;
    Ok((Content::Nbns(message), Next::End { trailer: rest }))
}

pub fn parse(input: &[u8]) -> IResult<'_, Message<'_>> {
    if input.len() < HEADER_LEN {
        return Err(Error::truncated(HEADER_LEN - input.len()));
    }
    let end = walk(input, |_| {}).map_err(nom::Err::Error)?;
    Ok((&input[end..], Message { bytes: &input[..end] }))
}

/// Walks the questions and records of `message` (its header checked), calling `each` on every
/// one; returns where they end.
fn walk<'a>(message: &'a [u8], mut each: impl FnMut(Entry<'a>)) -> Result<usize, Error> {
    let need = |at: usize, len: usize| match (at + len).checked_sub(message.len()) {
        Some(needed) if needed > 0 => Err(Error::Truncated { needed }),
        _ => Ok(()),
    };
    let count = |at: usize| u32::from(be16(message, at));
    let mut at = HEADER_LEN;
    for _ in 0..count(4) {
        let (name, after) = domain::read(message, at)?;
        need(after, 4)?;
        let (qtype, qclass) = (be16(message, after), be16(message, after + 2));
        each(Entry::Question { name, at: at..after + 4, qtype, qclass });
        at = after + 4;
    }
    let sections =
        [(Section::Answer, count(6)), (Section::Authority, count(8)), (Section::Additional, count(10))];
    for (section, records) in sections {
        for _ in 0..records {
            let (name, after) = domain::read(message, at)?;
            need(after, 10)?;
            let rdlength = usize::from(be16(message, after + 8));
            need(after + 10, rdlength)?;
            let rdata = after + 10..after + 10 + rdlength;
            let (rtype, rclass) = (be16(message, after), be16(message, after + 2));
            each(Entry::Record { section, name, at: at..rdata.end, rtype, rclass, rdata: rdata.clone() });
            at = rdata.end;
        }
    }
    Ok(at)
}

/// tshark's names of the opcodes.
fn opcode_name(opcode: u16) -> Option<&'static str> {
    Some(match opcode {
        0 => "Name query",
        5 => "Registration",
        6 => "Release",
        7 => "Wait for acknowledgment",
        8 => "Refresh",
        9 => "Refresh (alternate opcode)",
        15 => "Multi-homed registration",
        _ => return None,
    })
}

/// tshark's names of the reply codes.
fn rcode_name(rcode: u16) -> &'static str {
    match rcode {
        0 => "No error",
        1 => "Request was invalidly formatted",
        2 => "Server failure",
        3 => "Requested name does not exist",
        4 => "Request is not implemented",
        5 => "Request was refused",
        6 => "Name is owned by another node",
        7 => "Name is in conflict",
        _ => "Unknown error",
    }
}

fn type_name(rtype: u16) -> &'static str {
    match rtype {
        T_NB => "NB",
        T_NBSTAT => "NBSTAT",
        _ => "Unknown",
    }
}

/// What a name's suffix byte says the name is for (Wireshark's `netbios_name_type_descr`).
pub(crate) fn suffix_description(suffix: u8) -> &'static str {
    match suffix {
        0x00 | 0x02 => "Workstation/Redirector",
        0x01 => "Browser",
        0x03 => "Messenger service/Main name",
        0x05 => "Forwarded name",
        0x06 => "RAS Server service",
        0x1b => "Domain Master Browser",
        0x1c => "Domain Controllers",
        0x1d => "Local Master Browser",
        0x1e => "Browser Election Service",
        0x1f => "Net DDE Service",
        0x20 => "Server service",
        0x21 => "RAS client service",
        0x22 => "Exchange Interchange (MSMail Connector)",
        0x23 => "Exchange Store",
        0x24 => "Exchange Directory",
        0x2b => "Lotus Notes Server service",
        0x30 => "Modem sharing server service",
        0x31 => "Modem sharing client service",
        0x43 => "SMS Clients Remote Control",
        0x44 => "SMS Administrators Remote Control Tool",
        0x45 => "SMS Clients Remote Chat",
        0x46 => "SMS Clients Remote Transfer",
        0x4c | 0x52 => "DEC Pathworks TCP/IP Service on Windows NT",
        0x6a => "Microsoft Exchange IMC",
        0x87 => "Microsoft Exchange MTA",
        0xbe => "Network Monitor Agent",
        0xbf => "Network Monitor Analyzer",
        _ => "Unknown",
    }
}

/// The 16 bytes of a first-level encoded label, or why tshark calls it illegal.
fn decode_label(label: Option<&[u8]>) -> Result<[u8; NETBIOS_NAME_LEN], String> {
    const FIRST: &str = "Illegal NetBIOS name (1st character not between A and Z in first-level encoding)";
    const SECOND: &str = "Illegal NetBIOS name (2nd character not between A and Z in first-level encoding)";
    // The root name is written `<Root>`, whose first character is no letter.
    let label = label.ok_or_else(|| FIRST.to_owned())?;
    let mut decoded = [0u8; NETBIOS_NAME_LEN];
    let mut len = 0;
    let mut pairs = label.chunks(2);
    for pair in pairs.by_ref() {
        let high = pair[0];
        if !high.is_ascii_uppercase() {
            return Err(FIRST.to_owned());
        }
        let Some(&low) = pair.get(1) else {
            return Err("Illegal NetBIOS name (odd number of bytes)".to_owned());
        };
        if !low.is_ascii_uppercase() {
            return Err(SECOND.to_owned());
        }
        if let Some(byte) = decoded.get_mut(len) {
            *byte = (high - b'A') << 4 | (low - b'A');
            len += 1;
        }
    }
    if len != NETBIOS_NAME_LEN {
        return Err(format!("Illegal NetBIOS name ({len} bytes long)"));
    }
    Ok(decoded)
}

/// The first 15 bytes of a NetBIOS name as Wireshark's `process_netbios_name` writes them:
/// printable bytes as themselves, others as `<xx>`, trailing spaces dropped.
struct Printable<'a>(&'a [u8]);

impl fmt::Display for Printable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.0.get(..NETBIOS_NAME_LEN - 1).unwrap_or(self.0);
        let end = name.iter().rposition(|&byte| byte != b' ').map_or(0, |last| last + 1);
        for &byte in &name[..end] {
            if (b' '..=b'~').contains(&byte) {
                write!(f, "{}", char::from(byte))?;
            } else {
                write!(f, "<{byte:02x}>")?;
            }
        }
        Ok(())
    }
}

/// A name as tshark writes it: `WORKGROUP<1d>` and its scope (`.scope`), with what its suffix
/// is for when `described` (`RTTSCOPE<20> (Server service)`, as in an NB record).
struct NbName<'a> {
    name: Name<'a>,
    described: bool,
}

impl fmt::Display for NbName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut labels = self.name.labels();
        match decode_label(labels.next()) {
            Ok(decoded) => {
                write!(f, "{}<{:02x}>", Printable(&decoded), decoded[NETBIOS_NAME_LEN - 1])?;
                for label in labels {
                    write!(f, ".{}", String::from_utf8_lossy(label))?;
                }
                if self.described {
                    write!(f, " ({})", suffix_description(decoded[NETBIOS_NAME_LEN - 1]))?;
                }
            }
            Err(reason) => {
                f.write_str(&reason)?;
                if self.described {
                    f.write_str(" (Unknown)")?;
                }
            }
        }
        Ok(())
    }
}

impl Message<'_> {
    pub fn flags(&self) -> u16 {
        be16(self.bytes, 2)
    }

    pub fn opcode(&self) -> u16 {
        (self.flags() >> 11) & 0x0f
    }

    pub fn is_response(&self) -> bool {
        self.flags() & F_RESPONSE != 0
    }

    pub fn fields(&self, out: &mut Emitter<'_>) {
        let b = self.bytes;
        out.at(name::ID, 0..2, Value::hex16(be16(b, 0)));
        flag_fields(out, 2..4, self.flags(), false);
        out.at(name::COUNT_QUERIES, 4..6, Value::Uint(be16(b, 4).into()));
        out.at(name::COUNT_ANSWERS, 6..8, Value::Uint(be16(b, 6).into()));
        out.at(name::COUNT_AUTH_RR, 8..10, Value::Uint(be16(b, 8).into()));
        out.at(name::COUNT_ADD_RR, 10..12, Value::Uint(be16(b, 10).into()));
        let opcode = self.opcode();
        let _ = walk(b, |entry| match entry {
            Entry::Question { name, at, qtype, qclass } => {
                let type_at = at.end - 4;
                let shown = NbName { name, described: false };
                out.at(name::NAME, at.start..type_at, Value::Lazy(&shown));
                out.at(name::TYPE, type_at..type_at + 2, Value::Uint(qtype.into()));
                out.at(name::CLASS, type_at + 2..at.end, Value::Uint(qclass.into()));
            }
            Entry::Record { name, at, rtype, rclass, rdata, .. } => {
                let type_at = rdata.start - 10;
                let shown = NbName { name, described: rtype == T_NB };
                out.at(name::NAME, at.start + 1..type_at, Value::Lazy(&shown));
                out.at(name::TYPE, type_at..type_at + 2, Value::Uint(rtype.into()));
                out.at(name::CLASS, type_at + 2..type_at + 4, Value::Uint(rclass.into()));
                out.at(name::TTL, type_at + 4..type_at + 8, Value::Uint(be32(b, type_at + 4).into()));
                out.at(name::DATA_LENGTH, type_at + 8..rdata.start, Value::Uint(rdata.len() as u64));
                match rtype {
                    T_NB => nb_fields(out, b, rdata, opcode),
                    T_NBSTAT => nbstat_fields(out, b, rdata),
                    _ => {}
                }
            }
        });
    }

    /// tshark's Info column: the opcode (`Name query response`), a reply code that is not
    /// success, then each question of a request (`NB WORKGROUP<1d>`) or each answer of a
    /// response (`NB 10.0.17.1`, `NBSTAT`).
    pub fn summary(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let opcode = self.opcode();
        match opcode_name(opcode) {
            Some(name) => out.write_str(name)?,
            None => write!(out, "Unknown operation ({opcode})")?,
        }
        let response = self.is_response();
        if response {
            out.write_str(" response")?;
            let rcode = self.flags() & 0x0f;
            if rcode != 0 {
                write!(out, ", {}", rcode_name(rcode))?;
            }
        }
        let mut result = Ok(());
        let _ = walk(self.bytes, |entry| {
            result = result.and_then(|()| match entry {
                Entry::Question { name, qtype, .. } if !response => {
                    write!(out, " {} {}", type_name(qtype), NbName { name, described: false })
                }
                Entry::Record { section: Section::Answer, rtype: T_NB, rdata, .. } if response => {
                    match self.bytes.get(rdata.start + 2..rdata.start + 6) {
                        Some(_) if opcode == OPCODE_WACK => Ok(()),
                        Some(&[a, b, c, d]) => write!(out, " NB {}", Ipv4Addr::new(a, b, c, d)),
                        _ => Ok(()),
                    }
                }
                Entry::Record { section: Section::Answer, rtype, .. } if response && rtype != T_NB => {
                    write!(out, " {}", type_name(rtype))
                }
                _ => Ok(()),
            });
        });
        result
    }
}

/// The flags word and its bits: a request's five, a response's eight (a WACK's seven, in its
/// record: no reply code).
fn flag_fields(out: &mut Emitter<'_>, at: Range<usize>, flags: u16, wack: bool) {
    let bit = |mask: u16| Value::Bool(flags & mask != 0);
    let response = flags & F_RESPONSE != 0;
    out.at(name::FLAGS, at.clone(), Value::hex16(flags));
    out.at(name::FLAGS_RESPONSE, at.clone(), bit(F_RESPONSE));
    out.at(name::FLAGS_OPCODE, at.clone(), Value::Uint(((flags >> 11) & 0x0f).into()));
    if response {
        out.at(name::FLAGS_AUTHORITATIVE, at.clone(), bit(0x0400));
    }
    out.at(name::FLAGS_TRUNCATED, at.clone(), bit(0x0200));
    out.at(name::FLAGS_RECDESIRED, at.clone(), bit(0x0100));
    if response {
        out.at(name::FLAGS_RECAVAIL, at.clone(), bit(0x0080));
    }
    out.at(name::FLAGS_BROADCAST, at.clone(), bit(0x0010));
    if response && !wack {
        out.at(name::FLAGS_RCODE, at, Value::Uint((flags & 0x0f).into()));
    }
}

/// An NB record's entries: flags and an address each (a WACK's: the request's flags).
fn nb_fields(out: &mut Emitter<'_>, b: &[u8], rdata: Range<usize>, opcode: u16) {
    let mut at = rdata.start;
    if opcode == OPCODE_WACK {
        if at + 2 <= rdata.end {
            flag_fields(out, at..at + 2, be16(b, at), true);
        }
        return;
    }
    while at + 6 <= rdata.end {
        let flags = be16(b, at);
        out.at(name::NB_FLAGS, at..at + 2, Value::hex16(flags));
        out.at(name::NB_FLAGS_GROUP, at..at + 2, Value::Bool(flags & 0x8000 != 0));
        out.at(name::NB_FLAGS_ONT, at..at + 2, Value::Uint(((flags >> 13) & 0x03).into()));
        let address = Ipv4Addr::new(b[at + 2], b[at + 3], b[at + 4], b[at + 5]);
        out.at(name::ADDR, at + 2..at + 6, Value::Ipv4(address));
        at += 6;
    }
}

/// A node status record: its names with their flags, then the unit ID and statistics, each
/// only as far as the record holds it.
fn nbstat_fields(out: &mut Emitter<'_>, b: &[u8], rdata: Range<usize>) {
    let Some(&count) = b.get(rdata.start).filter(|_| !rdata.is_empty()) else { return };
    out.at(name::NUMBER_OF_NAMES, rdata.start..rdata.start + 1, Value::Uint(count.into()));
    let mut at = rdata.start + 1;
    for _ in 0..count {
        if at + NETBIOS_NAME_LEN + 2 > rdata.end {
            return;
        }
        let shown = Printable(&b[at..at + NETBIOS_NAME_LEN]);
        out.at(name::NETBIOS_NAME, at..at + NETBIOS_NAME_LEN, Value::Lazy(&shown));
        at += NETBIOS_NAME_LEN;
        let flags = be16(b, at);
        let bit = |mask: u16| Value::Bool(flags & mask != 0);
        out.at(name::NAME_FLAGS, at..at + 2, Value::hex16(flags));
        out.at(name::NAME_FLAGS_GROUP, at..at + 2, bit(0x8000));
        out.at(name::NAME_FLAGS_ONT, at..at + 2, Value::Uint(((flags >> 13) & 0x03).into()));
        out.at(name::NAME_FLAGS_DRG, at..at + 2, bit(0x1000));
        out.at(name::NAME_FLAGS_CNF, at..at + 2, bit(0x0800));
        out.at(name::NAME_FLAGS_ACT, at..at + 2, bit(0x0400));
        out.at(name::NAME_FLAGS_PRM, at..at + 2, bit(0x0200));
        at += 2;
    }
    let Some(stats) = b.get(at..rdata.end) else { return };
    statistics_fields(&mut out.nested(at), stats);
}

/// The statistics after a node status record's names, in order, each while it fits.
fn statistics_fields(out: &mut Emitter<'_>, stats: &[u8]) {
    if stats.len() < 6 {
        return;
    }
    let unit: [u8; 6] = [stats[0], stats[1], stats[2], stats[3], stats[4], stats[5]];
    out.at(name::UNIT_ID, 0..6, Value::Mac(unit));
    // (field, width, shown in hex)
    const COUNTERS: [(&str, usize, bool); 17] = [
        (name::JUMPERS, 1, true),
        (name::TEST_RESULT, 1, true),
        (name::VERSION_NUMBER, 2, true),
        (name::PERIOD_OF_STATISTICS, 2, true),
        (name::NUM_CRCS, 2, false),
        (name::NUM_ALIGNMENT_ERRORS, 2, false),
        (name::NUM_COLLISIONS, 2, false),
        (name::NUM_SEND_ABORTS, 2, false),
        (name::NUM_GOOD_SENDS, 4, false),
        (name::NUM_GOOD_RECEIVES, 4, false),
        (name::NUMRETRANSMITS, 2, false),
        (name::NUM_NO_RESOURCE_CONDITIONS, 2, false),
        (name::NUMCOMMAND_BLOCKS, 2, false),
        (name::NUMPENDING_SESSIONS, 2, false),
        (name::MAX_NUM_PENDING_SESSIONS, 2, false),
        (name::MAX_TOTAL_SESSIONS_POSSIBLE, 2, false),
        (name::SESSION_DATA_PACKET_SIZE, 2, false),
    ];
    let mut at = 6;
    for (field, width, hex) in COUNTERS {
        let Some(bytes) = stats.get(at..at + width) else { return };
        let value = bytes.iter().fold(0u64, |value, &byte| value << 8 | u64::from(byte));
        let shown = match (hex, width) {
            (true, 1) => Value::Hex { value, digits: 2 },
            (true, _) => Value::Hex { value, digits: 4 },
            (false, _) => Value::Uint(value),
        };
        out.at(field, at..at + width, shown);
        at += width;
    }
}

impl LayerHeader for Message<'_> {
    fn protocol(&self) -> Protocol {
        Protocol::Nbns
    }

    fn header_len(&self) -> usize {
        self.bytes.len()
    }

    fn fields(&self, out: &mut Emitter<'_>, _: &Tracked<'_>) {
        Message::fields(self, out);
    }

    fn summary(&self, out: &mut dyn fmt::Write, _: &Tracked<'_>) -> fmt::Result {
        Message::summary(self, out)
    }
}

pub mod name {
    //! The fields of a NetBIOS name service message, by Wireshark's names: the registry's
    //! rows for them, and the names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Nbns;
        ID "nbns.id" Hex "transaction ID";
        FLAGS "nbns.flags" Hex "flags";
        FLAGS_RESPONSE "nbns.flags.response" Bool "a response";
        FLAGS_OPCODE "nbns.flags.opcode" Uint "operation (0 query, 5 registration, 6 release, 7 WACK, 8 refresh)";
        FLAGS_AUTHORITATIVE "nbns.flags.authoritative" Bool "the answer is authoritative";
        FLAGS_TRUNCATED "nbns.flags.truncated" Bool "the message was truncated";
        FLAGS_RECDESIRED "nbns.flags.recdesired" Bool "recursion desired (ask the name server)";
        FLAGS_RECAVAIL "nbns.flags.recavail" Bool "recursion available";
        FLAGS_BROADCAST "nbns.flags.broadcast" Bool "sent by broadcast";
        FLAGS_RCODE "nbns.flags.rcode" Uint "reply code";
        COUNT_QUERIES "nbns.count.queries" Uint "number of questions";
        COUNT_ANSWERS "nbns.count.answers" Uint "number of answers";
        COUNT_AUTH_RR "nbns.count.auth_rr" Uint "number of authority records";
        COUNT_ADD_RR "nbns.count.add_rr" Uint "number of additional records";
        NAME "nbns.name" Text "a question's or record's NetBIOS name (NAME<suffix>)";
        TYPE "nbns.type" Uint "question or record type (32 NB, 33 NBSTAT)" names NBNS_TYPE;
        CLASS "nbns.class" Uint "class (1 IN)" names NBNS_CLASS;
        TTL "nbns.ttl" Uint "time to live, seconds";
        DATA_LENGTH "nbns.data_length" Uint "length of the record's data";
        NB_FLAGS "nbns.nb_flags" Hex "an NB entry's flags";
        NB_FLAGS_GROUP "nbns.nb_flags.group" Bool "a group name";
        NB_FLAGS_ONT "nbns.nb_flags.ont" Uint "owner's node type (0 B, 1 P, 2 M, 3 H)";
        ADDR "nbns.addr" Ipv4 "the name's address";
        NUMBER_OF_NAMES "nbns.number_of_names" Uint "names in a node status answer";
        NETBIOS_NAME "nbns.netbios_name" Text "a name in a node status answer";
        NAME_FLAGS "nbns.name_flags" Hex "a node status name's flags";
        NAME_FLAGS_GROUP "nbns.name_flags.group" Bool "a group name";
        NAME_FLAGS_ONT "nbns.name_flags.ont" Uint "owner's node type";
        NAME_FLAGS_DRG "nbns.name_flags.drg" Bool "being deregistered";
        NAME_FLAGS_CNF "nbns.name_flags.cnf" Bool "in conflict";
        NAME_FLAGS_ACT "nbns.name_flags.act" Bool "active";
        NAME_FLAGS_PRM "nbns.name_flags.prm" Bool "the permanent node name";
        UNIT_ID "nbns.unit_id" Mac "the node's unit ID (its MAC address)";
        JUMPERS "nbns.jumpers" Hex "jumpers";
        TEST_RESULT "nbns.test_result" Hex "test result";
        VERSION_NUMBER "nbns.version_number" Hex "version number";
        PERIOD_OF_STATISTICS "nbns.period_of_statistics" Hex "period of statistics";
        NUM_CRCS "nbns.num_crcs" Uint "CRC errors";
        NUM_ALIGNMENT_ERRORS "nbns.num_alignment_errors" Uint "alignment errors";
        NUM_COLLISIONS "nbns.num_collisions" Uint "collisions";
        NUM_SEND_ABORTS "nbns.num_send_aborts" Uint "send aborts";
        NUM_GOOD_SENDS "nbns.num_good_sends" Uint "good sends";
        NUM_GOOD_RECEIVES "nbns.num_good_receives" Uint "good receives";
        NUMRETRANSMITS "nbns.numretransmits" Uint "retransmits";
        NUM_NO_RESOURCE_CONDITIONS "nbns.num_no_resource_conditions" Uint "no resource conditions";
        NUMCOMMAND_BLOCKS "nbns.numcommand_blocks" Uint "free command blocks";
        NUMPENDING_SESSIONS "nbns.numpending_sessions" Uint "pending sessions";
        MAX_NUM_PENDING_SESSIONS "nbns.max_num_pending_sessions" Uint "most pending sessions";
        MAX_TOTAL_SESSIONS_POSSIBLE "nbns.max_total_sessions_possible" Uint "most sessions possible";
        SESSION_DATA_PACKET_SIZE "nbns.session_data_packet_size" Uint "session data packet size";
    }
}

#[cfg(test)]
mod tests;
