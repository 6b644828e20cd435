import type { NormaliseOutcome } from "../normalise/index.js";
import { tryNormaliseReport } from "../normalise/index.js";
import { DEFAULT_MAX_REPORT_BYTES } from "../normalise/detect.js";
import { isReportError, toReportFailure } from "../normalise/errors.js";
import { ScannerError } from "./errors.js";
import { errorMessage, readBody, send, smallJson, type FetchFunction, type HttpOptions } from "./http.js";
import { HARBOR_MEDIA_TYPES, READABLE_REPORT_TYPES, sameMediaType } from "./media-types.js";
import { validateMetadata, validateScanResponse, type ScannerMetadata } from "./schemas.js";

export interface HarborClientOptions {
  /** The adapter's base URL as registered in Harbor, e.g. https://trivy-adapter:8443 (the API lives under /api/v1). */
  baseUrl: string;
  /** Headers that authenticate the gate to the adapter; none by default. */
  authHeaders?: () => Promise<Record<string, string>>;
  timeoutMs?: number;
  maxReportBytes?: number;
  /** Replaces the global fetch (unit tests). */
  fetch?: FetchFunction;
}

/** What Harbor's ScanRequest carries (components/schemas/ScanRequest). */
export interface HarborScanRequest {
  registry: { url: string; authorization: string };
  artifact: { repository: string; digest: string; tag?: string; mime_type?: string };
}

export type ReportPoll =
  /** 302: not ready; ask again after this many seconds. */
  | { state: "pending"; refreshAfterSeconds: number }
  /** 200: the report, normalised, or the ReportError that made it unusable (the policy fails closed on it). */
  | { state: "done"; outcome: NormaliseOutcome }
  /** 500: the adapter says the scan failed. Shaped so it can be handed to the policy as an unusable report. */
  | { state: "failed"; error: { code: "scan-failed"; message: string } };

export const DEFAULT_SCANNER_TIMEOUT_MS = 30_000;
const DEFAULT_REFRESH_AFTER_SECONDS = 5;
const MAX_REFRESH_AFTER_SECONDS = 300;

/**
 * A client of one Harbor Pluggable Scanner adapter (API v1.1/v1.2): metadata, scan request, report polling. Every
 * method is a single request, so each fits one durable activity; the orchestrator owns waiting and retrying.
 */
export class HarborScannerClient {
  private readonly base: URL;
  private readonly http: HttpOptions;
  private readonly maxReportBytes: number;

  constructor(options: HarborClientOptions) {
    const base = new URL(options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`);
    // The scan request carries a registry pull token: it never travels in clear text.
    if (base.protocol !== "https:")
      throw new ScannerError("scanner-rejected", `refusing a non-https scanner adapter URL (${base.protocol})`);
    this.base = base;
    this.http = {
      timeoutMs: options.timeoutMs ?? DEFAULT_SCANNER_TIMEOUT_MS,
      fetch: options.fetch ?? fetch,
      authHeaders: options.authHeaders ?? (async () => ({})),
    };
    this.maxReportBytes = options.maxReportBytes ?? DEFAULT_MAX_REPORT_BYTES;
  }

  private url(path: string): URL {
    return new URL(`api/v1/${path}`, this.base);
  }

  /** GET /api/v1/metadata */
  async metadata(): Promise<ScannerMetadata> {
    const response = await send(this.http, this.url("metadata"), {
      method: "GET",
      headers: { Accept: HARBOR_MEDIA_TYPES.metadata },
    });
    if (response.status !== 200)
      throw failure(response.status, `GET metadata → ${response.status} ${await errorMessage(response)}`);
    const body = await smallJson(response, "the metadata");
    if (!validateMetadata(body))
      throw new ScannerError("scanner-protocol", "GET metadata → 200 with a body that is not ScannerAdapterMetadata");
    return body;
  }

  /** POST /api/v1/scan → the scan request id. */
  async submitScan(request: HarborScanRequest): Promise<string> {
    const response = await send(this.http, this.url("scan"), {
      method: "POST",
      headers: { "Content-Type": HARBOR_MEDIA_TYPES.scanRequest, Accept: HARBOR_MEDIA_TYPES.scanResponse },
      body: JSON.stringify(request),
    });
    const status = response.status;
    if (status === 202) {
      const body = await smallJson(response, "the scan response");
      if (!validateScanResponse(body))
        throw new ScannerError("scanner-protocol", "POST scan → 202 without a usable scan request id");
      return body.id;
    }
    throw failure(status, `POST scan → ${status} ${await errorMessage(response)}`);
  }

  /** GET /api/v1/scan/{id}/report, asking for one report type. */
  async fetchReport(
    scanRequestId: string,
    reportType: string = HARBOR_MEDIA_TYPES.vulnerabilityReport11,
  ): Promise<ReportPoll> {
    const url = this.url(`scan/${encodeURIComponent(scanRequestId)}/report`);
    const response = await send(this.http, url, { method: "GET", headers: { Accept: reportType } });
    switch (response.status) {
      case 200:
        return { state: "done", outcome: await this.readReport(response) };
      case 302:
        await response.body?.cancel().catch(() => undefined);
        return { state: "pending", refreshAfterSeconds: refreshAfter(response.headers.get("refresh-after")) };
      case 404:
        throw new ScannerError(
          "scan-unknown",
          `GET report → 404: the adapter does not know scan ${scanRequestId}`,
          404,
        );
      case 500:
        return {
          state: "failed",
          error: {
            code: "scan-failed",
            message: `the scanner adapter reports a failed scan: ${await errorMessage(response)}`,
          },
        };
      default:
        throw failure(response.status, `GET report → ${response.status} ${await errorMessage(response)}`);
    }
  }

  private async readReport(response: Response): Promise<NormaliseOutcome> {
    try {
      const body = await readBody(response, this.maxReportBytes, "the report");
      // The outcome is for the judgement, which reads no CVSS scores (judge.ts): they are not computed.
      return tryNormaliseReport(body, { maxBytes: this.maxReportBytes, cvss: false });
    } catch (error) {
      if (isReportError(error)) return { ok: false, error: toReportFailure(error) };
      throw error;
    }
  }
}

/**
 * An answer the spec does not list as success: refused (bad request, credentials, unsupported artifact), incapable
 * (501), worth another try later (429, 5xx), or simply not the protocol.
 */
function failure(status: number, said: string): ScannerError {
  if (status === 400 || status === 401 || status === 403 || status === 422)
    return new ScannerError("scanner-rejected", said, status);
  if (status === 501) return new ScannerError("scanner-incapable", said, status);
  if (status === 429 || status >= 500) return new ScannerError("scanner-unreachable", said, status);
  return new ScannerError("scanner-protocol", said, status);
}

/** Refresh-After in seconds (an integer per the spec); anything else falls back to a default, within bounds. */
function refreshAfter(header: string | null): number {
  const seconds = header !== null && /^\s*\d+\s*$/.test(header) ? Number(header) : DEFAULT_REFRESH_AFTER_SECONDS;
  return Math.min(MAX_REFRESH_AFTER_SECONDS, Math.max(1, seconds));
}

/** The first report type the gate reads that the adapter says it produces for image manifests; undefined if none. */
export function chooseReportType(metadata: ScannerMetadata): string | undefined {
  const produced = metadata.capabilities
    .filter((capability) => capability.type === undefined || capability.type === "vulnerability")
    .flatMap((capability) => capability.produces_mime_types);
  return READABLE_REPORT_TYPES.find((wanted) => produced.some((type) => sameMediaType(type, wanted)));
}
