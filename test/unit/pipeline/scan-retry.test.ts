import { describe, expect, it } from "vitest";
import { quarantinePipeline } from "../../../src/pipeline/orchestration/quarantine-pipeline.js";
import {
  ORCHESTRATION,
  SCAN_RETRY,
  scanRetryDelayMs,
  type InspectResult,
  type PipelineInput,
  type RegistryDecisionRequest,
  type ScanPoll,
  type ScanSubmission,
  type SubmitScanInput,
} from "../../../src/pipeline/contract/index.js";
import { PipelineRun } from "./support/pipeline-run.js";
import { IMAGE, digestOf, done, imageIndex, pipelineInput, singleManifest, verdict } from "./support/fixtures.js";

/** One answer of submitScan: submitted (the scanner polls), or a failure of submitting. */
type SubmitAnswer = "ok" | { error: string; retryable: boolean };

interface Script {
  input?: Partial<PipelineInput>;
  inspect?: InspectResult;
  /** submitScan's answers in call order (the last repeats). */
  submits?: SubmitAnswer[];
  /** pollScan's answers per digest in call order (the last repeats). */
  polls: Record<string, ScanPoll[]>;
}

const registryDown = (n: number): ScanPoll => ({
  state: "failed",
  error: `pulling team/app failed: registry answered 503 (${n})`,
  retryable: true,
});

function scripted(script: Script): PipelineRun {
  const submits = [...(script.submits ?? ["ok"])];
  const polls = new Map(Object.entries(script.polls).map(([d, answers]) => [d, [...answers]]));
  const next = <T>(queue: T[]): T => (queue.length > 1 ? queue.shift()! : queue[0]!);
  return new PipelineRun(ORCHESTRATION.quarantinePipeline, quarantinePipeline, pipelineInput(script.input), {
    inspectImage: () => script.inspect ?? singleManifest(),
    submitScan: (input: SubmitScanInput): ScanSubmission => {
      const answer = next(submits);
      return answer === "ok"
        ? { mode: "poll", digest: input.image.digest, scanId: input.scanId }
        : { mode: "failed", digest: input.image.digest, ...answer };
    },
    pollScan: (input: { image: { digest: string } }) => next(polls.get(input.image.digest)!),
    writeRegistryDecision: (request: RegistryDecisionRequest) => ({ confirmedState: request.state, written: true }),
    recordDecision: () => null,
  });
}

/** The waits the orchestration's own timers ask for, one per round, until it ends (or `rounds` run out). */
async function waitsUntilEnd(run: PipelineRun, rounds = 100): Promise<number[]> {
  const waits: number[] = [];
  await run.settle();
  for (let i = 0; i < rounds && run.runtimeStatus === "Running"; i++) {
    for (const work of run.driver.outstanding("timer"))
      if (work.kind === "timer" && work.chain === undefined)
        waits.push(Date.parse(work.fireAt) - run.driver.now.getTime());
    await run.fireTimers();
  }
  return waits;
}

const writes = (run: PipelineRun) => run.inputsOf<RegistryDecisionRequest>("writeRegistryDecision");
const submitted = (run: PipelineRun) => run.inputsOf<SubmitScanInput>("submitScan");

describe("scan retries: the backoff", () => {
  it("doubles from 1 s up to a thirtieth of the scan deadline, at least 1 s, at most 60 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => scanRetryDelayMs(n, 600_000))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 20_000, 20_000,
    ]);
    expect(scanRetryDelayMs(10, 30 * 60_000)).toBe(60_000);
    expect(scanRetryDelayMs(10, 2 * 60_000)).toBe(4_000);
    expect(scanRetryDelayMs(10, 10_000)).toBe(SCAN_RETRY.minCeilingMs);
    expect(scanRetryDelayMs(10_000, 24 * 3_600_000)).toBe(SCAN_RETRY.maxCeilingMs);
  });
});

