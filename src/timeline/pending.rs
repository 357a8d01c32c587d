//! A connection while its packets go by ([`Pending`]): each frame counted, each event pushed
//! (the first [`MAX_EVENTS`] kept, the rest counted), and at its end the timeline made of it:
//! rounds counted, times measured, its variant named.

use super::*;

impl Pending {
    /// Counts a frame of the connection.
    pub(super) fn count(&mut self, frame: &Frame<'_>) {
        self.last_ns = self.last_ns.max(frame.ts_ns);
        self.packets += 1;
        self.bytes += u64::from(frame.orig_len);
    }

    /// Adds an event seen in `frame`.
    pub(super) fn push(
        &mut self,
        frame: &Frame<'_>,
        osi: OsiLayer,
        messages: Vec<Message>,
        note: Option<Note>,
        step: Step,
        early: bool,
    ) {
        if step.side == Side::Client
            && self.reply_ns.is_none()
            && self.syn_ack_ns.is_some_and(|answered| frame.ts_ns >= answered)
        {
            self.reply_ns = Some(frame.ts_ns);
        }
        if self.events.len() >= MAX_EVENTS {
            self.omitted.events += 1;
            self.omitted.from_server += u64::from(step.side == Side::Server);
            return;
        }
        // Most connections of a flood have one event of one message: room for more costs more
        // than they do.
        let mut messages = messages;
        messages.shrink_to_fit();
        if self.events.is_empty() {
            self.events.reserve_exact(1);
        }
        self.events.push(Event {
            frame: frame.number,
            t_ms: millis_between(self.first_ns, frame.ts_ns),
            link: None,
            dir: step.side,
            round: 0,
            osi,
            messages,
            notes: note.into_iter().collect(),
            step,
            early,
            at_ns: frame.ts_ns,
            copy: vantage::copy_key(frame),
        });
    }

