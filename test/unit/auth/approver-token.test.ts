import { beforeAll, describe, expect, it } from "vitest";
import { SignJWT, generateKeyPair, type JWTPayload } from "jose";
import { ApproverTokenVerifier } from "../../../src/auth/approver-token.js";
import { ApproverAuthError, type ApproverAuthReason } from "../../../src/auth/errors.js";
import { APPROVER_ROLE, READER_ROLE, READ_ROLES, requireAnyRole, requireRole } from "../../../src/auth/roles.js";
import { isGateError } from "../../../src/errors/gate-error.js";
import {
  API_CLIENT_ID,
  APP_ID_URI,
  CLIENT_APP,
  OTHER_TENANT,
  TENANT,
  USER_OID,
  idToken,
  issuerV1,
  issuerV2,
  tenantSigner,
  v1User,
  v2App,
  v2User,
  type Signer,
} from "./entra-shapes.js";

// The pairs Entra issues (../shared/reference/entra-tokens.md): (v1 issuer, App ID URI or client ID), (v2 issuer,
// client ID). Tokens here are built from Microsoft's claim descriptions (./entra-shapes.ts), not by our emulator.

describe("approver tokens: the real Entra pairs are accepted", () => {
  let signer: Signer;
  let verifier: ApproverTokenVerifier;
  const bearer = async (payload: JWTPayload, header?: Record<string, unknown>) =>
    `Bearer ${await signer.sign(payload, header)}`;

  beforeAll(async () => {
    signer = await tenantSigner();
    verifier = new ApproverTokenVerifier({
      tenantId: TENANT,
      clientId: API_CLIENT_ID,
      appIdUri: APP_ID_URI,
      authorityHost: "https://login.microsoftonline.com",
      metadata: async (version) => ({ issuer: version === "1.0" ? issuerV1() : issuerV2(), keys: signer.keys }),
    });
  });

  it("v1.0 with the Application ID URI as audience (what a client asking for the URI gets)", async () => {
    const approver = await verifier.verify(await bearer(v1User(), { x5t: "test-key" }));
    expect(approver).toEqual({
      objectId: USER_OID,
      tenantId: TENANT,
      name: "Abe Lincoln",
      roles: [APPROVER_ROLE],
      kind: "user",
      clientAppId: CLIENT_APP,
      tokenVersion: "1.0",
    });
  });

  it("v1.0 with the client ID, or the URI with a trailing slash, as audience", async () => {
    for (const aud of [API_CLIENT_ID, `${APP_ID_URI}/`, API_CLIENT_ID.toUpperCase()]) {
      const approver = await verifier.verify(await bearer(v1User({ aud })));
      expect(approver.tokenVersion, aud).toBe("1.0");
    }
  });

  it("v2.0 with the client ID as audience", async () => {
    const approver = await verifier.verify(await bearer(v2User()));
    expect(approver).toMatchObject({ objectId: USER_OID, kind: "user", clientAppId: CLIENT_APP, tokenVersion: "2.0" });
    expect(approver.roles).toEqual([APPROVER_ROLE]);
  });

  it("an app-only v2.0 token (idtyp app, no scp) is an application caller", async () => {
    const approver = await verifier.verify(await bearer(v2App()));
    expect(approver).toMatchObject({ kind: "app", roles: [READER_ROLE], tokenVersion: "2.0" });
    expect(() => requireAnyRole(approver, READ_ROLES)).not.toThrow();
    expect(() => requireRole(approver, APPROVER_ROLE)).toThrow(expect.objectContaining({ status: 403 }));
  });

  it("a valid token without a roles claim authenticates but is refused with 403", async () => {
    const { roles: _roles, ...noRoles } = v1User();
    const approver = await verifier.verify(await bearer(noRoles));
    expect(approver.roles).toEqual([]);
    const error = (() => {
      try {
        requireRole(approver, APPROVER_ROLE);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ApproverAuthError);
    expect(error).toMatchObject({ status: 403, reason: "missing-role", code: "ERR_APPROVER_FORBIDDEN" });
    expect(isGateError(error)).toBe(true);
  });
});

describe("approver tokens: every other shape is refused with 401", () => {
  let signer: Signer;
  let verifier: ApproverTokenVerifier;

  beforeAll(async () => {
    signer = await tenantSigner();
    verifier = new ApproverTokenVerifier({
      tenantId: TENANT,
      clientId: API_CLIENT_ID,
      appIdUri: APP_ID_URI,
      authorityHost: "https://login.microsoftonline.com",
      metadata: async (version) => ({ issuer: version === "1.0" ? issuerV1() : issuerV2(), keys: signer.keys }),
    });
  });

  async function refused(token: string | undefined, reason: ApproverAuthReason, what: string): Promise<void> {
    const header = token === undefined ? undefined : `Bearer ${token}`;
    const error = await verifier.verify(header).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, what).toBeInstanceOf(ApproverAuthError);
    expect(error, what).toMatchObject({ status: 401, reason });
  }
  const signed = (payload: JWTPayload) => signer.sign(payload);
  const t = () => Math.floor(Date.now() / 1000);

  it("mixed shapes: no real token has them", async () => {
    // v2 issuer + App ID URI: the shape the app used to pin (issue 11).
    await refused(await signed(v2User({ aud: APP_ID_URI })), "mixed-shape", "v2 token, App ID URI audience");
    await refused(await signed(v1User({ iss: issuerV2() })), "mixed-shape", "ver 1.0 with the v2 issuer");
    await refused(await signed(v2User({ iss: issuerV1() })), "mixed-shape", "ver 2.0 with the v1 issuer");
    await refused(await signed(v2User({ iss: issuerV2(), ver: "1.0" })), "mixed-shape", "v2 claims, ver 1.0");
    const { appid: _a, ...v1WithAzp } = v1User({ azp: CLIENT_APP });
    await refused(await signed(v1WithAzp), "mixed-shape", "v1 token naming its client in azp");
    await refused(await signed(v2User({ appid: CLIENT_APP })), "mixed-shape", "v2 token with appid");
    await refused(await signed(v2App({ scp: "user_impersonation" })), "mixed-shape", "idtyp app with scp");
  });

  it("wrong tenant: another tenant's issuer, or a tid that is not the issuer's", async () => {
    await refused(await signed(v1User({ iss: issuerV1(OTHER_TENANT), tid: OTHER_TENANT })), "wrong-issuer", "v1");
    await refused(await signed(v2User({ iss: issuerV2(OTHER_TENANT), tid: OTHER_TENANT })), "wrong-issuer", "v2");
    await refused(await signed(v2User({ tid: OTHER_TENANT })), "wrong-tenant", "tid of another tenant");
    await refused(await signed(v2User({ tid: "not-a-guid" })), "missing-claim", "tid not a GUID");
  });

  it("wrong audience", async () => {
    await refused(await signed(v1User({ aud: "https://management.azure.com/" })), "wrong-audience", "ARM");
    await refused(await signed(v1User({ aud: "api://other-api" })), "wrong-audience", "another URI");
    await refused(await signed(v2User({ aud: "00000003-0000-0000-c000-000000000000" })), "wrong-audience", "Graph");
    await refused(await signed(v2User({ aud: [API_CLIENT_ID, "x"] })), "wrong-audience", "a list");
    await refused(await signed(v1User({ aud: `${APP_ID_URI}/extra` })), "wrong-audience", "a longer URI");
  });

  it("an ID token instead of an access token, even with aud = the API's client ID and roles", async () => {
    await refused(await signed(idToken("2.0")), "id-token", "v2 ID token");
    await refused(await signed(idToken("1.0")), "id-token", "v1 ID token");
    const { nonce: _n, ...withoutNonce } = idToken("2.0");
    await refused(await signed(withoutNonce), "id-token", "v2 ID token without nonce (no azp either)");
    await refused(await signed(v2User({ nonce: "abc" })), "id-token", "an access-token shape carrying nonce");
    await refused(await signed(v1User({ at_hash: "x" })), "id-token", "at_hash");
  });

  it("expired, not yet valid, or without lifetime claims", async () => {
    await refused(await signed(v1User({ iat: t() - 7200, nbf: t() - 7200, exp: t() - 3600 })), "expired", "expired");
    await refused(await signed(v2User({ nbf: t() + 3600, exp: t() + 7200 })), "not-yet-valid", "nbf ahead");
    const { exp: _e, ...noExp } = v1User();
    await refused(await signed(noExp), "missing-claim", "no exp");
    const { nbf: _f, ...noNbf } = v2User();
    await refused(await signed(noNbf), "missing-claim", "no nbf");
  });

  it("no token, not a JWT, an unknown version, a foreign signature, other algorithms, malformed claims", async () => {
    for (const header of [undefined, "", "Basic abc", "Bearer", "Bearer a b"]) {
      await expect(verifier.verify(header), String(header)).rejects.toMatchObject({ status: 401, reason: "no-token" });
    }
    await refused("not.a.jwt", "malformed", "garbage");
    await refused(await signed(v1User({ ver: "3.0" })), "malformed", "ver 3.0");
    const { ver: _v, ...noVer } = v2User();
    await refused(await signed(noVer), "malformed", "no ver");
    const { privateKey } = await generateKeyPair("RS256");
    const forged = await new SignJWT(v1User()).setProtectedHeader({ alg: "RS256", typ: "JWT", kid: "test-key" });
    await refused(await forged.sign(privateKey), "signature", "another key");
    const hs = await new SignJWT(v1User())
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(new TextEncoder().encode("a-shared-secret-of-enough-length!!"));
    await refused(hs, "malformed", "HS256");
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${Buffer.from(JSON.stringify(v1User())).toString("base64url")}.`;
    await refused(none, "malformed", "alg none");
    await refused(await signer.sign(v1User(), { typ: "at+jwt" }), "malformed", "typ other than JWT");
    await refused(await signed(v1User({ roles: "Quarantine.Approver" })), "malformed", "roles as a string");
    await refused(await signed(v1User({ oid: "someone" })), "missing-claim", "oid not a GUID");
  });
});

describe("approver tokens: the tenant's metadata", () => {
  it("refuses with 401 while the metadata cannot be read, and tries again on the next request", async () => {
    const signer = await tenantSigner();
    let calls = 0;
    const verifier = new ApproverTokenVerifier({
      tenantId: TENANT,
      clientId: API_CLIENT_ID,
      authorityHost: "https://login.microsoftonline.com",
      metadata: async () => {
        calls += 1;
        if (calls === 1) throw new Error("discovery answered 503");
        return { issuer: issuerV2(), keys: signer.keys };
      },
    });
    const token = `Bearer ${await signer.sign(v2User())}`;
    await expect(verifier.verify(token)).rejects.toMatchObject({ status: 401, reason: "metadata" });
    await expect(verifier.verify(token)).resolves.toMatchObject({ tokenVersion: "2.0" });
    await verifier.verify(token);
    expect(calls).toBe(2);
  });

  it("without an App ID URI, v1.0 tokens are accepted only for the client ID", async () => {
    const signer = await tenantSigner();
    const verifier = new ApproverTokenVerifier({
      tenantId: TENANT,
      clientId: API_CLIENT_ID,
      authorityHost: "https://login.microsoftonline.com",
      metadata: async (version) => ({ issuer: version === "1.0" ? issuerV1() : issuerV2(), keys: signer.keys }),
    });
    await expect(verifier.verify(`Bearer ${await signer.sign(v1User({ aud: API_CLIENT_ID }))}`)).resolves.toBeTruthy();
    await expect(verifier.verify(`Bearer ${await signer.sign(v1User())}`)).rejects.toMatchObject({
      reason: "wrong-audience",
    });
  });
});
