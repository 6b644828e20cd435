import type { PassStore } from "../checkpoint.js";
import type { ReportStore } from "../report-store.js";
import { BLOCKING, shadowResult, type ShadowResult, type ShadowVerdict } from "./results.js";
import type { ShadowEvaluations } from "./shadow.js";

/** The backfill's answer: what would be blocked once quarantine is on, and why. */
export interface BackfillReport {
  kind: "backfill";
  registry: string;
  backfillId: string;
  startedAt: string;
  collectedAt: string;
  enumerationComplete: boolean;
  /** Manifests listed, evaluations started, and manifests the registry had already decided (not evaluated). */
  totals: Record<string, number>;
  evaluations: number;
  byVerdict: Record<ShadowVerdict, number>;
  /** Still running: collect again later for the final answer. */
  evaluating: number;
  wouldBeBlocked: { total: number; items: ShadowResult[]; truncated: number };
  reportBlob?: string;
}

const LIST_CAP = 1_000;
/** Evaluations are created after the backfill started; a minute of slack covers clock differences between hosts. */
const CLOCK_SLACK_MS = 60_000;

/** Gathers the shadow evaluations of the registry's latest backfill into a report (and stores it); undefined if none ran. */
export async function collectBackfill(deps: {
  registry: string;
  passes: PassStore;
  shadow: ShadowEvaluations;
  reports: ReportStore | undefined;
  now: () => Date;
}): Promise<BackfillReport | undefined> {
  const pass = await deps.passes.read("backfill", deps.registry);
  if (!pass || !pass.totals.manifests) return undefined;
  const statuses = await deps.shadow.list(pass.passId, new Date(Date.parse(pass.passStartedAt) - CLOCK_SLACK_MS));
  const byVerdict: Record<ShadowVerdict, number> = {
    "would-pass": 0,
    "would-fail": 0,
    "would-need-approval": 0,
    "scan-failed": 0,
    "already-decided": 0,
    evaluating: 0,
    error: 0,
  };
  const blocked: ShadowResult[] = [];
  let blockedTotal = 0;
  for (const status of statuses) {
    const result = shadowResult(status);
    byVerdict[result.verdict] += 1;
    if (BLOCKING.includes(result.verdict)) {
      blockedTotal += 1;
      if (blocked.length < LIST_CAP) blocked.push(result);
    }
  }
  blocked.sort((a, b) => a.image.localeCompare(b.image));
  const report: BackfillReport = {
    kind: "backfill",
    registry: deps.registry,
    backfillId: pass.passId,
    startedAt: pass.passStartedAt,
    collectedAt: deps.now().toISOString(),
    enumerationComplete: !pass.inProgress,
    totals: pass.totals,
    evaluations: statuses.length,
    byVerdict,
    evaluating: byVerdict.evaluating,
    wouldBeBlocked: { total: blockedTotal, items: blocked, truncated: blockedTotal - blocked.length },
  };
  if (deps.reports)
    report.reportBlob = await deps.reports.write(`${deps.registry.toLowerCase()}/backfill-${pass.passId}.json`, report);
  return report;
}
