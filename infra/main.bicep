targetScope = 'subscription'

metadata description = 'ACR Quarantine Gate for azd: Flex Consumption Function App, identity-only storage, least-privilege roles on an existing registry, and the registry webhook.'

// ---------------------------------------------------------------- environment
@minLength(1)
@maxLength(64)
@description('azd environment name: names the resource group and seeds the resource names.')
param environmentName string

@minLength(1)
@description('Region for every new resource; it must offer the Flex Consumption plan.')
@metadata({ azd: { type: 'location' } })
param location string

// ---------------------------------------------------------------- the registry the gate serves
@minLength(5)
@maxLength(50)
@description('Name of the existing Azure Container Registry (Premium for quarantine).')
param registryName string

@minLength(1)
@description('Resource group of that registry; it may differ from the gate\'s own.')
param registryResourceGroupName string

@description('Subscription of that registry; empty means the deployment subscription.')
param registrySubscriptionId string = ''

@description('Webhook repository filter ("team/app:*", "repo:tag"); empty means every repository.')
param webhookScope string = ''

@description('Turn on the registry\'s quarantine policy. Off by default: once on, every image not marked Passed is unpullable. Run the sweep\'s backfill first (docs/deploy.md).')
param enableQuarantinePolicy bool = false

@secure()
@minLength(32)
@description('Function key the webhook sends in x-functions-key. Leave unset: a fresh random key is made on each provision, written only to Key Vault and to the webhook, and the app restarts to load it.')
param webhookKey string = '${replace(newGuid(), '-', '')}${replace(newGuid(), '-', '')}'

@description('Set by the deployment itself; stamps the key version so the app reloads its keys. Do not pass.')
param deploymentTime string = utcNow()

@allowed([
  'LegacyRegistryPermissions'
  'AbacRepositoryPermissions'
])
@description('The registry\'s "Role assignment permissions mode" (az acr show --query roleAssignmentMode): LegacyRegistryPermissions is "RBAC Registry Permissions", AbacRepositoryPermissions is "RBAC Registry + ABAC Repository Permissions". It chooses the role that lets the gate push its attestations: AcrPush, or Container Registry Repository Writer.')
param registryRoleAssignmentMode string = 'LegacyRegistryPermissions'

// ---------------------------------------------------------------- gate settings (src/config.ts)
@allowed(['enforce', 'shadow'])
@description('GATE_MODE: enforce sets quarantine state; shadow only evaluates and reports.')
param gateMode string = 'enforce'

@allowed(['queue', 'harbor'])
@description('SCANNER_KIND: queue (external workers through SCAN_QUEUE_NAME) or harbor (HARBOR_SCANNER_URL).')
param scannerKind string = 'queue'

@description('HARBOR_SCANNER_URL: base URL of a Harbor Pluggable Scanner adapter; required when scannerKind is harbor.')
param harborScannerUrl string = ''

@description('SCAN_QUEUE_NAME')
param scanQueueName string = 'scan-requests'

@description('SCAN_DEADLINE (ISO 8601 duration)')
param scanDeadline string = 'PT30M'

@description('APPROVAL_DEADLINE (ISO 8601 duration)')
param approvalDeadline string = 'P3D'

@description('POLICY_DOCUMENT as an object; empty means infra/policy.default.json.')
param policyDocument object = {}

// The approver app registration is created by the azd hook (docs/approver-app.md), which hands its IDs to the
// deployment as azd environment values (infra/main.parameters.json).
@description('APPROVER_TENANT_ID: Entra tenant of the approver app registration; empty means this deployment\'s tenant.')
param approverTenantId string = ''

@description('APPROVER_CLIENT_ID: application (client) ID of the approver app registration; empty leaves approvals closed.')
param approverClientId string = ''

@description('APPROVER_APP_ID_URI: Application ID URI of the approver app registration (for example api://<client id>); empty leaves approvals closed.')
param approverAppIdUri string = ''

@description('SWEEP_SCHEDULE (NCRONTAB)')
param sweepSchedule string = '0 */30 * * * *'

@description('STALE_AFTER (ISO 8601 duration)')
param staleAfter string = 'PT6H'

@description('MAX_QUARANTINE_AGE (ISO 8601 duration)')
param maxQuarantineAge string = 'P14D'

@description('EXPIRE_IN_QUARANTINE: whether the sweep marks images pending longer than MAX_QUARANTINE_AGE as Failed.')
param expireInQuarantine bool = false

@minValue(1)
@maxValue(100)
@description('SWEEP_READ_BUDGET_PERCENT: share of the registry\'s ReadOps the sweep may use.')
param sweepReadBudgetPercent int = 20

