metadata description = 'The poison queue, and the scan worker\'s roles on the scan and poison queues, each scoped to its queue, nothing account-wide.'

import {
  storageQueueDataMessageProcessor
  storageQueueDataMessageSender
  storageQueueDataReader
} from 'scanner-role-ids.bicep'

@description('The app\'s storage account (storage.bicep), which holds the scan queue.')
param storageAccountName string

@description('The scan queue (SCAN_QUEUE_NAME), created by storage.bicep.')
param scanQueueName string

@description('The poison queue, created here.')
param poisonQueueName string

@description('The identity the worker\'s code runs as.')
param workerPrincipalId string
param workerIdentityName string

@description('The identity the KEDA scaler reads the queue length with (not available to the worker\'s code).')
param scalerPrincipalId string
param scalerIdentityName string

resource account 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-01-01' existing = {
  parent: account
  name: 'default'
}

resource scanQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' existing = {
  parent: queueService
  name: scanQueueName
}

resource poisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = {
  parent: queueService
  name: poisonQueueName
}

// Receive and delete scan requests. Nothing more: no add, no update (renewal), no queue management. The worker sets
// each request's visibility once, on receive, long enough for the whole scan (scanner-worker/queues.ts).
resource processorRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanQueue.id, workerIdentityName, storageQueueDataMessageProcessor)
  scope: scanQueue
  properties: {
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataMessageProcessor)
    description: 'ACR Quarantine Gate scan worker: receive and delete scan requests'
  }
}

// Add the record of a request the worker gives up on; it cannot read or delete anything there.
resource senderRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(poisonQueue.id, workerIdentityName, storageQueueDataMessageSender)
  scope: poisonQueue
  properties: {
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataMessageSender)
    description: 'ACR Quarantine Gate scan worker: record poisoned scan requests'
  }
}

// The scaler's own identity: with queueLengthStrategy visibleonly KEDA peeks (messages/read); past 32 visible
// messages it falls back to the queue's approximate count (Get Queue Metadata), which Message Processor does not
// cover. Reader can look, never take or delete.
resource scalerRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanQueue.id, scalerIdentityName, storageQueueDataReader)
  scope: scanQueue
  properties: {
    principalId: scalerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataReader)
    description: 'ACR Quarantine Gate scan job scaler: read the scan queue length'
  }
}

output poisonQueueName string = poisonQueue.name
