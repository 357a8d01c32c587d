//! Capture filters (`-f 'tcp port 443'`): tcpdump's expression language, compiled to classic
//! BPF by libpcap's own `pcap_compile`, for the kernel to run on the packet socket.
//!
//! libpcap is loaded when a filter is compiled, not linked: building rttscope needs no libpcap,
//! and only `-f` needs it installed (Debian's `libpcap0.8`). No maintained pure-Rust compiler
//! covers tcpdump's language, and libpcap's is the reference every capture tool shares.
//!
//! Invariant: a [`BpfProgram`] is what `pcap_compile` produced, copied out before libpcap's own
//! copy is freed; the only change ever made to it is libpcap's own rewrite for cooked sockets
//! ([`BpfProgram::for_cooked_socket`]), which keeps its meaning or refuses.

use std::ffi::{CStr, CString, c_char, c_int, c_uint, c_void};

use libloading::Library;
use thiserror::Error;

use super::LinkType;

/// The names libpcap's shared library goes by: Debian's, then upstream's.
const LIBRARY_NAMES: [&str; 3] = ["libpcap.so.0.8", "libpcap.so.1", "libpcap.so"];

/// `PCAP_NETMASK_UNKNOWN`: `ip broadcast` cannot be compiled, everything else can.
const NETMASK_UNKNOWN: u32 = 0xffff_ffff;

/// libpcap's `DLT_RAW` on Linux: its pcap file number (101) is not what `pcap_open_dead` takes.
const DLT_RAW: c_int = 12;

/// The Linux cooked header's length, which a `SOCK_DGRAM` socket's filter does not see.
const SLL_HEADER_LEN: u32 = 16;

/// Why a capture filter cannot be used.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CaptureFilterError {
    #[error("-f needs libpcap (apt install libpcap0.8): {0}")]
    NoLibpcap(String),
    #[error("capture filter {expression:?}: {message}")]
    Invalid { expression: String, message: String },
    #[error("capture filter {expression:?} cannot be written for a {linktype} capture")]
    LinkType { expression: String, linktype: LinkType },
    #[error(
        "capture filter {0:?} reads link-layer header fields the kernel does not keep on this \
         interface (captured cooked); filter on the packet type, the protocol, or IP and above"
    )]
    NotInKernel(String),
}

/// A compiled capture filter: classic BPF instructions, as `SO_ATTACH_FILTER` takes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BpfProgram {
    instructions: Vec<BpfInstruction>,
}

/// One classic BPF instruction: libpcap's `struct bpf_insn`, the kernel's `struct sock_filter`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BpfInstruction {
    pub code: u16,
    /// Instructions to skip when the test holds.
    pub jt: u8,
    /// Instructions to skip when it does not.
    pub jf: u8,
    pub k: u32,
}

impl From<BpfInstruction> for libc::sock_filter {
    fn from(BpfInstruction { code, jt, jf, k }: BpfInstruction) -> Self {
        Self { code, jt, jf, k }
    }
}

/// libpcap's `struct bpf_program`.
#[repr(C)]
struct RawProgram {
    bf_len: c_uint,
    bf_insns: *mut BpfInstruction,
}

type OpenDead = unsafe extern "C" fn(c_int, c_int) -> *mut c_void;
type Compile = unsafe extern "C" fn(*mut c_void, *mut RawProgram, *const c_char, c_int, u32) -> c_int;
type GetErr = unsafe extern "C" fn(*mut c_void) -> *const c_char;
type FreeCode = unsafe extern "C" fn(*mut RawProgram);
type Close = unsafe extern "C" fn(*mut c_void);

