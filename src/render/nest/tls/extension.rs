//! The subtrees tshark opens inside a TLS extension: `Server Name Indication extension`,
//! `Renegotiation Info extension`, `Key Share extension` and each `Key Share Entry`,
//! `Pre-Shared Key extension` and each `PSK Identity`, each QUIC transport `Parameter`, each
//! `ALPN Protocol`.

use super::{PARAMETER, SELECTED_GROUP};
use crate::dissect::tls::quic_parameters;
use crate::registry::values;
use crate::render::nest::Item;

/// Opens the subtree tshark starts inside an extension at `item`, if it starts one, and says
/// how much deeper than the extension's fields `item` and those after it sit.
pub(super) fn open_inside_extension(
    push: &mut impl FnMut(usize, &str),
    item: &Item<'_>,
    previous: Option<&str>,
    inner: usize,
    next: &dyn Fn(&str) -> Option<u64>,
) -> usize {
    match (item.name, previous) {
        ("tls.handshake.extensions_server_name_list_len", _) => {
            push(4, "Server Name Indication extension");
            1
        }
        ("tls.handshake.extensions_reneg_info_len", _) => {
            push(4, "Renegotiation Info extension");
            1
        }
        ("tls.handshake.extensions_key_share_client_length", _) | (SELECTED_GROUP, _) => {
            push(4, "Key Share extension");
            1
        }
        ("tls.handshake.extensions_key_share_group", _) => {
            // A ServerHello's one share has no length before it.
            if inner == 0 {
                push(4, "Key Share extension");
            }
            let group = item.number.unwrap_or(0);
            let group =
                values::TLS_GROUP.name(group).map_or_else(|| format!("Unknown ({group})"), str::to_owned);
            let length = next("tls.handshake.extensions_key_share_key_exchange_length").unwrap_or(0);
            push(5, &format!("Key Share Entry: Group: {group}, Key Exchange length: {length}"));
            2
        }
        (PARAMETER, _) => {
            let id = item.number.unwrap_or(0);
            let length = next("tls.quic.parameter.length").unwrap_or(0);
            let value = quic_parameters::integer_field(id).and_then(next);
            push(4, &quic_parameters::title(id, length, value));
            1
        }
        (
            "tls.handshake.extensions.psk.identities.length"
            | "tls.handshake.extensions.psk.identity.selected",
            _,
        ) => {
            push(4, "Pre-Shared Key extension");
            1
        }
        ("tls.handshake.extensions.psk.identity.identity_length", _) => {
            push(5, &format!("PSK Identity (length: {})", item.number.unwrap_or(0)));
            2
        }
        ("tls.handshake.extensions.psk.binders_len", _) => 1,
        ("tls.handshake.extensions_alpn_str_len", Some("tls.handshake.extensions_alpn_len")) => {
            push(4, "ALPN Protocol");
            1
        }
        _ => inner,
    }
}
