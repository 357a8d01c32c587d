//! Payload rttscope does not decode, shown as Wireshark's `data` dissector shows it.

use super::field::{Emitter, Value};

pub mod name {
    //! The fields of undecoded payload, by Wireshark's names: the registry's rows for them, and the
    //! names the emitter uses, so a name emitted is a name registered.

    crate::registry::field_table! {
        protocol Data;
        DATA "data.data" Bytes "undecoded payload";
        LEN "data.len" Uint "undecoded payload length";
    }
}

/// Walks the fields of undecoded payload `bytes`.
pub fn fields(bytes: &[u8], out: &mut Emitter<'_>) {
    out.at(name::DATA, 0..bytes.len(), Value::Bytes(bytes));
    out.computed(name::LEN, Value::Uint(bytes.len() as u64));
}
