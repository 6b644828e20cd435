import type { Severity, SeverityCounts } from "./findings.js";

/** The severities ACR's quarantineDetails schema allows in `result.summary` (at most five items). */
export type AcrSummarySeverity = "Critical" | "High" | "Medium" | "Low" | "None";

export interface AcrSummaryItem {
  severity: AcrSummarySeverity;
  count: number;
}

/** The `result` object of ACR's quarantineDetails (definitions/summary in acr-quarantine-details.schema.json). */
export interface AcrScanSummary {
  version: string;
  summary: AcrSummaryItem[];
  description?: string;
}

export const ACR_SUMMARY_VERSION = "1.0";
const DESCRIPTION_MAX_LENGTH = 1024;
const ORDER: readonly AcrSummarySeverity[] = ["Critical", "High", "Medium", "Low", "None"];

/**
 * How the gate's six severities fold into ACR's five. Negligible is still a security problem (Harbor: "technically a
 * security problem") so it counts as Low, never hidden in None. Unknown has no ACR bucket; None is the only one that
 * claims no rating, so it goes there, and the description says so with the exact numbers.
 */
export const ACR_SEVERITY_OF: Readonly<Record<Severity, AcrSummarySeverity>> = {
  Critical: "Critical",
  High: "High",
  Medium: "Medium",
  Low: "Low",
  Negligible: "Low",
  Unknown: "None",
};

/**
 * Builds quarantineDetails.result from severity counts: all five ACR severities in a fixed order (zeros included, so
 * "0 Critical" is stated rather than implied), and a description of any folding plus an optional note (e.g. the
 * verdict), cut to the schema's 1024 characters.
 */
export function buildQuarantineSummary(counts: SeverityCounts, note?: string): AcrScanSummary {
  const totals = new Map<AcrSummarySeverity, number>(ORDER.map((severity) => [severity, 0]));
  for (const [severity, acrSeverity] of Object.entries(ACR_SEVERITY_OF) as [Severity, AcrSummarySeverity][]) {
    totals.set(acrSeverity, (totals.get(acrSeverity) ?? 0) + counts[severity]);
  }
  const folding: string[] = [];
  if (counts.Negligible > 0) folding.push(`${counts.Negligible} Negligible counted as Low`);
  if (counts.Unknown > 0) folding.push(`${counts.Unknown} of unknown severity counted as None`);
  const parts = [note?.trim(), folding.length > 0 ? `${folding.join("; ")}.` : undefined].filter(
    (part): part is string => part !== undefined && part !== "",
  );
  const summary: AcrScanSummary = {
    version: ACR_SUMMARY_VERSION,
    summary: ORDER.map((severity) => ({ severity, count: totals.get(severity) ?? 0 })),
  };
  if (parts.length > 0) summary.description = truncate(parts.join(" "), DESCRIPTION_MAX_LENGTH);
  return summary;
}

/** Cuts by code points, as JSON Schema's maxLength counts them, so a surrogate pair is never split. */
function truncate(text: string, maxLength: number): string {
  const codePoints = Array.from(text);
  return codePoints.length <= maxLength ? text : `${codePoints.slice(0, maxLength - 1).join("")}…`;
}
