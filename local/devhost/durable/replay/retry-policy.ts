import type { RetryOptionsPayload } from "./actions.js";

export interface RetryDecision {
  /** Delay before the next attempt, in milliseconds (0 when retrying stops: the engine still waits on a timer). */
  delayMs: number;
  /** False when the host will not run another attempt (the retry timeout ran out). */
  retry: boolean;
}

/**
 * DTFx's retry policy for `callActivityWithRetry` / `callSubOrchestratorWithRetry`: after failed attempt n the delay is
 * firstRetryInterval × backoffCoefficient^(n-1), capped at maxRetryInterval; no further attempt starts once
 * retryTimeout (measured from the first attempt) would be exceeded. The attempt count itself is enforced by the replay
 * engine, which stops asking for attempts after maxNumberOfAttempts.
 */
export function decideRetry(
  options: RetryOptionsPayload,
  failedAttempt: number,
  firstAttemptAt: Date,
  now: Date,
): RetryDecision {
  if (failedAttempt >= options.maxNumberOfAttempts) return { delayMs: 0, retry: false };
  const coefficient = options.backoffCoefficient && options.backoffCoefficient > 0 ? options.backoffCoefficient : 1;
  const uncapped = options.firstRetryIntervalInMilliseconds * Math.pow(coefficient, failedAttempt - 1);
  const cap =
    options.maxRetryIntervalInMilliseconds && options.maxRetryIntervalInMilliseconds > 0
      ? options.maxRetryIntervalInMilliseconds
      : Infinity;
  const delayMs = Math.max(0, Math.min(uncapped, cap));
  const timeout =
    options.retryTimeoutInMilliseconds && options.retryTimeoutInMilliseconds > 0
      ? options.retryTimeoutInMilliseconds
      : Infinity;
  const elapsed = now.getTime() - firstAttemptAt.getTime();
  if (elapsed + delayMs > timeout) return { delayMs: 0, retry: false };
  return { delayMs, retry: true };
}

export function isRetryOptions(value: unknown): value is RetryOptionsPayload {
  const v = value as RetryOptionsPayload | undefined;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.firstRetryIntervalInMilliseconds === "number" &&
    v.firstRetryIntervalInMilliseconds > 0 &&
    typeof v.maxNumberOfAttempts === "number"
  );
}
