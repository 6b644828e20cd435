#!/bin/sh
# azd preprovision and postprovision hook: creates or updates the approver API's Entra app registration and its
# service principal, and hands its tenant, client ID and Application ID URI to the deployment as azd environment values
# (APPROVER_TENANT_ID, APPROVER_CLIENT_ID, APPROVER_APP_ID_URI), which infra/main.parameters.json reads. Once the
# Function App exists (FUNCTION_APP_URL, a Bicep output azd keeps in the environment: the postprovision run), it also
# registers the approval page's redirect URI <FUNCTION_APP_URL>/api/ui/ on the SPA platform (spa.redirectUris).
# Documented in docs/approver-app.md.
#
# Idempotent: the application is found by its Graph alternate key `uniqueName` (stable per azd environment) and
# updated in place; it is created only when that lookup answers 404, with Graph's upsert
# `PATCH /applications(uniqueName='…')` + `Prefer: create-if-missing`, which can never make a second application with
# the same uniqueName (https://learn.microsoft.com/graph/api/application-upsert). App role and scope IDs are kept
# across runs: Graph refuses removing an enabled role ("To delete a role, this must first be set to false",
# microsoft-graph-docs appRole.md `isEnabled`).
#
# Needs the Azure CLI signed in (`az login`) to the deployment's tenant, with the right to create applications
# (the default "users can register applications", or the Application Developer role).
#
# Settings (environment or azd env): APPROVER_APP_UNIQUE_NAME (default acr-quarantine-gate-<AZURE_ENV_NAME>),
# APPROVER_APP_DISPLAY_NAME, APPROVER_ACCESS_TOKEN_VERSION ("" = null → v1.0 tokens, the Entra default; or 2),
# APPROVER_APP_SKIP=true (leave approvals closed, touch nothing), APPROVER_APP_RETRY_DELAY (seconds, default 5),
# FUNCTION_APP_URL (https://<function app host>; read from the azd environment when not set).
set -eu

log() { printf 'approver-app: %s\n' "$*" >&2; }
fail() {
  log "error: $*"
  exit 1
}

if [ "${APPROVER_APP_SKIP:-false}" = "true" ]; then
  log "APPROVER_APP_SKIP=true: no app registration is created; approvals stay closed until APPROVER_CLIENT_ID is set"
  exit 0
fi

command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is required"
command -v azd >/dev/null 2>&1 || fail "the Azure Developer CLI (azd) is required"

# azd injects its environment into hooks; run by hand, read it with `azd env get-value` (Azure/azure-dev#4080).
env_name="${AZURE_ENV_NAME:-$(azd env get-value AZURE_ENV_NAME 2>/dev/null || true)}"
[ -n "$env_name" ] || fail "AZURE_ENV_NAME is not set: run this through azd (azd provision, or azd hooks run preprovision)"

unique_name="${APPROVER_APP_UNIQUE_NAME:-acr-quarantine-gate-${env_name}}"
display_name="${APPROVER_APP_DISPLAY_NAME:-ACR Quarantine Gate approvals (${env_name})}"
retry_delay="${APPROVER_APP_RETRY_DELAY:-5}"

# Both end up in a URL and in JSON: allow only characters that need no escaping there.
case "$unique_name" in
  "" | *[!A-Za-z0-9._-]*) fail "APPROVER_APP_UNIQUE_NAME may contain only letters, digits, '.', '_' and '-': $unique_name" ;;
esac
case "$display_name" in
  "" | *[!A-Za-z0-9\ ._\(\)-]*) fail "APPROVER_APP_DISPLAY_NAME may contain only letters, digits, spaces and . _ ( ) -" ;;
esac
case "$retry_delay" in
  "" | *[!0-9]*) fail "APPROVER_APP_RETRY_DELAY must be a whole number of seconds" ;;
esac

# api.requestedAccessTokenVersion: null or 1 → v1.0 tokens (a new registration's default), 2 → v2.0
# (microsoft-graph-docs apiApplication.md). The approvals API accepts both (src/auth/entra-claims.ts).
case "${APPROVER_ACCESS_TOKEN_VERSION:-}" in
  "") token_version=null ;;
  1 | 2) token_version="$APPROVER_ACCESS_TOKEN_VERSION" ;;
  *) fail "APPROVER_ACCESS_TOKEN_VERSION must be empty, 1 or 2" ;;
esac

