import { describe, expect, it } from "vitest";
import { parsePolicy, resolveRemediation, type Reason } from "../../../src/policy/index.js";
import { lockRecord, type RemediationRecord } from "../../../src/reevaluate/records.js";
import { reconcile } from "../../../src/reevaluate/reconcile.js";
import type { FreshJudgement } from "../../../src/reevaluate/violations.js";

const IMAGE = { loginServer: "gate.azurecr.io", repository: "team/api", digest: "sha256:" + "a".repeat(64) };
const T0 = new Date("2026-03-01T00:00:00Z");
const days = (n: number) => new Date(T0.getTime() + n * 86_400_000);
const settings = (remediation: object = {}) =>
  resolveRemediation(parsePolicy({ version: 1, remediation }), IMAGE.repository);

const finding = (id: string, severity: "Critical" | "High" | "Medium" = "Critical") => ({
  vulnerabilityId: id,
  package: "openssl",
  installedVersion: "3.0.1",
  target: "app",
  severity,
});
const blocks = (id: string, severity?: "Critical" | "High" | "Medium"): Reason => ({
  kind: "finding-blocks",
  finding: finding(id, severity),
  setting: "blockAt",
  threshold: "High",
});
const excepted = (id: string): Reason => ({
  kind: "exception-applied",
  finding: finding(id),
  exception: { index: 0, vulnerability: id, expires: "2027-01-01T00:00:00Z", approvedBy: "Ada", justification: "x" },
});
const judged = (decision: "pass" | "fail", reasons: Reason[], omittedReasons = 0): FreshJudgement => ({
  usable: true,
  decision,
  reasons,
  omittedReasons,
});

function run(records: RemediationRecord[], judgement: FreshJudgement | undefined, now: Date, remediation?: object) {
  return reconcile({ image: IMAGE, judgement, records, settings: settings(remediation), now });
}

