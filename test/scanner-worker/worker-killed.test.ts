import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalScanWorker, type LocalScanWorker } from "../../local/trivy-standin/local-scan-worker.js";
import { startTestAzurite, type TestAzurite } from "../support/azurite.js";
import { repoRef, startLocalAcr, type LocalAcr } from "../support/local-acr.js";
import { buildOciImage, type OciImage } from "../support/oci-image.js";
import { freshTempDir } from "../support/paths.js";
import { push } from "../support/skopeo.js";
import { requireCompiled, requireStandIn } from "./support/compiled.js";
import { startFakeGate, type FakeGate } from "./support/fake-gate.js";
import { testQueues, type TestQueues } from "./support/scan-queue.js";

/**
 * The worker as a real process, killed (SIGKILL, no chance to clean up) in the middle of a scan: the request it held
 * stays invisible until its visibility timeout runs out, then comes back, and the next worker scans it, once.
 */
describe("a worker killed mid-scan", () => {
  let azurite: TestAzurite;
  let local: LocalAcr;
  let gate: FakeGate;
  let image: OciImage;
  let queues: TestQueues;
  const workers: LocalScanWorker[] = [];
  const queueName = `killed-${randomBytes(3).toString("hex")}`;
  // A 5 s scan timeout and 1 s callback posts without retries: the worker refuses any visibility under 22 s
  // (scanner-worker/config.ts, longestHoldSeconds), so 22 s it is.
  const settings = {
    SCAN_TIMEOUT_SECONDS: "5",
    CALLBACK_TIMEOUT_MS: "1000",
    CALLBACK_MAX_RETRIES: "0",
    VISIBILITY_TIMEOUT_SECONDS: "22",
  };
  const start = (mode: "job" | "loop") => {
    const worker = startLocalScanWorker({
      connectionString: azurite.connectionString,
      scanQueueName: queueName,
      mode,
      env: settings,
    });
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    requireStandIn();
    requireCompiled(
      ["scanner-worker/main.ts", "dist/scanner-worker/main.js"],
      ["scanner-worker/handle-request.ts", "dist/scanner-worker/handle-request.js"],
    );
    [azurite, local, gate] = await Promise.all([
      startTestAzurite(),
      startLocalAcr({ settings: { quarantinePolicy: "enabled" } }),
      startFakeGate(),
    ]);
    image = await buildOciImage(freshTempDir("killed-img"));
    const pushed = await push(image.layoutRef, repoRef(local, "team/slow-app", "v1"), {
      certDir: local.acr.certDir,
      creds: await local.skopeoCreds("pusher"),
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    queues = await testQueues(azurite.connectionString, queueName, local, gate);
  });
  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    await gate?.close();
    await local?.stop();
    await azurite?.dispose();
  });

  it("the request comes back after its visibility timeout and is reported exactly once", async () => {
    const scanId = `scan-${randomBytes(6).toString("hex")}`;
    await queues.dispatch("team/slow-app", image.manifestDigest, scanId);
    const doomed = start("loop");
    const started = await doomed.waitForEvent("scan-started");
    expect(started).toMatchObject({ scanId, dequeueCount: 1 });
    const receivedAt = Date.now();
    doomed.process.kill("SIGKILL");
    expect(await doomed.exited).toBeNull();

    // Held by the dead worker: another worker finds nothing, and nothing was posted.
    const early = start("job");
    expect(await early.exited).toBe(0);
    expect(await early.waitForEvent("worker-done")).toMatchObject({ handled: 0 });
    expect(gate.forScan(scanId)).toEqual([]);
    expect(await queues.count(queues.scan)).toBe(1);

    await sleep(Math.max(0, receivedAt + 22_500 - Date.now()));
    const successor = start("job");
    expect(await successor.exited).toBe(0);
    const done = await successor.waitForEvent("report-accepted");
    expect(done).toMatchObject({ scanId, dequeueCount: 2 });
    // The dead worker's Trivy may still have finished in the meantime: only a worker posts, and the dead one cannot.
    expect(gate.forScan(scanId).map((p) => p.status)).toEqual([202]);
    expect(await queues.count(queues.scan)).toBe(0);
  });

  it("a worker told to stop (SIGTERM) stops its scan, posts nothing and leaves the request on the queue", async () => {
    const scanId = `scan-${randomBytes(6).toString("hex")}`;
    await queues.dispatch("team/slow-app", image.manifestDigest, scanId);
    const worker = start("loop");
    await worker.waitForEvent("scan-started");
    await worker.stop();
    expect(await worker.exited).toBe(0);
    await worker.waitForEvent("scan-abandoned");
    expect(gate.forScan(scanId)).toEqual([]);
    expect(await queues.count(queues.scan)).toBe(1);
  });
});
