import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueClient } from "@azure/storage-queue";
import { decodeQueueMessage, encodeQueueMessage, type ScanRequestMessage } from "../../src/scanning/queue/message.js";
import { startLocalScanWorker, type LocalScanWorker } from "../../local/trivy-standin/local-scan-worker.js";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { buildOciImage } from "../support/oci-image.js";
import { freshTempDir } from "../support/paths.js";
import { push } from "../support/skopeo.js";
import { requireCompiled, requireStandIn } from "./support/compiled.js";

const finished = (body: Record<string, unknown>) =>
  ["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus));
const QUEUE = "scan-requests";

/**
 * The queue path end to end through the local stack: skopeo pushes, ACR (emulated) sends the quarantine webhook, the
 * gate puts a scan request on Azurite's queue, the worker process takes it, the stand-in trivy pulls the quarantined
 * image with the request's pull token and replays a recorded report, the gate's scanReports callback judges it, and
 * the pipeline releases or fails the image.
 */
describe("push → queue → worker → trivy stand-in → callback → verdict, through the local stack", () => {
  let stack: TestStack;
  let worker: LocalScanWorker | undefined;
  beforeAll(async () => {
    requireStandIn();
    requireCompiled(["scanner-worker/main.ts", "dist/scanner-worker/main.js"]);
    stack = await startTestStack({
      settings: { SCANNER_KIND: "queue", SCAN_QUEUE_NAME: QUEUE, SCAN_DEADLINE: "PT90S" },
      // The workers here are started and stopped by the tests themselves.
      scanWorker: false,
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await stack?.stop();
  });

  async function pushImage(repository: string) {
    const image = await buildOciImage(freshTempDir("e2e-img"));
    const pushed = await push(image.layoutRef, `${stack.acr.loginServer}/${repository}:v1`, {
      certDir: stack.acr.certDir,
      creds: stack.pushCreds,
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    return `${stack.acr.loginServer}/${repository}@${image.manifestDigest}`;
  }

  it("a clean image is released, a vulnerable one fails, a risky one waits for a person", async () => {
    worker = startLocalScanWorker({
      connectionString: stack.azurite.connectionString,
      scanQueueName: QUEUE,
      mode: "loop",
    });
    const [clean, vulnerable, risky] = await Promise.all([
      pushImage("team/app"),
      pushImage("team/vulnerable-app"),
      pushImage("team/risky-app"),
    ]);
    const cleanDone = await stack.waitForStatus(clean, finished, 90_000);
    expect((cleanDone.outcome as { result: string }).result).toBe("Passed");
    const vulnerableDone = await stack.waitForStatus(vulnerable, finished, 90_000);
    expect((vulnerableDone.outcome as { result: string }).result).toBe("Failed");
    const waiting = await stack.waitForStatus(risky, (b) => b.stage === "awaiting-approval", 90_000);
    expect((waiting.verdict as { decision: string }).decision).toBe("needsApproval");
    await worker.stop();
    worker = undefined;
  });

  it("a scan that fails (Trivy exits 1) ends the pipeline at once as scan-failed: no verdict, still quarantined", async () => {
    worker = startLocalScanWorker({
      connectionString: stack.azurite.connectionString,
      scanQueueName: QUEUE,
      mode: "loop",
    });
    const broken = await pushImage("team/broken-app");
    const done = await stack.waitForStatus(broken, finished, 60_000);
    expect(done.runtimeStatus).toBe("Failed");
    expect(done.stage).toBe("scan-failed");
    expect(String(done.error)).toMatch(/scanner-exit: Trivy exited 1/);
    expect(done.verdict).toBeUndefined();
    await worker.stop();
    worker = undefined;
  });

  it("two workers with copies of one request: the gate takes one report (202), refuses the other (409), both settle", async () => {
    const queue = new QueueClient(stack.azurite.connectionString, QUEUE);
    const reference = await pushImage("team/twice-app");
    // No worker runs: the request waits on the queue. Copy it, as a redelivery would.
    let original: ScanRequestMessage | undefined;
    for (let attempt = 0; attempt < 100 && !original; attempt += 1) {
      const { peekedMessageItems } = await queue.peekMessages({ numberOfMessages: 32 });
      original = peekedMessageItems
        .map((m) => decodeQueueMessage(m.messageText) as ScanRequestMessage)
        .find((m) => reference.endsWith(`${m.image.repository}@${m.image.digest}`));
      if (!original) await new Promise((r) => setTimeout(r, 200));
    }
    expect(original).toBeDefined();
    await queue.sendMessage(encodeQueueMessage(original!));
    const workers = [0, 1].map(() =>
      startLocalScanWorker({ connectionString: stack.azurite.connectionString, scanQueueName: QUEUE, mode: "job" }),
    );
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);
    const settledBy = (w: LocalScanWorker) =>
      w.lines
        .map((line) => (JSON.parse(line) as { event?: string }).event)
        .filter((event) => event === "report-accepted" || event === "already-reported");
    expect(workers.flatMap(settledBy).sort()).toEqual(["already-reported", "report-accepted"]);
    const done = await stack.waitForStatus(reference, finished, 60_000);
    expect((done.outcome as { result: string }).result).toBe("Passed");
    const properties = await queue.getProperties();
    expect(properties.approximateMessagesCount).toBe(0);
  });
});
