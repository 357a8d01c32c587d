"""VLAN tagger of vlan-qinq.pcap, for kernels without 802.1Q support (no "vlan" link type).

Usage: python3 vlan_bpf.py IFNAME READY-FILE

The tags are pushed and popped by the kernel's own skb_vlan_push()/skb_vlan_pop(), called from
two tiny eBPF programs attached with tcx (Linux >= 6.6) to the parent veth IFNAME. Egress:
frames whose IPv4/ARP sender or IPv6 source is in 10.10.0.0/16 or fd00:10::/32 get an 802.1Q
tag (VID 10); frames from 10.200.0.0/16 or fd00:200::/32 get 802.1Q VID 200 inside 802.1ad VID
100 (QinQ). Ingress: all tags are popped. This emulates VLAN sub-interfaces on one parent
device; the tagged frames on the wire are kernel-built. READY-FILE is written once both
programs are attached; they go away with this process (SIGTERM, or after 90 s).
"""

import ctypes, os, signal, socket, struct, sys, time

libc = ctypes.CDLL(None, use_errno=True)
import platform
SYS_bpf = {"x86_64": 321, "aarch64": 280}[platform.machine()]
BPF_PROG_LOAD, BPF_LINK_CREATE = 5, 28
PROG_SCHED_CLS = 3
TCX_INGRESS, TCX_EGRESS = 46, 47
H_VLAN_PUSH, H_VLAN_POP, H_LOAD_BYTES = 18, 19, 26

def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    r = libc.syscall(SYS_bpf, cmd, buf, 128)
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r

class Asm:
    def __init__(self):
        self.ins, self.fix, self.lab = [], [], {}
    def raw(self, op, dst=0, src=0, off=0, imm=0):
        self.ins.append([op, dst, src, off, imm])
    def label(self, name):
        self.lab[name] = len(self.ins)
    def jmp(self, op, dst, imm, target):        # conditional/unconditional, imm form
        self.fix.append((len(self.ins), target))
        self.raw(op, dst, 0, 0, imm)
    def code(self):
        for i, t in self.fix:
            self.ins[i][3] = self.lab[t] - i - 1
        return b"".join(struct.pack("<BBhi", o, (s << 4) | d, off, imm)
                        for o, d, s, off, imm in self.ins)

MOV_R, MOV_K, ADD_K, AND_K = 0xbf, 0xb7, 0x07, 0x57
LDXW, CALL, EXIT, JA, JEQ_K, JNE_K = 0x61, 0x85, 0x95, 0x05, 0x15, 0x55

def load_src(a, off):
    # r1 = skb, r2 = off, r3 = fp-8, r4 = 4; bpf_skb_load_bytes(); r8 = word
    a.raw(MOV_R, 1, 6); a.raw(MOV_K, 2, imm=off)
    a.raw(MOV_R, 3, 10); a.raw(ADD_K, 3, imm=-8)
    a.raw(MOV_K, 4, imm=4); a.raw(CALL, imm=H_LOAD_BYTES)
    a.jmp(JNE_K, 0, 0, "pass")
    a.raw(LDXW, 8, 10, -8)

def push(a, proto_be, vid):
    a.raw(MOV_R, 1, 6); a.raw(MOV_K, 2, imm=proto_be); a.raw(MOV_K, 3, imm=vid)
    a.raw(CALL, imm=H_VLAN_PUSH)

def egress():
    a = Asm()
    a.raw(MOV_R, 6, 1)                          # r6 = skb
    a.raw(LDXW, 7, 1, 16)                       # r7 = skb->protocol (big endian)
    a.jmp(JEQ_K, 7, 0x0008, "ip4")              # 0x0800
    a.jmp(JEQ_K, 7, 0x0608, "arp")              # 0x0806
    a.jmp(JEQ_K, 7, 0xdd86, "ip6")              # 0x86dd
    a.jmp(JA, 0, 0, "pass")
    a.label("ip4"); load_src(a, 14 + 12); a.jmp(JA, 0, 0, "v4")
    a.label("arp"); load_src(a, 14 + 14)
    a.label("v4")
    a.raw(AND_K, 8, imm=0xffff)                 # first two octets of the address
    a.jmp(JEQ_K, 8, 0x0a0a, "vid10")            # 10.10.
    a.jmp(JEQ_K, 8, 0xc80a, "qinq")             # 10.200.
    a.jmp(JA, 0, 0, "pass")
    a.label("ip6"); load_src(a, 14 + 8)
    a.jmp(JEQ_K, 8, 0x100000fd, "vid10")        # fd00:0010:
    a.jmp(JEQ_K, 8, 0x000200fd, "qinq")         # fd00:0200:
    a.jmp(JA, 0, 0, "pass")
    a.label("vid10"); push(a, 0x0081, 10); a.jmp(JA, 0, 0, "pass")
    a.label("qinq"); push(a, 0x0081, 200); push(a, 0xa888, 100)
    a.label("pass"); a.raw(MOV_K, 0, imm=0); a.raw(EXIT)
    return a.code()

def ingress():
    a = Asm()
    a.raw(MOV_R, 6, 1)
    for _ in range(2):                          # outer, then inner tag
        a.raw(MOV_R, 1, 6); a.raw(CALL, imm=H_VLAN_POP)
    a.raw(MOV_K, 0, imm=0); a.raw(EXIT)
    return a.code()

def load(code, name):
    log = ctypes.create_string_buffer(1 << 16)
    lic = ctypes.create_string_buffer(b"GPL")
    insns = ctypes.create_string_buffer(code)
    attr = struct.pack("<IIQQIIQII16s", PROG_SCHED_CLS, len(code) // 8,
                       ctypes.addressof(insns), ctypes.addressof(lic),
                       1, len(log), ctypes.addressof(log), 0, 0, name.encode())
    try:
        return bpf(BPF_PROG_LOAD, attr)
    except OSError as e:
        sys.exit("BPF load failed: %s\n%s" % (e, log.value.decode(errors="replace")))

def main():
    ifname, ready = sys.argv[1], sys.argv[2]
    idx = socket.if_nametoindex(ifname)
    links = [bpf(BPF_LINK_CREATE, struct.pack("<IIII", load(egress(), "vlan_push"), idx, TCX_EGRESS, 0)),
             bpf(BPF_LINK_CREATE, struct.pack("<IIII", load(ingress(), "vlan_pop"), idx, TCX_INGRESS, 0))]
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    open(ready, "w").write("ready\n")
    time.sleep(90)                              # links go away with this process

main()
