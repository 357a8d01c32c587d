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

fn main() -> ExitCode {
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
