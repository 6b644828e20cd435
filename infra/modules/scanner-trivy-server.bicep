metadata description = 'Trivy in server mode, inside the Container Apps environment only: it keeps the vulnerability database, so a scan never downloads it.'

param name string
param location string
param tags object
param environmentId string

@description('Trivy version; the same as TRIVY_VERSION in scanner-worker/Dockerfile (client and server must match).')
param trivyVersion string

@minValue(0)
@maxValue(1)
@description('1 keeps the database warm (a scan costs only its own work); 0 saves the idle replica, and the first scan after idle waits for a database download.')
param minReplicas int

// Client/server mode (trivy.dev docs/references/modes/client-server): the server downloads the database and keeps it
// current in the background; clients (the scan job) analyse images locally and ask the server only for
// vulnerabilities. Internal ingress: reachable from this environment only. No --token: a client can learn nothing
// from the server but public advisory data, and a shared token would be a secret to keep.
resource server 'Microsoft.App/containerApps@2025-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    environmentId: environmentId
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: false
        targetPort: 4954
        transport: 'http'
        allowInsecure: false
      }
    }
    template: {
      containers: [
        {
          name: 'trivy-server'
          // The official image (entrypoint: trivy), public: pulling it needs no registry credential.
          image: 'ghcr.io/aquasecurity/trivy:${trivyVersion}'
          args: ['server', '--listen', '0.0.0.0:4954', '--cache-dir', '/tmp/trivy-cache']
          resources: { cpu: json('1.0'), memory: '2Gi' }
          probes: [
            // Trivy listens only once the database is in place: allow a few minutes for the first download.
            { type: 'Startup', tcpSocket: { port: 4954 }, initialDelaySeconds: 5, periodSeconds: 10, failureThreshold: 30 }
            { type: 'Liveness', tcpSocket: { port: 4954 }, periodSeconds: 30, failureThreshold: 3 }
          ]
        }
      ]
      scale: { minReplicas: minReplicas, maxReplicas: 1 }
    }
  }
}

output name string = server.name
output url string = 'https://${server.properties.configuration.ingress.fqdn}'
