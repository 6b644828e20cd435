import { describe, expect, it } from "vitest";
import { DEFAULT_RULE_SETTINGS, parsePolicy, resolveRule } from "../../../src/policy/index.js";
import { judge, withSeverity } from "./support.js";

const policy = parsePolicy({
  version: 1,
  defaultRule: { blockAt: "High" },
  repositories: [
    { match: ["prod/**"], rule: { blockAt: "Medium", autoRelease: false } },
    { match: ["sandbox/*"], rule: { blockAt: "none", unknownSeverity: "ignore" } },
    { match: ["prod/legacy/**"], rule: { blockAt: "Critical" } },
  ],
});

describe("per-repository rules", () => {
  it.each([
    ["prod/api", { source: "repository", index: 0, pattern: "prod/**" }],
    ["prod/legacy/billing", { source: "repository", index: 0, pattern: "prod/**" }],
    ["PROD/Api", { source: "repository", index: 0, pattern: "prod/**" }],
    ["sandbox/tool", { source: "repository", index: 1, pattern: "sandbox/*" }],
    ["sandbox/deep/tool", { source: "default" }],
    ["team-a/api", { source: "default" }],
    ["production/api", { source: "default" }],
  ])("%s is governed by %j", (repository, from) => {
    expect(resolveRule(policy, repository).from).toEqual(from);
  });

  it("a repository rule overrides only the fields it names", () => {
    expect(resolveRule(policy, "prod/api").settings).toEqual({
      ...DEFAULT_RULE_SETTINGS,
      blockAt: "Medium",
      autoRelease: false,
    });
    expect(resolveRule(policy, "team-a/api").settings).toEqual({ ...DEFAULT_RULE_SETTINGS, blockAt: "High" });
  });

  it("the same Medium finding fails in prod, passes elsewhere", () => {
    const medium = [withSeverity("Medium")];
    expect(judge(policy, medium, { repository: "prod/api" }).decision).toBe("fail");
    expect(judge(policy, medium, { repository: "team-a/api" }).decision).toBe("pass");
  });

  it("the same Critical finding passes in sandbox, fails by default", () => {
    const critical = [withSeverity("Critical"), withSeverity("Unknown")];
    expect(judge(policy, critical, { repository: "sandbox/tool" }).decision).toBe("pass");
    expect(judge(policy, critical, { repository: "team-a/api" }).decision).toBe("fail");
  });

  it("order decides: the first matching entry wins even if a later one is more specific", () => {
    expect(judge(policy, [withSeverity("High")], { repository: "prod/legacy/billing" }).decision).toBe("fail");
  });

  it("the verdict names the rule that decided", () => {
    const verdict = judge(policy, [], { repository: "prod/api" });
    expect(verdict.rule.from).toEqual({ source: "repository", index: 0, pattern: "prod/**" });
    expect(verdict.decision).toBe("needsApproval");
  });
});
