/** Variables that would make @azure/identity (msal-node) pick another managed-identity source or another credential. */
const COMPETING_SOURCES = [
  "IDENTITY_SERVER_THUMBPRINT",
  "IMDS_ENDPOINT",
  "MSI_ENDPOINT",
  "AZURE_FEDERATED_TOKEN_FILE",
  "AZURE_CLIENT_SECRET",
  "AZURE_TENANT_ID",
];

/**
 * Points this process's Azure credentials at a local identity endpoint. msal-node picks the managed-identity source
 * from these variables and caches it per process: call this before the first credential is built. It clears the
 * variables that would select another source, then sets the endpoint's (IDENTITY_ENDPOINT, IDENTITY_HEADER).
 */
export function useIdentityEndpointInProcess(identity: { environment(): Record<string, string> }): void {
  for (const name of COMPETING_SOURCES) delete process.env[name];
  Object.assign(process.env, identity.environment());
}
