//! A DTLS 1.3 peer for recording captures: wolfSSL over one UDP socket.
//!
//! `dtls13-peer server PORT CERT KEY`: answers one client: echoes each record it reads until
//! the client closes.
//! `dtls13-peer client HOST:PORT KEYLOG LINE...`: connects, sends each LINE and reads the echo,
//! then sends a close_notify; the traffic secrets go to KEYLOG in the NSS key log format.
//! Both send records of at most 600 bytes (wolfSSL_dtls_set_mtu), so a 2048-bit certificate
//! goes in fragments.

use std::ffi::{c_int, c_uchar, c_void, CString};
use std::fs::File;
use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::os::fd::AsRawFd;
use std::process::exit;

use wolfssl_sys as w;

const MTU: u16 = 600;

fn fail(what: &str) -> ! {
    eprintln!("dtls13-peer: {what}");
    exit(1)
}

fn check(ret: c_int, what: &str) {
    if ret != w::WOLFSSL_SUCCESS as c_int {
        fail(&format!("{what} failed ({ret})"));
    }
}

/// The NSS key log label of a wolfSSL secret id (enum Tls13Secret).
fn label(id: c_int) -> Option<&'static str> {
    Some(match id as u32 {
        w::Tls13Secret_CLIENT_EARLY_TRAFFIC_SECRET => "CLIENT_EARLY_TRAFFIC_SECRET",
        w::Tls13Secret_CLIENT_HANDSHAKE_TRAFFIC_SECRET => "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        w::Tls13Secret_SERVER_HANDSHAKE_TRAFFIC_SECRET => "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        w::Tls13Secret_CLIENT_TRAFFIC_SECRET => "CLIENT_TRAFFIC_SECRET_0",
        w::Tls13Secret_SERVER_TRAFFIC_SECRET => "SERVER_TRAFFIC_SECRET_0",
        w::Tls13Secret_EXPORTER_SECRET => "EXPORTER_SECRET",
        _ => return None,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// wolfSSL's Tls13SecretCb: appends one key log line to the File that `ctx` points to.
unsafe extern "C" fn secret_cb(
    ssl: *mut w::WOLFSSL,
    id: c_int,
    secret: *const c_uchar,
    len: c_int,
    ctx: *mut c_void,
) -> c_int {
    let (Some(name), Ok(len)) = (label(id), usize::try_from(len)) else {
        return 0;
    };
    let mut random = [0u8; 32];
    // SAFETY: ssl is the live session wolfSSL calls back for; random is 32 writable bytes.
    let n = unsafe { w::wolfSSL_get_client_random(ssl, random.as_mut_ptr(), random.len()) };
    // SAFETY: wolfSSL passes `len` readable bytes at `secret`, and ctx is the File that
    // main keeps alive for as long as the session.
    let (secret, file) = unsafe { (std::slice::from_raw_parts(secret, len), &mut *(ctx as *mut File)) };
    let line = format!("{name} {} {}\n", hex(&random[..n.min(32)]), hex(secret));
    if file.write_all(line.as_bytes()).is_err() {
        return -1;
    }
    0
}

fn session(ctx: *mut w::WOLFSSL_CTX, sock: &UdpSocket, peer: SocketAddr) -> *mut w::WOLFSSL {
    // SAFETY: ctx is a valid context; the socket outlives the session.
    unsafe {
        let ssl = w::wolfSSL_new(ctx);
        if ssl.is_null() {
            fail("wolfSSL_new");
        }
        check(w::wolfSSL_set_fd(ssl, sock.as_raw_fd()), "wolfSSL_set_fd");
        let sa = socket2_addr(peer);
        check(w::wolfSSL_dtls_set_peer(ssl, sa.0.as_ptr() as *mut c_void, sa.1), "wolfSSL_dtls_set_peer");
        check(w::wolfSSL_dtls_set_mtu(ssl, MTU), "wolfSSL_dtls_set_mtu");
        ssl
    }
}

/// A sockaddr_in for an IPv4 peer, as bytes, and its length.
fn socket2_addr(peer: SocketAddr) -> ([u8; 16], u32) {
    let SocketAddr::V4(v4) = peer else { fail("IPv4 peers only") };
    let mut sa = [0u8; 16];
    sa[..2].copy_from_slice(&(2u16).to_ne_bytes()); // AF_INET
    sa[2..4].copy_from_slice(&v4.port().to_be_bytes());
    sa[4..8].copy_from_slice(&v4.ip().octets());
    (sa, 16)
}

fn context(client: bool) -> *mut w::WOLFSSL_CTX {
    // SAFETY: plain wolfSSL calls in the documented order.
    unsafe {
        check(w::wolfSSL_Init(), "wolfSSL_Init");
        let method = if client { w::wolfDTLSv1_3_client_method() } else { w::wolfDTLSv1_3_server_method() };
        let ctx = w::wolfSSL_CTX_new(method);
        if ctx.is_null() {
            fail("wolfSSL_CTX_new");
        }
        w::wolfSSL_CTX_set_verify(ctx, w::WOLFSSL_VERIFY_NONE as c_int, None);
        ctx
    }
}

fn server(port: &str, cert: &str, key: &str) {
    let sock = UdpSocket::bind(format!("0.0.0.0:{port}")).unwrap_or_else(|e| fail(&format!("bind: {e}")));
    let ctx = context(false);
    let (cert, key) = (cstr(cert), cstr(key));
    // SAFETY: ctx is valid; the paths are NUL-terminated.
    unsafe {
        check(w::wolfSSL_CTX_use_certificate_chain_file(ctx, cert.as_ptr()), "certificate");
        check(
            w::wolfSSL_CTX_use_PrivateKey_file(ctx, key.as_ptr(), w::WOLFSSL_FILETYPE_PEM as c_int),
            "private key",
        );
    }
    let mut probe = [0u8; 1];
    let (_, peer) = sock.peek_from(&mut probe).unwrap_or_else(|e| fail(&format!("peek: {e}")));
    let ssl = session(ctx, &sock, peer);
    let mut buf = [0u8; 2048];
    // SAFETY: ssl is valid; buf is writable for its length.
    unsafe {
        check(w::wolfSSL_accept(ssl), "wolfSSL_accept");
        loop {
            let n = w::wolfSSL_read(ssl, buf.as_mut_ptr() as *mut c_void, buf.len() as c_int);
            if n <= 0 {
                break;
            }
            if w::wolfSSL_write(ssl, buf.as_ptr() as *const c_void, n) != n {
                fail("wolfSSL_write");
            }
        }
        w::wolfSSL_shutdown(ssl);
        w::wolfSSL_free(ssl);
        w::wolfSSL_CTX_free(ctx);
    }
}

fn client(addr: &str, keylog: &str, lines: &[String]) {
    let peer = addr.to_socket_addrs().ok().and_then(|mut a| a.next()).unwrap_or_else(|| fail("bad address"));
    let sock = UdpSocket::bind("0.0.0.0:0").unwrap_or_else(|e| fail(&format!("bind: {e}")));
    sock.connect(peer).unwrap_or_else(|e| fail(&format!("connect: {e}")));
    let mut file = File::create(keylog).unwrap_or_else(|e| fail(&format!("{keylog}: {e}")));
    let ctx = context(true);
    let ssl = session(ctx, &sock, peer);
    let mut buf = [0u8; 2048];
    // SAFETY: ssl is valid; `file` outlives the session that writes through the callback.
    unsafe {
        check(
            w::wolfSSL_set_tls13_secret_cb(ssl, Some(secret_cb), &mut file as *mut File as *mut c_void),
            "wolfSSL_set_tls13_secret_cb",
        );
        check(w::wolfSSL_connect(ssl), "wolfSSL_connect");
        for line in lines {
            let data = format!("{line}\n");
            let len = data.len() as c_int;
            if w::wolfSSL_write(ssl, data.as_ptr() as *const c_void, len) != len {
                fail("wolfSSL_write");
            }
            let n = w::wolfSSL_read(ssl, buf.as_mut_ptr() as *mut c_void, buf.len() as c_int);
            if n <= 0 {
                fail("wolfSSL_read");
            }
            print!("{}", String::from_utf8_lossy(&buf[..n as usize]));
        }
        w::wolfSSL_shutdown(ssl);
        w::wolfSSL_free(ssl);
        w::wolfSSL_CTX_free(ctx);
    }
}

fn cstr(s: &str) -> CString {
    CString::new(s).unwrap_or_else(|_| fail("NUL in a path"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("server") if args.len() == 4 => server(&args[1], &args[2], &args[3]),
        Some("client") if args.len() >= 3 => client(&args[1], &args[2], &args[3..]),
        _ => fail("usage: dtls13-peer server PORT CERT KEY | client HOST:PORT KEYLOG LINE..."),
    }
}
