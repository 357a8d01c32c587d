//! One capture re-encoded every way a capture file can be: both pcap byte orders and
//! resolutions, pcapng with each kind of packet block, timestamp resolution, several sections
//! and interfaces, blocks to skip, gzip, and the loopback and raw-IP link types. Every encoding
//! must yield the same frames.

use crate::common;

use std::io::Write;

use common::write::{PcapNg, pcap};
use rttscope::capture::{CaptureFile, Frame, LinkType, ReadError, SecretsKind};
use rttscope::track::Tracker;

/// A frame's contents, owned, for comparing encodings.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Owned {
    ts_ns: i64,
    linktype: LinkType,
    orig_len: u32,
    data: Vec<u8>,
}

fn read(bytes: Vec<u8>) -> Vec<Owned> {
    let capture = CaptureFile::from_vec(bytes, "test").expect("opens");
    capture
        .frames()
        .map(|frame| {
            let frame = frame.expect("reads whole");
            Owned {
                ts_ns: frame.ts_ns,
                linktype: frame.linktype,
                orig_len: frame.orig_len,
                data: frame.data.to_vec(),
            }
        })
        .collect()
}

/// The nanosecond capture recorded alongside `multi-if.pcapng`.
fn reference() -> Vec<Owned> {
    let bytes = std::fs::read(common::root().join("fixtures/interop/veth-nano.pcap")).expect("fixture");
    let frames = read(bytes);
    assert!(frames.len() >= 10 && frames.iter().any(|f| f.ts_ns % 1000 != 0), "need nanosecond detail");
    frames
}

fn as_frames(owned: &[Owned]) -> Vec<Frame<'_>> {
    owned
        .iter()
        .enumerate()
        .map(|(index, f)| Frame {
            number: index as u64 + 1,
            ts_ns: f.ts_ns,
            linktype: f.linktype,
            interface: None,
            orig_len: f.orig_len,
            data: &f.data,
        })
        .collect()
}

fn truncated_to_micros(frames: &[Owned]) -> Vec<Owned> {
    frames.iter().map(|f| Owned { ts_ns: f.ts_ns - f.ts_ns % 1000, ..f.clone() }).collect()
}

#[test]
fn pcap_in_both_byte_orders_and_resolutions() {
    let original = reference();
    for big_endian in [false, true] {
        for nanosecond in [false, true] {
            let bytes = pcap(&as_frames(&original), 1, big_endian, nanosecond);
            let expected = if nanosecond { original.clone() } else { truncated_to_micros(&original) };
            assert_eq!(read(bytes), expected, "big-endian {big_endian}, nanosecond {nanosecond}");
        }
    }
}

/// An `if_tsresol` option byte (absent for the default), how a time in nanoseconds becomes
/// units of it, and what those units read back as.
type Resolution = (Option<u8>, fn(i64) -> u64, fn(i64) -> i64);

#[test]
fn pcapng_honours_if_tsresol_in_both_byte_orders() {
    let original = reference();
    // (option byte, units per second as a converter, what the nanoseconds become)
    let resolutions: [Resolution; 4] = [
        (None, |ns| (ns / 1000) as u64, |ns| ns - ns % 1000),
        (Some(9), |ns| ns as u64, |ns| ns),
        (Some(3), |ns| (ns / 1_000_000) as u64, |ns| ns - ns % 1_000_000),
        (
            Some(0x80 | 20),
            |ns| ((ns as u128) << 20).div_euclid(1_000_000_000) as u64,
            |ns| {
                let units = ((ns as u128) << 20) / 1_000_000_000;
                ((units * 1_000_000_000) >> 20) as i64
            },
        ),
    ];
    for big_endian in [false, true] {
        for (tsresol, to_units, expected_ns) in resolutions {
            let mut writer = PcapNg::new(big_endian);
            writer.interface(1, 0, tsresol);
            for frame in as_frames(&original) {
                writer.enhanced(0, &frame, to_units(frame.ts_ns));
            }
            let expected: Vec<Owned> =
                original.iter().map(|f| Owned { ts_ns: expected_ns(f.ts_ns), ..f.clone() }).collect();
            assert_eq!(read(writer.out), expected, "big-endian {big_endian}, if_tsresol {tsresol:?}");
        }
    }
}

