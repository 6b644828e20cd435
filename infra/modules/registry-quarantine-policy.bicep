metadata description = 'Turns on the registry quarantine policy with one ARM PATCH of properties.policies.quarantinePolicy, run by an Azure CLI deployment script. Deployed only when enableQuarantinePolicy is true.'

param location string
param tags object

@description('ARM id of the existing registry.')
param registryId string

@description('Resource ID of the script\'s own user-assigned identity (it holds the registry policy role).')
param scriptIdentityId string

@description('The cloud\'s management endpoint, environment().resourceManager.')
param armEndpoint string

@description('Set by the deployment itself so that the script runs on every provision with the parameter on (the PATCH is idempotent). Do not pass.')
param runTag string = utcNow()

// Why a script and not a resource declaration: a template resource is a PUT of the whole resource. "When redeploying an
// existing resource in incremental mode, all properties are reapplied ... Properties that aren't included in the
// template are reset to the default values ... It can't represent a partial update to an existing resource"
// (https://learn.microsoft.com/azure/azure-resource-manager/templates/deployment-modes#incremental-mode). The old
// module therefore had to read the registry and write the whole GET body back, which can undo a concurrent change and
// writes properties that are not ours. ARM PATCH is JSON merge patch (ARM RPC, RPC-Patch-V1; Azure/azure-openapi-validator
// docs/consistent-patch-properties.md): the body below names one property and only that property changes.
// Deployment scripts: https://learn.microsoft.com/azure/azure-resource-manager/bicep/deployment-script-bicep
var registryApiVersion = '2025-04-01'

resource enableQuarantinePolicy 'Microsoft.Resources/deploymentScripts@2023-08-01' = {
  name: 'enable-quarantine-policy-${uniqueString(registryId)}'
  location: location
  tags: tags
  kind: 'AzureCLI'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${scriptIdentityId}': {}
    }
  }
  properties: {
    azCliVersion: '2.52.0'
    scriptContent: loadTextContent('scripts/enable-quarantine-policy.sh')
    environmentVariables: [
      { name: 'REGISTRY_ID', value: registryId }
      { name: 'ARM_ENDPOINT', value: armEndpoint }
      { name: 'API_VERSION', value: registryApiVersion }
    ]
    forceUpdateTag: runTag
    timeout: 'PT30M'
    retentionInterval: 'PT1H'
    cleanupPreference: 'OnSuccess'
  }
}

output quarantinePolicyStatus string = enableQuarantinePolicy.properties.outputs.quarantinePolicyStatus
