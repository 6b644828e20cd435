import { describe, expect, it } from "vitest";
import {
  REEVALUATION_ORCHESTRATION,
  reevaluationInstanceId,
  type EnforceRemediationInput,
  type ReevaluateImageInput,
  type ReevaluateImageResult,
  type ReevaluationCandidate,
  type ReevaluationRunInput,
  type ReevaluationTotals,
} from "../../../src/pipeline/contract/reevaluation.js";
import { IMAGES_PER_EXECUTION, reevaluationRun } from "../../../src/pipeline/orchestration/reevaluation-run.js";
import { PipelineRun, type Activities } from "../pipeline/support/pipeline-run.js";

const candidate = (n: number): ReevaluationCandidate => ({
  image: {
    loginServer: "gate.azurecr.io",
    repository: `team/app-${n}`,
    digest: "sha256:" + String(n).padStart(64, "0"),
  },
  why: ["window"],
});

const result = (over: Partial<ReevaluateImageResult> = {}): ReevaluateImageResult => ({
  enforcement: "none",
  decision: "pass",
  opened: 0,
  closed: 0,
  reminders: 0,
  due: 0,
  summary: "",
  ...over,
});

/** Inputs of every call of one re-evaluation activity, in order (PipelineRun.inputsOf knows the pipeline's names). */
function inputsOf<T = unknown>(run: PipelineRun, name: string): T[] {
  return run.calls.filter((c) => (c.name as string) === name).map((c) => c.input as T);
}

type Behaviour = (input: ReevaluateImageInput) => ReevaluateImageResult;

/** Runs the orchestration to its end across continue-as-new executions, all with the real replay engine. */
async function runAll(
  candidates: ReevaluationCandidate[],
  concurrency: number,
  behaviour: Behaviour,
  enforceFails = false,
) {
  const runs: PipelineRun[] = [];
  let input: ReevaluationRunInput = { runId: "2026-03-01T00:00:00Z" };
  const activities: Activities = {
    listReevaluationCandidates: () => ({ candidates, concurrency }),
    reevaluateImage: (i: ReevaluateImageInput) => behaviour(i),
    enforceRemediation: (i: EnforceRemediationInput) => {
      if (enforceFails) throw new Error("403 from the registry");
      return {
        readEnabled: i.action === "release",
        quarantineState: i.action === "block" ? "Failed" : "Passed",
        quarantineStateWritten: true,
      };
    },
  } as Activities;
  for (let execution = 0; execution < 100; execution++) {
    const run = await new PipelineRun(
      REEVALUATION_ORCHESTRATION.reevaluationRun,
      reevaluationRun,
      input,
      activities,
    ).settle(2000);
    runs.push(run);
    if (run.runtimeStatus !== "ContinuedAsNew") break;
    input = JSON.parse(run.driver.last!.output!) as ReevaluationRunInput;
  }
  const last = runs.at(-1)!;
  return { runs, last, totals: JSON.parse(last.driver.last!.output!) as ReevaluationTotals };
}

