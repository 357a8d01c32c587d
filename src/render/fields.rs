//! Tab-separated field values, exactly as `tshark -T fields -e NAME ...` prints them: one line
//! per frame, one column per `-e`, several occurrences of a field joined with `,`, and an
//! empty column where the field is absent; tshark's `-E` options change the separator, the
//! aggregator, the quotes and which occurrences are kept.

use std::fmt::Write as _;
use std::io;

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use super::{Render, detail};
use crate::capture::Frame;
use crate::dissect::Packet;
use crate::dissect::field::{Field, NameFilter};
use crate::dissect::http1::escape_for_fields;
use crate::registry;

/// Which occurrences of a field a column keeps (`-E occurrence=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Occurrence {
    #[default]
    All,
    First,
    Last,
}

/// How the columns are written: tshark's `-E` options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldsOptions {
    pub header: bool,
    pub separator: char,
    pub aggregator: char,
    pub occurrence: Occurrence,
    /// The quote put around every value that is not empty.
    pub quote: Option<char>,
    /// A UTF-8 byte order mark before the output.
    pub bom: bool,
}

impl Default for FieldsOptions {
    fn default() -> Self {
        Self {
            header: false,
            separator: '\t',
            aggregator: ',',
            occurrence: Occurrence::All,
            quote: None,
            bom: false,
        }
    }
}

impl FieldsOptions {
    /// Reads `-E` options (`header=y`, `separator=,`, ...) over the defaults.
    pub fn parse(options: &[String]) -> Result<Self, String> {
        let mut parsed = Self::default();
        for option in options {
            let invalid = || {
                format!(
                    "-E {option}: not a field output option; give header=y|n, separator=/t|/s|C, \
                     occurrence=f|l|a, aggregator=,|/s|C, quote=d|s|n or bom=y|n"
                )
            };
            let (name, value) = option.split_once('=').ok_or_else(invalid)?;
            let character = || match value {
                "/t" => Some('\t'),
                "/s" => Some(' '),
                // tshark takes the first character of a longer value.
                _ => value.chars().next(),
            };
            let yes_no = || match value.chars().next() {
                Some('y' | 'Y') => Some(true),
                Some('n' | 'N') => Some(false),
                _ => None,
            };
            match name {
                "header" => parsed.header = yes_no().ok_or_else(invalid)?,
                "bom" => parsed.bom = yes_no().ok_or_else(invalid)?,
                "separator" => parsed.separator = character().ok_or_else(invalid)?,
                "aggregator" => parsed.aggregator = character().ok_or_else(invalid)?,
                "occurrence" => {
                    parsed.occurrence = match value {
                        "f" => Occurrence::First,
                        "l" => Occurrence::Last,
                        "a" => Occurrence::All,
                        _ => return Err(invalid()),
                    }
                }
                "quote" => {
                    parsed.quote = match value {
                        "d" => Some('"'),
                        "s" => Some('\''),
                        "n" => None,
                        _ => return Err(invalid()),
                    }
                }
                _ => return Err(invalid()),
            }
        }
        Ok(parsed)
    }
}

/// The fields renderer.
pub struct Fields {
    names: Vec<String>,
    /// For each requested name, the columns that show it (a name may be asked for twice).
    columns_of: FxHashMap<String, SmallVec<[usize; 1]>>,
    /// Turns away most other fields before `columns_of` is asked.
    filter: NameFilter,
    columns: Vec<String>,
    /// Where each occurrence a column holds starts in it: an empty value is an occurrence
    /// too, so a second one still follows a comma (tshark writes ",done" for an empty then
    /// "done"), and `-T json -e` writes each apart.
    starts: Vec<SmallVec<[usize; 2]>>,
    /// Columns that name a whole protocol rather than a field.
    protocol_columns: Vec<usize>,
    /// The protocol prefixes of the requested names, so only layers that can show one are
    /// walked.
    prefixes: Vec<String>,
    line: String,
    options: FieldsOptions,
    /// pcapng interface names by id, for the frame's line.
    interfaces: Vec<Option<String>>,
}

