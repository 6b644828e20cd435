import { describe, expect, it } from "vitest";
import { DIGEST, OTHER_DIGEST, finding, judge, kinds } from "./support.js";

const exception = {
  id: "EXC-1",
  vulnerability: "CVE-2024-1111",
  expires: "2025-06-30T00:00:00Z",
  justification: "not reachable",
  approvedBy: "security@contoso.com",
};
const critical = (): ReturnType<typeof finding> => finding({ vulnerabilityId: "CVE-2024-1111", severity: "Critical" });
const policyWith = (overrides: object = {}): object => ({ version: 1, exceptions: [{ ...exception, ...overrides }] });

describe("exceptions and their expiry", () => {
  it("an exception within its date passes the finding, and says which exception", () => {
    const verdict = judge(policyWith(), [critical()], { now: "2025-06-29T23:59:59Z" });
    expect(verdict.decision).toBe("pass");
    expect(verdict.reasons).toEqual([
      {
        kind: "exception-applied",
        finding: expect.objectContaining({ vulnerabilityId: "CVE-2024-1111" }),
        exception: {
          index: 0,
          id: "EXC-1",
          vulnerability: "CVE-2024-1111",
          expires: "2025-06-30T00:00:00Z",
          approvedBy: "security@contoso.com",
          justification: "not reachable",
        },
      },
    ]);
    expect(verdict.tally.excepted).toBe(1);
  });

  it("the same exception, expired, blocks and is reported as expired", () => {
    const verdict = judge(policyWith(), [critical()], { now: "2025-07-01T00:00:00Z" });
    expect(verdict.decision).toBe("fail");
    expect(kinds(verdict)).toEqual(["exception-expired", "finding-blocks"]);
    expect(verdict.reasons[0]).toMatchObject({ exception: { id: "EXC-1", expires: "2025-06-30T00:00:00Z" } });
  });

  it("expires is exclusive: at the instant itself the exception no longer holds", () => {
    expect(judge(policyWith(), [critical()], { now: "2025-06-30T00:00:00Z" }).decision).toBe("fail");
    expect(judge(policyWith(), [critical()], { now: "2025-06-29T23:59:59.999Z" }).decision).toBe("pass");
  });

  it("honours the time zone of expires", () => {
    const policy = policyWith({ expires: "2025-06-30T02:00:00+02:00" });
    expect(judge(policy, [critical()], { now: "2025-06-30T00:00:00Z" }).decision).toBe("fail");
    expect(judge(policy, [critical()], { now: "2025-06-29T23:30:00Z" }).decision).toBe("pass");
  });

  it("an expired and a valid exception for one finding: the valid one applies", () => {
    const policy = {
      version: 1,
      exceptions: [
        { ...exception, expires: "2025-01-01T00:00:00Z" },
        { ...exception, id: "EXC-2" },
      ],
    };
    const verdict = judge(policy, [critical()]);
    expect(verdict.decision).toBe("pass");
    expect(verdict.reasons).toMatchObject([{ kind: "exception-applied", exception: { index: 1, id: "EXC-2" } }]);
  });

  it("matches an alias, case-insensitively", () => {
    const aliased = finding({
      vulnerabilityId: "GHSA-xxxx-yyyy-zzzz",
      aliases: ["CVE-2024-1111"],
      severity: "Critical",
    });
    expect(judge(policyWith({ vulnerability: "cve-2024-1111" }), [aliased]).decision).toBe("pass");
  });

  it.each([
    ["package", { package: "openssl" }, {}, "pass"],
    ["another package", { package: "zlib" }, {}, "fail"],
    ["repository glob", { repository: "team-a/**" }, { repository: "team-a/api/v2" }, "pass"],
    ["another repository", { repository: "team-b/*" }, { repository: "team-a/api" }, "fail"],
    ["digest", { digest: DIGEST }, { digest: DIGEST }, "pass"],
    ["another digest", { digest: OTHER_DIGEST }, { digest: DIGEST }, "fail"],
  ])("scoped to %s → %s", (_label, scope, image, decision) => {
    expect(judge(policyWith(scope), [critical()], image).decision).toBe(decision);
  });

  it("excuses only the findings it names", () => {
    const verdict = judge(policyWith(), [
      critical(),
      finding({ vulnerabilityId: "CVE-2024-2222", severity: "Critical" }),
    ]);
    expect(verdict.decision).toBe("fail");
    expect(kinds(verdict)).toEqual(["exception-applied", "finding-blocks"]);
  });

  it("turns a needsApproval finding into a pass while valid", () => {
    const policy = { version: 1, defaultRule: { blockAt: "none", requireApprovalAt: "High" }, exceptions: [exception] };
    expect(judge(policy, [critical()]).decision).toBe("pass");
    expect(judge(policy, [critical()], { now: "2026-01-01T00:00:00Z" }).decision).toBe("needsApproval");
  });
});

describe("an exception named by both the id and an alias", () => {
  it("is reported once when expired", () => {
    const twice = finding({ vulnerabilityId: "CVE-2024-1111", aliases: ["cve-2024-1111"], severity: "Critical" });
    const verdict = judge(policyWith(), [twice], { now: "2026-01-01T00:00:00Z" });
    expect(kinds(verdict)).toEqual(["exception-expired", "finding-blocks"]);
  });
});
