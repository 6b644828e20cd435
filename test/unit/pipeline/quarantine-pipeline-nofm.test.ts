import { describe, expect, it } from "vitest";
import { quarantinePipeline } from "../../../src/pipeline/orchestration/quarantine-pipeline.js";
import { ledgerBacks } from "../../../src/pipeline/approval-ledger-checks.js";
import { tallyOf } from "../../../src/pipeline/approval-ledger-terms.js";
import {
  EVENT,
  ORCHESTRATION,
  type ApprovalDecision,
  type ApprovalRound,
  type ApprovalSettlement,
  type ConfirmApprovalInput,
  type LedgerDecision,
  type RegistryDecisionRequest,
  type VerdictSummary,
} from "../../../src/pipeline/contract/index.js";
import { PipelineRun } from "./support/pipeline-run.js";
import { IMAGE, done, imageIndex, digestOf, pipelineInput, singleManifest, verdict } from "./support/fixtures.js";

/**
 * N-of-M approvals through the real durable-functions replay engine: the pipeline waits for k distinct approvals the
 * ledger counted (or one rejection) against its deadline. The ledger is modelled in memory with the rules of
 * src/pipeline/approval-ledger-checks.ts (what the approvals API recorded: counted approvals, and the outcome claim);
 * the ledger itself is tested on Azurite in approval-ledger-nofm.test.ts.
 */

interface Ledger {
  /** Approvals the API counted (approver rows marked counted), oldest first. */
  counted: LedgerDecision[];
  /** The round's outcome claim. */
  settlement?: ApprovalSettlement;
}

function twoOf(decision: VerdictSummary["decision"] = "needsApproval", digest = IMAGE.digest): VerdictSummary {
  return { ...verdict(decision, digest), requiredApprovals: 2 };
}

function person(n: number, approve: boolean, at: string, reason = `reason ${n}`): LedgerDecision {
  return {
    decisionId: `d-${n}-${at}`,
    approve,
    reason,
    approver: { objectId: `oid-${n}`, name: `P${n}`, roles: ["Quarantine.Approver"] },
    decidedAt: at,
  };
}

/** The event the approvals API raises for a ledger decision. */
function eventOf(decision: LedgerDecision): ApprovalDecision {
  const { decisionId: _id, verdictId: _verdict, ...event } = decision;
  return event;
}

function pipeline(ledger: Ledger, verdicts: Record<string, VerdictSummary> = { [IMAGE.digest]: twoOf() }) {
  const index = Object.keys(verdicts).length > 1;
  const run = new PipelineRun(ORCHESTRATION.quarantinePipeline, quarantinePipeline, pipelineInput(), {
    inspectImage: () => (index ? imageIndex(Object.keys(verdicts)) : singleManifest()),
    submitScan: (input: { image: { digest: string }; scanId: string }) => ({
      mode: "poll",
      digest: input.image.digest,
      scanId: input.scanId,
    }),
    pollScan: (input: { image: { digest: string } }) => done(verdicts[input.image.digest]!),
    writeRegistryDecision: (request: RegistryDecisionRequest) => ({ confirmedState: request.state, written: true }),
    recordDecision: () => null,
    // The rules of confirmApprovalDecision over the in-memory ledger.
    confirmApprovalDecision: (input: ConfirmApprovalInput) => {
      if (ledger.settlement?.kind === "decision" && ledgerBacks(ledger.settlement, input.event))
        return { counted: true, settlement: ledger.settlement };
      const required = input.verdict?.requiredApprovals ?? 1;
      const genuine = ledgerBacks(
        { kind: "decision", approve: true, decisions: ledger.counted, decidedAt: "" },
        input.event,
      );
      if (required > 1 && genuine && !ledger.settlement)
        return { counted: true, pending: tallyOf(required, ledger.counted) };
      return { counted: false, reason: "forged" };
    },
    settleApprovalDeadline: (round: ApprovalRound) => {
      ledger.settlement ??= { kind: "deadline", deadline: round.deadline, claimedAt: round.deadline };
      return ledger.settlement;
    },
  });
  return run;
}

const writes = (run: PipelineRun) => run.inputsOf<RegistryDecisionRequest>("writeRegistryDecision");
const at = (run: PipelineRun, msBefore: number) =>
  new Date(Date.parse(run.customStatus.approvalDeadline!) - msBefore).toISOString();

