#!/usr/bin/env bash
# Compile cost of three ways to write the same state machines, side by side: times
# `cargo check` of throwaway crates that differ only in how the machines are written.
#
#   plain      a fieldless enum, one `fn event(self) -> Option<Self>` per event (a match),
#              and a hand-written `from_str` to rehydrate a stored phase
#   statum     statum 0.9: `#[state]`, `#[machine]`, one `#[transition]` impl per source
#              state (a method per event leaving it), `#[validators]` to rebuild a typed
#              machine from a stored row
#   lifecycle  `#[derive(Lifecycle)]`: `HasPhase` on an object, `<Enum>Typed::from_object`
#              to rehydrate, and the typed event methods of `<Enum>Events`
#
# Each crate also has a dispatcher, `fire(id, stored, event)`, that rehydrates a stored
# phase and fires an event by name, so the rehydration and transition API that each
# variant generates is used. The typed variants call every (event, source state) method
# once; plain calls every event function once (its match covers all sources).
#
# Two sizes, each a set of three crates:
#
#   small  8 machines of 5 states: s0_next .. s3_next along S0 -> S1 -> .. -> S4, and
#          reset: S1 | S2 | S3 | S4 -> S0
#   large  one 64-state machine, as in benches/compile-cost.sh: from each state i,
#          si_next -> i+1, si_skip -> i+2, si_back -> i-1, si_jump: i | i+3 -> i+33 (mod 64)
#
# All six crates sit in one throwaway workspace and depend on lifecycle-model (by path)
# and statum, so only the source differs. statum is a dependency of these crates only.
# Each run touches the crate's source first, so only the leaf crate is checked again.
# Runs are interleaved over all six crates, so load from other builds on the machine
# spreads over them alike. The whole series runs twice: CARGO_INCREMENTAL=0 (every check
# type-checks everything again, as the first check after an edit does) and
# CARGO_INCREMENTAL=1 (what an editor's repeated checks see; the incremental caches are
# warmed first). Before each timed run an untimed `cargo check` of the crate brings its
# dependencies up to date, so an edit of the derive elsewhere is not timed.
#
# BASELINE=<git revision> adds a fourth variant, `before`: the lifecycle crates written
# the same way against the derive as it was at that revision, in a workspace of their own
# (two `lifecycle-model`s cannot share one lock file), timed in the same interleaved
# rounds, so a change to the derive is measured before and after in one run.
#
# Each check is timed twice over: by the wall clock, and by the CPU time (user + system)
# of cargo and its rustc, which waiting for a busy core does not inflate. Besides the
# medians, variant by variant, it prints each round's cost over plain against statum's,
# pair by pair: the median and quartiles of those ratios (nearest rank).
#
# INSTRUCTIONS=1 then checks each crate once more under callgrind and prints the
# instructions rustc executed: counts that do not move with the machine's load.
#
# Usage: benches/three-way.sh            (RUNS=10 by default; honours CARGO_TARGET_DIR)
# Writes $CARGO_TARGET_DIR/three-way/results.tsv (mode, size, variant, median ms, min,
# max, MAD, by the wall clock), results-cpu.tsv (the same in CPU time) and runs.tsv (mode,
# size, variant, run, wall-clock ms, CPU ms).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=timing.sh
source "$root/benches/timing.sh"
target=${CARGO_TARGET_DIR:-$root/target}
work=$target/three-way
runs=${RUNS:-10}
small_machines=8
small_states=5
large_states=64
sizes=(small large)
kinds=(plain statum lifecycle)

# The machine of one size, as globals: `states`, and `events`, one "name from,from to"
# line per event (state indices).
small_machine() {
    local i
    states=$small_states
    events=()
    for ((i = 0; i + 1 < states; i++)); do
        events+=("s${i}_next $i $((i + 1))")
    done
    local from=""
    for ((i = 1; i < states; i++)); do
        from+="${from:+,}$i"
    done
    events+=("reset $from 0")
}

large_machine() {
    local i n=$large_states
    states=$n
    events=()
    for ((i = 0; i < n; i++)); do
        events+=("s${i}_next $i $(((i + 1) % n))")
        events+=("s${i}_skip $i $(((i + 2) % n))")
        events+=("s${i}_back $i $(((i + n - 1) % n))")
        events+=("s${i}_jump $i,$(((i + 3) % n)) $(((i + n / 2 + 1) % n))")
    done
}

