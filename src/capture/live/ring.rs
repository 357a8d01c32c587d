//! The memory-mapped receive ring (`PACKET_RX_RING`, `TPACKET_V3`) a packet socket fills.
//!
//! The kernel writes packets into fixed-size blocks of a ring shared with this process and
//! hands a block over (status `TP_STATUS_USER`) when it is full or has waited
//! [`BLOCK_TIMEOUT_MS`]; rttscope reads the block in place and gives it back
//! (`TP_STATUS_KERNEL`). A burst fills blocks without a system call per packet, and the ring
//! holds far more packets than a socket's receive buffer, whose accounting charges each small
//! packet a whole buffer. (packet_mmap.rst in the kernel's documentation.)
//!
//! Invariants: this module holds all the unsafe code of the ring, in three places: the status
//! word read and written atomically, and a handed-over block viewed as bytes. A block is read
//! only while this process owns it, and is given back exactly once, when its [`Block`] is
//! dropped. Every offset the kernel wrote is bounds-checked before it is used, so a corrupt
//! block ends the walk over that block instead of reading out of it.

use std::io;
use std::mem;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicU32, Ordering};

use libc::{c_void, socklen_t};
use memmap2::{MmapOptions, MmapRaw};

/// Bytes in one block: a page multiple, and more than the longest packet kept, so a packet is
/// never cut by the block's size rather than by the snapshot length.
const BLOCK_SIZE: usize = 1 << 19;

/// Blocks in the ring: 32 MiB, over 200,000 small packets (a datagram on loopback takes about
/// 144 bytes of a block) before a reader that has fallen behind loses any. Many small blocks
/// rather than a few large ones, because a block handed over on its timeout is handed over
/// part-empty: a stalled reader has this many timeouts' worth of slack at any packet rate
/// (64 × 20 ms), and the whole ring at high rates.
const BLOCK_COUNT: usize = 64;

/// How long the kernel fills a block before it hands it over anyway, in milliseconds: a quiet
/// link still shows its packets this soon. (Measured with the reader stopped during a burst
/// of 20,000 datagrams: with 16 blocks of 1 MiB and 8 ms, 23,124 of 40,000 frames were
/// dropped; with these values, none.)
pub(super) const BLOCK_TIMEOUT_MS: u32 = 20;

/// The frame size the ring is described with. TPACKET_V3 packs packets of any size into a
/// block; this only has to divide the block and hold a header.
const FRAME_SIZE: usize = 2048;

/// Offsets in `struct tpacket_block_desc` (version, offset_to_priv, then `tpacket_hdr_v1`).
mod block {
    pub const STATUS: usize = 8;
    pub const NUM_PKTS: usize = 12;
    pub const OFFSET_TO_FIRST_PKT: usize = 16;
}

/// Offsets in `struct tpacket3_hdr`, and the `sockaddr_ll` after it.
mod packet {
    pub const NEXT_OFFSET: usize = 0;
    pub const SEC: usize = 4;
    pub const NSEC: usize = 8;
    pub const SNAPLEN: usize = 12;
    pub const LEN: usize = 16;
    pub const MAC: usize = 24;
    /// `TPACKET_ALIGN(sizeof(struct tpacket3_hdr))`: where the `sockaddr_ll` starts.
    pub const ADDRESS: usize = 48;
}

/// Offsets in the `sockaddr_ll` after a packet's header: family(2) protocol(2, network
/// order) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8).
mod address {
    pub const PROTOCOL: usize = 2;
    pub const HATYPE: usize = 8;
    pub const PKTTYPE: usize = 10;
    pub const HALEN: usize = 11;
    pub const ADDR: usize = 12;
    pub const LEN: usize = 20;
}

/// A packet socket's receive ring, mapped into this process.
pub(super) struct Ring {
    map: MmapRaw,
    /// The block to read next: the kernel fills blocks in order, so this is the oldest one.
    next: usize,
}

