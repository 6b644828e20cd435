import { describe, expect, it } from "vitest";
import { loadPolicy, PolicyError, resolveRule } from "../../../src/policy/index.js";
import { requiredApprovals } from "../../../src/policy/rules.js";
import { judgeReport } from "../../../src/pipeline/steps/judge-report.js";
import { DIGEST, NOW, reportOf, withSeverity } from "./support.js";

/** N-of-M: a rule's `approvals` — how many distinct people must approve an image that rule sends to a person. */
describe("policy: approvals (N-of-M)", () => {
  const policy = {
    version: 1,
    defaultRule: { requireApprovalAt: "High", blockAt: "Critical" },
    repositories: [
      { match: ["payments/**"], rule: { approvals: 2 } },
      { match: ["core/**"], rule: { approvals: 3, requireApprovalAt: "Medium" } },
    ],
  };

  it("a matching rule's approvals apply; elsewhere one approval (the default)", () => {
    const loaded = loadPolicy(policy).policy;
    expect(requiredApprovals(resolveRule(loaded, "payments/api").settings)).toBe(2);
    expect(requiredApprovals(resolveRule(loaded, "core/db").settings)).toBe(3);
    expect(requiredApprovals(resolveRule(loaded, "team/app").settings)).toBe(1);
  });

  it("the default rule may set it for every repository", () => {
    const loaded = loadPolicy({ version: 1, defaultRule: { approvals: 2 } }).policy;
    expect(requiredApprovals(resolveRule(loaded, "anything").settings)).toBe(2);
  });

  it.each([
    [0, "/repositories/0/rule/approvals: must be >= 1"],
    [-1, "/repositories/0/rule/approvals: must be >= 1"],
    [21, "/repositories/0/rule/approvals: must be <= 20"],
    [1.5, "/repositories/0/rule/approvals: must be integer"],
    ["2", "/repositories/0/rule/approvals: must be integer"],
    [null, "/repositories/0/rule/approvals: must be integer"],
  ])("approvals %j is refused with a PolicyError naming where", (value, problem) => {
    const bad = { version: 1, repositories: [{ match: ["x/**"], rule: { approvals: value } }] };
    let error: unknown;
    try {
      loadPolicy(bad);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).problems).toContain(problem);
  });

  it("the bounds themselves are accepted", () => {
    for (const approvals of [1, 20]) expect(() => loadPolicy({ version: 1, defaultRule: { approvals } })).not.toThrow();
  });

  it("settings that skipped validation are read strictly: never fewer than one, nonsense is unreachable", () => {
    expect(requiredApprovals({})).toBe(1);
    expect(requiredApprovals({ approvals: 0 })).toBe(1);
    expect(requiredApprovals({ approvals: 2.2 })).toBe(3);
    expect(requiredApprovals({ approvals: Number.NaN })).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("the verdict the pipeline gets carries how many approvals it needs (only when more than one)", async () => {
    const loaded = loadPolicy(policy).policy;
    const judge = (repository: string) =>
      judgeReport(
        { policy: loaded, policyVersion: "p1", vex: undefined, findings: { save: async () => {} } },
        { loginServer: "contoso.azurecr.io", repository, digest: DIGEST },
        { ok: true, report: reportOf([withSeverity("High")], DIGEST) },
        NOW,
      );
    const payments = await judge("payments/api");
    expect(payments.verdict).toMatchObject({ decision: "needsApproval", requiredApprovals: 2 });
    const team = await judge("team/app");
    expect(team.verdict.decision).toBe("needsApproval");
    expect(team.verdict).not.toHaveProperty("requiredApprovals");
  });
});
