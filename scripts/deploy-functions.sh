# shellcheck shell=bash
# deploy.sh's function steps: each function deployed with its environment,
# ingress, identity, network and resources from the topology, after those
# it calls, then its invokers allowed to call it. Sourced by deploy.sh, not
# run; reads its RUNTIME, TELEMETRY_TRACES_URL and END_USER_AUTH, and keeps
# every deployed function's URL in URLS (say_what_next prints the public
# ones).

# The URL of every function deployed so far: the callers' env needs them.
declare -A URLS=()

# function_env NAME SELF_URL: NAME's environment from the topology, as
# KEY=VALUE pairs separated by ';' (values hold commas; '^;^' tells gcloud to
# split on ';'), end-user checks off only with END_USER_AUTH=off (deploy.sh's
# --no-end-user-checks), said in topology.js's arguments.
function_env() {
  local name="$1" fn known=() checks=()
  URLS[${name}]="$2"
  for fn in "${!URLS[@]}"; do
    known+=("${fn}=${URLS[${fn}]}")
  done
  [[ "${END_USER_AUTH}" != off ]] || checks=(--no-end-user-checks)
  printf '%s;OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=%s' \
    "$(node scripts/topology.js env "${name}" "${PROJECT_ID}" "${checks[@]}" "${known[@]}")" \
    "${TELEMETRY_TRACES_URL}"
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
