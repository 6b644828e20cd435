import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { buildOciImage } from "../support/oci-image.js";
import { inspectRaw, push } from "../support/skopeo.js";
import { freshTempDir } from "../support/paths.js";
import { pipelineInstanceId } from "../../src/pipeline/contract/index.js";

const finished = (body: Record<string, unknown>) =>
  ["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus));

describe("acrEvents and failure paths end to end", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ settings: { SCAN_DEADLINE: "PT5S" } });
  });
  afterAll(async () => stack?.stop());

  const webhook = (
    body: unknown,
    headers: Record<string, string> = { "x-functions-key": stack.devhost.keys.functionKey },
  ) =>
    fetch(`${stack.devhost.url}/api/acr/events`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  const event = (repository: string, digest: string, host = stack.acr.loginServer) => ({
    id: crypto.randomUUID(),
    timestamp: new Date().toISOString(),
    action: "quarantine",
    target: { repository, digest, tag: "v1", size: 100, length: 100 },
    request: { id: crypto.randomUUID(), host, method: "PUT" },
  });

  async function pushImage(repository: string): Promise<{ reference: string; digest: string }> {
    const image = await buildOciImage(freshTempDir("img"));
    const result = await push(image.layoutRef, `${stack.acr.loginServer}/${repository}:v1`, {
      certDir: stack.acr.certDir,
      creds: stack.pushCreds,
    });
    expect(result.code, result.stderr).toBe(0);
    return {
      reference: `${stack.acr.loginServer}/${repository}@${image.manifestDigest}`,
      digest: image.manifestDigest,
    };
  }

  it("refuses unauthenticated, malformed and foreign-registry webhooks without starting anything", async () => {
    const digest = `sha256:${"c".repeat(64)}`;
    expect((await webhook(event("team/x", digest), {})).status).toBe(401);
    expect((await webhook(event("team/x", digest), { "x-functions-key": "wrong-key-wrong-key" })).status).toBe(401);
    expect((await webhook("{not json")).status).toBe(400);
    expect((await webhook({ action: "quarantine" })).status).toBe(400);
    expect((await webhook({ ...event("team/x", digest), target: { repository: "../x", digest } })).status).toBe(400);
    expect((await webhook(event("team/x", digest, "evil.azurecr.io"))).status).toBe(403);
    expect((await webhook({ action: "ping" })).status).toBe(200);
    const status = await stack.status(`${stack.acr.loginServer}/team/x@${digest}`);
    expect(status.status).toBe(404);
  });

  it("starts exactly one pipeline for 100 deliveries of the same webhook", async () => {
    const { reference, digest } = await pushImage("team/dup-app");
    const answers = await Promise.all(Array.from({ length: 100 }, () => webhook(event("team/dup-app", digest))));
    // Each delivery is answered once it is kept in the webhook inbox; all name the one pipeline of the digest.
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202));
    const bodies = (await Promise.all(answers.map((a) => a.json()))) as Array<{
      instanceId: string;
      accepted: boolean;
    }>;
    expect(bodies.every((b) => b.accepted)).toBe(true);
    expect(new Set(bodies.map((b) => b.instanceId))).toEqual(
      new Set([pipelineInstanceId({ loginServer: stack.acr.loginServer, repository: "team/dup-app", digest })]),
    );
    const done = await stack.waitForStatus(reference, finished);
    expect((done.outcome as { result: string }).result).toBe("Passed");
    const started = (done.timeline as Array<{ action: string }>).filter((r) => r.action === "released");
    expect(started).toHaveLength(1);
  });

  it("keeps the image quarantined when the scanner fails, and ends the pipeline Failed (restartable)", async () => {
    const { reference } = await pushImage("team/broken-app");
    const done = await stack.waitForStatus(reference, finished);
    expect(done.runtimeStatus).toBe("Failed");
    expect(done.stage).toBe("scan-failed");
    const pulled = await inspectRaw(`${stack.acr.loginServer}/team/broken-app:v1`, {
      certDir: stack.acr.certDir,
      creds: await stack.pullCreds(),
    });
    expect(pulled.code).not.toBe(0);
  });

  it("retries ACR's 5xx and 429 during release and still releases; never writes Passed for a failing verdict", async () => {
    await fetch(`${stack.acr.adminUrl}/faults`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify([
        { method: "PATCH", pathPrefix: "/acr/v1/team/flaky-app/", status: 503, times: 3 },
        { method: "PATCH", pathPrefix: "/acr/v1/team/flaky-app/", status: 429, times: 2 },
      ]),
    });
    const { reference } = await pushImage("team/flaky-app");
    const done = await stack.waitForStatus(reference, finished, 90_000);
    expect((done.outcome as { result: string }).result).toBe("Passed");
    const stats = (await (await fetch(`${stack.acr.adminUrl}/stats`)).json()) as Record<string, number>;
    expect(stats["acr.manifests.patch"]).toBeGreaterThanOrEqual(1);
    const pulled = await inspectRaw(`${stack.acr.loginServer}/team/flaky-app:v1`, {
      certDir: stack.acr.certDir,
      creds: await stack.pullCreds(),
    });
    expect(pulled.code, pulled.stderr).toBe(0);
  });

  it("leaves the image quarantined and the pipeline Failed when the registry refuses every release", async () => {
    await fetch(`${stack.acr.adminUrl}/faults`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify([{ method: "PATCH", pathPrefix: "/acr/v1/team/doomed-app/", status: 500, times: 100_000 }]),
    });
    const { reference } = await pushImage("team/doomed-app");
    const done = await stack.waitForStatus(reference, finished, 120_000);
    expect(done.runtimeStatus).toBe("Failed");
    expect(done.stage).toBe("release-failed");
    const pulled = await inspectRaw(`${stack.acr.loginServer}/team/doomed-app:v1`, {
      certDir: stack.acr.certDir,
      creds: await stack.pullCreds(),
    });
    expect(pulled.code).not.toBe(0);
    await fetch(`${stack.acr.adminUrl}/faults`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: "[]",
    });
  }, 150_000);

  it("a delete webhook ends a pending pipeline for that digest", async () => {
    const { reference } = await pushImage("team/risky-deleted");
    await stack.waitForStatus(reference, (b) => b.stage === "awaiting-approval");
    const digest = reference.split("@")[1]!;
    const answer = await webhook({ ...event("team/risky-deleted", digest), action: "delete" });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { terminated: boolean }).terminated).toBe(true);
    const done = await stack.waitForStatus(reference, finished);
    expect(done.runtimeStatus).toBe("Terminated");
  });
});
