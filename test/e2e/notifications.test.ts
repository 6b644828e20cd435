import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { buildOciImage } from "../support/oci-image.js";
import { push } from "../support/skopeo.js";
import { freshTempDir } from "../support/paths.js";
import { NOTIFICATION_TYPE_PREFIX } from "../../src/notify/index.js";

/**
 * Notifications end to end (docs/notifications.md): every pipeline path produces exactly its documented events, in
 * order, at every sink kind — the signed webhook and the Teams and Slack messages at the local receiver, the
 * CloudEvents at the Event Grid stand-in (which checks the managed identity token's audience and the batch shape).
 */
describe("notifications end to end", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ settings: { SCAN_DEADLINE: "PT8S", APPROVAL_DEADLINE: "PT6S" } });
  });
  afterAll(async () => stack?.stop());

  async function pushImage(repository: string): Promise<{ reference: string; subject: string }> {
    const image = await buildOciImage(freshTempDir("img"));
    const result = await push(image.layoutRef, `${stack.acr.loginServer}/${repository}:v1`, {
      certDir: stack.acr.certDir,
      creds: stack.pushCreds,
    });
    expect(result.code, result.stderr).toBe(0);
    return {
      reference: `${stack.acr.loginServer}/${repository}@${image.manifestDigest}`,
      subject: `${repository}@${image.manifestDigest}`,
    };
  }

  const finished = (body: Record<string, unknown>) =>
    ["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus));
  const short = (type: string) => type.slice(NOTIFICATION_TYPE_PREFIX.length);

  /**
   * The event types the webhook received for one image, in the order of their CloudEvents `time` (ties: arrival).
   * Each (event, sink) is delivered by an orchestration of its own beside the pipeline, so arrival order is not
   * promised across events; `time` is the order things happened in (docs/notifications.md).
   */
  const byTime = <T extends { time?: string }>(events: T[]): T[] =>
    events
      .map((event, arrival) => ({ event, arrival }))
      .sort((a, b) => Date.parse(a.event.time ?? "") - Date.parse(b.event.time ?? "") || a.arrival - b.arrival)
      .map((e) => e.event);
  function webhookTypes(subject: string): string[] {
    return byTime(
      stack.notifyReceiver.deliveries
        .map((d) => d.body as { subject?: string; type: string; time?: string })
        .filter((body, i) => stack.notifyReceiver.deliveries[i]!.sink === "webhook" && body.subject === subject),
    ).map((body) => short(body.type));
  }
  const eventGridTypes = (subject: string) =>
    byTime(stack.eventGrid.events.filter((e) => e.subject === subject) as Array<{ type: string; time?: string }>).map(
      (e) => short(e.type),
    );
  const chatCount = (sink: "teams" | "slack", reference: string) =>
    stack.notifyReceiver.deliveries.filter((d) => d.sink === sink && d.raw.includes(reference)).length;

  /** Every sink got the same events: the webhook and Event Grid in the same order, one chat message per event. */
  async function expectEverySink(subject: string, reference: string, expected: string[] | RegExp): Promise<void> {
    await stack.waitForDeliveries();
    const types = webhookTypes(subject);
    if (Array.isArray(expected)) expect(types).toEqual(expected);
    else expect(types.join(" ")).toMatch(expected);
    expect(eventGridTypes(subject)).toEqual(types);
    expect(chatCount("teams", reference)).toBe(types.length);
    expect(chatCount("slack", reference)).toBe(types.length);
    // Each occurrence once: no event id twice at one sink.
    const ids = stack.notifyReceiver.deliveries
      .filter((d) => d.sink === "webhook" && (d.body as { subject?: string }).subject === subject)
      .map((d) => d.headers["webhook-id"]);
    expect(new Set(ids).size).toBe(ids.length);
  }

  it("clean image: quarantined, scan completed, released", async () => {
    const { reference, subject } = await pushImage("notify/clean-app");
    const done = await stack.waitForStatus(reference, finished);
    expect((done.outcome as { result: string }).result).toBe("Passed");
    await expectEverySink(subject, reference, ["image.quarantined", "scan.completed", "image.released"]);
    const released = stack.eventGrid.events.find((e) => e.subject === subject && e.type.endsWith("image.released"))!;
    expect(released.source).toBe(stack.acr.armResourceId);
    expect(released.specversion).toBe("1.0");
    expect((released.data as { digest: string }).digest).toBe(subject.split("@")[1]);
  });

  it("vulnerable image: quarantined, scan completed with the counts, failed", async () => {
    const { reference, subject } = await pushImage("notify/vulnerable-app");
    const done = await stack.waitForStatus(reference, finished);
    expect((done.outcome as { result: string }).result).toBe("Failed");
    await expectEverySink(subject, reference, ["image.quarantined", "scan.completed", "image.failed"]);
    const scanned = stack.notifyReceiver.deliveries.find(
      (d) =>
        d.sink === "webhook" &&
        (d.body as { subject?: string; type: string }).subject === subject &&
        d.raw.includes("scan.completed"),
    )!;
    const data = (
      scanned.body as { data: { decision: string; severityCounts: Record<string, number>; policyVersion: string } }
    ).data;
    expect(data.decision).toBe("fail");
    expect(Object.values(data.severityCounts).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(data.policyVersion).toMatch(/^[0-9a-f]{12}$/);
  });

  it("approval given: requested (with a link), maybe reminded, given, released", async () => {
    const { reference, subject } = await pushImage("notify/risky-app");
    const waiting = await stack.waitForStatus(reference, (b) => b.stage === "awaiting-approval");
    const decided = await fetch(`${stack.devhost.url}/api/approvals/${String(waiting.instanceId)}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${await stack.personToken("approver")}` },
      body: JSON.stringify({ approve: true, reason: "reviewed, fine" }),
    });
    expect(decided.status).toBe(202);
    const done = await stack.waitForStatus(reference, finished);
    expect((done.outcome as { result: string }).result).toBe("Passed");
    await expectEverySink(
      subject,
      reference,
      /^image\.quarantined scan\.completed approval\.requested (approval\.reminder )*approval\.given image\.released$/,
    );
    const requested = stack.notifyReceiver.deliveries.find(
      (d) =>
        d.sink === "webhook" &&
        (d.body as { subject?: string }).subject === subject &&
        d.raw.includes("approval.requested"),
    )!;
    const links = (requested.body as { data: { links: { approval: string } } }).data.links;
    expect(links.approval).toContain("/api/images/status?image=");
  });

  it("approval deadline: requested, reminded at 50 % and 90 %, failed", async () => {
    const { reference, subject } = await pushImage("notify/risky-late");
    const done = await stack.waitForStatus(reference, finished, 60_000);
    expect((done.outcome as { result: string }).result).toBe("Failed");
    await expectEverySink(subject, reference, [
      "image.quarantined",
      "scan.completed",
      "approval.requested",
      "approval.reminder",
      "approval.reminder",
      "image.failed",
    ]);
    const percents = stack.eventGrid.events
      .filter((e) => e.subject === subject && e.type.endsWith("approval.reminder"))
      .map((e) => (e.data as { percent: number }).percent);
    expect(percents).toEqual([50, 90]);
  });

  it("scan failed: quarantined, scan failed, left quarantined", async () => {
    const { reference, subject } = await pushImage("notify/broken-app");
    const done = await stack.waitForStatus(reference, finished, 60_000);
    expect(done.stage).toBe("scan-failed");
    await expectEverySink(subject, reference, ["image.quarantined", "scan.failed", "image.left-quarantined"]);
  });

  it("break-glass: the failed image's events, then break-glass used and released", async () => {
    const { reference, subject } = await pushImage("notify/vulnerable-hotfix");
    const failed = await stack.waitForStatus(reference, finished);
    const override = await fetch(`${stack.devhost.url}/api/approvals/${String(failed.instanceId)}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${await stack.personToken("breakGlass")}` },
      body: JSON.stringify({
        approve: true,
        reason: "production outage",
        justification: "INC-4711: hotfix must ship; CVE not reachable",
      }),
    });
    expect(override.status).toBe(202);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !webhookTypes(subject).includes("image.released"))
      await new Promise((r) => setTimeout(r, 200));
    await expectEverySink(subject, reference, [
      "image.quarantined",
      "scan.completed",
      "image.failed",
      "breakglass.used",
      "image.released",
    ]);
  });

  it("sweep: one sweep.completed per registry run, with the counts and the notification dead letters", async () => {
    const run = await fetch(`${stack.devhost.url}/api/sweep/run`, {
      method: "POST",
      headers: { "x-functions-key": stack.devhost.keys.masterKey },
    });
    expect(run.status).toBe(200);
    await stack.waitForDeliveries();
    const sweeps = stack.notifyReceiver.deliveries.filter(
      (d) => d.sink === "webhook" && (d.body as { type: string }).type.endsWith("sweep.completed"),
    );
    expect(sweeps).toHaveLength(1);
    const event = sweeps[0]!.body as { subject: string; source: string; data: { counts: Record<string, number> } };
    expect(event.subject).toBe(`sweep/${stack.acr.loginServer}`);
    expect(event.source).toBe(stack.acr.armResourceId);
    expect(event.data.counts.manifests).toBeGreaterThan(0);
    expect(event.data.counts.notificationDeadLetters).toBe(0);
    expect(stack.eventGrid.events.filter((e) => e.type.endsWith("sweep.completed"))).toHaveLength(1);
  });

  it("signs every webhook per Standard Webhooks: the library's verifier accepts it and refuses a tampered body", () => {
    const signed = stack.notifyReceiver.deliveries.filter((d) => d.sink === "webhook");
    expect(signed.length).toBeGreaterThan(0);
    const verifier = new Webhook(stack.notifyReceiver.webhookSecret!);
    for (const delivery of signed) {
      expect(delivery.signature).toBe("valid");
      expect(() => verifier.verify(delivery.raw, delivery.headers)).not.toThrow();
      expect(() =>
        verifier.verify(delivery.raw.replace('"specversion":"1.0"', '"specversion":"1.1"'), delivery.headers),
      ).toThrow();
    }
  });

  it("the Event Grid stand-in refused nothing: audience and batch shape as Event Grid wants them", () => {
    expect(stack.eventGrid.refused).toEqual([]);
    expect(stack.eventGrid.events.length).toBeGreaterThan(0);
  });
});
