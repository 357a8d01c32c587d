//! The SSH generator (issue 18): OpenSSH's `sshd` in the server host's namespace and OpenSSH's
//! `ssh` in the client's, logging in with an Ed25519 key made for the run and running one
//! command.
//!
//! No Rust SSH implementation fits the project's rule that ring is its only cryptography
//! (russh brings RustCrypto's curves, ciphers and RSA besides), so the peers are OpenSSH's, as
//! in the interop captures; without them the generator says in one line what to install.
//! The server listens on the server host's address, on a port the kernel picked a moment
//! before; the keys, the server's configuration and its log live in a directory of the run's
//! own, removed with it; the server is ended by its pid. The command's output proves the login
//! and the command happened; the capture shows the handshake.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{Flow, GenError, Hosts, Report, STEP_TIMEOUT};

/// What the client runs on the server, and what it must print.
const COMMAND: &str = "echo rttscope-ssh";
const EXPECTED: &str = "rttscope-ssh";

/// SSH's registered port.
const SSH_PORT: u16 = 22;

/// OpenSSH's programs, found on the search path or where Debian puts `sshd`.
struct OpenSsh {
    sshd: PathBuf,
    ssh: PathBuf,
    keygen: PathBuf,
}

impl OpenSsh {
    fn find() -> Option<Self> {
        Some(Self { sshd: find("sshd")?, ssh: find("ssh")?, keygen: find("ssh-keygen")? })
    }
}

