import { describe, expect, it } from "vitest";
import { GateError, isGateError } from "../../../src/errors/gate-error.js";
import { parseOpenVex, parsePolicy, VexError, type OpenVexDocument } from "../../../src/policy/index.js";
import { ScannerError } from "../../../src/scanning/harbor/errors.js";
import { judgeScanReport } from "../../../src/scanning/judge.js";
import { ReportError, tryNormaliseReport } from "../../../src/scanning/normalise/index.js";
import {
  describeVex,
  scopeOf,
  selectForImage,
  VexSourceError,
  type VexSelection,
  type VexSnapshot,
} from "../../../src/scanning/vex/index.js";
import { fixtureText } from "./fixtures.js";

const IMAGE = { repository: "team-a/gomod", digest: "sha256:" + "1".repeat(64) };
const NOW = "2025-01-01T00:00:00Z";
const permissive = parsePolicy({ version: 1, defaultRule: { blockAt: "none", unknownSeverity: "ignore" } });
const openvex = parseOpenVex(fixtureText("openvex.json"));
const gomod = fixtureText("gomod.json");

function document(id: string, statements: object[]): OpenVexDocument {
  return parseOpenVex({
    "@context": "https://openvex.dev/ns/v0.2.0",
    "@id": id,
    author: "a",
    timestamp: "2024-01-01T00:00:00Z",
    version: 1,
    statements,
  });
}

