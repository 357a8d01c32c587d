#!/usr/bin/env bash
# record-interop.sh -- record the interop packet captures used by rttscope's
# differential tests (rttscope vs `tshark -T fields`).
#
# Every packet in these captures is produced by a real peer: the Linux kernel
# stack and standard tools (ping, traceroute, curl, socat, python3 sockets).
# The only user-space packet writer is the small TUN responder of the raw-IP
# captures, which answers echo requests the kernel sent into the TUN device.
#
# Usage:
#   sudo scripts/record-interop.sh [OUTDIR]   # default OUTDIR: fixtures/interop
#   scripts/record-interop.sh --deps           # Debian packages needed, one line
#
# RECORD_INTEROP_KEEP=1 keeps the temporary work directory (logs, staged
# captures) for debugging.
#
# Safety rules this script follows:
#   * traffic only ever flows over loopback or over veth/tun devices inside
#     network namespaces that this script creates; all of them are deleted on
#     exit (normal exit, error or signal);
#   * sysctls are only written inside those namespaces, never on the host;
#   * every process it starts lives in one of its namespaces and is killed
#     (by pid) before the namespace is deleted.
set -euo pipefail

DEPS="iproute2 iputils-ping traceroute socat nftables tcpdump tshark ethtool curl python3 procps coreutils"

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

case "${1:-}" in
    --deps) echo "$DEPS"; exit 0 ;;
    -h|--help) usage; exit 0 ;;
esac

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUTDIR=${1:-$REPO_ROOT/fixtures/interop}

die() { echo "record-interop: error: $*" >&2; exit 1; }
log() { echo "record-interop: $*" >&2; }

[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces, captures): sudo $0 ${1:-}"
for tool in ip tcpdump dumpcap tshark capinfos ping traceroute socat nft ethtool curl python3 timeout; do
    command -v "$tool" >/dev/null || die "missing '$tool'; install: apt-get install -y \$($0 --deps)"
done

# ---------------------------------------------------------------------------
# bookkeeping and cleanup
# ---------------------------------------------------------------------------
WORK=$(mktemp -d /tmp/rttscope-interop.XXXXXX)
STAGE=$WORK/out            # captures are written here, then moved to OUTDIR
mkdir -p "$STAGE" "$WORK/log"
NSP="rti$$"                # prefix of every namespace this run creates
NAMESPACES=()
declare -A CAP_ERR=()      # capture pid -> its stderr file

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    local pid ns
    # background jobs of this shell that are still running (never a pid that
    # has already been reaped and could have been reused)
    for pid in $(jobs -pr); do
        kill -TERM "$pid" 2>/dev/null
    done
    sleep 0.2
    for ns in "${NAMESPACES[@]}"; do
        # anything still running inside our namespaces was started by us
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -KILL "$pid" 2>/dev/null
        done
    done
    wait 2>/dev/null
    for ns in "${NAMESPACES[@]}"; do
        ip netns del "$ns" 2>/dev/null
    done
    if [[ -n ${RECORD_INTEROP_KEEP:-} ]]; then
        echo "record-interop: work directory kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
    if [[ $rc -ne 0 ]]; then
        echo "record-interop: FAILED (exit $rc); $OUTDIR was not modified" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run a command inside a namespace
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# start a background peer inside a namespace (output goes to the work log)
bg() {
    local ns=$1 name=$2; shift 2
    ip netns exec "$ns" "$@" >"$WORK/log/$name.out" 2>"$WORK/log/$name.err" &
}

# mkns NAME: create a namespace with quiet, deterministic IPv6 defaults
# (no DAD delay, no router solicitations, MLD reports sent right away)
mkns() {
    local ns=$1
    ip netns add "$ns"
    NAMESPACES+=("$ns")
    nsx "$ns" sysctl -qw \
        net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
        net.ipv6.conf.all.router_solicitations=0 net.ipv6.conf.default.router_solicitations=0 \
        net.ipv6.conf.all.mldv1_unsolicited_report_interval=1 \
        net.ipv6.conf.default.mldv1_unsolicited_report_interval=1 \
        net.ipv6.conf.all.mldv2_unsolicited_report_interval=1 \
        net.ipv6.conf.default.mldv2_unsolicited_report_interval=1
    ip -n "$ns" link set lo up
}

# veth NS_A IF_A MAC_A NS_B IF_B MAC_B: veth pair between two namespaces with
# fixed MACs, MTU 1500, and segmentation/checksum offloads off so that captured
# frames look like wire frames (<= MTU, valid checksums).
veth() {
    local na=$1 ia=$2 ma=$3 nb=$4 ib=$5 mb=$6
    ip -n "$na" link add "$ia" address "$ma" mtu 1500 type veth \
        peer name "$ib" address "$mb" mtu 1500 netns "$nb"
    nsx "$na" ethtool -K "$ia" tx off tso off gso off gro off >/dev/null 2>&1 || true
    nsx "$nb" ethtool -K "$ib" tx off tso off gso off gro off >/dev/null 2>&1 || true
    ip -n "$na" link set "$ia" up
    ip -n "$nb" link set "$ib" up
}

# addr NS IF ADDR...: add IPv4/IPv6 addresses (IPv6 without DAD)
addr() {
    local ns=$1 ifc=$2 a; shift 2
    for a in "$@"; do
        if [[ $a == *:* ]]; then
            ip -n "$ns" addr add "$a" dev "$ifc" nodad
        else
            ip -n "$ns" addr add "$a" dev "$ifc"
        fi
    done
}

# wait_listen NS tcp|udp PORT: wait until a socket listens/binds on PORT
wait_listen() {
    local ns=$1 proto=$2 port=$3 flag
    [[ $proto == tcp ]] && flag=-Hltn || flag=-Hlun
    for _ in $(seq 100); do
        if nsx "$ns" ss $flag "sport = :$port" | grep -q .; then return 0; fi
        sleep 0.05
    done
    die "nothing listening on $proto/$port in $ns"
}

