import type { ImageKey } from "../pipeline/contract/index.js";
import type { StartResult } from "../pipeline/instances.js";

/** What the sweep needs to know about an image's pipeline instance. */
export interface PipelineView {
  instanceId: string;
  runtimeStatus: string;
  /** When the instance was created (ISO 8601), if the host says. */
  createdTime: string | undefined;
  /** The custom status' stage and its time (src/pipeline/types.ts PipelineStatus). */
  stage: string | undefined;
  updatedAt: string | undefined;
  /** The outcome's result once completed (Passed, would-pass, left-quarantined, …). */
  outcome: string | undefined;
}

/** What starting a pipeline did: the same answer the webhook gives. */
export type StartOutcome = StartResult;

/** The gate's pipelines as the sweep sees them: look one up, start one (idempotently), end one. */
export interface PipelineDirectory {
  find(image: ImageKey): Promise<PipelineView | undefined>;
  start(image: ImageKey, tag: string | undefined): Promise<StartOutcome>;
  terminate(instanceId: string, reason: string): Promise<void>;
}
