import { Ajv } from "ajv";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CallbackClient } from "../../scanner-worker/callback.js";
import type { WorkerConfig } from "../../scanner-worker/config.js";
import {
  SCAN_FAILURE_MEDIA_TYPE,
  scanFailureReportSchema,
  type ScanFailureReport,
} from "../../src/scanning/queue/scan-failure.js";
import { silentLogger } from "../../scanner-worker/log.js";
import { POISON_RECORD_TYPE, type PoisonRecord } from "../../scanner-worker/poison-record.js";
import { storageQueues } from "../../scanner-worker/queues.js";
import { runWorker } from "../../scanner-worker/worker.js";
import { decodeQueueMessage, encodeQueueMessage, type ScanRequestMessage } from "../../src/scanning/queue/message.js";
import { normaliseReport } from "../../src/scanning/normalise/index.js";
import { startTestAzurite, type TestAzurite } from "../support/azurite.js";
import { repoRef, startLocalAcr, type LocalAcr } from "../support/local-acr.js";
import { buildOciImage, type OciImage } from "../support/oci-image.js";
import { freshTempDir } from "../support/paths.js";
import { push } from "../support/skopeo.js";
import { requireStandIn } from "./support/compiled.js";
import { startFakeGate, type FakeGate } from "./support/fake-gate.js";
import { testQueues, type TestQueues } from "./support/scan-queue.js";
import { testWorkerConfig } from "./support/worker-config.js";

const validFailure = new Ajv({ strict: true }).compile<ScanFailureReport>(scanFailureReportSchema);
const REPOSITORIES = ["team/app", "team/broken-app", "team/hang-app", "team/vulnerable-app"];

/**
 * The worker with everything real but the gate: Azurite's queues, the product's own dispatcher writing the requests
 * (with real pull tokens from the ACR emulator), the stand-in trivy pulling quarantined images with them, and a
 * loopback HTTP server playing the gate's callback contract.
 */
