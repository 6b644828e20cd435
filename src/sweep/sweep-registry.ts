import { randomUUID } from "node:crypto";
import { AcrNotFoundError, type AcrClient, type LoginServer } from "../acr/index.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { SweepRules } from "./classify.js";
import { PassBusyError, freshPass, type PassState, type PassStore } from "./checkpoint.js";
import type { RequestCounter } from "./enumerate/request-counter.js";
import { walkRepositories, type WalkResult } from "./enumerate/walk.js";
import { handleManifest } from "./handle-manifest.js";
import { managementFindings } from "./management/findings.js";
import type { ManagementView } from "./management/view.js";
import type { PipelineDirectory } from "./pipeline-view.js";
import { reportBlobName, type ReportStore } from "./report-store.js";
import { summaryLine, tallyCounts, type RunOutcome, type SweepReport } from "./report.js";
import { SweepTally } from "./tally.js";

export interface RegistrySweepDeps {
  registry: LoginServer;
  /** The sweep's own client: its requestsPerMinute is the read budget, its HttpClient the counter's. */
  acr: AcrClient;
  counter: RequestCounter;
  budgetPerMinute: number;
  pipelines: PipelineDirectory;
  passes: PassStore;
  /** Undefined: the report is returned but not stored. */
  reports: ReportStore | undefined;
  audit: Pick<AuditLog, "record">;
  readManagement: () => Promise<ManagementView>;
  appHostname: string | undefined;
  rules: SweepRules & { staleAfterIso: string; maxQuarantineAgeIso: string };
  readBudgetPercent: number;
  concurrency: number;
  statusBaseUrl: string | undefined;
  now: () => Date;
}

export interface SweepRunOptions {
  trigger: string;
  /** No repository is started after this (epoch ms): the run ends cleanly and the next one resumes. */
  deadline: number;
}

/** The catalog page size: ACR's maximum, so the catalog costs as few requests as possible. */
export const PAGE_SIZE = 1000;
/** Progress is saved at most this often (plus at the end), so a crash loses at most this much work. */
const SAVE_EVERY_MS = 5_000;
/** How long past the deadline the lease outlives a run that died without releasing it. */
const LEASE_MARGIN_MS = 5 * 60_000;

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 1_000);
}

/**
 * One run of the compliance sweep over one registry: management-plane checks, then a budgeted, resumable walk over the
 * catalog and every repository's manifest list (no per-manifest GETs), acting on pending manifests, and a report.
 * A failure in the middle ends the run cleanly: the position is saved, the error is in the report, the next run resumes.
 */
