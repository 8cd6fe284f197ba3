#!/usr/bin/env bash
#
# Deploys the gateway, user and order functions to Google Cloud Functions
# (2nd gen), each under its own service account, with user and order
# reachable only from inside the VPC and only by the callers allowed to call
# them, and Identity Platform for end users (email/password sign-in, an API
# key for it), whose ID tokens every function checks. Safe to run again:
# every resource is checked before it is created.
#
# Env:   PROJECT_ID          project (default: gcloud config get-value project)
#        REGION              region (default: us-central1)
#        CONNECTOR           Serverless VPC Access connector name (default: s2s-connector)
#        CONNECTOR_RANGE     its /28 range (default: 10.8.0.0/28)
#        NETWORK             its VPC network (default: default)
#        FIRESTORE_LOCATION  location of a new Firestore database (default: REGION)
#        IDENTITY_TOOLKIT_URL  Identity Platform's API (default: https://identitytoolkit.googleapis.com)
#        TELEMETRY_TRACES_URL  where the functions export spans (default: the Telemetry API's
#                            https://telemetry.googleapis.com/v1/traces)
#        Checked before anything runs: PROJECT_ID a project id (6-30 of a-z, 0-9, -),
#        REGION a region, CONNECTOR a connector name, the URLs https (http only to
#        localhost, 127.0.0.1 or [::1]).
# Flags: --dry-run             print every command, in order, and run none
#        --no-end-user-checks  deploy with every end-user check off (the functions'
#                              END_USER_AUTH=off; the environment's is refused): every route
#                              then acts for anyone, as in the original demo, so whoever
#                              reaches the gateway reads every user and order and orders
#                              in anyone's name (README, "Security model"); no Identity
#                              Platform is set up. Said again when used.
#        --help                this text

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/common.sh
source scripts/common.sh
# shellcheck source=scripts/deploy-firestore.sh
source scripts/deploy-firestore.sh
# shellcheck source=scripts/deploy-identity.sh
source scripts/deploy-identity.sh
# shellcheck source=scripts/deploy-functions.sh
source scripts/deploy-functions.sh

readonly CONNECTOR_RANGE="${CONNECTOR_RANGE:-10.8.0.0/28}"
readonly NETWORK="${NETWORK:-default}"
readonly APIS=(
  cloudfunctions.googleapis.com
  run.googleapis.com
  cloudbuild.googleapis.com
  artifactregistry.googleapis.com
  firestore.googleapis.com
  vpcaccess.googleapis.com
  compute.googleapis.com
  iam.googleapis.com
  logging.googleapis.com
  identitytoolkit.googleapis.com
  apikeys.googleapis.com
  telemetry.googleapis.com
  cloudtrace.googleapis.com
)
# Where the functions export their spans over OTLP/HTTP: Google Cloud's
# Telemetry API, as their own service accounts (functions/common/tracing.ts).
readonly TELEMETRY_TRACES_URL="${TELEMETRY_TRACES_URL:-https://telemetry.googleapis.com/v1/traces}"
# The Node.js major the project runs on everywhere, locally too (.nvmrc).
RUNTIME="nodejs$(tr -d '[:space:]v' <.nvmrc)"
readonly RUNTIME
readonly IDENTITY_TOOLKIT_URL="${IDENTITY_TOOLKIT_URL:-https://identitytoolkit.googleapis.com}"
# End-user checks, on unless --no-end-user-checks (main): turning them off
# opens every route to anyone, which only the flag does. The variable of
# the same name in the environment is refused rather than read or ignored.
END_USER_AUTH_GIVEN="${END_USER_AUTH:-}"
readonly END_USER_AUTH_GIVEN
END_USER_AUTH=on

enable_apis() {
  info "Enabling APIs"
  run gcloud services enable "${APIS[@]}" --project="${PROJECT_ID}"
}

ensure_service_accounts() {
  local fn
  for fn in "${FUNCTIONS[@]}"; do
    if check gcloud iam service-accounts describe "$(service_account "${fn}")" --project="${PROJECT_ID}"; then
      info "Service account $(service_account "${fn}") exists"
    else
      info "Creating service account for ${fn}"
      run gcloud iam service-accounts create "${SERVICE_ACCOUNT_ID[${fn}]}" \
        --display-name="${fn} function" --project="${PROJECT_ID}"
    fi
  done
}

# Every function exports its spans to the Telemetry API as its own account:
# roles/telemetry.tracesWriter on the project, which has no narrower resource.
# --condition=None: the project's policy holds conditional bindings
# (grant_firestore_access), and gcloud refuses an unconditional one without it.
grant_trace_writer() {
  local fn
  for fn in "${FUNCTIONS[@]}"; do
    if [[ -n "$(trace_writer_grant "${fn}")" ]]; then
      info "${fn} may already write traces"
    else
      info "Letting ${fn} write its traces (Telemetry API)"
      run gcloud projects add-iam-policy-binding "${PROJECT_ID}" \
        --member="serviceAccount:$(service_account "${fn}")" --role="${TRACES_WRITER_ROLE}" --condition=None
    fi
  done
}

