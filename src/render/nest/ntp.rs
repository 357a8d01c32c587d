//! NTP's place in tshark's `-V` tree: the flags' three parts under the flags, and the
//! reference ID as the stratum says to read it: a primary source's four-letter code, named
//! (`GPS` is `Global Position System`; four zero bytes are `NULL`), or from stratum 2 on the
//! address of the server this one follows.
//!
//! The invariant: every field is written once, in its place; only the reference ID's value is
//! worded here, from its bytes and the stratum before it.

use super::Item;

/// Writes an NTP layer's fields through `push(depth, line)`.
pub fn write(push: &mut impl FnMut(usize, &str), items: &[Item<'_>]) {
    let stratum = items.iter().find(|item| item.name == "ntp.stratum").and_then(|item| item.number);
    for item in items {
        match item.name {
            "ntp.flags.li" | "ntp.flags.vn" | "ntp.flags.mode" => push(2, item.line),
            "ntp.refid" => match reference(item.raw, stratum) {
                Some(source) => push(1, &format!("Reference ID: {source}")),
                None => push(1, item.line),
            },
            _ => push(1, item.line),
        }
    }
}

/// The reference ID as tshark words it, from its four bytes and the stratum.
fn reference(raw: &[u8], stratum: Option<u64>) -> Option<String> {
    let &[a, b, c, d] = raw else { return None };
    if stratum? >= 2 {
        return Some(format!("{a}.{b}.{c}.{d}"));
    }
    let named = PRIMARY_SOURCES.iter().find(|(code, _)| code.as_bytes() == raw).map(|(_, name)| *name);
    Some(named.map_or_else(
        || {
            // tshark reads the code as text to its first NUL.
            let code: String =
                raw.iter().take_while(|&&byte| byte != 0).map(|&byte| char::from(byte)).collect();
            format!("Unidentified reference source '{code}'")
        },
        str::to_owned,
    ))
}

/// The reference sources tshark names, by their four bytes (RFC 5905's and unofficial ones).
const PRIMARY_SOURCES: &[(&str, &str)] = &[
    ("GOES", "Geostationary Orbit Environment Satellite"),
    ("GPS\0", "Global Position System"),
    ("GAL\0", "Galileo Positioning System"),
    ("PPS\0", "Generic pulse-per-second"),
    ("IRIG", "Inter-Range Instrumentation Group"),
    ("WWVB", "LF Radio WWVB Ft. Collins, CO 60 kHz"),
    ("DCF\0", "LF Radio DCF77 Mainflingen, DE 77.5 kHz"),
    ("HBG\0", "LF Radio HBG Prangins, HB 75 kHz"),
    ("MSF\0", "LF Radio MSF Anthorn, UK 60 kHz"),
    ("JJY\0", "LF Radio JJY Fukushima, JP 40 kHz, Saga, JP 60 kHz"),
    ("LORC", "MF Radio LORAN C station, 100 kHz"),
    ("TDF\0", "MF Radio Allouis, FR 162 kHz"),
    ("CHU\0", "HF Radio CHU Ottawa, Ontario"),
    ("WWV\0", "HF Radio WWV Ft. Collins, CO"),
    ("WWVH", "HF Radio WWVH Kauai, HI"),
    ("NIST", "NIST telephone modem"),
    ("ACTS", "NIST telephone modem"),
    ("USNO", "USNO telephone modem"),
    ("PTB\0", "European telephone modem"),
    ("LOCL", "uncalibrated local clock"),
    ("CESM", "calibrated Cesium clock"),
    ("RBDM", "calibrated Rubidium clock"),
    ("OMEG", "OMEGA radionavigation system"),
    ("DCN\0", "DCN routing protocol"),
    ("TSP\0", "TSP time protocol"),
    ("DTS\0", "Digital Time Service"),
    ("ATOM", "Atomic clock (calibrated)"),
    ("VLF\0", "VLF radio (OMEGA,, etc.)"),
    ("1PPS", "External 1 PPS input"),
    ("FREE", "(Internal clock)"),
    ("INIT", "(Initialization)"),
    ("\0\0\0\0", "NULL"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_id_is_read_as_the_stratum_says() {
        assert_eq!(reference(b"GPS\0", Some(1)).as_deref(), Some("Global Position System"));
        assert_eq!(reference(&[0; 4], Some(0)).as_deref(), Some("NULL"));
        assert_eq!(reference(b"XYZ\0", Some(1)).as_deref(), Some("Unidentified reference source 'XYZ'"));
        assert_eq!(reference(&[127, 127, 1, 1], Some(8)).as_deref(), Some("127.127.1.1"));
        assert_eq!(reference(&[1, 2, 3], Some(8)), None);
    }
}
