#!/usr/bin/env bash
# The NumaFlow operator at scale on the test kube-apiserver (BENCHMARKS.md, "The operator
# at scale"). For each N, `numaflow-scale` starts the server with an audit log, installs
# numaflow-crdgen's manifests, runs the release `numaflow-controller` as its
# ServiceAccount beside a stand-in daemon that reports drained buffers, drives N pipelines
# of three vertices through create, pause-all, resume-all and delete-all, and then sends
# the pause's ideal writes as a minimal client, as many pipelines at a time as there are
# (the controller reconciles as many at once as it is handed). It prints one Markdown
# report per run and exits non-zero when a check fails.
#
# Usage: benches/scale.sh [N ...]      (default: 100 1000)
#   FAULTS=1   also the three fault runs at the largest N: the controller killed and
#              started again, two replicas with the leader killed, the API server
#              restarted on the same etcd data; each struck once a quarter of the
#              pipelines have paused
#   BEFORE=PATH  a second numaflow-controller to run the same sizes with first (an
#              earlier revision's, built with `cargo build --release`)
#   Keeps each run's files (audit log, controller logs) under target/scale/.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
target_dir=${CARGO_TARGET_DIR:-$root/target}
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(100 1000)

cargo build --release -q -p numaflow-operator --bin numaflow-controller
cargo build --release -q -p numaflow-scale --bin numaflow-scale
driver="$target_dir/release/numaflow-scale"
controller="$target_dir/release/numaflow-controller"
results="$target_dir/scale"
mkdir -p "$results"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $(rustc --version)"
status=0
run() {
    local name=$1 binary=$2 n=$3
    shift 3
    local dir="$results/$name-$n"
    rm -rf "$dir"
    echo
    echo "### $name, N = $n"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    local started=$SECONDS
    "$driver" --controller "$binary" -n "$n" --dir "$dir" "$@" || status=1
    echo "(whole run $((SECONDS - started)) s; files in $dir)"
}
for n in "${sizes[@]}"; do
    if [[ -n ${BEFORE:-} ]]; then
        run before "$BEFORE" "$n" --limit
    fi
    run controller "$controller" "$n" --limit
done
if [[ -n ${FAULTS:-} ]]; then
    largest=$(printf '%s\n' "${sizes[@]}" | sort -n | tail -1)
    for fault in controller-restart leader-killed apiserver-restart; do
        run "$fault" "$controller" "$largest" --fault "$fault"
    done
fi
exit $status