describe("reconcile: remediation records of a released image", () => {
  it("a new Critical opens a record due in 7 days; nothing is enforced yet", () => {
    const out = run([], judged("fail", [blocks("CVE-2026-1")]), T0);
    expect(out.records).toEqual([
      expect.objectContaining({
        findingId: "CVE-2026-1",
        package: "openssl",
        severity: "Critical",
        firstSeen: T0.toISOString(),
        dueBy: days(7).toISOString(),
        state: "open",
      }),
    ]);
    expect(out.events.map((e) => e.kind)).toEqual(["opened"]);
    expect(out.enforcement).toBe("none");
  });

  it("a blocking severity with no SLA of its own gets the shortest SLA, not none", () => {
    const out = run([], judged("fail", [blocks("CVE-2026-2", "Medium")]), T0);
    expect(out.records[0]!.dueBy).toBe(days(7).toISOString());
  });

  it("reminders go out once each, nearest threshold, before dueBy; none for a time already passed at opening", () => {
    const opened = run([], judged("fail", [blocks("CVE-2026-1", "High")]), T0).records;
    expect(opened[0]!.remindersSent).toEqual([]);
    const quiet = run(opened, judged("fail", [blocks("CVE-2026-1", "High")]), days(10));
    expect(quiet.events).toEqual([]);
    const first = run(quiet.records, judged("fail", [blocks("CVE-2026-1", "High")]), days(23));
    expect(first.events).toEqual([expect.objectContaining({ kind: "reminder", daysBefore: 7 })]);
    const again = run(first.records, judged("fail", [blocks("CVE-2026-1", "High")]), days(24));
    expect(again.events).toEqual([]);
    // Both thresholds passed between runs: one reminder (the nearest), both marked sent.
    const skipped = run(opened, undefined, days(29.5));
    expect(skipped.events).toEqual([expect.objectContaining({ kind: "reminder", daysBefore: 1 })]);
    expect(skipped.records[0]!.remindersSent).toEqual([7, 1]);
    // A Critical (7 d) opened inside the 7-day reminder: only the 1-day reminder is left to send.
    const critical = run([], judged("fail", [blocks("CVE-2026-9")]), T0).records;
    expect(critical[0]!.remindersSent).toEqual([7]);
    expect(run(critical, undefined, days(6.5)).events).toEqual([
      expect.objectContaining({ kind: "reminder", daysBefore: 1 }),
    ]);
  });

  it("at dueBy under onDue block the record is blocked and the image must be blocked, every run after too", () => {
    const opened = run([], judged("fail", [blocks("CVE-2026-1")]), T0).records;
    const due = run(opened, judged("fail", [blocks("CVE-2026-1")]), days(7));
    expect(due.events).toEqual([expect.objectContaining({ kind: "due", action: "block" })]);
    expect(due.records[0]!.state).toBe("blocked");
    expect(due.enforcement).toBe("block");
    // An unusable re-scan later closes nothing and the lock is re-asserted.
    const later = run(due.records, { usable: false, code: "scan-failed", message: "down" }, days(8));
    expect(later.enforcement).toBe("block");
    expect(later.records[0]!.state).toBe("blocked");
    expect(later.events.map((e) => e.kind)).toEqual(["rescan-unusable"]);
  });

  it("deadlines pass even when no re-scan could be made (no judgement)", () => {
    const opened = run([], judged("fail", [blocks("CVE-2026-1")]), T0).records;
    expect(run(opened, undefined, days(7)).enforcement).toBe("block");
  });

  it("warn blocks nothing; a protected repository asks for approval instead", () => {
    const opened = run([], judged("fail", [blocks("CVE-2026-1")]), T0).records;
    const warned = run(opened, judged("fail", [blocks("CVE-2026-1")]), days(7), { onDue: "warn" });
    expect(warned.enforcement).toBe("warn");
    expect(warned.records[0]!.state).toBe("warned");
    const guarded = run(opened, judged("fail", [blocks("CVE-2026-1")]), days(7), { protected: true });
    expect(guarded.enforcement).toBe("ask-approval");
    expect(guarded.records[0]!.state).toBe("awaiting-approval");
  });

  it("an exception added before dueBy closes the record; nothing is blocked", () => {
    const opened = run([], judged("fail", [blocks("CVE-2026-1")]), T0).records;
    const out = run(opened, judged("pass", [excepted("CVE-2026-1")]), days(3));
    expect(out.records[0]).toMatchObject({ state: "closed", closedReason: "exception-applied" });
    expect(run(out.records, judged("pass", [excepted("CVE-2026-1")]), days(9)).enforcement).toBe("none");
  });

  it("a passing re-scan after the block closes the records and releases the image", () => {
    const opened = run([], judged("fail", [blocks("CVE-2026-1")]), T0).records;
    const blocked = run(opened, judged("fail", [blocks("CVE-2026-1")]), days(7)).records;
    const fixed = run(blocked, judged("pass", []), days(8));
    expect(fixed.records[0]).toMatchObject({ state: "closed", closedReason: "no-longer-violating" });
    expect(fixed.enforcement).toBe("release");
  });

  it("a judgement that left reasons out closes nothing (it cannot show the finding is gone)", () => {
    const opened = run([], judged("fail", [blocks("CVE-2026-1")]), T0).records;
    const out = run(opened, judged("fail", [], 40), days(1));
    expect(out.records[0]!.state).toBe("open");
    expect(out.events).toEqual([expect.objectContaining({ kind: "rescan-unusable", code: "reasons-omitted" })]);
  });

  it("the same finding seen again does not open a second record or move its deadline", () => {
    const opened = run([], judged("fail", [blocks("CVE-2026-1")]), T0).records;
    const out = run(opened, judged("fail", [blocks("cve-2026-1")]), days(2));
    expect(out.records).toHaveLength(1);
    expect(out.records[0]!.dueBy).toBe(days(7).toISOString());
  });

  it("the gate's lock keeps the image blocked until a passing judgement, then re-opens it (break-glass expiry)", () => {
    const locked = [lockRecord(IMAGE, T0.toISOString())];
    expect(run(locked, judged("fail", [blocks("CVE-2026-1")]), days(1), { onDue: "warn" }).enforcement).toBe("block");
    expect(run(locked, { usable: false, code: "x", message: "down" }, days(1)).enforcement).toBe("block");
    const passed = run(locked, judged("pass", []), days(2));
    expect(passed.enforcement).toBe("release");
    expect(passed.records[0]!.state).toBe("closed");
    expect(passed.events).toEqual([]);
  });
});