/// Compiles `expression` for packets that begin as `linktype`, keeping at most `snaplen` bytes
/// of each, with libpcap's optimiser on (as tcpdump does).
pub fn compile(expression: &str, linktype: LinkType, snaplen: u32) -> Result<BpfProgram, CaptureFilterError> {
    let invalid =
        |message: String| CaptureFilterError::Invalid { expression: expression.to_owned(), message };
    let dlt = match linktype {
        LinkType::Ethernet => 1,
        LinkType::Raw => DLT_RAW,
        LinkType::LinuxSll => 113,
        other => {
            return Err(CaptureFilterError::LinkType { expression: expression.to_owned(), linktype: other });
        }
    };
    let text = CString::new(expression).map_err(|_| invalid("it holds a NUL byte".into()))?;
    let snaplen = c_int::try_from(snaplen).unwrap_or(c_int::MAX);
    let library = load()?;
    // SAFETY: each symbol is looked up by its libpcap name and given the C signature
    // pcap.h declares for it; the library outlives every use below.
    let (open_dead, compile, geterr, freecode, close) = unsafe {
        let symbol = |error: libloading::Error| CaptureFilterError::NoLibpcap(error.to_string());
        (
            *library.get::<OpenDead>(b"pcap_open_dead\0").map_err(symbol)?,
            *library.get::<Compile>(b"pcap_compile\0").map_err(symbol)?,
            *library.get::<GetErr>(b"pcap_geterr\0").map_err(symbol)?,
            *library.get::<FreeCode>(b"pcap_freecode\0").map_err(symbol)?,
            *library.get::<Close>(b"pcap_close\0").map_err(symbol)?,
        )
    };
    // SAFETY: pcap_open_dead takes two ints and returns a handle or null.
    let handle = unsafe { open_dead(dlt, snaplen) };
    if handle.is_null() {
        return Err(CaptureFilterError::NoLibpcap("pcap_open_dead failed".into()));
    }
    let mut raw = RawProgram { bf_len: 0, bf_insns: std::ptr::null_mut() };
    // SAFETY: `handle` is live, `raw` is a writable bpf_program and `text` a C string, all
    // outliving the call.
    let result = unsafe { compile(handle, &mut raw, text.as_ptr(), 1, NETMASK_UNKNOWN) };
    let compiled = if result == 0 {
        let length = usize::try_from(raw.bf_len).unwrap_or(0);
        let instructions = if raw.bf_insns.is_null() || length == 0 {
            Vec::new()
        } else {
            // SAFETY: on success libpcap's program holds `bf_len` instructions at `bf_insns`
            // (BpfInstruction is bpf_insn); they are copied before pcap_freecode.
            unsafe { std::slice::from_raw_parts(raw.bf_insns, length) }.to_vec()
        };
        // SAFETY: `raw` was filled by pcap_compile and is freed once.
        unsafe { freecode(&mut raw) };
        Ok(BpfProgram { instructions })
    } else {
        // SAFETY: pcap_geterr returns the handle's NUL-terminated message, valid until the
        // handle is closed; it is copied first.
        let message = unsafe { CStr::from_ptr(geterr(handle)) }.to_string_lossy().into_owned();
        Err(invalid(message))
    };
    // SAFETY: `handle` came from pcap_open_dead and is closed once, after its last use.
    unsafe { close(handle) };
    compiled
}

/// Loads libpcap, trying each of its usual names.
fn load() -> Result<Library, CaptureFilterError> {
    let mut last_error = String::new();
    for name in LIBRARY_NAMES {
        // SAFETY: loading libpcap runs its initialisers, which only set up its own state.
        match unsafe { Library::new(name) } {
            Ok(library) => return Ok(library),
            Err(error) => last_error = error.to_string(),
        }
    }
    Err(CaptureFilterError::NoLibpcap(last_error))
}

impl BpfProgram {
    /// The instructions, for `SO_ATTACH_FILTER`.
    pub fn instructions(&self) -> &[BpfInstruction] {
        &self.instructions
    }

    /// How many instructions the program has.
    pub fn len(&self) -> usize {
        self.instructions.len()
    }

    /// Whether the program is empty (libpcap never compiles one).
    pub fn is_empty(&self) -> bool {
        self.instructions.is_empty()
    }

    /// The program as a `SOCK_DGRAM` packet socket runs it, for a program compiled for the
    /// Linux cooked header: that socket's filter sees the packet from its network header, so
    /// loads past the cooked header move back by its length, and loads of its packet-type and
    /// protocol fields become the kernel's ancillary loads of the same values. A load of any
    /// other header field cannot be done in the kernel, and is refused. This is libpcap's own
    /// rewrite (`fix_program` and `fix_offset` in pcap-linux.c).
    pub fn for_cooked_socket(mut self, expression: &str) -> Result<Self, CaptureFilterError> {
        for instruction in &mut self.instructions {
            let class = instruction.code & 0x07;
            let mode = instruction.code & 0xe0;
            let loads_packet =
                matches!(class, BPF_LD | BPF_LDX) && matches!(mode, BPF_ABS | BPF_IND | BPF_MSH);
            if !loads_packet {
                continue;
            }
            instruction.k = match instruction.k {
                k if k >= SLL_HEADER_LEN => k - SLL_HEADER_LEN,
                0 => ancillary(libc::SKF_AD_PKTTYPE),
                14 => ancillary(libc::SKF_AD_PROTOCOL),
                // Negative offsets are already ancillary loads.
                k if (k as i32) < 0 => k,
                _ => return Err(CaptureFilterError::NotInKernel(expression.to_owned())),
            };
        }
        Ok(self)
    }
}

const BPF_LD: u16 = 0x00;
const BPF_LDX: u16 = 0x01;
const BPF_ABS: u16 = 0x20;
const BPF_IND: u16 = 0x40;
const BPF_MSH: u16 = 0xa0;

