//! tshark's `-x`: a frame's bytes, then any reassembled or decrypted bytes it also carries,
//! each under a heading, sixteen bytes a row in hex and ASCII.

use std::fmt::Write as _;

use crate::capture::Frame;
use crate::dissect::Packet;

/// Writes the frame's bytes; when the packet also carries reassembled or decrypted bytes, each
/// source under a heading with its size, as tshark does.
pub(super) fn write_sources(text: &mut String, frame: &Frame<'_>, packet: &Packet<'_>) {
    let others = [
        ("Reassembled IP", packet.reassembled.unwrap_or(&[])),
        ("Reassembled TCP", packet.stream),
        ("Decrypted TLS", packet.decrypted),
    ];
    // Bytes a single segment carried whole are the frame's own: tshark shows no second source.
    let others: Vec<_> =
        others.into_iter().filter(|(_, bytes)| !bytes.is_empty() && !frame.data.ends_with(bytes)).collect();
    if others.is_empty() {
        write_hex(text, frame.data);
        return;
    }
    let _ = writeln!(text, "Frame ({} bytes):", frame.data.len());
    write_hex(text, frame.data);
    for (name, bytes) in others {
        let _ = writeln!(text, "{name} ({} bytes):", bytes.len());
        write_hex(text, bytes);
    }
}

/// Writes bytes as tshark's `-x` does: a hex offset, sixteen bytes in hex, then the same
/// bytes as ASCII with `.` for what does not print.
pub(super) fn write_hex(text: &mut String, bytes: &[u8]) {
    // tshark widens the offset past four digits only as far as the last offset needs.
    let last = bytes.len().saturating_sub(1);
    let width = (4..8).find(|digits| last >> (4 * digits) == 0).unwrap_or(8);
    for (row, chunk) in bytes.chunks(16).enumerate() {
        let _ = write!(text, "{:0width$x}  ", row * 16);
        for (index, byte) in chunk.iter().enumerate() {
            if index > 0 {
                text.push(' ');
            }
            let _ = write!(text, "{byte:02x}");
        }
        for _ in chunk.len()..16 {
            text.push_str("   ");
        }
        text.push_str("   ");
        for &byte in chunk {
            text.push(if (0x20..0x7f).contains(&byte) { char::from(byte) } else { '.' });
        }
        text.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_rows_pad_a_short_last_row_to_the_ascii_column() {
        let mut text = String::new();
        let bytes: Vec<u8> = (0x40..0x54).collect();
        write_hex(&mut text, &bytes);
        assert_eq!(
            text,
            "0000  40 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f   @ABCDEFGHIJKLMNO\n\
             0010  50 51 52 53                                       PQRS\n"
        );
        text.clear();
        write_hex(&mut text, &[0x00, 0x7f, 0x20]);
        assert_eq!(text, format!("0000  00 7f 20{}   .. \n", " ".repeat(39)));
    }

    #[test]
    fn the_offset_widens_a_digit_at_a_time_as_the_last_offset_needs() {
        let last_row = |len: usize| {
            let mut text = String::new();
            write_hex(&mut text, &vec![0; len]);
            text.lines().last().map(|row| row.split(' ').next().unwrap_or("").to_owned())
        };
        assert_eq!(last_row(0x1_0000).as_deref(), Some("fff0"));
        assert_eq!(last_row(0x1_0001).as_deref(), Some("10000"));
        assert_eq!(last_row(0x10_0001).as_deref(), Some("100000"));
    }
}
