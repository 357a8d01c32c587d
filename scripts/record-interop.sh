#!/usr/bin/env bash
# record-interop.sh -- record the interop packet captures used by rttscope's
# differential tests (rttscope vs `tshark -T fields`).
#
# Every packet in these captures is produced by a real peer: the Linux kernel
# stack and standard tools (ping, traceroute, curl, socat, python3 sockets and
# its ssl module, OpenSSL's s_server/s_client, nghttpd, nghttp, and aioquic
# through scripts/quic-peer.py). The only user-space packet writer is the small
# TUN responder of the raw-IP captures, which answers echo requests the kernel
# sent into the TUN device.
# TLS and QUIC captures get the clients' NSS key log beside them: NAME.pcap ->
# NAME.keys.
#
# Usage:
#   sudo scripts/record-interop.sh [OUTDIR]   # default OUTDIR: fixtures/interop
#   scripts/record-interop.sh --deps           # Debian packages needed, one line
#   scripts/record-interop.sh --pip            # Python packages needed (PyPI), one line
#
# The QUIC captures need aioquic, pinned to the version --pip prints, in the
# Python that RTTSCOPE_AIOQUIC_PYTHON names (default: python3), e.g. a venv:
#   python3 -m venv target/aioquic-venv
#   target/aioquic-venv/bin/pip install $(scripts/record-interop.sh --pip)
#   sudo RTTSCOPE_AIOQUIC_PYTHON=target/aioquic-venv/bin/python scripts/record-interop.sh
#
# RECORD_INTEROP_KEEP=1 keeps the temporary work directory (logs, staged
# captures) for debugging.
# RECORD_INTEROP_ONLY="PATTERN..." records only the captures whose name, with
# or without its extension, matches one of the shell patterns (e.g.
# "tls12-openssl tls13-*"); a recorder that makes several captures makes and
# installs them all. Captures not recorded are left in OUTDIR as they are, and
# the README is regenerated from both. Unset or empty: record everything.
#
# Safety rules this script follows:
#   * traffic only ever flows over loopback or over veth/tun devices inside
#     network namespaces that this script creates; all of them are deleted on
#     exit (normal exit, error or signal);
#   * sysctls are only written inside those namespaces, never on the host;
#   * every process it starts lives in one of its namespaces and is killed
#     (by pid) before the namespace is deleted.
set -euo pipefail

DEPS="iproute2 iputils-ping traceroute socat nftables tcpdump tshark ethtool curl python3 python3-venv procps coreutils openssl nghttp2-server nghttp2-client"
# the QUIC peer's library, exactly this version (PyPI)
PIP="aioquic==1.7.2"

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

case "${1:-}" in
    --deps) echo "$DEPS"; exit 0 ;;
    --pip) echo "$PIP"; exit 0 ;;
    -h|--help) usage; exit 0 ;;
esac

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUTDIR=${1:-$REPO_ROOT/fixtures/interop}

die() { echo "record-interop: error: $*" >&2; exit 1; }
log() { echo "record-interop: $*" >&2; }

[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces, captures): sudo $0 ${1:-}"
for tool in ip tcpdump dumpcap tshark capinfos ping traceroute socat nft ethtool curl python3 timeout openssl nghttpd nghttp; do
    command -v "$tool" >/dev/null || die "missing '$tool'; install: apt-get install -y \$($0 --deps)"
done