# The approval page (web/src/auth.ts) signs in with MSAL.js 2+, whose authorization code flow with PKCE redeems the
# code by a CORS request, which Entra allows only for redirect URIs of the SPA platform (Microsoft Learn,
# https://learn.microsoft.com/entra/identity-platform/scenario-spa-app-registration "Redirect URI: MSAL.js 2.0 with
# auth code flow"); in Graph that is application.spa.redirectUris
# (https://learn.microsoft.com/graph/api/resources/spaapplication). MSAL's redirectUri is <origin>/api/ui/, the route
# the Function App serves the page at (src/functions/approvalPage.ts). Redirect URIs must be https
# (https://learn.microsoft.com/entra/identity-platform/reply-url). The host exists only after Bicep ran, so the
# preprovision run of a first `azd up` has none and leaves spa alone; the postprovision run adds it.
function_app_url="${FUNCTION_APP_URL:-$(azd env get-value FUNCTION_APP_URL 2>/dev/null || true)}"
function_app_url="${function_app_url%/}"
spa_redirect_uri=""
if [ -n "$function_app_url" ]; then
  function_app_host="${function_app_url#https://}"
  case "$function_app_url" in
    https://*) ;;
    *) fail "FUNCTION_APP_URL must be https://<function app host>: $function_app_url" ;;
  esac
  case "$function_app_host" in
    "" | *[!A-Za-z0-9.-]*) fail "FUNCTION_APP_URL must be https://<host> with only letters, digits, '.' and '-': $function_app_url" ;;
  esac
  spa_redirect_uri="https://$function_app_host/api/ui/"
fi

tenant=$(az account show --query tenantId -o tsv) || fail "the Azure CLI is not signed in: run az login"
[ -n "$tenant" ] || fail "could not read the signed-in tenant (az account show)"
lower() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }
if [ -n "${AZURE_TENANT_ID:-}" ] && [ "$(lower "$AZURE_TENANT_ID")" != "$(lower "$tenant")" ]; then
  fail "the Azure CLI is signed in to tenant $tenant but the deployment uses AZURE_TENANT_ID=$AZURE_TENANT_ID: run az login --tenant $AZURE_TENANT_ID"
fi

graph=$(az cloud show --query endpoints.microsoftGraphResourceId -o tsv) || fail "could not read the cloud's Microsoft Graph endpoint"
graph="${graph%/}/v1.0"
app_url="$graph/applications(uniqueName='$unique_name')"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The fixed IDs of a first run; a later run keeps whatever IDs the application already has for these values.
approver_role_id=89442f9c-358e-4412-9280-0ec98554204d
override_role_id=c551d8cc-d768-4715-a376-a4084b6814c1
reader_role_id=89565164-3cd6-4f38-9bf3-e5bd0a0a5132
scope_id=3c349213-6e89-4bca-8dbb-ee9da356cc89
# Azure CLI's public client ID (azure-cli-core azure/cli/core/auth/identity.py AZURE_CLI_CLIENT_ID), pre-authorized
# so that approvers can run `az account get-access-token --resource api://<client id>` without a consent prompt.
azure_cli_client_id=04b07795-8ddb-461a-bbee-02f9e1bf7b46

# Runs `az rest`; a 404 from Graph prints nothing and succeeds with status 3, any other failure stops the hook.
graph_call() {
  if az rest "$@" 2>"$work/stderr"; then
    return 0
  fi
  if grep -q -e 'Request_ResourceNotFound' -e 'Not Found' "$work/stderr"; then
    return 3
  fi
  cat "$work/stderr" >&2
  fail "Microsoft Graph refused: az rest $*"
}

# Retries a call that may race Entra's replication right after a creation.
with_retry() {
  attempt=1
  while :; do
    status=0
    graph_call "$@" || status=$?
    if [ "$status" -eq 0 ]; then return 0; fi
    [ "$attempt" -lt 6 ] || fail "Microsoft Graph still answers 404 after $attempt attempts: az rest $*"
    sleep $((retry_delay * attempt))
    attempt=$((attempt + 1))
  done
}

# Prints: appId, then the IDs the application already has for our roles and scope (empty lines when absent), then its
# SPA redirect URIs separated by spaces (a URI has none).
read_application() {
  graph_call --method get --url "$app_url" -o tsv --query \
    "[appId, join('', appRoles[?value=='Quarantine.Approver'].id || \`[]\`), join('', appRoles[?value=='Quarantine.Override'].id || \`[]\`), join('', appRoles[?value=='Quarantine.Reader'].id || \`[]\`), join('', api.oauth2PermissionScopes[?value=='user_impersonation'].id || \`[]\`), join(' ', spa.redirectUris || \`[]\`)]"
}

app_id=""
existing_spa_uris=""
status=0
read_application >"$work/app.tsv" || status=$?
if [ "$status" -eq 0 ]; then
  {
    read -r app_id
    read -r id && approver_role_id="${id:-$approver_role_id}"
    read -r id && override_role_id="${id:-$override_role_id}"
    read -r id && reader_role_id="${id:-$reader_role_id}"
    read -r id && scope_id="${id:-$scope_id}"
    read -r existing_spa_uris
  } <"$work/app.tsv" || true
  log "found application $unique_name (client ID $app_id): updating it"
fi

