#!/usr/bin/env bash
# How the derive's work grows from the 64-state to the 256-state machine of the expansion
# benches (input x4), counted by callgrind: lifecycle-codegen/benches/growth.rs expands
# each once, in a function of its own, and each count is that function's inclusive
# instructions. Unlike criterion's times, the counts do not move with the machine's load;
# they move by under 1 % from run to run, with the random seeds of the hash maps.
#
# Usage: benches/growth.sh        (needs valgrind; skips with a note without it)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=executable.sh
source "$root/benches/executable.sh"
needs_valgrind || exit 0
bin=$(bench_executable lifecycle-codegen growth)

out=$(mktemp)
trap 'rm -f "$out"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" 2>/dev/null
# The inclusive count of a function, as callgrind_annotate prints it.
count() {
    callgrind_annotate --inclusive=yes "$out" 2>/dev/null |
        awk -v f=":growth::$1" 'substr($3, length($3) - length(f) + 1) == f && !n++ { gsub(",", "", $1); print $1 }'
}
small=$(count expand_64)
large=$(count expand_256)
[[ -n $small && -n $large ]] || { echo "growth: callgrind gave no count for expand_64 or expand_256" >&2; exit 1; }
awk -v s="$small" -v l="$large" 'BEGIN {
    printf "growth: instructions per expansion %.1f M at 64 states, %.1f M at 256 (x%.2f for input x4)\n",
        s / 1e6, l / 1e6, l / s
}'
