import type { InvocationContext } from "@azure/functions";
import type { ActivityPayloads } from "../pipeline/contract/activities.js";
import { ACTIVITY_FACTS, boundInstanceId, safely } from "./activity-facts.js";
import { emitEvent } from "./emit.js";
import { errorFacts } from "./error-facts.js";

type Name = keyof ActivityPayloads;

/**
 * Wraps an activity's handler so that every run writes two event lines through its invocation context: `started`
 * (instance, image, stage) and `succeeded` with a short result or `failed` with the error, both with the duration.
 * The handler's result and errors pass through untouched. Logging never breaks the activity: a payload whose facts
 * cannot be read is logged without them.
 */
export function observeActivity<N extends Name>(
  name: N,
  handler: (input: ActivityPayloads[N]["input"], context: InvocationContext) => Promise<ActivityPayloads[N]["output"]>,
): (input: unknown, context: InvocationContext) => Promise<ActivityPayloads[N]["output"]> {
  const facts = ACTIVITY_FACTS[name];
  return async (input, context) => {
    const typed = input as ActivityPayloads[N]["input"];
    const fromInput = safely(() => facts.input(typed));
    const base = {
      kind: "activity" as const,
      fn: name,
      stage: facts.stage,
      ...fromInput,
      instanceId: boundInstanceId(context.triggerMetadata) ?? fromInput.instanceId,
    };
    emitEvent(context, { ...base, outcome: "started" });
    const started = performance.now();
    try {
      const output = await handler(typed, context);
      emitEvent(context, {
        ...base,
        ...safely(() => facts.output(output)),
        outcome: "succeeded",
        durationMs: performance.now() - started,
      });
      return output;
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
