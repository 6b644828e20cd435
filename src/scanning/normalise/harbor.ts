import { countBySeverity, type Cvss, type Finding, type NormalisedReport } from "../findings.js";
import { digestField } from "./identity.js";
import { severityFromName } from "./severity.js";
import { listOf, reportReader } from "./validate.js";

interface HarborVulnerability {
  id: string;
  package: string;
  version: string;
  fix_version?: string;
  severity: string;
  preferred_cvss?: { score_v3?: number; score_v2?: number; vector_v3?: string; vector_v2?: string } | null;
}

interface HarborReport {
  scanner?: { name?: string; version?: string };
  artifact?: { repository?: string; digest?: string; tag?: string };
  vulnerabilities: HarborVulnerability[] | null;
}

/**
 * `application/vnd.security.vulnerability.report; version=1.1` (and the older `...vuln.report.harbor+json; version=1.0`,
 * which has the same schema). The spec marks nothing as required; the gate requires `vulnerabilities` (an empty list
 * must be said, not implied; `null`, which a Go adapter writes for an empty slice, is an empty list) and, per entry,
 * what a finding cannot do without. Keys are read as Harbor's Go decoder reads them (goharbor/harbor
 * src/pkg/scan/vuln/report.go: `json:"fix_version"` and friends), so `Fix_version` is the fix version.
 */
const reader = reportReader<HarborReport>(
  {
    type: "object",
    required: ["vulnerabilities"],
    properties: {
      scanner: { type: "object", properties: { name: { type: "string" }, version: { type: "string" } } },
      artifact: {
        type: "object",
        properties: { repository: { type: "string" }, digest: { type: "string" }, tag: { type: "string" } },
      },
      vulnerabilities: listOf({
        type: "object",
        required: ["id", "package", "version", "severity"],
        properties: {
          id: { type: "string", minLength: 1 },
          package: { type: "string", minLength: 1 },
          version: { type: "string" },
          fix_version: { type: "string" },
          severity: { type: "string" },
          preferred_cvss: {
            type: ["object", "null"],
            properties: {
              score_v3: { type: "number" },
              score_v2: { type: "number" },
              vector_v3: { type: "string" },
              vector_v2: { type: "string" },
            },
          },
        },
      }),
    },
  },
  "go",
  "Harbor vulnerability",
);

function cvssOf(vulnerability: HarborVulnerability): Cvss | undefined {
  const preferred = vulnerability.preferred_cvss;
  if (preferred === undefined || preferred === null) return undefined;
  const cvss: Cvss = {};
  if (preferred.score_v3 !== undefined) cvss.v3Score = preferred.score_v3;
  if (preferred.vector_v3 !== undefined && preferred.vector_v3 !== "") cvss.v3Vector = preferred.vector_v3;
  if (preferred.score_v2 !== undefined) cvss.v2Score = preferred.score_v2;
  if (preferred.vector_v2 !== undefined && preferred.vector_v2 !== "") cvss.v2Vector = preferred.vector_v2;
  return Object.keys(cvss).length > 0 ? cvss : undefined;
}

/** Normalises a Harbor Pluggable Scanner vulnerability report. Throws ReportError. */
export function normaliseHarborReport(document: unknown, options: { cvss?: boolean } = {}): NormalisedReport {
  const report = reader.validate(reader.canonical(document));
  const repository = report.artifact?.repository;
  const digest = report.artifact?.digest;
  // A digest the report carries must be one the gate can compare: the same-image check never silently switches off.
  const digests = digest === undefined ? [] : [digestField(digest, "/artifact/digest", "Harbor vulnerability")];
  // Harbor reports cover one artifact and do not name an inner target; the artifact stands in for it.
  const target = [repository, digest].filter((part) => part !== undefined && part !== "").join("@");
  const findings = (report.vulnerabilities ?? []).map((vulnerability): Finding => {
    const fixedVersion = vulnerability.fix_version?.trim() ?? "";
    const finding: Finding = {
      vulnerabilityId: vulnerability.id,
      aliases: [],
      package: { name: vulnerability.package, installedVersion: vulnerability.version },
      severity: severityFromName(vulnerability.severity),
      target,
      fixable: fixedVersion !== "",
    };
    if (fixedVersion !== "") finding.package.fixedVersion = fixedVersion;
    const cvss = options.cvss === false ? undefined : cvssOf(vulnerability);
    if (cvss !== undefined) finding.cvss = cvss;
    return finding;
  });
  const scanner = report.scanner;
  const artifact: NormalisedReport["artifact"] = {};
  if (repository !== undefined) artifact.name = repository;
  if (digests.length > 0) {
    artifact.digest = digests[0] as string;
    artifact.digests = digests;
  }
  return {
    format: "harbor",
    scanner:
      scanner?.version === undefined
        ? { name: scanner?.name ?? "unknown" }
        : { name: scanner.name ?? "unknown", version: scanner.version },
    artifact,
    findings,
    counts: countBySeverity(findings),
  };
}
