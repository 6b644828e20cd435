import type { DurableClient } from "durable-functions";
import type { AuditLog, AuditRecord } from "../audit/audit-log.js";
import { imageReference, pipelineInstanceId, type ImageKey } from "./image-key.js";
import { findInstance } from "./start.js";
import type { PipelineOutcome, PipelineStatus } from "./types.js";

const REFERENCE =
  /^([a-z0-9.-]+(?::\d+)?)\/([a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*)@(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export function parseImageReference(reference: string): ImageKey | undefined {
  const m = REFERENCE.exec(reference.trim().toLowerCase());
  return m ? { loginServer: m[1]!, repository: m[2]!, digest: m[3]! } : undefined;
}

export interface ImageStatusView {
  image: string;
  known: boolean;
  instanceId: string;
  runtimeStatus?: string;
  stage?: PipelineStatus["stage"];
  verdict?: PipelineStatus["verdict"];
  decision?: PipelineStatus["decision"];
  outcome?: PipelineOutcome;
  scanDeadline?: string;
  approvalDeadline?: string;
  error?: string;
  createdTime?: string;
  lastUpdatedTime?: string;
  timeline: AuditRecord[];
}

export async function imageStatus(client: DurableClient, audit: AuditLog, image: ImageKey): Promise<ImageStatusView> {
  const instanceId = pipelineInstanceId(image);
  const [status, timeline] = await Promise.all([
    findInstance(client, instanceId),
    audit.history(imageReference(image)),
  ]);
  const custom = status?.customStatus as PipelineStatus | undefined;
  return {
    image: imageReference(image),
    known: Boolean(status) || timeline.length > 0,
    instanceId,
    runtimeStatus: status ? String(status.runtimeStatus) : undefined,
    stage: custom?.stage,
    verdict: custom?.verdict,
    decision: custom?.decision,
    outcome: status?.output as PipelineOutcome | undefined,
    scanDeadline: custom?.scanDeadline,
    approvalDeadline: custom?.approvalDeadline,
    error: custom?.error,
    createdTime: status?.createdTime?.toString(),
    lastUpdatedTime: status?.lastUpdatedTime?.toString(),
    timeline,
  };
}
