import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { TableClient } from "@azure/data-tables";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { buildOciImage } from "../support/oci-image.js";
import { push } from "../support/skopeo.js";
import { freshTempDir } from "../support/paths.js";

/**
 * Every sink down for the whole pipeline (the receiver and the Event Grid stand-in answer 503 to everything): the
 * image is still released, each undelivered event is a dead letter (a row, per sink), and the retries stop — each
 * event reaches each sink at most 1 + NOTIFY_MAX_RETRIES times and nothing arrives after the pipeline ended.
 */
describe("notifications with every sink down", () => {
  let stack: TestStack;
  const lines: string[] = [];
  beforeAll(async () => {
    // Everything the app writes to the console in this process (the devhost runs the app here): dead-letter lines too.
    for (const level of ["log", "info", "warn", "error"] as const) {
      const original = console[level].bind(console);
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(" "));
        original(...args);
      });
    }
    stack = await startTestStack({ settings: { NOTIFY_DELIVERY_BUDGET: "PT3S", NOTIFY_MAX_RETRIES: "2" } });
    stack.notifyReceiver.failWith = 503;
    stack.eventGrid.failWith = 503;
  });
  afterAll(async () => stack?.stop());

  it("releases the image anyway, records the dead letters, and retries nothing forever", async () => {
    const image = await buildOciImage(freshTempDir("img"));
    const repository = "notify-down/clean-app";
    const result = await push(image.layoutRef, `${stack.acr.loginServer}/${repository}:v1`, {
      certDir: stack.acr.certDir,
      creds: stack.pushCreds,
    });
    expect(result.code, result.stderr).toBe(0);
    const reference = `${stack.acr.loginServer}/${repository}@${image.manifestDigest}`;
    const pushedAt = Date.now();
    const done = await stack.waitForStatus(
      reference,
      (b) => ["Completed", "Failed", "Terminated"].includes(String(b.runtimeStatus)),
      90_000,
    );
    const releasedAfterMs = Date.now() - pushedAt;
    expect(done.runtimeStatus).toBe("Completed");
    expect((done.outcome as { result: string }).result).toBe("Passed");
    expect((done.timeline as Array<{ action: string }>).map((r) => r.action)).toContain("released");
    // A figure, not an assertion: what three undelivered events cost this pipeline.
    console.log(`sink-down: released ${releasedAfterMs} ms after the push`);

    // Dead letters: 3 events (quarantined, scan completed, released) × 4 sinks.
    const table = TableClient.fromConnectionString(stack.azurite.connectionString, "QuarantineGateNotifyDeadLetters", {
      allowInsecureConnection: true,
    });
    const letters: Array<{ sink: string; type: string; subject: string; error: string }> = [];
    for await (const row of table.listEntities<{ sink: string; type: string; subject: string; error: string }>())
      if (row.subject === `${repository}@${image.manifestDigest}`) letters.push(row);
    expect(letters).toHaveLength(12);
    expect(new Set(letters.map((l) => l.sink))).toEqual(new Set(["eventgrid", "webhook", "teams", "slack"]));
    for (const letter of letters) {
      expect(letter.error).toMatch(/answered 503/);
      expect(letter.error).not.toMatch(/127\.0\.0\.1|localhost|hooks\//);
    }

    // Bounded retries: each event at most 3 times at each webhook sink, and nothing more once the pipeline ended.
    const perEvent = new Map<string, number>();
    for (const attempt of stack.notifyReceiver.attempts.filter((a) => a.sink === "webhook"))
      perEvent.set(attempt.id!, (perEvent.get(attempt.id!) ?? 0) + 1);
    expect(perEvent.size).toBe(3);
    for (const count of perEvent.values()) expect(count).toBeLessThanOrEqual(3);
    expect(stack.eventGrid.attempts).toBeLessThanOrEqual(9);
    // The dead letters were logged, and no line names a sink URL or the webhook secret.
    expect(lines.filter((l) => l.includes('"stage":"dead-letter"')).length).toBeGreaterThanOrEqual(12);
    for (const line of lines) {
      expect(line).not.toContain(stack.notifyReceiver.url);
      expect(line).not.toContain(stack.notifyReceiver.webhookSecret!);
      expect(line).not.toMatch(/\/hooks\/(webhook|teams|slack)/);
    }
    const settled = stack.notifyReceiver.attempts.length;
    await new Promise((r) => setTimeout(r, 4_000));
    expect(stack.notifyReceiver.attempts.length).toBe(settled);
  });
});