/// `program` on `PATH`, or in `/usr/sbin` and `/usr/bin`.
pub(super) fn find(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Whether OpenSSH's sshd, ssh and ssh-keygen are there for the ssh generator.
pub fn openssh_installed() -> bool {
    OpenSsh::find().is_some()
}

/// A directory removed when dropped.
pub(super) struct RunDir(pub PathBuf);

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A server process ended (by its pid) when dropped.
pub(super) struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One login and one command, from `hosts.client` to `hosts.server`.
pub(super) fn run(report: &mut Report, hosts: &Hosts) -> Result<(), GenError> {
    let variant = report.variant;
    let fail = |step: &'static str| move |error: io::Error| GenError::new(variant, step, error);
    let openssh = OpenSsh::find().ok_or_else(|| {
        GenError::new(
            variant,
            "finding OpenSSH",
            "the ssh generator runs OpenSSH's sshd, ssh and ssh-keygen, which are not installed: \
             apt-get install openssh-server openssh-client",
        )
    })?;
    let dir = RunDir(make_dir().map_err(fail("making the run's directory"))?);
    for (key, comment) in [("host_ed25519", "rttscope-host"), ("client_ed25519", "rttscope-client")] {
        keygen(&openssh.keygen, &dir.0.join(key), comment).map_err(fail("making a key"))?;
    }
    std::fs::copy(dir.0.join("client_ed25519.pub"), dir.0.join("authorized_keys"))
        .map_err(fail("authorizing the client's key"))?;
    // SSH's own port where it is free (rttscope, like tshark, reads SSH on port 22), else one
    // the kernel picks.
    let port = hosts
        .server
        .enter(|| {
            TcpListener::bind(SocketAddr::new(hosts.server.addr, SSH_PORT))
                .or_else(|_| TcpListener::bind(SocketAddr::new(hosts.server.addr, 0)))?
                .local_addr()
        })
        .and_then(|bound| bound)
        .map_err(fail("picking the server's port"))?
        .port();
    let address = SocketAddr::new(hosts.server.addr, port);
    write_config(&dir.0, address).map_err(fail("writing sshd_config"))?;
    // sshd run as root wants its privilege separation directory.
    let _ = std::fs::create_dir_all("/run/sshd");
    let log = std::fs::File::create(dir.0.join("sshd.log")).map_err(fail("starting sshd"))?;
    let sshd = hosts
        .server
        .enter(|| {
            Command::new(&openssh.sshd)
                .arg("-D")
                .arg("-e")
                .arg("-f")
                .arg(dir.0.join("sshd_config"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
        })
        .and_then(|spawned| spawned)
        .map_err(fail("starting sshd"))?;
    let mut server = Server(sshd);
    wait_listening(&dir.0.join("sshd.log"), &mut server.0).map_err(|error| {
        let log = std::fs::read_to_string(dir.0.join("sshd.log")).unwrap_or_default();
        let last = log.lines().last().unwrap_or_default().to_owned();
        GenError::new(variant, "starting sshd", format!("{error}: {last}"))
    })?;
    report.flows.push(Flow::Tcp(port));
    let output = hosts
        .client
        .enter(|| {
            Command::new(&openssh.ssh)
                .args(["-F", "none", "-p", &port.to_string(), "-i"])
                .arg(dir.0.join("client_ed25519"))
                .args([
                    "-o",
                    "StrictHostKeyChecking=no",
                    "-o",
                    "UserKnownHostsFile=/dev/null",
                    "-o",
                    "BatchMode=yes",
                    "-o",
                    "LogLevel=ERROR",
                    // OpenSSH 9's first choice, sntrup761x25519, is newer than tshark 4.0.
                    "-o",
                    "KexAlgorithms=curve25519-sha256",
                    "-o",
                    &format!("ConnectTimeout={}", STEP_TIMEOUT.as_secs()),
                ])
                .arg(format!("{}@{}", user_name(), hosts.server.addr))
                .arg(COMMAND)
                .stdin(Stdio::null())
                .output()
        })
        .and_then(|output| output)
        .map_err(fail("running ssh"))?;
    report.connections += 1;
    let printed = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() || printed.trim() != EXPECTED {
        let said = String::from_utf8_lossy(&output.stderr);
        let said = said.lines().last().unwrap_or("no output");
        return Err(GenError::new(variant, "logging in and running the command", said));
    }
    report.evidence.push(format!(
        "OpenSSH's ssh logged in to sshd with an Ed25519 key and ran `{COMMAND}`, which printed {EXPECTED}"
    ));
    Ok(())
}

/// A fresh directory under the temporary directory, readable by its owner only.
fn make_dir() -> io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("rttscope-ssh-{}-{}", std::process::id(), nanos.as_nanos()));
    std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
    Ok(dir)
}

/// Makes an Ed25519 key pair without a passphrase at `path` (and `path`.pub).
fn keygen(keygen: &Path, path: &Path, comment: &str) -> io::Result<()> {
    let status = Command::new(keygen)
        .args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"])
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if status.success() { Ok(()) } else { Err(io::Error::other(format!("ssh-keygen exited with {status}"))) }
}

/// The server's configuration: this run's host key and authorized key, key logins only.
fn write_config(dir: &Path, address: SocketAddr) -> io::Result<()> {
    let listen = match address {
        SocketAddr::V4(v4) => format!("{}:{}", v4.ip(), v4.port()),
        SocketAddr::V6(v6) => format!("[{}]:{}", v6.ip(), v6.port()),
    };
    let config = format!(
        "ListenAddress {listen}\nHostKey {}\nAuthorizedKeysFile {}\nPermitRootLogin prohibit-password\n\
         PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n\
         PidFile none\nLogLevel INFO\n",
        dir.join("host_ed25519").display(),
        dir.join("authorized_keys").display(),
    );
    std::fs::write(dir.join("sshd_config"), config)
}

/// Waits until sshd says in its log that it listens, or says why it stopped. (A probe
/// connection would show in the capture as a connection of its own.)
fn wait_listening(log: &Path, sshd: &mut Child) -> io::Result<()> {
    let start = Instant::now();
    loop {
        if let Some(status) = sshd.try_wait()? {
            return Err(io::Error::other(format!("sshd exited with {status}")));
        }
        if std::fs::read_to_string(log).is_ok_and(|said| said.contains("Server listening on")) {
            return Ok(());
        }
        if start.elapsed() > STEP_TIMEOUT {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "sshd did not start listening"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The user the client logs in as: the one running rttscope.
fn user_name() -> String {
    // SAFETY: getpwuid returns a pointer to static storage or null; it is read right away.
    let entry = unsafe { libc::getpwuid(libc::getuid()) };
    if entry.is_null() {
        return std::env::var("USER").unwrap_or_else(|_| "root".to_owned());
    }
    // SAFETY: pw_name of a non-null entry is a NUL-terminated string.
    let name = unsafe { std::ffi::CStr::from_ptr((*entry).pw_name) };
    name.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_configuration_allows_this_run_s_key_only() {
        let dir = Path::new("/tmp/rttscope-ssh-x");
        let config_dir = make_dir().expect("a directory");
        write_config(&config_dir, "127.0.0.1:2222".parse().expect("an address")).expect("written");
        let config = std::fs::read_to_string(config_dir.join("sshd_config")).expect("read");
        let _ = std::fs::remove_dir_all(&config_dir);
        assert!(config.contains("ListenAddress 127.0.0.1:2222\n"), "{config}");
        assert!(config.contains("PasswordAuthentication no\n"), "{config}");
        assert!(config.contains(&format!("HostKey {}/host_ed25519", config_dir.display())), "{config}");
        assert!(!config.contains(&dir.display().to_string()));
    }
}
