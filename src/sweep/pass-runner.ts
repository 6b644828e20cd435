import { randomUUID } from "node:crypto";
import { AcrNotFoundError, type AcrClient, type LoginServer, type ManifestAttributes } from "../acr/index.js";
import { PassBusyError, freshPass, type PassKind, type PassState, type PassStore } from "./checkpoint.js";
import { walkRepositories } from "./enumerate/walk.js";
import type { RunOutcome } from "./report.js";
import { withPrefetchedTokens } from "./enumerate/prefetch.js";

export interface PassRunDeps {
  registry: LoginServer;
  /** A budgeted registry client (its requestsPerMinute is the read budget). */
  acr: AcrClient;
  passes: PassStore;
  concurrency: number;
  now: () => Date;
}

export interface PassRunOptions {
  /** No repository is started after this (epoch ms). */
  deadline: number;
  /** Start a new pass even if one is unfinished. */
  restart?: boolean;
  /** Called for every manifest of every repository, from the manifest list (no per-manifest GETs). */
  onManifest: (manifest: ManifestAttributes, pass: PassState) => Promise<void>;
}

export interface PassRunResult {
  runId: string;
  startedAt: Date;
  outcome: RunOutcome;
  /** The pass as saved at the end; its totals are the caller's, accumulated over every run of the pass. */
  pass: PassState;
  resumedAfter: string | undefined;
  stoppedAt: string | undefined;
  repositories: number;
  repositoriesSkippedAsDone: number;
  repositoriesVanished: number;
  /** Repositories this pass gave up on: their reads failed in MAX_REPEATED_FAILURES runs in a row. */
  gaveUp: string[];
  error?: { message: string; repository?: string };
}

/** The catalog page size: ACR's maximum, so the catalog costs as few requests as possible. */
export const PAGE_SIZE = 1000;
/** Progress is saved at most this often (and at the end), so a crash repeats at most this much work. */
const SAVE_EVERY_MS = 5_000;
/**
 * A repository whose reads fail this many runs in a row is given up for the pass (reported, read again by the next
 * pass), so one broken repository cannot hold the rest of the registry back forever.
 */
export const MAX_REPEATED_FAILURES = 3;
/** How long past the deadline the lease outlives a run that died without releasing it. */
const LEASE_MARGIN_MS = 5 * 60_000;

export function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 1_000);
}

/**
 * One run of a pass (sweep or backfill) over a registry: takes the registry's lease, resumes an unfinished pass or
 * starts one, walks catalog and manifest lists under the read budget, and saves where it got to. An error or the
 * deadline ends the run cleanly; the next run resumes after the last repository finished.
 */
export async function runPass(kind: PassKind, deps: PassRunDeps, options: PassRunOptions): Promise<PassRunResult> {
  const startedAt = deps.now();
  const runId = randomUUID().slice(0, 8);
  const holdUntil = () => new Date(options.deadline + LEASE_MARGIN_MS);
  const counts = { repositories: 0, repositoriesSkippedAsDone: 0, repositoriesVanished: 0 };
  let lease;
  try {
    lease = await deps.passes.acquire(kind, deps.registry, runId, holdUntil(), startedAt);
  } catch (error) {
    const busy = error instanceof PassBusyError;
    const message = busy ? error.message : `the pass state is unavailable, nothing was read: ${errorMessage(error)}`;
    return {
      runId,
      startedAt,
      outcome: busy ? "skipped-busy" : "stopped-by-error",
      pass: freshPass(startedAt),
      resumedAfter: undefined,
      stoppedAt: undefined,
      ...counts,
      gaveUp: [],
      error: { message },
    };
  }
  const resumed = options.restart ? undefined : lease.resumed;
  const pass = resumed ?? freshPass(startedAt);
  if (pass.failures && pass.failures.count >= MAX_REPEATED_FAILURES) {
    pass.gaveUp = [...pass.gaveUp, pass.failures.repository].slice(-100);
    pass.position = { ...pass.position, completedAhead: [...pass.position.completedAhead, pass.failures.repository] };
    pass.failures = undefined;
  }
  const handle = deps.acr.registry(deps.registry);
  const clock = () => deps.now().getTime();
  let lastSave = clock();

  const walk = await walkRepositories({
    repositories: withPrefetchedTokens(handle.listRepositories({ pageSize: PAGE_SIZE }), (batch) =>
      handle.prefetchListingTokens(batch),
    ),
    resumeFrom: pass.position,
    concurrency: deps.concurrency,
    deadline: options.deadline,
    now: clock,
    visit: async (repository) => {
      try {
        for await (const manifest of handle.listManifests(repository, { pageSize: PAGE_SIZE }))
          await options.onManifest(manifest, pass);
      } catch (error) {
        // Deleted between the catalog page and its listing: nothing left to read.
        if (error instanceof AcrNotFoundError) counts.repositoriesVanished += 1;
        else throw error;
      }
    },
    onProgress: async (position) => {
      if (clock() - lastSave < SAVE_EVERY_MS) return;
      lastSave = clock();
      await lease.save({ ...pass, position }, { holdUntil: holdUntil() });
    },
  });

  const complete = walk.stoppedBy === "done";
  let error =
    walk.error === undefined
      ? undefined
      : { message: errorMessage(walk.error), ...(walk.failedRepository ? { repository: walk.failedRepository } : {}) };
  const failedAt = walk.failedRepository;
  const failures =
    failedAt === undefined
      ? undefined
      : { repository: failedAt, count: pass.failures?.repository === failedAt ? pass.failures.count + 1 : 1 };
  const final: PassState = complete
    ? {
        ...pass,
        inProgress: false,
        position: { lastCompleted: undefined, completedAhead: [] },
        lastError: undefined,
        lastRunAt: startedAt.toISOString(),
        failures: undefined,
      }
    : {
        ...pass,
        inProgress: true,
        position: walk.position,
        lastError: error?.message,
        lastRunAt: startedAt.toISOString(),
        failures,
      };
  try {
    await lease.save(final, { release: true });
  } catch (caught) {
    error ??= {
      message: `the pass state could not be saved (the next run repeats this one's work): ${errorMessage(caught)}`,
    };
  }
  return {
    runId,
    startedAt,
    outcome: complete ? "complete" : walk.stoppedBy === "time-limit" ? "stopped-by-time-limit" : "stopped-by-error",
    pass: final,
    resumedAfter: resumed?.position.lastCompleted,
    stoppedAt: complete ? undefined : walk.position.lastCompleted,
    repositories: walk.visited,
    repositoriesSkippedAsDone: walk.skipped,
    repositoriesVanished: counts.repositoriesVanished,
    gaveUp: pass.gaveUp,
    ...(error ? { error } : {}),
  };
}
