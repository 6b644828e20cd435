import { describe, expect, it } from "vitest";
import {
  detectFormat,
  normaliseHarborReport,
  normaliseTrivyJson,
  ReportError,
} from "../../../src/scanning/normalise/index.js";
import { goFoldAscii } from "../../../src/scanning/normalise/keys.js";
import { describeAjvError } from "../../../src/scanning/normalise/validate.js";
import { fixtureJson, harborReport } from "./fixtures.js";

function refusal(run: () => unknown): ReportError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ReportError);
    return error as ReportError;
  }
  throw new Error("expected a ReportError");
}

const vulnerability = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  VulnerabilityID: "CVE-2024-1",
  PkgName: "openssl",
  InstalledVersion: "3.0.1",
  Severity: "LOW",
  ...overrides,
});
const trivy = (vulnerabilities: object[]): Record<string, unknown> => ({
  SchemaVersion: 2,
  ArtifactName: "registry.example/app",
  Results: [{ Target: "app (debian 12)", Vulnerabilities: vulnerabilities }],
});

describe("Go's key folding (encoding/json foldName)", () => {
  it.each([
    ["VulnerabilityID", "VULNERABILITYID"],
    ["vulnerabilityid", "VULNERABILITYID"],
    ["fix_version", "FIX_VERSION"],
    ["Vulnerabilitieſ", "VULNERABILITIES"],
    ["\u212avalue", "KVALUE"],
  ])("%s folds to %s", (key, folded) => {
    expect(goFoldAscii(key)).toBe(folded);
  });

  it.each(["İd", "ıd", "Ｓeverity", "Sévérité"])("%s cannot fold onto an ASCII field name", (key) => {
    expect(goFoldAscii(key)).toBeUndefined();
  });
});

