metadata description = 'The deployment\'s own container registry, for the scan worker image: not the registry the gate quarantines, so the gate never gates its own scanner.'

import { acrPull } from 'scanner-role-ids.bicep'

@minLength(5)
@maxLength(50)
param name string
param location string
param tags object

@description('Principal that pulls the worker image (the job\'s platform identity).')
param pullPrincipalId string

@description('Name of that identity; seeds the role assignment name, which must be known before deployment starts.')
param pullIdentityName string

// Basic is enough for one image, and has no quarantine policy (quarantine is Premium-only), so nothing pushed here can
// ever wait for a gate. No admin user, no anonymous pull: azd's remote build (ACR Tasks) pushes, the job pulls with its
// identity. Role assignment mode is set, not left to a default: in "RBAC Registry + ABAC Repository Permissions"
// mode AcrPull no longer grants pulls (learn.microsoft.com/azure/container-registry/container-registry-rbac-abac-repository-permissions).
resource registry 'Microsoft.ContainerRegistry/registries@2025-11-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: 'Basic' }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Enabled'
    roleAssignmentMode: 'LegacyRegistryPermissions'
  }
}

resource pullRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, pullIdentityName, acrPull)
  scope: registry
  properties: {
    principalId: pullPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPull)
    description: 'ACR Quarantine Gate scan worker: pull its own image'
  }
}

output name string = registry.name
output id string = registry.id
output loginServer string = registry.properties.loginServer
