import type { NormalisedReport, ReportFormat } from "../findings.js";
import { detectReport, type ReportLimits } from "./detect.js";
import { isReportError, toReportFailure, type ReportFailure } from "./errors.js";
import { normaliseHarborReport } from "./harbor.js";
import { normaliseSarif } from "./sarif.js";
import { normaliseTrivyJson } from "./trivy.js";

export { DEFAULT_MAX_REPORT_BYTES, detectFormat, detectReport, parseReportBody } from "./detect.js";
export type { DetectedFormat, DetectedReport, ReportLimits } from "./detect.js";
export { ReportError, isReportError, toReportFailure } from "./errors.js";
export type { ReportErrorCode, ReportFailure } from "./errors.js";
export { readBoundedBody } from "./bounded-read.js";
export { normaliseHarborReport, normaliseSarif, normaliseTrivyJson };

/** What to read besides what a verdict needs. */
export interface NormaliseOptions extends ReportLimits {
  /** false leaves CVSS scores out of the findings: the judgement never reads them, and 5,000 of them cost. */
  cvss?: boolean;
}

const NORMALISERS: Record<ReportFormat, (document: unknown, options: { cvss?: boolean }) => NormalisedReport> = {
  "trivy-json": normaliseTrivyJson,
  sarif: normaliseSarif,
  harbor: normaliseHarborReport,
};

/** Detects the format of a report body and normalises it. Throws ReportError for anything unusable. */
export function normaliseReport(body: string | Uint8Array, options: NormaliseOptions = {}): NormalisedReport {
  const { format, document } = detectReport(body, options);
  return NORMALISERS[format](document, options);
}

export type NormaliseOutcome = { ok: true; report: NormalisedReport } | { ok: false; error: ReportFailure };

/**
 * The same as normaliseReport, as plain data (it crosses activity boundaries as JSON): the pipeline hands either
 * outcome to the policy, which fails closed on the failure. Anything thrown that is not a ReportError is a defect
 * and is rethrown.
 */
export function tryNormaliseReport(body: string | Uint8Array, options: NormaliseOptions = {}): NormaliseOutcome {
  try {
    return { ok: true, report: normaliseReport(body, options) };
  } catch (error) {
    if (isReportError(error)) return { ok: false, error: toReportFailure(error) };
    throw error;
  }
}
