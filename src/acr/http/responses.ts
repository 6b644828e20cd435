import type { PipelineResponse } from "@azure/core-rest-pipeline";
import {
  AcrAuthError,
  AcrError,
  AcrNotFoundError,
  AcrQuarantinedError,
  AcrRequestError,
  AcrThrottledError,
  type AcrErrorEntry,
  type AcrErrorOptions,
  type AcrRequestInfo,
} from "../errors.js";
import { retryAfterMs } from "./retry.js";

export function requestInfo(method: string, url: URL): AcrRequestInfo {
  return { method, path: `${url.pathname}${url.search}` };
}

/** Server text in an error message: short, one line. */
function clip(text: string, max = 200): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** The entries of ACR's error envelope, or none when the body is something else. */
export function acrErrors(bodyText: string | null | undefined): AcrErrorEntry[] {
  if (!bodyText) return [];
  try {
    const body = JSON.parse(bodyText) as { errors?: unknown };
    if (!Array.isArray(body?.errors)) return [];
    return body.errors
      .filter((e): e is { code: unknown; message?: unknown; detail?: unknown } => typeof e === "object" && e !== null)
      .map((e) => ({
        code: String(e.code ?? ""),
        message: typeof e.message === "string" ? e.message : "",
        detail: e.detail,
      }));
  } catch {
    return [];
  }
}

/** ACR's answer to a digest pull of a quarantined image by a non-reader (acr-protocol.md §2.1). */
const DISALLOWED = /^the operation is disallowed\.?$/i;

/** Turns a non-2xx answer into the typed error for it, carrying ACR's code, the status and the request. */
export function errorFromResponse(
  response: PipelineResponse,
  info: AcrRequestInfo,
  registry: string,
  context?: string,
): AcrError {
  const errors = acrErrors(response.bodyAsText);
  const first = errors[0];
  const status = response.status;
  const said = first
    ? `${first.code}${first.message ? `: ${clip(first.message)}` : ""}`
    : clip(response.bodyAsText ?? "") || "(no body)";
  const message = `${context ? `${context}: ` : ""}ACR ${info.method} ${info.path} on ${registry} → ${status} ${said}`;
  const options: AcrErrorOptions = { acrCode: first?.code, status, registry, request: info, errors };
  if (first?.code === "IMAGE_QUARANTINED" || (first && DISALLOWED.test(first.message.trim())))
    return new AcrQuarantinedError(message, options);
  if (status === 401 || status === 403) return new AcrAuthError(message, options);
  if (status === 404) return new AcrNotFoundError(message, options);
  if (status === 429)
    return new AcrThrottledError(message, { ...options, retryAfterMs: retryAfterMs(response.headers) });
  return new AcrRequestError(message, options);
}

/** Parses a 2xx JSON body; a body that is not JSON is the registry's fault, reported as a request error. */
export function jsonBody(response: PipelineResponse, info: AcrRequestInfo, registry: string): unknown {
  const text = response.bodyAsText ?? "";
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AcrRequestError(
      `ACR ${info.method} ${info.path} on ${registry} → ${response.status} with a body that is not JSON`,
      {
        status: response.status,
        registry,
        request: info,
      },
    );
  }
}

export function isSuccess(response: PipelineResponse): boolean {
  return response.status >= 200 && response.status < 300;
}