# The Python that runs scripts/quic-peer.py: it must import aioquic. Checked
# (need_aioquic) only when a QUIC capture is to be recorded, before anything is.
AIOQUIC_PY=${RTTSCOPE_AIOQUIC_PYTHON:-python3}
QUIC_PEER=$REPO_ROOT/scripts/quic-peer.py
need_aioquic() {
    local v
    # a relative path is made absolute, without resolving links (a venv's python is one)
    [[ $AIOQUIC_PY != */* || $AIOQUIC_PY == /* ]] || AIOQUIC_PY=$PWD/$AIOQUIC_PY
    v=$("$AIOQUIC_PY" -c 'import aioquic; print(aioquic.__version__)' 2>/dev/null) ||
        die "'$AIOQUIC_PY' cannot import aioquic; install it: python3 -m venv target/aioquic-venv && target/aioquic-venv/bin/pip install $PIP, and run with RTTSCOPE_AIOQUIC_PYTHON=target/aioquic-venv/bin/python"
    [[ aioquic==$v == "$PIP" ]] || log "WARNING: recording with aioquic $v, not the pinned $PIP"
}

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

# start a background peer inside a namespace (output goes to the work log);
# its pid is left in BG_PID
bg() {
    local ns=$1 name=$2; shift 2
    ip netns exec "$ns" "$@" >"$WORK/log/$name.out" 2>"$WORK/log/$name.err" &
    BG_PID=$!
}

# stop PID...: end background peers that this shell started (by pid, while
# they are still its unreaped children) and reap them
stop() {
    local pid
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
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
open(os.path.join(w, "www", "second.txt"), "wb").write(b"rttscope interop fixture: a second file on the same connection\n")
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

# vlan_probe: the method rec_vlan would use on this kernel, for the README
# when vlan-qinq.pcap is not recorded in this run
vlan_probe() {
    local ns=$NSP-vp
    mkns "$ns"
    ip -n "$ns" link add veth0 type veth peer name veth1
    if ip -n "$ns" link add link veth0 name veth0.10 type vlan id 10 2>/dev/null; then
        VLAN_METHOD=subif
    else
        VLAN_METHOD=bpf
    fi
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
# TLS and HTTP/2 captures: certificates, helper programs, recorders
# ---------------------------------------------------------------------------
# Every TLS server is server.test on TCP port 443 (80 for cleartext HTTP/2) in
# the server namespace of a client/server veth pair; curl is pointed at it with
# --resolve, so the ClientHello carries SNI. Key logs are written by the
# clients only (one NSS key log line per secret) and concatenated per capture.

# OpenSSL configuration used for every certificate: nothing is taken from the
# system's openssl.cnf
cat >"$WORK/pki.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf_ext]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:server.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[int_ext]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

# make_pki DIR BITS [self]: RSA keys of BITS bits, made now: a CA (ca.pem,
# ca.key), a server.test certificate signed by it (leaf.pem, leaf.key) and,
# with "self", a self-signed server.test certificate (self.pem, self.key);
# does nothing if DIR exists
make_pki() {
    local d=$1 bits=$2 err=$WORK/log/pki.err
    [[ -d $d ]] && return 0
    mkdir -p "$d"
    openssl req -config "$WORK/pki.cnf" -x509 -extensions ca_ext -newkey "rsa:$bits" -nodes \
        -keyout "$d/ca.key" -out "$d/ca.pem" -days 3650 -subj "/CN=rttscope interop CA" 2>>"$err" ||
        die "CA certificate: $(tail -3 "$err")"
    openssl req -config "$WORK/pki.cnf" -new -newkey "rsa:$bits" -nodes \
        -keyout "$d/leaf.key" -out "$d/leaf.csr" -subj "/CN=server.test" 2>>"$err" ||
        die "server key: $(tail -3 "$err")"
    openssl x509 -req -in "$d/leaf.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -set_serial 2 -days 3650 \
        -extfile "$WORK/pki.cnf" -extensions leaf_ext -out "$d/leaf.pem" 2>>"$err" ||
        die "server certificate: $(tail -3 "$err")"
    [[ ${3:-} == self ]] || return 0
    openssl req -config "$WORK/pki.cnf" -x509 -extensions leaf_ext -newkey "rsa:$bits" -nodes \
        -keyout "$d/self.key" -out "$d/self.pem" -days 3650 -subj "/CN=server.test" 2>>"$err" ||
        die "self-signed certificate: $(tail -3 "$err")"
}

# make_chain DIR BITS: in a PKI made by make_pki, an intermediate CA signed by
# the CA (int.pem, int.key) and a server.test certificate signed by the
# intermediate (ileaf.pem, ileaf.key), RSA keys of BITS bits made now;
# ichain.pem is that leaf followed by the intermediate, the chain a server
# sends; does nothing if it exists
make_chain() {
    local d=$1 bits=$2 err=$WORK/log/pki.err
    [[ -e $d/ichain.pem ]] && return 0
    openssl req -config "$WORK/pki.cnf" -new -newkey "rsa:$bits" -nodes \
        -keyout "$d/int.key" -out "$d/int.csr" -subj "/CN=rttscope interop intermediate CA" 2>>"$err" ||
        die "intermediate key: $(tail -3 "$err")"
    openssl x509 -req -in "$d/int.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -set_serial 3 -days 3650 \
        -extfile "$WORK/pki.cnf" -extensions int_ext -out "$d/int.pem" 2>>"$err" ||
        die "intermediate certificate: $(tail -3 "$err")"
    openssl req -config "$WORK/pki.cnf" -new -newkey "rsa:$bits" -nodes \
        -keyout "$d/ileaf.key" -out "$d/ileaf.csr" -subj "/CN=server.test" 2>>"$err" ||
        die "server key: $(tail -3 "$err")"
    openssl x509 -req -in "$d/ileaf.csr" -CA "$d/int.pem" -CAkey "$d/int.key" -set_serial 4 -days 3650 \
        -extfile "$WORK/pki.cnf" -extensions leaf_ext -out "$d/ileaf.pem" 2>>"$err" ||
        die "server certificate: $(tail -3 "$err")"
    cat "$d/ileaf.pem" "$d/int.pem" >"$d/ichain.pem"
}

# tls_pair C S N: client and server namespaces joined by a veth (MTU 1500,
# offloads off), 10.0.N.1 / fd00:N::1 for the client, 10.0.N.2 / fd00:N::2
# for the server
tls_pair() {
    local c=$1 s=$2 n=$3
    mkns "$c"; mkns "$s"
    veth "$c" veth0 "02:00:00:00:$n:01" "$s" veth0 "02:00:00:00:$n:02"
    addr "$c" veth0 "10.0.$n.1/24" "fd00:$n::1/64"
    addr "$s" veth0 "10.0.$n.2/24" "fd00:$n::2/64"
    sleep 0.3
}

# ossl_server NS NAME OPENSSL-S_SERVER-ARGS...: openssl s_server on port 443
# in the www-http directory (-HTTP is among the arguments where wanted); waits
# until it listens and leaves its pid in SRV_PID
ossl_server() {
    local ns=$1 name=$2; shift 2
    bg "$ns" "$name" env -C "$WORK/www-http" openssl s_server -accept 443 "$@"
    SRV_PID=$BG_PID
    wait_listen "$ns" tcp 443
}

# tcurl NS KEYLOG CURL-ARGS...: curl with its TLS secrets appended to KEYLOG
tcurl() {
    local ns=$1 keys=$2; shift 2
    run ip netns exec "$ns" env SSLKEYLOGFILE="$keys" "${CURL[@]}" "$@"
}

# wait_count FILE PATTERN N: wait until PATTERN occurs on N lines of FILE
wait_count() {
    local f=$1 pat=$2 want=$3
    for _ in $(seq 100); do
        if (( $(grep -c "$pat" "$f" 2>/dev/null || true) >= want )); then return 0; fi
        sleep 0.05
    done
    dump_logs
    die "timed out waiting for $want x '$pat' in $f"
}

# The fixed HTTP/1.0 request s_client sends, and the files s_server serves
# with -HTTP: whole responses, headers included, so that they carry a
# Content-Length (-WWW sends none, and a reader such as tshark then waits for
# the end of the connection before it shows the response). The early-data
# server is fed the same response on its standard input.
printf 'GET /hello.txt HTTP/1.0\r\nHost: server.test\r\n\r\n' >"$WORK/req-hello.txt"
python3 - "$WORK" <<'PY'
import os, sys
w = sys.argv[1]
os.makedirs(os.path.join(w, "www-http"), exist_ok=True)
for name in ("hello.txt", "second.txt"):
    body = open(os.path.join(w, "www", name), "rb").read()
    open(os.path.join(w, "www-http", name), "wb").write(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
        % len(body) + body)
PY

# HTTPS server on Python's ssl module: dual-stack listener on PORT, one
# HTTP/1.1 request per connection answered from DOCROOT with Content-Length and
# "Connection: close", then close_notify both ways; serves COUNT connections.
cat >"$WORK/tls_server.py" <<'PY'
import os, socket, ssl, sys
port, cert, key, docroot, count, ready = (int(sys.argv[1]), sys.argv[2], sys.argv[3],
                                          sys.argv[4], int(sys.argv[5]), sys.argv[6])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(cert, key)
ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
ls.bind(("::", port))
ls.listen(8)
ls.settimeout(30)
open(ready, "w").write("ready\n")
for _ in range(count):
    raw, peer = ls.accept()
    raw.settimeout(10)
    conn = ctx.wrap_socket(raw, server_side=True)
    head = b""
    while b"\r\n\r\n" not in head:
        data = conn.recv(4096)
        if not data:
            break
        head += data
    parts = head.split(b" ")
    name = os.path.basename(parts[1].decode()) if len(parts) > 2 else ""
    path = os.path.join(docroot, name)
    if name and os.path.isfile(path):
        status, body = b"200 OK", open(path, "rb").read()
    else:
        status, body = b"404 Not Found", b"not found\n"
    conn.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                 b"Connection: close\r\n\r\n" % len(body) + body)
    print("%s %s %s %s" % (peer[0], conn.version(), conn.cipher()[0], name), flush=True)
    conn.unwrap().close()
ls.close()
PY

# HTTPS over TCP Fast Open, in the style of tfo_server.py: dual-stack
# listener with TCP_FASTOPEN on PORT, TLS 1.3 only (no session tickets), one
# HTTP/1.1 request per connection answered with a fixed body, Content-Length
# and "Connection: close", then close_notify; serves COUNT connections. For
# each it prints what the kernel says at accept time: whether data came in
# the SYN and was taken (TCP_INFO tcpi_options & TCPI_OPT_SYN_DATA), the TCP
# state, and how many bytes were already queued.
cat >"$WORK/tfo_tls_server.py" <<'PY'
import socket, ssl, sys
TCPI_OPT_SYN_DATA = 32
port, cert, key, count, ready = (int(sys.argv[1]), sys.argv[2], sys.argv[3],
                                 int(sys.argv[4]), sys.argv[5])
body = b"rttscope TLS 1.3 over TCP Fast Open fixture\n"
resp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n" % len(body)) + body
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.num_tickets = 0
ctx.load_cert_chain(cert, key)
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 16)
s.bind(("::", port))
s.listen(16)
s.settimeout(60)
open(ready, "w").write("ready\n")
for _ in range(count):
    raw, peer = s.accept()
    info = raw.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    try:
        queued = len(raw.recv(4096, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    except BlockingIOError:
        queued = 0
    raw.settimeout(10)
    conn = ctx.wrap_socket(raw, server_side=True)
    head = b""
    while b"\r\n\r\n" not in head:
        data = conn.recv(4096)
        if not data:
            break
        head += data
    conn.sendall(resp)
    print("%s syn_data=%d state=%d queued_at_accept=%d %s %s %s" % (
        peer[0], bool(info[5] & TCPI_OPT_SYN_DATA), info[0], queued, conn.version(),
        conn.cipher()[0], head.split(b"\r\n")[0].decode()), flush=True)
    try:
        conn.unwrap().close()
    except (ssl.SSLError, OSError) as e:
        print("  close: %s" % e, flush=True)
        raw.close()
s.close()
PY

# HTTPS client on Python's ssl module: fetches one file per connection and
# checks the TLS version and whether the session was resumed.
# Arguments: CA KEYLOG12 KEYLOG13 then VERSION ADDR PATH RESUME per connection,
# VERSION 1.2 or 1.3; RESUME "resume" offers the session of the previous
# connection of the same version.
cat >"$WORK/tls_client.py" <<'PY'
import socket, ssl, sys
ca, keylog12, keylog13 = sys.argv[1:4]
plan = sys.argv[4:]
ctxs, sessions = {}, {}
for version, keylog in (("1.2", keylog12), ("1.3", keylog13)):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if version == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.keylog_filename = keylog
    ctxs[version] = ctx
for i in range(0, len(plan), 4):
    version, addr, path, resume = plan[i:i + 4]
    raw = socket.create_connection((addr, 443), timeout=10)
    conn = ctxs[version].wrap_socket(raw, server_hostname="server.test",
                                     session=sessions.get(version) if resume == "resume" else None)
    conn.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: server.test\r\n"
                 b"User-Agent: rttscope-interop\r\nAccept: */*\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
    while len(body) < length:
        chunk = conn.recv(4096)
        if not chunk:
            break
        body += chunk
    got = (conn.version(), conn.session_reused)
    want = ("TLSv" + version, resume == "resume")
    print(addr, path, got, conn.cipher()[0], head.split(b"\r\n")[0].decode(), flush=True)
    if got != want or not head.startswith(b"HTTP/1.1 200 ") or len(body) != length:
        sys.exit("connection %d: got %r, want %r" % (i // 4 + 1, got, want))
    sessions[version] = conn.session
    conn.unwrap().close()
PY

# 11: TLS 1.2 between curl and openssl s_server, one connection per cipher
# suite: AEAD (AES-GCM, ChaCha20-Poly1305), CBC with encrypt-then-MAC (the
# default), CBC without it (s_client -no_etm), and RSA key exchange
TLS12_CIPHERS="ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 ECDHE-RSA-CHACHA20-POLY1305 ECDHE-RSA-AES128-SHA ECDHE-RSA-AES256-SHA384 AES128-SHA256"
rec_tls12() {
    local c=$NSP-c20 s=$NSP-s20 p cipher keys=$STAGE/tls12-openssl.keys pki=$WORK/pki2048
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 20
    ossl_server "$s" tls12-server -tls1_2 -HTTP -cert "$pki/leaf.pem" -key "$pki/leaf.key"
    : >"$keys"
    log "tls12-openssl.pcap"
    cap_start "$c" "$STAGE/tls12-openssl.pcap" -i veth0; p=$CAP_PID
    for cipher in $TLS12_CIPHERS; do
        tcurl "$c" "$keys" --tlsv1.2 --tls-max 1.2 --ciphers "$cipher" --cacert "$pki/ca.pem" \
            --resolve server.test:443:10.0.20.2 https://server.test/hello.txt
    done
    # MAC-then-encrypt CBC: s_client without the encrypt_then_mac extension;
    # -ign_eof makes it wait for the response and the server's close
    run ip netns exec "$c" openssl s_client -connect 10.0.20.2:443 -servername server.test \
        -tls1_2 -cipher ECDHE-RSA-AES128-SHA -no_etm -CAfile "$pki/ca.pem" -verify_return_error \
        -keylogfile "$keys" -ign_eof <"$WORK/req-hello.txt"
    cap_stop $p
    stop "$SRV_PID"
}

# 12: TLS 1.3 between curl and openssl s_server: each cipher suite (one over
# IPv6), a HelloRetryRequest, and a certificate curl rejects (alert)
rec_tls13() {
    local c=$NSP-c21 s=$NSP-s21 p keys=$STAGE/tls13-openssl.keys pki=$WORK/pki2048
    local tls=(--tlsv1.3 --cacert "$pki/ca.pem" --resolve 'server.test:443:10.0.21.2,[fd00:21::2]')
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 21
    : >"$keys"
    log "tls13-openssl.pcap"
    cap_start "$c" "$STAGE/tls13-openssl.pcap" -i veth0; p=$CAP_PID
    ossl_server "$s" tls13-server -tls1_3 -HTTP -cert "$pki/leaf.pem" -key "$pki/leaf.key"
    tcurl "$c" "$keys" "${tls[@]}" -4 --tls13-ciphers TLS_AES_128_GCM_SHA256 https://server.test/hello.txt
    tcurl "$c" "$keys" "${tls[@]}" -4 --tls13-ciphers TLS_AES_256_GCM_SHA384 https://server.test/hello.txt
    tcurl "$c" "$keys" "${tls[@]}" -6 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256 https://server.test/hello.txt
    stop "$SRV_PID"
    # the server knows only P-384; curl's first (and only) key share is X25519
    ossl_server "$s" tls13-hrr -tls1_3 -HTTP -groups P-384 -cert "$pki/leaf.pem" -key "$pki/leaf.key"
    tcurl "$c" "$keys" "${tls[@]}" -4 https://server.test/hello.txt
    stop "$SRV_PID"
    # a self-signed certificate: curl aborts the handshake with an alert
    ossl_server "$s" tls13-self -tls1_3 -HTTP -cert "$pki/self.pem" -key "$pki/self.key"
    if timeout 20 ip netns exec "$c" env SSLKEYLOGFILE="$keys" "${CURL[@]}" "${tls[@]}" -4 \
            https://server.test/hello.txt >>"$WORK/log/clients.out" 2>&1; then
        die "curl accepted a self-signed certificate"
    fi
    stop "$SRV_PID"
    cap_stop $p
}

# 13: TLS 1.3 early data with openssl s_client: a ticket, then a resumption
# whose request is sent as early data and accepted; the same against a server
# that advertises early data in its tickets but does not read it, so it is
# rejected and s_client sends the request again after the handshake
rec_tls13_0rtt() {
    local c=$NSP-c22 s=$NSP-s22 p pki=$WORK/pki2048 keys=$STAGE/tls13-0rtt.keys
    local srv_in=$WORK/0rtt-server.in cli_in=$WORK/0rtt-client.in srv_out=$WORK/log/0rtt-server.out
    local cli_out=$WORK/log/0rtt-client.out step cpid
    local sc=(openssl s_client -connect 10.0.22.2:443 -servername server.test -CAfile "$pki/ca.pem"
              -verify_return_error)
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 22
    mkfifo "$srv_in" "$cli_in"
    # both FIFOs are held open read-write by this shell (fd 7: the server's
    # input, fd 8: the client's): writing never blocks, and a reader sees the
    # end of its input only when this shell closes the descriptor. Children
    # are started with both closed, so that they hold no writer themselves.
    exec 7<>"$srv_in"
    : >"$keys"
    log "tls13-0rtt.pcap"
    cap_start "$c" "$STAGE/tls13-0rtt.pcap" -i veth0; p=$CAP_PID
    # s_server without -HTTP (which excludes -early_data) prints what it reads
    # and sends what it is given on its standard input
    ip netns exec "$s" openssl s_server -accept 443 -cert "$pki/leaf.pem" -key "$pki/leaf.key" \
        -early_data <"$srv_in" >"$srv_out" 2>"$WORK/log/0rtt-server.err" 7>&- &
    SRV_PID=$!
    wait_listen "$s" tcp 443
    for step in ticket early; do
        exec 8<>"$cli_in"
        if [[ $step == ticket ]]; then
            ip netns exec "$c" "${sc[@]}" -sess_out "$WORK/0rtt-a.sess" -keylogfile "$keys" \
                <"$cli_in" >"$cli_out" 2>&1 7>&- 8>&- &
            cpid=$!
            cat "$WORK/req-hello.txt" >&8
            wait_count "$srv_out" '^GET /hello.txt' 1
        else
            ip netns exec "$c" "${sc[@]}" -sess_in "$WORK/0rtt-a.sess" -early_data "$WORK/req-hello.txt" \
                -keylogfile "$keys" <"$cli_in" >"$cli_out" 2>&1 7>&- 8>&- &
            cpid=$!
            wait_count "$srv_out" '^GET /hello.txt' 2
        fi
        cat "$WORK/www-http/hello.txt" >&7
        wait_file "$cli_out" "rttscope interop fixture"
        if [[ $step == ticket ]]; then wait_file "$WORK/0rtt-a.sess" "END SSL SESSION"; fi
        exec 8>&-                       # end of input: s_client sends close_notify
        wait "$cpid" || die "s_client ($step) failed: $(tail -5 "$cli_out")"
        cat "$cli_out" >>"$WORK/log/clients.out"
    done
    grep -q "Early data was accepted" "$cli_out" || die "early data was not accepted: $(cat "$cli_out")"
    stop "$SRV_PID"
    exec 7>&-
    ossl_server "$s" 0rtt-reject -HTTP -max_early_data 16384 -cert "$pki/leaf.pem" -key "$pki/leaf.key"
    run ip netns exec "$c" "${sc[@]}" -sess_out "$WORK/0rtt-b.sess" -keylogfile "$keys" -ign_eof \
        <"$WORK/req-hello.txt"
    # the request again on standard input: sent after the handshake, when
    # the early data has been rejected
    # shellcheck disable=SC2094  # both only read the file
    run ip netns exec "$c" "${sc[@]}" -sess_in "$WORK/0rtt-b.sess" -early_data "$WORK/req-hello.txt" \
        -keylogfile "$keys" -ign_eof <"$WORK/req-hello.txt"
    grep -q "Early data was rejected" "$WORK/log/last.out" ||
        die "early data was not rejected: $(cat "$WORK/log/last.out")"
    stop "$SRV_PID"
    cap_stop $p
}

# 14: Python's ssl module on both sides: TLS 1.3 full and resumed (over IPv6),
# TLS 1.2 full and resumed (session ticket)
rec_tls_python() {
    local c=$NSP-c23 s=$NSP-s23 p pki=$WORK/pki2048 keys=$STAGE/tls-python.keys
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 23
    bg "$s" pytls python3 "$WORK/tls_server.py" 443 "$pki/leaf.pem" "$pki/leaf.key" "$WORK/www" 4 \
        "$WORK/pytls-ready"
    SRV_PID=$BG_PID
    wait_file "$WORK/pytls-ready" ready
    log "tls-python.pcap"
    cap_start "$c" "$STAGE/tls-python.pcap" -i veth0; p=$CAP_PID
    run ip netns exec "$c" python3 "$WORK/tls_client.py" "$pki/ca.pem" "$WORK/py12.keys" "$WORK/py13.keys" \
        1.3 10.0.23.2 /hello.txt new   1.3 fd00:23::2 /second.txt resume \
        1.2 10.0.23.2 /hello.txt new   1.2 10.0.23.2 /second.txt resume
    cap_stop $p
    wait "$SRV_PID" || die "python TLS server failed: $(tail -5 "$WORK/log/pytls.err")"
    cat "$WORK/py13.keys" "$WORK/py12.keys" >"$keys"
}

# 15: 4096-bit RSA certificate chain (leaf and CA sent by the server): the
# Certificate message spans more than one TCP segment; TLS 1.2 and TLS 1.3
# with curl
rec_rsa4096() {
    local c=$NSP-c24 s=$NSP-s24 p pki=$WORK/pki4096 keys=$STAGE/tls-rsa4096.keys
    local tls=(--cacert "$pki/ca.pem" --resolve server.test:443:10.0.24.2)
    make_pki "$pki" 4096
    tls_pair "$c" "$s" 24
    ossl_server "$s" rsa4096 -HTTP -cert "$pki/leaf.pem" -key "$pki/leaf.key" -cert_chain "$pki/ca.pem"
    : >"$keys"
    log "tls-rsa4096.pcap"
    cap_start "$c" "$STAGE/tls-rsa4096.pcap" -i veth0; p=$CAP_PID
    tcurl "$c" "$keys" "${tls[@]}" --tlsv1.2 --tls-max 1.2 https://server.test/hello.txt
    tcurl "$c" "$keys" "${tls[@]}" --tlsv1.3 https://server.test/hello.txt
    cap_stop $p
    stop "$SRV_PID"
}

# 16: HTTP/2 with nghttpd: over TLS (ALPN h2), two files on one connection;
# then cleartext with prior knowledge: curl once per file (curl 7.88 fails
# on reusing a prior-knowledge connection, curl issue 10634), and nghttp with
# both files as concurrent streams on one connection
rec_h2() {
    local c=$NSP-c25 s=$NSP-s25 p pki=$WORK/pki2048 keys=$STAGE/h2-tls.keys
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 25
    bg "$s" nghttpd-tls nghttpd -d "$WORK/www" 443 "$pki/leaf.key" "$pki/leaf.pem"
    SRV_PID=$BG_PID
    wait_listen "$s" tcp 443
    : >"$keys"
    log "h2-tls.pcap"
    cap_start "$c" "$STAGE/h2-tls.pcap" -i veth0; p=$CAP_PID
    tcurl "$c" "$keys" --http2 --cacert "$pki/ca.pem" --resolve server.test:443:10.0.25.2 \
        -o /dev/null https://server.test/hello.txt https://server.test/second.txt
    cap_stop $p
    stop "$SRV_PID"
    bg "$s" nghttpd-h2c nghttpd --no-tls -d "$WORK/www" 80
    SRV_PID=$BG_PID
    wait_listen "$s" tcp 80
    log "h2c.pcap"
    cap_start "$c" "$STAGE/h2c.pcap" -i veth0; p=$CAP_PID
    run ip netns exec "$c" "${CURL[@]}" --http2-prior-knowledge http://10.0.25.2/hello.txt
    run ip netns exec "$c" "${CURL[@]}" --http2-prior-knowledge http://10.0.25.2/second.txt
    run ip netns exec "$c" nghttp -n http://10.0.25.2/hello.txt http://10.0.25.2/second.txt
    cap_stop $p
    stop "$SRV_PID"
}

# 17: HTTPS over TCP Fast Open: curl --tcp-fastopen (TLS 1.3) against the
# Python TFO server with a self-signed server.test certificate, twice per
# address, IPv4 then IPv6: the first connection's SYN asks for a cookie, the
# second sends the cookie and the ClientHello in its SYN
rec_tfo_tls13() {
    local c=$NSP-c26 s=$NSP-s26 p pki=$WORK/pki2048 keys=$STAGE/tfo-tls13.keys a n
    local srv_out=$WORK/log/tfotls.out
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 26
    nsx "$c" sysctl -qw net.ipv4.tcp_fastopen=3
    nsx "$s" sysctl -qw net.ipv4.tcp_fastopen=3
    bg "$s" tfotls python3 "$WORK/tfo_tls_server.py" 443 "$pki/self.pem" "$pki/self.key" 4 \
        "$WORK/tfotls-ready"
    SRV_PID=$BG_PID
    wait_file "$WORK/tfotls-ready" ready
    : >"$keys"
    log "tfo-tls13.pcap"
    cap_start "$c" "$STAGE/tfo-tls13.pcap" -i veth0; p=$CAP_PID
    for a in 10.0.26.2 10.0.26.2 '[fd00:26::2]' '[fd00:26::2]'; do
        tcurl "$c" "$keys" --tcp-fastopen -k --tlsv1.3 --resolve "server.test:443:$a" \
            https://server.test/hello.txt
    done
    cap_stop $p
    wait "$SRV_PID" || die "TFO TLS server failed: $(tail -5 "$WORK/log/tfotls.err")"
    cat "$srv_out" >>"$WORK/log/clients.out"
    # the server's view: which connections' SYN data the kernel took
    n=$(grep -c 'syn_data=1' "$srv_out" || true)
    log "tfo-tls13.pcap: the server accepted $n of 4 connections with data from the SYN"
    (( n == 2 )) || log "tfo-tls13.pcap: WARNING: want 2; server says: $(tr '\n' ';' <"$srv_out")"
}

# ---------------------------------------------------------------------------
# QUIC and HTTP/3 captures: aioquic on both sides (scripts/quic-peer.py)
# ---------------------------------------------------------------------------
# The server is server.test on UDP port 443 (4433 where a capture says so) in
# the server namespace of a tls_pair, bound dual-stack, answering GET / and
# /hello.txt with 200 and a short text body; it keeps the session tickets it
# issues, so a later connection to the same server can resume and send 0-RTT
# data. The client makes one HTTP/3 request per run and fails unless the
# answer is 200; only the client logs secrets.

# quic_server NS NAME PORT QUIC-PEER-SERVER-ARGS...: start the server, wait
# until it is bound, leave its pid in SRV_PID
quic_server() {
    local ns=$1 name=$2 port=$3; shift 3
    bg "$ns" "$name" "$AIOQUIC_PY" "$QUIC_PEER" server --port "$port" "$@"
    SRV_PID=$BG_PID
    wait_listen "$ns" udp "$port"
}

# quic_get NS KEYLOG URL QUIC-PEER-CLIENT-ARGS...: one GET, secrets appended
# to KEYLOG; the client's report is left in $WORK/log/last.out
quic_get() {
    local ns=$1 keys=$2; shift 2
    run ip netns exec "$ns" "$AIOQUIC_PY" "$QUIC_PEER" client --keylog "$keys" "$@"
}

# 18: HTTP/3 over QUIC v1 on UDP 443: one GET of /hello.txt
rec_quic_h3() {
    local c=$NSP-c27 s=$NSP-s27 p pki=$WORK/pki2048 keys=$STAGE/quic-h3-aioquic.keys
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 27
    quic_server "$s" quic-h3 443 --cert "$pki/leaf.pem" --key "$pki/leaf.key"
    : >"$keys"
    log "quic-h3-aioquic.pcap"
    cap_start "$c" "$STAGE/quic-h3-aioquic.pcap" -i veth0; p=$CAP_PID
    quic_get "$c" "$keys" https://server.test/hello.txt --connect 10.0.27.2 --ca "$pki/ca.pem"
    cap_stop $p
    stop "$SRV_PID"
}

# 19: QUIC 0-RTT: a first connection that gets a session ticket, then a
# resumption whose GET goes in 0-RTT packets with the ClientHello, accepted
rec_quic_0rtt() {
    local c=$NSP-c28 s=$NSP-s28 p pki=$WORK/pki2048 keys=$STAGE/quic-0rtt-aioquic.keys
    local ticket=$WORK/quic-0rtt.ticket
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 28
    quic_server "$s" quic-0rtt 443 --cert "$pki/leaf.pem" --key "$pki/leaf.key"
    : >"$keys"
    rm -f "$ticket"
    log "quic-0rtt-aioquic.pcap"
    cap_start "$c" "$STAGE/quic-0rtt-aioquic.pcap" -i veth0; p=$CAP_PID
    quic_get "$c" "$keys" https://server.test/hello.txt --connect 10.0.28.2 --ca "$pki/ca.pem" \
        --session-ticket "$ticket"
    [[ -s $ticket ]] || die "the first QUIC connection saved no session ticket"
    quic_get "$c" "$keys" https://server.test/hello.txt --connect 10.0.28.2 --ca "$pki/ca.pem" \
        --session-ticket "$ticket"
    grep -q '^0-RTT early data accepted' "$WORK/log/last.out" ||
        die "QUIC 0-RTT data was not accepted: $(cat "$WORK/log/last.out")"
    cap_stop $p
    stop "$SRV_PID"
}

# 20: a large server flight over MTU 1500, on UDP port 4433: a 4096-bit RSA
# leaf and its 4096-bit intermediate sent by the server, datagrams of up to
# 1472 bytes (1514-byte frames) both ways
rec_quic_mtu() {
    local c=$NSP-c29 s=$NSP-s29 p pki=$WORK/pki4096 keys=$STAGE/quic-mtu-aioquic.keys
    make_pki "$pki" 4096
    make_chain "$pki" 4096
    tls_pair "$c" "$s" 29
    quic_server "$s" quic-mtu 4433 --cert "$pki/ichain.pem" --key "$pki/ileaf.key" \
        --max-datagram-size 1472
    : >"$keys"
    log "quic-mtu-aioquic.pcap"
    cap_start "$c" "$STAGE/quic-mtu-aioquic.pcap" -i veth0; p=$CAP_PID
    quic_get "$c" "$keys" https://server.test:4433/hello.txt --connect 10.0.29.2 --ca "$pki/ca.pem" \
        --max-datagram-size 1472
    cap_stop $p
    stop "$SRV_PID"
}

# 21: a server that validates the client's address with a Retry (and a
# token) before it takes part in the handshake, on UDP 443
rec_quic_retry() {
    local c=$NSP-c32 s=$NSP-s32 p pki=$WORK/pki2048 keys=$STAGE/quic-retry-aioquic.keys
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 32
    quic_server "$s" quic-retry 443 --cert "$pki/leaf.pem" --key "$pki/leaf.key" --retry
    : >"$keys"
    log "quic-retry-aioquic.pcap"
    cap_start "$c" "$STAGE/quic-retry-aioquic.pcap" -i veth0; p=$CAP_PID
    quic_get "$c" "$keys" https://server.test/hello.txt --connect 10.0.32.2 --ca "$pki/ca.pem"
    cap_stop $p
    stop "$SRV_PID"
}

# 22: QUIC version 2 (RFC 9369) over IPv6 on UDP 443: a GET in v2 from the
# first packet, then a GET whose first Initial is v1 offering v2, to which the
# server switches (compatible version negotiation, RFC 9368)
rec_quic_v2() {
    local c=$NSP-c30 s=$NSP-s30 p pki=$WORK/pki2048 keys=$STAGE/quic-v2-aioquic.keys
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 30
    quic_server "$s" quic-v2 443 --cert "$pki/leaf.pem" --key "$pki/leaf.key"
    : >"$keys"
    log "quic-v2-aioquic.pcap"
    cap_start "$c" "$STAGE/quic-v2-aioquic.pcap" -i veth0; p=$CAP_PID
    quic_get "$c" "$keys" https://server.test/hello.txt --connect fd00:30::2 --ca "$pki/ca.pem" --version 2
    grep -q '^v2 ' "$WORK/log/last.out" || die "not QUIC v2: $(cat "$WORK/log/last.out")"
    quic_get "$c" "$keys" https://server.test/ --connect fd00:30::2 --ca "$pki/ca.pem" --version 1to2
    grep -q '^v2 ' "$WORK/log/last.out" || die "no switch to QUIC v2: $(cat "$WORK/log/last.out")"
    cap_stop $p
    stop "$SRV_PID"
}

# 23: Version Negotiation on UDP port 4433: the client's first Initial is in
# a reserved version (0x1a2a3a4a), the server answers with the versions it
# supports (1 and 2), and the client starts again in v1
rec_quic_vn() {
    local c=$NSP-c31 s=$NSP-s31 p pki=$WORK/pki2048 keys=$STAGE/quic-vn-aioquic.keys
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 31
    quic_server "$s" quic-vn 4433 --cert "$pki/leaf.pem" --key "$pki/leaf.key"
    : >"$keys"
    log "quic-vn-aioquic.pcap"
    cap_start "$c" "$STAGE/quic-vn-aioquic.pcap" -i veth0; p=$CAP_PID
    quic_get "$c" "$keys" https://server.test:4433/hello.txt --connect 10.0.31.2 --ca "$pki/ca.pem" \
        --offer-unsupported
    cap_stop $p
    stop "$SRV_PID"
}

# 24: loss in the handshake, on UDP 443: nftables in the server's namespace
# drops the client's third datagram (its Handshake Finished, coalesced with
# its first 1-RTT data), so the client's loss recovery sends that CRYPTO data
# again in new packets; the capture, on the client's side, holds both copies
rec_quic_loss() {
    local c=$NSP-c33 s=$NSP-s33 p pki=$WORK/pki2048 keys=$STAGE/quic-loss-aioquic.keys
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 33
    nsx "$s" nft -f - <<'NFT'
table inet rttscope_quic_loss {
    chain input {
        type filter hook input priority 0; policy accept;
        udp dport 443 numgen inc mod 1000000 == 2 counter drop
    }
}
NFT
    quic_server "$s" quic-loss 443 --cert "$pki/leaf.pem" --key "$pki/leaf.key"
    : >"$keys"
    log "quic-loss-aioquic.pcap"
    cap_start "$c" "$STAGE/quic-loss-aioquic.pcap" -i veth0; p=$CAP_PID
    quic_get "$c" "$keys" https://server.test/hello.txt --connect 10.0.33.2 --ca "$pki/ca.pem"
    cap_stop $p
    stop "$SRV_PID"
    nsx "$s" nft list table inet rttscope_quic_loss >"$WORK/log/nft-quic-loss.txt"
}

# ---------------------------------------------------------------------------
# verification: each capture must hold what it was made for
# ---------------------------------------------------------------------------
FAILS=0
count() { tshark -n -r "$1" -Y "$2" 2>/dev/null | wc -l; }
# Checks of a capture that was not recorded in this run (RECORD_INTEROP_ONLY)
# are skipped.
expect() { # FILE MIN DISPLAY-FILTER [what]
    local f=$STAGE/$1 min=$2 filter=$3 n
    [[ -e $f ]] || return 0
    n=$(count "$f" "$filter")
    if (( n < min )); then
        echo "record-interop: CHECK FAILED: $1: '$filter' matched $n, want >= $min" >&2
        FAILS=$((FAILS + 1))
    fi
}
expect_none() { # FILE DISPLAY-FILTER
    local n
    [[ -e $STAGE/$1 ]] || return 0
    n=$(count "$STAGE/$1" "$2")
    if (( n > 0 )); then
        echo "record-interop: CHECK FAILED: $1: '$2' matched $n, want 0" >&2
        FAILS=$((FAILS + 1))
    fi
}
linktype_is() { # FILE ENCAPSULATION-SUBSTRING
    local enc
    [[ -e $STAGE/$1 ]] || return 0
    enc=$(capinfos -E "$STAGE/$1" 2>/dev/null | sed -n 's/^File encapsulation: *//p')
    if [[ $enc != *"$2"* ]]; then
        echo "record-interop: CHECK FAILED: $1: encapsulation '$enc', want '$2'" >&2
        FAILS=$((FAILS + 1))
    fi
}
# want [-k] FILE OP N DISPLAY-FILTER: the number of frames of FILE matching
# the filter compares to N with OP (-eq, -ge, -le); with -k, tshark reads the
# capture with its key log NAME.keys
want() {
    local keys=() tag="" f op n filter got ok
    if [[ $1 == -k ]]; then
        shift
        keys=(-o "tls.keylog_file:$STAGE/${1%.*}.keys")
        tag=" (with key log)"
    fi
    f=$1 op=$2 n=$3 filter=$4
    [[ -e $STAGE/$f ]] || return 0
    if ! got=$(tshark -n -r "$STAGE/$f" "${keys[@]}" -Y "$filter" 2>"$WORK/log/tshark.err" | wc -l); then
        echo "record-interop: CHECK FAILED: $f$tag: tshark failed on '$filter':" \
            "$(grep -v '^Running as user' "$WORK/log/tshark.err" | head -2)" >&2
        FAILS=$((FAILS + 1))
        return 0
    fi
    case $op in
        -eq) ok=$(( got == n )) ;;
        -ge) ok=$(( got >= n )) ;;
        -le) ok=$(( got <= n )) ;;
        *) die "want: unknown comparison $op" ;;
    esac
    if (( ! ok )); then
        echo "record-interop: CHECK FAILED: $f$tag: '$filter' matched $got, want $op $n" >&2
        FAILS=$((FAILS + 1))
    fi
}

# keylog_ok NAME LABEL=N...: NAME.keys is an NSS key log (comments, secrets,
# RSA pre-master lines only) holding N lines of each LABEL
keylog_ok() {
    local f=$STAGE/$1.keys spec label n got
    [[ -e $STAGE/$1.pcap ]] || return 0
    shift
    if [[ ! -s $f ]] || grep -qvE '^(#.*|RSA [0-9a-f]{16} [0-9a-f]{96}|(CLIENT_RANDOM|[A-Z_]+_SECRET(_0)?) [0-9a-f]{64} [0-9a-f]{64,96})$' "$f"; then
        echo "record-interop: CHECK FAILED: ${f##*/} is empty or not an NSS key log" >&2
        FAILS=$((FAILS + 1))
        return 0
    fi
    for spec in "$@"; do
        label=${spec%=*} n=${spec#*=}
        got=$(grep -c "^$label " "$f" || true)
        if (( got != n )); then
            echo "record-interop: CHECK FAILED: ${f##*/}: $got $label lines, want $n" >&2
            FAILS=$((FAILS + 1))
        fi
    done
}

# TLS and HTTP/2 captures: "hs" is tls.handshake.type (1 ClientHello, 2
# ServerHello or HelloRetryRequest, 4 NewSessionTicket, 5 EndOfEarlyData, 8
# EncryptedExtensions, 11 Certificate, 12 ServerKeyExchange, 20 Finished);
# counts are of frames. With -k, tshark has the key log.
verify_tls() {
    local f hs=tls.handshake.type sv=tls.handshake.extensions.supported_version ext=tls.handshake.extension.type
    local cs=tls.handshake.ciphersuite id
    for f in tls12-openssl.pcap tls13-openssl.pcap tls13-0rtt.pcap tls-python.pcap tls-rsa4096.pcap \
             h2-tls.pcap h2c.pcap tfo-tls13.pcap; do
        linktype_is "$f" Ethernet
        expect_none "$f" 'frame.len > 1514'
    done
    for f in tls12-openssl.pcap tls13-openssl.pcap tls13-0rtt.pcap tls-python.pcap tls-rsa4096.pcap \
             tfo-tls13.pcap; do
        want "$f" -eq 0 'http'                           # nothing readable without the keys
    done

    f="tls12-openssl.pcap"
    want "$f" -eq 7 "$hs == 1"
    want "$f" -eq 7 "$hs == 2 && tls.handshake.version == 0x0303 && !$sv"
    for id in 0xc02f 0xc030 0xcca8 0xc028 0x003c; do
        want "$f" -eq 1 "$hs == 2 && $cs == $id"
    done
    want "$f" -eq 2 "$hs == 2 && $cs == 0xc013"
    want "$f" -eq 3 "$hs == 2 && $ext == 22"                       # encrypt_then_mac (CBC)
    want "$f" -eq 1 "$hs == 2 && $cs == 0xc013 && !($ext == 22)"   # CBC, MAC then encrypt
    want "$f" -eq 1 "$hs == 2 && $cs == 0x003c && !($hs == 12)"    # RSA key exchange
    want -k "$f" -eq 7 'http.request.method == "GET"'
    want -k "$f" -eq 7 'http.response.code == 200'
    want -k "$f" -eq 14 "$hs == 20"
    keylog_ok tls12-openssl CLIENT_RANDOM=7 RSA=1

    f="tls13-openssl.pcap"
    want "$f" -eq 6 "$hs == 1"
    want "$f" -eq 1 "ipv6 && $hs == 1"
    want "$f" -eq 6 "$hs == 2 && $sv == 0x0304"
    want "$f" -eq 1 'tls.handshake.extensions_key_share_selected_group == 24'   # HRR for P-384
    want "$f" -eq 1 "$hs == 2 && $cs == 0x1301"
    want "$f" -eq 4 "$hs == 2 && $cs == 0x1302"
    want "$f" -eq 1 "$hs == 2 && $cs == 0x1303"
    want "$f" -eq 1 'tls.alert_message.desc == 48'                 # unknown_ca, sent in clear
    want "$f" -eq 0 "$hs == 11"
    want -k "$f" -eq 5 "$hs == 11"
    want -k "$f" -eq 4 'http.request.method == "GET"'
    want -k "$f" -eq 4 'http.response.code == 200'
    keylog_ok tls13-openssl SERVER_HANDSHAKE_TRAFFIC_SECRET=5 CLIENT_HANDSHAKE_TRAFFIC_SECRET=4 \
        CLIENT_TRAFFIC_SECRET_0=4

    f="tls13-0rtt.pcap"
    want "$f" -eq 4 "$hs == 1"
    want "$f" -eq 2 "$hs == 1 && $ext == 42"                       # early data offered
    want "$f" -eq 2 "$hs == 2 && $ext == 41"                       # PSK accepted
    want -k "$f" -eq 1 "$hs == 8 && $ext == 42"                    # early data accepted
    want -k "$f" -eq 1 "$hs == 5"
    want -k "$f" -eq 2 "$hs == 1 && http.request.method == \"GET\""  # request in 0-RTT
    want -k "$f" -eq 5 'http.request.method == "GET"'
    want -k "$f" -eq 4 'http.response.code == 200'
    keylog_ok tls13-0rtt CLIENT_EARLY_TRAFFIC_SECRET=2 CLIENT_TRAFFIC_SECRET_0=4

    f="tls-python.pcap"
    want "$f" -eq 4 "$hs == 1"
    want "$f" -eq 2 "$hs == 2 && $sv == 0x0304"
    want "$f" -eq 2 "$hs == 2 && !$sv"
    want "$f" -eq 1 "ipv6 && $hs == 2 && $ext == 41"               # TLS 1.3 resumption
    want "$f" -eq 1 "$hs == 2 && !$sv && !($hs == 11)"             # TLS 1.2 abbreviated
    want "$f" -eq 1 "$hs == 11"
    want -k "$f" -eq 2 "$hs == 11"
    want -k "$f" -eq 4 'http.request.method == "GET"'
    want -k "$f" -eq 4 'http.response.code == 200'
    keylog_ok tls-python CLIENT_RANDOM=2 CLIENT_TRAFFIC_SECRET_0=2

    f="tls-rsa4096.pcap"
    want "$f" -eq 2 "$hs == 1"
    want "$f" -eq 1 "$hs == 2 && $sv == 0x0304"
    want "$f" -eq 1 "$hs == 11 && tcp.segment.count >= 2"          # TLS 1.2, in clear
    want -k "$f" -eq 2 "$hs == 11 && tcp.segment.count >= 2 && tls.handshake.certificates_length > 2500"
    want -k "$f" -eq 2 'http.response.code == 200'
    keylog_ok tls-rsa4096 CLIENT_RANDOM=1 CLIENT_TRAFFIC_SECRET_0=1

    f="h2-tls.pcap"
    want "$f" -eq 1 'tcp.flags.syn == 1 && tcp.flags.ack == 0'
    want "$f" -eq 2 "$hs == 1 && tls.handshake.extensions_alpn_str == \"h2\""  # HRR: two
    want "$f" -eq 1 'tls.handshake.extensions_key_share_selected_group == 23'  # P-256
    want "$f" -eq 0 'http2'
    want -k "$f" -eq 1 "$hs == 8 && tls.handshake.extensions_alpn_str == \"h2\""
    want -k "$f" -eq 4 'http2.type == 1'
    want -k "$f" -eq 1 'http2.headers.path == "/hello.txt"'
    want -k "$f" -eq 1 'http2.headers.path == "/second.txt"'
    want -k "$f" -eq 2 'http2.headers.status == 200'
    want -k "$f" -eq 0 'http2.type == 7 || tls.alert_message.desc == 0'   # no GOAWAY, close_notify
    want -k "$f" -eq 1 'tls.alert_message.desc == 50'              # decode_error from nghttpd
    keylog_ok h2-tls CLIENT_TRAFFIC_SECRET_0=1

    f="h2c.pcap"
    want "$f" -eq 3 'tcp.flags.syn == 1 && tcp.flags.ack == 0'
    want "$f" -eq 3 'http2.magic'
    want "$f" -eq 2 'http2.headers.path == "/hello.txt"'
    want "$f" -eq 2 'http2.headers.path == "/second.txt"'
    want "$f" -eq 3 'http2.headers.status == 200'
    want "$f" -eq 1 'http2.type == 7'                              # GOAWAY from nghttp

    # TCP Fast Open: per address a SYN asking for a cookie (empty Fast Open
    # option), the cookie in the SYN-ACK, then a SYN with the cookie and the
    # ClientHello, whose SYN-ACK acknowledges the data (relative ack > 1)
    f="tfo-tls13.pcap"
    local syn='tcp.flags.syn == 1 && tcp.flags.ack == 0' synack='tcp.flags.syn == 1 && tcp.flags.ack == 1'
    want "$f" -eq 4 "$syn"
    want "$f" -eq 2 "$syn && tcp.options.tfo.request && tcp.len == 0"
    want "$f" -eq 2 "$synack && tcp.options.tfo.cookie"
    want "$f" -eq 2 'tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.len > 0'
    want "$f" -eq 2 "$syn && tcp.len > 0 && tcp.options.tfo.cookie"
    want "$f" -eq 2 "$hs == 1 && tcp.flags.syn == 1"
    want "$f" -eq 2 "$hs == 1 && tcp.flags.syn == 1 && tls.handshake.extensions_server_name == \"server.test\""
    want "$f" -eq 1 "ipv6 && $hs == 1 && tcp.flags.syn == 1"
    want "$f" -eq 2 "$synack && tcp.ack > 1"                     # data in the SYN taken
    want "$f" -eq 0 'tcp.analysis.retransmission'
    want "$f" -eq 4 "$hs == 1"
    want "$f" -eq 4 "$hs == 2 && $sv == 0x0304"
    want "$f" -eq 0 "$hs == 11"
    want -k "$f" -eq 4 "$hs == 11"
    want -k "$f" -eq 4 'http.request.method == "GET"'
    want -k "$f" -eq 4 'http.response.code == 200'
    keylog_ok tfo-tls13 CLIENT_HANDSHAKE_TRAFFIC_SECRET=4 SERVER_HANDSHAKE_TRAFFIC_SECRET=4 \
        CLIENT_TRAFFIC_SECRET_0=4
}

# QUIC captures: lt is quic.long.packet_type (v1: 0 Initial, 1 0-RTT, 2
# Handshake, 3 Retry), lt2 quic.long.packet_type_v2 (v2: 1 Initial, 2 0-RTT,
# 3 Handshake, 0 Retry), ft quic.frame_type (6 CRYPTO, 0x1d CONNECTION_CLOSE
# of the application, 0x1e HANDSHAKE_DONE), hs tls.handshake.type as above,
# h3 http3.frame_type (0 DATA, 1 HEADERS, 4 SETTINGS). Counts are of frames;
# Initial packets are readable without the key log. Handshake counts are
# exact; what a late retransmission (PTO probe) can repeat is counted with
# -ge.
verify_quic() {
    local f lt=quic.long.packet_type lt2=quic.long.packet_type_v2 ft=quic.frame_type
    local hs=tls.handshake.type h3=http3.frame_type bad=quic.decryption_failed
    local alpn='tls.handshake.extensions_alpn_str == "h3"' ext=tls.handshake.extension.type
    local hello='http3.frame_payload contains "hello over HTTP/3"'
    for f in quic-h3-aioquic.pcap quic-0rtt-aioquic.pcap quic-mtu-aioquic.pcap quic-retry-aioquic.pcap \
             quic-v2-aioquic.pcap quic-vn-aioquic.pcap quic-loss-aioquic.pcap; do
        linktype_is "$f" Ethernet
        expect_none "$f" 'frame.len > 1514'
        want "$f" -eq 0 'udp && !quic'                 # every datagram read as QUIC, on 4433 too
        want "$f" -eq 0 'http3'                        # nothing readable without the keys
    done
    # where tshark can follow the whole handshake, it decrypts every packet
    for f in quic-h3-aioquic.pcap quic-0rtt-aioquic.pcap quic-mtu-aioquic.pcap quic-loss-aioquic.pcap; do
        want -k "$f" -eq 0 "$bad"
        want -k "$f" -ge 1 "$lt == 2 && $ft == 6"
        want -k "$f" -ge 2 "quic.short && $ft"
    done

    f="quic-h3-aioquic.pcap"
    want "$f" -eq 1 "$hs == 1 && $alpn && udp.dstport == 443"
    want "$f" -eq 1 "$hs == 2"
    want "$f" -ge 2 "$lt == 2"
    want "$f" -eq 0 "$lt == 1 || $lt == 3"
    want "$f" -eq 0 "$hs == 11"                          # in Handshake packets
    want -k "$f" -eq 1 "$hs == 8 && $alpn"
    want -k "$f" -eq 1 "$hs == 11"
    want -k "$f" -eq 2 "$hs == 20"
    want -k "$f" -ge 1 "$ft == 0x1e"
    want -k "$f" -ge 2 "$h3 == 4"
    want -k "$f" -ge 2 "$h3 == 1"
    want -k "$f" -ge 1 "$hello"
    want -k "$f" -ge 1 "$ft == 0x1d"
    keylog_ok quic-h3-aioquic CLIENT_HANDSHAKE_TRAFFIC_SECRET=1 SERVER_HANDSHAKE_TRAFFIC_SECRET=1 \
        CLIENT_TRAFFIC_SECRET_0=1 SERVER_TRAFFIC_SECRET_0=1 CLIENT_EARLY_TRAFFIC_SECRET=0

    f="quic-0rtt-aioquic.pcap"
    want "$f" -eq 2 "$hs == 1"
    want "$f" -eq 1 "$hs == 1 && $ext == 42 && $ext == 41"        # early data offered, with a PSK
    want "$f" -eq 1 "$hs == 2 && $ext == 41"                       # PSK accepted
    want "$f" -ge 1 "$lt == 1"                                     # 0-RTT packets
    want "$f" -eq 1 "$hs == 1 && $lt == 1"                         # one with the ClientHello
    want -k "$f" -eq 1 "$lt == 1 && quic.stream.stream_id == 0"    # the request, as 0-RTT
    want -k "$f" -eq 1 "$hs == 8 && $ext == 42"                    # early data accepted
    want -k "$f" -eq 0 "$hs == 5"                                  # QUIC has no EndOfEarlyData
    want -k "$f" -eq 1 "$hs == 11"
    want -k "$f" -eq 2 "$hs == 4"                                  # a ticket per connection
    want -k "$f" -eq 0 "$lt == 1 && http3"                         # see the README
    want -k "$f" -ge 2 "$hello"
    keylog_ok quic-0rtt-aioquic CLIENT_EARLY_TRAFFIC_SECRET=1 CLIENT_HANDSHAKE_TRAFFIC_SECRET=2 \
        SERVER_HANDSHAKE_TRAFFIC_SECRET=2 CLIENT_TRAFFIC_SECRET_0=2 SERVER_TRAFFIC_SECRET_0=2

    # the server's flight (about 3.4 kB of CRYPTO data in Handshake packets)
    # spans three datagrams, two of them MTU-sized
    f="quic-mtu-aioquic.pcap"
    want "$f" -eq 1 "$hs == 1 && udp.dstport == 4433"
    want "$f" -eq 0 "$lt == 3"
    want "$f" -ge 3 'frame.len == 1514'
    want -k "$f" -ge 3 "udp.srcport == 4433 && $lt == 2 && $ft == 6"
    want -k "$f" -ge 2 "udp.srcport == 4433 && frame.len == 1514 && $lt == 2 && $ft == 6"
    want -k "$f" -eq 1 "$hs == 11 && count(tls.handshake.certificate) == 2 && tls.handshake.certificates_length > 2500"
    want -k "$f" -ge 1 "$hello"
    keylog_ok quic-mtu-aioquic CLIENT_HANDSHAKE_TRAFFIC_SECRET=1 CLIENT_TRAFFIC_SECRET_0=1

    # aioquic answers a Retry with a new ClientHello, which tshark takes for a
    # retransmission of the first: it finds no secrets (see the README)
    f="quic-retry-aioquic.pcap"
    want "$f" -eq 1 "$lt == 3 && quic.retry_token && quic.retry_integrity_tag"
    want "$f" -eq 1 "$lt == 0 && udp.dstport == 443 && quic.token_length == 0"
    want "$f" -ge 1 "$lt == 0 && udp.dstport == 443 && quic.token_length > 0"
    want "$f" -eq 1 "$hs == 1"
    want "$f" -eq 1 "$hs == 2"
    want -k "$f" -ge 1 "$bad"
    want -k "$f" -eq 0 "$hs == 11 || http3"
    keylog_ok quic-retry-aioquic CLIENT_HANDSHAKE_TRAFFIC_SECRET=1 CLIENT_TRAFFIC_SECRET_0=1

    # v2 from the first packet, then v1 switched to v2 by the server; tshark
    # decrypts all but the client's v2 Initial packets after the switch
    f="quic-v2-aioquic.pcap"
    want "$f" -eq 0 'ip'
    want "$f" -eq 1 "$hs == 1 && quic.version == 0x6b3343cf && $lt2 == 1"
    want "$f" -eq 1 "$hs == 1 && quic.version == 1 && $lt == 0"
    want "$f" -eq 2 "$hs == 2 && quic.version == 0x6b3343cf && $lt2 == 1"
    want "$f" -ge 2 "$lt2 == 3"
    want "$f" -eq 0 "$lt == 2"
    want -k "$f" -eq 2 "$hs == 11 && $lt2 == 3"
    want -k "$f" -eq 4 "$hs == 20"
    want -k "$f" -ge 2 "quic.short && $ft"
    want -k "$f" -ge 1 "$bad && udp.dstport == 443 && $lt2 == 1"
    want -k "$f" -ge 4 "$h3 == 1"
    want -k "$f" -ge 1 "$hello"
    want -k "$f" -ge 1 'http3.frame_payload contains "HTTP/3 index"'
    keylog_ok quic-v2-aioquic CLIENT_HANDSHAKE_TRAFFIC_SECRET=2 CLIENT_TRAFFIC_SECRET_0=2

    # tshark reads neither ClientHello here, so it decrypts nothing past the
    # server's Initial (see the README)
    f="quic-vn-aioquic.pcap"
    want "$f" -eq 1 "quic.version == 0x1a2a3a4a && $lt == 0 && udp.dstport == 4433"
    want "$f" -eq 1 'quic.version == 0 && quic.supported_version == 1 && quic.supported_version == 0x6b3343cf'
    want "$f" -ge 1 "quic.version == 1 && $lt == 0 && udp.dstport == 4433"
    want "$f" -eq 0 "$hs == 1"
    want "$f" -eq 1 "$hs == 2"
    want -k "$f" -eq 0 "$hs == 11 || http3"
    keylog_ok quic-vn-aioquic CLIENT_HANDSHAKE_TRAFFIC_SECRET=1 CLIENT_TRAFFIC_SECRET_0=1

    # the client's Finished is sent twice (the first copy dropped at the
    # server); tshark shows each message on its first copy only
    f="quic-loss-aioquic.pcap"
    want "$f" -eq 1 "$hs == 1"
    want -k "$f" -ge 2 "udp.dstport == 443 && $lt == 2 && $ft == 6"
    want -k "$f" -eq 2 "$hs == 20"
    want -k "$f" -eq 1 "$hs == 11"
    want -k "$f" -ge 1 "$hello"
    keylog_ok quic-loss-aioquic CLIENT_HANDSHAKE_TRAFFIC_SECRET=1 CLIENT_TRAFFIC_SECRET_0=1
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
    if [[ -e $STAGE/veth-nano.pcap && $(od -An -tx1 -N4 "$STAGE/veth-nano.pcap" | tr -d ' ') != 4d3cb2a1 ]]; then
        echo "record-interop: CHECK FAILED: veth-nano.pcap is not a nanosecond pcap" >&2
        FAILS=$((FAILS + 1))
    fi
    verify_tls
    verify_quic
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
        tls12-openssl.pcap) echo "TLS 1.2, curl against \`openssl s_server -tls1_2 -HTTP\`, one GET per connection, one connection per suite: ECDHE-RSA-AES128-GCM-SHA256, ECDHE-RSA-AES256-GCM-SHA384, ECDHE-RSA-CHACHA20-POLY1305, ECDHE-RSA-AES128-SHA and ECDHE-RSA-AES256-SHA384 (CBC, encrypt-then-MAC), AES128-SHA256 (RSA key exchange, CBC, encrypt-then-MAC); then \`openssl s_client -no_etm\` with ECDHE-RSA-AES128-SHA (CBC, MAC-then-encrypt, session ticket)" ;;
        tls13-openssl.pcap) echo "TLS 1.3, curl against \`openssl s_server -tls1_3 -HTTP\`: TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 (IPv4) and TLS_CHACHA20_POLY1305_SHA256 (IPv6); a HelloRetryRequest (server with P-384 only, curl's key share X25519); a self-signed certificate that curl rejects with an unknown_ca alert" ;;
        tls13-0rtt.pcap) echo "TLS 1.3 early data with \`openssl s_client\`: a full handshake for a ticket, then a resumption whose GET goes as early data, accepted by \`s_server -early_data\` (EndOfEarlyData); the same pair against \`s_server -HTTP -max_early_data\`, which resumes but rejects the early data, and the GET is sent again after the handshake" ;;
        tls-python.pcap) echo "Python's ssl module as client and server (a small HTTP/1.1 server): TLS 1.3 full handshake, TLS 1.3 resumption with a ticket (PSK, over IPv6), TLS 1.2 full handshake (ECDHE-RSA-AES256-GCM-SHA384, NewSessionTicket), TLS 1.2 abbreviated handshake resuming the ticket" ;;
        tls-rsa4096.pcap) echo "4096-bit RSA leaf signed by a 4096-bit CA, both sent by \`openssl s_server -HTTP\`: the Certificate message (about 2.6 kB) spans two TCP segments; curl over TLS 1.2 (in clear) and TLS 1.3 (encrypted, reassembled across segments)" ;;
        h2-tls.pcap) echo "HTTP/2 over TLS 1.3 (ALPN h2): curl --http2 against nghttpd, /hello.txt and /second.txt on one connection (streams 1 and 3)" ;;
        h2c.pcap) echo "cleartext HTTP/2 with prior knowledge against nghttpd: curl --http2-prior-knowledge for /hello.txt and for /second.txt (one connection each), then nghttp fetching both as concurrent streams on one connection (PRIORITY frames, GOAWAY)" ;;
        tfo-tls13.pcap) echo "HTTPS over TCP Fast Open: \`curl --tcp-fastopen -k --tlsv1.3\` against a Python ssl server (listener with TCP_FASTOPEN, self-signed server.test certificate, TLS 1.3, no tickets), twice over IPv4 then twice over IPv6: SYN with a cookie request, SYN-ACK with the cookie, then a SYN carrying the cookie and the ClientHello, whose SYN-ACK acknowledges it; one GET per connection" ;;
        quic-h3-aioquic.pcap) echo "HTTP/3 over QUIC v1 on UDP 443, aioquic client and server (\`scripts/quic-peer.py\`): one GET of /hello.txt; Initial with the ClientHello, coalesced Initial/Handshake/1-RTT packets, HANDSHAKE_DONE, NEW_CONNECTION_ID, the HTTP/3 control and QPACK streams with SETTINGS, request and response on stream 0, CONNECTION_CLOSE from the client" ;;
        quic-0rtt-aioquic.pcap) echo "QUIC 0-RTT with aioquic on UDP 443: a full handshake that gets a session ticket (NewSessionTicket in a 1-RTT CRYPTO frame), then a resumption (PSK) whose GET goes in a 0-RTT packet in the ClientHello's datagram, accepted (early_data in EncryptedExtensions); the server's first datagram carries its Initial, Handshake and the answer in 1-RTT" ;;
        quic-mtu-aioquic.pcap) echo "QUIC v1 on UDP port 4433, datagrams of up to 1472 bytes both ways over MTU 1500: the aioquic server sends a 4096-bit RSA leaf and its 4096-bit intermediate CA, and its Handshake flight (about 3.4 kB of CRYPTO data, the Certificate 2.7 kB) spans three datagrams, two of them 1514-byte frames; one GET" ;;
        quic-retry-aioquic.pcap) echo "aioquic server validating addresses (\`serve(retry=True)\`) on UDP 443: the client's first Initial is answered with a Retry (token, integrity tag), the client sends its Initial again to the new connection ID with the token, then the handshake and one GET" ;;
        quic-v2-aioquic.pcap) echo "QUIC version 2 (RFC 9369, 0x6b3343cf) over IPv6 on UDP 443: a GET of /hello.txt in v2 from the first packet; then a GET of / whose first Initial is v1 offering v2 in its version_information transport parameter, and the server goes on in v2 (compatible version negotiation, RFC 9368)" ;;
        quic-loss-aioquic.pcap) echo "HTTP/3 GET on UDP 443 with nftables in the server's namespace dropping the client's third datagram (its Handshake Finished and first 1-RTT data): both sides' loss recovery sends the lost CRYPTO data again in new packets, so the capture holds the Finished twice" ;;
        quic-vn-aioquic.pcap) echo "Version Negotiation on UDP port 4433: the aioquic client's first Initial is in the reserved version 0x1a2a3a4a, the server answers with a Version Negotiation packet listing 1 and 0x6b3343cf, and the client starts again in v1 with the same connection IDs and makes one GET" ;;
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
    local f src hdr n keys
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
        echo '    python3 -m venv target/aioquic-venv       # aioquic, for the QUIC captures'
        echo '    target/aioquic-venv/bin/pip install $(scripts/record-interop.sh --pip)'
        echo '    sudo RTTSCOPE_AIOQUIC_PYTHON=target/aioquic-venv/bin/python scripts/record-interop.sh'
        echo
        echo 'This writes fixtures/interop/; RECORD_INTEROP_ONLY="quic-*" (say) records only some.'
        echo
        echo "Every packet comes from a real peer (the Linux kernel stack, ping, traceroute, curl, socat,"
        echo "python3 sockets and its ssl module, OpenSSL's s_server and s_client, nghttpd and nghttp,"
        echo "aioquic) on loopback or on veth/tun devices inside throw-away network namespaces; only the"
        echo "TUN echo replies are written by a small user-space responder. Re-recording changes"
        echo "timestamps, TCP sequence numbers and timestamps, IP IDs, ephemeral ports, HTTP Date headers,"
        echo "(slightly) the loss-recovery sequence, and in the TLS and QUIC captures every key,"
        echo "certificate, random, connection ID and ciphertext; payloads, addresses and MACs are fixed."
        echo "Frames on veth devices are at most MTU-sized with valid checksums (offloads are off);"
        echo "loopback captures carry partial TCP/UDP checksums, as real loopback captures do."
        echo
        echo "Each TLS or QUIC capture \`NAME.pcap\` has the TLS secrets of its connections beside it in"
        echo "\`NAME.keys\`, an NSS key log as the clients wrote it (curl's SSLKEYLOGFILE, \`openssl s_client"
        echo "-keylogfile\`, Python's \`SSLContext.keylog_filename\`, aioquic's \`secrets_log_file\`), the"
        echo "clients' logs concatenated in connection order. Read them with e.g."
        echo "\`tshark -o tls.keylog_file:NAME.keys -r NAME.pcap\`."
        echo
        echo "| file | format, link type | packets | key log | contents |"
        echo "| --- | --- | --- | --- | --- |"
        for f in "${FILES[@]}"; do
            src=$STAGE/$f
            [[ -e $src ]] || src=$OUTDIR/$f         # not recorded in this run
            if [[ ! -e $src ]]; then
                log "README: $f is neither recorded nor in $OUTDIR; left out"
                continue
            fi
            hdr=$(python3 "$WORK/capheader.py" "$src")
            n=$(capinfos -c -M "$src" 2>/dev/null | sed -n 's/^Number of packets: *//p')
            keys=-
            [[ -e ${src%.*}.keys ]] && keys="\`${f%.*}.keys\`"
            echo "| \`$f\` | $hdr | $n | $keys | $(describe "$f") |"
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
        echo "- TLS captures: the server is \`server.test\` (SNI) on TCP 443 at 10.0.N.2 / fd00:N::2, the"
        echo "  client 10.0.N.1 / fd00:N::1, over a veth with MTU 1500, so large server flights span"
        echo "  several TCP segments (MSS 1448 with timestamps). Certificates are RSA, made at record time"
        echo "  (a CA and a server.test leaf it signed, plus a self-signed leaf) and kept nowhere but in"
        echo "  the captures. \`openssl s_server -HTTP\` serves files holding a whole HTTP/1.1 response"
        echo "  with Content-Length and no Date (with -WWW there is no Content-Length, and tshark waits"
        echo "  for the end of the connection to show the response)."
        echo "- Only the clients log secrets. \`openssl s_client\` and Python write a \`#\` comment line at"
        echo "  the top of a key log they start (curl does not), and OpenSSL logs an \`RSA\` line besides"
        echo "  \`CLIENT_RANDOM\` for RSA key exchange; a reader must skip comments and unknown labels."
        echo "- \`tls13-openssl.pcap\`: when curl rejects the self-signed certificate, OpenSSL's client has"
        echo "  not installed its handshake write key yet, so its unknown_ca alert goes out unencrypted"
        echo "  (record type 21), and its key log has no CLIENT_HANDSHAKE_TRAFFIC_SECRET for that connection."
        echo "- \`tls13-0rtt.pcap\`: in the rejected attempt the early data is still in the capture and the"
        echo "  key log has its CLIENT_EARLY_TRAFFIC_SECRET, so a decoder with the keys can read the request"
        echo "  the server discarded (tshark does); s_client then sends the request again after the handshake."
        echo "- \`h2-tls.pcap\`: nghttpd offers no X25519, so its handshake has a HelloRetryRequest for"
        echo "  P-256; curl closes the connection without close_notify or GOAWAY, and nghttpd answers the"
        echo "  FIN with a decode_error alert. \`h2c.pcap\` uses one curl per file because curl 7.88 fails"
        echo "  when it reuses a prior-knowledge connection (curl issue 10634, fixed in curl 8.0)."
        echo "- \`tfo-tls13.pcap\`: \`net.ipv4.tcp_fastopen=3\` in both namespaces (and nowhere else). The"
        echo "  cookie is per destination address, so each address starts with a cookie request. The"
        echo "  second SYN per address carries the whole ClientHello (517 bytes) and the server's kernel"
        echo "  takes it: the SYN-ACK acknowledges it, and the server's accept() returns a socket whose"
        echo "  TCP_INFO has TCPI_OPT_SYN_DATA with the ClientHello already queued. The SYN-ACK that"
        echo "  accepts data carries no Fast Open option. curl closes its socket right after sending its"
        echo "  close_notify, without waiting for the server's, so the connections end with a RST from"
        echo "  the client: an answer to the server's close_notify or FIN, or sent in place of a FIN when"
        echo "  that close_notify was already waiting unread."
        echo "- QUIC captures: both peers are \`scripts/quic-peer.py\` on aioquic ${PIP#aioquic==} (the pin that"
        echo "  \`scripts/record-interop.sh --pip\` prints); the server is server.test at 10.0.N.2 /"
        echo "  fd00:N::2 on UDP 443 or 4433, the client 10.0.N.1 / fd00:N::1, over a veth with MTU 1500,"
        echo "  with RSA certificates as in the TLS captures (ALPN h3, SNI server.test)."
        echo "  UDP payloads are at most 1200 bytes (aioquic's default), 1472 in \`quic-mtu-aioquic.pcap\`,"
        echo "  and client datagrams with an Initial are padded to that size. The cipher suite is always"
        echo "  TLS_AES_256_GCM_SHA384. The key logs hold TLS 1.3 labels only (QUIC has none of its own),"
        echo "  CLIENT_EARLY_TRAFFIC_SECRET for 0-RTT, and no comment lines."
        echo "- tshark 4.0.17 reads every datagram of the QUIC captures as QUIC, on port 4433 too (its"
        echo "  heuristic takes a connection's first long-header packet). It decodes QUIC v2, but puts the"
        echo "  long-header packet type of v2 (numbered differently) in \`quic.long.packet_type_v2\`, not"
        echo "  \`quic.long.packet_type\`. Its HTTP/3 shows frame types and payloads, not header fields."
        echo "- \`quic-0rtt-aioquic.pcap\`: tshark decrypts the 0-RTT packet (the request's STREAM frame on"
        echo "  stream 0) but does not read it as HTTP/3. QUIC has no EndOfEarlyData."
        echo "- \`quic-retry-aioquic.pcap\`: after the Retry, aioquic sends a new ClientHello (new random and"
        echo "  key share), where RFC 9000 section 17.2.5.3 says the client must send the same one again."
        echo "  tshark takes the second ClientHello, at the same CRYPTO offset, for a retransmission of the"
        echo "  first, and looks for secrets under the first one's random, which is not in the key log (it"
        echo "  has the second's): it shows the Retry and decrypts the Initial packets, but no Handshake or"
        echo "  1-RTT packet. Wireshark issue 18757 is the same with quiche's client."
        echo "- \`quic-v2-aioquic.pcap\`: in the second connection tshark fails to decrypt the client's Initial"
        echo "  packets sent after the server switched to v2 (they carry ACKs); all else, HTTP/3 included, is"
        echo "  decrypted."
        echo "- \`quic-vn-aioquic.pcap\`: tshark cannot decrypt the Initial in the reserved version, and fails"
        echo "  on the client's v1 Initial after the Version Negotiation as well, so it never reads a"
        echo "  ClientHello: it decrypts the server's Initial (ServerHello) and nothing after it."
    } >"$STAGE/README.md"
}