# Admin routes read the end user's account as it is now (Identity Toolkit's
# accounts:lookup, functions/common/auth/accounts.ts), and every function
# serves some: roles/firebaseauth.viewer on the project, the narrowest role
# with firebaseauth.users.get. None is needed with END_USER_AUTH=off.
readonly ACCOUNTS_READER_ROLE=roles/firebaseauth.viewer
grant_accounts_reader() {
  local fn
  [[ "${END_USER_AUTH}" != off ]] || return 0
  for fn in "${FUNCTIONS[@]}"; do
    if [[ -n "$(query '' gcloud projects get-iam-policy "${PROJECT_ID}" --flatten='bindings[].members' \
      --filter="bindings.role=${ACCOUNTS_READER_ROLE} AND bindings.members=serviceAccount:$(service_account "${fn}")" \
      --format='value(bindings.role)')" ]]; then
      info "${fn} may already read end users' accounts"
    else
      info "Letting ${fn} read end users' accounts (admin routes' revocation check)"
      run gcloud projects add-iam-policy-binding "${PROJECT_ID}" \
        --member="serviceAccount:$(service_account "${fn}")" --role="${ACCOUNTS_READER_ROLE}" --condition=None
    fi
  done
}

ensure_connector() {
  if check gcloud compute networks vpc-access connectors describe "${CONNECTOR}" \
    --region="${REGION}" --project="${PROJECT_ID}"; then
    info "VPC connector ${CONNECTOR} exists"
  else
    info "Creating VPC connector ${CONNECTOR} (${CONNECTOR_RANGE})"
    run gcloud compute networks vpc-access connectors create "${CONNECTOR}" \
      --region="${REGION}" --network="${NETWORK}" --range="${CONNECTOR_RANGE}" --project="${PROJECT_ID}"
  fi
}

# The public URLs, and how to try them.
say_what_next() {
  local fn
  echo
  if is_dry_run; then
    info "Dry run: nothing was deployed. A real run ends with each public function's URL."
    return
  fi
  for fn in "${FUNCTIONS[@]}"; do
    if [[ "${INGRESS[${fn}]}" == all ]]; then
      info "Deployed. ${fn^}: ${URLS[${fn}]}"
    fi
  done
  echo "Next:"
  if [[ "${END_USER_AUTH}" == off ]]; then
    echo "  curl ${URLS[gateway]:-<gateway URL>}/api/user-orders/user-001"
    warn_open_api
  else
    echo "  KEY=\$(gcloud services api-keys get-key-string \$(gcloud services api-keys list --project=${PROJECT_ID} --filter=displayName=${END_USER_API_KEY_NAME} --format='value(name)') --format='value(keyString)')"
    echo "  TOKEN=\$(curl -s '${IDENTITY_TOOLKIT_URL}/v1/accounts:signUp?key='\$KEY -H 'Content-Type: application/json' \\"
    echo "    -d '{\"email\":\"me@example.com\",\"password\":\"a-long-password\",\"returnSecureToken\":true}' | node -p 'JSON.parse(require(\"fs\").readFileSync(0)).idToken')"
    echo "  curl -H \"Authorization: Bearer \$TOKEN\" ${URLS[gateway]:-<gateway URL>}/api/orders"
  fi
  echo "  ./test.sh"
}

# Stops on any operator input that is not what it names, before anything runs.
require_input() {
  if [[ -n "${END_USER_AUTH_GIVEN}" && "${END_USER_AUTH_GIVEN}" != on ]]; then
    err "END_USER_AUTH is not read here: turning end-user checks off takes --no-end-user-checks (see --help)"
    exit 2
  fi
  require_region
  require_connector
  require_https_url IDENTITY_TOOLKIT_URL "${IDENTITY_TOOLKIT_URL}"
  require_https_url TELEMETRY_TRACES_URL "${TELEMETRY_TRACES_URL}"
  resolve_project
}

main() {
  while (($# > 0)); do
    case "$1" in
      --no-end-user-checks) END_USER_AUTH=off ;;
      *) shared_flag "$1" ;;
    esac
    shift
  done
  readonly END_USER_AUTH
  require_input
  [[ "${END_USER_AUTH}" != off ]] || warn_open_api
  require_account
  announce
  enable_apis
  ensure_databases
  ensure_idempotency_ttl
  ensure_service_accounts
  grant_firestore_access
  grant_trace_writer
  grant_accounts_reader
  migrate_default_data
  ensure_identity_platform
  ensure_connector
  deploy_functions
  revoke_project_wide_access
  say_what_next
}

main "$@"
