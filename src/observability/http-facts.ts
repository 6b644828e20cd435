import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { pipelineOfScan } from "../pipeline/contract/ids.js";
import { imageReference, parseImageReference } from "../pipeline/contract/image.js";
import type { GateEvent } from "./event-line.js";

/** Ids the gate hands out: pipelines (qp-), break-glass releases (bg-) and backfill evaluations (bf-). */
const INSTANCE_ID = /^(?:qp|bg|bf)-[0-9A-Za-z-]{1,160}$/;

/**
 * The instance and image a request was about, and a short result, read from what the trigger already has in hand:
 * the route (`approvals/{instanceId}`, `scans/{scanId}`), the query (`images/status?image=`) and the answer's JSON
 * body (`instanceId`, `image`, the `statusUrl` whose `image` parameter names it; `decision`, or `failed`, of a scan
 * report; `kind` of an approval; `started` of a webhook). Never the request body, never a header: the webhook's key,
 * the approver's token and the scanner's callback token travel there.
 */
export function httpFacts(
  request: HttpRequest,
  response: HttpResponseInit | undefined,
): Pick<GateEvent, "instanceId" | "image" | "result"> {
  const body = response?.jsonBody as Record<string, unknown> | undefined;
  const instanceId =
    instanceIdOf(body?.instanceId) ?? instanceIdOf(request.params.instanceId) ?? scanInstance(request.params.scanId);
  const image =
    imageOf(body?.image) ?? imageOf(request.query.get("image")) ?? imageOf(statusLinkImage(body?.statusUrl));
  return { instanceId, image, result: resultOf(body) };
}

function resultOf(body: Record<string, unknown> | undefined): string | undefined {
  if (typeof body?.decision === "string") return body.decision;
  if (body?.failed === true) return "scan-failed";
  if (typeof body?.kind === "string") return body.kind;
  if (typeof body?.started === "boolean") return body.started ? "started" : `already-${String(body.runtimeStatus)}`;
  return undefined;
}

function instanceIdOf(value: unknown): string | undefined {
  return typeof value === "string" && INSTANCE_ID.test(value) ? value : undefined;
}

function scanInstance(scanId: string | undefined): string | undefined {
  return scanId ? pipelineOfScan(scanId) : undefined;
}

/** A well-formed image reference, normalised as the gate names images; undefined for anything else. */
function imageOf(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const key = parseImageReference(value);
  return key ? imageReference(key) : undefined;
}

function statusLinkImage(statusUrl: unknown): string | undefined {
  if (typeof statusUrl !== "string") return undefined;
  try {
    return new URL(statusUrl).searchParams.get("image") ?? undefined;
  } catch {
    return undefined;
  }
}
