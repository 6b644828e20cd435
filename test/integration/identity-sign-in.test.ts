import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { startIdentityServer, type IdentityServer } from "../../local/identity/server.js";
import type { ApiRegistration } from "../../local/identity/config.js";
import { ApproverTokenVerifier } from "../../src/auth/approver-token.js";
import { APPROVER_ROLE } from "../../src/auth/roles.js";
import { freshTempDir } from "../support/paths.js";

// The local identity endpoint as the approval page's OpenID Connect provider (local/identity/sign-in.ts): discovery
// (OpenID Connect Discovery 1.0), authorize + token with PKCE (RFC 7636), loopback redirect URIs (RFC 8252 §7.3).

const API: ApiRegistration = {
  displayName: "ACR Quarantine Gate approvals",
  clientId: "5a9e0000-0000-4000-8000-00000000a001",
  appIdUri: "api://acr-quarantine-gate",
  accessTokenVersion: null,
  scopes: ["user_impersonation"],
};
const ADA = { objectId: "0a000000-0000-4000-8000-000000000001", displayName: "Ada Approver", roles: [APPROVER_ROLE] };
const REDIRECT = "http://127.0.0.1:7071/api/ui/";
const SCOPE = "api://acr-quarantine-gate/user_impersonation openid profile offline_access";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe("the local identity endpoint's sign-in front (OIDC, authorization code + PKCE)", () => {
  let identity: IdentityServer;
  let ca: Buffer;
  let tenant: string;

  beforeAll(async () => {
    identity = await startIdentityServer({ stateDir: freshTempDir("identity"), config: { users: [ADA], apis: [API] } });
    ca = readFileSync(identity.signInCaCertPath);
    tenant = identity.signInAuthority.replace(/\/v2\.0$/, "");
  });
  afterAll(async () => identity?.close());

  /** An https request trusting the endpoint's own CA (as a person who trusts it would). */
  function https(
    url: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ) {
    return new Promise<Answer>((resolve, reject) => {
      const body = init.form ? new URLSearchParams(init.form).toString() : undefined;
      const req = request(
        url,
        {
          method: init.method ?? (body ? "POST" : "GET"),
          ca,
          headers: {
            ...(body ? { "Content-Type": "application/x-www-form-urlencoded" } : {}),
            ...(init.headers ?? {}),
          },
        },
        (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  function pkce() {
    const verifier = randomBytes(32).toString("base64url");
    return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
  }

  function authorizeParams(challenge: string, extra: Record<string, string> = {}) {
    return {
      client_id: API.clientId,
      redirect_uri: REDIRECT,
      response_type: "code",
      scope: SCOPE,
      state: "s-1",
      nonce: "n-1",
      code_challenge: challenge,
      code_challenge_method: "S256",
      response_mode: "fragment",
      ...extra,
    };
  }

  async function codeFor(challenge: string, extra: Record<string, string> = {}): Promise<string> {
    const answer = await https(`${tenant}/oauth2/v2.0/authorize`, {
      form: { ...authorizeParams(challenge, extra), user: ADA.objectId },
    });
    expect(answer.status).toBe(302);
    const location = new URL(String(answer.headers.location));
    const values = new URLSearchParams(location.hash.slice(1));
    expect(values.get("state")).toBe("s-1");
    return values.get("code")!;
  }

  const redeem = (code: string, verifier: string, extra: Record<string, string> = {}) =>
    https(`${tenant}/oauth2/v2.0/token`, {
      form: {
        client_id: API.clientId,
        grant_type: "authorization_code",
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT,
        scope: SCOPE,
        ...extra,
      },
      headers: { Origin: "http://127.0.0.1:7071" },
    });

  it("publishes a discovery document whose issuer is the authority it is served under, over https", async () => {
    const answer = await https(`${identity.signInAuthority}/.well-known/openid-configuration`);
    expect(answer.status).toBe(200);
    const document = JSON.parse(answer.body) as Record<string, unknown>;
    // OpenID Connect Discovery 1.0 §4.3: the issuer is the URL the document was fetched under.
    expect(document.issuer).toBe(identity.signInAuthority);
    expect(document.code_challenge_methods_supported).toEqual(["S256"]);
    expect(String(document.authorization_endpoint)).toMatch(
      /^https:\/\/127\.0\.0\.1:\d+\/.+\/oauth2\/v2\.0\/authorize$/,
    );
    expect(String(document.token_endpoint)).toMatch(/^https:.+\/oauth2\/v2\.0\/token$/);
    const keys = JSON.parse((await https(String(document.jwks_uri))).body) as { keys: unknown[] };
    expect(keys.keys.length).toBe(1);
    // The plain-HTTP side of the same port still answers the managed-identity and API discovery as before.
    const plain = await fetch(`${identity.baseUrl}/${identity.config.tenantId}/.well-known/openid-configuration`);
    expect(((await plain.json()) as { issuer: string }).issuer).toBe(identity.issuers.v1);
  });

  it("shows the people to pick, as text, on a page without script", async () => {
    const { challenge } = pkce();
    const answer = await https(`${tenant}/oauth2/v2.0/authorize?${new URLSearchParams(authorizeParams(challenge))}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain("Ada Approver");
    expect(answer.body).not.toContain("<script");
    expect(String(answer.headers["content-security-policy"])).toMatch(/^default-src 'none'/);
  });

  it("exchanges a code with the right PKCE verifier for Entra-shaped tokens; the API verifier accepts the access token", async () => {
    const { verifier, challenge } = pkce();
    const answer = await redeem(await codeFor(challenge), verifier);
    expect(answer.status, answer.body).toBe(200);
    expect(answer.headers["access-control-allow-origin"]).toBe("http://127.0.0.1:7071");
    const tokens = JSON.parse(answer.body) as Record<string, string>;
    expect(tokens.token_type).toBe("Bearer");
    expect(tokens.refresh_token).toBeTruthy();
    // The access token: v1.0 for this registration (null version), the App ID URI as audience, the page as client.
    const access = decodeJwt(tokens.access_token!);
    expect(access).toMatchObject({
      ver: "1.0",
      aud: API.appIdUri,
      iss: identity.issuers.v1,
      appid: API.clientId,
      oid: ADA.objectId,
      roles: [APPROVER_ROLE],
      scp: "user_impersonation",
    });
    expect(decodeProtectedHeader(tokens.access_token!).typ).toBe("JWT");
    // The ID token: for the client, with the nonce, issued by the sign-in authority (OIDC Core §3.1.3.7).
    expect(decodeJwt(tokens.id_token!)).toMatchObject({
      aud: API.clientId,
      nonce: "n-1",
      iss: identity.signInAuthority,
      ver: "2.0",
    });
    const verifierOfApi = new ApproverTokenVerifier({
      tenantId: identity.config.tenantId,
      clientId: API.clientId,
      appIdUri: API.appIdUri,
      authorityHost: identity.baseUrl,
    });
    expect((await verifierOfApi.verify(`Bearer ${tokens.access_token}`)).name).toBe("Ada Approver");
    await expect(verifierOfApi.verify(`Bearer ${tokens.id_token}`)).rejects.toMatchObject({ status: 401 });

    const refreshed = await https(`${tenant}/oauth2/v2.0/token`, {
      form: {
        client_id: API.clientId,
        grant_type: "refresh_token",
        refresh_token: tokens.refresh_token!,
        scope: SCOPE,
      },
    });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt((JSON.parse(refreshed.body) as { access_token: string }).access_token).oid).toBe(ADA.objectId);
  });

  it("refuses a wrong or missing verifier, a second use of a code, and another redirect URI (invalid_grant)", async () => {
    const { verifier, challenge } = pkce();
    const wrong = await redeem(await codeFor(challenge), pkce().verifier);
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.body)).toMatchObject({ error: "invalid_grant" });

    const missing = await redeem(await codeFor(challenge), "");
    expect(JSON.parse(missing.body)).toMatchObject({ error: "invalid_grant" });

    const code = await codeFor(challenge);
    expect((await redeem(code, verifier)).status).toBe(200);
    const again = await redeem(code, verifier);
    expect(again.status).toBe(400);
    expect(JSON.parse(again.body)).toMatchObject({ error: "invalid_grant" });

    const elsewhere = await redeem(await codeFor(challenge), verifier, { redirect_uri: "http://127.0.0.1:9/other/" });
    expect(JSON.parse(elsewhere.body)).toMatchObject({ error: "invalid_grant" });
  });

  it("refuses authorize requests without S256 PKCE, for an unknown client, or to a non-loopback redirect URI", async () => {
    const { challenge } = pkce();
    const cases: Array<[Record<string, string>, string]> = [
      [{ code_challenge_method: "plain" }, "invalid_request"],
      [{ code_challenge: "" }, "invalid_request"],
      [{ client_id: "5a9e0000-0000-4000-8000-0000000000ff" }, "unauthorized_client"],
      [{ redirect_uri: "https://attacker.example/api/ui/" }, "invalid_request"],
      [{ redirect_uri: "http://localhost:7071/api/ui/" }, "invalid_request"],
      [{ response_type: "token" }, "unsupported_response_type"],
      [{ scope: "api://acr-quarantine-gate/user_impersonation" }, "invalid_scope"],
    ];
    for (const [change, error] of cases) {
      const answer = await https(
        `${tenant}/oauth2/v2.0/authorize?${new URLSearchParams(authorizeParams(challenge, change))}`,
      );
      expect(answer.status, JSON.stringify(change)).toBe(400);
      expect(JSON.parse(answer.body).error, JSON.stringify(change)).toBe(error);
      expect(answer.headers.location).toBeUndefined();
    }
  });
});
