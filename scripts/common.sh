# shellcheck shell=bash
# Shared by deploy.sh, cleanup.sh and test.sh: the functions of
# topology.json, the project and region they live in, and the dry-run runner.
# Sourced, not run.

err() {
  echo "$(basename "$0"): $*" >&2
}

# The topology (topology.json, read by scripts/topology.js): FUNCTIONS in
# deploy order, and per function ENTRY_POINT, SERVICE_ACCOUNT_ID, INGRESS,
# ALLOW_UNAUTHENTICATED, VPC_EGRESS, INVOKERS (who may call it) and
# RESOURCE_FLAGS; FIRESTORE_FUNCTIONS (those that keep data), each with its
# own DATABASE and the COLLECTIONS it keeps there.
if ! command -v node >/dev/null 2>&1; then
  err "needs node to read topology.json"
  exit 2
fi
# Reading it takes the project's packages (zod): said in one line, rather
# than in a stack trace from deep inside the reader.
if ! node -e "require.resolve('zod')" >/dev/null 2>&1; then
  err "needs the project's packages: run npm ci first"
  exit 2
fi
TOPOLOGY_DECLARATIONS="$(node scripts/topology.js shell)" || exit 2
eval "${TOPOLOGY_DECLARATIONS}"
# shellcheck disable=SC2034 # used by the scripts that source this file
readonly FUNCTIONS ENTRY_POINT SERVICE_ACCOUNT_ID INGRESS ALLOW_UNAUTHENTICATED VPC_EGRESS \
  INVOKERS RESOURCE_FLAGS FIRESTORE_FUNCTIONS DATABASE COLLECTIONS
REGION="${REGION:-us-central1}"
CONNECTOR="${CONNECTOR:-s2s-connector}"
DRY_RUN=false
# What a check answers in a dry run: deploy.sh plans for a fresh project
# (nothing exists), cleanup.sh for a deployed one (everything exists).
DRY_RUN_ASSUMES_EXISTING=false

# curl_bearer TOKEN CURL-ARG...: curl with "Authorization: Bearer TOKEN",
# the header read from curl's standard input (--config -) rather than given
# in its arguments, where any user of this machine could read the token in
# the process list while curl runs. A token is base64url and dots; anything
# else is refused rather than written into curl's config.
curl_bearer() {
  local token="$1"
  shift
  if [[ ! "${token}" =~ ^[A-Za-z0-9._~+/=-]+$ ]]; then
    err "refusing to send a token with unexpected characters"
    return 2
  fi
  printf 'header = "Authorization: Bearer %s"\n' "${token}" | curl --config - "$@"
}

# is_id VALUE: VALUE may name a document (the functions' id rule): 1-128 of
# letters, digits, "_" and "-", and not one of the ids Firestore reserves
# (__…__). Checked before a value from an answer goes into a URL or a path.
is_id() {
  [[ "$1" =~ ^[A-Za-z0-9_-]{1,128}$ && ! "$1" =~ ^__.*__$ ]]
}

# Prints the calling script's header comment: its usage.
usage() {
  sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
}

# Says which project and region a script works on.
announce() {
  info "Project ${PROJECT_ID}, region ${REGION}$(is_dry_run && echo ' (dry run: nothing is changed)')"
}

info() {
  echo "==> $*"
}

is_dry_run() {
  [[ "${DRY_RUN}" == true ]]
}

# Runs a command, or only prints it (shell-quoted) with --dry-run.
run() {
  if is_dry_run; then
    printf '%q ' "$@" | sed 's/ $//'
    echo
  else
    "$@"
  fi
}

# Succeeds when a read-only check command succeeds. With --dry-run the check
# is printed, not run, and answers DRY_RUN_ASSUMES_EXISTING.
check() {
  if is_dry_run; then
    printf '# check: %s\n' "$(printf '%q ' "$@" | sed 's/ $//')"
    [[ "${DRY_RUN_ASSUMES_EXISTING}" == true ]]
    return
  fi
  "$@" >/dev/null 2>&1
}

# Prints a check's output (empty on failure); with --dry-run prints the
# command as a comment and outputs $1, the placeholder.
query() {
  local placeholder="$1"
  shift
  if is_dry_run; then
    printf '# query: %s\n' "$(printf '%q ' "$@" | sed 's/ $//')" >&2
    echo "${placeholder}"
    return 0
  fi
  "$@" 2>/dev/null || true
}

