metadata description = 'Flex Consumption plan and Function App (Node 22) running as the user-assigned identity, with every app setting src/config.ts reads.'

param name string
param planName string
param location string
param tags object

@description('Resource ID of the user-assigned identity the app runs as.')
param identityId string

@description('Client ID of that identity (AZURE_CLIENT_ID, storage and Key Vault connections).')
param identityClientId string

param storageAccountName string
param storageBlobEndpoint string
param deploymentContainerName string
param applicationInsightsName string
param keyVaultUri string

@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@allowed([512, 2048, 4096])
param instanceMemoryMB int

@description('Changes whenever the webhook key may have changed, so that the host restarts and reloads its keys from Key Vault.')
param webhookKeyVersion string

// Settings read by src/config.ts, named exactly as it reads them.
param durableTaskHub string
param gateRegistries string
param gateMode string
param acrTokenAudience string
param scannerKind string
param harborScannerUrl string
param scanQueueName string
param scanDeadline string
param approvalDeadline string
param policyDocument string
param approverTenantId string
param approverAudience string
param sweepSchedule string
param staleAfter string
param maxQuarantineAge string
param expireInQuarantine bool
@description('ARM id of the gated registry, for the sweep\'s management-plane checks.')
param registryResourceId string
param sweepReadBudgetPercent int
param auditTable string
param reportContainer string

@description('Overrides STATUS_BASE_URL; empty means https://<default host name>/api.')
param statusBaseUrl string

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource site 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// Deployments go through Entra ID (azd, Core Tools); no publishing user name and password.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

var effectiveStatusBaseUrl = empty(statusBaseUrl) ? 'https://${site.properties.defaultHostName}/api' : statusBaseUrl

resource appSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    // Host storage (also used by Durable Functions) by identity: no connection string, no key.
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    // Function keys live in Key Vault, where the template put the webhook key.
    AzureWebJobsSecretStorageType: 'keyvault'
    AzureWebJobsSecretStorageKeyVaultUri: keyVaultUri
    AzureWebJobsSecretStorageKeyVaultClientId: identityClientId
    ACR_WEBHOOK_KEY_VERSION: webhookKeyVersion
    // Telemetry by identity (Application Insights has local auth disabled).
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    // A larger young generation: judging a multi-megabyte scan report is dominated by GC of the parsed JSON
    // (npm run bench:policy measures with the same flag).
    languageWorkers__node__arguments: '--max-semi-space-size=64'
    // src/config.ts
    AZURE_CLIENT_ID: identityClientId
    DURABLE_TASK_HUB: durableTaskHub
    GATE_REGISTRIES: gateRegistries
    GATE_MODE: gateMode
    ACR_TOKEN_AUDIENCE: acrTokenAudience
    SCANNER_KIND: scannerKind
    HARBOR_SCANNER_URL: harborScannerUrl
    SCAN_QUEUE_NAME: scanQueueName
    SCAN_DEADLINE: scanDeadline
    APPROVAL_DEADLINE: approvalDeadline
    POLICY_DOCUMENT: policyDocument
    APPROVER_TENANT_ID: approverTenantId
    APPROVER_AUDIENCE: approverAudience
    SWEEP_SCHEDULE: sweepSchedule
    STALE_AFTER: staleAfter
    MAX_QUARANTINE_AGE: maxQuarantineAge
    EXPIRE_IN_QUARANTINE: expireInQuarantine ? 'true' : 'false'
    GATE_REGISTRY_RESOURCE_IDS: registryResourceId
    SWEEP_READ_BUDGET_PERCENT: string(sweepReadBudgetPercent)
    AUDIT_TABLE: auditTable
    REPORT_CONTAINER: reportContainer
    STATUS_BASE_URL: effectiveStatusBaseUrl
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output statusBaseUrl string = effectiveStatusBaseUrl
