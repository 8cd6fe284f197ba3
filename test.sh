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
#        Each URL must be https (http only to localhost, 127.0.0.1 or [::1]), the
#        emulator on this machine, the project a project id: checked before any request.
# Needs: curl, node (for reading JSON)
# Prints one line per check and a last line "N passed, M failed"; exits 1 if any failed.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/common.sh
source scripts/common.sh
# shellcheck source=scripts/test-checks.sh
source scripts/test-checks.sh
# shellcheck source=scripts/test-routes.sh
source scripts/test-routes.sh
# shellcheck source=scripts/test-end-users.sh
source scripts/test-end-users.sh
# shellcheck source=scripts/test-cleanup.sh
source scripts/test-cleanup.sh

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

# same_local_url A B: both name the same port on this machine.
same_local_url() {
  node -e '
    const [a, b] = process.argv.slice(1).map(u => new URL(u));
    const local = h => ["localhost", "127.0.0.1", "[::1]"].includes(h);
    process.exit(local(a.hostname) && local(b.hostname) && a.port === b.port ? 0 : 1);
  ' "$1" "$2" 2>/dev/null
}

# Every URL and name test.sh sends to or builds requests from, checked
# before its first request: the admin access token and the end users'
# tokens go to these URLs, and the project id into their paths.
require_input() {
  local name var
  require_project_id
  require_https_url GATEWAY_URL "${GATEWAY_URL}"
  for name in $(internal_functions); do
    var="$(url_variable "${name}")"
    [[ -z "${!var:-}" ]] || require_https_url "${var}" "${!var}"
  done
  [[ -z "${IDENTITY_TOOLKIT_URL:-}" ]] || require_https_url IDENTITY_TOOLKIT_URL "${IDENTITY_TOOLKIT_URL}"
  [[ -z "${FIRESTORE_EMULATOR_HOST:-}" ]] || require_loopback_host FIRESTORE_EMULATOR_HOST "${FIRESTORE_EMULATOR_HOST}"
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
    require_region
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
  [[ "${END_USER_AUTH}" == off ]] ||
    IDENTITY_TOOLKIT_URL="${IDENTITY_TOOLKIT_URL:-https://identitytoolkit.googleapis.com}"
  require_input
  echo "Testing ${GATEWAY_URL}"
  if [[ "${END_USER_AUTH}" != off ]]; then
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
