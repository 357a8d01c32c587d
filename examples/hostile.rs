//! Writes a hostile capture: `cargo run --release --example hostile -- CLASS MEGABYTES OUT.pcap`.
//! With no arguments, lists the classes; `--names` prints each class's name and the
//! subcommand its benchmark runs, one per line, for scripts.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use rttscope::testing::hostile::{CLASSES, class, write_class};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args == ["--names"] {
        for class in CLASSES {
            println!("{} {}", class.name, class.command.join(" "));
        }
        return ExitCode::SUCCESS;
    }
    let [name, megabytes, out] = args.as_slice() else {
        eprintln!("usage: hostile CLASS MEGABYTES OUT.pcap; the classes:");
        for class in CLASSES {
            eprintln!("  {:<24} {}", class.name, class.about);
        }
        return ExitCode::from(2);
    };
    let Some(class) = class(name) else {
        eprintln!("hostile: no class {name:?}; run with no arguments for the list");
        return ExitCode::from(2);
    };
    let Ok(megabytes) = megabytes.parse::<f64>() else {
        eprintln!("hostile: {megabytes:?} is not a size in megabytes");
        return ExitCode::from(2);
    };
    let written = File::create(out).and_then(|file| {
        let mut out = BufWriter::new(file);
        write_class(class, (megabytes * 1e6) as u64, &mut out)?;
        out.flush()
    });
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hostile: cannot write {out}: {error}");
            ExitCode::FAILURE
        }
    }
}
