metadata description = 'Durable Task Scheduler and its task hub for Durable Functions (durableBackend = durableTaskScheduler), with Durable Task Data Contributor for the app identity on the task hub only.'

import { durableTaskDataContributor } from 'role-ids.bicep'

@description('Scheduler name: 3-64 letters, digits and hyphens.')
@minLength(3)
@maxLength(64)
param name string

@description('Task hub name; the app reads it as DURABLE_TASK_HUB (host.json hubName).')
@minLength(3)
@maxLength(45)
param taskHubName string

param location string
param tags object

@allowed(['Consumption', 'Dedicated'])
@description('Consumption: pay per action, up to 500 actions/s. Dedicated: capacity units of up to 2,000 actions/s each (https://learn.microsoft.com/azure/azure-functions/durable/durable-task-scheduler/durable-task-scheduler-billing).')
param skuName string

@description('Principal ID of the app identity.')
param appPrincipalId string

@description('Name of that identity; seeds the role assignment name, which must be known before deployment starts.')
param appIdentityName string

// API version 2025-11-01: the GA version of Microsoft.DurableTask (Azure.ResourceManager.DurableTask 1.0.0 targets it;
// Microsoft's Bicep pattern for the scheduler and task hub uses it too). An empty ipAllowlist denies all traffic, so
// the scheduler accepts any address and relies on Entra ID (managed identity) for access, as Microsoft's
// durable-functions-quickstart-typescript-azd does (infra/app/dts.bicep, ipAllowlist ['0.0.0.0/0']).
resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    ipAllowlist: ['0.0.0.0/0']
    sku: { name: skuName }
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

// Scoped to the task hub, not the scheduler: a scheduler-level grant covers every task hub in it
// (https://learn.microsoft.com/azure/azure-functions/durable/durable-task-scheduler/durable-task-scheduler-identity).
resource taskHubRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(taskHub.id, appIdentityName, durableTaskDataContributor)
  scope: taskHub
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributor)
  }
}

output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
output schedulerName string = scheduler.name
