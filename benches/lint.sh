#!/usr/bin/env bash
# Benchmark of `integ lint` (whole process, release build) on generated corpora: 1 file,
# 2,000 files and 10,001 files (1 provider, 5,000 profiles, 5,000 actions). Prints a table:
# files, median wall time, peak RSS, the target. Asserts nothing (noisy machines exist);
# people read the table. Needs bash, coreutils and the binary.
#
#   bash benches/lint.sh [RUNS]      # builds target/release/integ first (RUNS defaults to 5)
#   INTEG=path/to/integ bash benches/lint.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/common.sh

RUNS=${1:-5}
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
  local dir=$1 profiles=$2 actions=$3 i j strict loc
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
  for ((i = 0; i < actions; i++)); do
    strict=""
    ((i % 50 == 0)) && strict=$'  strict: { query: true }\n'
    loc=""
    ((i % 2 == 0)) && loc=", locationId"
    printf '# Generated action %d.\napiVersion: integ/v1\nkind: Action\nmetadata: { name: action_%d, title: Action %d }\nspec:\n  provider: highlevel\n  scopes: [contacts.write]\n%s  input:\n    type: object\n    required: [contactId]\n    properties:\n      contactId: { type: string, minLength: 1 }\n      email: { type: string, format: email }\n      name: { type: string }\n  request:\n    method: PUT\n    path: /contacts/{{ inputs.contactId }}\n    body:\n      email: "{{ inputs.email }}"\n      name: "{{ inputs.name }}"\n    accepts:\n      query: []\n      body: [email, name%s]\n  output:\n    select: /contact\n' \
      "$i" "$i" "$i" "$strict" "$loc" > "$(printf '%s/actions/action_%05d.yaml' "$dir" "$i")"
  done
  for ((j = 0; j < profiles; j++)); do
    printf '# Generated profile %d.\napiVersion: integ/v1\nkind: AuthProfile\nmetadata: { name: profile_%d }\nspec:\n  provider: highlevel\n  type: oauth2\n  ownership: custom\n  authorizedBy: user\n  oauth2:\n    clientId: ${env:HL_CLIENT_ID}\n    clientSecret: ${env:HL_CLIENT_SECRET}\n    authorizationUrl: https://marketplace.gohighlevel.com/oauth/chooselocation\n    tokenUrl: https://services.leadconnectorhq.com/oauth/token\n    scopes: [contacts.readonly, contacts.write]\n  fields:\n    - in: query\n      key: locationId\n      value: "{{ token.locationId }}"\n      only: [action_%d, action_%d]\n    - in: body\n      key: locationId\n      value: "{{ token.locationId }}"\n      only: [action_%d]\n    - in: header\n      key: X-Company\n      value: "{{ token.companyId }}"\n' \
      "$j" "$j" "$((j % actions))" "$(((j + 1) % actions))" "$(((2 * j) % actions))" \
      > "$(printf '%s/profiles/profile_%05d.yaml' "$dir" "$j")"
  done
}

gen "$work/one" 0 0
gen "$work/two-thousand" 1000 999
gen "$work/ten-thousand" 5000 5000

bench_header "integ lint --format json"
bench_row "1 file (provider)" 1 10 "$INTEG" lint "$work/one" --format json
bench_row "2,000 files" 2000 100 "$INTEG" lint "$work/two-thousand" --format json
bench_row "10,001 files (5k x 5k)" 10001 500 "$INTEG" lint "$work/ten-thousand" --format json
bench_row "startup (integ --version)" 0 10 "$INTEG" --version
