//! Packets are hostile input. Every frame of every test capture is cut at every length and
//! mutated at random, and the whole pipeline (dissection, tracking, every renderer, a display
//! filter) must run without panicking. Random capture files must be refused or read without
//! panicking either.

use crate::common;

use std::io;

use rttscope::render::timeline::Scale;

use rttscope::capture::{CaptureFile, Frame, LinkType};
use rttscope::filter::Filter;
use rttscope::registry;
use rttscope::render::Render;
use rttscope::render::fields::Fields;
use rttscope::render::json::Json;
use rttscope::render::text::Text;
use rttscope::track::Tracker;

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

impl Drop for Pipeline {
    /// The timelines of whatever went through are drawn every way too.
    fn drop(&mut self) {
        let connections = std::mem::take(&mut self.timeline).finish();
        let mut sink = io::sink();
        for scale in [Scale::Compact, Scale::ToScale] {
            rttscope::render::timeline::write_text(&mut sink, &connections, scale).expect("a sink");
            rttscope::render::diagram::write_svg(&mut sink, &connections, scale).expect("a sink");
        }
        rttscope::render::timeline::write_json(&mut sink, &connections).expect("a sink");
        rttscope::render::diagram::write_mermaid(&mut sink, &connections).expect("a sink");
    }
}

/// Runs a frame through everything that reads packets.
struct Pipeline {
    tracker: Tracker,
    renderers: Vec<Box<dyn Render>>,
    filter: Filter,
    timeline: rttscope::timeline::Builder,
}

impl Pipeline {
    fn new() -> Self {
        Self::with_tracker(Tracker::new())
    }

    fn with_tracker(tracker: Tracker) -> Self {
        let every_field: Vec<String> = registry::fields().map(|field| field.name.to_owned()).collect();
        Self {
            tracker,
            renderers: vec![
                Box::new(Text::new()),
                Box::new(Json::new()),
                Box::new(Fields::new(&every_field, false).expect("registered fields")),
            ],
            filter: Filter::parse("tcp.port == 80 || ip.addr == 10.0.0.0/8 || frame contains 00:01 || !udp")
                .expect("valid filter"),
            timeline: rttscope::timeline::Builder::new(),
        }
    }

    fn run(&mut self, frame: &Frame<'_>) {
        let mut scratch = rttscope::track::Scratch::new();
        let packet = self.tracker.handle_frame(frame, &mut scratch);
        self.filter.matches(&packet, frame);
        self.timeline.handle_packet(frame, &packet);
        for renderer in &mut self.renderers {
            renderer.packet(&mut io::sink(), frame, &packet).expect("writing to a sink cannot fail");
        }
    }
}

fn captured_frames() -> Vec<(LinkType, Vec<u8>)> {
    let mut frames = Vec::new();
    for path in common::all_captures() {
        let capture = CaptureFile::open(&path).expect("opens");
        for frame in capture.frames() {
            let frame = frame.expect("whole");
            frames.push((frame.linktype, frame.data.to_vec()));
        }
    }
    assert!(frames.len() > 500, "the test captures are missing");
    frames
}

fn frame(number: u64, linktype: LinkType, data: &[u8]) -> Frame<'_> {
    Frame {
        number,
        ts_ns: number as i64 * 1000,
        linktype,
        interface: None,
        orig_len: data.len() as u32,
        data,
    }
}

#[test]
fn every_truncation_of_every_frame_is_handled() {
    let mut pipeline = Pipeline::new();
    let mut number = 0;
    for (linktype, data) in captured_frames() {
        // Long frames are cut at every length of their headers and at a few points beyond.
        let cuts = (0..data.len().min(160)).chain((160..data.len()).step_by(97));
        for cut in cuts {
            number += 1;
            pipeline.run(&frame(number, linktype, &data[..cut]));
        }
    }
}

#[test]
fn random_mutations_are_handled() {
    let frames = captured_frames();
    let mut random = Random(0x5eed_cafe_f00d_d00d);
    let mut pipeline = Pipeline::new();
    let linktypes = [
        LinkType::Ethernet,
        LinkType::Null,
        LinkType::Loop,
        LinkType::Raw,
        LinkType::Ipv4,
        LinkType::Ipv6,
        LinkType::LinuxSll,
        LinkType::LinuxSll2,
        LinkType::Unknown(147),
    ];
    for number in 0..40_000u64 {
        let (linktype, original) = &frames[random.below(frames.len())];
        let mut data = original.clone();
        for _ in 0..1 + random.below(6) {
            if data.is_empty() {
                break;
            }
            let at = random.below(data.len());
            match random.below(4) {
                0 => data[at] = random.next() as u8,
                1 => data[at] ^= 1 << random.below(8),
                2 => data.truncate(at),
                _ => data[at] = [0x00, 0xff, 0x45, 0x60, 0x06, 0x11, 0x2c][random.below(7)],
            }
        }
        let linktype =
            if random.below(10) == 0 { linktypes[random.below(linktypes.len())] } else { *linktype };
        pipeline.run(&frame(number, linktype, &data));
    }
}

/// TLS and HTTP streams are stateful: mutate a few frames of a whole capture and run it in
/// order, with its key log, so that records, handshake messages, decryption and HTTP framing
/// all meet damaged input mid-conversation.
#[test]
fn tls_conversations_with_their_key_logs_survive_damage() {
    let mut random = Random(0x7157_0b5e_55ed_0001);
    let captures: Vec<_> = common::all_captures()
        .into_iter()
        .filter_map(|path| common::tshark::key_log_of(&path).map(|keys| (path, keys)))
        .collect();
    assert!(captures.len() >= 6, "the TLS captures with key logs are missing");
    for (path, keys) in &captures {
        let capture = CaptureFile::open(path).expect("opens");
        let frames: Vec<(LinkType, Vec<u8>)> = capture
            .frames()
            .map(|frame| frame.expect("whole"))
            .map(|f| (f.linktype, f.data.to_vec()))
            .collect();
        let key_log = std::fs::read(keys).expect("key log");
        for _ in 0..60 {
            let mut tracker = Tracker::new();
            tracker.add_key_log_text(&key_log);
            let mut pipeline = Pipeline::with_tracker(tracker);
            for (number, (linktype, original)) in frames.iter().enumerate() {
                let mut data = original.clone();
                if random.below(8) == 0 && !data.is_empty() {
                    // Past the link, IP and TCP headers, most of the time: into the stream.
                    let at = (54 + random.below(data.len())).min(data.len() - 1);
                    match random.below(3) {
                        0 => data[at] = random.next() as u8,
                        1 => data[at] ^= 1 << random.below(8),
                        _ => data.truncate(at),
                    }
                }
                pipeline.run(&frame(number as u64 + 1, *linktype, &data));
            }
        }
    }
}

#[test]
fn random_capture_files_are_refused_or_read() {
    let mut random = Random(0xdead_beef_1234_5678);
    let headers: [&[u8]; 3] = [
        &[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0],
        &[
            0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0,
        ],
        &[],
    ];
    for _ in 0..3000 {
        let mut bytes = headers[random.below(headers.len())].to_vec();
        let extra = random.below(600);
        bytes.extend((0..extra).map(|_| random.next() as u8));
        let Ok(capture) = CaptureFile::from_vec(bytes, "random") else { continue };
        let mut pipeline = Pipeline::new();
        for frame in capture.frames().map_while(Result::ok) {
            pipeline.run(&frame);
        }
    }
}
