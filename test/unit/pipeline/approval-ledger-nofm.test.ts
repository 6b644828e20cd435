import { randomUUID } from "node:crypto";
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApprovalLedger, roundPartition } from "../../../src/pipeline/approval-ledger.js";
import { confirmApprovalDecision } from "../../../src/pipeline/approval-ledger-checks.js";
import { verdictIdentity } from "../../../src/pipeline/approval-ledger-verdict.js";
import type { ApprovalRound, LedgerDecision, VerdictSummary } from "../../../src/pipeline/contract/index.js";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";
import { IMAGE, verdict } from "./support/fixtures.js";

/**
 * N-of-M approvals in the approval ledger, against a real Table Storage (Azurite), concurrently: k distinct approvals
 * of the same verdict claim the outcome, a person counts once, a rejection claims at once, and approvals are bound to
 * the verdict they were given for.
 */
describe("the approval ledger with N-of-M approvals", () => {
  let azurite: TestAzurite;
  let ledger: ApprovalLedger;
  let table: TableClient;

  beforeAll(async () => {
    azurite = await startTestAzurite();
    table = TableClient.fromConnectionString(azurite.connectionString, "NofMTestApprovals", {
      allowInsecureConnection: true,
    });
    ledger = new ApprovalLedger(table);
  });
  afterAll(async () => azurite?.dispose());

  const DEADLINE = "2030-01-01T00:00:10.000Z";
  const round = (): ApprovalRound => ({
    instanceId: `qp-${randomUUID().replace(/-/g, "")}`,
    image: IMAGE,
    deadline: DEADLINE,
  });
  const person = (n: number) => ({
    objectId: `0c000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    name: `P${n}`,
    roles: ["Quarantine.Approver"],
  });
  const decision = (n: number, approve: boolean, decidedAt = "2030-01-01T00:00:05.000Z"): LedgerDecision => ({
    decisionId: randomUUID(),
    approve,
    reason: `${approve ? "approve" : "reject"} by ${n}`,
    approver: person(n),
    decidedAt,
  });
  const twoOf: VerdictSummary = { ...verdict("needsApproval"), requiredApprovals: 2 };
  const V1 = verdictIdentity(twoOf);

  async function rows(r: ApprovalRound): Promise<Array<{ rowKey?: string; state?: string; verdictId?: string }>> {
    const found = [];
    for await (const row of table.listEntities<{ state?: string; verdictId?: string }>({
      queryOptions: { filter: `PartitionKey eq '${roundPartition(r)}'` },
    }))
      found.push(row);
    return found;
  }

  it("the same person twice: the first counts (1 of 2), the repeat does not and changes nothing", async () => {
    const r = round();
    expect(await ledger.record(r, decision(1, true, "2030-01-01T00:00:01.000Z"), 2, V1)).toEqual({
      counted: true,
      claimed: false,
      approvals: 1,
      required: 2,
    });
    expect(await ledger.record(r, decision(1, true, "2030-01-01T00:00:02.000Z"), 2, V1)).toEqual({
      counted: false,
      reason: "approver-already-decided",
      outcome: { state: "undecided", approvals: 1, required: 2 },
    });
    expect(await ledger.settlement(r)).toBeUndefined();
    expect((await ledger.countedApprovals(r, V1)).map((d) => d.approver.name)).toEqual(["P1"]);
  });

  it("the same person twice at once: exactly one of the two counts", async () => {
    const r = round();
    const results = await Promise.all([
      ledger.record(r, decision(1, true), 2, V1),
      ledger.record(r, decision(1, true), 2, V1),
    ]);
    expect(results.filter((x) => x.counted)).toHaveLength(1);
    expect(results.filter((x) => !x.counted)).toEqual([
      expect.objectContaining({ reason: "approver-already-decided" }),
    ]);
    expect(await ledger.countedApprovals(r, V1)).toHaveLength(1);
    expect(await ledger.settlement(r)).toBeUndefined();
  });

  it("two people at once (2 of N): the round is claimed by both, never left unclaimed", async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const r = round();
      const results = await Promise.all([1, 2].map((n) => ledger.record(r, decision(n, true), 2, V1)));
      const settlement = await ledger.settlement(r);
      expect(settlement).toMatchObject({ kind: "decision", approve: true });
      const names = settlement?.kind === "decision" ? settlement.decisions.map((d) => d.approver.name).sort() : [];
      expect(names).toEqual(["P1", "P2"]);
      // Each answer is true: both counted, and at least one claimed the outcome.
      expect(results.every((x) => x.counted)).toBe(true);
      expect(results.some((x) => x.counted && x.claimed)).toBe(true);
    }
  });

  it("three people at once with 2 required: one claim of two distinct people; every claimer is in it", async () => {
    const r = round();
    const decisions = [1, 2, 3].map((n) => decision(n, true));
    const results = await Promise.all(decisions.map((d) => ledger.record(r, d, 2, V1)));
    const settlement = await ledger.settlement(r);
    expect(settlement?.kind).toBe("decision");
    if (settlement?.kind !== "decision") return;
    const ids = settlement.decisions.map((d) => d.decisionId);
    expect(new Set(settlement.decisions.map((d) => d.approver.objectId)).size).toBe(2);
    results.forEach((result, i) => {
      if (result.counted && result.claimed) expect(ids).toContain(decisions[i]!.decisionId);
      if (!result.counted) expect(result.reason).toBe("outcome-claimed");
    });
  });

  it("a rejection after one approval claims the outcome at once", async () => {
    const r = round();
    await ledger.record(r, decision(1, true, "2030-01-01T00:00:01.000Z"), 2, V1);
    const rejected = await ledger.record(r, decision(2, false, "2030-01-01T00:00:02.000Z"), 2, V1);
    expect(rejected).toMatchObject({ counted: true, claimed: true, settlement: { approve: false } });
    expect(await ledger.record(r, decision(3, true), 2, V1)).toMatchObject({
      counted: false,
      reason: "outcome-claimed",
      outcome: { state: "decided", approve: false, by: [`P2 (${person(2).objectId})`] },
    });
  });

  it("the deadline with 1 of 2: the deadline claims; a later approval does not count", async () => {
    const r = round();
    await ledger.record(r, decision(1, true), 2, V1);
    expect(await ledger.claimDeadline(r, new Date(DEADLINE))).toMatchObject({ kind: "deadline" });
    expect(await ledger.record(r, decision(2, true), 2, V1)).toMatchObject({
      counted: false,
      reason: "outcome-claimed",
      outcome: { state: "deadline-passed" },
    });
  });

  it("approvals are bound to their verdict: a changed verdict counts none of the earlier ones", async () => {
    const r = round();
    const rescanned: VerdictSummary = {
      ...twoOf,
      platforms: [{ digest: IMAGE.digest, decision: "needsApproval", reasons: ["CVE-9 needs approval"] }],
    };
    const V2 = verdictIdentity(rescanned);
    expect(V2).not.toBe(V1);
    await ledger.record(r, decision(1, true, "2030-01-01T00:00:01.000Z"), 2, V1);
    // P2 approves the new verdict: P1's approval of the old one does not count towards it.
    expect(await ledger.record(r, decision(2, true, "2030-01-01T00:00:02.000Z"), 2, V2)).toEqual({
      counted: true,
      claimed: false,
      approvals: 1,
      required: 2,
    });
    expect((await ledger.countedApprovals(r, V2)).map((d) => d.approver.name)).toEqual(["P2"]);
    // P1 may approve again, for the new verdict: now two distinct approvals of it claim the outcome.
    const again = await ledger.record(r, decision(1, true, "2030-01-01T00:00:03.000Z"), 2, V2);
    expect(again).toMatchObject({ counted: true, claimed: true, settlement: { approve: true } });
    expect((await rows(r)).filter((row) => row.rowKey?.startsWith("approver.")).map((row) => row.verdictId)).toEqual([
      V2,
      V2,
    ]);
  });

  it("the verdict's identity ignores when it was evaluated, and changes with what it says", () => {
    expect(verdictIdentity({ ...twoOf, evaluatedAt: "2031-01-01T00:00:00.000Z" })).toBe(V1);
    expect(verdictIdentity({ ...twoOf, requiredApprovals: 3 })).not.toBe(V1);
    expect(verdictIdentity({ ...twoOf, policyVersion: "p2" })).not.toBe(V1);
    expect(verdictIdentity({ ...twoOf, severityCounts: { Critical: 0, High: 1 } })).not.toBe(V1);
  });

  it("confirms a counted approval that did not complete the round (pending), and nothing else", async () => {
    const r = round();
    const given = decision(1, true, "2030-01-01T00:00:01.000Z");
    await ledger.record(r, given, 2, V1);
    const audited: Array<{ action: string }> = [];
    const services = { ledger, audit: { record: async (e: { action: string }) => void audited.push(e) } };
    const { decisionId: _id, ...event } = given;
    expect(await confirmApprovalDecision(services, { round: r, event, verdict: twoOf }, new Date())).toEqual({
      counted: true,
      pending: {
        required: 2,
        given: 1,
        approvers: [{ name: "P1", objectId: person(1).objectId, at: given.decidedAt, reason: "approve by 1" }],
      },
    });
    // For another verdict (a re-scan changed it), or naming someone the ledger did not count: forged.
    const rescanned = { ...twoOf, findings: 7 };
    for (const [forged, v] of [
      [event, rescanned],
      [{ ...event, approver: person(9) }, twoOf],
      [{ ...event, decidedAt: "2030-01-01T00:00:04.000Z" }, twoOf],
    ] as const)
      expect(
        await confirmApprovalDecision(services, { round: r, event: forged, verdict: v }, new Date()),
      ).toMatchObject({ counted: false });
    expect(audited.map((a) => a.action)).toEqual(Array(3).fill("forged-decision"));

    // Once the k-th approval claimed the outcome, the first approval's event applies the claim.
    await ledger.record(r, decision(2, true, "2030-01-01T00:00:02.000Z"), 2, V1);
    expect(await confirmApprovalDecision(services, { round: r, event, verdict: twoOf }, new Date())).toMatchObject({
      counted: true,
      settlement: { kind: "decision", approve: true },
    });
  });
});
