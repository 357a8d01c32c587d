//! The STUN generator (issue 18): a Binding request and its success response (RFC 8489
//! section 3), one round trip, between a compact STUN client and server of rttscope's own over
//! UDP sockets made in the hosts' namespaces as the other generators make theirs.
//!
//! The client sends a Binding request with a random transaction ID, SOFTWARE and FINGERPRINT;
//! the server reads it with rttscope's own STUN parser, checks its FINGERPRINT and answers
//! with the client's address and port as it saw them, in XOR-MAPPED-ADDRESS. The run happened
//! when the client reads back its own address: the binding is what it claims.

use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};

use ring::rand::{SecureRandom, SystemRandom};

use super::{Flow, GenError, Host, Hosts, Report, STEP_TIMEOUT, step_failed};
use crate::dissect::stun::{self, attributes};

/// What the generator's peers say they are (the SOFTWARE attribute).
const SOFTWARE: &[u8] = b"rttscope";
/// The Binding method's request and success response types (RFC 8489 section 18.2).
const BINDING_REQUEST: u16 = 0x0001;
const BINDING_SUCCESS: u16 = 0x0101;

/// One Binding transaction between a client and a server.
pub(super) fn run(report: &mut Report, hosts: &Hosts) -> Result<(), GenError> {
    let variant = report.variant;
    let fail = |step: &'static str| move |error: io::Error| GenError::new(variant, step, step_failed(&error));
    let server = bind(&hosts.server).map_err(fail("binding the server"))?;
    let client = bind(&hosts.client).map_err(fail("binding the client"))?;
    for socket in [&server, &client] {
        socket.set_read_timeout(Some(STEP_TIMEOUT)).map_err(fail("setting a timeout"))?;
    }
    let server_addr = server.local_addr().map_err(fail("binding the server"))?;
    let client_addr = client.local_addr().map_err(fail("binding the client"))?;
    report.flows.push(Flow::Udp(server_addr.port()));
    let mut id = [0u8; 12];
    SystemRandom::new()
        .fill(&mut id)
        .map_err(|_| GenError::new(variant, "making a transaction ID", "no randomness"))?;
    // The exchange reads what the other side sent: on a thread that holds no privilege.
    let exchange = super::as_peer(format!("{variant} peers"), || {
        client
            .send_to(&message(BINDING_REQUEST, id, None), server_addr)
            .map_err(fail("sending the request"))?;
        let mut buf = [0u8; 548];
        let (n, from) = server.recv_from(&mut buf).map_err(fail("receiving the request"))?;
        let request = read(&buf[..n]).map_err(|why| GenError::new(variant, "reading the request", why))?;
        if request.message_type() != BINDING_REQUEST {
            return Err(GenError::new(variant, "reading the request", "not a Binding request"));
        }
        let answer = message(BINDING_SUCCESS, request.transaction_id(), Some(from));
        server.send_to(&answer, from).map_err(fail("answering"))?;
        let n = client.recv(&mut buf).map_err(fail("receiving the response"))?;
        let response = read(&buf[..n]).map_err(|why| GenError::new(variant, "reading the response", why))?;
        report.connections += 1;
        if response.message_type() != BINDING_SUCCESS || response.transaction_id() != id {
            report.miss("the response is not a Binding success for the request's transaction");
            return Ok(());
        }
        match mapped_address(&response) {
            Some(mapped) if mapped == client_addr => {
                report.evidence.push(format!("the server saw the client at {mapped} (XOR-MAPPED-ADDRESS)"))
            }
            Some(mapped) => {
                report.miss(format!("XOR-MAPPED-ADDRESS says {mapped}, the client is {client_addr}"))
            }
            None => report.miss("the response has no XOR-MAPPED-ADDRESS"),
        }
        Ok(())
    });
    exchange.unwrap_or_else(|(step, detail)| Err(GenError::new(variant, step, detail)))
}

/// A UDP socket made in `host`'s namespace, on its address and a port the kernel picks (STUN
/// is found there by its heuristic, as tshark finds it).
fn bind(host: &Host) -> io::Result<UdpSocket> {
    let addr = SocketAddr::new(host.addr, 0);
    host.enter(|| UdpSocket::bind(addr))?
}

