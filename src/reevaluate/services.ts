import type { AcrClient } from "../acr/acr-client.js";
import type { AuditLog } from "../audit/audit-log.js";
import { checkRemediation } from "../policy/remediation.js";
import type { PolicyDocument } from "../policy/types.js";
import type { HarborScannerClient } from "../scanning/harbor/client.js";
import type { PullTokenSource } from "../scanning/pull-token.js";
import type { ImageVexSource } from "../scanning/vex/combined-source.js";
import type { ReevaluationConfig } from "../config-reevaluation.js";
import type { EnforceDeps } from "./enforce.js";
import type { ListDeps } from "./list-candidates.js";
import { LOG_ONLY_NOTIFIER, type RemediationNotifier } from "./notifier.js";
import type { ReevaluateDeps } from "./reevaluate-image.js";
import { lockedImageScanner } from "./locked-scan.js";
import { reevaluationLine } from "./log-line.js";
import { HarborRescanner, type Rescanner } from "./rescanner.js";
import type { RemediationStore } from "./store.js";

/** What the three re-evaluation activities use, built once by the composition root. */
export interface ReevaluationServices {
  list: Omit<ListDeps, never>;
  reevaluate: Omit<ReevaluateDeps, "log">;
  enforce: Omit<EnforceDeps, "log">;
  store: RemediationStore;
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
  pullTokens: PullTokenSource;
  vex: ImageVexSource | undefined;
  audit: AuditLog;
  store: RemediationStore;
  notifier?: RemediationNotifier;
  wait?: (ms: number) => Promise<void>;
}

/**
 * Without a Harbor adapter (SCANNER_KIND=queue) there is no synchronous re-scan yet: every re-scan is unusable, so
 * re-evaluation opens and closes nothing, but the deadlines already on file still pass (docs/reevaluation.md).
 */
const NO_RESCAN: Rescanner = {
  rescan: async () => ({
    usable: false,
    code: "rescan-not-configured",
    message: "re-scans need a Harbor scanner adapter (SCANNER_KIND=harbor)",
  }),
};

export function buildReevaluationServices(parts: ReevaluationParts): ReevaluationServices {
  // loadPolicy has refused a policy whose remediation globs do not compile; this is for a policy built another way.
  checkRemediation(parts.policy);
  const notifier = parts.notifier ?? LOG_ONLY_NOTIFIER;
  const rescanner = parts.scanner
    ? new HarborRescanner({
        scanner: parts.scanner,
        pullTokens: parts.pullTokens,
        policy: parts.policy,
        vex: parts.vex,
        deadlineMs: parts.config.rescanDeadlineMs,
        wait: parts.wait ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      })
    : NO_RESCAN;
  // The listing walks each registry under the same read budget the sweep keeps to (its own limiter).
  const registries = parts.allowedRegistries.map((loginServer) => ({
    loginServer,
    client: parts.acr.registry(loginServer, { requestsPerMinute: parts.readsPerMinute }),
  }));
  return {
    store: parts.store,
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
