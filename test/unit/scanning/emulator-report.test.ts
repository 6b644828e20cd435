import { describe, expect, it } from "vitest";
import { harborReportFromTrivy } from "../../../local/scanner-emulator/harbor-report.js";
import { normaliseReport } from "../../../src/scanning/normalise/index.js";
import type { Finding } from "../../../src/scanning/findings.js";
import { fixtureJson, fixtureText, trivyJsonFixtureNames } from "./fixtures.js";

const ARTIFACT = { repository: "team-a/app", digest: "sha256:" + "d".repeat(64) };
const essentials = (finding: Finding): string =>
  [
    finding.vulnerabilityId,
    finding.package.name,
    finding.package.installedVersion,
    finding.package.fixedVersion ?? "-",
    finding.severity,
    finding.fixable,
  ].join(" | ");

describe("the scanner emulator's Harbor report says what the Trivy report says", () => {
  it.each(trivyJsonFixtureNames())("%s", (name) => {
    const harbor = harborReportFromTrivy(fixtureJson(name), ARTIFACT, new Date("2025-01-01T00:00:00Z"));
    const fromHarbor = normaliseReport(JSON.stringify(harbor));
    const fromTrivy = normaliseReport(fixtureText(name));
    expect(fromHarbor.format).toBe("harbor");
    expect(fromHarbor.findings.map(essentials)).toEqual(fromTrivy.findings.map(essentials));
    expect(fromHarbor.counts).toEqual(fromTrivy.counts);
    expect(fromHarbor.artifact).toEqual({
      name: ARTIFACT.repository,
      digest: ARTIFACT.digest,
      digests: [ARTIFACT.digest],
    });
  });
});
