import type { ScanRequestMessage } from "../src/scanning/queue/message.js";
import type { CallbackAnswer, CallbackClient } from "./callback.js";
import type { WorkerConfig } from "./config.js";
import { ScanRequestInvalid } from "./errors.js";
import {
  MAX_FAILURE_REASON_CHARS,
  type ScanFailureCode,
  type ScanFailureReport,
} from "../src/scanning/queue/scan-failure.js";
import type { Logger } from "./log.js";
import { encodePoisonRecord, poisonRecord, type PoisonReason } from "./poison-record.js";
import type { ReceivedRequest, WorkerQueues } from "./queues.js";
import { checkScanRequest, type CheckedScanRequest } from "./scan-request.js";
import { runTrivy, type TrivyOptions, type TrivyOutcome } from "./trivy.js";
import { isTransientScanFailure } from "../src/scanning/transient-failure.js";

/** How one request ended for this worker. */
export type HandledOutcome =
  /** The gate took the report; the request is deleted. */
  | "reported"
  /** The gate took an explicit scan failure; the request is deleted. */
  | "failure-reported"
  /** The gate already had a report for the scan (409): someone else did it; the request is deleted. */
  | "already-reported"
  /** Moved to the poison queue (with a failure posted when the callback could be trusted); deleted. */
  | "poisoned"
  /** The callback could not be reached: the request stays and comes back when its visibility runs out. */
  | "retry-later"
  /** The worker is stopping: Trivy was stopped, nothing posted, the request comes back on its own. */
  | "released";

export interface HandlerDependencies {
  config: Pick<WorkerConfig, "maxDequeueCount" | "scanTimeoutSeconds" | "trivy">;
  queues: WorkerQueues;
  callback: CallbackClient;
  log: Logger;
  now?: () => Date;
  /** Replaceable in tests of this module only; the worker always runs the real Trivy command. */
  runScanner?: (imageReference: string, pullToken: string | undefined, options: TrivyOptions) => Promise<TrivyOutcome>;
}

const SCANNER = { name: "trivy" };

/** Keeps a reason readable and short, and removes anything that is a token of this request. */
function clean(text: string, secrets: Array<string | undefined>): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join("[redacted]");
  out = out.replace(/\s+/g, " ").trim();
  return out.length > MAX_FAILURE_REASON_CHARS
    ? `${out.slice(0, MAX_FAILURE_REASON_CHARS - 1)}…`
    : out || "(no detail)";
}

function failureFor(outcome: Exclude<TrivyOutcome, { kind: "report" | "aborted" }>, timeoutSeconds: number) {
  switch (outcome.kind) {
    case "exit": {
      // The registry did not answer while Trivy pulled (the same rule the gate applies to the Harbor adapter's failed
      // scans): the gate scans again inside its deadline.
      if (isTransientScanFailure(outcome.stderrTail))
        return {
          code: "registry-unavailable" as const,
          exitCode: outcome.exitCode ?? undefined,
          reason:
            `Trivy could not pull the image (a registry or network failure) after ${outcome.durationMs} ms: ` +
            outcome.stderrTail.slice(-1500),
        };
      return {
        code: "scanner-exit" as const,
        exitCode: outcome.exitCode ?? undefined,
        reason:
          `Trivy exited ${outcome.exitCode ?? `on signal ${outcome.signal}`} after ${outcome.durationMs} ms: ` +
          outcome.stderrTail.slice(-1500),
      };
    }
    case "could-not-start":
      return { code: "scanner-exit" as const, reason: `Trivy could not be started: ${outcome.error}` };
    case "timeout":
      return {
        code: "scanner-timeout" as const,
        reason: `Trivy ran longer than the scan timeout of ${timeoutSeconds} s and was stopped: ${outcome.stderrTail.slice(-1000)}`,
      };
    case "too-large":
      return { code: "report-too-large" as const, reason: `Trivy's report is larger than ${outcome.limit} bytes` };
    case "bad-output":
      return { code: "scanner-bad-output" as const, reason: `${outcome.detail}, though it exited 0` };
  }
}

/**
 * Everything the worker does with one received request, in the order that keeps the image safe: a request is
 * deleted only after the gate has answered for it (2xx, or 409 when the scan already has its report), every way a
 * scan can go wrong is posted as an explicit failure (never as a clean report), and a request that cannot be
 * settled stays on the queue, or goes to the poison queue once it has been handed out too often.
 */
