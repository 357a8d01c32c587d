//! Most of the integration tests, as one test program: each file here was a program of its own,
//! linked with the library and every dependency (about 340 MB each with debug info), which made
//! most of `cargo test`'s build. Here they share one process and run on parallel threads: what
//! a test makes for itself (a namespace, a tmux server, a socket) is named after the process and
//! something unique to the test, or comes from the kernel (port 0, unshare(2)).
//!
//! The tests that need a process of their own stay programs of their own beside this directory:
//! `tests/hostile_*.rs` read a child's peak memory from wait4(2), which counts the peak of the
//! process that spawned it (this one would make it that of every test running at the time);
//! `tests/link.rs` and `tests/privilege.rs` look at every thread and every child of the test
//! process, which must be theirs alone; `tests/link_timeline.rs` asserts round trips of 40 ms
//! within 4 ms, which the other tests' threads in its process pushed past once in three runs.

#[path = "../common/mod.rs"]
mod common;
mod tshark_line;

mod browser_tls_quic;
mod capture_live;
mod cli;
mod dns_lookup;
mod dns_tcp;
mod dtls;
mod etherparse_differential;
#[cfg(feature = "parquet")]
mod export;
mod export_objects;
mod formats;
mod gen_dtls;
mod generate;
mod grpc;
mod interop_record;
mod keylog_follow;
mod malformed;
mod proxy;
mod qlog;
mod qpack_pylsqpack;
mod quic;
mod registry;
mod robustness;
mod ssh;
mod stun;
mod threads;
mod timeline;
mod tls;
mod tshark_cli;
mod tshark_differential;
mod tshark_tree;
mod tshark_tree_ja3;
mod tshark_tree_lan;
mod tshark_tree_layers;
mod tshark_tree_tls;
mod tshark_tree_x509;
mod tui_follow_tmux;
mod tui_tmux;
mod tui_workbench_tmux;
mod usage_errors;
mod websocket;
