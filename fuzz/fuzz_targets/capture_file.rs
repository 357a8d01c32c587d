//! Fuzzes the capture reader: any bytes as a capture file (pcap, pcapng, gzip), every frame
//! walked, the secrets and interface names read. It must end in frames or an error, never a
//! panic, and never read past the input.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rttscope::capture::CaptureFile;

fuzz_target!(|data: &[u8]| {
    let Ok(capture) = CaptureFile::from_vec(data.to_vec(), "fuzz") else { return };
    let _ = capture.interface_names();
    let _ = capture.secrets();
    let mut frames = capture.frames();
    while let Some(item) = frames.next() {
        let _ = frames.take_secrets();
        let Ok(frame) = item else { break };
        assert!(capture.position_of(frame.data).is_some(), "a frame borrows from its capture");
        assert!(frame.data.len() <= capture.len());
    }
});
