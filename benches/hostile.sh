#!/usr/bin/env bash
# Times `integ validate` and `integ lint` on the hostile inputs of issue 2 (each must end in
# a diagnostic and exit 1 well under 2 s) and prints one row per input: exit codes, wall
# time, peak RSS. Tests check the diagnostics and exit codes; this prints the figures.
#   bash benches/hostile.sh            (builds the release binary first)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source benches/common.sh
cargo build --release -q -p integ-cli
bin=$PWD/target/release/integ
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

printf 'apiVersion: integ/v1\nkind: Action\nmetadata: {name: \xff\xfe}\n' > "$dir/invalid-utf8.yaml"
{
  echo 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
  prev=a
  for n in b c d e f g h i; do echo "$n: &$n [*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev]"; prev=$n; done
} > "$dir/billion-laughs.yaml"
# 100,000-deep nesting: block sequences on one line, and flow mappings.
{ printf -- '- %.0s' $(seq 100000); echo x; } > "$dir/deep-block.yaml"
{ printf 'a: '; printf '{b: %.0s' $(seq 100000); printf '}%.0s' $(seq 100000); echo; } > "$dir/deep-flow.yaml"
: > "$dir/empty.yaml"
printf 'apiVersion: integ/v1\nkind: Action\nmetadata:\n\tname: tabbed\n' > "$dir/tab-indented.yaml"
echo 'just a string' > "$dir/bare-scalar.yaml"
# 50 MB: one long comment line repeated, then a document.
# (`yes` dies of SIGPIPE when `head` has enough: not an error here.)
{ yes '# padding padding padding padding padding padding padding padding padding padding' \
  | head -c 52428800 > "$dir/fifty-mb.yaml"; } || true

printf '%-20s %8s %8s %10s %10s %9s\n' input validate lint "wall (ms)" "RSS (KiB)" "limit"
for f in "$dir"/*.yaml; do
  name=$(basename "$f" .yaml)
  set +e
  "$bin" validate "$f" > /dev/null 2>&1; v=$?
  "$bin" lint "$f" > /dev/null 2>&1; l=$?
  set -e
  us=$(bench_wall "$bin" validate "$f")
  rss=$(bench_rss "$bin" validate "$f")
  printf '%-20s %8s %8s %10s %10s %9s\n' "$name" "$v" "$l" "$((us / 1000))" "$rss" "2000 ms"
done
