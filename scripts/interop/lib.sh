# scripts/interop/lib.sh -- the shared library of scripts/record-interop.sh: the run's work
# directory and its cleanup, network namespaces, veth and TUN links, background peers,
# captures (start, stop, and the check that the kernel dropped nothing) and client commands.
# Sourced by the entry script; defines functions and constants only, until work_init.
#
# Safety rules every recorder keeps by going through these functions:
#   * traffic only ever flows over loopback or over veth/tun devices inside
#     network namespaces that this run creates (mkns); all of them are deleted
#     on exit (normal exit, error or signal);
#   * sysctls are only written inside those namespaces, never on the host;
#   * every process it starts lives in one of its namespaces and is killed
#     (by pid) before the namespace is deleted.
#
# Uses from the entry script: OUTDIR (named in the failure message) and INTEROP (this
# directory, where the helper programs are).

die() { echo "record-interop: error: $*" >&2; exit 1; }
log() { echo "record-interop: $*" >&2; }

# ---------------------------------------------------------------------------
# bookkeeping and cleanup
# ---------------------------------------------------------------------------

# work_init: make the work directory (WORK; captures are staged in STAGE, then
# moved to OUTDIR; peers' output goes to WORK/log), write the fixed payloads
# into it, and arm the cleanup
work_init() {
    WORK=$(mktemp -d /tmp/rttscope-interop.XXXXXX)
    STAGE=$WORK/out            # captures are written here, then moved to OUTDIR
    mkdir -p "$STAGE" "$WORK/log"
    NSP="${RECORD_INTEROP_NS_PREFIX:-rti}$$"   # prefix of every namespace this run creates
    NAMESPACES=()
    declare -gA CAP_ERR=()     # capture pid -> its stderr file
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    python3 "$INTEROP/payloads.py" "$WORK"
}

# cleanup: on any exit, stop what this run started, delete its namespaces and
# its work directory (unless RECORD_INTEROP_KEEP is set)
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

# tun NS IFNAME ADDR4 ADDR6: TUN device driven by the python responder
tun() {
    local ns=$1 ifc=$2
    ip -n "$ns" tuntap add mode tun name "$ifc"
    bg "$ns" "tun-$ns-$ifc" python3 "$INTEROP/tun_responder.py" "$ifc" "$WORK/tun-ready-$ns-$ifc"
    wait_file "$WORK/tun-ready-$ns-$ifc" ready
    ip -n "$ns" link set "$ifc" up
    addr "$ns" "$ifc" "$3" "$4"
}

# curl as every HTTP client here runs it: no proxy, a time limit, the body discarded
CURL=(curl -sS --noproxy '*' --max-time 10 -o /dev/null)

# pin NAME: the version of NAME on the --pip list (PIP), e.g. "pin aioquic" -> 1.7.2
pin() {
    local p
    for p in $PIP; do [[ $p == "$1=="* ]] && echo "${p#"$1"==}"; done
    return 0
}
