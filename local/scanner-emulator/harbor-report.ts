/**
 * Turns a Trivy JSON report into Harbor's vulnerability report (v1.1), field by field as the Trivy adapter for Harbor
 * does: VulnerabilityID → id, PkgName → package, InstalledVersion → version, FixedVersion → fix_version, the severity
 * name in Harbor's spelling, NVD's CVSS (else the first) as preferred_cvss, references as links.
 */

interface TrivyVulnerability {
  VulnerabilityID: string;
  PkgName: string;
  InstalledVersion: string;
  FixedVersion?: string;
  Severity: string;
  Description?: string;
  References?: string[];
  PrimaryURL?: string;
  CweIDs?: string[];
  CVSS?: Record<string, { V3Score?: number; V3Vector?: string; V2Score?: number; V2Vector?: string }>;
}

export interface TrivyReportLike {
  Results?: { Vulnerabilities?: TrivyVulnerability[] | null }[];
}

export interface HarborArtifact {
  repository: string;
  digest: string;
  tag?: string;
  mime_type?: string;
}

const HARBOR_SEVERITY: Record<string, string> = {
  CRITICAL: "Critical",
  HIGH: "High",
  MEDIUM: "Medium",
  LOW: "Low",
  UNKNOWN: "Unknown",
};
const ORDER = ["Unknown", "Negligible", "Low", "Medium", "High", "Critical"];

function preferredCvss(vulnerability: TrivyVulnerability): object | undefined {
  const all = vulnerability.CVSS ?? {};
  const entry = all["nvd"] ?? Object.values(all)[0];
  if (entry === undefined) return undefined;
  return {
    score_v3: entry.V3Score,
    vector_v3: entry.V3Vector ?? "",
    score_v2: entry.V2Score,
    vector_v2: entry.V2Vector ?? "",
  };
}

export function harborReportFromTrivy(trivy: TrivyReportLike, artifact: HarborArtifact, generatedAt: Date): object {
  const vulnerabilities = (trivy.Results ?? []).flatMap((result) =>
    (result.Vulnerabilities ?? []).map((vulnerability) => {
      const item: Record<string, unknown> = {
        id: vulnerability.VulnerabilityID,
        package: vulnerability.PkgName,
        version: vulnerability.InstalledVersion,
        fix_version: vulnerability.FixedVersion ?? "",
        severity: HARBOR_SEVERITY[vulnerability.Severity.toUpperCase()] ?? "Unknown",
        description: vulnerability.Description ?? "",
        links: vulnerability.References ?? (vulnerability.PrimaryURL ? [vulnerability.PrimaryURL] : []),
        cwe_ids: vulnerability.CweIDs ?? [],
      };
      const cvss = preferredCvss(vulnerability);
      if (cvss !== undefined) item.preferred_cvss = cvss;
      return item;
    }),
  );
  const highest = vulnerabilities.reduce((top, item) => Math.max(top, ORDER.indexOf(String(item.severity))), 0);
  return {
    generated_at: generatedAt.toISOString(),
    artifact,
    scanner: { name: "Trivy", vendor: "Aqua Security", version: "emulated" },
    severity: ORDER[highest],
    vulnerabilities,
  };
}
