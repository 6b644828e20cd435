import { decisiveReasons, evaluatePolicy } from "../../policy/index.js";
import type { Verdict } from "../../policy/index.js";
import type { ReportOutcome } from "../../policy/types.js";
import type { GateServices } from "../services.js";
import type { ImageKey } from "../image-key.js";
import type { ScanPoll, ScanSubmission, VerdictSummary } from "../types.js";
import { describeReason } from "../reasons.js";

type ScanServices = Pick<GateServices, "scanner" | "pullTokens" | "policy" | "policyVersion">;

/** Asks the Harbor scanner adapter to scan one manifest, giving it a pull token for that repository only. */
export async function submitScan(services: ScanServices, input: { image: ImageKey; tag?: string; mediaType?: string }): Promise<ScanSubmission> {
  const { image } = input;
  const token = await services.pullTokens.pullToken(image.loginServer, image.repository);
  const scanId = await services.scanner.submitScan({
    registry: { url: `https://${image.loginServer}`, authorization: `Bearer ${token}` },
    artifact: { repository: image.repository, digest: image.digest, ...(input.tag ? { tag: input.tag } : {}), ...(input.mediaType ? { mime_type: input.mediaType } : {}) },
  });
  return { digest: image.digest, scanId };
}

/**
 * Asks for the report once. When it is there, it is judged right here, so only the compact verdict travels through
 * durable history (a 5,000-finding report would not). A failed scan or an unusable report is judged too: the policy
 * fails closed on it.
 */
export async function pollScan(services: ScanServices, input: { image: ImageKey; scanId: string; now: string }): Promise<ScanPoll> {
  const poll = await services.scanner.fetchReport(input.scanId);
  if (poll.state === "pending") return { state: "pending", retryAfterMs: poll.refreshAfterSeconds * 1000 };
  if (poll.state === "failed") return { state: "failed", error: poll.error.message };
  // An unusable report is judged (the policy fails closed on it); a failed scan above is not a verdict at all.
  const report: ReportOutcome = poll.outcome.ok ? poll.outcome : { ok: false, error: { code: poll.outcome.error.code, message: poll.outcome.error.message } };
  const verdict = evaluatePolicy({ policy: services.policy, image: { repository: input.image.repository, digest: input.image.digest }, report, now: input.now });
  return { state: "done", verdict: summarise(verdict, report, input.image.digest, services.policyVersion) };
}

const MAX_REASONS = 20;

function summarise(verdict: Verdict, report: ReportOutcome, digest: string, policyVersion: string): VerdictSummary {
  const counts = report.ok ? report.report.counts : {};
  return {
    decision: verdict.decision,
    platforms: [{ digest, decision: verdict.decision, reasons: decisiveReasons(verdict, MAX_REASONS).map(describeReason) }],
    severityCounts: { ...counts },
    findings: verdict.tally.findings,
    scanner: report.ok ? [report.report.scanner.name, report.report.scanner.version].filter(Boolean).join(" ") : "unknown",
    policyVersion,
    evaluatedAt: verdict.evaluatedAt,
  };
}
