//! The emulator thread: moves frames between the client's port and the server's port when the
//! [`Schedule`] says, and records each frame on the side it was seen, on one clock.
//!
//! The thread sleeps in `poll(2)` on both ports, a stop eventfd, and a `CLOCK_MONOTONIC`
//! timerfd armed at the absolute time of the next departure, with a timer slack of 1 µs.
//!
//! Invariants:
//! - The thread never panics: it indexes nothing that can fail and unwraps nothing; an I/O
//!   error ends it, and [`Link::finish`](super::Link::finish) returns that error.
//! - A frame is recorded on the client side when read from or written to the client's port,
//!   on the server side likewise; a dropped frame appears only on the side that sent it.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use super::port::Port;
use super::schedule::{Direction, DropReason, Schedule};
use super::{LinkCapture, LinkError, LinkStats};
use crate::capture::LivePacket;

/// Largest frame a port can read: the middle's MTU plus an Ethernet header, and some room.
const FRAME_BUFFER: usize = 65_536 + 64;

/// Most frames read from one port per wake-up, so one busy direction cannot starve the other.
const READ_BATCH: usize = 256;

/// Timer slack asked for the emulator thread: 1 µs instead of the default 50 µs.
const TIMER_SLACK_NS: libc::c_ulong = 1000;

/// The timer fires this long before a departure, and the thread spins the rest of the way.
/// Waking a sleeping thread (on a virtual machine, a halted virtual CPU; on a kernel without
/// preemption) takes tens of microseconds typically and up to 1.7 ms at p99 on the two-core
/// machine this was measured on: with 200 µs of spin the one-way error's p99 was 1.2 to 1.7 ms,
/// with 2 ms it is 3 to 40 µs (`scripts/bench-link.sh`). A spin costs at most this much CPU per
/// departure, and departures closer together than this share one: while traffic flows, the
/// emulator keeps about one core busy, which a demo's short exchanges can afford.
const SPIN_AHEAD_NS: u64 = 2_000_000;

/// The emulator thread's SCHED_FIFO priority, where it may have one (as root). On a busy
/// machine an ordinary thread can wait tens of milliseconds for a core; a real-time one runs
/// as soon as its timer fires. It sleeps between frames, and the kernel's real-time throttling
/// bounds it even if it did not.
const REALTIME_PRIORITY: libc::c_int = 10;

/// Wall-clock time of monotonic instants: one (realtime, monotonic) pair taken at start, so
/// both sides of the capture share one clock that never steps.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    realtime_ns: i64,
    monotonic_ns: u64,
}

impl Clock {
    pub fn start() -> Self {
        let monotonic_ns = monotonic_ns();
        let realtime_ns = clock_ns(libc::CLOCK_REALTIME);
        Self { realtime_ns: i64::try_from(realtime_ns).unwrap_or(i64::MAX), monotonic_ns }
    }

    /// Nanoseconds since the Unix epoch of the monotonic instant `monotonic_ns`.
    pub fn wall_ns(&self, monotonic_ns: u64) -> i64 {
        let elapsed = i64::try_from(monotonic_ns.saturating_sub(self.monotonic_ns)).unwrap_or(i64::MAX);
        self.realtime_ns.saturating_add(elapsed)
    }

    /// The monotonic instant of a kernel `CLOCK_REALTIME` stamp, by the same pair; never after
    /// `now_ns` (the stamp cannot be in the future) nor before the link started.
    pub fn monotonic_of(&self, realtime_ns: i64, now_ns: u64) -> u64 {
        let elapsed = u64::try_from(realtime_ns.saturating_sub(self.realtime_ns)).unwrap_or(0);
        self.monotonic_ns.saturating_add(elapsed).min(now_ns)
    }
}

/// `CLOCK_MONOTONIC` now, in nanoseconds.
pub fn monotonic_ns() -> u64 {
    clock_ns(libc::CLOCK_MONOTONIC)
}

fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `now` is a writable timespec; the clocks named always exist.
    unsafe { libc::clock_gettime(clock, &mut now) };
    let seconds = u64::try_from(now.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(now.tv_nsec).unwrap_or(0);
    seconds.saturating_mul(1_000_000_000).saturating_add(nanos)
}

/// What the running emulator needs from the link, and what stops it.
pub struct Emulator {
    client_port: Port,
    server_port: Port,
    schedule: Schedule,
    clock: Clock,
    stop: Arc<OwnedFd>,
}

impl Emulator {
    pub fn new(
        client_port: Port,
        server_port: Port,
        schedule: Schedule,
        clock: Clock,
        stop: Arc<OwnedFd>,
    ) -> Self {
        Self { client_port, server_port, schedule, clock, stop }
    }

