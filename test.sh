#!/usr/bin/env bash
#
# Smoke-tests a running deployment end to end through the gateway, checking
# each route's status and body, who may see what (two throw-away end users
# signed up through the Identity Toolkit REST API, one made an admin through
# accounts:update: own data 200, another's refused, no token 401), that the
# internal functions (ingress not "all" in topology.json) refuse calls from
# outside, and cleaning up the users, profiles and order it creates.
#
# Usage: ./test.sh                 the deployment of PROJECT_ID/REGION (URLs from gcloud)
#        ./test.sh GATEWAY_URL     that gateway, e.g. http://localhost:8080
#
# Env:   PROJECT_ID, REGION        for gcloud (default: gcloud config, us-central1)
#        USER_URL, ORDER_URL       the internal functions (<NAME>_URL), to check they refuse outside calls
#                                  (with GATEWAY_URL; read from .local/stack.json when it
#                                  describes that gateway)
#        FIRESTORE_EMULATOR_HOST   where the created order is deleted from, locally
#        STACK_MODE                the local stack's mode (cloud: ingress answers 404 from outside;
#                                  verify: the function's own 401); cloud by default
#        END_USER_AUTH             off: the deployment has no end-user checks (the original demo's open API)
#        IDENTITY_TOOLKIT_URL      Identity Toolkit's base (https://identitytoolkit.googleapis.com)
#        API_KEY                   the API key for sign-up and sign-in (default: the key deploy.sh made)
#        ADMIN_ACCESS_TOKEN        a token for accounts:update/delete (default: gcloud auth print-access-token)
#        (all four read from .local/stack.json when it describes GATEWAY_URL)
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
RUN_ID="test-sh-$$-$(date +%s)"
IDEMPOTENCY_KEY="${RUN_ID}"
# The end user of the next request: a variable naming an ID token, or empty for none.
AS=""
# The throw-away end users: their ID tokens, uids and emails.
USER_TOKEN="" USER_UID="" USER_EMAIL="${RUN_ID}-user@example.com"
ADMIN_TOKEN="" ADMIN_UID="" ADMIN_EMAIL="${RUN_ID}-admin@example.com"

# request METHOD URL [BODY]: sets STATUS, TYPE and BODY. Sends the ID token
# in the variable AS names, if any (on curl's standard input: curl_bearer).
request() {
  local method="$1" url="$2" data="${3:-}" out
  local args=(-sS -X "${method}" -o /dev/stdout -w '\n%{http_code} %{content_type}' --max-time 30)
  if [[ -n "${data}" ]]; then
    args+=(-H 'Content-Type: application/json' -H "Idempotency-Key: ${IDEMPOTENCY_KEY}" --data "${data}")
  fi
  if [[ -n "${AS}" ]]; then
    out="$(curl_bearer "${!AS}" "${args[@]}" "${url}" 2>/dev/null || printf '\n000 none')"
  else
    out="$(curl "${args[@]}" "${url}" 2>/dev/null || printf '\n000 none')"
  fi
  BODY="${out%$'\n'*}"
  local last="${out##*$'\n'}"
  STATUS="${last%% *}"
  TYPE="${last#* }"
}

# json EXPR: evaluates EXPR, a JavaScript expression written in this script
# (a literal, never built from what anything answered), over the body `d`
# (parsed as JSON) and `v`, the values this run has learnt (v.order,
# v.user, v.admin, v.userEmail). What a server sends reaches the expression
# only as data, in d and v: never as code. Prints the result.
json() {
  BODY="${BODY}" V_ORDER="${CREATED_ORDER}" V_USER="${USER_UID}" V_ADMIN="${ADMIN_UID}" \
    V_USER_EMAIL="${USER_EMAIL}" node -e '
    let d; try { d = JSON.parse(process.env.BODY); } catch { process.exit(3); }
    const e = process.env;
    const v = {order: e.V_ORDER, user: e.V_USER, admin: e.V_ADMIN, userEmail: e.V_USER_EMAIL};
    const r = (new Function("d", "v", "return (" + process.argv[1] + ")"))(d, v);
    process.stdout.write(typeof r === "string" ? r : JSON.stringify(r));
  ' "$1" 2>/dev/null || echo "<no value>"
}

# created_order: the id of the order the last answer created, once it is
# known to be an id (is_id), else empty with a failed check: a value from an
# answer goes into a URL or a document path only as an id.
created_order() {
  local id
  id="$(json 'd.data.order.id')"
  if is_id "${id}"; then
    CREATED_ORDER="${id}"
  else
    CREATED_ORDER=""
    expect "the created order is named by an id" false "got ${id:0:80}"
  fi
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

# as WHO NAME METHOD PATH STATUS JS-CONDITION [BODY]: check_route as an
# end user: USER, ADMIN, or NOBODY (no token).
as() {
  local who="$1"
  shift
  case "${who}" in
    NOBODY) AS="" ;;
    *) AS="${who}_TOKEN" ;;
  esac
  check_route "$@"
  AS=""
}

