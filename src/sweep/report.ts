import type { Finding } from "./management/findings.js";
import type { ManagementView } from "./management/view.js";
import type { RequestReport } from "./enumerate/request-counter.js";
import type { ImageEntry } from "./tally.js";
import type { SweepDecision } from "./classify.js";

export type RunOutcome = "complete" | "stopped-by-error" | "stopped-by-time-limit" | "skipped-busy";

interface CappedListJson {
  total: number;
  items: ImageEntry[];
  truncated: number;
}

/** The compliance report of one run over one registry, written as JSON to compliance-reports/{registry}/{timestamp}.json. */
export interface SweepReport {
  kind: "compliance-sweep";
  registry: string;
  runId: string;
  trigger: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  outcome: RunOutcome;
  /** The pass over the catalog this run belongs to: a pass resumes across runs until one reaches the end. */
  pass: {
    id: string;
    startedAt: string;
    resumedAfter: string | undefined;
    complete: boolean;
    stoppedAt: string | undefined;
    gaveUp: string[];
  };
  error?: { message: string; repository?: string };
  management: ManagementView;
  findings: Finding[];
  counts: {
    repositories: number;
    repositoriesSkippedAsDone: number;
    repositoriesVanished: number;
    manifests: number;
    /** Raw quarantineState → manifests ("(none)" when the registry reports none). */
    byState: Record<string, number>;
    pending: number;
    decisions: Record<SweepDecision["kind"], number>;
    /** Pending manifests by time since push. */
    ageBuckets: Record<string, number>;
  };
  stale: CappedListJson;
  expired: CappedListJson;
  started: CappedListJson;
  restarted: CappedListJson;
  endedPending: CappedListJson;
  /** Manifests whose action failed on their own (deleted meanwhile, write not confirmed); the run went on. */
  actionErrors: CappedListJson;
  requests: RequestReport;
  settings: {
    staleAfter: string;
    maxQuarantineAge: string;
    expireInQuarantine: boolean;
    readBudgetPercent: number;
    concurrency: number;
  };
  reportBlob?: string;
}

function list(values: Record<string, number>): string {
  const entries = Object.entries(values).filter(([, n]) => n > 0);
  return entries.length ? entries.map(([k, n]) => `${k} ${n}`).join(", ") : "none";
}

/** One readable log line: what state the registry is in, what the sweep did, what it cost. */
export function summaryLine(report: SweepReport): string {
  if (report.outcome === "skipped-busy")
    return `compliance sweep ${report.registry}: skipped, ${report.error?.message ?? "another run holds the registry"}`;
  const c = report.counts;
  const d = c.decisions;
  const how =
    report.outcome === "complete"
      ? "complete"
      : report.outcome === "stopped-by-time-limit"
        ? `stopped at the time limit after ${report.pass.stoppedAt ?? "(start)"}`
        : `stopped by an error (${report.error?.message.slice(0, 200) ?? "unknown"})`;
  const stale = report.stale.items
    .slice(0, 5)
    .map((s) => `${s.image} [${s.stage ?? s.runtimeStatus ?? "?"}]`)
    .join("; ");
  const r = report.requests;
  return [
    `compliance sweep ${report.registry}: ${how}${report.pass.resumedAfter ? ` (resumed after ${report.pass.resumedAfter})` : ""}`,
    `${c.repositories} repositories, ${c.manifests} manifests (${list(c.byState)})`,
    `pending ${c.pending}: started ${d.start}, restarted ${d.restart}, in progress ${d["in-progress"]}, stale ${d.stale}, expired ${d.expire}, ended but pending ${d["ended-pending"]}`,
    `ages ${list(c.ageBuckets)}`,
    `stale: ${stale || "none"}${report.stale.total > 5 ? ` and ${report.stale.total - 5} more` : ""}`,
    `${report.actionErrors.total ? `${report.actionErrors.total} manifests failed their action; ` : ""}${report.pass.gaveUp.length ? `gave up on ${report.pass.gaveUp.join(", ")}; ` : ""}findings: ${report.findings.length ? report.findings.map((f) => `${f.severity} ${f.code}`).join(", ") : "none"}`,
    `requests ${r.total} (catalog ${r.catalog}, manifest lists ${r.manifestList}, manifest gets ${r.manifestGet}, patches ${r.manifestPatch}, tokens ${r.token + r.exchange}, ARM ${r.arm}) within ${r.budgetPerMinute}/min`,
    `${report.durationMs} ms${report.reportBlob ? `; report ${report.reportBlob}` : ""}`,
  ].join("; ");
}
