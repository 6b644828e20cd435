import { countBySeverity, type Cvss, type Finding, type NormalisedReport } from "../findings.js";
import { ReportError } from "./errors.js";
import { digestInReference, digestOfRepoDigest } from "./identity.js";
import type { SchemaNode } from "./keys.js";
import { preview } from "./preview.js";
import { severityFromName } from "./severity.js";
import { listOf, reportReader } from "./validate.js";

interface TrivyCvssEntry {
  V3Score?: number;
  V3Vector?: string;
  V2Score?: number;
  V2Vector?: string;
}

interface TrivyVulnerability {
  VulnerabilityID: string;
  VendorIDs?: string[] | null;
  PkgName: string;
  PkgIdentifier?: { PURL?: string };
  InstalledVersion: string;
  FixedVersion?: string;
  Severity: string;
  SeveritySource?: string;
  CVSS?: Record<string, TrivyCvssEntry> | null;
}

/** pkg/fanal/types SecretFinding (aquasecurity/trivy): RuleID, Category, Severity, Title, StartLine, EndLine, Match. */
interface TrivySecret {
  RuleID: string;
  Severity: string;
  Category?: string;
  Title?: string;
}

/** pkg/types DetectedMisconfiguration: ID, AVDID, Title, Severity, Status (PASS, FAIL or EXCEPTION). */
interface TrivyMisconfiguration {
  ID: string;
  AVDID?: string;
  Severity: string;
  Status?: string;
}

interface TrivyResult {
  Target: string;
  Vulnerabilities?: TrivyVulnerability[] | null;
  Secrets?: TrivySecret[] | null;
  Misconfigurations?: TrivyMisconfiguration[] | null;
}

interface TrivyReport {
  SchemaVersion: number;
  ArtifactName: string;
  Trivy?: { Version?: string };
  Metadata?: { RepoDigests?: string[] | null };
  Results?: TrivyResult[] | null;
}

const cvssEntry: SchemaNode = {
  type: "object",
  properties: {
    V3Score: { type: "number" },
    V3Vector: { type: "string" },
    V2Score: { type: "number" },
    V2Vector: { type: "string" },
  },
};

const vulnerability: SchemaNode = {
  type: "object",
  required: ["VulnerabilityID", "PkgName", "InstalledVersion", "Severity"],
  properties: {
    VulnerabilityID: { type: "string", minLength: 1 },
    VendorIDs: listOf({ type: "string" }),
    PkgName: { type: "string", minLength: 1 },
    PkgIdentifier: { type: "object", properties: { PURL: { type: "string" } } },
    InstalledVersion: { type: "string" },
    FixedVersion: { type: "string" },
    Severity: { type: "string" },
    SeveritySource: { type: "string" },
    CVSS: { type: ["object", "null"], additionalProperties: cvssEntry },
  },
};

const secret: SchemaNode = {
  type: "object",
  required: ["RuleID", "Severity"],
  properties: {
    RuleID: { type: "string", minLength: 1 },
    Severity: { type: "string" },
    Category: { type: "string" },
    Title: { type: "string" },
  },
};

const misconfiguration: SchemaNode = {
  type: "object",
  required: ["ID", "Severity"],
  properties: {
    ID: { type: "string", minLength: 1 },
    AVDID: { type: "string" },
    Severity: { type: "string" },
    Status: { type: "string" },
  },
};

// Only what the gate reads is constrained; Trivy adds fields between releases and those must not break the gate.
// Field names as pkg/types/report.go writes them (Report, Metadata, Result); Go reads them case-insensitively.
const reader = reportReader<TrivyReport>(
  {
    type: "object",
    required: ["SchemaVersion", "ArtifactName"],
    properties: {
      SchemaVersion: { type: "integer" },
      ArtifactName: { type: "string" },
      Trivy: { type: "object", properties: { Version: { type: "string" } } },
      Metadata: { type: "object", properties: { RepoDigests: listOf({ type: "string" }) } },
      Results: listOf({
        type: "object",
        required: ["Target"],
        properties: {
          Target: { type: "string" },
          Vulnerabilities: listOf(vulnerability),
          Secrets: listOf(secret),
          Misconfigurations: listOf(misconfiguration),
        },
      }),
    },
  },
  "go",
  "Trivy JSON",
);

