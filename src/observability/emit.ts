import type { InvocationContext } from "@azure/functions";
import { eventLine, type GateEvent } from "./event-line.js";

/** The part of the invocation context an event is written through (the host's logger for this invocation). */
export type EventLog = Pick<InvocationContext, "info" | "warn" | "error">;

/**
 * Writes one event line through the invocation context, at a level that matches the outcome: a failure is an error
 * (warning for activities, which the orchestration retries), a refused request a warning, the rest information.
 * The level reaches Application Insights as severityLevel and customDimensions.LogLevel.
 */
export function emitEvent(log: EventLog, event: GateEvent): void {
  const line = eventLine(event);
  if (event.outcome === "failed") {
    if (event.kind === "activity") log.warn(line);
    else log.error(line);
  } else if (event.outcome === "rejected") log.warn(line);
  else log.info(line);
}
