#!/usr/bin/env bash
# Summarizes the last criterion run as Markdown: every median with its spread, then the
# ratios the targets in BENCHMARKS.md are about. Needs jq.
#
# Usage: benches/summary.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
criterion=${CRITERION_HOME:-$target/criterion}
[[ -d $criterion ]] || { echo "summary: no criterion results in $criterion" >&2; exit 1; }

# group/function, median, MAD, CI low, CI high (ns), from each estimates.json.
table=$(mktemp)
trap 'rm -f "$table"' EXIT
for file in "$criterion"/*/*/new/estimates.json; do
    name=${file#"$criterion"/}
    name=${name%/new/estimates.json}
    jq -r --arg name "$name" \
        '[$name, .median.point_estimate, .median_abs_dev.point_estimate,
          .median.confidence_interval.lower_bound, .median.confidence_interval.upper_bound] | @tsv' \
        "$file"
done | sort -V >"$table"

awk -F'\t' '
    function fmt(ns) {
        if (ns < 1e3) return sprintf("%.2f ns", ns)
        if (ns < 1e6) return sprintf("%.2f µs", ns / 1e3)
        if (ns < 1e9) return sprintf("%.2f ms", ns / 1e6)
        return sprintf("%.2f s", ns / 1e9)
    }
    BEGIN { print "| benchmark | median | MAD | 95% CI of the median |"; print "|---|---:|---:|---|" }
    { printf "| `%s` | %s | %s | %s – %s |\n", $1, fmt($2), fmt($3), fmt($4), fmt($5) }
' "$table"

echo
awk -F'\t' '
    { median[$1] = $2 }
    function ratio(a, b) { return (a in median && b in median) ? sprintf("%.2f", median[a] / median[b]) : "n/a" }
    END {
        print "| ratio | value |"
        print "|---|---:|"
        split("8 64 256", sizes, " ")
        for (i = 1; i <= 3; i++) {
            s = sizes[i]
            printf "| expansion, %s states: Lifecycle / serde attribute pass | %s |\n", s, ratio("expand_" s "/lifecycle", "expand_" s "/serde_attribute_pass")
        }
        # The input grows with events + states x roles = 4n + 4n: x8 from 8 to 64, x4 from 64 to 256.
        printf "| expansion growth 8 -> 64 states (input x8) | x%s |\n", ratio("expand_64/lifecycle", "expand_8/lifecycle")
        printf "| expansion growth 64 -> 256 states (input x4) | x%s |\n", ratio("expand_256/lifecycle", "expand_64/lifecycle")
        n = split("door_can_transition door_on release_can_transition release_on_legal release_on_all release_allows", groups, " ")
        for (i = 1; i <= n; i++)
            printf "| %s: derived / hand-written | %s |\n", groups[i], ratio(groups[i] "/derived", groups[i] "/hand_written")
        printf "| door_lock: typed / field store | %s |\n", ratio("door_lock/typed", "door_lock/field")
        printf "| vertex_pause: typed / field store | %s |\n", ratio("vertex_pause/typed", "vertex_pause/field")
        split("10 100 1000", vertices, " ")
        for (i = 1; i <= 3; i++) {
            v = vertices[i]
            if (("controller_" v "/pause") in median)
                printf "| controller, %s vertices: plan time per vertex, pause / resume / steady | %.0f / %.0f / %.0f ns |\n", v,
                    median["controller_" v "/pause"] / v, median["controller_" v "/resume"] / v, median["controller_" v "/steady_running"] / v
        }
    }' "$table"
