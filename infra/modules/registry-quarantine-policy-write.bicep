metadata description = 'Writes back an existing registry with properties.policies.quarantinePolicy.status = enabled and nothing else changed.'

param registryName string
param location string
param sku object
param tags object
param identity object?

@description('The registry\'s current properties, as read by the calling module.')
param properties object

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  name: registryName
  location: location
  sku: sku
  tags: tags
  identity: identity
  properties: union(properties, {
    policies: union(properties.?policies ?? {}, {
      quarantinePolicy: {
        status: 'enabled'
      }
    })
  })
}

output quarantinePolicyStatus string = registry.properties.policies.quarantinePolicy.status!