#[test]
fn several_interfaces_sections_and_packet_block_kinds() {
    let original = reference();
    let frames = as_frames(&original);
    let mut writer = PcapNg::new(false);
    writer.interface(1, 0, Some(9));
    // Interface 1 carries the same packets without their Ethernet header, as raw IP.
    writer.interface(101, 0, Some(9));
    let stripped: Vec<Frame<'_>> = frames
        .iter()
        .filter(|f| f.data.get(12..14) == Some(&[0x08, 0x00][..]))
        .map(|f| Frame { data: &f.data[14..], orig_len: f.orig_len - 14, ..*f })
        .collect();
    assert!(!stripped.is_empty());
    for (ethernet, raw) in frames.iter().zip(&stripped) {
        writer.enhanced(0, ethernet, ethernet.ts_ns as u64);
        writer.enhanced(1, raw, raw.ts_ns as u64);
    }
    // A second section starts over: its interface 0 is the obsolete block's.
    writer.section();
    writer.interface(1, 0, Some(9));
    writer.obsolete(0, &frames[0], frames[0].ts_ns as u64);
    let read_back = read(writer.out);
    let pairs = stripped.len();
    assert_eq!(read_back.len(), 2 * pairs + 1);
    for (index, pair) in read_back[..2 * pairs].chunks(2).enumerate() {
        assert_eq!(pair[0], original[index]);
        assert_eq!((pair[1].linktype, pair[1].data.as_slice()), (LinkType::Raw, stripped[index].data));
    }
    assert_eq!(read_back[2 * pairs], original[0]);
}

#[test]
fn simple_packet_blocks_respect_the_snapshot_length_and_drop_padding() {
    let original = reference();
    let mut writer = PcapNg::new(true);
    writer.interface(1, 60, None);
    for frame in as_frames(&original) {
        writer.simple(&frame);
    }
    for (read_back, original) in read(writer.out).iter().zip(&original) {
        let kept = original.data.len().min(60);
        assert_eq!((read_back.ts_ns, read_back.orig_len), (0, original.orig_len));
        assert_eq!(read_back.data, original.data[..kept], "captured length is min(original, snaplen)");
    }
}

#[test]
fn secrets_are_kept_and_unknown_blocks_skipped() {
    let original = reference();
    let mut writer = PcapNg::new(false);
    writer.interface(1, 0, Some(9));
    writer.secrets(b"CLIENT_RANDOM 00 11\n");
    writer.block(4, vec![0, 0, 0, 0]); // name resolution, empty
    writer.block(0x0000_0bad, vec![1, 2, 3, 4, 5]); // custom block
    writer.block(0x4000_0001, vec![9; 7]); // a block type nobody knows
    for frame in as_frames(&original) {
        writer.enhanced(0, &frame, frame.ts_ns as u64);
    }
    let capture = CaptureFile::from_vec(writer.out.clone(), "test").expect("opens");
    let secrets = capture.secrets();
    assert_eq!(secrets.len(), 1);
    assert_eq!((secrets[0].kind, secrets[0].data), (SecretsKind::TlsKeyLog, &b"CLIENT_RANDOM 00 11\n"[..]));
    assert_eq!(read(writer.out), original);
}

#[test]
fn gzip_compressed_files_and_standard_input_read_the_same() {
    let original = reference();
    let plain = pcap(&as_frames(&original), 1, false, true);
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&plain).expect("compresses");
    let compressed = encoder.finish().expect("compresses");
    assert_eq!(read(compressed.clone()), original);

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rttscope"))
        .args(["dissect", "-", "-e", "frame.number", "-e", "frame.time_epoch", "-e", "ip.src"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    child.stdin.take().expect("stdin").write_all(&compressed).expect("writes");
    let piped = child.wait_with_output().expect("finishes");
    let path = common::root().join("fixtures/interop/veth-nano.pcap");
    let from_file = common::rttscope(&[
        "dissect",
        &path.to_string_lossy(),
        "-e",
        "frame.number",
        "-e",
        "frame.time_epoch",
        "-e",
        "ip.src",
    ]);
    assert!(piped.status.success());
    assert_eq!(common::stdout(&piped), common::stdout(&from_file));
}

/// Rewrites a BSD-loopback capture's link headers, keeping everything after them.
fn relink(path: &str, linktype: u32, header: impl Fn(&[u8]) -> Vec<u8>) -> Vec<u8> {
    let bytes = std::fs::read(common::root().join(path)).expect("capture");
    let original = read(bytes);
    let rewritten: Vec<Owned> = original
        .iter()
        .map(|f| {
            let data = [header(&f.data[..4]), f.data[4..].to_vec()].concat();
            Owned { orig_len: data.len() as u32, data, linktype: LinkType::from(linktype), ts_ns: f.ts_ns }
        })
        .collect();
    pcap(&as_frames(&rewritten), linktype, false, false)
}

/// The TCP/IP view of a capture: what must not change when only the link layer does.
fn network_fields(bytes: Vec<u8>) -> Vec<String> {
    let capture = CaptureFile::from_vec(bytes, "test").expect("opens");
    let mut tracker = Tracker::new();
    let mut lines = Vec::new();
    for frame in capture.frames() {
        let frame = frame.expect("whole");
        let mut scratch = rttscope::track::Scratch::new();
        let packet = tracker.handle_frame(&frame, &mut scratch);
        let mut line = String::new();
        packet.fields(&frame, &mut |field: rttscope::dissect::field::Field<'_>| {
            if field.name.starts_with("ip") || field.name.starts_with("tcp") || field.name.starts_with("udp")
            {
                line.push_str(&format!("{}={} ", field.name, field.value));
            }
        });
        lines.push(line);
    }
    lines
}