describe("Trivy JSON keys are read as Trivy reads them", () => {
  it("every field the gate reads, in any case, at every level (CVSS scores, informational, only as written)", () => {
    const report = {
      schemaversion: 2,
      ARTIFACTNAME: "registry.example/app",
      results: [
        {
          target: "app (debian 12)",
          vulnerabilities: [
            {
              vulnerabilityid: "CVE-2024-1",
              PKGNAME: "openssl",
              installedVersion: "3.0.1",
              fixedversion: "3.0.2",
              severity: "critical",
              pkgidentifier: { purl: "pkg:deb/debian/openssl@3.0.1" },
              cvss: { nvd: { V3Score: 9.8, v2score: 5 } },
              vendorids: ["DSA-1"],
            },
          ],
        },
      ],
    };
    const normalised = normaliseTrivyJson(report);
    expect(normalised.findings).toEqual([
      {
        vulnerabilityId: "CVE-2024-1",
        aliases: ["DSA-1"],
        package: {
          name: "openssl",
          installedVersion: "3.0.1",
          fixedVersion: "3.0.2",
          purl: "pkg:deb/debian/openssl@3.0.1",
        },
        severity: "Critical",
        target: "app (debian 12)",
        fixable: true,
        cvss: { source: "nvd", v3Score: 9.8 },
      },
    ]);
    expect(detectFormat(report)).toBe("trivy-json");
  });

  it("two keys for one field are refused, with where and which, whatever their order", () => {
    for (const pair of [
      { Severity: "LOW", severity: "CRITICAL" },
      { severity: "CRITICAL", Severity: "LOW" },
      { SEVERITY: "CRITICAL", severity: "LOW" },
    ]) {
      const error = refusal(() => normaliseTrivyJson(trivy([{ ...vulnerability({ Severity: undefined }), ...pair }])));
      expect(error.code).toBe("report-invalid");
      expect(error.problems[0]).toMatch(/^\/Results\/0\/Vulnerabilities\/0: keys "\w+" and "\w+" both name 'Severity'/);
    }
  });

  it("an exact key and a variant of a list are ambiguous too (Go would read the later one)", () => {
    const report = trivy([vulnerability({ Severity: "CRITICAL" })]);
    (report["Results"] as Record<string, unknown>[])[0]!["vulnerabilities"] = [];
    expect(refusal(() => normaliseTrivyJson(report)).problems[0]).toMatch(/^\/Results\/0: keys/);
  });

  it("never changes the caller's document, and a __proto__ key stays data", () => {
    const report = JSON.parse(
      JSON.stringify(trivy([vulnerability({ Severity: undefined, severity: "HIGH" })])).replace(
        '"Target"',
        '"__proto__":{"polluted":true},"Target"',
      ),
    ) as Record<string, unknown>;
    const before = JSON.stringify(report);
    expect(normaliseTrivyJson(report).findings[0]?.severity).toBe("High");
    expect(JSON.stringify(report)).toBe(before);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("keys that are not fields are left alone, however they are spelt", () => {
    const report = trivy([vulnerability({ SeverityV3: "x", Description: "d", DESCRIPTION: "D", PkgID: "a@1" })]);
    expect(normaliseTrivyJson(report).findings).toHaveLength(1);
  });

  it.each([
    ["Vulneribilities", "/Results/0/Vulneribilities", "Vulnerabilities"],
    ["Vulnerabilites", "/Results/0/Vulnerabilites", "Vulnerabilities"],
    ["Vulnerabilİties", "/Results/0/Vulnerabilİties", "Vulnerabilities"],
    ["Vlunerabilities", "/Results/0/Vlunerabilities", "Vulnerabilities"],
  ])("a key one edit from a field (%s: a flipped bit, a typo) is refused, not ignored", (key, where, field) => {
    const report = trivy([]);
    const result = (report["Results"] as Record<string, unknown>[])[0]!;
    delete result["Vulnerabilities"];
    result[key] = [vulnerability({ Severity: "CRITICAL" })];
    expect(refusal(() => normaliseTrivyJson(report)).problems).toEqual([
      `${where}: is not a field of Trivy JSON but one letter away from '${field}'; a damaged report is refused`,
    ]);
  });

  it("a CVSS score of the wrong type is left out of the finding (scores are informational), not a refusal", () => {
    const normalised = normaliseTrivyJson(
      trivy([vulnerability({ CVSS: { nvd: { V3Score: "9.8", V3Vector: "CVSS:3.1/AV:N" }, ghsa: 7 } })]),
    );
    expect(normalised.findings[0]?.cvss).toEqual({ source: "nvd", v3Vector: "CVSS:3.1/AV:N" });
  });

  it("a hostile key in an error's path is cut", () => {
    const long = "s".repeat(100_000);
    const problem = describeAjvError({
      instancePath: `/Results/0/${long}/x`,
      keyword: "type",
      message: "must be string",
      params: {},
      schemaPath: "#/x",
    });
    expect(problem).toBe(`/Results/0/${"s".repeat(64)}…/x: must be string`);
  });
});

describe("Harbor report keys are read as Harbor reads them", () => {
  it("`Fix_version`, `SEVERITY` and a `Vulnerabilities` root list are Harbor's fields", () => {
    const report = harborReport([]);
    delete report["vulnerabilities"];
    report["Vulnerabilities"] = [
      { ID: "CVE-1", Package: "zlib", Version: "1.2", Fix_version: "1.3", SEVERITY: "High" },
    ];
    expect(detectFormat(report)).toBe("harbor");
    expect(normaliseHarborReport(report).findings[0]).toMatchObject({
      vulnerabilityId: "CVE-1",
      package: { name: "zlib", installedVersion: "1.2", fixedVersion: "1.3" },
      severity: "High",
      fixable: true,
    });
  });

  it("`fix_version` and `Fix_version` together are refused", () => {
    const report = harborReport([
      { id: "CVE-1", package: "zlib", version: "1.2", fix_version: "", Fix_version: "1.3", severity: "High" },
    ]);
    expect(refusal(() => normaliseHarborReport(report)).problems[0]).toMatch(/both name 'fix_version'/);
  });

  it("`vulnerabilities: null` is an empty list, said explicitly; an absent list is still refused", () => {
    const report = harborReport([]);
    report["vulnerabilities"] = null;
    expect(normaliseHarborReport(report).findings).toEqual([]);
    delete report["vulnerabilities"];
    expect(refusal(() => normaliseHarborReport(report)).code).toBe("report-invalid");
  });

  it.each(["", "latest", "sha256:XYZ", "sha256:" + "A".repeat(64)])(
    "an artifact digest the gate cannot compare (%j) is refused, not skipped",
    (digest) => {
      const report = harborReport([]);
      (report["artifact"] as Record<string, unknown>)["digest"] = digest;
      expect(refusal(() => normaliseHarborReport(report)).problems[0]).toMatch(/^\/artifact\/digest: /);
    },
  );
});

describe("null lists are empty lists, explicitly", () => {
  it("Trivy Vulnerabilities, Secrets, Misconfigurations, VendorIDs, CVSS and RepoDigests may be null", () => {
    const report = fixtureJson<Record<string, unknown>>("alpine-310.json");
    report["Metadata"] = { RepoDigests: null };
    const result = (report["Results"] as Record<string, unknown>[])[0]!;
    result["Secrets"] = null;
    result["Misconfigurations"] = null;
    const first = (result["Vulnerabilities"] as Record<string, unknown>[])[0]!;
    first["VendorIDs"] = null;
    first["CVSS"] = null;
    expect(normaliseTrivyJson(report).findings).toHaveLength(4);
    result["Vulnerabilities"] = null;
    expect(normaliseTrivyJson(report).findings).toEqual([]);
  });
});