# show the tail of every non-empty peer/capture log (on failure)
dump_logs() {
    local f
    for f in "$WORK"/log/*.err; do
        [[ -s $f ]] && { echo "== $f"; tail -5 "$f"; } >&2
    done
    return 0
}

# wait_file FILE PATTERN: wait until FILE contains PATTERN
wait_file() {
    local f=$1 pat=$2
    for _ in $(seq 100); do
        if grep -q "$pat" "$f" 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    dump_logs
    die "timed out waiting for '$pat' in $f: $(cat "$f" 2>/dev/null)"
}

# Capture options. In immediate mode libpcap's ring has one slot per snaplen-
# sized frame: with the default snaplen (262144) and buffer (2 MiB) it holds
# ~7 frames and "-i any" on loopback (each packet seen twice) loses packets.
# 65535 bytes covers every frame recorded here; 32 MiB gives ~500 slots.
SNAPLEN=65535
BUF_KIB=32768

# cap_start NS FILE TCPDUMP-ARGS...: start tcpdump (immediate mode, unbuffered)
# and wait until it is capturing; its pid is left in CAP_PID
cap_start() {
    local ns=$1 file=$2; shift 2
    local err
    err=$WORK/log/$(basename "$file").err
    ip netns exec "$ns" tcpdump --immediate-mode -U -n -Z root -s "$SNAPLEN" -B "$BUF_KIB" \
        -w "$file" "$@" 2>"$err" &
    CAP_PID=$!
    CAP_ERR[$CAP_PID]=$err
    wait_file "$err" "listening on"
    sleep 0.2
}

# cap_stop PID...: let the last packets land, stop the captures with SIGINT,
# and insist that the kernel dropped nothing
cap_stop() {
    local pid err
    sleep 0.5
    for pid in "$@"; do kill -INT "$pid"; done
    for pid in "$@"; do
        wait "$pid" || die "capture process $pid failed"
        err=${CAP_ERR[$pid]}
        if grep -q 'packets dropped by kernel' "$err"; then
            grep -q '^0 packets dropped by kernel' "$err" || die "capture lost packets: $(cat "$err")"
        elif grep -q '^Packets received/dropped' "$err"; then      # dumpcap
            ! grep '^Packets received/dropped' "$err" | grep -qv '/0 (' || die "capture lost packets: $(cat "$err")"
        else
            die "capture summary missing: $(cat "$err")"
        fi
    done
}

# run a client command with a time limit; failures are fatal
run() {
    timeout 20 "$@" >"$WORK/log/last.out" 2>&1 || {
        cat "$WORK/log/last.out" >&2
        dump_logs
        die "command failed: $*"
    }
    cat "$WORK/log/last.out" >>"$WORK/log/clients.out"
}
# same, for commands that are expected to fail (unreachable, refused, ...)
run_fail_ok() { timeout 20 "$@" >>"$WORK/log/clients.out" 2>&1 || true; }

CURL=(curl -sS --noproxy '*' --max-time 10 -o /dev/null)

# ---------------------------------------------------------------------------
# fixed payloads and helper programs
# ---------------------------------------------------------------------------
python3 - "$WORK" <<'PY'
import sys, os
w = sys.argv[1]
def pattern(n, tag):
    line = (tag + " 0123456789abcdefghijklmnopqrstuvwxyz\n").encode()
    return (line * (n // len(line) + 1))[:n]
open(os.path.join(w, "udp3000.bin"), "wb").write(pattern(3000, "rttscope udp fragment"))
open(os.path.join(w, "tcp100k.bin"), "wb").write(pattern(100 * 1024, "rttscope tcp bulk"))
open(os.path.join(w, "tcp200k.bin"), "wb").write(pattern(200 * 1024, "rttscope tcp lossy"))
os.makedirs(os.path.join(w, "www"), exist_ok=True)
open(os.path.join(w, "www", "hello.txt"), "wb").write(b"rttscope interop fixture: hello over HTTP\n")
PY

# TUN responder: answers ICMP/ICMPv6 echo requests and echoes UDP datagrams
# that the kernel routes into a TUN device (IFF_TUN, no packet info).
cat >"$WORK/tun_responder.py" <<'PY'
import fcntl, os, select, signal, struct, sys, time

TUNSETIFF = 0x400454ca
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def reply4(p):
    ihl = (p[0] & 0x0f) * 4
    proto, src, dst = p[9], p[12:16], p[16:20]
    body = bytearray(p[ihl:])
    if proto == 1 and body[0] == 8:                      # echo request
        body[0] = 0
        body[2:4] = b"\0\0"
        body[2:4] = struct.pack("!H", csum(bytes(body)))
    elif proto == 17 and len(body) >= 8:                 # UDP: echo back
        body[0:2], body[2:4] = body[2:4], body[0:2]
        body[6:8] = b"\0\0"
        pseudo = dst + src + struct.pack("!BBH", 0, 17, len(body))
        c = csum(pseudo + bytes(body)) or 0xffff
        body[6:8] = struct.pack("!H", c)
    else:
        return None
    hdr = bytearray(p[:ihl])
    hdr[8] = 64                                          # TTL
    hdr[12:16], hdr[16:20] = dst, src
    hdr[10:12] = b"\0\0"
    hdr[10:12] = struct.pack("!H", csum(bytes(hdr)))
    return bytes(hdr) + bytes(body)

def reply6(p):
    nh, src, dst = p[6], p[8:24], p[24:40]
    body = bytearray(p[40:])
    if nh == 58 and body[0] == 128:                      # echo request
        body[0] = 129
        ck = 2
    elif nh == 17 and len(body) >= 8:
        body[0:2], body[2:4] = body[2:4], body[0:2]
        ck = 6
    else:
        return None
    body[ck:ck + 2] = b"\0\0"
    pseudo = dst + src + struct.pack("!I3xB", len(body), nh)
    c = csum(pseudo + bytes(body))
    if nh == 17 and c == 0:
        c = 0xffff
    body[ck:ck + 2] = struct.pack("!H", c)
    hdr = bytearray(p[:40])
    hdr[7] = 64                                          # hop limit
    hdr[8:24], hdr[24:40] = dst, src
    return bytes(hdr) + bytes(body)

def main():
    name, ready = sys.argv[1], sys.argv[2]
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    open(ready, "w").write("ready\n")
    deadline = time.time() + 90                         # never outlive the run
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.5)
        if not r:
            continue
        pkt = os.read(fd, 65536)
        v = pkt[0] >> 4 if pkt else 0
        out = reply4(pkt) if v == 4 else reply6(pkt) if v == 6 else None
        if out:
            os.write(fd, out)

main()
PY

# TCP Fast Open server: dual-stack listener with TCP_FASTOPEN, fixed response,
# serves a fixed number of connections and exits.
cat >"$WORK/tfo_server.py" <<'PY'
import socket, sys
TCP_FASTOPEN = 23
port, count, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
body = b"rttscope TCP Fast Open fixture\n"
resp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n" % len(body)) + body
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.IPPROTO_TCP, TCP_FASTOPEN, 16)
s.bind(("::", port))
s.listen(16)
s.settimeout(60)
open(ready, "w").write("ready\n")
for _ in range(count):
    c, _ = s.accept()
    c.settimeout(10)
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = c.recv(4096)
        if not d:
            break
        buf += d
    c.sendall(resp)
    c.close()
PY

# VLAN tagger, used only when the kernel has no 802.1Q support (no "vlan" link
# type): the tags are then pushed and popped by the kernel's own
# skb_vlan_push()/skb_vlan_pop() called from two tiny eBPF programs attached
# with tcx (Linux >= 6.6) to the parent veth. Egress: frames whose IPv4/ARP sender or IPv6
# source is in 10.10.0.0/16 or fd00:10::/32 get an 802.1Q tag (VID 10); frames
# from 10.200.0.0/16 or fd00:200::/32 get 802.1Q VID 200 inside 802.1ad VID
# 100 (QinQ). Ingress: all tags are popped. This emulates VLAN sub-interfaces
# on one parent device; the tagged frames on the wire are kernel-built.
cat >"$WORK/vlan_bpf.py" <<'PY'
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
PY

# ---------------------------------------------------------------------------
# captures
# ---------------------------------------------------------------------------

# 1 + 2: loopback TCP and UDP, inside a private namespace so that nothing
# else on the host shows up in the capture.
rec_loopback() {
    local ns=$NSP-lo p
    mkns "$ns"
    bg "$ns" http4 python3 -m http.server 8080 --bind 127.0.0.1 --directory "$WORK/www"
    bg "$ns" http6 python3 -m http.server 8080 --bind ::1 --directory "$WORK/www"
    wait_listen "$ns" tcp 8080
    sleep 0.3
    log "lo-http.pcap"
    cap_start "$ns" "$STAGE/lo-http.pcap" -i lo; p=$CAP_PID
    run ip netns exec "$ns" "${CURL[@]}" http://127.0.0.1:8080/hello.txt
    run ip netns exec "$ns" "${CURL[@]}" 'http://[::1]:8080/hello.txt'
    cap_stop $p

    log "lo-tcp-socat.pcap"
    bg "$ns" echo4 socat TCP4-LISTEN:9000,bind=127.0.0.1,reuseaddr EXEC:cat
    bg "$ns" echo6 socat 'TCP6-LISTEN:9000,bind=[::1],reuseaddr' EXEC:cat
    wait_listen "$ns" tcp 9000
    cap_start "$ns" "$STAGE/lo-tcp-socat.pcap" -i lo; p=$CAP_PID
    printf 'rttscope fixed TCP payload over IPv4 loopback\n' >"$WORK/msg4"
    printf 'rttscope fixed TCP payload over IPv6 loopback\n' >"$WORK/msg6"
    run ip netns exec "$ns" socat -t 2 OPEN:"$WORK/msg4" TCP4:127.0.0.1:9000
    run ip netns exec "$ns" socat -t 2 OPEN:"$WORK/msg6" 'TCP6:[::1]:9000'
    cap_stop $p

    log "lo-udp-icmp.pcap"
    bg "$ns" uecho4 socat -T 3 UDP4-LISTEN:9001,bind=127.0.0.1 EXEC:cat
    bg "$ns" uecho6 socat -T 3 'UDP6-LISTEN:9001,bind=[::1]' EXEC:cat
    wait_listen "$ns" udp 9001
    cap_start "$ns" "$STAGE/lo-udp-icmp.pcap" -i lo; p=$CAP_PID
    run ip netns exec "$ns" bash -c 'for i in 1 2 3; do printf "rttscope udp datagram %d over IPv4\n" $i; sleep 0.15; done |
        socat -t 0.5 - UDP4:127.0.0.1:9001'
    run ip netns exec "$ns" bash -c 'for i in 1 2 3; do printf "rttscope udp datagram %d over IPv6\n" $i; sleep 0.15; done |
        socat -t 0.5 - "UDP6:[::1]:9001"'
    # closed port: the kernel answers with ICMP / ICMPv6 port unreachable
    printf 'rttscope probe to a closed UDP port\n' >"$WORK/probe"
    run_fail_ok ip netns exec "$ns" socat -u OPEN:"$WORK/probe" UDP4-SENDTO:127.0.0.1:9999
    run_fail_ok ip netns exec "$ns" socat -u OPEN:"$WORK/probe" 'UDP6-SENDTO:[::1]:9999'
    cap_stop $p
}

# 3a: what a veth link coming up sends on its own: gratuitous ARP
# (arp_notify), DAD neighbour solicitations from ::, MLDv2 reports (hop-by-hop
# router alert) and router solicitations
rec_linkup() {
    local a=$NSP-a0 b=$NSP-b0 p ns
    for ns in "$a" "$b"; do
        ip netns add "$ns"
        NAMESPACES+=("$ns")
        ip -n "$ns" link set lo up
        nsx "$ns" sysctl -qw net.ipv4.conf.default.arp_notify=1 \
            net.ipv6.conf.default.router_solicitations=1 \
            net.ipv6.conf.default.router_solicitation_delay=0 \
            net.ipv6.conf.default.mldv2_unsolicited_report_interval=200
    done
    ip -n "$a" link add veth0 address 02:00:00:00:01:01 mtu 1500 type veth \
        peer name veth0 address 02:00:00:00:01:02 mtu 1500 netns "$b"
    ip -n "$a" addr add 10.0.1.1/24 dev veth0
    ip -n "$a" addr add fd00:1::1/64 dev veth0
    ip -n "$b" addr add 10.0.1.2/24 dev veth0
    ip -n "$b" addr add fd00:1::2/64 dev veth0
    ip -n "$b" link set veth0 up          # no carrier until the peer is up
    log "veth-linkup.pcap"
    cap_start "$b" "$STAGE/veth-linkup.pcap" -i veth0; p=$CAP_PID
    ip -n "$a" link set veth0 up
    sleep 2.5
    cap_stop $p
}

# 3: two namespaces on a veth: ARP, ND, fragmentation, IPv4 options, bulk TCP
rec_veth_basic() {
    local a=$NSP-a3 b=$NSP-b3 p
    mkns "$a"; mkns "$b"
    veth "$a" veth0 02:00:00:00:03:01 "$b" veth0 02:00:00:00:03:02
    addr "$a" veth0 10.0.3.1/24 fd00:3::1/64
    addr "$b" veth0 10.0.3.2/24 fd00:3::2/64
    bg "$b" urecv4 socat -u UDP4-RECV:9002,bind=10.0.3.2 OPEN:/dev/null
    bg "$b" urecv6 socat -u 'UDP6-RECV:9002,bind=[fd00:3::2]' OPEN:/dev/null
    bg "$b" bulk socat -u TCP4-LISTEN:9003,bind=10.0.3.2,reuseaddr OPEN:/dev/null
    wait_listen "$b" udp 9002
    wait_listen "$b" tcp 9003
    sleep 0.3
    log "veth-basic.pcap"
    cap_start "$a" "$STAGE/veth-basic.pcap" -i veth0; p=$CAP_PID
    run ip netns exec "$a" ping -n -c 2 -i 0.2 -s 4000 10.0.3.2
    run ip netns exec "$a" ping -n -6 -c 2 -i 0.2 -s 4000 fd00:3::2
    run ip netns exec "$a" socat -u OPEN:"$WORK/udp3000.bin" UDP4-SENDTO:10.0.3.2:9002
    run ip netns exec "$a" socat -u OPEN:"$WORK/udp3000.bin" 'UDP6-SENDTO:[fd00:3::2]:9002'
    run ip netns exec "$a" ping -n -c 1 -R 10.0.3.2
    run ip netns exec "$a" ping -n -c 1 -T tsonly 10.0.3.2
    run ip netns exec "$a" ping -n -c 1 -T tsandaddr 10.0.3.2
    run ip netns exec "$a" socat -u OPEN:"$WORK/tcp100k.bin" TCP4:10.0.3.2:9003
    cap_stop $p
}

# 4: client -- router -- server; ICMP errors generated by the router and server
rec_routed() {
    local c=$NSP-c4 r=$NSP-r4 s=$NSP-s4 p
    mkns "$c"; mkns "$r"; mkns "$s"
    nsx "$r" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
    veth "$c" veth0 02:00:00:00:04:02 "$r" veth-c 02:00:00:00:04:01
    veth "$s" veth0 02:00:00:00:04:22 "$r" veth-s 02:00:00:00:04:21
    addr "$c" veth0 10.0.41.2/24 fd00:41::2/64
    addr "$r" veth-c 10.0.41.1/24 fd00:41::1/64
    addr "$r" veth-s 10.0.42.1/24 fd00:42::1/64
    addr "$s" veth0 10.0.42.2/24 fd00:42::2/64
    ip -n "$c" route add default via 10.0.41.1
    ip -n "$c" -6 route add default via fd00:41::1
    ip -n "$s" route add default via 10.0.42.1
    ip -n "$s" -6 route add default via fd00:42::1
    sleep 0.3
    log "routed-icmp.pcap"
    cap_start "$c" "$STAGE/routed-icmp.pcap" -i veth0; p=$CAP_PID
    run ip netns exec "$c" ping -n -c 1 10.0.42.2
    run_fail_ok ip netns exec "$c" ping -n -c 1 -W 1 -t 1 10.0.42.2
    run_fail_ok ip netns exec "$c" ping -n -6 -c 1 -W 1 -t 1 fd00:42::2
    run ip netns exec "$c" traceroute -n -q 1 -N 1 -w 1 -m 3 10.0.42.2
    run ip netns exec "$c" traceroute -6 -n -q 1 -N 1 -w 1 -m 3 fd00:42::2
    # TCP SYN probes: the router's time-exceeded errors quote the whole TCP header
    run ip netns exec "$c" traceroute -T -p 9004 -n -q 1 -N 1 -w 1 -m 2 10.0.42.2
    run ip netns exec "$c" traceroute -6 -T -p 9004 -n -q 1 -N 1 -w 1 -m 2 fd00:42::2
    # TCP SYN to a closed port on the server: RST/ACK comes back
    run_fail_ok ip netns exec "$c" socat -u /dev/null TCP4:10.0.42.2:9004,connect-timeout=2
    run_fail_ok ip netns exec "$c" socat -u /dev/null 'TCP6:[fd00:42::2]:9004,connect-timeout=2'
    cap_stop $p
}

# 5: 802.1Q VID 10 and QinQ (802.1ad VID 100 / 802.1Q VID 200) on one veth
rec_vlan() {
    local a=$NSP-a5 b=$NSP-b5 p ns
    mkns "$a"; mkns "$b"
    veth "$a" veth0 02:00:00:00:05:01 "$b" veth0 02:00:00:00:05:02
    if ip -n "$a" link add link veth0 name veth0.10 type vlan id 10 2>/dev/null; then
        # real sub-interfaces: veth0.10 (802.1Q 10) and veth0.100.200
        # (802.1Q 200 stacked on 802.1ad 100); the QinQ device gets MTU 1496
        # so that its frames plus the inner tag fit the parent's MTU
        VLAN_METHOD=subif
        for ns in "$a" "$b"; do
            [[ $ns == "$a" ]] || ip -n "$ns" link add link veth0 name veth0.10 type vlan id 10
            ip -n "$ns" link add link veth0 name veth0.100 type vlan proto 802.1ad id 100
            ip -n "$ns" link add link veth0.100 name veth0.100.200 mtu 1496 type vlan id 200
            ip -n "$ns" link set veth0.10 up
            ip -n "$ns" link set veth0.100 up
            ip -n "$ns" link set veth0.100.200 up
        done
        addr "$a" veth0.10 10.10.0.1/24 fd00:10::1/64
        addr "$a" veth0.100.200 10.200.0.1/24 fd00:200::1/64
        addr "$b" veth0.10 10.10.0.2/24 fd00:10::2/64
        addr "$b" veth0.100.200 10.200.0.2/24 fd00:200::2/64
    else
        # kernel without 802.1Q: emulate the sub-interfaces with the eBPF
        # tagger; all subnets live on the parent and the tag is chosen from
        # the source address. Payloads stay small, so the inner QinQ tag never
        # pushes a frame past the veth MTU.
        VLAN_METHOD=bpf
        for ns in "$a" "$b"; do
            bg "$ns" "vlanbpf-$ns" python3 "$WORK/vlan_bpf.py" veth0 "$WORK/vlan-ready-$ns"
            wait_file "$WORK/vlan-ready-$ns" ready
        done
        addr "$a" veth0 10.10.0.1/24 fd00:10::1/64 10.200.0.1/24 fd00:200::1/64
        addr "$b" veth0 10.10.0.2/24 fd00:10::2/64 10.200.0.2/24 fd00:200::2/64
    fi
    bg "$b" vecho10 socat TCP4-LISTEN:9005,bind=10.10.0.2,reuseaddr EXEC:cat
    bg "$b" vecho200 socat TCP4-LISTEN:9005,bind=10.200.0.2,reuseaddr EXEC:cat
    wait_listen "$b" tcp 9005
    sleep 0.3
    log "vlan-qinq.pcap (tags by: $VLAN_METHOD)"
    cap_start "$a" "$STAGE/vlan-qinq.pcap" -i veth0; p=$CAP_PID
    run ip netns exec "$a" ping -n -c 2 -i 0.2 10.10.0.2
    run ip netns exec "$a" ping -n -6 -c 2 -i 0.2 fd00:10::2
    run ip netns exec "$a" ping -n -c 2 -i 0.2 10.200.0.2
    run ip netns exec "$a" ping -n -6 -c 2 -i 0.2 fd00:200::2
    printf 'rttscope TCP over 802.1Q VLAN 10\n' >"$WORK/vmsg10"
    printf 'rttscope TCP over QinQ 100/200\n' >"$WORK/vmsg200"
    run ip netns exec "$a" socat -t 2 OPEN:"$WORK/vmsg10" TCP4:10.10.0.2:9005
    run ip netns exec "$a" socat -t 2 OPEN:"$WORK/vmsg200" TCP4:10.200.0.2:9005
    cap_stop $p
}

# 6: Linux cooked captures (SLL and SLL2) on the "any" pseudo-device
rec_cooked() {
    local a=$NSP-a6 b=$NSP-b6 p1 p2
    mkns "$a"; mkns "$b"
    veth "$a" veth0 02:00:00:00:06:01 "$b" veth0 02:00:00:00:06:02
    addr "$a" veth0 10.0.6.1/24 fd00:6::1/64
    addr "$b" veth0 10.0.6.2/24 fd00:6::2/64
    bg "$a" cecho socat TCP4-LISTEN:9006,bind=127.0.0.1,reuseaddr EXEC:cat
    bg "$a" cuecho socat -T 3 UDP4-LISTEN:9007,bind=127.0.0.1 EXEC:cat
    wait_listen "$a" tcp 9006
    wait_listen "$a" udp 9007
    sleep 0.3
    log "cooked-sll.pcap, cooked-sll2.pcap"
    cap_start "$a" "$STAGE/cooked-sll.pcap" -i any -y LINUX_SLL; p1=$CAP_PID
    cap_start "$a" "$STAGE/cooked-sll2.pcap" -i any -y LINUX_SLL2; p2=$CAP_PID
    printf 'rttscope cooked capture TCP payload\n' >"$WORK/cmsg"
    run ip netns exec "$a" socat -t 2 OPEN:"$WORK/cmsg" TCP4:127.0.0.1:9006
    run ip netns exec "$a" bash -c 'for i in 1 2; do printf "rttscope cooked udp %d\n" $i; sleep 0.15; done |
        socat -t 0.5 - UDP4:127.0.0.1:9007'
    run ip netns exec "$a" ping -n -c 2 -i 0.2 127.0.0.1
    run ip netns exec "$a" ping -n -6 -c 1 ::1
    run ip netns exec "$a" ping -n -c 2 -i 0.2 10.0.6.2
    run ip netns exec "$a" ping -n -6 -c 1 fd00:6::2
    cap_stop $p1 $p2
}

# tun NS IFNAME ADDR4 ADDR6: TUN device driven by the python responder
tun() {
    local ns=$1 ifc=$2
    ip -n "$ns" tuntap add mode tun name "$ifc"
    bg "$ns" "tun-$ns-$ifc" python3 "$WORK/tun_responder.py" "$ifc" "$WORK/tun-ready-$ns-$ifc"
    wait_file "$WORK/tun-ready-$ns-$ifc" ready
    ip -n "$ns" link set "$ifc" up
    addr "$ns" "$ifc" "$3" "$4"
}

# 7: raw IP link type on a TUN device
rec_tun() {
    local t=$NSP-t7 p
    mkns "$t"
    tun "$t" tun0 10.0.7.1/24 fd00:7::1/64
    sleep 0.3
    log "tun-raw.pcap"
    cap_start "$t" "$STAGE/tun-raw.pcap" -i tun0; p=$CAP_PID
    run ip netns exec "$t" ping -n -c 2 -i 0.2 10.0.7.2
    run ip netns exec "$t" ping -n -6 -c 2 -i 0.2 fd00:7::2
    printf 'rttscope udp over tun (IPv4)\n' >"$WORK/tmsg4"
    printf 'rttscope udp over tun (IPv6)\n' >"$WORK/tmsg6"
    run ip netns exec "$t" socat -t 0.5 OPEN:"$WORK/tmsg4" UDP4:10.0.7.2:9008
    run ip netns exec "$t" socat -t 0.5 OPEN:"$WORK/tmsg6" 'UDP6:[fd00:7::2]:9008'
    cap_stop $p
}

# 8: TCP loss recovery, with nftables dropping data segments at the receiver
rec_tcp_loss() {
    local a=$NSP-a8 b=$NSP-b8 p
    mkns "$a"; mkns "$b"
    veth "$a" veth0 02:00:00:00:08:01 "$b" veth0 02:00:00:00:08:02
    addr "$a" veth0 10.0.8.1/24 fd00:8::1/64
    addr "$b" veth0 10.0.8.2/24 fd00:8::2/64
    # no tail loss probes in the sender, so the single drop below is repaired
    # by a retransmission timeout
    nsx "$a" sysctl -qw net.ipv4.tcp_early_retrans=0
    # - port 9010: every 10th data segment (4th, 14th, ...) is dropped
    # - port 8080: only the first data segment ever seen is dropped
    nsx "$b" nft -f - <<'NFT'
table inet rttscope_loss {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp dport 9010 meta length > 100 numgen inc mod 10 == 3 counter drop
        tcp dport 8080 meta length > 100 numgen inc mod 1000000 == 0 counter drop
    }
}
NFT
    bg "$b" sink socat -u TCP4-LISTEN:9010,bind=10.0.8.2,reuseaddr OPEN:/dev/null
    bg "$b" http python3 -m http.server 8080 --bind 10.0.8.2 --directory "$WORK/www"
    wait_listen "$b" tcp 9010
    wait_listen "$b" tcp 8080
    sleep 0.3
    log "tcp-loss-sack.pcap"
    cap_start "$a" "$STAGE/tcp-loss-sack.pcap" -i veth0; p=$CAP_PID
    run ip netns exec "$a" socat -u OPEN:"$WORK/tcp200k.bin" TCP4:10.0.8.2:9010
    cap_stop $p
    log "tcp-rto.pcap"
    cap_start "$a" "$STAGE/tcp-rto.pcap" -i veth0 tcp; p=$CAP_PID
    run ip netns exec "$a" "${CURL[@]}" http://10.0.8.2:8080/hello.txt
    cap_stop $p
    nsx "$b" nft list table inet rttscope_loss >"$WORK/log/nft-loss.txt"
}

# 9: TCP Fast Open (cookie request, cookie, then data in SYN), IPv4 and IPv6
rec_tfo() {
    local c=$NSP-c9 s=$NSP-s9 p
    mkns "$c"; mkns "$s"
    nsx "$c" sysctl -qw net.ipv4.tcp_fastopen=3
    nsx "$s" sysctl -qw net.ipv4.tcp_fastopen=3
    veth "$c" veth0 02:00:00:00:09:01 "$s" veth0 02:00:00:00:09:02
    addr "$c" veth0 10.0.9.1/24 fd00:9::1/64
    addr "$s" veth0 10.0.9.2/24 fd00:9::2/64
    bg "$s" tfo python3 "$WORK/tfo_server.py" 8080 4 "$WORK/tfo-ready"
    wait_file "$WORK/tfo-ready" ready
    sleep 0.3
    log "tcp-fastopen.pcap"
    cap_start "$c" "$STAGE/tcp-fastopen.pcap" -i veth0; p=$CAP_PID
    run ip netns exec "$c" "${CURL[@]}" --tcp-fastopen http://10.0.9.2:8080/first
    run ip netns exec "$c" "${CURL[@]}" --tcp-fastopen http://10.0.9.2:8080/second
    run ip netns exec "$c" "${CURL[@]}" --tcp-fastopen 'http://[fd00:9::2]:8080/first'
    run ip netns exec "$c" "${CURL[@]}" --tcp-fastopen 'http://[fd00:9::2]:8080/second'
    cap_stop $p
}

# 10: pcapng with two interfaces of different link types, and a
# nanosecond-resolution pcap
rec_pcapng() {
    local a=$NSP-a10 b=$NSP-b10 p1 p2 err=$WORK/log/dumpcap.err
    mkns "$a"; mkns "$b"
    veth "$a" veth0 02:00:00:00:10:01 "$b" veth0 02:00:00:00:10:02
    addr "$a" veth0 10.0.11.1/24 fd00:11::1/64
    addr "$b" veth0 10.0.11.2/24 fd00:11::2/64
    tun "$a" tun0 10.0.12.1/24 fd00:12::1/64
    sleep 0.3
    log "multi-if.pcapng, veth-nano.pcap"
    ip netns exec "$a" dumpcap -q -s "$SNAPLEN" -B $((BUF_KIB / 1024)) -i veth0 -i tun0 \
        -w "$STAGE/multi-if.pcapng" 2>"$err" &
    p1=$!
    CAP_ERR[$p1]=$err
    wait_file "$err" "Capturing on"
    cap_start "$a" "$STAGE/veth-nano.pcap" --time-stamp-precision=nano -i veth0; p2=$CAP_PID
    run ip netns exec "$a" ping -n -c 2 -i 0.2 10.0.11.2
    run ip netns exec "$a" ping -n -c 2 -i 0.2 10.0.12.2
    run ip netns exec "$a" ping -n -6 -c 2 -i 0.2 fd00:11::2
    run ip netns exec "$a" ping -n -6 -c 2 -i 0.2 fd00:12::2
    cap_stop $p1 $p2
}

# ---------------------------------------------------------------------------
# verification: each capture must hold what it was made for
# ---------------------------------------------------------------------------
FAILS=0
count() { tshark -n -r "$1" -Y "$2" 2>/dev/null | wc -l; }
expect() { # FILE MIN DISPLAY-FILTER [what]
    local f=$STAGE/$1 min=$2 filter=$3 n
    n=$(count "$f" "$filter")
    if (( n < min )); then
        echo "record-interop: CHECK FAILED: $1: '$filter' matched $n, want >= $min" >&2
        FAILS=$((FAILS + 1))
    fi
}
expect_none() { # FILE DISPLAY-FILTER
    local n
    n=$(count "$STAGE/$1" "$2")
    if (( n > 0 )); then
        echo "record-interop: CHECK FAILED: $1: '$2' matched $n, want 0" >&2
        FAILS=$((FAILS + 1))
    fi
}
linktype_is() { # FILE ENCAPSULATION-SUBSTRING
    local enc
    enc=$(capinfos -E "$STAGE/$1" 2>/dev/null | sed -n 's/^File encapsulation: *//p')
    if [[ $enc != *"$2"* ]]; then
        echo "record-interop: CHECK FAILED: $1: encapsulation '$enc', want '$2'" >&2
        FAILS=$((FAILS + 1))
    fi
}

