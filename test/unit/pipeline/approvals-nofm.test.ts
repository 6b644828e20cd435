import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Approver } from "../../../src/auth/approver-token.js";
import { problemFor } from "../../../src/http/errors.js";
import { ApprovalLedger } from "../../../src/pipeline/approval-ledger.js";
import { DecisionNotCountedError } from "../../../src/pipeline/approval-ledger-errors.js";
import { verdictIdentity } from "../../../src/pipeline/approval-ledger-verdict.js";
import { parsePolicy } from "../../../src/policy/index.js";
import { decide as decideWith, listPendingApprovals } from "../../../src/pipeline/approvals.js";
import { imageStatus } from "../../../src/pipeline/image-status.js";
import {
  EVENT,
  ORCHESTRATION,
  pipelineInstanceId,
  type PipelineStatus,
  type VerdictSummary,
} from "../../../src/pipeline/contract/index.js";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";
import { FakeDurableClient } from "./support/fake-durable-client.js";
import { IMAGE, digestOf, pipelineInput, verdict } from "./support/fixtures.js";

/**
 * The approvals API with N-of-M approvals, over the real approval ledger (Azurite): an approval that counts without
 * completing the round answers with `approvals: { required, given }`, a person's repeat is refused (409) and audited,
 * the k-th approval claims the outcome, a rejection wins at once, and a decision bound to another verdict is refused.
 */