describe("scan retries: transient failures are tried again within the deadline", () => {
  it("a scan that failed while the registry was down is scanned again, and the image passes once it is back", async () => {
    const run = scripted({
      input: { scanDeadlineMs: 600_000 },
      polls: { [IMAGE.digest]: [registryDown(1), registryDown(2), registryDown(3), done(verdict("pass"))] },
    });
    await run.settle();
    expect(run.runtimeStatus).toBe("Running");
    expect(run.customStatus.scanRetry).toMatchObject({ digest: IMAGE.digest, failures: 1 });
    expect(run.customStatus.scanRetry!.error).toContain("registry answered 503 (1)");
    const waits = await waitsUntilEnd(run);
    expect(run.outcome).toMatchObject({ result: "Passed", decidedBy: "policy" });
    expect(writes(run).map((w) => w.state)).toEqual(["Passed"]);
    // Three failed scans, each followed by a longer wait, then a fourth scan with a fresh scan id.
    expect(waits).toEqual([1_000, 2_000, 4_000]);
    const ids = submitted(run).map((s) => s.scanId);
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
    expect(ids.every((id) => /^unit-instance\.0\.[0-9a-f]{8}$/.test(id))).toBe(true);
    expect(run.customStatus.scanRetry).toBeUndefined();
  });

  it("a scanner that cannot be reached at submission is asked again", async () => {
    const run = scripted({
      submits: [{ error: "POST /api/v1/scan got no answer", retryable: true }, "ok"],
      polls: { [IMAGE.digest]: [done(verdict("pass"))] },
    });
    await waitsUntilEnd(run);
    expect(run.outcome.result).toBe("Passed");
    expect(submitted(run)).toHaveLength(2);
  });

  it("an adapter that cannot be asked for the report is asked again for the same scan", async () => {
    const unavailable: ScanPoll = { state: "unavailable", error: "GET report → 503" };
    const run = scripted({
      input: { scanDeadlineMs: 600_000 },
      polls: {
        [IMAGE.digest]: [unavailable, unavailable, { state: "pending", retryAfterMs: 3_000 }, done(verdict("pass"))],
      },
    });
    const waits = await waitsUntilEnd(run);
    expect(run.outcome.result).toBe("Passed");
    expect(submitted(run)).toHaveLength(1);
    expect(run.inputsOf("pollScan")).toHaveLength(4);
    // Backoff after each unavailable answer, then the adapter's own Refresh-After.
    expect(waits).toEqual([1_000, 2_000, 3_000]);
  });

  it("every platform of an index gets its own retries; the index passes when all pass", async () => {
    const platforms = [digestOf(11), digestOf(12)];
    const run = scripted({
      inspect: imageIndex(platforms),
      polls: {
        [platforms[0]!]: [done(verdict("pass", platforms[0]))],
        [platforms[1]!]: [registryDown(1), done(verdict("pass", platforms[1]))],
      },
    });
    await waitsUntilEnd(run);
    expect(run.outcome.result).toBe("Passed");
    expect(submitted(run).map((s) => s.image.digest)).toEqual([platforms[0], platforms[1], platforms[1]]);
  });
});

describe("scan retries: only a definitive failure or the deadline ends the scan, and never with Passed", () => {
  const expectScanFailed = (run: PipelineRun, error: RegExp) => {
    expect(run.runtimeStatus).toBe("Failed");
    expect(run.customStatus.stage).toBe("scan-failed");
    expect(run.customStatus.error).toMatch(error);
    expect(writes(run)).toEqual([]);
    expect(run.inputsOf<{ outcome: { result: string } }>("recordDecision").map((r) => r.outcome.result)).toEqual([
      "left-quarantined",
    ]);
  };

  it("a scan the scanner reports failed for a definitive cause ends at once, without a timer", async () => {
    const run = scripted({ polls: { [IMAGE.digest]: [{ state: "failed", error: "unsupported media type" }] } });
    const waits = await waitsUntilEnd(run);
    expectScanFailed(run, /the scanner reports the scan of .* failed: unsupported media type/);
    expect(waits).toEqual([]);
    expect(submitted(run)).toHaveLength(1);
  });

  it("a scanner that refuses the scan ends it at once", async () => {
    const run = scripted({
      submits: [{ error: "POST scan → 422 unsupported artifact", retryable: false }],
      polls: { [IMAGE.digest]: [done(verdict("pass"))] },
    });
    await waitsUntilEnd(run);
    expectScanFailed(run, /the scanner refused the scan of .*: POST scan → 422/);
    expect(submitted(run)).toHaveLength(1);
  });

  it("transient failures until the deadline end the scan at the deadline, naming the last failure", async () => {
    const run = scripted({ input: { scanDeadlineMs: 60_000 }, polls: { [IMAGE.digest]: [registryDown(0)] } });
    const waits = await waitsUntilEnd(run, 500);
    expectScanFailed(run, /before the scan deadline .*\(last transient failure: .*registry answered 503/);
    const deadline = Date.parse(run.customStatus.scanDeadline!);
    // Every attempt started before the deadline; the last wait was cut to end exactly at it.
    for (const scan of submitted(run)) expect(Date.parse(scan.now)).toBeLessThan(deadline);
    expect(waits.length).toBeGreaterThan(5);
    expect(Math.max(...waits)).toBeLessThanOrEqual(scanRetryDelayMs(100, 60_000));
  });

  it("an adapter unavailable until the deadline ends the scan at the deadline", async () => {
    const run = scripted({ polls: { [IMAGE.digest]: [{ state: "unavailable", error: "GET report → 502" }] } });
    await waitsUntilEnd(run, 500);
    expectScanFailed(run, /before the scan deadline .*GET report → 502/);
    expect(submitted(run)).toHaveLength(1);
  });
});
