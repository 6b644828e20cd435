import { describe, expect, it } from "vitest";
import {
  DEFAULT_REMEDIATION,
  PolicyError,
  dueByOf,
  loadPolicy,
  parsePolicy,
  resolveRemediation,
} from "../../../src/policy/index.js";
import { checkRemediation } from "../../../src/policy/remediation.js";
import { gatePolicy } from "../../../src/pipeline/gate-policy.js";

describe("remediation policy", () => {
  it("defaults: Critical 7 d, High 30 d, a 30-day window, block at the deadline, break-glass 24 h", () => {
    const settings = resolveRemediation(parsePolicy({ version: 1 }), "team/api");
    expect(settings).toEqual({
      from: { source: "default" },
      sla: { Critical: 7, High: 30 },
      reevaluationWindowDays: 30,
      onDue: "block",
      protected: false,
      reminderDaysBefore: [7, 1],
      breakGlassExpiryHours: 24,
    });
    expect(DEFAULT_REMEDIATION.onDue).toBe("block");
  });

  const policy = parsePolicy({
    version: 1,
    remediation: {
      sla: { Critical: 3, High: 14, Medium: 60 },
      reevaluationWindowDays: 45,
      reminderDaysBefore: [1, 5],
      breakGlassExpiryHours: 8,
      repositories: [
        { match: ["prod/**"], protected: true, reevaluationWindowDays: 90 },
        { match: ["sandbox/*"], onDue: "warn", sla: { Critical: 30 } },
      ],
    },
  });

  it("a repository entry overrides what it names; its SLA replaces the whole SLA", () => {
    expect(resolveRemediation(policy, "prod/api")).toMatchObject({
      from: { source: "repository", index: 0, pattern: "prod/**" },
      protected: true,
      reevaluationWindowDays: 90,
      onDue: "block",
      sla: { Critical: 3, High: 14, Medium: 60 },
      reminderDaysBefore: [5, 1],
      breakGlassExpiryHours: 8,
    });
    const sandbox = resolveRemediation(policy, "Sandbox/tool");
    expect(sandbox).toMatchObject({ onDue: "warn", sla: { Critical: 30 }, reevaluationWindowDays: 45 });
    expect(sandbox.sla.High).toBeUndefined();
    expect(resolveRemediation(policy, "team/api").from).toEqual({ source: "default" });
  });

  it("dueBy is firstSeen plus the severity's days; no SLA, no own deadline", () => {
    const settings = resolveRemediation(policy, "team/api");
    const seen = new Date("2026-01-01T00:00:00Z");
    expect(dueByOf(settings, "Critical", seen)?.toISOString()).toBe("2026-01-04T00:00:00.000Z");
    expect(dueByOf(settings, "Low", seen)).toBeUndefined();
  });

  it.each([
    [{ onDue: "ignore" }, /\/remediation\/onDue: must be one of "block", "warn"/],
    [{ sla: { Critical: 0 } }, /\/remediation\/sla\/Critical/],
    [{ sla: { Critical: 2.5 } }, /\/remediation\/sla\/Critical/],
    [{ sla: { Severe: 3 } }, /unknown property 'Severe'/],
    [{ reevaluationWindowDays: 100000 }, /reevaluationWindowDays/],
    [{ breakGlassExpiryHours: 0 }, /breakGlassExpiryHours/],
    [{ reminderDaysBefore: [1, 1] }, /reminderDaysBefore/],
    [{ repositories: [{ protected: true }] }, /missing required property 'match'/],
    [{ repositories: [{ match: ["a/**"], breakGlassExpiryHours: 3 }] }, /unknown property 'breakGlassExpiryHours'/],
    [{ colour: "red" }, /unknown property 'colour'/],
  ])("refuses %j with a typed error naming the field", (remediation, message) => {
    let thrown: unknown;
    try {
      loadPolicy({ version: 1, remediation });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PolicyError);
    expect((thrown as PolicyError).code).toBe("policy-invalid");
    expect((thrown as PolicyError).message).toMatch(message);
  });

  it("a glob that does not compile is refused at load, with its pointer and the document's other problems", () => {
    const broken = {
      version: 1,
      exceptions: [],
      remediation: { repositories: [{ match: ["team/*"] }, { match: ["prod/**(", "ok/*", "[z-a]"] }] },
    };
    let thrown: unknown;
    try {
      loadPolicy(broken);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PolicyError);
    expect((thrown as PolicyError).code).toBe("policy-invalid");
    const problems = (thrown as PolicyError).problems;
    expect(problems.filter((p) => p.startsWith("/remediation/repositories/1/match/0: "))).toHaveLength(1);
    expect(problems.filter((p) => p.startsWith("/remediation/repositories/1/match/2: "))).toHaveLength(1);
    expect(problems.some((p) => p.startsWith("/remediation/repositories/0/") || p.includes("/match/1"))).toBe(false);
    // Where the gate loads POLICY_DOCUMENT (the pipeline's policy, /api/health): refused there too.
    expect(() => gatePolicy(broken)).toThrow(PolicyError);
    expect(() => parsePolicy(JSON.stringify(broken))).toThrow(/\/remediation\/repositories\/1\/match\/0/);
  });

  it("a policy that loaded resolves its remediation rules without a second check failing", () => {
    const policy = parsePolicy({ version: 1, remediation: { repositories: [{ match: ["prod/**"], onDue: "warn" }] } });
    expect(() => checkRemediation(policy)).not.toThrow();
    expect(resolveRemediation(policy, "prod/api").onDue).toBe("warn");
  });
});
