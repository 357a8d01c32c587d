//! Fuzzes the key log reader: any bytes as NSS key log text. What it skips is counted with at
//! most a few lines kept, whatever the input.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rttscope::track::keylog::{KeyLog, Skipped};

fuzz_target!(|data: &[u8]| {
    let mut keylog = KeyLog::new();
    let skipped = keylog.add_text(data);
    assert!(skipped.first.len() <= Skipped::KEPT);
    assert!(skipped.count >= skipped.first.len() as u64);
    let lines = data.split(|byte| *byte == b'\n').count() as u64;
    assert!(skipped.count <= lines);
});
