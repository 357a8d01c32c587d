//! Every field name rttscope can report, with its type and a short title.
//!
//! Names follow Wireshark's, so `-e` and `-Y` take what tshark takes. The registry is what
//! validates a field name before any packet is read, what tells the display filter how to read
//! a literal (`10.0.0.0/8` for an address, `0x12` for a number), and what `--list-fields`
//! prints. A test walks the fields of every test capture and checks each one is listed here
//! with the type it was emitted as.

use crate::osi::Protocol;

/// How a field's value is typed, which decides how filter literals are read and compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A protocol: present or not, its value the bytes it covers.
    Protocol,
    Uint,
    Int,
    Hex,
    Bool,
    Mac,
    Ipv4,
    Ipv6,
    Bytes,
    Text,
    /// An absolute or relative time, in seconds.
    Time,
    /// Present or not, no value (Wireshark's `FT_NONE`).
    Present,
}

/// One known field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldInfo {
    pub name: &'static str,
    pub kind: Kind,
    pub title: &'static str,
}

macro_rules! fields {
    ($($name:literal $kind:ident $title:literal;)*) => {
        &[$(FieldInfo { name: $name, kind: Kind::$kind, title: $title }),*]
    };
}

/// The fields, grouped by protocol from the outside in.
pub static FIELDS: &[FieldInfo] = fields! {
    "frame.number" Uint "frame number, from 1";
    "frame.time_epoch" Time "capture time, seconds since 1970";
    "frame.time_relative" Time "seconds since the first frame";
    "frame.time_delta" Time "seconds since the frame before";
    "frame.len" Uint "length on the wire";
    "frame.cap_len" Uint "length captured";
    "frame.interface_id" Uint "pcapng interface index";
    "frame.protocols" Text "protocols in the frame, outermost first";
    "_ws.col.Protocol" Text "the Protocol column";
    "_ws.col.Info" Text "the Info column";
    "null.family" Uint "address family of the payload";
    "eth.dst" Mac "destination MAC address";
    "eth.src" Mac "source MAC address";
    "eth.addr" Mac "either MAC address";
    "eth.dst.lg" Bool "destination is locally administered";
    "eth.dst.ig" Bool "destination is a group address";
    "eth.src.lg" Bool "source is locally administered";
    "eth.src.ig" Bool "source is a group address";
    "eth.type" Hex "EtherType of the payload";
    "eth.len" Uint "802.3 length";
    "eth.padding" Bytes "zero padding up to the minimum frame size";
    "eth.trailer" Bytes "bytes after the payload that are not padding";
    "vlan.priority" Uint "802.1p priority";
    "vlan.dei" Bool "drop eligible";
    "vlan.id" Uint "VLAN identifier";
    "vlan.etype" Hex "EtherType after the tag";
    "vlan.len" Uint "802.3 length after the tag";
    "ieee8021ad.priority" Uint "802.1p priority of the service tag";
    "ieee8021ad.dei" Uint "drop eligible (service tag)";
    "ieee8021ad.id" Uint "service VLAN identifier";
    "sll.pkttype" Uint "who the packet was for (0 us, 4 sent by us)";
    "sll.hatype" Uint "ARPHRD hardware type";
    "sll.halen" Uint "link-layer address length";
    "sll.src.eth" Mac "source MAC address";
    "sll.src.other" Bytes "source link-layer address";
    "sll.etype" Hex "EtherType of the payload";
    "sll.ltype" Hex "Linux protocol of the payload";
    "sll.ifindex" Uint "interface index";
    "arp.hw.type" Uint "hardware type";
    "arp.proto.type" Hex "protocol type";
    "arp.hw.size" Uint "hardware address size";
    "arp.proto.size" Uint "protocol address size";
    "arp.opcode" Uint "operation (1 request, 2 reply)";
    "arp.src.hw_mac" Mac "sender MAC address";
    "arp.src.proto_ipv4" Ipv4 "sender IPv4 address";
    "arp.dst.hw_mac" Mac "target MAC address";
    "arp.dst.proto_ipv4" Ipv4 "target IPv4 address";
    "arp.src.hw" Bytes "sender hardware address";
    "arp.src.proto" Bytes "sender protocol address";
    "arp.dst.hw" Bytes "target hardware address";
    "arp.dst.proto" Bytes "target protocol address";
    "ip.version" Uint "IP version";
    "ip.hdr_len" Uint "header length in bytes";
    "ip.dsfield" Hex "differentiated services byte";
    "ip.dsfield.dscp" Uint "DSCP";
    "ip.dsfield.ecn" Uint "ECN";
    "ip.len" Uint "total length";
    "ip.id" Hex "identification";
    "ip.flags" Hex "flags";
    "ip.flags.rb" Bool "reserved bit";
    "ip.flags.df" Bool "don't fragment";
    "ip.flags.mf" Bool "more fragments";
    "ip.frag_offset" Uint "fragment offset in 8-byte units";
    "ip.ttl" Uint "time to live";
    "ip.proto" Uint "protocol of the payload";
    "ip.checksum" Hex "header checksum";
    "ip.checksum.status" Uint "checksum status (2 unverified)";
    "ip.src" Ipv4 "source address";
    "ip.dst" Ipv4 "destination address";
    "ip.addr" Ipv4 "either address";
    "ip.src_host" Text "source host";
    "ip.dst_host" Text "destination host";
    "ip.host" Text "either host";
    "ip.opt.type" Uint "option type";
    "ip.opt.type.copy" Bool "option copied into fragments";
    "ip.opt.type.class" Uint "option class";
    "ip.opt.type.number" Uint "option number";
    "ip.opt.len" Uint "option length";
    "ip.opt.ptr" Uint "option pointer";
    "ip.opt.overflow" Uint "timestamp overflow count";
    "ip.opt.flag" Hex "timestamp flag";
    "ip.opt.ra" Uint "router alert value";
    "ip.rec_rt" Ipv4 "recorded route address";
    "ip.empty_rt" Ipv4 "empty route slot";
    "ip.fragment" Uint "frame holding a fragment";
    "ip.fragment.count" Uint "number of fragments";
    "ip.reassembled.length" Uint "reassembled payload length";
    "ipv6.version" Uint "IP version";
    "ipv6.tclass" Hex "traffic class";
    "ipv6.tclass.dscp" Uint "DSCP";
    "ipv6.tclass.ecn" Uint "ECN";
    "ipv6.flow" Hex "flow label";
    "ipv6.plen" Uint "payload length";
    "ipv6.nxt" Uint "next header";
    "ipv6.hlim" Uint "hop limit";
    "ipv6.src" Ipv6 "source address";
    "ipv6.dst" Ipv6 "destination address";
    "ipv6.addr" Ipv6 "either address";
    "ipv6.src_host" Text "source host";
    "ipv6.dst_host" Text "destination host";
    "ipv6.host" Text "either host";
    "ipv6.hopopts" Protocol "hop-by-hop options header";
    "ipv6.hopopts.nxt" Uint "next header";
    "ipv6.hopopts.len" Uint "length in 8-byte units after the first";
    "ipv6.hopopts.len_oct" Uint "length in bytes";
    "ipv6.dstopts" Protocol "destination options header";
    "ipv6.dstopts.nxt" Uint "next header";
    "ipv6.dstopts.len" Uint "length in 8-byte units after the first";
    "ipv6.dstopts.len_oct" Uint "length in bytes";
    "ipv6.routing" Protocol "routing header";
    "ipv6.routing.nxt" Uint "next header";
    "ipv6.routing.len" Uint "length in 8-byte units after the first";
    "ipv6.routing.len_oct" Uint "length in bytes";
    "ipv6.routing.type" Uint "routing type";
    "ipv6.routing.segleft" Uint "segments left";
    "ipv6.opt.type" Hex "option type";
    "ipv6.opt.length" Uint "option length";
    "ipv6.opt.router_alert" Uint "router alert value";
    "ipv6.fraghdr" Protocol "fragment header";
    "ipv6.fraghdr.nxt" Uint "next header";
    "ipv6.fraghdr.reserved_octet" Hex "reserved byte";
    "ipv6.fraghdr.offset" Uint "fragment offset in 8-byte units";
    "ipv6.fraghdr.reserved_bits" Uint "reserved bits";
    "ipv6.fraghdr.more" Bool "more fragments";
    "ipv6.fraghdr.ident" Hex "identification";
    "ipv6.fragment" Uint "frame holding a fragment";
    "ipv6.fragment.count" Uint "number of fragments";
    "ipv6.reassembled.length" Uint "reassembled payload length";
    "ah.next_header" Uint "next header";
    "ah.length" Uint "length";
    "icmp.type" Uint "message type";
    "icmp.code" Uint "message code";
    "icmp.checksum" Hex "checksum";
    "icmp.checksum.status" Uint "checksum status (1 good, 0 bad, 2 unverified)";
    "icmp.ident" Uint "echo identifier";
    "icmp.ident_le" Uint "echo identifier read little-endian";
    "icmp.seq" Uint "echo sequence number";
    "icmp.seq_le" Uint "echo sequence number read little-endian";
    "icmp.data_time" Time "ping's send time, from the echo data";
    "icmp.data_time_relative" Time "time from the ping's send time to capture";
    "icmp.resp_to" Uint "frame of the request this reply answers";
    "icmp.resptime" Time "milliseconds from the request to this reply";
    "icmp.unused" Bytes "unused bytes";
    "icmp.mtu" Uint "next-hop MTU";
    "icmp.redir_gw" Ipv4 "gateway to redirect to";
    "icmp.pointer" Uint "pointer to the problem";
    "icmpv6.type" Uint "message type";
    "icmpv6.code" Uint "message code";
    "icmpv6.checksum" Hex "checksum";
    "icmpv6.checksum.status" Uint "checksum status (1 good, 0 bad, 2 unverified)";
    "icmpv6.reserved" Bytes "reserved bytes";
    "icmpv6.mtu" Uint "MTU of the next link";
    "icmpv6.pointer" Uint "pointer to the problem";
    "icmpv6.echo.identifier" Hex "echo identifier";
    "icmpv6.echo.sequence_number" Uint "echo sequence number";
    "icmpv6.resp_to" Uint "frame of the request this reply answers";
    "icmpv6.resptime" Time "milliseconds from the request to this reply";
    "icmpv6.mld.maximum_response_delay" Uint "maximum response delay";
    "icmpv6.mld.multicast_address" Ipv6 "multicast address";
    "icmpv6.mldr.nb_mcast_records" Uint "number of multicast address records";
    "icmpv6.mldr.mar.record_type" Uint "record type";
    "icmpv6.mldr.mar.aux_data_len" Uint "auxiliary data length";
    "icmpv6.mldr.mar.nb_sources" Uint "number of sources";
    "icmpv6.mldr.mar.multicast_address" Ipv6 "multicast address";
    "icmpv6.nd.ra.cur_hop_limit" Uint "hop limit to use";
    "icmpv6.nd.ra.flag" Hex "router advertisement flags";
    "icmpv6.nd.ra.router_lifetime" Uint "router lifetime";
    "icmpv6.nd.ra.reachable_time" Uint "reachable time";
    "icmpv6.nd.ra.retrans_timer" Uint "retransmission timer";
    "icmpv6.nd.ns.target_address" Ipv6 "address being resolved";
    "icmpv6.nd.na.flag" Hex "advertisement flags";
    "icmpv6.nd.na.flag.r" Bool "sender is a router";
    "icmpv6.nd.na.flag.s" Bool "answers a solicitation";
    "icmpv6.nd.na.flag.o" Bool "overrides cached address";
    "icmpv6.nd.na.target_address" Ipv6 "address advertised";
    "icmpv6.nd.rd.target_address" Ipv6 "better first hop";
    "icmpv6.opt.type" Uint "option type";
    "icmpv6.opt.length" Uint "option length in 8-byte units";
    "icmpv6.opt.linkaddr" Bytes "link-layer address";
    "icmpv6.opt.src_linkaddr" Bytes "source link-layer address";
    "icmpv6.opt.target_linkaddr" Bytes "target link-layer address";
    "icmpv6.opt.prefix.length" Uint "prefix length";
    "icmpv6.opt.prefix" Ipv6 "prefix";
    "icmpv6.opt.mtu" Uint "link MTU";
    "udp.srcport" Uint "source port";
    "udp.dstport" Uint "destination port";
    "udp.port" Uint "either port";
    "udp.length" Uint "length of header and data";
    "udp.checksum" Hex "checksum";
    "udp.checksum.status" Uint "checksum status (2 unverified, 3 not present)";
    "udp.stream" Uint "conversation number";
    "udp.time_relative" Time "seconds since the conversation's first datagram";
    "udp.time_delta" Time "seconds since the conversation's previous datagram";
    "udp.payload" Bytes "payload";
    "tcp.srcport" Uint "source port";
    "tcp.dstport" Uint "destination port";
    "tcp.port" Uint "either port";
    "tcp.stream" Uint "conversation number";
    "tcp.completeness" Uint "connection stages seen before (1 SYN, 2 SYN-ACK, 4 ACK, 8 data, 16 FIN, 32 RST)";
    "tcp.len" Uint "segment data length";
    "tcp.seq" Uint "sequence number, relative";
    "tcp.seq_raw" Uint "sequence number";
    "tcp.nxtseq" Uint "next sequence number, relative";
    "tcp.ack" Uint "acknowledgment number, relative";
    "tcp.ack_raw" Uint "acknowledgment number";
    "tcp.hdr_len" Uint "header length in bytes";
    "tcp.flags" Hex "flags";
    "tcp.flags.res" Bool "reserved bits";
    "tcp.flags.ae" Bool "accurate ECN (formerly nonce sum)";
    "tcp.flags.cwr" Bool "congestion window reduced";
    "tcp.flags.ece" Bool "ECN echo";
    "tcp.flags.urg" Bool "urgent";
    "tcp.flags.ack" Bool "acknowledgment";
    "tcp.flags.push" Bool "push";
    "tcp.flags.reset" Bool "reset";
    "tcp.flags.syn" Bool "synchronize";
    "tcp.flags.fin" Bool "finish";
    "tcp.flags.str" Text "flags as letters";
    "tcp.window_size_value" Uint "window field";
    "tcp.window_size" Uint "window after scaling";
    "tcp.window_size_scalefactor" Int "window multiplier (-1 unknown, -2 not scaled)";
    "tcp.checksum" Hex "checksum";
    "tcp.checksum.status" Uint "checksum status (2 unverified)";
    "tcp.urgent_pointer" Uint "urgent pointer";
    "tcp.options" Bytes "options area";
    "tcp.option_kind" Uint "option kind";
    "tcp.option_len" Uint "option length";
    "tcp.options.eol" Protocol "end of option list";
    "tcp.options.nop" Protocol "no-operation";
    "tcp.options.mss" Protocol "maximum segment size option";
    "tcp.options.mss_val" Uint "maximum segment size";
    "tcp.options.wscale" Protocol "window scale option";
    "tcp.options.wscale.shift" Uint "window scale shift";
    "tcp.options.wscale.multiplier" Uint "window scale multiplier";
    "tcp.options.sack_perm" Protocol "SACK permitted option";
    "tcp.options.sack" Protocol "SACK option";
    "tcp.options.sack_le" Uint "SACK left edge, relative";
    "tcp.options.sack_re" Uint "SACK right edge, relative";
    "tcp.options.sack.count" Uint "number of SACK blocks";
    "tcp.options.timestamp" Protocol "timestamps option";
    "tcp.options.timestamp.tsval" Uint "timestamp value";
    "tcp.options.timestamp.tsecr" Uint "timestamp echo reply";
    "tcp.options.tfo" Protocol "Fast Open option";
    "tcp.options.tfo.request" Present "Fast Open cookie request";
    "tcp.options.tfo.cookie" Bytes "Fast Open cookie";
    "tcp.options.experimental" Protocol "experimental option";
    "tcp.options.experimental.exid" Hex "experiment identifier";
    "tcp.options.md5" Protocol "MD5 signature option";
    "tcp.options.ao" Protocol "authentication option";
    "tcp.options.user_to" Protocol "user timeout option";
    "mptcp" Protocol "multipath TCP option";
    "tcp.options.unknown" Protocol "unknown option";
    "tcp.analysis.flags" Present "some analysis flag is set";
    "tcp.analysis.retransmission" Present "retransmission";
    "tcp.analysis.fast_retransmission" Present "fast retransmission";
    "tcp.analysis.spurious_retransmission" Present "spurious retransmission";
    "tcp.analysis.out_of_order" Present "out-of-order segment";
    "tcp.analysis.lost_segment" Present "previous segment not captured";
    "tcp.analysis.ack_lost_segment" Present "acknowledges a segment not captured";
    "tcp.analysis.duplicate_ack" Present "duplicate acknowledgment";
    "tcp.analysis.duplicate_ack_num" Uint "how many duplicate acknowledgments in a row";
    "tcp.analysis.duplicate_ack_frame" Uint "frame of the acknowledgment this one repeats";
    "tcp.analysis.window_full" Present "segment fills the receiver's window";
    "tcp.analysis.keep_alive" Present "keep-alive";
    "tcp.analysis.keep_alive_ack" Present "keep-alive acknowledgment";
    "tcp.analysis.window_update" Present "window update";
    "tcp.analysis.zero_window" Present "zero window";
    "tcp.analysis.zero_window_probe" Present "zero window probe";
    "tcp.analysis.zero_window_probe_ack" Present "zero window probe acknowledgment";
    "tcp.analysis.reused_ports" Present "new connection on ports used before";
    "tcp.time_relative" Time "seconds since the conversation's first segment";
    "tcp.time_delta" Time "seconds since the conversation's previous segment";
    "tcp.payload" Bytes "segment data";
    "tcp.segment_data" Bytes "data of a retransmitted segment, or of a PDU spanning segments";
    "tcp.segment" Uint "frame of a segment the PDU was reassembled from";
    "tcp.segment.count" Uint "how many segments the PDU was reassembled from";
    "tcp.reassembled.length" Uint "length of the reassembled PDU";
    "tls.record.content_type" Uint "record content type (20 CCS, 21 alert, 22 handshake, 23 data)";
    "tls.record.opaque_type" Uint "outer content type of a TLS 1.3 protected record";
    "tls.record.version" Hex "record layer version";
    "tls.record.length" Uint "record length";
    "tls.change_cipher_spec" Present "ChangeCipherSpec message";
    "tls.alert_message.level" Uint "alert level (1 warning, 2 fatal)";
    "tls.alert_message.desc" Uint "alert description";
    "tls.app_data" Bytes "encrypted application data";
    "tls.handshake.type" Uint "handshake message type";
    "tls.handshake.length" Uint "handshake message length";
    "tls.handshake.version" Hex "hello version (legacy_version)";
    "tls.handshake.random" Bytes "hello random";
    "tls.handshake.session_id_length" Uint "session ID length";
    "tls.handshake.session_id" Bytes "session ID";
    "tls.handshake.cipher_suites_length" Uint "length of the offered cipher suites";
    "tls.handshake.ciphersuite" Hex "cipher suite (offered or chosen)";
    "tls.handshake.comp_methods_length" Uint "length of the offered compression methods";
    "tls.handshake.comp_method" Uint "compression method";
    "tls.handshake.extensions_length" Uint "length of the extensions";
    "tls.handshake.extension.type" Uint "extension type";
    "tls.handshake.extension.len" Uint "extension length";
    "tls.handshake.extensions_server_name_list_len" Uint "server name list length";
    "tls.handshake.extensions_server_name_type" Uint "server name type (0 host name)";
    "tls.handshake.extensions_server_name_len" Uint "server name length";
    "tls.handshake.extensions_server_name" Text "server name (SNI)";
    "tls.handshake.extensions_supported_groups_length" Uint "supported groups length";
    "tls.handshake.extensions_supported_group" Hex "supported group";
    "tls.handshake.extensions_ec_point_formats_length" Uint "EC point formats length";
    "tls.handshake.extensions_ec_point_format" Uint "EC point format";
    "tls.handshake.sig_hash_alg_len" Uint "signature algorithms length";
    "tls.handshake.sig_hash_alg" Hex "signature algorithm";
    "tls.handshake.extensions_alpn_len" Uint "ALPN extension length";
    "tls.handshake.extensions_alpn_str_len" Uint "ALPN protocol name length";
    "tls.handshake.extensions_alpn_str" Text "ALPN protocol";
    "tls.handshake.extensions.supported_versions_len" Uint "supported versions length";
    "tls.handshake.extensions.supported_version" Hex "supported (or selected) version";
    "tls.handshake.extensions_key_share_client_length" Uint "client key shares length";
    "tls.handshake.extensions_key_share_group" Uint "key share group";
    "tls.handshake.extensions_key_share_key_exchange_length" Uint "key share length";
    "tls.handshake.extensions_key_share_key_exchange" Bytes "key share";
    "tls.handshake.extensions_key_share_selected_group" Uint "group a HelloRetryRequest asks for";
    "tls.handshake.certificates_length" Uint "certificate chain length";
    "tls.handshake.certificate_length" Uint "certificate length";
    "tls.handshake.certificate" Bytes "certificate (DER)";
    "tls.handshake.session_ticket_lifetime_hint" Uint "session ticket lifetime, seconds";
    "tls.handshake.verify_data" Present "Finished verify data";
    "http.accept" Text "accept";
    "http.accept_encoding" Text "accept encoding";
    "http.accept_language" Text "accept-language";
    "http.authorization" Text "authorization";
    "http.cache_control" Text "cache-control";
    "http.chunk_boundary" Bytes "chunk boundary";
    "http.chunk_data" Bytes "chunk data";
    "http.chunk_size" Uint "chunk size";
    "http.chunked_trailer_part" Text "trailer-part";
    "http.connection" Text "connection";
    "http.content_encoding" Text "content-encoding";
    "http.content_length" Uint "content length";
    "http.content_length_header" Text "content-length";
    "http.content_type" Text "content-type";
    "http.cookie" Text "cookie";
    "http.cookie_pair" Text "cookie pair";
    "http.date" Text "date";
    "http.file_data" Text "file data";
    "http.host" Text "host";
    "http.http2_settings" Text "http2-settings";
    "http.last_modified" Text "last-modified";
    "http.leading_crlf" Present "leading crlf previous message in the stream may have extra c";
    "http.location" Text "location";
    "http.path_segment" Text "path segment";
    "http.path_sub_segment" Text "path sub segment";
    "http.prev_request_in" Uint "prev request in frame";
    "http.prev_response_in" Uint "prev response in frame";
    "http.proxy_authenticate" Text "proxy-authenticate";
    "http.proxy_authorization" Text "proxy-authorization";
    "http.referer" Text "referer";
    "http.request" Bool "request";
    "http.request.full_uri" Text "full request uri";
    "http.request.line" Text "request line";
    "http.request.method" Text "request method";
    "http.request.uri" Text "request uri";
    "http.request.uri.path" Text "request uri path";
    "http.request.uri.query" Text "request uri query";
    "http.request.uri.query.parameter" Text "request uri query parameter";
    "http.request.version" Text "request version";
    "http.request_in" Uint "request in frame";
    "http.request_number" Uint "request number";
    "http.response" Bool "response";
    "http.response.code" Uint "status code";
    "http.response.code.desc" Text "status code description";
    "http.response.line" Text "response line";
    "http.response.phrase" Text "response phrase";
    "http.response.version" Text "response version";
    "http.response_for.uri" Text "request uri";
    "http.response_number" Uint "response number";
    "http.sec_websocket_accept" Text "sec-websocket-accept";
    "http.sec_websocket_extensions" Text "sec-websocket-extensions";
    "http.sec_websocket_key" Text "sec-websocket-key";
    "http.sec_websocket_protocol" Text "sec-websocket-protocol";
    "http.sec_websocket_version" Text "sec-websocket-version";
    "http.server" Text "server";
    "http.set_cookie" Text "set-cookie";
    "http.time" Time "time since request";
    "http.transfer_encoding" Text "transfer-encoding";
    "http.upgrade" Text "upgrade";
    "http.user_agent" Text "user-agent";
    "http.www_authenticate" Text "www-authenticate";
    "http.x_forwarded_for" Text "x-forwarded-for";
    "http2.continuation.header" Text "continuation header";
    "http2.continuation.padding" Bytes "padding";
    "http2.data.data" Bytes "data";
    "http2.data.padding" Bytes "padding";
    "http2.exclusive" Bool "exclusive";
    "http2.flags" Hex "flags";
    "http2.flags.ack.ping" Bool "ack";
    "http2.flags.ack.settings" Bool "ack";
    "http2.flags.eh" Bool "end headers";
    "http2.flags.end_stream" Bool "end stream";
    "http2.flags.padded" Bool "padded";
    "http2.flags.priority" Bool "priority";
    "http2.flags.unused" Hex "unused";
    "http2.flags.unused_continuation" Hex "unused";
    "http2.flags.unused_data" Hex "unused";
    "http2.flags.unused_headers" Hex "unused";
    "http2.flags.unused_ping" Hex "unused";
    "http2.flags.unused_push_promise" Hex "unused";
    "http2.flags.unused_settings" Hex "unused";
    "http2.goaway.addata" Bytes "additional debug data";
    "http2.goaway.error" Uint "error";
    "http2.goaway.last_stream_id" Uint "last-stream-id";
    "http2.goway.r" Hex "reserved";
    "http2.header" Present "header";
    "http2.header.count" Uint "header count";
    "http2.header.index" Uint "index";
    "http2.header.length" Uint "header length";
    "http2.header.name" Text "name";
    "http2.header.name.length" Uint "name length";
    "http2.header.repr" Text "representation";
    "http2.header.unescaped" Text "unescaped";
    "http2.header.value" Text "value";
    "http2.header.value.length" Uint "value length";
    "http2.header_table_size_update" Present "header table size update";
    "http2.header_table_size_update.header_table_size" Uint "header table size";
    "http2.headers" Bytes "header block fragment";
    "http2.headers.accept" Text "accept";
    "http2.headers.accept_charset" Text "accept-charset";
    "http2.headers.accept_encoding" Text "accept-encoding";
    "http2.headers.accept_language" Text "accept-language";
    "http2.headers.accept_ranges" Text "accept-ranges";
    "http2.headers.access_control_allow_origin" Text "access-control-allow-origin";
    "http2.headers.age" Text "age";
    "http2.headers.allow" Text "allow";
    "http2.headers.authority" Text ":authority";
    "http2.headers.authorization" Text "authorization";
    "http2.headers.cache_control" Text "cache-control";
    "http2.headers.content_disposition" Text "content-disposition";
    "http2.headers.content_encoding" Text "content-encoding";
    "http2.headers.content_language" Text "content-language";
    "http2.headers.content_length" Text "content-length";
    "http2.headers.content_location" Text "content-location";
    "http2.headers.content_range" Text "content-range";
    "http2.headers.content_type" Text "content-type";
    "http2.headers.cookie" Text "cookie";
    "http2.headers.date" Text "date";
    "http2.headers.etag" Text "etag";
    "http2.headers.expect" Text "expect";
    "http2.headers.expires" Text "expires";
    "http2.headers.from" Text "from";
    "http2.headers.if_match" Text "if-match";
    "http2.headers.if_modified_since" Text "if-modified-since";
    "http2.headers.if_none_match" Text "if-none-match";
    "http2.headers.if_range" Text "if-range";
    "http2.headers.if_unmodified_since" Text "if-unmodified-since";
    "http2.headers.last_modified" Text "last-modified";
    "http2.headers.link" Text "link";
    "http2.headers.location" Text "location";
    "http2.headers.max_forwards" Text "max-forwards";
    "http2.headers.method" Text ":method";
    "http2.headers.padding" Bytes "padding";
    "http2.headers.path" Text ":path";
    "http2.headers.proxy_authenticate" Text "proxy-authenticate";
    "http2.headers.proxy_authorization" Text "proxy-authorization";
    "http2.headers.range" Text "range";
    "http2.headers.referer" Text "referer";
    "http2.headers.refresh" Text "refresh";
    "http2.headers.retry_after" Text "retry-after";
    "http2.headers.scheme" Text ":scheme";
    "http2.headers.server" Text "server";
    "http2.headers.set_cookie" Text "set-cookie";
    "http2.headers.status" Text ":status";
    "http2.headers.strict_transport_security" Text "strict-transport-security";
    "http2.headers.user_agent" Text "user-agent";
    "http2.headers.vary" Text "vary";
    "http2.headers.via" Text "via";
    "http2.headers.weight" Uint "weight";
    "http2.headers.weight_real" Uint "weight real";
    "http2.headers.www_authenticate" Text "www-authenticate";
    "http2.length" Uint "length";
    "http2.magic" Text "magic";
    "http2.pad_length" Uint "pad length";
    "http2.padding" Hex "pad length";
    "http2.ping" Bytes "ping";
    "http2.pong" Bytes "pong";
    "http2.push_promise.header" Bytes "header block fragment";
    "http2.push_promise.padding" Bytes "padding";
    "http2.push_promise.promised_stream_id" Uint "promised-stream-id";
    "http2.push_promise.r" Hex "reserved";
    "http2.r" Hex "reserved";
    "http2.request.full_uri" Text "full request uri";
    "http2.rst_stream.error" Uint "error";
    "http2.settings" Present "settings";
    "http2.settings.enable_push" Uint "enable push";
    "http2.settings.extended_connect" Uint "extended connect";
    "http2.settings.header_table_size" Uint "header table size";
    "http2.settings.id" Uint "settings identifier";
    "http2.settings.initial_window_size" Uint "initial windows size";
    "http2.settings.max_concurrent_streams" Uint "max concurrent streams";
    "http2.settings.max_frame_size" Uint "max frame size";
    "http2.settings.max_header_list_size" Uint "max header list size";
    "http2.settings.unknown" Uint "unknown settings";
    "http2.stream" Present "stream";
    "http2.stream_dependency" Uint "stream dependency";
    "http2.streamid" Uint "stream identifier";
    "http2.type" Uint "type";
    "http2.unknown" Bytes "unknown";
    "http2.window_update.r" Hex "reserved";
    "http2.window_update.window_size_increment" Uint "window size increment";
    "data.data" Bytes "undecoded payload";
    "data.len" Uint "undecoded payload length";
};

/// Looks a field or protocol name up.
pub fn lookup(name: &str) -> Option<FieldInfo> {
    if let Some(protocol) = Protocol::from_filter_name(name) {
        return Some(FieldInfo {
            name: protocol.filter_name(),
            kind: Kind::Protocol,
            title: protocol.full_name(),
        });
    }
    FIELDS.iter().find(|field| field.name == name).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        for (index, field) in FIELDS.iter().enumerate() {
            assert!(FIELDS[..index].iter().all(|other| other.name != field.name), "{} twice", field.name);
            assert_eq!(lookup(field.name), Some(*field));
        }
        assert_eq!(lookup("tcp").map(|f| f.kind), Some(Kind::Protocol));
        assert_eq!(lookup("tcp.prot"), None);
    }
}