    /// Starts the emulator thread.
    pub fn spawn(self) -> io::Result<JoinHandle<Result<LinkCapture, LinkError>>> {
        thread::Builder::new().name("link-emulator".into()).spawn(move || self.run())
    }

    fn run(mut self) -> Result<LinkCapture, LinkError> {
        let failed =
            |step: &'static str| move |error: io::Error| LinkError::Failed(format!("{step}: {error}"));
        // SAFETY: prctl(2) with an option and a value; it changes only this thread's slack.
        unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, TIMER_SLACK_NS, 0, 0, 0) };
        let priority = libc::sched_param { sched_priority: REALTIME_PRIORITY };
        // SAFETY: changes only this thread's policy; refused without the privilege, in which
        // case the thread keeps its ordinary one (a user namespace gives no such privilege).
        unsafe { libc::pthread_setschedparam(libc::pthread_self(), libc::SCHED_FIFO, &priority) };
        let mut timer = Timer::new().map_err(failed("making the emulator's timer"))?;
        // Its ports open and its priority set, the thread that reads every frame needs no
        // privilege (the thread that built the namespaces keeps its own).
        crate::privilege::drop_this_thread().map_err(|error| LinkError::Failed(error.to_string()))?;
        let mut capture = LinkCapture::default();
        let mut buffer = vec![0u8; FRAME_BUFFER];
        loop {
            let wake_at =
                self.schedule.next_deadline().map(|deadline| deadline.saturating_sub(SPIN_AHEAD_NS));
            timer.arm(wake_at).map_err(failed("arming the emulator's timer"))?;
            let ready = self.wait(&timer).map_err(failed("waiting for frames"))?;
            if ready.stop {
                return Ok(capture);
            }
            if ready.timer {
                timer.clear();
            }
            for direction in [Direction::ClientToServer, Direction::ServerToClient] {
                self.receive(direction, &mut buffer, &mut capture).map_err(failed("reading a frame"))?;
            }
            self.depart(&mut capture).map_err(failed("writing a frame"))?;
        }
    }

    /// Reads what waits on the port `direction` starts from, and hands each frame to the model.
    fn receive(
        &mut self,
        direction: Direction,
        buffer: &mut [u8],
        capture: &mut LinkCapture,
    ) -> io::Result<()> {
        let (port, side) = match direction {
            Direction::ClientToServer => (&self.client_port, &mut capture.client_side),
            Direction::ServerToClient => (&self.server_port, &mut capture.server_side),
        };
        for _ in 0..READ_BATCH {
            let Some(read) = port.recv(buffer)? else { return Ok(()) };
            let now_ns = monotonic_ns();
            let arrival_ns = read.received_ns.map_or(now_ns, |stamp| self.clock.monotonic_of(stamp, now_ns));
            let data = buffer.get(..read.captured).unwrap_or_default().to_vec();
            side.push(LivePacket {
                ts_ns: self.clock.wall_ns(arrival_ns),
                orig_len: u32::try_from(read.orig_len).unwrap_or(u32::MAX),
                data: data.clone(),
            });
            if read.captured < read.orig_len {
                // Longer than any MTU the link allows: it never crosses.
                capture.stats.too_big += 1;
                continue;
            }
            match self.schedule.handle_frame(direction, data, arrival_ns) {
                Ok(_) => {}
                Err(reason) => count_drop(&mut capture.stats, reason),
            }
        }
        Ok(())
    }

    /// Writes every frame whose time has come out of the port at the far end, spinning for
    /// those due within [`SPIN_AHEAD_NS`]. Frames arriving meanwhile wait in the kernel, their
    /// arrival already stamped.
    fn depart(&mut self, capture: &mut LinkCapture) -> io::Result<()> {
        while let Some(deadline) = self.schedule.next_deadline() {
            let now = monotonic_ns();
            if deadline > now.saturating_add(SPIN_AHEAD_NS) {
                break;
            }
            if deadline > now {
                std::hint::spin_loop();
                continue;
            }
            let Some((direction, frame)) = self.schedule.poll_departure(now) else { break };
            let (port, side) = match direction {
                Direction::ClientToServer => (&self.server_port, &mut capture.server_side),
                Direction::ServerToClient => (&self.client_port, &mut capture.client_side),
            };
            // Stamped before the write: the receiving kernel may answer within the write
            // itself, and its answer must not be recorded as older than what it answers.
            let sent_ns = monotonic_ns();
            match port.send(&frame) {
                Ok(()) => {}
                // The kernel's own queue is full: the frame is lost there, as on a real link.
                Err(error) if matches!(error.raw_os_error(), Some(libc::EAGAIN | libc::ENOBUFS)) => {
                    capture.stats.queue_drops += 1;
                    continue;
                }
                Err(error) => return Err(error),
            }
            capture.stats.forwarded += 1;
            let orig_len = u32::try_from(frame.len()).unwrap_or(u32::MAX);
            side.push(LivePacket { ts_ns: self.clock.wall_ns(sent_ns), orig_len, data: frame });
        }
        Ok(())
    }

    /// Sleeps until a port has a frame, the timer fires, or a stop is asked for.
    fn wait(&self, timer: &Timer) -> io::Result<Ready> {
        let watch = |fd: i32| libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
        let mut fds = [
            watch(self.client_port.fd().as_raw_fd()),
            watch(self.server_port.fd().as_raw_fd()),
            watch(timer.fd.as_raw_fd()),
            watch(self.stop.as_raw_fd()),
        ];
        loop {
            // SAFETY: `fds` is an array of valid pollfds and its length is given.
            let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) };
            if ready >= 0 {
                break;
            }
            let error = io::Error::last_os_error();
            if error.kind() != io::ErrorKind::Interrupted {
                return Err(error);
            }
        }
        let [_, _, timer, stop] = fds;
        let failed = libc::POLLERR | libc::POLLNVAL;
        if fds.iter().any(|fd| fd.revents & failed != 0) {
            return Err(io::Error::other("a port or timer of the emulator failed"));
        }
        Ok(Ready { timer: timer.revents & libc::POLLIN != 0, stop: stop.revents & libc::POLLIN != 0 })
    }
}

