#!/usr/bin/env bash
# Compile cost of `#[derive(Lifecycle)]`: times `cargo check` of three throwaway crates that
# differ only in their derives, on the 64-state machine of lifecycle-derive/benches/expand.rs:
#
#   plain      the enum with Clone, Copy, Debug, PartialEq, Eq
#   serde      plain + Serialize, Deserialize
#   lifecycle  serde + Lifecycle (and its #[lifecycle(...)] attributes)
#
# All three depend on lifecycle-model (by path) and serde, so only the derives differ.
# serde's cost is serde - plain; the derive's is lifecycle - serde. Each run touches the
# crate's source first, so only the leaf crate is checked again. Runs are interleaved, so
# load from other builds on the machine spreads over the three alike.
#
# Proc macros run as `cargo check` builds them: unoptimized. MACROS=opt builds them (and
# build scripts) at opt-level 3 instead, through `[profile.dev.build-override]`.
#
# PHASES=1 also splits each crate's check into rustc's phases (expansion, type checking,
# borrow checking) with -Ztime-passes. That flag is unstable: RUSTC_BOOTSTRAP=1 unlocks it
# on the stable compiler for this diagnostic only; nothing is built with it.
#
# Usage: benches/compile-cost.sh            (RUNS=10 STATES=64 MACROS=dev by default)
# Writes $CARGO_TARGET_DIR/compile-cost/results-$MACROS.tsv (name, median ms, min, max, MAD).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=timing.sh
source "$root/benches/timing.sh"
target=${CARGO_TARGET_DIR:-$root/target}
work=$target/compile-cost
states=${STATES:-64}
runs=${RUNS:-10}
macros=${MACROS:-dev}
case $macros in
    dev) ;;
    opt) export CARGO_PROFILE_DEV_BUILD_OVERRIDE_OPT_LEVEL=3 ;;
    *) echo "compile-cost: MACROS is dev or opt" >&2; exit 2 ;;
esac
roles=4
actions=8

# The machine, as in machine_tokens() of lifecycle-derive/benches/expand.rs.
lifecycle_attrs() {
    echo '#[lifecycle(module = bench_phase, roles = BenchRole, role_module = bench_role, schema)]'
    echo '#[lifecycle(phase_field = "status.phase")]'
    for ((r = 0; r < roles; r++)); do
        echo "#[lifecycle(role(R$r, cel = \"self.kind == 'r$r'\"))]"
    done
    for ((i = 0; i < states; i++)); do
        local next=$(((i + 1) % states)) skip=$(((i + 2) % states)) back=$(((i + states - 1) % states))
        local also=$(((i + 3) % states)) far=$(((i + states / 2 + 1) % states))
        echo "#[lifecycle(event(s${i}_next: S$i -> S$next), event(s${i}_skip: S$i -> S$skip), event(s${i}_back: S$i -> S$back), event(s${i}_jump: S$i | S$also -> S$far))]"
    done
    for ((a = 0; a < actions; a++)); do
        local list="" s
        for ((s = a; s < states; s += actions)); do
            list+="${list:+ | }S$s"
        done
        echo "#[lifecycle(action(act$a, states = $list, roles = R$((a % roles)) | R$(((a + 1) % roles)), field = \"spec.field$a\"))]"
    done
}

# The crate source: `$1` is plain, serde or lifecycle.
source_of() {
    local kind=$1 derives="Clone, Copy, Debug, PartialEq, Eq" i
    [[ $kind != plain ]] && derives+=", serde::Serialize, serde::Deserialize"
    [[ $kind == lifecycle ]] && derives="lifecycle_model::Lifecycle, $derives"
    echo "//! Throwaway crate of benches/compile-cost.sh ($kind, $states states)."
    echo '#![allow(dead_code, missing_docs)]'
    echo '#[derive(Clone, Copy, Debug, PartialEq, Eq)]'
    echo 'pub enum BenchRole { R0, R1, R2, R3 }'
    echo "#[derive($derives)]"
    [[ $kind == lifecycle ]] && lifecycle_attrs
    [[ $kind != plain ]] && echo '#[serde(rename_all = "camelCase")]'
    echo 'pub enum BenchPhase {'
    if [[ $kind == lifecycle ]]; then
        echo '    #[lifecycle(initial)]'
    fi
    for ((i = 0; i < states; i++)); do
        echo "    S$i,"
    done
    echo '}'
}