# The original demo's routes, as an end user would use them when END_USER_AUTH=off.
check_gateway_open() {
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
  created_order
  check_route "the new order is listed" GET "/api/orders?userId=user-001&limit=100" 200 \
    'd.data.orders.some(o => o.id === v.order)'
  check_route "mesh route crosses three hops" GET /api/user-orders/user-001 200 \
    'JSON.stringify(d.mesh_path) === JSON.stringify(["gateway","user","order"]) && d.data.user.id === "user-001" && d.data.orders.count >= 1'
  check_route "direct route has user and orders" GET /api/user-orders-direct/user-001 200 \
    'd.data.user.id === "user-001" && Array.isArray(d.data.orders.orders)'
  check_route "aggregate has users, orders and stats" GET /api/aggregate 200 \
    'd.data.users && d.data.orders && d.data.stats && !d.errors'
}

# The routes with end-user checks on: a user sees their own data only, an
# admin everything, nobody without a token anything but the health check.
check_gateway_end_users() {
  as USER "a user creates their own profile" POST /api/users 201 \
    "d.data.user.id === v.user && d.data.user.email === v.userEmail && d.data.user.role === 'viewer'" \
    '{"name":"Test User"}'
  as ADMIN "an admin creates any profile" POST /api/users 201 'd.data.user.id === v.admin' \
    "{\"id\":\"${ADMIN_UID}\",\"name\":\"Test Admin\",\"email\":\"${ADMIN_EMAIL}\"}"
  as NOBODY "no token is a 401 problem" GET "/api/users/${USER_UID}" 401 'd.status === 401'
  expect "errors are application/problem+json" \
    "$([[ "${TYPE}" == application/problem+json* ]] && echo true || echo false)" "got ${TYPE}"
  as USER "a user reads their own profile" GET "/api/users/${USER_UID}" 200 'd.data.user.id === v.user'
  as USER "another user's profile is a 404, as a missing one" GET "/api/users/${ADMIN_UID}" 404 'd.status === 404'
  as USER "a user may not list users" GET /api/users 403 'd.status === 403'
  as ADMIN "an admin lists users" GET /api/users 200 'd.data.users.some(u => u.id === v.user)'
  as USER "a user places an order for themselves, total computed" POST /api/orders 201 \
    "d.data.order.total === 67.95 && d.data.order.status === 'pending' && d.data.order.userId === v.user" \
    '{"items":[{"product":"Widget C","quantity":3,"price":15.99},{"product":"Accessory D","quantity":2,"price":9.99}]}'
  created_order
  as USER "a user may not order for someone else" POST /api/orders 403 'd.status === 403' \
    "{\"userId\":\"${ADMIN_UID}\",\"items\":[{\"product\":\"x\",\"quantity\":1,\"price\":1}]}"
  as USER "a user lists only their own orders" GET "/api/orders?limit=100" 200 \
    'd.data.orders.some(o => o.id === v.order) && d.data.orders.every(o => o.userId === v.user)'
  as USER "a user asking for another's orders gets none" GET "/api/orders?userId=${ADMIN_UID}" 200 \
    'd.data.orders.length === 0'
  as USER "mesh route crosses three hops" GET "/api/user-orders/${USER_UID}" 200 \
    "JSON.stringify(d.mesh_path) === JSON.stringify(['gateway','user','order']) && d.data.orders.orders.some(o => o.id === v.order)"
  as USER "direct route has user and orders" GET "/api/user-orders-direct/${USER_UID}" 200 \
    'd.data.user.id === v.user && Array.isArray(d.data.orders.orders)'
  as USER "another user's mesh route is a 404" GET "/api/user-orders/${ADMIN_UID}" 404 'd.status === 404'
  as ADMIN "an admin reads any user's mesh route" GET "/api/user-orders/${USER_UID}" 200 \
    'd.data.user.id === v.user'
  as USER "a user may not aggregate" GET /api/aggregate 403 'd.status === 403'
  as ADMIN "an admin aggregates users, orders and stats" GET /api/aggregate 200 \
    'd.data.users && d.data.orders && d.data.stats && !d.errors'
  as USER "a user cancels their own pending order" PATCH "/api/orders/${CREATED_ORDER}/status" 200 \
    "d.data.order.status === 'cancelled'" '{"status":"cancelled"}'
}

