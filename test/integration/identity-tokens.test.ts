import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from "jose";
import { startIdentityServer, type IdentityServer } from "../../local/identity/server.js";
import type { ApiRegistration } from "../../local/identity/config.js";

// The shapes below are Entra ID's as documented (MicrosoftDocs/entra-docs docs/identity-platform/access-tokens.md,
// access-token-claims-reference.md, id-token-claims-reference.md, optional-claims-reference.md), summarised in
// ../shared/reference/entra-tokens.md; the local endpoint must issue exactly those.

const V1_API: ApiRegistration = {
  displayName: "v1 api",
  clientId: "5a9e0000-0000-4000-8000-0000000000a1",
  appIdUri: "api://v1-api",
  accessTokenVersion: null,
  scopes: ["user_impersonation"],
};
const V2_API: ApiRegistration = {
  displayName: "v2 api",
  clientId: "5a9e0000-0000-4000-8000-0000000000a2",
  appIdUri: "api://v2-api",
  accessTokenVersion: 2,
  scopes: ["user_impersonation", "Decide"],
};
const ADA = {
  objectId: "0a000000-0000-4000-8000-0000000000ad",
  displayName: "Ada Approver",
  userPrincipalName: "ada@contoso.example",
  roles: ["Quarantine.Approver"],
};
const NOBODY = { objectId: "0a000000-0000-4000-8000-0000000000ee", displayName: "No Role", roles: [] };
const ROBOT = {
  clientId: "33333333-3333-4333-8333-333333333333",
  objectId: "cccccccc-3333-4333-8333-333333333333",
  displayName: "robot",
  appRoles: ["Quarantine.Reader"],
};

