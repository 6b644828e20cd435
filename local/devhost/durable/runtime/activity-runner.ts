import type { RpcTypedData } from "../../app/core-types.js";
import type { FunctionRegistry } from "../../app/registry.js";
import type { Invoker } from "../../invoke/invoker.js";
import type { FailureDetailsPayload } from "../replay/history.js";

export type ActivityResult =
  { ok: true; result: string } | { ok: false; reason: string; details: string; failureDetails?: FailureDetailsPayload };

/**
 * Runs one activity invocation (the caller bounds concurrency) and turns its outcome into what the extension records:
 * the return value as JSON text, or the failure's reason and details.
 */
export async function runActivity(
  invoker: Invoker,
  registry: FunctionRegistry,
  name: string,
  input: string | undefined,
  instanceId: string,
): Promise<ActivityResult> {
  const fn = registry.get(name);
  if (!fn || fn.kind !== "activity") {
    const reason = `The function '${name}' doesn't exist, is disabled, or is not an activity function.`;
    return { ok: false, reason, details: reason };
  }
  const outcome = await invoker.invoke({
    fn,
    trigger: input === undefined ? {} : { json: input },
    // The Durable extension binds the orchestration's instance id into an activity's trigger metadata, and the host
    // passes it to the worker as `instanceId` (what src/observability reads from context.triggerMetadata).
    triggerMetadata: { instanceId: { string: instanceId } },
    reason: `(Orchestration instance ${instanceId})`,
  });
  if (outcome.ok) return { ok: true, result: returnValueAsJson(outcome.response.returnValue) };
  const error = outcome.error;
  return {
    ok: false,
    reason: `Activity function '${fn.name}' failed: ${error.message}`,
    details: error.stack ?? error.message,
    failureDetails: failureDetailsFrom(error.message),
  };
}

export function returnValueAsJson(value: RpcTypedData | null | undefined): string {
  if (!value) return "null";
  if (typeof value.json === "string") return value.json;
  if (typeof value.string === "string") return JSON.stringify(value.string);
  if (typeof value.int === "number") return String(value.int);
  if (typeof value.double === "number") return String(value.double);
  if (value.bytes) return JSON.stringify(Buffer.from(value.bytes).toString("base64"));
  return "null";
}

/**
 * With an exception-properties provider registered, durable-functions replaces an activity error's message by a
 * failure-details JSON document; the extension turns that into FailureDetails so the orchestrator gets a TaskFailedError.
 */
function failureDetailsFrom(message: string): FailureDetailsPayload | undefined {
  if (!message.startsWith("{")) return undefined;
  try {
    const parsed = JSON.parse(message) as {
      errorType?: unknown;
      errorMessage?: unknown;
      stackTrace?: unknown;
      isNonRetriable?: unknown;
      properties?: unknown;
    };
    if (typeof parsed.errorType !== "string" || typeof parsed.errorMessage !== "string") return undefined;
    return {
      ErrorType: parsed.errorType,
      ErrorMessage: parsed.errorMessage,
      StackTrace: typeof parsed.stackTrace === "string" ? parsed.stackTrace : undefined,
      IsNonRetriable: parsed.isNonRetriable === true,
      Properties:
        typeof parsed.properties === "object" && parsed.properties !== null
          ? (parsed.properties as Record<string, unknown>)
          : undefined,
    };
  } catch {
    return undefined;
  }
}
