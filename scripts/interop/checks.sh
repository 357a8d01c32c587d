# scripts/interop/checks.sh -- the checks of scripts/interop/manifest.tsv, run on every
# recording: each capture must hold what it was made for (tshark frame counts for display
# filters, link type, key log contents, file header). Sourced by scripts/record-interop.sh.
# A failed check is reported and counted; verify fails the run when any failed, before
# anything is installed. Checks of a capture not recorded in this run
# (RECORD_INTEROP_ONLY) are skipped.

FAILS=0

check_failed() {
    echo "record-interop: CHECK FAILED: $*" >&2
    FAILS=$((FAILS + 1))
}

# check_count FILE KEYS OP N FILTER: the number of frames of FILE matching the
# display filter compares to N with OP (==, >=, <=); with KEYS "keys", tshark
# reads the capture with its key log NAME.keys
check_count() {
    local f=$1 op=$3 n=$4 filter=$5 keys=() tag="" got ok
    if [[ $2 == keys ]]; then
        keys=(-o "tls.keylog_file:$STAGE/${f%.*}.keys")
        tag=" (with key log)"
    fi
    if ! got=$(tshark -n -r "$STAGE/$f" "${keys[@]}" -Y "$filter" 2>"$WORK/log/tshark.err" | wc -l); then
        check_failed "$f$tag: tshark failed on '$filter':" \
            "$(grep -v '^Running as user' "$WORK/log/tshark.err" | head -2)"
        return 0
    fi
    case $op in
        '==') ok=$(( got == n )) ;;
        '>=') ok=$(( got >= n )) ;;
        '<=') ok=$(( got <= n )) ;;
    esac
    (( ok )) || check_failed "$f$tag: '$filter' matched $got, want $op $n"
}

# check_linktype FILE TEXT: capinfos' encapsulation of FILE contains TEXT
check_linktype() {
    local enc
    enc=$(capinfos -E "$STAGE/$1" 2>/dev/null | sed -n 's/^File encapsulation: *//p')
    [[ $enc == *"$2"* ]] || check_failed "$1: encapsulation '$enc', want '$2'"
}

# check_keylog FILE "LABEL=N...": NAME.keys beside FILE is an NSS key log
# (comments, secrets, RSA pre-master lines only) holding N lines of each LABEL
check_keylog() {
    local f=$STAGE/${1%.*}.keys spec label n got
    if [[ ! -s $f ]] || grep -qvE '^(#.*|RSA [0-9a-f]{16} [0-9a-f]{96}|(CLIENT_RANDOM|[A-Z_]+_SECRET(_0)?) [0-9a-f]{64} [0-9a-f]{64,96})$' "$f"; then
        check_failed "${f##*/} is empty or not an NSS key log"
        return 0
    fi
    for spec in $2; do
        label=${spec%=*} n=${spec#*=}
        got=$(grep -c "^$label " "$f" || true)
        (( got == n )) || check_failed "${f##*/}: $got $label lines, want $n"
    done
}

# check_magic FILE HEX: the first four bytes of FILE, in hex
check_magic() {
    local magic
    magic=$(od -An -tx1 -N4 "$STAGE/$1" | tr -d ' ')
    [[ $magic == "$2" ]] || check_failed "$1: starts with $magic, want $2"
}

# check_header FILE PATTERN: capheader.py's line for FILE matches the shell pattern
check_header() {
    local hdr
    hdr=$(python3 "$INTEROP/capheader.py" "$STAGE/$1")
    # shellcheck disable=SC2053  # the pattern is meant to be a pattern
    [[ $hdr == $2 ]] || check_failed "$1: the header is not as documented: $hdr"
}

# verify: run every check of the manifest on the captures recorded in STAGE
verify() {
    local row
    local -a field
    for row in "${CHECKS[@]}"; do
        IFS=$'\t' read -r -a field <<<"$row"
        [[ -e $STAGE/${field[0]} ]] || continue
        "check_${field[1]}" "${field[0]}" "${field[@]:2}"
    done
    (( FAILS == 0 )) || die "$FAILS capture check(s) failed"
}
