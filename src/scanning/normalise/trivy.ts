import { countBySeverity, type Cvss, type Finding, type NormalisedReport } from "../findings.js";
import { ReportError } from "./errors.js";
import { digestInReference, digestOfRepoDigest } from "./identity.js";
import { cleanFewKeys, cleanKeys, type Path, type SchemaNode } from "./keys.js";
import { preview } from "./preview.js";
import { severityFromName } from "./severity.js";
import { listOf, reportReader, type ReportReader } from "./validate.js";

interface TrivyVulnerability {
  VulnerabilityID: string;
  VendorIDs?: string[] | null;
  PkgName: string;
  PkgIdentifier?: { PURL?: string };
  InstalledVersion: string;
  FixedVersion?: string;
  Severity: string;
  SeveritySource?: string;
  CVSS?: Record<string, unknown> | null;
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
  Vulnerabilities?: unknown[] | null;
  Secrets?: unknown[] | null;
  Misconfigurations?: unknown[] | null;
}

interface TrivyReport {
  SchemaVersion: number;
  ArtifactName: string;
  Trivy?: { Version?: string };
  Metadata?: { RepoDigests?: string[] | null };
  Results?: TrivyResult[] | null;
}

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
    // Scores per database are informational (no decision reads them): a score of the wrong type is left out of the
    // finding's cvss rather than refusing the report (preferredCvss checks each).
    CVSS: { type: ["object", "null"] },
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
// The report's frame is read first; each finding is then read (keys, schema, finding) in one visit, so thousands of
// them cost one pass over memory rather than three.
const nullableList = { type: ["array", "null"] };
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
          Vulnerabilities: nullableList,
          Secrets: nullableList,
          Misconfigurations: nullableList,
        },
      }),
    },
  },
  "go",
  "Trivy JSON",
);
const vulnerabilityReader = reportReader<TrivyVulnerability>(vulnerability, "go", "Trivy JSON");
const secretReader = reportReader<TrivySecret>(secret, "go", "Trivy JSON");
const misconfigurationReader = reportReader<TrivyMisconfiguration>(misconfiguration, "go", "Trivy JSON");

const pkgIdentifierShape = vulnerabilityReader.shape.children.find(([field]) => field === "PkgIdentifier")?.[1];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const optionalString = (value: unknown): boolean => value === undefined || typeof value === "string";

/**
 * The common case of a vulnerability, read in one visit: every key spelt exactly (or naming nothing the gate reads)
 * and every field of the type the schema says. Anything else returns undefined and takes the full path (keys.ts,
 * then the schema through Ajv, which names the problem); the fuzz test checks that both paths agree. This is what
 * keeps judging a 5,000-finding report close to the cost of JSON.parse: one pass over memory instead of three.
 */
function fastVulnerability(raw: unknown, target: string, withCvss: boolean): Finding | undefined {
  if (!isRecord(raw) || !cleanKeys(vulnerabilityReader.shape, raw)) return undefined;
  const id = raw["VulnerabilityID"];
  const name = raw["PkgName"];
  const installed = raw["InstalledVersion"];
  const severity = raw["Severity"];
  if (typeof id !== "string" || id === "" || typeof name !== "string" || name === "") return undefined;
  if (typeof installed !== "string" || typeof severity !== "string") return undefined;
  const fixed = raw["FixedVersion"];
  const severitySource = raw["SeveritySource"];
  if (!optionalString(fixed) || !optionalString(severitySource)) return undefined;
  const vendorIds = raw["VendorIDs"];
  if (vendorIds !== undefined && vendorIds !== null) {
    if (!Array.isArray(vendorIds)) return undefined;
    for (const item of vendorIds) if (typeof item !== "string") return undefined;
  }
  const identifier = raw["PkgIdentifier"];
  let purl: unknown;
  if (identifier !== undefined) {
    if (!isRecord(identifier) || pkgIdentifierShape === undefined || !cleanFewKeys(pkgIdentifierShape, identifier))
      return undefined;
    purl = identifier["PURL"];
    if (!optionalString(purl)) return undefined;
  }
  const cvss = raw["CVSS"];
  if (cvss !== undefined && cvss !== null && !isRecord(cvss)) return undefined;
  return findingOf(
    id,
    vendorIds as string[] | null | undefined,
    name,
    purl as string | undefined,
    installed,
    fixed as string | undefined,
    severity,
    cvss as Record<string, unknown> | null | undefined,
    severitySource as string | undefined,
    target,
    withCvss,
  );
}

