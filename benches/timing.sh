# Timing helpers the compile-cost scripts share; source it, do not run it.

# Milliseconds since the epoch.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The median of the numbers on stdin, one a line.
median() {
    sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# median, min, max, median absolute deviation (ms), tab-separated, of the space-separated
# numbers in "$1".
stats() {
    local values med
    values=$(tr ' ' '\n' <<<"$1" | grep .)
    med=$(median <<<"$values")
    printf '%s\t%s\t%s\n' "$med" \
        "$(sort -n <<<"$values" | awk 'NR == 1 { min = $1 } { max = $1 } END { print min "\t" max }')" \
        "$(awk -v m="$med" '{ d = $1 - m; print (d < 0) ? -d : d }' <<<"$values" | median)"
}
