#!/usr/bin/env bash
# Runs inside the AzureCLI deployment script of registry-quarantine-policy.bicep, signed in as that script's own
# user-assigned identity. It sends ONE ARM PATCH whose body names only properties.policies.quarantinePolicy: ARM PATCH
# is JSON merge patch (RFC 7396), so every other registry property and every sibling policy stays as it is. It never
# reads the registry and writes it back (a template resource, or `az resource update`, would PUT a whole body).
#
# Inputs (environment): REGISTRY_ID (ARM id), ARM_ENDPOINT (the cloud's resourceManager URL), API_VERSION.
set -euo pipefail

: "${REGISTRY_ID:?REGISTRY_ID is required}"
: "${ARM_ENDPOINT:?ARM_ENDPOINT is required}"
: "${API_VERSION:?API_VERSION is required}"

url="${ARM_ENDPOINT%/}${REGISTRY_ID}?api-version=${API_VERSION}"
patch_body='{"properties":{"policies":{"quarantinePolicy":{"status":"enabled"}}}}'

# The script identity's role on the registry was granted in the same deployment; Azure RBAC can take minutes to
# propagate, so a 403 is retried for up to 10 minutes before the deployment fails (and nothing was changed).
attempt=1
until az rest --method patch --url "$url" --headers "Content-Type=application/json" --body "$patch_body" --output none; do
  if [ "$attempt" -ge 40 ]; then
    echo "enable-quarantine-policy: PATCH of quarantinePolicy failed after $attempt attempts" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 15
done

# The PATCH may complete asynchronously: read back (GET only) until the registry reports the policy enabled.
status=""
for _ in $(seq 1 40); do
  status="$(az rest --method get --url "$url" --query "properties.policies.quarantinePolicy.status" --output tsv || true)"
  [ "$status" = "enabled" ] && break
  sleep 15
done
if [ "$status" != "enabled" ]; then
  echo "enable-quarantine-policy: the registry reports quarantinePolicy.status '$status' after the PATCH" >&2
  exit 1
fi

printf '{"quarantinePolicyStatus":"%s"}\n' "$status" >"$AZ_SCRIPTS_OUTPUT_PATH"
