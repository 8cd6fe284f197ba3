# shellcheck shell=bash
# test.sh's two throw-away end users, through Identity Toolkit's REST API:
# sign-up, sign-in, the verified address and the admin claim. Sourced by
# test.sh, not run.

# toolkit PATH BODY [ADMIN]: POSTs to the Identity Toolkit REST API; prints
# the body. With ADMIN (any word), as the admin API: with the access token.
toolkit() {
  local path="$1" data="$2" args=(-sS -X POST -H 'Content-Type: application/json' --max-time 30)
  if [[ -n "${3:-}" ]]; then
    args+=(-H "X-Goog-User-Project: ${PROJECT_ID}")
    path="/v1/projects/${PROJECT_ID}${path#/v1}"
    curl_bearer "${ADMIN_ACCESS_TOKEN}" "${args[@]}" --data "${data}" \
      "${IDENTITY_TOOLKIT_URL}${path}" 2>/dev/null || true
    return
  fi
  curl "${args[@]}" --data "${data}" "${IDENTITY_TOOLKIT_URL}${path}" 2>/dev/null || true
}

# sign_in EMAIL PASSWORD ENDPOINT: prints "uid token" from signUp or
# signInWithPassword, or nothing when the answer's uid is not an id or its
# token not a JWT: both go into URLs, documents and headers from here.
sign_in() {
  local uid token
  BODY="$(toolkit "/v1/accounts:$3?key=${API_KEY}" \
    "{\"email\":\"$1\",\"password\":\"$2\",\"returnSecureToken\":true}")"
  uid="$(json 'd.localId')"
  token="$(json 'd.idToken')"
  if is_id "${uid}" && [[ "${token}" =~ ^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$ ]]; then
    printf '%s %s' "${uid}" "${token}"
  fi
}

# verify_email UID: marks the address of end user UID verified, through the
# admin API, as following the link of Identity Platform's verification mail
# would: a profile takes its email only from a verified sign-in.
verify_email() {
  BODY="$(toolkit /v1/accounts:update "{\"localId\":\"$1\",\"emailVerified\":true}" admin)"
}

# Signs up the two throw-away end users and makes one an admin (the custom
# claim role: "admin", through the admin API), then signs it in again for a
# token that carries the claim.
create_end_users() {
  local password
  password="$(node -p 'require("node:crypto").randomBytes(12).toString("base64url")')"
  read -r USER_UID USER_TOKEN <<<"$(sign_in "${USER_EMAIL}" "${password}" signUp)"
  read -r ADMIN_UID ADMIN_TOKEN <<<"$(sign_in "${ADMIN_EMAIL}" "${password}" signUp)"
  if [[ -n "${USER_UID}" ]]; then
    verify_email "${USER_UID}"
    read -r USER_UID USER_TOKEN <<<"$(sign_in "${USER_EMAIL}" "${password}" signInWithPassword)"
  fi
  if [[ -n "${ADMIN_UID}" ]]; then
    BODY="$(toolkit /v1/accounts:update \
      "{\"localId\":\"${ADMIN_UID}\",\"customAttributes\":\"{\\\"role\\\":\\\"admin\\\"}\"}" admin)"
    read -r ADMIN_UID ADMIN_TOKEN <<<"$(sign_in "${ADMIN_EMAIL}" "${password}" signInWithPassword)"
  fi
  if [[ -n "${USER_TOKEN}" && -n "${ADMIN_TOKEN}" ]]; then
    expect "two end users signed up, one verified, one made an admin" true ""
  else
    expect "two end users signed up, one verified, one made an admin" false "Identity Toolkit answered: ${BODY:0:300}"
  fi
}
