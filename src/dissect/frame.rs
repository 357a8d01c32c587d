//! The frame itself, as Wireshark's `frame` pseudo-protocol shows it: number, capture time,
//! lengths, the protocol stack and the two columns, none of them read from the frame's bytes.

use std::fmt;

use super::Packet;
use super::field::{Emitter, FieldSink, Source, Value};
use crate::capture::{Frame, LinkType};

pub mod name {
    //! The fields of a frame, by Wireshark's names: the registry's rows for them, and the names the
    //! emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Frame;
        NUMBER "frame.number" Uint "frame number, from 1";
        ENCAP_TYPE "frame.encap_type" Uint "how the frame begins, by Wireshark's number for it (1 Ethernet)" names ENCAPSULATION;
        TIME "frame.time" Time "capture time as a date, in UTC";
        OFFSET_SHIFT "frame.offset_shift" Time "time shift applied to the frame (none: 0)";
        TIME_EPOCH "frame.time_epoch" Time "capture time, seconds since 1970";
        TIME_RELATIVE "frame.time_relative" Time "seconds since the first frame";
        TIME_DELTA "frame.time_delta" Time "seconds since the frame before";
        TIME_DELTA_DISPLAYED "frame.time_delta_displayed" Time "seconds since the frame shown before";
        MARKED "frame.marked" Bool "marked by the user (never, here)";
        IGNORED "frame.ignored" Bool "ignored by the user (never, here)";
        LEN "frame.len" Uint "length on the wire";
        CAP_LEN "frame.cap_len" Uint "length captured";
        INTERFACE_ID "frame.interface_id" Uint "pcapng interface index";
        PROTOCOLS "frame.protocols" Text "protocols in the frame, outermost first";
        COL_PROTOCOL "_ws.col.Protocol" Text "the Protocol column";
        COL_INFO "_ws.col.Info" Text "the Info column";
    }
}

/// Displays a packet's `frame.protocols` list when formatted, not before.
struct ProtocolList<'p, 'a>(&'p Packet<'a>);

impl fmt::Display for ProtocolList<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.write_protocols(f)
    }
}

/// Wireshark's number for how a frame begins (its `WTAP_ENCAP_*`), for a link type it reads.
fn encapsulation(linktype: LinkType) -> Option<u64> {
    Some(match linktype {
        LinkType::Ethernet => 1,
        LinkType::Raw => 7,
        LinkType::Null => 15,
        LinkType::LinuxSll => 25,
        LinkType::Ipv4 => 129,
        LinkType::Ipv6 => 130,
        LinkType::Loop => 174,
        LinkType::LinuxSll2 => 210,
        LinkType::Unknown(_) => return None,
    })
}

/// The frame's own fields, in tshark's order: number, times, lengths and the protocol stack.
pub(super) fn fields(packet: &Packet<'_>, frame: &Frame<'_>, sink: &mut dyn FieldSink) {
    let mut out = Emitter::new(sink, 0, Source::Frame);
    if let Some(interface) = frame.interface {
        out.computed(name::INTERFACE_ID, Value::Uint(interface.into()));
    }
    if let Some(encapsulation) = encapsulation(frame.linktype) {
        out.computed(name::ENCAP_TYPE, Value::Uint(encapsulation));
    }
    out.computed(name::TIME, Value::Date(frame.ts_ns));
    out.computed(name::OFFSET_SHIFT, Value::Seconds(0));
    out.computed(name::TIME_EPOCH, Value::Epoch(frame.ts_ns));
    if let Some(times) = packet.times {
        out.computed(name::TIME_DELTA, Value::Seconds(times.delta_ns));
        let displayed = packet.displayed_delta_ns.get().unwrap_or(times.delta_ns);
        out.computed(name::TIME_DELTA_DISPLAYED, Value::Seconds(displayed));
        out.computed(name::TIME_RELATIVE, Value::Seconds(times.relative_ns));
    }
    out.computed(name::NUMBER, Value::Uint(frame.number));
    out.computed(name::LEN, Value::Uint(frame.orig_len.into()));
    out.computed(name::CAP_LEN, Value::Uint(frame.data.len() as u64));
    out.computed(name::MARKED, Value::Bool(false));
    out.computed(name::IGNORED, Value::Bool(false));
    let protocols = ProtocolList(packet);
    out.computed(name::PROTOCOLS, Value::Lazy(&protocols));
    let column = packet.column_protocol();
    out.computed(name::COL_PROTOCOL, Value::Str(column));
    let info = super::info::InfoColumn(packet);
    out.computed(name::COL_INFO, Value::Lazy(&info));
}
