//! Fuzzes the dissection chain on one frame: the first byte picks the link type, the rest is
//! the frame's bytes; the packet is dissected, then rendered as text and as JSON.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rttscope::capture::{Frame, LinkType};
use rttscope::render::Render;
use rttscope::render::json::Json;
use rttscope::render::text::Text;

const LINKTYPES: [LinkType; 8] = [
    LinkType::Ethernet,
    LinkType::Raw,
    LinkType::Null,
    LinkType::Loop,
    LinkType::LinuxSll,
    LinkType::Ipv4,
    LinkType::Ipv6,
    LinkType::LinuxSll2,
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let frame = Frame {
        number: 1,
        ts_ns: 1_700_000_000_000_000_000,
        linktype: LINKTYPES[usize::from(pick) % LINKTYPES.len()],
        interface: None,
        orig_len: bytes.len() as u32,
        data: bytes,
    };
    let packet = rttscope::dissect::dissect(&frame);
    let _ = Text::new().packet(&mut std::io::sink(), &frame, &packet);
    let _ = Json::new().packet(&mut std::io::sink(), &frame, &packet);
});
