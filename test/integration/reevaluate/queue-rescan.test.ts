import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRescanId } from "../../../src/pipeline/contract/index.js";
import { parsePolicy } from "../../../src/policy/index.js";
import { QueueRescanner } from "../../../src/reevaluate/queue-rescanner.js";
import { RescanInbox } from "../../../src/reevaluate/rescan-inbox.js";
import {
  decodeQueueMessage,
  QueueScanDispatcher,
  SCAN_FAILURE_MEDIA_TYPE,
  type ScanRequestMessage,
} from "../../../src/scanning/queue/index.js";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";

const image = {
  loginServer: "contoso.azurecr.io",
  repository: "team/app",
  digest: `sha256:${"a".repeat(64)}`,
};
const fixture = (name: string) => readFileSync(join(import.meta.dirname, "../../fixtures/trivy", name));
/** The recorded debian-buster report (a fixable Critical), about this image. */
const criticalReport = () => {
  const report = JSON.parse(fixture("debian-buster.json").toString("utf8")) as Record<string, unknown>;
  report.ArtifactName = `${image.loginServer}/${image.repository}@${image.digest}`;
  report.Metadata = {
    ...(report.Metadata as object),
    RepoDigests: [`${image.loginServer}/${image.repository}@${image.digest}`],
  };
  return Buffer.from(JSON.stringify(report));
};
const failure = (code: string) =>
  Buffer.from(
    JSON.stringify({
      failure: { code, reason: "the registry answered 503", occurredAt: "2026-12-03T00:00:00.000Z" },
    }),
  );

type Scanner = (message: ScanRequestMessage, inbox: RescanInbox) => Promise<void>;

/**
 * Re-scans through the queue (SCANNER_KIND=queue) against Azurite's Queue and Blob services: the product's dispatcher
 * puts the pipeline's own request message on a real queue, the "scanner" here reads it from that queue and answers at
 * the callback the message names (through the inbox's accept, as the scanReports function does), and the re-scanner
 * waits for the answer in the inbox. The wait is injected: each wait lets the scanner take its turn, nothing sleeps.
 */
