metadata description = 'Deployed into the registry\'s resource group only when enableQuarantinePolicy is true: lets the quarantine-policy deployment script\'s own identity configure registry policies, and nothing else.'

import { containerRegistryConfigurationAdministrator } from 'role-ids.bicep'

@description('Name of the existing registry.')
param registryName string

@description('Principal ID of the deployment script\'s identity (never the app identity).')
param scriptPrincipalId string

@description('Name of that identity; seeds the role assignment name, which must be known before deployment starts.')
param scriptIdentityName string

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: registryName
}

// Control plane only: no push, pull or delete of images and no role assignments; it does include "configure registry
// policies (... registry-wide quarantine enablement ...)"
// (https://learn.microsoft.com/azure/container-registry/container-registry-rbac-built-in-roles-directory-reference).
// The identity exists only for the script and is used by nothing else.
resource policyWriterRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, scriptIdentityName, containerRegistryConfigurationAdministrator)
  scope: registry
  properties: {
    principalId: scriptPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      containerRegistryConfigurationAdministrator
    )
    description: 'ACR Quarantine Gate deployment: PATCH properties.policies.quarantinePolicy'
  }
}
