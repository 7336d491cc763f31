#!/usr/bin/env bash
# The independent validators of .ci/run (issue 10 "What must show"), on what the LIS really sends:
#   1. fhir.resources (FHIR R4) and hl7apy (strict) over what the end-to-end tests captured
#      (LIS_CAPTURE_DIR, see tests/src/capture.rs), by validate.py;
#   2. openapi-spec-validator over the OpenAPI document a live `lis serve` serves;
#   3. a bounded schemathesis run (every check) against that server, with a bearer token.
# Usage: tests/validators/run.sh CAPTURE_DIR LIS_BINARY. The validators are pinned in
# requirements-*.txt and installed from PyPI into venvs under target/validators, reinstalled when
# a requirements file changes. Bounded to a few minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
capture=$1
lis=$2
root=target/validators

venv() {
    local name=$1 req=tests/validators/requirements-$1.txt
    if ! cmp -s "$req" "$root/$name/.requirements"; then
        rm -rf "${root:?}/$name"
        python3 -m venv "$root/$name"
        "$root/$name/bin/pip" install --quiet --disable-pip-version-check -r "$req"
        cp "$req" "$root/$name/.requirements"
    fi
}
venv fhir
venv api

# Every validator runs; the step fails at the end if any failed, so one run reports them all.
failed=()

echo "-- FHIR resources and HL7 messages the end-to-end tests captured"
"$root/fhir/bin/python" tests/validators/validate.py "$capture" || failed+=(fhir-hl7)

echo "-- a live server"
data=$root/lis-data
rm -rf "$data"
mkdir -p "$data"
token=$("$lis" token create --data "$data" --name schemathesis \
    --scope orders:write,results:read,fhir:read | grep -o 'lis_[0-9a-f]*' | head -n1)
"$lis" serve --data "$data" --http 127.0.0.1:0 >"$data/serve.out" 2>"$data/serve.err" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
addr=
for _ in $(seq 1 100); do
    addr=$(grep -o 'http listening on [0-9.:]*' "$data/serve.err" | head -n1 | awk '{print $4}' || true)
    [ -n "$addr" ] && break
    kill -0 "$server" 2>/dev/null || { cat "$data/serve.err"; exit 1; }
    sleep 0.1
done
[ -n "$addr" ] || { echo "lis serve did not say where it listens"; cat "$data/serve.err"; exit 1; }
echo "lis serve on $addr"

echo "-- the OpenAPI document (openapi-spec-validator)"
if ! "$root/api/bin/python" - "http://$addr/api/openapi.json" "$data/openapi.json" <<'PY'
import sys, urllib.request
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename
urllib.request.urlretrieve(sys.argv[1], sys.argv[2])
spec, _ = read_from_filename(sys.argv[2])
validate(spec)
print(f"valid: OpenAPI {spec['openapi']} document, {len(spec['paths'])} paths")
PY
then
    failed+=(openapi)
fi

echo "-- schemathesis, every check, a bounded number of cases per operation"
# Run from target/validators: schemathesis keeps its cache (.schemathesis/) in the working directory.
(cd "$root" && timeout 300 api/bin/schemathesis run "http://$addr/api/openapi.json" \
    --checks all \
    --header "Authorization: Bearer $token" \
    --max-examples "${SCHEMATHESIS_EXAMPLES:-100}" \
    --seed 1 \
    --workers 2 \
    --request-timeout 10 \
    --no-color) || failed+=(schemathesis)

if ((${#failed[@]})); then
    echo "validators failed: ${failed[*]}"
    exit 1
fi
echo "validators passed"
