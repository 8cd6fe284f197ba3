#!/usr/bin/env bash
#
# Smoke-tests a running deployment end to end through the gateway, checking
# each route's status and body, that the internal functions (ingress not
# "all" in topology.json) refuse calls from outside, and cleaning up the
# order it creates.
#
# Usage: ./test.sh                 the deployment of PROJECT_ID/REGION (URLs from gcloud)
#        ./test.sh GATEWAY_URL     that gateway, e.g. http://localhost:8080
#
# Env:   PROJECT_ID, REGION        for gcloud (default: gcloud config, us-central1)
#        USER_URL, ORDER_URL       the internal functions (<NAME>_URL), to check they refuse outside calls
#                                  (with GATEWAY_URL; read from .local/stack.json when it
#                                  describes that gateway)
#        FIRESTORE_EMULATOR_HOST   where the created order is deleted from, locally
# Needs: curl, node (for reading JSON)
# Prints one line per check and a last line "N passed, M failed"; exits 1 if any failed.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/common.sh
source scripts/common.sh

PASSED=0
FAILED=0
STATUS=""
BODY=""
TYPE=""
CREATED_ORDER=""
IDEMPOTENCY_KEY="test-sh-$$-$(date +%s)"

# request METHOD URL [BODY]: sets STATUS, TYPE and BODY.
request() {
  local method="$1" url="$2" data="${3:-}" out
  local args=(-sS -X "${method}" -o /dev/stdout -w '\n%{http_code} %{content_type}' --max-time 30)
  if [[ -n "${data}" ]]; then
    args+=(-H 'Content-Type: application/json' -H "Idempotency-Key: ${IDEMPOTENCY_KEY}" --data "${data}")
  fi
  out="$(curl "${args[@]}" "${url}" 2>/dev/null || printf '\n000 none')"
  BODY="${out%$'\n'*}"
  local last="${out##*$'\n'}"
  STATUS="${last%% *}"
  TYPE="${last#* }"
}

# json EXPR: evaluates a JavaScript expression over the body `d`; prints the result.
json() {
  BODY="${BODY}" node -e '
    let d; try { d = JSON.parse(process.env.BODY); } catch { process.exit(3); }
    const v = (new Function("d", "return (" + process.argv[1] + ")"))(d);
    process.stdout.write(typeof v === "string" ? v : JSON.stringify(v));
  ' "$1" 2>/dev/null || echo "<no value>"
}

# expect NAME CONDITION-RESULT DETAIL: records one check.
expect() {
  local name="$1" ok="$2" detail="$3"
  if [[ "${ok}" == true ]]; then
    PASSED=$((PASSED + 1))
    echo "PASS  ${name}"
  else
    FAILED=$((FAILED + 1))
    echo "FAIL  ${name}: ${detail}"
  fi
}

# check_route NAME METHOD PATH STATUS JS-CONDITION [BODY]
check_route() {
  local name="$1" method="$2" path="$3" want="$4" condition="$5" data="${6:-}"
  request "${method}" "${GATEWAY_URL}${path}" "${data}"
  local holds
  holds="$(json "${condition}")"
  if [[ "${STATUS}" == "${want}" && "${holds}" == true ]]; then
    expect "${name}" true ""
  else
    expect "${name}" false "got ${STATUS}, condition ${condition} is ${holds}; body: ${BODY:0:300}"
  fi
}

check_gateway() {
  check_route "health check names the gateway" GET / 200 'd.service === "gateway" && d.status === "ok"'
  check_route "users are listed" GET /api/users 200 \
    'd.source === "gateway" && d.data.users.some(u => u.id === "user-001")'
  check_route "Alice is found" GET /api/users/user-001 200 'd.data.user.name === "Alice Johnson"'
  check_route "an unknown user is a 404 problem" GET /api/users/no-such-user-test-sh 404 \
    'd.status === 404 && typeof d.requestId === "string"'
  expect "errors are application/problem+json" \
    "$([[ "${TYPE}" == application/problem+json* ]] && echo true || echo false)" "got ${TYPE}"
  check_route "an order is created with a computed total" POST /api/orders 201 \
    'd.data.order.total === 67.95 && d.data.order.status === "pending"' \
    '{"userId":"user-001","items":[{"product":"Widget C","quantity":3,"price":15.99},{"product":"Accessory D","quantity":2,"price":9.99}]}'
  CREATED_ORDER="$(json 'd.data.order.id')"
  check_route "the new order is listed" GET "/api/orders?userId=user-001&limit=100" 200 \
    "d.data.orders.some(o => o.id === '${CREATED_ORDER}')"
  check_route "mesh route crosses three hops" GET /api/user-orders/user-001 200 \
    'JSON.stringify(d.mesh_path) === JSON.stringify(["gateway","user","order"]) && d.data.user.id === "user-001" && d.data.orders.count >= 1'
  check_route "direct route has user and orders" GET /api/user-orders-direct/user-001 200 \
    'd.data.user.id === "user-001" && Array.isArray(d.data.orders.items)'
  check_route "aggregate has users, orders and stats" GET /api/aggregate 200 \
    'd.data.users && d.data.orders && d.data.stats && !d.errors'
}

