//! The generators' server identity: a self-signed certificate for `localhost`, made at start.

use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate and its key, and a root store in which the clients trust it.
pub(super) struct Identity {
    pub cert: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

/// The name the certificate is for, and the SNI the clients send.
pub(super) const SERVER_NAME: &str = "localhost";

impl Identity {
    /// Makes a fresh ECDSA P-256 key and a certificate for [`SERVER_NAME`] signed with it.
    pub fn generate() -> Result<Self, rcgen::Error> {
        let rcgen::CertifiedKey { cert, signing_key } =
            rcgen::generate_simple_self_signed(vec![SERVER_NAME.to_owned()])?;
        Ok(Self { cert: cert.der().clone(), key: PrivatePkcs8KeyDer::from(signing_key.serialize_der()) })
    }

    pub fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(self.key.clone_key())
    }

    /// A root store holding only this certificate: the clients verify the server for real.
    pub fn roots(&self) -> Result<RootCertStore, rustls::Error> {
        let mut roots = RootCertStore::empty();
        roots.add(self.cert.clone())?;
        Ok(roots)
    }
}
