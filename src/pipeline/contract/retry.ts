import * as df from "durable-functions";

/**
 * The one retry policy of every activity, in the pipeline and in break-glass: 5 attempts, 2 s doubling, at most 60 s
 * apart. The registry client already retries each request; this covers longer outages of a dependency.
 */
export const ACTIVITY_RETRY: df.RetryOptions = (() => {
  const retry = new df.RetryOptions(2_000, 5);
  retry.backoffCoefficient = 2;
  retry.maxRetryIntervalInMilliseconds = 60_000;
  return retry;
})();

/**
 * How a scan tries again after a transient failure (the registry answered 5xx/429 or timed out while the scanner
 * pulled, the scanner answered 5xx or 429, the network failed), always inside the scan deadline. The waits are durable
 * timers in the orchestration, so they are deterministic and cost nothing while they run: 1 s, doubling, up to a
 * ceiling of a thirtieth of the scan deadline (at least 1 s, at most 60 s). The ceiling follows the deadline so that
 * every deadline leaves room for a few dozen attempts: 60 s apart under the default SCAN_DEADLINE of 30 minutes, 4 s
 * apart under a 2-minute one.
 */
export const SCAN_RETRY = {
  firstDelayMs: 1_000,
  backoffCoefficient: 2,
  /** The ceiling is scanDeadlineMs / deadlineShare, kept within [minCeilingMs, maxCeilingMs]. */
  deadlineShare: 30,
  minCeilingMs: 1_000,
  maxCeilingMs: 60_000,
} as const;

/** The wait before the next attempt after `failures` transient failures in a row (1 for the first). */
export function scanRetryDelayMs(failures: number, scanDeadlineMs: number): number {
  const ceiling = Math.min(
    SCAN_RETRY.maxCeilingMs,
    Math.max(SCAN_RETRY.minCeilingMs, Math.floor(scanDeadlineMs / SCAN_RETRY.deadlineShare)),
  );
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  return Math.min(ceiling, SCAN_RETRY.firstDelayMs * SCAN_RETRY.backoffCoefficient ** exponent);
}
