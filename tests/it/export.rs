//! `rttscope export`: the Parquet tables hold, column for column, what `rttscope dissect -T
//! fields` prints (itself compared with tshark by the differential) and what `rttscope
//! timeline -T json` says of each connection; each packet points at its connection and each
//! connection lists its packets. With DuckDB and the reference Community ID implementation
//! installed (CI installs both), a fleet of captures is read back with one glob and every
//! row's Community ID is checked against the reference.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type, UInt32Type, UInt64Type};
use arrow_array::{Array, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rttscope::export::{FIELDS, Kind, column_name, partition_name};

use common::{rttscope, stderr, stdout};

fn read_table(path: &Path) -> Vec<RecordBatch> {
    let file = File::open(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(file).expect("a Parquet file").build().expect("a reader");
    reader.map(|batch| batch.expect("a batch")).collect()
}

/// One column of a table as text per row: what `-T fields` would print for it.
fn text_column(batches: &[RecordBatch], name: &str) -> Vec<Option<String>> {
    let mut values = Vec::new();
    for batch in batches {
        let column = batch.column_by_name(name).unwrap_or_else(|| panic!("no column {name}"));
        for row in 0..column.len() {
            if column.is_null(row) {
                values.push(None);
                continue;
            }
            let value = match column.data_type() {
                arrow_schema::DataType::Utf8 => column.as_string::<i32>().value(row).to_owned(),
                arrow_schema::DataType::UInt64 => column.as_primitive::<UInt64Type>().value(row).to_string(),
                arrow_schema::DataType::UInt32 => column.as_primitive::<UInt32Type>().value(row).to_string(),
                arrow_schema::DataType::Int64 => column.as_primitive::<Int64Type>().value(row).to_string(),
                arrow_schema::DataType::Float64 => {
                    column.as_primitive::<Float64Type>().value(row).to_string()
                }
                arrow_schema::DataType::Boolean => column.as_boolean().value(row).to_string(),
                arrow_schema::DataType::List(_) => {
                    let list = column.as_list::<i32>().value(row);
                    let items = list.as_primitive::<UInt64Type>();
                    items.values().iter().map(u64::to_string).collect::<Vec<_>>().join(",")
                }
                other => panic!("{name}: unexpected type {other}"),
            };
            values.push(Some(value));
        }
    }
    values
}

fn number(text: &str) -> u64 {
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).expect("hex"),
        None => text.parse().unwrap_or_else(|_| panic!("{text} is a number")),
    }
}

/// What a column should hold, given what `-T fields` printed for its field.
fn expected(kind: Kind, printed: &str) -> Option<String> {
    match kind {
        Kind::Text => (!printed.is_empty()).then(|| printed.to_owned()),
        Kind::Number => printed.split(',').find(|item| !item.is_empty()).map(|item| number(item).to_string()),
        Kind::Numbers => (!printed.is_empty())
            .then(|| printed.split(',').map(|item| number(item).to_string()).collect::<Vec<_>>().join(",")),
        Kind::Flag => Some((!printed.is_empty()).to_string()),
    }
}

/// Every key log beside the captures, in one file: a key log's lines are found by client
/// random, so one file serves every capture.
fn combined_key_log(captures: &[PathBuf], dir: &Path) -> PathBuf {
    let mut text = Vec::new();
    for capture in captures {
        if let Ok(keys) = std::fs::read(capture.with_extension("keys")) {
            text.extend_from_slice(&keys);
            text.push(b'\n');
        }
    }
    let path = dir.join("all.keys");
    std::fs::write(&path, text).expect("the key log is written");
    path
}

fn captures_to_export() -> Vec<PathBuf> {
    let mut captures = common::interop_captures();
    captures.extend(common::course_captures());
    captures.extend(common::public_captures());
    // Two captures of one name would share a partition: keep the first.
    let mut names = BTreeSet::new();
    captures.retain(|capture| names.insert(partition_name(capture)));
    captures
}

