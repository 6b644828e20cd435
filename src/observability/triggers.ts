import type {
  HttpHandler,
  HttpRequest,
  HttpResponseInit,
  InvocationContext,
  Timer,
  TimerHandler,
} from "@azure/functions";
import { emitEvent } from "./emit.js";
import { errorFacts } from "./error-facts.js";
import type { EventOutcome } from "./event-line.js";
import { httpFacts } from "./http-facts.js";

/**
 * Wraps an HTTP trigger's handler: after each request, one event line through the invocation context with the
 * trigger's role (`stage`), the instance and image the request was about (http-facts.ts), the answer's status and
 * the duration; a thrown error is logged (redacted) and rethrown, so the host still answers 500 and records it.
 * Adopted where the trigger registers: `handler: observeHttp("webhook", acrEvents)`.
 */
export function observeHttp(
  stage: string,
  handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>,
): HttpHandler {
  return async (request, context) => {
    const started = performance.now();
    try {
      const response = await handler(request, context);
      const status = response.status ?? 200;
      emitEvent(context, {
        kind: "http",
        fn: context.functionName,
        outcome: outcomeOf(status),
        stage,
        ...httpFacts(request, response),
        status,
        durationMs: performance.now() - started,
      });
      return response;
    } catch (error) {
      emitEvent(context, {
        kind: "http",
        fn: context.functionName,
        outcome: "failed",
        stage,
        ...httpFacts(request, undefined),
        status: 500,
        durationMs: performance.now() - started,
        error: errorFacts(error),
      });
      throw error;
    }
  };
}

/** Wraps a timer trigger's handler: `started`, then `succeeded` or `failed` (rethrown), with the duration. */
export function observeTimer(
  stage: string,
  handler: (timer: Timer, context: InvocationContext) => Promise<void>,
): TimerHandler {
  return async (timer, context) => {
    const base = { kind: "timer" as const, fn: context.functionName, stage };
    emitEvent(context, { ...base, outcome: "started", result: timer.isPastDue ? "past-due" : undefined });
    const started = performance.now();
    try {
      await handler(timer, context);
      emitEvent(context, { ...base, outcome: "succeeded", durationMs: performance.now() - started });
    } catch (error) {
      emitEvent(context, {
        ...base,
        outcome: "failed",
        durationMs: performance.now() - started,
        error: errorFacts(error),
      });
      throw error;
    }
  };
}

function outcomeOf(status: number): EventOutcome {
  if (status >= 500) return "failed";
  if (status >= 400) return "rejected";
  return "succeeded";
}