verify() {
    linktype_is lo-http.pcap Ethernet
    expect lo-http.pcap 2 'http.request.method == "GET"'
    expect lo-http.pcap 1 'ipv6 && http.response.code == 200'
    expect lo-http.pcap 4 'tcp.flags.fin == 1'
    expect lo-tcp-socat.pcap 4 'tcp.len > 0'
    expect lo-tcp-socat.pcap 2 'ipv6 && tcp.len > 0'
    expect lo-udp-icmp.pcap 6 'udp.port == 9001'
    expect lo-udp-icmp.pcap 1 'icmp.type == 3 && icmp.code == 3 && udp.dstport == 9999'
    expect lo-udp-icmp.pcap 1 'icmpv6.type == 1 && icmpv6.code == 4 && udp.dstport == 9999'
    expect veth-linkup.pcap 1 'arp.isgratuitous == 1'
    expect veth-linkup.pcap 2 'icmpv6.type == 135 && ipv6.src == ::'
    expect veth-linkup.pcap 2 'icmpv6.type == 143 && ipv6.hopopts'
    expect veth-linkup.pcap 1 'icmpv6.type == 133'
    expect veth-basic.pcap 2 'arp'
    expect veth-basic.pcap 1 'icmpv6.type == 135'
    expect veth-basic.pcap 1 'icmpv6.type == 136'
    expect veth-basic.pcap 4 'ip.flags.mf == 1'
    expect veth-basic.pcap 4 'ipv6.fraghdr.more == 1'
    expect veth-basic.pcap 1 'ip.flags.mf == 1 && ip.proto == 17'
    expect veth-basic.pcap 2 'ip.opt.type == 7'
    expect veth-basic.pcap 2 'ip.opt.type == 68'
    expect veth-basic.pcap 60 'tcp.len > 0'
    expect_none veth-basic.pcap 'frame.len > 1514'     # offloads really off
    expect_none tcp-loss-sack.pcap 'frame.len > 1514'
    expect routed-icmp.pcap 2 'icmp.type == 11'
    expect routed-icmp.pcap 2 'icmpv6.type == 3'
    expect routed-icmp.pcap 1 'icmp.type == 3 && icmp.code == 3 && udp'
    expect routed-icmp.pcap 1 'icmpv6.type == 1 && icmpv6.code == 4 && udp'
    expect routed-icmp.pcap 4 'tcp.flags.reset == 1'
    expect routed-icmp.pcap 1 'icmp.type == 11 && tcp.flags.syn == 1'
    expect routed-icmp.pcap 1 'icmpv6.type == 3 && tcp.flags.syn == 1'
    expect vlan-qinq.pcap 6 'vlan.id == 10'
    expect vlan-qinq.pcap 6 'ieee8021ad.id == 100 && vlan.id == 200'
    expect vlan-qinq.pcap 1 'vlan.id == 10 && arp'
    expect vlan-qinq.pcap 1 'vlan.id == 200 && icmpv6.type == 135'
    expect vlan-qinq.pcap 2 'vlan.id == 200 && tcp.len > 0'
    linktype_is cooked-sll.pcap "Linux cooked-mode capture v1"
    linktype_is cooked-sll2.pcap "Linux cooked-mode capture v2"
    expect cooked-sll.pcap 1 'sll.pkttype == 4'
    expect cooked-sll.pcap 2 'tcp.len > 0'
    expect cooked-sll2.pcap 2 'udp.port == 9007'
    linktype_is tun-raw.pcap "Raw IP"
    expect tun-raw.pcap 2 'icmp.type == 0'
    expect tun-raw.pcap 2 'icmpv6.type == 129'
    expect tun-raw.pcap 2 'udp.srcport == 9008'
    expect tcp-loss-sack.pcap 1 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission'
    expect tcp-loss-sack.pcap 1 'tcp.analysis.duplicate_ack'
    expect tcp-loss-sack.pcap 1 'tcp.options.sack_le'
    expect tcp-rto.pcap 1 'tcp.analysis.retransmission && tcp.len > 0'
    expect tcp-fastopen.pcap 4 'tcp.option_kind == 34'
    expect tcp-fastopen.pcap 2 'tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.len > 0'
    linktype_is multi-if.pcapng "Per packet"
    expect multi-if.pcapng 4 'frame.interface_id == 0'
    expect multi-if.pcapng 4 'frame.interface_id == 1'
    expect veth-nano.pcap 2 'icmp.type == 0'
    expect veth-nano.pcap 2 'icmpv6.type == 129'
    if [[ $(od -An -tx1 -N4 "$STAGE/veth-nano.pcap" | tr -d ' ') != 4d3cb2a1 ]]; then
        echo "record-interop: CHECK FAILED: veth-nano.pcap is not a nanosecond pcap" >&2
        FAILS=$((FAILS + 1))
    fi
    (( FAILS == 0 )) || die "$FAILS capture check(s) failed"
}

