import type { EffectiveRemediation } from "../policy/remediation.js";
import { dueByOf } from "../policy/remediation.js";
import type { Severity } from "../scanning/findings.js";
import { LOCK_FINDING, recordKey, type RemediationRecord } from "./records.js";
import { findingKey, findingStatuses, type FreshJudgement } from "./violations.js";

export interface ImageOnRecord {
  loginServer: string;
  repository: string;
  digest: string;
}

/** What a reconciliation did, one entry per record touched: the audit and the reminders are written from these. */
export type RemediationEvent =
  | { kind: "opened"; record: RemediationRecord }
  | { kind: "closed"; record: RemediationRecord }
  | { kind: "reminder"; record: RemediationRecord; daysBefore: number }
  | { kind: "due"; record: RemediationRecord; action: "block" | "warn" | "ask-approval" }
  | { kind: "rescan-unusable"; code: string; message: string };

export interface Reconciliation {
  /** Every record of the image after this run (closed ones included, so the store can update them). */
  records: RemediationRecord[];
  events: RemediationEvent[];
  /** What the image needs now: "block" when a deadline passed under onDue block in an unprotected repository. */
  enforcement: "none" | "block" | "warn" | "ask-approval" | "release";
}

const DAY_MS = 86_400_000;

/**
 * A blocking finding whose severity has no SLA still gets a deadline, the shortest the SLA gives (or none at all:
 * due at once): a finding that would fail the image at push must not stay released forever for want of a number.
 */
function deadline(settings: EffectiveRemediation, severity: Severity, firstSeen: Date): Date {
  const own = dueByOf(settings, severity, firstSeen);
  if (own !== undefined) return own;
  const days = Object.values(settings.sla).filter((d): d is number => typeof d === "number");
  return new Date(firstSeen.getTime() + (days.length ? Math.min(...days) : 0) * DAY_MS);
}

/**
 * Compares a fresh judgement of a released image with the records on file and the time, and says what changes:
 * new violating findings open records with a deadline; records whose finding an exception or VEX statement now covers,
 * or that no longer violate, close; reminders fall due; deadlines pass. Pure: `now` is given, nothing is read.
 *
 * Fail closed: a judgement that is unusable, or that omitted reasons, closes nothing (it cannot show a finding is
 * gone) and opens nothing; deadlines already on file still pass.
 */
export function reconcile(input: {
  image: ImageOnRecord;
  judgement: FreshJudgement | undefined;
  records: readonly RemediationRecord[];
  settings: EffectiveRemediation;
  now: Date;
}): Reconciliation {
  const { image, judgement, settings, now } = input;
  const at = now.toISOString();
  const events: RemediationEvent[] = [];
  const byKey = new Map<string, RemediationRecord>();
  for (const r of input.records) byKey.set(recordKey(r), { ...r, remindersSent: [...r.remindersSent] });

  const complete = judgement?.usable === true && judgement.omittedReasons === 0;
  if (judgement && !judgement.usable)
    events.push({ kind: "rescan-unusable", code: judgement.code, message: judgement.message });
  if (judgement?.usable && judgement.omittedReasons > 0)
    events.push({
      kind: "rescan-unusable",
      code: "reasons-omitted",
      message: `${judgement.omittedReasons} reasons were left out of the judgement; nothing is closed`,
    });

  const opened = new Set<string>();
  const wasBlocked = input.records.some((r) => r.state === "blocked");
  const lockEvents = (event: RemediationEvent) => !("record" in event) || event.record.findingId !== LOCK_FINDING;
  if (complete) {
    const statuses = findingStatuses(judgement.reasons);
    for (const status of statuses.values()) {
      if (status.status !== "violates") continue;
      const k = recordKey({ ...image, findingId: status.findingId, package: status.package });
      const known = byKey.get(k);
      if (known && known.state !== "closed") continue;
      // A finding that comes back after it was closed is tracked again from now: a new firstSeen, a new deadline.
      const dueBy = deadline(settings, status.severity, now);
      const record: RemediationRecord = {
        ...image,
        findingId: status.findingId,
        package: status.package,
        severity: status.severity,
        firstSeen: at,
        dueBy: dueBy.toISOString(),
        state: "open",
        // The opening is itself the first notice: reminders whose time has already come are not sent as well.
        remindersSent: settings.reminderDaysBefore.filter((d) => now.getTime() >= dueBy.getTime() - d * DAY_MS),
        updatedAt: at,
      };
      byKey.set(k, record);
      opened.add(k);
      events.push({ kind: "opened", record });
    }
    for (const [k, record] of byKey) {
      if (record.state === "closed" || opened.has(k)) continue;
      // The gate's lock closes only on a passing judgement (the normal gate), whatever else closed.
      if (record.findingId === LOCK_FINDING && judgement.decision !== "pass") continue;
      const status = statuses.get(findingKey(record.findingId, record.package));
      if (status?.status === "violates") continue;
      const closed: RemediationRecord = {
        ...record,
        state: "closed",
        updatedAt: at,
        closedReason:
          status?.status === "exception-applied" || status?.status === "vex-suppressed"
            ? status.status
            : "no-longer-violating",
      };
      byKey.set(k, closed);
      events.push({ kind: "closed", record: closed });
    }
  }

  let pressure: "none" | "warn" | "ask-approval" | "block" = "none";
  const action: "block" | "warn" | "ask-approval" =
    settings.onDue === "warn" ? "warn" : settings.protected ? "ask-approval" : "block";
  const strength = { none: 0, warn: 1, "ask-approval": 2, block: 3 } as const;
  for (const [k, record] of byKey) {
    if (record.state === "closed") continue;
    const due = Date.parse(record.dueBy);
    if (now.getTime() >= due) {
      if (record.state === "open") {
        const next: RemediationRecord = {
          ...record,
          state: action === "block" ? "blocked" : action === "warn" ? "warned" : "awaiting-approval",
          updatedAt: at,
        };
        byKey.set(k, next);
        events.push({ kind: "due", record: next, action });
      }
      // A record already blocked keeps the image blocked: every run re-asserts the lock (a person may have undone it).
      const needs =
        record.findingId === LOCK_FINDING
          ? "block"
          : record.state === "warned"
            ? "warn"
            : record.state === "awaiting-approval"
              ? "ask-approval"
              : action;
      if (strength[needs] > strength[pressure]) pressure = needs;
      continue;
    }
    // One reminder per run: the nearest threshold passed; the ones before it count as sent.
    const passed = settings.reminderDaysBefore.filter(
      (d) => now.getTime() >= due - d * DAY_MS && !record.remindersSent.includes(d),
    );
    if (passed.length > 0) {
      const nearest = Math.min(...passed);
      const next = {
        ...record,
        remindersSent: [...record.remindersSent, ...passed].sort((a, b) => b - a),
        updatedAt: at,
      };
      byKey.set(k, next);
      events.push({ kind: "reminder", record: next, daysBefore: nearest });
    }
  }
  // Unblocking follows the normal gate: a fresh judgement that passes, once every blocked record has closed.
  const release = pressure === "none" && wasBlocked && complete && judgement.decision === "pass";
  // The lock record's own closing is told by the release (audited as reopened), not as a finding closed.
  return {
    records: [...byKey.values()],
    events: events.filter(lockEvents),
    enforcement: release ? "release" : pressure,
  };
}
