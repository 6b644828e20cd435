metadata description = 'Key Vault that holds the Function App keys (AzureWebJobsSecretStorageType=keyvault), including the key the ACR webhook sends.'

import { keyVaultSecretsOfficer } from 'role-ids.bicep'

param name string
param location string
param tags object

@description('The app identity: the Functions host reads and writes its keys here.')
param appPrincipalId string

@description('Name of that identity; seeds role assignment names, which must be known before deployment starts.')
param appIdentityName string

@description('Name of the HTTP function the webhook calls; the host looks up its keys as function--<name>--<key>.')
param webhookFunctionName string

@description('Name of the function key the webhook sends.')
param webhookKeyName string

@secure()
@description('Value of that function key. Written only to this vault and to the webhook custom header, both write-only.')
param webhookKey string

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enabledForTemplateDeployment: false
    enabledForDeployment: false
    enabledForDiskEncryption: false
    // Short retention: the vault holds only keys that can be regenerated, and `azd down --purge` must be able to remove it.
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

// Secret name format of the Functions host's Key Vault secrets repository: function--{functionName}--{keyName}.
resource webhookKeySecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: vault
  name: 'function--${webhookFunctionName}--${webhookKeyName}'
  properties: {
    value: webhookKey
    contentType: 'Azure Functions function key (ACR webhook)'
  }
}

resource hostKeysRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appIdentityName, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
@description('The secret resource name, for dependency ordering and the deploy guide; never its value.')
output webhookKeySecretName string = webhookKeySecret.name