# Calls `$1 NAME FROM TO` for every event NAME and each state FROM it leaves, to TO.
each_move() {
    local line name from to f
    for line in "${events[@]}"; do
        read -r name from to <<<"$line"
        for f in ${from//,/ }; do "$1" "$name" "$f" "$to"; done
    done
}

# --- plain: an enum and matches --------------------------------------------------------
# The enum's variants S0 .. S<states - 1> and its closing brace, then `Obj`, the object
# that holds a phase: the same in the plain and the lifecycle crates.
variants_and_obj() {
    local i
    for ((i = 0; i < states; i++)); do echo "        S$i,"; done
    echo '    }'
    echo
    echo '    pub struct Obj {'
    echo '        pub id: u64,'
    echo '        pub phase: Phase,'
    echo '    }'
    echo
}

plain_body() {
    local i line name from to f
    echo '    #[derive(Clone, Copy, Debug, PartialEq, Eq)]'
    echo '    pub enum Phase {'
    variants_and_obj
    echo '    impl Phase {'
    echo '        pub fn from_str(stored: &str) -> Option<Phase> {'
    echo '            match stored {'
    for ((i = 0; i < states; i++)); do echo "                \"S$i\" => Some(Phase::S$i),"; done
    echo '                _ => None,'
    echo '            }'
    echo '        }'
    for line in "${events[@]}"; do
        read -r name from to <<<"$line"
        local pattern=""
        for f in ${from//,/ }; do pattern+="${pattern:+ | }Phase::S$f"; done
        echo
        echo "        pub fn $name(self) -> Option<Phase> {"
        echo '            match self {'
        echo "                $pattern => Some(Phase::S$to),"
        echo '                _ => None,'
        echo '            }'
        echo '        }'
    done
    echo '    }'
    echo
    echo '    pub fn fire(id: u64, stored: &str, event: &str) -> Option<Obj> {'
    echo '        let phase = Phase::from_str(stored)?;'
    echo '        let next = match event {'
    for line in "${events[@]}"; do
        read -r name from to <<<"$line"
        echo "            \"$name\" => phase.$name(),"
    done
    echo '            _ => None,'
    echo '        }?;'
    echo '        Some(Obj { id, phase: next })'
    echo '    }'
}

# --- statum 0.9 ------------------------------------------------------------------------
statum_body() {
    local i line name from to f
    echo '    use statum::{machine, state, transition, validators};'
    echo
    echo '    #[state]'
    echo '    pub enum Phase {'
    for ((i = 0; i < states; i++)); do echo "        S$i,"; done
    echo '    }'
    echo
    echo '    #[machine]'
    echo '    pub struct Obj<Phase> {'
    echo '        pub id: u64,'
    echo '    }'
    # One #[transition] impl per source state: a method per event leaving it.
    local -A methods=()
    add_method() { methods[$2]+="        pub fn $1(self) -> Obj<S$3> {"$'\n'"            self.transition()"$'\n'"        }"$'\n'; }
    each_move add_method
    for ((i = 0; i < states; i++)); do
        [[ -n ${methods[$i]:-} ]] || continue
        echo
        echo '    #[transition]'
        echo "    impl Obj<S$i> {"
        printf '%s' "${methods[$i]}"
        echo '    }'
    done
    echo
    echo '    pub struct Row {'
    echo '        pub status: String,'
    echo '    }'
    echo
    echo '    #[validators(Obj)]'
    echo '    impl Row {'
    for ((i = 0; i < states; i++)); do
        echo "        fn is_s$i(&self) -> statum::Result<()> {"
        echo "            if self.status == \"S$i\" { Ok(()) } else { Err(statum::Error::InvalidState) }"
        echo '        }'
    done
    echo '    }'
    echo
    echo '    pub fn fire(id: u64, stored: &str, event: &str) -> Option<obj::SomeState> {'
    echo '        let row = Row { status: stored.to_owned() };'
    echo '        let machine = Obj::rebuild(&row).id(id).build().ok()?;'
    echo '        Some(match (machine, event) {'
    statum_arm() { echo "            (obj::SomeState::S$2(m), \"$1\") => obj::SomeState::S$3(m.$1()),"; }
    each_move statum_arm
    echo '            _ => return None,'
    echo '        })'
    echo '    }'
}

# --- lifecycle: the derive -------------------------------------------------------------
lifecycle_body() {
    local i line name from to f attr="" count=0
    echo '    use lifecycle_model::{HasPhase, Lifecycle};'
    echo
    echo '    #[derive(lifecycle_model::Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]'
    # A few events per attribute (the reference: prefer few attributes, many events each).
    for line in "${events[@]}"; do
        read -r name from to <<<"$line"
        attr+="${attr:+, }event($name: S${from//,/ | S} -> S$to)"
        if ((++count % 4 == 0)); then
            echo "    #[lifecycle($attr)]"
            attr=""
        fi
    done
    [[ -z $attr ]] || echo "    #[lifecycle($attr)]"
    echo '    pub enum Phase {'
    echo '        #[lifecycle(initial)]'
    variants_and_obj
    echo '    impl HasPhase<Phase> for Obj {'
    echo '        fn phase(&self) -> Option<Phase> {'
    echo '            Some(self.phase)'
    echo '        }'
    echo '        fn set_phase(&mut self, phase: Phase) {'
    echo '            self.phase = phase;'
    echo '        }'
    echo '    }'
    echo
    echo '    pub fn fire(id: u64, stored: &str, event: &str) -> Option<Obj> {'
    echo '        let object = Obj { id, phase: Phase::from_name(stored)? };'
    echo '        Some(match (PhaseTyped::from_object(object).ok()?, event) {'
    lifecycle_arm() { echo "            (PhaseTyped::S$2(t), \"$1\") => t.$1().into_inner(),"; }
    each_move lifecycle_arm
    echo '            _ => return None,'
    echo '        })'
    echo '    }'
}

# The crate source of size `$1` and variant `$2`: each machine in a module of its own.
source_of() {
    local size=$1 kind=$2 m count
    case $size in
        small) small_machine; count=$small_machines ;;
        large) large_machine; count=1 ;;
    esac
    echo "//! Throwaway crate of benches/three-way.sh ($kind, $size: $count x $states states, ${#events[@]} events)."
    echo '#![allow(unused, missing_docs, clippy::all)]'
    for ((m = 0; m < count; m++)); do
        echo
        echo "pub mod m$m {"
        "${kind}_body"
        echo '}'
    done
}

