//! The `rttscope` binary: parse the arguments, run the library, map the result to an exit code
//! (0 success, `--help` and `--version` included; 1 usage or unreadable input, clap's own
//! usage errors included; 2 a capture cut short).
//!
//! Invariant: a usage error is one line on stderr and exit 1, whoever found it: 2 is kept for
//! "the capture was cut short", which a script must be able to tell from a typo.

use std::process::ExitCode;

use clap::Parser;
use rttscope::cli::{self, Cli, Outcome};

/// Packets are taken apart, tracked and written on three threads, and what one allocates
/// another frees; mimalloc frees across threads without the lock the C library's allocator
/// takes (scripts/bench.sh measured the difference).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

unsafe extern "C" {
    /// mimalloc's `mi_option_set` (the library the `mimalloc` crate links in).
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// Tells mimalloc to commit memory as it is used, to hand freed pages back after 50 ms rather
/// than its default second, and not to use transparent huge pages. With the defaults the UI on
/// the 300 MB bench capture peaked at 450 MB, and 414 MB with the 50 ms (scripts/bench-tui.sh).
/// At once (0 ms) it peaked at 393 MB, but the threads of `dissect` then fought over the
/// purging (134,000 context switches, 1.5 s instead of 0.85). Huge pages: a page handed back
/// is 64 KiB of a 2 MiB one, and the next touch of that range clears all 2 MiB again. Without
/// them the UI indexed the same capture in 5.0–5.8 s rather than 6.6–7.6 s and peaked at
/// 288 MB rather than 326 MB, with `dissect` as fast (side by side, `MIMALLOC_ALLOW_THP`).
/// The kernel's flag is the process's, so it is set too (mimalloc has already reserved its
/// first arena when `main` runs), and children the generators start inherit it.
///
/// The option numbers are `mi_option_arena_eager_commit`, `mi_option_purge_delay` and
/// `mi_option_allow_thp` in mimalloc v3's `mi_option_e` (mimalloc.h), as libmimalloc-sys
/// =0.1.49 builds it; re-check them when that version changes.
fn tune_allocator() {
    const ARENA_EAGER_COMMIT: std::ffi::c_int = 4;
    const PURGE_DELAY: std::ffi::c_int = 15;
    const ALLOW_THP: std::ffi::c_int = 43;
    // SAFETY: setting an option is a plain store into mimalloc's option table, valid at any
    // time; the process has one thread here.
    unsafe {
        mi_option_set(ARENA_EAGER_COMMIT, 0);
        mi_option_set(PURGE_DELAY, 50);
        mi_option_set(ALLOW_THP, 0);
    }
    // SAFETY: prctl(2) with constant arguments; it sets one flag of this process. A kernel
    // without it refuses, and the process keeps huge pages: slower, not wrong.
    unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => match cli::usage_line(&error) {
            // A usage error is one line and exit 1, as tshark's.
            Some(line) => {
                eprintln!("rttscope: {line}");
                return ExitCode::from(1);
            }
            None => {
                let _ = error.print();
                return ExitCode::SUCCESS;
            }
        },
    };
    // While the process has one thread: what the emulated link needs without root.
    let prepared = cli::prepare(&cli);
    match cli::run(cli, &prepared) {
        Ok(Outcome::Complete) => ExitCode::SUCCESS,
        Ok(Outcome::CutShort) => ExitCode::from(2),
        Err(error) => {
            eprintln!("rttscope: {error}");
            ExitCode::from(1)
        }
    }
}
