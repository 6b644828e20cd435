import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { personToken } from "../../local/stack/credentials.js";
import type { LocalUser } from "../../local/identity/config.js";
import { PEOPLE, startTestStack, type TestStack } from "../support/local-stack.js";
import { pushTestImage } from "../support/push-image.js";

interface Timeline {
  action: string;
  actor: string;
  reason: string;
}

/**
 * Approvals tell the truth, through the whole local stack: the approvals API answers 202 only for the decision that
 * counts, every other one gets 409 with the current outcome and is audited as not counted; an ApprovalDecision raised
 * through the durable API (keyed, with the system key) without a ledger row is ignored and audited as forged.
 */
describe("truthful approvals end to end", () => {
  let stack: TestStack;
  // Twenty people with the approver role, so twenty decisions race for one outcome (not one person's double click).
  const deciders: LocalUser[] = Array.from({ length: 20 }, (_, i) => ({
    objectId: `0b000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`,
    displayName: `Decider ${i + 1}`,
    userPrincipalName: `decider${i + 1}@contoso.example`,
    roles: ["Quarantine.Approver"],
  }));

  beforeAll(async () => {
    stack = await startTestStack({ settings: { APPROVAL_DEADLINE: "PT6S" } });
    // The identity endpoint reads its users from this list on every token request.
    stack.identity.config.users.push(...deciders);
  });
  afterAll(async () => stack?.stop());

  const pushRisky = (repository: string): Promise<string> => pushTestImage(stack, repository);

  const awaiting = (body: Record<string, unknown>) => body.stage === "awaiting-approval";
  const finished = (body: Record<string, unknown>) =>
    ["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus));
  const timeline = (body: Record<string, unknown>) => body.timeline as Timeline[];

  function decide(token: string, instanceId: string, approve: boolean, reason: string) {
    return fetch(`${stack.devhost.url}/api/approvals/${instanceId}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ approve, reason }),
    });
  }

  it("10 approvals and 10 rejections at once: exactly one 202, 19 × 409 with the outcome, all 20 audited", async () => {
    const reference = await pushRisky("team/risky-race");
    const instanceId = String((await stack.waitForStatus(reference, awaiting)).instanceId);
    const tokens = await Promise.all(deciders.map((d) => personToken(stack.identity, d.objectId)));
    const answers = await Promise.all(
      deciders.map(async (d, i) => {
        const approve = i % 2 === 0;
        const response = await decide(
          tokens[i]!,
          instanceId,
          approve,
          `${approve ? "ok" : "no"} from ${d.displayName}`,
        );
        return { who: d, approve, status: response.status, body: (await response.json()) as Record<string, unknown> };
      }),
    );
    const accepted = answers.filter((a) => a.status === 202);
    expect(accepted).toHaveLength(1);
    const winner = accepted[0]!;
    const refused = answers.filter((a) => a.status === 409);
    expect(refused).toHaveLength(19);
    for (const loser of refused)
      expect(loser.body).toMatchObject({
        counted: false,
        reason: "outcome-claimed",
        outcome: {
          state: "decided",
          approve: winner.approve,
          by: [`${winner.who.displayName} (${winner.who.objectId})`],
        },
      });

    const done = await stack.waitForStatus(reference, finished);
    expect(done.outcome).toMatchObject({
      result: winner.approve ? "Passed" : "Failed",
      decidedBy: `${winner.who.displayName} (${winner.who.objectId})`,
    });
    const trail = timeline(await stack.waitForStatus(reference, (b) => timeline(b).length >= 20));
    const notCounted = trail.filter((r) => r.action === "not-counted");
    expect(notCounted.map((r) => r.actor).sort()).toEqual(
      refused.map((l) => `${l.who.displayName} (${l.who.objectId})`).sort(),
    );
    expect(trail.filter((r) => r.action === (winner.approve ? "released" : "failed"))).toEqual([
      expect.objectContaining({ actor: `${winner.who.displayName} (${winner.who.objectId})` }),
    ]);
  });

  /** Waits until the clock reaches `at` (epoch ms); returns the time it woke. */
  async function sendAt(at: number): Promise<number> {
    await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
    return Date.now();
  }

  it("an approval 10 ms before the deadline and one 10 ms after get truthful answers", async ({ annotate }) => {
    const token = await stack.personToken("approver");
    const ada = `${PEOPLE.approver.displayName} (${PEOPLE.approver.objectId})`;
    const late = await pushRisky("team/risky-late");
    const lateStatus = await stack.waitForStatus(late, awaiting);
    const lateDeadline = Date.parse(String(lateStatus.approvalDeadline));
    const sent = await sendAt(lateDeadline + 10);
    const after = await decide(token, String(lateStatus.instanceId), true, "risk accepted, a little late");
    const afterBody = (await after.json()) as Record<string, unknown>;

    // Stamped after the deadline: refused, audited, and the deadline decides.
    expect(after.status).toBe(409);
    expect(afterBody).toMatchObject({
      counted: false,
      reason: "after-deadline",
      outcome: { state: "deadline-passed" },
    });
    expect(Date.parse(String(afterBody.decidedAt))).toBeGreaterThanOrEqual(lateDeadline);
    const lateDone = await stack.waitForStatus(late, finished);
    expect(lateDone.outcome).toMatchObject({ result: "Failed", decidedBy: "gate" });
    expect(timeline(lateDone).some((r) => r.action === "not-counted" && r.actor === ada)).toBe(true);

    // The API stamps a decision when it handles it, a few ms after it is sent: that lag, measured on the late
    // request, is taken off so the early decision is stamped about 10 ms before its deadline.
    const lag = Math.max(0, Date.parse(String(afterBody.decidedAt)) - sent);
    const early = await pushRisky("team/risky-early");
    const earlyStatus = await stack.waitForStatus(early, awaiting);
    const earlyDeadline = Date.parse(String(earlyStatus.approvalDeadline));
    await sendAt(earlyDeadline - 10 - lag);
    const before = await decide(token, String(earlyStatus.instanceId), true, "risk accepted at the last moment");
    const beforeBody = (await before.json()) as Record<string, unknown>;
    const stampedAt = Date.parse(String(beforeBody.decidedAt));
    const earlyDone = await stack.waitForStatus(early, finished);
    await annotate(
      `deadline − 10 ms (sent ${lag} ms earlier for the API's lag): ${before.status}, stamped ${stampedAt - earlyDeadline} ms from the deadline, outcome ${(earlyDone.outcome as { result: string }).result}`,
    );
    // Whatever the stamp, the answer is what happens: 202 ⇔ the approval released the image.
    if (before.status === 202) {
      expect(stampedAt).toBeLessThan(earlyDeadline);
      expect(earlyDone.outcome).toMatchObject({ result: "Passed", decidedBy: ada });
    } else {
      expect(before.status).toBe(409);
      expect(stampedAt).toBeGreaterThanOrEqual(earlyDeadline);
      expect(earlyDone.outcome).toMatchObject({ result: "Failed", decidedBy: "gate" });
    }
  });

  it("an ApprovalDecision raised through the durable API without a ledger row is ignored and audited as forged", async () => {
    const reference = await pushRisky("team/risky-forged");
    const waiting = await stack.waitForStatus(reference, awaiting);
    const instanceId = String(waiting.instanceId);
    const raise = (key: string | undefined) =>
      fetch(`${stack.devhost.url}/runtime/webhooks/durabletask/instances/${instanceId}/raiseEvent/ApprovalDecision`, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...(key ? { "x-functions-key": key } : {}) },
        body: JSON.stringify({
          approve: true,
          reason: "trust me",
          approver: {
            objectId: PEOPLE.approver.objectId,
            name: PEOPLE.approver.displayName,
            roles: PEOPLE.approver.roles,
          },
          decidedAt: new Date().toISOString(),
        }),
      });
    expect((await raise(undefined)).status).toBe(401);
    expect((await raise(stack.devhost.keys.durableSystemKey)).status).toBe(202);

    const audited = await stack.waitForStatus(reference, (b) =>
      timeline(b).some((r) => r.action === "forged-decision"),
    );
    const forged = timeline(audited).find((r) => r.action === "forged-decision")!;
    expect(forged.actor).toBe(`unverified: ${PEOPLE.approver.displayName} (${PEOPLE.approver.objectId})`);
    expect(forged.reason).toContain("trust me");
    expect(audited).toMatchObject({ runtimeStatus: "Running", stage: "awaiting-approval" });
    expect(audited.decision).toBeUndefined();

    // The genuine decision still decides.
    const rejected = await decide(await stack.personToken("approver"), instanceId, false, "not without the fix");
    expect(rejected.status).toBe(202);
    const done = await stack.waitForStatus(reference, finished);
    expect(done.outcome).toMatchObject({ result: "Failed", reason: "not without the fix" });
  });
});
