import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { QueueClient } from "@azure/storage-queue";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { buildOciImage } from "../support/oci-image.js";
import { push } from "../support/skopeo.js";
import { freshTempDir, projectRoot } from "../support/paths.js";
import { decodeQueueMessage, type ScanRequestMessage } from "../../src/scanning/queue/index.js";

const finished = (body: Record<string, unknown>) =>
  ["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus));
const fixture = (name: string) => readFileSync(join(projectRoot, "test/fixtures/trivy", name));

describe("external scanners through the scan queue and the scanReports callback", () => {
  let stack: TestStack;
  let queue: QueueClient;
  beforeAll(async () => {
    stack = await startTestStack({
      settings: { SCANNER_KIND: "queue", SCAN_QUEUE_NAME: "scan-requests", SCAN_DEADLINE: "PT8S" },
      // This test plays the external scanner itself.
      scanWorker: false,
    });
    queue = new QueueClient(stack.azurite.connectionString, "scan-requests");
  });
  afterAll(async () => stack?.stop());

  /** Plays the external scanner: takes the next scan request for `digest` off the queue. */
  async function nextRequest(digest: string): Promise<ScanRequestMessage> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      await queue.createIfNotExists();
      const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
      for (const item of receivedMessageItems) {
        await queue.deleteMessage(item.messageId, item.popReceipt);
        const message = decodeQueueMessage(item.messageText) as ScanRequestMessage;
        if (message.image.digest === digest) return message;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no scan request for ${digest}`);
  }

  async function pushImage(repository: string) {
    const image = await buildOciImage(freshTempDir("img"));
    expect(
      (
        await push(image.layoutRef, `${stack.acr.loginServer}/${repository}:v1`, {
          certDir: stack.acr.certDir,
          creds: stack.pushCreds,
        })
      ).code,
    ).toBe(0);
    return {
      digest: image.manifestDigest,
      reference: `${stack.acr.loginServer}/${repository}@${image.manifestDigest}`,
    };
  }

  const post = (message: ScanRequestMessage, body: Buffer | string, token = message.callback.token) =>
    fetch(message.callback.url, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body,
    });

  it("hands the scan to the queue with a pull token and a callback; a clean Trivy report releases the image", async () => {
    const { digest, reference } = await pushImage("team/queued-app");
    const request = await nextRequest(digest);
    expect(request.image).toMatchObject({ repository: "team/queued-app", digest });
    expect(request.registry?.authorization).toMatch(/^Bearer /);
    const pending = await stack.status(reference);
    expect(JSON.stringify(pending.body)).not.toContain(request.callback.token);

    expect((await post(request, fixture("alpine-distroless.json"), "not-the-token")).status).toBe(401);
    const accepted = await post(request, fixture("alpine-distroless.json"));
    expect(accepted.status).toBe(202);
    expect((await post(request, fixture("alpine-distroless.json"))).status).toBe(409);
    const done = await stack.waitForStatus(reference, finished);
    expect((done.outcome as { result: string }).result).toBe("Passed");
  });

  it("judges SARIF 2.1.0 too: Medium findings only pass under the stack's policy", async () => {
    const { digest, reference } = await pushImage("team/queued-sarif");
    const request = await nextRequest(digest);
    expect((await post(request, fixture("alpine-310.sarif.json"))).status).toBe(202);
    const done = await stack.waitForStatus(reference, finished);
    expect((done.outcome as { result: string }).result).toBe("Passed");
    expect((done.verdict as { severityCounts: Record<string, number> }).severityCounts.Medium).toBe(4);
  });

  it("fails the image on a report with a Critical finding", async () => {
    const { digest, reference } = await pushImage("team/queued-critical");
    const request = await nextRequest(digest);
    expect((await post(request, fixture("debian-buster.json"))).status).toBe(202);
    const done = await stack.waitForStatus(reference, finished);
    expect((done.outcome as { result: string }).result).toBe("Failed");
  });

  it("a truncated report is judged unusable: never a pass", async () => {
    const { digest, reference } = await pushImage("team/queued-truncated");
    const request = await nextRequest(digest);
    expect((await post(request, fixture("alpine-distroless.json").subarray(0, 500))).status).toBe(202);
    const done = await stack.waitForStatus(reference, finished);
    expect((done.outcome as { result: string }).result).toBe("Failed");
    expect(JSON.stringify(done.verdict)).toMatch(/no usable scan report/);
  });

  it("no report before the scan deadline: the image stays quarantined and the pipeline ends Failed", async () => {
    const { digest, reference } = await pushImage("team/queued-silent");
    await nextRequest(digest);
    const done = await stack.waitForStatus(reference, finished, 60_000);
    expect(done.runtimeStatus).toBe("Failed");
    expect(done.stage).toBe("scan-failed");
  });
});
