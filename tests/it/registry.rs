//! Every field the dissectors emit on the test captures is in the registry, with the type it
//! is emitted as: the registry is what `-e`, `-Y` and `rttscope fields` trust. And every
//! registered field is emitted by some test capture, or is listed, with the reason, as one no
//! capture holds yet.

use crate::common;

use std::collections::BTreeSet;

use rttscope::capture::CaptureFile;
use rttscope::dissect::field::{Field, Value};
use rttscope::filter::Filter;
use rttscope::osi::{self, Protocol};
use rttscope::registry::{self, Kind};
use rttscope::track::Tracker;

/// Registered fields no test capture emits, by why. Each is a debt: a capture or fixture that
/// emits one takes it off this list (the test fails while it is still listed), and a field
/// added to a protocol's table must be emitted by a capture or be listed here with a reason.
#[rustfmt::skip]
const NOT_IN_ANY_CAPTURE: &[&str] = &[
    // 802.3 length frames (LLC), Ethernet padding and trailers: veth and loopback carry neither
    "eth.len", "eth.padding", "eth.trailer", "vlan.len",
    // cooked captures of non-Ethernet devices, and ARP for other hardware or protocols: none on the
    // recording hosts
    "sll.src.other", "sll.ltype", "arp.src.hw", "arp.src.proto", "arp.dst.hw", "arp.dst.proto",
    // an ARP probe (RFC 5227): the recording hosts' kernels announce an address without probing
    "arp.isprobe",
    // IPv4 router alert, IPv6's Pad1 option (Linux pads with PadN) and IPv6 routing,
    // destination-options and AH headers: no recorded peer sends them
    "ip.opt.ra", "ipv6.opt.pad1", "ipv6.dstopts", "ipv6.dstopts.nxt", "ipv6.dstopts.len", "ipv6.dstopts.len_oct",
    "ipv6.routing", "ipv6.routing.nxt", "ipv6.routing.len", "ipv6.routing.len_oct",
    "ipv6.routing.type", "ipv6.routing.segleft", "ah.next_header", "ah.length",
    // ICMP and ICMPv6 messages no recorded exchange provokes (redirect, parameter problem, packet
    // too big, MLD)
    "icmp.mtu", "icmp.redir_gw", "icmp.pointer", "icmpv6.mtu", "icmpv6.pointer",
    "icmpv6.mld.maximum_response_delay", "icmpv6.mld.multicast_address",
    "icmpv6.nd.rd.target_address",
    // TCP options Linux does not send (MD5, AO, user timeout, MPTCP, experimental) and analysis
    // states the recorded flows never reach (zero window, keep-alive, reused ports; lost
    // segments are in the crafted captures cut from them)
    "tcp.options.experimental", "tcp.options.experimental.exid", "tcp.options.md5",
    "tcp.options.ao", "tcp.options.user_to", "mptcp", "tcp.options.unknown",
    "tcp.analysis.spurious_retransmission", "tcp.analysis.window_full", "tcp.analysis.keep_alive",
    "tcp.analysis.keep_alive_ack", "tcp.analysis.zero_window", "tcp.analysis.zero_window_probe",
    "tcp.analysis.zero_window_probe_ack", "tcp.analysis.reused_ports",
    // A CertificateRequest over TLS (the DTLS captures have one: GnuTLS's server asks for a
    // client certificate) and an SRTP master key identifier (aiortc sends none)
    "tls.handshake.cert_types_count", "tls.handshake.cert_type", "tls.handshake.dnames_len",
    "dtls.use_srtp.mki",
    // A cookie in a TLS (not DTLS) HelloRetryRequest: the recorded TLS 1.3 servers ask again for
    // a key share only
    "tls.handshake.extensions.cookie_len", "tls.handshake.extensions.cookie",
    // QUIC frames neither quinn nor aioquic send in the recorded flows
    "quic.rsts.stream_id", "quic.rsts.application_error_code", "quic.rsts.final_size",
    "quic.ss.stream_id", "quic.ss.application_error_code", "quic.nt.length", "quic.nt.token",
    "quic.md.maximum_data", "quic.msd.stream_id", "quic.msd.maximum_stream_data",
    "quic.ms.max_streams", "quic.sb.stream_data_limit", "quic.sdb.stream_id",
    "quic.sib.stream_limit", "quic.rci.sequence", "quic.path_challenge.data",
    "quic.path_response.data", "quic.cc.error_code.tls_alert", "quic.dg.length", "quic.dg",
    "quic.af.sequence_number", "quic.af.ack_eliciting_threshold", "quic.af.request_max_ack_delay",
    // HTTP/1.1 headers, chunked bodies and URI parts curl and Python's http.server do not send in
    // the recorded flows
    "http.accept_language", "http.authorization", "http.chunked_trailer_part",
    "http.cookie", "http.cookie_pair", "http.http2_settings",
    "http.leading_crlf", "http.path_segment", "http.path_sub_segment",
    "http.prev_response_in", "http.proxy_authenticate", "http.proxy_authorization", "http.referer",
    "http.request.uri.path", "http.request.uri.query", "http.request.uri.query.parameter",
    "http.sec_websocket_protocol", "http.set_cookie",
    "http.www_authenticate", "http.x_forwarded_for",
    // HTTP/2 frames, flags and settings the recorded peers do not send
    "http2.continuation.header", "http2.continuation.padding", "http2.data.padding",
    "http2.flags.unused_continuation",
    "http2.flags.unused_push_promise", "http2.goaway.addata", "http2.headers.padding", "http2.padding",
    "http2.push_promise.header", "http2.push_promise.padding",
    "http2.push_promise.promised_stream_id", "http2.push_promise.r",
    "http2.unknown",
    // HTTP/2 and HTTP/3 header fields of the header table (src/dissect/http1/names.rs) whose
    // headers no recorded peer sends: one table lookup emits them all, and the headers that are
    // sent are seen
    "http2.headers.accept_charset", "http2.headers.accept_language", "http2.headers.accept_ranges",
    "http2.headers.access_control_allow_origin", "http2.headers.age", "http2.headers.allow",
    "http2.headers.authorization", "http2.headers.content_disposition",
    "http2.headers.content_language",
    "http2.headers.content_location", "http2.headers.content_range", "http2.headers.cookie",
    "http2.headers.etag", "http2.headers.expect", "http2.headers.expires", "http2.headers.from",
    "http2.headers.if_match", "http2.headers.if_modified_since", "http2.headers.if_none_match",
    "http2.headers.if_range", "http2.headers.if_unmodified_since", "http2.headers.link",
    "http2.headers.location", "http2.headers.max_forwards", "http2.headers.proxy_authenticate",
    "http2.headers.proxy_authorization", "http2.headers.range", "http2.headers.referer",
    "http2.headers.refresh", "http2.headers.retry_after", "http2.headers.set_cookie",
    "http2.headers.strict_transport_security", "http2.headers.vary", "http2.headers.via",
    "http2.headers.www_authenticate", "http3.headers.accept", "http3.headers.accept_charset",
    "http3.headers.accept_encoding", "http3.headers.accept_language", "http3.headers.accept_ranges",
    "http3.headers.access_control_allow_origin", "http3.headers.age", "http3.headers.allow",
    "http3.headers.authorization", "http3.headers.cache_control",
    "http3.headers.content_disposition", "http3.headers.content_encoding",
    "http3.headers.content_language", "http3.headers.content_location",
    "http3.headers.content_range", "http3.headers.cookie", "http3.headers.date",
    "http3.headers.etag", "http3.headers.expect", "http3.headers.expires", "http3.headers.from",
    "http3.headers.if_match", "http3.headers.if_modified_since", "http3.headers.if_none_match",
    "http3.headers.if_range", "http3.headers.if_unmodified_since", "http3.headers.last_modified",
    "http3.headers.link", "http3.headers.location", "http3.headers.max_forwards",
    "http3.headers.proxy_authenticate", "http3.headers.proxy_authorization", "http3.headers.range",
    "http3.headers.referer", "http3.headers.refresh", "http3.headers.retry_after",
    "http3.headers.server", "http3.headers.set_cookie", "http3.headers.strict_transport_security",
    "http3.headers.vary", "http3.headers.via", "http3.headers.www_authenticate",
    // HTTP/3 settings the recorded peers do not send
    "http3.settings.max_field_section_size",
    // GRE version 1 (PPTP's enhanced GRE): the crafted tunnel captures
    // (scripts/make-tunnelled.py) hold none
    "gre.flags.ack", "gre.key.payload_length", "gre.key.call_id", "gre.ack_number",
    // WebSocket frames of 64 KiB or more (a 64-bit length) and reserved opcodes: the recorded
    // websockets peers send neither (the unit tests in src/dissect/websocket/ read both)
    "websocket.payload_length_ext_64", "websocket.payload.unknown",
    // issue 18, DTLS: no recorded peer negotiates a connection ID; s_client and the wolfSSL
    // peer connect to an address, so no SNI, no ALPN; wolfSSL's HelloRetryRequest asks for a
    // cookie only, not for another key share group (captures/dtls13.pcapng, its keys embedded
    // and read here as none, emits dtls.enc_content)
    "dtls.record.connection_id",
    "dtls.handshake.extensions_server_name_list_len", "dtls.handshake.extensions_server_name_type",
    "dtls.handshake.extensions_server_name_len", "dtls.handshake.extensions_server_name",
    "dtls.handshake.extensions_alpn_len", "dtls.handshake.extensions_alpn_str_len",
    "dtls.handshake.extensions_alpn_str", "dtls.handshake.extensions_key_share_selected_group",
    // DTLS 1.3's NewSessionTicket fields: the recorded DTLS 1.3 sessions send no ticket; nor
    // does any recorded DTLS client offer to resume (psk_key_exchange_modes)
    "dtls.handshake.session_ticket_age_add", "dtls.handshake.session_ticket_nonce_length",
    "dtls.handshake.session_ticket_nonce", "dtls.extension.psk_ke_modes_length",
    "dtls.extension.psk_ke_mode", "dtls.early_data.max_early_data_size",
    // issue 16, DTLS twins of TLS's key exchange and extension fields: the recorded DTLS peers
    // agree on ECDHE (no finite-field DHE, no RSA key transport), ask for no OCSP status, set
    // no record size limit and resume no session (no pre_shared_key)
    "dtls.handshake.p_len", "dtls.handshake.p", "dtls.handshake.g_len", "dtls.handshake.g",
    "dtls.handshake.ys_len", "dtls.handshake.ys", "dtls.handshake.yc_len", "dtls.handshake.yc",
    "dtls.handshake.epms_len", "dtls.handshake.epms",
    "dtls.handshake.extensions_status_request_type",
    "dtls.handshake.extensions_status_request_responder_ids_len",
    "dtls.handshake.extensions_status_request_exts_len", "dtls.record_size_limit",
    "dtls.handshake.extensions.psk.identities.length",
    "dtls.handshake.extensions.psk.identity.identity_length",
    "dtls.handshake.extensions.psk.identity.identity",
    "dtls.handshake.extensions.psk.identity.obfuscated_ticket_age",
    "dtls.handshake.extensions.psk.binders_len", "dtls.handshake.extensions.psk.binders",
    "dtls.handshake.extensions.psk.identity.selected",
];

