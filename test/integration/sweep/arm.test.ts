import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManagedIdentityCredential } from "@azure/identity";
import type { LocalAcr, TestPrincipal } from "../../support/local-acr.js";
import { startLocalAcrForClient } from "../acr-client/support.js";
import { ManagementReader } from "../../../src/sweep/management/reader.js";
import { managementFindings } from "../../../src/sweep/management/findings.js";
import type { ManagementView } from "../../../src/sweep/management/view.js";

const APP_HOST = "gate.example.net";
const WEBHOOK = {
  serviceUri: `https://${APP_HOST}/api/acr/events`,
  customHeaders: { "x-functions-key": "secret-key" },
  actions: ["quarantine", "push", "delete"],
  scope: "",
  status: "enabled",
};

describe("ACR emulator management plane (ARM) through @azure/arm-containerregistry", () => {
  let local: LocalAcr;

  beforeAll(async () => {
    local = await startLocalAcrForClient();
    // "stranger" has no registry role; here it becomes a management Reader (no data-plane rights at all).
    await local.admin("PUT", `/principals/${local.identities.stranger.objectId}`, {
      displayName: "reader",
      roles: ["Reader"],
    });
  });
  afterAll(async () => local?.stop());
  beforeEach(async () => {
    await local.admin("PUT", "/policy", { quarantine: "enabled" });
    await local.admin("PUT", "/webhooks/gate", WEBHOOK);
    await local.admin("PUT", "/faults", []);
  });

  const reader = (principal: TestPrincipal, audience = "https://management.azure.com") =>
    new ManagementReader({
      credential: new ManagedIdentityCredential({ clientId: local.identities[principal].clientId }),
      endpoint: local.acr.url,
      audience,
    });
  const read = (principal: TestPrincipal, id = local.acr.armResourceId) => reader(principal).read(id);
  const findings = (view: ManagementView, appHostname: string | undefined = APP_HOST) =>
    managementFindings(view, { loginServer: local.acr.loginServer, appHostname }).map((f) => f.code);

  it("an Owner reads the registry, its quarantine policy, webhooks and where the quarantine webhook delivers", async () => {
    const view = await read("owner");
    expect(view).toMatchObject({
      state: "read",
      resourceId: local.acr.armResourceId,
      loginServer: local.acr.loginServer,
      sku: "Premium",
      quarantinePolicy: "enabled",
    });
    if (view.state !== "read") throw new Error("unreachable");
    expect(view.webhooks).toEqual([
      {
        name: "gate",
        status: "enabled",
        actions: ["quarantine", "push", "delete"],
        scope: "",
        destination: { serviceUri: WEBHOOK.serviceUri },
      },
    ]);
    expect(findings(view)).toEqual([]);
    expect(findings(view, "other-app.example.net")).toEqual(["quarantine-webhook-missing"]);
    // Reports are stored and returned: neither the custom headers nor a key in the address may reach them.
    await local.admin("PUT", "/webhooks/gate", {
      ...WEBHOOK,
      serviceUri: `${WEBHOOK.serviceUri}?code=function-key-123`,
    });
    const keyed = await read("owner");
    expect(JSON.stringify(keyed)).not.toMatch(/secret-key|function-key-123/);
    expect(findings(keyed)).toEqual([]);
  });

  it("a Reader reads the registry and webhooks, but not the write-only callback configuration (an ARM action)", async () => {
    const view = await read("stranger");
    expect(view.state).toBe("read");
    if (view.state !== "read") throw new Error("unreachable");
    expect(view.webhooks[0]!.destination).toEqual({
      unverified: expect.stringMatching(/getCallbackConfig refused \(403\)/),
    });
    expect(findings(view)).toEqual(["webhook-destination-unverified"]);
  });

  it("reports quarantine off, a disabled webhook and a missing webhook as findings", async () => {
    await local.admin("PUT", "/policy", { quarantine: "disabled" });
    await local.admin("PUT", "/webhooks/gate", { ...WEBHOOK, status: "disabled" });
    expect(findings(await read("owner"))).toEqual(["quarantine-disabled", "quarantine-webhook-disabled"]);
    await local.admin("PUT", "/webhooks/gate", { ...WEBHOOK, actions: ["push"] });
    expect(findings(await read("owner"))).toEqual(["quarantine-disabled", "quarantine-webhook-missing"]);
    await local.admin("DELETE", "/webhooks/gate");
    expect(findings(await read("owner"))).toEqual(["quarantine-disabled", "quarantine-webhook-missing"]);
  });

  it("refuses identities without a management role, registry-audience tokens and other resource ids; each is a finding", async () => {
    const noRole = await read("pusher");
    expect(noRole).toMatchObject({
      state: "unreadable",
      status: 403,
      error: expect.stringMatching(/AuthorizationFailed/),
    });
    const wrongAudience = await reader("owner", "https://containerregistry.azure.net").read(local.acr.armResourceId);
    expect(wrongAudience).toMatchObject({
      state: "unreadable",
      status: 401,
      error: expect.stringMatching(/InvalidAuthenticationTokenAudience/),
    });
    const elsewhere = await read(
      "owner",
      local.acr.armResourceId.replace(/registries\/\w+$/, "registries/otherregistry"),
    );
    expect(elsewhere).toMatchObject({
      state: "unreadable",
      status: 404,
      error: expect.stringMatching(/ResourceNotFound/),
    });
    expect(findings(noRole)).toEqual(["management-unreadable"]);
    expect(findings(await reader("owner").read(undefined))).toEqual(["management-not-configured"]);
  });

  it("answers ARM's errors on the raw surface: no token, no api-version, wrong method", async () => {
    const url = `${local.acr.url}${local.acr.armResourceId}`;
    const noToken = await fetch(`${url}?api-version=2025-11-01`);
    expect(noToken.status).toBe(401);
    expect(((await noToken.json()) as { error: { code: string } }).error.code).toBe("AuthenticationFailed");
    const token = await local.aadToken("owner", "https://management.azure.com");
    const noVersion = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    expect(noVersion.status).toBe(400);
    expect(((await noVersion.json()) as { error: { code: string } }).error.code).toBe("MissingApiVersionParameter");
    expect(
      (
        await fetch(`${url}/webhooks?api-version=2025-11-01`, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}` },
        })
      ).status,
    ).toBe(405);
    const registryToken = await local.aadToken("owner");
    expect(
      (await fetch(`${url}?api-version=2025-11-01`, { headers: { Authorization: `Bearer ${registryToken}` } })).status,
    ).toBe(401);
  });

  it("flags a resource id that names another registry than the login server", () => {
    const view: ManagementView = {
      state: "read",
      resourceId: "/x",
      loginServer: "other.azurecr.io",
      sku: "Premium",
      quarantinePolicy: "enabled",
      webhooks: [],
    };
    expect(findings(view)).toEqual(["resource-id-mismatch"]);
  });

  it("turns an ARM outage into a finding after the SDK's retries, not an exception", async () => {
    await local.admin("PUT", "/faults", [{ method: "GET", pathPrefix: "/subscriptions/", status: 503, times: 10 }]);
    await local.admin("DELETE", "/stats");
    const view = await read("owner");
    expect(view).toMatchObject({ state: "unreadable", status: 503 });
    const stats = (await local.admin("GET", "/stats")) as Record<string, number>;
    // The first attempt and the reader's two retries, none of which got through to the registry resource.
    expect(stats.requests).toBe(3);
    expect(stats["arm.registries.get"] ?? 0).toBe(0);
  });
});
