//! Where a generator's client and server live: the caller's own network namespace (loopback),
//! or a namespace of their own at either end of an emulated link.
//!
//! A socket belongs to the namespace of the thread that made it and stays there wherever it is
//! used, so a generator only needs [`Host::enter`] to make its sockets; it talks from any thread.

use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Arc;
use std::thread;

/// One end of the traffic: its address, and the network namespace its sockets must be made in.
#[derive(Clone, Debug)]
pub struct Host {
    pub addr: IpAddr,
    /// The namespace, or `None` for the calling thread's own.
    namespace: Option<Arc<OwnedFd>>,
}

impl Host {
    /// 127.0.0.1 in the caller's own namespace.
    pub fn loopback() -> Self {
        Self { addr: IpAddr::V4(Ipv4Addr::LOCALHOST), namespace: None }
    }

    /// `addr` inside the network namespace `namespace` (an open `/proc/.../ns/net`).
    pub fn in_namespace(addr: IpAddr, namespace: OwnedFd) -> Self {
        Self { addr, namespace: Some(Arc::new(namespace)) }
    }

    /// Whether the host lives in a namespace of its own.
    pub fn has_namespace(&self) -> bool {
        self.namespace.is_some()
    }

    /// Runs `work` inside this host's namespace (on a thread that joined it and ends with it),
    /// or right here for the caller's own.
    pub fn enter<T: Send>(&self, work: impl FnOnce() -> T + Send) -> io::Result<T> {
        let Some(namespace) = &self.namespace else { return Ok(work()) };
        thread::scope(|scope| {
            let joined = thread::Builder::new().name("rttscope-host".into()).spawn_scoped(scope, || {
                // SAFETY: setns(2) with an open namespace descriptor; it moves only this thread.
                if unsafe { libc::setns(namespace.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(work())
            })?;
            joined.join().map_err(|_| io::Error::other("a thread inside the host's namespace panicked"))?
        })
    }
}

/// The two ends a generator connects.
#[derive(Clone, Debug)]
pub struct Hosts {
    pub client: Host,
    pub server: Host,
}

impl Hosts {
    /// Client and server both on the caller's loopback, as before any link.
    pub fn loopback() -> Self {
        Self { client: Host::loopback(), server: Host::loopback() }
    }
}
