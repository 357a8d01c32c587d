//! TLS from the command line: key logs given with --keylog or embedded in pcapng, what a
//! user sees without one, and how bad key material and damaged records are reported.

use crate::common;

use std::path::{Path, PathBuf};

use common::{rttscope, stderr, stdout};
use rttscope::capture::CaptureFile;

fn interop(name: &str) -> PathBuf {
    common::root().join("fixtures/interop").join(name)
}

fn text(path: &Path, extra: &[&str]) -> (String, String, bool) {
    let path = path.to_string_lossy();
    let mut args = vec!["dissect", path.as_ref()];
    args.extend(extra);
    let output = rttscope(&args);
    (stdout(&output), stderr(&output), output.status.success())
}

#[test]
fn a_key_log_opens_the_records_and_a_bad_line_is_named_while_the_rest_is_used() {
    let capture = interop("tls13-openssl.pcap");
    let (without, _, ok) = text(&capture, &[]);
    assert!(ok);
    assert!(!without.contains("HTTP/1.1 200 OK"), "nothing is readable without keys");
    assert!(without.contains("Application Data"));

    let dir = tempfile::tempdir().expect("temporary directory");
    let keys = dir.path().join("keys.txt");
    let mut log = b"CLIENT_RANDOM not-hex at all\n".to_vec();
    log.extend(std::fs::read(interop("tls13-openssl.keys")).expect("key log"));
    std::fs::write(&keys, log).expect("written");
    let (with, warnings, ok) = text(&capture, &["--keylog", &keys.to_string_lossy()]);
    assert!(ok, "{warnings}");
    assert!(warnings.contains("line 1"), "the bad line is named: {warnings}");
    assert_eq!(warnings.lines().count(), 1, "one line per skipped key log line: {warnings}");
    assert!(with.contains("GET /hello.txt HTTP/1.1"), "{with}");
    assert!(with.contains("HTTP/1.1 200 OK"), "{with}");
    assert!(with.contains("Certificate, Certificate Verify, Finished"), "{with}");
}

#[test]
fn an_unreadable_key_log_is_a_usage_error() {
    let (_, message, ok) = text(&interop("tls13-openssl.pcap"), &["--keylog", "/nonexistent/keys.txt"]);
    assert!(!ok);
    assert!(message.contains("cannot read the key log /nonexistent/keys.txt"), "{message}");
    assert_eq!(message.trim().lines().count(), 1, "{message}");
}

#[test]
fn records_without_a_key_say_why_in_json() {
    let capture = interop("tls13-openssl.pcap");
    let output = rttscope(&["dissect", &capture.to_string_lossy(), "-T", "jsonl", "-Y", "tls.app_data"]);
    assert!(output.status.success());
    let json = stdout(&output);
    assert!(json.contains("(encrypted: no key for this session)"), "{}", &json[..json.len().min(2000)]);
}

/// Every frame of `path` into a pcapng, with `key_log` in a Decryption Secrets Block first;
/// microsecond timestamps, as the pcap's, so the Time column reads the same.
fn pcapng_with_secrets(path: &Path, key_log: &[u8]) -> Vec<u8> {
    let capture = CaptureFile::open(path).expect("opens");
    let mut writer = common::write::PcapNg::new(false);
    writer.interface(1, 65535, Some(6));
    writer.secrets(key_log);
    for frame in capture.frames() {
        let frame = frame.expect("whole");
        writer.enhanced(0, &frame, frame.ts_ns as u64 / 1000);
    }
    writer.out
}

#[test]
fn secrets_embedded_in_pcapng_are_used_without_a_flag() {
    let key_log = std::fs::read(interop("tls12-openssl.keys")).expect("key log");
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("embedded.pcapng");
    std::fs::write(&path, pcapng_with_secrets(&interop("tls12-openssl.pcap"), &key_log)).expect("written");
    let (with, warnings, ok) = text(&path, &[]);
    assert!(ok, "{warnings}");
    assert_eq!(with.matches("HTTP/1.1 200 OK").count(), 7, "all seven connections decrypt: {with}");
    // The same capture with the key log given on the command line reads the same.
    let keys = interop("tls12-openssl.keys");
    let (given, _, _) = text(&interop("tls12-openssl.pcap"), &["--keylog", &keys.to_string_lossy()]);
    assert_eq!(with, given);
}

#[test]
fn a_damaged_record_fails_alone_and_shows_no_plaintext() {
    let capture = CaptureFile::open(&interop("tls13-openssl.pcap")).expect("opens");
    let frames: Vec<_> = capture.frames().map(|frame| frame.expect("whole")).collect();
    let keys = interop("tls13-openssl.keys").to_string_lossy().into_owned();
    // Find the first request, and flip the last byte of its record (inside the AEAD tag).
    let (listing, _, _) = text(&interop("tls13-openssl.pcap"), &["--keylog", &keys]);
    let request = listing
        .lines()
        .find(|line| line.contains("GET /hello.txt"))
        .and_then(|line| line.split_whitespace().next())
        .and_then(|number| number.parse::<usize>().ok())
        .expect("a request");
    let mut data: Vec<Vec<u8>> = frames.iter().map(|frame| frame.data.to_vec()).collect();
    if let Some(last) = data[request - 1].last_mut() {
        *last ^= 0x01;
    }
    let damaged: Vec<_> = frames
        .iter()
        .zip(&data)
        .map(|(frame, bytes)| rttscope::capture::Frame { data: bytes, ..*frame })
        .collect();
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("damaged.pcap");
    std::fs::write(&path, common::write::pcap(&damaged, 1, false, false)).expect("written");
    let (with, _, ok) = text(&path, &["--keylog", &keys]);
    assert!(ok);
    let line = with.lines().nth(request - 1).unwrap_or_default();
    assert!(line.contains("[TLS: decryption failed"), "{line}");
    assert!(!line.contains("GET"), "no plaintext from a record that did not authenticate: {line}");
    // The other connections, and the responses, still decrypt.
    assert_eq!(with.matches("GET /hello.txt").count(), listing.matches("GET /hello.txt").count() - 1);
}

#[test]
fn a_file_that_is_not_a_key_log_gets_one_line_and_the_capture_is_still_shown() {
    let readme = common::root().join("README.md");
    let (listing, message, ok) =
        text(&interop("tls13-openssl.pcap"), &["--keylog", &readme.to_string_lossy()]);
    assert!(ok);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains("is not a key log"), "{message}");
    assert_eq!(listing.lines().count(), 90);
}

/// A Finished after a ChangeCipherSpec is encrypted, however plausibly its first bytes read as
/// a handshake header (here 08 00 01 00, EncryptedExtensions of 256 bytes).
#[test]
fn an_encrypted_finished_that_looks_like_plaintext_stays_encrypted() {
    let capture = common::root().join("fixtures/crafted/tls12-finished-like-plaintext.pcap");
    let (out, warnings, ok) = text(&capture, &["-Y", "frame.number == 8"]);
    assert!(ok, "{warnings}");
    assert!(out.contains("Client Key Exchange, Change Cipher Spec, Encrypted Handshake Message"), "{out}");
    let output = rttscope(&["dissect", &capture.to_string_lossy(), "-Y", "tls.handshake.type == 8"]);
    assert!(output.status.success());
    assert_eq!(stdout(&output), "", "no EncryptedExtensions is made up from ciphertext");
}