/** Trivy lists scores per database; the one its severity came from is preferred, then NVD, then the first. */
function preferredCvss(vulnerability: TrivyVulnerability): Cvss | undefined {
  const all = vulnerability.CVSS;
  if (all === undefined || all === null) return undefined;
  let source: string | undefined;
  const preferred = vulnerability.SeveritySource;
  if (preferred !== undefined && Object.hasOwn(all, preferred)) source = preferred;
  else if (Object.hasOwn(all, "nvd")) source = "nvd";
  else source = Object.keys(all)[0];
  const entry = source === undefined ? undefined : all[source];
  if (source === undefined || entry === undefined) return undefined;
  const cvss: Cvss = { source };
  if (entry.V3Score !== undefined) cvss.v3Score = entry.V3Score;
  if (entry.V3Vector !== undefined) cvss.v3Vector = entry.V3Vector;
  if (entry.V2Score !== undefined) cvss.v2Score = entry.V2Score;
  if (entry.V2Vector !== undefined) cvss.v2Vector = entry.V2Vector;
  return cvss;
}

function vulnerabilityFinding(vulnerability: TrivyVulnerability, target: string): Finding {
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

/** A leaked secret: the rule that found it is its id, the file it is in stands where a package would. */
function secretFinding(found: TrivySecret, target: string): Finding {
  return {
    kind: "secret",
    vulnerabilityId: found.RuleID,
    aliases: [],
    package: { name: target, installedVersion: "" },
    severity: severityFromName(found.Severity),
    target,
    fixable: false,
  };
}

/**
 * Trivy's own Results.Failed() counts a misconfiguration only when its Status is FAIL; PASS and EXCEPTION (excepted
 * by Trivy's configuration) are not problems. Any other status, or none, counts: the gate does not guess a pass.
 */
function misconfigurationFinding(check: TrivyMisconfiguration, target: string): Finding | undefined {
  if (check.Status === "PASS" || check.Status === "EXCEPTION") return undefined;
  return {
    kind: "misconfiguration",
    vulnerabilityId: check.ID,
    aliases: check.AVDID !== undefined && check.AVDID !== "" && check.AVDID !== check.ID ? [check.AVDID] : [],
    package: { name: target, installedVersion: "" },
    severity: severityFromName(check.Severity),
    target,
    fixable: false,
  };
}

function digestsOf(report: TrivyReport): string[] {
  const digests: string[] = [];
  const repoDigests = report.Metadata?.RepoDigests ?? [];
  for (let index = 0; index < repoDigests.length; index += 1) {
    const digest = digestOfRepoDigest(repoDigests[index] as string, `/Metadata/RepoDigests/${index}`, "Trivy JSON");
    if (!digests.includes(digest)) digests.push(digest);
  }
  const named = digestInReference(report.ArtifactName, "/ArtifactName", "Trivy JSON");
  if (named !== undefined && !digests.includes(named)) digests.push(named);
  return digests;
}

/**
 * Normalises a `trivy image -f json` report (SchemaVersion 2). Keys are read as Trivy's Go decoder reads them;
 * `null` lists are empty. No Results, null or empty, means Trivy found nothing to scan: the report is readable but
 * `unscanned`, never clean. Secrets and misconfigurations are findings of their own kind. Throws ReportError.
 */
export function normaliseTrivyJson(document: unknown): NormalisedReport {
  const canonical = reader.canonical(document);
  const version = (canonical as { SchemaVersion?: unknown } | null)?.SchemaVersion;
  if (version !== 2) {
    throw new ReportError(
      "report-version-unsupported",
      `Trivy JSON SchemaVersion ${preview(version)} is not supported; only 2 is`,
    );
  }
  const report = reader.validate(canonical);
  const findings: Finding[] = [];
  const results = report.Results ?? [];
  for (let index = 0; index < results.length; index += 1) {
    const result = results[index] as TrivyResult;
    const target = result.Target;
    const vulnerabilities = result.Vulnerabilities;
    if (vulnerabilities) for (const item of vulnerabilities) findings.push(vulnerabilityFinding(item, target));
    if (result.Secrets) for (const item of result.Secrets) findings.push(secretFinding(item, target));
    if (result.Misconfigurations) {
      for (const item of result.Misconfigurations) {
        const finding = misconfigurationFinding(item, target);
        if (finding !== undefined) findings.push(finding);
      }
    }
  }
  const scannerVersion = report.Trivy?.Version;
  const digests = digestsOf(report);
  const artifact: NormalisedReport["artifact"] = { name: report.ArtifactName };
  if (digests.length > 0) {
    artifact.digest = digests[0] as string;
    artifact.digests = digests;
  }
  const normalised: NormalisedReport = {
    format: "trivy-json",
    scanner: scannerVersion === undefined ? { name: "Trivy" } : { name: "Trivy", version: scannerVersion },
    artifact,
    findings,
    counts: countBySeverity(findings),
  };
  if (results.length === 0) {
    normalised.unscanned = {
      code: "nothing-scanned",
      message: "The Trivy report has no Results: Trivy found nothing it could scan in the image",
    };
  }
  return normalised;
}
