import { describe, expect, it } from "vitest";
import { managementFindings, type ExpectedSetup } from "../../../src/sweep/management/findings.js";
import type { ManagementView, WebhookView } from "../../../src/sweep/management/view.js";
import { parseRegistryResourceId, ResourceIdError } from "../../../src/sweep/management/resource-id.js";
import { redactServiceUri } from "../../../src/sweep/management/reader.js";

const EXPECTED: ExpectedSetup = { loginServer: "contoso.azurecr.io", appHostname: "gate.azurewebsites.net" };
const hook = (change: Partial<WebhookView> = {}): WebhookView => ({
  name: "gate",
  status: "enabled",
  actions: ["quarantine", "push"],
  scope: "",
  destination: { serviceUri: "https://gate.azurewebsites.net/api/acr/events" },
  ...change,
});
const view = (change: Partial<Extract<ManagementView, { state: "read" }>> = {}): ManagementView => ({
  state: "read",
  resourceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/contoso",
  loginServer: "contoso.azurecr.io",
  sku: "Premium",
  quarantinePolicy: "enabled",
  webhooks: [hook()],
  ...change,
});
const codes = (v: ManagementView, expected = EXPECTED) =>
  managementFindings(v, expected).map((f) => `${f.severity}:${f.code}`);

describe("management findings", () => {
  it("none for quarantine on and an enabled, unscoped quarantine webhook delivering to this app", () => {
    expect(codes(view())).toEqual([]);
    expect(
      codes(
        view({
          webhooks: [hook({ destination: { serviceUri: "https://GATE.azurewebsites.net:443/api/acr/events" } })],
        }),
      ),
    ).toEqual([]);
  });

  it("quarantine off, or not reported (ARM's default is off), is high", () => {
    expect(codes(view({ quarantinePolicy: "disabled" }))).toEqual(["high:quarantine-disabled"]);
    expect(codes(view({ quarantinePolicy: undefined }))).toEqual(["high:quarantine-disabled"]);
  });

  it("a missing, disabled, foreign or scoped quarantine webhook", () => {
    expect(codes(view({ webhooks: [] }))).toEqual(["high:quarantine-webhook-missing"]);
    expect(codes(view({ webhooks: [hook({ actions: ["push", "delete"] })] }))).toEqual([
      "high:quarantine-webhook-missing",
    ]);
    expect(codes(view({ webhooks: [hook({ status: "disabled" })] }))).toEqual(["high:quarantine-webhook-disabled"]);
    expect(
      codes(view({ webhooks: [hook({ destination: { serviceUri: "https://someone-else.example/hook" } })] })),
    ).toEqual(["high:quarantine-webhook-missing"]);
    expect(codes(view({ webhooks: [hook({ scope: "team/app:*" })] }))).toEqual(["medium:quarantine-webhook-scoped"]);
    // One good webhook is enough, whatever else is configured.
    expect(
      codes(
        view({
          webhooks: [
            hook({ name: "old", status: "disabled" }),
            hook({ destination: { serviceUri: "https://x.example/" } }),
            hook(),
          ],
        }),
      ),
    ).toEqual([]);
  });

  it("a destination that cannot be read (Reader lacks the ARM action) is info, not a pass or a failure", () => {
    const unverified = hook({ destination: { unverified: "getCallbackConfig refused (403)" } });
    expect(codes(view({ webhooks: [unverified] }))).toEqual(["info:webhook-destination-unverified"]);
    expect(codes(view({ webhooks: [{ ...unverified, status: "disabled" }] }))).toEqual([
      "high:quarantine-webhook-disabled",
    ]);
    expect(codes(view(), { ...EXPECTED, appHostname: undefined })).toEqual(["info:app-address-unknown"]);
  });

  it("not configured, unreadable, or another registry's resource id", () => {
    expect(codes({ state: "not-configured" })).toEqual(["medium:management-not-configured"]);
    expect(codes({ state: "unreadable", resourceId: "/x", error: "AuthorizationFailed", status: 403 })).toEqual([
      "high:management-unreadable",
    ]);
    expect(codes(view({ loginServer: "fabrikam.azurecr.io", quarantinePolicy: "disabled" }))).toEqual([
      "high:resource-id-mismatch",
    ]);
  });
});

describe("webhook addresses in reports", () => {
  it("keep host and path, never a key in the query or user info", () => {
    expect(redactServiceUri("https://gate.azurewebsites.net/api/acr/events?code=s3cr3t==")).toBe(
      "https://gate.azurewebsites.net/api/acr/events?(redacted)",
    );
    expect(redactServiceUri("https://user:pw@gate.example:8443/hook")).toBe("https://gate.example:8443/hook");
    expect(redactServiceUri("::")).toBe("(not a URL)");
  });
});

describe("registry resource ids", () => {
  it("splits a registry id, and refuses anything else", () => {
    expect(
      parseRegistryResourceId(
        "/subscriptions/11111111-1111-4111-8111-111111111111/resourceGroups/rg-a/providers/Microsoft.ContainerRegistry/registries/contoso",
      ),
    ).toEqual({
      id: "/subscriptions/11111111-1111-4111-8111-111111111111/resourceGroups/rg-a/providers/Microsoft.ContainerRegistry/registries/contoso",
      subscriptionId: "11111111-1111-4111-8111-111111111111",
      resourceGroup: "rg-a",
      registryName: "contoso",
    });
    for (const bad of [
      "",
      "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a",
      "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/a/webhooks/b",
    ]) {
      expect(() => parseRegistryResourceId(bad)).toThrow(ResourceIdError);
    }
  });
});
