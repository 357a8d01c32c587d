//! The link's model of time, sans-IO: when each frame leaves, or why it never does.
//!
//! [`Schedule::handle_frame`] takes a frame and the time it reached the link; it answers with
//! the frame's departure time, or the reason it was dropped. [`Schedule::poll_departure`] hands
//! back the frames whose time has come, and [`Schedule::next_deadline`] says when the next one
//! is due. No clock and no socket: the emulator thread feeds it `CLOCK_MONOTONIC` nanoseconds,
//! tests feed it fake time.
//!
//! Invariants:
//! - Each direction is a FIFO: frames leave in the order they arrived, never reordered, each at
//!   `max(arrival + rtt/2 + jitter, previous departure + size * 8 / rate)`.
//! - Each frame consumes exactly two draws (loss, then jitter) from its direction's generator,
//!   whatever becomes of it, so the n-th frame of a direction meets the same draws for the same
//!   seed, however the two directions interleave.

use std::collections::VecDeque;

use super::classify;
use super::config::{DropRule, LinkConfig};

/// Which way a frame crosses the link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    ClientToServer,
    ServerToClient,
}

impl Direction {
    fn lane(self) -> usize {
        match self {
            Self::ClientToServer => 0,
            Self::ServerToClient => 1,
        }
    }
}

/// Why a frame never crossed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// Its IP packet is longer than the MTU.
    TooBig,
    /// It is the first frame the `--drop` rule names.
    Rule,
    /// The `--loss` draw took it.
    Lost,
    /// `queue` frames were already waiting in its direction.
    QueueFull,
}

/// A frame waiting to leave.
#[derive(Debug)]
struct Waiting {
    departure_ns: u64,
    frame: Vec<u8>,
}

/// One direction of the link: its queue, its generator, and when its last frame leaves.
#[derive(Debug)]
struct Lane {
    direction: Direction,
    random: SplitMix64,
    waiting: VecDeque<Waiting>,
    last_departure_ns: u64,
}

/// The scheduling model of both directions.
#[derive(Debug)]
pub struct Schedule {
    half_rtt_ns: u64,
    jitter_ns: u64,
    loss_percent: f64,
    rate_bps: Option<u64>,
    mtu: usize,
    queue: usize,
    /// The `--drop` rule, until the frame it names has been dropped.
    drop: Option<DropRule>,
    lanes: [Lane; 2],
}

impl Schedule {
    pub fn new(config: &LinkConfig) -> Self {
        let lane = |direction: Direction, stream: u64| Lane {
            direction,
            // Each direction draws from a stream of its own, derived from the one seed.
            random: SplitMix64::new(config.seed ^ stream.wrapping_mul(0xa076_1d64_78bd_642f)),
            waiting: VecDeque::new(),
            last_departure_ns: 0,
        };
        Self {
            half_rtt_ns: duration_ns(config.rtt) / 2,
            jitter_ns: duration_ns(config.jitter),
            loss_percent: config.loss_percent,
            rate_bps: config.rate_bps.filter(|&rate| rate > 0),
            mtu: usize::try_from(config.mtu).unwrap_or(usize::MAX),
            queue: config.queue,
            drop: config.drop,
            lanes: [lane(Direction::ClientToServer, 1), lane(Direction::ServerToClient, 2)],
        }
    }

