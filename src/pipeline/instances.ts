import type { DurableClient, DurableOrchestrationStatus } from "durable-functions";
import { GateError } from "../errors/gate-error.js";
import { ORCHESTRATION, isLive, isRestartable, pipelineInstanceId, type PipelineInput } from "./contract/index.js";
import type { StartClaims } from "./webhook/start-claims.js";

export interface StartResult {
  instanceId: string;
  started: boolean;
  runtimeStatus: string;
}

/**
 * The Durable host could not do what was asked because its backend (the storage account) is out of reach: the same
 * request may succeed later (the HTTP answer is 503 with Retry-After).
 */
export class DurableBackendUnavailableError extends GateError {
  static override readonly code = "ERR_DURABLE_BACKEND_UNAVAILABLE";
  override readonly code = "ERR_DURABLE_BACKEND_UNAVAILABLE";
}

/**
 * durable-functions' client reports an answer it does not expect as an Error "The operation failed with an unexpected
 * status code: <n>. Details: …" (DurableClient.createGenericError, durable-functions 3.x), and a request it could not
 * send as axios' error with the Node code. A 5xx from the host or no answer at all means the host could not reach
 * its storage (or is not there): unavailable, not a fault of the request.
 */
function unavailableOrSame(error: unknown): unknown {
  const message = String((error as Error)?.message ?? error);
  const code = (error as { code?: unknown })?.code;
  if (/unexpected status code: 5\d\d\b/.test(message) || code === "ECONNREFUSED" || code === "ECONNRESET")
    return new DurableBackendUnavailableError("the durable backend is unavailable; try again later", { cause: error });
  return error;
}

async function durable<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw unavailableOrSame(error);
  }
}

/** The status of an instance, or undefined when there is none (the client throws on 404). */
export async function findInstance(
  client: DurableClient,
  instanceId: string,
): Promise<DurableOrchestrationStatus | undefined> {
  try {
    return await durable(() => client.getStatus(instanceId, { showInput: false }));
  } catch (error) {
    if (/404|not found/i.test(String((error as Error).message))) return undefined;
    throw error;
  }
}

/** The host refused the start because a live instance has the id (devhost: 409; the extension: "already exists"). */
function isAlreadyExists(error: unknown): boolean {
  return /\b409\b|already exists/i.test(String((error as Error)?.message ?? error));
}

/**
 * Starts the pipeline for an image unless one exists that is not restartable (pending, running or completed for that
 * digest); a failed, terminated or canceled one is started afresh.
 *
 * With `claims` (the webhook), the first start ever for the digest claims its id in Table Storage and starts at once,
 * without reading the instance's status first: nothing can exist under an id nobody claimed. A claim already taken
 * (a repeated delivery, a restart) and a start the host refuses because a live instance has the id (a concurrent
 * duplicate) go the careful way: read the status, start only a restartable instance. Concurrent duplicates race on
 * the instance id and the host refuses all but one.
 *
 * The Durable extension replaces a finished instance on a new start and refuses one with a live instance:
 * DurableTaskOptions.OverridableExistingInstanceStates defaults to NonRunningStates ("only start a new orchestrator
 * instance with an existing instance Id when the existing instance is in a terminated, failed, or completed state",
 * Microsoft Learn, OverridableStates enum; the default is stated in the Azure/azure-functions-durable-extension
 * v1.16.0-worker-extension release notes). So a completed pipeline is left alone only because its status is read, and
 * every starter claims (the webhook and the sweep): an id started by one is claimed for the other. A starter without
 * claims reads first.
 */
export async function startPipeline(
  client: DurableClient,
  input: PipelineInput,
  claims?: { claims: StartClaims; now: Date },
): Promise<StartResult> {
  const instanceId = pipelineInstanceId(input.image);
  if (claims && (await claims.claims.claim(instanceId, claims.now))) {
    try {
      await durable(() => client.startNew(ORCHESTRATION.quarantinePipeline, { instanceId, input }));
      return { instanceId, started: true, runtimeStatus: "Pending" };
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }
  const existing = await findInstance(client, instanceId);
  if (existing && !isRestartable(existing.runtimeStatus)) {
    return { instanceId, started: false, runtimeStatus: String(existing.runtimeStatus) };
  }
  try {
    await durable(() => client.startNew(ORCHESTRATION.quarantinePipeline, { instanceId, input }));
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
    await durable(() => client.terminate(instanceId, reason));
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
