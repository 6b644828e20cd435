import { createHash } from "node:crypto";
import { decodeQueueMessage } from "../src/scanning/queue/message.js";

export const POISON_RECORD_TYPE = "acr-quarantine-gate.scan-request-poisoned";

/** Why a request went to the poison queue. */
export type PoisonReason = "dequeue-count" | "malformed" | "unsafe-callback" | "callback-refused";

/**
 * What the poison queue keeps about a request the worker gave up on: enough to find the scan and see why, never a
 * secret. The request's callback token and pull token are replaced by "[redacted]" (a poison queue is read by people
 * and tools that must not be able to post a verdict or pull a quarantined image); an undecodable message is kept
 * only as its size and SHA-256, since it may hold anything.
 */
export interface PoisonRecord {
  type: typeof POISON_RECORD_TYPE;
  version: 1;
  reason: PoisonReason;
  detail: string;
  messageId: string;
  dequeueCount: number;
  poisonedAt: string;
  scanId?: string;
  /** Whether the scan's callback was told (a "poison" failure), and what it answered. */
  callback?: string;
  request?: unknown;
  original: { bytes: number; sha256: string };
}

const REDACTED = "[redacted]";

function redact(decoded: unknown): unknown {
  if (typeof decoded !== "object" || decoded === null || Array.isArray(decoded)) return undefined;
  const copy = structuredClone(decoded) as Record<string, unknown>;
  const callback = copy.callback as Record<string, unknown> | undefined;
  if (callback && typeof callback === "object" && "token" in callback) callback.token = REDACTED;
  const registry = copy.registry as Record<string, unknown> | undefined;
  if (registry && typeof registry === "object" && "authorization" in registry) registry.authorization = REDACTED;
  return copy;
}

export function poisonRecord(input: {
  reason: PoisonReason;
  detail: string;
  messageId: string;
  dequeueCount: number;
  messageText: string;
  now: Date;
  callback?: string;
  /** Only for a request that passed the worker's checks: anything else may carry secrets in fields nobody redacts. */
  includeRequest: boolean;
}): PoisonRecord {
  let request: unknown;
  try {
    request = input.includeRequest ? redact(decodeQueueMessage(input.messageText)) : undefined;
  } catch {
    request = undefined;
  }
  const scanId = (request as { scanId?: unknown } | undefined)?.scanId;
  return {
    type: POISON_RECORD_TYPE,
    version: 1,
    reason: input.reason,
    detail: input.detail.slice(0, 2000),
    messageId: input.messageId,
    dequeueCount: input.dequeueCount,
    poisonedAt: input.now.toISOString(),
    ...(typeof scanId === "string" ? { scanId } : {}),
    ...(input.callback ? { callback: input.callback } : {}),
    ...(request === undefined ? {} : { request }),
    original: {
      bytes: Buffer.byteLength(input.messageText, "utf8"),
      sha256: createHash("sha256").update(input.messageText, "utf8").digest("hex"),
    },
  };
}

/** Azure Storage queue messages hold at most 64 KiB (the same limit as MAX_QUEUE_MESSAGE_BYTES of the scan queue). */
const MAX_POISON_MESSAGE_BYTES = 64 * 1024;

/**
 * Base64 JSON, the encoding of the scan queue itself (encodeQueueMessage), so the same tools read both. A record too
 * large for a queue message keeps everything but the request copy.
 */
export function encodePoisonRecord(record: PoisonRecord): string {
  const encode = (r: PoisonRecord) => Buffer.from(JSON.stringify(r), "utf8").toString("base64");
  const full = encode(record);
  if (full.length <= MAX_POISON_MESSAGE_BYTES) return full;
  const { request: _dropped, ...rest } = record;
  return encode(rest);
}
