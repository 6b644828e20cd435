import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  isRestError,
  logPolicyName,
  type HttpClient,
  type Pipeline,
} from "@azure/core-rest-pipeline";
import { SinkDeliveryError } from "../errors.js";

/**
 * POSTs a JSON body through the Azure SDK's HTTP pipeline, once: the retries are durable (each attempt is a
 * deliverNotification activity, retried by the notifyDelivery orchestration), so the pipeline's own retry policies
 * are turned off (`maxRetries: 0`), and the caller's abort signal bounds the attempt (the delivery budget). The log
 * policy is removed: it would log the URL, and chat and webhook URLs carry their credentials in the path or query.
 * Errors name the sink and the status or network code only.
 */
export class JsonPoster {
  private readonly pipeline: Pipeline;
  private readonly client: HttpClient = createDefaultHttpClient();

  constructor() {
    this.pipeline = createPipelineFromOptions({ retryOptions: { maxRetries: 0 } });
    this.pipeline.removePolicy({ name: logPolicyName });
  }

  async post(
    sinkName: string,
    url: string,
    body: string,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<number> {
    const request = createPipelineRequest({
      url,
      method: "POST",
      body,
      headers: createHttpHeaders({ "content-type": "application/json", ...headers }),
      abortSignal: signal,
      // Plain http only for loopback (the local receiver); every real sink is https.
      allowInsecureConnection: isLoopbackHttp(url),
    });
    let status: number;
    try {
      status = (await this.pipeline.sendRequest(this.client, request)).status;
    } catch (error) {
      throw failure(sinkName, error);
    }
    if (status >= 200 && status < 300) return status;
    throw new SinkDeliveryError(
      `sink ${sinkName} answered ${status}`,
      status,
      status === 408 || status === 429 || status >= 500,
    );
  }
}

export function isLoopbackHttp(url: string): boolean {
  const parsed = new URL(url);
  return parsed.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname);
}

/** What went wrong, without the URL: the HTTP status, or the network error's code (ECONNREFUSED, …), or aborted. */
export function failure(sinkName: string, error: unknown): SinkDeliveryError {
  if (error instanceof SinkDeliveryError) return error;
  if (isRestError(error) && error.statusCode !== undefined)
    return new SinkDeliveryError(
      `sink ${sinkName} answered ${error.statusCode}`,
      error.statusCode,
      error.statusCode >= 500 || error.statusCode === 429,
      {
        upstreamCode: error.code,
      },
    );
  const code =
    (error as { name?: string }).name === "AbortError"
      ? "aborted (delivery budget spent)"
      : String(
          (error as { code?: unknown }).code ??
            (error as { cause?: { code?: unknown } }).cause?.code ??
            "network error",
        );
  return new SinkDeliveryError(`sink ${sinkName} could not be reached: ${code}`, undefined, true, {
    upstreamCode: code,
  });
}
