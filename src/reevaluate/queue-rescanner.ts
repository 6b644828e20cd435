import { randomBytes } from "node:crypto";
import { rescanId } from "../pipeline/contract/ids.js";
import type { PolicyDocument } from "../policy/types.js";
import type { QueueScanDispatcher } from "../scanning/queue/index.js";
import type { ImageVexSource } from "../scanning/vex/combined-source.js";
import type { RescanInbox } from "./rescan-inbox.js";
import { judgeFresh, type ImageToScan, type Rescanner } from "./rescanner.js";
import type { FreshJudgement } from "./violations.js";

export interface QueueRescannerOptions {
  /** The pipeline's own dispatcher (same queue, same message, same callback endpoint `<STATUS_BASE_URL>/scans/{id}`). */
  queue: Pick<QueueScanDispatcher, "dispatch">;
  inbox: Pick<RescanInbox, "open" | "state" | "close">;
  policy: PolicyDocument;
  vex: ImageVexSource | undefined;
  /** How long one re-scan may take, retries included, before it counts as unusable. */
  deadlineMs: number;
  /** Waits between looks at the inbox; injected so tests do not sleep. */
  wait: (ms: number) => Promise<void>;
  /** How often to look while waiting (default 1 s, doubling to 5 s). */
  pollMs?: number;
}

const MAX_POLL_MS = 5_000;

/**
 * Re-scans through the external scanners' queue (SCANNER_KIND=queue), the default scan path: the same request message
 * the pipeline sends, with a re-scan id (`rs-…`, src/pipeline/contract/ids.ts) and a single-use callback token whose
 * hash the inbox keeps. The report comes back through the same callback endpoint, which routes re-scan ids to the
 * inbox; this activity waits for it there, then judges it with every reason kept.
 *
 * Inside the deadline, an explicit retryable failure (`registry-unavailable`: the registry was down while the scanner
 * pulled) is tried again with a new re-scan after a backoff, as the pipeline does (issue 14). Anything else that is
 * not a usable report — a definitive failure, no report by the deadline, the queue or storage failing — is an
 * unusable judgement, never a pass: re-evaluation then closes and opens nothing.
 */
export class QueueRescanner implements Rescanner {
  constructor(private readonly options: QueueRescannerOptions) {}

  async rescan(image: ImageToScan, now: Date): Promise<FreshJudgement> {
    const { deadlineMs, wait } = this.options;
    let waited = 0;
    let lastFailure: string | undefined;
    for (let attempt = 1; ; attempt += 1) {
      let outcome: Attempt;
      try {
        outcome = await this.attempt(image, now, deadlineMs - waited);
      } catch (error) {
        return {
          usable: false,
          code: (error as { code?: string }).code ?? "rescan-failed",
          message: (error as Error).message,
        };
      }
      waited += outcome.waited;
      if (outcome.kind === "judged") return outcome.judgement;
      if (outcome.kind === "deadline")
        return {
          usable: false,
          code: "rescan-deadline",
          message: `no report within ${deadlineMs} ms${lastFailure ? ` (last failure: ${lastFailure})` : ""}`,
        };
      if (!outcome.retryable) return { usable: false, code: "rescan-failed", message: outcome.error };
      lastFailure = outcome.error;
      const backoff = Math.min(1_000 * 2 ** (attempt - 1), 30_000);
      if (waited + backoff >= deadlineMs)
        return {
          usable: false,
          code: "rescan-deadline",
          message: `no report within ${deadlineMs} ms (last failure: ${outcome.error})`,
        };
      await wait(backoff);
      waited += backoff;
    }
  }

  /** One re-scan: dispatch, wait for the inbox, judge; the inbox entry is removed however it ends. */
  private async attempt(image: ImageToScan, now: Date, budgetMs: number): Promise<Attempt> {
    const { queue, inbox, policy, vex, wait } = this.options;
    const id = rescanId(image, randomBytes(8).toString("hex"));
    const target: ImageToScan = { loginServer: image.loginServer, repository: image.repository, digest: image.digest };
    try {
      await queue.dispatch(target, id, now, (scan) => inbox.open(id, scan.callbackTokenHash, target, now));
      let waited = 0;
      let interval = this.options.pollMs ?? 1_000;
      for (;;) {
        const state = await inbox.state(id);
        if (state.state === "reported")
          return { kind: "judged", waited, judgement: await judgeFresh(state.body, image, { policy, vex, now }) };
        if (state.state === "failed") return { kind: "failed", waited, error: state.error, retryable: state.retryable };
        if (waited + interval > budgetMs) return { kind: "deadline", waited };
        await wait(interval);
        waited += interval;
        interval = Math.min(interval * 2, MAX_POLL_MS);
      }
    } finally {
      await inbox.close(id).catch(() => undefined);
    }
  }
}

type Attempt =
  | { kind: "judged"; waited: number; judgement: FreshJudgement }
  | { kind: "failed"; waited: number; error: string; retryable: boolean }
  | { kind: "deadline"; waited: number };
