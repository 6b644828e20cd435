import type { Finding, NormalisedReport, Severity } from "../../../src/scanning/findings.js";
import {
  evaluatePolicy,
  parsePolicy,
  type OpenVexDocument,
  type PolicyDocument,
  type Verdict,
} from "../../../src/policy/index.js";

export const DIGEST = "sha256:" + "1".repeat(64);
export const OTHER_DIGEST = "sha256:" + "2".repeat(64);
export const NOW = "2025-03-01T12:00:00Z";

let sequence = 0;

export function finding(
  overrides: Partial<Omit<Finding, "package">> & { package?: Partial<Finding["package"]> } = {},
): Finding {
  sequence += 1;
  const { package: pkg, ...rest } = overrides;
  const fixable = rest.fixable ?? true;
  return {
    vulnerabilityId: `CVE-2024-${String(10000 + sequence)}`,
    aliases: [],
    severity: "High",
    target: "app (debian 12)",
    fixable,
    ...rest,
    package: { name: "openssl", installedVersion: "3.0.1", ...(fixable ? { fixedVersion: "3.0.2" } : {}), ...pkg },
  };
}

export function withSeverity(severity: Severity, extra: Partial<Finding> = {}): Finding {
  return finding({ severity, ...extra });
}

export function reportOf(findings: Finding[], digest?: string): NormalisedReport {
  const counts = { Unknown: 0, Negligible: 0, Low: 0, Medium: 0, High: 0, Critical: 0 };
  for (const item of findings) counts[item.severity] += 1;
  return {
    format: "trivy-json",
    scanner: { name: "Trivy" },
    artifact: digest === undefined ? {} : { digest },
    findings,
    counts,
  };
}

export function judge(
  policy: PolicyDocument | object,
  findings: Finding[],
  options: { repository?: string; digest?: string; now?: string; vex?: OpenVexDocument[] } = {},
): Verdict {
  const input = {
    policy: parsePolicy(policy),
    image: { repository: options.repository ?? "team-a/api", digest: options.digest ?? DIGEST },
    report: { ok: true as const, report: reportOf(findings) },
    now: options.now ?? NOW,
  };
  return evaluatePolicy(options.vex === undefined ? input : { ...input, vex: options.vex });
}

export function kinds(verdict: Verdict): string[] {
  return verdict.reasons.map((reason) => reason.kind);
}
