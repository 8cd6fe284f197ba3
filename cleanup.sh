#!/usr/bin/env bash
#
# Removes what deploy.sh created: the three functions (and with them their
# invoker bindings), the Firestore access grants, the service accounts, the
# end users' API key and the VPC connector. Identity Platform stays set up,
# with its users (test.sh deletes the ones it creates). The Firestore database and its data stay unless
# --delete-data is given. Safe to run again: what is gone is skipped.
#
# Env:   PROJECT_ID  project (default: gcloud config get-value project)
#        REGION      region (default: us-central1)
#        CONNECTOR   VPC connector name (default: s2s-connector)
# Flags: --delete-data  also delete the documents the system created
#                       (collections users, userEmails, orders, orderIdempotencyKeys)
#        --dry-run      print every command, in order, and run none
#        --help         this text

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/common.sh
source scripts/common.sh

DELETE_DATA=false
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
    if [[ -n "$(query "roles/datastore.user" gcloud projects get-iam-policy "${PROJECT_ID}" \
      --flatten='bindings[].members' \
      --filter="bindings.role=roles/datastore.user AND bindings.members=${member}" \
      --format='value(bindings.role)')" ]]; then
      info "Revoking Firestore access of ${fn}"
      run gcloud projects remove-iam-policy-binding "${PROJECT_ID}" \
        --member="${member}" --role=roles/datastore.user --condition=None
    fi
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

delete_data() {
  local ids
  ids="$(IFS=,; echo "${COLLECTIONS[*]}")"
  info "Deleting the documents of ${ids}"
  run gcloud firestore bulk-delete --collection-ids="${ids}" --project="${PROJECT_ID}" --quiet
}

main() {
  while (($# > 0)); do
    case "$1" in
      --delete-data) DELETE_DATA=true ;;
      *) shared_flag "$1" ;;
    esac
    shift
  done
  resolve_project
  announce
  delete_functions
  revoke_firestore_access
  delete_service_accounts
  delete_api_key
  delete_connector
  if [[ "${DELETE_DATA}" == true ]]; then
    delete_data
  fi
  info "Done. The Firestore database is kept$([[ "${DELETE_DATA}" == true ]] && echo ', emptied of this system'\''s documents')."
}

main "$@"