fn kind_allows(kind: Kind, value: &Value<'_>) -> bool {
    matches!(
        (kind, value),
        (Kind::Uint, Value::Uint(_))
            | (Kind::Int, Value::Int(_))
            | (Kind::Hex, Value::Hex { .. })
            | (Kind::Bool, Value::Bool(_))
            | (Kind::Mac, Value::Mac(_))
            | (Kind::Ipv4, Value::Ipv4(_))
            | (Kind::Ipv6, Value::Ipv6(_))
            | (Kind::Bytes, Value::Bytes(_) | Value::BytesColon(_))
            // tshark's own text for an empty reassembled value (an empty DATA frame ending a
            // gRPC stream's http2.data.data), and for a field allowed to be empty (a PadN
            // option's padding): the placeholders a bytes field may carry.
            | (Kind::Bytes, Value::Str("<MISSING>" | "<none>"))
            | (Kind::Text, Value::Str(_) | Value::Host(_) | Value::FlagString(_) | Value::Lazy(_))
            | (Kind::Time, Value::Epoch(_) | Value::Seconds(_) | Value::Date(_) | Value::Millis(_))
            | (Kind::Present, Value::Present)
            | (Kind::Protocol, Value::Bytes(_) | Value::Str(_))
    )
}

#[test]
fn every_emitted_field_is_registered_with_its_type() {
    let mut seen = BTreeSet::new();
    let mut problems = BTreeSet::new();
    for path in common::all_captures() {
        let capture = CaptureFile::open(&path).expect("opens");
        let mut tracker = Tracker::new();
        // With the key log, the fields inside TLS are checked too.
        if let Some(keys) = common::tshark::key_log_of(&path) {
            tracker.add_key_log_text(&std::fs::read(keys).expect("key log"));
        }
        for frame in capture.frames() {
            let frame = frame.expect("whole");
            let mut scratch = rttscope::track::Scratch::new();
            let packet = tracker.handle_frame(&frame, &mut scratch);
            // A renderer walks only the layers that can emit what it wants: each layer must
            // say truly which field names it can emit.
            for layer in &packet.layers {
                layer.fields(&mut |field: Field<'_>| {
                    let prefix = field.name.split('.').next().unwrap_or(field.name);
                    if !layer.emits(prefix) {
                        problems.insert(format!(
                            "{} emits {} but does not say so",
                            layer.protocol(),
                            field.name
                        ));
                    }
                });
            }
            packet.fields(&frame, &mut |field: Field<'_>| {
                seen.insert(field.name);
                match registry::lookup(field.name) {
                    None => {
                        problems.insert(format!("{} is not registered", field.name));
                    }
                    Some(info) if !kind_allows(info.kind, &field.value) => {
                        problems.insert(format!(
                            "{} is registered as {:?} but emitted as {:?}",
                            field.name, info.kind, field.value
                        ));
                    }
                    Some(_) => {}
                }
            });
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    let never_emitted: Vec<&str> = registry::fields()
        .map(|field| field.name)
        .filter(|name| !seen.contains(name) && !NOT_IN_ANY_CAPTURE.contains(name))
        .collect();
    assert!(never_emitted.is_empty(), "registered but emitted by no capture: {never_emitted:?}");
    let listed_but_seen: Vec<&&str> = NOT_IN_ANY_CAPTURE.iter().filter(|name| seen.contains(*name)).collect();
    assert!(
        listed_but_seen.is_empty(),
        "emitted now, so no longer allowed to be listed: {listed_but_seen:?}"
    );
    let unknown: Vec<&&str> =
        NOT_IN_ANY_CAPTURE.iter().filter(|name| registry::lookup(name).is_none()).collect();
    assert!(unknown.is_empty(), "listed but not registered: {unknown:?}");
}

