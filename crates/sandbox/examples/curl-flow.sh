#!/usr/bin/env bash
# The whole HighLevel flow against a local sandbox with nothing but curl: authorize, exchange
# the code for tokens, create a contact, read it back.
#
#   integ sandbox --auto-approve &            # or: cargo run -- sandbox --auto-approve &
#   crates/sandbox/examples/curl-flow.sh      # [BASE_URL], default http://127.0.0.1:8484
#
# With --auto-approve the consent page is skipped: the authorize URL redirects straight back
# to the redirect URI with a code. Nothing has to listen on that URI; curl only reads the
# redirect. The sandbox's app accepts any http://127.0.0.1:PORT/ redirect URI (RFC 8252).
set -euo pipefail

base=${1:-${BASE_URL:-http://127.0.0.1:8484}}
base=${base%/}
client_id=${CLIENT_ID:-sandbox-client}
client_secret=${CLIENT_SECRET:-sandbox-secret}
redirect_uri=http://127.0.0.1:53682/callback

# The value of a string field of a one-line JSON document (no jq needed).
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }

echo "1. authorize: GET $base/oauth/chooselocation"
redirect=$(curl -sS -o /dev/null -w '%{redirect_url}' -G "$base/oauth/chooselocation" \
  --data-urlencode response_type=code \
  --data-urlencode "client_id=$client_id" \
  --data-urlencode "redirect_uri=$redirect_uri" \
  --data-urlencode "scope=contacts.readonly contacts.write" \
  --data-urlencode state=curl-flow)
code=$(printf '%s' "$redirect" | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p')
if [ -z "$code" ]; then
  echo "no code in the redirect ('$redirect'): is the sandbox running with --auto-approve?" >&2
  exit 1
fi
echo "   redirected to $redirect_uri?code=...&state=curl-flow"

echo "2. token: POST $base/oauth/token (grant_type=authorization_code)"
tokens=$(curl -sS --fail-with-body "$base/oauth/token" \
  --data-urlencode grant_type=authorization_code \
  --data-urlencode "client_id=$client_id" \
  --data-urlencode "client_secret=$client_secret" \
  --data-urlencode "code=$code" \
  --data-urlencode "redirect_uri=$redirect_uri" \
  --data-urlencode user_type=Location)
access_token=$(printf '%s' "$tokens" | field access_token)
location_id=$(printf '%s' "$tokens" | field locationId)
echo "   got a Bearer token for location $location_id"

email="ada.$(date +%s).$$@example.com"
echo "3. create: POST $base/contacts/"
created=$(curl -sS --fail-with-body -X POST "$base/contacts/" \
  -H "Authorization: Bearer $access_token" \
  -H "Version: 2021-07-28" \
  -H "Content-Type: application/json" \
  -d "{\"locationId\":\"$location_id\",\"firstName\":\"Ada\",\"lastName\":\"Lovelace\",\"email\":\"$email\"}")
contact_id=$(printf '%s' "$created" | field id)
echo "   created contact $contact_id"

echo "4. get: GET $base/contacts/$contact_id"
curl -sS --fail-with-body "$base/contacts/$contact_id" \
  -H "Authorization: Bearer $access_token" \
  -H "Version: 2021-07-28"
echo
