# shellcheck shell=bash
# deploy.sh's function steps: each function deployed with its environment,
# ingress, identity, network and resources from the topology, after those
# it calls, then its invokers allowed to call it. Every URL a function's
# environment holds is Cloud Run's deterministic one, known before the
# function exists, so a first deploy is complete as it is. Sourced by
# deploy.sh, not run; reads its RUNTIME, TELEMETRY_TRACES_URL and
# END_USER_AUTH, and keeps every function's URL in URLS (say_what_next
# prints the public ones).

# Every function's URL, known before any exists: Cloud Run's deterministic
# URL, https://SERVICE-PROJECT_NUMBER.REGION.run.app (a function's service
# is named as the function). Set by deterministic_urls.
declare -A URLS=()

# The project's number, which the deterministic URLs hold: a placeholder in
# a dry run.
project_number() {
  local number
  number="$(query PROJECT_NUMBER gcloud projects describe "${PROJECT_ID}" --format='value(projectNumber)')"
  if ! is_dry_run && [[ ! "${number}" =~ ^[0-9]+$ ]]; then
    err "no number for project ${PROJECT_ID} (gcloud projects describe): its functions' URLs are made from it"
    exit 1
  fi
  echo "${number}"
}

# Sets URLS. Cloud Run gives a service its deterministic URL only when
# "SERVICE-PROJECT_NUMBER" fits one DNS label (63 characters): a longer
# function name is refused before anything is deployed.
deterministic_urls() {
  local fn number
  number="$(project_number)"
  for fn in "${FUNCTIONS[@]}"; do
    if ((${#fn} + 1 + ${#number} > 63)); then
      err "${fn}: the name is too long for Cloud Run's deterministic URL (${fn}-${number} is over 63 characters)"
      exit 2
    fi
    URLS[${fn}]="https://${fn}-${number}.${REGION}.run.app"
  done
}

# function_env NAME: NAME's environment from the topology, as KEY=VALUE
# pairs separated by ';' (values hold commas; '^;^' tells gcloud to split
# on ';'), with every function's URL (its own, the audience of its callers'
# tokens, and its callees'), end-user checks off only with END_USER_AUTH=off
# (deploy.sh's --no-end-user-checks), said in topology.js's arguments.
function_env() {
  local name="$1" fn known=() checks=()
  for fn in "${FUNCTIONS[@]}"; do
    known+=("${fn}=${URLS[${fn}]}")
  done
  [[ "${END_USER_AUTH}" != off ]] || checks=(--no-end-user-checks)
  printf '%s;OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=%s' \
    "$(node scripts/topology.js env "${name}" "${PROJECT_ID}" "${checks[@]}" "${known[@]}")" \
    "${TELEMETRY_TRACES_URL}"
}

# deploy_function NAME [FLAG...]: deploys with its environment and the flags
# every function shares, then those given.
deploy_function() {
  local name="$1" env
  shift
  env="$(function_env "${name}")"
  info "Deploying ${name}"
  run gcloud functions deploy "${name}" --gen2 --runtime="${RUNTIME}" --region="${REGION}" \
    --project="${PROJECT_ID}" --source=. --entry-point="${ENTRY_POINT[${name}]}" --trigger-http \
    --service-account="$(service_account "${name}")" \
    --set-env-vars="^;^${env}" "$@"
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

# Deploys every function after those it calls (an invoker binding needs its
# callee to exist), with the ingress, identity, network, resources and
# environment the topology gives it, then lets exactly its invokers call it.
deploy_functions() {
  local fn caller flags resources
  deterministic_urls
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

    deploy_function "${fn}" "${flags[@]}"
    for caller in ${INVOKERS[${fn}]}; do
      grant_invoker "${fn}" "${caller}"
    done
  done
}