#[test]
fn export_holds_what_dissect_and_timeline_say_on_every_capture() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let captures = captures_to_export();
    assert!(captures.len() > 50, "the interop and course captures are there");
    let keys = combined_key_log(&captures, dir.path());
    let out = dir.path().join("tables");
    let (out_text, keys_text) = (out.to_string_lossy().into_owned(), keys.to_string_lossy().into_owned());
    let mut args = vec!["export", "-o", out_text.as_str(), "--keylog", keys_text.as_str()];
    let names: Vec<String> = captures.iter().map(|capture| capture.to_string_lossy().into_owned()).collect();
    args.extend(names.iter().map(String::as_str));
    let output = rttscope(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), captures.len(), "a line per capture:\n{}", stdout(&output));

    let mut fields = vec!["frame.number", "frame.len", "frame.protocols", "_ws.col.Protocol", "_ws.col.Info"];
    fields.extend(FIELDS.iter().map(|(field, _)| *field));
    let mut compared = 0usize;
    for capture in &captures {
        let name = partition_name(capture);
        let packets = read_table(&out.join(format!("packets/capture={name}/part-0.parquet")));
        let connections = read_table(&out.join(format!("connections/capture={name}/part-0.parquet")));
        let capture_text = capture.to_string_lossy();
        let mut dissect =
            vec!["dissect", capture_text.as_ref(), "--keylog", keys_text.as_str(), "-T", "fields"];
        for field in &fields {
            dissect.extend(["-e", field]);
        }
        let printed = rttscope(&dissect);
        assert!(printed.status.success(), "{}", stderr(&printed));
        let rows: Vec<Vec<String>> =
            stdout(&printed).lines().map(|line| line.split('\t').map(str::to_owned).collect()).collect();
        let columns = ["frame_number", "frame_len", "frame_protocols", "protocol", "info"]
            .into_iter()
            .map(|column| (column.to_owned(), Kind::Text))
            .chain(FIELDS.iter().map(|&(field, kind)| (column_name(field), kind)));
        for (index, (column, kind)) in columns.enumerate() {
            let values = text_column(&packets, &column);
            assert_eq!(values.len(), rows.len(), "{name}: a row per frame");
            for (row, value) in rows.iter().zip(&values) {
                let printed = &row[index];
                // -T fields keeps each row on one line; the table keeps the text as it is.
                let value = value
                    .as_ref()
                    .map(|value| value.replace('\r', "\\r").replace('\n', "\\n").replace('\t', "\\t"));
                assert_eq!(value, expected(kind, printed), "{name} frame {}: {column}", row[0]);
                compared += 1;
            }
        }
        check_connections(capture, &name, &keys_text, &packets, &connections);
    }
    eprintln!("{compared} values compared on {} captures", captures.len());
}

