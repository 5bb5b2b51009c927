#!/usr/bin/env bash
# Benchmark of `integ lint` on generated corpora: 1 file, 2,000 files and 10,000 files
# (1 provider, 5,000 profiles, 5,000 actions). Prints wall time and peak memory of the
# whole process; asserts nothing (targets are checked by people, not by CI timing).
#
#   bash benches/lint.sh            # builds target/release/integ first
#   INTEG=path/to/integ bash benches/lint.sh
set -euo pipefail
cd "$(dirname "$0")/.."

INTEG=${INTEG:-target/release/integ}
if [[ -z ${INTEG_SKIP_BUILD:-} && $INTEG == target/release/integ ]]; then
  cargo build --release -q -p integ-cli
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# gen DIR PROFILES ACTIONS: one provider file, PROFILES profile files, ACTIONS action files.
# Every 50th action is query-strict (like Update Contact); each profile sends locationId
# in the query of two actions (`only:`), so about 4% of the profiles hit a strict one and
# get an auth-field-rejected finding, and in the body of even actions only.
gen() {
  local dir=$1 profiles=$2 actions=$3
  mkdir -p "$dir/profiles" "$dir/actions"
  cat > "$dir/provider.yaml" <<'YAML'
apiVersion: integ/v1
kind: Provider
metadata: { name: highlevel, title: HighLevel }
spec:
  baseUrl: https://services.leadconnectorhq.com
  headers:
    Version: "2021-07-28"
  strict: { body: true, query: false }
  allowedHosts: [services.leadconnectorhq.com, marketplace.gohighlevel.com]
  rateLimit: { requests: 100, perSeconds: 10 }
  auth:
    oauth2:
      authorizationUrl: https://marketplace.gohighlevel.com/oauth/chooselocation
      tokenUrl: https://services.leadconnectorhq.com/oauth/token
      tokenParams: { user_type: Location }
      tokenFields: [locationId, companyId, userType, userId]
    modes:
      system: { developer: false, user: false }
      custom: { developer: true, user: true }
YAML
  awk -v dir="$dir" -v n="$actions" 'BEGIN {
    for (i = 0; i < n; i++) {
      f = sprintf("%s/actions/action_%05d.yaml", dir, i)
      strict = (i % 50 == 0) ? "  strict: { query: true }\n" : ""
      loc = (i % 2 == 0) ? ", locationId" : ""
      printf "# Generated action %d.\napiVersion: integ/v1\nkind: Action\nmetadata: { name: action_%d, title: Action %d }\nspec:\n  provider: highlevel\n  scopes: [contacts.write]\n%s  input:\n    type: object\n    required: [contactId]\n    properties:\n      contactId: { type: string, minLength: 1 }\n      email: { type: string, format: email }\n      name: { type: string }\n  request:\n    method: PUT\n    path: /contacts/{{ inputs.contactId }}\n    body:\n      email: \"{{ inputs.email }}\"\n      name: \"{{ inputs.name }}\"\n    accepts:\n      query: []\n      body: [email, name%s]\n  output:\n    select: /contact\n", i, i, i, strict, loc > f
      close(f)
    }
  }'
  awk -v dir="$dir" -v n="$profiles" -v a="$actions" 'BEGIN {
    for (j = 0; j < n; j++) {
      f = sprintf("%s/profiles/profile_%05d.yaml", dir, j)
      q1 = j % a; q2 = (j + 1) % a; b = (2 * j) % a
      printf "# Generated profile %d.\napiVersion: integ/v1\nkind: AuthProfile\nmetadata: { name: profile_%d }\nspec:\n  provider: highlevel\n  type: oauth2\n  ownership: custom\n  authorizedBy: user\n  oauth2:\n    clientId: ${env:HL_CLIENT_ID}\n    clientSecret: ${env:HL_CLIENT_SECRET}\n    authorizationUrl: https://marketplace.gohighlevel.com/oauth/chooselocation\n    tokenUrl: https://services.leadconnectorhq.com/oauth/token\n    scopes: [contacts.readonly, contacts.write]\n  fields:\n    - in: query\n      key: locationId\n      value: \"{{ token.locationId }}\"\n      only: [action_%d, action_%d]\n    - in: body\n      key: locationId\n      value: \"{{ token.locationId }}\"\n      only: [action_%d]\n    - in: header\n      key: X-Company\n      value: \"{{ token.companyId }}\"\n", j, j, q1, q2, b > f
      close(f)
    }
  }'
}

measure() {
  local label=$1 dir=$2
  local files
  files=$(find "$dir" -name '*.yaml' | wc -l)
  # Warm the page cache so the figure is integ's, not the disk's.
  "$INTEG" lint "$dir" --format json > /dev/null 2>&1 || true
  local out="$work/time.txt" status=0
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -v "$INTEG" lint "$dir" --format json > "$work/findings.json" 2> "$out" || status=$?
    local wall rss
    wall=$(grep 'Elapsed (wall clock)' "$out" | awk '{print $NF}')
    rss=$(grep 'Maximum resident set size' "$out" | awk '{print $NF}')
    printf '%-28s %6d files  wall %-9s  peak RSS %6.1f MB  exit %d  findings %d\n' \
      "$label" "$files" "$wall" "$(echo "$rss / 1024" | bc -l)" "$status" "$(grep -c '"rule"' "$work/findings.json" || true)"
  else
    python3 - "$INTEG" "$dir" "$label" "$files" <<'PY'
import resource, subprocess, sys, time
integ, d, label, files = sys.argv[1:]
t = time.monotonic()
p = subprocess.run([integ, "lint", d, "--format", "json"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{label:<28} {int(files):6d} files  wall {wall:.3f}s  peak RSS {rss:6.1f} MB  exit {p.returncode}")
PY
  fi
}

gen "$work/one" 0 0
measure "1 file (provider)" "$work/one"
gen "$work/two-thousand" 1000 999
measure "2,000 files" "$work/two-thousand"
gen "$work/ten-thousand" 5000 5000
measure "10,001 files (5k x 5k)" "$work/ten-thousand"
