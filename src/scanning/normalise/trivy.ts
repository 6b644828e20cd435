import { countBySeverity, type Cvss, type Finding, type NormalisedReport } from "../findings.js";
import { ReportError } from "./errors.js";
import { severityFromName } from "./severity.js";
import { assertReportShape, compileReportSchema } from "./validate.js";

interface TrivyCvssEntry {
  V3Score?: number;
  V3Vector?: string;
  V2Score?: number;
  V2Vector?: string;
}

interface TrivyVulnerability {
  VulnerabilityID: string;
  VendorIDs?: string[];
  PkgName: string;
  PkgIdentifier?: { PURL?: string };
  InstalledVersion: string;
  FixedVersion?: string;
  Severity: string;
  SeveritySource?: string;
  CVSS?: Record<string, TrivyCvssEntry>;
}

interface TrivyResult {
  Target: string;
  Vulnerabilities?: TrivyVulnerability[] | null;
}

interface TrivyReport {
  SchemaVersion: number;
  ArtifactName: string;
  Trivy?: { Version?: string };
  Metadata?: { RepoDigests?: string[] | null };
  Results: TrivyResult[];
}

const cvssEntry = {
  type: "object",
  properties: {
    V3Score: { type: "number" },
    V3Vector: { type: "string" },
    V2Score: { type: "number" },
    V2Vector: { type: "string" },
  },
};

// Only what the gate reads is constrained; Trivy adds fields between releases and those must not break the gate.
const validateTrivy = compileReportSchema<TrivyReport>({
  type: "object",
  // Results is required although Trivy omits it when it found nothing to scan: "nothing scanned" is not a clean image.
  required: ["SchemaVersion", "ArtifactName", "Results"],
  properties: {
    SchemaVersion: { type: "integer" },
    ArtifactName: { type: "string" },
    Trivy: { type: "object", properties: { Version: { type: "string" } } },
    Metadata: { type: "object", properties: { RepoDigests: { type: ["array", "null"], items: { type: "string" } } } },
    Results: {
      type: "array",
      items: {
        type: "object",
        required: ["Target"],
        properties: {
          Target: { type: "string" },
          Vulnerabilities: {
            type: ["array", "null"],
            items: {
              type: "object",
              required: ["VulnerabilityID", "PkgName", "InstalledVersion", "Severity"],
              properties: {
                VulnerabilityID: { type: "string", minLength: 1 },
                VendorIDs: { type: "array", items: { type: "string" } },
                PkgName: { type: "string", minLength: 1 },
                PkgIdentifier: { type: "object", properties: { PURL: { type: "string" } } },
                InstalledVersion: { type: "string" },
                FixedVersion: { type: "string" },
                Severity: { type: "string" },
                SeveritySource: { type: "string" },
                CVSS: { type: "object", additionalProperties: cvssEntry },
              },
            },
          },
        },
      },
    },
  },
});

/** Trivy lists scores per database; the one its severity came from is preferred, then NVD, then the first. */
function preferredCvss(vulnerability: TrivyVulnerability): Cvss | undefined {
  const all = vulnerability.CVSS;
  if (all === undefined) return undefined;
  const sources = Object.keys(all);
  const source = [vulnerability.SeveritySource, "nvd", sources[0]].find((name) => name !== undefined && name in all);
  const entry = source === undefined ? undefined : all[source];
  if (source === undefined || entry === undefined) return undefined;
  const cvss: Cvss = { source };
  if (entry.V3Score !== undefined) cvss.v3Score = entry.V3Score;
  if (entry.V3Vector !== undefined) cvss.v3Vector = entry.V3Vector;
  if (entry.V2Score !== undefined) cvss.v2Score = entry.V2Score;
  if (entry.V2Vector !== undefined) cvss.v2Vector = entry.V2Vector;
  return cvss;
}

function toFinding(vulnerability: TrivyVulnerability, target: string): Finding {
  const fixedVersion = vulnerability.FixedVersion?.trim() ?? "";
  const finding: Finding = {
    vulnerabilityId: vulnerability.VulnerabilityID,
    aliases: vulnerability.VendorIDs ?? [],
    package: { name: vulnerability.PkgName, installedVersion: vulnerability.InstalledVersion },
    severity: severityFromName(vulnerability.Severity),
    target,
    fixable: fixedVersion !== "",
  };
  if (fixedVersion !== "") finding.package.fixedVersion = fixedVersion;
  const purl = vulnerability.PkgIdentifier?.PURL;
  if (purl !== undefined && purl !== "") finding.package.purl = purl;
  const cvss = preferredCvss(vulnerability);
  if (cvss !== undefined) finding.cvss = cvss;
  return finding;
}

function digestOf(repoDigest: string | undefined): string | undefined {
  const at = repoDigest?.lastIndexOf("@") ?? -1;
  return repoDigest !== undefined && at >= 0 ? repoDigest.slice(at + 1) : undefined;
}

/** Normalises a `trivy image -f json` report (SchemaVersion 2). Throws ReportError. */
export function normaliseTrivyJson(document: unknown): NormalisedReport {
  const version = (document as { SchemaVersion?: unknown } | null)?.SchemaVersion;
  if (version !== 2) {
    throw new ReportError(
      "report-version-unsupported",
      `Trivy JSON SchemaVersion ${JSON.stringify(version)} is not supported; only 2 is`,
    );
  }
  assertReportShape(validateTrivy, document, "Trivy JSON");
  const findings: Finding[] = [];
  for (const result of document.Results) {
    for (const vulnerability of result.Vulnerabilities ?? []) findings.push(toFinding(vulnerability, result.Target));
  }
  const scannerVersion = document.Trivy?.Version;
  const digest = digestOf(document.Metadata?.RepoDigests?.[0]);
  return {
    format: "trivy-json",
    scanner: scannerVersion === undefined ? { name: "Trivy" } : { name: "Trivy", version: scannerVersion },
    artifact: digest === undefined ? { name: document.ArtifactName } : { name: document.ArtifactName, digest },
    findings,
    counts: countBySeverity(findings),
  };
}