export async function handleRequest(
  deps: HandlerDependencies,
  received: ReceivedRequest,
  signal?: AbortSignal,
): Promise<HandledOutcome> {
  const now = deps.now ?? (() => new Date());
  const fields = { messageId: received.messageId, dequeueCount: received.dequeueCount };

  const deleteRequest = async () => {
    if (!(await deps.queues.delete(received)))
      deps.log("warn", "request-taken-over", { ...fields, note: "its visibility ran out; another worker has it" });
  };
  // Poison first, delete second: a crash in between leaves a duplicate poison record, never a lost request.
  const poison = async (reason: PoisonReason, detail: string, includeRequest: boolean, callback?: string) => {
    const record = poisonRecord({ reason, detail, includeRequest, callback, now: now(), ...received });
    await deps.queues.poison(encodePoisonRecord(record));
    await deleteRequest();
    deps.log("warn", "request-poisoned", { ...fields, reason, scanId: record.scanId, callback });
    return "poisoned" as const;
  };

  let checked: CheckedScanRequest;
  try {
    checked = checkScanRequest(received.messageText);
  } catch (error) {
    if (!(error instanceof ScanRequestInvalid)) throw error;
    // Nobody can be told about a message that is not a request, or whose callback must not receive its token: the
    // pipeline waiting for it fails at its scan deadline.
    if (error.kind !== "unsafe-request") return poison(error.kind, error.message, false);
    if (!error.request) throw error;
    // Readable, with a safe callback, but asking for something the worker will not do: the scan fails now.
    return settle(error.request, { code: "unsafe-request", reason: error.message });
  }
  const { message } = checked;
  const scanFields = { ...fields, scanId: message.scanId };

  if (received.dequeueCount > deps.config.maxDequeueCount) {
    const answer = await postFailure(message, {
      code: "poison",
      dequeueCount: received.dequeueCount,
      reason:
        `the scan request was handed out ${received.dequeueCount} times (more than ${deps.config.maxDequeueCount}) ` +
        "without being settled, and was moved to the poison queue",
    });
    return poison(
      "dequeue-count",
      `handed out ${received.dequeueCount} times, more than ${deps.config.maxDequeueCount}`,
      true,
      describe(answer),
    );
  }

  if (checked.pullToken === undefined)
    return settle(message, {
      code: "no-registry-credentials",
      reason: "the scan request carries no pull token, and this worker has no registry access of its own",
    });

  deps.log("info", "scan-started", { ...scanFields, image: checked.imageReference });
  const run = deps.runScanner ?? runTrivy;
  const outcome = await run(checked.imageReference, checked.pullToken, {
    ...deps.config.trivy,
    timeoutSeconds: deps.config.scanTimeoutSeconds,
    maxReportBytes: message.maxReportBytes,
    ...(signal ? { signal } : {}),
  });
  if (outcome.kind === "aborted") {
    deps.log("warn", "scan-abandoned", { ...scanFields, note: "the worker is stopping; the request will come back" });
    return "released";
  }
  if (outcome.kind !== "report") {
    const failure = failureFor(outcome, deps.config.scanTimeoutSeconds);
    deps.log("warn", "scan-failed", { ...scanFields, code: failure.code });
    return settle(message, failure, checked.pullToken);
  }

  deps.log("info", "scan-finished", { ...scanFields, durationMs: outcome.durationMs, bytes: outcome.body.length });
  const answer = await deps.callback.postReport(message.callback.url, message.callback.token, outcome.body);
  if (answer.kind === "too-large")
    return settle(message, {
      code: "report-too-large",
      reason: `the gate refused the ${outcome.body.length}-byte report as too large (413)`,
    });
  return afterAnswer(message, answer, "reported");

  async function postFailure(
    m: ScanRequestMessage,
    failure: { code: ScanFailureCode; reason: string; exitCode?: number; dequeueCount?: number },
    pullToken?: string,
  ): Promise<CallbackAnswer> {
    const body: ScanFailureReport = {
      failure: {
        ...failure,
        reason: clean(failure.reason, [m.callback.token, pullToken]),
        occurredAt: now().toISOString(),
        scanner: SCANNER,
      },
    };
    return deps.callback.postFailure(m.callback.url, m.callback.token, body);
  }

  async function settle(
    m: ScanRequestMessage,
    failure: { code: ScanFailureCode; reason: string; exitCode?: number },
    pullToken?: string,
  ): Promise<HandledOutcome> {
    return afterAnswer(m, await postFailure(m, failure, pullToken), "failure-reported");
  }

  async function afterAnswer(
    m: ScanRequestMessage,
    answer: CallbackAnswer,
    success: "reported" | "failure-reported",
  ): Promise<HandledOutcome> {
    const f = { ...fields, scanId: m.scanId };
    switch (answer.kind) {
      case "accepted":
        await deleteRequest();
        deps.log("info", success === "reported" ? "report-accepted" : "failure-accepted", f);
        return success;
      case "already-reported":
        // The gate refuses a second report for a scan (its single-use ledger): whoever got there first settled it.
        await deleteRequest();
        deps.log("info", "already-reported", f);
        return "already-reported";
      case "refused":
      case "too-large":
        return poison("callback-refused", describe(answer), true, describe(answer));
      case "unavailable":
        deps.log("warn", "callback-unavailable", { ...f, detail: answer.detail });
        return "retry-later";
    }
  }
}

function describe(answer: CallbackAnswer): string {
  switch (answer.kind) {
    case "accepted":
      return `accepted (${answer.status})`;
    case "already-reported":
      return "already reported (409)";
    case "too-large":
      return "refused as too large (413)";
    case "refused":
    case "unavailable":
      return answer.detail;
  }
}
