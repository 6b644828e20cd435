import { describe, expect, it } from "vitest";
import type { NotifyRequest } from "../../../src/pipeline/contract/notify.js";
import { NOTIFICATION_TYPES } from "../../../src/pipeline/contract/notify.js";
import { buildNotificationEvent, notificationEventId } from "../../../src/notify/event.js";
import { chatSummary } from "../../../src/notify/message.js";
import { notifyStreamNotifier } from "../../../src/reevaluate/notify-stream.js";
import type { RemediationEvent } from "../../../src/reevaluate/reconcile.js";
import type { RemediationRecord } from "../../../src/reevaluate/records.js";

const image = { loginServer: "contoso.azurecr.io", repository: "team/api", digest: `sha256:${"b".repeat(64)}` };
const record: RemediationRecord = {
  ...image,
  findingId: "CVE-2026-0001",
  package: "openssl",
  severity: "Critical",
  firstSeen: "2026-12-01T00:00:00.000Z",
  dueBy: "2026-12-08T00:00:00.000Z",
  state: "open",
  remindersSent: [],
  updatedAt: "2026-12-01T00:00:00.000Z",
};
const occurrence = (runId = "2026-12-07T00:00:00Z") => ({ runId, image, at: "2026-12-07T00:00:00.000Z" });

function capture(error?: string) {
  const requests: NotifyRequest[] = [];
  const notifier = notifyStreamNotifier(
    {
      handOff: async (request) => {
        requests.push(request);
        return { eventId: notificationEventId(request), sinks: 1, started: 1, ...(error ? { error } : {}) };
      },
    },
    async () => true,
    (key) => `https://gate.example/api/images/status?image=${encodeURIComponent(key.repository)}`,
  );
  return { notifier, requests };
}

describe("re-evaluation's notices on the notifications stream", () => {
  it("a reminder is a remediation.reminder with the finding, its deadline and the day, and the status link", async () => {
    const { notifier, requests } = capture();
    await notifier.notify({ kind: "reminder", record, daysBefore: 1 }, occurrence());
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      type: "remediation.reminder",
      image,
      facts: {
        findingId: "CVE-2026-0001",
        package: "openssl",
        severity: "Critical",
        dueBy: record.dueBy,
        daysBefore: 1,
      },
      statusUrl: "https://gate.example/api/images/status?image=team%2Fapi",
    });
    // The CloudEvent builds (strict mode) and the chat summary names the finding and the deadline.
    const event = buildNotificationEvent(requests[0]!, image.loginServer);
    expect(event.type).toBe("io.github.acr-quarantine-gate.remediation.reminder");
    const chat = chatSummary(event);
    expect(chat.title).toBe("Remediation reminder: team/api");
    expect(chat.facts).toContainEqual({ name: "Due by", value: record.dueBy });
  });

  it("every remediation event and enforcement maps to a declared type; an unusable re-scan is not notified", async () => {
    const { notifier, requests } = capture();
    const events: RemediationEvent[] = [
      { kind: "opened", record },
      { kind: "reminder", record, daysBefore: 7 },
      { kind: "closed", record: { ...record, state: "closed", closedReason: "vex-suppressed" } },
      { kind: "due", record, action: "block" },
      { kind: "rescan-unusable", code: "rescan-deadline", message: "no report" },
    ];
    for (const event of events) await notifier.notify(event, occurrence());
    const base = {
      image: `${image.loginServer}/${image.repository}@${image.digest}`,
      readEnabled: false,
      quarantineState: "Failed",
    };
    await notifier.notify({ kind: "reblocked", reason: "overdue", ...base }, occurrence());
    await notifier.notify(
      { kind: "reopened", reason: "passes", ...base, readEnabled: true, quarantineState: "Passed" },
      occurrence(),
    );
    expect(requests.map((r) => r.type)).toEqual([
      "remediation.opened",
      "remediation.reminder",
      "remediation.closed",
      "remediation.due",
      "image.reblocked",
      "image.reopened",
    ]);
    for (const r of requests) expect(NOTIFICATION_TYPES).toContain(r.type);
    expect(requests[2]!.facts.action).toBe("vex-suppressed");
    expect(requests[3]!.facts.action).toBe("block");
    expect(requests[4]!.facts).toMatchObject({ readEnabled: false, quarantineState: "Failed", reason: "overdue" });
  });

  it("names each occurrence once: a repeat has the same event id, another reminder day or another run does not", async () => {
    const { notifier, requests } = capture();
    await notifier.notify({ kind: "reminder", record, daysBefore: 7 }, occurrence());
    await notifier.notify({ kind: "reminder", record, daysBefore: 7 }, occurrence());
    await notifier.notify({ kind: "reminder", record, daysBefore: 1 }, occurrence());
    await notifier.notify({ kind: "reminder", record, daysBefore: 7 }, occurrence("2026-12-07T06:00:00Z"));
    const ids = requests.map(notificationEventId);
    expect(ids[0]).toBe(ids[1]);
    expect(new Set(ids).size).toBe(3);
  });

  it("the same finding in two images is two events", async () => {
    const { notifier, requests } = capture();
    const other = { ...image, repository: "team/web" };
    await notifier.notify({ kind: "opened", record }, occurrence());
    await notifier.notify({ kind: "opened", record: { ...record, ...other } }, { ...occurrence(), image: other });
    expect(new Set(requests.map(notificationEventId)).size).toBe(2);
  });

  it("a hand-off that failed is an error for the caller to log (the audit already holds the event)", async () => {
    const { notifier } = capture("ERR_NOTIFY_SETTINGS");
    await expect(notifier.notify({ kind: "opened", record }, occurrence())).rejects.toThrow(/ERR_NOTIFY_SETTINGS/);
  });
});
