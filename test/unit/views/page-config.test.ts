import { describe, expect, it } from "vitest";
import { pageConfig } from "../../../src/pipeline/views/page-config.js";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT = "5a9e0000-0000-4000-8000-00000000a001";

describe("how the approval page signs in", () => {
  it("is closed without a tenant or client ID", () => {
    expect(pageConfig({ authorityHost: "https://login.microsoftonline.com" })).toBeUndefined();
    expect(pageConfig({ tenantId: TENANT, authorityHost: "https://login.microsoftonline.com" })).toBeUndefined();
  });

  it("uses Entra ID's tenant authority (protocol mode AAD) and the API's user_impersonation scope", () => {
    expect(
      pageConfig({
        tenantId: TENANT,
        clientId: CLIENT,
        appIdUri: "api://acr-quarantine-gate/",
        authorityHost: "https://login.microsoftonline.com",
      }),
    ).toEqual({
      clientId: CLIENT,
      authority: `https://login.microsoftonline.com/${TENANT}`,
      knownAuthorities: [],
      protocolMode: "AAD",
      scopes: ["api://acr-quarantine-gate/user_impersonation"],
    });
  });

  it("asks for <client id>/.default when the registration has no App ID URI", () => {
    const config = pageConfig({
      tenantId: TENANT,
      clientId: CLIENT,
      authorityHost: "https://login.microsoftonline.com",
    });
    expect(config?.scopes).toEqual([`${CLIENT}/.default`]);
  });

  it("locally: the identity endpoint's https sign-in front, OIDC protocol mode, its host as a known authority", () => {
    expect(pageConfig({ tenantId: TENANT, clientId: CLIENT, authorityHost: "http://127.0.0.1:40123" })).toMatchObject({
      authority: `https://127.0.0.1:40123/${TENANT}/v2.0`,
      knownAuthorities: ["127.0.0.1:40123"],
      protocolMode: "OIDC",
    });
  });
});
