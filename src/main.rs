//! The `rttscope` binary: parse the arguments, run the library, map the result to an exit code
//! (0 success, 1 usage or unreadable input, 2 a capture cut short).

use std::process::ExitCode;

use clap::Parser;
use rttscope::cli::{self, Cli, Command, Outcome};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A user namespace can only be entered while the process has one thread: here, first.
    if matches!(cli.command, Some(Command::LinkProbe(_)))
        && let Err(error) = rttscope::link::enter_user_namespace()
    {
        eprintln!("rttscope: {error}");
        return ExitCode::from(1);
    }
    match cli::run(cli) {
        Ok(Outcome::Complete) => ExitCode::SUCCESS,
        Ok(Outcome::CutShort) => ExitCode::from(2),
        Err(error) => {
            eprintln!("rttscope: {error}");
            ExitCode::from(1)
        }
    }
}
