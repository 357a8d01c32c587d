//! The questions and resource records of a DNS message, and what each record type's data says.
//!
//! ```text
//! RFC 1035 section 4.1.2 (question) and 4.1.3 (resource record):
//!   QNAME  QTYPE(2) QCLASS(2)
//!   NAME   TYPE(2)  CLASS(2) TTL(4) RDLENGTH(2) RDATA(RDLENGTH)
//! RFC 6891 section 6.1.2 (OPT): CLASS is the requestor's UDP payload size, TTL is
//!   EXTENDED-RCODE(1) VERSION(1) DO(1 bit) Z(15 bits); RDATA is {CODE(2) LENGTH(2) DATA}*
//! RFC 9460 section 2.2 (SVCB, HTTPS): SvcPriority(2) TargetName {SvcParamKey(2) LENGTH(2) VALUE}*
//! RFC 6762 section 18.12 and 18.13 (mDNS): the top bit of a question's class asks for a
//!   unicast answer ("QU"); the top bit of a record's class flushes the cache.
//! ```
//! The records are checked when the message is parsed ([`walk`] reads every name and every data
//! length); emitting fields walks them again and cannot fail.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

use super::domain::{self, Name};
use super::name as field_name;
use crate::dissect::error::{Error, be16, be32};
use crate::dissect::field::{Emitter, Value};

/// Record types rttscope reads the data of.
pub mod rtype {
    pub const A: u16 = 1;
    pub const NS: u16 = 2;
    pub const CNAME: u16 = 5;
    pub const SOA: u16 = 6;
    pub const PTR: u16 = 12;
    pub const MX: u16 = 15;
    pub const TXT: u16 = 16;
    pub const AAAA: u16 = 28;
    pub const SRV: u16 = 33;
    pub const OPT: u16 = 41;
    pub const SVCB: u16 = 64;
    pub const HTTPS: u16 = 65;
}

/// The mDNS top bit of a class (QU in a question, cache flush in a record).
const CLASS_TOP_BIT: u16 = 0x8000;

/// One question.
#[derive(Clone, Debug)]
pub struct Question<'a> {
    pub name: Name<'a>,
    pub range: Range<usize>,
    pub qtype: u16,
    pub qclass: u16,
}

/// One resource record; `rdata` is where its data sits in the message.
#[derive(Clone, Debug)]
pub struct Record<'a> {
    pub name: Name<'a>,
    pub range: Range<usize>,
    pub rtype: u16,
    pub rclass: u16,
    pub ttl: u32,
    pub rdata: Range<usize>,
    message: &'a [u8],
}

/// A question or a record, in message order.
#[derive(Clone, Debug)]
pub enum Entry<'a> {
    Question(Question<'a>),
    Record(Record<'a>),
}

/// Walks the `counts` questions and records of `message` from `at`, calling `each` on every
/// entry; returns where they end, or why they cannot be read.
pub fn walk<'a>(
    message: &'a [u8],
    mut at: usize,
    counts: [u16; 4],
    mut each: impl FnMut(Entry<'a>),
) -> Result<usize, Error> {
    let need = |at: usize, len: usize| {
        if message.len() < at + len {
            Err(Error::Truncated { needed: at + len - message.len() })
        } else {
            Ok(())
        }
    };
    for _ in 0..counts[0] {
        let (name, after) = domain::read(message, at)?;
        need(after, 4)?;
        let question = Question {
            name,
            range: at..after + 4,
            qtype: be16(message, after),
            qclass: be16(message, after + 2),
        };
        at = after + 4;
        each(Entry::Question(question));
    }
    for _ in 0..u32::from(counts[1]) + u32::from(counts[2]) + u32::from(counts[3]) {
        let (name, after) = domain::read(message, at)?;
        need(after, 10)?;
        let rdlength = usize::from(be16(message, after + 8));
        let rdata = after + 10..after + 10 + rdlength;
        need(rdata.start, rdlength)?;
        let record = Record {
            name,
            range: at..rdata.end,
            rtype: be16(message, after),
            rclass: be16(message, after + 2),
            ttl: be32(message, after + 4),
            rdata: rdata.clone(),
            message,
        };
        record.check()?;
        at = rdata.end;
        each(Entry::Record(record));
    }
    Ok(at)
}

/// The mnemonic of a type, as tshark's Info column writes it.
pub fn type_name(rtype: u16) -> Option<&'static str> {
    Some(match rtype {
        1 => "A",
        2 => "NS",
        5 => "CNAME",
        6 => "SOA",
        12 => "PTR",
        13 => "HINFO",
        15 => "MX",
        16 => "TXT",
        28 => "AAAA",
        33 => "SRV",
        35 => "NAPTR",
        39 => "DNAME",
        41 => "OPT",
        43 => "DS",
        46 => "RRSIG",
        47 => "NSEC",
        48 => "DNSKEY",
        50 => "NSEC3",
        64 => "SVCB",
        65 => "HTTPS",
        99 => "SPF",
        252 => "AXFR",
        255 => "ANY",
        257 => "CAA",
        _ => return None,
    })
}