# The `spa` property: the redirect URIs already registered (someone's custom domain stays) plus the page's, once. Empty
# when the Function App's host is not known yet: the update then leaves spa as it is (properties a PATCH does not send
# keep their values: https://learn.microsoft.com/graph/api/application-update).
spa_property() {
  [ -n "$spa_redirect_uri" ] || return 0
  uris=""
  listed=false
  set -f # the URIs are split on spaces, never expanded as file patterns
  for uri in $existing_spa_uris; do
    case "$uri" in
      *[\"\\]*) fail "the application has a SPA redirect URI this hook cannot copy safely: $uri" ;;
    esac
    [ "$uri" = "$spa_redirect_uri" ] && listed=true
    uris="$uris${uris:+, }\"$uri\""
  done
  set +f
  [ "$listed" = true ] || uris="$uris${uris:+, }\"$spa_redirect_uri\""
  printf '"spa": {"redirectUris": [%s]},' "$uris"
}

# The application's definition. `pre_authorized` is empty on creation (the scope it names must exist first).
write_application() { # $1: identifierUris JSON, $2: preAuthorizedApplications JSON, $3: the spa property or nothing
  cat >"$work/application.json" <<JSON
{
  "displayName": "$display_name",
  $3
  "signInAudience": "AzureADMyOrg",
  "identifierUris": $1,
  "api": {
    "requestedAccessTokenVersion": $token_version,
    "oauth2PermissionScopes": [
      {
        "id": "$scope_id",
        "value": "user_impersonation",
        "type": "User",
        "isEnabled": true,
        "adminConsentDisplayName": "Use the ACR Quarantine Gate approvals API",
        "adminConsentDescription": "Lets the app call the ACR Quarantine Gate approvals API as the signed-in user; what the user may do is set by the app roles assigned to them.",
        "userConsentDisplayName": "Use the ACR Quarantine Gate approvals API",
        "userConsentDescription": "Lets the app call the ACR Quarantine Gate approvals API on your behalf."
      }
    ],
    "preAuthorizedApplications": $2
  },
  "appRoles": [
    {
      "id": "$approver_role_id",
      "value": "Quarantine.Approver",
      "displayName": "Quarantine approver",
      "description": "Approve or reject images that wait for approval.",
      "allowedMemberTypes": ["User"],
      "isEnabled": true
    },
    {
      "id": "$override_role_id",
      "value": "Quarantine.Override",
      "displayName": "Quarantine break-glass override",
      "description": "Release an image whose policy verdict failed, with a justification (always audited).",
      "allowedMemberTypes": ["User"],
      "isEnabled": true
    },
    {
      "id": "$reader_role_id",
      "value": "Quarantine.Reader",
      "displayName": "Quarantine reader",
      "description": "Read image status, pending approvals and the audit trail; decides nothing.",
      "allowedMemberTypes": ["User", "Application"],
      "isEnabled": true
    }
  ]
}
JSON
}

if [ -z "$app_id" ]; then
  log "creating application $unique_name"
  write_application "[]" "[]" ""
  app_id=$(graph_call --method patch --url "$app_url" --headers "Prefer=create-if-missing" \
    --body "@$work/application.json" --query appId -o tsv) || fail "creating application $unique_name failed"
  [ -n "$app_id" ] || fail "Microsoft Graph created $unique_name but returned no appId"
fi

# The default Application ID URI form, allowed by every identifier URI policy for v1.0 and v2.0 apps
# (entra-docs identifier-uri-restrictions.md): api://{appId}.
app_id_uri="api://$app_id"
# An assignment, so that a failure inside the command substitution stops the hook (set -e).
spa=$(spa_property)
write_application "[\"$app_id_uri\"]" \
  "[{\"appId\": \"$azure_cli_client_id\", \"delegatedPermissionIds\": [\"$scope_id\"]}]" "$spa"
with_retry --method patch --url "$app_url" --body "@$work/application.json"
if [ -n "$spa_redirect_uri" ]; then
  log "the approval page's redirect URI $spa_redirect_uri is registered (SPA platform)"
else
  log "FUNCTION_APP_URL is not known yet: the approval page's redirect URI is added by the postprovision run"
fi

# The service principal (enterprise application): the object users and groups are assigned app roles on.
sp_url="$graph/servicePrincipals(appId='$app_id')"
status=0
graph_call --method get --url "$sp_url" --query id -o tsv >"$work/sp.tsv" || status=$?
if [ "$status" -ne 0 ]; then
  log "creating the service principal of $app_id"
  printf '{"appId": "%s"}\n' "$app_id" >"$work/sp.json"
  with_retry --method post --url "$graph/servicePrincipals" --body "@$work/sp.json" --query id -o tsv >"$work/sp.tsv"
fi
sp_id=$(cat "$work/sp.tsv")
# Only users and apps with a role assignment get tokens for the API at all.
printf '{"appRoleAssignmentRequired": true}\n' >"$work/sp-settings.json"
with_retry --method patch --url "$sp_url" --body "@$work/sp-settings.json"

azd env set APPROVER_TENANT_ID "$tenant"
azd env set APPROVER_CLIENT_ID "$app_id"
azd env set APPROVER_APP_ID_URI "$app_id_uri"
azd env set APPROVER_SERVICE_PRINCIPAL_ID "$sp_id"
log "approver API: tenant $tenant, client ID $app_id, App ID URI $app_id_uri, service principal $sp_id"
log "assign the first approver: see docs/approver-app.md"
