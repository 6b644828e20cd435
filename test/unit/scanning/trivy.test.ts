import { describe, expect, it } from "vitest";
import { normaliseReport, normaliseTrivyJson, ReportError } from "../../../src/scanning/normalise/index.js";
import { SEVERITIES, type Severity } from "../../../src/scanning/findings.js";
import { fixtureJson, fixtureText, trivyJsonFixtureNames } from "./fixtures.js";

interface RawVulnerability {
  Severity: string;
  VulnerabilityID: string;
  FixedVersion?: string;
}
interface RawReport {
  Results?: { Vulnerabilities?: RawVulnerability[] }[];
}

/** Counts straight from the fixture's own data, independent of the normaliser. */
function countsFromFixture(report: RawReport): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0]));
  for (const result of report.Results ?? []) {
    for (const vulnerability of result.Vulnerabilities ?? []) {
      const name = vulnerability.Severity.charAt(0) + vulnerability.Severity.slice(1).toLowerCase();
      counts[name] = (counts[name] ?? 0) + 1;
    }
  }
  return counts;
}

describe("Trivy JSON normaliser on every fixture", () => {
  const names = trivyJsonFixtureNames();

  it("finds the fixtures", () => {
    expect(names.length).toBeGreaterThanOrEqual(7);
  });

  for (const name of names) {
    it(`${name}: severity counts equal the fixture's own`, () => {
      const raw = fixtureJson<RawReport>(name);
      const report = normaliseReport(fixtureText(name));
      expect(report.format).toBe("trivy-json");
      expect(report.counts).toEqual(countsFromFixture(raw));
      const total = Object.values(report.counts).reduce((sum, count) => sum + count, 0);
      expect(report.findings).toHaveLength(total);
      expect(total).toBeGreaterThan(0);
    });

    it(`${name}: fixable exactly when the fixture names a fixed version`, () => {
      const raw = fixtureJson<RawReport>(name);
      const expected = (raw.Results ?? []).flatMap((result) =>
        (result.Vulnerabilities ?? []).map((v) => Boolean(v.FixedVersion)),
      );
      expect(normaliseReport(fixtureText(name)).findings.map((finding) => finding.fixable)).toEqual(expected);
    });
  }
});

describe("Trivy JSON finding fields", () => {
  it("centos-7: will_not_fix is unfixable, vendor ids become aliases, CVSS comes from the severity source", () => {
    const report = normaliseReport(fixtureText("centos-7.json"));
    const bash = report.findings.find((finding) => finding.vulnerabilityId === "CVE-2019-18276");
    expect(bash).toMatchObject({
      package: {
        name: "bash",
        installedVersion: "4.2.46-31.el7",
        purl: expect.stringMatching(/^pkg:rpm\/centos\/bash@/),
      },
      severity: "Low" satisfies Severity,
      fixable: false,
      cvss: { source: "redhat", v3Score: 7.8 },
      target: "testdata/fixtures/images/centos-7.tar.gz (centos 7.6.1810)",
    });
    expect(bash?.package.fixedVersion).toBeUndefined();
    const withAliases = report.findings.filter((finding) => finding.aliases.length > 0);
    expect(withAliases.length).toBeGreaterThan(0);
    expect(withAliases.every((finding) => finding.aliases.every((alias) => /^RH[SBE]A-/.test(alias)))).toBe(true);
  });

  it("debian-buster: a fixed CRITICAL with its DSA alias, an 'affected' LOW without a fix", () => {
    const report = normaliseReport(fixtureText("debian-buster.json"));
    const critical = report.findings.filter((finding) => finding.severity === "Critical");
    expect(critical).toHaveLength(1);
    expect(critical[0]).toMatchObject({
      vulnerabilityId: "CVE-2019-18224",
      aliases: ["DSA-4613-1"],
      fixable: true,
      package: { fixedVersion: "2.0.5-1+deb10u1" },
    });
    const low = report.findings.find((finding) => finding.severity === "Low");
    expect(low).toMatchObject({ package: { name: "bash" }, fixable: false });
    expect(report.scanner).toEqual({ name: "Trivy", version: "dev" });
    expect(report.artifact.name).toBe("testdata/fixtures/images/debian-buster.tar.gz");
  });

  it("takes the digest from RepoDigests when the report has one", () => {
    const raw = fixtureJson<Record<string, unknown> & { Metadata: Record<string, unknown> }>("alpine-310.json");
    raw.Metadata.RepoDigests = ["myregistry.azurecr.io/alpine@sha256:" + "b".repeat(64)];
    expect(normaliseTrivyJson(raw).artifact.digest).toBe("sha256:" + "b".repeat(64));
  });
});

describe("Trivy JSON refusals", () => {
  function refusal(mutate: (report: Record<string, unknown>) => void): ReportError {
    const raw = fixtureJson<Record<string, unknown>>("alpine-310.json");
    mutate(raw);
    try {
      normaliseTrivyJson(raw);
    } catch (error) {
      expect(error).toBeInstanceOf(ReportError);
      return error as ReportError;
    }
    throw new Error("expected a ReportError");
  }

  it.each([1, 3, "2", null])("SchemaVersion %j is unsupported", (version) => {
    const error = refusal((report) => {
      report.SchemaVersion = version;
    });
    expect(error.code).toBe("report-version-unsupported");
    expect(error.message).toContain("SchemaVersion");
  });

  it("a finding without PkgName is refused with its path", () => {
    const error = refusal((report) => {
      const results = report.Results as { Vulnerabilities: Record<string, unknown>[] }[];
      delete results[0]!.Vulnerabilities[2]!.PkgName;
    });
    expect(error.code).toBe("report-invalid");
    expect(error.problems).toEqual(["/Results/0/Vulnerabilities/2: must have required property 'PkgName'"]);
  });

  it("a severity that is not a string is refused", () => {
    const error = refusal((report) => {
      const results = report.Results as { Vulnerabilities: Record<string, unknown>[] }[];
      results[0]!.Vulnerabilities[0]!.Severity = 4;
    });
    expect(error.problems[0]).toBe("/Results/0/Vulnerabilities/0/Severity: must be string");
  });

  it.each([
    ["absent", undefined],
    ["null", null],
    ["empty", []],
  ])("a report whose Results are %s is readable but unscanned, never clean", (_label, results) => {
    const raw = fixtureJson<Record<string, unknown>>("alpine-310.json");
    if (results === undefined) delete raw["Results"];
    else raw["Results"] = results;
    const report = normaliseTrivyJson(raw);
    expect(report.unscanned?.code).toBe("nothing-scanned");
    expect(report.findings).toEqual([]);
  });

  it("a result with only a target (Trivy's clean image) is a completed scan with no findings", () => {
    const report = normaliseTrivyJson({
      SchemaVersion: 2,
      ArtifactName: "x",
      Results: [{ Target: "x (alpine 3.19)" }],
    });
    expect(report.unscanned).toBeUndefined();
    expect(report.findings).toEqual([]);
  });

  it("an unrecognised severity name becomes Unknown, not an error", () => {
    const raw = fixtureJson<{ Results: { Vulnerabilities: { Severity: string }[] }[] }>("alpine-310.json");
    raw.Results[0]!.Vulnerabilities[0]!.Severity = "SEVERE";
    expect(normaliseTrivyJson(raw).findings[0]?.severity).toBe("Unknown");
  });
});
