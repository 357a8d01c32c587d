//! Fuzzes the capture readers: any bytes as a capture file (pcap, pcapng, gzip), every frame
//! walked, the secrets and interface names read. It must end in frames or an error, never a
//! panic, and never read past the input. The same bytes read as a stream (standard input)
//! must give the same frames, key logs and error as the mapped file (but for a block larger
//! than a stream may hold, which the stream refuses before reading it).

#![no_main]

use libfuzzer_sys::fuzz_target;
use rttscope::capture::{CaptureFile, Item, SecretsKind, Stream};

/// A walk's items, owned: (frame number, time, bytes) or a key log, then the error, if any.
type Walked = (Vec<(u64, i64, Vec<u8>)>, Vec<Vec<u8>>, Option<String>);

fuzz_target!(|data: &[u8]| {
    let Ok(capture) = CaptureFile::from_vec(data.to_vec(), "fuzz") else { return };
    let _ = capture.interface_names();
    let _ = capture.secrets();
    let mut mapped: Walked = Default::default();
    let mut frames = capture.frames();
    while let Some(item) = frames.next() {
        mapped.1.extend(frames.take_secrets().iter().map(|secrets| secrets.data.to_vec()));
        let frame = match item {
            Ok(frame) => frame,
            Err(error) => {
                mapped.2 = Some(error.to_string());
                break;
            }
        };
        assert!(capture.position_of(frame.data).is_some(), "a frame borrows from its capture");
        assert!(frame.data.len() <= capture.len());
        mapped.0.push((frame.number, frame.ts_ns, frame.data.to_vec()));
    }
    mapped.1.extend(frames.take_secrets().iter().map(|secrets| secrets.data.to_vec()));
    let Ok(mut stream) = Stream::open(std::io::Cursor::new(data.to_vec()), "fuzz") else { return };
    stream.read_interfaces();
    let _ = (stream.interface_names(), stream.time_digits());
    let mut streamed: Walked = Default::default();
    while let Some(item) = stream.read_item() {
        match item {
            Ok(Item::Frame(frame)) => streamed.0.push((frame.number, frame.ts_ns, frame.data.to_vec())),
            // A file's walk keeps only TLS key logs with something in them.
            Ok(Item::Secrets(secrets)) if secrets.kind == SecretsKind::TlsKeyLog && !secrets.data.is_empty() => {
                streamed.1.push(secrets.data.to_vec())
            }
            Ok(Item::Secrets(_)) => {}
            Err(error) => streamed.2 = Some(error.to_string()),
        }
    }
    assert_eq!(mapped.0, streamed.0, "the frames of a stream and of the file");
    // A stream refuses a block larger than it may hold before reading it, where the file
    // (which has all its bytes) reports it cut short or damaged: the one error they may differ in.
    let stream_limit = streamed.2.as_ref().is_some_and(|error| error.contains("a stream may hold"));
    if !capture.compressed() {
        assert_eq!(mapped.1, streamed.1, "the key logs of a stream and of the file");
        if !stream_limit {
            assert_eq!(mapped.2, streamed.2, "the error of a stream and of the file");
        }
    }
});