impl Ring {
    /// Switches `fd` to TPACKET_V3, asks for the ring and maps it. Done before the socket is
    /// bound, so no packet is ever queued outside the ring.
    pub(super) fn new(fd: &OwnedFd) -> io::Result<Self> {
        crate::sys::set_option(
            fd,
            libc::SOL_PACKET,
            libc::PACKET_VERSION,
            libc::tpacket_versions::TPACKET_V3 as _,
        )?;
        let request = libc::tpacket_req3 {
            tp_block_size: BLOCK_SIZE as u32,
            tp_block_nr: BLOCK_COUNT as u32,
            tp_frame_size: FRAME_SIZE as u32,
            tp_frame_nr: (BLOCK_SIZE / FRAME_SIZE * BLOCK_COUNT) as u32,
            tp_retire_blk_tov: BLOCK_TIMEOUT_MS,
            tp_sizeof_priv: 0,
            tp_feature_req_word: 0,
        };
        // SAFETY: `request` is a tpacket_req3 and the length says so; the kernel only reads it.
        let result = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_RX_RING,
                (&raw const request).cast::<c_void>(),
                mem::size_of::<libc::tpacket_req3>() as socklen_t,
            )
        };
        if result != 0 {
            return Err(io::Error::last_os_error());
        }
        let map = MmapOptions::new().len(BLOCK_SIZE * BLOCK_COUNT).map_raw(fd.as_raw_fd())?;
        Ok(Self { map, next: 0 })
    }

    /// The status word of block `index`, which the kernel and this process hand the block over
    /// with.
    fn status(&self, index: usize) -> &AtomicU32 {
        let offset = index * BLOCK_SIZE + block::STATUS;
        // SAFETY: `offset` is inside the mapping (index < BLOCK_COUNT) and 4-byte aligned (the
        // mapping is page-aligned, BLOCK_SIZE a page multiple, STATUS 8), and the word lives
        // as long as the mapping, which `self` holds. The kernel updates it concurrently,
        // which is what atomic access is for.
        unsafe { AtomicU32::from_ptr(self.map.as_mut_ptr().add(offset).cast::<u32>()) }
    }

    /// Whether the next block has been handed over, so [`Self::next_block`] has packets.
    pub(super) fn ready(&self) -> bool {
        self.status(self.next).load(Ordering::Acquire) & libc::TP_STATUS_USER != 0
    }

    /// The oldest block the kernel has handed over, if it has; given back when dropped.
    pub(super) fn next_block(&mut self) -> Option<Block<'_>> {
        if !self.ready() {
            return None;
        }
        let index = self.next;
        self.next = (self.next + 1) % BLOCK_COUNT;
        // SAFETY: the block is inside the mapping, and the acquire load above saw the kernel
        // hand it over: the kernel does not write to it again until `Block::drop` gives it
        // back, and the returned view borrows `self`, so it cannot outlive the mapping.
        let bytes =
            unsafe { std::slice::from_raw_parts(self.map.as_ptr().add(index * BLOCK_SIZE), BLOCK_SIZE) };
        Some(Block { status: self.status(index), bytes })
    }
}

/// A block handed over by the kernel, read in place.
pub(super) struct Block<'r> {
    status: &'r AtomicU32,
    bytes: &'r [u8],
}

impl<'r> Block<'r> {
    /// The packets in the block, in the order the kernel wrote them.
    pub(super) fn packets(&self) -> Packets<'_> {
        Packets::new(self.bytes)
    }
}

impl Drop for Block<'_> {
    fn drop(&mut self) {
        // Release: every read of the block happens before the kernel may write it again.
        self.status.store(libc::TP_STATUS_KERNEL, Ordering::Release);
    }
}

/// One packet in a block, as the kernel wrote it.
#[derive(Clone, Copy)]
pub(super) struct RingPacket<'a> {
    /// Receive time, nanoseconds since the Unix epoch.
    pub ts_ns: i64,
    /// Length on the wire of what the socket reads (from the network header for a cooked
    /// socket).
    pub len: u32,
    /// The bytes kept: from the link header (`SOCK_RAW`) or the network header (`SOCK_DGRAM`).
    pub data: &'a [u8],
    /// Where the packet came from, as `recvfrom` would say.
    pub from: libc::sockaddr_ll,
}

/// The packets of one block.
pub(super) struct Packets<'a> {
    bytes: &'a [u8],
    remaining: u32,
    offset: usize,
}

impl<'a> Packets<'a> {
    /// Walks a block's bytes: `num_pkts` packets from `offset_to_first_pkt`, each header
    /// saying where the next one starts.
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        let remaining = read_u32(bytes, block::NUM_PKTS).unwrap_or(0);
        let offset = read_u32(bytes, block::OFFSET_TO_FIRST_PKT).map_or(usize::MAX, |offset| offset as usize);
        Self { bytes, remaining, offset }
    }
}

impl<'a> Iterator for Packets<'a> {
    type Item = RingPacket<'a>;

    fn next(&mut self) -> Option<RingPacket<'a>> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let header = self.bytes.get(self.offset..)?;
        let field = |offset| read_u32(header, offset);
        let (next, sec, nsec) = (field(packet::NEXT_OFFSET)?, field(packet::SEC)?, field(packet::NSEC)?);
        let (snaplen, len) = (field(packet::SNAPLEN)?, field(packet::LEN)?);
        let mac = usize::from(read_u16(header, packet::MAC)?);
        let sockaddr = header.get(packet::ADDRESS..packet::ADDRESS + address::LEN)?;
        let data = header.get(mac..mac.checked_add(snaplen as usize)?)?;
        let mut sll_addr = [0; 8];
        sll_addr.copy_from_slice(&sockaddr[address::ADDR..address::LEN]);
        let from = libc::sockaddr_ll {
            sll_family: libc::AF_PACKET as u16,
            sll_protocol: read_u16(sockaddr, address::PROTOCOL)?,
            sll_ifindex: 0,
            sll_hatype: read_u16(sockaddr, address::HATYPE)?,
            sll_pkttype: sockaddr[address::PKTTYPE],
            sll_halen: sockaddr[address::HALEN],
            sll_addr,
        };
        // The last packet's next offset is 0; a corrupt one ends the walk at the next call.
        self.offset = match next {
            0 => usize::MAX,
            next => self.offset.saturating_add(next as usize),
        };
        let ts_ns = i64::from(sec) * 1_000_000_000 + i64::from(nsec);
        Some(RingPacket { ts_ns, len, data, from })
    }
}

