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
#        END_USER_AUTH       off: no end-user checks (the original demo's open API: anyone
#                            reads everyone's data); on by default
#        IDENTITY_TOOLKIT_URL  Identity Platform's API (default: https://identitytoolkit.googleapis.com)
#        TELEMETRY_TRACES_URL  where the functions export spans (default: the Telemetry API's
#                            https://telemetry.googleapis.com/v1/traces)
# Flags: --dry-run  print every command, in order, and run none
#        --help     this text

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/common.sh
source scripts/common.sh

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
# The functions read it through scripts/topology.js.
export END_USER_AUTH="${END_USER_AUTH:-on}"

enable_apis() {
  info "Enabling APIs"
  run gcloud services enable "${APIS[@]}" --project="${PROJECT_ID}"
}

# Each function that keeps data owns a Firestore database of its own
# (topology.json), which only its account may use (grant_firestore_access).
ensure_databases() {
  local fn db
  for fn in "${FIRESTORE_FUNCTIONS[@]}"; do
    db="${DATABASE[${fn}]}"
    if check gcloud firestore databases describe --database="${db}" --project="${PROJECT_ID}"; then
      info "Firestore database ${db} (${fn}'s) exists"
    else
      info "Creating the Firestore database ${db} for ${fn} (native mode)"
      run gcloud firestore databases create --database="${db}" \
        --location="${FIRESTORE_LOCATION:-${REGION}}" --type=firestore-native --project="${PROJECT_ID}"
    fi
  done
}

# A deployment made before the functions had databases of their own kept
# their data in (default): it is copied into theirs once, before they are
# deployed on them (scripts/migrate-data.js; nothing is deleted from it).
migrate_default_data() {
  if ! check gcloud firestore databases describe --database='(default)' --project="${PROJECT_ID}"; then
    return
  fi
  info "Copying data kept in (default) by an earlier deployment into each function's database"
  if ! is_dry_run && ! node -e "require('@google-cloud/firestore')" 2>/dev/null; then
    err "the copy needs the project's packages: run npm install, then ./deploy.sh again"
    exit 1
  fi
  run node scripts/migrate-data.js "${PROJECT_ID}"
}

