import { beforeEach, describe, expect, it } from "vitest";
import { ApproverAuthError, type Approver } from "../../../src/auth/approver-token.js";
import { problemFor } from "../../../src/http/errors.js";
import type { ApprovalLedger, CurrentOutcome, RecordResult } from "../../../src/pipeline/approval-ledger.js";
import { DecisionNotCountedError } from "../../../src/pipeline/approval-ledger-errors.js";
import { parsePolicy, type PolicyDocument } from "../../../src/policy/index.js";
import { decide as decideWith, listPendingApprovals, type DecisionRequest } from "../../../src/pipeline/approvals.js";
import {
  EVENT,
  ORCHESTRATION,
  breakGlassInstanceId,
  pipelineInstanceId,
  type LedgerDecision,
  type PipelineStatus,
} from "../../../src/pipeline/contract/index.js";
import {
  BreakGlassExpiryInvalidError,
  BreakGlassExpiryTooLongError,
  JustificationRequiredError,
  PipelineNotFoundError,
} from "../../../src/pipeline/errors.js";
import { FakeDurableClient } from "./support/fake-durable-client.js";
import { IMAGE, pipelineInput, verdict } from "./support/fixtures.js";

const id = pipelineInstanceId(IMAGE);
const NOW = new Date("2024-02-01T10:00:00.000Z");
const person = (objectId: string, name: string, roles: string[]): Approver => ({
  objectId,
  name,
  roles,
  tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  kind: "user",
  clientAppId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
  tokenVersion: "1.0",
});
const approver = person("oid-a", "Ada", ["Quarantine.Approver"]);
const overrider = person("oid-o", "Bo", ["Quarantine.Approver", "Quarantine.Override"]);
const viewer = person("oid-v", "Vi", []);
const DEADLINE = "2024-02-01T11:00:00.000Z";

/** The ledger as this module sees it: records what it is given; the first decision claims, as the real one does. */
class FakeLedger implements Pick<ApprovalLedger, "record" | "current"> {
  readonly recorded: LedgerDecision[] = [];
  claimedBy: LedgerDecision | undefined;

  async record(_round: unknown, decision: LedgerDecision): Promise<RecordResult> {
    this.recorded.push(decision);
    if (this.claimedBy)
      return {
        counted: false,
        reason: "outcome-claimed",
        outcome: { state: "decided", approve: this.claimedBy.approve, by: ["x"], decidedAt: this.claimedBy.decidedAt },
      };
    this.claimedBy = decision;
    return {
      counted: true,
      claimed: true,
      settlement: { kind: "decision", approve: decision.approve, decisions: [decision], decidedAt: decision.decidedAt },
    };
  }

  async current(): Promise<CurrentOutcome> {
    if (this.claimedBy)
      return { state: "decided", approve: this.claimedBy.approve, by: ["x"], decidedAt: this.claimedBy.decidedAt };
    return { state: "undecided", approvals: 0, required: 1 };
  }
}

const audited: Array<{ action: string; actor: string; reason: string }> = [];
let ledger = new FakeLedger();
let policy: PolicyDocument = parsePolicy({ version: 1 });
const decide = (
  client: ReturnType<FakeDurableClient["asClient"]>,
  instanceId: string,
  who: Approver,
  request: DecisionRequest,
  now: Date,
) =>
  decideWith(
    {
      client,
      ledger,
      audit: { record: async (entry) => void audited.push(entry) },
      now,
      policy,
      newDecisionId: () => `decision-${ledger.recorded.length + 1}`,
    },
    instanceId,
    who,
    request,
  );

const waiting = (decision: "needsApproval" | "fail" = "needsApproval") => ({
  instanceId: id,
  name: ORCHESTRATION.quarantinePipeline,
  runtimeStatus: "Running",
  input: pipelineInput(),
  customStatus: {
    stage: "awaiting-approval",
    image: "x",
    mode: "enforce",
    verdict: verdict(decision),
    approvalDeadline: DEADLINE,
    updatedAt: "t",
  },
});
const failedByPolicy = () => ({
  instanceId: id,
  name: ORCHESTRATION.quarantinePipeline,
  runtimeStatus: "Completed",
  input: pipelineInput(),
  customStatus: { stage: "done", verdict: verdict("fail") } as Partial<PipelineStatus>,
  output: { result: "Failed", verdict: verdict("fail"), decidedBy: "policy", reason: "CVE-1" },
});

