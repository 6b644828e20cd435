import type { RegisteredFunction } from "../../app/registry.js";
import type { Invoker } from "../../invoke/invoker.js";
import type { OrchestratorStatePayload } from "./actions.js";
import type { EpisodeResult } from "./episode.js";
import type { HistoryEvent } from "./history.js";

/** What the Durable extension tells the engine about timers; this host keeps timers on the wall clock, so any length is "short". */
const MAXIMUM_SHORT_TIMER_DURATION = "3650.00:00:00";
const LONG_RUNNING_TIMER_INTERVAL = "3.00:00:00";
const OUT_OF_PROC_DATA = "$OutOfProcData$:";

export interface OrchestratorTrigger {
  instanceId: string;
  parentInstanceId?: string;
  input: string | undefined;
  history: HistoryEvent[];
}

/** The orchestration trigger's data as the Durable extension sends it (replay schema V3). */
export function orchestratorTriggerPayload(trigger: OrchestratorTrigger): Record<string, unknown> {
  return {
    history: trigger.history,
    input: trigger.input === undefined ? undefined : parseJsonOrText(trigger.input),
    instanceId: trigger.instanceId,
    parentInstanceId: trigger.parentInstanceId,
    isReplaying: trigger.history.some((e) => e.IsPlayed),
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 2,
    maximumShortTimerDuration: MAXIMUM_SHORT_TIMER_DURATION,
    longRunningTimerIntervalDuration: LONG_RUNNING_TIMER_INTERVAL,
    defaultHttpAsyncRequestSleepTimeMillseconds: 30_000,
  };
}

/**
 * Runs one episode of an orchestrator through the app's own registration (the durable-functions replay engine),
 * with a fresh invocation context per episode.
 */
export async function runOrchestratorEpisode(
  invoker: Invoker,
  fn: RegisteredFunction,
  trigger: OrchestratorTrigger,
): Promise<EpisodeResult> {
  const outcome = await invoker.invoke({
    fn,
    trigger: { string: JSON.stringify(orchestratorTriggerPayload(trigger)) },
    reason: `(Orchestration instance ${trigger.instanceId})`,
  });
  if (!outcome.ok) return fromFailure(outcome.error);
  return fromReturnValue(outcome.response.returnValue?.json ?? outcome.response.returnValue?.string ?? undefined);
}

/** The orchestrator's return value: the OrchestratorState as JSON. */
export function fromReturnValue(json: string | undefined): EpisodeResult {
  const state = parseState(json);
  if (state) return { kind: "state", state };
  return {
    kind: "failed",
    message: "The orchestrator returned no orchestration state (is it registered with df.app.orchestration?).",
  };
}

/** A failing orchestrator throws an error whose message ends with `$OutOfProcData$:` and the state JSON. */
export function fromFailure(error: Error): EpisodeResult {
  const at = error.message.indexOf(OUT_OF_PROC_DATA);
  if (at < 0) return { kind: "failed", message: error.message };
  // durable-functions 3.x builds this error from a boolean, so the text before the label is "true"/"false"; the
  // orchestrator's own error message is the state's `error`.
  const prefix = error.message.slice(0, at).trimEnd();
  const state = parseState(error.message.slice(at + OUT_OF_PROC_DATA.length));
  const message = state?.error ?? prefix;
  const failureDetails = (state?.failureDetails ?? undefined) as
    { ErrorType?: string; ErrorMessage?: string; StackTrace?: string } | undefined;
  return {
    kind: "failed",
    message: message || "Orchestrator failed",
    state,
    failureDetails: failureDetails?.ErrorType
      ? {
          ErrorType: failureDetails.ErrorType,
          ErrorMessage: failureDetails.ErrorMessage ?? message,
          StackTrace: failureDetails.StackTrace,
        }
      : undefined,
  };
}

function parseState(text: string | null | undefined): OrchestratorStatePayload | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as OrchestratorStatePayload;
    return typeof parsed === "object" && parsed !== null && Array.isArray(parsed.actions) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Stored values are JSON text; the extension falls back to the raw text when it is not JSON. */
export function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
