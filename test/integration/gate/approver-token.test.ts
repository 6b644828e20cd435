import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT, generateKeyPair } from "jose";
import { startIdentityServer, type IdentityServer } from "../../../local/identity/server.js";
import {
  APPROVER_ROLE,
  ApproverAuthError,
  ApproverTokenVerifier,
  OVERRIDE_ROLE,
  requireRole,
} from "../../../src/auth/approver-token.js";

const AUDIENCE = "api://acr-quarantine-gate";

describe("approver tokens, verified against the issuer's keys", () => {
  let identity: IdentityServer;
  let verifier: ApproverTokenVerifier;
  const userToken = async (objectId: string, audience = AUDIENCE) => {
    const response = await fetch(`${identity.baseUrl}/admin/user-token`, {
      method: "POST",
      headers: { "X-IDENTITY-HEADER": identity.identityHeader, "Content-Type": "application/json" },
      body: JSON.stringify({ objectId, audience }),
    });
    return ((await response.json()) as { access_token: string }).access_token;
  };

  beforeAll(async () => {
    identity = await startIdentityServer({
      config: {
        users: [
          { objectId: "approver-1", displayName: "Ada Approver", roles: [APPROVER_ROLE] },
          { objectId: "breakglass-1", displayName: "Bo Override", roles: [APPROVER_ROLE, OVERRIDE_ROLE] },
          { objectId: "viewer-1", displayName: "Vi Viewer", roles: [] },
        ],
      },
    });
    verifier = new ApproverTokenVerifier({ issuer: identity.issuer, audience: AUDIENCE });
  });
  afterAll(async () => identity?.close());

  it("accepts a valid token and reports who and which roles", async () => {
    const approver = await verifier.verify(`Bearer ${await userToken("approver-1")}`);
    expect(approver).toEqual({ objectId: "approver-1", name: "Ada Approver", roles: [APPROVER_ROLE] });
    expect(() => requireRole(approver, APPROVER_ROLE)).not.toThrow();
    expect(() => requireRole(approver, OVERRIDE_ROLE)).toThrow(ApproverAuthError);
  });

  it("rejects missing, malformed, wrong-audience and forged tokens with 401", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const forged = await new SignJWT({ oid: "approver-1", roles: [APPROVER_ROLE, OVERRIDE_ROLE] })
      .setProtectedHeader({ alg: "RS256" })
      .setIssuer(identity.issuer)
      .setAudience(AUDIENCE)
      .setExpirationTime("10m")
      .sign(privateKey);
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${Buffer.from(JSON.stringify({ oid: "x", roles: [OVERRIDE_ROLE], iss: identity.issuer, aud: AUDIENCE })).toString("base64url")}.`;
    for (const header of [
      undefined,
      "",
      "Basic abc",
      "Bearer not.a.jwt",
      `Bearer ${await userToken("approver-1", "api://other")}`,
      `Bearer ${forged}`,
      `Bearer ${unsigned}`,
    ]) {
      await expect(verifier.verify(header), String(header).slice(0, 30)).rejects.toMatchObject({ status: 401 });
    }
  });

  it("gives a viewer without the role a 403, not a pass", async () => {
    const viewer = await verifier.verify(`Bearer ${await userToken("viewer-1")}`);
    expect(() => requireRole(viewer, APPROVER_ROLE)).toThrow(expect.objectContaining({ status: 403 }));
  });
});
