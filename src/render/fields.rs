//! Tab-separated field values, exactly as `tshark -T fields -e NAME ...` prints them: one line
//! per frame, one column per `-e`, several occurrences of a field joined with `,`, and an
//! empty column where the field is absent.

use std::fmt::Write as _;
use std::io;

use super::Render;
use crate::capture::Frame;
use crate::dissect::Packet;
use crate::dissect::field::Field;
use crate::registry;

/// The fields renderer.
pub struct Fields {
    names: Vec<String>,
    columns: Vec<String>,
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
        Ok(Self {
            names: names.to_vec(),
            columns: vec![String::new(); names.len()],
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
        let names = &self.names;
        let columns = &mut self.columns;
        packet.fields(frame, &mut |field: Field<'_>| {
            for (name, column) in names.iter().zip(columns.iter_mut()) {
                if name == field.name {
                    if !column.is_empty() {
                        column.push(',');
                    }
                    // Writing into a String cannot fail.
                    let _ = write!(column, "{}", field.value);
                }
            }
        });
        for (name, column) in names.iter().zip(columns.iter_mut()) {
            if column.is_empty() && registry::lookup(name).is_some_and(|f| f.kind == registry::Kind::Protocol)
            {
                protocol_column(column, name, packet);
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
