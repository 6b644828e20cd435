import type { ImageToScan } from "../pull-token.js";

export const SCAN_REQUEST_TYPE = "acr-quarantine-gate.scan-request";

/**
 * The message an external scanner (Defender, Anchore, a team's own Trivy job) reads from the scan queue. It scans
 * `image`, pulling it from `registry.url` with `registry.authorization` when given, and POSTs its report (Trivy JSON,
 * SARIF 2.1.0 or a Harbor vulnerability report, at most `maxReportBytes`) to `callback.url` with the header
 * `Authorization: Bearer <callback.token>`.
 */
export interface ScanRequestMessage {
  type: typeof SCAN_REQUEST_TYPE;
  version: 1;
  scanId: string;
  image: ImageToScan;
  /** Absent when the gate is configured not to hand out pull tokens (the scanner then uses its own registry access). */
  registry?: { url: string; authorization: string };
  callback: { url: string; token: string };
  acceptedFormats: ["trivy-json", "sarif", "harbor"];
  maxReportBytes: number;
  requestedAt: string;
}

/** JSON Schema of the message, for scanner authors and for the tests that read messages back. */
export const scanRequestMessageSchema = {
  type: "object",
  additionalProperties: false,
  required: ["type", "version", "scanId", "image", "callback", "acceptedFormats", "maxReportBytes", "requestedAt"],
  properties: {
    type: { const: SCAN_REQUEST_TYPE },
    version: { const: 1 },
    scanId: { type: "string", minLength: 1 },
    image: {
      type: "object",
      additionalProperties: false,
      required: ["loginServer", "repository", "digest"],
      properties: {
        loginServer: { type: "string" },
        repository: { type: "string" },
        digest: { type: "string" },
        tag: { type: "string" },
        mediaType: { type: "string" },
      },
    },
    registry: {
      type: "object",
      additionalProperties: false,
      required: ["url", "authorization"],
      properties: { url: { type: "string" }, authorization: { type: "string" } },
    },
    callback: {
      type: "object",
      additionalProperties: false,
      required: ["url", "token"],
      properties: { url: { type: "string" }, token: { type: "string" } },
    },
    acceptedFormats: { type: "array", items: { enum: ["trivy-json", "sarif", "harbor"] } },
    maxReportBytes: { type: "integer", minimum: 1 },
    requestedAt: { type: "string" },
  },
} as const;

/** Azure Storage queue messages are at most 64 KiB; base64 (what Functions queue triggers expect) costs a third. */
export const MAX_QUEUE_MESSAGE_BYTES = 64 * 1024;

export function encodeQueueMessage(message: ScanRequestMessage): string {
  const encoded = Buffer.from(JSON.stringify(message), "utf8").toString("base64");
  if (encoded.length > MAX_QUEUE_MESSAGE_BYTES) {
    throw new RangeError(
      `the scan request message is ${encoded.length} bytes encoded, more than a queue message may hold`,
    );
  }
  return encoded;
}

/** Reads a message back (base64 JSON, or plain JSON as some tools post it); the caller validates the shape. */
export function decodeQueueMessage(text: string): unknown {
  const trimmed = text.trim();
  const json = trimmed.startsWith("{") ? trimmed : Buffer.from(trimmed, "base64").toString("utf8");
  return JSON.parse(json) as unknown;
}
