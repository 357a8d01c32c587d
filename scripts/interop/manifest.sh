# scripts/interop/manifest.sh -- reads scripts/interop/manifest.tsv (its format is described
# at its top) into the arrays the entry script, the checks and the README are driven by.
# Sourced by scripts/record-interop.sh. Every row is validated before anything is recorded,
# so a mistake in the manifest costs no recording time.

# manifest_load FILE: read FILE (after the recorders are defined) into
#   CAPTURES        every capture, in README order
#   RECORDER_OF     capture -> the function that records it
#   DESCRIPTION_OF  capture -> what the README says of it
#   RECORDERS       the recorders, in the order of their first capture
#   MAKES           recorder -> the captures it makes, space-separated
#   CHECKS          the check rows, each as "FILE<TAB>KIND<TAB>ARGUMENTS..."
manifest_load() {
    local file=$1 line n=0 f r
    local -a field
    CAPTURES=() RECORDERS=() CHECKS=()
    declare -gA RECORDER_OF=() DESCRIPTION_OF=() MAKES=()
    while IFS= read -r line || [[ -n $line ]]; do
        n=$((n + 1))
        [[ -z $line || $line == '#'* ]] && continue
        # a TAB is IFS white space for read: an empty field would vanish, not be read as empty
        [[ $line != *$'\t\t'* && $line != $'\t'* && $line != *$'\t' ]] ||
            die "$file:$n: an empty field (write - for nothing)"
        IFS=$'\t' read -r -a field <<<"$line"
        case ${field[0]} in
            capture)
                (( ${#field[@]} == 4 )) || die "$file:$n: want capture FILE RECORDER DESCRIPTION"
                f=${field[1]} r=${field[2]}
                [[ -z ${RECORDER_OF[$f]:-} ]] || die "$file:$n: $f is listed twice"
                declare -F "$r" >/dev/null || die "$file:$n: no recorder function $r"
                if [[ -z ${MAKES[$r]:-} ]]; then
                    RECORDERS+=("$r")
                elif [[ ${RECORDER_OF[${CAPTURES[-1]}]} != "$r" ]]; then
                    die "$file:$n: the captures of $r are not on adjacent rows"
                fi
                MAKES[$r]+="${MAKES[$r]:+ }$f"
                CAPTURES+=("$f")
                RECORDER_OF[$f]=$r
                DESCRIPTION_OF[$f]=${field[3]}
                ;;
            check)
                [[ -n ${RECORDER_OF[${field[1]:-}]:-} ]] ||
                    die "$file:$n: a check of '${field[1]:-}', which has no capture row above it"
                check_row_ok "${field[@]:1}" || die "$file:$n: not a valid check: ${field[*]:1}"
                CHECKS+=("$(IFS=$'\t'; echo "${field[*]:1}")")
                ;;
            *) die "$file:$n: unknown record '${field[0]}' (capture or check)" ;;
        esac
    done <"$file"
    (( ${#CAPTURES[@]} )) || die "$file lists no capture"
}

# check_row_ok FILE KIND ARGUMENTS...: the check has a known kind and its arguments
check_row_ok() {
    case $2 in
        count)
            (( $# == 7 )) && [[ $3 == keys || $3 == - ]] && [[ $4 == '==' || $4 == '>=' || $4 == '<=' ]] &&
                [[ $5 =~ ^[0-9]+$ ]] ;;
        linktype|keylog|header) (( $# == 3 )) ;;
        magic) (( $# == 3 )) && [[ $3 =~ ^[0-9a-f]{8}$ ]] ;;
        *) return 1 ;;
    esac
}