describe("re-scans through the external scanners' queue", () => {
  let azurite: TestAzurite;
  let n = 0;
  const policy = parsePolicy({ version: 1 });

  beforeAll(async () => {
    azurite = await startTestAzurite();
  });
  afterAll(async () => azurite?.dispose());

  async function setUp(scanner: Scanner, options: { deadlineMs?: number; queueDown?: boolean } = {}) {
    n += 1;
    const queue = new QueueClient(azurite.connectionString, `rescans-${n}`);
    await queue.createIfNotExists();
    const inbox = new RescanInbox(
      BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(`rescans-${n}`),
    );
    const messages: ScanRequestMessage[] = [];
    const waits: number[] = [];
    const dispatcher = new QueueScanDispatcher({
      queue: {
        sendMessage: async (text) => {
          if (options.queueDown) throw Object.assign(new Error("queue unavailable"), { code: "ECONNREFUSED" });
          return queue.sendMessage(text);
        },
      },
      callbackBaseUrl: "http://127.0.0.1:7071/api/scans",
    });
    const takeTurn = async () => {
      const received = await queue.receiveMessages({ numberOfMessages: 32 });
      for (const item of received.receivedMessageItems) {
        const message = decodeQueueMessage(item.messageText) as ScanRequestMessage;
        messages.push(message);
        await queue.deleteMessage(item.messageId, item.popReceipt);
        await scanner(message, inbox);
      }
    };
    const rescanner = new QueueRescanner({
      queue: dispatcher,
      inbox,
      policy,
      vex: undefined,
      deadlineMs: options.deadlineMs ?? 60_000,
      wait: async (ms) => {
        waits.push(ms);
        await takeTurn();
      },
      pollMs: 1_000,
    });
    return { rescanner, inbox, messages, waits };
  }

  const post = (inbox: RescanInbox, message: ScanRequestMessage, body: Buffer, contentType = "application/json") =>
    inbox.accept(message.scanId, `Bearer ${message.callback.token}`, body, contentType);

  it("sends the pipeline's request message with a re-scan id, and judges the report that comes back with every reason", async () => {
    const { rescanner, messages } = await setUp((message, inbox) =>
      post(inbox, message, criticalReport()).then(() => undefined),
    );
    const judgement = await rescanner.rescan(image, new Date("2026-12-03T00:00:00Z"));
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(isRescanId(message!.scanId)).toBe(true);
    expect(message!.image).toEqual(image);
    expect(message!.callback.url).toBe(`http://127.0.0.1:7071/api/scans/${message!.scanId}`);
    expect(judgement).toMatchObject({ usable: true, decision: "fail", omittedReasons: 0 });
    if (!judgement.usable) throw new Error("unusable");
    expect(judgement.reasons.some((r) => r.kind === "finding-blocks")).toBe(true);
  });

  it("takes the callback once: a wrong token is refused, a second report is refused, a late one finds nothing waiting", async () => {
    const answers: unknown[] = [];
    const { rescanner, messages, inbox } = await setUp(async (message, box) => {
      answers.push(
        await box
          .accept(message.scanId, "Bearer wrong", criticalReport(), "application/json")
          .catch((e: Error & { code?: string }) => e.code),
      );
      answers.push(await post(box, message, criticalReport()));
      answers.push(await post(box, message, criticalReport()).catch((e: Error & { code?: string }) => e.code));
    });
    expect(await rescanner.rescan(image, new Date())).toMatchObject({ usable: true, decision: "fail" });
    expect(answers).toEqual(["ERR_CALLBACK_TOKEN_REJECTED", { failed: false }, "ERR_SCAN_ALREADY_REPORTED"]);
    // The re-scan ended: the inbox no longer takes reports for it.
    await expect(post(inbox, messages[0]!, criticalReport())).rejects.toMatchObject({
      code: "ERR_SCAN_NOT_AWAITING_REPORT",
    });
  });

  it("scans again after a retryable failure (the registry was down while the scanner pulled), inside the deadline", async () => {
    let calls = 0;
    const { rescanner, messages, waits } = await setUp(async (message, inbox) => {
      calls += 1;
      await post(
        inbox,
        message,
        calls === 1 ? failure("registry-unavailable") : criticalReport(),
        calls === 1 ? SCAN_FAILURE_MEDIA_TYPE : "application/json",
      );
    });
    expect(await rescanner.rescan(image, new Date())).toMatchObject({ usable: true, decision: "fail" });
    expect(messages).toHaveLength(2);
    expect(messages[0]!.scanId).not.toBe(messages[1]!.scanId);
    expect(waits).toContain(1_000); // the backoff before the second scan
  });

  it("a definitive failure, a report that is not a report, or no report by the deadline is unusable, never a pass", async () => {
    const refused = await setUp((message, inbox) =>
      post(inbox, message, failure("scanner-exit"), SCAN_FAILURE_MEDIA_TYPE).then(() => undefined),
    );
    expect(await refused.rescanner.rescan(image, new Date())).toMatchObject({ usable: false, code: "rescan-failed" });
    expect(refused.messages).toHaveLength(1);

    const garbage = await setUp((message, inbox) =>
      post(inbox, message, Buffer.from("not json")).then(() => undefined),
    );
    const judged = await garbage.rescanner.rescan(image, new Date());
    expect(judged.usable).toBe(false);

    const silent = await setUp(async () => undefined, { deadlineMs: 10_000 });
    const missed = await silent.rescanner.rescan(image, new Date());
    expect(missed).toMatchObject({ usable: false, code: "rescan-deadline" });
    expect(silent.waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10_000);
    await expect(post(silent.inbox, silent.messages[0]!, criticalReport())).rejects.toMatchObject({
      code: "ERR_SCAN_NOT_AWAITING_REPORT",
    });
  });

  it("a queue that cannot be reached makes the re-scan unusable, and leaves no inbox entry behind", async () => {
    const { rescanner } = await setUp(async () => undefined, { queueDown: true });
    expect(await rescanner.rescan(image, new Date())).toMatchObject({ usable: false, code: "ECONNREFUSED" });
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
      `rescans-${n}`,
    );
    const left: string[] = [];
    for await (const blob of container.listBlobsFlat()) left.push(blob.name);
    expect(left).toEqual([]);
  });
});