describe("scan worker: queue → Trivy → callback, and every way that can fail", () => {
  let azurite: TestAzurite;
  let local: LocalAcr;
  let gate: FakeGate;
  let image: OciImage;
  let queues: TestQueues;
  let queueName: string;

  beforeAll(async () => {
    requireStandIn();
    [azurite, local, gate] = await Promise.all([
      startTestAzurite(),
      startLocalAcr({ settings: { quarantinePolicy: "enabled" } }),
      startFakeGate(),
    ]);
    image = await buildOciImage(freshTempDir("worker-img"));
    const creds = await local.skopeoCreds("pusher");
    for (const repository of REPOSITORIES) {
      const pushed = await push(image.layoutRef, repoRef(local, repository, "v1"), {
        certDir: local.acr.certDir,
        creds,
      });
      expect(pushed.code, pushed.stderr).toBe(0);
    }
  });
  afterAll(async () => {
    await gate?.close();
    await local?.stop();
    await azurite?.dispose();
  });
  // A fresh pair of queues per test: nothing one test leaves behind reaches the next.
  let counter = 0;
  const fresh = async () => {
    queueName = `scans-${++counter}-${randomBytes(3).toString("hex")}`;
    queues = await testQueues(azurite.connectionString, queueName, local, gate);
  };
  afterEach(() => {
    delete process.env.TRIVY_STANDIN_MODE;
  });

  const scanId = () => `scan-${randomBytes(6).toString("hex")}`;
  const config = (overrides: Partial<WorkerConfig> = {}) =>
    testWorkerConfig(azurite.connectionString, queueName, overrides);
  const work = (overrides: Partial<WorkerConfig> = {}) => {
    const c = config(overrides);
    return runWorker({
      config: c,
      queues: storageQueues(queues.scan, queues.poison),
      callback: new CallbackClient(c.callback),
      log: silentLogger,
    });
  };
  const failureOf = (body: string): ScanFailureReport => {
    const parsed = JSON.parse(body) as unknown;
    expect(validFailure(parsed), JSON.stringify(validFailure.errors)).toBe(true);
    return parsed as ScanFailureReport;
  };
  const poisonRecords = async (): Promise<PoisonRecord[]> => (await queues.peek(queues.poison)) as PoisonRecord[];
  /** Receives and releases a message by hand, so the worker next sees it with a higher dequeue count. */
  const receiveBriefly = async () => {
    const { receivedMessageItems } = await queues.scan.receiveMessages({ visibilityTimeout: 1 });
    expect(receivedMessageItems).toHaveLength(1);
    await sleep(1_200);
  };

  it("scans a quarantined image with the request's pull token, posts Trivy's JSON, then deletes the request", async () => {
    await fresh();
    const id = scanId();
    await queues.dispatch("team/app", image.manifestDigest, id);
    const run = await work();
    expect(run).toEqual({ handled: ["reported"], exitCode: 0 });
    const [post] = gate.forScan(id);
    expect(post).toMatchObject({ status: 202, contentType: "application/json" });
    const report = normaliseReport(post!.body);
    expect(report.artifact.digest).toBe(image.manifestDigest);
    expect(report.counts.Medium).toBe(1);
    expect(await queues.count(queues.scan)).toBe(0);
    expect(await queues.count(queues.poison)).toBe(0);
  });

  it("a scan that exits non-zero is posted as an explicit scanner-exit failure, never as a report", async () => {
    await fresh();
    const id = scanId();
    await queues.dispatch("team/broken-app", image.manifestDigest, id);
    const run = await work();
    expect(run.handled).toEqual(["failure-reported"]);
    const [post] = gate.forScan(id);
    expect(post).toMatchObject({ status: 202, contentType: SCAN_FAILURE_MEDIA_TYPE });
    const { failure } = failureOf(post!.body);
    expect(failure).toMatchObject({ code: "scanner-exit", exitCode: 1, scanner: { name: "trivy" } });
    expect(failure.reason).toMatch(/FATAL/);
    expect(await queues.count(queues.scan)).toBe(0);
  });

  it("a registry that does not answer while Trivy pulls (503) is posted as registry-unavailable, which the gate retries", async () => {
    await fresh();
    const id = scanId();
    await queues.dispatch("team/app", image.manifestDigest, id);
    // The request (and its pull token) exists; only the pull meets the outage.
    await local.admin("PUT", "/faults", [{ method: "GET", pathPrefix: "/v2/team/app/", status: 503, times: 1_000 }]);
    try {
      const run = await work();
      expect(run.handled).toEqual(["failure-reported"]);
    } finally {
      await local.admin("PUT", "/faults", []);
    }
    const { failure } = failureOf(gate.forScan(id)[0]!.body);
    expect(failure.code).toBe("registry-unavailable");
    expect(failure.reason).toMatch(/registry or network failure.*UNKNOWN: injected fault \(503\)/s);
    expect(await queues.count(queues.scan)).toBe(0);
  });

  it("a registry that refuses the pull (401) is a definitive scanner-exit, not a retry", async () => {
    await fresh();
    const id = scanId();
    await queues.dispatch("team/app", image.manifestDigest, id);
    await local.admin("PUT", "/faults", [{ method: "GET", pathPrefix: "/v2/team/app/", status: 401, times: 1_000 }]);
    try {
      expect((await work()).handled).toEqual(["failure-reported"]);
    } finally {
      await local.admin("PUT", "/faults", []);
    }
    const { failure } = failureOf(gate.forScan(id)[0]!.body);
    expect(failure.code).toBe("scanner-exit");
  });

  it("a scan that hangs past the timeout is stopped and posted as scanner-timeout", async () => {
    await fresh();
    const id = scanId();
    await queues.dispatch("team/hang-app", image.manifestDigest, id);
    const run = await work({ scanTimeoutSeconds: 2 });
    expect(run.handled).toEqual(["failure-reported"]);
    const { failure } = failureOf(gate.forScan(id)[0]!.body);
    expect(failure.code).toBe("scanner-timeout");
    expect(failure.reason).toMatch(/longer than the scan timeout of 2 s/);
    expect(await queues.count(queues.scan)).toBe(0);
  });

  it("exit 0 with output that is not a JSON report is a failure (scanner-bad-output), not 'no findings'", async () => {
    await fresh();
    const id = scanId();
    await queues.dispatch("team/app", image.manifestDigest, id);
    process.env.TRIVY_STANDIN_MODE = "garbage";
    const run = await work();
    expect(run.handled).toEqual(["failure-reported"]);
    expect(failureOf(gate.forScan(id)[0]!.body).failure.code).toBe("scanner-bad-output");
  });

  it("a report larger than the request's maxReportBytes is not sent: report-too-large", async () => {
    await fresh();
    const id = scanId();
    await queues.dispatch("team/app", image.manifestDigest, id);
    // Rewrite the request as a gate with a tiny report limit would have written it.
    const { receivedMessageItems } = await queues.scan.receiveMessages();
    const item = receivedMessageItems[0]!;
    const message = decodeQueueMessage(item.messageText) as ScanRequestMessage;
    await queues.scan.deleteMessage(item.messageId, item.popReceipt);
    await queues.scan.sendMessage(encodeQueueMessage({ ...message, maxReportBytes: 200 }));
    const run = await work();
    expect(run.handled).toEqual(["failure-reported"]);
    expect(gate.forScan(id)).toHaveLength(1);
    expect(failureOf(gate.forScan(id)[0]!.body).failure.code).toBe("report-too-large");
  });

  it("a request handed out more often than the maximum goes to the poison queue, tokens redacted, and the scan fails", async () => {
    await fresh();
    const id = scanId();
    await queues.dispatch("team/app", image.manifestDigest, id);
    await receiveBriefly();
    await receiveBriefly();
    const run = await work({ maxDequeueCount: 2 });
    expect(run.handled).toEqual(["poisoned"]);
    const posts = gate.forScan(id);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.contentType).toBe(SCAN_FAILURE_MEDIA_TYPE);
    expect(failureOf(posts[0]!.body).failure).toMatchObject({ code: "poison", dequeueCount: 3 });
    const [record] = await poisonRecords();
    expect(record).toMatchObject({
      type: POISON_RECORD_TYPE,
      reason: "dequeue-count",
      scanId: id,
      dequeueCount: 3,
      callback: "accepted (202)",
    });
    const request = record!.request as ScanRequestMessage;
    expect(request.callback.token).toBe("[redacted]");
    expect(request.registry?.authorization).toBe("[redacted]");
    expect(await queues.count(queues.scan)).toBe(0);
  });

  it("a callback that refuses (403) is not asked again: the request goes to the poison queue", async () => {
    await fresh();
    const id = scanId();
    await queues.dispatch("team/app", image.manifestDigest, id);
    gate.script(id, [403]);
    const run = await work();
    expect(run.handled).toEqual(["poisoned"]);
    expect(gate.forScan(id).map((p) => p.status)).toEqual([403]);
    const [record] = await poisonRecords();
    expect(record).toMatchObject({ reason: "callback-refused", scanId: id });
    expect(record!.detail).toMatch(/403/);
    expect(await queues.count(queues.scan)).toBe(0);
  });

  it("a callback that is unavailable (503 after retries) keeps the request; it comes back and is reported once", async () => {
    await fresh();
    const id = scanId();
    await queues.dispatch("team/app", image.manifestDigest, id);
    gate.script(id, [503, 503, 503]);
    const first = await work({ visibilityTimeoutSeconds: 2 });
    expect(first).toEqual({ handled: ["retry-later"], exitCode: 1 });
    expect(gate.forScan(id).map((p) => p.status)).toEqual([503, 503, 503]);
    expect(await queues.count(queues.scan)).toBe(1);
    // Invisible until its visibility runs out: a second worker now finds nothing.
    expect(await work()).toEqual({ handled: [], exitCode: 0 });
    await sleep(2_500);
    const second = await work();
    expect(second).toEqual({ handled: ["reported"], exitCode: 0 });
    expect(gate.forScan(id).filter((p) => p.status === 202)).toHaveLength(1);
    expect(await queues.count(queues.scan)).toBe(0);
  });

  it("a 409 means the scan already has its report: the request is deleted, nothing else happens", async () => {
    await fresh();
    const id = scanId();
    await queues.dispatch("team/app", image.manifestDigest, id);
    gate.script(id, [409]);
    const run = await work();
    expect(run.handled).toEqual(["already-reported"]);
    expect(await queues.count(queues.scan)).toBe(0);
    expect(await queues.count(queues.poison)).toBe(0);
  });

  it("two workers with the same request: one report is accepted, the other gets 409 and deletes its copy", async () => {
    await fresh();
    const id = scanId();
    await queues.dispatch("team/app", image.manifestDigest, id);
    const [original] = await queues.peek(queues.scan);
    await queues.scan.sendMessage(encodeQueueMessage(original as ScanRequestMessage));
    const runs = await Promise.all([work(), work()]);
    expect(runs.flatMap((r) => r.handled).sort()).toEqual(["already-reported", "reported"]);
    expect(
      gate
        .forScan(id)
        .map((p) => p.status)
        .sort(),
    ).toEqual([202, 409]);
    expect(await queues.count(queues.scan)).toBe(0);
  });

  it("a message that is not a scan request goes to the poison queue as a hash, and nothing is posted", async () => {
    await fresh();
    await queues.scan.sendMessage(Buffer.from('{"hello":"world","token":"s3cret"}').toString("base64"));
    const before = gate.received.length;
    const run = await work();
    expect(run.handled).toEqual(["poisoned"]);
    expect(gate.received.length).toBe(before);
    const [record] = await poisonRecords();
    expect(record).toMatchObject({ reason: "malformed" });
    expect(record!.request).toBeUndefined();
    expect(record!.original.sha256).toMatch(/^[a-f0-9]{64}$/);
    expect(JSON.stringify(record)).not.toContain("s3cret");
  });

  it("a callback URL that is not https does not get the token: poisoned, nothing posted", async () => {
    await fresh();
    const id = scanId();
    await queues.dispatch("team/app", image.manifestDigest, id);
    const { receivedMessageItems } = await queues.scan.receiveMessages();
    const item = receivedMessageItems[0]!;
    const message = decodeQueueMessage(item.messageText) as ScanRequestMessage;
    await queues.scan.deleteMessage(item.messageId, item.popReceipt);
    const unsafe = { ...message, callback: { ...message.callback, url: `http://gate.example.net/api/scans/${id}` } };
    await queues.scan.sendMessage(encodeQueueMessage(unsafe));
    const run = await work();
    expect(run.handled).toEqual(["poisoned"]);
    expect(gate.forScan(id)).toHaveLength(0);
    expect((await poisonRecords())[0]).toMatchObject({ reason: "unsafe-callback" });
  });

  it("a pull token meant for another registry is never handed to Trivy: unsafe-request failure", async () => {
    await fresh();
    const id = scanId();
    await queues.dispatch("team/app", image.manifestDigest, id);
    const { receivedMessageItems } = await queues.scan.receiveMessages();
    const item = receivedMessageItems[0]!;
    const message = decodeQueueMessage(item.messageText) as ScanRequestMessage;
    await queues.scan.deleteMessage(item.messageId, item.popReceipt);
    await queues.scan.sendMessage(
      encodeQueueMessage({ ...message, registry: { ...message.registry!, url: "https://elsewhere.example.net" } }),
    );
    const run = await work();
    expect(run.handled).toEqual(["failure-reported"]);
    const { failure } = failureOf(gate.forScan(id)[0]!.body);
    expect(failure.code).toBe("unsafe-request");
    expect(failure.reason).not.toContain(message.registry!.authorization.slice(7));
  });

  it("a request without a pull token fails at once (no-registry-credentials): the worker has no access of its own", async () => {
    await fresh();
    const id = scanId();
    await queues.dispatch("team/app", image.manifestDigest, id);
    const { receivedMessageItems } = await queues.scan.receiveMessages();
    const item = receivedMessageItems[0]!;
    const { registry: _dropped, ...message } = decodeQueueMessage(item.messageText) as ScanRequestMessage;
    await queues.scan.deleteMessage(item.messageId, item.popReceipt);
    await queues.scan.sendMessage(encodeQueueMessage(message));
    const run = await work();
    expect(run.handled).toEqual(["failure-reported"]);
    expect(failureOf(gate.forScan(id)[0]!.body).failure.code).toBe("no-registry-credentials");
  });

  it("in job mode an empty queue ends the execution at once; maxMessages bounds one execution", async () => {
    await fresh();
    expect(await work()).toEqual({ handled: [], exitCode: 0 });
    const ids = [scanId(), scanId(), scanId()];
    for (const id of ids) await queues.dispatch("team/app", image.manifestDigest, id);
    expect((await work({ maxMessages: 2 })).handled).toEqual(["reported", "reported"]);
    expect(await queues.count(queues.scan)).toBe(1);
    expect((await work({ maxMessages: 5 })).handled).toEqual(["reported"]);
  });
});
