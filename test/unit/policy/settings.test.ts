import { describe, expect, it } from "vitest";
import { evaluatePolicy, parsePolicy, type OpenVexDocument, type Verdict } from "../../../src/policy/index.js";
import type { Finding, NormalisedReport } from "../../../src/scanning/findings.js";
import { DIGEST, NOW, OTHER_DIGEST, finding, reportOf, withSeverity } from "./support.js";

function run(
  policy: object,
  report: NormalisedReport,
  options: { digest?: string; vex?: OpenVexDocument[] } = {},
): Verdict {
  const input = {
    policy: parsePolicy(policy),
    image: { repository: "team-a/api", digest: options.digest ?? DIGEST },
    report: { ok: true as const, report },
    now: NOW,
  };
  return evaluatePolicy(options.vex === undefined ? input : { ...input, vex: options.vex });
}

const unscanned = (findings: Finding[] = [], code: "scan-failed" | "nothing-scanned" = "nothing-scanned") => ({
  ...reportOf(findings),
  unscanned: { code, message: "Trivy found nothing it could scan" },
});

const secret = (severity: Finding["severity"]): Finding =>
  finding({
    kind: "secret",
    vulnerabilityId: "aws-access-key-id",
    severity,
    fixable: false,
    package: { name: "/app/config.yml", installedVersion: "" },
    target: "/app/config.yml",
  });

const misconfiguration = (severity: Finding["severity"]): Finding =>
  finding({
    kind: "misconfiguration",
    vulnerabilityId: "DS002",
    severity,
    fixable: false,
    package: { name: "Dockerfile", installedVersion: "" },
  });

describe("unscannable reports are never a pass", () => {
  it("by default they need approval, and say why first", () => {
    const verdict = run({ version: 1 }, unscanned());
    expect(verdict.decision).toBe("needsApproval");
    expect(verdict.reasons[0]).toEqual({
      kind: "report-unusable",
      code: "report-nothing-scanned",
      message: "Trivy found nothing it could scan",
      action: "needsApproval",
    });
  });

  it("`unscannable: fail` fails them; a scan-failed report has its own code", () => {
    const verdict = run({ version: 1, defaultRule: { unscannable: "fail" } }, unscanned([], "scan-failed"));
    expect(verdict.decision).toBe("fail");
    expect(verdict.reasons[0]).toMatchObject({ code: "report-scan-failed", action: "fail" });
  });

  it("the findings of a partial report still count: a blocking one fails it even when unscannable needs approval", () => {
    expect(run({ version: 1 }, unscanned([withSeverity("Critical")], "scan-failed")).decision).toBe("fail");
  });

  it("under the most permissive rule too", () => {
    const permissive = {
      version: 1,
      defaultRule: { blockAt: "none", ignoreUnfixed: true, unknownSeverity: "ignore", autoRelease: true },
    };
    expect(run(permissive, unscanned([withSeverity("Low")])).decision).toBe("needsApproval");
  });
});

