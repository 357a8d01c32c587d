//! Timelines as text (a sequence diagram per connection, a verdict, a closing table) and as
//! JSON (DESIGN section 5's schema).

use std::fmt::Write as _;
use std::io;

use crate::timeline::Connection;
use crate::timeline::rounds::Side;

/// The narrowest and widest the arrows between the client and server columns may be.
const MIN_ARROW: usize = 58;
const MAX_ARROW: usize = 110;

/// What a variant is, in words.
pub fn variant_words(variant: &str) -> &'static str {
    match variant {
        "http" => "plain HTTP over TCP",
        "tls12" => "TLS 1.2 over TCP",
        "tls12-resumed" => "TLS 1.2 resumed over TCP",
        "tls13" => "TLS 1.3 over TCP",
        "tls13-0rtt" => "TLS 1.3 with 0-RTT over TCP",
        "tfo-tls13" => "TLS 1.3 over TCP Fast Open",
        "tfo-tls13-0rtt" => "TLS 1.3 with 0-RTT over TCP Fast Open",
        "quic" => "HTTP/3 over QUIC",
        "quic-0rtt" => "HTTP/3 over QUIC with 0-RTT",
        "udp" => "UDP",
        "icmp" => "ping",
        _ => "TCP",
    }
}

/// The one-line verdict of a connection.
pub fn verdict(connection: &Connection) -> String {
    let mut line = variant_words(connection.variant).to_owned();
    if connection.hello_retry {
        line.push_str(" (with a HelloRetryRequest)");
    }
    if connection.retry {
        line.push_str(" (after a Retry)");
    }
    if connection.version_negotiation {
        line.push_str(" (after Version Negotiation)");
    }
    if connection.joined_mid_stream {
        line.push_str(": joined mid-stream, so its round trips cannot be counted");
        return line;
    }
    let trips = |n: u32| if n == 1 { "1 round trip".to_owned() } else { format!("{n} round trips") };
    match connection.variant {
        "udp" => {
            let _ = write!(line, ": {} datagrams, no handshake to wait for", connection.events.len());
            return line;
        }
        "icmp" => {
            let replies = connection.events.iter().filter(|event| event.dir == Side::Server).count();
            let _ = write!(
                line,
                ": {} requests, {replies} replies, each one round trip",
                connection.events.len() - replies
            );
            if let Some(rtt) = connection.rtt_ms {
                let _ = write!(line, "; RTT {rtt:.3} ms");
            }
            return line;
        }
        _ => {}
    }
    match (connection.request_rtts, connection.response_rtts) {
        (Some(request), Some(response)) => {
            let _ = write!(line, ": request after {}, response after {}", trips(request), trips(response));
        }
        (Some(request), None) => {
            let _ = write!(line, ": request after {}, no response seen", trips(request));
        }
        _ => line.push_str(": no application data seen"),
    }
    if let Some(rtt) = connection.rtt_ms {
        let _ = write!(line, "; RTT {rtt:.3} ms");
    }
    line
}

/// Writes each connection's diagram and verdict, then the table of all of them.
pub fn write_text(out: &mut dyn io::Write, connections: &[Connection]) -> io::Result<()> {
    for connection in connections {
        let mut facts = vec![connection.variant.to_owned()];
        if let Some(version) = connection.tls_version {
            facts.push(format!("TLS {version}"));
        }
        if let Some(alpn) = &connection.alpn {
            facts.push(format!("ALPN {alpn}"));
        }
        if let Some(sni) = &connection.sni {
            facts.push(format!("SNI {sni}"));
        }
        if connection.resumed {
            facts.push("resumed".to_owned());
        }
        if connection.tfo != "none" {
            facts.push(format!("TFO {}", connection.tfo));
        }
        if connection.early_data != "none" {
            facts.push(format!("early data {}", connection.early_data));
        }
        writeln!(
            out,
            "Connection {}: {} → {}   {}",
            connection.id,
            connection.client,
            connection.server,
            facts.join(" · ")
        )?;
        let longest = connection.events.iter().map(|event| event.label.chars().count()).max().unwrap_or(0);
        let arrow_width = (longest + 6).clamp(MIN_ARROW, MAX_ARROW);
        let heading = format!("client{:>pad$}", "server", pad = arrow_width - 4);
        writeln!(out, " round  {heading:<width$}   OSI  time (ms)  frame", width = arrow_width)?;
        for event in &connection.events {
            let round =
                if connection.joined_mid_stream { "  ?".to_owned() } else { format!("{:>3}", event.round) };
            let mut label: String = event.label.chars().take(arrow_width - 6).collect();
            if label.chars().count() < event.label.chars().count() {
                label.push('…');
            }
            let arrow = match event.dir {
                Side::Client => {
                    let dashes = arrow_width.saturating_sub(label.chars().count() + 4);
                    format!("──{label} {}▶", "─".repeat(dashes))
                }
                Side::Server => {
                    let dashes = arrow_width.saturating_sub(label.chars().count() + 4);
                    format!("◀{} {label}──", "─".repeat(dashes))
                }
            };
            writeln!(out, " {round}   {arrow}   L{}  {:>10.3}  {}", event.osi, event.t_ms, event.frame)?;
        }
        writeln!(out, " {}", verdict(connection))?;
        writeln!(out)?;
    }
    if connections.len() > 1 {
        write_table(out, connections, false)?;
    }
    Ok(())
}

/// The table of every connection: server, variant, round trips and RTT, and with `textbook`
/// the round trips DESIGN section 3's table gives for the variant, with a mark where they agree.
pub fn write_table(out: &mut dyn io::Write, connections: &[Connection], textbook: bool) -> io::Result<()> {
    write!(
        out,
        "{:>4}  {:<28} {:<16} {:>8} {:>9} {:>10}",
        "id", "server", "variant", "request", "response", "RTT (ms)"
    )?;
    writeln!(out, "{}", if textbook { "  textbook" } else { "" })?;
    for connection in connections {
        let count = |n: Option<u32>| n.map_or("-".to_owned(), |n| n.to_string());
        let rtt = connection.rtt_ms.map_or("-".to_owned(), |rtt| format!("{rtt:.3}"));
        write!(
            out,
            "{:>4}  {:<28} {:<16} {:>8} {:>9} {:>10}",
            connection.id,
            connection.server,
            connection.variant,
            count(connection.request_rtts),
            count(connection.response_rtts),
            rtt
        )?;
        let expected = textbook.then(|| crate::timeline::textbook(connection.variant)).flatten();
        match expected {
            Some((request, response)) => {
                let agrees =
                    connection.request_rtts == Some(request) && connection.response_rtts == Some(response);
                writeln!(out, "  {request} / {response} {}", if agrees { "✓" } else { "✗" })?;
            }
            None => writeln!(out)?,
        }
    }
    Ok(())
}

/// Writes `{"connections":[...]}`.
pub fn write_json(out: &mut dyn io::Write, connections: &[Connection]) -> io::Result<()> {
    #[derive(serde::Serialize)]
    struct Document<'c> {
        connections: &'c [Connection],
    }
    serde_json::to_writer(&mut *out, &Document { connections }).map_err(io::Error::other)?;
    writeln!(out)
}
