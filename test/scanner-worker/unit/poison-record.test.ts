import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodePoisonRecord, poisonRecord, type PoisonRecord } from "../../../scanner-worker/poison-record.js";
import { encodeQueueMessage, SCAN_REQUEST_TYPE, type ScanRequestMessage } from "../../../src/scanning/queue/message.js";

const REQUEST: ScanRequestMessage = {
  type: SCAN_REQUEST_TYPE,
  version: 1,
  scanId: "qp-" + "0".repeat(40) + ".0.abcdef01",
  image: { loginServer: "myacr.azurecr.io", repository: "team/app", digest: "sha256:" + "b".repeat(64) },
  registry: { url: "https://myacr.azurecr.io", authorization: "Bearer pull-token-value" },
  callback: { url: "https://gate.example.net/api/scans/x", token: "callback-token-value" },
  acceptedFormats: ["trivy-json", "sarif", "harbor"],
  maxReportBytes: 8 * 1024 * 1024,
  requestedAt: "2026-12-01T00:00:00.000Z",
};
const decode = (text: string) => JSON.parse(Buffer.from(text, "base64").toString("utf8")) as PoisonRecord;

describe("poison records", () => {
  it("keep the scan and the reason, never a token", () => {
    const text = encodePoisonRecord(
      poisonRecord({
        reason: "dequeue-count",
        detail: "handed out 6 times",
        messageId: "m1",
        dequeueCount: 6,
        messageText: encodeQueueMessage(REQUEST),
        now: new Date("2026-12-02T00:00:00Z"),
        callback: "accepted (202)",
        includeRequest: true,
      }),
    );
    const record = decode(text);
    expect(record).toMatchObject({
      reason: "dequeue-count",
      scanId: REQUEST.scanId,
      dequeueCount: 6,
      callback: "accepted (202)",
    });
    expect((record.request as ScanRequestMessage).image).toEqual(REQUEST.image);
    expect(JSON.stringify(record)).not.toMatch(/pull-token-value|callback-token-value/);
  });

  it("keep a message that failed the checks only as its size and hash", () => {
    const record = poisonRecord({
      reason: "malformed",
      detail: "not a scan request",
      messageId: "m2",
      dequeueCount: 1,
      messageText: '{"password":"hunter2"}',
      now: new Date(),
      includeRequest: false,
    });
    expect(record.request).toBeUndefined();
    expect(record.original).toEqual({
      bytes: 22,
      sha256: createHash("sha256").update('{"password":"hunter2"}').digest("hex"),
    });
    expect(JSON.stringify(record)).not.toContain("hunter2");
  });

  it("fit a queue message: a record too large drops its request copy", () => {
    const huge = { ...REQUEST, image: { ...REQUEST.image, tag: "t".repeat(60_000) } };
    const text = encodePoisonRecord(
      poisonRecord({
        reason: "callback-refused",
        detail: "403",
        messageId: "m3",
        dequeueCount: 1,
        messageText: JSON.stringify(huge),
        now: new Date(),
        includeRequest: true,
      }),
    );
    expect(text.length).toBeLessThanOrEqual(64 * 1024);
    expect(decode(text).request).toBeUndefined();
    expect(decode(text).scanId).toBe(REQUEST.scanId);
  });
});
