import { createHash } from "node:crypto";
import { imageReference, type ImageKey } from "./image.js";
import type { ApprovalDecision } from "./payloads.js";

/**
 * The formats of the ids the pipeline hands out. The pipeline's id is derived from the image alone, so every webhook
 * delivery, sweep and retry for the same digest converges on one instance; the others derive from it, so a callback
 * or a status finds its pipeline without a lookup table.
 */

const PIPELINE_ID = /^qp-[0-9a-f]{40}$/;
// A scan belongs to a pipeline or to a backfill evaluation (bf-<pass id>-<hash>, see backfillInstanceId): both may
// scan through the queue, so both must find their instance from the callback's scan id.
const SCAN_ID = /^((?:qp-|bf-[0-9A-Za-z-]{1,64}-)[0-9a-f]{40})\.\d+\.[0-9a-f]{8}$/;

/** The image's hash: the part every id of the image shares (hashed because ids may not hold '/', and to keep them short). */
function imageHash(image: ImageKey): string {
  return createHash("sha256").update(imageReference(image).toLowerCase()).digest("hex").slice(0, 40);
}

/** `qp-` + the first 40 hex of SHA-256 of `loginServer/repository@digest`, lower-cased. */
export function pipelineInstanceId(image: ImageKey): string {
  return `qp-${imageHash(image)}`;
}

export function isPipelineInstanceId(value: unknown): value is string {
  return typeof value === "string" && PIPELINE_ID.test(value);
}

/** What identifies a break-glass request: who asks, and what they say (the reason with its justification). */
export type BreakGlassRequest = Pick<ApprovalDecision, "approver" | "reason">;

/**
 * The request's own id: 16 hex of SHA-256 over the approver's object id and the reason (which carries the
 * justification). The time of the request is not part of it, so sending the same request again names the same
 * release; a different person or a different justification is another request.
 */
export function breakGlassRequestId(request: BreakGlassRequest): string {
  return createHash("sha256")
    .update(JSON.stringify([request.approver.objectId, request.reason]))
    .digest("hex")
    .slice(0, 16);
}

/**
 * `bg-<image hash>-<request id>`: one break-glass release per image and request, never the pipeline's own id, and
 * the same id for the same request however often it is sent, so starting it again finds the release already there
 * (startOrchestrationOnce). Given a Date instead of the request (the form before issue 14, kept only until the
 * approvals function passes the request), `bg-<image hash>-<epoch ms>`: one release per call, not idempotent.
 */
export function breakGlassInstanceId(pipelineInstanceId: string, request: BreakGlassRequest): string {
  return `bg-${pipelineInstanceId.slice(3)}-${breakGlassRequestId(request)}`;
}

/**
 * `bf-<backfillId>-<image hash>`: backfill evaluations get ids of their own, so they never take the id an enforcing
 * pipeline needs once quarantine is on.
 */
export function backfillInstanceId(backfillId: string, image: ImageKey): string {
  return `${backfillInstancePrefix(backfillId)}${imageHash(image)}`;
}

export function backfillInstancePrefix(backfillId: string): string {
  return `bf-${backfillId}-`;
}

/** `<instanceId>.<n>.<8 hex of a durable guid>`: the n-th scan of a pipeline (deterministic under replay). */
export function scanId(instanceId: string, index: number, guid: string): string {
  return `${instanceId}.${index}.${guid.slice(0, 8)}`;
}

/**
 * `rs-<image hash>.<16 hex>`: a re-evaluation's re-scan through the queue (src/reevaluate/queue-rescanner.ts). It
 * belongs to no orchestration: the activity that asked waits for the report in the re-scan inbox, so the callback is
 * routed there by the id's form. `nonce` is 16 hex chosen by the activity (a repeat is another re-scan).
 */
export function rescanId(image: ImageKey, nonce: string): string {
  if (!/^[0-9a-f]{16}$/.test(nonce)) throw new RangeError("a re-scan nonce is 16 lowercase hex digits");
  return `rs-${imageHash(image)}.${nonce}`;
}

export function isRescanId(value: string): boolean {
  return /^rs-[0-9a-f]{40}\.[0-9a-f]{16}$/.test(value);
}

/** The pipeline a scan id belongs to; undefined unless it is a pipeline's scan id. */
export function pipelineOfScan(scanIdText: string): string | undefined {
  return SCAN_ID.exec(scanIdText)?.[1];
}

/** The notifyEvent instance of a notification event: the event id itself, so every hand-off names the same instance. */
export function notifyEventInstanceId(eventId: string): string {
  return eventId;
}

/**
 * The legacy notifyDelivery instance of a notification event and a sink: `<event id>.<sink>` (event ids are `ntf-` + hex,
 * sink names [a-z0-9-]), so every hand-off of the same event to the same sink names the same instance.
 */
export function notifyDeliveryInstanceId(eventId: string, sink: string): string {
  return `${eventId}.${sink}`;
}
