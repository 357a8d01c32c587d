# scripts/interop/pcapng.sh -- recorder of the capture-container interop captures: a pcapng
# file with two interfaces of different link types (dumpcap), and a nanosecond-resolution pcap
# of the same traffic. Sourced by scripts/record-interop.sh; rec_pcapng makes the captures
# scripts/interop/manifest.tsv names it for, in $STAGE.

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
