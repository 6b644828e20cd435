import { randomUUID } from "node:crypto";
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApprovalLedger, isBeforeDeadline, roundPartition } from "../../../src/pipeline/approval-ledger.js";
import { confirmApprovalDecision } from "../../../src/pipeline/approval-ledger-checks.js";
import type { ApprovalRound, LedgerDecision } from "../../../src/pipeline/contract/index.js";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";
import { IMAGE } from "./support/fixtures.js";

/**
 * The approval ledger against a real Table Storage (Azurite): its guarantees are Table Storage's conditional writes,
 * so they are tested on the real thing, concurrently.
 */
describe("the approval ledger", () => {
  let azurite: TestAzurite;
  let ledger: ApprovalLedger;
  let table: TableClient;

  beforeAll(async () => {
    azurite = await startTestAzurite();
    table = TableClient.fromConnectionString(azurite.connectionString, "LedgerTestApprovals", {
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
    objectId: `0a000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
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

  it("the first decision claims the outcome; the next ones learn what decided", async () => {
    const r = round();
    const first = await ledger.record(r, decision(1, false));
    expect(first).toMatchObject({ counted: true, claimed: true, settlement: { kind: "decision", approve: false } });
    expect(await ledger.record(r, decision(2, true))).toEqual({
      counted: false,
      reason: "outcome-claimed",
      outcome: {
        state: "decided",
        approve: false,
        by: [`P1 (${person(1).objectId})`],
        decidedAt: "2030-01-01T00:00:05.000Z",
      },
    });
    expect(await ledger.settlement(r)).toMatchObject({ kind: "decision", approve: false });
  });

  it("10 approvals and 10 rejections at once: exactly one claims the outcome", async () => {
    const r = round();
    const decisions = Array.from({ length: 20 }, (_, i) => decision(i + 1, i % 2 === 0));
    const results = await Promise.all(decisions.map((d) => ledger.record(r, d)));
    const winners = results.filter((x) => x.counted);
    expect(winners).toHaveLength(1);
    const settlement = await ledger.settlement(r);
    const winner = decisions[results.findIndex((x) => x.counted)]!;
    expect(settlement).toMatchObject({ kind: "decision", approve: winner.approve, decisions: [winner] });
    for (const loser of results.filter((x) => !x.counted))
      expect(loser).toMatchObject({
        counted: false,
        reason: "outcome-claimed",
        outcome: { state: "decided", approve: winner.approve },
      });
    // One row per approver, each saying whether it counted; plus the one outcome row.
    const rows = [];
    for await (const row of table.listEntities<{ state?: string }>({
      queryOptions: { filter: `PartitionKey eq '${roundPartition(r)}'` },
    }))
      rows.push(row);
    expect(rows).toHaveLength(21);
    expect(rows.filter((row) => row.state === "counted")).toHaveLength(1);
    expect(rows.filter((row) => row.state === "not-counted")).toHaveLength(19);
  });

  it("the same person's second decision on a settled round does not count", async () => {
    const r = round();
    await ledger.record(r, decision(1, true));
    expect(await ledger.record(r, decision(1, false))).toMatchObject({
      counted: false,
      reason: "approver-already-decided",
      outcome: { state: "decided", approve: true },
    });
  });

  it("the same person twice at once: one of the two claims, never both", async () => {
    const r = round();
    const results = await Promise.all([ledger.record(r, decision(1, true)), ledger.record(r, decision(1, false))]);
    expect(results.filter((x) => x.counted)).toHaveLength(1);
  });

  it("a decision that claimed before the deadline's claim wins over the timer; after it, the deadline holds", async () => {
    const early = round();
    const claimed = await ledger.record(early, decision(1, true, "2030-01-01T00:00:09.990Z"));
    expect(claimed.counted).toBe(true);
    expect(await ledger.claimDeadline(early, new Date(DEADLINE))).toMatchObject({ kind: "decision", approve: true });

    const late = round();
    expect(await ledger.claimDeadline(late, new Date(DEADLINE))).toEqual({
      kind: "deadline",
      deadline: DEADLINE,
      claimedAt: DEADLINE,
    });
    // A repeat of the deadline's claim (at-least-once activity) finds its own row.
    expect(await ledger.claimDeadline(late, new Date("2030-01-01T00:00:11.000Z"))).toMatchObject({ kind: "deadline" });
    expect(await ledger.record(late, decision(2, true))).toEqual({
      counted: false,
      reason: "outcome-claimed",
      outcome: { state: "deadline-passed", deadline: DEADLINE },
    });
  });

  it("rounds are apart: a restarted pipeline's new deadline starts with nothing claimed", async () => {
    const r = round();
    await ledger.record(r, decision(1, true));
    const next = { ...r, deadline: "2030-01-02T00:00:00.000Z" };
    expect(await ledger.settlement(next)).toBeUndefined();
    expect(await ledger.current(next)).toEqual({ state: "undecided", approvals: 0, required: 1 });
  });

  it("N-of-M: approvals count towards k distinct approvers; the k-th claims; a reject claims at once", async () => {
    const r = round();
    expect(await ledger.record(r, decision(1, true, "2030-01-01T00:00:01.000Z"), 2)).toEqual({
      counted: true,
      claimed: false,
      approvals: 1,
      required: 2,
    });
    const second = await ledger.record(r, decision(2, true, "2030-01-01T00:00:02.000Z"), 2);
    expect(second).toMatchObject({ counted: true, claimed: true, settlement: { approve: true } });
    expect(second.counted && second.claimed && second.settlement.decisions.map((d) => d.approver.name)).toEqual([
      "P1",
      "P2",
    ]);

    const rejected = round();
    await ledger.record(rejected, decision(1, true), 2);
    expect(await ledger.record(rejected, decision(2, false), 2)).toMatchObject({
      claimed: true,
      settlement: { approve: false },
    });
  });

  it("an unfinished decision of a person (a request that died before claiming) is replaced by the next, If-Match", async () => {
    const r = round();
    const stuck = decision(1, true);
    await table.createEntity({
      partitionKey: roundPartition(r),
      rowKey: `approver.${stuck.approver.objectId}`,
      decision: JSON.stringify(stuck),
      approve: true,
      decidedAt: stuck.decidedAt,
      state: "recorded",
    });
    expect(await ledger.record(r, decision(1, false))).toMatchObject({
      counted: true,
      claimed: true,
      settlement: { approve: false },
    });
  });

  it("confirms only events the claimed outcome holds; anything else is audited as forged", async () => {
    const r = round();
    const given = decision(1, true);
    await ledger.record(r, given);
    const audited: Array<{ action: string; actor: string }> = [];
    const services = {
      ledger,
      audit: { record: async (e: { action: string; actor: string }) => void audited.push(e) },
    };
    const { decisionId: _id, ...event } = given;
    expect(await confirmApprovalDecision(services, { round: r, event }, new Date())).toMatchObject({
      counted: true,
      settlement: { kind: "decision", approve: true },
    });
    for (const forged of [
      { ...event, approver: person(9) },
      { ...event, approve: false },
      { ...event, decidedAt: "2030-01-01T00:00:06.000Z" },
      "not even an object",
    ])
      expect(await confirmApprovalDecision(services, { round: r, event: forged as never }, new Date())).toMatchObject({
        counted: false,
      });
    expect(audited.map((a) => a.action)).toEqual(Array(4).fill("forged-decision"));
    expect(audited[0]!.actor).toBe(`unverified: P9 (${person(9).objectId})`);
    // Nothing claimed at all: forged as well.
    expect(await confirmApprovalDecision(services, { round: round(), event }, new Date())).toMatchObject({
      counted: false,
    });
  });

  it("one clock rule: before the deadline counts, at or after it does not", () => {
    expect(isBeforeDeadline("2030-01-01T00:00:09.990Z", DEADLINE)).toBe(true);
    expect(isBeforeDeadline(DEADLINE, DEADLINE)).toBe(false);
    expect(isBeforeDeadline("2030-01-01T00:00:10.010Z", DEADLINE)).toBe(false);
    expect(isBeforeDeadline("not a time", DEADLINE)).toBe(false);
  });
});