/// Writes a type as the Info column does: its mnemonic, or `Unknown (N)`.
pub fn write_type(out: &mut dyn fmt::Write, rtype: u16) -> fmt::Result {
    match type_name(rtype) {
        Some(name) => out.write_str(name),
        None => write!(out, "Unknown ({rtype})"),
    }
}

impl<'a> Question<'a> {
    pub fn fields(&self, out: &mut Emitter<'_>, multicast: bool) {
        let name_range = self.range.start..self.range.end - 4;
        let after = name_range.end;
        out.at(field_name::QRY_NAME, name_range.clone(), Value::Lazy(&self.name));
        out.at(field_name::QRY_NAME_LEN, name_range.clone(), Value::Uint(self.name.display_len() as u64));
        out.at(field_name::COUNT_LABELS, name_range, Value::Uint(self.name.label_count() as u64));
        out.at(field_name::QRY_TYPE, after..after + 2, Value::Uint(self.qtype.into()));
        if multicast {
            out.at(field_name::QRY_CLASS, after + 2..after + 4, Value::hex16(self.qclass & !CLASS_TOP_BIT));
            out.at(field_name::QRY_QU, after + 2..after + 4, Value::Bool(self.qclass & CLASS_TOP_BIT != 0));
        } else {
            out.at(field_name::QRY_CLASS, after + 2..after + 4, Value::hex16(self.qclass));
        }
    }

    /// ` TYPE name`, and `, "QU" question` for an mDNS question asking for a unicast answer.
    pub fn summary(&self, out: &mut dyn fmt::Write, multicast: bool) -> fmt::Result {
        out.write_char(' ')?;
        write_type(out, self.qtype)?;
        write!(out, " {}", self.name)?;
        if multicast && self.qclass & CLASS_TOP_BIT != 0 {
            out.write_str(", \"QU\" question")?;
        }
        Ok(())
    }
}