crates=()
mkdir -p "$work"
for size in "${sizes[@]}"; do
    for kind in "${kinds[@]}"; do
        crates+=("$size-$kind")
    done
done
members=("${crates[@]}")
if [[ -n ${BASELINE:-} ]]; then
    for size in "${sizes[@]}"; do crates+=("$size-before"); done
fi
{
    echo '[workspace]'
    echo 'resolver = "3"'
    printf 'members = [%s]\n' "$(printf '"%s", ' "${members[@]}" | sed 's/, $//')"
} >"$work/Cargo.toml"
# The workspace's lock file, so the throwaway crates build the same versions; cargo adds
# statum and what it needs to this copy only.
cp "$root/Cargo.lock" "$work/Cargo.lock"
for size in "${sizes[@]}"; do
    for kind in "${kinds[@]}"; do
        dir=$work/$size-$kind
        mkdir -p "$dir/src"
        cat >"$dir/Cargo.toml" <<EOF
[package]
name = "three-way-$size-$kind"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
lifecycle-model = { path = "$root/lifecycle-model" }
statum = "0.9"
EOF
        source_of "$size" "$kind" >"$dir/src/lib.rs"
    done
done

# The baseline: the repository at $BASELINE, and the lifecycle crates against it.
# The repository sits beside the workspace, not in it: cargo would take path
# dependencies under the workspace's directory for members.
base=$work/before
repo=$work/before-repo
if [[ -n ${BASELINE:-} ]]; then
    rm -rf "$base" "$repo"
    mkdir -p "$base" "$repo"
    git -C "$root" archive "$BASELINE" | tar -x -C "$repo"
    printf '[workspace]\nresolver = "3"\nmembers = ["small-before", "large-before"]\n' >"$base/Cargo.toml"
    cp "$repo/Cargo.lock" "$base/Cargo.lock"
    for size in "${sizes[@]}"; do
        mkdir -p "$base/$size-before/src"
        cat >"$base/$size-before/Cargo.toml" <<EOF
[package]
name = "three-way-$size-before"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
lifecycle-model = { path = "$repo/lifecycle-model" }
EOF
        cp "$work/$size-lifecycle/src/lib.rs" "$base/$size-before/src/lib.rs"
    done
fi

# Checks one crate, in the workspace and target directory it belongs to.
check_crate() {
    case $1 in
        *-before) (cd "$base" && CARGO_TARGET_DIR=$base/target cargo check --quiet -p "three-way-$1") ;;
        *) cargo check --quiet -p "three-way-$1" ;;
    esac
}
# Checks crate $1 and sets `wall_ms`, the time it took, and `cpu_ms`, the CPU time (user
# and system) that cargo and the rustc it ran spent, both in milliseconds. CPU time is
# what a loaded machine changes least: waiting for a core is not counted.
timed_check() {
    local TIMEFORMAT='%3R %3U %3S' t
    t=$({ time check_crate "$1" >/dev/null 2>&1; } 2>&1)
    read -r wall_ms cpu_ms < <(awk '{ printf "%d %d\n", $1 * 1000 + 0.5, ($2 + $3) * 1000 + 0.5 }' <<<"$t")
}
# The directory of a crate's sources.
crate_dir() {
    case $1 in
        *-before) echo "$base/$1" ;;
        *) echo "$work/$1" ;;
    esac
}

