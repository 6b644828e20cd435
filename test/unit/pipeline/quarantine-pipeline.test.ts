import { describe, expect, it } from "vitest";
import { quarantinePipeline, SETTLE_GRACE_MS } from "../../../src/pipeline/orchestration/quarantine-pipeline.js";
import { ledgerBacks } from "../../../src/pipeline/approval-ledger-checks.js";
import {
  EVENT,
  ORCHESTRATION,
  type ApprovalDecision,
  type ApprovalRound,
  type ApprovalSettlement,
  type ConfirmApprovalInput,
  type InspectResult,
  type PipelineInput,
  type PollScanInput,
  type RecordDecisionInput,
  type RegistryDecisionRequest,
  type ScanPoll,
  type ScanReportEvent,
  type SubmitScanInput,
} from "../../../src/pipeline/contract/index.js";
import { PipelineRun, type Activities } from "./support/pipeline-run.js";
import {
  IMAGE,
  approval,
  digestOf,
  done,
  imageIndex,
  pipelineInput,
  singleManifest,
  verdict,
} from "./support/fixtures.js";

interface Scenario {
  input?: Partial<PipelineInput>;
  inspect?: InspectResult;
  /** What each poll of a digest answers (the last answer repeats). */
  polls?: Record<string, ScanPoll[]>;
  /** External scanners: submitScan answers "callback". */
  callback?: boolean;
  submitFails?: boolean;
  writeFails?: boolean;
  /** The approval ledger's outcome claim, as the approvals API (or the deadline) made it. */
  ledger?: { settlement?: ApprovalSettlement; confirmFails?: boolean };
}

/** The claim the approvals API makes for a decision before it raises the event (one decision claims the outcome). */
function claimFor(decision: ApprovalDecision, decisionId = "d-1"): ApprovalSettlement {
  return {
    kind: "decision",
    approve: decision.approve === true,
    decisions: [{ ...decision, decisionId }],
    decidedAt: decision.decidedAt,
  };
}

const scenarios = new WeakMap<PipelineRun, Scenario>();

/** The in-memory approval ledger of a run: a test writes the claims the approvals API would have made. */
function ledgerOf(run: PipelineRun): NonNullable<Scenario["ledger"]> {
  const scenario = scenarios.get(run)!;
  return (scenario.ledger ??= {});
}

/** The pipeline with activities answered in memory; returns the run before it is started. */
function pipeline(scenario: Scenario): PipelineRun {
  const pollsSeen = new Map<string, number>();
  const activities: Activities = {
    inspectImage: () => scenario.inspect ?? singleManifest(),
    submitScan: (input: SubmitScanInput) => {
      if (scenario.submitFails) throw new Error("scanner unreachable");
      return scenario.callback
        ? { mode: "callback", digest: input.image.digest, scanId: input.scanId, callbackTokenHash: "ab".repeat(32) }
        : { mode: "poll", digest: input.image.digest, scanId: input.scanId };
    },
    pollScan: (input: PollScanInput) => {
      const answers = scenario.polls?.[input.image.digest] ?? [done(verdict("pass", input.image.digest))];
      const n = pollsSeen.get(input.image.digest) ?? 0;
      pollsSeen.set(input.image.digest, n + 1);
      return answers[Math.min(n, answers.length - 1)];
    },
    writeRegistryDecision: (request: RegistryDecisionRequest) => {
      if (scenario.writeFails) throw new Error("503 from the registry");
      return { confirmedState: request.state };
    },
    recordDecision: () => null,
    // The ledger's rules (src/pipeline/approval-ledger-checks.ts) over an in-memory claim.
    confirmApprovalDecision: (input: ConfirmApprovalInput) => {
      if (scenario.ledger?.confirmFails) throw new Error("storage unavailable");
      const settlement = scenario.ledger?.settlement;
      return settlement?.kind === "decision" && ledgerBacks(settlement, input.event)
        ? { counted: true, settlement }
        : { counted: false, reason: "forged" };
    },
    settleApprovalDeadline: (round: ApprovalRound) => {
      scenario.ledger ??= {};
      scenario.ledger.settlement ??= { kind: "deadline", deadline: round.deadline, claimedAt: round.deadline };
      return scenario.ledger.settlement;
    },
  };
  const run = new PipelineRun(
    ORCHESTRATION.quarantinePipeline,
    quarantinePipeline,
    pipelineInput(scenario.input),
    activities,
  );
  scenarios.set(run, scenario);
  return run;
}

