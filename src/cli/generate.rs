//! `rttscope gen`: run the built-in clients and servers on loopback, report what each did,
//! and write their TLS secrets to a key log.

use std::path::Path;

use super::{CliError, GenArgs, Outcome};
use crate::generate::{self, GenError, KeyLog, Place, Report, Variant};

pub fn run(args: &GenArgs) -> Result<Outcome, CliError> {
    let variants = variants(&args.variant)?;
    let keylog = KeyLog::new();
    let mut failures = 0;
    for _ in 0..args.count.max(1) {
        for &variant in &variants {
            let happened = match generate::run_anywhere(variant, &keylog, |_| ()) {
                Ok(ran) => print_result(ran.outcome.as_ref(), ran.place),
                Err(error) => print_result(Err(&error), Place::Host),
            };
            if !happened {
                failures += 1;
            }
        }
    }
    if !keylog.is_empty() {
        write_keylog(&keylog, &args.keylog)?;
        eprintln!("rttscope: TLS secrets written to {} (mode 0600)", args.keylog.display());
    }
    match failures {
        0 => Ok(Outcome::Complete),
        n => Err(CliError::Usage(format!("{n} generator run(s) did not do what they should"))),
    }
}

/// The variants a `VARIANT|all` argument names.
pub(super) fn variants(choice: &str) -> Result<Vec<Variant>, CliError> {
    if choice == "all" {
        return Ok(Variant::ALL.to_vec());
    }
    Variant::from_name(choice).map(|variant| vec![variant]).ok_or_else(|| {
        let names: Vec<_> = Variant::ALL.iter().map(|v| v.name()).collect();
        CliError::Usage(format!("unknown variant {choice:?}; choose one of {}, or all", names.join(", ")))
    })
}

pub(super) fn write_keylog(keylog: &KeyLog, path: &Path) -> Result<(), CliError> {
    keylog
        .write_to(path)
        .map_err(|source| CliError::Usage(format!("cannot write the key log {}: {source}", path.display())))
}

/// Prints one line for a generator run; returns whether it did what it should.
pub(super) fn print_result(outcome: Result<&Report, &GenError>, place: Place) -> bool {
    match outcome {
        Ok(report) => {
            let connections = match report.connections {
                1 => "1 exchange".to_owned(),
                n => format!("{n} exchanges"),
            };
            let place = match place {
                Place::Host => "",
                Place::PrivateNamespace => " (in a private network namespace)",
            };
            match &report.missed {
                None => {
                    let evidence = report.evidence.join("; ");
                    let evidence = if evidence.is_empty() { String::new() } else { format!(": {evidence}") };
                    println!("{:<15} ok      {connections}{place}{evidence}", report.variant.name());
                    true
                }
                Some(reason) => {
                    println!("{:<15} MISSED  {connections}{place}, but {reason}", report.variant.name());
                    false
                }
            }
        }
        Err(error) => {
            println!("{:<15} FAILED  {}: {}", error.variant.name(), error.step, error.detail);
            false
        }
    }
}
