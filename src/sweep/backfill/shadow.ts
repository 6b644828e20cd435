import type { DurableClient, DurableOrchestrationStatus } from "durable-functions";
import {
  ORCHESTRATION,
  backfillInstanceId,
  backfillInstancePrefix,
  type ImageKey,
  type PipelineInput,
} from "../../pipeline/contract/index.js";
import { pipelineInput, type PipelineSettings } from "../../pipeline/input.js";
import { findInstance } from "../../pipeline/instances.js";

/**
 * Backfill evaluations are the gate's own pipeline in shadow mode, under instance ids of their own
 * (`bf-{backfillId}-{hash}`, see the contract), so they never take the id an enforcing pipeline needs once quarantine
 * is on.
 *
 * Shadow mode never writes to ACR. An approval deadline of 1 ms with "stay-quarantined" makes a verdict that needs a
 * person end at once as left-quarantined (with its verdict) instead of waiting days in the approvers' queue.
 */
export function shadowInput(settings: PipelineSettings, image: ImageKey, tag: string | undefined): PipelineInput {
  const { statusUrl: _statusUrl, ...input } = pipelineInput(settings, image, "sweep", tag);
  return { ...input, mode: "shadow", approvalDeadlineMs: 1, onApprovalTimeout: "stay-quarantined" };
}

export interface ShadowEvaluations {
  /** Starts the evaluation unless one exists for this backfill; true when it started one. */
  start(backfillId: string, image: ImageKey, tag: string | undefined): Promise<boolean>;
  /** Every evaluation of the backfill (created since `since`). */
  list(backfillId: string, since: Date): Promise<DurableOrchestrationStatus[]>;
}

export class DurableShadowEvaluations implements ShadowEvaluations {
  constructor(
    private readonly client: DurableClient,
    private readonly settings: PipelineSettings,
  ) {}

  async start(backfillId: string, image: ImageKey, tag: string | undefined): Promise<boolean> {
    const instanceId = backfillInstanceId(backfillId, image);
    if (await findInstance(this.client, instanceId)) return false;
    try {
      await this.client.startNew(ORCHESTRATION.quarantinePipeline, {
        instanceId,
        input: shadowInput(this.settings, image, tag),
      });
      return true;
    } catch (error) {
      // A concurrent run started it between the lookup and the start.
      if (await findInstance(this.client, instanceId)) return false;
      throw error;
    }
  }

  async list(backfillId: string, since: Date): Promise<DurableOrchestrationStatus[]> {
    const prefix = backfillInstancePrefix(backfillId);
    const all = await this.client.getStatusBy({ createdTimeFrom: since });
    return all.filter((s) => s.instanceId.startsWith(prefix));
  }
}
