import {
  RestError,
  retryPolicy,
  type HttpHeaders,
  type PipelinePolicy,
  type PipelineRequest,
  type PipelineResponse,
  type RetryStrategy,
} from "@azure/core-rest-pipeline";

export interface RetryOptions {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff; doubles each retry, with jitter. */
  retryDelayMs: number;
  /** Cap of one computed backoff. A server's Retry-After is honoured as given, within maxRetryTimeMs. */
  maxRetryDelayMs: number;
  /** No retry is started if its wait would end later than this after the first attempt began. */
  maxRetryTimeMs: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxRetries: 5,
  retryDelayMs: 400,
  maxRetryDelayMs: 20_000,
  maxRetryTimeMs: 60_000,
};

/**
 * Milliseconds a 429/503 asks the client to wait: retry-after-ms, x-ms-retry-after-ms, then Retry-After in seconds or
 * as an HTTP date; the same headers, in the same order, as @azure/core-rest-pipeline's throttling strategy reads.
 */
export function retryAfterMs(headers: HttpHeaders, now: number = Date.now()): number | undefined {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const value = headers.get(name);
    if (value !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  }
  const retryAfter = headers.get("retry-after");
  if (retryAfter === undefined) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(retryAfter)) return Number(retryAfter) * 1000;
  const date = Date.parse(retryAfter);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

type Failure = "throttled" | "server" | "network";

function classify(response: PipelineResponse | undefined, error: RestError | undefined): Failure | undefined {
  if (response) {
    const status = response.status;
    if (status === 429) return "throttled";
    if (status === 408 || (status >= 500 && status !== 501 && status !== 505)) return "server";
    return undefined;
  }
  // No response: the request never got an answer (refused, reset, DNS, timeout). A parse error is not a network one.
  return error && error.code !== RestError.PARSE_ERROR ? "network" : undefined;
}

/**
 * Why a strategy of our own rather than core-rest-pipeline's defaultRetryPolicy: its public strategies skip a 429
 * without Retry-After (ACR's Retry-After is unconfirmed, acr-protocol.md §5.2), have no bound on total time, and
 * wait for any Retry-After however long. This one keeps their rules (same headers, 408/5xx except 501/505, transport
 * errors, exponential backoff with the same half-jitter) and runs inside core's own retryPolicy loop.
 */
function acrRetryStrategy(
  options: RetryOptions,
  started: WeakMap<PipelineRequest, number>,
  now: () => number,
): RetryStrategy {
  return {
    name: "acrRetryStrategy",
    retry({ retryCount, response, responseError }) {
      const failure = classify(response, responseError);
      if (!failure) return { skipStrategy: true };
      const asked = response ? retryAfterMs(response.headers, now()) : undefined;
      const backoff = Math.min(options.maxRetryDelayMs, options.retryDelayMs * 2 ** retryCount);
      const wait = asked ?? backoff / 2 + Math.random() * (backoff / 2);
      const request = response?.request ?? responseError?.request;
      const begun = request ? started.get(request) : undefined;
      // Out of time: hand back the last answer (the caller turns a 429 into a throttled error with its Retry-After).
      if (begun !== undefined && now() + wait - begun > options.maxRetryTimeMs) return { skipStrategy: true };
      return { retryAfterInMs: Math.ceil(wait) };
    },
  };
}

/** The retry policies, outermost first: a clock that notes when a request first started, then core's retry loop. */
export function retryPolicies(options: RetryOptions, now: () => number = Date.now): PipelinePolicy[] {
  const started = new WeakMap<PipelineRequest, number>();
  const clock: PipelinePolicy = {
    name: "acrRetryClock",
    sendRequest(request, next) {
      if (!started.has(request)) started.set(request, now());
      return next(request);
    },
  };
  return [clock, retryPolicy([acrRetryStrategy(options, started, now)], { maxRetries: options.maxRetries })];
}
