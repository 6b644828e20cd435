import type { Severity } from "../findings.js";

const BY_LOWER_NAME: ReadonlyMap<string, Severity> = new Map([
  ["unknown", "Unknown"],
  ["negligible", "Negligible"],
  ["low", "Low"],
  ["medium", "Medium"],
  ["high", "High"],
  ["critical", "Critical"],
]);

/**
 * Reads a severity name as Trivy (`CRITICAL`) or Harbor (`Critical`) writes it. A name the gate does not know becomes
 * Unknown rather than an error: Harbor defines Unknown as "a priority that the scanner did not recognize", and the
 * policy's `unknownSeverity` setting (fail by default) decides what that means.
 */
export function severityFromName(name: string): Severity {
  return BY_SPELLING.get(name) ?? BY_LOWER_NAME.get(name.trim().toLowerCase()) ?? "Unknown";
}

/** The spellings scanners actually write (Trivy's CRITICAL, Harbor's Critical), found without making a copy. */
const BY_SPELLING: ReadonlyMap<string, Severity> = new Map(
  [...BY_LOWER_NAME].flatMap(([lower, severity]) => [
    [lower, severity],
    [lower.toUpperCase(), severity],
    [severity, severity],
  ]),
);

/** Whether a name is one the gate recognises, so a normaliser can prefer a named severity over a derived one. */
export function isSeverityName(name: string): boolean {
  return BY_LOWER_NAME.has(name.trim().toLowerCase());
}

/**
 * CVSS v3 qualitative rating scale (FIRST CVSS v3.1 specification, section 5). Score 0.0 is "None", which the gate
 * calls Negligible; a score that is not a number in 0..10 is Unknown.
 */
export function severityFromCvssScore(score: number): Severity {
  if (!Number.isFinite(score) || score < 0 || score > 10) return "Unknown";
  if (score >= 9) return "Critical";
  if (score >= 7) return "High";
  if (score >= 4) return "Medium";
  if (score > 0) return "Low";
  return "Negligible";
}
