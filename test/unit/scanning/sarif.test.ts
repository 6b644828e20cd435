import { describe, expect, it } from "vitest";
import { normaliseReport, normaliseSarif, ReportError } from "../../../src/scanning/normalise/index.js";
import type { Finding } from "../../../src/scanning/findings.js";
import { fixtureJson, fixtureText } from "./fixtures.js";

/** What must agree between two reports of one image, whatever the format. */
function identity(finding: Finding): string {
  const { vulnerabilityId, package: pkg, severity, fixable } = finding;
  return [
    vulnerabilityId,
    pkg.name,
    pkg.installedVersion,
    pkg.fixedVersion ?? "-",
    severity,
    fixable,
    finding.cvss?.v3Score ?? "-",
  ].join(" | ");
}

interface RawSarif {
  runs: { results: { message: { text: string } }[] }[];
}

describe("SARIF normaliser", () => {
  it("agrees with the Trivy JSON of the same image (alpine-310)", () => {
    const fromSarif = normaliseReport(fixtureText("alpine-310.sarif.json"));
    const fromJson = normaliseReport(fixtureText("alpine-310.json"));
    expect(fromSarif.format).toBe("sarif");
    expect(fromSarif.findings.length).toBeGreaterThan(0);
    expect(fromSarif.findings.map(identity).sort()).toEqual(fromJson.findings.map(identity).sort());
    expect(fromSarif.counts).toEqual(fromJson.counts);
  });

  it("severity counts equal those written in the SARIF log's own messages", () => {
    const raw = fixtureJson<RawSarif>("alpine-310.sarif.json");
    const named = raw.runs.flatMap((run) =>
      run.results.map((result) => /Severity: (\w+)/.exec(result.message.text)?.[1]),
    );
    const report = normaliseReport(fixtureText("alpine-310.sarif.json"));
    const expected = named.reduce<Record<string, number>>((counts, name) => {
      const key = name === undefined ? "Unknown" : name.charAt(0) + name.slice(1).toLowerCase();
      counts[key] = (counts[key] ?? 0) + 1;
      return counts;
    }, {});
    expect(Object.fromEntries(Object.entries(report.counts).filter(([, count]) => count > 0))).toEqual(expected);
  });

  it("names the scanner, the image and the target", () => {
    const report = normaliseReport(fixtureText("alpine-310.sarif.json"));
    expect(report.scanner.name).toBe("Trivy");
    expect(report.artifact.name).toBe("testdata/fixtures/images/alpine-310.tar.gz");
    expect(new Set(report.findings.map((finding) => finding.target))).toEqual(
      new Set(["testdata/fixtures/images/alpine-310.tar.gz"]),
    );
  });

  it("falls back to the rule's severity tag, then to its security-severity score", () => {
    const raw = fixtureJson<{
      runs: {
        results: { message: { text: string } }[];
        tool: { driver: { rules: { properties: Record<string, unknown> }[] } };
      }[];
    }>("alpine-310.sarif.json");
    const run = raw.runs[0]!;
    for (const result of run.results) result.message.text = result.message.text.replace(/Severity: \w+\n/, "");
    expect(normaliseSarif(raw).counts.Medium).toBe(run.results.length);
    for (const rule of run.tool.driver.rules) {
      rule.properties.tags = ["vulnerability", "security"];
      rule.properties["security-severity"] = "9.8";
    }
    expect(normaliseSarif(raw).counts.Critical).toBe(run.results.length);
  });

  it("reads the package from the location when the message lacks it", () => {
    const raw = fixtureJson<{ runs: { results: { message: { text: string } }[] }[] }>("alpine-310.sarif.json");
    const result = raw.runs[0]!.results[0]!;
    result.message.text = "Vulnerability CVE-2019-1549";
    const finding = normaliseSarif(raw).findings[0];
    expect(finding?.package).toEqual({ name: "libcrypto1.1", installedVersion: "1.1.1c-r0" });
    expect(finding?.fixable).toBe(false);
  });

  it.each([
    [
      "version 2.0.0",
      (log: Record<string, unknown>) => {
        log.version = "2.0.0";
      },
      "report-version-unsupported",
    ],
    [
      "a result with no package anywhere",
      (log: Record<string, unknown>) => {
        const result = (log.runs as { results: Record<string, unknown>[] }[])[0]!.results[1]!;
        result.message = { text: "something else" };
        delete result.locations;
      },
      "report-invalid",
    ],
  ] as const)("refuses %s", (_label, mutate, code) => {
    const raw = fixtureJson<Record<string, unknown>>("alpine-310.sarif.json");
    mutate(raw);
    expect(() => normaliseSarif(raw)).toThrow(ReportError);
    try {
      normaliseSarif(raw);
    } catch (error) {
      expect((error as ReportError).code).toBe(code);
    }
  });

  it.each([
    [
      "no results in a run (the tool did not run to completion)",
      (log: Record<string, unknown>) => {
        delete (log.runs as Record<string, unknown>[])[0]!.results;
      },
      "scan-failed",
    ],
    [
      "an invocation that did not succeed",
      (log: Record<string, unknown>) => {
        (log.runs as Record<string, unknown>[])[0]!.invocations = [
          { executionSuccessful: true },
          { executionSuccessful: false },
        ];
      },
      "scan-failed",
    ],
    [
      "no runs",
      (log: Record<string, unknown>) => {
        log.runs = [];
      },
      "nothing-scanned",
    ],
    [
      "runs: null",
      (log: Record<string, unknown>) => {
        log.runs = null;
      },
      "nothing-scanned",
    ],
  ] as const)("%s is readable but unscanned, never clean", (_label, mutate, code) => {
    const raw = fixtureJson<Record<string, unknown>>("alpine-310.sarif.json");
    mutate(raw);
    expect(normaliseSarif(raw).unscanned?.code).toBe(code);
  });

  it("a run whose invocations all succeeded is a completed scan; results: null is an empty list", () => {
    const raw = fixtureJson<{ runs: Record<string, unknown>[] }>("alpine-310.sarif.json");
    raw.runs[0]!.invocations = [{ executionSuccessful: true }];
    expect(normaliseSarif(raw).unscanned).toBeUndefined();
    raw.runs[0]!.results = null;
    const report = normaliseSarif(raw);
    expect(report.unscanned).toBeUndefined();
    expect(report.findings).toEqual([]);
  });

  it.each([
    ["Results", "/runs/0/Results: property names are case-sensitive in SARIF; this is not 'results'"],
    ["Invocations", "/runs/0/Invocations: property names are case-sensitive in SARIF; this is not 'invocations'"],
  ])("a key that is a SARIF property in another case (%s) is refused, not ignored", (key, problem) => {
    const raw = fixtureJson<{ runs: Record<string, unknown>[] }>("alpine-310.sarif.json");
    raw.runs[0]![key] = [];
    expect(() => normaliseSarif(raw)).toThrow(problem);
  });

  it("reads the image's repository digests; one it cannot read is refused", () => {
    const digest = "sha256:" + "e".repeat(64);
    const raw = fixtureJson<{ runs: { properties: Record<string, unknown> }[] }>("alpine-310.sarif.json");
    raw.runs[0]!.properties.repoDigests = [`ghcr.io/aquasecurity/trivy-test-images@${digest}`];
    expect(normaliseSarif(raw).artifact).toMatchObject({ digest, digests: [digest] });
    raw.runs[0]!.properties.repoDigests = ["ghcr.io/aquasecurity/trivy-test-images:alpine-310"];
    expect(() => normaliseSarif(raw)).toThrow("/runs/0/properties/repoDigests/0: ");
  });

  it("says which result names no package", () => {
    const raw = fixtureJson<{ runs: { results: Record<string, unknown>[] }[] }>("alpine-310.sarif.json");
    raw.runs[0]!.results[1] = { ruleId: "X-1", message: { text: "no package here" } };
    expect(() => normaliseSarif(raw)).toThrow("/runs/0/results/1: names no package");
  });
});
