import { readBoundedBody } from "../normalise/bounded-read.js";
import { isReportError } from "../normalise/errors.js";
import { ScannerError } from "./errors.js";

export type FetchFunction = (input: string | URL, init?: RequestInit) => Promise<Response>;

export interface HttpOptions {
  /** Per request, headers and body included. */
  timeoutMs: number;
  fetch: FetchFunction;
  /** Headers that authenticate the gate to the adapter (Harbor's registration: Basic, Bearer or an API key). */
  authHeaders: () => Promise<Record<string, string>>;
}

/** Error and metadata bodies are small; anything larger is not what the spec describes. */
export const SMALL_BODY_LIMIT = 64 * 1024;

/**
 * One request to the adapter, without redirects (a 302 means "report not ready", never "go elsewhere") and without
 * retries (the orchestrator polls on durable timers and retries activities; a hidden retry here would hide time).
 */
export async function send(
  options: HttpOptions,
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: string },
): Promise<Response> {
  const auth = await options.authHeaders();
  try {
    return await options.fetch(url, {
      method: init.method,
      headers: { "User-Agent": "acr-quarantine-gate", ...auth, ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body }),
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new ScannerError(
      "scanner-unreachable",
      `${init.method} ${url.pathname} got no answer from the scanner adapter (${reason})`,
    );
  }
}

/** Reads a body up to a limit; an unreadable or oversized body is the adapter's fault. */
export async function readBody(response: Response, maxBytes: number, what: string): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  const body = response.body;
  if (body === null) return new Uint8Array();
  try {
    return await readBoundedBody(
      body as unknown as AsyncIterable<Uint8Array>,
      Number.isFinite(declared) ? { maxBytes, declaredLength: declared } : { maxBytes },
    );
  } catch (error) {
    await body.cancel().catch(() => undefined);
    if (isReportError(error)) throw error;
    throw new ScannerError(
      "scanner-unreachable",
      `reading ${what} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Parses a small JSON body; returns undefined for anything that is not JSON. */
export async function smallJson(response: Response, what: string): Promise<unknown> {
  let bytes: Uint8Array;
  try {
    bytes = await readBody(response, SMALL_BODY_LIMIT, what);
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

/** The adapter's ErrorResponse message ({ "error": { "message": … } }), clipped, or a placeholder. */
export async function errorMessage(response: Response): Promise<string> {
  const body = (await smallJson(response, "the error body")) as { error?: { message?: unknown } } | undefined;
  const message = body?.error?.message;
  if (typeof message !== "string" || message.trim() === "") return "(no error message)";
  const line = message.replace(/\s+/g, " ").trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
