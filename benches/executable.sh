# Helpers the scripts that read a bench's executable share (asm.sh, instructions.sh,
# growth.sh); source it, do not run it. Messages start with the calling script's name.

# Builds bench <bench> of package <package> and prints the path of its executable, or
# says which bench gave none and fails.
bench_executable() {
    local bin
    bin=$(cargo bench -p "$1" --bench "$2" --no-run --message-format=json 2>/dev/null |
        grep -o '"executable":"[^"]*"' | sed 's/"executable":"\(.*\)"/\1/' | tail -1)
    if [[ ! -x $bin ]]; then
        echo "${0##*/}: no executable for bench $2 of $1" >&2
        return 1
    fi
    echo "$bin"
}

# Succeeds when valgrind is installed; otherwise says the script is skipped and fails,
# for `needs_valgrind || exit 0`.
needs_valgrind() {
    command -v valgrind >/dev/null && return 0
    echo "${0##*/}: valgrind is not installed; skipped" >&2
    return 1
}
