import { RestError, type PipelinePolicy } from "@azure/core-rest-pipeline";

/**
 * Sets a per-attempt timeout. core-rest-pipeline's HTTP client aborts a request that outlives `request.timeout` with
 * a plain AbortError, which its retry loop rethrows at once; this turns such an abort (when the caller did not ask
 * for one) into an ETIMEDOUT RestError, so the retry strategy treats it like any other transport failure.
 */
export function timeoutPolicy(timeoutMs: number): PipelinePolicy {
  return {
    name: "acrAttemptTimeout",
    async sendRequest(request, next) {
      request.timeout = timeoutMs;
      try {
        return await next(request);
      } catch (error) {
        if ((error as Error)?.name === "AbortError" && !request.abortSignal?.aborted) {
          throw new RestError(`no complete answer within ${timeoutMs} ms`, { code: "ETIMEDOUT", request });
        }
        throw error;
      }
    },
  };
}