const writes = (run: PipelineRun) => run.inputsOf<RegistryDecisionRequest>("writeRegistryDecision");
const records = (run: PipelineRun) => run.inputsOf<RecordDecisionInput>("recordDecision");

describe("quarantine pipeline: the policy decides", () => {
  it("a pass verdict writes Passed, once, and records the release", async () => {
    const run = await pipeline({}).settle();
    expect(run.runtimeStatus).toBe("Completed");
    expect(run.outcome).toMatchObject({ result: "Passed", decidedBy: "policy" });
    expect(writes(run)).toEqual([expect.objectContaining({ image: IMAGE, state: "Passed" })]);
    expect(records(run).map((r) => r.outcome.result)).toEqual(["Passed"]);
    expect(run.customStatus).toMatchObject({ stage: "done", outcome: "Passed" });
  });

  it("a fail verdict writes Failed with the verdict's reasons", async () => {
    const polls = { [IMAGE.digest]: [done(verdict("fail", IMAGE.digest, ["CVE-1 blocks", "CVE-2 blocks"]))] };
    const run = await pipeline({ polls }).settle();
    expect(run.outcome).toMatchObject({ result: "Failed", decidedBy: "policy", reason: "CVE-1 blocks; CVE-2 blocks" });
    expect(writes(run).map((w) => w.state)).toEqual(["Failed"]);
  });

  it("a verdict that needs approval writes nothing and waits for a person, with a deadline", async () => {
    const run = await pipeline({ polls: { [IMAGE.digest]: [done(verdict("needsApproval"))] } }).settle();
    expect(run.runtimeStatus).toBe("Running");
    expect(run.customStatus.stage).toBe("awaiting-approval");
    expect(run.customStatus.approvalDeadline).toBeDefined();
    expect(writes(run)).toEqual([]);
  });

  it("polls a pending scan on durable timers until the report is there", async () => {
    const polls = { [IMAGE.digest]: [{ state: "pending", retryAfterMs: 1000 } as ScanPoll, done(verdict("pass"))] };
    const run = await pipeline({ polls }).settle();
    expect(run.runtimeStatus).toBe("Running");
    expect(writes(run)).toEqual([]);
    await run.fireTimers();
    expect(run.outcome.result).toBe("Passed");
    expect(run.inputsOf("pollScan")).toHaveLength(2);
  });
});

