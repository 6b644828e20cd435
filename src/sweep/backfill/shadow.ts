import type { DurableClient, DurableOrchestrationStatus } from "durable-functions";
import { pipelineInstanceId, type ImageKey } from "../../pipeline/image-key.js";
import { pipelineInput } from "../../pipeline/input.js";
import { PIPELINE_ORCHESTRATOR } from "../../pipeline/orchestrator.js";
import { findInstance } from "../../pipeline/start.js";
import type { PipelineInput } from "../../pipeline/types.js";

/**
 * Backfill evaluations are the gate's own pipeline in shadow mode, under instance ids of their own
 * (`bf-{backfillId}-{hash}`), so they never take the id an enforcing pipeline needs once quarantine is on.
 */
export function backfillInstanceId(backfillId: string, image: ImageKey): string {
  return `bf-${backfillId}-${pipelineInstanceId(image).slice(3)}`;
}

export function backfillPrefix(backfillId: string): string {
  return `bf-${backfillId}-`;
}

/**
 * Shadow mode never writes to ACR. An approval deadline of 1 ms with "stay-quarantined" makes a verdict that needs a
 * person end at once as left-quarantined (with its verdict) instead of waiting days in the approvers' queue.
 */
export function shadowInput(image: ImageKey, tag: string | undefined): PipelineInput {
  const { statusUrl: _statusUrl, ...input } = pipelineInput(image, "sweep", tag);
  return { ...input, mode: "shadow", approvalDeadlineMs: 1, onApprovalTimeout: "stay-quarantined" };
}

export interface ShadowEvaluations {
  /** Starts the evaluation unless one exists for this backfill; true when it started one. */
  start(backfillId: string, image: ImageKey, tag: string | undefined): Promise<boolean>;
  /** Every evaluation of the backfill (created since `since`). */
  list(backfillId: string, since: Date): Promise<DurableOrchestrationStatus[]>;
}

export class DurableShadowEvaluations implements ShadowEvaluations {
  constructor(private readonly client: DurableClient) {}

  async start(backfillId: string, image: ImageKey, tag: string | undefined): Promise<boolean> {
    const instanceId = backfillInstanceId(backfillId, image);
    if (await findInstance(this.client, instanceId)) return false;
    try {
      await this.client.startNew(PIPELINE_ORCHESTRATOR, { instanceId, input: shadowInput(image, tag) });
      return true;
    } catch (error) {
      // A concurrent run started it between the lookup and the start.
      if (await findInstance(this.client, instanceId)) return false;
      throw error;
    }
  }

  async list(backfillId: string, since: Date): Promise<DurableOrchestrationStatus[]> {
    const prefix = backfillPrefix(backfillId);
    const all = await this.client.getStatusBy({ createdTimeFrom: since });
    return all.filter((s) => s.instanceId.startsWith(prefix));
  }
}
