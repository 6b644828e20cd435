import { approvalConfig, gateConfig, scannerConfig, statusConfig } from "../config.js";
import { imageReference, type ImageKey } from "./image-key.js";
import type { PipelineInput, PipelineSource } from "./types.js";

/** The pipeline's input from the settings of the moment: mode and deadlines are fixed for the life of the instance. */
export function pipelineInput(image: ImageKey, source: PipelineSource, tag?: string): PipelineInput {
  const status = statusConfig();
  return {
    image,
    ...(tag ? { tag } : {}),
    source,
    mode: gateConfig().mode,
    scanDeadlineMs: scannerConfig().deadline.ms,
    approvalDeadlineMs: approvalConfig().deadline.ms,
    onApprovalTimeout: approvalConfig().onTimeout,
    ...(status.baseUrl ? { statusUrl: statusLink(status.baseUrl, image) } : {}),
  };
}

export function statusLink(baseUrl: string, image: ImageKey): string {
  return `${baseUrl.replace(/\/$/, "")}/images/status?image=${encodeURIComponent(imageReference(image))}`;
}