describe("quarantine pipeline: a person decides, or the deadline does", () => {
  const needsApproval = () => ({ polls: { [IMAGE.digest]: [done(verdict("needsApproval"))] } });
  /** A pipeline whose approval the API recorded in the ledger before raising the event. */
  const decided = (given: ApprovalDecision) =>
    pipeline({ ...needsApproval(), ledger: { settlement: claimFor(given) } });

  it("an approval the ledger backs releases, in the approver's name, after confirming it", async () => {
    const run = await (await decided(approval(true)).settle()).raise(EVENT.approvalDecision, approval(true));
    expect(run.outcome).toMatchObject({ result: "Passed", decidedBy: "Ada Approver (oid-1)", reason: "looked at it" });
    expect(writes(run).map((w) => w.state)).toEqual(["Passed"]);
    expect(run.customStatus.decision).toMatchObject({ approve: true, by: "Ada Approver (oid-1)" });
    const [confirmed] = run.inputsOf<ConfirmApprovalInput>("confirmApprovalDecision");
    expect(confirmed).toMatchObject({
      round: { instanceId: "unit-instance", image: IMAGE, deadline: run.customStatus.approvalDeadline },
      event: approval(true),
    });
  });

  it("a rejection the ledger backs fails the image", async () => {
    const run = await (await decided(approval(false)).settle()).raise(EVENT.approvalDecision, approval(false));
    expect(run.outcome).toMatchObject({ result: "Failed", decidedBy: "Ada Approver (oid-1)" });
    expect(writes(run).map((w) => w.state)).toEqual(["Failed"]);
  });

  it("applies the ledger's decision, not what the event says", async () => {
    const recorded = approval(false, "not without the fix");
    const run = await (
      await decided(recorded).settle()
    ).raise(EVENT.approvalDecision, {
      ...recorded,
      reason: "the event's own words",
    });
    expect(run.outcome).toMatchObject({ result: "Failed", reason: "not without the fix" });
  });

  it("a forged event (no ledger row backs it) is ignored: the pipeline keeps waiting and writes nothing", async () => {
    const run = await pipeline(needsApproval()).settle();
    const forged = { ...approval(true), approver: { objectId: "oid-mallory", name: "Ada Approver", roles: [] } };
    await run.raise(EVENT.approvalDecision, forged);
    expect(run.runtimeStatus).toBe("Running");
    expect(run.customStatus.stage).toBe("awaiting-approval");
    expect(run.customStatus.decision).toBeUndefined();
    expect(run.inputsOf<ConfirmApprovalInput>("confirmApprovalDecision").map((c) => c.event)).toEqual([forged]);
    expect(writes(run)).toEqual([]);
    // The deadline still holds after the forged event.
    await run.fireTimers();
    expect(run.outcome).toMatchObject({ result: "Failed", decidedBy: "gate" });
  });

  it("a forged event naming the real approver with another choice is ignored; the genuine one decides", async () => {
    const genuine = approval(false);
    const run = await decided(genuine).settle();
    await run.raise(EVENT.approvalDecision, { ...genuine, approve: true });
    expect(run.runtimeStatus).toBe("Running");
    expect(writes(run)).toEqual([]);
    await run.raise(EVENT.approvalDecision, genuine);
    expect(run.outcome.result).toBe("Failed");
    expect(writes(run).map((w) => w.state)).toEqual(["Failed"]);
  });

  it("the deadline fires first, but the ledger holds an approval made before it: the approval counts", async () => {
    // The API answered 202 for an approval 10 ms before the deadline; its event is not in yet when the timer fires.
    const run = await pipeline(needsApproval()).settle();
    const deadline = Date.parse(run.customStatus.approvalDeadline!);
    const justInTime = { ...approval(true), decidedAt: new Date(deadline - 10).toISOString() };
    // The claim is in the ledger before the timer's claim is tried.
    ledgerOf(run).settlement = claimFor(justInTime);
    await run.fireTimers();
    expect(run.inputsOf<ApprovalRound>("settleApprovalDeadline")).toHaveLength(1);
    expect(run.outcome).toMatchObject({ result: "Passed", decidedBy: "Ada Approver (oid-1)" });
    expect(writes(run).map((w) => w.state)).toEqual(["Passed"]);
    // The event that arrives afterwards changes nothing.
    await run.raise(EVENT.approvalDecision, justInTime);
    expect(writes(run)).toHaveLength(1);
  });

  it("the deadline fires first and the ledger's decision is not before it: the deadline decides (never Passed)", async () => {
    const run = await pipeline(needsApproval()).settle();
    const deadline = run.customStatus.approvalDeadline!;
    ledgerOf(run).settlement = claimFor({ ...approval(true), decidedAt: deadline });
    await run.fireTimers();
    expect(run.outcome).toMatchObject({ result: "Failed", decidedBy: "gate" });
  });

  it("a ledger that cannot be read does not count the event; the deadline's claim still finds the decision", async () => {
    const given = approval(true);
    const run = await pipeline({
      ...needsApproval(),
      ledger: { settlement: claimFor(given), confirmFails: true },
    }).settle();
    await run.raise(EVENT.approvalDecision, given);
    expect(run.runtimeStatus).toBe("Running");
    expect(run.inputsOf("confirmApprovalDecision")).toHaveLength(5);
    expect(writes(run)).toEqual([]);
    await run.fireTimers();
    expect(run.outcome).toMatchObject({ result: "Passed", decidedBy: "Ada Approver (oid-1)" });
  });

  it.each([["yes"], [1], [null], [{}]])("only an explicit true releases: approve %j fails the image", async (given) => {
    const run = await (await decided(approval(given)).settle()).raise(EVENT.approvalDecision, approval(given));
    await run.runToEnd();
    expect(run.outcome.result).toBe("Failed");
    expect(writes(run).map((w) => w.state)).toEqual(["Failed"]);
  });

  it("the deadline's timer fires a grace after the published deadline, so a decision stamped just before it is recorded first", async () => {
    const run = await pipeline(needsApproval()).settle();
    const deadline = Date.parse(run.customStatus.approvalDeadline!);
    const timers = run.driver.outstanding("timer").filter((w) => w.kind === "timer");
    const offsets = timers.map((t) => (t.kind === "timer" ? Date.parse(t.fireAt) - deadline : NaN));
    // The deadline's own timer (reminder timers fire before the deadline, at 50 % and 90 % of the approval time).
    expect(offsets.filter((offset) => offset >= 0)).toEqual([SETTLE_GRACE_MS]);
    expect(SETTLE_GRACE_MS).toBeGreaterThanOrEqual(1_000);
  });

  it("no decision before the deadline fails the image (APPROVAL_TIMEOUT_OUTCOME=Failed), claimed in the ledger", async () => {
    const run = await (await pipeline(needsApproval()).settle()).fireTimers();
    expect(run.outcome).toMatchObject({ result: "Failed", decidedBy: "gate" });
    expect(run.outcome.reason).toMatch(/^no approval before /);
    expect(writes(run).map((w) => w.state)).toEqual(["Failed"]);
    expect(run.inputsOf<ApprovalRound>("settleApprovalDeadline")).toEqual([
      { instanceId: "unit-instance", image: IMAGE, deadline: run.customStatus.approvalDeadline },
    ]);
  });

  it("no decision before the deadline leaves the image quarantined (stay-quarantined), writing nothing", async () => {
    const run = await (
      await pipeline({ ...needsApproval(), input: { onApprovalTimeout: "stay-quarantined" } }).settle()
    ).fireTimers();
    expect(run.runtimeStatus).toBe("Completed");
    expect(run.outcome).toMatchObject({ result: "left-quarantined", decidedBy: "gate" });
    expect(run.outcome.verdict?.decision).toBe("needsApproval");
    expect(writes(run)).toEqual([]);
    expect(records(run).map((r) => r.outcome.result)).toEqual(["left-quarantined"]);
  });

  it("a decision after the deadline changes nothing", async () => {
    const run = await (await pipeline(needsApproval()).settle()).fireTimers();
    await run.raise(EVENT.approvalDecision, approval(true));
    expect(run.outcome.result).toBe("Failed");
    expect(writes(run).map((w) => w.state)).toEqual(["Failed"]);
  });
});

