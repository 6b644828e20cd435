import type { TokenCredential } from "@azure/identity";
import { aadScope } from "../../../src/acr/index.js";

/** The user name docker and skopeo use with an ACR refresh token as password (acr-protocol.md §1.4, S1). */
const NULL_GUID = "00000000-0000-0000-0000-000000000000";

async function form(url: string, fields: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
  });
  if (!response.ok) throw new Error(`POST ${new URL(url).pathname} → ${response.status}: ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/**
 * An ACR refresh token for an Entra ID identity, by the documented exchange (`POST /oauth2/exchange`,
 * grant_type=access_token; Azure/acr docs/AAD-OAuth.md, acr-protocol.md §1.3). Kept apart from the product's token
 * provider on purpose: the harness must not prove the client with the client.
 */
export async function refreshToken(
  loginServer: string,
  credential: TokenCredential,
  audience: string,
): Promise<string> {
  const aad = await credential.getToken(aadScope(audience));
  if (!aad?.token) throw new Error(`no Entra ID token for ${audience}`);
  const body = await form(`https://${loginServer}/oauth2/exchange`, {
    grant_type: "access_token",
    service: loginServer,
    access_token: aad.token,
  });
  if (typeof body.refresh_token !== "string") throw new Error("the exchange answered without refresh_token");
  return body.refresh_token;
}

/** skopeo/docker credentials for an identity: the null GUID and its ACR refresh token. */
export async function skopeoCredentials(
  loginServer: string,
  credential: TokenCredential,
  audience: string,
): Promise<string> {
  return `${NULL_GUID}:${await refreshToken(loginServer, credential, audience)}`;
}

/** Deletes a manifest by digest (`DELETE /v2/{name}/manifests/{digest}`, token scope `repository:{name}:delete`). */
export async function deleteManifest(
  loginServer: string,
  credential: TokenCredential,
  audience: string,
  repository: string,
  digest: string,
): Promise<number> {
  const token = await form(`https://${loginServer}/oauth2/token`, {
    grant_type: "refresh_token",
    service: loginServer,
    scope: `repository:${repository}:delete`,
    refresh_token: await refreshToken(loginServer, credential, audience),
  });
  const response = await fetch(`https://${loginServer}/v2/${repository}/manifests/${digest}`, {
    method: "DELETE",
    headers: { Authorization: `Bearer ${String(token.access_token)}` },
  });
  await response.arrayBuffer();
  return response.status;
}
