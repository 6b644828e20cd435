metadata description = 'Turns on the registry quarantine policy, keeping every other registry setting as it is. Deployed only when enableQuarantinePolicy is true.'

@description('Name of the existing registry.')
param registryName string

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: registryName
}

// ARM has no PATCH from a template: read the registry here and write it back, changed only in policies.quarantinePolicy,
// from a second module (a template cannot both read and write one resource). This is what `az resource update --set` does.
module update 'registry-quarantine-policy-write.bicep' = {
  name: 'quarantine-policy-${uniqueString(registry.id)}'
  params: {
    registryName: registry.name
    location: registry.location
    sku: registry.sku
    tags: registry.?tags ?? {}
    identity: registry.?identity
    properties: registry.properties
  }
}

output quarantinePolicyStatus string = update.outputs.quarantinePolicyStatus
