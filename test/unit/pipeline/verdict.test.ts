import { describe, expect, it } from "vitest";
import { combineVerdicts } from "../../../src/pipeline/orchestration/verdict.js";
import { parseImageReference, type VerdictSummary } from "../../../src/pipeline/contract/index.js";

const verdict = (
  decision: VerdictSummary["decision"],
  digest: string,
  counts: Record<string, number> = {},
): VerdictSummary => ({
  decision,
  platforms: [{ digest, decision, reasons: [`${decision} ${digest}`] }],
  severityCounts: counts,
  findings: Object.values(counts).reduce((a, b) => a + b, 0),
  scanner: "Trivy 0.50",
  policyVersion: "abc",
  evaluatedAt: `2026-11-27T10:00:0${digest.length % 10}Z`,
});

describe("combining platform verdicts of an image index", () => {
  it.each([
    [["pass", "pass"], "pass"],
    [["pass", "needsApproval"], "needsApproval"],
    [["needsApproval", "fail"], "fail"],
    [["fail", "pass"], "fail"],
  ] as const)("%j → %s", (decisions, expected) => {
    const combined = combineVerdicts(
      decisions.map((d, i) => verdict(d, `sha256:${i}`)),
      "sha256:index",
    );
    expect(combined.decision).toBe(expected);
    expect(combined.platforms).toHaveLength(decisions.length);
  });

  it("adds the platforms' counts and keeps the latest evaluation time", () => {
    const combined = combineVerdicts(
      [verdict("pass", "a", { High: 1, Low: 2 }), verdict("pass", "bb", { High: 2 })],
      "sha256:index",
    );
    expect(combined.severityCounts).toEqual({ High: 3, Low: 2 });
    expect(combined.findings).toBe(5);
  });

  it("refuses to combine nothing: an index with no scanned platform cannot pass", () => {
    expect(() => combineVerdicts([], "sha256:index")).toThrow(/cannot pass/);
  });

  it("returns a single image's verdict unchanged", () => {
    const single = verdict("needsApproval", "x");
    expect(combineVerdicts([single])).toBe(single);
  });
});

describe("image references for the status endpoint", () => {
  const digest = `sha256:${"e".repeat(64)}`;
  it("parses registry, repository and digest", () => {
    expect(parseImageReference(`myreg.azurecr.io/team/app@${digest}`)).toEqual({
      loginServer: "myreg.azurecr.io",
      repository: "team/app",
      digest,
    });
    expect(parseImageReference(`localhost:5443/app@${digest}`)).toEqual({
      loginServer: "localhost:5443",
      repository: "app",
      digest,
    });
  });
  it.each(["", "app@" + digest, `r.io/app:v1`, `r.io/../app@${digest}`, `r.io/app@sha256:abc`])("rejects %j", (ref) => {
    expect(parseImageReference(ref)).toBeUndefined();
  });
});
