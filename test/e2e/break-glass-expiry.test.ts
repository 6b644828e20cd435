import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { buildOciImage } from "../support/oci-image.js";
import { inspectRaw, push } from "../support/skopeo.js";
import { freshTempDir } from "../support/paths.js";

/**
 * Break-glass reverts itself, end to end through the approvals API on the local stack (docs/reevaluation.md
 * "Break-glass expiry"): the override's request asks for a few seconds (less than the policy's 24 h; asking for more
 * is refused), the durable timer fires on the devhost's clock, the image is judged again (the stack's advisories
 * still report its Critical) and blocked again with the manifest lock. No sleeps: the test polls the status.
 */
describe("break-glass expiry end to end", () => {
  let stack: TestStack;
  beforeAll(async () => {
    // The Harbor adapter (the scanner emulator) re-scans synchronously, so the expiry gets a fresh verdict. The lock
    // (readEnabled=false) needs metadata write, which the gate's identity holds with AcrPush, granted by infra and by
    // the local stack alike (docs/reevaluation.md).
    stack = await startTestStack({ settings: { SCANNER_KIND: "harbor" } });
  });
  afterAll(async () => stack?.stop());

  const finished = (body: Record<string, unknown>) =>
    ["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus));
  const timeline = (body: Record<string, unknown>) =>
    (body.timeline as Array<{ action: string; actor: string; reason: string }> | undefined) ?? [];

  async function breakGlass(instanceId: string, expiresIn?: string): Promise<Response> {
    return fetch(`${stack.devhost.url}/api/approvals/${instanceId}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${await stack.personToken("breakGlass")}` },
      body: JSON.stringify({
        approve: true,
        reason: "production outage",
        justification: "INC-4712: hotfix must ship for a few seconds",
        ...(expiresIn !== undefined ? { expiresIn } : {}),
      }),
    });
  }

  async function pullCode(reference: string): Promise<number> {
    return (await inspectRaw(reference, { certDir: stack.acr.certDir, creds: await stack.pullCreds() })).code;
  }

  it("an override with a short expiry is released, then blocked again by tag and digest while it still fails", async () => {
    const image = await buildOciImage(freshTempDir("img"));
    const tagged = `${stack.acr.loginServer}/team/vulnerable-expiring:v1`;
    const pushed = await push(image.layoutRef, tagged, { certDir: stack.acr.certDir, creds: stack.pushCreds });
    expect(pushed.code, pushed.stderr).toBe(0);
    const reference = `${stack.acr.loginServer}/team/vulnerable-expiring@${image.manifestDigest}`;
    const failed = await stack.waitForStatus(reference, finished);
    expect((failed.outcome as { result: string }).result).toBe("Failed");
    const instanceId = String(failed.instanceId);

    // Longer than the policy allows, or not a duration: a typed 400, and nothing is released.
    const tooLong = await breakGlass(instanceId, "PT25H");
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toMatchObject({ code: "ERR_BREAK_GLASS_EXPIRY_TOO_LONG", maxExpiry: "PT24H" });
    const malformed = await breakGlass(instanceId, "soon");
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: "ERR_BREAK_GLASS_EXPIRY_INVALID" });
    expect(await pullCode(tagged)).not.toBe(0);

    const asked = Date.now();
    const override = await breakGlass(instanceId, "PT15S");
    expect(override.status).toBe(202);
    const started = (await override.json()) as { kind: string; expiresAt: string };
    expect(started.kind).toBe("break-glass-started");
    const expiresAt = Date.parse(started.expiresAt);
    expect(expiresAt).toBeGreaterThan(asked);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 15_000);

    // Released by override: the status and the audit say until when.
    const released = await stack.waitForStatus(reference, (b) => b.releasedBy === "override");
    expect(released.override).toMatchObject({ expiresAt: started.expiresAt });
    expect(timeline(released).find((r) => r.action === "overridden")!.reason).toContain(
      `(expires ${started.expiresAt})`,
    );

    // At the expiry: judged again, still failing, blocked again and audited.
    const reblocked = await stack.waitForStatus(
      reference,
      (b) => timeline(b).some((r) => r.action === "reblocked"),
      90_000,
    );
    expect(reblocked.releasedBy).toBeUndefined();
    const record = timeline(reblocked).find((r) => r.action === "reblocked")!;
    expect(record.actor).toBe("gate:reevaluation");
    expect(record.reason).toMatch(
      new RegExp(`^break-glass override expired at ${started.expiresAt}: fresh verdict fail`),
    );
    expect(await pullCode(tagged)).not.toBe(0);
    expect(await pullCode(reference)).not.toBe(0);
  }, 180_000);
});