describe("quarantine pipeline: scans that give no verdict leave the image quarantined", () => {
  const expectScanFailed = (run: PipelineRun, error: RegExp) => {
    expect(run.runtimeStatus).toBe("Failed");
    expect(run.customStatus.stage).toBe("scan-failed");
    expect(run.customStatus.error).toMatch(error);
    expect(writes(run)).toEqual([]);
    expect(records(run)).toEqual([
      expect.objectContaining({ outcome: expect.objectContaining({ result: "left-quarantined", decidedBy: "gate" }) }),
    ]);
  };

  it("the scanner reports the scan failed", async () => {
    const run = await pipeline({ polls: { [IMAGE.digest]: [{ state: "failed", error: "db missing" }] } }).settle();
    expectScanFailed(run, /the scanner reports the scan of .* failed: db missing/);
  });

  it("the scanner cannot be reached (submitScan fails after every retry)", async () => {
    const run = await pipeline({ submitFails: true }).settle();
    expectScanFailed(run, /scan failed: .*scanner unreachable/);
    expect(run.inputsOf("submitScan")).toHaveLength(5);
  });

  it("no report before the scan deadline (polling)", async () => {
    const run = await pipeline({ polls: { [IMAGE.digest]: [{ state: "pending", retryAfterMs: 2000 }] } }).runToEnd();
    expectScanFailed(run, /no scan report for .* before the scan deadline/);
  });

  it("no report before the scan deadline (external scanner)", async () => {
    const run = await pipeline({ callback: true }).settle();
    expect(run.customStatus.pendingScan).toMatchObject({ callbackTokenHash: "ab".repeat(32), image: IMAGE });
    await run.fireTimers();
    expectScanFailed(run, /no scan report for .* before the scan deadline/);
    expect(run.customStatus.pendingScan).toBeUndefined();
  });

  it("an external scanner's report for another scan is ignored; this scan's report decides", async () => {
    const run = await pipeline({ callback: true }).settle();
    const scanId = run.customStatus.pendingScan!.scanId;
    const other: ScanReportEvent = { scanId: `${scanId.slice(0, -1)}x`, result: done(verdict("pass")) as never };
    await run.raise(EVENT.scanReport, other);
    expect(run.runtimeStatus).toBe("Running");
    expect(writes(run)).toEqual([]);
    const mine: ScanReportEvent = { scanId, result: done(verdict("fail")) as never };
    await run.raise(EVENT.scanReport, mine);
    expect(run.outcome.result).toBe("Failed");
    expect(writes(run).map((w) => w.state)).toEqual(["Failed"]);
    expect(run.customStatus.pendingScan).toBeUndefined();
  });

  it("the scan deadline still holds after a report for another scan", async () => {
    const run = await pipeline({ callback: true }).settle();
    const scanId = run.customStatus.pendingScan!.scanId;
    await run.raise(EVENT.scanReport, { scanId: `${scanId}0`, result: done(verdict("pass")) as never });
    await run.fireTimers();
    expectScanFailed(run, /before the scan deadline/);
  });

  it("an external scanner that reports failure", async () => {
    const run = await pipeline({ callback: true }).settle();
    const scanId = run.customStatus.pendingScan!.scanId;
    await run.raise(EVENT.scanReport, { scanId, result: { state: "failed", error: "no such image" } });
    expectScanFailed(run, /failed: no such image/);
  });
});

