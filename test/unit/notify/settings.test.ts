import { describe, expect, it } from "vitest";
import { NotifySettingsError, notifySettings } from "../../../src/notify/index.js";

const document = JSON.stringify({
  version: 1,
  sinks: {
    siem: { kind: "eventgrid" },
    hooks: { kind: "webhook", urlSetting: "HOOK_URL", secretSetting: "HOOK_SECRET" },
  },
  subscriptions: [{ sinks: ["siem", "hooks"] }],
});

describe("the notification settings", () => {
  it("are off without a subscription document", () => {
    expect(notifySettings({})).toBeUndefined();
  });

  it("resolve each sink's URL and secret from the settings the document names", () => {
    const settings = notifySettings({
      NOTIFY_SUBSCRIPTIONS: document,
      NOTIFY_EVENTGRID_ENDPOINT: "https://topic.westeurope-1.eventgrid.azure.net/api/events",
      HOOK_URL: "https://hooks.example/in",
      HOOK_SECRET: "whsec_c2VjcmV0",
      NOTIFY_DELIVERY_BUDGET: "PT5S",
    })!;
    expect(settings.sinks).toEqual([
      { name: "siem", kind: "eventgrid", url: "https://topic.westeurope-1.eventgrid.azure.net/api/events" },
      { name: "hooks", kind: "webhook", url: "https://hooks.example/in", secret: "whsec_c2VjcmV0" },
    ]);
    expect(settings.limits.budgetMs).toBe(5_000);
  });

  it("refuse missing settings, unresolved Key Vault references and plain http, naming settings and never values", () => {
    let error: unknown;
    try {
      notifySettings({
        NOTIFY_SUBSCRIPTIONS: document,
        NOTIFY_EVENTGRID_ENDPOINT: "http://topic.example/api/events?sig=SECRET1",
        HOOK_SECRET: "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/hook/)",
        NOTIFY_MAX_RETRIES: "50",
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(NotifySettingsError);
    const message = (error as Error).message;
    expect(message).toMatch(/NOTIFY_EVENTGRID_ENDPOINT .* must be an https URL/);
    expect(message).toMatch(/HOOK_URL .* is not set/);
    expect(message).toMatch(/HOOK_SECRET .* Key Vault reference the platform did not resolve/);
    expect(message).toMatch(/NOTIFY_MAX_RETRIES/);
    expect(message).not.toMatch(/SECRET1|kv\.vault/);
  });
});