describe("N-of-M approvals in the pipeline (replayed)", () => {
  it("2-of-N with one approval: counted, shown in the status, and the image keeps waiting", async () => {
    const ledger: Ledger = { counted: [] };
    const run = await pipeline(ledger).settle();
    expect(run.customStatus).toMatchObject({
      stage: "awaiting-approval",
      approvals: { required: 2, given: 0, approvers: [] },
    });
    const first = person(1, true, at(run, 50_000), "looked at the High");
    ledger.counted.push(first);
    await run.raise(EVENT.approvalDecision, eventOf(first));
    expect(run.runtimeStatus).toBe("Running");
    expect(run.customStatus.stage).toBe("awaiting-approval");
    expect(run.customStatus.approvals).toEqual({
      required: 2,
      given: 1,
      approvers: [{ name: "P1", objectId: "oid-1", at: first.decidedAt, reason: "looked at the High" }],
    });
    expect(run.customStatus.decision).toBeUndefined();
    expect(writes(run)).toEqual([]);
    // The pipeline confirmed the event against the ledger, for the verdict it waits on.
    expect(run.inputsOf<ConfirmApprovalInput>("confirmApprovalDecision")).toEqual([
      expect.objectContaining({ event: eventOf(first), verdict: expect.objectContaining({ requiredApprovals: 2 }) }),
    ]);
  });

  it("the same person twice changes nothing: one approval given, still waiting", async () => {
    const ledger: Ledger = { counted: [] };
    const run = await pipeline(ledger).settle();
    const first = person(1, true, at(run, 50_000));
    ledger.counted.push(first);
    await run.raise(EVENT.approvalDecision, eventOf(first));
    // The API refuses the person's second request (409) and raises nothing; a repeated event, or one claiming a
    // second approval by the same person at another time, changes nothing either.
    await run.raise(EVENT.approvalDecision, eventOf(first));
    await run.raise(EVENT.approvalDecision, { ...eventOf(first), decidedAt: at(run, 40_000) });
    expect(run.runtimeStatus).toBe("Running");
    expect(run.customStatus.approvals).toMatchObject({ required: 2, given: 1 });
    expect(writes(run)).toEqual([]);
  });

  it("a second person's approval releases the image, in both approvers' names", async () => {
    const ledger: Ledger = { counted: [] };
    const run = await pipeline(ledger).settle();
    const first = person(1, true, at(run, 50_000));
    ledger.counted.push(first);
    await run.raise(EVENT.approvalDecision, eventOf(first));
    const second = person(2, true, at(run, 40_000), "second pair of eyes");
    ledger.counted.push(second);
    ledger.settlement = { kind: "decision", approve: true, decisions: [first, second], decidedAt: second.decidedAt };
    await run.raise(EVENT.approvalDecision, eventOf(second));
    expect(run.runtimeStatus).toBe("Completed");
    expect(run.outcome).toMatchObject({
      result: "Passed",
      decidedBy: "P1 (oid-1), P2 (oid-2)",
      reason: "second pair of eyes",
    });
    expect(writes(run).map((w) => w.state)).toEqual(["Passed"]);
    expect(run.customStatus.approvals).toMatchObject({
      required: 2,
      given: 2,
      approvers: [{ objectId: "oid-1" }, { objectId: "oid-2" }],
    });
  });

  it("a rejection after one approval fails the image at once", async () => {
    const ledger: Ledger = { counted: [] };
    const run = await pipeline(ledger).settle();
    const first = person(1, true, at(run, 50_000));
    ledger.counted.push(first);
    await run.raise(EVENT.approvalDecision, eventOf(first));
    const reject = person(2, false, at(run, 40_000), "not with that CVE");
    ledger.settlement = { kind: "decision", approve: false, decisions: [reject], decidedAt: reject.decidedAt };
    await run.raise(EVENT.approvalDecision, eventOf(reject));
    expect(run.outcome).toMatchObject({ result: "Failed", decidedBy: "P2 (oid-2)", reason: "not with that CVE" });
    expect(writes(run).map((w) => w.state)).toEqual(["Failed"]);
    // The status still shows the approval that was given.
    expect(run.customStatus.approvals).toMatchObject({ required: 2, given: 1 });
    expect(run.customStatus.decision).toMatchObject({ approve: false, by: "P2 (oid-2)" });
  });

  it("the deadline with 1 of 2 approvals: the deadline decides (Failed), never Passed", async () => {
    const ledger: Ledger = { counted: [] };
    const run = await pipeline(ledger).settle();
    const first = person(1, true, at(run, 50_000));
    ledger.counted.push(first);
    await run.raise(EVENT.approvalDecision, eventOf(first));
    await run.fireTimers();
    expect(run.runtimeStatus).toBe("Completed");
    expect(run.outcome).toMatchObject({ result: "Failed", decidedBy: "gate" });
    expect(run.outcome.reason).toMatch(/^no approval before /);
    expect(writes(run).map((w) => w.state)).toEqual(["Failed"]);
    expect(run.inputsOf("settleApprovalDeadline")).toHaveLength(1);
  });

  it("a claim holding fewer distinct approvers than required releases nothing", async () => {
    const ledger: Ledger = { counted: [] };
    const run = await pipeline(ledger).settle();
    const first = person(1, true, at(run, 50_000));
    // Not a claim the approvals API makes: one person twice.
    const again = { ...first, decisionId: "d-again" };
    ledger.settlement = { kind: "decision", approve: true, decisions: [first, again], decidedAt: first.decidedAt };
    await run.raise(EVENT.approvalDecision, eventOf(first));
    expect(run.outcome).toMatchObject({ result: "Failed", decidedBy: "gate" });
    expect(run.outcome.reason).toMatch(/1 of the 2 distinct approvals/);
    expect(writes(run).map((w) => w.state)).toEqual(["Failed"]);
  });

  it("an index asks for the most approvals any platform's verdict needs", async () => {
    const ledger: Ledger = { counted: [] };
    const [a, b] = [digestOf(11), digestOf(12)];
    const run = await pipeline(ledger, {
      [a]: verdict("needsApproval", a),
      [b]: { ...verdict("needsApproval", b), requiredApprovals: 3 },
    }).settle();
    expect(run.customStatus.approvals).toMatchObject({ required: 3, given: 0 });
    expect(run.customStatus.verdict?.requiredApprovals).toBe(3);
  });

  it("a verdict without requiredApprovals (one approval) waits and releases as before", async () => {
    const ledger: Ledger = { counted: [] };
    const run = await pipeline(ledger, { [IMAGE.digest]: verdict("needsApproval") }).settle();
    expect(run.customStatus.approvals).toEqual({ required: 1, given: 0, approvers: [] });
    const only = person(1, true, at(run, 50_000));
    ledger.settlement = { kind: "decision", approve: true, decisions: [only], decidedAt: only.decidedAt };
    await run.raise(EVENT.approvalDecision, eventOf(only));
    expect(run.outcome).toMatchObject({ result: "Passed", decidedBy: "P1 (oid-1)" });
  });
});