# Idempotency keys (the order function's orderIdempotencyKeys) are kept a
# day: Firestore's TTL policy deletes each after its expireAt, usually within
# a day more; until then the code treats an expired key as absent.
readonly TTL_COLLECTION=orderIdempotencyKeys
ensure_idempotency_ttl() {
  info "Expiring idempotency keys (TTL on ${TTL_COLLECTION}.expireAt)"
  run gcloud firestore fields ttls update expireAt --collection-group="${TTL_COLLECTION}" \
    --database="$(database_of "${TTL_COLLECTION}")" --enable-ttl --async --project="${PROJECT_ID}"
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

# Only the functions that keep data get Firestore access, each to its own
# database only: roles/datastore.user under an IAM condition on the
# database's name.
grant_firestore_access() {
  local fn member
  for fn in "${FIRESTORE_FUNCTIONS[@]}"; do
    member="serviceAccount:$(service_account "${fn}")"
    if [[ -n "$(firestore_grant "${fn}" "$(database_condition_title "${fn}")")" ]]; then
      info "${fn} already has access to its database ${DATABASE[${fn}]}"
    else
      info "Granting ${fn} access to its database ${DATABASE[${fn}]}, and no other"
      run gcloud projects add-iam-policy-binding "${PROJECT_ID}" \
        --member="${member}" --role=roles/datastore.user \
        --condition="$(database_condition "${fn}")"
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

# The project-wide grant an earlier deploy.sh made to a function's account,
# removed once the function runs on its own database (until then, the
# instances still serving from (default) need it).
revoke_project_wide_access() {
  local fn
  for fn in "${FIRESTORE_FUNCTIONS[@]}"; do
    if [[ -n "$(firestore_grant "${fn}")" ]]; then
      info "Removing ${fn}'s project-wide Firestore access (from an earlier deploy)"
      run gcloud projects remove-iam-policy-binding "${PROJECT_ID}" \
        --member="serviceAccount:$(service_account "${fn}")" --role=roles/datastore.user --condition=None
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

# identity_platform METHOD PATH [BODY]: one call to Identity Platform's admin
# REST API (gcloud has no commands for it), with the caller's access token.
identity_platform() {
  local method="$1" path="$2" data="${3:-}" args
  args=(-sSf -X "${method}"
    -H "X-Goog-User-Project: ${PROJECT_ID}" -H 'Content-Type: application/json')
  [[ -z "${data}" ]] || args+=(--data "${data}")
  run curl_bearer "${ACCESS_TOKEN}" "${args[@]}" -o /dev/null "${IDENTITY_TOOLKIT_URL}${path}"
}

# Identity Platform with email/password sign-in, and the API key clients sign
# in with, restricted to Identity Toolkit.
ensure_identity_platform() {
  if [[ "${END_USER_AUTH}" == off ]]; then
    warn_open_api
    return 0
  fi
  ACCESS_TOKEN="$(query ACCESS_TOKEN gcloud auth print-access-token)"
  if check curl_bearer "${ACCESS_TOKEN}" -sSf -H "X-Goog-User-Project: ${PROJECT_ID}" \
    "${IDENTITY_TOOLKIT_URL}/admin/v2/projects/${PROJECT_ID}/config"; then
    info "Identity Platform is set up"
  else
    info "Setting up Identity Platform"
    identity_platform POST "/v2/projects/${PROJECT_ID}/identityPlatform:initializeAuth" '{}'
  fi
  info "Enabling email/password sign-in"
  identity_platform PATCH "/admin/v2/projects/${PROJECT_ID}/config?updateMask=signIn.email" \
    '{"signIn":{"email":{"enabled":true,"passwordRequired":true}}}'
  if [[ -n "$(end_user_api_key_resource)" ]]; then
    info "API key ${END_USER_API_KEY_NAME} exists"
  else
    info "Creating API key ${END_USER_API_KEY_NAME} (Identity Toolkit only)"
    run gcloud services api-keys create --display-name="${END_USER_API_KEY_NAME}" \
      --api-target=service=identitytoolkit.googleapis.com --project="${PROJECT_ID}"
  fi
}

warn_open_api() {
  err "WARNING: END_USER_AUTH=off: the functions check no end user. Anyone who can"
  err "WARNING: reach the gateway reads every user and order and orders in anyone's name."
}

# The URL of every function deployed so far: the callers' env needs them.
declare -A URLS=()

# function_env NAME SELF_URL: NAME's environment from the topology, as
# KEY=VALUE pairs separated by ';' (values hold commas; '^;^' tells gcloud to
# split on ';').
function_env() {
  local name="$1" fn known=()
  URLS[${name}]="$2"
  for fn in "${!URLS[@]}"; do
    known+=("${fn}=${URLS[${fn}]}")
  done
  printf '%s;OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=%s' \
    "$(node scripts/topology.js env "${name}" "${PROJECT_ID}" "${known[@]}")" "${TELEMETRY_TRACES_URL}"
}

# deploy_function NAME ENV [FLAG...]: deploys with the flags every function
# shares, then those given.
deploy_function() {
  local name="$1" env="$2"
  shift 2
  info "Deploying ${name}"
  run gcloud functions deploy "${name}" --gen2 --runtime="${RUNTIME}" --region="${REGION}" \
    --project="${PROJECT_ID}" --source=. --entry-point="${ENTRY_POINT[${name}]}" --trigger-http \
    --service-account="$(service_account "${name}")" \
    --set-env-vars="^;^${env}" "$@"
}

# deploy_internal NAME [FLAG...]: a function that checks its callers knows
# its own URL (the audience its callers' tokens carry) only once it exists.
# The first deploy starts it with its predictable cloudfunctions.net URL, then
# sets the real one on the running service (no rebuild); later deploys pass
# it directly.
deploy_internal() {
  local name="$1" url
  shift
  url="$(query '' gcloud functions describe "${name}" --gen2 --region="${REGION}" \
    --project="${PROJECT_ID}" --format='value(serviceConfig.uri)')"
  deploy_function "${name}" \
    "$(function_env "${name}" "${url:-https://${REGION}-${PROJECT_ID}.cloudfunctions.net/${name}}")" "$@"
  if [[ -z "${url}" ]]; then
    url="$(function_url "${name}")"
    info "${name}'s URL is known only now that it exists: setting SELF_URL to it on the running service (no rebuild)"
    run gcloud run services update "${name}" --region="${REGION}" --project="${PROJECT_ID}" \
      --update-env-vars="SELF_URL=${url}"
  fi
  URLS[${name}]="${url}"
}

# grant_invoker CALLEE CALLER: lets CALLER's service account call CALLEE.
grant_invoker() {
  local callee="$1" caller="$2" member
  member="serviceAccount:$(service_account "${caller}")"
  if [[ -n "$(query '' gcloud run services get-iam-policy "${callee}" --region="${REGION}" \
    --project="${PROJECT_ID}" --flatten='bindings[].members' \
    --filter="bindings.role=roles/run.invoker AND bindings.members=${member}" \
    --format='value(bindings.role)')" ]]; then
    info "${caller} may already call ${callee}"
  else
    info "Allowing ${caller} to call ${callee}"
    run gcloud functions add-invoker-policy-binding "${callee}" --region="${REGION}" \
      --project="${PROJECT_ID}" --member="${member}"
  fi
}

# Deploys every function after those it calls, with the ingress, identity,
# network and resources the topology gives it, then lets exactly its
# invokers call it.
deploy_functions() {
  local fn caller flags resources
  for fn in "${FUNCTIONS[@]}"; do
    flags=(--ingress-settings="${INGRESS[${fn}]}")
    if [[ "${ALLOW_UNAUTHENTICATED[${fn}]}" == true ]]; then
      flags+=(--allow-unauthenticated)
    else
      flags+=(--no-allow-unauthenticated)
    fi
    if [[ "${VPC_EGRESS[${fn}]}" == true ]]; then
      flags+=(--vpc-connector="${CONNECTOR}" --egress-settings=all)
    fi
    read -ra resources <<<"${RESOURCE_FLAGS[${fn}]}"
    flags+=("${resources[@]}")

    if [[ "${ALLOW_UNAUTHENTICATED[${fn}]}" == true ]]; then
      deploy_function "${fn}" "$(function_env "${fn}" '')" "${flags[@]}"
      URLS[${fn}]="$(function_url "${fn}")"
    else
      deploy_internal "${fn}" "${flags[@]}"
    fi
    for caller in ${INVOKERS[${fn}]}; do
      grant_invoker "${fn}" "${caller}"
    done
  done
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

main() {
  while (($# > 0)); do
    shared_flag "$1"
    shift
  done
  resolve_project
  require_account
  announce
  enable_apis
  ensure_databases
  ensure_idempotency_ttl
  ensure_service_accounts
  grant_firestore_access
  grant_trace_writer
  migrate_default_data
  ensure_identity_platform
  ensure_connector
  deploy_functions
  revoke_project_wide_access
  say_what_next
}

main "$@"
