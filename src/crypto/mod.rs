//! Cryptography for reading protected records: the TLS 1.2 PRF, the TLS 1.3 key schedule and
//! record decryption. Work in progress.
