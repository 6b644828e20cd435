import { GateError } from "../errors/gate-error.js";

/**
 * The pipeline's errors. None of them names an HTTP status: src/http/errors.ts maps codes to answers in one place.
 */

/** The scanner is down, refuses, reports a failed scan, or missed the scan deadline: no verdict, the image stays. */
export class ScanFailedError extends GateError {
  static override readonly code = "ERR_SCAN_FAILED";
  override readonly code = "ERR_SCAN_FAILED";
}

/** The registry did not take the decision after every retry: the image stays quarantined. */
export class DecisionNotWrittenError extends GateError {
  static override readonly code = "ERR_DECISION_NOT_WRITTEN";
  override readonly code = "ERR_DECISION_NOT_WRITTEN";
}

/** Nothing was scanned (an index without manifests): an image without a verdict cannot pass. */
export class NoVerdictError extends GateError {
  static override readonly code = "ERR_NO_VERDICT";
  override readonly code = "ERR_NO_VERDICT";
}

/** The scan step was asked for a scanner kind the settings do not configure (SCANNER_KIND). */
export class ScannerNotConfiguredError extends GateError {
  static override readonly code = "ERR_SCANNER_NOT_CONFIGURED";
  override readonly code = "ERR_SCANNER_NOT_CONFIGURED";
}

/**
 * The findings rows of a judged report could not be stored (FindingsStore.save: the image page's table). The verdict
 * is not handed on without them, so no approver decides on an image whose findings the page cannot show: the Harbor
 * poll answers "unavailable" (the orchestrator polls again inside the scan deadline), the external scanner's callback
 * answers 503 before the scan is claimed (the scanner posts again). `upstreamCode` is the storage error's code.
 */
export class FindingsNotSavedError extends GateError {
  static override readonly code = "ERR_FINDINGS_NOT_SAVED";
  override readonly code = "ERR_FINDINGS_NOT_SAVED";
}

// ---- people's decisions

/** No pipeline has this instance id. */
export class PipelineNotFoundError extends GateError {
  static override readonly code = "ERR_PIPELINE_NOT_FOUND";
  override readonly code = "ERR_PIPELINE_NOT_FOUND";
}

/** The pipeline exists but is not waiting for a person, and no break-glass applies. */
export class NotAwaitingApprovalError extends GateError {
  static override readonly code = "ERR_NOT_AWAITING_APPROVAL";
  override readonly code = "ERR_NOT_AWAITING_APPROVAL";
}

/** Approving over a failing verdict (break-glass) needs a justification of at least 10 characters. */
export class JustificationRequiredError extends GateError {
  static override readonly code = "ERR_JUSTIFICATION_REQUIRED";
  override readonly code = "ERR_JUSTIFICATION_REQUIRED";
}

/** A break-glass request's `expiresIn` is not a positive ISO 8601 duration (or is asked for on another decision). */
export class BreakGlassExpiryInvalidError extends GateError {
  static override readonly code = "ERR_BREAK_GLASS_EXPIRY_INVALID";
  override readonly code = "ERR_BREAK_GLASS_EXPIRY_INVALID";
  constructor(
    message: string,
    /** The longest expiry the policy allows (ISO 8601), for the answer. */
    readonly maxExpiry?: string,
  ) {
    super(message);
  }
}

/** A break-glass request asked for an expiry longer than the policy's remediation.breakGlassExpiryHours. */
export class BreakGlassExpiryTooLongError extends GateError {
  static override readonly code = "ERR_BREAK_GLASS_EXPIRY_TOO_LONG";
  override readonly code = "ERR_BREAK_GLASS_EXPIRY_TOO_LONG";
  constructor(
    message: string,
    readonly maxExpiry: string,
  ) {
    super(message);
  }
}

// ---- external scanners' callbacks

/** The scan id is not one the gate handed out. */
export class UnknownScanError extends GateError {
  static override readonly code = "ERR_SCAN_UNKNOWN";
  override readonly code = "ERR_SCAN_UNKNOWN";
}

/** The scan is not waiting for a report (already reported, timed out, or its pipeline ended). */
export class ScanNotAwaitingReportError extends GateError {
  static override readonly code = "ERR_SCAN_NOT_AWAITING_REPORT";
  override readonly code = "ERR_SCAN_NOT_AWAITING_REPORT";
}

/** A second report for a scan whose report was already accepted. */
export class ScanAlreadyReportedError extends GateError {
  static override readonly code = "ERR_SCAN_ALREADY_REPORTED";
  override readonly code = "ERR_SCAN_ALREADY_REPORTED";
}

/** The per-scan callback token is missing or wrong. */
export class CallbackTokenRejectedError extends GateError {
  static override readonly code = "ERR_CALLBACK_TOKEN_REJECTED";
  override readonly code = "ERR_CALLBACK_TOKEN_REJECTED";
}

// ---- webhooks

/** The webhook body is not an ACR event; `problems` says what is wrong with it. */
export class WebhookPayloadError extends GateError {
  static override readonly code = "ERR_WEBHOOK_PAYLOAD";
  override readonly code = "ERR_WEBHOOK_PAYLOAD";

  constructor(readonly problems: string[]) {
    super(`invalid ACR webhook payload: ${problems.join("; ")}`);
  }
}

/** The event names no registry, or one this app does not gate (GATE_REGISTRIES). */
export class RegistryNotGatedError extends GateError {
  static override readonly code = "ERR_REGISTRY_NOT_GATED";
  override readonly code = "ERR_REGISTRY_NOT_GATED";
}
