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

@description('The account\'s data-plane endpoints as the storage resource reports them (primaryEndpoints), so that they are right in every cloud.')
param storageEndpoints {
  blob: string
  queue: string
  table: string
}
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
@description('APPROVER_TENANT_ID: tenant of the approver app registration.')
param approverTenantId string
@description('APPROVER_CLIENT_ID: application (client) ID of the approver app registration; v2.0 access tokens carry it as aud.')
param approverClientId string
@description('APPROVER_APP_ID_URI: Application ID URI of the approver app registration; v1.0 access tokens carry it as aud.')
param approverAppIdUri string
param sweepSchedule string
param staleAfter string
param maxQuarantineAge string
param expireInQuarantine bool
@description('ARM id of the gated registry, for the sweep\'s management-plane checks.')
param registryResourceId string
param sweepReadBudgetPercent int
param auditTable string
param reportContainer string
@description('VEX_CONTAINER: the blob container of OpenVEX documents.')
param vexContainer string

@description('ATTESTATION_KEY_VAULT_KEY_ID: the versioned Key Vault key URL that signs the gate decisions (modules/keyvault-signing-key.bicep).')
param attestationKeyId string

@description('Overrides STATUS_BASE_URL; empty means https://<default host name>/api.')
param statusBaseUrl string

@description('ARM_ENDPOINT and ARM_AUDIENCE: the management plane of the cloud this is deployed to (environment().resourceManager).')
param armEndpoint string

@description('True when durableBackend is durableTaskScheduler; false keeps the Azure Storage provider (the host.json default).')
param useDurableTaskScheduler bool

@description('The scheduler\'s endpoint when useDurableTaskScheduler is true.')
param durableTaskSchedulerEndpoint string

@description('Notification settings (docs/notifications.md): NOTIFY_* only; secrets only as Key Vault references.')
param notifySettings object = {}

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
    // Key Vault references in app settings (NOTIFY_SINK_SECRETS) resolve with this identity; without it App Service
    // uses the system-assigned identity, which this app does not have ("Configure the app to use this identity for Key
    // Vault reference operations by setting the keyVaultReferenceIdentity property", Microsoft Learn,
    // app-service/app-service-key-vault-references.md).
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageEndpoints.blob}${deploymentContainerName}'
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
      // Node.js 20 and 22 are the Node versions Flex Consumption supports ("Supported language stack versions",
      // https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#supported-language-stack-versions);
      // package.json engines and .ci/run use 22 too. Check a region with
      // `az functionapp list-flexconsumption-runtimes --location <region> --runtime node`.
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

// Durable Task Scheduler instead of the Azure Storage provider, through host.json overrides in app settings
// (AzureFunctionsJobHost__path__to__setting, https://learn.microsoft.com/azure/azure-functions/functions-host-json#override-hostjson-values).
// storageProvider type azureManaged + connectionStringName, and the connection string
// "Endpoint={scheduler endpoint};Authentication=ManagedIdentity;ClientID={client id}", are Microsoft's own settings:
// https://learn.microsoft.com/azure/azure-functions/durable/durable-task-scheduler/durable-task-scheduler-identity and the
// host.json of Azure-Samples/durable-functions-quickstart-typescript-azd. The endpoint and client ID are not secrets.
var durableTaskSchedulerSettings = useDurableTaskScheduler
  ? {
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'azureManaged'
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
      DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${durableTaskSchedulerEndpoint};Authentication=ManagedIdentity;ClientID=${identityClientId}'
    }
  : {}

resource appSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: site
  name: 'appsettings'
  properties: union(durableTaskSchedulerSettings, notifySettings, {
    // Host storage (also used by the Durable Azure Storage provider) by identity: no connection string, no key.
    // The service URIs come from the account itself, so they are right outside the public cloud too; accountName alone
    // only works with the public cloud's core.windows.net ("Connecting to host storage with an identity",
    // https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity).
    // src/storage reads the same settings (src/config.ts storageConfig).
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__blobServiceUri: storageEndpoints.blob
    AzureWebJobsStorage__queueServiceUri: storageEndpoints.queue
    AzureWebJobsStorage__tableServiceUri: storageEndpoints.table
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
    APPROVER_CLIENT_ID: approverClientId
    APPROVER_APP_ID_URI: approverAppIdUri
    // Where the tenant's OpenID metadata is read: the Entra ID authority of the cloud deployed to
    // (login.microsoftonline.us in Azure Government, login.chinacloudapi.cn in Azure China; docs/deploy.md).
    APPROVER_AUTHORITY_HOST: environment().authentication.loginEndpoint
    SWEEP_SCHEDULE: sweepSchedule
    STALE_AFTER: staleAfter
    MAX_QUARANTINE_AGE: maxQuarantineAge
    EXPIRE_IN_QUARANTINE: expireInQuarantine ? 'true' : 'false'
    GATE_REGISTRY_RESOURCE_IDS: registryResourceId
    SWEEP_READ_BUDGET_PERCENT: string(sweepReadBudgetPercent)
    AUDIT_TABLE: auditTable
    REPORT_CONTAINER: reportContainer
    VEX_CONTAINER: vexContainer
    ATTESTATION_KEY_VAULT_KEY_ID: attestationKeyId
    STATUS_BASE_URL: effectiveStatusBaseUrl
    ARM_ENDPOINT: armEndpoint
    ARM_AUDIENCE: armEndpoint
  })
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output statusBaseUrl string = effectiveStatusBaseUrl
