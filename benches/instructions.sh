#!/usr/bin/env bash
# Instructions of the derived checks against the hand-written ones, counted by callgrind:
# tests/benches/sweeps.rs sweeps every input of one check SWEEPS times (1,000 by default),
# and a run that sweeps nothing is subtracted. Unlike criterion's nanoseconds, the counts
# do not move with the machine's load. They count work, not time: a load that misses the
# cache costs one instruction.
#
# Usage: benches/instructions.sh        (needs valgrind; skips with a note without it)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=executable.sh
source "$root/benches/executable.sh"
needs_valgrind || exit 0
sweeps=${SWEEPS:-1000}
bin=$(bench_executable lifecycle-tests sweeps)

# Instructions of one run of the sweeps bench.
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$sweeps" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

none=$(count none)
echo "| check ($sweeps sweeps of every input) | derived | hand-written | derived / hand |"
echo "|---|---:|---:|---:|"
for check in door_can_transition door_on release_can_transition release_on release_allows; do
    derived=$(($(count "$check/derived") - none))
    hand=$(($(count "$check/hand") - none))
    awk -v c="$check" -v d="$derived" -v h="$hand" \
        'BEGIN { printf "| `%s` | %d | %d | %.2f |\n", c, d, h, (h > 0) ? d / h : 0 }'
done