fn read_u32(bytes: &[u8], offset: usize) -> Option<u32> {
    let field = bytes.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_ne_bytes([field[0], field[1], field[2], field[3]]))
}

fn read_u16(bytes: &[u8], offset: usize) -> Option<u16> {
    let field = bytes.get(offset..offset.checked_add(2)?)?;
    Some(u16::from_ne_bytes([field[0], field[1]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block as the kernel lays it out, holding `packets` (each a pkttype and its bytes),
    /// the first at offset 56 and each next one 16-byte aligned.
    fn block(packets: &[(u8, &[u8])]) -> Vec<u8> {
        let mut bytes = vec![0u8; 4096];
        bytes[block::NUM_PKTS..block::NUM_PKTS + 4].copy_from_slice(&(packets.len() as u32).to_ne_bytes());
        bytes[block::OFFSET_TO_FIRST_PKT..block::OFFSET_TO_FIRST_PKT + 4]
            .copy_from_slice(&56u32.to_ne_bytes());
        let mut offset = 56;
        for (index, (pkttype, data)) in packets.iter().enumerate() {
            let mac = 82usize;
            let size = (mac + data.len()).next_multiple_of(16);
            let next = if index + 1 == packets.len() { 0 } else { size as u32 };
            let put = |bytes: &mut Vec<u8>, at: usize, value: u32| {
                bytes[offset + at..offset + at + 4].copy_from_slice(&value.to_ne_bytes());
            };
            put(&mut bytes, packet::NEXT_OFFSET, next); // tp_next_offset
            put(&mut bytes, packet::SEC, 1_700_000_000 + index as u32); // tp_sec
            put(&mut bytes, packet::NSEC, 123_456_789); // tp_nsec
            put(&mut bytes, packet::SNAPLEN, data.len() as u32); // tp_snaplen
            put(&mut bytes, packet::LEN, data.len() as u32 + 100); // tp_len: cut by a filter
            bytes[offset + packet::MAC..offset + packet::MAC + 2]
                .copy_from_slice(&(mac as u16).to_ne_bytes());
            // sockaddr_ll: protocol 0x0800 in network order, ARPHRD_LOOPBACK, pkttype, halen 6.
            let sockaddr = offset + packet::ADDRESS;
            bytes[sockaddr + address::PROTOCOL..][..2].copy_from_slice(&[0x08, 0x00]);
            bytes[sockaddr + address::HATYPE..][..2].copy_from_slice(&772u16.to_ne_bytes());
            bytes[sockaddr + address::PKTTYPE] = *pkttype;
            bytes[sockaddr + address::HALEN] = 6;
            bytes[offset + mac..offset + mac + data.len()].copy_from_slice(data);
            offset += size;
        }
        bytes
    }

    #[test]
    fn a_blocks_packets_are_walked_in_order_with_their_address() {
        let bytes = block(&[(libc::PACKET_OUTGOING, b"first"), (libc::PACKET_HOST, b"second packet")]);
        let packets: Vec<RingPacket<'_>> = Packets::new(&bytes).collect();
        assert_eq!(packets.len(), 2);
        assert_eq!(packets[0].data, b"first");
        assert_eq!(packets[0].ts_ns, 1_700_000_000_123_456_789);
        assert_eq!(packets[0].len, 105);
        assert_eq!(packets[0].from.sll_pkttype, libc::PACKET_OUTGOING);
        assert_eq!(packets[0].from.sll_hatype, 772);
        assert_eq!(u16::from_be(packets[0].from.sll_protocol), 0x0800);
        assert_eq!(packets[1].data, b"second packet");
        assert_eq!(packets[1].ts_ns, 1_700_000_001_123_456_789);
        assert_eq!(packets[1].from.sll_pkttype, libc::PACKET_HOST);
    }

    #[test]
    fn a_corrupt_block_ends_the_walk_inside_its_bytes() {
        let mut bytes = block(&[(0, b"only")]);
        // Says 5 packets, but the one there says none follows.
        bytes[block::NUM_PKTS..block::NUM_PKTS + 4].copy_from_slice(&5u32.to_ne_bytes());
        assert_eq!(Packets::new(&bytes).count(), 1);
        // A snapshot length past the block's end.
        let mut bytes = block(&[(0, b"only")]);
        bytes[56 + packet::SNAPLEN..][..4].copy_from_slice(&u32::MAX.to_ne_bytes());
        assert_eq!(Packets::new(&bytes).count(), 0);
        // A first packet past the end.
        let mut bytes = block(&[(0, b"only")]);
        bytes[block::OFFSET_TO_FIRST_PKT..][..4].copy_from_slice(&u32::MAX.to_ne_bytes());
        assert_eq!(Packets::new(&bytes).count(), 0);
    }
}