/// The connections table against `timeline -T json`, and the packets' conn_id against each
/// connection's frames.
fn check_connections(
    capture: &Path,
    name: &str,
    keys: &str,
    packets: &[RecordBatch],
    connections: &[RecordBatch],
) {
    let capture_text = capture.to_string_lossy();
    let output = rttscope(&["timeline", capture_text.as_ref(), "--keylog", keys, "-T", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let document: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let timeline = document["connections"].as_array().expect("connections");
    let timeline_ids = text_column(connections, "timeline_id");
    assert_eq!(timeline_ids.len(), timeline.len(), "{name}: a row per connection");
    let by_timeline_id: BTreeMap<String, usize> =
        timeline_ids.iter().enumerate().map(|(row, id)| (id.clone().expect("an id"), row)).collect();
    let variants = text_column(connections, "variant");
    let request_rtts = text_column(connections, "request_rtts");
    let packet_counts = text_column(connections, "packets");
    for connection in timeline {
        let row = by_timeline_id[&connection["id"].to_string()];
        assert_eq!(variants[row].as_deref(), connection["variant"].as_str(), "{name}");
        assert_eq!(request_rtts[row], connection["request_rtts"].as_u64().map(|n| n.to_string()), "{name}");
        assert_eq!(packet_counts[row], connection["packets"].as_u64().map(|n| n.to_string()), "{name}");
    }
    // Each connection's frames are the packets that point at it, and hold its events.
    let frame_numbers = text_column(packets, "frame_number");
    let conn_ids = text_column(packets, "conn_id");
    let communities = text_column(packets, "community_id");
    let mut frames_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (frame, id) in frame_numbers.iter().zip(&conn_ids) {
        if let Some(id) = id {
            frames_of.entry(id.clone()).or_default().push(frame.clone().expect("a frame number"));
        }
    }
    let by_id: BTreeMap<String, usize> = text_column(connections, "conn_id")
        .iter()
        .enumerate()
        .map(|(row, id)| (id.clone().expect("an id"), row))
        .collect();
    let frames = text_column(connections, "frames");
    let connection_communities = text_column(connections, "community_id");
    let transports = text_column(connections, "transport");
    for (id, row) in &by_id {
        let listed: Vec<String> = frames[*row]
            .clone()
            .unwrap_or_default()
            .split(',')
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect();
        assert_eq!(
            listed,
            frames_of.get(id).cloned().unwrap_or_default(),
            "{name}: connection {id}'s frames"
        );
        // Every packet of a TCP connection is of one flow.
        if transports[*row].as_deref() == Some("tcp") {
            for (index, packet_id) in conn_ids.iter().enumerate() {
                if packet_id.as_ref() == Some(id) {
                    assert_eq!(communities[index], connection_communities[*row], "{name}: connection {id}");
                }
            }
        }
    }
}

#[test]
fn bad_input_gets_one_line_and_the_other_captures_are_still_written() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let broken = dir.path().join("broken.pcap");
    std::fs::write(&broken, b"not a capture at all").expect("written");
    let good = common::root().join("captures/tls13.pcapng");
    let out = dir.path().join("out");
    let (out_text, good_text, broken_text) = (
        out.to_string_lossy().into_owned(),
        good.to_string_lossy().into_owned(),
        broken.to_string_lossy().into_owned(),
    );
    let output = rttscope(&["export", "-o", &out_text, &broken_text, &good_text]);
    assert_eq!(output.status.code(), Some(1));
    let errors = stderr(&output);
    assert!(
        errors.lines().any(|line| line.starts_with("rttscope: ") && line.contains("broken.pcap")),
        "{errors}"
    );
    assert!(out.join("packets/capture=tls13/part-0.parquet").exists());
    assert!(
        !out.join("packets/capture=broken/part-0.parquet").exists(),
        "no table for a capture that was not read"
    );

    let twice = rttscope(&["export", "-o", &out_text, &good_text, &good_text]);
    assert_eq!(twice.status.code(), Some(1));
    assert!(stderr(&twice).contains("would both be capture=tls13"), "{}", stderr(&twice));
    let none = rttscope(&["export", "-o", &out_text, "--threads", "0", &good_text]);
    assert_eq!(none.status.code(), Some(1));
}

/// The Python used for DuckDB and the reference Community ID code (`.ci/run` makes it).
fn analysis_python() -> PathBuf {
    std::env::var_os("RTTSCOPE_ANALYSIS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::root().join("target/analysis-venv/bin/python"))
}

#[test]
#[ignore = "needs DuckDB and the communityid package (RTTSCOPE_ANALYSIS_PYTHON; .ci/run installs them)"]
fn duckdb_reads_the_fleet_and_every_community_id_is_the_references() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let captures = captures_to_export();
    let keys = combined_key_log(&captures, dir.path());
    let out = dir.path().join("fleet");
    let (out_text, keys_text) = (out.to_string_lossy().into_owned(), keys.to_string_lossy().into_owned());
    let mut args = vec!["export", "-o", out_text.as_str(), "--keylog", keys_text.as_str()];
    let names: Vec<String> = captures.iter().map(|capture| capture.to_string_lossy().into_owned()).collect();
    args.extend(names.iter().map(String::as_str));
    let output = rttscope(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let check = Command::new(analysis_python())
        .arg(common::root().join("scripts/check-export.py"))
        .arg(&out)
        .output()
        .expect("the analysis Python runs");
    assert!(check.status.success(), "{}", stderr(&check));
    let report: serde_json::Value = serde_json::from_str(&stdout(&check)).expect("JSON");
    // One glob, every capture, every frame.
    let frames: u64 = captures
        .iter()
        .map(|capture| {
            let capture_text = capture.to_string_lossy();
            let counted = rttscope(&["dissect", capture_text.as_ref(), "-T", "fields", "-e", "frame.number"]);
            stdout(&counted).lines().count() as u64
        })
        .sum();
    assert_eq!(report["captures"].as_u64(), Some(captures.len() as u64));
    assert_eq!(report["packets"].as_u64(), Some(frames));
    assert!(report["community_ids_checked"].as_u64().unwrap_or(0) > 1000, "{report}");
    assert_eq!(report["community_id_differences"], serde_json::json!([]), "{report}");
    assert_eq!(report["unjoined_packets"].as_u64(), Some(0), "{report}");
}
