use std::path::Path;

use super::*;

#[test]
fn a_partition_is_the_file_name_without_its_extensions_escaped_as_hive_does() {
    assert_eq!(partition_name(Path::new("/data/week 1/tls13.pcapng")), "tls13");
    assert_eq!(partition_name(Path::new("server-2026-12-05.pcap.gz")), "server-2026-12-05");
    assert_eq!(partition_name(Path::new("a=b/x.cap")), "x");
    assert_eq!(partition_name(Path::new("lab=3 #2.pcapng")), "lab%3D3%20%232");
    assert_eq!(partition_name(Path::new("no-extension")), "no-extension");
    // A name that is only an extension keeps it rather than becoming empty.
    assert_eq!(partition_name(Path::new(".pcap")), ".pcap");
    assert_eq!(partition_name(Path::new("ünï.pcap")), "%C3%BCn%C3%AF");
}

#[test]
fn every_column_names_a_registered_field_once() {
    let mut names: Vec<String> = FIELDS.iter().map(|(field, _)| column_name(field)).collect();
    for (field, _) in FIELDS {
        assert!(crate::registry::lookup(field).is_some(), "{field} is not a field rttscope knows");
    }
    names.sort();
    let before = names.len();
    names.dedup();
    assert_eq!(names.len(), before, "two fields share a column name");
    let schema = packets::Packets::schema();
    assert_eq!(schema.fields().len(), 11 + FIELDS.len());
}
