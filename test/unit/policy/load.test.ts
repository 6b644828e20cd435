import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parsePolicy, PolicyError } from "../../../src/policy/index.js";
import { projectRoot } from "../../support/paths.js";

const exampleText = readFileSync(join(projectRoot, "test", "fixtures", "policy", "example.json"), "utf8");
const example = JSON.parse(exampleText) as Record<string, unknown>;

function problemsOf(input: unknown): readonly string[] {
  try {
    parsePolicy(input);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as PolicyError).problems;
  }
  throw new Error("expected the policy to be refused");
}

const exception = { vulnerability: "CVE-1", expires: "2025-01-01T00:00:00Z", justification: "why", approvedBy: "who" };

describe("policy document validation", () => {
  it("accepts the documented example, from text or a parsed value", () => {
    expect(parsePolicy(exampleText)).toEqual(example);
    expect(parsePolicy(example)).toBe(example);
  });

  it("the example in docs/policy.md is the fixture", () => {
    const docs = readFileSync(join(projectRoot, "docs", "policy.md"), "utf8");
    const block = /```json policy-example\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(block).toBeDefined();
    expect(JSON.parse(block ?? "null")).toEqual(example);
  });

  it("accepts the smallest policy", () => {
    expect(parsePolicy({ version: 1 })).toEqual({ version: 1 });
  });

  it.each([
    ["version 2", { version: 2 }, ["/version: must be 1"]],
    ["no version", {}, ["(document root): missing required property 'version'"]],
    ["an unknown top-level property", { version: 1, allowlist: [] }, ["(document root): unknown property 'allowlist'"]],
    [
      "a misspelt rule field",
      { version: 1, defaultRule: { blockat: "High" } },
      ["/defaultRule: unknown property 'blockat'"],
    ],
    [
      "a wrong severity",
      { version: 1, defaultRule: { blockAt: "Severe" } },
      ['/defaultRule/blockAt: must be one of "Critical", "High", "Medium", "Low", "Negligible", "none"'],
    ],
    [
      "Unknown as a threshold",
      { version: 1, defaultRule: { requireApprovalAt: "Unknown" } },
      ['/defaultRule/requireApprovalAt: must be one of "Critical", "High", "Medium", "Low", "Negligible", "none"'],
    ],
    [
      "a wrong unknownSeverity",
      { version: 1, defaultRule: { unknownSeverity: "pass" } },
      ['/defaultRule/unknownSeverity: must be one of "fail", "needsApproval", "ignore"'],
    ],
    [
      "a string for a boolean",
      { version: 1, defaultRule: { ignoreUnfixed: "yes" } },
      ["/defaultRule/ignoreUnfixed: must be boolean"],
    ],
    [
      "a repository rule without globs",
      { version: 1, repositories: [{ match: [], rule: {} }] },
      ["/repositories/0/match: must NOT have fewer than 1 items"],
    ],
    [
      "a repository rule without a rule",
      { version: 1, repositories: [{ match: ["a/*"] }] },
      ["/repositories/0: missing required property 'rule'"],
    ],
    [
      "an exception without expiry",
      { version: 1, exceptions: [{ ...exception, expires: undefined }] },
      ["/exceptions/0: missing required property 'expires'"],
    ],
    [
      "an expiry without a zone",
      { version: 1, exceptions: [{ ...exception, expires: "2025-01-01T00:00:00" }] },
      ["/exceptions/0/expires: must be an RFC 3339 date-time with a time zone, e.g. 2025-01-31T00:00:00Z"],
    ],
    [
      "a date for an expiry",
      { version: 1, exceptions: [{ ...exception, expires: "2025-01-01" }] },
      ["/exceptions/0/expires: must be an RFC 3339 date-time with a time zone, e.g. 2025-01-31T00:00:00Z"],
    ],
    [
      "a blank justification",
      { version: 1, exceptions: [{ ...exception, justification: "   " }] },
      [
        "/exceptions/0/justification: must contain a visible character (not only spaces or invisible characters such as U+200B)",
      ],
    ],
    [
      "no approver",
      { version: 1, exceptions: [{ ...exception, approvedBy: undefined }] },
      ["/exceptions/0: missing required property 'approvedBy'"],
    ],
    [
      "a tag for a digest",
      { version: 1, exceptions: [{ ...exception, digest: "latest" }] },
      ["/exceptions/0/digest: must be a digest such as sha256:<hex>"],
    ],
  ])("refuses %s, saying exactly where", (_label, document, problems) => {
    expect(problemsOf(JSON.parse(JSON.stringify(document)))).toEqual(problems);
  });

  it("lists every problem at once", () => {
    const problems = problemsOf({
      version: 1,
      defaultRule: { blockAt: "x", autoRelease: 1 },
      exceptions: [{ vulnerability: "CVE-1" }],
    });
    expect(problems).toEqual([
      '/defaultRule/blockAt: must be one of "Critical", "High", "Medium", "Low", "Negligible", "none"',
      "/defaultRule/autoRelease: must be boolean",
      "/exceptions/0: missing required property 'expires'",
      "/exceptions/0: missing required property 'justification'",
      "/exceptions/0: missing required property 'approvedBy'",
    ]);
  });

  it("puts the problems in the message too", () => {
    expect(() => parsePolicy({ version: 1, defaultRule: { blockAt: "x" } })).toThrow(
      /The policy document is invalid:\n- \/defaultRule\/blockAt: must be one of/,
    );
  });

  it.each(["", "{", "[1,", "not json"])("refuses text that is not JSON: %j", (text) => {
    expect(() => parsePolicy(text)).toThrow(/^The policy is not valid JSON/);
  });

  it.each([null, [], 42, "42"])("refuses %j", (value) => {
    expect(() => parsePolicy(value)).toThrow(PolicyError);
  });
});
