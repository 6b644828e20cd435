import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManagedIdentityCredential, DefaultAzureCredential } from "@azure/identity";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { startIdentityServer, type IdentityServer } from "../../local/identity/server.js";
import { useIdentityEndpointInProcess } from "../../local/identity/process-environment.js";

const ACR_SCOPE = "https://containerregistry.azure.net/.default";

describe("local managed-identity endpoint", () => {
  let identity: IdentityServer;

  beforeAll(async () => {
    identity = await startIdentityServer();
    useIdentityEndpointInProcess(identity);
  });
  afterAll(async () => identity?.close());

  it("serves ManagedIdentityCredential unchanged (system-assigned), with a token that verifies against its JWKS", async () => {
    const token = await new ManagedIdentityCredential().getToken(ACR_SCOPE);
    expect(token?.token).toBeTruthy();
    expect(token!.expiresOnTimestamp).toBeGreaterThan(Date.now() + 30 * 60_000);
    const { payload } = await jwtVerify(token!.token, createRemoteJWKSet(new URL(identity.jwksUri)), {
      issuer: identity.issuer,
      audience: "https://containerregistry.azure.net",
    });
    expect(payload.oid).toBe(identity.config.systemAssigned.objectId);
    expect(payload.appid).toBe(identity.config.systemAssigned.clientId);
    // Azure resources get v1.0 tokens: the issuer is the local form of https://sts.windows.net/{tenant}/.
    expect(payload.ver).toBe("1.0");
    expect(payload.iss).toBe(`${identity.baseUrl}/${identity.config.tenantId}/`);
  });

  it("serves a user-assigned identity selected by client id, through DefaultAzureCredential", async () => {
    const uami = identity.config.userAssigned[0]!;
    const credential = new DefaultAzureCredential({ managedIdentityClientId: uami.clientId });
    const token = await credential.getToken("https://management.azure.com/.default");
    const { payload } = await jwtVerify(token.token, createRemoteJWKSet(new URL(identity.jwksUri)), {
      audience: "https://management.azure.com",
    });
    expect(payload.oid).toBe(uami.objectId);
    expect(payload.xms_mirid).toBe(uami.resourceId);
    expect(payload.idtyp).toBe("app");
  });

  it("rejects a missing identity header with 400 and a wrong one with 401", async () => {
    const url = `${identity.endpoint}?api-version=2019-08-01&resource=https://containerregistry.azure.net`;
    const missing = await fetch(url);
    expect(missing.status).toBe(400);
    const wrong = await fetch(url, { headers: { "X-IDENTITY-HEADER": "not-the-secret" } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: string }).error).toBe("unauthorized_client");
  });

  it("rejects bad api-version, missing resource, unknown identities and ambiguous selectors with 400", async () => {
    const headers = { "X-IDENTITY-HEADER": identity.identityHeader };
    const base = identity.endpoint;
    const cases = [
      `${base}?api-version=2017-09-01&resource=r`,
      `${base}?api-version=2019-08-01`,
      `${base}?api-version=2019-08-01&resource=r&client_id=99999999-9999-4999-8999-999999999999`,
      `${base}?api-version=2019-08-01&resource=r&client_id=a&principal_id=b`,
    ];
    for (const url of cases) {
      const response = await fetch(url, { headers });
      expect(response.status, url).toBe(400);
    }
  });

  it("publishes OpenID discovery that points at the signing keys", async () => {
    const discovery = (await (await fetch(`${identity.issuers.v2}/.well-known/openid-configuration`)).json()) as {
      issuer: string;
      jwks_uri: string;
    };
    expect(discovery.issuer).toBe(identity.issuers.v2);
    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: Array<{ kty: string; d?: string }> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]!.kty).toBe("RSA");
    expect(jwks.keys[0]!.d).toBeUndefined();
  });
});