describe("quarantine pipeline: image indexes", () => {
  const platforms = [digestOf(11), digestOf(12)];
  const indexRun = (a: "pass" | "fail" | "needsApproval", b: "pass" | "fail" | "needsApproval") =>
    pipeline({
      inspect: imageIndex(platforms),
      polls: { [platforms[0]!]: [done(verdict(a, platforms[0]))], [platforms[1]!]: [done(verdict(b, platforms[1]))] },
    }).settle();

  it("scans every platform and releases the index (only the index) when all pass", async () => {
    const run = await indexRun("pass", "pass");
    expect(run.inputsOf<SubmitScanInput>("submitScan").map((s) => s.image.digest)).toEqual(platforms);
    // An index's platforms are scanned without the index's media type.
    expect(run.inputsOf<SubmitScanInput>("submitScan").every((s) => s.mediaType === undefined)).toBe(true);
    expect(run.outcome.result).toBe("Passed");
    expect(writes(run)).toEqual([expect.objectContaining({ image: IMAGE, state: "Passed" })]);
    expect(run.outcome.verdict?.platforms.map((p) => p.digest)).toEqual(platforms);
  });

  it("fails the index when any platform fails, even if another needs approval", async () => {
    const run = await indexRun("needsApproval", "fail");
    expect(run.outcome.result).toBe("Failed");
    expect(writes(run).map((w) => w.state)).toEqual(["Failed"]);
  });

  it("waits for a person when a platform needs approval and none fails", async () => {
    const run = await indexRun("pass", "needsApproval");
    expect(run.runtimeStatus).toBe("Running");
    expect(run.customStatus.stage).toBe("awaiting-approval");
    expect(writes(run)).toEqual([]);
  });

  it("gives every scan its own deterministic id", async () => {
    const run = await indexRun("pass", "pass");
    const ids = run.inputsOf<SubmitScanInput>("submitScan").map((s) => s.scanId);
    expect(ids).toEqual([
      expect.stringMatching(/^unit-instance\.0\.[0-9a-f]{8}$/),
      expect.stringMatching(/^unit-instance\.1\./),
    ]);
    const again = await indexRun("pass", "pass");
    expect(again.inputsOf<SubmitScanInput>("submitScan").map((s) => s.scanId)).toEqual(ids);
  });
});