fn count_drop(stats: &mut LinkStats, reason: DropReason) {
    match reason {
        DropReason::TooBig => stats.too_big += 1,
        DropReason::Rule => stats.dropped_by_rule += 1,
        DropReason::Lost => stats.lost += 1,
        DropReason::QueueFull => stats.queue_drops += 1,
    }
}

struct Ready {
    timer: bool,
    stop: bool,
}

/// A `CLOCK_MONOTONIC` timerfd armed at absolute deadlines.
struct Timer {
    fd: OwnedFd,
    /// The deadline it is armed for, so an unchanged one is not set again.
    armed: Option<u64>,
}

impl Timer {
    fn new() -> io::Result<Self> {
        // SAFETY: plain system call with constant arguments.
        let fd =
            unsafe { libc::timerfd_create(libc::CLOCK_MONOTONIC, libc::TFD_NONBLOCK | libc::TFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a new descriptor that nothing else owns.
        Ok(Self { fd: unsafe { OwnedFd::from_raw_fd(fd) }, armed: None })
    }

    /// Fires at monotonic time `deadline_ns` (at once if it has passed); never for `None`.
    fn arm(&mut self, deadline_ns: Option<u64>) -> io::Result<()> {
        if deadline_ns == self.armed {
            return Ok(());
        }
        // A zero it_value disarms; a deadline of exactly 0 is in the past, so 1 ns does alike.
        let at = deadline_ns.map_or(0, |deadline| deadline.max(1));
        let value = libc::timespec {
            tv_sec: libc::time_t::try_from(at / 1_000_000_000).unwrap_or(libc::time_t::MAX),
            tv_nsec: libc::c_long::try_from(at % 1_000_000_000).unwrap_or(0),
        };
        let setting =
            libc::itimerspec { it_interval: libc::timespec { tv_sec: 0, tv_nsec: 0 }, it_value: value };
        // SAFETY: `setting` is a valid itimerspec; the old value is not asked for.
        let result = unsafe {
            libc::timerfd_settime(
                self.fd.as_raw_fd(),
                libc::TFD_TIMER_ABSTIME,
                &setting,
                std::ptr::null_mut(),
            )
        };
        if result != 0 {
            return Err(io::Error::last_os_error());
        }
        self.armed = deadline_ns;
        Ok(())
    }

    /// Reads the expiry count, so the timer stops reading as ready, and forgets the deadline
    /// it fired for.
    fn clear(&mut self) {
        self.armed = None;
        let mut expirations = 0u64;
        // SAFETY: reads at most 8 bytes into a u64; a non-blocking timerfd with nothing to read
        // fails with EAGAIN, which changes nothing.
        unsafe { libc::read(self.fd.as_raw_fd(), (&raw mut expirations).cast::<libc::c_void>(), 8) };
    }
}

/// An eventfd that stops the emulator when written.
pub fn stop_event() -> io::Result<OwnedFd> {
    // SAFETY: plain system call with constant arguments.
    let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Asks the emulator watching `event` to stop.
pub fn signal_stop(event: &OwnedFd) {
    let one = 1u64;
    // SAFETY: writes 8 bytes from a u64 to an eventfd; a full counter fails with EAGAIN, and the
    // event is then already set.
    unsafe { libc::write(event.as_raw_fd(), (&raw const one).cast::<libc::c_void>(), 8) };
}
