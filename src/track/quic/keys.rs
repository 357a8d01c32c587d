//! Where a QUIC connection's keys come from: the Initial keys from the client's first
//! destination connection ID (again after a Retry or a version change), and the Handshake and
//! 1-RTT keys from the key log's secrets once the hellos have named the client random and the
//! cipher suite. The hellos' names (SNI, ALPN) are kept on the way.

use super::{CLIENT, QuicTable, SERVER};
use crate::crypto::quic::Keys;
use crate::crypto::suite;
use crate::dissect::quic::header::{Header, Kind};
use crate::dissect::tls::extension;
use crate::dissect::tls::handshake::{Hello, kind as hs};
use crate::track::keylog::KeyLog;

impl QuicTable {
    /// Sets up the keys a packet needs, when what they come from is known.
    pub(super) fn prepare_keys(&mut self, connection: usize, dir: usize, header: &Header, bytes: &[u8]) {
        let state = &mut self.connections[connection];
        if header.kind == Kind::Initial {
            let dcid = &bytes[header.dcid.clone()];
            // The client's Initial after a Retry (or a new client Initial of a version the
            // server switched to) starts the Initial keys again.
            let restart = dir == CLIENT && state.retried && dcid != state.initial_dcid.as_slice();
            if restart || state.version != header.version {
                if restart {
                    state.initial_dcid = dcid.to_vec();
                    state.retried = false;
                }
                state.version = header.version;
                state.initial = [None, None];
            }
            if state.initial[dir].is_none() {
                state.initial[dir] = Keys::initial(header.version, &state.initial_dcid, dir == SERVER);
            }
        }
    }

    /// Follows the TLS handshake: the hellos give the random, the suite, the names; with them
    /// the key log's secrets give the keys.
    pub(super) fn handshake_message(
        &mut self,
        connection: usize,
        dir: usize,
        message: &[u8],
        keylog: &KeyLog,
    ) {
        let Some(&kind) = message.first() else { return };
        if kind == hs::ENCRYPTED_EXTENSIONS && dir == SERVER {
            let extensions = message.get(6..).unwrap_or(&[]);
            self.connections[connection].alpn = extension::walk(extensions)
                .find(|extension| extension.kind == extension::kind::ALPN)
                .and_then(|extension| extension.alpn().next().map(<[u8]>::to_vec));
            return;
        }
        if kind != hs::CLIENT_HELLO && kind != hs::SERVER_HELLO {
            return;
        }
        let Ok(hello) = Hello::parse(kind, &message[4..]) else { return };
        let state = &mut self.connections[connection];
        if kind == hs::CLIENT_HELLO && dir == CLIENT {
            state.client_random = hello.client_random();
            state.server_name = hello.server_name().map(str::to_owned);
        } else if kind == hs::SERVER_HELLO && dir == SERVER {
            state.suite = hello.cipher_suite().and_then(suite);
            state.handshake = [None, None];
            state.one_rtt = [None, None];
            state.late_keys(keylog);
        }
    }
}
