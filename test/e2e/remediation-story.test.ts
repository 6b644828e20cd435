import { copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_VEX_CONTAINER } from "../../local/stack/compose.js";
import { STACK_POLICY } from "../../local/stack/advisories.js";
import { NOTIFICATION_TYPE_PREFIX } from "../../src/notify/index.js";
import { advanceHostClock, readHostClock, waitForDurableTimer } from "../support/host-clock.js";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { freshTempDir } from "../support/paths.js";
import { pushTestImage } from "../support/push-image.js";
import { inspectRaw } from "../support/skopeo.js";

const DAY = 86_400_000;
const MINUTE = 60_000;
/** The one Critical in the recorded debian-buster report (test/fixtures/trivy), in libidn2-0. */
const CRITICAL = "CVE-2019-18224";

/**
 * Issue 18's story on the whole local stack (`npm start`'s parts: devhost with the real durable-functions engine,
 * Azurite, the ACR emulator over docker-registry, the queue scan worker with the Trivy stand-in, the notification
 * receiver), with skopeo pushing and pulling and the devhost's clock moved forward instead of sleeping
 * (docs/local-stack.md). Re-evaluation runs are started with `POST api/reevaluation/run` (admin key), one at a time,
 * and re-scan through the default queue path (the stack's scan worker answers the re-scans).
 *
 * Advisory data changes by giving the Trivy stand-in a report for a repository (TRIVY_STANDIN_REPORTS): the recorded
 * debian-buster report, with one Critical. The policy gives a Critical 7 days, reminds 1 day before, and warns
 * instead of blocking in `story/warn-*`.
 */
