//! The `rttscope` binary: parse the arguments, run the library, map the result to an exit code
//! (0 success, `--help` and `--version` included; 1 usage or unreadable input, clap's own
//! usage errors included; 2 a capture cut short).
//!
//! Invariant: a usage error is one line on stderr and exit 1, whoever found it: 2 is kept for
//! "the capture was cut short", which a script must be able to tell from a typo.

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;
use rttscope::cli::{self, Cli, Outcome};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if matches!(error.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            // Help and version go to stdout, exit 0; a closed stdout is not worth a message.
            let _ = error.print();
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("rttscope: {}", usage_line(&error.render().to_string()));
            return ExitCode::from(1);
        }
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

/// clap's usage error as one line: what was wrong, then the command's usage.
///
/// clap renders `error: WHAT` (with continuation lines indented), a blank line, an optional
/// tip, `Usage: ...` and a pointer to `--help`; the tip and the pointer are left out.
fn usage_line(rendered: &str) -> String {
    let mut lines = rendered.lines();
    let what: Vec<&str> = lines.by_ref().take_while(|line| !line.trim().is_empty()).map(str::trim).collect();
    let what = what.join(" ");
    let what = what.strip_prefix("error: ").unwrap_or(&what);
    let usage = lines.find_map(|line| line.strip_prefix("Usage: "));
    match usage {
        Some(usage) => format!("{what} (usage: {}; see --help)", usage.trim()),
        None => format!("{what} (see --help)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clap_error_becomes_one_line_with_its_usage() {
        let unexpected = "error: unexpected argument '--foo' found\n\n  tip: to pass '--foo' as a value, \
                          use '-- --foo'\n\nUsage: rttscope dissect [OPTIONS] <FILE>\n\nFor more \
                          information, try '--help'.\n";
        assert_eq!(
            usage_line(unexpected),
            "unexpected argument '--foo' found (usage: rttscope dissect [OPTIONS] <FILE>; see --help)"
        );
        let missing = "error: the following required arguments were not provided:\n  <FILE>\n\nUsage: \
                       rttscope dissect <FILE>\n\nFor more information, try '--help'.\n";
        assert_eq!(
            usage_line(missing),
            "the following required arguments were not provided: <FILE> (usage: rttscope dissect \
             <FILE>; see --help)"
        );
        let invalid = "error: invalid value 'x' for '--count <N>': invalid digit found in string\n\nFor \
                       more information, try '--help'.\n";
        assert_eq!(
            usage_line(invalid),
            "invalid value 'x' for '--count <N>': invalid digit found in string (see --help)"
        );
    }

    #[test]
    fn every_clap_error_renders_on_one_line() {
        for args in [
            &["rttscope", "--bogus"][..],
            &["rttscope", "dissect"],
            &["rttscope", "capture", "-c", "x", "-w", "out"],
            &["rttscope", "nosuchcommand", "x"],
        ] {
            let error = Cli::try_parse_from(args).expect_err("a usage error");
            let line = usage_line(&error.render().to_string());
            assert_eq!(line.lines().count(), 1, "{args:?}: {line}");
            assert!(!line.starts_with("error:"), "{line}");
        }
    }
}
