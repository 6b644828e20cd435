import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  isRestError,
  redirectPolicyName,
  type HttpClient,
  type Pipeline,
} from "@azure/core-rest-pipeline";
import { callbackBudgetMs, MAX_RETRY_DELAY_MS } from "./config.js";
import { SCAN_FAILURE_MEDIA_TYPE, type ScanFailureReport } from "../src/scanning/queue/scan-failure.js";

export type CallbackAnswer =
  /** 2xx: the gate has it. */
  | { kind: "accepted"; status: number }
  /** 409: the scan already has its report (another worker, or an earlier attempt of this one) or stopped waiting. */
  | { kind: "already-reported"; status: 409 }
  /** 413: the gate will not take a body this large. */
  | { kind: "too-large"; status: 413 }
  /** Any other 4xx (and redirects): asking again will not change the answer. */
  | { kind: "refused"; status: number; detail: string }
  /** 5xx, 408, 429 or no answer, after the retries: worth another attempt later. */
  | { kind: "unavailable"; detail: string };

export interface CallbackOptions {
  maxRetries: number;
  retryDelayMs: number;
  timeoutMs: number;
}

/**
 * Posts reports and failures to the gate's scanReports callback through the Azure SDK's HTTP pipeline, for its
 * retries: transport errors, 408 and 5xx except 501/505 with exponential back-off, and 429/503 after Retry-After
 * (@azure/core-rest-pipeline defaultRetryPolicy → @typespec/ts-http-runtime retryStrategies/exponentialRetryStrategy.js
 * and throttlingRetryStrategy.js). A repeated POST is safe: the gate accepts a scan's first report only, and answers
 * 409 to the rest. Redirects are not followed: the bearer token goes to the callback URL itself and nowhere else.
 * The whole post, retries included, is bounded by callbackBudgetMs (a Retry-After cannot stretch it), which the
 * visibility timeout is sized for.
 */
export class CallbackClient {
  private readonly pipeline: Pipeline;
  private readonly http: HttpClient;

  constructor(private readonly options: CallbackOptions) {
    this.pipeline = createPipelineFromOptions({
      retryOptions: {
        maxRetries: options.maxRetries,
        retryDelayInMs: options.retryDelayMs,
        maxRetryDelayInMs: MAX_RETRY_DELAY_MS,
      },
      userAgentOptions: { userAgentPrefix: "acr-quarantine-gate-scan-worker" },
    });
    this.pipeline.removePolicy({ name: redirectPolicyName });
    this.http = createDefaultHttpClient();
  }

  postReport(url: string, token: string, report: Buffer): Promise<CallbackAnswer> {
    return this.post(url, token, "application/json", report);
  }

  postFailure(url: string, token: string, failure: ScanFailureReport): Promise<CallbackAnswer> {
    return this.post(url, token, SCAN_FAILURE_MEDIA_TYPE, Buffer.from(JSON.stringify(failure), "utf8"));
  }

  private async post(url: string, token: string, contentType: string, body: Buffer): Promise<CallbackAnswer> {
    const request = createPipelineRequest({
      url,
      method: "POST",
      headers: createHttpHeaders({ Authorization: `Bearer ${token}`, "Content-Type": contentType }),
      body,
      // Plain HTTP reaches this point only for loopback (the local stack's Functions host): checkScanRequest refuses it
      // anywhere else, as the gate's dispatcher does.
      allowInsecureConnection: new URL(url).protocol === "http:",
      timeout: this.options.timeoutMs,
      abortSignal: AbortSignal.timeout(callbackBudgetMs(this.options)),
    });
    let status: number;
    let text: string;
    try {
      const response = await this.pipeline.sendRequest(this.http, request);
      status = response.status;
      text = response.bodyAsText ?? "";
    } catch (error) {
      // The transport failed (RestError, after the retries) or the post ran out of its budget (AbortError): worth
      // another attempt later. Anything else is a bug, and is not hidden as an unreachable gate.
      const aborted = (error as { name?: unknown }).name === "AbortError";
      if (!isRestError(error) && !aborted) throw error;
      // Names the failure without the URL or any header (the token is in one).
      const code = isRestError(error) ? (error.code ?? error.name) : "timed out";
      return { kind: "unavailable", detail: `no answer from the callback (${code})` };
    }
    if (status >= 200 && status < 300) return { kind: "accepted", status };
    if (status === 409) return { kind: "already-reported", status: 409 };
    if (status === 413) return { kind: "too-large", status: 413 };
    if (status === 408 || status === 429 || status >= 500)
      return { kind: "unavailable", detail: `the callback answered ${status} ${summary(text)}`.trim() };
    return { kind: "refused", status, detail: `the callback answered ${status} ${summary(text)}`.trim() };
  }
}

/** The first words of a problem+json answer, for the log and the poison message. */
function summary(text: string): string {
  try {
    const body = JSON.parse(text) as { title?: unknown; detail?: unknown };
    const said = [body.title, body.detail].filter((v) => typeof v === "string").join(": ");
    return said ? `(${said.slice(0, 200)})` : "";
  } catch {
    return "";
  }
}