describe("quarantine pipeline: shadow mode and decided images", () => {
  it.each([
    ["pass", "would-pass"],
    ["fail", "would-fail"],
  ] as const)("shadow mode: a %s verdict is %s and nothing is written", async (decision, result) => {
    const run = await pipeline({
      input: { mode: "shadow" },
      polls: { [IMAGE.digest]: [done(verdict(decision))] },
    }).settle();
    expect(run.outcome.result).toBe(result);
    expect(writes(run)).toEqual([]);
    expect(records(run).map((r) => r.outcome.result)).toEqual([result]);
  });

  it("shadow mode: an approval is only what would have happened", async () => {
    const run = await pipeline({
      input: { mode: "shadow" },
      polls: { [IMAGE.digest]: [done(verdict("needsApproval"))] },
      ledger: { settlement: claimFor(approval(true)) },
    }).settle();
    await run.raise(EVENT.approvalDecision, approval(true));
    expect(run.outcome.result).toBe("would-pass");
    expect(writes(run)).toEqual([]);
  });

  it.each(["Passed", "Failed"])(
    "enforcement leaves an image the registry shows %s alone: no scan, no write",
    async (state) => {
      const run = await pipeline({ inspect: singleManifest(state) }).settle();
      expect(run.outcome).toMatchObject({
        result: "already-decided",
        decidedBy: "registry",
        reason: `already ${state}`,
      });
      expect(run.inputsOf("submitScan")).toEqual([]);
      expect(writes(run)).toEqual([]);
      expect(records(run).map((r) => r.outcome.result)).toEqual(["already-decided"]);
    },
  );

  it("shadow mode judges an image the registry shows as decided anyway", async () => {
    const run = await pipeline({ input: { mode: "shadow" }, inspect: singleManifest("Passed") }).settle();
    expect(run.outcome.result).toBe("would-pass");
    expect(run.inputsOf("submitScan")).toHaveLength(1);
  });

  it.each([undefined, "Quarantined", "Pending", "whatever"])(
    "a registry state of %j is not a decision: the image is scanned",
    async (state) => {
      const run = await pipeline({ inspect: singleManifest(state) }).settle();
      expect(run.inputsOf("submitScan")).toHaveLength(1);
      expect(run.outcome.result).toBe("Passed");
    },
  );
});

describe("quarantine pipeline: the registry refuses the write", () => {
  it("retries, then leaves the image quarantined, records why and ends Failed", async () => {
    const run = await pipeline({ writeFails: true }).settle();
    expect(run.runtimeStatus).toBe("Failed");
    expect(writes(run)).toHaveLength(5);
    expect(run.customStatus.stage).toBe("release-failed");
    expect(run.customStatus.error).toMatch(/^release as Passed failed: .*503 from the registry/);
    expect(records(run).map((r) => r.outcome.result)).toEqual(["left-quarantined"]);
  });
});
