import {
  imageReference,
  type ImageKey,
  type PipelineInput,
  type PipelineMode,
  type PipelineSource,
} from "./contract/index.js";

/** The settings a pipeline is started with (from the composition root): fixed for the life of the instance. */
export interface PipelineSettings {
  mode: PipelineMode;
  scanDeadlineMs: number;
  approvalDeadlineMs: number;
  onApprovalTimeout: PipelineInput["onApprovalTimeout"];
  /** STATUS_BASE_URL, for the status link in quarantineDetails; undefined when not set. */
  statusBaseUrl: string | undefined;
}

/** The pipeline's input: the image, where it came from, and the settings of the moment. */
export function pipelineInput(
  settings: PipelineSettings,
  image: ImageKey,
  source: PipelineSource,
  tag?: string,
): PipelineInput {
  return {
    image,
    ...(tag ? { tag } : {}),
    source,
    mode: settings.mode,
    scanDeadlineMs: settings.scanDeadlineMs,
    approvalDeadlineMs: settings.approvalDeadlineMs,
    onApprovalTimeout: settings.onApprovalTimeout,
    ...(settings.statusBaseUrl ? { statusUrl: statusLink(settings.statusBaseUrl, image) } : {}),
  };
}

/** The imageStatus link of an image: what quarantineDetails and webhook answers point people to. */
export function statusLink(baseUrl: string, image: ImageKey): string {
  return `${baseUrl.replace(/\/$/, "")}/images/status?image=${encodeURIComponent(imageReference(image))}`;
}
