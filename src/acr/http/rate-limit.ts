import pThrottle from "p-throttle";
import type { PipelinePolicy, PipelineRequest } from "@azure/core-rest-pipeline";
import { AcrInvalidInputError } from "../errors.js";

/** Resolves when the next request may be sent. */
export type RequestLimiter = () => Promise<void>;

/**
 * A client-side budget of requests per minute (p-throttle). The minute is spread over windows of about a second, so
 * a caller never bursts a whole minute's budget at once: 600/min → 10 per second; 30/min → 1 every 2 s.
 */
export function requestLimiter(requestsPerMinute: number): RequestLimiter {
  if (!Number.isFinite(requestsPerMinute) || requestsPerMinute <= 0) {
    throw new AcrInvalidInputError(`requestsPerMinute must be a positive number, got ${String(requestsPerMinute)}`);
  }
  const limit = Math.max(1, Math.floor(requestsPerMinute / 60));
  const interval = (limit * 60_000) / requestsPerMinute;
  const throttled = pThrottle({ limit, interval })(() => undefined);
  return async () => {
    await throttled();
  };
}

const limiters = new WeakMap<PipelineRequest, RequestLimiter>();

/** Makes every attempt of this request (retries included, as each one costs the registry) wait for the limiter. */
export function limitRequest(request: PipelineRequest, limiter: RequestLimiter): void {
  limiters.set(request, limiter);
}

export const rateLimitPolicy: PipelinePolicy = {
  name: "acrRateLimit",
  async sendRequest(request, next) {
    const limiter = limiters.get(request);
    if (limiter) await limiter();
    return next(request);
  },
};