    /// Takes `frame`, which reached the link at `arrival_ns` going `direction`: returns when it
    /// will leave (and keeps it until then), or why it never will.
    pub fn handle_frame(
        &mut self,
        direction: Direction,
        frame: Vec<u8>,
        arrival_ns: u64,
    ) -> Result<u64, DropReason> {
        let serialisation_ns = self.serialisation_ns(frame.len());
        let lane = &mut self.lanes[direction.lane()];
        let loss_draw = lane.random.next_fraction() * 100.0;
        let jitter_draw = match self.jitter_ns {
            0 => {
                lane.random.next_u64();
                0
            }
            jitter => lane.random.next_u64() % (jitter + 1),
        };
        if classify::ip_packet_len(&frame) > self.mtu {
            return Err(DropReason::TooBig);
        }
        if let Some(rule) = self.drop
            && classify::matches(rule, direction, &frame)
        {
            self.drop = None;
            return Err(DropReason::Rule);
        }
        if loss_draw < self.loss_percent {
            return Err(DropReason::Lost);
        }
        // Frames whose departure time has passed have left, whether or not they were polled.
        let gone = lane.waiting.partition_point(|waiting| waiting.departure_ns <= arrival_ns);
        if lane.waiting.len() - gone >= self.queue {
            return Err(DropReason::QueueFull);
        }
        let propagated = arrival_ns.saturating_add(self.half_rtt_ns).saturating_add(jitter_draw);
        let serialised = lane.last_departure_ns.saturating_add(serialisation_ns);
        let departure_ns = propagated.max(serialised);
        lane.last_departure_ns = departure_ns;
        lane.waiting.push_back(Waiting { departure_ns, frame });
        Ok(departure_ns)
    }

    /// The next frame due to leave by `now_ns`, earliest first, with its direction.
    pub fn poll_departure(&mut self, now_ns: u64) -> Option<(Direction, Vec<u8>)> {
        let lane = self
            .lanes
            .iter_mut()
            .filter(|lane| lane.waiting.front().is_some_and(|head| head.departure_ns <= now_ns))
            .min_by_key(|lane| lane.waiting.front().map_or(u64::MAX, |head| head.departure_ns))?;
        let waiting = lane.waiting.pop_front()?;
        Some((lane.direction, waiting.frame))
    }

    /// When the next waiting frame is due, if any is waiting.
    pub fn next_deadline(&self) -> Option<u64> {
        self.lanes.iter().filter_map(|lane| lane.waiting.front().map(|head| head.departure_ns)).min()
    }

    /// How long `len` bytes take to go out at the configured rate.
    fn serialisation_ns(&self, len: usize) -> u64 {
        let Some(rate) = self.rate_bps else { return 0 };
        let bits = u128::try_from(len).unwrap_or(u128::MAX).saturating_mul(8);
        u64::try_from(bits.saturating_mul(1_000_000_000) / u128::from(rate)).unwrap_or(u64::MAX)
    }
}

