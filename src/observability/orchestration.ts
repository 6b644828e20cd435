import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import { imageReference, type ImageKey } from "../pipeline/contract/image.js";
import { emitEvent } from "./emit.js";
import { errorFacts } from "./error-facts.js";
import type { GateEvent } from "./event-line.js";

/** The stage of an orchestration that publishes no custom status of its own. */
const STAGE_OF: Record<string, string> = {
  breakGlassRelease: "break-glass",
  notifyEvent: "notification",
  notifyDelivery: "notification",
};

type Emit = (event: Omit<GateEvent, "kind" | "fn" | "instanceId" | "image">) => void;

/**
 * Wraps an orchestration so that it writes event lines through its context: `started`, one `stage` line each time
 * its custom status enters a new stage (with the scan or approval deadline it waits against), and `completed` with
 * the outcome's result or `failed` with the error.
 *
 * Orchestrations are replayed from history, so a line is written only while `context.df.isReplaying` is false, which
 * makes each line appear once per real step: "certain types of application logging may become too noisy when
 * duplicated as part of orchestrator function replay … issue the log statements when this value is false"
 * (durable-functions types/orchestration.d.ts, `isReplaying`; the same guidance for .NET in
 * IDurableOrchestrationContext.IsReplaying on learn.microsoft.com). Logging reads the context and the input only; it
 * decides nothing, so the orchestration stays deterministic.
 */
export function observeOrchestration(name: string, handler: OrchestrationHandler): OrchestrationHandler {
  return function* (context: OrchestrationContext) {
    const base = {
      kind: "orchestration" as const,
      fn: name,
      instanceId: context.df.instanceId,
      image: imageOf(context),
    };
    const emit: Emit = (event) => {
      if (!context.df.isReplaying) emitEvent(context, { ...base, ...event });
    };
    const stage = followStages(context, emit);
    emit({ outcome: "started", stage: STAGE_OF[name] });
    try {
      const output: unknown = yield* handler(context);
      emit({ outcome: "completed", stage: STAGE_OF[name] ?? stage() ?? "done", result: field(output, "result") });
      return output;
    } catch (error) {
      emit({ outcome: "failed", stage: stage() ?? STAGE_OF[name], error: errorFacts(error) });
      throw error;
    }
  };
}

/**
 * Follows the custom status the orchestration publishes (PipelineStatus: `stage`, `scanDeadline`,
 * `approvalDeadline`) and writes a `stage` line for each new stage but `done` (the `completed` line says that). The
 * stage is tracked during replay too, so an episode does not write again a stage that an earlier one wrote.
 * Returns the current stage.
 */
function followStages(context: OrchestrationContext, emit: Emit): () => string | undefined {
  const df = context.df;
  const publish = df.setCustomStatus.bind(df);
  let current: string | undefined;
  df.setCustomStatus = (status: unknown): void => {
    publish(status);
    const stage = field(status, "stage");
    if (stage === undefined || stage === current) return;
    current = stage;
    if (stage === "done") return;
    const deadline =
      stage === "awaiting-approval"
        ? field(status, "approvalDeadline")
        : stage === "scanning"
          ? field(status, "scanDeadline")
          : undefined;
    emit({ outcome: "stage", stage, deadline });
  };
  return () => current;
}

/** The image of a pipeline (PipelineInput.image), a break-glass release (.pipeline.image) or a notification delivery. */
function imageOf(context: OrchestrationContext): string | undefined {
  try {
    const input = context.df.getInput<
      { image?: ImageKey; pipeline?: { image?: ImageKey }; request?: { image?: ImageKey } } | undefined
    >();
    // A notification delivery (NotifyDeliveryInput) names its image in the request; sweep.completed names none.
    const image = input?.image ?? input?.pipeline?.image ?? input?.request?.image;
    return image?.digest ? imageReference(image) : undefined;
  } catch {
    return undefined;
  }
}

function field(value: unknown, key: string): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const found = (value as Record<string, unknown>)[key];
  return typeof found === "string" ? found : undefined;
}
