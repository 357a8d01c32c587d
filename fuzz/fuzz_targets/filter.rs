//! Fuzzes the display filter: the input, as text, is compiled; a filter that compiles is
//! evaluated on every packet of a fixed capture (plain HTTP over TCP, tracked), and its error
//! annotated otherwise.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rttscope::capture::CaptureFile;
use rttscope::filter::Filter;
use rttscope::track::{Scratch, Tracker};

const CAPTURE: &[u8] = include_bytes!("../../fixtures/interop/lo-http.pcap");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let filter = match Filter::parse(text) {
        Ok(filter) => filter,
        Err(error) => {
            let _ = error.annotate(text);
            return;
        }
    };
    let Ok(capture) = CaptureFile::from_vec(CAPTURE.to_vec(), "lo-http.pcap") else { return };
    let mut tracker = Tracker::new();
    let mut scratch = Scratch::new();
    for frame in capture.frames().map_while(Result::ok) {
        let packet = tracker.handle_frame(&frame, &mut scratch);
        let _ = filter.matches(&packet, &frame);
    }
});
