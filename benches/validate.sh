#!/usr/bin/env bash
# Benchmark: wall time of `integ validate` (release build) on 1,000 spec files generated
# in a temporary directory from the shipped HighLevel specs, and on one file.
# Prints figures only; it asserts nothing (the performance issue sets targets).
#   bash benches/validate.sh [FILES] [RUNS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

files=${1:-1000}
runs=${2:-5}

cargo build --release --quiet -p integ-cli
bin=target/release/integ

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mapfile -t sources < <(find specs -name '*.yaml' -not -path '*/openapi/*' | sort)
if [ "${#sources[@]}" -eq 0 ]; then
    echo "no spec files under specs/" >&2
    exit 2
fi
for ((i = 0; i < files; i++)); do
    cp "${sources[$((i % ${#sources[@]}))]}" "$dir/$(printf '%05d' "$i").yaml"
done
bytes=$(cat "$dir"/*.yaml | wc -c)

# Runs `integ validate ARGS` $runs times; prints each time and the median in ms.
measure() {
    local label=$1
    shift
    local times=()
    for ((r = 0; r < runs; r++)); do
        local start end
        start=$(date +%s%N)
        "$bin" validate "$@" >/dev/null || { echo "integ validate failed on $label" >&2; exit 1; }
        end=$(date +%s%N)
        times+=($(((end - start) / 1000)))
    done
    local sorted median
    sorted=$(printf '%s\n' "${times[@]}" | sort -n)
    median=$(echo "$sorted" | sed -n "$(((runs + 1) / 2))p")
    printf '%-28s median %8.2f ms   runs (ms): %s\n' "$label" \
        "$(awk -v m="$median" 'BEGIN { print m / 1000 }')" \
        "$(printf '%s\n' "${times[@]}" | awk '{ printf "%.2f ", $1 / 1000 }')"
}

echo "integ validate, release build, $(nproc) CPU(s), $files files ($((bytes / 1024)) KiB), $runs runs each"
measure "$files files" "$dir"
measure "one file" "$dir/00000.yaml"
measure "$files files --format json" --format json "$dir"
