//! `rttscope link-probe` (hidden): measures the emulated link's accuracy. It builds a link, runs
//! a UDP echo between its client and server hosts, and prints the error of each one-way delay
//! read from the link's own capture, and of each round trip timed by the client.
//!
//! Used by `scripts/bench-link.sh` and the link's tests.

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::Args;

use super::{CliError, Outcome, Prepared};
use crate::link::crossing::{self, Crossing};
use crate::link::{Link, LinkConfig, LinkError, SERVER_ADDR, config};

/// The echo server's port on the server host.
const ECHO_PORT: u16 = 7;

#[derive(Debug, Args)]
pub struct LinkProbeArgs {
    /// Round-trip time of the link, e.g. 40ms, 0.2s, 500us.
    #[arg(long, value_parser = parse_duration)]
    pub rtt: Duration,
    /// Echoes to send.
    #[arg(long, default_value_t = 100)]
    pub count: u32,
    /// Time between one echo's answer and the next echo.
    #[arg(long, default_value = "10ms", value_parser = parse_duration)]
    pub interval: Duration,
    /// Bytes of UDP payload per echo (at least 4).
    #[arg(long, default_value_t = 64)]
    pub size: usize,
    #[arg(long, default_value_t = 1500)]
    pub mtu: u32,
    #[arg(long, default_value = "0", value_parser = parse_duration)]
    pub jitter: Duration,
    /// Percentage of frames lost.
    #[arg(long, default_value_t = 0.0)]
    pub loss: f64,
    /// Bits per second each way.
    #[arg(long)]
    pub rate: Option<u64>,
    #[arg(long, default_value_t = 1000)]
    pub queue: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// A duration with its unit, read as the link's flags read it (up to a minute).
fn parse_duration(text: &str) -> Result<Duration, String> {
    config::parse_duration("a duration", text, Duration::from_secs(60)).map_err(|error| error.to_string())
}

pub fn run(args: &LinkProbeArgs, prepared: &Prepared) -> Result<Outcome, CliError> {
    if let Some(error) = &prepared.no_user_namespace {
        return Err(CliError::Usage(error.to_string()));
    }
    let config = LinkConfig {
        rtt: args.rtt,
        jitter: args.jitter,
        loss_percent: args.loss,
        rate_bps: args.rate,
        mtu: args.mtu,
        queue: args.queue,
        seed: args.seed,
        drop: None,
    };
    let link = Link::start(&config).map_err(link_error)?;
    let hosts = link.hosts().clone();
    let io = |error: std::io::Error| CliError::Usage(format!("link-probe: {error}"));
    let server_addr = SocketAddr::from((SERVER_ADDR, ECHO_PORT));
    let server = hosts.server.enter(|| UdpSocket::bind(server_addr)).map_err(io)?.map_err(io)?;
    let client = hosts.client.enter(|| UdpSocket::bind((hosts.client.addr, 0))).map_err(io)?.map_err(io)?;
    client.connect(server_addr).map_err(io)?;
    let wait = args.rtt * 2 + args.jitter * 2 + Duration::from_secs(1);
    client.set_read_timeout(Some(wait)).map_err(io)?;
    server.set_read_timeout(Some(Duration::from_millis(50))).map_err(io)?;

    let stop = Arc::new(AtomicBool::new(false));
    let echo = {
        let stop = stop.clone();
        thread::Builder::new()
            .name("link-probe-echo".into())
            .spawn(move || echo(&server, &stop))
            .map_err(io)?
    };
    let round_trips = probe(&client, args, wait);
    stop.store(true, Ordering::Relaxed);
    let _ = echo.join();
    let capture = link.finish().map_err(link_error)?;

    let answered = round_trips.len();
    let stats = capture.stats;
    println!(
        "link-probe: rtt {:.3} ms, {} echoes, {answered} answered; link forwarded {}, lost {}, \
         queue drops {}, too big {}",
        args.rtt.as_secs_f64() * 1e3,
        args.count,
        stats.forwarded,
        stats.lost,
        stats.queue_drops,
        stats.too_big,
    );
    let half_rtt = i64::try_from(args.rtt.as_nanos() / 2).unwrap_or(i64::MAX);
    let crossings = crossing::crossings(&capture);
    let one_way: Vec<i64> =
        crossings.iter().map(|crossing: &Crossing| crossing.delay_ns() - half_rtt).collect();
    print_errors("one-way delay error (capture)", "frames", &one_way);
    let rtt = i64::try_from(args.rtt.as_nanos()).unwrap_or(i64::MAX);
    let round_trip: Vec<i64> = round_trips.iter().map(|&measured| measured - rtt).collect();
    print_errors("round-trip error (application)", "echoes", &round_trip);
    Ok(Outcome::Complete)
}

fn link_error(error: LinkError) -> CliError {
    CliError::Usage(error.to_string())
}

/// Answers every datagram with itself until `stop`.
fn echo(server: &UdpSocket, stop: &AtomicBool) {
    let mut buffer = vec![0u8; 65_536];
    while !stop.load(Ordering::Relaxed) {
        if let Ok((len, from)) = server.recv_from(&mut buffer) {
            let _ = server.send_to(buffer.get(..len).unwrap_or_default(), from);
        }
    }
}

/// Sends `count` numbered echoes, one at a time; returns the round trip of each answered one,
/// in nanoseconds on the monotonic clock.
fn probe(client: &UdpSocket, args: &LinkProbeArgs, wait: Duration) -> Vec<i64> {
    let mut payload = vec![0u8; args.size.max(4)];
    let mut answer = vec![0u8; 65_536];
    let mut round_trips = Vec::new();
    for number in 0..args.count {
        if let Some(head) = payload.get_mut(..4) {
            head.copy_from_slice(&number.to_be_bytes());
        }
        let sent = Instant::now();
        if client.send(&payload).is_err() {
            continue;
        }
        // Skip late answers to earlier echoes; give up on this one after `wait`.
        while sent.elapsed() < wait {
            match client.recv(&mut answer) {
                Ok(len) if answer.get(..len).and_then(|bytes| bytes.get(..4)) == payload.get(..4) => {
                    round_trips.push(i64::try_from(sent.elapsed().as_nanos()).unwrap_or(i64::MAX));
                    break;
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        thread::sleep(args.interval);
    }
    round_trips
}

/// Prints the median, 99th percentile and largest of the absolute errors, in microseconds.
fn print_errors(what: &str, unit: &str, errors_ns: &[i64]) {
    let mut absolute: Vec<u64> = errors_ns.iter().map(|error| error.unsigned_abs()).collect();
    absolute.sort_unstable();
    let percentile = |fraction: f64| {
        let rank = ((absolute.len() as f64 * fraction).ceil() as usize).saturating_sub(1);
        absolute.get(rank).map_or(f64::NAN, |&ns| ns as f64 / 1e3)
    };
    println!(
        "{what}, {} {unit}: median {:.1} us, p99 {:.1} us, max {:.1} us",
        absolute.len(),
        percentile(0.5),
        percentile(0.99),
        percentile(1.0)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_a_unit() {
        assert_eq!(parse_duration("40ms"), Ok(Duration::from_millis(40)));
        assert_eq!(parse_duration("0.2s"), Ok(Duration::from_millis(200)));
        assert_eq!(parse_duration("500us"), Ok(Duration::from_micros(500)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("40").is_err());
        assert!(parse_duration("-5ms").is_err());
        assert!(parse_duration("5m").is_err());
    }
}