cd "$work"
export CARGO_TARGET_DIR=$work/target
printf 'mode\tsize\tvariant\tmedian_ms\tmin_ms\tmax_ms\tmad_ms\n' | tee results.tsv >results-cpu.tsv
printf 'mode\tsize\tvariant\trun\tms\tcpu_ms\n' >runs.tsv
for incremental in 0 1; do
    export CARGO_INCREMENTAL=$incremental
    mode="CARGO_INCREMENTAL=$incremental"
    echo "three-way: $mode, $runs runs of ${#crates[@]} crates; dependencies first" >&2
    cargo check --workspace --quiet
    # Every crate once more after a touch: with incremental compilation, this fills the
    # caches that the timed checks then reuse.
    for crate in "${crates[@]}"; do
        touch "$(crate_dir "$crate")/src/lib.rs"
        check_crate "$crate"
    done
    declare -A times=() cpu_times=()
    for ((run = 0; run < runs; run++)); do
        for crate in "${crates[@]}"; do
            check_crate "$crate"
            touch "$(crate_dir "$crate")/src/lib.rs"
            timed_check "$crate"
            times[$crate]+="$wall_ms "
            cpu_times[$crate]+="$cpu_ms "
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "${crate%%-*}" "${crate#*-}" "$((run + 1))" "$wall_ms" "$cpu_ms" >>runs.tsv
        done
    done
    for crate in "${crates[@]}"; do
        printf '%s\t%s\t%s\t%s\n' "$mode" "${crate%%-*}" "${crate#*-}" "$(stats "${times[$crate]}")" >>results.tsv
        printf '%s\t%s\t%s\t%s\n' "$mode" "${crate%%-*}" "${crate#*-}" "$(stats "${cpu_times[$crate]}")" >>results-cpu.tsv
    done
    unset times cpu_times
done

# The medians of results file $1, variant by variant, with the ratios; $2 names the
# measure.
report() {
awk -F'\t' -v runs="$runs" -v measure="$2" -v small="$small_machines machines x $small_states states" -v large="1 machine x $large_states states" '
    NR == 1 { next }
    {
        key = $1 SUBSEP $2
        if (!(key in seen)) { seen[key] = 1; order[++n] = key }
        med[key, $3] = $4; min[key, $3] = $5; max[key, $3] = $6; mad[key, $3] = $7
    }
    END {
        split("plain statum lifecycle before", kinds, " ")
        for (k = 1; k <= n; k++) {
            split(order[k], part, SUBSEP)
            key = order[k]
            printf "%s%s, %s (%s), cargo check, %d runs, %s\n", (k > 1 ? "\n" : ""), part[1], part[2], (part[2] == "small" ? small : large), runs, measure
            printf "  %-10s %7s %7s %7s %6s %11s\n", "variant", "median", "min", "max", "MAD", "over plain"
            for (i = 1; i <= 4; i++) {
                v = kinds[i]
                if (!((key, v) in med)) continue
                over = (v == "plain") ? "-" : sprintf("%+.0f", med[key, v] - med[key, "plain"])
                printf "  %-10s %7.0f %7.0f %7.0f %6.0f %11s\n", v, med[key, v], min[key, v], max[key, v], mad[key, v], over
            }
            s = med[key, "statum"] - med[key, "plain"]; l = med[key, "lifecycle"] - med[key, "plain"]
            if (s > 0) printf "  ratio lifecycle / statum (cost over plain): %.2f\n", l / s
            else printf "  ratio lifecycle / statum (cost over plain): n/a (statum over plain is %+.0f ms)\n", s
            printf "  ratio whole check lifecycle / statum:       %.2f\n", med[key, "lifecycle"] / med[key, "statum"]
            if ((key, "before") in med) {
                b = med[key, "before"] - med[key, "plain"]
                if (s > 0) printf "  ratio before / statum (cost over plain):    %.2f\n", b / s
                if (b > 0) printf "  lifecycle over plain, now / before:         %.2f\n", l / b
            }
        }
    }' "$1"
}
report results.tsv "wall-clock ms"
echo
report results-cpu.tsv "CPU ms (user + system)"

