import { describe, expect, it } from "vitest";
import { evaluatePolicy, parsePolicy } from "../../../src/policy/index.js";
import { normaliseTrivyJson, ReportError } from "../../../src/scanning/normalise/index.js";
import { fixtureJson } from "./fixtures.js";

const DIGEST = "sha256:" + "c".repeat(64);
const OTHER = "sha256:" + "d".repeat(64);

function report(results: object[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { SchemaVersion: 2, ArtifactName: "registry.example/app:1", Results: results, ...extra };
}

describe("Trivy secrets and misconfigurations are findings of their own kind", () => {
  it("a secret: its rule is the id, its file stands for the package, never fixable", () => {
    const normalised = normaliseTrivyJson(
      report([
        {
          Target: "/app/.env",
          Class: "secret",
          Secrets: [
            { RuleID: "github-pat", Category: "GitHub", Severity: "CRITICAL", Title: "GitHub PAT", StartLine: 2 },
          ],
        },
      ]),
    );
    expect(normalised.findings).toEqual([
      {
        kind: "secret",
        vulnerabilityId: "github-pat",
        aliases: [],
        package: { name: "/app/.env", installedVersion: "" },
        severity: "Critical",
        target: "/app/.env",
        fixable: false,
      },
    ]);
    expect(normalised.counts.Critical).toBe(1);
  });

  it("misconfigurations count unless Trivy says PASS or EXCEPTION (as Results.Failed() does); AVDID is an alias", () => {
    const normalised = normaliseTrivyJson(
      report([
        {
          Target: "Dockerfile",
          Class: "config",
          Misconfigurations: [
            { ID: "DS002", AVDID: "AVD-DS-0002", Severity: "HIGH", Status: "FAIL" },
            { ID: "DS001", AVDID: "AVD-DS-0001", Severity: "MEDIUM", Status: "PASS" },
            { ID: "DS005", Severity: "LOW", Status: "EXCEPTION" },
            { ID: "DS026", Severity: "LOW" },
            { ID: "DS013", Severity: "LOW", Status: "fail" },
          ],
        },
      ]),
    );
    expect(normalised.findings.map((finding) => [finding.kind, finding.vulnerabilityId, finding.aliases])).toEqual([
      ["misconfiguration", "DS002", ["AVD-DS-0002"]],
      ["misconfiguration", "DS026", []],
      ["misconfiguration", "DS013", []],
    ]);
  });

  it.each([
    ["a secret without a rule id", { Secrets: [{ Severity: "HIGH" }] }, "must have required property 'RuleID'"],
    ["a secret with a numeric severity", { Secrets: [{ RuleID: "x", Severity: 4 }] }, "Severity: must be string"],
    ["a check without an id", { Misconfigurations: [{ Severity: "HIGH" }] }, "must have required property 'ID'"],
    ["secrets that are not a list", { Secrets: { RuleID: "x" } }, "Secrets: must be array,null"],
  ])("%s is refused", (_label, fields, problem) => {
    expect(() => normaliseTrivyJson(report([{ Target: "t", ...fields }]))).toThrow(problem);
  });
});

describe("Trivy's own secret and misconfiguration reports", () => {
  it("secrets.json: both secrets are findings, and the CRITICAL one fails the default policy", () => {
    const report = normaliseTrivyJson(fixtureJson("secrets.json"));
    expect(report.findings.map((item) => [item.kind, item.vulnerabilityId, item.severity, item.package.name])).toEqual([
      ["secret", "aws-access-key-id", "Critical", "deploy.sh"],
      ["secret", "mysecret", "High", "deploy.sh"],
    ]);
    const verdict = evaluatePolicy({
      policy: parsePolicy({ version: 1 }),
      image: { repository: "team-a/app", digest: DIGEST },
      report: { ok: true, report },
      now: "2025-01-01T00:00:00Z",
    });
    expect(verdict.decision).toBe("fail");
    expect(verdict.tally.blocking).toBe(2);
  });

  it("dockerfile-misconfig.json: the failed check is a finding, left out by default, blocking when judged", () => {
    const report = normaliseTrivyJson(fixtureJson("dockerfile-misconfig.json"));
    expect(report.findings).toMatchObject([
      { kind: "misconfiguration", vulnerabilityId: "DS002", aliases: ["AVD-DS-0002"], severity: "High" },
    ]);
    const judge = (rule: object): string =>
      evaluatePolicy({
        policy: parsePolicy({ version: 1, defaultRule: rule }),
        image: { repository: "team-a/app", digest: DIGEST },
        report: { ok: true, report },
        now: "2025-01-01T00:00:00Z",
      }).decision;
    expect(judge({})).toBe("pass");
    expect(judge({ misconfigurations: "severity" })).toBe("fail");
  });
});

describe("the image a Trivy report names", () => {
  it("every RepoDigests entry and a digest in ArtifactName are the report's digests", () => {
    const normalised = normaliseTrivyJson(
      report([{ Target: "t" }], {
        ArtifactName: `registry.example/app@${OTHER}`,
        Metadata: { RepoDigests: [`registry.example/app@${DIGEST}`, `mirror.example/app@${DIGEST}`] },
      }),
    );
    expect(normalised.artifact).toEqual({
      name: `registry.example/app@${OTHER}`,
      digest: DIGEST,
      digests: [DIGEST, OTHER],
    });
  });

  it.each([
    ["a bare digest", DIGEST],
    ["a tag", "registry.example/app:1"],
    ["an uppercase digest", `registry.example/app@sha256:${"C".repeat(64)}`],
    ["a short digest", "registry.example/app@sha256:abc"],
    ["an unknown algorithm", `registry.example/app@md5:${"c".repeat(32)}`],
  ])("a RepoDigests entry that is %s is refused with its pointer", (_label, entry) => {
    const run = (): unknown =>
      normaliseTrivyJson(report([{ Target: "t" }], { Metadata: { RepoDigests: [`a@${DIGEST}`, entry] } }));
    expect(run).toThrow(ReportError);
    expect(run).toThrow("/Metadata/RepoDigests/1: ");
  });

  it("an ArtifactName with a path that has an '@' in it carries no digest; one with a broken digest is refused", () => {
    expect(
      normaliseTrivyJson(report([{ Target: "t" }], { ArtifactName: "/src/node_modules/@scope/pkg" })).artifact,
    ).toEqual({ name: "/src/node_modules/@scope/pkg" });
    expect(() => normaliseTrivyJson(report([{ Target: "t" }], { ArtifactName: "app@sha256:123" }))).toThrow(
      "/ArtifactName: ",
    );
  });

  it("no RepoDigests at all (a tarball scan) names no digest, so there is nothing to compare", () => {
    expect(normaliseTrivyJson(report([{ Target: "t" }])).artifact).toEqual({ name: "registry.example/app:1" });
  });
});

describe("what a judgement does not read is not computed", () => {
  it("cvss: false leaves CVSS scores out, and changes nothing else", async () => {
    const { normaliseReport } = await import("../../../src/scanning/normalise/index.js");
    const body = JSON.stringify(fixtureJson("centos-7.json"));
    const full = normaliseReport(body);
    const lean = normaliseReport(body, { cvss: false });
    expect(full.findings.some((finding) => finding.cvss !== undefined)).toBe(true);
    expect(lean.findings.every((finding) => finding.cvss === undefined)).toBe(true);
    expect(lean.findings).toEqual(full.findings.map(({ cvss: _cvss, ...rest }) => rest));
  });
});
