import type { HarborScannerClient } from "../scanning/harbor/client.js";
import { judgeScanReport } from "../scanning/judge.js";
import type { PullTokenSource } from "../scanning/pull-token.js";
import type { ImageVexSource } from "../scanning/vex/combined-source.js";
import type { PolicyDocument } from "../policy/types.js";
import type { FreshJudgement } from "./violations.js";

export interface ImageToScan {
  loginServer: string;
  repository: string;
  digest: string;
}

/** Scans a released image again and judges the report under today's policy, advisories and VEX. */
export interface Rescanner {
  rescan(image: ImageToScan, now: Date): Promise<FreshJudgement>;
}

/** Every reason is kept (none omitted): a record may close only when the judgement shows all of them. */
const ALL_REASONS = 100_000;

/**
 * Judges a fresh report under today's policy, advisories and VEX, with every reason kept: the report as the adapter
 * or the scanner gave it (a normalised outcome, or the raw body, normalised here). A report that is not usable is an
 * unusable judgement, never a pass.
 */
export async function judgeFresh(
  report: Parameters<typeof judgeScanReport>[0]["report"],
  image: ImageToScan,
  context: { policy: PolicyDocument; vex: ImageVexSource | undefined; now: Date },
): Promise<FreshJudgement> {
  const target = { repository: image.repository, digest: image.digest };
  const selection = context.vex ? await context.vex.forImage({ ...target, loginServer: image.loginServer }) : undefined;
  const judgement = judgeScanReport({
    report,
    image: target,
    policy: context.policy,
    vex: selection,
    now: context.now,
    maxReasons: ALL_REASONS,
  });
  if (!judgement.report.ok)
    return { usable: false, code: judgement.report.code ?? "report-unusable", message: "the report is unusable" };
  return {
    usable: true,
    decision: judgement.decision,
    reasons: judgement.reasons,
    omittedReasons: judgement.omittedReasons,
  };
}

export interface HarborRescannerOptions {
  scanner: HarborScannerClient;
  pullTokens: PullTokenSource;
  policy: PolicyDocument;
  vex: ImageVexSource | undefined;
  /** How long one re-scan may take before it counts as unusable. */
  deadlineMs: number;
  /** Waits between polls; injected so tests do not sleep. */
  wait: (ms: number) => Promise<void>;
}

/**
 * Re-scans through the Harbor adapter the pipeline uses (submit, poll until the report is there or the deadline
 * passes), then judges with the full judgement (src/scanning/judge.ts). Anything that is not a usable report comes back
 * as an unusable judgement, never as a pass: re-evaluation then closes nothing.
 */
export class HarborRescanner implements Rescanner {
  constructor(private readonly options: HarborRescannerOptions) {}

  async rescan(image: ImageToScan, now: Date): Promise<FreshJudgement> {
    const { scanner, pullTokens, policy, vex, deadlineMs, wait } = this.options;
    try {
      const token = await pullTokens.pullToken(image.loginServer, image.repository);
      const scanId = await scanner.submitScan({
        registry: { url: `https://${image.loginServer}`, authorization: `Bearer ${token}` },
        artifact: { repository: image.repository, digest: image.digest },
      });
      let waited = 0;
      for (;;) {
        const poll = await scanner.fetchReport(scanId);
        if (poll.state === "failed") return { usable: false, code: poll.error.code, message: poll.error.message };
        if (poll.state === "done") return await judgeFresh(poll.outcome, image, { policy, vex, now });
        const next = Math.max(500, poll.refreshAfterSeconds * 1000);
        if (waited + next > deadlineMs)
          return { usable: false, code: "rescan-deadline", message: `no report within ${deadlineMs} ms` };
        await wait(next);
        waited += next;
      }
    } catch (error) {
      return {
        usable: false,
        code: (error as { code?: string }).code ?? "rescan-failed",
        message: (error as Error).message,
      };
    }
  }
}
