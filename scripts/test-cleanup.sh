# shellcheck shell=bash
# Deleting what test.sh created, when its checks are done. Sourced by
# test.sh, not run.

# sha256 TEXT: the hex digest, as the functions name documents by hashes.
sha256() {
  printf '%s' "$1" | sha256sum | cut -d' ' -f1
}

# Deletes what the checks created, through Firestore's REST API (the public
# API has no delete, by design) and Identity Toolkit's admin API: the order
# and its idempotency record, the two profiles with their email claims, and
# the two sign-in accounts.
cleanup_created() {
  local docs=() base token doc uid key_owner=""
  if [[ -n "${CREATED_ORDER}" ]]; then
    # Keys are scoped to the end user who sent them (access.ts, scopedKey).
    [[ "${END_USER_AUTH}" == off ]] || key_owner="${USER_UID}"
    docs+=("orders/${CREATED_ORDER}"
      "orderIdempotencyKeys/$(sha256 "[\"${key_owner}\",\"${IDEMPOTENCY_KEY}\"]")")
  fi
  [[ -z "${USER_UID}" ]] || docs+=("users/${USER_UID}" "userEmails/$(sha256 "${USER_EMAIL}")")
  [[ -z "${ADMIN_UID}" ]] || docs+=("users/${ADMIN_UID}" "userEmails/$(sha256 "${ADMIN_EMAIL}")")
  if [[ -n "${FIRESTORE_EMULATOR_HOST:-}" ]]; then
    base="http://${FIRESTORE_EMULATOR_HOST}/v1/projects/${PROJECT_ID}/databases"
    token=owner
  elif [[ "${REMOTE}" == true ]]; then
    base="https://firestore.googleapis.com/v1/projects/${PROJECT_ID}/databases"
    token="$(gcloud auth print-access-token)"
  else
    echo "SKIP  cleanup: set FIRESTORE_EMULATOR_HOST to delete ${docs[*]}"
    docs=()
  fi
  for doc in "${docs[@]}"; do
    # Each document in the database of the function that keeps its collection.
    if curl_bearer "${token}" -sSf -X DELETE "${base}/$(database_of "${doc%%/*}")/documents/${doc}" >/dev/null; then
      echo "      cleaned up ${doc}"
    else
      err "could not delete ${doc}"
    fi
  done
  for uid in ${USER_UID} ${ADMIN_UID}; do
    BODY="$(toolkit /v1/accounts:delete "{\"localId\":\"${uid}\"}" admin)"
    if [[ "$(json 'd.kind')" == identitytoolkit#DeleteAccountResponse ]]; then
      echo "      cleaned up end user ${uid}"
    else
      err "could not delete end user ${uid}: ${BODY:0:200}"
    fi
  done
}