describe("judgeScanReport", () => {
  it("takes the body or an outcome already made, and judges them alike", () => {
    const fromBody = judgeScanReport({ report: gomod, image: IMAGE, policy: permissive, now: NOW });
    const fromBytes = judgeScanReport({ report: Buffer.from(gomod), image: IMAGE, policy: permissive, now: NOW });
    const fromOutcome = judgeScanReport({
      report: tryNormaliseReport(gomod),
      image: IMAGE,
      policy: permissive,
      now: NOW,
    });
    expect(fromBytes).toEqual(fromBody);
    expect(fromOutcome).toEqual(fromBody);
    expect(fromBody).toMatchObject({
      decision: "pass",
      findings: 5,
      scanner: "Trivy dev",
      report: { ok: true, format: "trivy-json" },
      severityCounts: { Unknown: 4, Medium: 1 },
      vex: { documents: [], suppressions: [], suppressedFindings: 0 },
    });
  });

  it("an unusable report is a failing judgement with the error's code, never an exception", () => {
    const judged = judgeScanReport({ report: "{", image: IMAGE, policy: permissive, now: NOW });
    expect(judged).toMatchObject({
      decision: "fail",
      report: { ok: false, code: "report-not-json" },
      severityCounts: {},
      scanner: "unknown",
    });
    expect(judged.reasons[0]).toMatchObject({ kind: "report-unusable", code: "report-not-json" });
  });

  it("a report about another image keeps none of that image's counts", () => {
    const other = JSON.parse(gomod) as Record<string, unknown>;
    other["ArtifactName"] = `registry.example/gomod@sha256:${"2".repeat(64)}`;
    const judged = judgeScanReport({ report: JSON.stringify(other), image: IMAGE, policy: permissive, now: NOW });
    expect(judged).toMatchObject({
      decision: "fail",
      report: { code: "report-for-another-image" },
      severityCounts: {},
    });
  });

  it("keeps the most decisive reasons, at most maxReasons, and says how many it left out", () => {
    const judged = judgeScanReport({
      report: gomod,
      image: IMAGE,
      policy: parsePolicy({ version: 1, defaultRule: { blockAt: "Low", unknownSeverity: "ignore" } }),
      now: NOW,
      maxReasons: 2,
    });
    expect(judged.reasons.map((reason) => reason.kind)).toEqual(["finding-blocks", "unknown-severity-ignored"]);
    expect(judged.omittedReasons).toBe(3);
  });

  it("applies container VEX after the policy's, and says which document and statement suppressed what", () => {
    const policy = parsePolicy({
      version: 1,
      defaultRule: { blockAt: "none", unknownSeverity: "ignore" },
      vex: [document("https://example.com/none", [])],
    });
    const selection: VexSelection = { documents: [{ document: openvex, location: "global/trivy.json" }], problems: [] };
    const judged = judgeScanReport({ report: gomod, image: IMAGE, policy, vex: selection, now: NOW });
    expect(judged.vex).toEqual({
      documents: [
        { id: "https://example.com/none", source: "policy", location: "/vex/0", statements: 0 },
        { id: openvex["@id"], source: "container", location: "global/trivy.json", statements: 1 },
      ],
      omittedDocuments: 0,
      suppressions: [
        {
          document: openvex["@id"],
          source: "container",
          location: "global/trivy.json",
          statementIndex: 0,
          vulnerability: "CVE-2022-23628",
          status: "not_affected",
          justification: "vulnerable_code_not_in_execute_path",
          findings: 1,
          packages: ["github.com/open-policy-agent/opa@v0.35.0"],
        },
      ],
      omittedSuppressions: 0,
      suppressedFindings: 1,
    });
    expect(describeVex(judged.vex)).toBe(
      "VEX: 1 finding suppressed by 1 statement: CVE-2022-23628 not_affected (global/trivy.json #0).",
    );
  });

  it("applies no VEX at all, not even the policy's, when any container document could not be read", () => {
    const policy = parsePolicy({
      version: 1,
      defaultRule: { blockAt: "Medium", unknownSeverity: "ignore" },
      vex: [openvex],
    });
    expect(judgeScanReport({ report: gomod, image: IMAGE, policy, now: NOW }).decision).toBe("pass");
    const selection: VexSelection = {
      documents: [],
      problems: [{ location: "global/revocation.json", code: "vex-document-invalid", message: "bad" }],
    };
    const judged = judgeScanReport({ report: gomod, image: IMAGE, policy, vex: selection, now: NOW });
    expect(judged.decision).toBe("fail");
    expect(judged.vex).toMatchObject({
      suppressedFindings: 0,
      notApplied: { problems: [{ location: "global/revocation.json", code: "vex-document-invalid" }] },
    });
    expect(describeVex(judged.vex)).toMatch(/^VEX not applied: 1 problem with the VEX container's documents/);
  });

  it("stays small however much VEX suppresses, and survives a JSON round trip", () => {
    const findings = Array.from({ length: 400 }, (_, index) => ({
      VulnerabilityID: `CVE-2024-${1000 + index}`,
      PkgName: "lib",
      InstalledVersion: `1.${index}`,
      Severity: "CRITICAL",
    }));
    const statements = findings.map((finding) => ({
      vulnerability: { name: finding.VulnerabilityID },
      products: [{ "@id": `pkg:oci/gomod@${encodeURIComponent(IMAGE.digest)}` }],
      status: "fixed",
    }));
    const judged = judgeScanReport({
      report: JSON.stringify({
        SchemaVersion: 2,
        ArtifactName: "x",
        Results: [{ Target: "t", Vulnerabilities: findings }],
      }),
      image: IMAGE,
      policy: parsePolicy({ version: 1 }),
      vex: {
        documents: [{ document: document("https://example.com/many", statements), location: "x.json" }],
        problems: [],
      },
      now: NOW,
    });
    expect(judged.decision).toBe("pass");
    expect(judged.vex.suppressedFindings).toBe(400);
    expect(judged.vex.suppressions).toHaveLength(50);
    expect(judged.vex.omittedSuppressions).toBe(350);
    expect(judged.reasons).toHaveLength(20);
    expect(JSON.parse(JSON.stringify(judged))).toEqual(judged);
    expect(JSON.stringify(judged).length).toBeLessThan(32 * 1024);
  });
});

describe("choosing the container's documents for an image", () => {
  it.each([
    ["global/base.json", { kind: "global" }],
    ["repositories/team-a/api/x.json", { kind: "repository", repository: "team-a/api" }],
    ["repositories/Team-A/API/x.json", { kind: "repository", repository: "team-a/api" }],
    ["repositories/x.json", { kind: "named" }],
    ["builds/x.json", { kind: "named" }],
    ["x.json", { kind: "named" }],
  ])("%s is scoped %j", (name, scope) => {
    expect(scopeOf(name)).toEqual(scope);
  });

  it("a document naming the image's digest applies wherever it is; problems always travel", () => {
    const snapshot: VexSnapshot = {
      takenAt: 0,
      entries: [
        {
          name: "a.json",
          etag: "1",
          scope: { kind: "named" },
          document: openvex,
          imageDigests: new Set([IMAGE.digest]),
        },
        { name: "b.json", etag: "1", scope: { kind: "named" }, document: openvex, imageDigests: new Set() },
        {
          name: "repositories/team-a/gomod/c.json",
          etag: "1",
          scope: scopeOf("repositories/team-a/gomod/c.json"),
          document: openvex,
          imageDigests: new Set(),
        },
      ],
      problems: [{ location: "d.json", code: "vex-document-invalid", message: "x" }],
    };
    const selection = selectForImage(snapshot, { repository: "Team-A/gomod", digest: IMAGE.digest });
    expect(selection.documents.map((item) => item.location)).toEqual(["a.json", "repositories/team-a/gomod/c.json"]);
    expect(selection.problems).toHaveLength(1);
  });
});

describe("every error the scanning and policy folders throw is a GateError with a stable code", () => {
  it.each([
    [new ReportError("report-invalid", "x"), "ReportError", "report-invalid"],
    [new ScannerError("scanner-unreachable", "x", 503), "ScannerError", "scanner-unreachable"],
    [new VexError("x"), "VexError", "vex-invalid"],
    [
      new VexSourceError("vex-source-forbidden", "x", { upstreamCode: "AuthorizationPermissionMismatch" }),
      "VexSourceError",
      "vex-source-forbidden",
    ],
  ] as const)("%s", (error, name, code) => {
    expect(error).toBeInstanceOf(GateError);
    expect(isGateError(error)).toBe(true);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
  });
});
