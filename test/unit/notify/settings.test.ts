import { describe, expect, it } from "vitest";
import { NotifySettingsError, notifySettings } from "../../../src/notify/index.js";

const document = JSON.stringify({
  version: 1,
  sinks: { siem: { kind: "eventgrid" }, hooks: { kind: "webhook" }, chat: { kind: "slack" } },
  subscriptions: [{ sinks: ["siem", "hooks", "chat"] }],
});
const endpoint = "https://topic.westeurope-1.eventgrid.azure.net/api/events";

function refusal(env: Record<string, string>): string {
  try {
    notifySettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(NotifySettingsError);
    return (error as Error).message;
  }
  throw new Error("the settings were accepted");
}

describe("the notification settings", () => {
  it("are off without a subscription document", () => {
    expect(notifySettings({})).toBeUndefined();
  });

  it("take each sink's URL and secret from NOTIFY_SINK_SECRETS, Event Grid's endpoint from its setting", () => {
    const settings = notifySettings({
      NOTIFY_SUBSCRIPTIONS: document,
      NOTIFY_EVENTGRID_ENDPOINT: endpoint,
      NOTIFY_SINK_SECRETS: JSON.stringify({
        hooks: { url: "https://hooks.example/in", secret: "whsec_c2VjcmV0c2VjcmV0c2VjcmV0" },
        chat: { url: "https://hooks.slack.com/services/T/B/X" },
      }),
      NOTIFY_DELIVERY_BUDGET: "PT5S",
      NOTIFY_MAX_RETRIES: "3",
      NOTIFY_RETRY_INTERVAL: "PT30S",
    })!;
    expect(settings.sinks).toEqual([
      { name: "siem", kind: "eventgrid", url: endpoint },
      { name: "hooks", kind: "webhook", url: "https://hooks.example/in", secret: "whsec_c2VjcmV0c2VjcmV0c2VjcmV0" },
      { name: "chat", kind: "slack", url: "https://hooks.slack.com/services/T/B/X" },
    ]);
    expect(settings.limits.budgetMs).toBe(5_000);
    expect(settings.limits).toMatchObject({ maxRetries: 3, retryDelayMs: 30_000 });
  });

  it("default to 5 attempts, 10 s doubling, 15 s each: bounded", () => {
    const settings = notifySettings({
      NOTIFY_SUBSCRIPTIONS: document,
      NOTIFY_EVENTGRID_ENDPOINT: endpoint,
      NOTIFY_SINK_SECRETS: JSON.stringify({
        hooks: { url: "https://hooks.example/in", secret: "whsec_c2VjcmV0c2VjcmV0c2VjcmV0" },
        chat: { url: "https://hooks.slack.com/services/T/B/X" },
      }),
    })!;
    expect(settings.limits).toEqual({
      maxRetries: 4,
      retryDelayMs: 10_000,
      maxRetryDelayMs: 300_000,
      budgetMs: 15_000,
    });
  });

  it("refuse an unresolved Key Vault reference without quoting it", () => {
    const message = refusal({
      NOTIFY_SUBSCRIPTIONS: document,
      NOTIFY_EVENTGRID_ENDPOINT: endpoint,
      NOTIFY_SINK_SECRETS: "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/notify-sinks/)",
    });
    expect(message).toMatch(/NOTIFY_SINK_SECRETS is a Key Vault reference the platform did not resolve/);
    expect(message).not.toMatch(/kv\.vault/);
  });

  it("refuse missing entries, plain http, webhooks without a secret and bad tuning, never quoting a value", () => {
    const message = refusal({
      NOTIFY_SUBSCRIPTIONS: document,
      NOTIFY_EVENTGRID_ENDPOINT: "http://topic.example/api/events",
      NOTIFY_SINK_SECRETS: JSON.stringify({ hooks: { url: "http://hooks.example/in?sig=SECRET1" } }),
      NOTIFY_MAX_RETRIES: "50",
      NOTIFY_RETRY_INTERVAL: "PT1H",
    });
    expect(message).toMatch(/sink siem: the Event Grid endpoint must be an https URL/);
    expect(message).toMatch(/sink hooks: its URL in NOTIFY_SINK_SECRETS must be an https URL/);
    expect(message).toMatch(/sink chat: NOTIFY_SINK_SECRETS has no entry for it/);
    expect(message).toMatch(/NOTIFY_MAX_RETRIES must be 0 to 10/);
    expect(message).toMatch(/NOTIFY_RETRY_INTERVAL must be an ISO 8601 duration from PT1S to PT10M/);
    expect(message).not.toMatch(/SECRET1|hooks\.example/);
    const noSecret = refusal({
      NOTIFY_SUBSCRIPTIONS: document,
      NOTIFY_EVENTGRID_ENDPOINT: endpoint,
      NOTIFY_SINK_SECRETS: JSON.stringify({
        hooks: { url: "https://h.example/" },
        chat: { url: "https://c.example/" },
      }),
    });
    expect(noSecret).toMatch(/sink hooks: a webhook needs a signing secret/);
  });

  it("refuse sink secrets that are not JSON without echoing the text", () => {
    const message = refusal({
      NOTIFY_SUBSCRIPTIONS: document,
      NOTIFY_EVENTGRID_ENDPOINT: endpoint,
      NOTIFY_SINK_SECRETS: "https://hooks.example/SECRET2",
    });
    expect(message).toMatch(/NOTIFY_SINK_SECRETS is not JSON/);
    expect(message).not.toMatch(/SECRET2/);
  });
});
