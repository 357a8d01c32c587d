//! rttscope's QPACK reader against ls-qpack, the encoder aioquic uses (through pylsqpack):
//! field sections of random header lists, encoded by `scripts/qpack-corpus.py`, must read
//! back as the lists they were made from.

use crate::common;

use std::process::Command;

use rttscope::dissect::qpack;

fn decode_hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|at| u8::from_str_radix(&text[at..at + 2], 16).expect("hex")).collect()
}

#[test]
#[ignore = "needs aioquic's pylsqpack (RTTSCOPE_AIOQUIC_PYTHON, set by .ci/run)"]
fn field_sections_from_ls_qpack_read_back_as_encoded() {
    let python = std::env::var("RTTSCOPE_AIOQUIC_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = common::root().join("scripts/qpack-corpus.py");
    let output = Command::new(&python).arg(&script).args(["7", "3000"]).output().expect("python runs");
    assert!(output.status.success(), "{}", common::stderr(&output));
    let corpus = common::stdout(&output);
    let mut sections = 0;
    let mut lines = 0;
    for row in corpus.lines() {
        let mut columns = row.split('\t');
        let bytes = decode_hex(columns.next().expect("a field section"));
        let expected: Vec<(Vec<u8>, Vec<u8>)> = columns
            .map(|pair| {
                let (name, value) = pair.split_once('=').expect("name=value");
                (decode_hex(name), decode_hex(value))
            })
            .collect();
        let section = qpack::decode(&bytes);
        assert_eq!(section.error, None, "{row}");
        let got: Vec<(Vec<u8>, Vec<u8>)> = section
            .lines
            .iter()
            .map(|line| (line.name.clone().expect("a name"), line.value.clone().expect("a value")))
            .collect();
        assert_eq!(got, expected, "{row}");
        sections += 1;
        lines += got.len();
    }
    assert_eq!(sections, 3000);
    println!("{sections} field sections, {lines} lines: all read as ls-qpack encoded them");
}
