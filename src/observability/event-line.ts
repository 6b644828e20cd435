import { oneLine, redactSecrets } from "./redact.js";

/**
 * The gate's event lines: one log line per event, `[quarantine-gate] ` followed by one JSON object. This form exists
 * because structured properties do not survive the Node.js worker: `context.log(...args)` is `util.format`ted into
 * one message string (@azure/functions src/InvocationModel.ts `#log`: `this.#coreCtx.log(level, logCategory,
 * format(...args))`), the worker forwards it as an RpcLog with invocation id, category, level and message only
 * (azure-functions-nodejs-worker src/eventHandlers/InvocationHandler.ts `CoreInvocationContext.log`; RpcLog's
 * `properties`/`propertiesMap` are never set), and the host writes that message as the `message` of an Application
 * Insights trace, adding only its own customDimensions (Category `Function.<name>.User`, LogLevel, InvocationId,
 * ProcessId; azure-functions-host GrpcWorkerChannel.Log, azure-webjobs-sdk ApplicationInsightsLogger and
 * WebJobsTelemetryInitializer). The maintainers say so too: "I don't think it's possible to add custom properties
 * through `context.log`" (Azure/azure-functions-nodejs-library#227). So the properties travel inside the message,
 * and KQL reads them with `parse_json(substring(message, 18))` (docs/operations.md).
 *
 * The form is versioned (`v`); fields are only ever added. Every string is redacted and bounded before it is written.
 */
export const EVENT_PREFIX = "[quarantine-gate] ";
export const EVENT_VERSION = 1;

/** What produced the event. */
export type EventKind = "activity" | "orchestration" | "http" | "timer";

/**
 * activity, timer: started → succeeded | failed. orchestration: started → stage … → completed | failed.
 * http: one line per request, succeeded (2xx/3xx) | rejected (4xx) | failed (5xx or thrown).
 */
export type EventOutcome = "started" | "stage" | "succeeded" | "completed" | "rejected" | "failed";

export interface ErrorFacts {
  name: string;
  /** GateError's stable code, when the error is one. */
  code?: string;
  /** What the other side said (ACR, Harbor, storage), when the error carries it. */
  upstreamCode?: string;
  /** Redacted and cut to 300 characters. */
  message: string;
}

export interface GateEvent {
  kind: EventKind;
  /** The function: its registered name (activity, orchestration, trigger). */
  fn: string;
  outcome: EventOutcome;
  /** A pipeline stage (inspecting, scanning, awaiting-approval, releasing, recording, done, …) or a trigger's role. */
  stage?: string;
  instanceId?: string;
  /** `loginServer/repository@digest`. */
  image?: string;
  /** A short result: the registry state, the scan state, the pipeline's result, a verdict decision. */
  result?: string;
  /** Number of findings in a judged report (counts only, never the findings). */
  findings?: number;
  /** The deadline the stage waits against (scan or approval), ISO 8601. */
  deadline?: string;
  /** HTTP status of a trigger's answer. */
  status?: number;
  durationMs?: number;
  error?: ErrorFacts;
}

const MAX_FIELD = 300;

/** `[quarantine-gate] {"v":1,...}`: one line, fields in a fixed order, absent fields left out. */
export function eventLine(event: GateEvent): string {
  const ordered = {
    v: EVENT_VERSION,
    kind: event.kind,
    fn: event.fn,
    outcome: event.outcome,
    stage: event.stage,
    instanceId: event.instanceId,
    image: event.image,
    result: event.result,
    findings: event.findings,
    deadline: event.deadline,
    status: event.status,
    durationMs: event.durationMs === undefined ? undefined : Math.round(event.durationMs),
    error: event.error,
  };
  return (
    EVENT_PREFIX + JSON.stringify(ordered, (_key, value: unknown) => (typeof value === "string" ? clean(value) : value))
  );
}

/** Reads an event line back (tests, tools); undefined for any other line. */
export function parseEventLine(line: string): (GateEvent & { v: number }) | undefined {
  if (!line.startsWith(EVENT_PREFIX)) return undefined;
  try {
    const value = JSON.parse(line.slice(EVENT_PREFIX.length)) as unknown;
    if (typeof value !== "object" || value === null || typeof (value as { v?: unknown }).v !== "number")
      return undefined;
    return value as GateEvent & { v: number };
  } catch {
    return undefined;
  }
}

function clean(value: string): string {
  return oneLine(redactSecrets(value), MAX_FIELD);
}