# ---------------------------------------------------------------------------
# recorders in README order, and the captures each one makes
RECORDERS=(rec_loopback rec_linkup rec_veth_basic rec_routed rec_vlan rec_cooked rec_tun rec_tcp_loss
           rec_tfo rec_pcapng rec_tls12 rec_tls13 rec_tls13_0rtt rec_tls_python rec_rsa4096 rec_h2
           rec_tfo_tls13 rec_quic_h3 rec_quic_0rtt rec_quic_mtu
           rec_quic_retry rec_quic_v2 rec_quic_vn rec_quic_loss)
declare -A MAKES=(
    [rec_loopback]="lo-http.pcap lo-tcp-socat.pcap lo-udp-icmp.pcap"
    [rec_linkup]="veth-linkup.pcap"
    [rec_veth_basic]="veth-basic.pcap"
    [rec_routed]="routed-icmp.pcap"
    [rec_vlan]="vlan-qinq.pcap"
    [rec_cooked]="cooked-sll.pcap cooked-sll2.pcap"
    [rec_tun]="tun-raw.pcap"
    [rec_tcp_loss]="tcp-loss-sack.pcap tcp-rto.pcap"
    [rec_tfo]="tcp-fastopen.pcap"
    [rec_pcapng]="multi-if.pcapng veth-nano.pcap"
    [rec_tls12]="tls12-openssl.pcap"
    [rec_tls13]="tls13-openssl.pcap"
    [rec_tls13_0rtt]="tls13-0rtt.pcap"
    [rec_tls_python]="tls-python.pcap"
    [rec_rsa4096]="tls-rsa4096.pcap"
    [rec_h2]="h2-tls.pcap h2c.pcap"
    [rec_tfo_tls13]="tfo-tls13.pcap"
    [rec_quic_h3]="quic-h3-aioquic.pcap"
    [rec_quic_0rtt]="quic-0rtt-aioquic.pcap"
    [rec_quic_mtu]="quic-mtu-aioquic.pcap"
    [rec_quic_retry]="quic-retry-aioquic.pcap"
    [rec_quic_v2]="quic-v2-aioquic.pcap"
    [rec_quic_vn]="quic-vn-aioquic.pcap"
    [rec_quic_loss]="quic-loss-aioquic.pcap"
)

