//! Every field the dissectors emit on the test captures is in the registry, with the type it
//! is emitted as: the registry is what `-e`, `-Y` and `rttscope fields` trust.

mod common;

use std::collections::BTreeSet;

use rttscope::capture::CaptureFile;
use rttscope::dissect::field::{Field, Value};
use rttscope::registry::{self, Kind};
use rttscope::track::Tracker;

fn kind_allows(kind: Kind, value: &Value<'_>) -> bool {
    matches!(
        (kind, value),
        (Kind::Uint, Value::Uint(_))
            | (Kind::Int, Value::Int(_))
            | (Kind::Hex, Value::Hex { .. })
            | (Kind::Bool, Value::Bool(_))
            | (Kind::Mac, Value::Mac(_))
            | (Kind::Ipv4, Value::Ipv4(_))
            | (Kind::Ipv6, Value::Ipv6(_))
            | (Kind::Bytes, Value::Bytes(_) | Value::BytesColon(_))
            | (Kind::Text, Value::Str(_) | Value::Host(_) | Value::FlagString(_) | Value::Lazy(_))
            | (Kind::Time, Value::Epoch(_) | Value::Seconds(_) | Value::Date(_) | Value::Millis(_))
            | (Kind::Present, Value::Present)
            | (Kind::Protocol, Value::Bytes(_) | Value::Str(_))
    )
}

#[test]
fn every_emitted_field_is_registered_with_its_type() {
    let mut seen = BTreeSet::new();
    let mut problems = BTreeSet::new();
    for path in common::all_captures() {
        let capture = CaptureFile::open(&path).expect("opens");
        let mut tracker = Tracker::new();
        // With the key log, the fields inside TLS are checked too.
        if let Some(keys) = common::tshark::key_log_of(&path) {
            tracker.add_key_log_text(&std::fs::read(keys).expect("key log"));
        }
        for frame in capture.frames() {
            let frame = frame.expect("whole");
            let mut scratch = rttscope::track::Scratch::new();
            let packet = tracker.handle_frame(&frame, &mut scratch);
            // A renderer walks only the layers that can emit what it wants: each layer must
            // say truly which field names it can emit.
            for layer in &packet.layers {
                layer.fields(&mut |field: Field<'_>| {
                    let prefix = field.name.split('.').next().unwrap_or(field.name);
                    if !layer.emits(prefix) {
                        problems.insert(format!(
                            "{} emits {} but does not say so",
                            layer.protocol(),
                            field.name
                        ));
                    }
                });
            }
            packet.fields(&frame, &mut |field: Field<'_>| {
                seen.insert(field.name);
                match registry::lookup(field.name) {
                    None => {
                        problems.insert(format!("{} is not registered", field.name));
                    }
                    Some(info) if !kind_allows(info.kind, &field.value) => {
                        problems.insert(format!(
                            "{} is registered as {:?} but emitted as {:?}",
                            field.name, info.kind, field.value
                        ));
                    }
                    Some(_) => {}
                }
            });
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(seen.len() > 200, "only {} distinct fields seen", seen.len());
}
