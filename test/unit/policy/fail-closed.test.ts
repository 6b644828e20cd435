import { describe, expect, it } from "vitest";
import { evaluatePolicy, parsePolicy, type ReportOutcome } from "../../../src/policy/index.js";
import { tryNormaliseReport } from "../../../src/scanning/normalise/index.js";
import { fixtureText } from "../scanning/fixtures.js";
import { DIGEST, OTHER_DIGEST, NOW, reportOf, withSeverity } from "./support.js";

// The most permissive policy there is: if anything could slip through, it would slip through here.
const permissive = parsePolicy({
  version: 1,
  defaultRule: {
    blockAt: "none",
    requireApprovalAt: "none",
    ignoreUnfixed: true,
    unknownSeverity: "ignore",
    autoRelease: true,
  },
});

function verdictFor(report: ReportOutcome): ReturnType<typeof evaluatePolicy> {
  return evaluatePolicy({ policy: permissive, image: { repository: "team-a/api", digest: DIGEST }, report, now: NOW });
}

const alpine = fixtureText("alpine-310.json");
const hostile: [string, string][] = [
  ["truncated JSON", alpine.slice(0, alpine.length / 2)],
  ["wrong schema version", alpine.replace('"SchemaVersion": 2', '"SchemaVersion": 3')],
  ["missing fields", alpine.replace(/"PkgName": "[^"]*",/, "")],
  [
    "a 10 MB report",
    JSON.stringify({ SchemaVersion: 2, ArtifactName: "x", Results: [], padding: "x".repeat(10 * 1024 * 1024) }),
  ],
  ["unknown format", JSON.stringify({ bomFormat: "CycloneDX", components: [] })],
  ["an empty body", ""],
];

describe("no usable report never passes", () => {
  it.each(hostile)("%s → fail, with the report error as the reason", (_label, body) => {
    const outcome = tryNormaliseReport(body);
    expect(outcome.ok).toBe(false);
    const verdict = verdictFor(outcome);
    expect(verdict.decision).toBe("fail");
    expect(verdict.reasons).toHaveLength(1);
    expect(verdict.reasons[0]).toMatchObject({ kind: "report-unusable", code: outcome.ok ? "" : outcome.error.code });
  });

  it("the untouched fixture passes under the same policy, so the failures above come from the damage", () => {
    expect(verdictFor(tryNormaliseReport(alpine)).decision).toBe("pass");
  });

  it.each([
    ["undefined", undefined],
    ["null", null],
    ["ok without a report", { ok: true }],
    ["ok with findings that are not a list", { ok: true, report: { findings: {} } }],
  ])("a malformed hand-over (%s) fails", (_label, report) => {
    const verdict = verdictFor(report as unknown as ReportOutcome);
    expect(verdict.decision).toBe("fail");
    expect(verdict.reasons[0]).toMatchObject({ kind: "report-unusable" });
  });

  it("a report about another image fails", () => {
    const verdict = verdictFor({ ok: true, report: reportOf([withSeverity("Low")], OTHER_DIGEST) });
    expect(verdict.decision).toBe("fail");
    expect(verdict.reasons).toEqual([
      { kind: "report-for-another-image", reportDigest: OTHER_DIGEST, imageDigest: DIGEST },
    ]);
    expect(verdictFor({ ok: true, report: reportOf([withSeverity("Low")], DIGEST) }).decision).toBe("pass");
  });

  it("refuses to judge without a valid clock", () => {
    expect(() =>
      evaluatePolicy({
        policy: permissive,
        image: { repository: "r", digest: DIGEST },
        report: { ok: true, report: reportOf([]) },
        now: "yesterday",
      }),
    ).toThrow(/valid 'now'/);
  });
});

describe("values outside the model fail closed", () => {
  it("a finding with a severity the model does not know counts as Unknown", () => {
    const odd = { ...withSeverity("Low"), severity: "SEVERE" as unknown as "Low" };
    const verdict = evaluatePolicy({
      policy: parsePolicy({ version: 1, defaultRule: { blockAt: "none" } }),
      image: { repository: "r", digest: DIGEST },
      report: { ok: true, report: reportOf([odd]) },
      now: NOW,
    });
    expect(verdict.decision).toBe("fail");
    expect(verdict.reasons).toMatchObject([{ kind: "finding-blocks", setting: "unknownSeverity" }]);
  });

  it("a policy that skipped validation and names an unknown threshold or action blocks", () => {
    const unvalidated = {
      version: 1 as const,
      defaultRule: { blockAt: "Severe", unknownSeverity: "maybe" },
    } as unknown as ReturnType<typeof parsePolicy>;
    const run = (severity: "Low" | "Unknown") =>
      evaluatePolicy({
        policy: unvalidated,
        image: { repository: "r", digest: DIGEST },
        report: { ok: true, report: reportOf([withSeverity(severity)]) },
        now: NOW,
      }).decision;
    expect(run("Low")).toBe("fail");
    expect(run("Unknown")).toBe("fail");
  });
});
