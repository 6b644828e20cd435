import type { OrchestrationContext, Task, TimerTask } from "durable-functions";
import {
  ACTIVITY,
  EVENT,
  callActivity,
  scanId,
  waitForEvent,
  type ImageKey,
  type InspectResult,
  type PipelineInput,
  type ScanPoll,
  type ScanReportEvent,
  type ScanSubmission,
  type VerdictSummary,
} from "../contract/index.js";
import { ScanFailedError } from "../errors.js";
import type { Publish } from "./status.js";

/**
 * Scans every manifest that makes up the image, one after the other, against one deadline, and returns their
 * verdicts. A scanner that reports failure, or no report before the deadline, is a ScanFailedError: never "no
 * findings".
 */
export function* scanEveryManifest(
  context: OrchestrationContext,
  input: PipelineInput,
  inspected: InspectResult,
  deadline: Date,
  publish: Publish,
): Generator<Task, VerdictSummary[], unknown> {
  const verdicts: VerdictSummary[] = [];
  for (const [index, digest] of inspected.scanTargets.entries()) {
    const target = { ...input.image, digest };
    const id = scanId(context.df.instanceId, index, context.df.newGuid(`${context.df.instanceId}.${index}`));
    const submission = (yield callActivity(context, ACTIVITY.submitScan, {
      image: target,
      tag: input.tag,
      mediaType: inspected.isIndex ? undefined : inspected.mediaType,
      scanId: id,
      now: context.df.currentUtcDateTime.toISOString(),
    })) as ScanSubmission;
    const result: ScanPoll =
      submission.mode === "poll"
        ? yield* pollUntilDone(context, target, submission.scanId, deadline)
        : yield* awaitCallback(context, submission, target, deadline, publish);
    if (result.state === "failed")
      throw new ScanFailedError(`the scanner reports the scan of ${digest} failed: ${result.error}`);
    if (result.state === "done") verdicts.push(result.verdict);
  }
  return verdicts;
}

function missedDeadline(image: ImageKey, deadline: Date): ScanFailedError {
  return new ScanFailedError(`no scan report for ${image.digest} before the scan deadline ${deadline.toISOString()}`);
}

/** Harbor adapters: ask for the report, waiting on durable timers as the adapter says, until the scan deadline. */
function* pollUntilDone(
  context: OrchestrationContext,
  image: ImageKey,
  scanIdText: string,
  deadline: Date,
): Generator<Task, ScanPoll, unknown> {
  for (;;) {
    const poll = (yield callActivity(context, ACTIVITY.pollScan, {
      image,
      scanId: scanIdText,
      now: context.df.currentUtcDateTime.toISOString(),
    })) as ScanPoll;
    if (poll.state !== "pending") return poll;
    const now = context.df.currentUtcDateTime.getTime();
    if (now >= deadline.getTime()) throw missedDeadline(image, deadline);
    yield context.df.createTimer(new Date(Math.min(now + poll.retryAfterMs, deadline.getTime())));
  }
}

/**
 * External scanners: the report arrives through scanReports as a ScanReport event, raced against the scan deadline.
 * Events for other scans (a late report of an earlier attempt) are ignored; only this scan's token hash is published.
 * Each wait races a timer of its own (to the same deadline; the previous one is cancelled): a task already yielded is
 * never put in a new Task.any, because durable-functions then repeats its action in the action list, which the
 * devhost refuses (docs/devhost.md) and which the extension is not documented to accept.
 */
function* awaitCallback(
  context: OrchestrationContext,
  submission: Extract<ScanSubmission, { mode: "callback" }>,
  image: ImageKey,
  deadline: Date,
  publish: Publish,
): Generator<Task, ScanPoll, unknown> {
  publish("scanning", {
    pendingScan: { scanId: submission.scanId, callbackTokenHash: submission.callbackTokenHash, image },
  });
  for (;;) {
    const timeout: TimerTask = context.df.createTimer(deadline);
    const report = waitForEvent(context, EVENT.scanReport);
    const winner = (yield context.df.Task.any([report, timeout])) as Task;
    if (winner === timeout) {
      publish("scanning", { pendingScan: undefined });
      throw missedDeadline(image, deadline);
    }
    timeout.cancel();
    const event = report.result as ScanReportEvent;
    if (event.scanId !== submission.scanId) continue;
    publish("scanning", { pendingScan: undefined });
    return event.result;
  }
}
