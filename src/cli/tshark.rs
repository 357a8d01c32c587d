//! What makes `rttscope` take a tshark command line beyond `dissect`'s own flags: a refused
//! command line said in one line as tshark says it (exit 1, never clap's exit 2), and `-i`
//! without a subcommand routed to live capture.

use std::path::PathBuf;

use super::{CliError, DissectArgs, LiveArgs, Outcome, tui};

/// A command line clap refused, as one line in tshark's manner (`unrecognized option: -J`),
/// without the leading `error: `; `None` when clap was asked for help or the version, which
/// are printed as they are.
pub fn usage_line(error: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let context = |kind| match error.get(kind) {
        Some(ContextValue::String(text)) => text.clone(),
        Some(ContextValue::Strings(texts)) => texts.join(", "),
        _ => String::new(),
    };
    let help = "see `rttscope --help`";
    Some(match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            return None;
        }
        ErrorKind::UnknownArgument => {
            format!("unrecognized option: {}; {help}", context(ContextKind::InvalidArg))
        }
        ErrorKind::MissingRequiredArgument => {
            format!("{} must be given too; {help}", context(ContextKind::InvalidArg))
        }
        ErrorKind::InvalidSubcommand => {
            format!("unrecognized command: {}; {help}", context(ContextKind::InvalidSubcommand))
        }
        ErrorKind::InvalidValue
            if error.get(ContextKind::InvalidValue).is_some_and(|value| value.to_string().is_empty()) =>
        {
            format!("option requires an argument: {}", context(ContextKind::InvalidArg))
        }
        ErrorKind::InvalidValue => format!(
            "{}: {:?} is not one of {}",
            context(ContextKind::InvalidArg),
            context(ContextKind::InvalidValue),
            context(ContextKind::ValidValue)
        ),
        _ => {
            // clap's own message, first line only, without its "error: " prefix.
            let rendered = error.render().to_string();
            let line = rendered.lines().next().unwrap_or_default();
            format!("{}; {help}", line.strip_prefix("error: ").unwrap_or(line))
        }
    })
}

/// `rttscope -i IFACE`: live capture into the terminal UI, as `rttscope live -i IFACE`.
pub(super) fn live_from_top_level(
    interface: String,
    capture_filter: Option<String>,
    output: Option<PathBuf>,
    dissect: DissectArgs,
) -> Result<Outcome, CliError> {
    if dissect.input().is_some() {
        return Err(CliError::Usage(
            "-i and -r (or FILE): give one, a live interface or a capture file".into(),
        ));
    }
    // Live text output takes what dissect's line and field output take.
    let unsupported = !dissect.field_options.is_empty()
        || dissect.header
        || !dissect.preferences.is_empty()
        || dissect.quiet
        || dissect.time_format.is_some()
        || dissect.tree
        || dissect.hex
        || !dissect.statistics.is_empty();
    if unsupported {
        return Err(CliError::Usage(
            "-i prints dissect's lines with -Y, -T, -e and -c; for -V, -x, -z, -t, -E, -o or -q, \
             capture with `rttscope capture -w FILE` and dissect the file"
                .into(),
        ));
    }
    tui::live(&LiveArgs {
        interface,
        output,
        keylog: dissect.keylog,
        capture_filter,
        count: dissect.count,
        filter: dissect.filter,
        format: dissect.format,
        fields: dissect.fields,
        privilege: super::NoDropArgs::default(),
        decode_as: dissect.decode_as,
        memory: dissect.memory,
    })
}
