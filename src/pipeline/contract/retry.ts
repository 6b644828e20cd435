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
