import type { GateServices } from "../services.js";
import type { PollScanInput, ScanPoll, ScanSubmission, SubmitScanInput } from "../contract/index.js";
import { FindingsNotSavedError, ScannerNotConfiguredError } from "../errors.js";
import { judgeReport } from "./judge-report.js";
import { ScannerError } from "../../scanning/harbor/errors.js";
import { isTransientScanFailure, scanFailureOf } from "./scan-failures.js";

type ScanServices = Pick<
  GateServices,
  "scanner" | "queue" | "pullTokens" | "policy" | "policyVersion" | "vex" | "findings"
>;

/**
 * Starts the scan of one manifest: with a Harbor adapter (given a pull token for that repository only), or by putting
 * a request on the external scanners' queue with a single-use callback token whose hash alone is kept. A scanner,
 * registry or queue that cannot be reached is answered as a retryable failure, a refusal as a definitive one (the
 * orchestrator decides what to do inside the scan deadline); anything else unexpected fails the activity.
 */
export async function submitScan(services: ScanServices, input: SubmitScanInput): Promise<ScanSubmission> {
  try {
    return await submit(services, input);
  } catch (error) {
    const failure = scanFailureOf(error);
    if (!failure) throw error;
    return { mode: "failed", digest: input.image.digest, ...failure };
  }
}

async function submit(services: ScanServices, input: SubmitScanInput): Promise<ScanSubmission> {
  const { image } = input;
  if (services.queue) {
    const dispatched = await services.queue.dispatch(
      {
        ...image,
        ...(input.tag ? { tag: input.tag } : {}),
        ...(input.mediaType ? { mediaType: input.mediaType } : {}),
      },
      input.scanId,
      new Date(input.now),
    );
    return {
      mode: "callback",
      digest: image.digest,
      scanId: dispatched.scanId,
      callbackTokenHash: dispatched.callbackTokenHash,
    };
  }
  if (!services.scanner) throw new ScannerNotConfiguredError("no scanner is configured (SCANNER_KIND)");
  const token = await services.pullTokens.pullToken(image.loginServer, image.repository);
  const scanId = await services.scanner.submitScan({
    registry: { url: `https://${image.loginServer}`, authorization: `Bearer ${token}` },
    artifact: {
      repository: image.repository,
      digest: image.digest,
      ...(input.tag ? { tag: input.tag } : {}),
      ...(input.mediaType ? { mime_type: input.mediaType } : {}),
    },
  });
  return { mode: "poll", digest: image.digest, scanId };
}

/**
 * Asks for the report once. When it is there, it is judged right here, so only the compact verdict travels through
 * durable history (a 5,000-finding report would not). A failed scan or an unusable report is judged too: the policy
 * fails closed on it. A failed scan says whether its cause may pass (the registry or the network failed while the
 * scanner pulled, or the adapter lost the scan: a new scan may succeed); an adapter that cannot be asked right now
 * (5xx other than a failed scan, 429, no answer) is "unavailable", to be asked again. So is a report whose findings
 * rows could not be stored (judgeReport): the verdict is not handed on without them, and the next poll judges the
 * report again (the adapter keeps it), inside the scan deadline.
 */
export async function pollScan(services: ScanServices, input: PollScanInput): Promise<ScanPoll> {
  if (!services.scanner)
    throw new ScannerNotConfiguredError("polling needs a Harbor scanner adapter (SCANNER_KIND=harbor)");
  let poll: Awaited<ReturnType<NonNullable<ScanServices["scanner"]>["fetchReport"]>>;
  try {
    poll = await services.scanner.fetchReport(input.scanId);
  } catch (error) {
    if (!(error instanceof ScannerError)) throw error;
    // The adapter no longer knows the scan (restarted, evicted it): this scan is lost, a new one may succeed.
    if (error.code === "scan-unknown") return { state: "failed", error: error.message, retryable: true };
    if (error.transient) return { state: "unavailable", error: error.message };
    return { state: "failed", error: error.message, retryable: false };
  }
  if (poll.state === "pending") return { state: "pending", retryAfterMs: poll.refreshAfterSeconds * 1000 };
  if (poll.state === "failed")
    return { state: "failed", error: poll.error.message, retryable: isTransientScanFailure(poll.error.message) };
  try {
    return await judgeReport(services, input.image, poll.outcome, input.now);
  } catch (error) {
    if (error instanceof FindingsNotSavedError) return { state: "unavailable", error: error.message };
    throw error;
  }
}
