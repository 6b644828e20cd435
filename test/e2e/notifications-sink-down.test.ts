import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { TableClient } from "@azure/data-tables";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { buildOciImage } from "../support/oci-image.js";
import { push } from "../support/skopeo.js";
import { freshTempDir } from "../support/paths.js";

/**
 * Every sink down for a whole pipeline (the receiver and the Event Grid stand-in answer 503 to everything), against
 * the same pipeline with the sinks up. The pipeline only hands its events off (notify starts a notifyEvent
 * orchestration per event, which serves every sink), so the release is on time by construction, and the test shows it without a
 * clock: the down pipeline's history is step for step the up pipeline's (no extra wait, retry or timer), and the
 * decision is written before the first dead letter exists. Then the deliveries end: each (event, sink) is a dead
 * letter after exactly 1 + NOTIFY_MAX_RETRIES attempts, and no delivery is left running — nothing retries forever.
 */
describe("notifications with every sink down", () => {
  let stack: TestStack;
  const lines: string[] = [];
  const RETRIES = 2;
  beforeAll(async () => {
    // Everything the app writes to the console in this process (the devhost runs the app here): dead-letter lines too.
    for (const level of ["log", "info", "warn", "error"] as const) {
      const original = console[level].bind(console);
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(" "));
        original(...args);
      });
    }
    // 5 s, then 10 s between attempts: the first dead letter is at least 15 s of durable timers after its event.
    stack = await startTestStack({
      settings: { NOTIFY_DELIVERY_BUDGET: "PT3S", NOTIFY_MAX_RETRIES: String(RETRIES), NOTIFY_RETRY_INTERVAL: "PT5S" },
    });
  });
  afterAll(async () => stack?.stop());

  const deadLetterTable = () =>
    TableClient.fromConnectionString(stack.azurite.connectionString, "QuarantineGateNotifyDeadLetters", {
      allowInsecureConnection: true,
    });
  type Letter = { sink: string; type: string; subject: string; error: string; attempts: number; at: string };
  async function deadLettersOf(subject: string): Promise<Letter[]> {
    const letters: Letter[] = [];
    try {
      for await (const row of deadLetterTable().listEntities<Letter>()) if (row.subject === subject) letters.push(row);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error; // no dead letter table yet
    }
    return letters;
  }

  async function pushAndRelease(repository: string) {
    const image = await buildOciImage(freshTempDir("img"));
    const result = await push(image.layoutRef, `${stack.acr.loginServer}/${repository}:v1`, {
      certDir: stack.acr.certDir,
      creds: stack.pushCreds,
    });
    expect(result.code, result.stderr).toBe(0);
    const reference = `${stack.acr.loginServer}/${repository}@${image.manifestDigest}`;
    const done = await stack.waitForStatus(
      reference,
      (b) => ["Completed", "Failed", "Terminated"].includes(String(b.runtimeStatus)),
      90_000,
    );
    return { reference, subject: `${repository}@${image.manifestDigest}`, done };
  }

  /** The pipeline's own steps from its durable history: what it scheduled and waited for, in order. */
  async function pipelineSteps(instanceId: string) {
    const response = await fetch(
      `${stack.devhost.url}/runtime/webhooks/durabletask/instances/${instanceId}?showHistory=true&showHistoryOutput=true`,
      { headers: { "x-functions-key": stack.devhost.keys.durableSystemKey } },
    );
    expect(response.status).toBe(200);
    const history = ((await response.json()) as { historyEvents: Array<Record<string, unknown>> }).historyEvents;
    // Scheduling events are folded into their completions (FunctionName), as the extension's status API shows them.
    const steps = history
      .filter((e) => ["TaskCompleted", "TaskFailed", "TimerCreated", "TimerFired"].includes(String(e.EventType)))
      .map((e) => `${String(e.EventType)}:${String(e.FunctionName ?? "")}`);
    const notified = history
      .filter((e) => e.EventType === "TaskCompleted" && e.FunctionName === "notify")
      .map(
        (e) =>
          (typeof e.Result === "string" ? JSON.parse(e.Result) : e.Result) as {
            sinks: number;
            started: number;
            error?: string;
          },
      );
    return { steps, notified };
  }

  let up: Awaited<ReturnType<typeof pipelineSteps>>;

  it("with the sinks up: the reference pipeline, every event delivered", async () => {
    const { subject, done } = await pushAndRelease("notify-up/clean-app");
    expect((done.outcome as { result: string }).result).toBe("Passed");
    await stack.waitForDeliveries();
    up = await pipelineSteps(String(done.instanceId));
    expect(up.steps.filter((s) => s === "TaskCompleted:notify")).toHaveLength(3);
    expect(up.notified).toHaveLength(3);
    expect(await deadLettersOf(subject)).toEqual([]);
    const delivered = stack.notifyReceiver.deliveries.filter(
      (d) => d.sink === "webhook" && (d.body as { subject?: string }).subject === subject,
    );
    expect(delivered).toHaveLength(3);
  });

  it("with every sink down: released with the same steps, before any dead letter; then bounded dead letters", async () => {
    stack.notifyReceiver.failWith = 503;
    stack.eventGrid.failWith = 503;
    const { reference, subject, done } = await pushAndRelease("notify-down/clean-app");
    // The decision is written, and no delivery has given up yet: the pipeline waited for none of them.
    const lettersAtRelease = await deadLettersOf(subject);
    expect(done.runtimeStatus).toBe("Completed");
    expect((done.outcome as { result: string }).result).toBe("Passed");
    const timeline = done.timeline as Array<{ action: string; at?: string }>;
    expect(timeline.map((r) => r.action)).toContain("released");
    expect(lettersAtRelease).toEqual([]);

    // The same pipeline as with the sinks up, step for step: no wait, retry or timer for a sink that is down.
    const down = await pipelineSteps(String(done.instanceId));
    expect(down.steps).toEqual(up.steps);
    expect(down.steps.some((s) => s === "TaskFailed:notify")).toBe(false);
    // Each notify handed its event to all four sinks' deliveries and returned.
    expect(down.notified).toHaveLength(3);
    for (const result of down.notified) expect(result).toMatchObject({ sinks: 4, started: 4 });

    // The deliveries end by themselves, one per event (notifyEvent), each sink a dead letter, none Pending or Running.
    await stack.waitForDeliveries();
    const deliveries = (await stack.deliveries()).filter(
      (d) =>
        (d.input as { request?: { image?: { digest?: string } } }).request?.image?.digest === subject.split("@")[1],
    );
    expect(deliveries).toHaveLength(3);
    for (const delivery of deliveries) {
      expect(delivery.runtimeStatus).toBe("Completed");
      expect(delivery.instanceId).toMatch(/^ntf-[0-9a-f]+$/);
      const sinks = (delivery.output as { sinks: Array<{ sink: string; result: string }> }).sinks;
      expect(sinks.map((s) => s.sink).sort()).toEqual(["eventgrid", "slack", "teams", "webhook"]);
      for (const sink of sinks) expect(sink.result).toBe("dead-letter");
    }

    // Dead letters: 3 events (quarantined, scan completed, released) × 4 sinks, each after exactly 1 + 2 attempts.
    const letters = await deadLettersOf(subject);
    expect(letters).toHaveLength(12);
    expect(new Set(letters.map((l) => l.sink))).toEqual(new Set(["eventgrid", "webhook", "teams", "slack"]));
    const releasedAt = Date.parse(timeline.find((r) => r.action === "released")!.at!);
    expect(Number.isFinite(releasedAt)).toBe(true);
    for (const letter of letters) {
      expect(letter.error).toMatch(/answered 503/);
      expect(letter.error).not.toMatch(/127\.0\.0\.1|localhost|hooks\//);
      expect(letter.attempts).toBe(1 + RETRIES);
      // Recorded after the decision (each waited its two durable retry timers; the decision waited for none).
      expect(Date.parse(letter.at)).toBeGreaterThan(releasedAt);
    }
    // Bounded retries, counted at the sinks: each event exactly 1 + 2 times at the webhook, 3 events × 3 at Event Grid.
    const perEvent = new Map<string, number>();
    for (const attempt of stack.notifyReceiver.attempts.filter((a) => a.sink === "webhook" && a.status === 503))
      perEvent.set(attempt.id!, (perEvent.get(attempt.id!) ?? 0) + 1);
    expect(perEvent.size).toBe(3);
    for (const count of perEvent.values()) expect(count).toBe(1 + RETRIES);
    expect(stack.eventGrid.attempts).toBeGreaterThanOrEqual(3 * (1 + RETRIES));

    // The dead letters were logged, and no line names a sink URL or the webhook secret.
    expect(lines.filter((l) => l.includes('"stage":"dead-letter"') && l.includes(reference)).length).toBe(12);
    for (const line of lines) {
      expect(line).not.toContain(stack.notifyReceiver.url);
      expect(line).not.toContain(stack.notifyReceiver.webhookSecret!);
      expect(line).not.toMatch(/\/hooks\/(webhook|teams|slack)/);
    }
  });
});
