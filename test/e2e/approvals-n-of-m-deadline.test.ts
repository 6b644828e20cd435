import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STACK_POLICY } from "../../local/stack/advisories.js";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { buildOciImage } from "../support/oci-image.js";
import { inspectRaw, push } from "../support/skopeo.js";
import { freshTempDir } from "../support/paths.js";

/**
 * N-of-M approvals end to end, the deadline with 1 of 2 approvals: on a stack of its own with a short approval deadline
 * (one stack per file: the app's composition root reads its settings once per process).
 */
describe("N-of-M approvals end to end: the deadline", () => {
  let stack: TestStack;
  beforeAll(async () => {
    const policy = { ...STACK_POLICY, repositories: [{ match: ["team/risky-two-*"], rule: { approvals: 2 } }] };
    stack = await startTestStack({ settings: { POLICY_DOCUMENT: JSON.stringify(policy), APPROVAL_DEADLINE: "PT10S" } });
  });
  afterAll(async () => stack?.stop());

  it("one approval of two before the deadline: the deadline decides (Failed), and the status says 1 of 2", async () => {
    const image = await buildOciImage(freshTempDir("img"));
    const pushed = await push(image.layoutRef, `${stack.acr.loginServer}/team/risky-two-late:v1`, {
      certDir: stack.acr.certDir,
      creds: stack.pushCreds,
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    const reference = `${stack.acr.loginServer}/team/risky-two-late@${image.manifestDigest}`;
    const waiting = await stack.waitForStatus(reference, (b) => b.stage === "awaiting-approval");
    const response = await fetch(`${stack.devhost.url}/api/approvals/${String(waiting.instanceId)}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${await stack.personToken("approver")}` },
      body: JSON.stringify({ approve: true, reason: "one is not enough" }),
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ counted: true, approvals: { required: 2, given: 1 } });
    const done = await stack.waitForStatus(reference, (b) => String(b.runtimeStatus) === "Completed");
    expect(done.outcome).toMatchObject({ result: "Failed", decidedBy: "gate" });
    expect(done.approvals).toMatchObject({ required: 2, given: 1 });
    const pulled = await inspectRaw(`${stack.acr.loginServer}/team/risky-two-late:v1`, {
      certDir: stack.acr.certDir,
      creds: await stack.pullCreds(),
    });
    expect(pulled.code).not.toBe(0);
  });
});
