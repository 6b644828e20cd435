import type { HttpResponseInit } from "@azure/functions";
import { APPROVER_FORBIDDEN, APPROVER_UNAUTHENTICATED } from "../auth/errors.js";
import { ConfigError } from "../config.js";
import { isGateError } from "../errors/gate-error.js";
import {
  BreakGlassExpiryInvalidError,
  BreakGlassExpiryTooLongError,
  CallbackTokenRejectedError,
  FindingsNotSavedError,
  JustificationRequiredError,
  NotAwaitingApprovalError,
  PipelineNotFoundError,
  RegistryNotGatedError,
  ScanAlreadyReportedError,
  ScanNotAwaitingReportError,
  UnknownScanError,
  WebhookPayloadError,
} from "../pipeline/errors.js";
import { UnknownRegistryError } from "../sweep/run.js";
import { DecisionNotCountedError } from "../pipeline/approval-ledger-errors.js";
import { DurableBackendUnavailableError } from "../pipeline/instances.js";
import { problem } from "./json.js";
import { VexSourceError } from "../scanning/vex/errors.js";
import { STORAGE_RETRY_AFTER_SECONDS, isStorageUnavailable } from "./storage-unavailable.js";

/**
 * The one mapping from the gate's errors to HTTP answers, by their stable code. An error that is not here is not the
 * caller's to see: it is rethrown, and the host answers 500 and logs it.
 */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  [WebhookPayloadError.code]: 400,
  [UnknownRegistryError.code]: 400,
  [BreakGlassExpiryInvalidError.code]: 400,
  [BreakGlassExpiryTooLongError.code]: 400,
  [CallbackTokenRejectedError.code]: 401,
  [APPROVER_UNAUTHENTICATED]: 401,
  [APPROVER_FORBIDDEN]: 403,
  [RegistryNotGatedError.code]: 403,
  // Approving over a failing verdict without a justification: refused like a missing role, as before.
  [JustificationRequiredError.code]: 403,
  [PipelineNotFoundError.code]: 404,
  [UnknownScanError.code]: 404,
  [NotAwaitingApprovalError.code]: 409,
  [ScanNotAwaitingReportError.code]: 409,
  [ScanAlreadyReportedError.code]: 409,
  [DecisionNotCountedError.code]: 409,
  [ConfigError.code]: 500,
  [DurableBackendUnavailableError.code]: 503,
};

export interface ErrorAnswerOptions {
  /** Say which settings are wrong (admin-only functions); other callers only learn that the settings are. */
  exposeConfigProblems?: boolean;
}

/** 503 with Retry-After: storage (or the durable backend on it) is out of reach; the same request may succeed later. */
function unavailable(message: string): HttpResponseInit {
  return {
    ...problem(503, message),
    headers: { "Retry-After": String(STORAGE_RETRY_AFTER_SECONDS) },
  };
}

/** The answer for an error the gate maps; undefined for anything else. */
export function problemFor(error: unknown, options: ErrorAnswerOptions = {}): HttpResponseInit | undefined {
  // The storage client's own errors (it is not ours, so it throws no GateError): no details, they may name endpoints.
  if (isStorageUnavailable(error)) return unavailable("storage is unavailable; try again later");
  if (!isGateError(error)) return undefined;
  // The VEX container could not be read: the report was not judged (and its scan not claimed), so the scanner should
  // post it again later. No image is judged without the VEX it should have had.
  if (error instanceof VexSourceError)
    return {
      ...problem(503, `the VEX container cannot be read (${error.code}); post the report again later`),
      headers: { "Retry-After": "30" },
    };
  // The findings rows of a report could not be stored: the report was not handed on (nor its scan claimed), so the
  // scanner should post it again later, as for the VEX container.
  if (error.code === FindingsNotSavedError.code)
    return unavailable("the report's findings cannot be stored right now; post the report again later");
  const status = STATUS_BY_CODE[error.code];
  if (status === undefined) return undefined;
  if (error.code === ConfigError.code) {
    const problems = (error as ConfigError).problems;
    return problem(500, "the app settings do not allow this request", options.exposeConfigProblems ? { problems } : {});
  }
  if (error.code === WebhookPayloadError.code)
    return problem(status, error.message, { problems: (error as WebhookPayloadError).problems });
  if (error.code === BreakGlassExpiryInvalidError.code || error.code === BreakGlassExpiryTooLongError.code) {
    const maxExpiry = (error as BreakGlassExpiryInvalidError).maxExpiry;
    return problem(status, error.message, { code: error.code, ...(maxExpiry ? { maxExpiry } : {}) });
  }
  if (error.code === DurableBackendUnavailableError.code) return unavailable(error.message);
  if (error.code === DecisionNotCountedError.code) {
    const notCounted = error as DecisionNotCountedError;
    return problem(status, error.message, {
      counted: false,
      reason: notCounted.reason,
      outcome: notCounted.outcome,
      ...(notCounted.decidedAt ? { decidedAt: notCounted.decidedAt } : {}),
    });
  }
  return problem(status, error.message);
}

/** Runs a handler and answers the errors the gate maps; anything else goes to the host. */
export async function answeringErrors(
  run: () => Promise<HttpResponseInit>,
  options: ErrorAnswerOptions = {},
): Promise<HttpResponseInit> {
  try {
    return await run();
  } catch (error) {
    const answer = problemFor(error, options);
    if (answer) return answer;
    throw error;
  }
}