describe("local identity endpoint: tokens shaped as Entra ID issues them", () => {
  let identity: IdentityServer;
  let tenant: string;
  const admin = async (path: string, body: Record<string, unknown>) => {
    const response = await fetch(`${identity.baseUrl}${path}`, {
      method: "POST",
      headers: { "X-IDENTITY-HEADER": identity.identityHeader, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.status, path).toBe(200);
    return (await response.json()) as { access_token?: string; id_token?: string };
  };
  const verified = async (token: string): Promise<JWTPayload> =>
    (await jwtVerify(token, createRemoteJWKSet(new URL(identity.jwksUri)))).payload;
  const userToken = async (body: Record<string, unknown>) =>
    verified((await admin("/admin/user-token", { objectId: ADA.objectId, ...body })).access_token!);
  const msiToken = async (resource: string, clientId?: string) => {
    const query = new URLSearchParams({
      "api-version": "2019-08-01",
      resource,
      ...(clientId ? { client_id: clientId } : {}),
    });
    const response = await fetch(`${identity.endpoint}?${query}`, {
      headers: { "X-IDENTITY-HEADER": identity.identityHeader },
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { access_token: string }).access_token;
  };

  beforeAll(async () => {
    identity = await startIdentityServer({
      config: { users: [ADA, NOBODY], apis: [V1_API, V2_API], userAssigned: [ROBOT] },
    });
    tenant = identity.config.tenantId;
  });
  afterAll(async () => identity?.close());

  it("names both issuer forms: v1.0 `<base>/{tid}/` (sts.windows.net's path) and v2.0 `<base>/{tid}/v2.0`", () => {
    expect(identity.issuers.v1).toBe(`${identity.baseUrl}/${tenant}/`);
    expect(identity.issuers.v2).toBe(`${identity.baseUrl}/${tenant}/v2.0`);
    expect(identity.issuer).toBe(identity.issuers.v1);
  });

  it("v1.0 API: aud is what the client asked for; appid, upn, unique_name, scp; no v2-only claims", async () => {
    for (const [request, aud] of [
      [{ audience: "api://v1-api" }, "api://v1-api"],
      [{ audience: V1_API.clientId }, V1_API.clientId],
      [{ scope: "api://v1-api/.default" }, "api://v1-api"],
      [{ scope: "api://v1-api/user_impersonation" }, "api://v1-api"],
      [{ audience: "api://v1-api/" }, "api://v1-api/"],
    ] as const) {
      const claims = await userToken(request);
      expect(claims.aud, JSON.stringify(request)).toBe(aud);
      expect(claims).toMatchObject({
        ver: "1.0",
        iss: identity.issuers.v1,
        tid: tenant,
        oid: ADA.objectId,
        appid: identity.config.delegatedClientId,
        upn: ADA.userPrincipalName,
        unique_name: ADA.userPrincipalName,
        name: ADA.displayName,
        scp: "user_impersonation",
        roles: ADA.roles,
      });
      for (const v2Only of ["azp", "azpacr", "preferred_username", "idtyp"])
        expect(claims[v2Only], v2Only).toBeUndefined();
      expect(claims.nbf).toBe(claims.iat);
      expect(claims.sub).not.toBe(ADA.objectId);
    }
  });

  it("v2.0 API: aud is always its client ID, whatever the client asked for; azp, preferred_username", async () => {
    for (const request of [
      { audience: "api://v2-api" },
      { scope: "api://v2-api/Decide" },
      { audience: V2_API.clientId },
    ]) {
      const claims = await userToken(request);
      expect(claims).toMatchObject({
        ver: "2.0",
        aud: V2_API.clientId,
        iss: identity.issuers.v2,
        azp: identity.config.delegatedClientId,
        preferred_username: ADA.userPrincipalName,
        roles: ADA.roles,
      });
      for (const v1Only of ["appid", "appidacr", "upn", "unique_name", "acr", "amr"])
        expect(claims[v1Only], v1Only).toBeUndefined();
    }
    expect((await userToken({ scope: "api://v2-api/Decide" })).scp).toBe("Decide");
  });

  it("the header: v1.0 tokens carry x5t and kid, v2.0 only kid; typ JWT, RS256", async () => {
    const v1 = (await admin("/admin/user-token", { objectId: ADA.objectId, audience: "api://v1-api" })).access_token!;
    const v2 = (await admin("/admin/user-token", { objectId: ADA.objectId, audience: "api://v2-api" })).access_token!;
    expect(decodeProtectedHeader(v1)).toMatchObject({ typ: "JWT", alg: "RS256", x5t: expect.any(String) });
    expect(decodeProtectedHeader(v2).x5t).toBeUndefined();
    expect(decodeProtectedHeader(v2).kid).toBe(decodeProtectedHeader(v1).kid);
  });

  it("the version follows the API registration, and changes when the registration does", async () => {
    identity.registerApi({ ...V1_API, accessTokenVersion: 2 });
    expect(await userToken({ audience: "api://v1-api" })).toMatchObject({ ver: "2.0", aud: V1_API.clientId });
    identity.registerApi(V1_API);
    expect(await userToken({ audience: "api://v1-api" })).toMatchObject({ ver: "1.0", aud: "api://v1-api" });
  });

  it("omits roles when none are assigned, and gives no app roles for an Azure resource", async () => {
    const none = await verified(
      (await admin("/admin/user-token", { objectId: NOBODY.objectId, audience: "api://v1-api" })).access_token!,
    );
    expect(none.roles).toBeUndefined();
    const arm = await userToken({ audience: "https://management.azure.com/" });
    expect(arm).toMatchObject({ ver: "1.0", aud: "https://management.azure.com/", iss: identity.issuers.v1 });
    expect(arm.roles).toBeUndefined();
  });

  it("managed identities: v1.0 app-only tokens for Azure resources; the API's shape and app roles for an API", async () => {
    const acr = await verified(await msiToken("https://containerregistry.azure.net/.default", ROBOT.clientId));
    expect(acr).toMatchObject({
      ver: "1.0",
      iss: identity.issuers.v1,
      aud: "https://containerregistry.azure.net",
      appid: ROBOT.clientId,
      idtyp: "app",
      oid: ROBOT.objectId,
      sub: ROBOT.objectId,
      tid: tenant,
    });
    expect(acr.scp).toBeUndefined();
    expect(acr.roles).toBeUndefined();
    const api = await verified(await msiToken("api://v2-api", ROBOT.clientId));
    expect(api).toMatchObject({ ver: "2.0", aud: V2_API.clientId, azp: ROBOT.clientId, idtyp: "app" });
    expect(api.roles).toEqual(["Quarantine.Reader"]);
    expect(api.scp).toBeUndefined();
  });

  it("ID tokens: aud = the client the user signed in to, nonce, roles on that app, no scp/appid/azp", async () => {
    for (const version of [1, 2] as const) {
      const { id_token } = await admin("/admin/id-token", {
        objectId: ADA.objectId,
        clientId: V1_API.clientId,
        version,
        nonce: "n-0S6_WzA2Mj",
      });
      const claims = await verified(id_token!);
      expect(claims).toMatchObject({
        aud: V1_API.clientId,
        iss: version === 1 ? identity.issuers.v1 : identity.issuers.v2,
        ver: version === 1 ? "1.0" : "2.0",
        nonce: "n-0S6_WzA2Mj",
        roles: ADA.roles,
        oid: ADA.objectId,
      });
      for (const absent of ["scp", "appid", "azp", "idtyp"]) expect(claims[absent], absent).toBeUndefined();
    }
  });

  it("publishes the v1.0 and v2.0 discovery documents, each with its issuer and the same keys", async () => {
    for (const [path, issuer] of [
      [`/${tenant}/.well-known/openid-configuration`, identity.issuers.v1],
      [`/${tenant}/v2.0/.well-known/openid-configuration`, identity.issuers.v2],
    ] as const) {
      const document = (await (await fetch(`${identity.baseUrl}${path}`)).json()) as {
        issuer: string;
        jwks_uri: string;
      };
      expect(document.issuer, path).toBe(issuer);
      const keys = (await (await fetch(document.jwks_uri)).json()) as { keys: Array<{ kid: string; d?: string }> };
      expect(keys.keys.map((k) => k.kid)).toEqual([
        decodeProtectedHeader(await msiToken("https://vault.azure.net")).kid,
      ]);
      expect(keys.keys[0]!.d).toBeUndefined();
    }
  });

  it("refuses admin calls without the identity header, unknown users and bad bodies", async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${identity.baseUrl}${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...headers },
        body: JSON.stringify(body),
      });
    const header = { "X-IDENTITY-HEADER": identity.identityHeader };
    expect((await post("/admin/user-token", { objectId: ADA.objectId, audience: "api://v1-api" })).status).toBe(401);
    expect((await post("/admin/id-token", { objectId: ADA.objectId, clientId: "x" })).status).toBe(401);
    expect((await post("/admin/user-token", { objectId: "nobody", audience: "api://v1-api" }, header)).status).toBe(
      404,
    );
    expect((await post("/admin/user-token", { objectId: ADA.objectId }, header)).status).toBe(400);
    expect((await post("/admin/id-token", { objectId: ADA.objectId, clientId: "x", version: 3 }, header)).status).toBe(
      400,
    );
    expect((await post("/admin/user-token", [1], header)).status).toBe(400);
  });
});
