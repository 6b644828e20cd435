import { describe, expect, it } from "vitest";
import {
  MASK,
  deliveryView,
  includeSecrets,
  maskQuery,
  principalView,
  webhookView,
} from "../../../local/acr-emulator/handlers/admin-secrets.js";
import { HttpError } from "../../../local/http/errors.js";
import type { WebhookConfig } from "../../../local/acr-emulator/model.js";
import type { DeliveryRecord } from "../../../local/acr-emulator/webhooks/dispatcher.js";

const webhook: WebhookConfig = {
  name: "gate",
  serviceUri: "https://app.example/api/acr/events?code=k3y&x=1",
  customHeaders: { "x-functions-key": "k3y", Authorization: "Basic abc" },
  actions: ["push"],
  scope: "",
  status: "enabled",
};

describe("emulator admin: secrets in reads", () => {
  it("asks for secrets only with includeSecrets=true, refusing anything unclear", () => {
    const at = (query: string) => includeSecrets(new URL(`http://admin/state${query}`));
    expect(at("")).toBe(false);
    expect(at("?includeSecrets=false")).toBe(false);
    expect(at("?includeSecrets=true")).toBe(true);
    for (const bad of [
      "?includeSecrets=1",
      "?includeSecrets=TRUE",
      "?includeSecrets=",
      "?includeSecrets=true&includeSecrets=false",
    ])
      expect(() => at(bad), bad).toThrow(HttpError);
  });

  it("masks query values and user info of URIs, leaving plain URIs untouched", () => {
    expect(maskQuery("http://127.0.0.1:7071/api/acr/events")).toBe("http://127.0.0.1:7071/api/acr/events");
    expect(maskQuery("https://app.example/hook?code=k3y&code=again&x=1")).toBe(
      `https://app.example/hook?code=${MASK}&x=${MASK}`,
    );
    const withUser = maskQuery("https://user:pa55@app.example/hook");
    expect(withUser).not.toContain("pa55");
    expect(withUser).not.toContain("user:");
    expect(maskQuery("not a url")).toBe(MASK);
  });

  it("masks webhook headers, principal passwords and delivery URIs unless secrets were asked for", () => {
    const masked = webhookView(webhook, false);
    expect(masked.customHeaders).toEqual({ "x-functions-key": MASK, Authorization: MASK });
    expect(JSON.stringify(masked)).not.toContain("k3y");
    expect(webhookView(webhook, true)).toEqual(webhook);

    expect(principalView({ id: "p", displayName: "p", roles: [], password: "s3cret!!" }, false).password).toBe(MASK);
    expect(principalView({ id: "p", displayName: "p", roles: [], password: "s3cret!!" }, true).password).toBe(
      "s3cret!!",
    );
    expect(principalView({ id: "q", displayName: "q", roles: ["AcrPull"] }, false)).not.toHaveProperty("password");

    const delivery = {
      webhook: "gate",
      eventId: "e",
      action: "ping",
      attempt: 1,
      at: "2026-01-01T00:00:00Z",
      requestUri: webhook.serviceUri,
      content: { id: "e", timestamp: "2026-01-01T00:00:00Z", action: "ping" },
    } as DeliveryRecord;
    expect(deliveryView(delivery, false).requestUri).not.toContain("k3y");
    expect(deliveryView(delivery, true).requestUri).toBe(webhook.serviceUri);
  });
});