fn duration_ns(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny generator whose whole state is one seed,
/// ample for loss and jitter draws, and the same on every platform.
#[derive(Clone, Debug)]
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A draw in [0, 1), from the top 53 bits.
    fn next_fraction(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::link::classify::tests::{tcp_frame, tls_handshake, udp_frame};

    const MS: u64 = 1_000_000;
    use Direction::{ClientToServer as C2S, ServerToClient as S2C};

    fn config(rtt_ms: u64) -> LinkConfig {
        LinkConfig { rtt: Duration::from_millis(rtt_ms), ..LinkConfig::default() }
    }

    /// A UDP frame whose payload is `number`, `len` bytes long in all.
    fn numbered(number: u32, len: usize) -> Vec<u8> {
        let mut payload = number.to_be_bytes().to_vec();
        payload.resize(len.saturating_sub(14 + 20 + 8).max(4), 0);
        udp_frame(&payload)
    }

    /// Everything due by `now`, in the order it leaves.
    fn drain(schedule: &mut Schedule, now_ns: u64) -> Vec<(Direction, Vec<u8>)> {
        std::iter::from_fn(|| schedule.poll_departure(now_ns)).collect()
    }

    #[test]
    fn a_frame_leaves_half_a_round_trip_after_it_arrived() {
        let mut schedule = Schedule::new(&config(40));
        let frame = numbered(1, 100);
        assert_eq!(schedule.handle_frame(C2S, frame.clone(), 5 * MS), Ok(25 * MS));
        assert_eq!(schedule.handle_frame(S2C, numbered(2, 100), 7 * MS), Ok(27 * MS));
        assert_eq!(schedule.next_deadline(), Some(25 * MS));
        assert!(schedule.poll_departure(25 * MS - 1).is_none());
        assert_eq!(schedule.poll_departure(25 * MS), Some((C2S, frame)));
        assert_eq!(schedule.next_deadline(), Some(27 * MS));
        assert_eq!(drain(&mut schedule, 30 * MS).len(), 1);
        assert_eq!(schedule.next_deadline(), None);
    }

    #[test]
    fn jitter_stays_within_its_bound_and_varies() {
        let mut schedule =
            Schedule::new(&LinkConfig { jitter: Duration::from_millis(10), queue: 100_000, ..config(20) });
        let mut extras = Vec::new();
        // Frames 1 s apart, so FIFO order never holds one back behind the other.
        for number in 0..2000 {
            let arrival = u64::from(number) * 1000 * MS;
            let departure = schedule.handle_frame(C2S, numbered(number, 100), arrival).expect("no loss");
            extras.push(departure - arrival - 10 * MS);
        }
        assert!(extras.iter().all(|&extra| extra <= 10 * MS), "{:?}", extras.iter().max());
        let mean = extras.iter().sum::<u64>() / extras.len() as u64;
        assert!((4 * MS..6 * MS).contains(&mean), "mean jitter {mean} ns, not near 5 ms");
        assert!(extras.iter().any(|&extra| extra < MS) && extras.iter().any(|&extra| extra > 9 * MS));
    }

    #[test]
    fn jitter_never_reorders_a_direction() {
        let mut schedule =
            Schedule::new(&LinkConfig { jitter: Duration::from_millis(30), queue: 100_000, ..config(10) });
        for number in 0..500 {
            schedule.handle_frame(C2S, numbered(number, 100), u64::from(number) * 100_000).expect("kept");
        }
        let mut previous = 0;
        let mut order = Vec::new();
        let mut now = 0;
        while let Some(deadline) = schedule.next_deadline() {
            assert!(deadline >= previous, "departures go back in time");
            previous = deadline;
            now = now.max(deadline);
            order.extend(drain(&mut schedule, now).into_iter().map(|(_, frame)| frame));
        }
        let expected: Vec<_> = (0..500).map(|number| numbered(number, 100)).collect();
        assert_eq!(order, expected);
    }

    #[test]
    fn a_rate_spaces_frames_by_their_serialisation_time() {
        // 1 Mbit/s: a 1250-byte frame takes 10 ms to go out.
        let mut schedule = Schedule::new(&LinkConfig { rate_bps: Some(1_000_000), ..config(20) });
        let departures: Vec<_> = (0..4)
            .map(|number| schedule.handle_frame(C2S, numbered(number, 1250), 0).expect("kept"))
            .collect();
        assert_eq!(departures, [10 * MS, 20 * MS, 30 * MS, 40 * MS]);
        // The other direction has a link of its own.
        assert_eq!(schedule.handle_frame(S2C, numbered(9, 1250), 0), Ok(10 * MS));
        // Once the queue has drained, a frame leaves after the delay alone.
        assert_eq!(schedule.handle_frame(C2S, numbered(5, 1250), 100 * MS), Ok(110 * MS));
    }

    #[test]
    fn a_full_queue_drops_the_tail() {
        let mut schedule = Schedule::new(&LinkConfig { queue: 3, ..config(20) });
        for number in 0..3 {
            assert!(schedule.handle_frame(C2S, numbered(number, 100), 0).is_ok());
        }
        assert_eq!(schedule.handle_frame(C2S, numbered(3, 100), MS), Err(DropReason::QueueFull));
        // The other direction's queue is its own.
        assert!(schedule.handle_frame(S2C, numbered(4, 100), MS).is_ok());
        // Once the head has left (polled or not), there is room again.
        assert!(schedule.handle_frame(C2S, numbered(5, 100), 10 * MS).is_ok());
        let left: Vec<_> = drain(&mut schedule, 40 * MS).into_iter().map(|(_, frame)| frame).collect();
        assert_eq!(left, [0, 1, 2, 4, 5].map(|number| numbered(number, 100)));
    }

    #[test]
    fn a_packet_bigger_than_the_mtu_never_crosses() {
        let mut schedule = Schedule::new(&LinkConfig { mtu: 1280, ..config(20) });
        assert!(schedule.handle_frame(C2S, numbered(1, 1280 + 14), 0).is_ok());
        assert_eq!(schedule.handle_frame(C2S, numbered(2, 1281 + 14), 0), Err(DropReason::TooBig));
        assert_eq!(schedule.handle_frame(S2C, numbered(3, 1500 + 14), 0), Err(DropReason::TooBig));
    }

    #[test]
    fn the_drop_rule_takes_the_first_match_only() {
        let mut schedule = Schedule::new(&LinkConfig { drop: Some(DropRule::ClientHello), ..config(20) });
        let client_hello = tcp_frame(0x18, &tls_handshake(1));
        // A ServerHello, and the ClientHello going the wrong way, are not the rule's.
        assert!(schedule.handle_frame(S2C, tcp_frame(0x18, &tls_handshake(2)), 0).is_ok());
        assert!(schedule.handle_frame(S2C, client_hello.clone(), 0).is_ok());
        assert_eq!(schedule.handle_frame(C2S, client_hello.clone(), MS), Err(DropReason::Rule));
        // The retransmission crosses.
        assert!(schedule.handle_frame(C2S, client_hello, 300 * MS).is_ok());
    }

    /// The numbers of the frames (0..count, one direction) a seed's loss draws drop.
    fn lost_with(seed: u64, count: u32) -> Vec<u32> {
        let mut schedule =
            Schedule::new(&LinkConfig { loss_percent: 20.0, seed, queue: 100_000, ..config(20) });
        (0..count)
            .filter(|&number| {
                // The server's frames interleave differently for each seed: they must not
                // change which client frames are lost.
                for _ in 0..(seed as u32 + number) % 3 {
                    let _ = schedule.handle_frame(S2C, numbered(number, 60), u64::from(number));
                }
                schedule.handle_frame(C2S, numbered(number, 100), u64::from(number)) == Err(DropReason::Lost)
            })
            .collect()
    }

    #[test]
    fn the_same_seed_drops_the_same_frames() {
        let first = lost_with(7, 2000);
        assert_eq!(first, lost_with(7, 2000));
        // About a fifth of them.
        assert!((300..500).contains(&first.len()), "{} of 2000 lost at 20%", first.len());
        // The n-th client frame meets the same draws however the server's frames interleave.
        let mut a = Schedule::new(&LinkConfig { loss_percent: 50.0, seed: 3, ..config(0) });
        let mut b = Schedule::new(&LinkConfig { loss_percent: 50.0, seed: 3, ..config(0) });
        for number in 0..200 {
            let _ = b.handle_frame(S2C, numbered(number, 60), 0);
            assert_eq!(
                a.handle_frame(C2S, numbered(number, 100), 0).is_err(),
                b.handle_frame(C2S, numbered(number, 100), 0).is_err()
            );
        }
    }

    #[test]
    fn different_seeds_drop_different_frames() {
        let lost_7 = lost_with(7, 2000);
        let lost_8 = lost_with(8, 2000);
        assert_ne!(lost_7, lost_8);
        let common = lost_7.iter().filter(|number| lost_8.contains(number)).count();
        // Independent 20% draws share about 4% of frames, not most of them.
        assert!(common < lost_7.len() / 2, "{common} of {} in common", lost_7.len());
    }

    #[test]
    fn no_loss_drops_nothing_and_full_loss_drops_everything() {
        let mut none = Schedule::new(&LinkConfig { queue: 100_000, ..config(1) });
        let mut all = Schedule::new(&LinkConfig { loss_percent: 100.0, ..config(1) });
        for number in 0..1000 {
            assert!(none.handle_frame(C2S, numbered(number, 100), 0).is_ok());
            assert_eq!(all.handle_frame(C2S, numbered(number, 100), 0), Err(DropReason::Lost));
        }
    }
}