#[test]
fn loopback_and_raw_ip_link_types_lead_to_the_same_packets() {
    let public = common::root().join("../shared/captures-public/illustrated-tls13.pcap");
    if !public.exists() {
        return;
    }
    let path = "../shared/captures-public/illustrated-tls13.pcap";
    let null = std::fs::read(common::root().join(path)).expect("capture");
    let expected = network_fields(null);
    assert!(expected.iter().all(|line| line.contains("ip.src=127.0.0.1")));
    let loop_108 = relink(path, 108, |_| vec![0, 0, 0, 2]);
    let raw_101 = relink(path, 101, |_| Vec::new());
    let ipv4_228 = relink(path, 228, |_| Vec::new());
    for (name, bytes) in [("LOOP", loop_108), ("RAW", raw_101), ("IPV4", ipv4_228)] {
        assert_eq!(network_fields(bytes), expected, "{name}");
    }
    let path6 = "../shared/captures-public/illustrated-tls12.pcap";
    let expected6 = network_fields(std::fs::read(common::root().join(path6)).expect("capture"));
    assert_eq!(network_fields(relink(path6, 229, |_| Vec::new())), expected6, "IPV6");
}

/// Where each record of a little-endian capture ends, and whether it holds a packet.
fn record_ends(bytes: &[u8], pcapng: bool) -> Vec<(usize, bool)> {
    let word =
        |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize;
    let mut ends = Vec::new();
    let mut at = if pcapng { 0 } else { 24 };
    while at < bytes.len() {
        let (len, packet) =
            if pcapng { (word(at + 4), matches!(word(at), 2 | 3 | 6)) } else { (16 + word(at + 8), true) };
        at += len;
        ends.push((at, packet));
    }
    ends
}

#[test]
fn a_capture_cut_at_any_byte_yields_the_whole_frames_before_the_cut() {
    for name in ["lo-tcp-socat.pcap", "multi-if.pcapng"] {
        let bytes = std::fs::read(common::root().join("fixtures/interop").join(name)).expect("fixture");
        let whole = read(bytes.clone());
        let ends = record_ends(&bytes, name.ends_with("pcapng"));
        assert_eq!(ends.iter().filter(|(_, packet)| *packet).count(), whole.len());
        let header_len = if name.ends_with("pcapng") { 0 } else { 24 };
        for cut in header_len.max(1)..bytes.len() {
            let complete = ends.iter().filter(|(end, packet)| *packet && *end <= cut).count();
            let at_boundary = cut == header_len || ends.iter().any(|(end, _)| *end == cut);
            let Ok(capture) = CaptureFile::from_vec(bytes[..cut].to_vec(), "cut") else {
                continue; // cut inside the file's own header: refused at open
            };
            let mut frames = 0;
            let mut error = None;
            for frame in capture.frames() {
                match frame {
                    Ok(frame) => {
                        assert_eq!(frame.data, whole[frames].data.as_slice(), "{name} cut at {cut}");
                        frames += 1;
                    }
                    Err(read_error) => error = Some(read_error),
                }
            }
            assert_eq!(frames, complete, "{name} cut at {cut}: every whole frame and no other");
            match error {
                Some(ReadError::Truncated { offset, needed, available }) => {
                    assert_eq!(
                        offset + available,
                        cut as u64,
                        "{name} cut at {cut}: the offset names the cut record"
                    );
                    assert!(needed > available);
                }
                Some(ReadError::Malformed { .. } | ReadError::Input { .. }) => {
                    panic!("{name} cut at {cut}: a cut is neither damage nor a failed read")
                }
                None => assert!(at_boundary, "{name} cut at {cut}: a cut inside a record must be reported"),
            }
        }
    }
}

#[test]
fn time_digits_follow_each_files_clock() {
    let original = reference();
    let frames = as_frames(&original);
    for (nanosecond, digits) in [(false, 6), (true, 9)] {
        let capture = CaptureFile::from_vec(pcap(&frames, 1, false, nanosecond), "test").expect("opens");
        assert_eq!(capture.time_digits(), vec![digits], "pcap, nanosecond {nanosecond}");
    }
    // Per pcapng interface: none given is microseconds, 9 nanoseconds, 3 milliseconds, and a
    // binary clock gets all nine.
    let mut writer = PcapNg::new(false);
    writer.interface(1, 65535, None);
    writer.interface(1, 65535, Some(9));
    writer.interface(1, 65535, Some(3));
    writer.interface(1, 65535, Some(0x80 | 20));
    writer.enhanced(1, &frames[0], frames[0].ts_ns as u64);
    let capture = CaptureFile::from_vec(writer.out, "test").expect("opens");
    assert_eq!(capture.time_digits(), vec![6, 9, 3, 9]);
}
