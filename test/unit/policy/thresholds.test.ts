import { describe, expect, it } from "vitest";
import type { Severity } from "../../../src/scanning/findings.js";
import { judge, kinds, withSeverity } from "./support.js";

const severities: Severity[] = ["Negligible", "Low", "Medium", "High", "Critical"];

describe("block-at threshold", () => {
  // [blockAt, severity of the only finding, expected decision]
  const table: [string, Severity, string][] = [
    ["Critical", "Critical", "fail"],
    ["Critical", "High", "pass"],
    ["High", "High", "fail"],
    ["High", "Medium", "pass"],
    ["Medium", "Medium", "fail"],
    ["Medium", "Low", "pass"],
    ["Low", "Low", "fail"],
    ["Low", "Negligible", "pass"],
    ["Negligible", "Negligible", "fail"],
    ["none", "Critical", "pass"],
  ];
  it.each(table)("blockAt %s, one %s finding → %s", (blockAt, severity, decision) => {
    const verdict = judge({ version: 1, defaultRule: { blockAt } }, [withSeverity(severity)]);
    expect(verdict.decision).toBe(decision);
    expect(verdict.tally.blocking).toBe(decision === "fail" ? 1 : 0);
    expect(verdict.tally.belowThreshold).toBe(decision === "pass" ? 1 : 0);
  });

  it("the built-in default blocks High and above", () => {
    const decisions = severities.map((severity) => judge({ version: 1 }, [withSeverity(severity)]).decision);
    expect(decisions).toEqual(["pass", "pass", "pass", "fail", "fail"]);
  });

  it("a clean report passes, with no reasons", () => {
    const verdict = judge({ version: 1 }, []);
    expect(verdict.decision).toBe("pass");
    expect(verdict.reasons).toEqual([]);
    expect(verdict.evaluatedAt).toBe("2025-03-01T12:00:00.000Z");
  });

  it("names the finding, the setting and the threshold in the reason", () => {
    const high = withSeverity("High", { vulnerabilityId: "CVE-2024-0001" });
    const verdict = judge({ version: 1, defaultRule: { blockAt: "Medium" } }, [high, withSeverity("Low")]);
    expect(verdict.reasons).toEqual([
      {
        kind: "finding-blocks",
        setting: "blockAt",
        threshold: "Medium",
        finding: {
          vulnerabilityId: "CVE-2024-0001",
          package: "openssl",
          installedVersion: "3.0.1",
          target: "app (debian 12)",
          severity: "High",
        },
      },
    ]);
    expect(verdict.rule).toEqual({
      from: { source: "default" },
      settings: expect.objectContaining({ blockAt: "Medium" }),
    });
  });
});

describe("ignore-unfixed", () => {
  it("ignores an unfixed Critical only when the rule says so", () => {
    const unfixed = withSeverity("Critical", { fixable: false });
    expect(judge({ version: 1 }, [unfixed]).decision).toBe("fail");
    const verdict = judge({ version: 1, defaultRule: { ignoreUnfixed: true } }, [unfixed]);
    expect(verdict.decision).toBe("pass");
    expect(kinds(verdict)).toEqual(["unfixed-ignored"]);
    expect(verdict.tally.ignoredUnfixed).toBe(1);
  });

  it("still blocks a fixable finding next to an ignored unfixed one", () => {
    const verdict = judge({ version: 1, defaultRule: { ignoreUnfixed: true } }, [
      withSeverity("Critical", { fixable: false }),
      withSeverity("High", { fixable: true }),
    ]);
    expect(verdict.decision).toBe("fail");
    expect(kinds(verdict)).toEqual(["unfixed-ignored", "finding-blocks"]);
  });
});

describe("unknown severity", () => {
  it.each([
    ["fail", "fail", ["finding-blocks"]],
    ["needsApproval", "needsApproval", ["finding-needs-approval"]],
    ["ignore", "pass", ["unknown-severity-ignored"]],
  ])("unknownSeverity %s → %s", (unknownSeverity, decision, reasonKinds) => {
    const verdict = judge({ version: 1, defaultRule: { unknownSeverity } }, [withSeverity("Unknown")]);
    expect(verdict.decision).toBe(decision);
    expect(kinds(verdict)).toEqual(reasonKinds);
    if (verdict.reasons[0]?.kind === "finding-blocks" || verdict.reasons[0]?.kind === "finding-needs-approval") {
      expect(verdict.reasons[0].setting).toBe("unknownSeverity");
    }
  });

  it("fails by default, even with every threshold off", () => {
    expect(judge({ version: 1, defaultRule: { blockAt: "none" } }, [withSeverity("Unknown")]).decision).toBe("fail");
  });

  it("ignore-unfixed applies to Unknown findings too", () => {
    const verdict = judge({ version: 1, defaultRule: { ignoreUnfixed: true } }, [
      withSeverity("Unknown", { fixable: false }),
    ]);
    expect(verdict.decision).toBe("pass");
  });
});

describe("needsApproval paths", () => {
  const policy = { version: 1, defaultRule: { blockAt: "Critical", requireApprovalAt: "Medium" } };

  it.each([
    ["Critical", "fail"],
    ["High", "needsApproval"],
    ["Medium", "needsApproval"],
    ["Low", "pass"],
  ] as [Severity, string][])("blockAt Critical, requireApprovalAt Medium: a %s finding → %s", (severity, decision) => {
    expect(judge(policy, [withSeverity(severity)]).decision).toBe(decision);
  });

  it("a blocking finding outranks findings needing approval", () => {
    const verdict = judge(policy, [withSeverity("High"), withSeverity("Critical"), withSeverity("Medium")]);
    expect(verdict.decision).toBe("fail");
    expect(verdict.tally).toMatchObject({ blocking: 1, needingApproval: 2 });
    expect(kinds(verdict)).toEqual(["finding-needs-approval", "finding-blocks", "finding-needs-approval"]);
  });

  it("autoRelease false holds even a clean image for approval", () => {
    const verdict = judge({ version: 1, defaultRule: { autoRelease: false } }, [withSeverity("Low")]);
    expect(verdict.decision).toBe("needsApproval");
    expect(kinds(verdict)).toEqual(["auto-release-off"]);
  });

  it("autoRelease false does not soften a failure", () => {
    expect(judge({ version: 1, defaultRule: { autoRelease: false } }, [withSeverity("Critical")]).decision).toBe(
      "fail",
    );
  });

  it("an ignored unfixed finding does not need approval", () => {
    const verdict = judge({ version: 1, defaultRule: { ...policy.defaultRule, ignoreUnfixed: true } }, [
      withSeverity("High", { fixable: false }),
    ]);
    expect(verdict.decision).toBe("pass");
  });
});
