import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalAcr, repoRef, type LocalAcr } from "../../support/local-acr.js";
import { buildOciImage, type OciImage } from "../../support/oci-image.js";
import { push } from "../../support/skopeo.js";
import { startWebhookReceiver, type WebhookReceiver } from "../../support/webhook-receiver.js";
import { freshTempDir } from "../../support/paths.js";
import { drainEmulatorDeliveries, setEmulatorLatency } from "../../../local/acr-emulator/admin-client.js";

/** The emulator's test tooling: secrets kept out of admin reads, injected latency, and draining webhook deliveries. */
describe("ACR emulator admin: secrets, latency, drain", () => {
  let local: LocalAcr;
  let hooks: WebhookReceiver;
  const repository = "tooling/app";
  const images: OciImage[] = [];

  async function pushNew(tag: string): Promise<OciImage> {
    const image = await buildOciImage(freshTempDir("img"));
    const creds = await local.skopeoCreds("pusher");
    const result = await push(image.layoutRef, repoRef(local, repository, tag), { certDir: local.acr.certDir, creds });
    expect(result.code, result.stderr).toBe(0);
    return image;
  }

  async function quarantineState(digest: string, token: string): Promise<string> {
    const response = await fetch(`${local.acr.url}/acr/v1/${repository}/_manifests/${digest}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { manifest: { changeableAttributes: { quarantineState: string } } };
    return body.manifest.changeableAttributes.quarantineState;
  }

  async function release(digest: string, token: string): Promise<Response> {
    return fetch(`${local.acr.url}/acr/v1/${repository}/_manifests/${digest}`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ quarantineState: "Passed" }),
    });
  }

  const adminRaw = (method: string, path: string, body?: unknown) =>
    fetch(`${local.acr.adminUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    hooks = await startWebhookReceiver();
    local = await startLocalAcr({
      webhooks: [
        {
          name: "gate",
          serviceUri: hooks.url,
          customHeaders: { "x-functions-key": "header-secret-0001" },
          actions: ["quarantine", "push", "delete"],
          scope: "",
          status: "enabled",
        },
      ],
      settings: { webhookRetry: { maxAttempts: 3, initialDelayMs: 20, timeoutMs: 2_000 } },
    });
    images.push(await pushNew("v1"), await pushNew("v2"));
  });
  afterAll(async () => {
    await local?.stop();
    await hooks?.close();
  });

  it("never shows a secret in admin reads unless asked with ?includeSecrets=true", async () => {
    await local.admin("PUT", "/webhooks/keyed", {
      serviceUri: `${hooks.url}?code=uri-secret-0002&other=x`,
      customHeaders: { Authorization: "Basic header-secret-0003" },
      actions: ["push"],
    });
    await local.admin("PUT", "/principals/token-user", { roles: ["AcrPull"], password: "password-secret-0004" });
    await local.admin("POST", "/webhooks/keyed/ping");
    const secrets = ["header-secret-0001", "uri-secret-0002", "header-secret-0003", "password-secret-0004"];
    const tokenSecret = local.acr.context.store.tokenSecret.toString("base64");
    try {
      for (const query of ["", "?includeSecrets=false"]) {
        const state = JSON.stringify(await local.admin("GET", `/state${query}`));
        const webhooks = JSON.stringify(await local.admin("GET", `/webhooks${query}`));
        const deliveries = JSON.stringify(await local.admin("GET", `/deliveries${query}`));
        for (const text of [state, webhooks, deliveries]) {
          for (const secret of [...secrets, tokenSecret]) expect(text).not.toContain(secret);
        }
        expect(webhooks).toContain('"x-functions-key":"******"');
        expect(webhooks).toContain("code=******");
        expect(state).toContain('"password":"******"');
        expect(deliveries).toContain("code=******");
      }
      const state = JSON.stringify(await local.admin("GET", "/state?includeSecrets=true"));
      const webhooks = JSON.stringify(await local.admin("GET", "/webhooks?includeSecrets=true"));
      const deliveries = JSON.stringify(await local.admin("GET", "/deliveries?webhook=keyed&includeSecrets=true"));
      for (const secret of secrets.slice(0, 3)) expect(webhooks).toContain(secret);
      for (const secret of secrets) expect(state).toContain(secret);
      expect(deliveries).toContain("uri-secret-0002");
      // The token-signing secret is never served, not even when asked for secrets.
      for (const text of [state, webhooks, deliveries]) expect(text).not.toContain(tokenSecret);

      for (const bad of ["?includeSecrets=yes", "?includeSecrets=true&includeSecrets=true", "?includeSecrets="]) {
        const response = await adminRaw("GET", `/state${bad}`);
        expect(response.status, bad).toBe(400);
        expect(JSON.stringify(await response.json())).toContain("QUERY_INVALID");
      }
    } finally {
      await local.admin("DELETE", "/webhooks/keyed");
      await local.admin("DELETE", "/principals/token-user");
    }
  });

  it("a response hold: the registry acts at once and the answer arrives only after the delay", async () => {
    const digest = images[0]!.manifestDigest;
    const token = await local.accessToken("gate", [`repository:${repository}:pull,push,metadata_read,metadata_write`]);
    expect(await quarantineState(digest, token)).toBe("Quarantined");
    await local.admin("PUT", "/latency", [{ method: "PATCH", pathPrefix: `/acr/v1/${repository}/`, delayMs: 4_000 }]);
    let answered = false;
    const patching = release(digest, token).then((response) => {
      answered = true;
      return response;
    });
    // The effect is visible (GETs are not held) while the PATCH's answer is still held.
    while ((await quarantineState(digest, token)) !== "Passed") await new Promise((r) => setTimeout(r, 20));
    expect(answered).toBe(false);
    const response = await patching;
    expect(response.status).toBe(200);
    const body = (await response.json()) as { manifest: { changeableAttributes: { quarantineState: string } } };
    expect(body.manifest.changeableAttributes.quarantineState).toBe("Passed");
    expect(await local.admin("GET", "/latency")).toEqual([
      { method: "PATCH", pathPrefix: `/acr/v1/${repository}/`, delayMs: 4_000, hold: "response" },
    ]);
    await local.admin("PUT", "/latency", []);
  });

  it("a request hold: nothing happens until the delay has passed; `times` limits the rule", async () => {
    const digest = images[1]!.manifestDigest;
    const token = await local.accessToken("gate", [`repository:${repository}:pull,push,metadata_read,metadata_write`]);
    await local.admin("PUT", "/latency", [
      { method: "PATCH", pathPrefix: `/acr/v1/${repository}/`, delayMs: 3_000, hold: "request", times: 1 },
    ]);
    const held = release(digest, token);
    await new Promise((r) => setTimeout(r, 200));
    expect(await quarantineState(digest, token)).toBe("Quarantined");
    // The rule is used up: the next matching request goes straight through and is answered before the held one.
    const order: string[] = [];
    const direct = release(images[0]!.manifestDigest, token).then((r) => (order.push("direct"), r));
    const late = held.then((r) => (order.push("held"), r));
    expect((await direct).status).toBe(200);
    expect((await late).status).toBe(200);
    expect(order).toEqual(["direct", "held"]);
    expect(await quarantineState(digest, token)).toBe("Passed");
    expect(await local.admin("GET", "/latency")).toEqual([
      { method: "PATCH", pathPrefix: `/acr/v1/${repository}/`, delayMs: 3_000, hold: "request", times: 0 },
    ]);
    await local.admin("PUT", "/latency", []);
  });

  it("a client that gives up on a held answer leaves the emulator serving", async () => {
    await setEmulatorLatency(local.acr.adminUrl, [{ method: "GET", pathPrefix: "/v2/", delayMs: 2_000, times: 1 }]);
    await expect(fetch(`${local.acr.url}/v2/`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    expect((await fetch(`${local.acr.url}/v2/`)).status).toBe(401);
    await setEmulatorLatency(local.acr.adminUrl, []);
  });

  it("validates latency and fault rules and lists them", async () => {
    for (const bad of [
      [{ method: "GET", pathPrefix: "/v2/", delayMs: 0 }],
      [{ method: "GET", pathPrefix: "/v2/", delayMs: 10, hold: "later" }],
      [{ method: "FETCH", pathPrefix: "/v2/", delayMs: 10 }],
      [{ method: "GET", pathPrefix: "v2", delayMs: 10 }],
      { method: "GET", pathPrefix: "/v2/", delayMs: 10 },
    ]) {
      const response = await adminRaw("PUT", "/latency", bad);
      expect(response.status, JSON.stringify(bad)).toBe(400);
      expect(JSON.stringify(await response.json())).toContain("BODY_INVALID");
    }
    const faults = [{ method: "GET", pathPrefix: "/v2/_catalog", status: 503, times: 2 }];
    await local.admin("PUT", "/faults", faults);
    expect(await local.admin("GET", "/faults")).toEqual(faults);
    await local.admin("PUT", "/faults", []);
    expect(await local.admin("GET", "/faults")).toEqual([]);
  });

  it("POST /deliveries/drain waits until every delivery, retries included, has finished", async () => {
    await drainEmulatorDeliveries(local.acr.adminUrl);
    await local.admin("PUT", "/webhook-retry", { maxAttempts: 3, initialDelayMs: 1_500 });
    hooks.respondWith.push(503);
    const image = await pushNew("drained");
    const drained = (await local.admin("POST", "/deliveries/drain")) as { drained: boolean; pending: number };
    expect(drained).toMatchObject({ drained: true, pending: 0 });
    const log = (await local.admin("GET", "/deliveries?webhook=gate")) as Array<{
      action: string;
      attempt: number;
      statusCode?: number;
      content: { target?: { digest?: string } };
    }>;
    const attempts = log
      .filter((d) => d.action === "quarantine" && d.content.target?.digest === image.manifestDigest)
      .map((d) => [d.attempt, d.statusCode]);
    // The retry came 1.5 s after the 503; drain answered only after it.
    expect(attempts).toEqual([
      [1, 503],
      [2, 200],
    ]);
    expect(await local.admin("POST", "/deliveries/drain")).toMatchObject({ drained: true, pending: 0 });
  });

  it("POST /deliveries/drain answers 504 with what is pending when its timeout passes first", async () => {
    await local.admin("PUT", "/webhook-retry", { maxAttempts: 3, initialDelayMs: 2_000 });
    hooks.respondWith.push(503, 503);
    await pushNew("slow");
    const response = await adminRaw("POST", "/deliveries/drain?timeoutMs=200");
    expect(response.status).toBe(504);
    const body = (await response.json()) as { errors: Array<{ code: string; detail: { pending: number } }> };
    expect(body.errors[0]!.code).toBe("DRAIN_TIMEOUT");
    expect(body.errors[0]!.detail.pending).toBeGreaterThanOrEqual(1);
    await expect(drainEmulatorDeliveries(local.acr.adminUrl, 100)).rejects.toThrow(/504.*DRAIN_TIMEOUT/);
    // Nothing was cancelled: a longer drain sees the deliveries through.
    expect(await local.admin("POST", "/deliveries/drain?timeoutMs=60000")).toMatchObject({ drained: true });
    for (const bad of ["0", "-1", "abc", "600001", "1.5"]) {
      expect((await adminRaw("POST", `/deliveries/drain?timeoutMs=${bad}`)).status, bad).toBe(400);
    }
    expect((await adminRaw("POST", "/deliveries/other")).status).toBe(404);
  });
});
