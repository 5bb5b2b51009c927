#!/usr/bin/env bash
# Benchmark of the runner against the sandbox with its rate limit off: requests per second
# of `get_contact` (validate inputs, build the request, send it with the retry policy) at
# concurrency 1, 4 and 16, in one process over real HTTP on 127.0.0.1. Then the same
# through the binary: `integ run` processes per second (process start, spec load and
# compile, token store, one request). Prints figures; asserts nothing.
#
#   bash benches/run.sh
#   RUN_BENCH_REQUESTS=20000 RUN_BENCH_PROCESSES=200 bash benches/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

echo "--- in-process runner (cargo bench -p integ-runner --bench run_throughput)"
cargo bench -q -p integ-runner --bench run_throughput

echo "--- integ run processes"
cargo build --release -q -p integ-cli
INTEG=$PWD/target/release/integ
work=$(mktemp -d)
sandbox_pid=
cleanup() {
  [[ -n $sandbox_pid ]] && kill "$sandbox_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18484)
"$INTEG" sandbox --port "$port" --auto-approve --no-rate-limit >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
base=http://127.0.0.1:$port
for _ in $(seq 100); do curl -s -o /dev/null "$base/" 2>/dev/null && break; sleep 0.05; done

mkdir -p "$work/specs"
cp -r specs/highlevel/provider.yaml specs/highlevel/actions "$work/specs/"
mkdir -p "$work/specs/profiles"
sed -e "s#https://marketplace.gohighlevel.com#$base#; s#https://services.leadconnectorhq.com#$base#g" \
    -e "s#^  authorizedBy: user#  authorizedBy: user\n  baseUrl: $base#" \
    specs/highlevel/profiles/highlevel-custom-user.yaml >"$work/specs/profiles/user.yaml"

export INTEG_STATE_DIR=$work/state HL_CLIENT_ID=sandbox-client HL_CLIENT_SECRET=sandbox-secret CI=1
"$INTEG" auth login --profile highlevel-custom-user --specs "$work/specs" --no-browser >"$work/login.out" 2>"$work/login.log" &
login_pid=$!
for _ in $(seq 100); do url=$(grep -o 'http://127.0.0.1[^ ]*chooselocation[^ ]*' "$work/login.log" || true); [[ -n $url ]] && break; sleep 0.05; done
curl -s -L -o /dev/null "$url&sandbox_approve=1"
wait "$login_pid"

id=$("$INTEG" run create_contact --profile highlevel-custom-user --specs "$work/specs" -i email=bench@example.com \
     | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
n=${RUN_BENCH_PROCESSES:-100}
start=$(date +%s.%N)
for _ in $(seq "$n"); do
  "$INTEG" run get_contact --profile highlevel-custom-user --specs "$work/specs" -i "contactId=$id" >/dev/null
done
end=$(date +%s.%N)
python3 -c "d=$end-$start; print(f'  {$n} sequential integ run get_contact: {$n/d:.0f} processes/s ({d*1000/$n:.1f} ms each)')"
