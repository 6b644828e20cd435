/**
 * Logs an operator can query: every trigger, activity and orchestration writes event lines through its Functions
 * invocation context, one line per event, `[quarantine-gate] {json}` (event-line.ts says why this form and what
 * reaches Application Insights; docs/operations.md has the KQL). Secrets never reach a line: only ids, names,
 * states and counts are logged, and error messages are redacted (redact.ts).
 */
export { observeActivity } from "./activity.js";
export { observeOrchestration } from "./orchestration.js";
export { observeHttp, observeTimer } from "./triggers.js";
export {
  EVENT_PREFIX,
  EVENT_VERSION,
  eventLine,
  parseEventLine,
  type ErrorFacts,
  type EventKind,
  type EventOutcome,
  type GateEvent,
} from "./event-line.js";
export { oneLine, redactSecrets } from "./redact.js";
