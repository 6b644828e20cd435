import { describe, expect, it } from "vitest";
import { verdictToSarif } from "../../../src/attest/sarif.js";
import { normaliseSarif } from "../../../src/scanning/normalise/index.js";
import type { VerdictSummary } from "../../../src/pipeline/contract/index.js";

const verdict: VerdictSummary = {
  decision: "fail",
  platforms: [
    {
      digest: "sha256:" + "a".repeat(64),
      decision: "fail",
      reasons: [
        "CVE-2019-18224 (CRITICAL) in libidn2-0 2.0.5-1 blocks (blockOn Critical)",
        "CVE-2019-18224 (CRITICAL) in libidn2-dev 2.0.5-1 blocks (blockOn Critical)",
        "GHSA-xxxx-yyyy-zzzz (LOW) in lodash needs approval (approvalOn Low)",
        "no usable scan report (truncated): cut",
      ],
    },
  ],
  severityCounts: { Critical: 2, Low: 1 },
  findings: 3,
  scanner: "Trivy",
  policyVersion: "0123456789ab",
  evaluatedAt: "2026-12-02T07:00:00.000Z",
};

describe("the decision's scan report as SARIF 2.1.0", () => {
  const log = verdictToSarif(verdict, { image: "r.example/team/app", digest: "sha256:" + "a".repeat(64) });
  const run = log.runs[0]!;

  it("has what Ratify's vulnerability-report verifier reads: one run, driver name, a ruleId per result, Severity help", () => {
    expect(log.version).toBe("2.1.0");
    expect(run.tool.driver.name).toBe("Trivy");
    expect(run.results.every((r) => r.ruleId.length > 0)).toBe(true);
    for (const result of run.results) {
      const rule = run.tool.driver.rules.find((r) => r.id === result.ruleId)!;
      // Ratify's SeverityRegex, `Severity:\s*(\w+)`, on the rule's help text.
      expect(rule.help.text).toMatch(/Severity:\s*(\w+)/);
    }
    expect(run.tool.driver.rules.find((r) => r.id === "CVE-2019-18224")!.help.text).toMatch(/Severity: CRITICAL$/);
  });

  it("one rule per id, one result per finding reason, levels from severity; other reasons in properties", () => {
    expect(run.results).toHaveLength(3);
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(["CVE-2019-18224", "GHSA-xxxx-yyyy-zzzz"]);
    expect(run.results.map((r) => r.level)).toEqual(["error", "error", "note"]);
    expect(run.properties.gateReasons).toEqual(["no usable scan report (truncated): cut"]);
    expect(run.properties).toMatchObject({ decision: "fail", severityCounts: { Critical: 2, Low: 1 }, findings: 3 });
  });

  it("is valid against the SARIF 2.1.0 schema, by the project's own SARIF reader", () => {
    // The normaliser validates SARIF against the OASIS schema it ships (src/scanning/normalise/sarif.ts).
    const report = normaliseSarif(JSON.parse(JSON.stringify(log)));
    expect(report.artifact.digest).toBe("sha256:" + "a".repeat(64));
    expect(
      report.findings.map((f) => [f.vulnerabilityId, f.package.name, f.package.installedVersion, f.severity]),
    ).toEqual([
      ["CVE-2019-18224", "libidn2-0", "2.0.5-1", "Critical"],
      ["CVE-2019-18224", "libidn2-dev", "2.0.5-1", "Critical"],
      ["GHSA-xxxx-yyyy-zzzz", "lodash", "unknown", "Low"],
    ]);
  });

  it("without a verdict (an override of an unusable report) is still a valid, empty run", () => {
    const empty = verdictToSarif(undefined, { image: "r/x", digest: "sha256:" + "b".repeat(64) });
    expect(empty.runs[0]!.results).toEqual([]);
    expect(empty.runs[0]!.tool.driver.name).toBe("acr-quarantine-gate");
  });
});
