metadata description = 'Event Grid custom topic for the gate notifications: CloudEvents 1.0 input, Microsoft Entra ID only (no access keys), and the app identity as its EventGrid Data Sender at topic scope.'

import { eventGridDataSender } from 'role-ids.bicep'

param name string
param location string
param tags object

@description('The app identity: publishes the notifications.')
param appPrincipalId string

@description('Name of that identity; seeds the role assignment name, which must be known before deployment starts.')
param appIdentityName string

// inputSchema CloudEventSchemaV1_0: the topic takes CloudEvents 1.0 (what @azure/eventgrid sends for the "CloudEvent"
// schema). disableLocalAuth: true turns off access keys and SAS tokens, so only Entra ID tokens publish ("The API
// parameter used to disable local authentication is called ... disableLocalAuth", Microsoft Learn,
// event-grid/authenticate-with-microsoft-entra-id.md; PSRule Azure.EventGrid.DisableLocalAuth shows the same properties).
resource topic 'Microsoft.EventGrid/topics@2022-06-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

// "the security principal used by a client application that sends events to Event Grid must have the RBAC role
// EventGrid Data Sender", assignable at the scope of "a specific Event Grid topic" (same article): this topic only.
resource sender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(topic.id, appIdentityName, eventGridDataSender)
  scope: topic
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventGridDataSender)
  }
}

@description('The topic endpoint (https://<topic>.<region>-1.eventgrid.azure.net/api/events): not a secret.')
output endpoint string = topic.properties.endpoint
output id string = topic.id
