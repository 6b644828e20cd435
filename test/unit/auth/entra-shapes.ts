import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, type JWTPayload, type JWTVerifyGetKey } from "jose";

/**
 * Access and ID tokens built from Microsoft's descriptions, independently of the local identity endpoint, so the
 * verifier is checked against the documents and not against our own emulator: MicrosoftDocs/entra-docs
 * docs/identity-platform/access-token-claims-reference.md, id-token-claims-reference.md, and
 * ../shared/reference/entra-tokens.md. The tenant and client IDs are the ones in access-tokens.md's examples.
 */
export const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
export const OTHER_TENANT = "8eaef023-2b34-4da1-9baa-8bc8c9d6a490";
export const API_CLIENT_ID = "6e74172b-be56-4843-9ff4-e66a39bb12e3";
export const APP_ID_URI = `api://${API_CLIENT_ID}`;
export const CLIENT_APP = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
export const USER_OID = "690222be-ff1a-4d56-abd1-7e4f7d38e474";

/** v1.0: `https://sts.windows.net/{tenantId}/` (trailing slash); v2.0: `https://login.microsoftonline.com/{tenantId}/v2.0`. */
export const issuerV1 = (tenant = TENANT) => `https://sts.windows.net/${tenant}/`;
export const issuerV2 = (tenant = TENANT) => `https://login.microsoftonline.com/${tenant}/v2.0`;

const now = () => Math.floor(Date.now() / 1000);

function times(): JWTPayload {
  const t = now();
  return { iat: t, nbf: t, exp: t + 3600 };
}

/** A v1.0 delegated access token: aud as asked (App ID URI here), appid, upn/unique_name, scp. */
export function v1User(overrides: JWTPayload = {}): JWTPayload {
  return {
    aud: APP_ID_URI,
    iss: issuerV1(),
    ...times(),
    acr: "1",
    amr: ["pwd"],
    appid: CLIENT_APP,
    appidacr: "0",
    name: "Abe Lincoln",
    oid: USER_OID,
    roles: ["Quarantine.Approver"],
    scp: "user_impersonation",
    sub: "l3_roISQU222bULS9yi2k0XpqpOiMz5H3ZACo1GeXA",
    tid: TENANT,
    unique_name: "abeli@contoso.example",
    upn: "abeli@contoso.example",
    uti: "FVsGxYXI30-TuikuuUoFAA",
    ver: "1.0",
    ...overrides,
  };
}

/** A v2.0 delegated access token: aud always the API's client ID, azp, preferred_username, scp. */
export function v2User(overrides: JWTPayload = {}): JWTPayload {
  return {
    aud: API_CLIENT_ID,
    iss: issuerV2(),
    ...times(),
    azp: CLIENT_APP,
    azpacr: "0",
    name: "Abe Lincoln",
    oid: USER_OID,
    preferred_username: "abeli@contoso.example",
    roles: ["Quarantine.Approver"],
    scp: "user_impersonation",
    sub: "HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ",
    tid: TENANT,
    uti: "fqiBqXLPj0eQa82S-IYFAA",
    ver: "2.0",
    ...overrides,
  };
}

/** A v2.0 app-only access token (client credentials): `idtyp` app, `roles`, no `scp`, `sub` = `oid`. */
export function v2App(overrides: JWTPayload = {}): JWTPayload {
  const oid = "f621fc83-4ec9-4bf8-bc8d-0123456789ab";
  return {
    aud: API_CLIENT_ID,
    iss: issuerV2(),
    ...times(),
    azp: "d53edae2-1b58-4c56-a243-0123456789ab",
    azpacr: "1",
    idtyp: "app",
    oid,
    roles: ["Quarantine.Reader"],
    sub: oid,
    tid: TENANT,
    uti: "mBOqwjvzLUqboKm591ccAA",
    ver: "2.0",
    ...overrides,
  };
}

/**
 * An ID token the user got when signing in to the API's own registration as a client: `aud` = that client ID,
 * `nonce`, `roles` assigned on that app, no `azp`/`appid`, no `scp` (id-token-claims-reference.md).
 */
export function idToken(version: "1.0" | "2.0", overrides: JWTPayload = {}): JWTPayload {
  const common = {
    aud: API_CLIENT_ID,
    ...times(),
    name: "Abe Lincoln",
    nonce: "123523",
    oid: USER_OID,
    roles: ["Quarantine.Approver", "Quarantine.Override"],
    sub: "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
    tid: TENANT,
    uti: "aaaaaaaaaaaaaaaaaaaaaa",
    ver: version,
  };
  return version === "1.0"
    ? {
        ...common,
        iss: issuerV1(),
        amr: ["pwd"],
        unique_name: "abeli@contoso.example",
        upn: "abeli@contoso.example",
        ...overrides,
      }
    : { ...common, iss: issuerV2(), preferred_username: "abeli@contoso.example", ...overrides };
}

export interface Signer {
  keys: JWTVerifyGetKey;
  sign(payload: JWTPayload, header?: Record<string, unknown>): Promise<string>;
}

/** An RS256 key pair standing in for the tenant's signing keys. */
export async function tenantSigner(): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "test-key", alg: "RS256", use: "sig" };
  return {
    keys: createLocalJWKSet({ keys: [jwk] }),
    sign: (payload, header = {}) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: "test-key", ...header })
        .sign(privateKey),
  };
}