    pub(super) fn finish(mut self, far: &mut vantage::FarSide) -> Connection {
        // Only now is it known whether the connection made a gRPC call, and so whether its
        // HTTP/2 start cost a round.
        self.grpc.mark(&mut self.events);
        let vantage = if far.is_two_sided() {
            far.time_events(self.first_ns, &mut self.events);
            if let Some((client, server)) = &self.endpoints {
                let lost = far.lost_from(server, client, self.first_ns, self.last_ns);
                if !lost.is_empty() {
                    self.events.extend(lost);
                    self.events.sort_by(|a, b| a.t_ms.total_cmp(&b.t_ms));
                }
            }
            Vantage::Both
        } else {
            Vantage::guess(self.syn_ns, self.syn_ack_ns, self.reply_ns)
        };
        // Early data the server turned down does not count: the request goes again after the
        // handshake, and the timeline says so.
        if self.early_offered && self.early_accepted == Some(false) {
            for event in self.events.iter_mut().filter(|event| event.early) {
                event.step.application = false;
                event.notes.push(Note::EarlyDataRejected);
            }
        }
        let steps: Vec<Step> = self.events.iter().map(|event| event.step).collect();
        let counted = rounds::count(&steps);
        let mut events = self.events;
        for (event, round) in events.iter_mut().zip(&counted.per_step) {
            event.round = *round;
        }
        let joined = !self.saw_syn;
        let at = |index: Option<usize>| index.and_then(|i| events.get(i)).map(|event| event.t_ms);
        let tls13 = self.tls_version == Some(0x0304);
        let early = match (self.early_offered, self.early_accepted) {
            (false, _) => EarlyData::None,
            (true, Some(false)) => EarlyData::Rejected,
            (true, _) => EarlyData::Accepted,
        };
        let tfo = if self.syn_data {
            Tfo::DataInSyn
        } else if self.cookie_request {
            Tfo::CookieRequest
        } else {
            Tfo::None
        };
        let first_round = if self.syn_data || self.transport == Transport::Quic { 0 } else { 1 };
        let request_in_early_data = counted.request == Some(first_round) && early == EarlyData::Accepted;
        let syn_data = tfo == Tfo::DataInSyn;
        let variant = match (self.transport, self.tls_version) {
            (Transport::Icmp, _) => Variant::Icmp,
            (Transport::Tcp, _) if self.ssh.is_some() => Variant::Ssh,
            (Transport::Udp, _) if self.dtls && tls13 => Variant::Dtls13,
            (Transport::Udp, _) if self.dtls && self.dtls_cookie => Variant::Dtls12Cookie,
            (Transport::Udp, _) if self.dtls => Variant::Dtls12,
            (Transport::Udp, _) if self.stun => Variant::Stun,
            (Transport::Udp, _) if self.dns => Variant::Dns,
            (Transport::Udp, _) => Variant::Udp,
            (Transport::Quic, _) if request_in_early_data => Variant::QuicZeroRtt,
            (Transport::Quic, _) => Variant::Quic,
            (Transport::Tcp, None) if self.websocket && self.websocket_h2 => Variant::WsH2,
            (Transport::Tcp, Some(_)) if self.websocket && self.websocket_h2 => Variant::WssH2,
            (Transport::Tcp, None) if self.websocket => Variant::Ws,
            (Transport::Tcp, Some(_)) if self.websocket => Variant::Wss,
            (Transport::Tcp, Some(_)) if self.grpc.called => Variant::Grpc,
            (Transport::Tcp, None) if events.iter().any(|e| e.osi == OsiLayer::Application) => Variant::Http,
            (Transport::Tcp, None) => Variant::Tcp,
            (Transport::Tcp, Some(_)) if tls13 && syn_data && request_in_early_data => {
                Variant::TfoTls13ZeroRtt
            }
            (Transport::Tcp, Some(_)) if tls13 && syn_data => Variant::TfoTls13,
            (Transport::Tcp, Some(_)) if tls13 && request_in_early_data => Variant::Tls13ZeroRtt,
            (Transport::Tcp, Some(_)) if tls13 => Variant::Tls13,
            (Transport::Tcp, Some(_)) if self.resumed => Variant::Tls12Resumed,
            (Transport::Tcp, Some(_)) => Variant::Tls12,
        };
        let (request_ms, response_ms) = (at(counted.request_step), at(counted.response_step));
        let lookup = self.lookup.filter(|_| !self.carries_dns).map(|answer| {
            Box::new(lookup::prepend(&mut events, self.first_ns, &answer, response_ms.filter(|_| !joined)))
        });
        // A finished timeline is kept (by the UI, for every connection of a capture): without
        // the room its vector grew for it, a quarter less on average. Moved to a new vector of
        // its length, not shrunk: mimalloc shrinks a block in place unless it halves, so the
        // room would stay held.
        if events.capacity() > events.len() {
            let mut exact = Vec::with_capacity(events.len());
            exact.append(&mut events);
            events = exact;
        }
        let (client, server) = self.endpoints.unwrap_or_default();
        Connection {
            id: self.stream,
            serial: self.serial,
            transport: self.transport,
            client,
            server,
            variant,
            tls_version: self.tls_version.and_then(version_number),
            alpn: self.alpn,
            sni: self.sni,
            tfo,
            early_data: early,
            resumed: self.resumed,
            hello_retry: self.hello_retry,
            retry: self.quic_retry,
            version_negotiation: self.quic_version_negotiation,
            proxy: self.proxy,
            proxy_rtts: self.proxy.map(|_| self.proxy_answers),
            proxy_refused: self.proxy_refused,
            joined_mid_stream: joined,
            vantage,
            rtt_ms: match (self.syn_ns, self.syn_ack_ns, self.echo_rtt_ns) {
                (Some(syn), Some(syn_ack), _) => Some(millis_between(syn, syn_ack)),
                (_, _, Some(echo)) => Some(echo as f64 / 1e6),
                _ => None,
            },
            request_rtts: counted.request.filter(|_| !joined),
            response_rtts: counted.response.filter(|_| !joined),
            request_ms: request_ms.filter(|_| !joined),
            response_ms: response_ms.filter(|_| !joined),
            packets: self.packets,
            bytes: self.bytes,
            events,
            omitted: self.omitted,
            lookup,
            withheld: false,
        }
    }
}