# Outside callers must be refused by every function whose ingress is not
# "all": by ingress on Google Cloud and in the local stack's cloud mode (404),
# by the function itself in its verify mode (401/403).
check_internal_refused() {
  local name url
  for name in $(internal_functions); do
    url="$(url_variable "${name}")"
    url="${!url:-}"
    if [[ -z "${url}" ]]; then
      echo "SKIP  ${name} refuses outside calls: its URL is unknown (set $(url_variable "${name}"))"
      continue
    fi
    request GET "${url}/"
    case "${STATUS}" in
      401 | 403 | 404) expect "${name} refuses a call from outside (${STATUS})" true "" ;;
      *) expect "${name} refuses a call from outside" false "got ${STATUS}" ;;
    esac
  done
}

# The functions whose ingress is not "all".
internal_functions() {
  local name
  for name in "${FUNCTIONS[@]}"; do
    [[ "${INGRESS[${name}]}" == all ]] || echo "${name}"
  done
}

# The variable that holds a function's URL: user -> USER_URL.
url_variable() {
  local name="${1^^}"
  echo "${name//-/_}_URL"
}

# Deletes the created order and its idempotency record, through Firestore's
# REST API: the public API has no delete, by design.
cleanup_created() {
  [[ -n "${CREATED_ORDER}" && "${CREATED_ORDER}" != "<no value>" ]] || return 0
  local key_doc base auth
  key_doc="$(printf '%s' "${IDEMPOTENCY_KEY}" | sha256sum | cut -d' ' -f1)"
  if [[ -n "${FIRESTORE_EMULATOR_HOST:-}" ]]; then
    base="http://${FIRESTORE_EMULATOR_HOST}/v1/projects/${PROJECT_ID}/databases/(default)/documents"
    auth="Authorization: Bearer owner"
  elif [[ "${REMOTE}" == true ]]; then
    base="https://firestore.googleapis.com/v1/projects/${PROJECT_ID}/databases/(default)/documents"
    auth="Authorization: Bearer $(gcloud auth print-access-token)"
  else
    echo "SKIP  cleanup: set FIRESTORE_EMULATOR_HOST to delete order ${CREATED_ORDER}"
    return 0
  fi
  if curl -sSf -X DELETE -H "${auth}" "${base}/orders/${CREATED_ORDER}" >/dev/null &&
    curl -sSf -X DELETE -H "${auth}" "${base}/orderIdempotencyKeys/${key_doc}" >/dev/null; then
    echo "      cleaned up order ${CREATED_ORDER}"
  else
    err "could not delete order ${CREATED_ORDER}"
  fi
}

# same_local_url A B: both name the same port on this machine.
same_local_url() {
  node -e '
    const [a, b] = process.argv.slice(1).map(u => new URL(u));
    const local = h => ["localhost", "127.0.0.1", "[::1]"].includes(h);
    process.exit(local(a.hostname) && local(b.hostname) && a.port === b.port ? 0 : 1);
  ' "$1" "$2" 2>/dev/null
}

main() {
  case "${1:-}" in
    -h | --help) usage; exit 0 ;;
  esac
  local name var
  REMOTE=false
  if [[ $# -ge 1 ]]; then
    GATEWAY_URL="${1%/}"
    local stack=.local/stack.json
    if [[ -f "${stack}" ]] && same_local_url "$(node -p "require('./${stack}').gateway")" "${GATEWAY_URL}"; then
      for name in $(internal_functions); do
        var="$(url_variable "${name}")"
        [[ -n "${!var:-}" ]] || printf -v "${var}" '%s' "$(node -p "require('./${stack}')['${name}']")"
      done
      FIRESTORE_EMULATOR_HOST="${FIRESTORE_EMULATOR_HOST:-$(node -p "require('./${stack}').firestore")}"
      PROJECT_ID="${PROJECT_ID:-$(node -p "require('./${stack}').projectId")}"
    fi
    PROJECT_ID="${PROJECT_ID:-local-s2s}"
  else
    REMOTE=true
    resolve_project
    GATEWAY_URL="$(function_url gateway)"
    for name in $(internal_functions); do
      printf -v "$(url_variable "${name}")" '%s' "$(function_url "${name}")"
    done
    if [[ -z "${GATEWAY_URL}" ]]; then
      err "no gateway function in ${PROJECT_ID}/${REGION}: run ./deploy.sh first"
      exit 2
    fi
  fi
  echo "Testing ${GATEWAY_URL}"
  check_gateway
  check_internal_refused
  cleanup_created
  echo "${PASSED} passed, ${FAILED} failed"
  [[ "${FAILED}" -eq 0 ]]
}

main "$@"
