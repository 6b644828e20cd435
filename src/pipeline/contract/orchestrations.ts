import { observeOrchestration } from "../../observability/orchestration.js";
import * as df from "durable-functions";
import type { DurableClient, OrchestrationHandler } from "durable-functions";
import type { OrchestrationName } from "./names.js";
import type { NotifyDeliveryInput, NotifyEventInput } from "./notify.js";
import type { BreakGlassInput, PipelineInput } from "./payloads.js";
import { isRestartable } from "./runtime-status.js";

/** What each orchestration takes as input. */
export interface OrchestrationInputs {
  quarantinePipeline: PipelineInput;
  breakGlassRelease: BreakGlassInput;
  notifyEvent: NotifyEventInput;
  notifyDelivery: NotifyDeliveryInput;
}

/** Registers an orchestration under its contract name; it logs its start, stages and outcome (src/observability). */
export function registerOrchestration(name: OrchestrationName, handler: OrchestrationHandler): void {
  df.app.orchestration(name, observeOrchestration(name, handler));
}

export interface StartOnceResult {
  instanceId: string;
  /** False when an instance with this id already exists and is not restartable: nothing new was started. */
  started: boolean;
  runtimeStatus: string;
}

/** The status of an instance, or undefined when there is none (the client throws on 404). */
async function statusOf(client: DurableClient, instanceId: string): Promise<string | undefined> {
  try {
    return String((await client.getStatus(instanceId, { showInput: false })).runtimeStatus);
  } catch (error) {
    if (/404|not found/i.test(String((error as Error).message))) return undefined;
    throw error;
  }
}

/**
 * Starts an orchestration under an id derived from what it is for (so the same request always names the same
 * instance), once: an instance with that id that is live or completed is left alone and reported; a failed,
 * terminated or canceled one (restartable) is started afresh. Concurrent starts race on the id and the host refuses
 * all but one; the loser reports the winner. This is the singleton pattern of Microsoft Learn ("Singleton
 * orchestrators in Durable Functions": look the id up, start only when there is none or it stopped), except that a
 * Completed instance is not started again: it did its work. The check is needed either way: by default the extension
 * replaces an instance in a terminal state on a new start and throws OrchestrationAlreadyExistsException for one that
 * is not (OverridableExistingInstanceStates = NonRunningStates; azure-functions-durable-extension release notes,
 * v1.16.0-worker-extension), and the devhost does the same (409 while running, replaced when finished).
 */
export async function startOrchestrationOnce<N extends OrchestrationName>(
  client: DurableClient,
  name: N,
  instanceId: string,
  input: OrchestrationInputs[N],
): Promise<StartOnceResult> {
  const existing = await statusOf(client, instanceId);
  if (existing !== undefined && !isRestartable(existing))
    return { instanceId, started: false, runtimeStatus: existing };
  try {
    await client.startNew(name, { instanceId, input });
    return { instanceId, started: true, runtimeStatus: "Pending" };
  } catch (error) {
    const now = await statusOf(client, instanceId);
    if (now !== undefined && !isRestartable(now)) return { instanceId, started: false, runtimeStatus: now };
    throw error;
  }
}

/**
 * Starts an event's notification delivery (notifyEvent) once under its instance id; true when this call started it.
 * The notify activity and the sweep hand their events off with it (src/notify Notifier.handOff's StartDelivery).
 */
export function notifyEventStarter(
  client: DurableClient,
): (instanceId: string, input: NotifyEventInput) => Promise<boolean> {
  return async (instanceId, input) => (await startOrchestrationOnce(client, "notifyEvent", instanceId, input)).started;
}
