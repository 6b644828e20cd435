import type { DurableClient, DurableOrchestrationStatus } from "durable-functions";
import { ORCHESTRATION, isLive, isRestartable, pipelineInstanceId, type PipelineInput } from "./contract/index.js";

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
 * Starts the pipeline for an image unless one exists that is not restartable (pending, running or completed for that
 * digest); a failed, terminated or canceled one is started afresh. Concurrent duplicates race on the instance id and
 * the host refuses all but one.
 */
export async function startPipeline(client: DurableClient, input: PipelineInput): Promise<StartResult> {
  const instanceId = pipelineInstanceId(input.image);
  const existing = await findInstance(client, instanceId);
  if (existing && !isRestartable(existing.runtimeStatus)) {
    return { instanceId, started: false, runtimeStatus: String(existing.runtimeStatus) };
  }
  try {
    await client.startNew(ORCHESTRATION.quarantinePipeline, { instanceId, input });
    return { instanceId, started: true, runtimeStatus: "Pending" };
  } catch (error) {
    // Another delivery of the same webhook won the race between our status check and this start.
    const now = await findInstance(client, instanceId);
    if (now && !isRestartable(now.runtimeStatus))
      return { instanceId, started: false, runtimeStatus: String(now.runtimeStatus) };
    throw error;
  }
}

/** Ends an instance; one that ended meanwhile (404/410) needs no ending, anything else is a real failure. */
export async function terminateInstance(client: DurableClient, instanceId: string, reason: string): Promise<void> {
  try {
    await client.terminate(instanceId, reason);
  } catch (error) {
    if (!/\b(404|410)\b|not found|gone/i.test(String((error as Error).message))) throw error;
  }
}

/** Ends the instance if it is live; true when it was. */
export async function terminateIfLive(client: DurableClient, instanceId: string, reason: string): Promise<boolean> {
  const existing = await findInstance(client, instanceId);
  if (!existing || !isLive(existing.runtimeStatus)) return false;
  await terminateInstance(client, instanceId, reason);
  return true;
}
