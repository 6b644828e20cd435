import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { startLocalAcr, repoRef, type LocalAcr } from "../../support/local-acr.js";
import { buildOciImage, type OciImage } from "../../support/oci-image.js";
import { inspectRaw, pull, push } from "../../support/skopeo.js";
import { startWebhookReceiver, type WebhookReceiver } from "../../support/webhook-receiver.js";
import { freshTempDir } from "../../support/paths.js";

const DETAILS = JSON.stringify({
  scanner: "trivy",
  state: "scan passed",
  link: "https://gate.example/status",
  result: { version: "2026-11-27T00:00:00Z", summary: [{ severity: "High", count: 0 }] },
});

describe("ACR emulator: quarantine with skopeo as the client", () => {
  let local: LocalAcr;
  let hooks: WebhookReceiver;
  let image: OciImage;
  const repository = "team/app";

  async function patch(principal: "writer" | "pusher" | "gate", digest: string, body: unknown): Promise<Response> {
    const token = await local.accessToken(principal, [`repository:${repository}:pull,push,metadata_write`]);
    return fetch(`${local.acr.url}/acr/v1/${repository}/_manifests/${digest}`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  async function access(name: Parameters<LocalAcr["skopeoCreds"]>[0]) {
    return { certDir: local.acr.certDir, creds: await local.skopeoCreds(name) };
  }

  beforeAll(async () => {
    hooks = await startWebhookReceiver();
    local = await startLocalAcr({
      webhooks: [
        {
          name: "gate",
          serviceUri: hooks.url,
          customHeaders: { "x-functions-key": "webhook-secret" },
          actions: ["quarantine", "push", "delete"],
          scope: "",
          status: "enabled",
        },
      ],
      settings: { webhookRetry: { maxAttempts: 3, initialDelayMs: 20, timeoutMs: 2_000 } },
    });
    image = await buildOciImage(freshTempDir("img"), { payloadBytes: 64 * 1024 });
    const pushed = await push(image.layoutRef, repoRef(local, repository, "v1"), await access("pusher"));
    expect(pushed.code, pushed.stderr).toBe(0);
  });
  afterAll(async () => {
    await local?.stop();
    await hooks?.close();
  });

  it("quarantines the pushed manifest and delivers a quarantine webhook with the custom headers", async () => {
    const token = await local.accessToken("gate", [`repository:${repository}:metadata_read`]);
    const response = await fetch(`${local.acr.url}/acr/v1/${repository}/_manifests/${image.manifestDigest}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      manifest: {
        digest: string;
        tags: string[];
        architecture: string;
        changeableAttributes: { quarantineState: string };
      };
    };
    expect(body.manifest.digest).toBe(image.manifestDigest);
    expect(body.manifest.tags).toEqual(["v1"]);
    expect(body.manifest.architecture).toBe("amd64");
    expect(body.manifest.changeableAttributes.quarantineState).toBe("Quarantined");

    const [hook] = await hooks.waitFor((w) => w.body.action === "quarantine");
    expect(hook!.headers["x-functions-key"]).toBe("webhook-secret");
    expect(hook!.headers["user-agent"]).toMatch(/^AzureContainerRegistry\//);
    expect(hook!.body.target).toMatchObject({
      repository,
      tag: "v1",
      digest: image.manifestDigest,
      size: image.manifestSize,
    });
    expect(hooks.received.filter((w) => w.body.action === "push")).toHaveLength(0);
  });

  it("denies pulls of a quarantined image by tag and by digest to an AcrPull identity", async () => {
    const puller = await access("puller");
    const byTag = await inspectRaw(repoRef(local, repository, "v1"), puller);
    expect(byTag.code).not.toBe(0);
    expect(byTag.stderr).toMatch(/manifest unknown/i);
    const byDigest = await inspectRaw(repoRef(local, repository, image.manifestDigest), puller);
    expect(byDigest.code).not.toBe(0);
    expect(byDigest.stderr).toMatch(/operation is disallowed/i);
  });

  it("lets an AcrQuarantineReader pull by digest, but not by tag", async () => {
    const reader = await access("reader");
    const byDigest = await pull(repoRef(local, repository, image.manifestDigest), freshTempDir("pull"), reader);
    expect(byDigest.code, byDigest.stderr).toBe(0);
    const byTag = await inspectRaw(repoRef(local, repository, "v1"), reader);
    expect(byTag.code).not.toBe(0);
  });

  it("refuses a quarantine PATCH from a principal without AcrQuarantineWriter (403, state unchanged)", async () => {
    const response = await patch("pusher", image.manifestDigest, {
      quarantineState: "Passed",
      quarantineDetails: DETAILS,
    });
    expect(response.status).toBe(403);
    const body = (await response.json()) as { errors: Array<{ code: string }> };
    expect(body.errors[0]!.code).toBe("DENIED");
    const stillBlocked = await inspectRaw(repoRef(local, repository, "v1"), await access("puller"));
    expect(stillBlocked.code).not.toBe(0);
  });

  it("Failed keeps the image unpullable; Passed by a writer releases it and fires a push webhook", async () => {
    const failed = await patch("writer", image.manifestDigest, {
      quarantineState: "Failed",
      quarantineDetails: DETAILS,
    });
    expect(failed.status).toBe(200);
    expect((await inspectRaw(repoRef(local, repository, "v1"), await access("puller"))).code).not.toBe(0);
    expect(hooks.received.filter((w) => w.body.action === "push")).toHaveLength(0);

    const passed = await patch("writer", image.manifestDigest, {
      quarantineState: "Passed",
      quarantineDetails: DETAILS,
    });
    expect(passed.status).toBe(200);
    const body = (await passed.json()) as {
      manifest: { changeableAttributes: { quarantineState: string; quarantineDetails: string } };
    };
    expect(body.manifest.changeableAttributes).toMatchObject({ quarantineState: "Passed", quarantineDetails: DETAILS });

    const pulled = await pull(
      repoRef(local, repository, "v1"),
      join(freshTempDir("pull"), "img"),
      await access("puller"),
    );
    expect(pulled.code, pulled.stderr).toBe(0);
    const [pushHook] = await hooks.waitFor((w) => w.body.action === "push");
    expect(pushHook!.headers["x-functions-key"]).toBe("webhook-secret");
    expect(pushHook!.body.target).toMatchObject({ repository, tag: "v1", digest: image.manifestDigest });
  });

  it("fires a delete webhook when a manifest is deleted", async () => {
    const other = await buildOciImage(freshTempDir("img"));
    expect((await push(other.layoutRef, repoRef(local, repository, "gone"), await access("pusher"))).code).toBe(0);
    const token = await local.accessToken("deleter", [`repository:${repository}:delete`]);
    const response = await fetch(`${local.acr.url}/v2/${repository}/manifests/${other.manifestDigest}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(202);
    const [hook] = await hooks.waitFor((w) => w.body.action === "delete");
    expect(hook!.body.target).toMatchObject({ repository, digest: other.manifestDigest });
  });

  it("pings a webhook on request and records every delivery attempt, retrying a 5xx", async () => {
    hooks.respondWith.push(503);
    const { id } = (await local.admin("POST", "/webhooks/gate/ping")) as { id: string };
    const pings = hooks.received.filter((w) => w.body.action === "ping");
    expect(pings).toHaveLength(2);
    expect(pings[0]!.body.id).toBe(id);
    const log = (await local.admin("GET", "/deliveries?webhook=gate")) as Array<{
      eventId: string;
      attempt: number;
      statusCode: number;
    }>;
    expect(log.filter((d) => d.eventId === id).map((d) => [d.attempt, d.statusCode])).toEqual([
      [1, 503],
      [2, 200],
    ]);
  });

  it("keeps quarantine states and webhook configuration across a restart", async () => {
    const fresh = await buildOciImage(freshTempDir("img"));
    expect((await push(fresh.layoutRef, repoRef(local, repository, "v2"), await access("pusher"))).code).toBe(0);
    await local.restart();
    const puller = await access("puller");
    expect((await inspectRaw(repoRef(local, repository, "v1"), puller)).code).toBe(0);
    expect((await inspectRaw(repoRef(local, repository, "v2"), puller)).code).not.toBe(0);
    // The key survived the restart; the admin API shows it only when asked for secrets.
    const webhooks = (await local.admin("GET", "/webhooks?includeSecrets=true")) as Array<{
      name: string;
      customHeaders: Record<string, string>;
    }>;
    expect(webhooks.map((w) => w.name)).toEqual(["gate"]);
    expect(webhooks[0]!.customHeaders["x-functions-key"]).toBe("webhook-secret");
  });
});
