metadata description = 'The scanner that comes with the deployment: Trivy workers on the scan queue as an event-driven Container Apps Job (zero replicas when idle), a Trivy server holding the vulnerability database, and a registry of the deployment\'s own for the worker image.'

@minLength(3)
@maxLength(13)
@description('Seeds the names: the deployment\'s resourceToken (uniqueString: 13 characters), so that every name fits (container app and job names: at most 32).')
param resourceToken string
param location string
param tags object

@description('The app\'s storage account and scan queue (storage.bicep outputs).')
param storageAccountName string
param scanQueueName string

@description('The Log Analytics workspace (monitoring.bicep output).')
param logAnalyticsName string

@description('The worker image azd deployed (SERVICE_SCANNER_IMAGE_NAME); empty on the first provision.')
param workerImage string = ''

@description('The azd service name in azure.yaml.')
param serviceName string = 'scanner'

@description('Trivy version of the server; keep equal to TRIVY_VERSION in scanner-worker/Dockerfile.')
param trivyVersion string = '0.69.2'

@minValue(60)
@maxValue(21600)
param scanTimeoutSeconds int = 600

@minValue(1)
@maxValue(10)
param parallelism int = 1

@minValue(1)
@maxValue(100)
param maxConcurrentScans int = 10

@minValue(1)
@maxValue(100)
param maxDequeueCount int = 5

@minValue(10)
@maxValue(300)
param pollingIntervalSeconds int = 30

@minValue(0)
@maxValue(1)
param trivyServerMinReplicas int = 1

var workerIdentityName = 'id-scan-${resourceToken}'
var platformIdentityName = 'id-scanplat-${resourceToken}'
var poisonQueueName = '${scanQueueName}-poison'

module workerIdentity 'identity.bicep' = {
  name: 'scanner-worker-identity'
  params: { name: workerIdentityName, location: location, tags: tags }
}

module platformIdentity 'identity.bicep' = {
  name: 'scanner-platform-identity'
  params: { name: platformIdentityName, location: location, tags: tags }
}

module registry 'scanner-registry.bicep' = {
  name: 'scanner-registry'
  params: {
    name: 'cr${resourceToken}'
    location: location
    tags: tags
    pullPrincipalId: platformIdentity.outputs.principalId
    pullIdentityName: platformIdentityName
  }
}

module queueAccess 'scanner-queue-access.bicep' = {
  name: 'scanner-queue-access'
  params: {
    storageAccountName: storageAccountName
    scanQueueName: scanQueueName
    poisonQueueName: poisonQueueName
    workerPrincipalId: workerIdentity.outputs.principalId
    workerIdentityName: workerIdentityName
    scalerPrincipalId: platformIdentity.outputs.principalId
    scalerIdentityName: platformIdentityName
  }
}

module environment 'scanner-environment.bicep' = {
  name: 'scanner-environment'
  params: { name: 'cae-${resourceToken}', location: location, tags: tags, logAnalyticsName: logAnalyticsName }
}

module trivyServer 'scanner-trivy-server.bicep' = {
  name: 'scanner-trivy-server'
  params: {
    name: 'ca-trivy-${resourceToken}'
    location: location
    tags: tags
    environmentId: environment.outputs.id
    trivyVersion: trivyVersion
    minReplicas: trivyServerMinReplicas
  }
}

module job 'scanner-job.bicep' = {
  name: 'scanner-job'
  params: {
    name: 'caj-scan-${resourceToken}'
    location: location
    tags: tags
    environmentId: environment.outputs.id
    serviceName: serviceName
    workerImage: workerImage
    registryLoginServer: registry.outputs.loginServer
    workerIdentityId: workerIdentity.outputs.id
    workerIdentityClientId: workerIdentity.outputs.clientId
    platformIdentityId: platformIdentity.outputs.id
    storageAccountName: storageAccountName
    scanQueueName: scanQueueName
    poisonQueueName: queueAccess.outputs.poisonQueueName
    trivyServerUrl: trivyServer.outputs.url
    scanTimeoutSeconds: scanTimeoutSeconds
    parallelism: parallelism
    maxConcurrentScans: maxConcurrentScans
    maxDequeueCount: maxDequeueCount
    pollingIntervalSeconds: pollingIntervalSeconds
  }
}

output registryName string = registry.outputs.name
output registryLoginServer string = registry.outputs.loginServer
output jobName string = job.outputs.name
output poisonQueueName string = queueAccess.outputs.poisonQueueName
output trivyServerUrl string = trivyServer.outputs.url
output workerPrincipalId string = workerIdentity.outputs.principalId