describe("reevaluationRun (replayed by the real durable-functions engine)", () => {
  it("re-evaluates every candidate, blocks the ones due, re-opens the ones released, and counts", async () => {
    const candidates = [1, 2, 3, 4, 5].map(candidate);
    const { runs, last, totals } = await runAll(candidates, 2, (i) =>
      i.image.repository === "team/app-2"
        ? result({ enforcement: "block", decision: "fail", due: 1, summary: "CVE-2026-1 due 2026-03-01" })
        : i.image.repository === "team/app-4"
          ? result({ enforcement: "release" })
          : i.image.repository === "team/app-5"
            ? result({ enforcement: "warn", decision: "fail" })
            : result(),
    );
    expect(last.runtimeStatus).toBe("Completed");
    expect(runs).toHaveLength(1);
    const seen = inputsOf<ReevaluateImageInput>(last, "reevaluateImage");
    expect(seen.map((i) => i.image.repository)).toEqual(candidates.map((c) => c.image.repository));
    expect(new Set(seen.map((i) => i.purpose))).toEqual(new Set(["scheduled"]));
    const enforced = inputsOf<EnforceRemediationInput>(last, "enforceRemediation");
    expect(enforced.map((e) => [e.image.repository, e.action, e.reason])).toEqual([
      ["team/app-2", "block", "CVE-2026-1 due 2026-03-01"],
      ["team/app-4", "release", ""],
    ]);
    expect(totals).toEqual({
      images: 5,
      blocked: 1,
      released: 1,
      warned: 1,
      askedApproval: 0,
      unusable: 0,
      failedActivities: 0,
    });
  });

  it("warn and ask-approval never write to the registry", async () => {
    const { last, totals } = await runAll([1, 2].map(candidate), 4, (i) =>
      result({ enforcement: i.image.repository.endsWith("1") ? "warn" : "ask-approval", decision: "fail" }),
    );
    expect(inputsOf(last, "enforceRemediation")).toEqual([]);
    expect(totals).toMatchObject({ warned: 1, askedApproval: 1, blocked: 0 });
  });

  it("fans out at most `concurrency` at once: each batch's time is one replay-safe instant", async () => {
    const { last } = await runAll([1, 2, 3, 4, 5, 6, 7].map(candidate), 3, () => result());
    const seen = inputsOf<ReevaluateImageInput>(last, "reevaluateImage");
    const byInstant = new Map<string, number>();
    for (const i of seen) byInstant.set(i.now, (byInstant.get(i.now) ?? 0) + 1);
    expect([...byInstant.values()].every((n) => n <= 3)).toBe(true);
    expect(seen).toHaveLength(7);
  });

  it("a registry that refuses the block is counted; the run goes on and completes", async () => {
    const { last, totals } = await runAll(
      [1, 2].map(candidate),
      2,
      () => result({ enforcement: "block", decision: "fail" }),
      true,
    );
    expect(last.runtimeStatus).toBe("Completed");
    expect(totals).toMatchObject({ images: 2, blocked: 0, failedActivities: 2 });
  });

  it("an image whose re-evaluation keeps failing is counted and left as it was", async () => {
    const { last, totals } = await runAll([1, 2].map(candidate), 1, (i) => {
      if (i.image.repository === "team/app-1") throw new Error("storage down");
      return result();
    });
    expect(last.runtimeStatus).toBe("Completed");
    expect(totals).toMatchObject({ images: 2, failedActivities: 1 });
    expect(inputsOf(last, "enforceRemediation")).toEqual([]);
  });

  it(`continues as new every ${IMAGES_PER_EXECUTION} images, listing the candidates only once`, async () => {
    const candidates = Array.from({ length: IMAGES_PER_EXECUTION * 2 + 5 }, (_, n) => candidate(n));
    const { runs, last, totals } = await runAll(candidates, 50, () => result());
    expect(runs.map((r) => r.runtimeStatus)).toEqual(["ContinuedAsNew", "ContinuedAsNew", "Completed"]);
    expect(runs.flatMap((r) => inputsOf(r, "listReevaluationCandidates"))).toHaveLength(1);
    const all = runs.flatMap((r) =>
      inputsOf<ReevaluateImageInput>(r, "reevaluateImage").map((i) => i.image.repository),
    );
    expect(all).toEqual(candidates.map((c) => c.image.repository));
    expect(totals.images).toBe(candidates.length);
    expect(last.runtimeStatus).toBe("Completed");
  });

  it("one run per tick: the instance id comes from the run id", () => {
    expect(reevaluationInstanceId("2026-03-01T00:00:00Z")).toBe("re-20260301T000000Z");
    expect(reevaluationInstanceId("2026-03-01T00:00:00Z")).toBe(reevaluationInstanceId("2026-03-01T00:00:00Z"));
  });
});