impl<'a> Record<'a> {
    pub(super) fn data(&self) -> &'a [u8] {
        self.message.get(self.rdata.clone()).unwrap_or(&[])
    }

    /// A name inside the data, at `offset` from its start, checked by [`Self::check`].
    pub(super) fn name_at(&self, offset: usize) -> Option<(Name<'a>, usize)> {
        domain::read(self.message, self.rdata.start + offset).ok()
    }

    /// Checks the data of the types whose fields are read, so emitting them cannot fail.
    fn check(&self) -> Result<(), Error> {
        let data = self.data();
        let bad =
            |what: &str| Error::Malformed(format!("{} record data {what}", type_label(self.rtype)).into());
        let in_data = |at: usize| -> Result<usize, Error> {
            let (_, end) = domain::read(self.message, self.rdata.start + at)?;
            if end > self.rdata.end {
                return Err(bad("ends inside a name"));
            }
            Ok(end - self.rdata.start)
        };
        match self.rtype {
            rtype::A if data.len() != 4 => Err(bad("is not 4 bytes")),
            rtype::AAAA if data.len() != 16 => Err(bad("is not 16 bytes")),
            rtype::NS | rtype::CNAME | rtype::PTR => in_data(0).map(drop),
            rtype::MX if data.len() < 3 => Err(bad("is shorter than a preference and a name")),
            rtype::MX => in_data(2).map(drop),
            rtype::SRV if data.len() < 7 => Err(bad("is shorter than its fixed fields and a name")),
            rtype::SRV => in_data(6).map(drop),
            rtype::SOA => {
                let end = in_data(0)?;
                let end = in_data(end)?;
                if data.len() != end + 20 {
                    Err(bad("does not end with five 32-bit numbers"))
                } else {
                    Ok(())
                }
            }
            rtype::TXT => {
                let mut at = 0;
                while at < data.len() {
                    at += 1 + usize::from(data[at]);
                }
                if at != data.len() { Err(bad("has a string that overruns it")) } else { Ok(()) }
            }
            rtype::OPT => {
                let mut at = 0;
                while at + 4 <= data.len() {
                    at += 4 + usize::from(be16(data, at + 2));
                }
                if at != data.len() { Err(bad("has an option that overruns it")) } else { Ok(()) }
            }
            rtype::SVCB | rtype::HTTPS => {
                if data.len() < 3 {
                    return Err(bad("is shorter than a priority and a name"));
                }
                let mut at = in_data(2)?;
                while at + 4 <= data.len() {
                    at += 4 + usize::from(be16(data, at + 2));
                }
                if at != data.len() { Err(bad("has a SvcParam that overruns it")) } else { Ok(()) }
            }
            _ => Ok(()),
        }
    }

    /// Splits an SRV owner name `_service._proto.name` as tshark does, if it has three parts.
    fn srv_parts(&self) -> Option<SrvOwner<'a>> {
        let mut labels = self.name.labels();
        let service = labels.next()?;
        let proto = labels.next()?;
        labels.next()?;
        Some(SrvOwner { service, proto, name: self.name })
    }

    pub fn fields(&self, out: &mut Emitter<'_>, multicast: bool) {
        let name_range = self.range.start..self.rdata.start - 10;
        let after = name_range.end;
        if self.rtype == rtype::OPT {
            out.at(field_name::RESP_NAME, name_range, Value::Lazy(&self.name));
            out.at(field_name::RESP_TYPE, after..after + 2, Value::Uint(self.rtype.into()));
            out.at(field_name::RR_UDP_PAYLOAD_SIZE, after + 2..after + 4, Value::Uint(self.rclass.into()));
            out.at(field_name::RESP_EXT_RCODE, after + 4..after + 5, Value::hex8((self.ttl >> 24) as u8));
            out.at(
                field_name::RESP_EDNS0_VERSION,
                after + 5..after + 6,
                Value::Uint(u64::from(self.ttl >> 16 & 0xff)),
            );
            let z = self.ttl as u16;
            out.at(field_name::RESP_Z, after + 6..after + 8, Value::hex16(z));
            out.at(field_name::RESP_Z_DO, after + 6..after + 8, Value::Bool(z & 0x8000 != 0));
            out.at(field_name::RESP_Z_RESERVED, after + 6..after + 8, Value::hex16(z & 0x7fff));
            out.at(field_name::RESP_LEN, after + 8..after + 10, Value::Uint(self.rdata.len() as u64));
            self.options(out);
            return;
        }
        match self.srv_parts().filter(|_| self.rtype == rtype::SRV) {
            Some(owner) => {
                out.at(field_name::SRV_SERVICE, name_range.clone(), Value::Lazy(&Label(owner.service)));
                out.at(field_name::SRV_PROTO, name_range.clone(), Value::Lazy(&Label(owner.proto)));
                out.at(field_name::SRV_NAME, name_range, Value::Lazy(&owner));
            }
            None => out.at(field_name::RESP_NAME, name_range, Value::Lazy(&self.name)),
        }
        out.at(field_name::RESP_TYPE, after..after + 2, Value::Uint(self.rtype.into()));
        if multicast {
            out.at(field_name::RESP_CLASS, after + 2..after + 4, Value::hex16(self.rclass & !CLASS_TOP_BIT));
            out.at(
                field_name::RESP_CACHE_FLUSH,
                after + 2..after + 4,
                Value::Bool(self.rclass & CLASS_TOP_BIT != 0),
            );
        } else {
            out.at(field_name::RESP_CLASS, after + 2..after + 4, Value::hex16(self.rclass));
        }
        out.at(field_name::RESP_TTL, after + 4..after + 8, Value::Uint(self.ttl.into()));
        out.at(field_name::RESP_LEN, after + 8..after + 10, Value::Uint(self.rdata.len() as u64));
        self.data_fields(out);
    }

    fn data_fields(&self, out: &mut Emitter<'_>) {
        let data = self.data();
        let start = self.rdata.start;
        let at = |offset: usize, len: usize| start + offset..start + offset + len;
        let whole = self.rdata.clone();
        match self.rtype {
            rtype::A => {
                let address = Ipv4Addr::new(data[0], data[1], data[2], data[3]);
                out.at(field_name::A, whole, Value::Ipv4(address));
            }
            rtype::AAAA => {
                let mut octets = [0; 16];
                octets.copy_from_slice(data);
                out.at(field_name::AAAA, whole, Value::Ipv6(Ipv6Addr::from(octets)));
            }
            rtype::NS | rtype::CNAME | rtype::PTR => {
                let Some((target, _)) = self.name_at(0) else { return };
                let name = match self.rtype {
                    rtype::NS => field_name::NS,
                    rtype::CNAME => field_name::CNAME,
                    _ => field_name::PTR_DOMAIN_NAME,
                };
                out.at(name, whole, Value::Lazy(&target));
            }
            rtype::MX => {
                out.at(field_name::MX_PREFERENCE, at(0, 2), Value::Uint(be16(data, 0).into()));
                let Some((exchange, _)) = self.name_at(2) else { return };
                out.at(field_name::MX_MAIL_EXCHANGE, start + 2..whole.end, Value::Lazy(&exchange));
            }
            rtype::SRV => {
                out.at(field_name::SRV_PRIORITY, at(0, 2), Value::Uint(be16(data, 0).into()));
                out.at(field_name::SRV_WEIGHT, at(2, 2), Value::Uint(be16(data, 2).into()));
                out.at(field_name::SRV_PORT, at(4, 2), Value::Uint(be16(data, 4).into()));
                let Some((target, _)) = self.name_at(6) else { return };
                out.at(field_name::SRV_TARGET, start + 6..whole.end, Value::Lazy(&target));
            }
            rtype::SOA => self.soa_fields(out),
            rtype::TXT => {
                let mut offset = 0;
                while let Some(&len) = data.get(offset) {
                    let text = data.get(offset + 1..offset + 1 + usize::from(len)).unwrap_or(&[]);
                    out.at(field_name::TXT_LENGTH, at(offset, 1), Value::Uint(len.into()));
                    out.at(field_name::TXT, at(offset + 1, text.len()), Value::Lazy(&Text(text)));
                    offset += 1 + usize::from(len);
                }
            }
            rtype::SVCB | rtype::HTTPS => super::svcb::fields(self, out),
            _ => {
                out.at(field_name::DATA, whole, Value::Bytes(data));
                out.computed(field_name::UNDECODED_TYPE, Value::Present);
            }
        }
    }

    fn soa_fields(&self, out: &mut Emitter<'_>) {
        let Some((mname, after_mname)) = self.name_at(0) else { return };
        let start = self.rdata.start;
        out.at(field_name::SOA_MNAME, start..after_mname, Value::Lazy(&mname));
        let Some((rname, after)) = domain::read(self.message, after_mname).ok() else { return };
        out.at(field_name::SOA_RNAME, after_mname..after, Value::Lazy(&rname));
        let numbers = [
            field_name::SOA_SERIAL_NUMBER,
            field_name::SOA_REFRESH_INTERVAL,
            field_name::SOA_RETRY_INTERVAL,
            field_name::SOA_EXPIRE_LIMIT,
            field_name::SOA_MINIMUM_TTL,
        ];
        for (index, name) in numbers.into_iter().enumerate() {
            let at = after + 4 * index;
            if let Some(bytes) = self.message.get(at..at + 4) {
                out.at(name, at..at + 4, Value::Uint(be32(bytes, 0).into()));
            }
        }
    }

    /// The EDNS options of an OPT record (RFC 6891 section 6.1.2).
    fn options(&self, out: &mut Emitter<'_>) {
        let data = self.data();
        let mut offset = 0;
        while offset + 4 <= data.len() {
            let (code, len) = (be16(data, offset), usize::from(be16(data, offset + 2)));
            let at = self.rdata.start + offset;
            let value = data.get(offset + 4..offset + 4 + len).unwrap_or(&[]);
            out.at(field_name::OPT, at..at + 4 + len, Value::Present);
            out.at(field_name::OPT_CODE, at..at + 2, Value::Uint(code.into()));
            out.at(field_name::OPT_LEN, at + 2..at + 4, Value::Uint(len as u64));
            out.at(field_name::OPT_DATA, at + 4..at + 4 + len, Value::Bytes(value));
            if code == PADDING {
                out.at(field_name::OPT_PADDING, at + 4..at + 4 + len, Value::Bytes(value));
            }
            offset += 4 + len;
        }
    }

    /// What the Info column says of the record: ` TYPE` and, for some types, its data.
    pub fn summary(&self, out: &mut dyn fmt::Write, multicast: bool) -> fmt::Result {
        out.write_char(' ')?;
        write_type(out, self.rtype)?;
        if multicast && self.rtype != rtype::OPT && self.rclass & CLASS_TOP_BIT != 0 {
            out.write_str(", cache flush")?;
        }
        let data = self.data();
        match self.rtype {
            rtype::A => write!(out, " {}", Ipv4Addr::new(data[0], data[1], data[2], data[3])),
            rtype::AAAA => {
                let mut octets = [0; 16];
                octets.copy_from_slice(data);
                write!(out, " {}", Ipv6Addr::from(octets))
            }
            rtype::NS | rtype::CNAME | rtype::PTR | rtype::SOA => match self.name_at(0) {
                Some((name, _)) => write!(out, " {name}"),
                None => Ok(()),
            },
            rtype::MX => match self.name_at(2) {
                Some((name, _)) => write!(out, " {} {name}", be16(data, 0)),
                None => Ok(()),
            },
            rtype::SRV => match self.name_at(6) {
                Some((name, _)) => {
                    write!(out, " {} {} {} {name}", be16(data, 0), be16(data, 2), be16(data, 4))
                }
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }

    pub(super) fn message(&self) -> &'a [u8] {
        self.message
    }
}

/// EDNS option code of Padding (RFC 7830).
const PADDING: u16 = 12;

fn type_label(rtype: u16) -> String {
    type_name(rtype).map_or_else(|| format!("type {rtype}"), str::to_owned)
}

/// An SRV record's owner name, past its service and protocol labels.
struct SrvOwner<'a> {
    service: &'a [u8],
    proto: &'a [u8],
    name: Name<'a>,
}

impl fmt::Display for SrvOwner<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, label) in self.name.labels().skip(2).enumerate() {
            if index > 0 {
                f.write_str(".")?;
            }
            Label(label).fmt(f)?;
        }
        Ok(())
    }
}

/// One label, written as a name's labels are.
struct Label<'a>(&'a [u8]);

impl fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Text(self.0).fmt(f)
    }
}

/// A character string, printable ASCII as is and other bytes escaped.
pub(super) struct Text<'a>(pub(super) &'a [u8]);

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &byte in self.0 {
            if byte.is_ascii_graphic() || byte == b' ' {
                fmt::Write::write_char(f, char::from(byte))?;
            } else {
                write!(f, "\\{byte:03o}")?;
            }
        }
        Ok(())
    }
}
