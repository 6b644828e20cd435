import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import {
  acceptCallbackReport,
  callbackTokenMatches,
  decodeQueueMessage,
  encodeQueueMessage,
  issueCallbackToken,
  QueueScanDispatcher,
  scanRequestMessageSchema,
  type ScanRequestMessage,
} from "../../../src/scanning/queue/index.js";
import { fixtureText } from "./fixtures.js";

const validateMessage = new Ajv({ strict: true }).compile<ScanRequestMessage>(scanRequestMessageSchema);
const IMAGE = {
  loginServer: "myacr.azurecr.io",
  repository: "team-a/app",
  digest: "sha256:" + "e".repeat(64),
  tag: "1.0",
};
const NOW = new Date("2025-03-01T12:00:00Z");

function memoryQueue(): { sendMessage(text: string): Promise<void>; messages: string[] } {
  const messages: string[] = [];
  return { messages, sendMessage: async (text) => void messages.push(text) };
}

describe("callback tokens", () => {
  it("a fresh token matches its hash and nothing else", () => {
    const first = issueCallbackToken();
    const second = issueCallbackToken();
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.hash).toMatch(/^[a-f0-9]{64}$/);
    expect(first.token).not.toBe(second.token);
    expect(callbackTokenMatches(first.token, first.hash)).toBe(true);
    expect(callbackTokenMatches(second.token, first.hash)).toBe(false);
    expect(callbackTokenMatches(first.hash, first.hash)).toBe(false);
  });

  it.each([undefined, null, "", "x".repeat(300)])("refuses %j", (presented) => {
    expect(callbackTokenMatches(presented, issueCallbackToken().hash)).toBe(false);
  });

  it("a malformed stored hash matches nothing", () => {
    const { token } = issueCallbackToken();
    expect(callbackTokenMatches(token, "not-a-hash")).toBe(false);
  });
});

describe("queue scan dispatch", () => {
  it("puts one base64 message on the queue that validates against the published schema", async () => {
    const queue = memoryQueue();
    const dispatcher = new QueueScanDispatcher({
      queue,
      pullTokens: { pullToken: async (server, repository) => `pull:${server}/${repository}` },
      callbackBaseUrl: "https://gate.example/api/scan-reports",
    });
    const dispatched = await dispatcher.dispatch(IMAGE, "scan-42", NOW);
    expect(queue.messages).toHaveLength(1);
    expect(queue.messages[0]).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const message = decodeQueueMessage(queue.messages[0] ?? "");
    expect(validateMessage(message), JSON.stringify(validateMessage.errors)).toBe(true);
    expect(message).toMatchObject({
      scanId: "scan-42",
      image: IMAGE,
      registry: { url: "https://myacr.azurecr.io", authorization: "Bearer pull:myacr.azurecr.io/team-a/app" },
      callback: { url: "https://gate.example/api/scan-reports/scan-42" },
      maxReportBytes: 8 * 1024 * 1024,
      requestedAt: "2025-03-01T12:00:00.000Z",
    });
    const token = (message as ScanRequestMessage).callback.token;
    expect(callbackTokenMatches(token, dispatched.callbackTokenHash)).toBe(true);
    expect(JSON.stringify(dispatched)).not.toContain(token);
  });

  it("leaves the registry credentials out when no pull tokens are configured", async () => {
    const queue = memoryQueue();
    await new QueueScanDispatcher({ queue, callbackBaseUrl: "https://gate.example/api/scan-reports/" }).dispatch(
      IMAGE,
      "s1",
      NOW,
    );
    const message = decodeQueueMessage(queue.messages[0] ?? "") as Record<string, unknown>;
    expect(message.registry).toBeUndefined();
    expect(validateMessage(message)).toBe(true);
  });

  it("refuses a plain-http callback and an unsafe scan id", async () => {
    expect(() => new QueueScanDispatcher({ queue: memoryQueue(), callbackBaseUrl: "http://gate.example/cb" })).toThrow(
      /https/,
    );
    const dispatcher = new QueueScanDispatcher({ queue: memoryQueue(), callbackBaseUrl: "https://gate.example/cb" });
    await expect(dispatcher.dispatch(IMAGE, "../admin", NOW)).rejects.toThrow(/safe path segment/);
  });

  it("refuses a message too large for a queue", () => {
    const message = {
      type: "acr-quarantine-gate.scan-request",
      version: 1,
      scanId: "s",
      image: { ...IMAGE, tag: "t".repeat(60_000) },
    } as unknown as ScanRequestMessage;
    expect(() => encodeQueueMessage(message)).toThrow(RangeError);
  });

  it("reads back plain JSON messages too", () => {
    expect(decodeQueueMessage(' {"a":1}')).toEqual({ a: 1 });
  });
});

describe("scanner callback", () => {
  const { token, hash } = issueCallbackToken();

  it("accepts a report with the scan's token and normalises it", () => {
    const result = acceptCallbackReport({
      authorization: `Bearer ${token}`,
      expectedTokenHash: hash,
      body: fixtureText("alpine-310.sarif.json"),
    });
    expect(result.accepted && result.outcome.ok ? result.outcome.report.format : "").toBe("sarif");
  });

  it.each([undefined, "", token, `Basic ${token}`, `Bearer ${issueCallbackToken().token}`])(
    "refuses authorization %j without reading the body",
    (authorization) => {
      expect(acceptCallbackReport({ authorization, expectedTokenHash: hash, body: "{" })).toEqual({
        accepted: false,
        reason: "unauthenticated",
      });
    },
  );

  it("an authenticated but unusable report is an outcome the policy fails on", () => {
    const result = acceptCallbackReport({
      authorization: `bearer ${token}`,
      expectedTokenHash: hash,
      body: fixtureText("gomod.json"),
      maxBytes: 100,
    });
    expect(result.accepted && !result.outcome.ok ? result.outcome.error.code : "").toBe("report-too-large");
  });
});