describe("secrets", () => {
  it("by default are judged by blockAt like any finding, and ignoreUnfixed does not drop them", () => {
    const policy = { version: 1, defaultRule: { blockAt: "High", ignoreUnfixed: true } };
    const verdict = run(policy, reportOf([secret("Critical")]));
    expect(verdict.decision).toBe("fail");
    expect(verdict.reasons).toEqual([
      {
        kind: "finding-blocks",
        finding: {
          kind: "secret",
          vulnerabilityId: "aws-access-key-id",
          package: "/app/config.yml",
          installedVersion: "",
          target: "/app/config.yml",
          severity: "Critical",
        },
        setting: "blockAt",
        threshold: "High",
      },
    ]);
    expect(run(policy, reportOf([secret("Low")])).decision).toBe("pass");
  });

  it("`secrets: block` blocks any secret, `secrets: ignore` leaves them out (counted)", () => {
    const blocked = run({ version: 1, defaultRule: { secrets: "block" } }, reportOf([secret("Low")]));
    expect(blocked.decision).toBe("fail");
    expect(blocked.reasons[0]).toMatchObject({ kind: "finding-blocks", setting: "secrets" });
    const ignored = run({ version: 1, defaultRule: { secrets: "ignore" } }, reportOf([secret("Critical")]));
    expect(ignored.decision).toBe("pass");
    expect(ignored.tally.ignoredByKind).toBe(1);
  });

  it("VEX does not suppress a secret, an exception does", () => {
    const vex = {
      "@context": "https://openvex.dev/ns/v0.2.0",
      "@id": "https://example.com/vex",
      author: "a",
      timestamp: "2024-01-01T00:00:00Z",
      version: 1,
      statements: [
        {
          vulnerability: { name: "aws-access-key-id" },
          products: [{ "@id": `pkg:oci/api@${encodeURIComponent(DIGEST)}` }],
          status: "not_affected",
          justification: "component_not_present",
        },
      ],
    } as OpenVexDocument;
    expect(run({ version: 1 }, reportOf([secret("Critical")]), { vex: [vex] }).decision).toBe("fail");
    const excepted = run(
      {
        version: 1,
        exceptions: [
          {
            vulnerability: "aws-access-key-id",
            package: "/app/config.yml",
            expires: "2030-01-01T00:00:00Z",
            justification: "a documented test key, revoked",
            approvedBy: "security@contoso.com",
          },
        ],
      },
      reportOf([secret("Critical")]),
    );
    expect(excepted.decision).toBe("pass");
    expect(excepted.tally.excepted).toBe(1);
  });
});

describe("misconfigurations", () => {
  it("are left out by default, and judged by severity when the rule says so", () => {
    expect(run({ version: 1 }, reportOf([misconfiguration("Critical")])).tally.ignoredByKind).toBe(1);
    expect(run({ version: 1 }, reportOf([misconfiguration("Critical")])).decision).toBe("pass");
    const judged = run(
      { version: 1, repositories: [{ match: ["team-a/**"], rule: { misconfigurations: "severity" } }] },
      reportOf([misconfiguration("Critical")]),
    );
    expect(judged.decision).toBe("fail");
  });
});

describe("the same-image check", () => {
  it("passes when every digest the report names is the judged one, fails when any is not", () => {
    const same = { ...reportOf([]), artifact: { digest: DIGEST, digests: [DIGEST] } };
    expect(run({ version: 1 }, same).decision).toBe("pass");
    const mixed = { ...reportOf([]), artifact: { digest: DIGEST, digests: [DIGEST, OTHER_DIGEST] } };
    expect(run({ version: 1 }, mixed).reasons).toEqual([
      { kind: "report-for-another-image", reportDigest: OTHER_DIGEST, imageDigest: DIGEST },
    ]);
    const other = { ...reportOf([]), artifact: { digest: OTHER_DIGEST, digests: [OTHER_DIGEST] } };
    expect(run({ version: 1 }, other).decision).toBe("fail");
  });
});

describe("OpenVEX documents in the policy", () => {
  it("apply to every image when the caller passes none", () => {
    const policy = {
      version: 1,
      vex: [
        {
          "@context": "https://openvex.dev/ns/v0.2.0",
          "@id": "https://example.com/vex/policy",
          author: "security@contoso.com",
          timestamp: "2024-01-01T00:00:00Z",
          version: 1,
          statements: [
            {
              vulnerability: { name: "CVE-2024-7" },
              products: [{ "@id": "pkg:deb/debian/openssl" }],
              status: "not_affected",
              justification: "vulnerable_code_not_in_execute_path",
            },
          ],
        },
      ],
    };
    const critical = withSeverity("Critical", {
      vulnerabilityId: "CVE-2024-7",
      package: { name: "openssl", installedVersion: "3.0.1", purl: "pkg:deb/debian/openssl@3.0.1" },
    });
    const verdict = run(policy, reportOf([critical]));
    expect(verdict.decision).toBe("pass");
    expect(verdict.reasons[0]).toMatchObject({ kind: "vex-suppressed", statement: { documentIndex: 0 } });
    expect(run(policy, reportOf([critical]), { vex: [] }).decision).toBe("fail");
  });
});