describe("N-of-M decisions through the approvals API", () => {
  let azurite: TestAzurite;
  let ledger: ApprovalLedger;
  let n = 0;
  const audited: Array<{ action: string; actor: string; reason: string }> = [];

  beforeAll(async () => {
    azurite = await startTestAzurite();
    ledger = new ApprovalLedger(
      TableClient.fromConnectionString(azurite.connectionString, "NofMApiApprovals", { allowInsecureConnection: true }),
    );
  });
  afterAll(async () => azurite?.dispose());
  beforeEach(() => {
    audited.length = 0;
  });

  const DEADLINE = "2024-02-01T11:00:00.000Z";
  const person = (i: number): Approver => ({
    objectId: `oid-${i}`,
    name: `P${i}`,
    roles: ["Quarantine.Approver"],
    tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    kind: "user",
    clientAppId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
    tokenVersion: "1.0",
  });
  const twoOf: VerdictSummary = { ...verdict("needsApproval"), requiredApprovals: 2 };

  /** A pipeline waiting for two approvals, on an image of its own (each test its own round). */
  function waiting(status: Partial<PipelineStatus> = {}) {
    n += 1;
    const image = { ...IMAGE, digest: digestOf(1000 + n) };
    const instanceId = pipelineInstanceId(image);
    const fake = new FakeDurableClient().put({
      instanceId,
      name: ORCHESTRATION.quarantinePipeline,
      runtimeStatus: "Running",
      input: pipelineInput({ image }),
      customStatus: {
        stage: "awaiting-approval",
        image: `${image.loginServer}/${image.repository}@${image.digest}`,
        mode: "enforce",
        verdict: twoOf,
        approvalDeadline: DEADLINE,
        updatedAt: "t",
        ...status,
      },
    });
    return { fake, instanceId, image };
  }

  const decide = (
    fake: FakeDurableClient,
    instanceId: string,
    who: Approver,
    request: { approve: boolean; reason: string; verdictId?: string },
    at = "2024-02-01T10:00:00.000Z",
  ) =>
    decideWith(
      {
        client: fake.asClient(),
        ledger,
        audit: { record: async (e) => void audited.push(e) },
        now: new Date(at),
        policy: parsePolicy({ version: 1 }),
      },
      instanceId,
      who,
      request,
    );

  it("one approval of two: counted (approvals 1 of 2), raised, audited as counted; the image keeps waiting", async () => {
    const { fake, instanceId } = waiting();
    expect(await decide(fake, instanceId, person(1), { approve: true, reason: "fine by me" })).toEqual({
      kind: "recorded",
      instanceId,
      decidedAt: "2024-02-01T10:00:00.000Z",
      approvals: { required: 2, given: 1 },
    });
    expect(fake.events).toEqual([
      expect.objectContaining({
        instanceId,
        name: EVENT.approvalDecision,
        payload: expect.objectContaining({ approve: true }),
      }),
    ]);
    expect(audited).toEqual([
      expect.objectContaining({
        action: "counted",
        actor: "P1 (oid-1)",
        reason: 'approve ("fine by me") counted: 1 of 2 approvals',
      }),
    ]);
  });

  it("the same person again: 409 approver-already-decided with 1 of 2, audited as not counted, nothing raised", async () => {
    const { fake, instanceId } = waiting();
    await decide(fake, instanceId, person(1), { approve: true, reason: "first" });
    const again = decide(fake, instanceId, person(1), { approve: true, reason: "again" }, "2024-02-01T10:00:01.000Z");
    await expect(again).rejects.toBeInstanceOf(DecisionNotCountedError);
    expect(problemFor(await again.catch((e: unknown) => e))).toMatchObject({
      status: 409,
      jsonBody: {
        counted: false,
        reason: "approver-already-decided",
        outcome: { state: "undecided", approvals: 1, required: 2 },
      },
    });
    expect(fake.events).toHaveLength(1);
    expect(audited.map((a) => a.action)).toEqual(["counted", "not-counted"]);
  });

  it("a second person completes the round: the claim holds both, and the event is raised", async () => {
    const { fake, instanceId } = waiting();
    await decide(fake, instanceId, person(1), { approve: true, reason: "first" });
    expect(
      await decide(fake, instanceId, person(2), { approve: true, reason: "second" }, "2024-02-01T10:00:02.000Z"),
    ).toEqual({
      kind: "event-raised",
      instanceId,
      decidedAt: "2024-02-01T10:00:02.000Z",
      approvals: { required: 2, given: 2 },
    });
    expect(fake.events).toHaveLength(2);
    const settled = await ledger.settlement({ instanceId, deadline: DEADLINE });
    expect(settled?.kind === "decision" && settled.decisions.map((d) => d.approver.name)).toEqual(["P1", "P2"]);
    // A third approval after the outcome: 409 with the outcome that decided.
    await expect(
      decide(fake, instanceId, person(3), { approve: true, reason: "third" }, "2024-02-01T10:00:03.000Z"),
    ).rejects.toMatchObject({ reason: "outcome-claimed", outcome: { state: "decided", approve: true } });
  });

  it("a rejection after one approval wins and claims the outcome", async () => {
    const { fake, instanceId } = waiting();
    await decide(fake, instanceId, person(1), { approve: true, reason: "first" });
    expect(
      await decide(fake, instanceId, person(2), { approve: false, reason: "no" }, "2024-02-01T10:00:02.000Z"),
    ).toMatchObject({ kind: "event-raised" });
    expect(await ledger.settlement({ instanceId, deadline: DEADLINE })).toMatchObject({ approve: false });
  });

  it("a decision naming another verdict than the one waited on: 409 verdict-changed, not recorded", async () => {
    const { fake, instanceId } = waiting();
    const stale = verdictIdentity({ ...twoOf, findings: 99 });
    const given = decide(fake, instanceId, person(1), { approve: true, reason: "saw the old one", verdictId: stale });
    await expect(given).rejects.toMatchObject({ reason: "verdict-changed" });
    expect(fake.events).toEqual([]);
    expect(await ledger.countedApprovals({ instanceId, deadline: DEADLINE })).toEqual([]);
    // The current verdict's id is accepted.
    expect(
      await decide(fake, instanceId, person(1), { approve: true, reason: "ok", verdictId: verdictIdentity(twoOf) }),
    ).toMatchObject({ kind: "recorded", approvals: { required: 2, given: 1 } });
  });

  it("the pending list and the status show required, given and each approver, and the verdict's id", async () => {
    const tally = {
      required: 2,
      given: 1,
      approvers: [{ name: "P1", objectId: "oid-1", at: "2024-02-01T10:00:00.000Z", reason: "first" }],
    };
    const { fake, instanceId, image } = waiting({ approvals: tally });
    const [pending] = await listPendingApprovals(fake.asClient());
    expect(pending).toMatchObject({ instanceId, approvals: tally, verdictId: verdictIdentity(twoOf) });
    const view = await imageStatus(fake.asClient(), { history: async () => [] }, image);
    expect(view).toMatchObject({ approvals: tally, verdictId: verdictIdentity(twoOf) });
    // Before the pipeline published any approvals (an older instance): required from the verdict, none given.
    const older = waiting();
    const [listed] = await listPendingApprovals(older.fake.asClient());
    expect(listed?.approvals).toEqual({ required: 2, given: 0, approvers: [] });
  });
});
