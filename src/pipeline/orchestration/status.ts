import type { OrchestrationContext } from "durable-functions";
import { imageReference, type PipelineInput, type PipelineStatus, type Stage } from "../contract/index.js";

/** Publishes a stage (and what changed with it) as the custom status, stamped with the orchestration's own clock. */
export type Publish = (stage: Stage, change?: Partial<PipelineStatus>) => void;

/** The pipeline's custom status, kept whole so each stage adds to what the earlier ones said. */
export function statusPublisher(context: OrchestrationContext, input: PipelineInput): Publish {
  const status: PipelineStatus = {
    stage: "inspecting",
    image: imageReference(input.image),
    mode: input.mode,
    updatedAt: context.df.currentUtcDateTime.toISOString(),
  };
  return (stage, change = {}) => {
    Object.assign(status, change, { stage, updatedAt: context.df.currentUtcDateTime.toISOString() });
    context.df.setCustomStatus(status);
  };
}
