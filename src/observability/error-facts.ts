import { isGateError } from "../errors/gate-error.js";
import type { ErrorFacts } from "./event-line.js";

/**
 * What an event line says about an error: its name, the gate's stable code and the upstream code when it has them,
 * and its message (redacted and cut when the line is written). Never the stack, never the cause chain: those can
 * quote request bodies and headers.
 */
export function errorFacts(error: unknown): ErrorFacts {
  if (error instanceof Error) {
    const facts: ErrorFacts = { name: error.name, message: error.message };
    if (isGateError(error)) {
      facts.code = error.code;
      if (error.upstreamCode !== undefined) facts.upstreamCode = error.upstreamCode;
    }
    return facts;
  }
  return { name: typeof error, message: typeof error === "string" ? error : "non-error value thrown" };
}
