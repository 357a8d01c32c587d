//! HTTP/1.1 request and status lines and headers. Work in progress.
