/**
 * The one findings model every scanner report is normalised into. The policy engine only ever sees this shape,
 * so what a team's scanner calls "CRITICAL", "error" or "Critical" means the same thing to the gate.
 */

/** Ordered from least to most severe; the order is what thresholds compare against. */
export const SEVERITIES = ["Unknown", "Negligible", "Low", "Medium", "High", "Critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The rank of a severity for threshold comparisons; Unknown ranks lowest but is handled by its own policy setting. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export interface Cvss {
  /** Which database the scores come from (e.g. "nvd", "redhat"), when the report says. */
  source?: string;
  v3Score?: number;
  v3Vector?: string;
  v2Score?: number;
  v2Vector?: string;
}

export interface AffectedPackage {
  /** The package; for a secret or a misconfiguration, the file it was found in. */
  name: string;
  /** Package URL, when the scanner reports one (Trivy JSON does; Harbor and SARIF reports usually do not). */
  purl?: string;
  installedVersion: string;
  /** The first version that fixes the vulnerability; absent when no fix exists. */
  fixedVersion?: string;
}

/**
 * What a finding is. Vulnerabilities are what VEX, ignoreUnfixed and the vulnerability thresholds were made for;
 * secrets (a leaked key in a file) and misconfigurations (Trivy's checks) have their own policy switch.
 * Absent means "vulnerability", so findings built before kinds existed keep their meaning.
 */
export type FindingKind = "vulnerability" | "secret" | "misconfiguration";

export interface Finding {
  /** Absent: a vulnerability. */
  kind?: FindingKind;
  /** The vulnerability id; for a secret the scanner's rule id (e.g. aws-access-key-id), for a misconfiguration its check id. */
  vulnerabilityId: string;
  /** Other identifiers of the same vulnerability (vendor advisories such as RHSA/DSA ids). */
  aliases: string[];
  package: AffectedPackage;
  severity: Severity;
  cvss?: Cvss;
  /** What was scanned inside the artifact: an OS, a lock file, a binary. */
  target: string;
  /** True when a fixed version exists. */
  fixable: boolean;
}

export type ReportFormat = "trivy-json" | "sarif" | "harbor";

export type SeverityCounts = Record<Severity, number>;

/**
 * A report that is readable but does not show the image was scanned: the scanner says its scan failed (a SARIF
 * invocation with executionSuccessful false, a SARIF run without results), or it scanned nothing (no Trivy Results,
 * no SARIF runs). Such a report is never a pass; the policy's `unscannable` setting says what it is instead.
 */
export interface Unscanned {
  code: "scan-failed" | "nothing-scanned";
  message: string;
}

export interface NormalisedReport {
  format: ReportFormat;
  scanner: { name: string; version?: string };
  /**
   * What the scanner says it scanned, as it names it (image reference, digest or path). `digests` lists every manifest
   * digest the report names for its image (Trivy RepoDigests and a digest in ArtifactName, SARIF repoDigests, Harbor
   * artifact.digest); each must be the digest of the image judged. `digest` is the first, kept for older callers.
   */
  artifact: { name?: string; digest?: string; digests?: string[] };
  findings: Finding[];
  counts: SeverityCounts;
  /** Present when the report does not show a completed scan; see Unscanned. */
  unscanned?: Unscanned;
}

export function emptySeverityCounts(): SeverityCounts {
  return { Unknown: 0, Negligible: 0, Low: 0, Medium: 0, High: 0, Critical: 0 };
}

export function countBySeverity(findings: readonly Finding[]): SeverityCounts {
  const counts = emptySeverityCounts();
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}
