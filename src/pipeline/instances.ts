import type { DurableClient, DurableOrchestrationStatus } from "durable-functions";
import { pipelineInstanceId } from "./image-key.js";
import { PIPELINE_ORCHESTRATOR } from "./orchestrator.js";
import type { PipelineInput } from "./types.js";

/** Statuses in which a pipeline for the digest already exists and must not be started again. */
const LIVE_OR_DONE = new Set(["Pending", "Running", "Completed", "ContinuedAsNew", "Suspended"]);

export interface StartResult {
  instanceId: string;
  started: boolean;
  runtimeStatus: string;
}

/** The status of an instance, or undefined when there is none (the client throws on 404). */
export async function findInstance(
  client: DurableClient,
  instanceId: string,
): Promise<DurableOrchestrationStatus | undefined> {
  try {
    return await client.getStatus(instanceId, { showInput: false });
  } catch (error) {
    if (/404|not found/i.test(String((error as Error).message))) return undefined;
    throw error;
  }
}

/**
 * Starts the pipeline for an image unless one is pending, running or completed for that digest; a failed or
 * terminated one is started afresh. Concurrent duplicates race on the instance id and the host refuses all but one.
 */
export async function startPipeline(client: DurableClient, input: PipelineInput): Promise<StartResult> {
  const instanceId = pipelineInstanceId(input.image);
  const existing = await findInstance(client, instanceId);
  if (existing && LIVE_OR_DONE.has(String(existing.runtimeStatus))) {
    return { instanceId, started: false, runtimeStatus: String(existing.runtimeStatus) };
  }
  try {
    await client.startNew(PIPELINE_ORCHESTRATOR, { instanceId, input });
    return { instanceId, started: true, runtimeStatus: "Pending" };
  } catch (error) {
    // Another delivery of the same webhook won the race between our status check and this start.
    const now = await findInstance(client, instanceId);
    if (now && LIVE_OR_DONE.has(String(now.runtimeStatus)))
      return { instanceId, started: false, runtimeStatus: String(now.runtimeStatus) };
    throw error;
  }
}