@description('DURABLE_TASK_HUB (3-45 letters and digits, starting with a letter).')
param durableTaskHub string = 'QuarantineGate'

@description('ACR_TOKEN_AUDIENCE')
param acrTokenAudience string = 'https://containerregistry.azure.net'

@description('AUDIT_TABLE')
param auditTable string = 'GateAudit'

@description('REPORT_CONTAINER')
param reportContainer string = 'compliance-reports'

@description('VEX_CONTAINER: blob container of OpenVEX documents the policy applies (docs/policy.md, "VEX from a blob container"); created empty.')
param vexContainer string = 'vex'

@description('STATUS_BASE_URL; empty means https://<function app host>/api.')
param statusBaseUrl string = ''

@description('Attestations (docs/attestations.md): attach the scan report and a signed gate decision to every decided image as OCI referrers. Off: no signing key, ATTESTATION_KEY_VAULT_KEY_ID empty (the app attaches nothing), and no registry push role for the app.')
param enableAttestations bool = true

// ---------------------------------------------------------------- Durable Functions backend
@allowed(['azureStorage', 'durableTaskScheduler'])
@description('azureStorage (default): the Durable Functions Azure Storage provider in the app\'s storage account. durableTaskScheduler: a Durable Task Scheduler and task hub (docs/deploy.md, "Scale-out backend").')
param durableBackend string = 'azureStorage'

@allowed(['Consumption', 'Dedicated'])
@description('Durable Task Scheduler SKU when durableBackend is durableTaskScheduler.')
param durableTaskSchedulerSku string = 'Consumption'

// ---------------------------------------------------------------- sizing and extras
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Optional object ID of an external scanner worker; it may only process messages on the scan queue.')
param scanWorkerPrincipalId string = ''

// ---------------------------------------------------------------- the scanner that comes with the deployment
@description('The scan worker image azd deployed (azd sets SERVICE_SCANNER_IMAGE_NAME on deploy); empty on the first provision, when a placeholder runs.')
param scannerImageName string = ''

@minValue(60)
@maxValue(21600)
@description('SCAN_TIMEOUT_SECONDS of the scan worker: Trivy\'s wall time for one image. Keep it well under SCAN_DEADLINE.')
param scanTimeoutSeconds int = 600

@minValue(1)
@maxValue(100)
@description('Scan job executions at once (KEDA maxExecutions).')
param maxConcurrentScans int = 10

@minValue(1)
@maxValue(10)
@description('Replicas per scan job execution; each takes one scan request.')
param scanJobParallelism int = 1

@minValue(0)
@maxValue(1)
@description('1 keeps the Trivy server (and its vulnerability database) warm; 0 lets it scale to zero between scans.')
param trivyServerMinReplicas int = 1

@description('Notifications (docs/notifications.md): deploy an Event Grid custom topic (CloudEvents 1.0, Entra ID only) the app publishes to.')
param notifyEventGrid bool = false

@description('Notifications: the subscription document (docs/notifications.md); empty turns notifications off.')
param notifySubscriptions object = {}

@description('Notifications: name of the Key Vault secret, in this deployment\'s vault, that holds the webhook, Teams and Slack URLs and signing secrets as JSON; the operator puts it there, never this template. Empty: no such sinks.')
param notifySinkSecretName string = ''

// ---------------------------------------------------------------- names
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var registrySubscription = empty(registrySubscriptionId) ? subscription().subscriptionId : registrySubscriptionId
var tags = { 'azd-env-name': environmentName }
var webhookFunctionName = 'acrEvents'
var webhookKeyName = 'acrWebhook'
var webhookRoute = 'api/acr/events'
var defaultPolicy = loadJsonContent('policy.default.json')
var identityName = 'id-${resourceToken}'
var policyScriptIdentityName = 'id-acrpolicy-${resourceToken}'
var useDurableTaskScheduler = durableBackend == 'durableTaskScheduler'
var applicationInsightsName = 'appi-${resourceToken}'

resource resourceGroup 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  scope: az.resourceGroup(registrySubscription, registryResourceGroupName)
  name: registryName
}

module identity 'modules/identity.bicep' = {
  scope: resourceGroup
  name: 'identity'
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  scope: resourceGroup
  name: 'monitoring'
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: applicationInsightsName
    location: location
    tags: tags
    publisherPrincipalId: identity.outputs.principalId
    appIdentityName: identityName
  }
}

module storage 'modules/storage.bicep' = {
  scope: resourceGroup
  name: 'storage'
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: 'app-package'
    reportContainerName: reportContainer
    vexContainerName: vexContainer
    scanQueueName: scanQueueName
    auditTableName: auditTable
    appPrincipalId: identity.outputs.principalId
    appIdentityName: identityName
    scanWorkerPrincipalId: scanWorkerPrincipalId
  }
}

