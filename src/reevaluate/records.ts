import type { Severity } from "../scanning/findings.js";

/**
 * Where a remediation record stands:
 * - `open`: the finding violates the policy on a released image and its deadline has not passed;
 * - `closed`: an exception or VEX statement now covers it, or it is no longer found or no longer violating;
 * - `blocked`: its deadline passed and the gate locked the image (readEnabled=false, quarantineState=Failed);
 * - `warned`: its deadline passed under `onDue: warn`: said, nothing blocked;
 * - `awaiting-approval`: its deadline passed in a protected repository: a person must approve the block.
 */
export type RecordState = "open" | "closed" | "blocked" | "warned" | "awaiting-approval";

export type CloseReason =
  | "exception-applied"
  | "vex-suppressed"
  | "no-longer-found"
  | "no-longer-violating"
  /** A person with Quarantine.Approver released the blocked image; a finding still there opens anew (a new SLA). */
  | "approved-release";

/** One violating finding on one released image, tracked until it is fixed, excused or enforced. */
export interface RemediationRecord {
  loginServer: string;
  repository: string;
  digest: string;
  /** The vulnerability id (CVE-…, GHSA-…) as the scanner reported it. */
  findingId: string;
  package: string;
  severity: Severity;
  /** RFC 3339: when a re-evaluation first saw it violate. */
  firstSeen: string;
  /** RFC 3339: firstSeen + the SLA of its severity. */
  dueBy: string;
  state: RecordState;
  /** Which reminders (days before dueBy) went out. */
  remindersSent: number[];
  /** RFC 3339: when the state last changed. */
  updatedAt: string;
  closedReason?: CloseReason;
}

/** The identity of a record: one per image, finding and package. */
export function recordKey(
  r: Pick<RemediationRecord, "loginServer" | "repository" | "digest" | "findingId" | "package">,
): string {
  return [r.loginServer, r.repository, r.digest, r.findingId.toUpperCase(), r.package].join("|");
}

/** Open and due-but-not-closed records still count against the image. */
export function isLive(record: RemediationRecord): boolean {
  return record.state !== "closed";
}

/**
 * The record the gate keeps while it holds an image locked (written by the block, src/reevaluate/enforce.ts): it keeps
 * the image blocked on every run, and closes only on a passing fresh judgement, which then re-opens the image. So an
 * image blocked at a break-glass expiry, with no finding record of its own, is released by the normal gate too.
 */
export const LOCK_FINDING = "gate:lock";

export function lockRecord(
  image: { loginServer: string; repository: string; digest: string },
  at: string,
): RemediationRecord {
  return {
    ...image,
    findingId: LOCK_FINDING,
    package: "",
    severity: "Unknown",
    firstSeen: at,
    dueBy: at,
    state: "blocked",
    remindersSent: [],
    updatedAt: at,
  };
}
