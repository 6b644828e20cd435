import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { inboxDrained } from "../support/webhook-inbox.js";
import { deliverWebhook } from "../support/webhook-delivery.js";
import { buildOciImage } from "../support/oci-image.js";
import { push } from "../support/skopeo.js";
import { freshTempDir } from "../support/paths.js";
import { pointWebhookAt } from "../../local/stack/compose.js";
import { pipelineInstanceId } from "../../src/pipeline/contract/index.js";
import { BlobServiceClient } from "@azure/storage-blob";
import { admin, readReportBlob, sleep, sweepNow } from "../integration/sweep/support.js";

const finished = (body: Record<string, unknown>) =>
  ["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus));
const DAY = 86_400_000;

describe("compliance sweep end to end (ACR emulator with ARM surface → devhost → pipelines, reports in Azurite)", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      settings: {
        // Never fires during the test: the test runs the sweep through the admin HTTP trigger.
        SWEEP_SCHEDULE: "0 0 0 1 1 *",
        STALE_AFTER: "PT2S",
        MAX_QUARANTINE_AGE: "P14D",
        EXPIRE_IN_QUARANTINE: "true",
        SCAN_DEADLINE: "PT20S",
      },
    });
  });
  afterAll(async () => stack?.stop());

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

  it("is registered as a timer, and running it now needs the admin key", async () => {
    expect(stack.devhost.functions).toContainEqual({ name: "complianceSweep", kind: "timer" });
    const withFunctionKey = await fetch(`${stack.devhost.url}/api/sweep/run`, {
      method: "POST",
      headers: { "x-functions-key": stack.devhost.keys.functionKey },
    });
    expect(withFunctionKey.status).toBe(401);
    const unknownRegistry = await fetch(`${stack.devhost.url}/api/sweep/run?registry=evil.azurecr.io`, {
      method: "POST",
      headers: { "x-functions-key": stack.devhost.keys.masterKey },
    });
    expect(unknownRegistry.status).toBe(400);
  });

  it("starts the pipeline the webhook never delivered, and the image is released", async () => {
    await pointWebhookAt(stack.acr, stack.devhost.url, stack.devhost.keys.functionKey, "disabled");
    const { reference, digest } = await pushImage("team/missed-app");
    await sleep(1_000);
    expect((await stack.status(reference)).status).toBe(404);

    const report = await sweepNow(stack);
    expect(report.outcome).toBe("complete");
    expect(report.findings.map((f) => f.code)).toContain("quarantine-webhook-disabled");
    expect(report.started.items.map((s) => s.image)).toContain(reference);
    expect(report.started.items.find((s) => s.image === reference)!.instanceId).toBe(
      pipelineInstanceId({ loginServer: stack.acr.loginServer, repository: "team/missed-app", digest }),
    );
    // Listing only: the catalog, one list per repository, no per-manifest GETs.
    expect(report.requests.manifestGet).toBe(0);
    expect(report.requests.catalog).toBe(1);
    expect(report.requests.manifestList).toBe(report.counts.repositories);

    const done = await stack.waitForStatus(reference, finished);
    expect((done.outcome as { result: string }).result).toBe("Passed");
    // The sweep claimed the start as the webhook does: a quarantine delivery that turns up late (ACR delivers again)
    // is kept in the inbox, and its drain finds the claim taken, reads the status and leaves the decided pipeline
    // alone — it does not start it anew (same instance, still Completed, one release).
    const late = await deliverWebhook(stack, { digest, repository: "team/missed-app" });
    expect(late.status).toBe(202);
    await inboxDrained(stack);
    const after = await stack.status(reference);
    expect(after.body).toMatchObject({ runtimeStatus: "Completed", createdTime: done.createdTime });
    expect((after.body.timeline as Array<{ action: string }>).filter((r) => r.action === "released")).toHaveLength(1);
    const again = await sweepNow(stack);
    expect(again.started.items.map((s) => s.image)).not.toContain(reference);
    await pointWebhookAt(stack.acr, stack.devhost.url, stack.devhost.keys.functionKey);
  });

  it("flags a pipeline waiting longer than STALE_AFTER, with its stage", async () => {
    const { reference } = await pushImage("team/risky-stale");
    await stack.waitForStatus(reference, (b) => b.stage === "awaiting-approval");
    await sleep(2_500);
    const report = await sweepNow(stack);
    const stale = report.stale.items.find((s) => s.image === reference);
    expect(stale).toMatchObject({ stage: "awaiting-approval", runtimeStatus: "Running" });
    expect(stale!.ageMs).toBeGreaterThan(2_000);
    expect(report.counts.decisions.stale).toBeGreaterThanOrEqual(1);
  });

  it("fails an image pending longer than MAX_QUARANTINE_AGE: Failed in ACR with 'expired in quarantine', audited", async () => {
    const digest = `sha256:${"e".repeat(64)}`;
    const pushed = new Date(Date.now() - 20 * DAY).toISOString();
    stack.acr.context.store.putManifests([
      {
        repository: "team/ancient-app",
        digest,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        size: 512,
        createdTime: pushed,
        lastUpdateTime: pushed,
        tags: ["v1"],
        changeable: { deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true },
        quarantineState: "Quarantined",
      },
    ]);
    const reference = `${stack.acr.loginServer}/team/ancient-app@${digest}`;
    const report = await sweepNow(stack);
    expect(report.expired.items.map((e) => e.image)).toContain(reference);
    expect(report.counts.ageBuckets[">14d"]).toBeGreaterThanOrEqual(1);
    const record = stack.acr.context.store.getManifest("team/ancient-app", digest)!;
    expect(record.quarantineState).toBe("Failed");
    expect(JSON.parse(record.quarantineDetails!).state).toMatch(/expired in quarantine/);
    const status = await stack.status(reference);
    const timeline = status.body.timeline as Array<{ actor: string; reason: string; quarantineState: string }>;
    expect(timeline).toContainEqual(
      expect.objectContaining({
        action: "expired",
        actor: "compliance-sweep",
        quarantineState: "Failed",
        reason: expect.stringMatching(/^expired in quarantine/),
      }),
    );
    const next = await sweepNow(stack);
    expect(next.expired.items.map((e) => e.image)).not.toContain(reference);
  });

  it("reports quarantine off and a missing webhook as findings", async () => {
    await admin(stack, "PUT", "/policy", { quarantine: "disabled" });
    await admin(stack, "DELETE", "/webhooks/gate");
    try {
      const report = await sweepNow(stack);
      expect(report.findings).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ code: "quarantine-disabled", severity: "high" }),
          expect.objectContaining({ code: "quarantine-webhook-missing", severity: "high" }),
        ]),
      );
      expect(report.management).toMatchObject({ state: "read", quarantinePolicy: "disabled", webhooks: [] });
    } finally {
      await admin(stack, "PUT", "/policy", { quarantine: "enabled" });
      await pointWebhookAt(stack.acr, stack.devhost.url, stack.devhost.keys.functionKey);
    }
    const healthy = await sweepNow(stack);
    expect(healthy.findings.filter((f) => f.severity === "high")).toEqual([]);
  });

  it("ends cleanly on ACR 5xx in the middle, and the next run resumes after it without duplicates", async () => {
    await admin(stack, "POST", "/seed", {
      repositories: 8,
      manifestsPerRepository: 2,
      prefix: "resume",
      quarantineState: "Quarantined",
    });
    await admin(stack, "PUT", "/faults", [
      { method: "GET", pathPrefix: "/acr/v1/resume/repo-4/_manifests", status: 500, times: 50 },
    ]);
    const first = await sweepNow(stack);
    expect(first.outcome).toBe("stopped-by-error");
    expect(first.error).toMatchObject({ repository: "resume/repo-4", message: expect.stringMatching(/500|failed/) });
    expect(first.pass.complete).toBe(false);
    expect(first.pass.stoppedAt).toBe("resume/repo-3");
    const blob = (await readReportBlob(stack, first.reportBlob!)) as { runId: string; outcome: string };
    expect(blob).toMatchObject({ runId: first.runId, outcome: "stopped-by-error" });

    await admin(stack, "PUT", "/faults", []);
    const second = await sweepNow(stack);
    expect(second.outcome).toBe("complete");
    expect(second.pass).toMatchObject({ id: first.pass.id, resumedAfter: "resume/repo-3", complete: true });

    const seeded = (run: typeof first) =>
      run.started.items
        .concat(run.restarted.items)
        .map((s) => s.image)
        .filter((i) => i.includes("/resume/"));
    const firstStarts = seeded(first);
    const secondStarts = seeded(second);
    expect(firstStarts.filter((i) => secondStarts.includes(i))).toEqual([]);
    expect(new Set([...firstStarts, ...secondStarts]).size).toBe(16);
    // Every repository of the catalog was read to the end exactly once over the two runs.
    const catalog = (await admin(stack, "GET", "/state")) as { repositories: number };
    expect(first.counts.repositories + second.counts.repositories).toBe(catalog.repositories);
  }, 120_000);

  it("runs on its timer too (the host runs the timer function through its admin API), writing a report", async () => {
    const container = BlobServiceClient.fromConnectionString(stack.azurite.connectionString).getContainerClient(
      "compliance-reports",
    );
    const before = new Set<string>();
    for await (const blob of container.listBlobsFlat()) before.add(blob.name);
    const answer = await fetch(`${stack.devhost.url}/admin/functions/complianceSweep`, {
      method: "POST",
      headers: { "x-functions-key": stack.devhost.keys.masterKey, "Content-Type": "application/json" },
      body: JSON.stringify({ input: "" }),
    });
    expect(answer.status).toBe(202);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const fresh: string[] = [];
      for await (const blob of container.listBlobsFlat({ prefix: `${stack.acr.loginServer}/` }))
        if (!before.has(blob.name)) fresh.push(blob.name);
      if (fresh.length > 0) {
        const report = (await readReportBlob(stack, `compliance-reports/${fresh[0]}`)) as {
          trigger: string;
          outcome: string;
        };
        expect(report).toMatchObject({ trigger: "timer", outcome: "complete" });
        break;
      }
      if (Date.now() > deadline) throw new Error("the timer run wrote no report");
      await sleep(250);
    }
  });
});