function each<T>(
  list: readonly unknown[] | null | undefined,
  entryReader: ReportReader<T>,
  path: Path,
  visit: (entry: T) => void,
): void {
  if (!list) return;
  for (let index = 0; index < list.length; index += 1) {
    path.push(index);
    visit(entryReader.validate(entryReader.canonical(list[index], path), path));
    path.pop();
  }
}

/**
 * Trivy lists scores per database; the one its severity came from is preferred, then NVD, then the first. Every key
 * is always there (undefined when absent), so all findings share one object shape and the policy reads them fast.
 */
function preferredCvss(
  all: Record<string, unknown> | null | undefined,
  preferred: string | undefined,
): Cvss | undefined {
  if (all === undefined || all === null) return undefined;
  let source: string | undefined;
  // A plain read, not hasOwn: a name from the prototype ("constructor") gives a function, refused just below.
  if (preferred !== undefined && all[preferred] !== undefined) source = preferred;
  else if (all["nvd"] !== undefined) source = "nvd";
  else for (source in all) break;
  const entry: unknown = source === undefined ? undefined : all[source];
  if (source === undefined || typeof entry !== "object" || entry === null) return undefined;
  const { V3Score, V3Vector, V2Score, V2Vector } = entry as Record<string, unknown>;
  return {
    source,
    v3Score: typeof V3Score === "number" ? V3Score : undefined,
    v3Vector: typeof V3Vector === "string" ? V3Vector : undefined,
    v2Score: typeof V2Score === "number" ? V2Score : undefined,
    v2Vector: typeof V2Vector === "string" ? V2Vector : undefined,
  };
}

/** Shared by every finding without aliases (most of them): frozen, so nothing can add to all of them at once. */
const NO_ALIASES = Object.freeze([]) as unknown as string[];

/** One vulnerability finding, every key always present (undefined when absent): one object shape for all of them. */
function findingOf(
  id: string,
  vendorIds: string[] | null | undefined,
  name: string,
  purl: string | undefined,
  installed: string,
  fixed: string | undefined,
  severity: string,
  cvss: Record<string, unknown> | null | undefined,
  severitySource: string | undefined,
  target: string,
  withCvss: boolean,
): Finding {
  const fixedVersion = fixed?.trim() ?? "";
  return {
    vulnerabilityId: id,
    aliases: vendorIds ?? NO_ALIASES,
    package: {
      name,
      purl: purl === "" ? undefined : purl,
      installedVersion: installed,
      fixedVersion: fixedVersion === "" ? undefined : fixedVersion,
    },
    severity: severityFromName(severity),
    cvss: withCvss ? preferredCvss(cvss, severitySource) : undefined,
    target,
    fixable: fixedVersion !== "",
  };
}

function vulnerabilityFinding(vulnerability: TrivyVulnerability, target: string, withCvss: boolean): Finding {
  return findingOf(
    vulnerability.VulnerabilityID,
    vulnerability.VendorIDs,
    vulnerability.PkgName,
    vulnerability.PkgIdentifier?.PURL,
    vulnerability.InstalledVersion,
    vulnerability.FixedVersion,
    vulnerability.Severity,
    vulnerability.CVSS,
    vulnerability.SeveritySource,
    target,
    withCvss,
  );
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
export function normaliseTrivyJson(
  document: unknown,
  /** fast: false reads every finding the full way (for the test that both ways agree); cvss: false leaves scores out. */
  options: { fast?: boolean; cvss?: boolean } = {},
): NormalisedReport {
  const withCvss = options.cvss !== false;
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
  const path: Path = ["Results"];
  for (let index = 0; index < results.length; index += 1) {
    const result = results[index] as TrivyResult;
    const target = result.Target;
    path.push(index, "Vulnerabilities");
    const vulnerabilities = result.Vulnerabilities;
    if (vulnerabilities) {
      for (let at = 0; at < vulnerabilities.length; at += 1) {
        const raw = vulnerabilities[at];
        let finding = options.fast === false ? undefined : fastVulnerability(raw, target, withCvss);
        if (finding === undefined) {
          path.push(at);
          finding = vulnerabilityFinding(
            vulnerabilityReader.validate(vulnerabilityReader.canonical(raw, path), path),
            target,
            withCvss,
          );
          path.pop();
        }
        findings.push(finding);
      }
    }
    path[2] = "Secrets";
    each(result.Secrets, secretReader, path, (item) => findings.push(secretFinding(item, target)));
    path[2] = "Misconfigurations";
    each(result.Misconfigurations, misconfigurationReader, path, (item) => {
      const finding = misconfigurationFinding(item, target);
      if (finding !== undefined) findings.push(finding);
    });
    path.length = 1;
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
