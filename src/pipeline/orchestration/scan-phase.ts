import type { OrchestrationContext, Task, TimerTask } from "durable-functions";
import {
  ACTIVITY,
  EVENT,
  callActivity,
  scanId,
  scanRetryDelayMs,
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
 * verdicts. Transient failures (the registry or the scanner down or busy, see steps/scan-failures.ts) are tried again
 * on durable timers (SCAN_RETRY) until the deadline; only a definitive scanner failure, or no report before the
 * deadline, ends the scan, as a ScanFailedError: never "no findings".
 *
 * Why durable timers here rather than activity retries bounded by the deadline: a failed scan is not a failed call
 * (the adapter answers 500 "the scan failed", and only a new scan request can help), the orchestrator alone knows the
 * deadline, and durable-functions' RetryOptions cannot tell a transient failure from a refusal, which must end the scan
 * at once. The activities answer what went wrong; the waiting happens here, deterministically, in history.
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
    const target: ImageKey = { ...input.image, digest };
    verdicts.push(yield* scanManifest(context, input, inspected, target, index, deadline, publish));
  }
  return verdicts;
}

/** One manifest: submit, wait for the report, and start over after a transient failure while the deadline allows. */
function* scanManifest(
  context: OrchestrationContext,
  input: PipelineInput,
  inspected: InspectResult,
  target: ImageKey,
  index: number,
  deadline: Date,
  publish: Publish,
): Generator<Task, VerdictSummary, unknown> {
  const retry = new RetryClock(context, input, target, deadline, publish);
  for (;;) {
    const id = scanId(context.df.instanceId, index, context.df.newGuid(`${context.df.instanceId}.${index}`));
    const submission = (yield callActivity(context, ACTIVITY.submitScan, {
      image: target,
      tag: input.tag,
      mediaType: inspected.isIndex ? undefined : inspected.mediaType,
      scanId: id,
      now: context.df.currentUtcDateTime.toISOString(),
    })) as ScanSubmission;
    let result: ScanPoll;
    if (submission.mode === "failed") {
      if (!submission.retryable)
        throw new ScanFailedError(`the scanner refused the scan of ${target.digest}: ${submission.error}`);
      result = { state: "failed", error: submission.error, retryable: true };
    } else {
      result =
        submission.mode === "poll"
          ? yield* pollUntilDone(context, target, submission.scanId, retry)
          : yield* awaitCallback(context, submission, target, deadline, publish);
    }
    if (result.state === "done") {
      retry.succeeded();
      return result.verdict;
    }
    if (result.state !== "failed" || result.retryable !== true)
      throw new ScanFailedError(
        `the scanner reports the scan of ${target.digest} failed: ${result.state === "failed" ? result.error : result.state}`,
      );
    yield* retry.waitAfter(result.error);
  }
}

/**
 * The backoff of one manifest's scan: counts transient failures in a row, publishes what failed and when the next
 * attempt starts, and waits on a durable timer that never passes the deadline. At or after the deadline it throws
 * the deadline's ScanFailedError, naming the last transient failure.
 */
class RetryClock {
  private failures = 0;

  constructor(
    private readonly context: OrchestrationContext,
    private readonly input: PipelineInput,
    private readonly image: ImageKey,
    private readonly deadline: Date,
    private readonly publish: Publish,
  ) {}

  *waitAfter(error: string): Generator<Task, void, unknown> {
    this.failures += 1;
    const now = this.context.df.currentUtcDateTime.getTime();
    if (now >= this.deadline.getTime()) throw missedDeadline(this.image, this.deadline, error);
    const next = new Date(
      Math.min(now + scanRetryDelayMs(this.failures, this.input.scanDeadlineMs), this.deadline.getTime()),
    );
    this.publish("scanning", {
      scanRetry: {
        digest: this.image.digest,
        failures: this.failures,
        error: error.slice(0, 500),
        nextAttemptAt: next.toISOString(),
      },
    });
    yield this.context.df.createTimer(next);
    if (this.context.df.currentUtcDateTime.getTime() >= this.deadline.getTime())
      throw missedDeadline(this.image, this.deadline, error);
  }

  /**
   * The scan produced its report: the failures are over. (Only a report ends them: a scanner that accepts scans but
   * fails every one while the registry is down must back off, not start over at 1 s each time.)
   */
  succeeded(): void {
    if (this.failures === 0) return;
    this.failures = 0;
    this.publish("scanning", { scanRetry: undefined });
  }

  /** The deadline has come. */
  expired(): boolean {
    return this.context.df.currentUtcDateTime.getTime() >= this.deadline.getTime();
  }

  get until(): Date {
    return this.deadline;
  }
}

function missedDeadline(image: ImageKey, deadline: Date, lastFailure?: string): ScanFailedError {
  const why = lastFailure ? ` (last transient failure: ${lastFailure.slice(0, 300)})` : "";
  return new ScanFailedError(
    `no scan report for ${image.digest} before the scan deadline ${deadline.toISOString()}${why}`,
  );
}

/**
 * Harbor adapters: ask for the report, waiting on durable timers as the adapter says, until the scan deadline. An
 * adapter that cannot be asked right now is asked again after the scan backoff; a finished or failed scan returns.
 */
function* pollUntilDone(
  context: OrchestrationContext,
  image: ImageKey,
  scanIdText: string,
  retry: RetryClock,
): Generator<Task, ScanPoll, unknown> {
  for (;;) {
    const poll = (yield callActivity(context, ACTIVITY.pollScan, {
      image,
      scanId: scanIdText,
      now: context.df.currentUtcDateTime.toISOString(),
    })) as ScanPoll;
    if (poll.state === "done" || poll.state === "failed") return poll;
    if (poll.state === "unavailable") {
      yield* retry.waitAfter(poll.error);
      continue;
    }
    if (retry.expired()) throw missedDeadline(image, retry.until);
    const now = context.df.currentUtcDateTime.getTime();
    yield context.df.createTimer(new Date(Math.min(now + poll.retryAfterMs, retry.until.getTime())));
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
