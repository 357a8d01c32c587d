//! The data of SVCB and HTTPS records: a priority, a target name and SvcParams.
//!
//! ```text
//! RFC 9460 section 2.2 and 7:
//!   SvcPriority(2) TargetName {SvcParamKey(2) SvcParamValue-length(2) SvcParamValue}*
//!   keys: 0 mandatory (keys), 1 alpn (length-prefixed ids), 2 no-default-alpn (empty),
//!         3 port, 4 ipv4hint (addresses), 5 ech, 6 ipv6hint (addresses)
//! ```
//! The record was checked when the message was parsed: the name and every SvcParam lie inside
//! the data.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::domain;
use super::name as field_name;
use super::record::{Record, Text};
use crate::dissect::error::be16;
use crate::dissect::field::{Emitter, Value};

const MANDATORY: u16 = 0;
const ALPN: u16 = 1;
const NO_DEFAULT_ALPN: u16 = 2;
const PORT: u16 = 3;
const IPV4HINT: u16 = 4;
const ECH: u16 = 5;
const IPV6HINT: u16 = 6;

pub(super) fn fields(record: &Record<'_>, out: &mut Emitter<'_>) {
    let message = record.message();
    let Some(data) = message.get(record.rdata.clone()) else { return };
    let start = record.rdata.start;
    out.at(field_name::SVCB_SVCPRIORITY, start..start + 2, Value::Uint(be16(data, 0).into()));
    let Ok((target, after)) = domain::read(message, start + 2) else { return };
    out.at(field_name::SVCB_TARGETNAME, start + 2..after, Value::Lazy(&target));
    let mut offset = after - start;
    while offset + 4 <= data.len() {
        let (key, len) = (be16(data, offset), usize::from(be16(data, offset + 2)));
        let at = start + offset;
        let Some(value) = data.get(offset + 4..offset + 4 + len) else { return };
        out.at(field_name::SVCB_SVCPARAM, at..at + 4 + len, Value::Present);
        out.at(field_name::SVCB_SVCPARAM_KEY, at..at + 2, Value::Uint(key.into()));
        out.at(field_name::SVCB_SVCPARAM_VALUE_LENGTH, at + 2..at + 4, Value::Uint(len as u64));
        param(out, key, value, at + 4);
        offset += 4 + len;
    }
}

/// The fields of one SvcParamValue starting at `at`.
fn param(out: &mut Emitter<'_>, key: u16, value: &[u8], at: usize) {
    let whole = at..at + value.len();
    match key {
        MANDATORY => {
            for (index, pair) in value.chunks_exact(2).enumerate() {
                let key = u16::from_be_bytes([pair[0], pair[1]]);
                out.at(
                    field_name::SVCB_MANDATORY_KEY,
                    at + 2 * index..at + 2 * index + 2,
                    Value::Uint(key.into()),
                );
            }
        }
        ALPN => {
            let mut offset = 0;
            while let Some(&len) = value.get(offset) {
                let id = value.get(offset + 1..offset + 1 + usize::from(len)).unwrap_or(&[]);
                out.at(field_name::SVCB_ALPN_LENGTH, at + offset..at + offset + 1, Value::Uint(len.into()));
                out.at(
                    field_name::SVCB_ALPN,
                    at + offset + 1..at + offset + 1 + id.len(),
                    Value::Lazy(&Text(id)),
                );
                offset += 1 + usize::from(len);
            }
        }
        NO_DEFAULT_ALPN => {}
        PORT if value.len() == 2 => out.at(field_name::SVCB_PORT, whole, Value::Uint(be16(value, 0).into())),
        IPV4HINT => {
            for (index, octets) in value.chunks_exact(4).enumerate() {
                let address = Ipv4Addr::new(octets[0], octets[1], octets[2], octets[3]);
                out.at(
                    field_name::SVCB_IPV4HINT_IP,
                    at + 4 * index..at + 4 * index + 4,
                    Value::Ipv4(address),
                );
            }
        }
        ECH => out.at(field_name::SVCB_ECHCONFIG, whole, Value::Bytes(value)),
        IPV6HINT => {
            for (index, octets) in value.chunks_exact(16).enumerate() {
                let mut address = [0; 16];
                address.copy_from_slice(octets);
                let range = at + 16 * index..at + 16 * index + 16;
                out.at(field_name::SVCB_IPV6HINT_IP, range, Value::Ipv6(Ipv6Addr::from(address)));
            }
        }
        _ => out.at(field_name::SVCB_SVCPARAM_VALUE, whole, Value::Bytes(value)),
    }
}
