#!/usr/bin/env bash
# Every benchmark of BENCHMARKS.md in one command, about 10 minutes on 2 cores:
#
#   bash benches/run.sh
#
# 1. `cargo bench --workspace`: the criterion benches (expansion, runtime checks, typed
#    transitions, controller planning), with the warm-up and measurement times their
#    criterion_group! configs set (1 s and 3 s);
# 2. benches/compile-cost.sh, with unoptimized proc macros (and rustc's phases) and with
#    optimized ones;
# 3. benches/three-way.sh, the same machines as plain code, with statum and with the
#    derive;
# 4. benches/asm.sh, the machine code of the typed transitions and of the checks;
# 5. benches/instructions.sh, the instructions of the checks, derived and hand-written;
# 6. benches/growth.sh, the instructions of one expansion at 64 and at 256 states;
# 7. benches/summary.sh, the criterion medians and the ratios.
#
# Honours CARGO_TARGET_DIR. Needs jq and objdump; valgrind for steps 5 and 6.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

echo "## Machine"
echo
echo "- nproc: $(nproc)"
echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "- $(rustc --version)"
echo "- load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

cargo bench --workspace >&2

echo "## Compile cost"
echo
echo '```'
PHASES=1 bash benches/compile-cost.sh
echo
MACROS=opt bash benches/compile-cost.sh
echo '```'
echo

echo "## Side by side with statum"
echo
echo '```'
bash benches/three-way.sh
echo '```'
echo

echo "## Machine code"
echo
bash benches/asm.sh
echo
echo "## Instructions"
echo
bash benches/instructions.sh
echo
echo "## Growth"
echo
bash benches/growth.sh
echo
echo "## Results"
echo
bash benches/summary.sh
