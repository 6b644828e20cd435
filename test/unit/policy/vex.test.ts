import { describe, expect, it } from "vitest";
import {
  evaluatePolicy,
  parseOpenVex,
  parsePolicy,
  VexError,
  type OpenVexDocument,
} from "../../../src/policy/index.js";
import { normaliseReport } from "../../../src/scanning/normalise/index.js";
import type { Finding } from "../../../src/scanning/findings.js";
import { fixtureJson, fixtureText } from "../scanning/fixtures.js";
import { DIGEST, OTHER_DIGEST, finding, judge, kinds } from "./support.js";

const key = (target: string, id: string, pkg: string, version: string): string => `${target} ${id} ${pkg}@${version}`;
const findingKey = (item: Finding): string =>
  key(item.target, item.vulnerabilityId, item.package.name, item.package.installedVersion);

interface RawReport {
  Results: {
    Target: string;
    Vulnerabilities: { VulnerabilityID: string; PkgName: string; InstalledVersion: string }[];
  }[];
}
function rawKeys(name: string): string[] {
  return fixtureJson<RawReport>(name).Results.flatMap((result) =>
    result.Vulnerabilities.map((v) => key(result.Target, v.VulnerabilityID, v.PkgName, v.InstalledVersion)),
  );
}

const openvex = parseOpenVex(fixtureText("openvex.json"));
const permissive = parsePolicy({ version: 1, defaultRule: { blockAt: "none", unknownSeverity: "ignore" } });

function suppressedBy(vex: OpenVexDocument[], findings: Finding[], digest = DIGEST): string[] {
  const verdict = evaluatePolicy({
    policy: permissive,
    image: { repository: "team-a/gomod", digest },
    report: {
      ok: true,
      report: {
        format: "trivy-json",
        scanner: { name: "Trivy" },
        artifact: {},
        findings,
        counts: { Unknown: 0, Negligible: 0, Low: 0, Medium: 0, High: 0, Critical: 0 },
      },
    },
    vex,
    now: "2025-01-01T00:00:00Z",
  });
  return verdict.reasons.flatMap((reason) =>
    reason.kind === "vex-suppressed" ? [`${reason.finding.vulnerabilityId} ${reason.finding.package}`] : [],
  );
}

describe("OpenVEX suppression on Trivy's own fixtures", () => {
  it("suppresses exactly what Trivy removes when it applies the same document", () => {
    const report = normaliseReport(fixtureText("gomod.json"));
    const verdict = evaluatePolicy({
      policy: permissive,
      image: { repository: "team-a/gomod", digest: DIGEST },
      report: { ok: true, report },
      vex: [openvex],
      now: "2025-01-01T00:00:00Z",
    });
    const suppressed = verdict.reasons.flatMap((reason) =>
      reason.kind === "vex-suppressed"
        ? [
            key(
              reason.finding.target,
              reason.finding.vulnerabilityId,
              reason.finding.package,
              reason.finding.installedVersion,
            ),
          ]
        : [],
    );
    const removedByTrivy = rawKeys("gomod.json").filter((item) => !rawKeys("gomod-vex-applied.json").includes(item));
    expect(removedByTrivy).toHaveLength(1);
    expect(suppressed).toEqual(removedByTrivy);
    const kept = report.findings.map(findingKey).filter((item) => !suppressed.includes(item));
    expect(kept.sort()).toEqual(rawKeys("gomod-vex-applied.json").sort());
    expect(verdict.tally.suppressedByVex).toBe(1);
  });

  it("names the statement that suppressed the finding", () => {
    const report = normaliseReport(fixtureText("gomod.json"));
    const verdict = evaluatePolicy({
      policy: parsePolicy({ version: 1 }),
      image: { repository: "r", digest: DIGEST },
      report: { ok: true, report },
      vex: [openvex],
      now: "2025-01-01T00:00:00Z",
    });
    const reason = verdict.reasons.find((item) => item.kind === "vex-suppressed");
    expect(reason).toEqual({
      kind: "vex-suppressed",
      finding: {
        vulnerabilityId: "CVE-2022-23628",
        package: "github.com/open-policy-agent/opa",
        installedVersion: "v0.35.0",
        target: "go.mod",
        severity: "Medium",
      },
      statement: {
        document: "aquasecurity/trivy:613fd55abbc2857b5ca28b07a26f3cd4c8b0ddc4c8a97c57497a2d4c4880d7fc",
        documentIndex: 0,
        statementIndex: 0,
        vulnerability: "CVE-2022-23628",
        status: "not_affected",
        justification: "vulnerable_code_not_in_execute_path",
        impactStatement: "The vulnerable code isn't called",
      },
    });
    // The remaining UNKNOWN findings still fail under the default rule: VEX removed one finding, not the report.
    expect(verdict.decision).toBe("fail");
  });
});

