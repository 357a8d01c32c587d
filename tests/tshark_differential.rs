//! `rttscope dissect --format fields` against `tshark -T fields`, over every field rttscope
//! knows, on the interop captures and the public teaching captures. The comparison itself is in `common/tshark.rs`.

mod common;

use common::tshark::{DESIGN_FIELDS, compare_all, compared_fields};

#[test]
fn the_design_fields_are_all_compared() {
    let fields = compared_fields();
    for name in DESIGN_FIELDS {
        assert!(fields.contains(name), "{name} is not in the registry");
    }
}

#[test]
#[ignore = "needs tshark (installed by .ci/run)"]
fn every_field_agrees_with_tshark() {
    let captures = common::all_captures();
    assert!(captures.len() >= 10, "the interop captures are missing");
    let mismatches = compare_all(&captures);
    assert!(
        mismatches.is_empty(),
        "differences from tshark:\n{}",
        mismatches[..mismatches.len().min(40)].join("\n")
    );
}
