metadata description = 'The scan worker as an event-driven Container Apps Job: KEDA\'s azure-queue scaler starts executions for scan requests, authenticated by managed identity; none run while the queue is empty.'

param name string
param location string
param tags object
param environmentId string

@description('azd service name: azd deploy (1.23.8 or later, host: containerapp) finds the job by this tag.')
param serviceName string

@description('The worker image; empty until azd deploy has built one (a placeholder runs until then).')
param workerImage string

@description('Login server of the deployment\'s own registry, which holds the worker image.')
param registryLoginServer string

@description('Resource ID and client ID of the identity the worker\'s code runs as (queue roles only).')
param workerIdentityId string
param workerIdentityClientId string

@description('Resource ID of the identity for platform work only: pulling the image, the KEDA scaler. Not available to the code.')
param platformIdentityId string

param storageAccountName string
param scanQueueName string
param poisonQueueName string

@description('Base URL of the Trivy server (client/server mode).')
param trivyServerUrl string

@minValue(60)
@maxValue(21600)
@description('SCAN_TIMEOUT_SECONDS: Trivy\'s wall time for one image; past it the scan is posted as failed.')
param scanTimeoutSeconds int

@minValue(1)
@maxValue(10)
@description('Replicas per execution; each takes one request.')
param parallelism int

@minValue(1)
@maxValue(100)
@description('Executions at once (KEDA maxExecutions): the most images scanned in parallel is this times parallelism.')
param maxConcurrentScans int

@minValue(1)
@maxValue(100)
@description('MAX_DEQUEUE_COUNT: a request handed out more often goes to the poison queue and its scan is reported failed.')
param maxDequeueCount int

@minValue(10)
@maxValue(300)
@description('Seconds between KEDA\'s looks at the queue: the wait before a scan starts is up to this long.')
param pollingIntervalSeconds int

// The worker refuses a visibility timeout shorter than the longest it can hold a request (scanner-worker/config.ts,
// longestHoldSeconds: scan timeout + 5 s kill grace + two callback posts of at most 247 s each with the default
// retries + 10 s of queue operations = scan timeout + 509 s). The replica may run that long, plus a margin; the
// visibility outlasts the replica, so a request is never handed to a second worker while its first one still runs,
// and a replica that is killed at its timeout leaves its request to come back.
var replicaTimeoutSeconds = scanTimeoutSeconds + 600
var visibilityTimeoutSeconds = replicaTimeoutSeconds + 60
// Until azd deploy pushes the worker image: Microsoft's quickstart image for jobs, which starts and exits.
var placeholderImage = 'mcr.microsoft.com/k8se/quickstart-jobs:latest'

resource job 'Microsoft.App/jobs@2025-01-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${workerIdentityId}': {}, '${platformIdentityId}': {} }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: 'Consumption'
    configuration: {
      triggerType: 'Event'
      replicaTimeout: replicaTimeoutSeconds
      // A failed replica is not retried by the platform: the request's visibility timeout brings it back, and its
      // dequeue count tells when to give up.
      replicaRetryLimit: 0
      // Which identity each part may use (API 2024-02-02-preview and later; Container Apps managed identity docs,
      // "Control managed identity availability"): the code gets only the worker identity.
      identitySettings: [
        { identity: workerIdentityId, lifecycle: 'Main' }
        { identity: platformIdentityId, lifecycle: 'None' }
      ]
      registries: [{ server: registryLoginServer, identity: platformIdentityId }]
      eventTriggerConfig: {
        parallelism: parallelism
        replicaCompletionCount: parallelism
        scale: {
          minExecutions: 0
          maxExecutions: maxConcurrentScans
          pollingInterval: pollingIntervalSeconds
          rules: [
            {
              name: 'scan-requests'
              type: 'azure-queue'
              // KEDA azure-queue scaler (keda.sh/docs/scalers/azure-storage-queue): one execution per visible request;
              // visibleonly so that requests being scanned (invisible) do not start more executions.
              metadata: {
                accountName: storageAccountName
                queueName: scanQueueName
                queueLength: '1'
                queueLengthStrategy: 'visibleonly'
              }
              // A managed identity instead of a connection string: the `identity` property of a scale rule takes the
              // resource ID of a user-assigned identity of the resource (Container Apps managed identity docs, "Use
              // managed identity for scale rules"; accountName is then required).
              identity: platformIdentityId
            }
          ]
        }
      }
    }
    template: {
      containers: [
        {
          name: 'scan-worker'
          image: empty(workerImage) ? placeholderImage : workerImage
          resources: { cpu: json('1.0'), memory: '2Gi' }
          env: [
            { name: 'WORKER_MODE', value: 'job' }
            { name: 'SCAN_QUEUE_ACCOUNT_NAME', value: storageAccountName }
            { name: 'SCAN_QUEUE_NAME', value: scanQueueName }
            { name: 'SCAN_POISON_QUEUE_NAME', value: poisonQueueName }
            { name: 'AZURE_CLIENT_ID', value: workerIdentityClientId }
            { name: 'SCAN_TIMEOUT_SECONDS', value: string(scanTimeoutSeconds) }
            { name: 'VISIBILITY_TIMEOUT_SECONDS', value: string(visibilityTimeoutSeconds) }
            { name: 'MAX_DEQUEUE_COUNT', value: string(maxDequeueCount) }
            { name: 'TRIVY_SERVER_URL', value: trivyServerUrl }
          ]
        }
      ]
    }
  }
}

output name string = job.name
output replicaTimeoutSeconds int = replicaTimeoutSeconds
output visibilityTimeoutSeconds int = visibilityTimeoutSeconds