check_gateway() {
  check_route "health check names the gateway" GET / 200 'd.service === "gateway" && d.status === "ok"'
  if [[ "${END_USER_AUTH}" == off ]]; then
    check_gateway_open
  else
    check_gateway_end_users
  fi
}

# toolkit PATH BODY [ADMIN]: POSTs to the Identity Toolkit REST API; prints
# the body. With ADMIN (any word), as the admin API: with the access token.
toolkit() {
  local path="$1" data="$2" args=(-sS -X POST -H 'Content-Type: application/json' --max-time 30)
  if [[ -n "${3:-}" ]]; then
    args+=(-H "X-Goog-User-Project: ${PROJECT_ID}")
    path="/v1/projects/${PROJECT_ID}${path#/v1}"
    curl_bearer "${ADMIN_ACCESS_TOKEN}" "${args[@]}" --data "${data}" \
      "${IDENTITY_TOOLKIT_URL}${path}" 2>/dev/null || true
    return
  fi
  curl "${args[@]}" --data "${data}" "${IDENTITY_TOOLKIT_URL}${path}" 2>/dev/null || true
}

# sign_in EMAIL PASSWORD ENDPOINT: prints "uid token" from signUp or
# signInWithPassword, or nothing when the answer's uid is not an id or its
# token not a JWT: both go into URLs, documents and headers from here.
sign_in() {
  local uid token
  BODY="$(toolkit "/v1/accounts:$3?key=${API_KEY}" \
    "{\"email\":\"$1\",\"password\":\"$2\",\"returnSecureToken\":true}")"
  uid="$(json 'd.localId')"
  token="$(json 'd.idToken')"
  if is_id "${uid}" && [[ "${token}" =~ ^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$ ]]; then
    printf '%s %s' "${uid}" "${token}"
  fi
}

# verify_email UID: marks the address of end user UID verified, through the
# admin API, as following the link of Identity Platform's verification mail
# would: a profile takes its email only from a verified sign-in.
verify_email() {
  BODY="$(toolkit /v1/accounts:update "{\"localId\":\"$1\",\"emailVerified\":true}" admin)"
}

# Signs up the two throw-away end users and makes one an admin (the custom
# claim role: "admin", through the admin API), then signs it in again for a
# token that carries the claim.
create_end_users() {
  local password
  password="$(node -p 'require("node:crypto").randomBytes(12).toString("base64url")')"
  read -r USER_UID USER_TOKEN <<<"$(sign_in "${USER_EMAIL}" "${password}" signUp)"
  read -r ADMIN_UID ADMIN_TOKEN <<<"$(sign_in "${ADMIN_EMAIL}" "${password}" signUp)"
  if [[ -n "${USER_UID}" ]]; then
    verify_email "${USER_UID}"
    read -r USER_UID USER_TOKEN <<<"$(sign_in "${USER_EMAIL}" "${password}" signInWithPassword)"
  fi
  if [[ -n "${ADMIN_UID}" ]]; then
    BODY="$(toolkit /v1/accounts:update \
      "{\"localId\":\"${ADMIN_UID}\",\"customAttributes\":\"{\\\"role\\\":\\\"admin\\\"}\"}" admin)"
    read -r ADMIN_UID ADMIN_TOKEN <<<"$(sign_in "${ADMIN_EMAIL}" "${password}" signInWithPassword)"
  fi
  if [[ -n "${USER_TOKEN}" && -n "${ADMIN_TOKEN}" ]]; then
    expect "two end users signed up, one verified, one made an admin" true ""
  else
    expect "two end users signed up, one verified, one made an admin" false "Identity Toolkit answered: ${BODY:0:300}"
  fi
}