# ---------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------
describe() {
    case "$1" in
        lo-http.pcap) echo "HTTP/1.0 GET with curl against python3 http.server on 127.0.0.1:8080 and [::1]:8080, full handshake and close (loopback: TCP checksums are offload placeholders)" ;;
        lo-tcp-socat.pcap) echo "socat TCP echo on port 9000 over 127.0.0.1 and ::1, fixed payload, half-close then close" ;;
        lo-udp-icmp.pcap) echo "socat UDP echo (3 datagrams each way) on port 9001 over 127.0.0.1 and ::1; UDP to closed port 9999 answered by ICMP / ICMPv6 port unreachable quoting the datagram" ;;
        veth-linkup.pcap) echo "veth coming up (captured on the peer): gratuitous ARP (arp_notify), DAD NS from ::, MLDv2 reports with hop-by-hop router-alert option, router solicitations, both sides" ;;
        veth-basic.pcap) echo "veth 10.0.3.0/24 + fd00:3::/64, MTU 1500: ARP, NS/NA, ping -s 4000 (IPv4 fragments, IPv6 fragment header), 3000-byte UDP v4/v6 fragmented, ping -R (record route), ping -T tsonly / tsandaddr (timestamp options), 100 KiB TCP" ;;
        routed-icmp.pcap) echo "client side of client-router-server: forwarded ping, ping -t 1 (ICMP time exceeded, ICMPv6 hop limit exceeded), traceroute v4/v6 with UDP probes (time exceeded + port unreachable quoting UDP) and with TCP SYN probes (time exceeded quoting TCP), SYN to closed port -> RST v4/v6" ;;
        vlan-qinq.pcap) echo "parent veth: 802.1Q VID 10 and QinQ 802.1ad VID 100 / 802.1Q VID 200, each with ARP, NS/NA, ping v4/v6 and a socat TCP echo (tags made by: $VLAN_DESC)" ;;
        cooked-sll.pcap) echo "tcpdump -i any: loopback socat TCP + UDP echo, ping 127.0.0.1 / ::1, ping over a veth (ARP, NS/NA; outgoing and incoming packet types)" ;;
        cooked-sll2.pcap) echo "same exchange as cooked-sll.pcap, recorded at the same time with -y LINUX_SLL2 (interface index, ARPHRD type)" ;;
        tun-raw.pcap) echo "TUN device: ping v4/v6 and UDP v4/v6 answered by a python3 responder reading /dev/net/tun" ;;
        tcp-loss-sack.pcap) echo "200 KiB TCP transfer; nftables at the receiver drops every 10th data segment: retransmissions, duplicate ACKs, SACK blocks" ;;
        tcp-rto.pcap) echo "curl GET whose request segment is dropped once by nftables and retransmitted after the RTO (tail loss probe off in the sender's namespace)" ;;
        tcp-fastopen.pcap) echo "TCP Fast Open, v4 then v6: curl --tcp-fastopen twice each; SYN with cookie request, SYN-ACK with cookie, then SYN carrying the HTTP request" ;;
        multi-if.pcapng) echo "dumpcap -i veth0 -i tun0 in one namespace: two IDBs with different link types, ARP/ND and ping v4/v6 on the veth, ping v4/v6 through the TUN responder" ;;
        veth-nano.pcap) echo "tcpdump --time-stamp-precision=nano on the veth of multi-if.pcapng at the same time (pcap magic a1b23c4d)" ;;
        *) echo "?" ;;
    esac
}

