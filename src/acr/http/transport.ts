import {
  createDefaultHttpClient,
  createEmptyPipeline,
  createHttpHeaders,
  createPipelineRequest,
  isRestError,
  type HttpClient,
  type HttpMethods,
  type Pipeline,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import { AcrInvalidInputError, AcrRequestError } from "../errors.js";
import { rateLimitPolicy, limitRequest, type RequestLimiter } from "./rate-limit.js";
import { requestInfo } from "./responses.js";
import { DEFAULT_RETRY, retryPolicies, type RetryOptions } from "./retry.js";
import { timeoutPolicy } from "./timeout.js";

export interface TransportOptions {
  retry?: Partial<RetryOptions>;
  /** Per attempt, headers and body included. */
  timeoutMs?: number;
  /** Replaces the network (unit tests); production uses core-rest-pipeline's default Node client. */
  httpClient?: HttpClient;
  now?: () => number;
  userAgent?: string;
}

export interface HttpCall {
  method: HttpMethods;
  url: URL;
  registry: string;
  headers?: Record<string, string>;
  body?: string;
  limiter?: RequestLimiter;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Sends requests to registries through @azure/core-rest-pipeline: retries (429/408/5xx/transport, Retry-After,
 * bounded in count and time) around an optional rate limit and a per-attempt timeout. Answers of any status are
 * returned; only a request that never got one (after retries) throws, as an AcrRequestError.
 */
export class AcrTransport {
  private readonly pipeline: Pipeline;
  private readonly client: HttpClient;
  private readonly userAgent: string;

  constructor(options: TransportOptions = {}) {
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    this.pipeline = createEmptyPipeline();
    for (const policy of [
      ...retryPolicies(retry, options.now),
      rateLimitPolicy,
      timeoutPolicy(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    ]) {
      this.pipeline.addPolicy(policy);
    }
    this.client = options.httpClient ?? createDefaultHttpClient();
    this.userAgent = options.userAgent ?? "acr-quarantine-gate";
  }

  async send(call: HttpCall): Promise<PipelineResponse> {
    // Tokens travel in these requests: never over anything but TLS.
    if (call.url.protocol !== "https:")
      throw new AcrInvalidInputError(`refusing a non-https registry URL (${call.url.protocol})`);
    const request = createPipelineRequest({
      url: call.url.href,
      method: call.method,
      headers: createHttpHeaders({ "User-Agent": this.userAgent, Accept: "application/json", ...call.headers }),
      body: call.body,
    });
    if (call.limiter) limitRequest(request, call.limiter);
    try {
      return await this.pipeline.sendRequest(this.client, request);
    } catch (error) {
      const info = requestInfo(call.method, call.url);
      // Only the code and message are kept: the RestError holds the request, and with it the Authorization header.
      const code = isRestError(error) ? error.code : (error as Error)?.name;
      const reason = (error as Error)?.message ?? String(error);
      throw new AcrRequestError(
        `ACR ${info.method} ${info.path} on ${call.registry} failed without an answer (${code ?? "error"}): ${reason}`,
        {
          registry: call.registry,
          request: info,
        },
      );
    }
  }
}