function statementDocument(statements: object[], timestamp = "2024-07-09T11:38:00Z"): OpenVexDocument {
  return parseOpenVex({
    "@context": "https://openvex.dev/ns/v0.2.0",
    "@id": "https://example.com/vex/1",
    author: "Team A",
    timestamp,
    version: 1,
    statements,
  });
}

const opa = (): Finding =>
  finding({
    vulnerabilityId: "CVE-2022-23628",
    package: {
      name: "github.com/open-policy-agent/opa",
      installedVersion: "v0.35.0",
      purl: "pkg:golang/github.com/open-policy-agent/opa@v0.35.0",
    },
  });
const product = (id: string, subcomponents?: string[]): object =>
  subcomponents === undefined
    ? { "@id": id }
    : { "@id": id, subcomponents: subcomponents.map((sub) => ({ "@id": sub })) };
const statement = (status: string, products: object[], extra: object = {}): object => ({
  vulnerability: { name: "CVE-2022-23628" },
  products,
  status,
  ...(status === "not_affected" ? { justification: "vulnerable_code_not_present" } : {}),
  ...extra,
});

describe("OpenVEX statement matching", () => {
  it.each([
    ["not_affected", ["CVE-2022-23628 github.com/open-policy-agent/opa"]],
    ["fixed", ["CVE-2022-23628 github.com/open-policy-agent/opa"]],
    ["affected", []],
    ["under_investigation", []],
  ])("status %s suppresses %j", (status, expected) => {
    const vex = statementDocument([
      statement(status, [product("pkg:golang/github.com/open-policy-agent/opa@v0.35.0")]),
    ]);
    expect(suppressedBy([vex], [opa()])).toEqual(expected);
  });

  it.each([
    ["the package without a version", "pkg:golang/github.com/open-policy-agent/opa", 1],
    ["another version", "pkg:golang/github.com/open-policy-agent/opa@v0.36.0", 0],
    ["another package", "pkg:golang/github.com/open-policy-agent/gatekeeper@v0.35.0", 0],
    ["another ecosystem", "pkg:npm/opa@v0.35.0", 0],
    ["this image by digest", `pkg:oci/gomod@${encodeURIComponent(DIGEST)}`, 1],
    ["another image by digest", `pkg:oci/gomod@${encodeURIComponent(OTHER_DIGEST)}`, 0],
    ["this image by reference", `myregistry.azurecr.io/team-a/gomod@${DIGEST}`, 1],
    ["something that is not a purl", "opa", 0],
  ])("a product naming %s matches %i finding(s)", (_label, id, count) => {
    expect(suppressedBy([statementDocument([statement("not_affected", [product(id)])])], [opa()])).toHaveLength(count);
  });

  it("subcomponents of another image do not apply here", () => {
    const vex = statementDocument([
      statement("not_affected", [
        product(`pkg:oci/gomod@${encodeURIComponent(OTHER_DIGEST)}`, [
          "pkg:golang/github.com/open-policy-agent/opa@v0.35.0",
        ]),
      ]),
    ]);
    expect(suppressedBy([vex], [opa()])).toEqual([]);
  });

  it("subcomponents of this image apply, and only to themselves", () => {
    const other = finding({
      vulnerabilityId: "CVE-2022-23628",
      package: { name: "zlib", installedVersion: "1.0", purl: "pkg:golang/zlib@1.0" },
    });
    const vex = statementDocument([
      statement("not_affected", [
        product(`pkg:oci/gomod@${encodeURIComponent(DIGEST)}`, ["pkg:golang/github.com/open-policy-agent/opa@v0.35.0"]),
      ]),
    ]);
    expect(suppressedBy([vex], [opa(), other])).toEqual(["CVE-2022-23628 github.com/open-policy-agent/opa"]);
  });

  it("matches through aliases on either side", () => {
    const aliased = { ...opa(), vulnerabilityId: "GHSA-hcw3-j74m-qc58", aliases: ["CVE-2022-23628"] };
    const vex = statementDocument([
      statement("not_affected", [product("pkg:golang/github.com/open-policy-agent/opa@v0.35.0")]),
    ]);
    expect(suppressedBy([vex], [aliased])).toHaveLength(1);
    const byAlias = statementDocument([
      statement("not_affected", [product("pkg:golang/github.com/open-policy-agent/opa")], {
        vulnerability: { name: "GHSA-hcw3-j74m-qc58", aliases: ["CVE-2022-23628"] },
      }),
    ]);
    expect(suppressedBy([byAlias], [opa()])).toHaveLength(1);
  });

  it("a finding without a purl (Harbor) is matched by name and version", () => {
    const plain = finding({ vulnerabilityId: "CVE-2022-23628", package: { name: "opa", installedVersion: "0.35.0" } });
    expect(
      suppressedBy(
        [statementDocument([statement("not_affected", [product("pkg:golang/example.com/opa@0.35.0")])])],
        [plain],
      ),
    ).toHaveLength(1);
    expect(
      suppressedBy(
        [statementDocument([statement("not_affected", [product("pkg:golang/example.com/opa@0.36.0")])])],
        [plain],
      ),
    ).toHaveLength(0);
  });

  it("the latest statement wins: a later 'affected' revokes an earlier 'not_affected'", () => {
    const purl = "pkg:golang/github.com/open-policy-agent/opa@v0.35.0";
    const earlier = statement("not_affected", [product(purl)], { timestamp: "2024-01-01T00:00:00Z" });
    const later = statement("affected", [product(purl)], { timestamp: "2024-02-01T00:00:00Z" });
    expect(suppressedBy([statementDocument([later, earlier])], [opa()])).toEqual([]);
    expect(suppressedBy([statementDocument([earlier]), statementDocument([later])], [opa()])).toEqual([]);
    const again = statement("fixed", [product(purl)], { timestamp: "2024-03-01T00:00:00Z" });
    expect(suppressedBy([statementDocument([earlier, later, again])], [opa()])).toHaveLength(1);
  });

  it("a suppressed finding does not count towards the verdict", () => {
    const critical = { ...opa(), severity: "Critical" as const };
    const vex = statementDocument([
      statement("not_affected", [product("pkg:golang/github.com/open-policy-agent/opa")]),
    ]);
    expect(judge({ version: 1 }, [critical]).decision).toBe("fail");
    const verdict = judge({ version: 1 }, [critical], { vex: [vex] });
    expect(verdict.decision).toBe("pass");
    expect(kinds(verdict)).toEqual(["vex-suppressed"]);
  });
});

