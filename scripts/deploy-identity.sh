# shellcheck shell=bash
# deploy.sh's Identity Platform steps, for end users: email/password
# sign-in and the API key clients sign in with, or with
# --no-end-user-checks (END_USER_AUTH=off) the warning that no end user is
# checked. Sourced by deploy.sh, not run; reads its END_USER_AUTH and
# IDENTITY_TOOLKIT_URL.

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
    info "No Identity Platform: end-user checks are off (--no-end-user-checks)"
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

# What --no-end-user-checks opens, said when it is used.
warn_open_api() {
  err "WARNING: --no-end-user-checks (END_USER_AUTH=off): the functions check no end user."
  err "WARNING: Every route acts for anyone, as in the original demo: whoever can reach the"
  err "WARNING: gateway reads every user and order and orders in anyone's name."
}
