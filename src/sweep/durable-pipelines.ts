import type { DurableClient, DurableOrchestrationStatus } from "durable-functions";
import { findInstance, startPipeline, terminateInstance } from "../pipeline/instances.js";
import { pipelineInput, type PipelineSettings } from "../pipeline/input.js";
import {
  pipelineInstanceId,
  type ImageKey,
  type PipelineOutcome,
  type PipelineStatus,
} from "../pipeline/contract/index.js";
import type { StartClaims } from "../pipeline/webhook/start-claims.js";
import type { PipelineDirectory, PipelineView, StartOutcome } from "./pipeline-view.js";

function isoTime(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The durable status of a pipeline instance as the sweep's plain view. */
export function pipelineView(status: DurableOrchestrationStatus): PipelineView {
  const custom = status.customStatus as Partial<PipelineStatus> | undefined;
  const output = status.output as Partial<PipelineOutcome> | undefined;
  return {
    instanceId: status.instanceId,
    runtimeStatus: String(status.runtimeStatus),
    createdTime: isoTime(status.createdTime),
    stage: typeof custom?.stage === "string" ? custom.stage : undefined,
    updatedAt: typeof custom?.updatedAt === "string" ? custom.updatedAt : undefined,
    outcome: typeof output?.result === "string" ? output.result : undefined,
  };
}

/**
 * Pipelines through the Durable client: the same instance ids and idempotent start as the webhook handler, and the
 * same start claims, so a webhook delivery after the sweep started a pipeline finds the claim taken and reads the
 * status instead of starting the instance again.
 */
export class DurablePipelineDirectory implements PipelineDirectory {
  constructor(
    private readonly client: DurableClient,
    private readonly settings: PipelineSettings,
    private readonly claims: { claims: StartClaims; clock: () => Date },
  ) {}

  async find(image: ImageKey): Promise<PipelineView | undefined> {
    const status = await findInstance(this.client, pipelineInstanceId(image));
    return status ? pipelineView(status) : undefined;
  }

  start(image: ImageKey, tag: string | undefined): Promise<StartOutcome> {
    return startPipeline(this.client, pipelineInput(this.settings, image, "sweep", tag), {
      claims: this.claims.claims,
      now: this.claims.clock(),
    });
  }

  terminate(instanceId: string, reason: string): Promise<void> {
    return terminateInstance(this.client, instanceId, reason);
  }
}
