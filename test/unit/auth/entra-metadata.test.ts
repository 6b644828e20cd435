import { describe, expect, it } from "vitest";
import {
  GLOBAL_AUTHORITY_HOST,
  checkDeclaredIssuer,
  discoveryUrl,
  isLoopbackAuthority,
} from "../../../src/auth/entra-metadata.js";
import { audiencesFor } from "../../../src/auth/entra-claims.js";
import { ENTRA_GLOBAL_AUTHORITY_HOST } from "../../../src/config.js";
import { API_CLIENT_ID, APP_ID_URI, TENANT, issuerV1, issuerV2 } from "./entra-shapes.js";

// Entra's metadata documents and issuer forms: MicrosoftDocs/entra-docs access-tokens.md ("v1.0 and v2.0 tokens",
// "Validate the issuer") and ../shared/reference/entra-tokens.md.
describe("tenant OpenID metadata", () => {
  it("reads v1.0 tokens' metadata from the v1.0 document and v2.0 tokens' from the v2.0 one", () => {
    expect(discoveryUrl(GLOBAL_AUTHORITY_HOST, TENANT, "1.0")).toBe(
      `https://login.microsoftonline.com/${TENANT}/.well-known/openid-configuration`,
    );
    expect(discoveryUrl(GLOBAL_AUTHORITY_HOST, TENANT, "2.0")).toBe(
      `https://login.microsoftonline.com/${TENANT}/v2.0/.well-known/openid-configuration`,
    );
    expect(ENTRA_GLOBAL_AUTHORITY_HOST).toBe(GLOBAL_AUTHORITY_HOST);
  });

  it("accepts only the documented issuers in the global cloud", () => {
    expect(checkDeclaredIssuer(issuerV1(), "1.0", GLOBAL_AUTHORITY_HOST, TENANT)).toBe(issuerV1());
    expect(checkDeclaredIssuer(issuerV2(), "2.0", GLOBAL_AUTHORITY_HOST, TENANT)).toBe(issuerV2());
    for (const [declared, version] of [
      [issuerV2(), "1.0"],
      [issuerV1(), "2.0"],
      [`https://login.microsoftonline.com/${TENANT}/`, "1.0"],
      [`https://sts.windows.net/${TENANT}`, "1.0"],
      [issuerV2("8eaef023-2b34-4da1-9baa-8bc8c9d6a490"), "2.0"],
      [undefined, "2.0"],
    ] as const) {
      expect(() => checkDeclaredIssuer(declared, version, GLOBAL_AUTHORITY_HOST, TENANT), String(declared)).toThrow();
    }
  });

  it("locally, the same paths under the identity endpoint's base URL; plain http only on loopback", () => {
    const base = "http://127.0.0.1:7080";
    expect(isLoopbackAuthority(base)).toBe(true);
    expect(isLoopbackAuthority("http://identity.example")).toBe(false);
    expect(isLoopbackAuthority("https://127.0.0.1:7080")).toBe(false);
    expect(checkDeclaredIssuer(`${base}/${TENANT}/`, "1.0", base, TENANT)).toBe(`${base}/${TENANT}/`);
    expect(checkDeclaredIssuer(`${base}/${TENANT}/v2.0`, "2.0", base, TENANT)).toBe(`${base}/${TENANT}/v2.0`);
    expect(() => checkDeclaredIssuer(issuerV1(), "1.0", base, TENANT)).toThrow();
  });

  it("in a national cloud, v2.0 is the authority's form and v1.0 any https issuer naming exactly the tenant", () => {
    const gov = "https://login.microsoftonline.us";
    expect(checkDeclaredIssuer(`${gov}/${TENANT}/v2.0`, "2.0", gov, TENANT)).toBe(`${gov}/${TENANT}/v2.0`);
    expect(checkDeclaredIssuer(`https://sts.windows.net/${TENANT}/`, "1.0", gov, TENANT)).toBeTruthy();
    expect(() => checkDeclaredIssuer(`http://sts.example/${TENANT}/`, "1.0", gov, TENANT)).toThrow();
    expect(() => checkDeclaredIssuer(`https://sts.example/${TENANT}/x/`, "1.0", gov, TENANT)).toThrow();
    expect(() => checkDeclaredIssuer(`https://login.microsoftonline.com/${TENANT}/v2.0`, "2.0", gov, TENANT)).toThrow();
  });

  it("names the audiences Entra emits: v2.0 the client ID only; v1.0 also the App ID URI, with or without a slash", () => {
    expect(audiencesFor("2.0", { clientId: API_CLIENT_ID, appIdUri: APP_ID_URI })).toEqual([API_CLIENT_ID]);
    expect(audiencesFor("1.0", { clientId: API_CLIENT_ID, appIdUri: `${APP_ID_URI}/` })).toEqual([
      API_CLIENT_ID,
      APP_ID_URI,
      `${APP_ID_URI}/`,
    ]);
    expect(audiencesFor("1.0", { clientId: API_CLIENT_ID, appIdUri: undefined })).toEqual([API_CLIENT_ID]);
  });
});