/// A protocol is declared by one row of the protocol table: the display filter, `rttscope
/// fields`, the OSI view and the tshark differential's list of protocols all read that row,
/// so none of them needs an edit of its own when a protocol is added.
#[test]
fn a_protocol_in_the_table_is_known_everywhere_without_another_edit() {
    let output = common::rttscope(&["fields"]);
    assert!(output.status.success());
    let listed: BTreeSet<String> = common::stdout(&output)
        .lines()
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect();
    let compared: BTreeSet<&str> = common::tshark::known_protocols().collect();
    for protocol in Protocol::ALL {
        let name = protocol.filter_name();
        assert!(Filter::parse(name).is_ok(), "the filter does not know {name}");
        assert!(listed.contains(name), "rttscope fields does not list {name}");
        assert!(compared.contains(name), "the differential does not compare {name}");
        assert_eq!(registry::lookup(name).map(|info| info.kind), Some(Kind::Protocol));
        for field in protocol.fields() {
            assert_eq!(field.protocol, protocol, "{} is in another protocol's table", field.name);
            assert!(listed.contains(field.name), "rttscope fields does not list {}", field.name);
            assert!(Filter::parse(field.name).is_ok(), "the filter does not know {}", field.name);
            // The OSI view places a field by its row: its protocol's layer, or a role it plays.
            let layer = osi::field_layer(field.name, protocol);
            assert_eq!(layer, field.layer, "{} is placed off its row", field.name);
            assert!(
                layer == protocol.osi() || protocol.role(layer).is_some(),
                "{} sits on {layer}, where {} has no role",
                field.name,
                protocol.column_name()
            );
        }
    }
}