# header facts straight from the file bytes: container, link type(s) and
# timestamp resolution (pcap magic, or pcapng IDB if_tsresol option)
cat >"$WORK/capheader.py" <<'PY'
import struct, sys
NAMES = {1: "ETHERNET", 101: "RAW", 113: "LINUX_SLL", 276: "LINUX_SLL2"}
def lt(n):
    return "LINKTYPE_%s (%d)" % (NAMES.get(n, "?"), n)
def describe(path):
    d = open(path, "rb").read()
    magic = d[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        res = "usec" if magic == b"\xd4\xc3\xb2\xa1" else "nsec"
        return "pcap %s, %s" % (res, lt(struct.unpack("<I", d[20:24])[0]))
    if magic == b"\x0a\x0d\x0d\x0a":
        bo = "<" if d[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        pos, idbs = 0, []
        while pos + 12 <= len(d):
            btype, blen = struct.unpack(bo + "II", d[pos:pos + 8])
            if btype == 1:
                link = struct.unpack(bo + "H", d[pos + 8:pos + 10])[0]
                o, tsresol = pos + 16, None
                while o + 4 <= pos + blen - 4:
                    code, olen = struct.unpack(bo + "HH", d[o:o + 4])
                    if code == 0:
                        break
                    if code == 9:
                        tsresol = d[o + 4]
                    o += 4 + ((olen + 3) & ~3)
                idbs.append("IDB %d %s if_tsresol=%s" % (len(idbs), lt(link),
                            "absent (usec)" if tsresol is None else tsresol))
            pos += blen
        return "pcapng, " + "; ".join(idbs)
    return "unknown format"
for p in sys.argv[1:]:
    print(describe(p))
PY

write_readme() {
    local f hdr n
    if [[ $VLAN_METHOD == subif ]]; then
        VLAN_DESC="kernel 802.1Q sub-interfaces veth0.10 and veth0.100.200"
    else
        VLAN_DESC="kernel skb_vlan_push() from a tcx eBPF program, see notes"
    fi
    {
        echo "# Interop captures"
        echo
        echo "Generated by \`scripts/record-interop.sh\`; do not edit by hand. Regenerate all of them with:"
        echo
        echo '    sudo apt-get install -y $(scripts/record-interop.sh --deps)'
        echo '    sudo scripts/record-interop.sh            # writes fixtures/interop/'
        echo
        echo "Every packet comes from a real peer (the Linux kernel stack, ping, traceroute, curl, socat,"
        echo "python3 sockets) on loopback or on veth/tun devices inside throw-away network namespaces;"
        echo "only the TUN echo replies are written by a small user-space responder. Re-recording changes"
        echo "timestamps, TCP sequence numbers and timestamps, IP IDs, ephemeral ports, HTTP Date headers"
        echo "and (slightly) the loss-recovery sequence; payloads, addresses and MACs are fixed."
        echo "Frames on veth devices are at most MTU-sized with valid checksums (offloads are off);"
        echo "loopback captures carry partial TCP/UDP checksums, as real loopback captures do."
        echo
        echo "| file | format, link type | packets | contents |"
        echo "| --- | --- | --- | --- |"
        for f in "${FILES[@]}"; do
            hdr=$(python3 "$WORK/capheader.py" "$STAGE/$f")
            n=$(capinfos -c -M "$STAGE/$f" 2>/dev/null | sed -n 's/^Number of packets: *//p')
            echo "| \`$f\` | $hdr | $n | $(describe "$f") |"
        done
        echo
        echo "Notes:"
        echo
        echo "- \`multi-if.pcapng\` (dumpcap 4.0) writes an \`if_tsresol\` option of 9 in each IDB, i.e."
        echo "  nanosecond timestamps; a reader must honour it (the pcapng default would be 10^-6)."
        if [[ $VLAN_METHOD == bpf ]]; then
            echo "- The recording kernel had no 802.1Q support, so in \`vlan-qinq.pcap\` the tags are inserted"
            echo "  by the kernel's skb_vlan_push() called from an eBPF (tcx) program on the parent veth, which"
            echo "  picks the VLAN from the source subnet (10.10/16, fd00:10::/32 -> VID 10; 10.200/16,"
            echo "  fd00:200::/32 -> QinQ 100/200), and popped again on receive. The outer 802.1ad TPID is"
            echo "  0x88a8. On a kernel with 802.1Q the script uses real vlan sub-interfaces instead."
        fi
        echo "- \`tcp-rto.pcap\` runs with \`net.ipv4.tcp_early_retrans=0\` in the sender's namespace so the"
        echo "  lost request is repaired by the retransmission timer, not by a tail loss probe."
    } >"$STAGE/README.md"
}

# ---------------------------------------------------------------------------
FILES=(lo-http.pcap lo-tcp-socat.pcap lo-udp-icmp.pcap veth-linkup.pcap veth-basic.pcap routed-icmp.pcap
       vlan-qinq.pcap cooked-sll.pcap cooked-sll2.pcap tun-raw.pcap tcp-loss-sack.pcap
       tcp-rto.pcap tcp-fastopen.pcap multi-if.pcapng veth-nano.pcap)

SECONDS=0
rec_loopback
rec_linkup
rec_veth_basic
rec_routed
rec_vlan
rec_cooked
rec_tun
rec_tcp_loss
rec_tfo
rec_pcapng
log "recorded in ${SECONDS}s; verifying"
verify
hdr=$(python3 "$WORK/capheader.py" "$STAGE/multi-if.pcapng")
[[ $hdr == *"IDB 0 LINKTYPE_ETHERNET (1) if_tsresol=9"*"IDB 1 LINKTYPE_RAW (101) if_tsresol=9"* ]] ||
    die "multi-if.pcapng IDBs are not as documented: $hdr"
write_readme

mkdir -p "$OUTDIR"
for f in "${FILES[@]}" README.md; do
    cp "$STAGE/$f" "$OUTDIR/$f.tmp"
    chmod 644 "$OUTDIR/$f.tmp"
    mv -f "$OUTDIR/$f.tmp" "$OUTDIR/$f"
done
log "done in ${SECONDS}s: ${#FILES[@]} captures in $OUTDIR"
for f in "${FILES[@]}"; do
    printf '  %-20s %6s packets  %s\n' "$f" \
        "$(capinfos -c -M "$OUTDIR/$f" 2>/dev/null | sed -n 's/^Number of packets: *//p')" \
        "$(python3 "$WORK/capheader.py" "$OUTDIR/$f")" >&2
done
