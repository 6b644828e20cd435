import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { personToken } from "../../local/stack/credentials.js";
import type { LocalUser } from "../../local/identity/config.js";
import { STACK_POLICY } from "../../local/stack/advisories.js";
import { PEOPLE, startTestStack, type TestStack } from "../support/local-stack.js";
import { pushTestImage } from "../support/push-image.js";
import { inspectRaw } from "../support/skopeo.js";

interface Timeline {
  action: string;
  actor: string;
  reason: string;
}

interface Approvals {
  required: number;
  given: number;
  approvers: Array<{ name: string; objectId: string; at: string; reason: string }>;
}

/**
 * N-of-M approvals through the whole local stack: a policy rule asks for two distinct approvers on `team/risky-two-*`
 * repositories. One approval leaves the image waiting (202, 1 of 2, shown in the status); the same person again
 * changes nothing (409); a second person releases it and a consumer can pull it with skopeo; a rejection after one
 * approval fails it. Every counted approval is in the audit trail with its approver.
 */
describe("N-of-M approvals end to end", () => {
  let stack: TestStack;
  // A second approver of the stack's own kind (Quarantine.Approver only), added to the identity endpoint's users.
  const second: LocalUser = {
    objectId: "0d000000-0000-4000-8000-000000000001",
    displayName: "Cy Second",
    userPrincipalName: "cy@contoso.example",
    roles: ["Quarantine.Approver"],
  };
  const ada = `${PEOPLE.approver.displayName} (${PEOPLE.approver.objectId})`;
  const cy = `${second.displayName} (${second.objectId})`;

  beforeAll(async () => {
    const policy = { ...STACK_POLICY, repositories: [{ match: ["team/risky-two-*"], rule: { approvals: 2 } }] };
    stack = await startTestStack({ settings: { POLICY_DOCUMENT: JSON.stringify(policy), APPROVAL_DEADLINE: "PT2M" } });
    // The identity endpoint reads its users from this list on every token request.
    stack.identity.config.users.push(second);
  });
  afterAll(async () => stack?.stop());

  const pushImage = (repository: string): Promise<string> => pushTestImage(stack, repository);

  const awaiting = (body: Record<string, unknown>) => body.stage === "awaiting-approval";
  const finished = (body: Record<string, unknown>) =>
    ["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus));
  const timeline = (body: Record<string, unknown>) => body.timeline as Timeline[];
  const approvals = (body: Record<string, unknown>) => body.approvals as Approvals | undefined;

  async function decide(token: string, instanceId: string, approve: boolean, reason: string) {
    const response = await fetch(`${stack.devhost.url}/api/approvals/${instanceId}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ approve, reason }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const pull = async (repository: string) =>
    inspectRaw(`${stack.acr.loginServer}/${repository}:v1`, {
      certDir: stack.acr.certDir,
      creds: await stack.pullCreds(),
    });

  it("2 of N: one approval waits, the same person again changes nothing, a second person releases it", async () => {
    const reference = await pushImage("team/risky-two-app");
    const waiting = await stack.waitForStatus(reference, awaiting);
    const instanceId = String(waiting.instanceId);
    expect(waiting.verdict).toMatchObject({ decision: "needsApproval", requiredApprovals: 2 });
    expect(approvals(waiting)).toEqual({ required: 2, given: 0, approvers: [] });
    const adaToken = await stack.personToken("approver");
    const cyToken = await personToken(stack.identity, second.objectId);

    // One approval: counted, 1 of 2, and the image keeps waiting (still not pullable).
    const first = await decide(adaToken, instanceId, true, "the High is not reachable");
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ counted: true, kind: "recorded", approvals: { required: 2, given: 1 } });
    const oneOfTwo = await stack.waitForStatus(reference, (b) => approvals(b)?.given === 1);
    expect(oneOfTwo).toMatchObject({ runtimeStatus: "Running", stage: "awaiting-approval" });
    expect(approvals(oneOfTwo)?.approvers).toEqual([
      {
        name: PEOPLE.approver.displayName,
        objectId: PEOPLE.approver.objectId,
        at: first.body.decidedAt,
        reason: "the High is not reachable",
      },
    ]);
    expect((await pull("team/risky-two-app")).code).not.toBe(0);

    // The same person again: 409, not counted, audited; the status still says 1 of 2.
    const again = await decide(adaToken, instanceId, true, "approving once more");
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      counted: false,
      reason: "approver-already-decided",
      outcome: { state: "undecided", approvals: 1, required: 2 },
    });
    const afterRepeat = await stack.waitForStatus(reference, (b) =>
      timeline(b).some((r) => r.action === "not-counted"),
    );
    expect(afterRepeat).toMatchObject({ runtimeStatus: "Running", stage: "awaiting-approval" });
    expect(approvals(afterRepeat)?.given).toBe(1);

    // A second person: the round is complete, the image is released and a consumer can pull it.
    const secondApproval = await decide(cyToken, instanceId, true, "second pair of eyes agrees");
    expect(secondApproval.status).toBe(202);
    expect(secondApproval.body).toMatchObject({ counted: true, approvals: { required: 2, given: 2 } });
    const done = await stack.waitForStatus(reference, finished);
    expect(done.outcome).toMatchObject({ result: "Passed", decidedBy: `${ada}, ${cy}` });
    expect(approvals(done)).toMatchObject({
      required: 2,
      given: 2,
      approvers: [{ objectId: PEOPLE.approver.objectId }, { objectId: second.objectId }],
    });
    const pulled = await pull("team/risky-two-app");
    expect(pulled.code, pulled.stderr).toBe(0);

    // The audit names each approver: two counted approvals, the repeat not counted, one release by both.
    const trail = timeline(
      await stack.waitForStatus(reference, (b) => timeline(b).some((r) => r.action === "released")),
    );
    expect(trail.filter((r) => r.action === "counted").map((r) => r.actor)).toEqual([ada, cy]);
    expect(trail.filter((r) => r.action === "not-counted").map((r) => r.actor)).toEqual([ada]);
    expect(trail.filter((r) => r.action === "released")).toEqual([expect.objectContaining({ actor: `${ada}, ${cy}` })]);
  });

  it("a rejection after one approval fails the image at once", async () => {
    const reference = await pushImage("team/risky-two-rejected");
    const instanceId = String((await stack.waitForStatus(reference, awaiting)).instanceId);
    expect((await decide(await stack.personToken("approver"), instanceId, true, "fine by me")).status).toBe(202);
    const rejected = await decide(await personToken(stack.identity, second.objectId), instanceId, false, "no: CVE");
    expect(rejected.status).toBe(202);
    const done = await stack.waitForStatus(reference, finished);
    expect(done.outcome).toMatchObject({ result: "Failed", decidedBy: cy, reason: "no: CVE" });
    expect((await pull("team/risky-two-rejected")).code).not.toBe(0);
  });
});