describe("people's decisions", () => {
  beforeEach(() => {
    ledger = new FakeLedger();
    policy = parsePolicy({ version: 1 });
    audited.length = 0;
  });

  it("lists only pipelines waiting for a person", async () => {
    const fake = new FakeDurableClient()
      .put(waiting())
      .put({ ...waiting(), instanceId: "qp-other", customStatus: { stage: "scanning" } });
    expect((await listPendingApprovals(fake.asClient())).map((p) => p.instanceId)).toEqual([id]);
  });

  it("raises an ApprovalDecision on a waiting pipeline, with who and when", async () => {
    const fake = new FakeDurableClient().put(waiting());
    expect(await decide(fake.asClient(), id, approver, { approve: true, reason: "fine" }, NOW)).toEqual({
      kind: "event-raised",
      instanceId: id,
      decidedAt: NOW.toISOString(),
    });
    const who = { objectId: "oid-a", name: "Ada", roles: ["Quarantine.Approver"] };
    // Recorded in the ledger first, then raised, with the ledger's time.
    expect(ledger.recorded).toEqual([
      { decisionId: "decision-1", approve: true, reason: "fine", approver: who, decidedAt: NOW.toISOString() },
    ]);
    expect(fake.events).toEqual([
      {
        instanceId: id,
        name: EVENT.approvalDecision,
        payload: { approve: true, reason: "fine", approver: who, decidedAt: NOW.toISOString() },
      },
    ]);
    expect(audited).toEqual([]);
  });

  it("a decision that loses the race is not raised, is audited as not counted, and says what decided", async () => {
    const fake = new FakeDurableClient().put(waiting());
    await decide(fake.asClient(), id, approver, { approve: false, reason: "first" }, NOW);
    const late = decide(fake.asClient(), id, overrider, { approve: true, reason: "second" }, NOW);
    await expect(late).rejects.toBeInstanceOf(DecisionNotCountedError);
    await expect(late).rejects.toMatchObject({
      reason: "outcome-claimed",
      outcome: { state: "decided", approve: false },
    });
    expect(fake.events).toHaveLength(1);
    expect(audited).toEqual([
      expect.objectContaining({
        action: "not-counted",
        actor: "Bo (oid-o)",
        reason: expect.stringContaining("second"),
      }),
    ]);
    // The API's answer: 409 with the current outcome and the decision's ledger time.
    expect(problemFor(await late.catch((e: unknown) => e))).toEqual({
      status: 409,
      jsonBody: {
        error: "another decision was recorded first and decides this approval",
        counted: false,
        reason: "outcome-claimed",
        outcome: { state: "decided", approve: false, by: ["x"], decidedAt: NOW.toISOString() },
        decidedAt: NOW.toISOString(),
      },
    });
  });

  it("a decision that arrives after the pipeline applied another one gets that decision as the outcome", async () => {
    const fake = new FakeDurableClient().put(waiting());
    await decide(fake.asClient(), id, approver, { approve: true, reason: "first" }, NOW);
    fake.instances.get(id)!.runtimeStatus = "Completed";
    await expect(
      decide(fake.asClient(), id, overrider, { approve: false, reason: "too late" }, NOW),
    ).rejects.toMatchObject({
      reason: "outcome-claimed",
      outcome: { state: "decided", approve: true },
    });
    expect(audited.map((a) => a.action)).toEqual(["not-counted"]);
  });

  it("a decision at or after the published deadline is not recorded, not raised, and audited", async () => {
    const fake = new FakeDurableClient().put(waiting());
    for (const at of [DEADLINE, "2024-02-01T11:00:00.010Z"]) {
      await expect(
        decide(fake.asClient(), id, approver, { approve: true, reason: "late" }, new Date(at)),
      ).rejects.toMatchObject({
        reason: "after-deadline",
        outcome: { state: "deadline-passed", deadline: DEADLINE },
      });
    }
    expect(ledger.recorded).toEqual([]);
    expect(fake.events).toEqual([]);
    expect(audited.map((a) => a.action)).toEqual(["not-counted", "not-counted"]);
    // 10 ms before the deadline still counts.
    await decide(
      fake.asClient(),
      id,
      approver,
      { approve: true, reason: "just in time" },
      new Date("2024-02-01T10:59:59.990Z"),
    );
    expect(fake.events).toHaveLength(1);
  });

  it("refuses anyone without the approver role", async () => {
    const fake = new FakeDurableClient().put(waiting());
    await expect(decide(fake.asClient(), id, viewer, { approve: false, reason: "no" }, NOW)).rejects.toBeInstanceOf(
      ApproverAuthError,
    );
    expect(fake.events).toEqual([]);
  });

  it("approving over a failing verdict needs the override role and a justification", async () => {
    const fake = new FakeDurableClient().put(waiting("fail"));
    await expect(decide(fake.asClient(), id, approver, { approve: true, reason: "ok" }, NOW)).rejects.toBeInstanceOf(
      ApproverAuthError,
    );
    await expect(
      decide(fake.asClient(), id, overrider, { approve: true, reason: "ok", justification: "short" }, NOW),
    ).rejects.toBeInstanceOf(JustificationRequiredError);
    expect(fake.events).toEqual([]);
    await decide(
      fake.asClient(),
      id,
      overrider,
      { approve: true, reason: "ok", justification: "the fix ships in 1h" },
      NOW,
    );
    expect(fake.events[0]!.payload).toMatchObject({
      override: true,
      reason: "ok — justification: the fix ships in 1h",
    });
  });

  it("a rejection of a failing verdict needs no override", async () => {
    const fake = new FakeDurableClient().put(waiting("fail"));
    await decide(fake.asClient(), id, approver, { approve: false, reason: "no" }, NOW);
    expect(fake.events).toHaveLength(1);
  });

  it("starts break-glass for an image the policy failed, under an id of its own", async () => {
    const fake = new FakeDurableClient().put(failedByPolicy());
    const result = await decide(
      fake.asClient(),
      id,
      overrider,
      { approve: true, reason: "outage", justification: "hotfix for the outage" },
      NOW,
    );
    const decision = (fake.started[0]!.input as { decision: { approver: Approver; reason: string } }).decision;
    // The id names the request (who, and the justification), not the time: the same request again is the same release.
    expect(result).toEqual({
      kind: "break-glass-started",
      instanceId: breakGlassInstanceId(id, decision),
      expiresAt: "2024-02-02T10:00:00.000Z",
    });
    expect(result.instanceId).toMatch(new RegExp(`^bg-${id.slice(3)}-[0-9a-f]{16}$`));
    const again = await decide(
      fake.asClient(),
      id,
      overrider,
      { approve: true, reason: "outage", justification: "hotfix for the outage" },
      new Date(NOW.getTime() + 60_000),
    );
    expect(again.instanceId).toBe(result.instanceId);
    expect(ledger.recorded).toEqual([]);
    expect(fake.started).toEqual([
      {
        name: ORCHESTRATION.breakGlassRelease,
        instanceId: result.instanceId,
        input: expect.objectContaining({
          pipeline: pipelineInput(),
          decision: expect.objectContaining({ override: true }),
        }),
      },
    ]);
  });

  describe("break-glass expires", () => {
    const overrideRequest = (change: Partial<DecisionRequest> = {}): DecisionRequest => ({
      approve: true,
      reason: "outage",
      justification: "hotfix for the outage",
      ...change,
    });
    const startedInput = (fake: FakeDurableClient) => fake.started[0]!.input as { expiresAt?: string };

    it("at the policy's default, 24 hours after the decision, when the request names no expiry", async () => {
      const fake = new FakeDurableClient().put(failedByPolicy());
      const result = await decide(fake.asClient(), id, overrider, overrideRequest(), NOW);
      expect(startedInput(fake).expiresAt).toBe("2024-02-02T10:00:00.000Z");
      expect(result).toMatchObject({ kind: "break-glass-started", expiresAt: "2024-02-02T10:00:00.000Z" });
    });

    it("at the policy's remediation.breakGlassExpiryHours, or sooner when the request asks for less", async () => {
      policy = parsePolicy({ version: 1, remediation: { breakGlassExpiryHours: 4 } });
      const fake = new FakeDurableClient().put(failedByPolicy());
      await decide(fake.asClient(), id, overrider, overrideRequest(), NOW);
      expect(startedInput(fake).expiresAt).toBe("2024-02-01T14:00:00.000Z");
      const shorter = new FakeDurableClient().put(failedByPolicy());
      const result = await decide(shorter.asClient(), id, overrider, overrideRequest({ expiresIn: "PT90M" }), NOW);
      expect(startedInput(shorter).expiresAt).toBe("2024-02-01T11:30:00.000Z");
      expect(result).toMatchObject({ expiresAt: "2024-02-01T11:30:00.000Z" });
      const exactly = new FakeDurableClient().put(failedByPolicy());
      await decide(exactly.asClient(), id, overrider, overrideRequest({ expiresIn: "PT4H" }), NOW);
      expect(startedInput(exactly).expiresAt).toBe("2024-02-01T14:00:00.000Z");
    });

    it("a request for longer than the policy allows is refused (400, typed), nothing starts", async () => {
      policy = parsePolicy({ version: 1, remediation: { breakGlassExpiryHours: 4 } });
      const fake = new FakeDurableClient().put(failedByPolicy());
      const refused = decide(fake.asClient(), id, overrider, overrideRequest({ expiresIn: "PT4H1S" }), NOW);
      await expect(refused).rejects.toBeInstanceOf(BreakGlassExpiryTooLongError);
      const error = await refused.catch((e: unknown) => e);
      expect(problemFor(error)).toMatchObject({
        status: 400,
        jsonBody: { code: "ERR_BREAK_GLASS_EXPIRY_TOO_LONG", maxExpiry: "PT4H" },
      });
      await expect(
        decide(fake.asClient(), id, overrider, overrideRequest({ expiresIn: "P1D" }), NOW),
      ).rejects.toBeInstanceOf(BreakGlassExpiryTooLongError);
      expect(fake.started).toEqual([]);
    });

    it.each(["4h", "PT", "P1M", "P1Y", "PT0S", "-PT1H", "1 day"])(
      "a malformed expiry %j is refused (400, typed), nothing starts",
      async (expiresIn) => {
        const fake = new FakeDurableClient().put(failedByPolicy());
        const refused = decide(fake.asClient(), id, overrider, overrideRequest({ expiresIn }), NOW);
        await expect(refused).rejects.toBeInstanceOf(BreakGlassExpiryInvalidError);
        expect(problemFor(await refused.catch((e: unknown) => e))).toMatchObject({
          status: 400,
          jsonBody: { code: "ERR_BREAK_GLASS_EXPIRY_INVALID", maxExpiry: "PT24H" },
        });
        expect(fake.started).toEqual([]);
      },
    );

    it("an expiry asked for on an approval in a round is refused before it is recorded (only break-glass expires)", async () => {
      const fake = new FakeDurableClient().put(waiting());
      await expect(
        decide(fake.asClient(), id, approver, { approve: true, reason: "fine", expiresIn: "PT1H" }, NOW),
      ).rejects.toBeInstanceOf(BreakGlassExpiryInvalidError);
      expect(ledger.recorded).toEqual([]);
      expect(fake.events).toEqual([]);
    });

    it("the same request again reports the expiry of the release it started, not a new one", async () => {
      const fake = new FakeDurableClient().put(failedByPolicy());
      const first = await decide(fake.asClient(), id, overrider, overrideRequest({ expiresIn: "PT1H" }), NOW);
      fake.instances.get(first.instanceId)!.runtimeStatus = "Running";
      const again = await decide(fake.asClient(), id, overrider, overrideRequest(), new Date(NOW.getTime() + 600_000));
      expect(again).toEqual({
        kind: "break-glass-started",
        instanceId: first.instanceId,
        expiresAt: "2024-02-01T11:00:00.000Z",
      });
      expect(fake.started).toHaveLength(1);
    });

    it("in shadow mode nothing is written, so nothing expires", async () => {
      const fake = new FakeDurableClient().put({ ...failedByPolicy(), input: pipelineInput({ mode: "shadow" }) });
      const result = await decide(fake.asClient(), id, overrider, overrideRequest(), NOW);
      expect(startedInput(fake)).not.toHaveProperty("expiresAt");
      expect(result).not.toHaveProperty("expiresAt");
    });
  });

  it("break-glass too needs the override role and a justification", async () => {
    const fake = new FakeDurableClient().put(failedByPolicy());
    await expect(
      decide(
        fake.asClient(),
        id,
        approver,
        { approve: true, reason: "x", justification: "hotfix for the outage" },
        NOW,
      ),
    ).rejects.toBeInstanceOf(ApproverAuthError);
    await expect(decide(fake.asClient(), id, overrider, { approve: true, reason: "x" }, NOW)).rejects.toBeInstanceOf(
      JustificationRequiredError,
    );
    expect(fake.started).toEqual([]);
  });

  it("refuses decisions on unknown pipelines, and audits decisions on pipelines not waiting as not counted", async () => {
    await expect(
      decide(new FakeDurableClient().asClient(), id, approver, { approve: true, reason: "x" }, NOW),
    ).rejects.toBeInstanceOf(PipelineNotFoundError);
    const scanning = new FakeDurableClient().put({ ...waiting(), customStatus: { stage: "scanning", image: "x" } });
    await expect(decide(scanning.asClient(), id, approver, { approve: true, reason: "x" }, NOW)).rejects.toMatchObject({
      reason: "not-awaiting-approval",
      outcome: { state: "not-awaiting-approval", runtimeStatus: "Running", stage: "scanning" },
    });
    // A rejection of an image the policy already failed changes nothing: refused too, with the current outcome.
    const failed = new FakeDurableClient().put(failedByPolicy());
    await expect(decide(failed.asClient(), id, overrider, { approve: false, reason: "x" }, NOW)).rejects.toMatchObject({
      outcome: { state: "not-awaiting-approval", result: "Failed", decidedBy: "policy" },
    });
    expect([...scanning.events, ...failed.events, ...failed.started]).toEqual([]);
    expect(ledger.recorded).toEqual([]);
    expect(audited.map((a) => a.action)).toEqual(["not-counted", "not-counted"]);
  });
});
