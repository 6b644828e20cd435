import picomatch from "picomatch";
import type { HarborArtifact } from "../scanner-emulator/harbor-report.js";
import type { ScanOutcome } from "../scanner-emulator/scans.js";

/**
 * What the local scanner "finds", by repository name, so the demo and the end-to-end tests can exercise every path
 * of the policy without a vulnerability database: clean images pass, `vulnerable` ones carry a fixable Critical,
 * `risky` ones a High that needs approval, `broken` ones make the scanner fail.
 */
export type AdvisoryKind = "clean" | "risky" | "vulnerable" | "broken";

export const ADVISORIES: Array<{
  match: string;
  kind: Exclude<AdvisoryKind, "clean">;
  outcome: (artifact: HarborArtifact) => ScanOutcome;
}> = [
  {
    match: "**/vulnerable*",
    kind: "vulnerable",
    outcome: (a) => ({
      trivy: trivyReport(a, [vulnerability("CVE-2026-0001", "openssl", "3.0.1", "3.0.9", "CRITICAL")]),
    }),
  },
  {
    match: "vulnerable*",
    kind: "vulnerable",
    outcome: (a) => ({
      trivy: trivyReport(a, [vulnerability("CVE-2026-0001", "openssl", "3.0.1", "3.0.9", "CRITICAL")]),
    }),
  },
  {
    match: "**/risky*",
    kind: "risky",
    outcome: (a) => ({ trivy: trivyReport(a, [vulnerability("CVE-2026-0002", "zlib", "1.2.11", "1.2.13", "HIGH")]) }),
  },
  {
    match: "risky*",
    kind: "risky",
    outcome: (a) => ({ trivy: trivyReport(a, [vulnerability("CVE-2026-0002", "zlib", "1.2.11", "1.2.13", "HIGH")]) }),
  },
  { match: "**/broken*", kind: "broken", outcome: () => ({ fail: "the scanner crashed (local advisory: broken)" }) },
  { match: "broken*", kind: "broken", outcome: () => ({ fail: "the scanner crashed (local advisory: broken)" }) },
];

/** The stack's policy: Critical blocks, High needs a person, everything else passes. */
export const STACK_POLICY = {
  version: 1,
  defaultRule: { blockAt: "Critical", requireApprovalAt: "High", unknownSeverity: "needsApproval" },
};

export function reportFor(artifact: HarborArtifact): ScanOutcome {
  const advisory = advisoryOf(artifact.repository);
  return advisory ? advisory.outcome(artifact) : { trivy: trivyReport(artifact, []) };
}

/** What the built-in advisories make of a repository, by name (what `npm run image` tells people to expect). */
export function advisoryKind(repository: string): AdvisoryKind {
  return advisoryOf(repository)?.kind ?? "clean";
}

function advisoryOf(repository: string) {
  return ADVISORIES.find((a) => picomatch.isMatch(repository, a.match));
}

function vulnerability(id: string, pkg: string, installed: string, fixed: string, severity: string) {
  return {
    VulnerabilityID: id,
    PkgName: pkg,
    InstalledVersion: installed,
    FixedVersion: fixed,
    Severity: severity,
    Title: `${pkg}: local advisory ${id}`,
  };
}

function trivyReport(artifact: HarborArtifact, vulnerabilities: ReturnType<typeof vulnerability>[]) {
  return {
    SchemaVersion: 2,
    ArtifactName: `${artifact.repository}@${artifact.digest}`,
    ArtifactType: "container_image",
    Metadata: { RepoDigests: [`${artifact.repository}@${artifact.digest}`] },
    Results: [
      { Target: `${artifact.repository} (local)`, Class: "os-pkgs", Type: "alpine", Vulnerabilities: vulnerabilities },
    ],
  };
}