module keyVault 'modules/key-vault.bicep' = {
  scope: resourceGroup
  name: 'key-vault'
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
    appIdentityName: identityName
    webhookFunctionName: webhookFunctionName
    webhookKeyName: webhookKeyName
    webhookKey: webhookKey
  }
}

// The key that signs the gate's decisions (docs/attestations.md); the app signs in the vault, the key never leaves it.
module signingKey 'modules/keyvault-signing-key.bicep' = if (enableAttestations) {
  scope: resourceGroup
  name: 'keyvault-signing-key'
  dependsOn: [keyVault]
  params: {
    // The vault's name as modules/key-vault.bicep is given it (known before deployment, as What-If needs).
    vaultName: 'kv-${resourceToken}'
    appPrincipalId: identity.outputs.principalId
    appIdentityName: identityName
  }
}

module durableTaskScheduler 'modules/durable-task-scheduler.bicep' = if (useDurableTaskScheduler) {
  scope: resourceGroup
  name: 'durable-task-scheduler'
  params: {
    name: 'dts-${resourceToken}'
    taskHubName: durableTaskHub
    location: location
    tags: tags
    skuName: durableTaskSchedulerSku
    appPrincipalId: identity.outputs.principalId
    appIdentityName: identityName
  }
}

module eventGridTopic 'modules/eventgrid-topic.bicep' = if (notifyEventGrid) {
  scope: resourceGroup
  name: 'eventgrid-topic'
  params: {
    name: 'evgt-${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
    appIdentityName: identityName
  }
}

module functionApp 'modules/function-app.bicep' = {
  scope: resourceGroup
  name: 'function-app'
  params: {
    name: 'func-${resourceToken}'
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageEndpoints: storage.outputs.endpoints
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: applicationInsightsName
    keyVaultUri: keyVault.outputs.uri
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    webhookKeyVersion: deploymentTime
    durableTaskHub: useDurableTaskScheduler ? durableTaskScheduler!.outputs.taskHubName : durableTaskHub
    useDurableTaskScheduler: useDurableTaskScheduler
    durableTaskSchedulerEndpoint: useDurableTaskScheduler ? durableTaskScheduler!.outputs.endpoint : ''
    gateRegistries: registry.properties.loginServer
    gateMode: gateMode
    acrTokenAudience: acrTokenAudience
    scannerKind: scannerKind
    harborScannerUrl: harborScannerUrl
    scanQueueName: storage.outputs.scanQueueName
    scanDeadline: scanDeadline
    approvalDeadline: approvalDeadline
    policyDocument: string(empty(policyDocument) ? defaultPolicy : policyDocument)
    approverTenantId: empty(approverTenantId) ? tenant().tenantId : approverTenantId
    approverClientId: approverClientId
    approverAppIdUri: approverAppIdUri
    sweepSchedule: sweepSchedule
    staleAfter: staleAfter
    maxQuarantineAge: maxQuarantineAge
    expireInQuarantine: expireInQuarantine
    registryResourceId: registry.id
    sweepReadBudgetPercent: sweepReadBudgetPercent
    auditTable: storage.outputs.auditTableName
    reportContainer: storage.outputs.reportContainerName
    vexContainer: storage.outputs.vexContainerName
    attestationKeyId: enableAttestations ? signingKey!.outputs.keyId : ''
    statusBaseUrl: statusBaseUrl
    armEndpoint: environment().resourceManager
    // Notifications: the sink URLs and secrets only as a Key Vault reference, resolved by the app's identity.
    notifySettings: {
      NOTIFY_SUBSCRIPTIONS: empty(notifySubscriptions) ? '' : string(notifySubscriptions)
      NOTIFY_EVENTGRID_ENDPOINT: notifyEventGrid ? eventGridTopic!.outputs.endpoint : ''
      NOTIFY_SINK_SECRETS: empty(notifySinkSecretName)
        ? ''
        : '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.uri}secrets/${notifySinkSecretName}/)'
      NOTIFY_DELIVERY_BUDGET: 'PT15S'
      NOTIFY_MAX_RETRIES: '4'
      NOTIFY_RETRY_INTERVAL: 'PT10S'
    }
  }
  dependsOn: [
    // Application Insights is referenced by name inside the module.
    monitoring
  ]
}