describe("OpenVEX validation", () => {
  it.each([
    ["not JSON", "{", /not valid JSON/],
    [
      "no statements",
      {
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "x",
        author: "a",
        timestamp: "2024-01-01T00:00:00Z",
        version: 1,
      },
      /must have required property 'statements'/,
    ],
    [
      "a foreign context",
      {
        "@context": "https://example.com",
        "@id": "x",
        author: "a",
        timestamp: "2024-01-01T00:00:00Z",
        version: 1,
        statements: [],
      },
      /\/@context: must match pattern/,
    ],
  ])("refuses %s", (_label, input, message) => {
    expect(() => parseOpenVex(input)).toThrow(VexError);
    expect(() => parseOpenVex(input)).toThrow(message);
  });

  it("refuses a not_affected statement that does not say why", () => {
    expect(() =>
      statementDocument([
        { vulnerability: { name: "CVE-1" }, products: [{ "@id": "pkg:npm/a" }], status: "not_affected" },
      ]),
    ).toThrow("/statements/0: a not_affected statement needs a justification or an impact_statement");
  });

  it("refuses a statement without products and an unknown status", () => {
    expect(() => statementDocument([{ vulnerability: { name: "CVE-1" }, products: [], status: "fixed" }])).toThrow(
      "/statements/0/products: must NOT have fewer than 1 items",
    );
    expect(() =>
      statementDocument([{ vulnerability: { name: "CVE-1" }, products: [{ "@id": "pkg:npm/a" }], status: "wontfix" }]),
    ).toThrow("/statements/0/status");
  });
});