# Pair by pair: a round's three checks run back to back, so the ratio of one round's costs
# over plain does not see the machine change speed between rounds, as medians taken
# variant by variant can.
paired() {
awk -F'\t' -v col="$1" -v measure="$2" '
    NR == 1 { next }
    {
        key = $1 SUBSEP $2
        if (!(key in seen)) { seen[key] = 1; order[++n] = key }
        ms[key, $3, $4] = $col
        if ($4 > rounds[key]) rounds[key] = $4
    }
    # The q-quantile of v[1..m], sorted in place.
    function quantile(v, m, q,    i, j, x) {
        for (i = 2; i <= m; i++) {
            x = v[i]
            for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]
            v[j + 1] = x
        }
        return v[int(q * (m - 1) + 1.5)]
    }
    function paired(key, variant,    r, m, p, s, v) {
        m = 0
        for (r = 1; r <= rounds[key]; r++) {
            if (!((key, variant, r) in ms)) continue
            p = ms[key, "plain", r]; s = ms[key, "statum", r] - p
            if (s > 0) v[++m] = (ms[key, variant, r] - p) / s
        }
        if (m == 0) return "n/a"
        return sprintf("%.2f (quartiles %.2f-%.2f, %d rounds)", quantile(v, m, 0.5), quantile(v, m, 0.25), quantile(v, m, 0.75), m)
    }
    END {
        print "\npair by pair, " measure ", each round'"'"'s cost over plain / statum'"'"'s, median:"
        for (k = 1; k <= n; k++) {
            split(order[k], part, SUBSEP)
            printf "  %s, %s: lifecycle %s", part[1], part[2], paired(order[k], "lifecycle")
            if ((order[k], "before", 1) in ms) printf "; before %s", paired(order[k], "before")
            printf "\n"
        }
    }' runs.tsv
}
paired 5 "wall clock"
paired 6 "CPU time"
echo
echo "three-way: $work/results.tsv, $work/results-cpu.tsv, $work/runs.tsv" >&2

# INSTRUCTIONS=1: each crate checked once more under callgrind (valgrind), for the
# instructions rustc executes. They do not move with the machine's load, so the ratios
# they give hold on a shared machine, where the milliseconds above move by a third; they
# count work, not time (a cache miss is one instruction).
if [[ ${INSTRUCTIONS:-0} == 1 ]]; then
    if ! command -v valgrind >/dev/null; then
        echo "three-way: valgrind is not installed; no instruction counts" >&2
        exit 0
    fi
    wrapper=$work/callgrind-rustc
    counts=$work/instructions.tsv
    # A RUSTC_WRAPPER that runs rustc under callgrind for the throwaway crates only, and
    # appends the crate and the count to instructions.tsv.
    cat >"$wrapper" <<'WRAPPER'
#!/usr/bin/env bash
crate=
for ((i = 1; i <= $#; i++)); do
    [[ ${!i} == --crate-name ]] && { j=$((i + 1)); crate=${!j}; }
done
case $crate in
three_way_*)
    log=$(mktemp)
    valgrind --tool=callgrind --callgrind-out-file=/dev/null --trace-children=yes --log-file="$log" "$@"
    status=$?
    printf '%s\t%s\n' "$crate" "$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$log" | tail -1)" >>"$INSTRUCTIONS_TSV"
    rm -f "$log"
    exit $status ;;
*) exec "$@" ;;
esac
WRAPPER
    chmod +x "$wrapper"
    : >"$counts"
    export CARGO_INCREMENTAL=0
    # The first wrapped check of each workspace also rebuilds its dependencies (cargo
    # fingerprints the wrapper); only the throwaway crates are counted.
    for crate in "${crates[@]}"; do
        touch "$(crate_dir "$crate")/src/lib.rs"
        INSTRUCTIONS_TSV=$counts RUSTC_WRAPPER=$wrapper check_crate "$crate"
    done
    echo
    awk -F'\t' '
        { sub(/^three_way_/, "", $1); split($1, part, "_"); ir[part[1], part[2]] = $2 }
        END {
            print "CARGO_INCREMENTAL=0, rustc instructions (callgrind), millions"
            printf "  %-6s %8s %8s %9s %8s %26s\n", "size", "plain", "statum", "lifecycle", "before", "lifecycle / statum (over plain)"
            split("small large", sizes, " ")
            for (k = 1; k <= 2; k++) {
                s = sizes[k]
                p = ir[s, "plain"]; st = ir[s, "statum"]; l = ir[s, "lifecycle"]; b = ir[s, "before"]
                printf "  %-6s %8.1f %8.1f %9.1f %8s %26.2f\n", s, p / 1e6, st / 1e6, l / 1e6, (b == "" ? "-" : sprintf("%.1f", b / 1e6)), (l - p) / (st - p)
            }
        }' "$counts"
fi