export async function sweepRegistry(deps: RegistrySweepDeps, options: SweepRunOptions): Promise<SweepReport> {
  const startedAt = deps.now();
  const runId = randomUUID().slice(0, 8);
  const tally = new SweepTally();
  let lease;
  try {
    lease = await deps.passes.acquire("sweep", deps.registry, runId, new Date(options.deadline + LEASE_MARGIN_MS), startedAt);
  } catch (error) {
    const busy = error instanceof PassBusyError;
    const why = busy ? error.message : `the pass state is unavailable, nothing was swept: ${message(error)}`;
    return finish(deps, { runId, startedAt, trigger: options.trigger, tally, outcome: busy ? "skipped-busy" : "stopped-by-error", pass: freshPass(startedAt), error: { message: why } });
  }
  const pass = lease.resumed ?? freshPass(startedAt);
  const management = await deps.readManagement();
  const handle = deps.acr.registry(deps.registry);
  const manifestDeps = { ...deps, tally };
  let lastSave = Date.now();

  const walk: WalkResult = await walkRepositories({
    repositories: handle.listRepositories({ pageSize: PAGE_SIZE }),
    resumeFrom: pass.position,
    concurrency: deps.concurrency,
    deadline: options.deadline,
    visit: async (repository) => {
      try {
        for await (const manifest of handle.listManifests(repository, { pageSize: PAGE_SIZE })) await handleManifest(manifestDeps, manifest);
      } catch (error) {
        // Deleted between the catalog page and its listing: nothing left to gate.
        if (error instanceof AcrNotFoundError) tally.repositoriesVanished += 1;
        else throw error;
      }
    },
    onProgress: async (position) => {
      if (Date.now() - lastSave < SAVE_EVERY_MS) return;
      lastSave = Date.now();
      await lease.save({ ...pass, position }, { holdUntil: new Date(options.deadline + LEASE_MARGIN_MS) });
    },
  });
  tally.repositories = walk.visited;

  const complete = walk.stoppedBy === "done";
  const error = walk.error === undefined ? undefined : { message: message(walk.error), ...(walk.failedRepository ? { repository: walk.failedRepository } : {}) };
  const finalState: PassState = complete
    ? { ...pass, inProgress: false, position: { lastCompleted: undefined, completedAhead: [] }, lastError: undefined, lastRunAt: startedAt.toISOString() }
    : { ...pass, inProgress: true, position: walk.position, lastError: error?.message, lastRunAt: startedAt.toISOString() };
  let saveError: { message: string } | undefined;
  try {
    await lease.save(finalState, { release: true });
  } catch (caught) {
    saveError = { message: `the pass state could not be saved (the next run repeats this one's work): ${message(caught)}` };
  }
  const outcome: RunOutcome = complete ? "complete" : walk.stoppedBy === "time-limit" ? "stopped-by-time-limit" : "stopped-by-error";
  return finish(deps, {
    runId,
    startedAt,
    trigger: options.trigger,
    tally,
    outcome,
    pass: { ...pass, inProgress: !complete },
    resumedAfter: lease.resumed?.position.lastCompleted,
    stoppedAt: complete ? undefined : walk.position.lastCompleted,
    skipped: walk.skipped,
    management,
    error: error ?? saveError,
  });
}

interface Finished {
  runId: string;
  startedAt: Date;
  trigger: string;
  tally: SweepTally;
  outcome: RunOutcome;
  pass: PassState;
  resumedAfter?: string;
  stoppedAt?: string;
  skipped?: number;
  management?: ManagementView;
  error?: { message: string; repository?: string };
}

async function finish(deps: RegistrySweepDeps, run: Finished): Promise<SweepReport> {
  const finishedAt = deps.now();
  const management: ManagementView = run.management ?? { state: "not-configured" };
  const { tally } = run;
  const report: SweepReport = {
    kind: "compliance-sweep",
    registry: deps.registry,
    runId: run.runId,
    trigger: run.trigger,
    startedAt: run.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - run.startedAt.getTime(),
    outcome: run.outcome,
    pass: { id: run.pass.passId, startedAt: run.pass.passStartedAt, resumedAfter: run.resumedAfter, complete: run.outcome === "complete", stoppedAt: run.stoppedAt },
    ...(run.error ? { error: run.error } : {}),
    management,
    findings: run.management ? managementFindings(management, { loginServer: deps.registry, appHostname: deps.appHostname }) : [],
    counts: tallyCounts(tally, run.skipped ?? 0),
    stale: tally.stale.toJSON(),
    expired: tally.expired.toJSON(),
    started: tally.started.toJSON(),
    restarted: tally.restarted.toJSON(),
    endedPending: tally.endedPending.toJSON(),
    requests: { ...deps.counter.snapshot(), total: deps.counter.total(), readOps: deps.counter.readOps(), budgetPerMinute: deps.budgetPerMinute },
    settings: {
      staleAfter: deps.rules.staleAfterIso,
      maxQuarantineAge: deps.rules.maxQuarantineAgeIso,
      expireInQuarantine: deps.rules.expireInQuarantine,
      readBudgetPercent: deps.readBudgetPercent,
      concurrency: deps.concurrency,
    },
  };
  if (deps.reports && run.outcome !== "skipped-busy") {
    const name = reportBlobName(deps.registry, run.startedAt);
    try {
      report.reportBlob = await deps.reports.write(name, report);
    } catch (error) {
      report.error ??= { message: `the report could not be stored: ${message(error)}` };
    }
  }
  return report;
}

/** The line to log for a report (kept here so callers need only this module). */
export { summaryLine };
