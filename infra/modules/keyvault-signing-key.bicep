metadata description = 'The key that signs the gate decisions attached to images (docs/attestations.md): EC P-256, sign/verify only, not exportable, in the app\'s Key Vault (RBAC authorization). The app identity gets Key Vault Crypto User on this key alone.'

import { keyVaultCryptoUser } from 'role-ids.bicep'

@description('Name of the existing vault (modules/key-vault.bicep, enableRbacAuthorization: true).')
param vaultName string

@description('Name of the signing key.')
param keyName string = 'gate-decision-signing'

@description('The app identity: it signs with the key (keys/sign) and reads its public part (keys/read) for the JWKS route.')
param appPrincipalId string

@description('Name of that identity; seeds the role assignment name, which must be known before deployment starts.')
param appIdentityName string

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: vaultName
}

// Microsoft.KeyVault/vaults/keys (https://learn.microsoft.com/azure/templates/microsoft.keyvault/vaults/keys):
// kty EC with curveName P-256 is ES256 (src/attest/keys.ts); attributes.exportable false keeps the private key in
// the vault (an exportable key would need a release policy); keyOps limited to sign and verify.
resource signingKey 'Microsoft.KeyVault/vaults/keys@2024-11-01' = {
  parent: vault
  name: keyName
  properties: {
    kty: 'EC'
    curveName: 'P-256'
    keyOps: [
      'sign'
      'verify'
    ]
    attributes: {
      enabled: true
      exportable: false
    }
  }
}

// Key Vault Crypto User at the scope of this one key: "Perform cryptographic operations using keys" (sign, and read
// the public key), nothing on secrets or certificates, and no key management (create, delete, rotate, set policy).
// Role id from ../shared/reference/azure-role-ids.md; RBAC at key scope: "Azure RBAC ... individual keys"
// (https://learn.microsoft.com/azure/key-vault/general/rbac-guide).
resource cryptoUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(signingKey.id, appIdentityName, keyVaultCryptoUser)
  scope: signingKey
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultCryptoUser)
  }
}

@description('The versioned key URL the app signs with (ATTESTATION_KEY_VAULT_KEY_ID).')
output keyId string = signingKey.properties.keyUriWithVersion