/// A whole message, FINGERPRINT last; a response carries `mapped` as XOR-MAPPED-ADDRESS.
pub(crate) fn message(message_type: u16, id: [u8; 12], mapped: Option<SocketAddr>) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(96);
    bytes.extend(message_type.to_be_bytes());
    bytes.extend([0, 0]);
    bytes.extend(stun::MAGIC_COOKIE.to_be_bytes());
    bytes.extend(id);
    if let Some(mapped) = mapped {
        let cookie = stun::MAGIC_COOKIE.to_be_bytes();
        let port = mapped.port() ^ (stun::MAGIC_COOKIE >> 16) as u16;
        let (family, address): (u8, Vec<u8>) = match mapped.ip() {
            IpAddr::V4(ip) => (1, ip.octets().iter().zip(cookie).map(|(byte, key)| byte ^ key).collect()),
            IpAddr::V6(ip) => {
                let key = cookie.into_iter().chain(id);
                (2, ip.octets().iter().zip(key).map(|(byte, key)| byte ^ key).collect())
            }
        };
        bytes.extend(0x0020u16.to_be_bytes());
        bytes.extend((4 + address.len() as u16).to_be_bytes());
        bytes.extend([0, family]);
        bytes.extend(port.to_be_bytes());
        bytes.extend(address);
    }
    bytes.extend(0x8022u16.to_be_bytes());
    bytes.extend((SOFTWARE.len() as u16).to_be_bytes());
    bytes.extend(SOFTWARE);
    bytes.resize(bytes.len().div_ceil(4) * 4, 0);
    // FINGERPRINT covers the header with the length that includes it (RFC 8489 section 14.7).
    let length = (bytes.len() - stun::HEADER_LEN + 8) as u16;
    bytes[2..4].copy_from_slice(&length.to_be_bytes());
    let at = bytes.len();
    bytes.extend(0x8028u16.to_be_bytes());
    bytes.extend(4u16.to_be_bytes());
    let crc = attributes::fingerprint(&bytes, at);
    bytes.extend(crc.to_be_bytes());
    bytes
}

/// Reads a message with rttscope's parser; a wrong FINGERPRINT is refused.
fn read(bytes: &[u8]) -> Result<stun::Message<'_>, String> {
    if !stun::starts_like_stun(bytes) {
        return Err("not a STUN message".to_owned());
    }
    let (_, message) =
        stun::parse(bytes).map_err(|error| crate::dissect::error::into_error(error).to_string())?;
    if message.attributes().any(|attribute| attribute.bad_fingerprint(message.bytes())) {
        return Err("its FINGERPRINT is wrong".to_owned());
    }
    Ok(message)
}

/// The address a response's XOR-MAPPED-ADDRESS holds, in the clear.
fn mapped_address(message: &stun::Message<'_>) -> Option<SocketAddr> {
    let attribute = message.attributes().find(|attribute| attribute.kind == 0x0020)?;
    let v = attribute.value;
    let key: Vec<u8> = stun::MAGIC_COOKIE.to_be_bytes().into_iter().chain(message.transaction_id()).collect();
    let port = u16::from_be_bytes([*v.get(2)?, *v.get(3)?]) ^ (stun::MAGIC_COOKIE >> 16) as u16;
    let ip: IpAddr = match *v.get(1)? {
        1 => {
            let mut octets = [0u8; 4];
            for (octet, (byte, key)) in octets.iter_mut().zip(v.get(4..8)?.iter().zip(&key)) {
                *octet = byte ^ key;
            }
            IpAddr::from(octets)
        }
        2 => {
            let mut octets = [0u8; 16];
            for (octet, (byte, key)) in octets.iter_mut().zip(v.get(4..20)?.iter().zip(&key)) {
                *octet = byte ^ key;
            }
            IpAddr::from(octets)
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_built_here_reads_back_its_mapped_address_and_fingerprint() {
        for mapped in ["10.0.0.1:5000", "[fd00::1]:6000"] {
            let mapped: SocketAddr = mapped.parse().expect("an address");
            let bytes = message(BINDING_SUCCESS, [9; 12], Some(mapped));
            let response = read(&bytes).expect("a well-formed response");
            assert_eq!(response.message_type(), BINDING_SUCCESS);
            assert_eq!(mapped_address(&response), Some(mapped));
        }
        let mut request = message(BINDING_REQUEST, [1; 12], None);
        assert!(read(&request).is_ok());
        let last = request.len() - 1;
        request[last] ^= 0xff;
        assert_eq!(read(&request).err().as_deref(), Some("its FINGERPRINT is wrong"));
    }
}
