metadata description = 'The Container Apps environment of the scan job and the Trivy server: workload profiles (Consumption), logs to Log Analytics through Azure Monitor (no workspace key).'

param name string
param location string
param tags object

@description('The deployment\'s Log Analytics workspace (monitoring.bicep).')
param logAnalyticsName string

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: logAnalyticsName
}

// destination "azure-monitor" sends the logs through diagnostic settings, so the environment never holds the
// workspace's shared key (the "log-analytics" destination takes customerId + sharedKey).
resource environment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: { destination: 'azure-monitor' }
    workloadProfiles: [{ name: 'Consumption', workloadProfileType: 'Consumption' }]
  }
}

resource logs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: environment
  properties: {
    workspaceId: logAnalytics.id
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
  }
}

output id string = environment.id
output name string = environment.name
