import type { AcrClient, LoginServer } from "../acr/index.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { SweepRules } from "./classify.js";
import type { PassStore } from "./checkpoint.js";
import type { RequestCounter } from "./enumerate/request-counter.js";
import { handleManifest } from "./handle-manifest.js";
import { managementFindings } from "./management/findings.js";
import type { ManagementView } from "./management/view.js";
import { errorMessage, runPass, type PassRunResult } from "./pass-runner.js";
import type { PipelineDirectory } from "./pipeline-view.js";
import { reportBlobName, type ReportStore } from "./report-store.js";
import type { SweepReport } from "./report.js";
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

/**
 * One run of the compliance sweep over one registry: management-plane checks, then a budgeted, resumable walk over the
 * catalog and every repository's manifest list (no per-manifest GETs), acting on pending manifests, and a report.
 * A failure in the middle ends the run cleanly: the position is saved, the error is in the report, the next run resumes.
 */
export async function sweepRegistry(deps: RegistrySweepDeps, options: SweepRunOptions): Promise<SweepReport> {
  const tally = new SweepTally();
  const management = await deps.readManagement();
  const manifestDeps = { ...deps, tally };
  const run = await runPass("sweep", deps, {
    deadline: options.deadline,
    onManifest: (manifest) => handleManifest(manifestDeps, manifest),
  });
  tally.repositories = run.repositories;
  tally.repositoriesVanished = run.repositoriesVanished;
  const report = buildReport(deps, options.trigger, run, tally, management);
  if (deps.reports && run.outcome !== "skipped-busy") {
    try {
      report.reportBlob = await deps.reports.write(reportBlobName(deps.registry, run.startedAt), report);
    } catch (error) {
      report.error ??= { message: `the report could not be stored: ${errorMessage(error)}` };
    }
  }
  return report;
}

function buildReport(
  deps: RegistrySweepDeps,
  trigger: string,
  run: PassRunResult,
  tally: SweepTally,
  management: ManagementView,
): SweepReport {
  const finishedAt = deps.now();
  return {
    kind: "compliance-sweep",
    registry: deps.registry,
    runId: run.runId,
    trigger,
    startedAt: run.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - run.startedAt.getTime(),
    outcome: run.outcome,
    pass: {
      id: run.pass.passId,
      startedAt: run.pass.passStartedAt,
      resumedAfter: run.resumedAfter,
      complete: run.outcome === "complete",
      stoppedAt: run.stoppedAt,
      gaveUp: run.gaveUp,
    },
    ...(run.error ? { error: run.error } : {}),
    management,
    findings: managementFindings(management, { loginServer: deps.registry, appHostname: deps.appHostname }),
    counts: {
      repositories: tally.repositories,
      repositoriesSkippedAsDone: run.repositoriesSkippedAsDone,
      repositoriesVanished: tally.repositoriesVanished,
      manifests: tally.manifests,
      byState: tally.byState,
      pending: tally.pendingTotal(),
      decisions: { ...tally.decisions },
      ageBuckets: tally.ageBuckets,
    },
    stale: tally.stale.toJSON(),
    expired: tally.expired.toJSON(),
    started: tally.started.toJSON(),
    restarted: tally.restarted.toJSON(),
    endedPending: tally.endedPending.toJSON(),
    actionErrors: tally.actionErrors.toJSON(),
    requests: deps.counter.report(deps.budgetPerMinute),
    settings: {
      staleAfter: deps.rules.staleAfterIso,
      maxQuarantineAge: deps.rules.maxQuarantineAgeIso,
      expireInQuarantine: deps.rules.expireInQuarantine,
      readBudgetPercent: deps.readBudgetPercent,
      concurrency: deps.concurrency,
    },
  };
}
