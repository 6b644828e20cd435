/**
 * One named test per finding of the hostile-input review (issue 13, "Why"), policy and OpenVEX side. Each one failed
 * on the code before the fix. The judgement entry point is imported dynamically so that this file could run against
 * the code that did not have it.
 */
import picomatch from "picomatch";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  evaluatePolicy,
  parseOpenVex,
  parsePolicy,
  PolicyError,
  VexError,
  type OpenVexDocument,
} from "../../../src/policy/index.js";
import { DIGEST, NOW, reportOf, withSeverity } from "./support.js";

const exception = {
  vulnerability: "CVE-2024-1",
  expires: "2030-01-01T00:00:00Z",
  justification: "not reachable from the entrypoint",
  approvedBy: "security@contoso.com",
};

function refused(document: unknown): string[] {
  try {
    parsePolicy(document);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return [...(error as PolicyError).problems];
  }
  return [];
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("slow inputs", () => {
  it("globs are compiled once per policy load, never per evaluation", () => {
    const policy = parsePolicy({
      version: 1,
      repositories: Array.from({ length: 50 }, (_, index) => ({ match: [`team-${index}/**`], rule: {} })),
      exceptions: Array.from({ length: 50 }, (_, index) => ({ ...exception, repository: `team-${index}/**` })),
    });
    // Every way into picomatch that compiles: makeRe, and isMatch (which compiles its pattern on each call).
    const compile = vi.spyOn(picomatch, "makeRe");
    const compileAndMatch = vi.spyOn(picomatch, "isMatch");
    for (let run = 0; run < 3; run += 1) {
      evaluatePolicy({
        policy,
        image: { repository: "team-49/api", digest: DIGEST },
        report: { ok: true, report: reportOf([withSeverity("Low")]) },
        now: NOW,
      });
    }
    expect(compile).not.toHaveBeenCalled();
    expect(compileAndMatch).not.toHaveBeenCalled();
  });
});

describe("policy documents", () => {
  it("a glob like `prod/**(` is refused with its JSON pointer instead of silently never matching", () => {
    const problems = refused({ version: 1, repositories: [{ match: ["prod/*", "prod/**("], rule: {} }] });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\/repositories\/0\/match\/1: /);
    expect(refused({ version: 1, exceptions: [{ ...exception, repository: "team-[a/**" }] })[0]).toMatch(
      /^\/exceptions\/0\/repository: /,
    );
  });

  it("timestamps the schema accepted but Date.parse cannot read (…T23:59:60Z, +01) are refused", () => {
    for (const expires of ["2025-06-30T23:59:60Z", "2025-06-30T00:00:00+01"]) {
      const problems = refused({ version: 1, exceptions: [{ ...exception, expires }] });
      expect(problems, expires).toHaveLength(1);
      expect(problems[0]).toMatch(/^\/exceptions\/0\/expires: /);
    }
  });

  it("a zero-width space is not a justification, nor an approver", () => {
    expect(refused({ version: 1, exceptions: [{ ...exception, justification: "\u200b" }] })[0]).toMatch(
      /^\/exceptions\/0\/justification: /,
    );
    expect(refused({ version: 1, exceptions: [{ ...exception, approvedBy: "\u2060\u200d" }] })[0]).toMatch(
      /^\/exceptions\/0\/approvedBy: /,
    );
  });
});

const vexDocument = (statements: object[]): Record<string, unknown> => ({
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.com/vex/1",
  author: "security@contoso.com",
  timestamp: "2024-01-01T00:00:00Z",
  version: 1,
  statements,
});
const imageProduct = { "@id": `pkg:oci/api@${encodeURIComponent(DIGEST)}` };
const notAffected = {
  vulnerability: { name: "CVE-2024-7" },
  products: [imageProduct],
  status: "not_affected",
  justification: "vulnerable_code_not_in_execute_path",
  timestamp: "2024-02-01T00:00:00Z",
};

describe("OpenVEX", () => {
  it("VEX is wired into the judgement: a document in the policy suppresses its statement", async () => {
    const policy = parsePolicy({ version: 1, vex: [vexDocument([notAffected])] });
    const { judgeScanReport } = (await import("../../../src/scanning/judge.js")) as {
      judgeScanReport: (input: object) => { decision: string; vex: { suppressedFindings: number } };
    };
    const report = {
      SchemaVersion: 2,
      ArtifactName: `registry.example/api@${DIGEST}`,
      Results: [
        {
          Target: "api (debian 12)",
          Vulnerabilities: [
            { VulnerabilityID: "CVE-2024-7", PkgName: "zlib", InstalledVersion: "1.2", Severity: "CRITICAL" },
          ],
        },
      ],
    };
    const judged = judgeScanReport({
      report: JSON.stringify(report),
      image: { repository: "team-a/api", digest: DIGEST },
      policy,
      now: NOW,
    });
    expect(judged.decision).toBe("pass");
    expect(judged.vex.suppressedFindings).toBe(1);
  });

  it("a statement whose timestamp cannot be read is rejected, so it never sorts first", () => {
    const revocation = { ...notAffected, status: "affected", timestamp: "2024-03-01T00:00:00+01" };
    delete (revocation as { justification?: string }).justification;
    expect(() => parseOpenVex(vexDocument([notAffected, revocation]))).toThrow(VexError);
    // Handed over without parseOpenVex, the engine refuses it too rather than ordering it before the not_affected.
    expect(() =>
      evaluatePolicy({
        policy: parsePolicy({ version: 1 }),
        image: { repository: "team-a/api", digest: DIGEST },
        report: { ok: true, report: reportOf([withSeverity("Critical", { vulnerabilityId: "CVE-2024-7" })]) },
        vex: [vexDocument([notAffected, revocation]) as unknown as OpenVexDocument],
        now: NOW,
      }),
    ).toThrow(VexError);
  });
});
