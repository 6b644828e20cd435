import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import {
  REEVALUATION_ACTIVITY,
  callReevaluationActivity,
  type CandidateList,
  type EnforceRemediationResult,
  type ReevaluateImageResult,
  type ReevaluationCandidate,
  type ReevaluationRunInput,
  type ReevaluationTotals,
} from "../contract/reevaluation.js";

/** Images handled by one execution before it continues as new, so the history stays small on a 10,000-image run. */
export const IMAGES_PER_EXECUTION = 200;

const EMPTY: ReevaluationTotals = {
  images: 0,
  blocked: 0,
  released: 0,
  warned: 0,
  askedApproval: 0,
  unusable: 0,
  failedActivities: 0,
};

/** What one image's re-evaluation asks the run to do next; pure, so the replay tests can check it alone. */
export function enforcementStep(result: ReevaluateImageResult): "block" | "release" | undefined {
  return result.enforcement === "block" ? "block" : result.enforcement === "release" ? "release" : undefined;
}

/**
 * One re-evaluation run (docs/reevaluation.md): list the candidates once, then re-evaluate them `concurrency` at a
 * time (the bound the read budget allows), and for each image whose deadline passed block it (readEnabled=false,
 * quarantineState=Failed), or re-open one whose blocked findings all closed under a passing verdict. An image whose
 * activity fails after its retries is counted and left as it was (its records and deadlines stay on file for the next
 * run): one image never stops the run. Deterministic: time only from context.df.currentUtcDateTime, no I/O.
 */
export const reevaluationRun: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<ReevaluationRunInput>();
  const now = () => context.df.currentUtcDateTime.toISOString();
  let remaining: ReevaluationCandidate[];
  let concurrency: number;
  if (input.remaining === undefined) {
    const list = (yield callReevaluationActivity(context, REEVALUATION_ACTIVITY.listReevaluationCandidates, {
      runId: input.runId,
      now: now(),
    })) as CandidateList;
    remaining = list.candidates;
    concurrency = Math.max(1, Math.floor(list.concurrency));
  } else {
    remaining = input.remaining;
    concurrency = Math.max(1, Math.floor(input.concurrency ?? 1));
  }
  const totals: ReevaluationTotals = { ...EMPTY, ...input.totals };
  const thisExecution = remaining.slice(0, IMAGES_PER_EXECUTION);
  const later = remaining.slice(IMAGES_PER_EXECUTION);
  context.df.setCustomStatus({ runId: input.runId, stage: "reevaluating", left: remaining.length, totals });

  for (let start = 0; start < thisExecution.length; start += concurrency) {
    const batch = thisExecution.slice(start, start + concurrency);
    const at = now();
    const tasks: Task[] = batch.map((candidate) =>
      callReevaluationActivity(context, REEVALUATION_ACTIVITY.reevaluateImage, {
        runId: input.runId,
        image: candidate.image,
        now: at,
        purpose: "scheduled",
      }),
    );
    // The activity answers for its own image's failures (an unusable re-scan is a result, not an error), so only a
    // failure of the host or of every retry fails the batch; then the batch is counted as failed and left as it was.
    let results: (ReevaluateImageResult | undefined)[];
    try {
      results = (yield context.df.Task.all(tasks)) as ReevaluateImageResult[];
    } catch {
      results = batch.map(() => undefined);
    }
    const steps: { image: ReevaluationCandidate["image"]; action: "block" | "release"; reason: string }[] = [];
    results.forEach((result, index) => {
      totals.images += 1;
      if (result === undefined) return void (totals.failedActivities += 1);
      if (result.decision === "unusable") totals.unusable += 1;
      if (result.enforcement === "warn") totals.warned += 1;
      if (result.enforcement === "ask-approval") totals.askedApproval += 1;
      const action = enforcementStep(result);
      if (action !== undefined)
        steps.push({ image: (batch[index] as ReevaluationCandidate).image, action, reason: result.summary });
    });
    // Enforcements are few; each on its own, so one registry refusal does not hide another image's outcome.
    for (const step of steps) {
      try {
        const written = (yield callReevaluationActivity(context, REEVALUATION_ACTIVITY.enforceRemediation, {
          runId: input.runId,
          image: step.image,
          action: step.action,
          reason: step.reason,
          now: at,
        })) as EnforceRemediationResult;
        if (step.action === "block" && !written.readEnabled) totals.blocked += 1;
        if (step.action === "release" && written.readEnabled) totals.released += 1;
      } catch {
        totals.failedActivities += 1;
      }
    }
  }

  if (later.length > 0) {
    context.df.continueAsNew({
      runId: input.runId,
      remaining: later,
      concurrency,
      totals,
    } satisfies ReevaluationRunInput);
    return undefined;
  }
  context.df.setCustomStatus({ runId: input.runId, stage: "done", left: 0, totals });
  return totals;
};