# the subset asked for with RECORD_INTEROP_ONLY (patterns, never expanded
# against file names in the current directory)
ONLY=()
read -r -a ONLY <<<"${RECORD_INTEROP_ONLY:-}"
# matches_only FILE: FILE, or FILE without its extension, matches a pattern
matches_only() {
    local pat
    for pat in "${ONLY[@]}"; do
        # shellcheck disable=SC2053  # the pattern is meant to be a pattern
        [[ $1 == $pat || ${1%.*} == $pat ]] && return 0
    done
    return 1
}

FILES=()          # every capture, in README order
RUN=()            # recorders to run
RECORDED=()       # the captures they make
for r in "${RECORDERS[@]}"; do
    read -r -a made <<<"${MAKES[$r]}"
    FILES+=("${made[@]}")
    want=$(( ${#ONLY[@]} == 0 ))
    for f in "${made[@]}"; do
        if (( ${#ONLY[@]} )) && matches_only "$f"; then want=1; fi
    done
    if (( want )); then
        RUN+=("$r")
        RECORDED+=("${made[@]}")
    fi
done
for pat in "${ONLY[@]}"; do
    hit=0
    for f in "${FILES[@]}"; do
        # shellcheck disable=SC2053
        if [[ $f == $pat || ${f%.*} == $pat ]]; then hit=1; fi
    done
    (( hit )) || die "RECORD_INTEROP_ONLY: '$pat' matches no capture (known: ${FILES[*]})"
done
(( ${#ONLY[@]} == 0 )) || log "recording only: ${RECORDED[*]}"
for r in "${RUN[@]}"; do
    if [[ $r == rec_quic_* ]]; then need_aioquic; break; fi
done

SECONDS=0
for r in "${RUN[@]}"; do
    "$r"
done
for f in "${RECORDED[@]}"; do
    [[ -s $STAGE/$f ]] || die "$f was not recorded"
done
log "recorded in ${SECONDS}s; verifying"
verify
if [[ -e $STAGE/multi-if.pcapng ]]; then
    hdr=$(python3 "$WORK/capheader.py" "$STAGE/multi-if.pcapng")
    [[ $hdr == *"IDB 0 LINKTYPE_ETHERNET (1) if_tsresol=9"*"IDB 1 LINKTYPE_RAW (101) if_tsresol=9"* ]] ||
        die "multi-if.pcapng IDBs are not as documented: $hdr"
fi
[[ -n ${VLAN_METHOD:-} ]] || vlan_probe
write_readme

# install what was recorded, with the key logs beside the captures
INSTALL=()
for f in "${RECORDED[@]}"; do
    INSTALL+=("$f")
    [[ -e $STAGE/${f%.*}.keys ]] && INSTALL+=("${f%.*}.keys")
done
mkdir -p "$OUTDIR"
for f in "${INSTALL[@]}" README.md; do
    cp "$STAGE/$f" "$OUTDIR/$f.tmp"
    chmod 644 "$OUTDIR/$f.tmp"
    mv -f "$OUTDIR/$f.tmp" "$OUTDIR/$f"
done
log "done in ${SECONDS}s: ${#RECORDED[@]} captures in $OUTDIR"
for f in "${RECORDED[@]}"; do
    printf '  %-20s %6s packets %7s bytes  %s\n' "$f" \
        "$(capinfos -c -M "$OUTDIR/$f" 2>/dev/null | sed -n 's/^Number of packets: *//p')" \
        "$(stat -c %s "$OUTDIR/$f")" "$(python3 "$WORK/capheader.py" "$OUTDIR/$f")" >&2
done
