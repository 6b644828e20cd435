import type { ManifestAttributes } from "../../acr/index.js";
import type { RequestCounter, RequestReport } from "../enumerate/request-counter.js";
import { runPass, type PassRunDeps } from "../pass-runner.js";
import type { RunOutcome } from "../report.js";
import type { ShadowEvaluations } from "./shadow.js";

export interface BackfillDeps extends PassRunDeps {
  counter: RequestCounter;
  budgetPerMinute: number;
  shadow: ShadowEvaluations;
}

/** What one POST of the backfill did: the enumeration part (evaluations run on in the background). */
export interface BackfillRunReport {
  kind: "backfill-run";
  registry: string;
  backfillId: string;
  startedAt: string;
  outcome: RunOutcome;
  enumerationComplete: boolean;
  resumedAfter: string | undefined;
  stoppedAt: string | undefined;
  /** Repositories given up after repeated read failures (read again by the next backfill). */
  gaveUp: string[];
  error?: { message: string; repository?: string };
  /** Over every run of this backfill so far. */
  totals: { manifests: number; evaluationsStarted: number; alreadyEvaluating: number; alreadyDecided: number };
  requests: RequestReport;
}

function bump(totals: Record<string, number>, key: string): void {
  totals[key] = (totals[key] ?? 0) + 1;
}

/**
 * Backfill, to run before quarantine is turned on: every existing manifest, decided or not, gets a shadow
 * evaluation — scan and policy, never a write to ACR — so the report can say what would be
 * blocked. ACR's docs tell users to scan existing images first "using catalog API and manifest list API"; this is
 * that, under the same read budget and resumable the same way as the sweep. A POST continues an unfinished backfill,
 * or starts a new one (restart: always a new one).
 */
export async function backfillRegistry(
  deps: BackfillDeps,
  options: { deadline: number; restart?: boolean },
): Promise<BackfillRunReport> {
  const onManifest = async (manifest: ManifestAttributes, pass: { passId: string; totals: Record<string, number> }) => {
    bump(pass.totals, "manifests");
    // Decided manifests are evaluated too (counted for the report): before quarantine is on, the registry's state says
    // nothing about what the policy would do, and ACR may report Passed for images that were never quarantined.
    if (manifest.quarantine.status !== "pending") bump(pass.totals, "alreadyDecided");
    const started = await deps.shadow.start(
      pass.passId,
      { loginServer: manifest.registry, repository: manifest.repository, digest: manifest.digest },
      manifest.tags[0],
    );
    bump(pass.totals, started ? "evaluationsStarted" : "alreadyEvaluating");
  };
  const run = await runPass("backfill", deps, { deadline: options.deadline, restart: options.restart, onManifest });
  const t = run.pass.totals;
  return {
    kind: "backfill-run",
    registry: deps.registry,
    backfillId: run.pass.passId,
    startedAt: run.startedAt.toISOString(),
    outcome: run.outcome,
    enumerationComplete: run.outcome === "complete",
    resumedAfter: run.resumedAfter,
    stoppedAt: run.stoppedAt,
    gaveUp: run.gaveUp,
    ...(run.error ? { error: run.error } : {}),
    totals: {
      manifests: t.manifests ?? 0,
      evaluationsStarted: t.evaluationsStarted ?? 0,
      alreadyEvaluating: t.alreadyEvaluating ?? 0,
      alreadyDecided: t.alreadyDecided ?? 0,
    },
    requests: deps.counter.report(deps.budgetPerMinute),
  };
}