# Stops when gcloud has no active account, before a command fails on it;
# with --dry-run, which changes nothing, says so and carries on. The one
# command a dry run runs: it reads, and what it says is the plan's first
# line.
require_account() {
  if [[ -n "$(gcloud config get-value account 2>/dev/null || true)" ]]; then
    return
  fi
  if is_dry_run; then
    err "WARNING: gcloud has no active account: a real run would stop here (run 'gcloud auth login' first)."
  else
    err "gcloud has no active account: run 'gcloud auth login' first."
    exit 1
  fi
}

# Handles a flag that deploy.sh and cleanup.sh share; refuses any other.
shared_flag() {
  case "$1" in
    --dry-run) DRY_RUN=true ;;
    -h | --help) usage; exit 0 ;;
    *) err "unknown argument: $1 (see --help)"; exit 2 ;;
  esac
}

# What a dry run without a project shows in the project's place.
readonly PLACEHOLDER_PROJECT_ID=your-project-id

# Sets PROJECT_ID from the environment or gcloud's configuration, and
# stops unless it is a project id (require_project_id). A dry run, which
# changes nothing, goes on without one, with PLACEHOLDER_PROJECT_ID.
resolve_project() {
  if [[ -z "${PROJECT_ID:-}" ]]; then
    PROJECT_ID="$(gcloud config get-value project 2>/dev/null || true)"
  fi
  if [[ -z "${PROJECT_ID}" ]] && is_dry_run; then
    err "WARNING: no project: a real run would stop here (set PROJECT_ID or run 'gcloud config set project PROJECT_ID'); the dry run shows ${PLACEHOLDER_PROJECT_ID} in its place."
    PROJECT_ID="${PLACEHOLDER_PROJECT_ID}"
  fi
  if [[ -z "${PROJECT_ID}" ]]; then
    err "no project: set PROJECT_ID or run 'gcloud config set project PROJECT_ID'"
    exit 2
  fi
  require_project_id
  readonly PROJECT_ID
}

# What the operator gives the scripts (the environment, flags, arguments)
# is checked before anything runs: each value goes into gcloud's arguments
# (some as positional words, where a leading "-" is read as a flag), IAM
# conditions, URLs, and curl's requests, some of which carry a token.

# require_match NAME VALUE PATTERN WHAT: stops, naming NAME, unless VALUE
# matches PATTERN (whole). The value is not repeated: it may hold anything.
require_match() {
  if [[ ! "$2" =~ $3 ]]; then
    err "$1 must be $4"
    exit 2
  fi
}

# require_project_id: PROJECT_ID is a project id as Google makes them: 6-30
# of a-z, 0-9 and "-", a letter first, no "-" last. The legacy domain-scoped
# form (example.com:name), which no new project gets, is refused: its ":"
# and "." would need escaping in the URLs and names built from it.
require_project_id() {
  require_match PROJECT_ID "${PROJECT_ID}" '^[a-z][a-z0-9-]{4,28}[a-z0-9]$' \
    'a project id: 6-30 of a-z, 0-9 and -, a letter first, not ending in -'
}

# require_region: REGION names a region (us-central1, europe-west4): it is
# part of the URL an internal function first starts with.
require_region() {
  require_match REGION "${REGION}" '^[a-z]+(-[a-z]+)+[0-9]+$' 'a region, such as us-central1'
}

# require_connector: CONNECTOR is a Serverless VPC Access connector name,
# which gcloud takes as a positional word.
require_connector() {
  require_match CONNECTOR "${CONNECTOR}" '^[a-z][-a-z0-9]{0,23}[a-z0-9]$' \
    'a connector name: 2-25 of a-z, 0-9 and -, a letter first, not ending in -'
}

# This machine's loopback names, where plain HTTP reaches no one else: the
# local stack's addresses.
readonly LOOPBACK_HOST='(localhost|127\.0\.0\.1|\[::1\])'

