#!/usr/bin/env bash
#
# Removes what deploy.sh created: the functions (and with them their
# invoker bindings), each function's access to its database and its right
# to write traces, the functions'
# Firestore databases with their data (after asking, or with --yes), the
# service accounts, the end users' API key and the VPC connector. Identity
# Platform stays set up, with its users (test.sh deletes the ones it
# creates), and so does a (default) database an earlier deployment used.
# Safe to run again: what is gone is skipped.
#
# Env:   PROJECT_ID  project (default: gcloud config get-value project)
#        REGION      region (default: us-central1)
#        CONNECTOR   VPC connector name (default: s2s-connector)
#        Checked before anything runs: PROJECT_ID a project id (6-30 of a-z, 0-9,
#        -), REGION a region, CONNECTOR a connector name.
# Flags: --yes       delete the functions' databases and every document in
#                    them without asking (without it, an interactive run asks;
#                    any other keeps them)
#        --dry-run   print every command, in order, and run none
#        --help      this text

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/common.sh
source scripts/common.sh

ASSUME_YES=false
DRY_RUN_ASSUMES_EXISTING=true

delete_functions() {
  local i fn
  # Callers first (the reverse of the deploy order), so nothing is left
  # calling a function that is gone.
  for ((i = ${#FUNCTIONS[@]} - 1; i >= 0; i--)); do
    fn="${FUNCTIONS[i]}"
    if check gcloud functions describe "${fn}" --gen2 --region="${REGION}" --project="${PROJECT_ID}"; then
      info "Deleting function ${fn}"
      run gcloud functions delete "${fn}" --gen2 --region="${REGION}" --project="${PROJECT_ID}" --quiet
    else
      info "Function ${fn} is already gone"
    fi
  done
}

revoke_firestore_access() {
  local fn member
  for fn in "${FIRESTORE_FUNCTIONS[@]}"; do
    member="serviceAccount:$(service_account "${fn}")"
    if [[ -n "$(firestore_grant "${fn}" "$(database_condition_title "${fn}")")" ]] || is_dry_run; then
      info "Revoking ${fn}'s access to its database ${DATABASE[${fn}]}"
      run gcloud projects remove-iam-policy-binding "${PROJECT_ID}" \
        --member="${member}" --role=roles/datastore.user --condition="$(database_condition "${fn}")"
    fi
    # A project-wide grant, as deploy.sh made before functions had databases of their own.
    if [[ -n "$(firestore_grant "${fn}")" ]]; then
      info "Revoking ${fn}'s project-wide Firestore access"
      run gcloud projects remove-iam-policy-binding "${PROJECT_ID}" \
        --member="${member}" --role=roles/datastore.user --condition=None
    fi
  done
}

# Each function's right to write traces (deploy.sh grant_trace_writer).
revoke_trace_writer() {
  local fn
  for fn in "${FUNCTIONS[@]}"; do
    if [[ -n "$(trace_writer_grant "${fn}")" ]] || is_dry_run; then
      info "Revoking ${fn}'s right to write traces"
      run gcloud projects remove-iam-policy-binding "${PROJECT_ID}" \
        --member="serviceAccount:$(service_account "${fn}")" --role="${TRACES_WRITER_ROLE}" --condition=None
    fi
  done
}

# The functions' own databases: deleting one deletes every document in it.
delete_databases() {
  local fn db answer names=()
  for fn in "${FIRESTORE_FUNCTIONS[@]}"; do
    db="${DATABASE[${fn}]}"
    if check gcloud firestore databases describe --database="${db}" --project="${PROJECT_ID}"; then
      names+=("${db}")
    else
      info "Database ${db} is already gone"
    fi
  done
  ((${#names[@]} > 0)) || return 0
  if [[ "${ASSUME_YES}" != true ]]; then
    if is_dry_run || [[ ! -t 0 ]]; then
      info "Keeping the databases ${names[*]} and their documents (--yes deletes them)"
      return
    fi
    read -r -p "Delete the Firestore databases ${names[*]} and every document in them? This cannot be undone. [y/N] " answer
    if [[ "${answer}" != y && "${answer}" != yes ]]; then
      info "Keeping the databases ${names[*]}"
      return
    fi
  fi
  for db in "${names[@]}"; do
    info "Deleting the Firestore database ${db} and its documents"
    run gcloud firestore databases delete --database="${db}" --project="${PROJECT_ID}" --quiet
  done
}

delete_service_accounts() {
  local fn
  for fn in "${FUNCTIONS[@]}"; do
    if check gcloud iam service-accounts describe "$(service_account "${fn}")" --project="${PROJECT_ID}"; then
      info "Deleting service account of ${fn}"
      run gcloud iam service-accounts delete "$(service_account "${fn}")" --project="${PROJECT_ID}" --quiet
    else
      info "Service account of ${fn} is already gone"
    fi
  done
}

delete_api_key() {
  local name
  name="$(end_user_api_key_resource)"
  if [[ -n "${name}" ]]; then
    info "Deleting API key ${END_USER_API_KEY_NAME}"
    run gcloud services api-keys delete "${name}" --project="${PROJECT_ID}" --quiet
  else
    info "API key ${END_USER_API_KEY_NAME} is already gone"
  fi
}

delete_connector() {
  if check gcloud compute networks vpc-access connectors describe "${CONNECTOR}" \
    --region="${REGION}" --project="${PROJECT_ID}"; then
    info "Deleting VPC connector ${CONNECTOR}"
    run gcloud compute networks vpc-access connectors delete "${CONNECTOR}" \
      --region="${REGION}" --project="${PROJECT_ID}" --quiet
  else
    info "VPC connector ${CONNECTOR} is already gone"
  fi
}

main() {
  while (($# > 0)); do
    case "$1" in
      --yes) ASSUME_YES=true ;;
      *) shared_flag "$1" ;;
    esac
    shift
  done
  require_region
  require_connector
  resolve_project
  require_account
  announce
  delete_functions
  revoke_firestore_access
  revoke_trace_writer
  delete_databases
  delete_service_accounts
  delete_api_key
  delete_connector
  info "Done."
}

main "$@"
