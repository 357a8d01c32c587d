//! TLS: the record layer and handshake messages. Work in progress.

pub mod cert;
pub mod names;
