import type { IdentityServer } from "../identity/server.js";
import type { AcrEmulator } from "../acr-emulator/server.js";
import { APPROVER_AUDIENCE } from "./audience.js";

/**
 * Registry credentials for a local managed identity, the way `az acr login` gets them: an Entra ID token from the
 * identity endpoint, exchanged for an ACR refresh token, used as the password of the null-GUID user.
 */
export async function registryCredentials(
  identity: IdentityServer,
  acr: AcrEmulator,
  clientId: string,
): Promise<string> {
  const url = `${identity.endpoint}?api-version=2019-08-01&resource=https://containerregistry.azure.net&client_id=${clientId}`;
  const aad = await fetch(url, { headers: { "X-IDENTITY-HEADER": identity.identityHeader } });
  if (!aad.ok) throw new Error(`identity endpoint → ${aad.status}`);
  const form = new URLSearchParams({
    grant_type: "access_token",
    service: acr.loginServer,
    access_token: ((await aad.json()) as { access_token: string }).access_token,
  });
  const exchanged = await fetch(`${acr.url}/oauth2/exchange`, { method: "POST", body: form });
  if (!exchanged.ok) throw new Error(`exchange → ${exchanged.status}: ${await exchanged.text()}`);
  return `00000000-0000-0000-0000-000000000000:${((await exchanged.json()) as { refresh_token: string }).refresh_token}`;
}

/**
 * A delegated access token for a local person (approver), from the identity endpoint's local-only admin call. By
 * default it asks for the approver API's Application ID URI, as `az account get-access-token --resource <uri>` does;
 * the token's version and audience follow the API registration (v1.0: aud = the URI asked for; v2.0: its client ID).
 */
export async function personToken(
  identity: Pick<IdentityServer, "baseUrl" | "identityHeader">,
  objectId: string,
  audience = APPROVER_AUDIENCE,
): Promise<string> {
  const response = await fetch(`${identity.baseUrl}/admin/user-token`, {
    method: "POST",
    headers: { "X-IDENTITY-HEADER": identity.identityHeader, "Content-Type": "application/json" },
    body: JSON.stringify({ objectId, audience }),
  });
  if (!response.ok) throw new Error(`user token for ${objectId} → ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}
