import { describe, expect, it } from "vitest";
import { isGateError } from "../../../src/errors/gate-error.js";
import { loadPolicy, parsePolicy, PolicyError } from "../../../src/policy/index.js";

const exception = {
  vulnerability: "CVE-1",
  expires: "2025-01-01T00:00:00Z",
  justification: "why",
  approvedBy: "who",
};

function problemsOf(document: unknown): string[] {
  try {
    parsePolicy(document);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return [...(error as PolicyError).problems];
  }
  throw new Error("expected the policy to be refused");
}

describe("globs are compiled strictly when the policy loads", () => {
  it.each([
    ["prod/**(", 'Missing closing: ")"'],
    ["prod/**)", 'Missing opening: "("'],
    ["prod/[a", 'Missing closing: "]"'],
    ["prod/{a,b", 'Missing closing: "}"'],
    ["prod/a}", 'Missing opening: "{"'],
    ["+(a", 'Missing closing: ")"'],
  ])("%s is refused at its pointer (%s)", (glob, reason) => {
    const problems = problemsOf({ version: 1, repositories: [{ match: ["ok/**", glob], rule: {} }] });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`/repositories/0/match/1: is not a valid glob (${reason}`);
  });

  it.each(["prod/**", "sandbox/*", "team-{a,b}/**", "app/[abc]*", "svc/@(api|web)", "x/\\}"])("%s loads", (glob) => {
    expect(() => parsePolicy({ version: 1, repositories: [{ match: [glob], rule: {} }] })).not.toThrow();
  });

  it("every bad glob is reported at once, in rules and exceptions", () => {
    expect(
      problemsOf({
        version: 1,
        repositories: [{ match: ["a(", "b["], rule: {} }],
        exceptions: [{ ...exception, repository: "c{" }],
      }).map((problem) => problem.slice(0, problem.indexOf(":"))),
    ).toEqual(["/repositories/0/match/0", "/repositories/0/match/1", "/exceptions/0/repository"]);
  });
});

describe("dates are strict RFC 3339", () => {
  it.each([
    "2025-01-01T00:00:00Z",
    "2025-01-01t00:00:00z",
    "2025-01-01T00:00:00.123456789Z",
    "2025-01-01T01:00:00+01:00",
    "2025-01-01T00:00:00-00:00",
    "2024-02-29T00:00:00Z",
  ])("%s is accepted", (expires) => {
    expect(() => parsePolicy({ version: 1, exceptions: [{ ...exception, expires }] })).not.toThrow();
  });

  it.each([
    ["an offset without minutes", "2025-01-01T00:00:00+01"],
    ["an offset without a colon", "2025-01-01T00:00:00+0100"],
    ["a space for T", "2025-01-01 00:00:00Z"],
    ["a leap second", "2016-12-31T23:59:60Z"],
    ["day 30 of February", "2025-02-30T00:00:00Z"],
    ["hour 24", "2025-01-01T24:00:00Z"],
    ["no seconds", "2025-01-01T00:00Z"],
    ["an expanded year", "+002025-01-01T00:00:00Z"],
  ])("%s is refused at its pointer", (_label, expires) => {
    const problems = problemsOf({ version: 1, exceptions: [{ ...exception, expires }] });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\/exceptions\/0\/expires: /);
  });
});

describe("justifications and approvers need visible characters", () => {
  it.each([
    ["a zero-width space", "\u200b"],
    ["joiners", "\u200d\u2060"],
    ["a byte order mark", "\ufeff"],
    ["a no-break space", "\u00a0"],
    ["a Hangul filler", "\u3164"],
    ["a combining mark alone", "\u0301"],
    ["the Braille blank", "\u2800"],
    ["a tag character", "\u{E0041}"],
  ])("%s alone is refused", (_label, text) => {
    for (const field of ["justification", "approvedBy"]) {
      const problems = problemsOf({ version: 1, exceptions: [{ ...exception, [field]: text }] });
      expect(problems).toEqual([
        `/exceptions/0/${field}: must contain a visible character (not only spaces or invisible characters such as U+200B)`,
      ]);
    }
  });

  it.each(["é", "承認", "\u200bok", "👍"])("%j is visible", (text) => {
    expect(() => parsePolicy({ version: 1, exceptions: [{ ...exception, justification: text }] })).not.toThrow();
  });
});

describe("the load result", () => {
  it("warns when requireApprovalAt is at or above blockAt, where it can never apply", () => {
    const { warnings } = loadPolicy({
      version: 1,
      defaultRule: { blockAt: "High", requireApprovalAt: "High" },
      repositories: [
        { match: ["prod/**"], rule: { blockAt: "Medium" } },
        { match: ["sandbox/**"], rule: { unknownSeverity: "ignore" } },
        { match: ["lab/**"], rule: { blockAt: "Critical" } },
        { match: ["off/**"], rule: { blockAt: "none" } },
      ],
    });
    expect(warnings).toEqual([
      '/defaultRule: requireApprovalAt "High" is at or above blockAt "High", so it never applies (a finding that reaches it blocks); set requireApprovalAt below blockAt, or to "none"',
      '/repositories/0/rule: requireApprovalAt "High" is at or above blockAt "Medium", so it never applies (a finding that reaches it blocks); set requireApprovalAt below blockAt, or to "none"',
    ]);
  });

  it("has no warnings for a sensible policy, and parsePolicy returns the same document", () => {
    const document = { version: 1, defaultRule: { blockAt: "High", requireApprovalAt: "Medium" } };
    expect(loadPolicy(document)).toEqual({ policy: document, warnings: [] });
    expect(parsePolicy(document)).toBe(document);
  });
});

describe("OpenVEX documents in the policy", () => {
  const statement = {
    vulnerability: { name: "CVE-1" },
    products: [{ "@id": "pkg:npm/lodash" }],
    status: "not_affected",
    justification: "vulnerable_code_not_in_execute_path",
  };
  const vex = {
    "@context": "https://openvex.dev/ns/v0.2.0",
    "@id": "https://example.com/vex/1",
    author: "security@contoso.com",
    timestamp: "2024-01-01T00:00:00Z",
    version: 1,
    statements: [statement],
  };

  it("are accepted when valid", () => {
    expect(parsePolicy({ version: 1, vex: [vex] }).vex).toEqual([vex]);
  });

  it("are refused with pointers into the policy when not", () => {
    expect(
      problemsOf({
        version: 1,
        vex: [vex, { ...vex, statements: [{ ...statement, status: "fine" }] }, { ...vex, timestamp: "2024-01-01" }],
      }),
    ).toEqual([
      "/vex/1/statements/0/status: must be equal to one of the allowed values",
      "/vex/2/timestamp: must be an RFC 3339 date-time with a time zone, e.g. 2024-01-31T00:00:00Z",
    ]);
  });
});

describe("errors are GateErrors with stable codes", () => {
  it.each([
    ["not JSON", "{", "policy-not-json"],
    ["invalid", { version: 2 }, "policy-invalid"],
  ])("%s", (_label, input, code) => {
    try {
      parsePolicy(input);
    } catch (error) {
      expect(isGateError(error)).toBe(true);
      expect(error).toMatchObject({ code, name: "PolicyError" });
      return;
    }
    throw new Error("expected a PolicyError");
  });
});
