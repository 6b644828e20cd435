#!/usr/bin/env bash
# Runs inside the AzureCLI deployment script of registry-quarantine-policy.bicep, signed in as that script's own
# user-assigned identity. It sends ONE ARM PATCH whose body names only properties.policies.quarantinePolicy: ARM PATCH
# is JSON merge patch (RFC 7396), so every other registry property and every sibling policy stays as it is. It never
# writes back what it read (a template resource, or `az resource update --set`, PUTs a whole body).
# That ACR merges inside `policies` is ARM's rule, not something ACR documents for this property (docs/local-stack.md,
# "Unconfirmed: deployment"): so the sibling policies are read before and after, and any change fails the deployment
# loudly, naming the policy and its value before, for the operator to restore.
#
# Inputs (environment): REGISTRY_ID (ARM id), ARM_ENDPOINT (the cloud's resourceManager URL), API_VERSION;
# RETRY_SECONDS (default 15) between attempts.
set -euo pipefail

: "${REGISTRY_ID:?REGISTRY_ID is required}"
: "${ARM_ENDPOINT:?ARM_ENDPOINT is required}"
: "${API_VERSION:?API_VERSION is required}"
retry_seconds="${RETRY_SECONDS:-15}"

url="${ARM_ENDPOINT%/}${REGISTRY_ID}?api-version=${API_VERSION}"
patch_body='{"properties":{"policies":{"quarantinePolicy":{"status":"enabled"}}}}'
siblings_query="properties.policies.{trust:trustPolicy,retention:retentionPolicy,export:exportPolicy,softDelete:softDeletePolicy,armAudience:azureADAuthenticationAsArmPolicy}"

# The script identity's role on the registry was granted in the same deployment; Azure RBAC can take minutes to
# propagate, so a refusal is retried (40 attempts) before the deployment fails, having changed nothing.
attempt=1
until before="$(az rest --method get --url "$url" --query "$siblings_query" --output json)"; do
  [ "$attempt" -lt 40 ] || { echo "enable-quarantine-policy: cannot read the registry" >&2; exit 1; }
  attempt=$((attempt + 1))
  sleep "$retry_seconds"
done

attempt=1
until az rest --method patch --url "$url" --headers "Content-Type=application/json" --body "$patch_body" --output none; do
  if [ "$attempt" -ge 40 ]; then
    echo "enable-quarantine-policy: PATCH of quarantinePolicy failed after $attempt attempts" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep "$retry_seconds"
done

# The PATCH may complete asynchronously: read back (GET only) until the registry reports the policy enabled.
status=""
for _ in $(seq 1 40); do
  status="$(az rest --method get --url "$url" --query "properties.policies.quarantinePolicy.status" --output tsv || true)"
  [ "$status" = "enabled" ] && break
  sleep "$retry_seconds"
done
if [ "$status" != "enabled" ]; then
  echo "enable-quarantine-policy: the registry reports quarantinePolicy.status '$status' after the PATCH" >&2
  exit 1
fi

after="$(az rest --method get --url "$url" --query "$siblings_query" --output json)"
if [ "$(printf '%s' "$before" | tr -d ' \n\t')" != "$(printf '%s' "$after" | tr -d ' \n\t')" ]; then
  echo "enable-quarantine-policy: other registry policies changed with the quarantine PATCH; restore them:" >&2
  echo "before: $before" >&2
  echo "after:  $after" >&2
  exit 1
fi

printf '{"quarantinePolicyStatus":"%s"}\n' "$status" >"$AZ_SCRIPTS_OUTPUT_PATH"
