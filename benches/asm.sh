#!/usr/bin/env bash
# Machine code of tests/benches/runtime.rs, from its bench executable:
#
# 1. the typed transitions beside the field stores they stand for: typed_lock / field_lock
#    (a small Door) and typed_pause / field_pause (a NumaFlow Vertex, 688 bytes), each
#    listing without addresses, with its instruction count;
# 2. the derived checks beside the hand-written ones (module `outlined`): whether LLVM
#    merged the two into one function, which it does only for identical machine code.
#
# Needs objdump and nm (binutils).
#
# Usage: benches/asm.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=executable.sh
source "$root/benches/executable.sh"
bin=$(bench_executable lifecycle-tests runtime)

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
objdump -d -C --no-show-raw-insn "$bin" >"$scratch/listing"
# Calls through the GOT show as `_DYNAMIC+0x...`: name them from the relocations.
objdump -R "$bin" | awk '$2 == "R_X86_64_RELATIVE" { sub(/^\*ABS\*\+0x0*/, "", $3); sub(/^0*/, "", $1); print $1, $3 }' >"$scratch/got"
nm -C "$bin" | awk '{ a = $1; sub(/^0*/, "", a); $1 = ""; $2 = ""; sub(/^ +/, ""); print a "\t" $0 }' >"$scratch/symbols"

# The address nm gives runtime::$1: LLVM folds functions with identical machine code into
# one, and then a typed transition and its field store share one address.
symbol_address() {
    awk -F'\t' -v name="runtime::$1" '$2 == name { print "0x" $1 }' "$scratch/symbols"
}
echo "| typed transition | field store | one function? |"
echo "|---|---|---|"
for pair in "typed_lock field_lock" "typed_pause field_pause"; do
    read -r typed field <<<"$pair"
    same=no
    [[ -n $(symbol_address "$typed") && $(symbol_address "$typed") == "$(symbol_address "$field")" ]] &&
        same="yes: merged, identical machine code"
    echo "| \`$typed\` | \`$field\` | $same |"
done
echo

for function in typed_lock field_lock typed_pause field_pause; do
    # From the function's label to the blank line after it; padding and addresses dropped.
    # Of two merged functions objdump labels only one: the other has no listing.
    if ! grep -q "<runtime::$function>:" "$scratch/listing"; then
        echo "### $function: merged into its twin (listing above or below)"
        continue
    fi
    body=$(awk -v label="<runtime::$function>:" '$2 == label { on = 1; next } on && /^$/ { exit } on' "$scratch/listing" |
        grep -v 'int3' |
        awk -v got="$scratch/got" -v symbols="$scratch/symbols" '
            BEGIN {
                while ((getline line < got) > 0) { split(line, f, " "); slot[f[1]] = f[2] }
                FS = "\t"; while ((getline line < symbols) > 0) { split(line, f, "\t"); name[f[1]] = f[2] }; FS = " "
            }
            {
                if (match($0, /# [0-9a-f]+ <_DYNAMIC/)) {
                    address = substr($0, RSTART + 2); sub(/ .*/, "", address)
                    target = slot[address]
                    if (target in name) sub(/# [0-9a-f]+ <_DYNAMIC[^>]*>/, "# <" name[target] ">")
                }
                print
            }' |
        sed -E 's/^ +[0-9a-f]+:\t//; s/[[:space:]]+# [0-9a-f]+ </  # </; s/[[:space:]]+# </  # </; s/^(call|jmp) +[0-9a-f]+ </\1 </')
    count=$(grep -c . <<<"$body")
    echo "### $function ($count instructions)"
    echo '```asm'
    echo "$body"
    echo '```'
done

echo
echo "| check | derived at | hand-written at | one function? | instructions (derived / hand-written) |"
echo "|---|---|---|---|---|"
# The address of runtime::outlined::$1.
address() {
    awk -F'\t' -v name="runtime::outlined::$1" '$2 == name { print "0x" $1 }' "$scratch/symbols"
}
# The instructions objdump lists under runtime::outlined::$1; of two merged names it
# labels only one, and the other lists none.
instructions() {
    awk -v label="<runtime::outlined::$1>:" '$2 == label { on = 1; next } on && /^$/ { exit } on && !/int3/ { n++ } END { print n + 0 }' "$scratch/listing"
}
for check in door_can_transition door_on release_can_transition release_on release_allows; do
    derived=$(address "derived_$check")
    hand=$(address "hand_$check")
    same=no
    [[ $derived == "$hand" ]] && same="yes: merged"
    echo "| \`$check\` | $derived | $hand | $same | $(instructions "derived_$check") / $(instructions "hand_$check") |"
done