impl Fields {
    /// Checks every name against the registry; returns the unknown ones on failure.
    pub fn new(names: &[String], header: bool) -> Result<Self, Vec<String>> {
        Self::with_options(names, FieldsOptions { header, ..FieldsOptions::default() })
    }

    /// A renderer writing columns as `options` say; returns the unknown names on failure.
    pub fn with_options(names: &[String], options: FieldsOptions) -> Result<Self, Vec<String>> {
        let unknown: Vec<String> =
            names.iter().filter(|name| registry::lookup(name).is_none()).cloned().collect();
        if !unknown.is_empty() {
            return Err(unknown);
        }
        let mut columns_of: FxHashMap<String, SmallVec<[usize; 1]>> = FxHashMap::default();
        for (index, name) in names.iter().enumerate() {
            columns_of.entry(name.clone()).or_default().push(index);
        }
        let protocol_columns = (0..names.len())
            .filter(|&index| {
                registry::lookup(&names[index]).is_some_and(|f| f.kind == registry::Kind::Protocol)
            })
            .collect();
        let mut prefixes: Vec<String> =
            names.iter().map(|name| name.split('.').next().unwrap_or(name).to_owned()).collect();
        prefixes.sort();
        prefixes.dedup();
        Ok(Self {
            filter: NameFilter::new(names.iter().map(String::as_str)),
            prefixes,
            names: names.to_vec(),
            columns_of,
            protocol_columns,
            columns: vec![String::new(); names.len()],
            starts: vec![SmallVec::new(); names.len()],
            line: String::new(),
            options,
            interfaces: Vec::new(),
        })
    }

    /// Names the capture's interfaces, by id, for `-e frame`'s line.
    #[must_use]
    pub fn with_interfaces(self, interfaces: Vec<Option<String>>) -> Self {
        Self { interfaces, ..self }
    }
}

impl Fields {
    /// The names asked for, in their order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Each occurrence [`Fields::gather`] found of the `index`th name, as `-T fields` writes
    /// it, in the packet's order (as `-E occurrence=` keeps them).
    pub fn values(&self, index: usize) -> impl Iterator<Item = &str> {
        let (column, starts) = (&self.columns[index], &self.starts[index]);
        let gap = self.options.aggregator.len_utf8();
        starts.iter().enumerate().map(move |(at, &start)| {
            let end = starts.get(at + 1).map_or(column.len(), |next| next - gap);
            &column[start..end]
        })
    }

    /// Gathers the packet's occurrences of every name asked for.
    pub fn gather(&mut self, frame: &Frame<'_>, packet: &Packet<'_>) {
        for column in &mut self.columns {
            column.clear();
        }
        self.starts.iter_mut().for_each(SmallVec::clear);
        let columns_of = &self.columns_of;
        let filter = &self.filter;
        let columns = &mut self.columns;
        let starts = &mut self.starts;
        let prefixes = &self.prefixes;
        let FieldsOptions { occurrence, aggregator, .. } = self.options;
        let wanted = |prefix: &str| prefixes.iter().any(|wanted| wanted == prefix);
        packet.fields_filtered(
            frame,
            &mut |field: Field<'_>| {
                if !filter.may_want(field.name) {
                    return;
                }
                let Some(indices) = columns_of.get(field.name) else { return };
                for &index in indices {
                    let (column, starts) = (&mut columns[index], &mut starts[index]);
                    let Some(start) = begin_occurrence(column, starts, occurrence, aggregator) else {
                        continue;
                    };
                    // Writing into a String cannot fail.
                    let _ = write!(column, "{}", field.value);
                    // Like tshark, keep each row on one line: line ends and tabs become escapes.
                    if column[start..].contains(['\r', '\n', '\t']) {
                        let escaped = escape_for_fields(&column[start..]);
                        column.truncate(start);
                        column.push_str(&escaped);
                    }
                }
            },
            &wanted,
            filter,
        );
        for at in 0..self.protocol_columns.len() {
            let index = self.protocol_columns[at];
            if self.starts[index].is_empty() {
                protocol_column(self, index, frame, packet);
            }
        }
    }
}

