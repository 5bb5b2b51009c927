#!/usr/bin/env bash
# Benchmark of bulk runs: `integ run get_contact --batch FILE` over 2,000 rows against the
# sandbox with its rate limit off, at --concurrency 1, 4 and 16. Prints rows per second
# (the whole process: spec compile, checking every row, the session, the requests, one
# flushed result line per row); asserts nothing.
#
# The copied provider spec drops its `rateLimit` (HighLevel's 100 per 10 s), or the
# client-side limiter would hold every run to 10 rows/s: this measures the runner.
#
#   bash benches/bulk.sh
#   BULK_BENCH_ROWS=10000 BULK_BENCH_CONCURRENCY="4 32" bash benches/bulk.sh
#   INTEG=path/to/integ bash benches/bulk.sh     # skips the release build
set -euo pipefail
cd "$(dirname "$0")/.."

rows=${BULK_BENCH_ROWS:-2000}
levels=${BULK_BENCH_CONCURRENCY:-1 4 16}
INTEG=${INTEG:-}
if [[ -z $INTEG ]]; then
  cargo build --release -q -p integ-cli
  INTEG=$PWD/target/release/integ
fi

work=$(mktemp -d)
sandbox_pid=
login_pid=
cleanup() {
  [[ -n $login_pid ]] && kill "$login_pid" 2>/dev/null || true
  [[ -n $sandbox_pid ]] && kill "$sandbox_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$INTEG" sandbox --port "$port" --auto-approve --no-rate-limit >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
base=http://127.0.0.1:$port
for _ in $(seq 200); do curl -s -o /dev/null "$base/" && break; sleep 0.05; done

mkdir -p "$work/specs/profiles"
cp -r specs/highlevel/actions "$work/specs/"
grep -v '^  rateLimit:' specs/highlevel/provider.yaml >"$work/specs/provider.yaml"
sed -e "s#https://marketplace.gohighlevel.com#$base#; s#https://services.leadconnectorhq.com#$base#g" \
    -e "s#^  authorizedBy: user#  authorizedBy: user\n  baseUrl: $base#" \
    specs/highlevel/profiles/highlevel-custom-user.yaml >"$work/specs/profiles/user.yaml"

export INTEG_STATE_DIR=$work/state HL_CLIENT_ID=sandbox-client HL_CLIENT_SECRET=sandbox-secret CI=1
"$INTEG" auth login --profile highlevel-custom-user --specs "$work/specs" --no-browser \
  >"$work/login.out" 2>"$work/login.log" &
login_pid=$!
url=
for _ in $(seq 200); do
  url=$(grep -o 'http://127.0.0.1[^ ]*chooselocation[^ ]*' "$work/login.log" || true)
  [[ -n $url ]] && break
  sleep 0.05
done
curl -s -L -o /dev/null "$url&sandbox_approve=1"
wait "$login_pid"
login_pid=

run() { "$INTEG" run "$@" --profile highlevel-custom-user --specs "$work/specs"; }
id=$(run create_contact -i email=bulk-bench@example.com \
     | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
python3 -c "
import json
with open('$work/rows.jsonl', 'w') as f:
    for _ in range($rows):
        f.write(json.dumps({'contactId': '$id'}) + '\n')
"

echo "--- integ run get_contact --batch: $rows rows, sandbox rate limit off"
for c in $levels; do
  start=$(date +%s.%N)
  status=0
  run get_contact --batch "$work/rows.jsonl" --concurrency "$c" >"$work/results.jsonl" 2>"$work/summary.txt" || status=$?
  end=$(date +%s.%N)
  ok=$(grep -c '"status":"ok"' "$work/results.jsonl" || true)
  python3 -c "d=$end-$start; print(f'  concurrency {$c:>3}: {$rows/d:7.0f} rows/s  ({d:.2f} s, {$ok} ok, exit $status)')"
  sed 's/^/      integ: /' "$work/summary.txt"
done
