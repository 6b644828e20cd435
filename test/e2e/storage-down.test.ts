import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { deliverWebhook } from "../support/webhook-delivery.js";

/**
 * Storage down under a running stack: /api/health says so (503, storage unreachable, no secrets) and the webhook
 * refuses deliveries with 503 + Retry-After, so the registry delivers them again later, instead of a generic 500.
 */
describe("storage down under a running stack", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => stack?.stop());

  const health = async () => {
    const response = await fetch(`${stack.devhost.url}/api/health`);
    return { response, body: (await response.json()) as Record<string, unknown> };
  };

  it("health reports storage and the registry reachable while they are", async () => {
    const { response, body } = await health();
    expect(response.status).toBe(200);
    expect(body).toMatchObject({
      status: "ok",
      storage: { reachable: true },
      registries: [{ loginServer: stack.acr.loginServer, reachable: true, httpStatus: 401 }],
    });
  });

  it("with Azurite stopped: health answers 503 (storage unreachable) and the webhook 503 with Retry-After", async () => {
    await stack.azurite.close();

    const { response, body } = await health();
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(body).toMatchObject({ status: "unavailable", storage: { reachable: false } });
    // Reachability only: no key, no connection string, no endpoint with credentials.
    const text = JSON.stringify(body);
    for (const secret of [stack.azurite.connectionString, "AccountKey", stack.devhost.keys.functionKey])
      expect(text).not.toContain(secret);

    const answer = await deliverWebhook(stack, {
      digest: `sha256:${randomBytes(32).toString("hex")}`,
      repository: "team/app",
    });
    expect(answer.status).toBe(503);
    expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(JSON.stringify(await answer.json())).not.toContain("AccountKey");
  });
});
