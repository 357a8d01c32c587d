# scripts/interop/tcp.sh -- recorders of the TCP interop captures: loss recovery (SACK,
# retransmission timeout) with nftables dropping segments, and TCP Fast Open. Sourced by
# scripts/record-interop.sh; each rec_* function makes the captures
# scripts/interop/manifest.tsv names it for, in $STAGE.

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
    bg "$s" tfo python3 "$INTEROP/tfo_server.py" 8080 4 "$WORK/tfo-ready"
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
