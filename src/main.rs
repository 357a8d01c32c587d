//! The `rttscope` binary: parse the arguments, run the library, map the result to an exit code
//! (0 success, 1 usage or unreadable input, 2 a capture cut short).

use std::process::ExitCode;

use clap::Parser;
use rttscope::cli::{self, Cli, Outcome};

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
