metadata description = 'The storage account for the Functions host, Durable Functions and the app: Entra ID only, no shared keys.'

import {
  storageBlobDataOwner
  storageQueueDataContributor
  storageTableDataContributor
  storageQueueDataMessageProcessor
} from 'role-ids.bicep'

param name string
param location string
param tags object

@description('Blob container that holds the Flex Consumption deployment package.')
param deploymentContainerName string

@description('Blob container for compliance reports (REPORT_CONTAINER).')
param reportContainerName string

@description('Blob container of OpenVEX documents (VEX_CONTAINER); the app reads it with its identity (Storage Blob Data Owner on the account).')
param vexContainerName string

@description('Queue that carries scan requests to external scanners (SCAN_QUEUE_NAME).')
param scanQueueName string

@description('Table for decision records (AUDIT_TABLE).')
param auditTableName string

@description('The app identity: gets blob, queue and table data roles on this account.')
param appPrincipalId string

@description('Name of that identity; seeds role assignment names, which must be known before deployment starts.')
param appIdentityName string

@description('Optional: principal of an external scanner worker; gets message-processor rights on the scan queue only.')
param scanWorkerPrincipalId string

resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    // Identity only: account keys and SAS cannot be used, so there is no key to keep.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: account
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: { publicAccess: 'None' }
}

resource reportContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: reportContainerName
  properties: { publicAccess: 'None' }
}

resource vexContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: vexContainerName
  properties: { publicAccess: 'None' }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-01-01' = {
  parent: account
  name: 'default'
}

resource scanQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = {
  parent: queueService
  name: scanQueueName
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-01-01' = {
  parent: account
  name: 'default'
}

resource auditTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-01-01' = {
  parent: tableService
  name: auditTableName
}

resource blobRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appIdentityName, storageBlobDataOwner)
  scope: account
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
  }
}

resource queueRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appIdentityName, storageQueueDataContributor)
  scope: account
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
  }
}

resource tableRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appIdentityName, storageTableDataContributor)
  scope: account
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributor)
  }
}

resource scanWorkerRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(scanWorkerPrincipalId)) {
  name: guid(scanQueue.id, scanWorkerPrincipalId, storageQueueDataMessageProcessor)
  scope: scanQueue
  properties: {
    principalId: scanWorkerPrincipalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataMessageProcessor)
  }
}

output name string = account.name
@description('Data-plane endpoints as the account reports them (primaryEndpoints), so they carry the right DNS suffix in every cloud.')
output endpoints object = {
  blob: account.properties.primaryEndpoints.blob
  queue: account.properties.primaryEndpoints.queue
  table: account.properties.primaryEndpoints.table
}
output deploymentContainerName string = deploymentContainer.name
output reportContainerName string = reportContainer.name
output vexContainerName string = vexContainer.name
output scanQueueName string = scanQueue.name
output auditTableName string = auditTable.name
