import type { StartResult } from "../instances.js";
import { pipelineInstanceId } from "../contract/index.js";
import type { InboxBatch, InboxEntry, WebhookInbox } from "./inbox.js";

export interface InboxDrainDeps {
  inbox: WebhookInbox;
  /** Starts the entry's pipeline idempotently (startPipeline with claims: a repeat finds it started). */
  start(entry: InboxEntry): Promise<StartResult>;
  log(line: string): void;
  warn(line: string): void;
}

export interface DrainReport {
  /** Pipelines this drain started. */
  started: number;
  /** Entries whose pipeline already existed (a repeated delivery, or a drain that ran before). */
  existing: number;
  /** Entries left for the next drain because their start failed. */
  failed: number;
  /** Batches or entries that are not inbox entries (left in place, and named in the log). */
  unreadable: number;
}

/** Starts at a time: the drain runs beside the webhook and the pipelines it starts, and must not crowd them out. */
export const DRAIN_CONCURRENCY = 4;

/**
 * Starts the pipeline of every entry in the inbox and removes a batch once all its starts are durable. A start that
 * fails leaves its batch for the next drain (nothing is lost; the log says which and why; the batch's other entries
 * find their pipelines started then); a start that finds its pipeline already there counts as done, so running two
 * drains at once, or one twice, starts nothing twice. Repeats of a digest within a batch are started once.
 */
export async function drainInbox(deps: InboxDrainDeps, concurrency = DRAIN_CONCURRENCY): Promise<DrainReport> {
  const report: DrainReport = { started: 0, existing: 0, failed: 0, unreadable: 0 };
  const running = new Set<Promise<void>>();
  const removals: Array<Promise<void>> = [];
  const unreadable = (id: string): void => {
    report.unreadable += 1;
    deps.warn(`webhook inbox: ${id.slice(0, 120)} is not an inbox batch; left in place`);
  };
  const run = async (task: () => Promise<void>): Promise<void> => {
    while (running.size >= concurrency) await Promise.race(running);
    const promise = task().finally(() => running.delete(promise));
    running.add(promise);
  };
  for await (const batch of deps.inbox.pending(unreadable)) {
    if (batch.unreadable > 0) {
      report.unreadable += batch.unreadable;
      deps.warn(`webhook inbox: ${batch.id.slice(0, 120)} holds ${batch.unreadable} unreadable entries; left in place`);
    }
    const outcomes = uniqueEntries(batch).map(
      (entry) =>
        new Promise<boolean>((resolve) => {
          void run(() => startOne(deps, entry, report).then(resolve));
        }),
    );
    // The batch goes once every start in it is durable; waiting for that takes no start slot.
    removals.push(
      Promise.all(outcomes).then(async (started) => {
        if (batch.unreadable === 0 && started.every(Boolean)) await removeBatch(deps, batch, report);
      }),
    );
  }
  await Promise.all(removals);
  if (report.started + report.existing + report.failed > 0)
    deps.log(
      `webhook inbox drained: ${report.started} started, ${report.existing} already there, ${report.failed} left for the next drain`,
    );
  return report;
}

function uniqueEntries(batch: InboxBatch): InboxEntry[] {
  const byId = new Map<string, InboxEntry>();
  for (const entry of batch.entries) byId.set(pipelineInstanceId(entry.image), entry);
  return [...byId.values()];
}

async function removeBatch(deps: InboxDrainDeps, batch: InboxBatch, report: DrainReport): Promise<void> {
  try {
    await deps.inbox.remove(batch);
  } catch (error) {
    // Its pipelines are started: the next drain finds them there and removes it then.
    report.failed += 1;
    deps.warn(
      `webhook inbox: ${batch.id.slice(0, 120)} not removed yet (${codeOf(error)}); the next drain tries again`,
    );
  }
}

/** True once the entry's pipeline is started (or found already there). */
async function startOne(deps: InboxDrainDeps, entry: InboxEntry, report: DrainReport): Promise<boolean> {
  try {
    const result = await deps.start(entry);
    if (result.started) report.started += 1;
    else report.existing += 1;
    return true;
  } catch (error) {
    report.failed += 1;
    deps.warn(
      `webhook inbox: ${entry.image.repository}@${entry.image.digest} not started yet (${codeOf(error)}); the next drain tries again`,
    );
    return false;
  }
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" ? code : ((error as Error)?.name ?? "Error");
}
