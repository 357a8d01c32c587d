//! Fuzzes tracking: any bytes as a capture, every frame through one [`Tracker`] that holds a
//! fixed key log (the interop fixtures' secrets, so mutated handshakes of those captures still
//! decrypt), under a small memory limit so that giving state up is exercised too; each packet
//! is rendered by every renderer: text, rttscope's JSON, tshark's JSON and EK, and the `-V`
//! tree with `-x` bytes (decrypted sources included).

#![no_main]

use libfuzzer_sys::fuzz_target;
use rttscope::capture::{CaptureFile, SecretsKind};
use rttscope::render::Render;
use rttscope::render::detail::Detail;
use rttscope::render::json::Json;
use rttscope::render::text::Text;
use rttscope::render::tshark_json::{Ek, TsharkJson};
use rttscope::track::keylog::KeyLog;
use rttscope::track::{Scratch, Tracker};

/// The interop fixtures' key logs, one after another.
const KEY_LOGS: [&[u8]; 14] = [
    include_bytes!("../../fixtures/interop/h2-tls.keys"),
    include_bytes!("../../fixtures/interop/quic-0rtt-aioquic.keys"),
    include_bytes!("../../fixtures/interop/quic-h3-aioquic.keys"),
    include_bytes!("../../fixtures/interop/quic-loss-aioquic.keys"),
    include_bytes!("../../fixtures/interop/quic-mtu-aioquic.keys"),
    include_bytes!("../../fixtures/interop/quic-retry-aioquic.keys"),
    include_bytes!("../../fixtures/interop/quic-v2-aioquic.keys"),
    include_bytes!("../../fixtures/interop/quic-vn-aioquic.keys"),
    include_bytes!("../../fixtures/interop/tfo-tls13.keys"),
    include_bytes!("../../fixtures/interop/tls-python.keys"),
    include_bytes!("../../fixtures/interop/tls-rsa4096.keys"),
    include_bytes!("../../fixtures/interop/tls12-openssl.keys"),
    include_bytes!("../../fixtures/interop/tls13-0rtt.keys"),
    include_bytes!("../../fixtures/interop/tls13-openssl.keys"),
];

fn key_log() -> &'static KeyLog {
    static KEY_LOG: std::sync::OnceLock<KeyLog> = std::sync::OnceLock::new();
    KEY_LOG.get_or_init(|| {
        let mut keylog = KeyLog::new();
        for text in KEY_LOGS {
            keylog.add_text(text);
        }
        keylog
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(capture) = CaptureFile::from_vec(data.to_vec(), "fuzz") else { return };
    let mut tracker = Tracker::with_keylog(key_log().clone()).with_memory_limit(64 << 10);
    let mut scratch = Scratch::new();
    let mut renderers: [Box<dyn Render>; 5] = [
        Box::new(Json::new()),
        Box::new(Text::new()),
        Box::new(TsharkJson::new()),
        Box::new(Ek::new()),
        Box::new(Detail::new(true, true, capture.interface_names())),
    ];
    for renderer in &mut renderers {
        let _ = renderer.begin(&mut std::io::sink());
    }
    let mut frames = capture.frames();
    while let Some(item) = frames.next() {
        for secrets in frames.take_secrets() {
            if secrets.kind == SecretsKind::TlsKeyLog {
                tracker.add_key_log_text(secrets.data);
            }
        }
        let Ok(frame) = item else { break };
        let packet = tracker.handle_frame(&frame, &mut scratch);
        for renderer in &mut renderers {
            let _ = renderer.packet(&mut std::io::sink(), &frame, &packet);
        }
    }
    for renderer in &mut renderers {
        let _ = renderer.end(&mut std::io::sink());
    }
});
