# shellcheck shell=bash
# What test.sh checks: the gateway's routes, open (END_USER_AUTH=off) or
# as the throw-away end users, and that the internal functions refuse
# calls from outside. Sourced by test.sh, not run.

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
