#!/usr/bin/env bash
#
# Deploys the gateway, user and order functions to Google Cloud Functions
# (2nd gen), each under its own service account, with user and order
# reachable only from inside the VPC and only by the callers allowed to call
# them. Safe to run again: every resource is checked before it is created.
#
# Env:   PROJECT_ID          project (default: gcloud config get-value project)
#        REGION              region (default: us-central1)
#        CONNECTOR           Serverless VPC Access connector name (default: s2s-connector)
#        CONNECTOR_RANGE     its /28 range (default: 10.8.0.0/28)
#        NETWORK             its VPC network (default: default)
#        FIRESTORE_LOCATION  location of a new Firestore database (default: REGION)
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
)

enable_apis() {
  info "Enabling APIs"
  run gcloud services enable "${APIS[@]}" --project="${PROJECT_ID}"
}

ensure_firestore() {
  if check gcloud firestore databases describe --database='(default)' --project="${PROJECT_ID}"; then
    info "Firestore database exists"
  else
    info "Creating the Firestore database (native mode)"
    run gcloud firestore databases create --database='(default)' \
      --location="${FIRESTORE_LOCATION:-${REGION}}" --type=firestore-native --project="${PROJECT_ID}"
  fi
}

ensure_service_accounts() {
  local fn
  for fn in "${FUNCTIONS[@]}"; do
    if check gcloud iam service-accounts describe "$(service_account "${fn}")" --project="${PROJECT_ID}"; then
      info "Service account $(service_account "${fn}") exists"
    else
      info "Creating service account for ${fn}"
      run gcloud iam service-accounts create "${fn}-fn" \
        --display-name="${fn} function" --project="${PROJECT_ID}"
    fi
  done
}

# Only the functions that store data get Firestore access.
grant_firestore_access() {
  local fn member
  for fn in user order; do
    member="serviceAccount:$(service_account "${fn}")"
    if [[ -n "$(query '' gcloud projects get-iam-policy "${PROJECT_ID}" \
      --flatten='bindings[].members' \
      --filter="bindings.role=roles/datastore.user AND bindings.members=${member}" \
      --format='value(bindings.role)')" ]]; then
      info "${fn} already has Firestore access"
    else
      info "Granting Firestore access to ${fn}"
      run gcloud projects add-iam-policy-binding "${PROJECT_ID}" \
        --member="${member}" --role=roles/datastore.user --condition=None
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

# deploy_function NAME ENV [FLAG...]: deploys with the flags every function
# shares, then those given. ENV is KEY=VALUE pairs separated by ';' (values
# hold commas; '^;^' tells gcloud to split on ';').
deploy_function() {
  local name="$1" env="$2"
  shift 2
  info "Deploying ${name}"
  run gcloud functions deploy "${name}" --gen2 --runtime=nodejs22 --region="${REGION}" \
    --project="${PROJECT_ID}" --source=. --entry-point="${name}" --trigger-http \
    --service-account="$(service_account "${name}")" \
    --set-env-vars="^;^GOOGLE_CLOUD_PROJECT=${PROJECT_ID};LOG_LEVEL=info;${env}" "$@"
}

# deploy_internal NAME ENV [FLAG...]: an internal function knows its own URL
# (the audience its callers' tokens carry) only once it exists. The first
# deploy starts it with its predictable cloudfunctions.net URL, then sets the
# real one on the running service (no rebuild); later deploys pass it directly.
# Leaves the URL in DEPLOYED_URL.
deploy_internal() {
  local name="$1" env="$2" url
  shift 2
  url="$(query '' gcloud functions describe "${name}" --gen2 --region="${REGION}" \
    --project="${PROJECT_ID}" --format='value(serviceConfig.uri)')"
  deploy_function "${name}" \
    "AUTH_MODE=platform;SELF_URL=${url:-https://${REGION}-${PROJECT_ID}.cloudfunctions.net/${name}};${env}" \
    --ingress-settings=internal-only --no-allow-unauthenticated "$@"
  if [[ -z "${url}" ]]; then
    url="$(function_url "${name}")"
    run gcloud run services update "${name}" --region="${REGION}" --project="${PROJECT_ID}" \
      --update-env-vars="SELF_URL=${url}"
  fi
  DEPLOYED_URL="${url}"
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

deploy_functions() {
  local vpc=(--vpc-connector="${CONNECTOR}" --egress-settings=all)
  local order_url user_url gateway_url

  deploy_internal order \
    "ALLOWED_CALLERS=$(service_account gateway),$(service_account user)"
  order_url="${DEPLOYED_URL}"
  grant_invoker order gateway
  grant_invoker order user

  deploy_internal user \
    "ALLOWED_CALLERS=$(service_account gateway);ORDER_URL=${order_url}" "${vpc[@]}"
  user_url="${DEPLOYED_URL}"
  grant_invoker user gateway

  deploy_function gateway "USER_URL=${user_url};ORDER_URL=${order_url}" \
    --ingress-settings=all --allow-unauthenticated "${vpc[@]}"
  gateway_url="$(function_url gateway)"

  echo
  info "Deployed. Gateway: ${gateway_url}"
  echo "Next:"
  echo "  curl ${gateway_url}/api/user-orders/user-001"
  echo "  ./test.sh"
}

main() {
  while (($# > 0)); do
    shared_flag "$1"
    shift
  done
  resolve_project
  announce
  enable_apis
  ensure_firestore
  ensure_service_accounts
  grant_firestore_access
  ensure_connector
  deploy_functions
}

main "$@"