# require_https_url NAME VALUE: VALUE is an https URL, or an http one on
# this machine (the local stack): a token sent over plain HTTP elsewhere is
# anyone's on the way. Host, port and path only: no user, query or fragment.
require_https_url() {
  require_match "$1" "$2" "^(https://[A-Za-z0-9.-]+|http://${LOOPBACK_HOST})(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$" \
    'an https URL (http only to localhost, 127.0.0.1 or [::1]): scheme, host, port and path'
}

# require_loopback_host NAME VALUE: VALUE is host:port on this machine (a
# local emulator, which speaks plain HTTP).
require_loopback_host() {
  require_match "$1" "$2" "^${LOOPBACK_HOST}:[0-9]{1,5}$" 'host:port on this machine (localhost, 127.0.0.1 or [::1])'
}

# The service account email of a function.
service_account() {
  echo "${SERVICE_ACCOUNT_ID[$1]}@${PROJECT_ID}.iam.gserviceaccount.com"
}

# database_of COLLECTION: the database of the function that keeps it.
database_of() {
  local fn collection
  for fn in "${FIRESTORE_FUNCTIONS[@]}"; do
    for collection in ${COLLECTIONS[${fn}]}; do
      [[ "${collection}" != "$1" ]] || { echo "${DATABASE[${fn}]}"; return; }
    done
  done
  err "no function keeps the collection $1"
  return 1
}

# The IAM condition that limits FN's roles/datastore.user to its own
# database, as gcloud's --condition takes it (and its title alone).
database_condition_title() {
  echo "${DATABASE[$1]} only"
}
database_condition() {
  echo "expression=resource.name == \"projects/${PROJECT_ID}/databases/${DATABASE[$1]}\",title=$(database_condition_title "$1"),description=The ${1} function's own database"
}

# firestore_grant FN [TITLE]: FN's roles/datastore.user binding under the
# condition titled TITLE, or without TITLE the project-wide one (no
# condition); empty when there is none (and in a dry run).
firestore_grant() {
  local condition='NOT bindings.condition:*'
  [[ -z "${2:-}" ]] || condition="bindings.condition.title=\"$2\""
  query '' gcloud projects get-iam-policy "${PROJECT_ID}" --flatten='bindings[].members' \
    --filter="bindings.role=roles/datastore.user AND bindings.members=serviceAccount:$(service_account "$1") AND ${condition}" \
    --format='value(bindings.role)'
}

# The role that lets a function's account export spans to the Telemetry API.
readonly TRACES_WRITER_ROLE=roles/telemetry.tracesWriter

# trace_writer_grant FN: FN's roles/telemetry.tracesWriter binding on the
# project; empty when there is none (and in a dry run).
trace_writer_grant() {
  query '' gcloud projects get-iam-policy "${PROJECT_ID}" --flatten='bindings[].members' \
    --filter="bindings.role=${TRACES_WRITER_ROLE} AND bindings.members=serviceAccount:$(service_account "$1")" \
    --format='value(bindings.role)'
}

# The URL a function is called on (and the audience of its tokens).
function_url() {
  query "https://$1-PLACEHOLDER-uc.a.run.app" \
    gcloud functions describe "$1" --gen2 --region="${REGION}" --project="${PROJECT_ID}" \
    --format='value(serviceConfig.uri)'
}

# The display name of the API key deploy.sh creates for end users' sign-in.
# shellcheck disable=SC2034 # used by the scripts that source this file
readonly END_USER_API_KEY_NAME=s2s-end-users

# The resource name of that key (empty when there is none; in a dry run,
# there is one when the script plans for a deployed project).
end_user_api_key_resource() {
  local placeholder=""
  [[ "${DRY_RUN_ASSUMES_EXISTING}" != true ]] ||
    placeholder="projects/${PROJECT_ID}/locations/global/keys/PLACEHOLDER"
  query "${placeholder}" \
    gcloud services api-keys list --project="${PROJECT_ID}" \
    --filter="displayName=${END_USER_API_KEY_NAME}" --format='value(name)' | head -n 1
}

# The key string of that key, for sign-up and sign-in (empty when there is none).
end_user_api_key() {
  local name
  name="$(end_user_api_key_resource)"
  [[ -n "${name}" ]] || return 0
  query "API_KEY" gcloud services api-keys get-key-string "${name}" --format='value(keyString)'
}
