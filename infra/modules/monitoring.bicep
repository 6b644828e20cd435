metadata description = 'Log Analytics and Application Insights; telemetry is accepted only with an Entra ID token.'

import { monitoringMetricsPublisher } from 'role-ids.bicep'

param logAnalyticsName string
param applicationInsightsName string
param location string
param tags object

@description('Principal that sends telemetry (the app identity).')
param publisherPrincipalId string

@description('Name of that identity; seeds role assignment names, which must be known before deployment starts.')
param appIdentityName string

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
    features: { disableLocalAuth: true }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    DisableLocalAuth: true
  }
}

resource publisherRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appIdentityName, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    principalId: publisherPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
  }
}

// The connection string is read where it is used (function-app.bicep) rather than passed through outputs.
output applicationInsightsName string = applicationInsights.name
output logAnalyticsName string = logAnalytics.name
