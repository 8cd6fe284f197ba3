# shellcheck shell=bash
# test.sh's checks: a request to a function, a value read from its JSON
# answer, one check recorded (PASS or FAIL), a gateway route checked as an
# end user. Sourced by test.sh, not run; keeps its state in test.sh's
# variables (PASSED, FAILED, STATUS, BODY, TYPE, AS, CREATED_ORDER).

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
  # shellcheck disable=SC2034 # read by the route checks (test-routes.sh)
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
