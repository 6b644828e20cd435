import type { ReportFormat } from "../findings.js";
import { ReportError } from "./errors.js";
import { goFoldAscii } from "./keys.js";

/** 8 MiB: a Trivy JSON report of a large image with thousands of findings is a few MiB; anything bigger is refused. */
export const DEFAULT_MAX_REPORT_BYTES = 8 * 1024 * 1024;

export interface ReportLimits {
  /** Largest accepted report body in bytes (UTF-8). */
  maxBytes?: number;
}

export type DetectedFormat = ReportFormat | "unknown";

export interface DetectedReport {
  format: ReportFormat;
  document: Record<string, unknown>;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** UTF-8 size, counted only when the string's length leaves it in doubt (a UTF-16 unit is 1 to 3 UTF-8 bytes). */
function exceedsLimit(body: string | Uint8Array, maxBytes: number): number | undefined {
  if (typeof body !== "string") return body.byteLength > maxBytes ? body.byteLength : undefined;
  if (body.length * 3 <= maxBytes) return undefined;
  const size = body.length > maxBytes ? body.length : Buffer.byteLength(body, "utf8");
  return size > maxBytes ? size : undefined;
}

/**
 * Checks the size before anything else (so an oversized body is never parsed) and parses JSON. Throws ReportError.
 */
export function parseReportBody(body: string | Uint8Array, limits: ReportLimits = {}): unknown {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_REPORT_BYTES;
  const size = exceedsLimit(body, maxBytes);
  if (size !== undefined) {
    const what = typeof body === "string" && body.length > maxBytes ? "at least " : "";
    throw new ReportError(
      "report-too-large",
      `The report is ${what}${size} bytes, more than the limit of ${maxBytes} bytes`,
    );
  }
  let text: string;
  try {
    text = typeof body === "string" ? body : utf8.decode(body);
  } catch {
    throw new ReportError("report-not-json", "The report is not valid UTF-8 text");
  }
  // A regular expression rather than trim(): trim would copy a multi-megabyte body just to test it.
  if (/^\s*$/.test(text)) throw new ReportError("report-empty", "The report is empty");
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ReportError("report-not-json", `The report is not valid JSON (truncated?): ${reason}`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The root's keys by their Go fold (keys.ts), so `schemaVersion` is recognised as Trivy's SchemaVersion. */
function rootKeys(document: Record<string, unknown>): Map<string, unknown> {
  const keys = new Map<string, unknown>();
  let seen = 0;
  for (const key in document) {
    // The markers are all near the top of real reports; a root with a million keys is not looked through.
    if ((seen += 1) > 1000) break;
    const folded = goFoldAscii(key);
    if (folded !== undefined && !keys.has(folded)) keys.set(folded, document[key]);
  }
  return keys;
}

/**
 * Recognises a report by the keys each format is defined by: Trivy JSON by `SchemaVersion`, SARIF by `runs` with a
 * SARIF `version` or `$schema`, the Harbor vulnerability report by its `vulnerabilities` list or its
 * `scanner` + `generated_at` header. Keys are compared as Go compares them (case-insensitively), so a report spelt
 * differently still reaches its normaliser, which reads it as its producer would (or refuses it, for SARIF).
 * Versions and contents are checked by the normaliser of the format, not here.
 */
export function detectFormat(document: unknown): DetectedFormat {
  if (!isPlainObject(document)) return "unknown";
  const keys = rootKeys(document);
  if (keys.has("SCHEMAVERSION")) return "trivy-json";
  if (keys.has("RUNS")) {
    const schema = keys.get("$SCHEMA");
    if (keys.has("VERSION") || (typeof schema === "string" && schema.toLowerCase().includes("sarif"))) return "sarif";
    return "unknown";
  }
  const vulnerabilities = keys.get("VULNERABILITIES");
  if (Array.isArray(vulnerabilities)) return "harbor";
  if (isPlainObject(keys.get("SCANNER")) && keys.has("GENERATED_AT")) return "harbor";
  return "unknown";
}

/** Parses and recognises a report body; throws ReportError for anything that is not a known report format. */
export function detectReport(body: string | Uint8Array, limits: ReportLimits = {}): DetectedReport {
  const document = parseReportBody(body, limits);
  const format = detectFormat(document);
  if (format === "unknown" || !isPlainObject(document)) {
    throw new ReportError(
      "report-format-unknown",
      "The report is not a Trivy JSON (SchemaVersion 2), SARIF 2.1.0 or Harbor vulnerability report",
    );
  }
  return { format, document };
}
