import type { DurableClient } from "durable-functions";
import type { AuditLog, AuditRecord } from "../audit/audit-log.js";
import {
  imageReference,
  pipelineInstanceId,
  type ImageKey,
  type PipelineOutcome,
  type PipelineStatus,
} from "./contract/index.js";
import { findInstance } from "./instances.js";

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

export async function imageStatus(
  client: DurableClient,
  audit: Pick<AuditLog, "history">,
  image: ImageKey,
): Promise<ImageStatusView> {
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
