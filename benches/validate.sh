#!/usr/bin/env bash
# Benchmark of `integ validate` (whole process, release build) on 1, 2,000 and 10,000 spec
# files copied from the shipped HighLevel specs into a temporary directory. Prints a table:
# files, median wall time, peak RSS, the target. Asserts nothing (noisy machines exist);
# people read the table. Needs bash, coreutils and the binary.
#
#   bash benches/validate.sh [RUNS]  # builds target/release/integ first (RUNS defaults to 5)
#   INTEG=path/to/integ bash benches/validate.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source benches/common.sh

RUNS=${1:-5}
INTEG=${INTEG:-target/release/integ}
if [[ -z ${INTEG_SKIP_BUILD:-} && $INTEG == target/release/integ ]]; then
  cargo build --release -q -p integ-cli
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
shopt -s globstar nullglob
sources=()
for f in specs/**/*.yaml; do
  [[ $f == */openapi/* ]] || sources+=("$f")
done
if [[ ${#sources[@]} -eq 0 ]]; then
  echo "no spec files under specs/" >&2
  exit 2
fi

# corpus DIR FILES: FILES copies of the shipped specs, round robin.
corpus() {
  local dir=$1 files=$2 i
  mkdir -p "$dir"
  for ((i = 0; i < files; i++)); do
    cp "${sources[$((i % ${#sources[@]}))]}" "$dir/$(printf '%05d' "$i").yaml"
  done
}
corpus "$work/one" 1
corpus "$work/two-thousand" 2000
corpus "$work/ten-thousand" 10000

bench_header "integ validate (human output)"
bench_row "1 file" 1 10 "$INTEG" validate "$work/one/00000.yaml"
bench_row "2,000 files" 2000 100 "$INTEG" validate "$work/two-thousand"
bench_row "10,000 files" 10000 500 "$INTEG" validate "$work/ten-thousand"
bench_row "10,000 files --format json" 10000 500 "$INTEG" validate --format json "$work/ten-thousand"
