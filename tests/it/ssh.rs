//! SSH (issue 18) on the OpenSSH interop captures: every field compared with tshark, the one
//! tshark 4.0 limitation named and counted, and what rttscope reads where tshark cannot.

use crate::common;

use common::tshark::{compare, compared_fields};

fn capture(name: &str) -> std::path::PathBuf {
    common::root().join("fixtures/interop").join(name)
}

/// Frames in which rttscope shows encrypted SSH packets, by `-Y ssh.encrypted_packet`.
fn encrypted_frames(name: &str) -> usize {
    let path = capture(name);
    let output = common::rttscope(&[
        "dissect",
        path.to_str().expect("a UTF-8 path"),
        "-Y",
        "ssh.encrypted_packet",
        "--format",
        "fields",
        "-e",
        "frame.number",
    ]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    common::stdout(&output).lines().filter(|line| !line.is_empty()).count()
}

#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn the_dh_group_exchange_capture_agrees_with_tshark_field_by_field() {
    let tally = compare(&capture("ssh-dh-gex-openssh.pcap"), None, &compared_fields());
    tally.assert_agrees("ssh-dh-gex-openssh.pcap");
    assert_eq!(tally.ssh_hidden, 0, "after a DH group exchange tshark shows the encrypted packets");
    // The group exchange's request, group, init and reply (frames 12, 14, 16 and 18).
    assert_eq!(tally.ssh_gex_sequence, 4, "frames whose group exchange tshark numbers one higher");
    assert!(tally.present_by_field.get("ssh.dh_gex.p").is_some_and(|count| *count == 1));
    assert!(tally.present_by_field.get("ssh.encrypted_packet").is_some_and(|count| *count >= 10));
}

/// After curve25519, tshark 4.0 hides every encrypted packet: each frame rttscope shows one
/// in is counted, and nothing else differs.
#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn the_curve25519_capture_agrees_with_tshark_but_for_the_encrypted_packets_it_hides() {
    let name = "ssh-openssh.pcap";
    let tally = compare(&capture(name), None, &compared_fields());
    tally.assert_agrees(name);
    let shown = encrypted_frames(name);
    assert!(shown >= 10, "rttscope shows {shown} frames with encrypted packets");
    assert_eq!(tally.ssh_hidden, shown);
    assert!(tally.present_by_field.get("ssh.ecdh.q_c").is_some_and(|count| *count == 1));
}

/// The rounds of OpenSSH's login against the textbook's six: OpenSSH authenticates with a
/// "none" probe and a public key query before the signed request (+2), so its exec request
/// goes in round 8 and the first shell byte comes back in round 9. The DH group exchange
/// (RFC 4419) takes a round more than ECDH for its request and group (+1), which the table
/// adds to the textbook's count as it adds a proxy's rounds.
#[test]
fn the_interop_captures_count_the_textbook_rounds_plus_openssh_s_two() {
    let (textbook_request, textbook_response) =
        rttscope::timeline::textbook(rttscope::timeline::Variant::Ssh).expect("a textbook value");
    assert_eq!((textbook_request, textbook_response), (6, 7));
    let openssh_extra =
        rttscope::timeline::Variant::Ssh.implementation_rounds().map_or(0, |(extra, _)| extra);
    assert_eq!(openssh_extra, 2);
    for (name, group_exchange) in [("ssh-openssh.pcap", 0), ("ssh-dh-gex-openssh.pcap", 1)] {
        let counted = common::timeline_rounds(&capture(name), None);
        let extra = openssh_extra + group_exchange;
        assert_eq!(
            counted,
            [(
                "ssh".to_owned(),
                Some(u64::from(textbook_request + extra)),
                Some(u64::from(textbook_response + extra))
            )],
            "{name}"
        );
    }
}

/// The timeline names the steps it reads in the clear and those it takes encrypted bytes for.
#[test]
fn the_timeline_shows_the_key_exchange_and_the_encrypted_steps() {
    let path = capture("ssh-openssh.pcap");
    // Wide enough that no label or verdict wraps.
    let output = common::rttscope(&["timeline", path.to_str().expect("a UTF-8 path"), "--width", "200"]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let text = common::stdout(&output);
    for expected in [
        "SSH version",
        "KEXINIT",
        "KEX_ECDH_INIT",
        "KEX_ECDH_REPLY · NEWKEYS",
        "SERVICE_REQUEST (encrypted 44 bytes)",
        "USERAUTH_SUCCESS (encrypted 28 bytes)",
        "CHANNEL_REQUEST exec/shell",
        "SSH login and command: request after 8 round trips, response after 9 round trips",
    ] {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }
}

/// `demo ssh` runs OpenSSH's ssh against its sshd under a live capture: the capture holds the
/// whole handshake (both version lines, both KEXINITs, the ECDH exchange, both NEWKEYS, then
/// encrypted packets) and the timeline counts OpenSSH's rounds.
#[test]
#[ignore = "needs root (a raw socket to capture loopback) and OpenSSH's sshd and ssh"]
fn the_ssh_generator_makes_a_real_handshake_and_its_rounds() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("ssh.pcapng");
    let written = path.to_str().expect("a UTF-8 path");
    let output = common::rttscope(&["demo", "ssh", "--rtt", "0", "--headless", "-w", written]);
    assert!(output.status.success(), "{}\n{}", common::stdout(&output), common::stderr(&output));
    let count = |filter: &str| {
        let output =
            common::rttscope(&["dissect", written, "-Y", filter, "--format", "fields", "-e", "frame.number"]);
        assert!(output.status.success(), "{}", common::stderr(&output));
        common::stdout(&output).lines().filter(|line| !line.is_empty()).count()
    };
    assert_eq!(count("ssh.protocol"), 2, "both version lines");
    assert_eq!(count("ssh.message_code == 20"), 2, "both KEXINITs");
    assert_eq!(count("ssh.message_code == 30"), 1, "KEX_ECDH_INIT");
    assert_eq!(count("ssh.message_code == 31"), 1, "KEX_ECDH_REPLY");
    assert_eq!(count("ssh.message_code == 21"), 2, "both NEWKEYS");
    assert!(count("ssh.encrypted_packet") >= 10, "the login and the command, encrypted");
    let (request, response) =
        rttscope::timeline::textbook(rttscope::timeline::Variant::Ssh).expect("a textbook value");
    let extra = rttscope::generate::Variant::Ssh.peer_rounds().0;
    assert_eq!(
        common::timeline_rounds(&path, None),
        [("ssh".to_owned(), Some(u64::from(request + extra)), Some(u64::from(response + extra)))]
    );
}