/// The offset of a kernel ancillary load (`SKF_AD_OFF + field`), as an instruction's `k`.
fn ancillary(field: c_int) -> u32 {
    (libc::SKF_AD_OFF + field) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instruction(code: u16, jt: u8, jf: u8, k: u32) -> BpfInstruction {
        BpfInstruction { code, jt, jf, k }
    }

    #[test]
    #[ignore = "needs libpcap (libpcap0.8)"]
    fn a_filter_compiles_as_tcpdump_dd_prints_it() {
        // `tcpdump -d -y EN10MB 'udp'` (libpcap 1.10, optimised; jumps shown absolute):
        // (000) ldh [12]                   ; EtherType
        // (001) jeq #0x800  jt 2  jf 4
        // (002) ldb [23]                   ; IPv4 protocol
        // (003) jeq #0x11   jt 10 jf 11
        // (004) jeq #0x86dd jt 5  jf 11
        // (005) ldb [20]                   ; IPv6 next header
        // (006) jeq #0x11   jt 10 jf 7
        // (007) jeq #0x2c   jt 8  jf 11    ; a fragment header
        // (008) ldb [54]
        // (009) jeq #0x11   jt 10 jf 11
        // (010) ret #262144
        // (011) ret #0
        let program = compile("udp", LinkType::Ethernet, 262_144).expect("compiles");
        assert_eq!(program.instructions()[0], instruction(0x28, 0, 0, 12));
        // jt and jf count from the next instruction.
        assert_eq!(program.instructions()[1], instruction(0x15, 0, 2, 0x800));
        assert_eq!(program.instructions()[2], instruction(0x30, 0, 0, 23));
        assert_eq!(program.instructions().last(), Some(&instruction(0x06, 0, 0, 0)));
        assert!(program.instructions().contains(&instruction(0x06, 0, 0, 262_144)));
        assert_eq!(program.len(), 12);
    }

    #[test]
    #[ignore = "needs libpcap (libpcap0.8)"]
    fn an_invalid_filter_carries_libpcaps_message() {
        let error = compile("udp prot 53", LinkType::Ethernet, 262_144).expect_err("invalid");
        assert_eq!(
            error.to_string(),
            "capture filter \"udp prot 53\": can't parse filter expression: syntax error"
        );
        let error = compile("tcp port 99999", LinkType::Ethernet, 262_144).expect_err("invalid");
        assert!(error.to_string().ends_with("illegal port number 99999 > 65535"), "{error}");
    }

    #[test]
    #[ignore = "needs libpcap (libpcap0.8)"]
    fn a_cooked_program_reads_from_the_network_header() {
        let program = compile("ip and udp port 53", LinkType::LinuxSll, 262_144).expect("compiles");
        let cooked = program.clone().for_cooked_socket("ip and udp port 53").expect("rewritable");
        // The protocol field becomes the kernel's ancillary protocol load...
        assert_eq!(program.instructions()[0].k, 14);
        assert_eq!(cooked.instructions()[0].k, ancillary(libc::SKF_AD_PROTOCOL));
        // ...and every other load moves back by the cooked header.
        for (before, after) in program.instructions().iter().zip(cooked.instructions()).skip(1) {
            let loads =
                before.code & 0x07 <= BPF_LDX && matches!(before.code & 0xe0, BPF_ABS | BPF_IND | BPF_MSH);
            let expected = if loads { before.k - SLL_HEADER_LEN } else { before.k };
            assert_eq!(after.k, expected, "{before:?}");
        }
    }

    #[test]
    fn a_cooked_program_that_reads_the_link_address_is_refused() {
        // ldh [6]: the first bytes of the link-layer address, which the kernel does not keep.
        let program =
            BpfProgram { instructions: vec![instruction(0x28, 0, 0, 6), instruction(0x06, 0, 0, 0)] };
        assert_eq!(program.for_cooked_socket("x"), Err(CaptureFilterError::NotInKernel("x".into())));
        // ldb [0] and ldh [14]: packet type and protocol, done by ancillary loads.
        let program = BpfProgram {
            instructions: vec![
                instruction(0x30, 0, 0, 0),
                instruction(0x28, 0, 0, 14),
                instruction(0x06, 0, 0, 1),
            ],
        };
        let cooked = program.for_cooked_socket("y").expect("rewritable");
        let offsets: Vec<u32> = cooked.instructions().iter().map(|instruction| instruction.k).collect();
        assert_eq!(offsets, [ancillary(libc::SKF_AD_PKTTYPE), ancillary(libc::SKF_AD_PROTOCOL), 1]);
    }

    #[test]
    fn a_link_type_libpcap_is_not_asked_for_is_refused_first() {
        let error = compile("udp", LinkType::Null, 100).expect_err("refused");
        assert!(matches!(error, CaptureFilterError::LinkType { .. }), "{error}");
    }
}
