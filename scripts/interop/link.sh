# scripts/interop/link.sh -- recorders of the link-layer, IP and ICMP interop captures:
# loopback, a veth coming up, a veth between two namespaces, a routed path, VLAN and QinQ
# tags, Linux cooked captures and a TUN device. Sourced by scripts/record-interop.sh; each
# rec_* function makes the captures scripts/interop/manifest.tsv names it for, in $STAGE.

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
            bg "$ns" "vlanbpf-$ns" python3 "$INTEROP/vlan_bpf.py" veth0 "$WORK/vlan-ready-$ns"
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