impl Render for Fields {
    fn begin(&mut self, out: &mut dyn io::Write) -> io::Result<()> {
        if self.options.bom {
            out.write_all("\u{feff}".as_bytes())?;
        }
        if self.options.header {
            let separator = self.options.separator.to_string();
            writeln!(out, "{}", self.names.join(&separator))?;
        }
        Ok(())
    }

    fn packet(&mut self, out: &mut dyn io::Write, frame: &Frame<'_>, packet: &Packet<'_>) -> io::Result<()> {
        self.gather(frame, packet);
        self.line.clear();
        for (index, column) in self.columns.iter().enumerate() {
            if index > 0 {
                self.line.push(self.options.separator);
            }
            match self.options.quote {
                Some(quote) if !column.is_empty() => {
                    self.line.push(quote);
                    self.line.push_str(column);
                    self.line.push(quote);
                }
                _ => self.line.push_str(column),
            }
        }
        self.line.push('\n');
        out.write_all(self.line.as_bytes())
    }
}

/// Starts the column's next occurrence as `-E occurrence=` says, returning where it starts, or
/// `None` where the column keeps only the first and has it.
fn begin_occurrence(
    column: &mut String,
    starts: &mut SmallVec<[usize; 2]>,
    occurrence: Occurrence,
    aggregator: char,
) -> Option<usize> {
    match occurrence {
        Occurrence::First if !starts.is_empty() => return None,
        Occurrence::Last => {
            column.clear();
            starts.clear();
        }
        Occurrence::All if !starts.is_empty() => column.push(aggregator),
        _ => {}
    }
    starts.push(column.len());
    Some(column.len())
}

/// A protocol named with `-e` shows what tshark prints for its tree item (see
/// [`detail::write_protocol_value`]) where the protocol is present.
fn protocol_column(fields: &mut Fields, index: usize, frame: &Frame<'_>, packet: &Packet<'_>) {
    let FieldsOptions { occurrence, aggregator, .. } = fields.options;
    let (column, starts) = (&mut fields.columns[index], &mut fields.starts[index]);
    let name = fields.names[index].as_str();
    if name == "frame" {
        if begin_occurrence(column, starts, occurrence, aggregator).is_some() {
            detail::write_frame_title(column, frame, &fields.interfaces);
        }
        return;
    }
    for (at, layer) in packet.layers.iter().enumerate() {
        if layer.protocol().filter_name() != name {
            continue;
        }
        for _ in 0..detail::protocol_items(layer) {
            if begin_occurrence(column, starts, occurrence, aggregator).is_some() {
                detail::write_protocol_value(column, packet, at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(list: &[&str]) -> Result<FieldsOptions, String> {
        FieldsOptions::parse(&list.iter().map(|option| (*option).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn e_options_read_as_tshark_reads_them() {
        let parsed = options(&["header=y", "separator=,", "quote=d", "occurrence=f", "aggregator=/s"]);
        assert_eq!(
            parsed,
            Ok(FieldsOptions {
                header: true,
                separator: ',',
                aggregator: ' ',
                occurrence: Occurrence::First,
                quote: Some('"'),
                bom: false
            })
        );
        let parsed = options(&["separator=/t", "quote=s", "occurrence=l", "header=n", "bom=y"]);
        assert_eq!(
            parsed,
            Ok(FieldsOptions {
                separator: '\t',
                quote: Some('\''),
                occurrence: Occurrence::Last,
                bom: true,
                ..FieldsOptions::default()
            })
        );
        assert_eq!(options(&["separator=/s"]).map(|parsed| parsed.separator), Ok(' '));
        assert_eq!(options(&["separator=ab"]).map(|parsed| parsed.separator), Ok('a'));
    }

    #[test]
    fn a_bad_e_option_names_itself_and_the_choices() {
        for bad in ["foo=1", "header", "quote=x", "occurrence=2", "separator=", "header=maybe"] {
            let error = options(&[bad]).expect_err(bad);
            assert!(error.starts_with(&format!("-E {bad}: not a field output option")), "{error}");
            assert!(error.contains("occurrence=f|l|a"), "{error}");
        }
    }
}