describe("released is not forever: the remediation story end to end", () => {
  let stack: TestStack;
  const advisories = freshTempDir("story-advisories");
  const policy = {
    ...STACK_POLICY,
    remediation: {
      sla: { Critical: 7 },
      reminderDaysBefore: [1],
      repositories: [{ match: ["story/warn-*"], onDue: "warn" }],
    },
  };

  beforeAll(async () => {
    stack = await startTestStack({
      adjustableClock: true,
      scanWorkerEnv: { TRIVY_STANDIN_REPORTS: advisories },
      settings: {
        POLICY_DOCUMENT: JSON.stringify(policy),
        // Never on its own during the test: runs are started through POST api/reevaluation/run, one at a time.
        REEVALUATE_SCHEDULE: "0 0 0 1 1 *",
        REEVALUATE_RESCAN_DEADLINE_SECONDS: "120",
        VEX_REFRESH: "PT1S",
      },
    });
  }, 120_000);
  afterAll(async () => stack?.stop());

  type Row = { action: string; actor: string; reason: string };
  const timeline = (body: Record<string, unknown>) => (body.timeline as Row[] | undefined) ?? [];
  const finished = (body: Record<string, unknown>) =>
    ["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus));
  const repositoryFile = (repository: string) => join(advisories, `${repository.replaceAll("/", "__")}.json`);
  const advisoryFor = (repository: string) =>
    copyFileSync(join(import.meta.dirname, "../fixtures/trivy/debian-buster.json"), repositoryFile(repository));
  const advisoryFixed = (repository: string) => rmSync(repositoryFile(repository), { force: true });
  const pullCode = async (reference: string) =>
    (await inspectRaw(reference, { certDir: stack.acr.certDir, creds: await stack.pullCreds() })).code;
  const tagOf = (reference: string) => reference.replace(/@sha256:[0-9a-f]{64}$/, ":v1");
  const subjectOf = (reference: string) => reference.slice(stack.acr.loginServer.length + 1);

  async function released(repository: string): Promise<string> {
    const reference = await pushTestImage(stack, repository);
    const status = await stack.waitForStatus(reference, finished, 90_000);
    expect((status.outcome as { result: string }).result).toBe("Passed");
    return reference;
  }

  /** Starts a re-evaluation run now (POST api/reevaluation/run, admin key) and waits until it has completed. */
  const startRun = () =>
    fetch(`${stack.devhost.url}/api/reevaluation/run`, {
      method: "POST",
      headers: { "x-functions-key": stack.devhost.keys.masterKey },
    });
  async function reevaluate(options: { tryASecond?: boolean } = {}): Promise<Record<string, number>> {
    const started = await startRun();
    expect(started.status).toBe(202);
    const { instanceId } = (await started.json()) as { instanceId: string };
    if (options.tryASecond) {
      // While a run is going no other starts: the answer names the live one.
      const second = await startRun();
      expect(second.status).toBe(409);
      expect(await second.json()).toMatchObject({ code: "ERR_REEVALUATION_RUNNING", instanceId });
    }
    const deadline = Date.now() + 150_000;
    let last = "";
    while (Date.now() < deadline) {
      const response = await fetch(`${stack.devhost.url}/runtime/webhooks/durabletask/instances/${instanceId}`, {
        headers: { "x-functions-key": stack.devhost.keys.durableSystemKey },
      });
      last = await response.text();
      const status = JSON.parse(last) as { runtimeStatus?: string; output?: Record<string, number> };
      if (status.runtimeStatus === "Completed") return status.output!;
      if (status.runtimeStatus === "Failed") throw new Error(`re-evaluation ${instanceId} failed: ${last}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`re-evaluation ${instanceId} did not complete: ${last.slice(0, 1000)}`);
  }

  /** The image's audit rows from re-evaluation, by action. */
  async function audited(reference: string, action: string): Promise<Row[]> {
    const { body } = await stack.status(reference);
    return timeline(body).filter((r) => r.action === action && r.actor === "gate:reevaluation");
  }

  /** The notification types the webhook sink received about an image. */
  async function notified(reference: string): Promise<string[]> {
    await stack.waitForDeliveries();
    return stack.notifyReceiver.deliveries
      .filter((d) => d.sink === "webhook")
      .map((d) => d.body as { subject?: string; type: string })
      .filter((b) => b.subject === subjectOf(reference))
      .map((b) => b.type.slice(NOTIFICATION_TYPE_PREFIX.length));
  }

  it("a break-glass release expires on the host's clock, is judged again through the queue, and is blocked again", async () => {
    const reference = await pushTestImage(stack, "story/vulnerable-override");
    const failed = await stack.waitForStatus(reference, finished, 90_000);
    expect((failed.outcome as { result: string }).result).toBe("Failed");
    const answer = await fetch(`${stack.devhost.url}/api/approvals/${String(failed.instanceId)}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${await stack.personToken("breakGlass")}` },
      body: JSON.stringify({ approve: true, reason: "outage", justification: "INC-9000: the hotfix must ship now" }),
    });
    expect(answer.status).toBe(202);
    const started = (await answer.json()) as { instanceId: string; expiresAt: string };
    await stack.waitForStatus(reference, (b) => b.releasedBy === "override");
    expect(await pullCode(tagOf(reference))).toBe(0);

    // The policy's default: 24 hours. The release waits on that timer; the clock moves past it.
    const fireAt = await waitForDurableTimer(stack, started.instanceId, (at) => at.toISOString() === started.expiresAt);
    const now = Date.parse((await readHostClock(stack)).now);
    await advanceHostClock(stack, fireAt.getTime() - now + MINUTE);
    const reblocked = await stack.waitForStatus(
      reference,
      (b) => timeline(b).some((r) => r.action === "reblocked"),
      150_000,
    );
    expect(timeline(reblocked).find((r) => r.action === "reblocked")!.reason).toContain(
      `break-glass override expired at ${started.expiresAt}`,
    );
    expect(await pullCode(tagOf(reference))).not.toBe(0);
    expect(await pullCode(reference)).not.toBe(0);
    expect(await notified(reference)).toContain("image.reblocked");
  }, 300_000);

  it("new advisory data opens a finding with dueBy, reminds, blocks at dueBy by tag and digest, and a passing re-scan releases it; VEX before dueBy closes; warn blocks nothing", async () => {
    const app = await released("story/app");
    const warned = await released("story/warn-app");
    const excused = await released("story/vex-app");

    // Clean at first: a run judges them (and the image the break-glass test left blocked) and opens nothing.
    expect((await reevaluate({ tryASecond: true })).images).toBeGreaterThanOrEqual(3);
    for (const reference of [app, warned, excused]) expect(await audited(reference, "remediation-opened")).toEqual([]);

    // The advisory data changes: a Critical for all three.
    for (const repository of ["story/app", "story/warn-app", "story/vex-app"]) advisoryFor(repository);
    const openedAt = Date.parse((await readHostClock(stack)).now);
    await reevaluate();
    const opened = await audited(app, "remediation-opened");
    expect(opened).toHaveLength(1);
    const dueBy = /fix by (\S+)$/.exec(opened[0]!.reason)?.[1];
    expect(opened[0]!.reason).toContain(`${CRITICAL} (Critical) in libidn2-0`);
    expect(Date.parse(dueBy!) - openedAt).toBeGreaterThanOrEqual(7 * DAY - MINUTE);
    expect(Date.parse(dueBy!) - openedAt).toBeLessThanOrEqual(7 * DAY + MINUTE);
    expect(await pullCode(tagOf(app))).toBe(0);

    // The inventory shows it due soon, with its open finding (within 30 days: the inventory's "now" is the product's
    // own clock, the real time, which the break-glass test above left a day behind the host's).
    const inventory = await fetch(`${stack.devhost.url}/api/images?state=due-soon&withinDays=30`, {
      headers: { Authorization: `Bearer ${await stack.personToken("reader")}` },
    });
    expect(inventory.status).toBe(200);
    const listed = (
      (await inventory.json()) as {
        images: Array<{ image: string; openFindings: Array<{ findingId: string; dueBy: string }> }>;
      }
    ).images;
    expect(listed.find((i) => i.image === app)?.openFindings).toEqual([
      expect.objectContaining({ findingId: CRITICAL, dueBy }),
    ]);

    // Before dueBy, a VEX statement says story/vex-app is not affected.
    const digest = excused.split("@")[1]!;
    const vex = JSON.stringify({
      "@context": "https://openvex.dev/ns/v0.2.0",
      "@id": "https://vex.example/story/vex-app",
      author: "security@contoso.com",
      timestamp: "2026-12-01T00:00:00Z",
      version: 1,
      statements: [
        {
          vulnerability: { name: CRITICAL },
          products: [{ "@id": `pkg:oci/vex-app@${encodeURIComponent(digest)}` }],
          status: "not_affected",
          justification: "vulnerable_code_not_in_execute_path",
        },
      ],
    });
    await BlobServiceClient.fromConnectionString(stack.azurite.connectionString)
      .getContainerClient(LOCAL_VEX_CONTAINER)
      .getBlockBlobClient("story/vex-app.json")
      .upload(vex, Buffer.byteLength(vex));

    // Six days on: the 1-day reminder, once, audited and on the notifications stream; the VEX closes the other record.
    await advanceHostClock(stack, 6 * DAY + MINUTE);
    await reevaluate();
    expect(await audited(app, "remediation-reminder")).toHaveLength(1);
    expect(await notified(app)).toEqual(expect.arrayContaining(["remediation.opened", "remediation.reminder"]));
    const closed = await audited(excused, "remediation-closed");
    expect(closed).toHaveLength(1);
    expect(closed[0]!.reason).toContain("vex-suppressed");

    // At dueBy: story/app is locked (pull by tag and by digest refused) and the audit says why; warn blocks nothing;
    // the excused image is untouched.
    await advanceHostClock(stack, DAY + MINUTE);
    await reevaluate();
    const blocked = await audited(app, "reblocked");
    expect(blocked).toHaveLength(1);
    expect(blocked[0]!.reason).toContain(CRITICAL);
    expect(await pullCode(tagOf(app))).not.toBe(0);
    expect(await pullCode(app)).not.toBe(0);
    expect((await audited(app, "remediation-due"))[0]!.reason).toMatch(/: block$/);
    expect((await audited(warned, "remediation-due"))[0]!.reason).toMatch(/: warn$/);
    expect(await audited(warned, "reblocked")).toEqual([]);
    expect(await pullCode(tagOf(warned))).toBe(0);
    expect(await audited(excused, "remediation-due")).toEqual([]);
    expect(await pullCode(tagOf(excused))).toBe(0);
    expect(await notified(app)).toEqual(expect.arrayContaining(["remediation.due", "image.reblocked"]));

    // The fix: the advisory no longer reports it. The next run re-scans the locked image and releases it.
    advisoryFixed("story/app");
    await advanceHostClock(stack, MINUTE);
    await reevaluate();
    expect(await audited(app, "reopened")).toHaveLength(1);
    expect(await pullCode(tagOf(app))).toBe(0);
    expect(await pullCode(app)).toBe(0);
    expect(await notified(app)).toContain("image.reopened");
  }, 600_000);
});