module registryAccess 'modules/registry-access.bicep' = {
  scope: az.resourceGroup(registrySubscription, registryResourceGroupName)
  name: 'registry-access-${resourceToken}'
  params: {
    registryName: registry.name
    appPrincipalId: identity.outputs.principalId
    appIdentityName: identityName
    registryLocation: registry.location
    webhookName: 'qgate${resourceToken}'
    webhookScope: webhookScope
    webhookServiceUri: 'https://${functionApp.outputs.defaultHostName}/${webhookRoute}'
    webhookKey: webhookKey
    roleAssignmentMode: registryRoleAssignmentMode
  }
  // Runs after functionApp, which itself waits for keyVault: the key is in the vault before ACR starts sending it.
}

// Always deployed, so that `azd deploy` finds the scanner service whatever SCANNER_KIND says; with harbor it sits at
// zero (no job executions, the Trivy server scaled to zero), costing only the Basic registry.
module scanner 'modules/scanner-stack.bicep' = {
  scope: resourceGroup
  name: 'scanner'
  params: {
    resourceToken: resourceToken
    location: location
    tags: tags
    // Names known before deployment (what-if-short-circuiting); dependsOn below orders the modules.
    storageAccountName: 'st${resourceToken}'
    scanQueueName: scanQueueName
    logAnalyticsName: 'log-${resourceToken}'
    workerImage: scannerImageName
    scanTimeoutSeconds: scanTimeoutSeconds
    parallelism: scanJobParallelism
    maxConcurrentScans: maxConcurrentScans
    trivyServerMinReplicas: scannerKind == 'queue' ? trivyServerMinReplicas : 0
  }
  dependsOn: [
    // The scan queue and the Log Analytics workspace must exist before the scanner's roles and environment refer to them.
    storage
    monitoring
  ]
}

// Quarantine policy: one ARM PATCH of properties.policies.quarantinePolicy by a deployment script running as an identity
// of its own, which holds the registry policy role and nothing else (modules/registry-quarantine-policy.bicep says why a
// resource declaration cannot do this without writing back the whole registry).
module quarantinePolicyIdentity 'modules/identity.bicep' = if (enableQuarantinePolicy) {
  scope: resourceGroup
  name: 'quarantine-policy-identity'
  params: {
    name: policyScriptIdentityName
    location: location
    tags: tags
  }
}

module quarantinePolicyRole 'modules/registry-policy-writer-role.bicep' = if (enableQuarantinePolicy) {
  scope: az.resourceGroup(registrySubscription, registryResourceGroupName)
  name: 'quarantine-policy-role-${resourceToken}'
  params: {
    registryName: registry.name
    scriptPrincipalId: quarantinePolicyIdentity!.outputs.principalId
    scriptIdentityName: policyScriptIdentityName
  }
}

module quarantinePolicy 'modules/registry-quarantine-policy.bicep' = if (enableQuarantinePolicy) {
  scope: resourceGroup
  name: 'quarantine-policy'
  params: {
    location: location
    tags: tags
    registryId: registry.id
    scriptIdentityId: quarantinePolicyIdentity!.outputs.id
    armEndpoint: environment().resourceManager
  }
  dependsOn: [
    // Only after the gate can receive and act on the quarantine webhook, and once the script may write the policy.
    registryAccess
    quarantinePolicyRole
  ]
}

// ---------------------------------------------------------------- outputs (names and URLs only; never a key)
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output STATUS_BASE_URL string = functionApp.outputs.statusBaseUrl
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output ATTESTATION_KEY_VAULT_KEY_ID string = enableAttestations ? signingKey!.outputs.keyId : ''
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output GATE_REGISTRY_LOGIN_SERVER string = registry.properties.loginServer
output ACR_WEBHOOK_NAME string = registryAccess.outputs.webhookName
output ACR_WEBHOOK_SERVICE_URI string = 'https://${functionApp.outputs.defaultHostName}/${webhookRoute}'
output ACR_WEBHOOK_KEY_SECRET_NAME string = keyVault.outputs.webhookKeySecretName
output QUARANTINE_POLICY_CHANGED_BY_THIS_DEPLOYMENT bool = enableQuarantinePolicy
output DURABLE_BACKEND string = durableBackend
output DURABLE_TASK_SCHEDULER_NAME string = useDurableTaskScheduler ? durableTaskScheduler!.outputs.schedulerName : ''
// azd pushes the scanner image here (docker.registry defaults to AZURE_CONTAINER_REGISTRY_ENDPOINT).
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = scanner.outputs.registryLoginServer
output AZURE_CONTAINER_REGISTRY_NAME string = scanner.outputs.registryName
output SCAN_JOB_NAME string = scanner.outputs.jobName
output SCAN_POISON_QUEUE_NAME string = scanner.outputs.poisonQueueName
output TRIVY_SERVER_URL string = scanner.outputs.trivyServerUrl