# Outside callers must be refused by every function whose ingress is not
# "all": by ingress on Google Cloud and in the local stack's cloud mode
# (404, and only 404: a function deployed with --ingress-settings=all would
# answer 403), by the function itself in the local verify mode (401).
check_internal_refused() {
  local name url want by
  if [[ "${REMOTE}" == true || "${STACK_MODE}" == cloud ]]; then
    want=404 by="ingress"
  else
    want=401 by="the function's own token check (verify mode: no ingress)"
  fi
  for name in $(internal_functions); do
    url="$(url_variable "${name}")"
    url="${!url:-}"
    if [[ -z "${url}" ]]; then
      echo "SKIP  ${name} refuses outside calls: its URL is unknown (set $(url_variable "${name}"))"
      continue
    fi
    request GET "${url}/"
    if [[ "${STATUS}" == "${want}" ]]; then
      expect "${name} refuses a call from outside: ${want}, by ${by}" true ""
    else
      expect "${name} refuses a call from outside: ${want}, by ${by}" false "got ${STATUS}"
    fi
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

# sha256 TEXT: the hex digest, as the functions name documents by hashes.
sha256() {
  printf '%s' "$1" | sha256sum | cut -d' ' -f1
}

# Deletes what the checks created, through Firestore's REST API (the public
# API has no delete, by design) and Identity Toolkit's admin API: the order
# and its idempotency record, the two profiles with their email claims, and
# the two sign-in accounts.
cleanup_created() {
  local docs=() base token doc uid key_owner=""
  if [[ -n "${CREATED_ORDER}" ]]; then
    # Keys are scoped to the end user who sent them (access.ts, scopedKey).
    [[ "${END_USER_AUTH}" == off ]] || key_owner="${USER_UID}"
    docs+=("orders/${CREATED_ORDER}"
      "orderIdempotencyKeys/$(sha256 "[\"${key_owner}\",\"${IDEMPOTENCY_KEY}\"]")")
  fi
  [[ -z "${USER_UID}" ]] || docs+=("users/${USER_UID}" "userEmails/$(sha256 "${USER_EMAIL}")")
  [[ -z "${ADMIN_UID}" ]] || docs+=("users/${ADMIN_UID}" "userEmails/$(sha256 "${ADMIN_EMAIL}")")
  if [[ -n "${FIRESTORE_EMULATOR_HOST:-}" ]]; then
    base="http://${FIRESTORE_EMULATOR_HOST}/v1/projects/${PROJECT_ID}/databases"
    token=owner
  elif [[ "${REMOTE}" == true ]]; then
    base="https://firestore.googleapis.com/v1/projects/${PROJECT_ID}/databases"
    token="$(gcloud auth print-access-token)"
  else
    echo "SKIP  cleanup: set FIRESTORE_EMULATOR_HOST to delete ${docs[*]}"
    docs=()
  fi
  for doc in "${docs[@]}"; do
    # Each document in the database of the function that keeps its collection.
    if curl_bearer "${token}" -sSf -X DELETE "${base}/$(database_of "${doc%%/*}")/documents/${doc}" >/dev/null; then
      echo "      cleaned up ${doc}"
    else
      err "could not delete ${doc}"
    fi
  done
  for uid in ${USER_UID} ${ADMIN_UID}; do
    BODY="$(toolkit /v1/accounts:delete "{\"localId\":\"${uid}\"}" admin)"
    if [[ "$(json 'd.kind')" == identitytoolkit#DeleteAccountResponse ]]; then
      echo "      cleaned up end user ${uid}"
    else
      err "could not delete end user ${uid}: ${BODY:0:200}"
    fi
  done
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
    if [[ -f "${stack}" ]] && same_local_url "$(node -p "require('./${stack}').urls.gateway")" "${GATEWAY_URL}"; then
      for name in $(internal_functions); do
        var="$(url_variable "${name}")"
        [[ -n "${!var:-}" ]] || printf -v "${var}" '%s' "$(node -p "require('./${stack}').urls['${name}']")"
      done
      FIRESTORE_EMULATOR_HOST="${FIRESTORE_EMULATOR_HOST:-$(node -p "require('./${stack}').firestore")}"
      PROJECT_ID="${PROJECT_ID:-$(node -p "require('./${stack}').projectId")}"
      END_USER_AUTH="${END_USER_AUTH:-$(node -p "require('./${stack}').endUsers.auth")}"
      STACK_MODE="${STACK_MODE:-$(node -p "require('./${stack}').mode")}"
      IDENTITY_TOOLKIT_URL="${IDENTITY_TOOLKIT_URL:-$(node -p "require('./${stack}').endUsers.identityToolkit")}"
      API_KEY="${API_KEY:-$(node -p "require('./${stack}').endUsers.apiKey")}"
      ADMIN_ACCESS_TOKEN="${ADMIN_ACCESS_TOKEN:-$(node -p "require('./${stack}').endUsers.adminToken")}"
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
  END_USER_AUTH="${END_USER_AUTH:-on}"
  STACK_MODE="${STACK_MODE:-cloud}"
  echo "Testing ${GATEWAY_URL}"
  if [[ "${END_USER_AUTH}" != off ]]; then
    IDENTITY_TOOLKIT_URL="${IDENTITY_TOOLKIT_URL:-https://identitytoolkit.googleapis.com}"
    [[ -n "${API_KEY:-}" ]] || API_KEY="$(end_user_api_key)"
    [[ -n "${ADMIN_ACCESS_TOKEN:-}" ]] || ADMIN_ACCESS_TOKEN="$(gcloud auth print-access-token 2>/dev/null || true)"
    create_end_users
  fi
  check_gateway
  check_internal_refused
  cleanup_created
  echo "${PASSED} passed, ${FAILED} failed"
  [[ "${FAILED}" -eq 0 ]]
}

main "$@"