kinds=(plain serde lifecycle)
mkdir -p "$work"
{
    echo '[workspace]'
    echo 'resolver = "3"'
    echo 'members = ["plain", "serde", "lifecycle"]'
} >"$work/Cargo.toml"
# The workspace's lock file, so the throwaway crates build the same versions.
cp "$root/Cargo.lock" "$work/Cargo.lock"
for kind in "${kinds[@]}"; do
    mkdir -p "$work/$kind/src"
    cat >"$work/$kind/Cargo.toml" <<EOF
[package]
name = "cost-$kind"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
lifecycle-model = { path = "$root/lifecycle-model" }
serde = { version = "1", features = ["derive"] }
EOF
    source_of "$kind" >"$work/$kind/src/lib.rs"
done

cd "$work"
export CARGO_TARGET_DIR=$work/target
# Without incremental compilation every check type-checks the generated code again, as the
# first check after an edit of the enum does.
export CARGO_INCREMENTAL=0
echo "compile-cost: $states states, $runs runs each, $macros proc macros; dependencies first" >&2
cargo check --workspace --quiet

declare -A times
for ((run = 0; run < runs; run++)); do
    for kind in "${kinds[@]}"; do
        touch "$kind/src/lib.rs"
        start=$(now_ms)
        cargo check --quiet -p "cost-$kind"
        times[$kind]+="$(($(now_ms) - start)) "
    done
done

{
    for kind in "${kinds[@]}"; do
        printf '%s\t%s\n' "$kind" "$(stats "${times[$kind]}")"
    done
} >"results-$macros.tsv"

awk -F'\t' '
    { med[$1] = $2; printf "cargo check %-9s median %5d ms  (min %d, max %d, MAD %d; %s)\n", $1, $2, $3, $4, $5, "'"$runs"' runs" }
    END {
        serde = med["serde"] - med["plain"]; lifecycle = med["lifecycle"] - med["serde"]
        printf "serde derives (serde - plain):         %5d ms\n", serde
        printf "Lifecycle derive (lifecycle - serde):  %5d ms\n", lifecycle
        if (serde > 0) printf "ratio Lifecycle / serde derives:       %5.1f\n", lifecycle / serde
        printf "ratio whole check lifecycle / serde:   %5.2f\n", med["lifecycle"] / med["serde"]
    }' "results-$macros.tsv"

if [[ ${PHASES:-0} == 1 ]]; then
    echo
    echo "rustc phases (median of $runs checks, ms; -Ztime-passes):"
    printf '%-9s %9s %10s %11s %7s\n' crate expansion "type check" "borrow check" total
    declare -A phases
    for ((run = 0; run < runs; run++)); do
        for kind in "${kinds[@]}"; do
            touch "$kind/src/lib.rs"
            phases[$kind]+=$(RUSTC_BOOTSTRAP=1 cargo rustc --quiet -p "cost-$kind" --profile check -- -Ztime-passes 2>&1 |
                awk '$NF == "expand_crate" { e = $2 } $NF == "type_check_crate" { t = $2 } $NF == "MIR_borrow_checking" { b = $2 } $NF == "total" { n = $2 }
                     END { gsub(";", "", e); gsub(";", "", t); gsub(";", "", b); gsub(";", "", n); printf "%d,%d,%d,%d ", e * 1000, t * 1000, b * 1000, n * 1000 }')
        done
    done
    for kind in "${kinds[@]}"; do
        line=$kind
        for column in 1 2 3 4; do
            line+=" $(tr ' ' '\n' <<<"${phases[$kind]}" | grep . | cut -d, -f"$column" | median)"
        done
        printf '%-9s %9s %10s %11s %7s\n' $line
    done
fi
