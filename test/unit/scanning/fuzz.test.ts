/**
 * The seeded fuzz test (its harness is in test/fuzz): real reports mutated as an attacker or a broken scanner would,
 * judged end to end by judgeScanReport. Fixed seed, so the same inputs every run. Asserts no error that is not the
 * project's own, no pass the independent oracle does not allow, and no input that takes over a second (a guard
 * against super-linear cases, three orders of magnitude above a normal judgement, not a speed target).
 */
import { describe, expect, it } from "vitest";
import { fuzzDocuments, fuzzReports } from "../../fuzz/harness.js";

const SEED = 0x13;

describe("seeded fuzzing of reports and documents", () => {
  it(
    "10,000 mutated reports: 0 untyped errors, 0 fail-open, 0 over 1 s, fast and full reading agree",
    { timeout: 180_000 },
    async () => {
      const figures = fuzzReports(10_000, SEED);
      console.log(
        `fuzz reports: ${figures.mutations} mutations, ${figures.typedErrors} typed report errors, ` +
          `${figures.passed} passes, ${figures.untyped} untyped, ${figures.failOpen} fail-open, ` +
          `${figures.slow} over 1 s, max ${figures.maxMs.toFixed(1)} ms; ` +
          `${figures.bothWays} Trivy reports read both ways, ${figures.disagreements} disagreements`,
      );
      if (process.env["FUZZ_DUMP"])
        (await import("node:fs")).writeFileSync(process.env["FUZZ_DUMP"], figures.examples.join("\n\n"));
      expect(figures.mutations).toBeGreaterThanOrEqual(10_000);
      expect(figures.examples.slice(0, 5)).toEqual([]);
      expect(figures.untyped).toBe(0);
      expect(figures.failOpen).toBe(0);
      expect(figures.slow).toBe(0);
      expect(figures.disagreements).toBe(0);
      // The mutations must reach both sides: refusals and judged reports, passes among them.
      expect(figures.typedErrors).toBeGreaterThan(1000);
      expect(figures.passed).toBeGreaterThan(50);
    },
  );

  it("2,000 mutated policy and OpenVEX documents: only the project's own errors", { timeout: 120_000 }, () => {
    const figures = fuzzDocuments(2_000, SEED);
    console.log(
      `fuzz documents: ${figures.mutations} mutations, ${figures.refused} refused with a GateError, ${figures.untyped} untyped`,
    );
    expect(figures.examples.slice(0, 5)).toEqual([]);
    expect(figures.untyped).toBe(0);
    expect(figures.refused).toBeGreaterThan(100);
  });
});
