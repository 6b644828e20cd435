import type { InvocationContext } from "@azure/functions";
import type { OrchestrationContext, Task } from "durable-functions";
import type { ImageKey } from "./image.js";
import { ACTIVITY_RETRY } from "./retry.js";

/**
 * The re-evaluation contract (docs/reevaluation.md): names, payloads and registration of the orchestrations and
 * activities that re-judge released images, kept apart from the pipeline's names so neither grows the other's tables.
 * Renaming one breaks instances already running, as for the pipeline's names.
 */
export const REEVALUATION_ORCHESTRATION = {
  /** One per timer tick: lists the released images to re-judge, fans out in bounded batches, enforces deadlines. */
  reevaluationRun: "reevaluationRun",
} as const;

export const REEVALUATION_ACTIVITY = {
  /** Lists the images a run re-evaluates (window, in-use list, live records) and the concurrency the budget allows. */
  listReevaluationCandidates: "listReevaluationCandidates",
  /** Re-scans and re-judges one released image, reconciles its remediation records, audits and reminds. */
  reevaluateImage: "reevaluateImage",
  /** Blocks (readEnabled=false, quarantineState=Failed) or re-opens (readEnabled=true, Passed) one image; reads back. */
  enforceRemediation: "enforceRemediation",
} as const;

/** What a repeat of each activity does (Durable runs activities at least once; see ACTIVITY_IDEMPOTENCY). */
export const REEVALUATION_IDEMPOTENCY: Readonly<Record<ReevaluationActivityName, string>> = {
  listReevaluationCandidates: "Read only: a repeat lists again.",
  reevaluateImage:
    "Records are keyed by image, finding and package and written with the state the reconciliation computed from the records read; a repeat reads the records the first run wrote and computes no new openings or reminders for them (reminders already sent are on the record). Audit rows are keyed by run, image and event, insert-if-absent.",
  enforceRemediation:
    "Reads the manifest first and sends each PATCH only when readEnabled or quarantineState differ; the read-back proves the outcome. The audit row is keyed by run and image, insert-if-absent.",
};

export type ReevaluationActivityName = (typeof REEVALUATION_ACTIVITY)[keyof typeof REEVALUATION_ACTIVITY];

export interface ReevaluationRunInput {
  /** The tick that started it (the timer's schedule time, RFC 3339); part of the instance id and every audit key. */
  runId: string;
  /** Set when a run continues as new: the candidates not yet handled, and the concurrency chosen at the start. */
  remaining?: ReevaluationCandidate[];
  concurrency?: number;
  /** Totals so far, carried across continue-as-new. */
  totals?: ReevaluationTotals;
}

export interface ReevaluationCandidate {
  image: ImageKey;
  why: ("window" | "in-use" | "open-records" | "exception-expired")[];
}

export interface CandidateList {
  candidates: ReevaluationCandidate[];
  /** How many images to re-evaluate at once: inside the registry read budget the sweep also respects. */
  concurrency: number;
}

export interface ReevaluateImageInput {
  runId: string;
  image: ImageKey;
  /** The orchestration's replay-safe time: the records' clock. */
  now: string;
  /** Why: a scheduled run, a break-glass release that expired, or an exception that expired. */
  purpose: "scheduled" | "break-glass-expiry" | "exception-expiry";
}

export type Enforcement = "none" | "block" | "warn" | "ask-approval" | "release";

export interface ReevaluateImageResult {
  enforcement: Enforcement;
  /** The fresh verdict; "unusable" when the re-scan gave no usable judgement (nothing closed, nothing opened). */
  decision: "pass" | "fail" | "needsApproval" | "unusable";
  opened: number;
  closed: number;
  reminders: number;
  due: number;
  /** One line for people: why the enforcement (shown in quarantineDetails and the audit). */
  summary: string;
}

export interface EnforceRemediationInput {
  runId: string;
  image: ImageKey;
  action: "block" | "release";
  reason: string;
  now: string;
}

export interface EnforceRemediationResult {
  /** What the registry showed after the write (read back). */
  readEnabled: boolean;
  quarantineState: string | undefined;
  /** False when the registry refused quarantineState=Failed on a Passed manifest: the lock alone holds. */
  quarantineStateWritten: boolean;
}

export interface ReevaluationTotals {
  images: number;
  blocked: number;
  released: number;
  warned: number;
  askedApproval: number;
  unusable: number;
  failedActivities: number;
}

export interface ReevaluationActivityPayloads {
  listReevaluationCandidates: { input: { runId: string; now: string }; output: CandidateList };
  reevaluateImage: { input: ReevaluateImageInput; output: ReevaluateImageResult };
  enforceRemediation: { input: EnforceRemediationInput; output: EnforceRemediationResult };
}

/** `re-<runId>`: one run per timer tick, so a tick delivered twice starts one run. */
export function reevaluationInstanceId(runId: string): string {
  return `re-${runId.replace(/[^0-9A-Za-z]/g, "")}`;
}

/** Schedules a re-evaluation activity with the pipeline's one retry policy. */
export function callReevaluationActivity<N extends ReevaluationActivityName>(
  context: OrchestrationContext,
  name: N,
  input: ReevaluationActivityPayloads[N]["input"],
): Task {
  return context.df.callActivityWithRetry(name, ACTIVITY_RETRY, input);
}

/**
 * The handler of a re-evaluation activity, typed by its contract name. Function files register it with
 * `df.app.activity("<name>", { handler })` spelling the name out (the deployment-package test reads registrations
 * by their literal names); `reevaluationActivityHandler` refuses a name that is not in the contract, and
 * test/unit/reevaluate/registrations.test.ts checks the file registers every name exactly once. (The pipeline's
 * observeActivity is keyed by the pipeline's own activity facts; these activities write their own event lines.)
 */
export function reevaluationActivityHandler<N extends ReevaluationActivityName>(
  name: N,
  handler: (
    input: ReevaluationActivityPayloads[N]["input"],
    context: InvocationContext,
  ) => Promise<ReevaluationActivityPayloads[N]["output"]>,
): (input: unknown, context: InvocationContext) => Promise<ReevaluationActivityPayloads[N]["output"]> {
  if (!Object.values(REEVALUATION_ACTIVITY).includes(name)) throw new Error(`not a re-evaluation activity: ${name}`);
  return (input: unknown, context: InvocationContext) =>
    handler(input as ReevaluationActivityPayloads[N]["input"], context);
}
