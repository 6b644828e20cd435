import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIdentityServer, type IdentityServer } from "../../local/identity/server.js";
import type { ApiRegistration } from "../../local/identity/config.js";
import { ApproverTokenVerifier } from "../../src/auth/approver-token.js";
import { APPROVER_ROLE, READER_ROLE, requireRole } from "../../src/auth/roles.js";

// The approvals API's verifier against the local identity endpoint over HTTP (discovery → JWKS), for an API
// registration of each token version. Which pairs are real: ../shared/reference/entra-tokens.md.

const API: ApiRegistration = {
  displayName: "ACR Quarantine Gate approvals",
  clientId: "5a9e0000-0000-4000-8000-00000000a001",
  appIdUri: "api://acr-quarantine-gate",
  accessTokenVersion: null,
  scopes: ["user_impersonation"],
};
const OTHER_API: ApiRegistration = {
  ...API,
  displayName: "other",
  clientId: "5a9e0000-0000-4000-8000-0000000000ff",
  appIdUri: "api://other",
};
const ADA = { objectId: "0a000000-0000-4000-8000-000000000001", displayName: "Ada Approver", roles: [APPROVER_ROLE] };
const ROBOT = {
  clientId: "33333333-3333-4333-8333-333333333333",
  objectId: "cccccccc-3333-4333-8333-333333333333",
  displayName: "dashboard",
  appRoles: [READER_ROLE],
};

describe("approver tokens from the local identity endpoint", () => {
  let identity: IdentityServer;
  let stranger: IdentityServer;
  let verifier: ApproverTokenVerifier;

  const post = async (server: IdentityServer, path: string, body: Record<string, unknown>) => {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method: "POST",
      headers: { "X-IDENTITY-HEADER": server.identityHeader, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    const json = (await response.json()) as { access_token?: string; id_token?: string };
    return `Bearer ${json.access_token ?? json.id_token}`;
  };
  const userToken = (body: Record<string, unknown>, server = identity) =>
    post(server, "/admin/user-token", { objectId: ADA.objectId, ...body });

  beforeAll(async () => {
    identity = await startIdentityServer({ config: { users: [ADA], apis: [API, OTHER_API], userAssigned: [ROBOT] } });
    // Another tenant with its own keys and the very same registration values.
    stranger = await startIdentityServer({
      config: { tenantId: "8eaef023-2b34-4da1-9baa-8bc8c9d6a490", users: [ADA], apis: [API] },
    });
    verifier = new ApproverTokenVerifier({
      tenantId: identity.config.tenantId,
      clientId: API.clientId,
      appIdUri: API.appIdUri,
      authorityHost: identity.baseUrl,
    });
  });
  afterAll(async () => {
    await identity?.close();
    await stranger?.close();
  });

  it("accepts the v1.0 tokens of a default registration, for the App ID URI or the client ID", async () => {
    for (const body of [
      { audience: API.appIdUri },
      { scope: `${API.appIdUri}/.default` },
      { audience: API.clientId },
    ]) {
      const approver = await verifier.verify(await userToken(body));
      expect(approver, JSON.stringify(body)).toMatchObject({
        objectId: ADA.objectId,
        name: "Ada Approver",
        roles: [APPROVER_ROLE],
        kind: "user",
        tokenVersion: "1.0",
      });
    }
  });

  it("accepts v2.0 tokens once the registration asks for them, with the same settings", async () => {
    identity.registerApi({ ...API, accessTokenVersion: 2 });
    try {
      const approver = await verifier.verify(await userToken({ scope: `${API.appIdUri}/.default` }));
      expect(approver).toMatchObject({ objectId: ADA.objectId, tokenVersion: "2.0", kind: "user" });
      expect(() => requireRole(approver, APPROVER_ROLE)).not.toThrow();
    } finally {
      identity.registerApi(API);
    }
  });

  it("accepts a managed identity's app-only token with its app role (kind app)", async () => {
    const query = new URLSearchParams({
      "api-version": "2019-08-01",
      resource: API.appIdUri!,
      client_id: ROBOT.clientId,
    });
    const response = await fetch(`${identity.endpoint}?${query}`, {
      headers: { "X-IDENTITY-HEADER": identity.identityHeader },
    });
    const { access_token } = (await response.json()) as { access_token: string };
    const caller = await verifier.verify(`Bearer ${access_token}`);
    expect(caller).toMatchObject({ kind: "app", roles: [READER_ROLE], clientAppId: ROBOT.clientId });
    expect(() => requireRole(caller, APPROVER_ROLE)).toThrow(expect.objectContaining({ status: 403 }));
  });

  it("refuses ID tokens, even for the API's own client ID and carrying the approver role", async () => {
    for (const version of [1, 2]) {
      const token = await post(identity, "/admin/id-token", {
        objectId: ADA.objectId,
        clientId: API.clientId,
        version,
        nonce: "n",
      });
      await expect(verifier.verify(token), `v${version}`).rejects.toMatchObject({ status: 401, reason: "id-token" });
    }
  });

  it("refuses tokens for another audience: an Azure resource, another API", async () => {
    await expect(verifier.verify(await userToken({ audience: "https://management.azure.com" }))).rejects.toMatchObject({
      status: 401,
      reason: "wrong-audience",
    });
    await expect(verifier.verify(await userToken({ audience: OTHER_API.appIdUri }))).rejects.toMatchObject({
      status: 401,
      reason: "wrong-audience",
    });
  });

  it("refuses a token from another tenant (its own issuer and keys)", async () => {
    await expect(verifier.verify(await userToken({ audience: API.appIdUri }, stranger))).rejects.toMatchObject({
      status: 401,
    });
  });

  it("a verifier of another tenant refuses this tenant's tokens", async () => {
    const elsewhere = new ApproverTokenVerifier({
      tenantId: stranger.config.tenantId,
      clientId: API.clientId,
      appIdUri: API.appIdUri,
      authorityHost: identity.baseUrl,
    });
    await expect(elsewhere.verify(await userToken({ audience: API.appIdUri }))).rejects.toMatchObject({
      status: 401,
      reason: "metadata",
    });
  });
});
