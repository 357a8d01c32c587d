//! Tab-separated field values, exactly as `tshark -T fields -e NAME ...` prints them: one line
//! per frame, one column per `-e`, several occurrences of a field joined with `,`, and an
//! empty column where the field is absent.

use std::fmt::Write as _;
use std::io;

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use super::Render;
use crate::capture::Frame;
use crate::dissect::Packet;
use crate::dissect::field::Field;
use crate::dissect::http1::escape_for_fields;
use crate::registry;

/// The fields renderer.
pub struct Fields {
    names: Vec<String>,
    /// For each requested name, the columns that show it (a name may be asked for twice).
    columns_of: FxHashMap<String, SmallVec<[usize; 1]>>,
    columns: Vec<String>,
    /// How many occurrences each column holds: an empty value is an occurrence too, so a
    /// second one still follows a comma (tshark writes ",done" for an empty then "done").
    occurrences: Vec<usize>,
    /// Columns that name a whole protocol rather than a field.
    protocol_columns: Vec<usize>,
    /// The protocol prefixes of the requested names, so only layers that can show one are
    /// walked.
    prefixes: Vec<String>,
    line: String,
    header: bool,
}

impl Fields {
    /// Checks every name against the registry; returns the unknown ones on failure.
    pub fn new(names: &[String], header: bool) -> Result<Self, Vec<String>> {
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
            prefixes,
            names: names.to_vec(),
            columns_of,
            protocol_columns,
            columns: vec![String::new(); names.len()],
            occurrences: vec![0; names.len()],
            line: String::new(),
            header,
        })
    }
}

impl Render for Fields {
    fn begin(&mut self, out: &mut dyn io::Write) -> io::Result<()> {
        if self.header {
            writeln!(out, "{}", self.names.join("\t"))?;
        }
        Ok(())
    }

    fn packet(&mut self, out: &mut dyn io::Write, frame: &Frame<'_>, packet: &Packet<'_>) -> io::Result<()> {
        for column in &mut self.columns {
            column.clear();
        }
        self.occurrences.fill(0);
        let columns_of = &self.columns_of;
        let columns = &mut self.columns;
        let occurrences = &mut self.occurrences;
        let prefixes = &self.prefixes;
        let wanted = |prefix: &str| prefixes.iter().any(|wanted| wanted == prefix);
        packet.fields_with_prefixes(
            frame,
            &mut |field: Field<'_>| {
                let Some(indices) = columns_of.get(field.name) else { return };
                for &index in indices {
                    let column = &mut columns[index];
                    if occurrences[index] > 0 {
                        column.push(',');
                    }
                    occurrences[index] += 1;
                    let start = column.len();
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
        );
        for &index in &self.protocol_columns {
            if self.columns[index].is_empty() {
                protocol_column(&mut self.columns[index], &self.names[index], packet);
            }
        }
        self.line.clear();
        for (index, column) in self.columns.iter().enumerate() {
            if index > 0 {
                self.line.push('\t');
            }
            self.line.push_str(column);
        }
        self.line.push('\n');
        out.write_all(self.line.as_bytes())
    }
}

/// A protocol named with `-e` shows the protocol's name where the protocol is present.
fn protocol_column(column: &mut String, name: &str, packet: &Packet<'_>) {
    let count = packet.layers.iter().filter(|layer| layer.protocol().filter_name() == name).count();
    for index in 0..count {
        if index > 0 {
            column.push(',');
        }
        column.push_str(name);
    }
}
