# shellcheck shell=bash
# deploy.sh's Firestore steps: each data-keeping function's own database,
# data an earlier deployment kept in (default) copied into it, the TTL on
# idempotency keys, and each function's access to its database and no
# other. Sourced by deploy.sh, not run.

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
