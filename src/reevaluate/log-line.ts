import { EVENT_PREFIX } from "../observability/event-line.js";
import { oneLine, redactSecrets } from "../observability/redact.js";

/**
 * A re-evaluation event line in the gate's form (`[quarantine-gate] ` + JSON, docs/operations.md), kind `reevaluation`:
 * redacted and on one line like every event line.
 */
export function reevaluationLine(fields: Record<string, unknown>): string {
  return EVENT_PREFIX + oneLine(redactSecrets(JSON.stringify({ v: 1, kind: "reevaluation", ...fields })), 4_000);
}
