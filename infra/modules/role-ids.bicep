metadata description = 'Built-in role definition IDs used by this template, in one place so that every grant is reviewable.'

// Every ID here is checked by test/infra against ../shared/reference/azure-role-ids.md (Microsoft's built-in roles
// reference, https://learn.microsoft.com/azure/role-based-access-control/built-in-roles), never against a copy kept here.

// Registry scope: the only roles this template grants on the target registry (see docs/deploy.md, "Roles").
@export()
@description('AcrQuarantineReader: pull quarantined images by digest (the pull tokens handed to scanners).')
var acrQuarantineReader = 'cdda3590-29a3-44f6-95f2-9f980659eb04'

@export()
@description('AcrQuarantineWriter: set quarantineState Passed/Failed and quarantineDetails.')
var acrQuarantineWriter = 'c8d4ff99-41c3-41a8-9f60-21dfdad59608'

@export()
@description('AcrPush: push the gate\'s attestations (the scan report and the signed decision, OCI referrers of the gated image, in its repository) on a registry in the classic "RBAC Registry Permissions" mode (roleAssignmentMode LegacyRegistryPermissions). Granted only while attestations are on (enableAttestations). Its actions are registries/pull/read and registries/push/write, nothing else. ID from ../shared/reference/azure-role-ids.md; https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers#acrpush')
var acrPush = '8311e382-0749-4cb8-b61a-304f252e45ec'

@export()
@description('Container Registry Repository Writer: the same push on a registry in "RBAC Registry + ABAC Repository Permissions" mode (AbacRepositoryPermissions), where AcrPush is not honoured. Data actions repositories/content/read|write and repositories/metadata/read|write only. Not in ../shared/reference/azure-role-ids.md: the ID is from https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers#container-registry-repository-writer (MicrosoftDocs/azure-docs @ 0088bfa7, articles/role-based-access-control/built-in-roles/containers.md), recorded with its source in test/infra/role-reference.ts.')
var containerRegistryRepositoryWriter = '2a1e307c-b015-4ebd-883e-5b7698a07328'

@export()
@description('Reader: management-plane read of the registry (quarantine policy, webhooks) for the sweep; on registries in RBAC (non-ABAC) mode it also lets the identity pull images that are not quarantined, which shadow mode and the backfill need to scan.')
var reader = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'

// Storage scope: what the Functions host, Durable Functions (Azure Storage provider) and the app's own clients use.
@export()
@description('Storage Blob Data Owner: host leases and secrets-free blob state, Flex deployment package, Durable large messages, compliance reports.')
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'

@export()
@description('Storage Queue Data Contributor: Durable control and work-item queues, the external-scanner request queue.')
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'

@export()
@description('Storage Table Data Contributor: Durable history and instance tables, the audit table.')
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'

@export()
@description('Storage Queue Data Message Processor: lets an external scanner worker peek, receive and delete scan requests.')
var storageQueueDataMessageProcessor = '8a0f0c08-91a1-4084-bc3d-661d67233fed'

// Other scopes.
@export()
@description('Monitoring Metrics Publisher: send telemetry to Application Insights with Entra ID (local auth is disabled).')
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

@export()
@description('Key Vault Secrets Officer: the Functions host keeps its keys in the vault (AzureWebJobsSecretStorageType=keyvault) and must create the master key there.')
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

@export()
@description('Key Vault Crypto User: sign with the gate\'s decision-signing key (and read its public part), granted at the scope of that key alone (modules/keyvault-signing-key.bicep).')
var keyVaultCryptoUser = '12338af0-0e69-4776-bea7-57ae8d297424'

@export()
@description('Durable Task Data Contributor: the app reads and writes its task hub on the Durable Task Scheduler (durableBackend = durableTaskScheduler). https://learn.microsoft.com/azure/azure-functions/durable/durable-task-scheduler/durable-task-scheduler-identity')
var durableTaskDataContributor = '0ad04412-c4d5-4796-b79c-f76d14c8d402'

@export()
@description('Container Registry Contributor and Data Access Configuration Administrator: control plane only, no image push/pull and no role assignments; it includes configuring registry policies (registry-wide quarantine enablement). Granted only to the short-lived identity of the deployment script that PATCHes quarantinePolicy (enableQuarantinePolicy = true). https://learn.microsoft.com/azure/container-registry/container-registry-rbac-built-in-roles-directory-reference and https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers')
var containerRegistryConfigurationAdministrator = '3bc748fc-213d-45c1-8d91-9da5725539b9'

@export()
@description('EventGrid Data Sender: the app publishes its notifications (CloudEvents) to its own Event Grid topic, at topic scope (notifyEventGrid = true). https://learn.microsoft.com/azure/event-grid/authenticate-with-microsoft-entra-id')
var eventGridDataSender = 'd5a91429-5739-47e2-a06b-3470a27159e7'
