//! rustls configurations for the generators: ring as the one crypto provider (quinn uses it
//! too, and so does the dissector), the generators' key log, and early data where asked.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::version::{TLS12, TLS13};
use rustls::{ClientConfig, ServerConfig, SupportedProtocolVersion};

use super::KeyLog;
use super::cert::Identity;

/// The TLS version a generator speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Version {
    Tls12,
    Tls13,
}

static ONLY_TLS12: [&SupportedProtocolVersion; 1] = [&TLS12];
static ONLY_TLS13: [&SupportedProtocolVersion; 1] = [&TLS13];

impl Version {
    fn protocol(self) -> &'static [&'static SupportedProtocolVersion] {
        match self {
            Self::Tls12 => &ONLY_TLS12,
            Self::Tls13 => &ONLY_TLS13,
        }
    }
}

/// How a client or server is set up.
#[derive(Clone, Copy, Debug)]
pub(super) struct Setup<'a> {
    pub version: Version,
    pub alpn: &'a [u8],
    /// Offer (client) or accept (server) early data. The server accepts as much as QUIC
    /// requires (`u32::MAX`) when `quic` is set, and 16 KiB over TCP.
    pub early_data: bool,
    pub quic: bool,
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

pub(super) fn server(
    identity: &Identity,
    setup: Setup<'_>,
    keylog: &KeyLog,
) -> Result<ServerConfig, rustls::Error> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(setup.version.protocol())?
        .with_no_client_auth()
        .with_single_cert(vec![identity.cert.clone()], identity.key())?;
    config.alpn_protocols = vec![setup.alpn.to_vec()];
    config.key_log = Arc::new(keylog.clone());
    if setup.early_data {
        config.max_early_data_size = if setup.quic { u32::MAX } else { 16 * 1024 };
        // Answer a request that came as early data right after the server's Finished, as a
        // real 0-RTT server does, rather than waiting for the client's Finished.
        config.send_half_rtt_data = !setup.quic;
    }
    Ok(config)
}

pub(super) fn client(
    identity: &Identity,
    setup: Setup<'_>,
    keylog: &KeyLog,
) -> Result<ClientConfig, rustls::Error> {
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(setup.version.protocol())?
        .with_root_certificates(identity.roots()?)
        .with_no_client_auth();
    config.alpn_protocols = vec![setup.alpn.to_vec()];
    config.key_log = Arc::new(keylog.clone());
    config.enable_early_data = setup.early_data;
    Ok(config)
}
