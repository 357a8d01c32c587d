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
# RECORD_INTEROP_NSP=PREFIX names the run's network namespaces PREFIX<pid>-...
# (default "rti"), so runs side by side on one machine are told apart.
#
# Safety rules this script follows:
#   * traffic only ever flows over loopback or over veth/tun devices inside
#     network namespaces that this script creates; all of them are deleted on
#     exit (normal exit, error or signal);
#   * sysctls are only written inside those namespaces, never on the host;
#   * every process it starts lives in one of its namespaces and is killed
#     (by pid) before the namespace is deleted.
set -euo pipefail

DEPS="iproute2 iputils-ping traceroute socat nftables tcpdump tshark ethtool curl python3 python3-venv procps coreutils openssl nghttp2-server nghttp2-client dnsmasq-base busybox isc-dhcp-client chrony radvd ndisc6 tinyproxy microsocks dante-server unbound bind9-dnsutils knot-dnsutils openssh-server openssh-client gnutls-bin coturn autoconf automake libtool libclang-dev"
# the QUIC peer's, the WebSocket, gRPC, WebRTC and HTTP-encoding peers' libraries, exactly these versions (PyPI)
PIP="aioquic==1.7.2 websockets==15.0.1 grpcio==1.85.3 aiortc==1.14.0 hypercorn==0.18.0 h2==4.4.1 wsproto==1.3.2 brotli==1.2.1"

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

# The recorders live in scripts/interop/, one file per family over a shared
# library: lib.sh (work directory and cleanup, namespaces, veth and TUN links,
# peers, captures), link.sh, tcp.sh, pcapng.sh, tls.sh, quic.sh, http.sh, http2.sh and the
# others (the rec_* functions), manifest.sh (reads manifest.tsv: which captures there are, who
# records them, what the README says of them and what each must show),
# checks.sh and readme.sh; the helper programs are scripts/interop/*.py.
# Adding a capture is a recorder function and manifest rows.
INTEROP=$REPO_ROOT/scripts/interop
for part in lib link tcp pcapng tls quic tunnel lan proxy dns websocket ssh dtls grpc webrtc http http2 manifest checks readme; do
    # shellcheck source=/dev/null
    source "$INTEROP/$part.sh"
done

[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces, captures): sudo $0 ${1:-}"
for tool in ip tcpdump dumpcap tshark capinfos ping traceroute socat nft ethtool curl python3 timeout openssl nghttpd nghttp; do
    command -v "$tool" >/dev/null || die "missing '$tool'; install: apt-get install -y \$($0 --deps)"
done

manifest_load "$INTEROP/manifest.tsv"

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

RUN=()            # recorders to run
RECORDED=()       # the captures they make
for r in "${RECORDERS[@]}"; do
    read -r -a made <<<"${MAKES[$r]}"
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
    for f in "${CAPTURES[@]}"; do
        # shellcheck disable=SC2053
        if [[ $f == $pat || ${f%.*} == $pat ]]; then hit=1; fi
    done
    (( hit )) || die "RECORD_INTEROP_ONLY: '$pat' matches no capture (known: ${CAPTURES[*]})"
done

work_init
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
        "$(stat -c %s "$OUTDIR/$f")" "$(python3 "$INTEROP/capheader.py" "$OUTDIR/$f")" >&2
done
