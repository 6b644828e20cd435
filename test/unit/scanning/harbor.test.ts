import { describe, expect, it } from "vitest";
import { normaliseReport, ReportError } from "../../../src/scanning/normalise/index.js";
import { harborReport } from "./fixtures.js";

const vulnerabilities = [
  {
    id: "CVE-2017-8283",
    package: "dpkg",
    version: "1.17.27",
    fix_version: "1.18.0",
    severity: "Critical",
    preferred_cvss: { score_v3: 9.8, vector_v3: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" },
    links: ["https://security-tracker.debian.org/tracker/CVE-2017-8283"],
  },
  { id: "CVE-2020-0001", package: "libc6", version: "2.28-10", fix_version: "", severity: "High" },
  { id: "CVE-2020-0002", package: "zlib1g", version: "1.2.11", severity: "Negligible" },
  { id: "CVE-2020-0003", package: "tzdata", version: "2021a", severity: "Unknown", preferred_cvss: null },
  {
    id: "CVE-2020-0004",
    package: "bash",
    version: "5.0",
    fix_version: "5.0-4",
    severity: "Low",
    vendor_attributes: { anything: true },
  },
];

describe("Harbor vulnerability report normaliser", () => {
  it("normalises every field the spec defines", () => {
    const report = normaliseReport(JSON.stringify(harborReport(vulnerabilities)));
    expect(report.format).toBe("harbor");
    expect(report.scanner).toEqual({ name: "Trivy", version: "0.50.0" });
    expect(report.artifact).toEqual({
      name: "library/app",
      digest: "sha256:" + "a".repeat(64),
      digests: ["sha256:" + "a".repeat(64)],
    });
    expect(report.counts).toEqual({ Critical: 1, High: 1, Medium: 0, Low: 1, Negligible: 1, Unknown: 1 });
    expect(report.findings[0]).toEqual({
      vulnerabilityId: "CVE-2017-8283",
      aliases: [],
      package: { name: "dpkg", installedVersion: "1.17.27", fixedVersion: "1.18.0" },
      severity: "Critical",
      cvss: { v3Score: 9.8, v3Vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" },
      target: "library/app@sha256:" + "a".repeat(64),
      fixable: true,
    });
    expect(report.findings.map((finding) => finding.fixable)).toEqual([true, false, false, false, true]);
  });

  it("takes an empty vulnerability list as a clean report", () => {
    const report = normaliseReport(JSON.stringify(harborReport([])));
    expect(report.findings).toEqual([]);
  });

  it("refuses a report whose vulnerabilities list is missing (an empty list must be said)", () => {
    const body = harborReport([]);
    delete body.vulnerabilities;
    expect(() => normaliseReport(JSON.stringify(body))).toThrow(
      /Harbor vulnerability report does not have the expected shape: \(report root\): must have required property 'vulnerabilities'/,
    );
  });

  it("refuses an entry without a package, naming it", () => {
    const body = harborReport([{ id: "CVE-1", version: "1", severity: "High" }]);
    try {
      normaliseReport(JSON.stringify(body));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ReportError);
      expect((error as ReportError).problems).toEqual(["/vulnerabilities/0: must have required property 'package'"]);
    }
  });
});
