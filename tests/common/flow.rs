//! A numbered UDP flow on loopback, for the live-capture tests: each datagram carries
//! `rttscope-live N`, so a capture can be checked for every one of them.

use std::net::UdpSocket;

/// The text before each datagram's number.
pub const PREFIX: &str = "rttscope-live ";

/// A UDP sender and receiver on 127.0.0.1, each on a random port.
pub struct Flow {
    sender: UdpSocket,
    _receiver: UdpSocket,
    pub ports: (u16, u16),
}

impl Flow {
    pub fn new() -> Self {
        let receiver = UdpSocket::bind("127.0.0.1:0").expect("bind the receiver");
        let sender = UdpSocket::bind("127.0.0.1:0").expect("bind the sender");
        sender.connect(receiver.local_addr().expect("address")).expect("connect");
        let ports =
            (sender.local_addr().expect("address").port(), receiver.local_addr().expect("address").port());
        Self { sender, _receiver: receiver, ports }
    }

    /// Sends datagram number `number`.
    pub fn send(&self, number: u64) {
        self.sender.send(format!("{PREFIX}{number}").as_bytes()).expect("send a datagram");
    }

    /// The display filter that picks out this flow.
    pub fn filter(&self) -> String {
        format!("udp.srcport == {} && udp.dstport == {}", self.ports.0, self.ports.1)
    }
}
