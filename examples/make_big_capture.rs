//! Writes a large pcap for benchmarks by repeating the interop captures' Ethernet frames.
//!
//! Each repetition moves the IPv4 client addresses and the TCP/UDP ports, so the big file holds
//! many distinct conversations as a real busy capture does, and advances the clock so time
//! keeps flowing. Usage: `make_big_capture OUT.pcap SIZE_MB [CAPTURE...]`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use rttscope::capture::{CaptureFile, LinkType};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().ok_or("usage: make_big_capture OUT.pcap SIZE_MB [CAPTURE...]")?);
    let size_mb: u64 = args.next().ok_or("missing SIZE_MB")?.parse()?;
    let mut inputs: Vec<PathBuf> = args.map(PathBuf::from).collect();
    if inputs.is_empty() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/interop");
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "pcap") {
                inputs.push(path);
            }
        }
        inputs.sort();
    }
    // The inputs were recorded days apart: each is moved to begin a second after the one
    // before it ends, so a round lasts as long as its captures do (about a minute) rather than
    // the fortnight between the first recording and the last. With that fortnight a 3 GB file
    // ran 135 years past its start, and pcap's 32-bit seconds wrapped to 1970 part way.
    let mut frames: Vec<(i64, u32, Vec<u8>)> = Vec::new();
    let mut clock: i64 = 0;
    for path in &inputs {
        let capture = CaptureFile::open(path)?;
        let mut file: Vec<(i64, u32, Vec<u8>)> = Vec::new();
        for frame in capture.frames() {
            let frame = frame?;
            if frame.linktype == LinkType::Ethernet {
                file.push((frame.ts_ns, frame.orig_len, frame.data.to_vec()));
            }
        }
        let (Some(first), Some(last)) = (file.iter().map(|f| f.0).min(), file.iter().map(|f| f.0).max())
        else {
            continue;
        };
        frames.extend(file.into_iter().map(|(ts, len, data)| (ts - first + clock, len, data)));
        clock += last - first + GAP_NS;
    }
    if frames.is_empty() {
        return Err("no Ethernet frames in the inputs".into());
    }
    // The first round begins at a fixed date, so the file is the same on every machine.
    let start = START_NS;
    let span = clock;
    let mut writer = BufWriter::with_capacity(1 << 20, File::create(&out)?);
    writer
        .write_all(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0])?;
    let target = size_mb << 20;
    let (mut written, mut packets, mut round) = (24u64, 0u64, 0u32);
    while written < target {
        for (ts, orig_len, data) in &frames {
            let mut data = data.clone();
            shift_endpoints(&mut data, round);
            let ts = start + i64::from(round) * span + ts;
            let (secs, micros) = (ts.div_euclid(1_000_000_000), ts.rem_euclid(1_000_000_000) / 1000);
            writer.write_all(&(secs as u32).to_le_bytes())?;
            writer.write_all(&(micros as u32).to_le_bytes())?;
            writer.write_all(&(data.len() as u32).to_le_bytes())?;
            writer.write_all(&orig_len.to_le_bytes())?;
            writer.write_all(&data)?;
            written += 16 + data.len() as u64;
            packets += 1;
        }
        round += 1;
    }
    writer.flush()?;
    println!("{}: {packets} packets, {} MB", out.display(), written >> 20);
    Ok(())
}

/// Quiet between one input's last frame and the next one's first.
const GAP_NS: i64 = 1_000_000_000;
/// When the big capture begins: 2026-12-01 00:00:00 UTC.
const START_NS: i64 = 1_796_083_200 * 1_000_000_000;

/// Moves an IPv4 packet's client to another address and its ports up by `round`.
fn shift_endpoints(data: &mut [u8], round: u32) {
    if data.len() < 14 + 20 + 4 || data[12..14] != [0x08, 0x00] {
        return;
    }
    let ip = &mut data[14..];
    let header_len = usize::from(ip[0] & 0x0f) * 4;
    ip[13] = ip[13].wrapping_add(round as u8);
    ip[17] = ip[17].wrapping_add(round as u8);
    if matches!(ip[9], 6 | 17) && ip.len() >= header_len + 4 {
        for at in [header_len, header_len + 2] {
            let port = u16::from_be_bytes([ip[at], ip[at + 1]]);
            if port >= 1024 {
                let moved = port.wrapping_add((round >> 8) as u16).max(1024);
                ip[at..at + 2].copy_from_slice(&moved.to_be_bytes());
            }
        }
    }
}
