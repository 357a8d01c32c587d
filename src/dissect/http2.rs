//! HTTP/2 frames and HPACK header blocks. Work in progress.
