import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT, decodeJwt, generateKeyPair } from "jose";
import { startLocalAcr, type LocalAcr } from "../../support/local-acr.js";

function form(fields: Record<string, string | string[]>): URLSearchParams {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const value of [v].flat()) body.append(k, value);
  return body;
}

describe("ACR emulator: challenge, exchange and token service", () => {
  let local: LocalAcr;
  beforeAll(async () => {
    local = await startLocalAcr();
  });
  afterAll(async () => local?.stop());

  const exchange = async (accessToken: string) =>
    fetch(`${local.acr.url}/oauth2/exchange`, {
      method: "POST",
      body: form({ grant_type: "access_token", service: local.acr.loginServer, access_token: accessToken }),
    });

  it("challenges unauthenticated requests on /v2/ and /acr/v1/ with quoted realm, service and scope", async () => {
    const base = await fetch(`${local.acr.url}/v2/`);
    expect(base.status).toBe(401);
    expect(base.headers.get("www-authenticate")).toBe(
      `Bearer realm="${local.acr.url}/oauth2/token",service="${local.acr.loginServer}"`,
    );
    const catalog = await fetch(`${local.acr.url}/acr/v1/_catalog`);
    expect(catalog.status).toBe(401);
    expect(catalog.headers.get("www-authenticate")).toContain(`scope="registry:catalog:*"`);
    const body = (await catalog.json()) as { errors: Array<{ code: string }> };
    expect(body.errors[0]!.code).toBe("UNAUTHORIZED");
    const manifests = await fetch(`${local.acr.url}/acr/v1/team/app/_manifests`);
    expect(manifests.headers.get("www-authenticate")).toContain(`scope="repository:team/app:metadata_read"`);
  });

  it("exchanges an Entra ID token of either accepted audience for a refresh token", async () => {
    for (const resource of ["https://containerregistry.azure.net", "https://management.azure.com"]) {
      const response = await exchange(await local.aadToken("pusher", resource));
      expect(response.status, resource).toBe(200);
      const { refresh_token } = (await response.json()) as { refresh_token: string };
      const claims = decodeJwt(refresh_token);
      expect(claims.sub).toBe(local.identities.pusher.objectId);
      expect(claims.aud).toBe(local.acr.loginServer);
      expect(typeof claims.exp).toBe("number");
    }
  });

  it("refuses Entra ID tokens with a wrong audience, a foreign signature, an expired lifetime, or no role", async () => {
    const wrongAudience = await exchange(await local.aadToken("pusher", "https://vault.azure.net"));
    expect(wrongAudience.status).toBe(401);
    const { privateKey } = await generateKeyPair("RS256");
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ oid: local.identities.pusher.objectId })
      .setProtectedHeader({ alg: "RS256", kid: "forged" })
      .setIssuer(local.identity.issuer)
      .setAudience("https://containerregistry.azure.net")
      .setExpirationTime(now + 600)
      .sign(privateKey);
    expect((await exchange(forged)).status).toBe(401);
    expect((await exchange("not-a-jwt")).status).toBe(401);
    const stranger = await exchange(await local.aadToken("stranger"));
    expect(stranger.status).toBe(401);
    expect(((await stranger.json()) as { errors: Array<{ message: string }> }).errors[0]!.message).toMatch(/no role/);
  });

  it("refuses an expired Entra ID token", async () => {
    local.identity.config.tokenLifetimeSeconds = 1;
    const shortLived = await local.aadToken("pusher");
    local.identity.config.tokenLifetimeSeconds = 3600;
    await new Promise((r) => setTimeout(r, 2_100));
    const response = await exchange(shortLived);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { errors: Array<{ message: string }> }).errors[0]!.message).toMatch(/exp/);
  });

  it("grants only what the roles allow: a puller asking for push gets a token without push", async () => {
    const token = await local.accessToken("puller", ["repository:team/app:pull,push,delete", "registry:catalog:*"]);
    const claims = decodeJwt(token) as { access: Array<{ type: string; name: string; actions: string[] }> };
    expect(claims.access).toEqual([
      { type: "repository", name: "team/app", actions: ["pull"] },
      { type: "registry", name: "catalog", actions: ["*"] },
    ]);
    const pushAttempt = await fetch(`${local.acr.url}/v2/team/app/blobs/uploads/`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(pushAttempt.status).toBe(403);
    const stranger = await local.accessToken("deleter", ["repository:team/app:*"]);
    expect((decodeJwt(stranger) as { access: Array<{ actions: string[] }> }).access[0]!.actions.sort()).toEqual([
      "delete",
      "metadata_read",
      "pull",
    ]);
  });

  it("accepts several scopes space-separated in one field, and rejects a malformed scope", async () => {
    const refresh = await local.refreshToken("gate");
    const ok = await fetch(`${local.acr.url}/oauth2/token`, {
      method: "POST",
      body: form({
        grant_type: "refresh_token",
        service: local.acr.loginServer,
        refresh_token: refresh,
        scope: "repository:a/b:pull repository:c:metadata_write",
      }),
    });
    expect(ok.status).toBe(200);
    const access = (decodeJwt(((await ok.json()) as { access_token: string }).access_token) as { access: unknown[] })
      .access;
    expect(access).toHaveLength(2);
    for (const scope of ["repository:../etc:pull", "repository:app", "bogus:x:y", "registry:other:*"]) {
      const bad = await fetch(`${local.acr.url}/oauth2/token`, {
        method: "POST",
        body: form({ grant_type: "refresh_token", service: local.acr.loginServer, refresh_token: refresh, scope }),
      });
      expect(bad.status, scope).toBe(400);
    }
  });

  it("serves the Basic-auth GET form with the null GUID and a refresh token, and refuses bad credentials", async () => {
    const refresh = await local.refreshToken("puller");
    const basic = Buffer.from(`00000000-0000-0000-0000-000000000000:${refresh}`).toString("base64");
    const url = `${local.acr.url}/oauth2/token?service=${local.acr.loginServer}&scope=repository:team/app:pull`;
    const ok = await fetch(url, { headers: { Authorization: `Basic ${basic}` } });
    expect(ok.status).toBe(200);
    const bad = await fetch(url, {
      headers: { Authorization: `Basic ${Buffer.from("someone:wrong-password").toString("base64")}` },
    });
    expect(bad.status).toBe(401);
    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Basic /);
  });

  it("answers wrong and expired access tokens with 401 and an invalid_token challenge", async () => {
    const wrong = await fetch(`${local.acr.url}/acr/v1/_catalog`, { headers: { Authorization: "Bearer abc.def.ghi" } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain(`error="invalid_token"`);
    await local.admin("PUT", "/tokens", { accessTokenSeconds: 1 });
    const shortLived = await local.accessToken("puller", ["registry:catalog:*"]);
    expect(
      (await fetch(`${local.acr.url}/acr/v1/_catalog`, { headers: { Authorization: `Bearer ${shortLived}` } })).status,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 2_100));
    const expired = await fetch(`${local.acr.url}/acr/v1/_catalog`, {
      headers: { Authorization: `Bearer ${shortLived}` },
    });
    expect(expired.status).toBe(401);
    expect(expired.headers.get("www-authenticate")).toContain(`error="invalid_token"`);
    expect(((await expired.json()) as { errors: Array<{ message: string }> }).errors[0]!.message).toMatch(/expired/);
    await local.admin("PUT", "/tokens", { accessTokenSeconds: 4500 });
  });

  it("sends a token lacking a grantable action back to the token service (401 insufficient_scope)", async () => {
    const pullOnly = await local.accessToken("pusher", ["repository:team/app:pull"]);
    const response = await fetch(`${local.acr.url}/v2/team/app/blobs/uploads/`, {
      method: "POST",
      headers: { Authorization: `Bearer ${pullOnly}` },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain(
      `scope="repository:team/app:push",error="insufficient_scope"`,
    );
  });
});
