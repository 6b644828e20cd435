import { readFileSync } from "node:fs";
import { join } from "node:path";
import AjvDraft04Module from "ajv-draft-04";
import { describe, expect, it } from "vitest";
import { buildQuarantineSummary } from "../../../src/scanning/quarantine-summary.js";
import { emptySeverityCounts } from "../../../src/scanning/findings.js";
import { normaliseReport } from "../../../src/scanning/normalise/index.js";
import { projectRoot } from "../../support/paths.js";
import { fixtureText } from "./fixtures.js";

// The schema ACR documents for quarantineDetails, copied into the project's specs/ (see specs/README.md).
const schema = JSON.parse(
  readFileSync(join(projectRoot, "specs", "acr-quarantine-details.schema.json"), "utf8"),
) as object;
const AjvDraft04 = AjvDraft04Module.default;
const validateDetails = new AjvDraft04({ allErrors: true, strict: false }).compile(schema);

function asDetails(result: object): object {
  return { scanner: "Trivy", state: "Scanned", result };
}

describe("ACR quarantineDetails summary", () => {
  it("lists the five ACR severities in order, zeros included, and validates against ACR's schema", () => {
    const summary = buildQuarantineSummary(normaliseReport(fixtureText("debian-buster.json")).counts);
    expect(summary.summary).toEqual([
      { severity: "Critical", count: 1 },
      { severity: "High", count: 0 },
      { severity: "Medium", count: 0 },
      { severity: "Low", count: 1 },
      { severity: "None", count: 0 },
    ]);
    expect(summary.description).toBeUndefined();
    expect(validateDetails(asDetails(summary)), JSON.stringify(validateDetails.errors)).toBe(true);
  });

  it("counts Unknown as None and Negligible as Low, and says so", () => {
    const counts = { ...emptySeverityCounts(), Unknown: 4, Negligible: 2, Low: 1, Medium: 3 };
    const summary = buildQuarantineSummary(counts, "Verdict: fail");
    expect(summary.summary).toEqual([
      { severity: "Critical", count: 0 },
      { severity: "High", count: 0 },
      { severity: "Medium", count: 3 },
      { severity: "Low", count: 3 },
      { severity: "None", count: 4 },
    ]);
    expect(summary.description).toBe(
      "Verdict: fail 2 Negligible counted as Low; 4 of unknown severity counted as None.",
    );
    expect(validateDetails(asDetails(summary))).toBe(true);
  });

  it("gomod: the UNKNOWN findings land in None", () => {
    const counts = normaliseReport(fixtureText("gomod.json")).counts;
    const none = buildQuarantineSummary(counts).summary.find((item) => item.severity === "None");
    expect(none?.count).toBe(counts.Unknown);
    expect(counts.Unknown).toBeGreaterThan(0);
  });

  it("keeps the description within the schema's 1024 characters", () => {
    const summary = buildQuarantineSummary(emptySeverityCounts(), "🔒".repeat(2000));
    expect(Array.from(summary.description ?? "")).toHaveLength(1024);
    expect(validateDetails(asDetails(summary))).toBe(true);
  });
});
