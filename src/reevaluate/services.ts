import type { AcrClient } from "../acr/acr-client.js";
import type { AuditLog } from "../audit/audit-log.js";
import { checkRemediation } from "../policy/remediation.js";
import type { PolicyDocument } from "../policy/types.js";
import type { HarborScannerClient } from "../scanning/harbor/client.js";
import type { QueueScanDispatcher } from "../scanning/queue/index.js";
import type { PullTokenSource } from "../scanning/pull-token.js";
import type { ImageVexSource } from "../scanning/vex/combined-source.js";
import type { ReevaluationConfig } from "../config-reevaluation.js";
import type { EnforceDeps } from "./enforce.js";
import type { ListDeps } from "./list-candidates.js";
import { LOG_ONLY_NOTIFIER, type RemediationNotifier } from "./notifier.js";
import type { ReevaluateDeps } from "./reevaluate-image.js";
import { lockedImageScanner } from "./locked-scan.js";
import { reevaluationLine } from "./log-line.js";
import { QueueRescanner } from "./queue-rescanner.js";
import type { RescanInbox } from "./rescan-inbox.js";
import { HarborRescanner, type Rescanner } from "./rescanner.js";
import type { RemediationStore } from "./store.js";

/** What the three re-evaluation activities use, built once by the composition root. */
export interface ReevaluationServices {
  list: Omit<ListDeps, never>;
  reevaluate: Omit<ReevaluateDeps, "log">;
  enforce: Omit<EnforceDeps, "log">;
  store: RemediationStore;
  /** Where queue re-scans' reports wait (the scanReports callback routes `rs-` scan ids here); undefined without a queue. */
  rescanInbox: RescanInbox | undefined;
}

export interface ReevaluationParts {
  config: ReevaluationConfig;
  acr: AcrClient;
  allowedRegistries: readonly string[];
  /** The sweep's share of each registry's ReadOps per minute (readBudgetPerMinute in src/sweep/services.ts). */
  readsPerMinute: number;
  policy: PolicyDocument;
  policyVersion: string;
  scanner: HarborScannerClient | undefined;
  /** The external scanners' queue (SCANNER_KIND=queue) and the inbox its re-scan reports come back to. */
  queue?: { dispatcher: QueueScanDispatcher; inbox: RescanInbox } | undefined;
  pullTokens: PullTokenSource;
  vex: ImageVexSource | undefined;
  audit: AuditLog;
  store: RemediationStore;
  notifier?: RemediationNotifier;
  wait?: (ms: number) => Promise<void>;
}

/** Neither a Harbor adapter nor a queue: every re-scan is unusable, so nothing opens or closes (fail closed). */
const NO_RESCAN: Rescanner = {
  rescan: async () => ({
    usable: false,
    code: "rescan-not-configured",
    message: "re-scans need a scanner (SCANNER_KIND=harbor or queue)",
  }),
};

export function buildReevaluationServices(parts: ReevaluationParts): ReevaluationServices {
  // loadPolicy has refused a policy whose remediation globs do not compile; this is for a policy built another way.
  checkRemediation(parts.policy);
  const notifier = parts.notifier ?? LOG_ONLY_NOTIFIER;
  const wait = parts.wait ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const rescanner: Rescanner = parts.scanner
    ? new HarborRescanner({
        scanner: parts.scanner,
        pullTokens: parts.pullTokens,
        policy: parts.policy,
        vex: parts.vex,
        deadlineMs: parts.config.rescanDeadlineMs,
        wait,
      })
    : parts.queue
      ? new QueueRescanner({
          queue: parts.queue.dispatcher,
          inbox: parts.queue.inbox,
          policy: parts.policy,
          vex: parts.vex,
          deadlineMs: parts.config.rescanDeadlineMs,
          wait,
        })
      : NO_RESCAN;
  // The listing walks each registry under the same read budget the sweep keeps to (its own limiter).
  const registries = parts.allowedRegistries.map((loginServer) => ({
    loginServer,
    client: parts.acr.registry(loginServer, { requestsPerMinute: parts.readsPerMinute }),
  }));
  return {
    store: parts.store,
    rescanInbox: parts.queue?.inbox,
    list: {
      policy: parts.policy,
      registries,
      store: parts.store,
      inUse: parts.config.inUse,
      readsPerMinute: parts.readsPerMinute,
      readsPerImage: parts.config.readsPerImage,
      maxConcurrency: parts.config.maxConcurrency,
    },
    reevaluate: {
      policy: parts.policy,
      policyVersion: parts.policyVersion,
      store: parts.store,
      rescanner,
      lockedRescanner: lockedImageScanner(
        rescanner,
        (loginServer) => parts.acr.registry(loginServer),
        (line) => console.info(reevaluationLine(line)),
      ),
      audit: parts.audit,
      notifier,
    },
    enforce: {
      registry: (loginServer) => parts.acr.registry(loginServer),
      audit: parts.audit,
      notifier,
      store: parts.store,
    },
  };
}
