metadata description = 'Deployed into the target registry\'s resource group: the app identity\'s roles on the registry, and the webhook that calls the app.'

import { acrPush, acrQuarantineReader, acrQuarantineWriter, containerRegistryRepositoryWriter, reader } from 'role-ids.bicep'

@description('Name of the existing registry.')
param registryName string

@description('Principal ID of the app identity.')
param appPrincipalId string

@description('Name of the app identity; seeds the role assignment names, which must be known before deployment starts.')
param appIdentityName string

@description('Location of the registry (a webhook must be in one of its locations; the home location always qualifies).')
param registryLocation string

@description('Webhook resource name (alphanumeric, 5-50).')
@minLength(5)
@maxLength(50)
param webhookName string

@description('Webhook repository filter: "repo:*", "repo:tag", or empty for every repository.')
param webhookScope string

@secure()
@description('HTTPS URL of the acrEvents function. ACR treats it as write-only, as it may carry credentials.')
param webhookServiceUri string

@secure()
@description('Function key sent in the x-functions-key header. ACR keeps custom headers write-only.')
param webhookKey string

@allowed([
  'LegacyRegistryPermissions'
  'AbacRepositoryPermissions'
])
@description('The registry\'s role assignment permissions mode; chooses the push role (AcrPush is not honoured in ABAC mode).')
param roleAssignmentMode string

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: registryName
}

// Four roles at registry scope; docs/deploy.md explains each, test/infra
// checks that there are no others.
resource quarantineReaderRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, appIdentityName, acrQuarantineReader)
  scope: registry
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrQuarantineReader)
    description: 'ACR Quarantine Gate: pull quarantined images by digest for scanning'
  }
}

resource quarantineWriterRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, appIdentityName, acrQuarantineWriter)
  scope: registry
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrQuarantineWriter)
    description: 'ACR Quarantine Gate: mark images Passed or Failed'
  }
}

resource readerRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, appIdentityName, reader)
  scope: registry
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', reader)
    description: 'ACR Quarantine Gate: read registry policy and webhooks (sweep); pull released images (shadow mode, backfill)'
  }
}

// Pushing the gate's referrers (docs/attestations.md "Permissions") is a registry write in the image's own repository:
// AcrPush on a classic registry; on an ABAC-enabled one, where "Legacy ACR roles such as AcrPull, AcrPush, and
// AcrDelete are not honored" (learn.microsoft.com/azure/container-registry/container-registry-rbac-abac-repository-permissions),
// Container Registry Repository Writer, assigned without a condition, which "grants registry-wide permissions, similar
// to legacy roles" (same page). Both are data-plane push and pull only; neither deletes, nor touches the registry
// resource. Granted whether attestations are on or off: re-evaluation's manifest lock (readEnabled=false at a
// remediation deadline or a break-glass expiry, docs/reevaluation.md) is a metadata write, which the quarantine roles do
// not give (the local emulator refuses it with "requires metadata write (AcrPush)"; unconfirmed on Azure, see
// docs/local-stack.md). Without it an expired override would stay released.
var attestationPushRole = roleAssignmentMode == 'AbacRepositoryPermissions'
  ? containerRegistryRepositoryWriter
  : acrPush

resource attestationPushRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, appIdentityName, attestationPushRole)
  scope: registry
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', attestationPushRole)
    description: 'ACR Quarantine Gate: push its referrers (scan reports, signed decisions); lock manifests at a remediation deadline'
  }
}

resource webhook 'Microsoft.ContainerRegistry/registries/webhooks@2025-04-01' = {
  parent: registry
  name: webhookName
  location: registryLocation
  properties: {
    status: 'enabled'
    actions: [
      'quarantine'
      'push'
      'delete'
    ]
    scope: webhookScope
    serviceUri: webhookServiceUri
    customHeaders: {
      'x-functions-key': webhookKey
    }
  }
  dependsOn: [
    // Deliveries start at once; let the app be able to act on them.
    quarantineReaderRole
    quarantineWriterRole
  ]
}

output webhookName string = webhook.name
output registryId string = registry.id
