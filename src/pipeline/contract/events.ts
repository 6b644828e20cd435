import type { DurableClient, OrchestrationContext, Task } from "durable-functions";
import type { ApprovalDecision, ScanReportEvent } from "./payloads.js";

/** The payload each external event carries. */
export interface EventPayloads {
  ApprovalDecision: ApprovalDecision;
  ScanReport: ScanReportEvent;
}

type Name = keyof EventPayloads;

/** Raises an event on a waiting pipeline; the payload is checked against the event's type. */
export function raiseEvent<N extends Name>(
  client: DurableClient,
  instanceId: string,
  name: N,
  payload: EventPayloads[N],
): Promise<void> {
  return client.raiseEvent(instanceId, name, payload);
}

/** Waits for an event by its contract name; the task's result is EventPayloads[name]. */
export function waitForEvent(context: OrchestrationContext, name: Name): Task {
  return context.df.waitForExternalEvent(name);
}
