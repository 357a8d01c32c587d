# scripts/interop/ssh.sh -- recorders of the SSH interop captures: OpenSSH's sshd in one
# namespace, OpenSSH's ssh in another, logging in with a key generated for the run and
# running one command. Sourced by scripts/record-interop.sh; each rec_* function makes the
# captures scripts/interop/manifest.tsv names it for, in $STAGE.

# ssh_peers C S NET: the client and server namespaces on 10.0.NET.0/24, a host key and a
# client key in $WORK/ssh, and sshd listening on port 22 in S (its pid left in SSHD_PID)
ssh_peers() {
    local c=$1 s=$2 net=$3 dir=$WORK/ssh
    mkns "$c"; mkns "$s"
    veth "$c" veth0 02:00:00:00:$net:01 "$s" veth0 02:00:00:00:$net:02
    addr "$c" veth0 10.0.$net.1/24
    addr "$s" veth0 10.0.$net.2/24
    mkdir -p "$dir" /run/sshd
    [[ -e $dir/host_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -C rttscope-host -f "$dir/host_ed25519"
    [[ -e $dir/client_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -C rttscope-client -f "$dir/client_ed25519"
    cp "$dir/client_ed25519.pub" "$dir/authorized_keys"
    cat >"$dir/sshd_config" <<CONF
Port 22
ListenAddress 10.0.$net.2
HostKey $dir/host_ed25519
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
LogLevel VERBOSE
CONF
    bg "$s" sshd-$net "$(command -v sshd)" -D -e -f "$dir/sshd_config"
    SSHD_PID=$BG_PID
    wait_listen "$s" tcp 22
    sleep 0.2
}

# ssh_run C NET KEX COMMAND: one login as root with the client key, key exchange KEX
ssh_run() {
    local c=$1 net=$2 kex=$3; shift 3
    run ip netns exec "$c" ssh -F none -i "$WORK/ssh/client_ed25519" \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
        -o KexAlgorithms="$kex" -o HostKeyAlgorithms=ssh-ed25519 -o ConnectTimeout=5 \
        root@10.0.$net.2 "$@"
}

# 91: curve25519 key exchange, then `echo hi`
rec_ssh_curve25519() {
    local c=$NSP-s91 s=$NSP-s92 p
    ssh_peers "$c" "$s" 91
    log "ssh-openssh.pcap"
    cap_start "$c" "$STAGE/ssh-openssh.pcap" -i veth0 tcp port 22; p=$CAP_PID
    ssh_run "$c" 91 curve25519-sha256 echo hi
    cap_stop $p
    stop "$SSHD_PID"
}

# 93: Diffie-Hellman group exchange (RFC 4419), then `true`
rec_ssh_dh_gex() {
    local c=$NSP-s93 s=$NSP-s94 p
    ssh_peers "$c" "$s" 93
    log "ssh-dh-gex-openssh.pcap"
    cap_start "$c" "$STAGE/ssh-dh-gex-openssh.pcap" -i veth0 tcp port 22; p=$CAP_PID
    ssh_run "$c" 93 diffie-hellman-group-exchange-sha256 true
    cap_stop $p
    stop "$SSHD_PID"
}
