//! Names from the IANA TLS registries. Work in progress.
